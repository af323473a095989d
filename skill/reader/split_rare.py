"""The functions of :mod:`.split` that few requests reach, loaded on their first call.

Fewer than 5% of the corpora's texts call any one of them (measured when they were moved), and
unmarshalling code is most of what importing the reader costs: :mod:`.split` keeps a stand-in for each
(``lexicon.rarely_used``), so a request that needs none of them never loads this module. Their code and
their tests are those of :mod:`.split`; a function moves back when most requests come to need it.
"""

from __future__ import annotations

import json
import re

from ..vocabulary import AGENT_TYPES, COMMANDS, ENUMS, OPERATIONS, argument_specs
from . import regex_cache as rx
from .lexicon import (
    AGENT_ID_SHAPE,
    GROUP_ID,
    NUMBER,
    SESSION_SHAPE,
    agent_or_none,
    agent_prefix,
    enum_words,
    function_words,
    label_key,
    label_of,
    negated_ids,
    refuse,
    tables,
    words_of,
)
from .split import (
    _CORRECTION_TOKEN,
    _QUOTED_OR_JSON,
    _trailing_item,
)

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

    from ..errors import RequestNotUnderstood


def two_values(name: str, command: str, *said: str) -> RequestNotUnderstood:
    """The refusal of a value given twice, with what was said each time and what to do."""
    both = f": {said[0]!r} and {said[1]!r}" if len(said) == 2 else ""
    return refuse(
        f"two values given for {label_of(name)}{both}; give one {label_of(name)} (one request for each)",
        command,
        kind="list_of_values",
    )


def _agent_before_count(words: str, after: str) -> bool:
    """'…, investigator: 9,050': an agent type of the vocabulary or a role agents play, then a count alone
    after its colon -- the agent and its value, no label."""
    named = agent_or_none(words.strip())
    return (named in AGENT_TYPES["documented"] or named in tables()["agent_roles"]["roles"]) and bool(
        rx.fullmatch(r"\s*" + NUMBER + r"\s*(?:tokens?)?\s*[.!]?\s*", after)
    )


def _trailing_items(rest: str, arg_specs: dict[str, Any]) -> list[str] | None:
    """'at iteration 3 by developer_1', ', iteration 2 - for sess_beta': the values after a quoted text, one
    item each (the longest run of words that is one), or None when any other word stands among them."""
    items: list[str] = []
    for part in rx.split(r"[,;()]|\s[-\u2013\u2014]+\s", rest.strip().rstrip(".!")):
        words = part.split()
        start = 0
        while start < len(words):
            end = next(
                (
                    end
                    for end in range(min(len(words), start + 6), start, -1)
                    if _trailing_item(" ".join(words[start:end]).rstrip(".!"), arg_specs)
                ),
                None,
            )
            if end is None:
                return None
            items.append(" ".join(words[start:end]).rstrip(".!"))
            start = end
    return items


def _second_operation(rest: str, command: str, data: dict[str, Any]) -> None:
    """Refuse words after a request's value that ask an operation of their own ('… and mark group_a
    completed', 'Then log the tokens'): a verb, alone or after a joining word, with an object after it."""
    words = words_of(rest)
    joins = function_words("joins")
    for start in (i for i, w in enumerate(words) if i == 0 or w in joins):
        lead = start
        while lead < len(words) - 1 and words[lead] in joins:
            lead += 1
        objects = [w for w in words[lead + 1 :] if w in data["_noun"] or GROUP_ID.match(w) or w in OPERATIONS]
        if words[lead] in data["_verb"] and objects:
            raise refuse(
                f"the request holds a second operation ('{' '.join(words[start : lead + 2])} …') after its "
                f"{command}; send one request per operation",
                command,
                kind="two_operations",
            )


