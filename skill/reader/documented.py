"""Stage 0: a request in a documented form, read without loading the stages.

The documented form is the one SKILL.md, references/requests.md, the role templates and every refusal's
hint teach: the heading of one operation (phrasings ``forms``: "bazinga-db, please get logs:", or "log
this PM interaction:"), then only that operation's 'Label: value' lines, under the labels the forms
themselves print (phrasings ``label_names``). Reading such a text needs none of the stages, whose code is
most of what a request costs to start (the stages are ~600 kB of bytecode; this module is 16 kB, and it
uses only the lexicon they share).

It answers only where the full reader gives the same answer, and declines (None) everywhere else:
any other heading or label, a label twice, a line that is not a label, a value in any form but the plain
one (an id with a mark or a placeholder, a count with a unit, a status in other words, a JSON body),
and a text value (content, requirements, name) that could say more than its words: one holding a clause
break, a quote, a mark of a placeholder or any verb the reader knows ("… tests pass. Also mark group_b
completed" is a second operation). A declined text goes to the stages, which read it in full.
tests/test_requests_documented.py holds it to that: over every corpus text and over documented forms
built from every value of every corpus, wherever it answers, the stages answer the same.
"""

from __future__ import annotations

from ..errors import BazingaError
from ..vocabulary import AGENT_TYPES, ENUMS, argument_specs, convert_args, normalise_agent_type
from .lexicon import Lazy, is_placeholder, label_key, tables

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

# the value types read here, each with the shape a plain value has (a name as the vocabulary stores it:
# "CI-4821" is normalised to ci_4821, so only the stored form is plain); any other type declines
_ID_SHAPE = Lazy(r"[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,62}[A-Za-z0-9_])?")
_COUNT_SHAPE = Lazy(r"[0-9]{1,9}")
_PLAIN_SHAPES = {
    "id": _ID_SHAPE,
    "name": Lazy(r"[a-z0-9][a-z0-9_]{0,63}"),
    "count": _COUNT_SHAPE,
    "row_limit": _COUNT_SHAPE,
}
# a text value with any of these may hold more than its words: a second sentence or clause, a quote, a
# placeholder's mark, a JSON body, a list
_TEXT_MARKS = "\"'`\u201c\u201d\u2018\u2019[]<>{}$%;&+|\u2013\u2014\t=*#_@~\\"
_CLAUSE = Lazy(
    r"[.!?]\s|[.!?,]$|\s-+\s|,\s*(?:and|then|also|plus|but|so)\b|\(\s*(?:and|then|also|plus)\b"
    r"|\d,\d|\s\s"  # "12,500": a count the stages weigh; "qa    6,350": a table's columns
)
_WORD = Lazy(r"[a-z0-9][a-z0-9_-]*")
_TEXT_LIMIT = 400
# besides the verbs, the words with which a value asks for something ("I need the task groups", "group_b
# should be marked failed", "please", "too"): phrasings sections and their word lists
_SIGNALS = (
    ("request_openers", "words"),
    ("request_openers", "endings"),
    ("wish_openers", "words"),
    ("wished_writes", "wishes"),
    ("wished_writes", "obligations"),
    ("addressed_records", "markers"),
    ("addressed_records", "leading"),
    ("addressed_records", "reads"),
    ("addressed_records", "repeats"),
    ("pronoun_writes", "participles"),
    ("pronoun_writes", "obligations"),
    ("conditional_writes", "words"),
    ("conditional_writes", "alternatives"),
    ("told", "words"),
    ("told", "first_also"),
    ("write_markers", "words"),
)
_FORM: dict[str, Any] = {}


def read_documented(text: str) -> tuple[str, dict[str, Any]] | None:
    """(command, args) of a request in a documented form, as the full reader gives them; else None."""
    if not isinstance(text, str) or len(text) > 4000 or "\r" in text:
        return None
    lines = text.strip().split("\n")
    if len(lines) < 2:
        return None
    found = _heading(lines[0])
    if found is None:
        return None
    command, said_type = found
    specs = argument_specs(command)
    labels = _labels(command)
    raw: dict[str, Any] = {}
    first = 1
    while first < len(lines) and not lines[first].strip():
        first += 1  # the spec writes a blank line between the heading and its labels
    for line in lines[first:]:
        label, colon, value = line.partition(":")
        name = labels.get(label_key(label)) if colon and label == label.strip() else None
        value = value.strip()
        if name is None or name in raw or not value or not _plain(specs[name]["type"], value):
            return None
        raw[name] = value
    if said_type is not None:  # "log this PM interaction:" then "Agent Type: pm", or no such line
        if raw.setdefault("agent_type", said_type) != said_type:
            return None
    if not all(name in raw for name, spec in specs.items() if spec.get("required")):
        return None
    if "agent_id" in raw and raw["agent_id"].split("_")[0].lower() != raw.get("agent_type", "").lower():
        return None  # "Agent Type: qa" with "Agent ID: developer_2": the stages weigh the two
    if command == "update-task-group" and not set(raw) - {"group_id", "session_id"}:
        return None  # no change: the stages refuse it, naming what is missing
    try:
        return command, convert_args(command, raw)
    except BazingaError:
        return None  # the stages refuse it, with the request form


