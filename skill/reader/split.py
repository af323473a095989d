"""Stage 2, split: the head (the sentences naming the operation), the label lines, the body.

Pass 1 (``split``), before the operation is known: where the ``Label: value`` lines of any operation
start; the text before them is the head. Pass 2 (``label_values``), once it is known: the operation's own
labels (a label line of anything else is refused by name), one-line label runs, and the body after the
head's colon (``body_colon``) as the operation's text or JSON value when no label gives it.
"""

from __future__ import annotations

import json
import re

from ..vocabulary import AGENT_TYPES, COMMANDS, ENUMS, OPERATIONS, argument_specs
from . import regex_cache as rx
from .lexicon import (
    AGENT_ID_SHAPE,
    COLON_BREAK,
    GROUP_ID,
    LABEL_LINE,
    NUMBER,
    PARENS,
    SESSION_SHAPE,
    SPOKEN_WRITE,
    STORED_AS_OUTPUT,
    Lazy,
    agent_in,
    agent_or_none,
    agent_prefix,
    agents_in,
    alternation,
    clean_scalar,
    enum_words,
    function_words,
    label_key,
    label_of,
    negated_ids,
    rarely_used,
    refuse,
    strip_quoted,
    tables,
    untouched_as_ruled_out,
    words_of,
)

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any


# the functions few requests reach: in split_rare, loaded on the first call of one of them
if TYPE_CHECKING:
    from .split_rare import (
        _agent_before_count,
        _named_numbers_dropped,
        _others_numbers_dropped,
        _read_command,
        _second_operation,
        _shell_words,
        _subjects_dropped,
        _trailing_items,
        _trailing_named_values,
        _updates_a_group,
        _value_kind,
        _values_of_kind,
        two_values as two_values,
    )
else:
    (
        _agent_before_count,
        _named_numbers_dropped,
        _others_numbers_dropped,
        _read_command,
        _second_operation,
        _shell_words,
        _subjects_dropped,
        _trailing_items,
        _trailing_named_values,
        _updates_a_group,
        _value_kind,
        _values_of_kind,
        two_values,
    ) = rarely_used(
        __name__,
        "_agent_before_count",
        "_named_numbers_dropped",
        "_others_numbers_dropped",
        "_read_command",
        "_second_operation",
        "_shell_words",
        "_subjects_dropped",
        "_trailing_items",
        "_trailing_named_values",
        "_updates_a_group",
        "_value_kind",
        "_values_of_kind",
        "two_values",
    )


def label_args(line: str, data: dict[str, Any]) -> list[str]:
    match = LABEL_LINE.match(line)
    if not match:
        return []
    found: list[str] = data["_label"].get(label_key(match.group(1)), [])
    return found


_SQL_START = Lazy(r"(?i)\s*select\b", needs=("select",))


def first_label_line(lines: list[str], labels: dict[str, list[str]]) -> int:
    for index, line in enumerate(lines):
        if _SQL_START.match(line):
            break  # "WHERE session_id = 's_1'" after a SELECT is the statement's, not a label
        match = LABEL_LINE.match(line)
        if match and label_key(match.group(1)) in labels:
            # "please run this query:" has a colon but no value: a label line needs a known label.
            return index
    return len(lines)


def read_labels(
    lines: list[str], command: str, arg_specs: dict[str, Any], data: dict[str, Any]
) -> tuple[dict[str, str], str]:
    """Values by argument name from the operation's label lines (continuation lines appended), and the
    lines before them that pass 1 took for labels of another operation (they belong to the head).

    A line shaped like a label that this operation does not take ("Initial_Branch: main" in a
    create-session, "Priority: high" in a log) is refused by name: it is not part of the value above it.
    Lines inside a JSON value are the JSON's own. A text value started on the line after its label, or
    that goes on over lines of prose, is a block: its own "Tests: 31 passed" lines are its content, and
    so are its indented lines. A report written after the head's colon with no label of the operation at
    all ("log this developer status report (…):" then "STATUS: READY_FOR_QA" …) is the report's content
    (``report_bodies`` in phrasings.json).
    """
    own = _first_own_label(lines, arg_specs, data)
    report_body = own is None and command in data["report_bodies"]["commands"]
    values: dict[str, str] = {}
    more: dict[str, list[str]] = {}  # continuation lines, joined once at the end (linear in the text)
    current: str | None = None
    head_extra: list[str] = []
    unknown: list[str] = []
    depth = 0  # open brackets of the JSON value being read
    # A text value (content, requirements) becomes a block after a blank line or a line ending with ':'
    # ("Test results:", "Files changed:"): its own "Passed: 40" lines are then content, not labels.
    block = False
    statement = False  # after a SELECT: "WHERE session_id = 's_1'" is the statement's own
    for index, line in enumerate(lines):
        arg = None
        statement = statement or bool(_SQL_START.match(line))
        match = LABEL_LINE.match(line) if depth <= 0 and not statement else None
        if match:
            for candidate in data["_label"].get(label_key(match.group(1)), ()):
                if candidate in arg_specs or (
                    candidate == "revision_count" and "increment_revision" in arg_specs
                ):
                    arg = candidate
                    break
        if arg is not None and match is not None and ("," in line or "|" in line or ";" in line):
            # "Session ID: s_1, Agent Type: qa, Iteration: 2": several of the operation's labels on a line
            segments = label_segments(line.strip().lstrip("-*\u2022> "), arg_specs, data)
            if segments is not None and len(segments) > 1:
                for name, value in segments[:-1]:
                    if name in values and clean_scalar(values[name]) != clean_scalar(value):
                        raise two_values(name, command)
                    values[name], more[name] = value, []
                arg = segments[-1][0]
                match = LABEL_LINE.match(label_of(arg) + ": " + segments[-1][1])
        if (
            arg is not None
            and match is not None
            and arg == current
            and arg_specs[arg]["type"] == "text"
            and not match.group(2).strip()
            and (values[arg].strip() or "".join(more[arg]).strip())
        ):
            arg = None  # "Summary:" inside a content block: a heading of the content, not a new value
        if arg is not None and match is not None:
            if (
                arg in values
                and (values[arg].strip() or "".join(more[arg]).strip())
                and match.group(2).strip()
            ):
                earlier = "\n".join([values[arg], *more.get(arg, ())])
                if clean_scalar(earlier) != clean_scalar(match.group(2)):
                    raise two_values(arg, command, earlier.strip(), match.group(2).strip())
            values[arg] = match.group(2)
            more[arg] = []
            current = arg
            depth = _bracket_depth(match.group(2)) if arg_specs.get(arg, {}).get("type") == "json" else 0
            value = match.group(2).rstrip()
            inner = LABEL_LINE.match(value)
            block = arg_specs[arg]["type"] == "text" and (
                not value
                or value.endswith(":")
                or value.lstrip().startswith("#")
                or (inner is not None and looks_like_label(inner.group(1), inner.group(2), data))
            )  # "Content: ## PM Analysis" or "Content: Tests: 40 passed": a report block
            continue
        json_arg = data["body_args"].get(command)
        if (
            current is not None
            and arg_specs[current]["type"] not in ("text", "json")
            and line.lstrip().startswith(("{", "["))
            and json_arg in arg_specs
            and arg_specs[json_arg]["type"] == "json"
            and json_arg not in values
        ):
            # "Skill: test_coverage" then the JSON on the next lines: the body, not the skill name's
            values[json_arg], more[json_arg], current = line, [], json_arg
            depth = _bracket_depth(line)
            continue
        in_text = current is not None and arg_specs[current]["type"] == "text"
        if in_text and line[:1] in (" ", "\t"):
            match = None  # an indented line of a text value: code, a traceback, a quoted block
        if (
            match is not None
            and OPERATIONS[command]["kind"] == "read"
            and label_key(match.group(1).strip().strip("*_ ")) in data["prose_labels"]
        ):
            break  # "Context: I'm writing the post-mortem …" after a read: why it is asked, no value
        if index > 0 and match is not None and looks_like_label(match.group(1), match.group(2), data):
            if not (in_text and (block or not match.group(2).strip())) and not report_body:
                unknown.append(match.group(1).strip().strip("*_ "))
        if current is not None:
            more[current].append(line)
            if in_text and (not line.strip() or line.rstrip().endswith(":") or match is None):
                block = True  # a blank line, a heading, or a line of prose: the value is a block
            if depth > 0:
                depth += _bracket_depth(line)
    for arg, lines_after in more.items():
        if lines_after:
            values[arg] = "\n".join([values[arg], *lines_after])
    if unknown:
        shown = ", ".join(repr(u) for u in unknown)
        raise refuse(
            f"{command} takes no {shown}: {'that label is' if len(unknown) == 1 else 'those labels are'} "
            "not one of its values; remove the line (or put it inside the content)",
            command,
            kind="unknown_label",
        )
    # Lines before the first label of this operation that pass 1 took for labels belong to the head.
    pass1 = first_label_line(lines, data["_label"])
    first = len(lines) if own is None else own
    if first > pass1:
        head_extra = lines[pass1:first]
    return values, "\n".join(head_extra).strip()


def _first_own_label(lines: list[str], arg_specs: dict[str, Any], data: dict[str, Any]) -> int | None:
    """The index of the first line labelled with one of the operation's own arguments, or None."""
    for index, line in enumerate(lines):
        match = LABEL_LINE.match(line)
        if match and any(c in arg_specs for c in data["_label"].get(label_key(match.group(1)), ())):
            return index
    return None


