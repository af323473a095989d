"""The functions of :mod:`.coverage` that few requests reach, loaded on their first call.

Fewer than 5% of the corpora's texts call any one of them (measured when they were moved), and
unmarshalling code is most of what importing the reader costs: :mod:`.coverage` keeps a stand-in for each
(``lexicon.rarely_used``), so a request that needs none of them never loads this module. Their code and
their tests are those of :mod:`.coverage`; a function moves back when most requests come to need it.
"""

from __future__ import annotations

import re

from ..vocabulary import COMMANDS, ENUMS, argument_specs
from . import regex_cache as rx
from .coverage import (
    _AFTER_POINTER,
    _POINTERS,
    _enum_words,
    _status_value,
    check_provenance,
)
from .lexicon import (
    GROUP_ID,
    SESSION_SHAPE,
    agent_prefix,
    alternation,
    enum_words,
    label_of,
    noun_at,
    refuse,
    strip_quoted,
    words_of,
)

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any


def _topic_at(words: list[str], at: int, data: dict[str, Any]) -> str | None:
    """The topic of the operation noun that starts at ``at``, else None."""
    return data["_noun"].get(noun_at(words, at))  # type: ignore[no-any-return]


def _command_line_value(clause: str, words: list[str]) -> bool:
    """After an operation's name: a session or group id, or an option ('--status')."""
    return "--" in clause or (
        len(words) > 1 and bool(SESSION_SHAPE.fullmatch(words[1]) or GROUP_ID.match(words[1]))
    )


def _statuses_said(command: str, text: str) -> set[str]:
    """The distinct values of the operation's status that a text names ('failed, completed': two)."""
    spec = argument_specs(command).get("status")
    if spec is None or spec["type"] not in ENUMS:
        return set()
    lowered = text.lower()
    return {
        value
        for word, value in enum_words(spec["type"])
        if rx.search(r"(?<![\w])" + re.escape(word) + r"(?![\w])", lowered) is not None
    }


def _wished_object(words: list[str], at: int, kind: str, data: dict[str, Any]) -> bool:
    """Word ``at`` starts an object of this skill the verb's class writes: a group id, or a noun whose
    operation the class has ('tokens' logged, 'the PM state' saved)."""
    word = rx.sub(r"['\u2019]s$", "", words[at])
    if GROUP_ID.match(word):
        return True
    size = next(
        (n for n in range(data["_noun_words"], 0, -1) if " ".join(words[at : at + n]) in data["_noun"]), 0
    )
    topic = data["_noun"].get(" ".join(words[at : at + size])) if size else None
    return topic is not None and data["operations"].get(topic, {}).get(kind) is not None


def _names_a_report(word: str, data: dict[str, Any]) -> bool:
    """'iteration summary', 'iteration report': the word after 'iteration' is what is reported."""
    word = word.lower().strip(".:!?")
    return word.isalpha() and (word in data["_report"] or word in data["_noun"] or word in data["_stop"])