def _value_kind(token: str, command: str) -> str | None:
    """The kind of a value said alone: 'number', 'session', 'group', 'agent', or the enumeration of one of
    the operation's arguments ('group_status' for 'failed'); None for any other word."""
    word = token.strip(".:!?").lower()
    if GROUP_ID.match(word):
        return "group"
    if SESSION_SHAPE.fullmatch(word):
        return "session"
    if AGENT_ID_SHAPE.fullmatch(word) and agent_prefix(word) is not None:
        return "agent"
    if rx.fullmatch(NUMBER, word):
        return "number"
    for spec in argument_specs(command).values():
        if spec["type"] in ENUMS and spec["type"] != "agent_type":
            if any(word == said for said, _value in enum_words(spec["type"])):
                return str(spec["type"])
    return None


def _values_of_kind(text: str, kind: str, command: str) -> list[tuple[int, int]]:
    """Where the values of one kind stand in a text (quoted text and JSON masked, ids ruled out skipped)."""
    masked = _QUOTED_OR_JSON.sub(lambda m: " " * len(m.group(0)), text)
    if kind == "number":
        return [m.span(1) for m in rx.finditer(NUMBER, masked)]
    if kind in ENUMS:
        words = "|".join(re.escape(w) for w, _value in enum_words(kind))
        return [m.span() for m in rx.finditer(r"(?i)(?<![\w-])(?:" + words + r")(?![\w-])", masked)]
    ruled_out = negated_ids(masked)
    spans = []
    for match in _CORRECTION_TOKEN.finditer(masked):
        word = match.group(0).rstrip(".:!?")
        if word.lower() not in ruled_out and _value_kind(word, command) == kind:
            spans.append((match.start(), match.start() + len(word)))
    return spans


def _updates_a_group(clause: str, data: dict[str, Any]) -> bool:
    """'In s_2, update group_a: status completed': an update verb, even one that may be a heading ('update'),
    right before a group id and nothing else is the instruction on that group, never a label."""
    words = words_of(clause)
    return (
        len(words) == 2 and data["_verb"].get(words[0]) == "update" and GROUP_ID.match(words[1]) is not None
    )


def _read_command(line: str) -> str | None:
    """The read a line asks for, read alone as a request; None for a write or no request."""
    from ..errors import RequestNotUnderstood
    from . import parse  # one line: no reason after it to drop again

    try:
        command, _args = parse(line)
    except RequestNotUnderstood:
        return None
    return command if COMMANDS[command]["kind"] == "read" else None


def _others_numbers_dropped(line: str, takes: dict[str, Any]) -> str:
    """The reason without the values, label and number, the read takes no argument for ('the iteration 3
    review' for get-logs: "the review"): a label of the skill right before the number, every argument it
    names none of the read's."""
    labels = tables()["_label"]

    def dropped(match: re.Match[str]) -> str:
        words = match.group(1).split()
        for size in (2, 1):  # "revision number 2", "iteration 3"
            named = labels.get(label_key(" ".join(words[-size:])), []) if len(words) >= size else []
            if named:
                kept = " ".join(words[:-size])  # "the iteration 3 review" -> "the review"
                return kept if not set(named) & takes.keys() else match.group(0)
        return match.group(0)

    return rx.sub(r"(?i)\b((?:[a-z]+\s)?[a-z]+)\s+#?\d+\b(?![.,]\d)", dropped, line)


def _named_numbers_dropped(clause: str, data: dict[str, Any]) -> str:
    """'Runner 3 looked wedged around 14:05' -> 'Runner looked wedged around': a clock time, and a number
    right after the name of a thing the skill does not store ('runner 3', 'node #7': a word that is no
    verb, noun, label or function word of the skill, nor a word of counting, ``read_reasons`` ``counting``
    and the limit's and offset's words) and before no word of rows or time ('3 entries', '3 hours')."""
    slots = data["slots"]
    counting = set(data["read_reasons"]["counting"]) | set(slots["number_words"]) | set(slots["time_units"])
    for key in ("limit_before", "offset_before", "limit_nouns"):
        counting.update(w for phrase in slots[key] for w in phrase.split())
    after = set(slots["limit_nouns"]) | set(slots["time_units"])

    def dropped(match: re.Match[str]) -> str:
        name, follows = match.group(1).lower(), (match.group(3) or "").lower()
        if (
            name in counting
            or name in data["_stop"]
            or name in data["_verb"]
            or name in data["_noun"]
            or label_key(name) in data["_label"]
            or follows in after
        ):
            return match.group(0)
        return match.group(1) + match.group(2)

    said = rx.sub(r"(?i)\b\d{1,2}:[0-5]\d(?:\s*(?:am|pm|utc))?\b", " ", clause)
    return rx.sub(r"\b([A-Za-z]{3,})\s+#?\d+\b(?![.,:]\d)(\s*(?:([A-Za-z]+)\b)?)", dropped, said)