def _bracket_depth(text: str) -> int:
    """How many JSON brackets a line opens (minus those it closes); brackets in strings are not counted."""
    depth = 0
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
    return depth


def looks_like_label(label: str, value: str, data: dict[str, Any], *, lowercase: bool = True) -> bool:
    """'Initial_Branch', 'Original Scope', 'Priority': the short name of a field, not a sentence."""
    words = label.strip().strip("*_ ").split()
    if not words or len(words) > 3:
        return False
    if any(w.lower() in function_words("not_labels") for w in words):
        return False  # "Note that the fix is in: …", "Then: …" read as prose
    first = words[0]
    if first.lower() == "as" and len(words) > 1:
        return False  # "…, as the PM: …" says who speaks; it is no field
    if first.lower() in data["_articles"] or not all(
        w.replace("_", "").replace("-", "").isalpha() for w in words
    ):
        return False
    return first[:1].isupper() or "_" in label or (lowercase and bool(value.strip()))


_INLINE_LABEL = Lazy(r"(?:^|(?<=[\s,;|]))([A-Za-z][A-Za-z_ -]{0,30}?)\s*(?::\s|=(?=\S))", needs=(":", "="))


def label_segments(
    body: str, arg_specs: dict[str, Any], data: dict[str, Any], unknown: list[Any] | None = None
) -> list[Any] | None:
    """A body that starts with one of the operation's labels is a run of 'Label: value' pairs, else None.

    Labels the operation does not take, written after a separator (", model: opus"), are added to
    ``unknown``.
    """
    if not body or (":" not in body and "=" not in body):
        return None
    found = []
    for match in _INLINE_LABEL.finditer(body):
        words = match.group(1).split()
        before = body[: match.start(1)].rstrip()
        separated = (
            not before or before[-1:] in ",;|\u00b7\u2192" or bool(rx.search(r"\s[-\u2013\u2014]+$", before))
        )
        if (
            unknown is not None
            and separated
            and len(words) <= 3
            and not any(
                c in arg_specs
                for w in (3, 2, 1)
                for c in data["_label"].get(label_key(" ".join(words[-w:])), ())
            )
            and looks_like_label(match.group(1), "x", data, lowercase=True)
        ):
            unknown.append(match.group(1).strip())
        # the label is the last one to three words before the colon ("…, Agent Type: pm")
        for size in (3, 2, 1):
            if len(words) < size:
                continue
            key = label_key(" ".join(words[-size:]))
            arg = next((c for c in data["_label"].get(key, ()) if c in arg_specs), None)
            if arg is not None:
                start = match.start(1) + match.group(1).rfind(words[-size])
                found.append((arg, start, match.end()))
                break
    if not found or body[: found[0][1]].strip():
        return None
    segments = []
    for index, (arg, _start, value_start) in enumerate(found):
        end = found[index + 1][1] if index + 1 < len(found) else len(body)
        value = body[value_start:end].strip()
        # the separator before the next label ("type: code_review — details: …", "s_1 · type: pm · …")
        value = rx.sub(r"(?:\s+[-\u2013\u2014]+|[\s,;|\u00b7\u2192])+$", "", value)
        segments.append((arg, value))
    return segments


_SEPARATED_LABEL = Lazy(r"[,;|]\s*([A-Za-z][A-Za-z _-]{0,30}?)\s*:\s*(?=\S)", needs=(",", ";", "|"))


def _labelled_run(phrase: str, arg_specs: dict[str, Any], data: dict[str, Any]) -> list[Any]:
    """The 'label: value' pairs that end a one-line sentence after a separator, from the first label of
    the operation on (", status: completed, assigned_to: developer_1"); none inside a quote."""
    if "\n" in phrase.strip() or len(phrase) > 2000:
        return []
    quoted = _quoted_spans(phrase)
    for match in _SEPARATED_LABEL.finditer(phrase):
        if any(a < match.start() < b for a, b in quoted):
            continue
        if any(c in arg_specs for c in data["_label"].get(label_key(match.group(1)), ())):
            run = label_segments(phrase[match.start() + 1 :].strip(), arg_specs, data) or []
            # "…, type: risk_acceptance, data" before the body's colon: a value with a separator in it is
            # not one value; the run is left to the inline rules
            return [] if any(rx.search(r"[,;|]", value) for _name, value in run) else run
    return []


def _top_level_parts(text: str) -> list[str]:
    """The text cut at its commas outside quotes, backticks and brackets (a JSON value is one part)."""
    parts: list[str] = []
    start = depth = 0
    quote = ""
    escaped = False
    for index, char in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote or (quote == "\u201c" and char == "\u201d"):
                quote = ""
        elif char in '"`\u201c':
            quote = char
        elif char in "{[(":
            depth += 1
        elif char in "}])":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    if quote or depth:
        return []  # a quote or a bracket left open: no run of values
    parts.append(text[start:])
    return [part.strip() for part in parts]


def _bare_label(segment: str, arg_specs: dict[str, Any], data: dict[str, Any]) -> tuple[str, str] | None:
    """'type architecture' -> ('decision_type', 'architecture'): a segment that starts with one of the
    operation's label words (the longest spelling, one to three words) and goes on with a value that the
    argument can take; None for anything else. A label word that is also a verb of the reader ("note",
    "log") or a preposition ("from", "by") is read as prose, never as a label without its colon."""
    words = segment.split()
    if len(words) == 1 and "agent_type" in arg_specs and "agent_id" in arg_specs:
        bare = words[0].strip("`\"'\u201c\u201d")
        if agent_prefix(bare.lower()) is not None and AGENT_ID_SHAPE.fullmatch(bare.lower()):
            return "agent_type", bare  # "session s_1, investigator_1, iteration 2": the agent by its id
    for size in (3, 2, 1):
        if len(words) <= size:
            continue
        key = label_key(" ".join(words[:size]))
        arg = next((c for c in data["_label"].get(key, ()) if c in arg_specs), None)
        if arg is None:
            continue
        if size == 1 and (
            key in data["_verb"] or key in data["_qualifiers"] or key in function_words("not_labels")
        ):
            return None
        value = segment.split(None, size)[size].strip()
        kind = arg_specs[arg]["type"]
        if value[:1] in ":=":
            return None  # "session: s_1" is the labelled form, read by label_segments
        if kind == "json":
            return (arg, value) if value[:1] in "{[" else None
        if kind in ("text", "sql"):
            return arg, value
        bare = value.strip("`\"'\u201c\u201d")
        if kind == "agent_type":
            known = (
                agent_or_none(bare) in AGENT_TYPES["documented"]
                or agent_prefix(bare.lower()) is not None
                or label_key(bare).replace(" ", "_") in data["agent_roles"]["roles"]
            )
            return (arg, bare) if known else None  # "agent Tech Lead", "agent qa_2"; never "type errors"
        if kind in ENUMS and any(bare.lower() == word for word, _value in enum_words(kind)):
            return arg, bare  # "status in progress": a value of the vocabulary, as it spells it
        if kind == "id" and not rx.search(r"[_\d]", bare):
            return None  # "session closing": a word, not an id
        if kind in ("count", "row_limit") and not rx.fullmatch(r"#?\d[\d_]*(?:\.\d+)?[kK]?", bare):
            return None  # "round two", "count them": no number
        if rx.fullmatch(r"[\w.:@+-]+", bare):
            return arg, bare  # one word: an id, a name, a number, a status
        return None
    return None


def bare_label_run(
    text: str, arg_specs: dict[str, Any], data: dict[str, Any], *, least: int = 2, scalars: bool = False
) -> list[Any]:
    """'type architecture, details {…}, iteration 3' -> the (argument, value) pairs of a comma-separated run
    whose every part starts with one of the operation's label words, written without colons; [] when any
    part does not (a text with commas in it stays the text), when a part is a text value but the first
    (a run opens with a value such as an id, never with prose), or when an argument is given twice."""
    text = text.strip().rstrip(".").rstrip()
    if "\n" in text or len(text) > 2000 or "," not in text and least > 1:
        return []
    parts = _top_level_parts(text)
    if len(parts) < least:
        return []
    found = [_bare_label(part, arg_specs, data) for part in parts]
    json_args = [name for name, spec in arg_specs.items() if spec["type"] == "json"]
    if found[-1] is None and len(json_args) == 1 and parts[-1].lstrip()[:1] in ("{", "["):
        # "type go_no_go, {…}": the last part a bare JSON value, the operation's one JSON argument's
        found[-1] = (json_args[0], parts[-1].strip())
    run = [pair for pair in found if pair is not None]
    if len(run) < len(found):
        return []
    names = [name for name, _value in run]
    if len(set(names)) < len(names) or arg_specs[names[0]]["type"] in ("text", "sql"):
        return []
    if scalars and any(arg_specs[name]["type"] in ("text", "sql", "json") for name in names):
        return []  # in the sentence before the body: ids, names, numbers only
    return run


def _bare_phrase_run(phrase: str, arg_specs: dict[str, Any], data: dict[str, Any]) -> tuple[str, list[Any]]:
    """'Save skill output for s_1, skill lint_check' -> ('Save skill output for s_1', [('skill_name',
    'lint_check')]): the 'label value' parts that end a one-line sentence after a comma, from the first
    part that starts with a label word to the end (``bare_label_run``: every one of them such a part, each
    an id, a name or a number: a text or JSON value is the body's); none inside quotes or brackets."""
    if "\n" in phrase.strip() or len(phrase) > 2000:
        return phrase, []
    parts = _top_level_parts(phrase.strip())
    for first in range(1, len(parts)):
        if _bare_label(parts[first], arg_specs, data) is not None:
            return ", ".join(parts[:first]), bare_label_run(
                ", ".join(parts[first:]), arg_specs, data, least=1, scalars=True
            )
    return phrase, []