def _edit_distance(first: str, second: str, bound: int) -> int:
    """Levenshtein distance, or bound + 1 as soon as it is certain to exceed bound."""
    if abs(len(first) - len(second)) > bound:
        return bound + 1
    previous = list(range(len(second) + 1))
    for i, char in enumerate(first, 1):
        current = [i]
        for j, other in enumerate(second, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        if min(current) > bound:
            return bound + 1
        previous = current
    return previous[-1]


def check_written(command: str, args: dict[str, Any], text: str) -> None:
    """A command line written as text: the CLI's parser placed every word; a write's values are checked
    against the text like any other write's."""
    if COMMANDS[command]["kind"] == "write":
        check_provenance(command, args, text)


def _check_pronoun_object(command: str, what: str, context: str, request: str, data: dict[str, Any]) -> None:
    """'Session s_1 has group_a left. Mark it failed.', 'All groups approved, s_1 is done, group_a too.
    Mark it failed.': an update whose object is only a pronoun, after a statement naming a session of its
    own and a group, may mean either (the session's status or the group's): refused, never one guessed. A
    session said as the group's place ('group_a in s_1', 'sess_beta group_a', 'group_a (s_1)') is the
    group's, no second candidate; a request naming its noun ('set it on the task group') says which."""
    if what != "pronoun" or not command.startswith("update-") or COMMANDS[command]["kind"] != "write":
        return
    said = words_of(strip_quoted(request))
    if any(GROUP_ID.match(w) or SESSION_SHAPE.fullmatch(w) or data["_noun"].get(w) for w in said):
        return  # "… Mark it failed, group_a I mean", "Set it on the task group": the object is named
    context = strip_quoted(context)
    if not any(GROUP_ID.match(w) for w in words_of(context)):
        return
    session = r"(?:session\s+)?" + SESSION_SHAPE.pattern
    group = r"(?:(?:task[_-]?)?group[_-][a-z0-9][\w.-]*|grp[_-]?[a-z0-9][\w.-]*)"
    placed = rx.sub(
        rf"(?i)\b(?:in|of|for|from|under|within)\s+(?:the\s+)?{session}"
        rf"|(?P<group>{group})[\s,:]*\(?\s*{session}\s*\)?|{session}[\s,:]+(?={group})",
        lambda m: " " + (m.group("group") or "") + " ",
        context,
    )
    words = words_of(placed)
    if "session" in words or any(
        not agent_prefix(m.group(1)) and not GROUP_ID.match(m.group(1).lower())
        for m in SESSION_SHAPE.finditer(placed)
    ):
        raise refuse(
            f"the request's object is a pronoun after a statement naming a session and a group; 'it' may "
            f"be either: name the one to update ({command}, Session ID: … or Group ID: …)",
            command,
            kind="missing",
        )


def _check_context_states(
    command: str, args: dict[str, Any], context: str, request: str, data: dict[str, Any]
) -> None:
    """'All groups approved (group_a was the only one). Mark it failed.', 'Group_a in s_1 done. Set its
    review status to approved.': a status or verdict said only in a statement before the request is how
    things stood, not a value asked. It lands in a write only when the request names that argument ('…:
    APPROVED. Please update the group's review status'), or when the statement says it with its label and
    the request, giving no value of its own, points back at it ('review verdict is CHANGES_REQUESTED.
    Please record it.'); else refused, never written by chance."""
    if COMMANDS[command]["kind"] != "write":
        return
    labels = alternation(data["_label"], spaces=r"[\s_-]+", longest_first=True)

    def named(text: str) -> set[str]:
        found = rx.finditer(r"(?i)\b(?:" + labels + r")\b", strip_quoted(text))
        return {arg for m in found for arg in data["_label"].get(" ".join(words_of(m.group(0))), [])}

    enums = [s for s in COMMANDS[command]["args"] if s["type"] in ENUMS]

    def said(text: str, spec: dict[str, Any]) -> set[str]:
        enum = ENUMS[spec["type"]]
        found = rx.finditer(rf"(?i)(?<![\w-])({_enum_words(enum)})(?![\w-])", strip_quoted(text))
        return {str(_status_value(m.group(1), enum)) for m in found} - {"None"}

    asked = named(request)
    own = any(said(request, spec) for spec in enums)
    for spec in enums:
        name = spec["name"]
        if name not in args or name in asked:
            continue
        value = str(args[name]).lower()
        if value not in said(context, spec) or value in said(request, spec):
            continue
        if not own and _points_to_context(request) and name in named(context):
            continue  # "sess_beta group_a status -> completed. update that pls"
        raise refuse(
            f"{args[name]!r} ({label_of(name).lower()}) is said in a statement before the request, not "
            f"asked by it; say the {label_of(name).lower()} to write in the request ({label_of(name)}: …)",
            command,
            kind="missing",
        )


def _change_read(said: str, args: dict[str, Any], words: dict[str, Any]) -> bool:
    """The change a pronoun clause asks ('assign it', 'mark it', 'name it') is one the operation read: the
    argument of its verb's kind (``pronoun_writes`` `changes`) has a value."""
    lowered = said.lower()
    for arg, verbs in words["changes"].items():
        if any(rx.search(r"(?<![\w])" + re.escape(v) + r"(?![\w])", lowered) for v in verbs):
            return arg in args
    return False


def _points_to_context(request: str) -> bool:
    words = words_of(strip_quoted(request))
    if _POINTERS & set(words):
        return True
    return any(
        word == "that" and (index + 1 == len(words) or words[index + 1] in _AFTER_POINTER)
        for index, word in enumerate(words)
    )


def _by_chance(name: str, kind: str, said: str, context: str, pattern: str) -> bool:
    """A value said only in the context is not one by its shape: a number without its word in its
    sentence, a plain word where an id of another shape goes, a text not quoted."""
    if kind in ("count", "row_limit", "limit"):
        stem = name.split("_")[0].rstrip("s")
        return not any(
            rx.search(pattern, sentence) and stem in sentence.lower()
            for sentence in rx.split(r"(?<=[.!?;])\s+|\n", context)
        )
    if name == "group_id":
        return GROUP_ID.match(said.lower()) is None
    if name in ("agent_id", "assigned_to"):
        return agent_prefix(said.lower()) is None
    if kind == "text":
        return not rx.search(r"[\"\u201c'`]\s*" + re.escape(said), context)
    return False