def _subjects_dropped(line: str, takes: dict[str, Any]) -> str:
    """The reason without the agents and task groups it asks about that the read cannot filter by
    ('whether developer_3 has …', 'if QA looked at group_b …'); "it" in their place."""
    said = line.strip().lower()
    if not takes.keys() & {"agent_type", "agent_id"}:
        said = AGENT_ID_SHAPE.sub(lambda m: "it" if agent_prefix(m.group(1)) else m.group(0), said)
        said = rx.sub(r"(?<=\bit)'s\b", "", said)
    if "group_id" not in takes:
        said = " ".join("it" if GROUP_ID.match(w.rstrip(".,;!?")) else w for w in said.split())
    return said


def _trailing_named_values(command: str, words: list[str]) -> tuple[list[str], dict[str, tuple[str, str]]]:
    """'log-interaction s_1 developer "…" iteration 3 agent developer_4', 'query "SELECT …" limit 200',
    'create-task-group g s "Name" status in_progress assigned to developer_2': the command line's own
    words, then values each said after its label (one or two words naming exactly one of the command's
    values, then one word). The earliest place from which every word to the end is such a pair splits
    them; nothing is split when no such place exists."""
    specs, labels = argument_specs(command), tables()["_label"]

    def pairs(rest: list[str]) -> dict[str, tuple[str, str]] | None:
        found: dict[str, tuple[str, str]] = {}
        i = 0
        while i < len(rest):
            if rest[i].lower() in tables()["_qualifiers"] and i + 2 < len(rest):
                i += 1  # "… {…} at iteration 6": a preposition before the label
            for width in (2, 1):
                if i + width >= len(rest):
                    continue
                label = label_key(" ".join(rest[i : i + width]).rstrip(":="))
                names = [n for n in labels.get(label, ()) if n in specs]
                value = rest[i + width]
                if len(names) == 1 and value and not value.startswith("-"):
                    name = names[0]
                    implied = agent_prefix(value.lower())
                    if name == "agent_type" and implied is not None and "agent_id" in specs:
                        name = "agent_id"  # 'agent developer_4': the agent's id, which says its type
                    if name in found:
                        return None
                    found[name] = (label, value)
                    i += width + 1
                    break
            else:
                return None
        return found

    for start in range(2, len(words)):
        found = pairs(words[start:])
        if found:
            return words[:start], found
    return words, {}


def _shell_words(text: str) -> list[str] | None:
    """Words as a shell splits them ('…' and "…" quote), and a JSON object or array written bare as one
    word: linear in the text. None when a quote is left open or bare JSON does not parse."""
    words: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        if text[i] in "{[":
            try:  # a bare JSON object or array is one word: the JSON parser says where it ends
                _value, end = json.JSONDecoder().raw_decode(text, i)
            except (ValueError, RecursionError):
                return None
            words.append(text[i:end])
            i = end
            continue
        word: list[str] = []
        while i < n and not text[i].isspace():
            char = text[i]
            if char in "\"'\u201c\u201d":
                close = {"\u201c": "\u201d"}.get(char, char)
                end = text.find(close, i + 1)
                if end < 0:
                    return None
                word.append(text[i + 1 : end])
                i = end + 1
                continue
            word.append(char)
            i += 1
        words.append("".join(word))
    return words