def _said_before(command: str, before: str, run: list[Any]) -> None:
    """Refuse a value of the run that the sentence before it already gives otherwise ('Save the lint_check
    output for s_1, skill foo_bar'): the inline rules read that sentence on its own, and an identifier
    they find for an argument of the run must be the run's."""
    from ..errors import RequestNotUnderstood
    from .slots import fill_slots

    def same(name: str, first: str, second: str) -> bool:
        first, second = clean_scalar(first).lower(), clean_scalar(second).lower()
        if name == "agent_type":  # "tech_lead" and "agent tech_lead_1": the id says its type
            first, second = (agent_prefix(v) or agent_or_none(v) or v for v in (first, second))
        return first == second

    found: dict[str, Any] = {}
    try:
        fill_slots(command, before, found)
    except RequestNotUnderstood:
        return  # the sentence alone is unclear; the whole text is read (and checked) again by the slots
    for name, value in run:
        said = found.get(name)
        if (
            name == "skill_name"
            and isinstance(said, str)
            and clean_scalar(said).lower() not in clean_scalar(str(value)).lower()
            and not STORED_AS_OUTPUT.search(before)
        ):
            # "save the coverage output for s_1, skill name lint_check": the word before "output" is the
            # skill's name as given, another than the label's ("the lint skill output …" is a part of it;
            # "the benchmark report as skill output …" describes what is stored)
            raise two_values(name, command, said, value)
        if isinstance(said, str) and rx.search(r"[_\d]", said) and not same(name, said, value):
            # an identifier the sentence names ("lint_check", "s_1"); a plain word before a noun ("the
            # security state", "the developer finding") is refined by the label, as a label line does
            raise two_values(name, command, said, value)


_VALUE_LABEL_TYPES = ("id", "name", "agent_type", "count", "limit", "row_limit", "time", *ENUMS)


def body_colon(head: str, data: dict[str, Any]) -> re.Match[str] | None:
    """The colon that ends the operation's sentence, skipping inline labels of values ("for session: X")."""
    from ..vocabulary import COMMANDS as ALL

    types = {a["name"]: a["type"] for spec in ALL.values() for a in spec["args"]}
    opening = _JSON_OPENING.search(head)  # "[developer_1]" or "[session_id]" is no JSON
    json_start = opening.start() if opening else len(head)
    first_line = head.split("\n", 1)[0]
    dash = _DASH_BREAK.search(first_line[:json_start])
    colon = COLON_BREAK.search(first_line)
    mark = _LABELS_MARK.search(first_line[:json_start])
    if mark and colon and mark.start() < colon.start():
        label = _INLINE_LABEL.match(first_line[mark.end() :])
        if label and mark.end() + label.end() > colon.start() and label_key(label.group(1)) in data["_label"]:
            return (
                mark  # "log interaction — Session ID: s_1 | Agent: qa | …", "save state → session: s_1 · …"
            )
    stop = _STOP_THEN_LABELS.search(first_line[:json_start])
    if stop and colon and stop.start() < colon.start():
        rest = first_line[stop.end() :]
        label = _INLINE_LABEL.match(rest)
        if (
            label
            and stop.end() + label.end() > colon.start()
            and label_key(label.group(1)) in data["_label"]
            and any(label_key(m.group(1)) in data["_label"] for m in _SEPARATED_LABEL.finditer(rest))
        ):
            return stop  # "Create task group. Group ID: group_l, Session ID: s_1, Name: Ledger": labels run
    if dash and colon and dash.start() < colon.start():
        second = _DASH_BREAK.search(first_line, dash.end())
        middle = first_line[dash.end() : second.start()] if second else ""
        between = _DASH_BREAK.split(first_line[dash.end() : colon.start()])
        if all(is_qualifier(part) for part in between if part.strip()):
            return colon  # "… — iteration 3 — agent pm_main: replanned …": values up to the colon
        if (
            second
            and second.start() < colon.start()
            and len(middle.split()) <= 4
            and rx.search(r"[_\d]", middle)
        ):
            return second  # "log this as the PM - session s_1 - Spike abandoned: …": values between dashes
        label = _INLINE_LABEL.match(first_line[dash.end() :])
        if label and label_key(label.group(1)) in data["_label"]:
            return dash  # "log interaction — session: s_1 | agent: qa | content: …"
    quoted = _quoted_spans(head)
    for match in COLON_BREAK.finditer(head):
        if match.start() > json_start:
            break  # "store the orchestrator state {"phase": …} for session s_1": the JSON's own colons
        if any(a < match.start() < b for a, b in quoted):
            continue  # 'with content "group_auth: middleware order …"': the quote's own colon
        before = words_of(head[: match.start()])[-3:]
        inline_label = False
        for size in (3, 2, 1):
            if len(before) >= size:
                candidates = data["_label"].get(" ".join(before[-size:]).replace("_", " "))
                if candidates:
                    kind = types.get(candidates[0])
                    inline_label = kind in _VALUE_LABEL_TYPES
                    if kind in ENUMS and len(before) > size:
                        # "in parallel mode: …" already gave the value; the colon ends the sentence
                        inline_label = not any(before[-size - 1] == word for word, _ in enum_words(kind))
                    break
        if inline_label:
            # "session: s_1." / "for session: X" -- one value, then the end of the sentence
            rest = head[match.end() :]
            after_label = _INLINE_LABEL.match(rest.lstrip())
            if after_label and label_key(after_label.group(1)) in data["_label"]:
                return match  # "create task group: group_id=group_r, name=…": labels follow the colon
            token = rx.match(r"[ \t]*(\S+)", rest)
            after = rest[token.end() :] if token else rest
            if token and (not after.strip() or token.group(1)[-1] in ".,;:" or after.startswith("\n")):
                continue
        return match
    # "record this orchestrator update for s_1 - spawned two developers": a dash ends the sentence
    dash = _DASH_BREAK.search(head[:json_start].split("\n", 1)[0])
    if dash and len(words_of(head[: dash.start()])) < 2:
        return None  # "BAZINGA - session s_1 is done": one word before the dash names nothing
    before = words_of(head[: dash.start()]) if dash else []
    if dash and not any(w in data["_verb"] or w in data["_noun"] or "_" in w for w in before):
        return None  # "quick one - what does testing_config say?": the words before name nothing
    return dash


_QUOTED_IN_LINE = Lazy(r"[\"\u201c][^\"\u201d\n]*[\"\u201d]", needs=('"', "\u201c"))


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    """Where double-quoted strings and parentheses stand in a line of text (start, end)."""
    spans = [(m.start(), m.end()) for m in _QUOTED_IN_LINE.finditer(text)]
    spans += [(m.start(), m.end()) for m in PARENS.finditer(text)]
    return spans


_JSON_OPENING = Lazy(r"\{|\[(?=\s*[\[{\"\d\]-])", needs=("{", "["))


_DASH_BREAK = Lazy(r"\s+[-\u2013\u2014]+\s+", needs=("-", "\u2013", "\u2014"))
_LABELS_MARK = Lazy(r"\s+[-\u2013\u2014\u2192\u00b7|]+\s+")  # a dash, arrow, dot or bar before labels
# a full stop ending the operation's sentence, then a run of labels on the same line
_STOP_THEN_LABELS = Lazy(r"\.\s+(?=[A-Z])", needs=(".",))


AGENT_NAMES = {*AGENT_TYPES["documented"], *AGENT_TYPES["aliases"]}  # "(QA Expert, iteration 1)"
QUALIFIER_ITEM = Lazy(
    r"^\s*(?:(?:at\s+)?iter(?:ation)?\s*#?\s*\d+|round\s*#?\s*\d+|agent(?:[ _-]?id)?\s*[:=]?\s*[\w.-]+"
    r"|by\s+[\w.-]+|(?:for\s+|in\s+)?session(?:[ _-]?id)?\s*[:=]?\s*(?!(?-i:[A-Z]?[a-z]+)\s*$)[\w.:@+-]+"
    r"|group(?:[ _-]?id)?\s*[:=]?\s*[\w.-]+"
    r"|(?:"
    + "|".join(re.escape(n.replace("_", " ")) for n in sorted(AGENT_NAMES, key=lambda n: (-len(n), n)))
    + r"))\s*$",
    re.IGNORECASE,
)


def is_qualifier(item: str) -> bool:
    """A value qualifier: 'iteration 2', 'agent qa_1', 'session s_1', 'QA', or an agent's id alone
    ('tech_lead_2', which says whose it is)."""
    return QUALIFIER_ITEM.match(item) is not None or agent_prefix(item.strip().lower()) is not None


def trailing_qualifiers(body: str) -> tuple[str, str]:
    """'4 tests failing (iteration 2, agent qa_1)' -> ('4 tests failing', 'iteration 2, agent qa_1').

    Only a last parenthesis made entirely of value qualifiers (iteration, agent, session, group) is taken
    off the body; any other parenthesis is part of the content.
    """
    match = rx.search(r"\s*\(([^()]*)\)\s*\.?\s*$", body)
    if not match:
        return body, ""
    items = [item for item in rx.split(r"[,;]", match.group(1)) if item.strip()]
    if not items or not all(is_qualifier(item) for item in items):
        return body, ""
    return body[: match.start()].rstrip(), match.group(1).strip()