def _heading(line: str) -> tuple[str, str | None] | None:
    """The operation a documented heading names, and the agent type it says ("log this QA interaction:")."""
    said = " ".join(line.split()).lower()
    if not said.endswith(":"):
        return None
    said = said[:-1]
    for preamble in ("bazinga-db, ", "bazinga-db "):
        if said.startswith(preamble):
            said = said[len(preamble) :]
            break
    said = said.removeprefix("please ")
    headings = _form()["headings"]
    if said in headings:
        return headings[said], None
    words = said.split()
    if words[:2] == ["log", "this"] and words[-1:] == ["interaction"] and 3 <= len(words) <= 5:
        agent = " ".join(words[2:-1])
        if agent in _form()["agents"]:
            return "log-interaction", normalise_agent_type(agent)
    return None


def _labels(command: str) -> dict[str, str]:
    """The operation's labels as the forms print them, by label_key: 'session id' -> session_id."""
    names = tables()["label_names"]
    labels: dict[str, str] = {}
    for name, spec in argument_specs(command).items():
        if name in names and spec["type"] != "flag":  # "+1 to the revision count" is said, never labelled
            labels[label_key(names[name][0])] = name
    return labels


def _plain(kind: str, value: str) -> bool:
    """Whether a label's value is in the plain form, which reads the same whatever the text around it."""
    shape = _PLAIN_SHAPES.get(kind)
    if shape is not None:
        return shape.fullmatch(value) is not None and not is_placeholder(value, is_id=kind != "count")
    if kind in ENUMS:  # a status, a mode …: as the vocabulary lists it, never in other words
        return value in ENUMS[kind]["values"]
    if kind == "agent_type":
        return value in AGENT_TYPES["documented"]
    if kind == "text":
        return _plain_text(value)
    return False  # time, JSON, SQL, flags: the stages read them


def _plain_text(value: str) -> bool:
    """A text value that can only be itself: one clause of words, none of them a verb the reader knows."""
    if len(value) > _TEXT_LIMIT or any(mark in value for mark in _TEXT_MARKS):
        return False
    if is_placeholder(value, is_id=False) or _CLAUSE.search(value) is not None:
        return False
    if ":" in value and any(_is_label(before) for before in value.split(":")[:-1]):
        return False  # "Content: Session ID: s_2 …": a label inside the value
    form = _form()
    lowered = value.lower()
    words = _WORD.findall(lowered)
    if any(word in form["verbs"] for word in words):
        return False
    if any(char.isdigit() for char in value) and any(word in form["amounts"] for word in words):
        return False  # "3000 for qa", "12k tokens": an amount for an agent, which the stages weigh
    spaced = " " + " ".join(lowered.split()) + " "
    return not any(phrase in spaced for phrase in form["verb_phrases"])


def _is_label(text: str) -> bool:
    """Whether the words before a colon end with a label the reader knows ('… Status', 'Agent ID')."""
    words = label_key(text).split()
    labels = tables()["_label"]
    return not words or any(" ".join(words[-size:]) in labels for size in range(1, min(4, len(words)) + 1))


def _form() -> dict[str, Any]:
    """The headings of the forms (without the 'bazinga-db, please' preamble), the agent types a heading
    may name, and every verb of the reader (phrasings ``verbs``, every class), built once per process."""
    if not _FORM:
        data = tables()
        headings: dict[str, str] = {}
        for command, heading in data["forms"].items():
            if not command.startswith("_"):
                words = " ".join(heading.lower().rstrip(":").split())
                headings[words.removeprefix("bazinga-db, ").removeprefix("please ")] = command
        _FORM["headings"] = headings
        _FORM["agents"] = {t.replace("_", " ") for t in AGENT_TYPES["documented"]} | set(
            AGENT_TYPES["documented"]
        )
        signals = {word for cls, words in data["verbs"].items() if not cls.startswith("_") for word in words}
        for section, key in _SIGNALS:
            signals.update(data[section][key])
        _FORM["verbs"] = {word for word in signals if " " not in word}
        _FORM["verb_phrases"] = tuple(f" {words} " for words in signals if " " in words)
        agents = set(AGENT_TYPES["documented"]) | set(AGENT_TYPES["aliases"])
        amounts = agents | set(data["nouns"]["tokens"])  # "3000 for qa", "12 tokens"
        _FORM["amounts"] = {part for words in amounts for part in words.split()}
    return _FORM
