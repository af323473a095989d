"""The request docs cannot drift from the vocabulary.

- Every request example in SKILL.md and references/ (fenced ```request OPERATION / ```request-refused blocks)
  parses to the operation it names, or is refused.
- Every `Label:` line in those examples uses a label spelling the vocabulary has (an unknown label would
  silently become part of the value above it).
- Operations named in backticks in those files exist; references/requests.md names every operation and the
  primary label of every argument.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from skill.errors import RequestNotUnderstood
from skill.reader import OPERATIONS, parse, tables
from skill.reader.lexicon import label_key as _label_key
from skill.vocabulary import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
REQUESTS_DOC = ROOT / "references" / "requests.md"
BLOCK = re.compile(r"^```(request(?:-refused)?)[ \t]*([\w-]*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
LABEL = re.compile(r"^\s*([A-Za-z][A-Za-z _-]{0,40}?)\s*:(?:\s|$)")


def _docs() -> list[Path]:
    files = [ROOT / "SKILL.md"] + sorted((ROOT / "references").glob("*.md"))
    return [f for f in files if f.exists()]


def _blocks():
    found = []
    for path in _docs():
        for match in BLOCK.finditer(path.read_text(encoding="utf-8")):
            found.append(
                pytest.param(
                    match.group(1),
                    match.group(2),
                    match.group(3),
                    id=f"{path.name}:{path.read_text()[: match.start()].count(chr(10)) + 1}",
                )
            )
    return found


FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _any_request_blocks():
    """Every fenced block of SKILL.md and references/ that is a request in words, whatever its info string."""
    found = []
    for path in _docs():
        text = path.read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            body = match.group(2)
            if re.match(r"\s*(?:request to )?@?bazinga[- ]db\b", body, re.IGNORECASE):
                line = text[: match.start()].count("\n") + 1
                found.append(pytest.param(match.group(1).strip(), body, id=f"{path.name}:{line}"))
    return found


@pytest.mark.parametrize("info, text", _any_request_blocks())
def test_every_request_in_the_docs_parses_or_is_marked_refused(info, text):
    """A request shown anywhere in SKILL.md or references/ works, unless the docs say it is refused."""
    if info.startswith("request-refused"):
        with pytest.raises(RequestNotUnderstood):
            parse(text)
    else:
        command, _ = parse(text)
        if info.startswith("request "):
            assert command == info.split()[1]


def test_the_requests_reference_has_examples():
    kinds = [b.values[0] for b in _blocks()]
    assert kinds.count("request") >= 8 and kinds.count("request-refused") >= 2


@pytest.mark.parametrize("kind, operation, text", _blocks())
def test_documented_request(kind, operation, text):
    if kind == "request-refused":
        with pytest.raises(RequestNotUnderstood):
            parse(text)
        return
    assert operation in OPERATIONS, f"unknown operation {operation!r} in the docs"
    command, _ = parse(text)
    assert command == operation
    labels = tables()["_label"]
    first_line = text.strip().split("\n", 1)[0]
    for line in text.split("\n"):
        match = LABEL.match(line)
        if match and line != first_line and not line.startswith(" "):
            assert _label_key(match.group(1)) in labels, f"label {match.group(1)!r} is not in the vocabulary"


def test_operations_named_in_the_docs_exist():
    pattern = re.compile(r"`((?:create|update|get|list|log|stream|save|set|token|dashboard)-[a-z-]+)`")
    for path in _docs():
        for name in pattern.findall(path.read_text(encoding="utf-8")):
            assert name in COMMANDS, f"{path.name} names {name!r}, which the vocabulary does not have"


def test_the_requests_reference_names_every_operation_and_label():
    text = REQUESTS_DOC.read_text(encoding="utf-8")
    for operation in OPERATIONS:
        assert f"| {operation} |" in text, operation
    names = tables()["label_names"]
    for spec in OPERATIONS.values():
        for arg in spec["args"]:
            if arg["name"] == "increment_revision":
                continue
            assert names[arg["name"]][0] in text, names[arg["name"]][0]
    rows = re.findall(r"^\| ([a-z-]+) \|", text, re.MULTILINE)
    assert set(rows) - {"operation"} == set(OPERATIONS), "a table row names an operation the vocabulary lacks"