_EXPLICIT_QUALIFIER = Lazy(
    r"^\s*(?:(?:at\s+)?iter(?:ation)?\s*#?\s*\d+|round\s*#?\s*\d+|agent(?:[ _-]?id)?\s*[:=]?\s*[\w.-]+"
    r"|(?:by\s+)?[a-z]+(?:_[a-z]+)*_[a-z0-9]+)\s*$",
    re.IGNORECASE,
)


def plain_trailing_qualifiers(body: str) -> tuple[str, str]:
    """'webhook retries done, iteration 2?' -> ('webhook retries done', 'iteration 2'): values after the
    last commas or dashes of a one-line text, each said with its word (iteration, round, agent) or an
    agent's id; anything else stays text."""
    if "\n" in body.strip() or len(body) > 2000:
        return body, ""
    text = body.strip().rstrip(".?!").rstrip()
    taken: list[str] = []
    while True:
        match = rx.search(r"(?:,|\s[-\u2013\u2014]+)\s*([^,\n\"\u201c\u201d]+)$", text)
        if not match or not _EXPLICIT_QUALIFIER.match(match.group(1)):
            break
        item = match.group(1).strip()
        bare = rx.sub(r"(?i)^by\s+", "", item)
        id_shaped = rx.fullmatch(r"[A-Za-z]+(?:_[A-Za-z]+)*_[A-Za-z0-9]+", bare)
        if id_shaped and agent_prefix(bare.lower()) is None:
            break  # "…, group_a": not an agent's id, part of the text
        taken.insert(0, item)
        text = text[: match.start()].rstrip()
    if not taken or not text.strip():
        return body, ""
    return text, ", ".join(taken)


def _meant_for(rest: str) -> str | None:
    """'- this is for s_1, not the OAuth session' -> 's_1': the one session a clause after a JSON body says
    the value is for (``meant_for`` in phrasings.json); None for anything else, and for a clause that names
    a second id ('this is for s_1, not s_2')."""
    openers = alternation(tables()["meant_for"]["openers"], spaces=r"\s+")
    match = rx.fullmatch(
        r"(?is)(?:[-\u2013\u2014,;]+\s*)?(?:" + openers + r")\s+(?:the\s+)?(?:session\s+)?"
        r"([\w.:@+-]*[\d_][\w.:@+-]*)(\s*[,;(\u2013\u2014-].*)?",
        rest.replace("\u2019", "'"),
    )
    if match is None:
        return None
    aside = match.group(2) or ""
    if aside and (
        rx.search(r"[\w.:@+-]*[\d_][\w.:@+-]*", aside) is not None
        or not rx.match(r"(?i)\s*[,;(\u2013\u2014-]+\s*(?:but\s+)?not\b", aside)
    ):
        return None  # "…, not s_2": a second id; "…, and mark group_a done": more than the session
    return match.group(1)


_QUOTE_LED = Lazy(r"\s*[\"\u201c]([^\"\u201d\n]+)[\"\u201d]([^\n]*)$", needs=('"', "\u201c"))
# "'Regression suite 412 passed' on sess_beta, iteration 5": single quotes, closed before a space or a mark
# (an apostrophe inside, "it's", closes nothing)
_SINGLE_QUOTE_LED = Lazy(r"\s*['\u2018](\S[^\n]*?\S)['\u2019](?=[\s,;.!?]|$)([^\n]*)$", needs=("'", "\u2018"))
_ITERATION_ITEM = Lazy(r"(?i)(?:(?:at|in|on|for|during)\s+)?(?:the\s+)?(?:iter(?:ation)?|round)\s*#?\s*\d+")
_AGENT_ITEM = Lazy(
    r"(?i)(?:(?:by|as|from)\s+)?(?:the\s+|an?\s+)?(?:agent(?:[ _-]?id)?\s*[:=]?\s*)?"
    r"(?P<who>[\w.-]+(?:\s+[\w.-]+){0,2})"
)
_MODE_ITEM = Lazy(r"(?i)(?:in\s+)?(?:the\s+)?(\w+)\s+mode")
_SESSION_ITEM = Lazy(
    r"(?i)(?P<said>(?:(?:for|in|on|within|into|to)\s+)?(?:the\s+)?(?:session(?:[ _-]?id)?\s*[:=]?\s*)?)"
    r"(?P<id>[\w.:@+-]+)"
)


def _trailing_item(item: str, arg_specs: dict[str, Any]) -> bool:
    """One value said after a quoted text, with its word: 'at iteration 3', 'by developer_1', 'as QA',
    'for sess_beta' -- each only where the operation takes that value."""
    if "iteration" in arg_specs and _ITERATION_ITEM.fullmatch(item):
        return True
    agent = _AGENT_ITEM.fullmatch(item)
    if agent and ({"agent_id", "agent_type"} & set(arg_specs)):
        who = agent.group("who").lower()
        if agent_prefix(who) is not None or agent_or_none(who) in AGENT_TYPES["documented"]:
            return True
    mode = _MODE_ITEM.fullmatch(item)
    if mode and "mode" in arg_specs:
        return mode.group(1).lower() in {w for w, _value in enum_words("mode")}
    session = _SESSION_ITEM.fullmatch(item)
    if session and "session_id" in arg_specs:
        said, given = session.group("said").strip(), session.group("id")
        if GROUP_ID.match(given.lower()) or agent_prefix(given.lower()) is not None:
            return False
        return bool(SESSION_SHAPE.fullmatch(given)) or (bool(said) and "_" in given)
    return False


_QUOTED_THEN_PARAGRAPHS = Lazy(
    r"\s*([\"\u201c][^\"\u201d\n]+[\"\u201d][^\n]*?)[ \t]*\n[ \t]*\n(.*)$", re.S, needs=('"', "\u201c")
)
_CONTEXT_VALUE = Lazy(r"[\d_\"\u201c\u201d{}\[\]`=]")


def quote_then_context(value: str, command: str, phrase: str, raw: dict[str, Any]) -> str | None:
    """'"JWT check moved ahead of rate limiting"' then a blank line and 'Ready for QA.': a text value
    wholly quoted on its line (its line may go on with the operation's own values, see
    ``quote_then_values``), then paragraphs. Those paragraphs are the writer's context after the request,
    never part of the value: the value's line is returned without them. Each must ask no operation
    (refused as a second one) and give no value the operation could take (``context_after_quote`` in
    phrasings.json): a digit, id, quote or JSON, a label word of its arguments, a word of its enumerations,
    an agent type where the request names no agent of its own or said as who wrote it ('Logged by QA.') --
    refused, never stored as content with the quotes. None when the value is no such text."""
    match = _QUOTED_THEN_PARAGRAPHS.match(value)
    if match is None or len(value) > 2000:
        return None
    line, rest = match.group(1), match.group(2)
    closing = max(line.rfind('"'), line.rfind("\u201d"))
    if rx.search(r"\w", line[closing + 1 :]) and quote_then_values(line, command) is None:
        return None  # '"null" handling fixed in parser' then more: a quoted word of the text
    data = tables()
    spec = data["context_after_quote"]
    arg_specs = argument_specs(command)
    words_of_args = {
        key for key, names in data["_label"].items() if any(n in arg_specs for n in names) and " " not in key
    }
    enum_of_args = {
        word
        for spec_ in arg_specs.values()
        if spec_["type"] in ENUMS and spec_["type"] != "agent_type"
        for word, _value in enum_words(spec_["type"])
    }
    own_agent = bool({"agent_type", "agent_id"} & raw.keys()) or agent_in(strip_quoted(phrase)) is not None
    authors = alternation(spec["author_words"], spaces=r"\s+")
    for paragraph in (p.strip() for p in rx.split(r"\n[ \t]*\n", rest)):
        if not paragraph:
            continue
        _second_operation(paragraph, command, data)
        words = words_of(paragraph)
        named = agents_in(paragraph)
        said_by = (
            rx.search(
                r"(?i)(?<![\w-])(?:"
                + authors
                + r")\s+(?:(?:the|an?|our|my)\s+)?("
                + "|".join(re.escape(a).replace("_", "[ _-]") for a, _after in named)
                + r")",
                paragraph,
            )
            if named
            else None
        )
        if (
            _CONTEXT_VALUE.search(paragraph)
            or LABEL_LINE.match(paragraph)
            or words_of_args & set(words)
            or enum_of_args & set(words)
            or (named and (not own_agent or said_by))
        ):
            raise refuse(
                f"the paragraph after the quoted {label_of(data['body_args'][command]).lower()} "
                f"({paragraph[:60]!r}) may hold a value of {command}: put it inside the quotes, or give "
                "each value with its label",
                command,
            )
    return line


_QUOTED_OR_JSON = Lazy(r"[\"\u201c][^\"\u201d]*[\"\u201d]|\{.*", re.S)
_CORRECTION_TOKEN = Lazy(r"[^\s\x00,;()\"'`]+")


