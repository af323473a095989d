"""The request modules keep no copy of vocabulary data: enums, documented agent types, payload kinds and the
argument each JSON payload is named by come from prompts/commands.json (skill.vocabulary), and a copy made
later fails here."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from skill.vocabulary import AGENT_TYPES, COMMANDS, ENUMS

ROOT = Path(__file__).resolve().parent.parent
MODULES = sorted((ROOT / "skill" / "reader").glob("*.py")) + [ROOT / "skill" / "handlers" / "request.py"]
PHRASINGS = ROOT / "prompts" / "phrasings.json"

JSON_ARGS = {
    a["name"]: a["payload"] for spec in COMMANDS.values() for a in spec["args"] if a["type"] == "json"
}
PAYLOAD_KINDS = {p["kind"] for p in JSON_ARGS.values()}


def _string_collections(tree: ast.AST):
    """Every literal tuple, list or set of strings, and every literal dict with string keys, in a module."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if items:
                yield "sequence", set(items), {}
        elif isinstance(node, ast.Dict):
            pairs = {}
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    pairs[key.value] = value.value if isinstance(value, ast.Constant) else value
            if pairs:
                yield "dict", set(pairs), pairs


def _copies(tree: ast.AST) -> list[str]:
    found = []
    for kind, names, _pairs in _string_collections(tree):
        if len(names & set(ENUMS)) >= 3:
            found.append(f"a {kind} of enum names {sorted(names & set(ENUMS))}")
        if len(names & set(AGENT_TYPES["documented"])) >= 4:
            found.append(f"a {kind} of the documented agent types {sorted(names)}")
        if kind == "dict" and len(names & set(JSON_ARGS)) >= 2:
            found.append(f"a map from JSON arguments {sorted(names & set(JSON_ARGS))}")
        if len(names & PAYLOAD_KINDS) >= 3:
            found.append(f"a {kind} of payload kinds {sorted(names & PAYLOAD_KINDS)}")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_request_modules_keep_no_copy_of_vocabulary_data(path):
    assert _copies(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_check_finds_a_copy():
    # the same check on a module that does keep copies: each kind of copy is found
    source = (
        'ENUM_TYPES = ("mode", "session_status", "group_status", "review_status")\n'
        'AGENT_DOCUMENTED = ("orchestrator", "pm", "developer", "qa", "tech_lead")\n'
        '_PAYLOAD_NAME = {"state_data": "state_type", "output_data": "skill_name"}\n'
    )
    assert len(_copies(ast.parse(source))) == 3


def test_phrasings_keep_no_payload_map():
    data = json.loads(PHRASINGS.read_text(encoding="utf-8"))
    assert "payload_kinds" not in data
    # no phrasings table is keyed by the JSON arguments with payload kinds as values
    for key, value in data.items():
        if isinstance(value, dict):
            mapped = {
                k: v for k, v in value.items() if k in JSON_ARGS and isinstance(v, str) and v in PAYLOAD_KINDS
            }
            assert not mapped, key


def test_every_json_argument_names_its_payload_in_the_vocabulary():
    for name, payload in JSON_ARGS.items():
        assert set(payload) == {"kind", "name_from"}, name
        owners = [spec for spec in COMMANDS.values() if any(a["name"] == name for a in spec["args"])]
        for spec in owners:
            assert payload["name_from"] in {a["name"] for a in spec["args"]}, name


TOLD = json.loads(PHRASINGS.read_text(encoding="utf-8"))["told"]
TOLD_WORDS = set(TOLD["words"]) | set(TOLD["first_also"])


def _told_copies(tree: ast.AST) -> list[str]:
    """Copies of phrasings ``told``: a regex alternation of three of its verbs, or a collection of four."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for alternation in re.findall(r"[a-z]+(?:\|[a-z]+)+", node.value):
                if len(set(alternation.split("|")) & TOLD_WORDS) >= 3:
                    found.append(f"line {node.lineno}: {alternation}")
    for kind, names, _pairs in _string_collections(tree):
        if len(names & TOLD_WORDS) >= 4:
            found.append(f"a {kind} of the told verbs {sorted(names & TOLD_WORDS)}")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_request_modules_build_the_told_verbs_from_phrasings(path):
    # "… - please log it": the verbs were three copies in three modules, each a different subset
    assert _told_copies(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_told_check_finds_a_copy():
    source = 'A = r"(?i)(log|record|save|store|note)\\s+it"\nB = ("log", "record", "save", "store")\n'
    assert len(_told_copies(ast.parse(source))) == 2


VERB_CLASSES = set(json.loads(PHRASINGS.read_text(encoding="utf-8"))["verbs"])


def _word_set_constants(tree: ast.Module) -> list[str]:
    """Literal collections of four or more plain words, at module level or inside a function
    (``w in ("has", "have", "had", "already")``): phrasings data. A Lazy pattern's ``needs=`` (strings its
    matches hold, checked against the pattern) and the names of the phrasings' verb classes are no words."""
    needs = {id(k.value) for k in ast.walk(tree) if isinstance(k, ast.keyword) and k.arg == "needs"}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Set, ast.Tuple, ast.List)) or id(node) in needs:
            continue
        items = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if set(items) <= VERB_CLASSES:  # names of the phrasings' verb classes, not words of a text
            continue
        if (
            len(items) >= 4
            and len(items) == len(node.elts)
            and all(re.fullmatch(r"[a-z][a-z' ]*", i) for i in items)
        ):
            found.append(f"line {node.lineno}: {ast.unparse(node)[:60]}")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_request_modules_keep_their_word_sets_in_phrasings(path):
    # a rule's words (pronouns, openers, joiners …) are phrasings "function_words" (lexicon.function_words)
    assert _word_set_constants(ast.parse(path.read_text(encoding="utf-8"))) == []


def test_the_word_set_check_finds_a_constant():
    source = (
        '_PRONOUNS = {"it", "this", "that", "them"}\n_ASK = frozenset(("how", "what", "which", "whom"))\n'
    )
    source += '_CHANGES = ("create", "write", "update", "delete")\n'  # verb classes: no words
    source += (
        'def f(words):\n    return words[-1] in ("has", "have", "had", "already")\n'  # inside a function
    )
    # a pattern's needs are no words
    source += 'P = Lazy(r"(?:at|by|before|until) \\d", needs=("at", "by", "before", "until"))\n'
    assert len(_word_set_constants(ast.parse(source))) == 3


def test_every_function_word_set_is_used_by_its_module():
    data = json.loads(PHRASINGS.read_text(encoding="utf-8"))["function_words"]
    for name, module in data["_module"].items():
        assert name in data, name
        # the module, or its companion holding the functions few requests reach (lexicon.rarely_used)
        paths = [ROOT / "skill" / "reader" / f"{module}{part}.py" for part in ("", "_rare")]
        text = "".join(p.read_text(encoding="utf-8") for p in paths if p.exists())
        assert f'function_words("{name}")' in text, (name, module)
    assert set(data) - {"_about", "_module"} == set(data["_module"])
