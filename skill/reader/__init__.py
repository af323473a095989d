"""Requests in words: turn "bazinga-db, please log this PM interaction: ..." into one operation.

``parse(text)`` returns ``(command, args)`` with the Python API's parameter names and typed values, or
raises :class:`RequestNotUnderstood` saying what is missing or wrong, with the request form that would
work as the hint. It never touches the database and never guesses a write: an unclear operation, two
operations, a missing required value, a value that fails validation or an unfilled placeholder is a
refusal. ``understand(text, known_sessions)`` adds the one check that needs the database: a session id
one or two edits from an existing one is refused with "did you mean".

The stages, one module each, in the order a request goes through them (the words are data, in
``prompts/phrasings.json``; :mod:`.lexicon` loads them and holds the word helpers every stage shares):

0. :mod:`.documented` -- a request in a documented form (an operation's heading, then only its labels,
   with plain values) is read here alone, without loading the stages below; it answers only where they
   answer the same (tests/test_requests_documented.py) and declines everything else to them.
1. :mod:`.normalise` -- size bound, line ends, fences, the "bazinga-db, please" preamble.
2. :mod:`.split` -- the *head* (the sentences naming the operation, up to the first label line) and the
   label lines; after the intent is known, the operation's own labels and the body after the colon.
3. :mod:`.intent` -- the (verb class, object noun) pair of the head: "save" + "PM state" -> save-state.
   Refused here: an object this skill does not store, two operations, a delete, no operation at all.
4. :mod:`.slots` -- a table of small typed extractor rules for values written inline ("for session X",
   "(iteration 2, agent qa_1)", "12,500 tokens for developer_2", quoted content, inline JSON …).
5. :mod:`.coverage` -- a list where the operation takes one value, a value given that has no place, a
   required one missing, a write-led request that would read; every value of a write found in the text.
6. :mod:`.convert` -- values cleaned (quotes, placeholders, "+1") and converted by the vocabulary
   (``vocabulary.convert_args``), so the CLI and the reader accept exactly the same values.

A stage's functions that few requests reach (odd forms, context before a request, rare refusals) live in
its ``_rare`` companion (``coverage_rare``, ``intent_rare``, ``locate_rare``, ``slots_rare``,
``split_rare``), loaded on the first call of one of them: a request in a documented form never loads one
(``lexicon.rarely_used``).
"""

from __future__ import annotations

from ..errors import RequestNotUnderstood
from ..vocabulary import OPERATIONS, argument_specs
from .documented import read_documented
from .lexicon import check_session_typo, is_placeholder, refuse, request_form, tables

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "OPERATIONS",
    "dry_run",
    "is_placeholder",
    "parse",
    "refuse",
    "request_form",
    "tables",
    "understand",
]


# how many parse calls are open: the stages read parts of a text alone with parse too. The CLI and the MCP
# server read one request at a time; under threads a nested count only ever keeps a refusal
_DEPTH = [0]


def parse(text: str) -> tuple[str, dict[str, Any]]:
    """Turn a request in words into (command, args), or raise RequestNotUnderstood.

    A text whose reading from its first sentence is refused may carry its request on its last line, after
    context (pasted output, a traceback, the writer's story): that request is taken when the context
    certainly asks nothing and gives none of its values (``locate.request_after_context``); else the first
    reading's refusal stands. Only the outermost call looks: a part read alone is read as it is.

    A text in a documented form is read by :mod:`.documented` alone, which answers only where the stages
    answer the same; any other text, and every part a stage reads alone, goes through the stages."""
    if _DEPTH[0] == 0:
        found = read_documented(text)
        if found is not None:
            return found
    return read_by_stages(text)


def read_by_stages(text: str) -> tuple[str, dict[str, Any]]:
    """parse(text) without the documented-form path: what the tests hold that path to."""
    _DEPTH[0] += 1
    try:
        return _parse(text)
    except RequestNotUnderstood as error:
        if (
            _DEPTH[0] > 1
            or error.code not in _CONTEXT_BEFORE + ("two_operations",)
            or not isinstance(text, str)
        ):
            raise
        from .locate import query_after_report, read_after_context, request_after_context

        # a first reading that took the context for a request may find two: notes, then "please list …"
        found = request_after_context(text) if error.code in _CONTEXT_BEFORE else read_after_context(text)
        # "… it shows 4 active sessions …" / a payload / "To cross-check, run this query: SELECT …"
        found = found or query_after_report(text)
        if found is None:
            raise
        return found
    finally:
        _DEPTH[0] -= 1