def self_corrected(segments: list[str], command: str) -> list[str]:
    """'Log 12k tokens for developer_3 in sess_beta — actually make that 14k, I forgot the retry run.': a
    marker of ``self_correction`` (phrasings.json) opening a clause, then one value, corrects the one value
    of the same kind said before it: that value is replaced, the marker and the new value taken off. The
    segments are the operation's sentence and the words after its colon (when they are values, not a
    text); they are read as one. Refused when which value is corrected is not clear -- none or several of
    that kind before it, other words after the new value, a condition -- never the first value kept with
    the second dropped. A marker followed by no value ('make it quick') is no correction."""
    data = tables()
    spec = data["self_correction"]
    joined = "\x00".join(segments)
    if any("\x00" in segment for segment in segments):
        return segments  # the joiner itself in the text: no split back to the same segments
    if not any(m.split()[0] in joined.lower() for m in spec["markers"]):
        return segments
    markers = alternation(spec["markers"], spaces=r"\s+", longest_first=True)
    units = alternation(spec["units"])
    conditions = alternation(spec["conditions"], spaces=r"\s+")
    opening = rx.compile(
        r"(?i)(?:^|(?<=\x00)|(?<=[\u2014\u2013,;.:(!?])\s*|\s-+\s+)(?P<marker>"
        + markers
        + r")(?:\s*[:,\u2014-]?\s+|\s*\x00\s*)(?:(?:the|to)\s+)?"
    )
    for _round in range(3):
        masked = _QUOTED_OR_JSON.sub(lambda m: " " * len(m.group(0)), joined)
        found = None
        for match in opening.finditer(masked):
            number = rx.match(NUMBER, masked[match.end() :])
            token = number.group(1) if number else None
            if token is None:
                word = _CORRECTION_TOKEN.match(masked, match.end())
                token = word.group(0).rstrip(".:!?") if word else None
            kind = _value_kind(token, command) if token else None
            if kind is not None and token is not None:
                found = (match, token.strip(), kind)
                break
        if found is None:
            return joined.split("\x00")
        match, token, kind = found
        end = match.end() + len(token)
        if kind == "number":
            unit = rx.match(r"\s*(?:" + units + r")\b", masked[end:], re.I)
            end += unit.end() if unit else 0
        after = masked[end:].split("\x00", 1)[0]
        candidates = _values_of_kind(masked[: match.start("marker")], kind, command)
        said = ", ".join(joined[a:b] for a, b in candidates) or "none"
        if (
            len(candidates) != 1
            or rx.match(r"\s*(?:" + conditions + r")\b", after, re.I)
            or not rx.match(r"\s*(?:$|[,;.!?)\u2014\u2013]|-\s)", after)
        ):
            raise refuse(
                f"the request corrects a value ({match.group('marker')} {token}), but which one is not clear "
                f"(said before it: {said}); give each value once (one value for each label)",
                command,
                kind="not_understood",
            )
        start, stop = candidates[0]
        kept = "\x00" * joined[match.start("marker") : end].count("\x00")  # the colon between segments
        joined = joined[:start] + token + joined[stop : match.start("marker")] + kept + joined[end:]
    return joined.split("\x00")


def quote_then_values(value: str, command: str) -> tuple[str, str] | None:
    """'"GitHub OAuth scopes narrowed" at iteration 3 by developer_1' -> ('GitHub OAuth scopes narrowed',
    'at iteration 3, by developer_1'): a text value that is a quoted string with words after its closing
    quote on the same line. Those words are the operation's own values (iteration N, by / agent <agent id>,
    for / in <session>), returned to be read with the sentence; a courtesy after them ('Thanks!') is
    dropped; anything else refuses -- a second operation as one, other words as no value of the operation
    -- and is never stored as content with its quotes. None when the value is no such text; a quoted term
    of one word ('"null" handling fixed in parser') is a word of the text, kept whole unless a second
    operation follows it."""
    match = _QUOTE_LED.match(value)
    single = match is None and (match := _SINGLE_QUOTE_LED.match(value)) is not None
    if not match or not rx.search(r"\w", match.group(2)) or len(value) > 2000:
        return None
    data = tables()
    quote, rest = match.group(1), match.group(2)
    arg_specs = argument_specs(command)
    said, courtesy = rest, ""
    for sentence in rx.finditer(r"(?:^|(?<=[.!?]))\s*([^.!?]*(?:[.!?]+|$))", rest):
        if sentence.group(1).strip().lower().startswith(tuple(data["trailing_prose"])):
            said, courtesy = rest[: sentence.start()], rest[sentence.start() :]
            break
    if courtesy and any(w in data["_verb"] for w in words_of(courtesy)):
        said = rest  # "Thanks, and mark group_a done": no courtesy only
    said = rx.sub(r"(?i)(?<![\w-])(?:please|pls|plz)(?![\w-])", " ", said)  # '"…" please'
    items = _trailing_items(said, arg_specs) if rx.search(r"\w", said) else []
    if items is not None:
        return quote, ", ".join(items)
    _second_operation(rest, command, data)
    if single:
        return None  # "'Quick fix' applied to the parser": single quotes around a term of the text
    if not rx.search(r"\s", quote.strip()):
        return None  # '"null" handling fixed in parser': a quoted word of the text
    raise refuse(
        f"the words after the quoted {label_of(data['body_args'][command]).lower()} ({rest.strip()!r}) are "
        f"no value of {command}: put them inside the quotes, or give each value with its label",
        command,
    )


def json_then_qualifiers(body: str) -> tuple[str, str]:
    """'{"agent": "qa"}, iteration 3.' -> ('{"agent": "qa"}', 'iteration 3'): only value qualifiers
    (iteration, agent, session, group) may follow the JSON; anything else stays for the JSON check."""
    text = body.strip()
    if not text.startswith(("{", "[")):
        return body, ""
    try:
        _value, end = json.JSONDecoder().raw_decode(text)
    except (ValueError, RecursionError):
        return body, ""
    rest = text[end:].strip()
    data = tables()
    openers = (*data["trailing_prose"], *data["sign_offs"], *data["after_value"]["courtesy"])
    for closing in rx.finditer(r"(?:[.!?]|\s[-\u2013\u2014]+)\s+(?=\S)", rest):
        if rest[closing.end() :].lower().startswith(openers):
            rest = rest[: closing.start()]  # '{…} for session s_1. Cheers': the courtesy closes the request
            break
    rest = rest.strip().strip(".").strip()
    meant = _meant_for(rest)
    if meant is not None:
        return text[:end], f"session {meant}"  # '{…} - this is for s_1, not the OAuth session'
    items = [item for item in rx.split(r"[,;()]", rest) if item.strip()]
    if not items or not all(is_qualifier(item) for item in items):
        return body, ""
    return text[:end], ", ".join(item.strip() for item in items)


def split(lines: list[str]) -> tuple[str, list[list[str]], int]:
    """The head (the sentences before the first label line of any operation), for each label line after
    it the arguments its label may name (pass 1: the operation is not known yet), and the index of the
    first line pass 2 may read labels from."""
    data = tables()
    first_label = first_label_line(lines, data["_label"])
    following = [line for line in lines[1:] if line.strip()][:1]
    first_match = LABEL_LINE.match(lines[0]) if first_label == 0 and following else None
    if (
        first_match is not None
        and following
        and not first_match.group(2).strip()
        and first_label_line(following, data["_label"]) == 0
    ):
        first_label = 1  # "query:" on a line of its own, then labels: the first line names the operation
    if (
        first_label == 0
        and len([line for line in lines if line.strip()]) == 1
        and SPOKEN_WRITE.search(lines[0])
    ):
        # "Tokens: 7,250 - agent developer_4 - session s_1. Log them.": one sentence, all of it the head
        return lines[0].strip(), [], len(lines)
    if first_label == 0 and len([line for line in lines if line.strip()]) == 1:
        match = LABEL_LINE.match(lines[0])
        if match and label_key(match.group(1)) in data["_dual"] and _values_then_quote(match.group(2)):
            # 'Log: orchestrator, sess_beta, "All three groups dispatched"': the verb, then its values
            return lines[0].strip(), [], len(lines)
        if (
            match
            and label_key(match.group(1)) in data["_dual"]
            and any(bare_label_run(match.group(2), argument_specs(c), data) for c in OPERATIONS)
        ):
            # "log: session s_1, agent qa, content …": the verb, then its values as 'label value' parts
            return lines[0].strip(), [], len(lines)
    head = "\n".join(lines[:first_label]).strip()
    label_candidates = [c for c in (label_args(lines[i], data) for i in range(first_label, len(lines))) if c]
    return head, label_candidates, 0


class Labelled:
    """The values the operation's labels and body give, before the inline extractors run.

    ``raw``: values by argument name, as written; ``phrase``: the operation's sentence (with the qualifiers
    taken off the body, "(iteration 2, agent qa_1)"); ``body``: what is left of the text after its colon;
    ``inline_text``: where the inline extractors look.
    """

    def __init__(self, raw: dict[str, Any], phrase: str, body: str, inline_text: str) -> None:
        self.raw = raw
        self.phrase = phrase
        self.body = body
        self.inline_text = inline_text


_STARTS_WITH_SESSION = Lazy(r"(?i)\s*(?:bazinga|sess|session)_[\w.:@+-]+\s*,\s*\S", needs=(",",))


def _starts_with_named_id(body: str, data: dict[str, Any]) -> bool:
    """'id s_9, parallel, requirements "…"', 'session id s_9, simple': the body opens with the session's id
    named by its word (``own_id_label``, an operation whose object is the session), then more values."""
    words = alternation(data["own_id_label"]["words"])
    return (
        rx.match(
            r"(?i)\s*(?:(?:session\s+)?(?:" + words + r")|session)\s+[\w.:@+-]*[\d_][\w.:@+-]*\s*,\s*\S", body
        )
        is not None
    )


def _values_then_quote(body: str) -> tuple[str, str] | None:
    """'orchestrator, sess_beta, "All three groups dispatched" (iteration 1)' -> ('orchestrator, sess_beta
    (iteration 1)', 'All three groups dispatched'): comma-separated ids and agent types around exactly one
    quoted text (an agent before a verb of speech, 'qa_2 says "…"', is one of them); None for any other
    body (a word that is neither makes it text)."""
    if body.count('"') + body.count("\u201c") + body.count("\u201d") != 2 or len(body) > 2000:
        return None  # one quote of a short line: never a JSON body or a long text (and linear work)
    body, qualifiers = trailing_qualifiers(body.strip().rstrip("."))
    # 'tech_lead_1 says "…", iteration 4': who speaks, then the words; the speaker is one more item
    speech = alternation(tables()["speech_verbs"])
    body = rx.sub(r"^([\w-]+)\s+(?:" + speech + r")\s*:?\s+(?=[\"\u201c])", r"\1, ", body, count=1)
    # items after commas or between separators ("sess_beta — Requirements Engineer — \"…\"", "a | b")
    separator = r"(?:,|;|\s[-\u2013\u2014|\u00b7\u2192]+\s)"
    items = [i.strip() for i in rx.split(separator + r"(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", body) if i.strip()]
    quoted = [i for i in items if rx.fullmatch(r"[\"\u201c][^\"\u201d]+[\"\u201d]", i)]
    if len(items) < 2 or len(quoted) != 1:
        return None
    rest = [i for i in items if i not in quoted]
    for item in rest:
        lowered = item.lower()
        if not (
            SESSION_SHAPE.fullmatch(item)
            or agent_or_none(item) in AGENT_TYPES["documented"]
            or agent_prefix(lowered) is not None
            or label_key(item).replace(" ", "_") in tables()["agent_roles"]["roles"]
            or is_qualifier(item)
        ):
            return None
    said = ", ".join(rest) + (f" ({qualifiers})" if qualifiers else "")
    return said, quoted[0][1:-1]


def parameters_object(text: str, command: str) -> tuple[str, dict[str, str]] | None:
    """'Update the session status as follows: {"session_id": "s_1", "status": "completed"}': a JSON object
    that ends the text and whose keys are all the operation's own parameter names gives those values (the
    text before it, and the values by name, as written); None for any other JSON, which stays the
    operation's data (a state, an output, a decision, a content). An operation with no such body refuses a
    key it does not take."""
    arg_specs = argument_specs(command)
    start = text.find("{")
    if start < 0:
        return None
    pairs: list[Any] = []  # the top level's (key, value) pairs, in order: a key given twice is seen

    def keep_pairs(given: list[tuple[str, Any]]) -> dict[str, Any]:
        pairs.append(given)
        return dict(given)

    try:
        parsed, end = json.JSONDecoder(object_pairs_hook=keep_pairs).raw_decode(text, start)
    except (ValueError, RecursionError):
        return None
    if text[end:].strip().rstrip(".").strip() or not isinstance(parsed, dict) or not parsed:
        return None
    keys = [key for key, _value in pairs[-1]]
    if any(key in arg_specs for key in keys) and len(set(keys)) < len(keys):
        twice = next(key for key in keys if keys.count(key) > 1)
        raise refuse(f"the JSON gives {twice!r} twice; give each value once", command, kind="list_of_values")
    unknown = [key for key in parsed if key not in arg_specs]
    if unknown and len(unknown) < len(parsed) and command not in tables()["body_args"]:
        # '{"group_id": …, "priority": 1}' where the operation takes no text or JSON body: a key it does
        # not take (a log's content or a state may be any JSON)
        raise refuse(
            "the JSON gives " + ", ".join(repr(u) for u in unknown) + ", not one of the operation's values; "
            "remove it",
            command,
            kind="unknown_label",
        )
    if unknown:
        return None
    named = {
        key: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        for key, value in parsed.items()
    }
    return text[:start], named


def _session_id_label(text: str, data: dict[str, Any]) -> str:
    """'- id: s_9' -> '- Session ID: s_9' where the operation's object is the session (``own_id_label``):
    the word alone as a label, at a line's start (after a bullet) or after a separator."""
    words = alternation(data["own_id_label"]["words"])
    return rx.sub(
        r"(?im)((?:^\s*(?:[-*\u2022>]\s*)?|[,;|\u00b7\u2192]\s*|\s[-\u2013\u2014]+\s*)\**)(?:"
        + words
        + r")(?=\**\s*[:=])",
        r"\1Session ID",
        text,
    )


_LAST_CLAUSE = Lazy(r"[,;|(]\s*([A-Za-z][\w -]{0,30})$", needs=(",", ";", "|", "("))


def _opens_with_a_verb(clause: str, data: dict[str, Any]) -> bool:
    """'For sess_beta, mark group_b failed — …': a last clause opened by a verb that writes (and is no noun
    or label word: 'note', 'log', 'update' may be headings) is the instruction itself, never a label."""
    words = words_of(clause)
    return (
        len(words) > 1
        and data["_verb"].get(words[0]) in ("update", "write", "create")
        and words[0] not in data["_noun"]
        and words[0] not in data["_dual"]
        and words[0] not in data["_report"]
        and label_key(words[0]) not in data["_label"]
    )


def _rules_out_an_id(clause: str) -> bool:
    """'…under sess_beta, not sess_alpha: …': a clause that only rules out an id (``negated`` of
    phrasings.json, then the id) says which value is not meant; before a colon it is no label."""
    ruled_out = negated_ids(clause)
    words = [w for w in words_of(clause) if w not in ruled_out]
    negations = {w for phrase in tables()["negated"]["words"] for w in phrase.split()} | {"the", "session"}
    return bool(ruled_out) and all(w in negations for w in words)