# the refusals of a first reading that context before the request may explain: no operation in the first
# sentence, a word of the story the skill does not store, a label or value of the story, a value it lacks
_CONTEXT_BEFORE = ("not_understood", "unsupported", "unknown_label", "missing")


def _parse(text: str) -> tuple[str, dict[str, Any]]:
    """parse(text) from the text's first sentence, by the stages (imported here: a request in a documented
    form never loads them)."""
    from .convert import convert_values
    from .coverage import (
        check_body_starts_no_operation,
        check_context_values,
        check_head_wishes_no_write,
        check_json_has_a_place,
        check_lists,
        check_object_named,
        check_one_status,
        check_pronoun_write,
        check_result,
        check_session_left_alone,
        check_stated_status,
        check_unconditional,
        check_written,
    )
    from .intent import intent_of
    from .lexicon import untouched_as_ruled_out
    from .normalise import normalise
    from .slots import fill_slots
    from .split import command_line, label_values, reasons_dropped, split

    lines = reasons_dropped(normalise(text))  # 1, 2: "stream-logs s_1 15" then why it is asked
    written = command_line(lines)  # 2: "update-task-group group_a --status completed", by the CLI's parser
    if written is not None:
        command, values = written
        args = convert_values(command, values)  # 6
        check_written(command, args, text)  # 5: a write's values come from the text
        return command, args
    head, label_lines, start = split(lines)  # 2: where the labels start, whichever operation they belong to
    intent = intent_of(head, label_lines, lines)  # 3
    command = intent.command
    labelled = label_values(lines[start:], command, intent.phrase, intent.body)  # 2, now for this operation
    # 5: "…: tests green. Also mark group_b …", "Mark group_a failed — mark group_c completed"
    check_body_starts_no_operation(command, labelled.raw, labelled.body, labelled.phrase)
    check_head_wishes_no_write(command, head)  # 5: "…. I also need 300 tokens logged for qa"
    check_object_named(command, head)  # 5: "Add the group review status …": the last noun is the object
    doubts = fill_slots(command, labelled.inline_text, labelled.raw)  # 4
    check_lists(command, labelled.inline_text, labelled.raw)  # 5: one value where one is taken
    check_json_has_a_place(command, labelled.inline_text)  # 5: '… group_a in s_1: {"a": 1}. Save it.'
    if doubts:
        raise doubts[0]  # 5: e.g. two agent types, neither said to be the interaction's
    if "status" not in argument_specs(command):
        # 5: "s_42 → completed. Log 300 tokens for qa": a status stated where the operation takes none is a
        # second operation, refused as such before what the operation lacks
        check_stated_status(command, {}, labelled.inline_text)
    args = convert_values(command, labelled.raw)  # 6
    check_result(
        command, args, intent, labelled, text, "\n".join(lines)
    )  # 5: required, direction, coverage, provenance
    check_context_values(command, args, lines, labelled.inline_text)  # 5: "[ci] run 42 red -> log my tokens"
    check_one_status(command, args, untouched_as_ruled_out(labelled.inline_text))  # 5: "…; mark it failed"
    check_unconditional(command, args, labelled.phrase)  # 5: "… completed if QA passes, otherwise failed"
    check_session_left_alone(command, args, labelled.inline_text)  # 5: "…. Session done too."
    check_stated_status(command, args, labelled.inline_text)  # 5: "s_1 is now completed, and group_a is done"
    check_pronoun_write(command, args, "\n".join(lines))  # 5: "…; name it Login v2", "…. Also sess_delta."
    return command, args


def understand(text: str, known_sessions: list[str] | None = None) -> tuple[str, dict[str, Any]]:
    """parse(text), then the one check that needs the database's session ids (read by the caller)."""
    command, args = parse(text)
    check_session_typo(command, args, known_sessions)
    return command, args


def dry_run(text: str) -> dict[str, Any]:
    """The dry-run result of a request: {"command": ..., "args": {...}}."""
    command, args = parse(text)
    return {"command": command, "args": args}