def label_values(lines: list[str], command: str, phrase: str, body: str) -> Labelled:
    """Pass 2: the labels of this operation (a label line of anything else is refused by name), one-line
    label runs ("Session ID: s_1, Agent Type: pm, Content: …"), and the body as the operation's text value
    (content, requirements, JSON) when no label gave it."""
    data = tables()
    arg_specs = argument_specs(command)
    if command in data["own_id_label"]["commands"]:
        lines, body = [_session_id_label(line, data) for line in lines], _session_id_label(body, data)
        # "create session, id: s_9, mode: …": the colon after 'id' ended the head, 'id' is in the phrase
        phrase = _session_id_label(phrase, data)
    values, extra_head = read_labels(lines, command, arg_specs, data)
    if extra_head:
        body = (body + "\n" + extra_head).strip() if body else extra_head
    raw: dict[str, Any] = dict(values)
    given = parameters_object(body, command) if body.strip() else parameters_object(phrase, command)
    if given is not None:
        # 'Create this task group: {"group_id": "group_e", "session_id": "s_1", "name": "Tax rules"}'
        before, named = given
        for name, value in named.items():
            if name in raw and clean_scalar(raw[name]) != clean_scalar(value):
                raise two_values(name, command)
            raw[name] = value
        if body.strip():
            body = before
        else:
            phrase = before.rstrip(" :")

    body_arg = data["body_args"].get(command)
    # "Log 12k tokens … — actually make that 14k": a value corrected by the writer is replaced
    if body_arg is None:
        phrase, body = self_corrected([phrase, body], command)
    else:
        phrase = self_corrected([phrase], command)[0]
    unknown: list[str] = []
    # 'Log "Requested changes: missing index" for s_1 …': the body is the quote in the sentence, a text
    # whose own colons are its words, never labels
    body_quoted = bool(body.strip()) and (
        rx.search(r"[\"\u201c]" + re.escape(body.strip()) + r"[\"\u201d]", phrase) is not None
        # 'content: "Scope: /api/x, Finding: IDOR"': the body is one quote, its colons are its words
        or rx.fullmatch(r"\s*(?:\"[^\"]+\"|\u201c[^\u201c\u201d]+\u201d)\s*[.!]?\s*", body) is not None
    )
    segments = None if body_quoted else label_segments(body, arg_specs, data, unknown)
    ending = _LAST_CLAUSE.search(phrase)
    if ending and (
        ending.group(1).strip().lower() in data["colon_not_label"]
        or agent_or_none(ending.group(1).strip()) in AGENT_TYPES["documented"]
        or ("agent_type" in arg_specs and _agent_before_count(ending.group(1), body))
        or agent_prefix(ending.group(1).strip().lower()) is not None
        or _opens_with_a_verb(ending.group(1), data)
        or ("group_id" in arg_specs and _updates_a_group(ending.group(1), data))
        or _rules_out_an_id(ending.group(1))
        or _trailing_item(ending.group(1).strip(), {"mode": arg_specs["mode"]} if "mode" in arg_specs else {})
    ):
        # "…, simple mode, for: Add dark mode", "Log for s_1, developer: …", "…, simple mode: …": no label
        ending = None
    if body.strip() and ending and looks_like_label(ending.group(1), body, data):
        words = label_key(ending.group(1)).split()
        prefixes = [" ".join(words[:size]) for size in range(1, len(words) + 1)]
        if not any(c in arg_specs for key in prefixes for c in data["_label"].get(key, ())):
            unknown.insert(0, ending.group(1).strip())  # "…, model: opus": the colon ended a label
    for match in _SEPARATED_LABEL.finditer(phrase):
        # "list sessions, status: active, mode: parallel": a label of another operation, after a separator
        candidates = data["_label"].get(label_key(match.group(1)), ())
        if "agent_type" in arg_specs and _agent_before_count(match.group(1), phrase[match.end() :]):
            continue  # "log tokens for s_1, developer: 9,050": the agent, then its count
        if candidates and not any(
            c in arg_specs or (c == "revision_count" and "increment_revision" in arg_specs)
            for c in candidates
        ):
            unknown.append(match.group(1).strip())
    if unknown and (segments is not None or not body_arg or rx.search(r"\w\s*[:=]\s*\S", phrase) or ending):
        raise refuse(
            f"{command} takes no " + ", ".join(repr(u) for u in unknown) + ": not one of its values; "
            "remove it (or put it inside the content)",
            command,
            kind="unknown_label",
        )
    for name, value in _labelled_run(phrase, arg_specs, data):
        # "update task group → group_a, session s_1, status: completed, assigned_to: developer_1"
        if name in raw and clean_scalar(raw[name]) != clean_scalar(value):
            raise two_values(name, command)
        raw[name] = value
    before_run, run = _bare_phrase_run(phrase, arg_specs, data)
    if run:
        _said_before(command, before_run, run)
    for name, value in run:
        # "Save skill output for s_1, skill lint_check: {…}": labels without colons after a comma
        if name in raw and clean_scalar(raw[name]) != clean_scalar(value):
            raise two_values(name, command)
        raw[name] = value
    if segments is None and body.strip():
        run = bare_label_run(body, arg_specs, data)
        if run:
            # "…: type architecture, details {…}, iteration 3" -- 'label value' parts, every one of them
            segments = run
    if segments is not None:
        # "…: Session ID: s_1, Agent Type: pm, Content: done" -- labels written on one line
        for name, value in segments:
            if name in raw and clean_scalar(raw[name]) != clean_scalar(value):
                raise two_values(name, command)
            raw.setdefault(name, value)
        body = ""
    listed = _values_then_quote(body) if body_arg and body_arg not in raw else None
    if listed is not None:
        # 'Log: orchestrator, sess_beta, "All three groups dispatched" (iteration 1)': values, then the text
        values_said, body = listed
        phrase = (phrase + ", " + values_said).strip()
    if (
        body_arg
        and isinstance(raw.get(body_arg), str)
        and body.strip()
        and "\n" not in body.strip()
        and arg_specs[body_arg]["type"] == "text"
        and not rx.search(r"[\"\u201c{]", body)
    ):
        # "New session please: id s_9, parallel mode." then "Requirements: …": a label gives the text, so
        # the one line after the head's colon holds the sentence's values, never a second text
        phrase, body = (phrase + ", " + body.strip()).strip(), ""
    if (
        body_arg
        and body_arg not in raw
        and (
            _STARTS_WITH_SESSION.match(body)
            or (command in data["own_id_label"]["commands"] and _starts_with_named_id(body, data))
        )
    ):
        # "New session for the infra work: sess_x, simple mode, requirements "…"": values, not the text
        phrase, body = (phrase + ", " + body.strip()).strip(), ""
    if body_arg and arg_specs[body_arg]["type"] == "text" and isinstance(raw.get(body_arg), str):
        # 'Content: "…"' then a blank line and 'Ready for QA.': the paragraphs after the quote are context
        raw[body_arg] = quote_then_context(raw[body_arg], command, phrase, raw) or raw[body_arg]
    if body_arg and body_arg not in raw and body.strip():
        if arg_specs[body_arg]["type"] == "text":
            # '"…"' then a blank line and 'Ready for QA.': the paragraphs after the quote are context
            body = quote_then_context(body, command, phrase, raw) or body
        quoted = rx.match(
            r"\s*[\"\u201c]([^\"\u201d]+)[\"\u201d]\s*(?:[-,;\u2013\u2014]\s*)?(.*)$", body, re.S
        )
        led = quote_then_values(body, command) if arg_specs[body_arg]["type"] == "text" else None
        if led is not None:
            # '"GitHub OAuth scopes narrowed" at iteration 3 by developer_1': the quote, then its values
            body, said = led
            phrase = (phrase + ", " + said).strip() if said else phrase
        elif quoted and all(is_qualifier(i) for i in rx.split(r"[,;]", quoted.group(2)) if i.strip()):
            # '"Only one group needed" - iteration 1, agent_id pm_main': the quote is the value
            body = quoted.group(1)
            phrase = (phrase + " " + quoted.group(2)).strip()
        body, qualifiers = trailing_qualifiers(body)
        phrase = (phrase + " " + qualifiers).strip() if qualifiers else phrase
        if arg_specs[body_arg]["type"] == "text" and "iteration" in arg_specs and not qualifiers:
            body, qualifiers = plain_trailing_qualifiers(body)  # "…: retries done, iteration 2?"
            phrase = (phrase + " " + qualifiers).strip() if qualifiers else phrase
        if arg_specs[body_arg]["type"] == "json":
            body, qualifiers = json_then_qualifiers(body)  # '{…}, iteration 3.': values after the JSON
            phrase = (phrase + " " + qualifiers).strip() if qualifiers else phrase
        if body.strip():
            raw[body_arg] = body
    elif (
        body_arg
        and arg_specs[body_arg]["type"] == "text"
        and isinstance(raw.get(body_arg), str)
        and (led := quote_then_values(raw[body_arg], command)) is not None
    ):
        # 'Content: "Retries done" iteration 2 by developer_3': the label's quote, then its values
        raw[body_arg], said = led
        phrase = (phrase + ", " + said).strip() if said else phrase
    elif body_arg and isinstance(raw.get(body_arg), str) and "\n" in raw[body_arg].strip():
        # "Content: …" then "(iteration 5, agent tech_lead_2)" on a line of its own: values, not content
        rest, last_line = raw[body_arg].rstrip().rsplit("\n", 1)
        _, qualifiers = trailing_qualifiers(last_line)
        if qualifiers and last_line.strip().startswith("("):
            raw[body_arg] = rest
            phrase = (phrase + " " + qualifiers).strip()
    for name, value in list(raw.items()):
        if isinstance(value, str) and arg_specs[name]["type"] not in ("text", "json", "sql"):
            kept, qualifiers = trailing_qualifiers(value.strip())
            if qualifiers and "\n" not in kept:
                # "assigned_to: developer_4 (session s_1)": the values in the parenthesis are the request's
                # own, read (and checked) with the sentence's, never dropped as a note
                raw[name], phrase = kept, f"{phrase} ({qualifiers})".strip()
    agent = raw.get("agent_type")
    if isinstance(agent, str) and "agent_id" in arg_specs and "agent_id" not in raw:
        implied = agent_prefix(clean_scalar(agent).lower())
        if implied is not None:  # "Agent: developer_3": the agent's id, which says its type
            raw["agent_id"], raw["agent_type"] = clean_scalar(agent), implied
    # "…; sess_beta's group_b stays pending": a clause keeping another id's record as it is gives no value
    # (its status and group are the other record's); only the id it rules out stays, as "not sess_beta"
    phrase = untouched_as_ruled_out(phrase)
    if not body_arg:
        body = untouched_as_ruled_out(body)
    inline_text = phrase if body_arg else (phrase + ": " + body if body else phrase)
    return Labelled(raw, phrase, body, inline_text)


# words of a sentence, never values of a command line ("for" would have been a skill name)
_NOT_COMMAND_LINE_WORDS = function_words("not_command_line_words")


_PURPOSE = Lazy(r"\s+for\s+(?:the|a|an|our|my|this|next)\s+[a-z ]+[.!]?$", needs=("for",))
# "… at 10", "… by 9:30am", "… before the 10:30 go/no-go": when the answer is needed, a clock time at the
# reason's end, no value of the read
_DEADLINE = Lazy(
    r"\s+(?:at|by|before|until)\s+(?:the\s+)?\d{1,2}(?::[0-5]\d)?\s*(?:am|pm|utc)?"
    r"(?:\s+[a-z][a-z/ -]*)?[.!]?$",
    needs=("at", "by", "before", "until"),
)
_WRITERS_STEP = Lazy(
    r"(?:,\s*|\s+)(?:before|after|so|so that|when|until|once|while)\s+(?:i|we)\s+(?!am\b|are\b|'m\b)"
    r"[a-z][\s\S]*$"
)
_REASONS_VERB = Lazy(r"^(need|needs|want|trying|looking)\s+to\s+(?:see|know|check|find out|understand)\b")
_ASKING = function_words("asking")  # "need to know which are done"
# a reason that is a yes/no question: "want to see whether …", "checking if …", "wondering whether …"
_WHETHER = Lazy(
    r"^(?:need|needs|want|trying|looking into|checking|wondering|curious)"
    r"(?:\s+to\s+(?:see|know|check|find out|understand))?\s+(?:whether|if)\s"
)
_VALUE_CHARS = Lazy(r"[\d_\"\u201c\u201d'{}\[\]`:=|]")


def _gives_a_reason(line: str) -> bool:
    """'Need the flake rate for the weekly report.', 'Checking whether the budget holds.': a line opened by
    a reason (``read_reasons`` of phrasings.json) that holds no value (no digit, id, quote, JSON, label)
    and no verb (but a form in -ing, or 'see' / 'know' after 'need to') or object of an operation before
    what the answer is for ('for the weekly report') or the writer's own next step ('before I hand out
    group_b': a clause with I or we as its subject)."""
    data = tables()
    lowered = line.strip().lower()
    if not lowered.startswith(tuple(data["read_reasons"]["openers"])):
        return False
    said = _PURPOSE.sub("", _DEADLINE.sub("", lowered))  # "… for the weekly report (at 10)": what it is for
    said = _WRITERS_STEP.sub("", said)  # "… before I hand out group_b": what the writer does next
    said = _REASONS_VERB.sub(r"\1", said)  # "need to see who is free": the reason's own verb
    if _VALUE_CHARS.search(said):
        return False
    return not any(
        (w in data["_verb"] and not w.endswith("ing") and w not in _ASKING)
        or w in data["_noun"]
        or w in data["_report"]
        for w in words_of(said)
    )


def reasons_dropped(lines: list[str]) -> list[str]:
    """'stream-logs s_1 15' then 'Looking for when the retries started.', 'Show the task groups of s_1.'
    then 'Need the list for the weekly report.': a read on the first line, then why it is asked (lines
    that each give a reason, no value and no other operation): the read alone. A reason said after a comma
    on the read's own line ("dashboard snapshot for s_1 please, need group status + token totals before
    the 10:30 go/no-go") is a line of its own, as when it is written under the read."""
    filled = [line for line in lines if line.strip()]
    if filled:
        openers = alternation(w.strip() for w in tables()["read_reasons"]["openers"])
        comma = rx.search(r"(?i),\s+(?=(?:" + openers + r")\b)", filled[0])
        first = filled[0][: comma.start()] if comma is not None else ""
        words = words_of(first)
        if comma is not None and (
            (words and tables()["_verb"].get(words[0]) in ("read", "stream"))
            or _read_command(first) is not None
        ):
            return _reasons_dropped([first, filled[0][comma.end() :], *filled[1:]])
    return _reasons_dropped(lines)


def _reasons_dropped(lines: list[str]) -> list[str]:
    filled = [line for line in lines if line.strip()]
    if len(filled) < 2:
        return lines
    # "(just checking whether developer_3 is still alive)": a reason said as an aside is a reason
    filled = filled[:1] + [_aside_opened(line) for line in filled[1:]]
    words = words_of(filled[0])
    first = filled[0].split(None, 1)[0].lower()
    verb = tables()["_verb"].get(words[0]) if words else None
    read = COMMANDS[first]["kind"] == "read" if first in OPERATIONS else verb in ("read", "stream")
    openers = tuple(tables()["read_reasons"]["openers"])
    if (
        not read
        and first not in OPERATIONS
        and all(line.strip().lower().startswith(openers) for line in filled[1:])
    ):
        # "dashboard snapshot for s_1" then "need it for the progress update": a read named without a
        # verb, read alone, is a read like one with its verb
        read = _read_command(filled[0]) is not None
    # an agent named in the reason ('Need to see what QA said') may be a filter of the read: kept unless
    # the command is written and filters by no agent
    filters = first not in OPERATIONS or "agent_type" in argument_specs(first)
    if read and all(_gives_a_reason(line) and not (filters and agent_in(line)) for line in filled[1:]):
        return filled[:1]
    if read and all(line.strip().lower().startswith(openers) for line in filled[1:]):
        # 'Show tech lead logs for s_1' then 'Looking for the iteration 3 review.': the number of a value the
        # read takes no argument for (get-logs filters by no iteration) says what the writer looks for in
        # the answer, no filter; a number the read may take ('the last 5 entries') is never dropped
        takes = argument_specs(first if first in OPERATIONS else _read_command(filled[0]) or "check")
        if takes and all(
            _gives_a_reason(_others_numbers_dropped(line, takes)) and not (filters and agent_in(line))
            for line in filled[1:]
        ):
            return filled[:1]
    if read and all(_narrates(line, filters) for line in filled[1:]):
        # 'Stream the last 40 logs for sess_beta' then 'Runner 3 looked wedged around 14:05, want to see what
        # the agents were doing.': what the writer saw, then why the read is asked
        return filled[:1]
    if read and all(_WHETHER.match(line.strip().lower()) for line in filled[1:]):
        # 'Stream logs for s_1' then 'Want to see whether developer_3 has picked up the fix.': a yes/no
        # question names the agent or group it is about; no filter when the read takes none
        takes = argument_specs(first if first in OPERATIONS else _read_command(filled[0]) or "check")
        if takes and all(_gives_a_reason(_subjects_dropped(line, takes)) for line in filled[1:]):
            return filled[:1]
    return lines


def _aside_opened(line: str) -> str:
    """'(just checking whether developer_3 is still alive)' -> 'checking whether developer_3 is still
    alive': a line wholly in brackets, and a softening word before its opener (``read_reasons``'
    ``softeners``), taken off; any other line as it is."""
    said = line.strip()
    if said.startswith("(") and said.endswith(")") and "(" not in said[1:-1] and ")" not in said[1:-1]:
        said = said[1:-1].strip()
    lowered = said.lower()
    for word in tables()["read_reasons"]["softeners"]:
        if lowered.startswith(word):
            return said[len(word) :].lstrip()
    return said if said != line.strip() else line


def _narrates(line: str, filters: bool) -> bool:
    """'Runner 3 looked wedged around 14:05, want to see what the agents were doing.': clauses telling what
    the writer saw, then a last clause giving the reason (``_gives_a_reason``). The clauses before it, with
    their clock times and the numbers of things they name dropped (``_named_numbers_dropped``), hold no
    value and no word of an operation; 'Only 3 please', 'around 3 look stuck' keep a number that may be the
    read's limit, and the line stays (refused when the read has no place for it)."""
    # "Pager went off at 03:12 UTC and I want to see who …": 'and' before the writer's own reason joins it
    # too, the reason read without its subject
    clauses = rx.split(r"\s*[,;]\s+|\s+[-\u2013\u2014]\s+|\s+and\s+(?=(?:i|we)\s)", line.strip(), flags=re.I)
    if len(clauses) < 2 or not _gives_a_reason(rx.sub(r"(?i)^(?:i|we)\s+", "", clauses[-1])):
        return False
    data = tables()
    for clause in clauses[:-1]:
        said = _named_numbers_dropped(clause, data)
        if _VALUE_CHARS.search(said) or (filters and agent_in(clause)):
            return False
        words = words_of(said)
        if not words or any(w in data["_verb"] or w in data["_noun"] or w in data["_report"] for w in words):
            return False
        if clause.strip().lower().startswith(tuple(data["read_reasons"]["openers"])):
            return False  # every reason is read by _gives_a_reason, its numbers kept
    return not (filters and agent_in(clauses[-1]))


def command_line(lines: list[str]) -> tuple[str, dict[str, Any]] | None:
    """A request written as the command line ('update-task-group group_a --status completed'), read with
    the CLI's own parser (cli.parse / cli.bind, built from the vocabulary); None when it is not one.

    Only a request made of that one line is read so: its first word is a command of the vocabulary, and
    every other word is one of that command's values (quoted values and JSON objects are one word each).
    A line the CLI would not read ("token-summary s_1 by agent_id") is read as words.
    """
    text = "\n".join(line for line in lines if line.strip()).strip()
    first = text.split(None, 1)[0] if text else ""
    if "\n" in text or first not in OPERATIONS:
        return None
    words = _shell_words(text.rstrip(".").rstrip())
    if words is None:
        return None
    words, named_values = _trailing_named_values(first, words)
    unquoted = strip_quoted(text).split()[1:]  # 'log-interaction s_1 developer "Of"': a quoted value
    if any(word.lower() in _NOT_COMMAND_LINE_WORDS for word in words[1:] if word in unquoted):
        return None  # "get-skill-output test_coverage for sess_beta", "stream-logs s_1 for me": words
    labels, specs = tables()["_label"], argument_specs(first)
    for word in words[1:]:
        named = rx.match(r"([A-Za-z][\w -]*?)=\S", word)
        if named and any(c in specs for c in labels.get(label_key(named.group(1)), ())):
            return None  # "log-tokens session_id=s_1 tokens=8800": labelled values, read as words
    from .. import cli  # the CLI's parser (already loaded when the request came through the CLI)
    from ..errors import UsageError

    try:
        invocation = cli.parse(words)
        if invocation.options:
            raise UsageError(
                "options of the whole CLI (" + ", ".join(sorted(invocation.options)) + ") are not part of a "
                "request",
                None,
            )
        values = cli.bind(invocation)
    except UsageError as error:
        extra = rx.match(r"unexpected extra argument '(.*)'$", error.message)
        value = extra.group(1) if extra else ""
        if not (
            SESSION_SHAPE.fullmatch(value) or GROUP_ID.match(value.lower()) or agent_prefix(value.lower())
        ):
            return None  # "token-summary s_1 by agent_id": not a command line the CLI reads; read as words
        # "update-task-group group_b s_42 --status completed": a value with no place in the command
        message = f"the command line is not one {first} reads: {error.message}"
        raise refuse(message, first, kind="unknown_label") from None
    for name, (label, value) in named_values.items():
        if name in values:  # 'log-interaction s_1 qa "…" agent developer_2': one agent type, said twice
            raise refuse(
                f"the command line gives the {name.replace('_', ' ')} twice (once after {label!r}); "
                "give it once",
                first,
                kind="unknown_label",
            )
        values[name] = value
    implied = agent_prefix(str(values.get("agent_id", "")).lower()) if "agent_id" in named_values else None
    if implied is not None and agent_or_none(str(values.get("agent_type", ""))) not in (None, implied):
        raise refuse(  # 'log-interaction s_1 qa "…" agent developer_4': whose entry is it?
            f"the agent id {values['agent_id']} is not of the agent type {values['agent_type']}; "
            "give one agent",
            first,
            kind="invalid_value",
        )
    return first, values
