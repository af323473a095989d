"""Stage 6, convert: the values as written, cleaned, then converted by the vocabulary.

Cleaning is what only words need: quotes, markdown and a trailing note taken off a scalar, a YAML block
or trailing explanation off a text, "12.5k" spelt out, known names ("security scan" -> security_scan),
"Revision Count: +1" read as the increment flag, unfilled placeholders refused, a JSON body parsed
strictly (nothing after the object). Conversion is ``vocabulary.convert_args``, the one every surface
goes through, so the CLI and the reader accept exactly the same values.
"""

from __future__ import annotations

import json
import re

from ..errors import BazingaError, InvalidPayload, RequestNotUnderstood
from ..vocabulary import ENUMS, argument_specs, convert_args
from . import regex_cache as rx
from .lexicon import (
    Lazy,
    agent_or_none,
    alternation,
    clean_scalar,
    has_json_value,
    is_placeholder,
    label_of,
    missing_message,
    refuse,
    shorten,
    tables,
    words_of,
)

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any


def convert_values(command: str, raw: dict[str, Any]) -> dict[str, Any]:
    """The operation's arguments, typed; a missing required value or an invalid one is refused."""
    data = tables()
    specs = argument_specs(command)
    if command == "query" and isinstance(raw.get("sql"), str):
        raw = _limit_after_sql(_sql_in_json(raw, command, specs), command)
    values: dict[str, Any] = {}
    # a required value missing is refused below, whatever follows a JSON value (it may be that value)
    complete = all(name in raw for name, spec in specs.items() if spec.get("required"))
    for name in (n for n in specs if n in raw):
        if isinstance(raw[name], str) and not raw[name].strip() and not specs[name].get("required"):
            continue  # "Iteration:" left empty in a template: an optional value not given
        what = label_of(name).lower() if name in data["label_names"] else name
        given = (
            {w for other, value in raw.items() if other != name for w in words_of(str(value))}
            if complete
            else None
        )
        values[name] = clean(command, name, specs[name]["type"], raw[name], what, data, given)
    for name, spec in specs.items():
        if spec.get("required") and name not in values:
            raise refuse(missing_message(command, name), command, kind="missing")
    if isinstance(values.get("revision_count"), _Increment):
        del values["revision_count"]
        values["increment_revision"] = True
    elif values.get("increment_revision") and "revision_count" in values:
        raise refuse("revision count given twice: as +1 and as a number", command, kind="invalid_value")
    try:
        args = convert_args(command, values)
    except InvalidPayload as error:
        # every cause, best first, as the CLI lists them; the hint stays the request form that works
        raise refuse(error.message, command, details=tuple(error.details), kind="invalid_value") from None
    except BazingaError as error:
        raise refuse(
            error.message + (f" ({error.hint})" if error.hint else ""), command, kind="invalid_value"
        ) from None
    for name, spec in specs.items():
        if spec["type"] == "time" and name in args:
            args[name] = values[name]  # validated; the API takes the time as the user wrote it
    return args


def _sql_in_json(raw: dict[str, Any], command: str, specs: dict[str, Any]) -> dict[str, Any]:
    """'query {"sql": "SELECT …", "limit": 5}': the statement written as the call's JSON arguments (the API's
    names) is those arguments; a JSON object is never SQL, so one naming anything else is refused, and so is
    a value given again otherwise (another limit)."""
    text = raw["sql"].strip()
    if not text.startswith("{"):
        return raw
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    if (
        not isinstance(parsed, dict)
        or not isinstance(parsed.get("sql"), str)
        or not set(parsed) <= set(specs)
    ):
        raise refuse(
            'the statement is a JSON object, not SQL; give the SELECT itself (or {"sql": "SELECT …"})',
            command,
            kind="invalid_value",
        )
    values = {name: value if isinstance(value, str) else json.dumps(value) for name, value in parsed.items()}
    for name, value in values.items():
        if name != "sql" and name in raw and str(raw[name]).strip() != value.strip():
            raise refuse(
                f"the request gives two values of {name} ({str(raw[name]).strip()} and {value}); give one",
                command,
                kind="list_of_values",
            )
    return {**raw, **values}


def _limit_after_sql(raw: dict[str, Any], command: str) -> dict[str, Any]:
    """'query: SELECT … (limit 25 rows)', 'SQL: SELECT …, limit 25': a row limit after the statement (a
    label's or the body's) is the limit, never part of the SQL; a different limit given too is refused."""
    from .slots import sql_row_limit  # loaded already by the reader

    found = sql_row_limit(raw["sql"].rstrip())
    if found is None:
        return raw
    statement, limit = found
    if "limit" in raw and str(raw["limit"]).strip() != limit:
        raise refuse(
            f"the request gives two row limits ({str(raw['limit']).strip()} and {limit}); give one",
            command,
            kind="list_of_values",
        )
    return {**raw, "sql": statement, "limit": limit}


def clean(
    command: str,
    name: str,
    type_name: str,
    value: Any,
    what: str,
    data: dict[str, Any],
    given: set[str] | None = None,
) -> Any:
    """One value as written -> the value the vocabulary converts (placeholders refused on the way); ``given``,
    the words of the operation's other values (a JSON value may be followed by one of them; None: not
    checked)."""
    if type_name == "json":
        return _json_value(command, name, str(value), what, data, given)
    if type_name in ("text", "sql"):
        text = _text_value(str(value), data)
        if type_name == "sql":  # "```sql SELECT …```" then "That's for the header": prose is no SQL
            parts = rx.split(r"\n\s*\n", text)
            while len(parts) > 1 and not rx.match(
                r"(?i)\s*(?:select|with|from|where|order|group|limit|union|and|or|join|left|inner|having|\(|--)",
                parts[-1],
            ):
                parts.pop()
            text = "\n\n".join(parts).strip()
            from .slots import sql_prose_tail  # loaded already by the reader

            tail = sql_prose_tail(text, data)  # "SELECT …" then "Run that query, please."
            text = text[: tail.start()] if tail else text
        _check_placeholder(name, text, data, whole=True, command=command)
        return text
    if type_name == "flag":
        if not isinstance(value, str):
            return bool(value)
        # "Increment revision: yes": a label whose value says yes
        if clean_scalar(value).lower() in data["flag_values"]["yes"]:
            return True
        raise refuse(
            f"{what} {value.strip()!r}: say yes to set it, or leave the line out",
            command,
            kind="invalid_value",
        )
    scalar = clean_scalar(str(value))
    said = words_of(str(value))
    if (
        name == "revision_count"
        and said
        and said[0] in data["slots"]["revision_bump"]
        and not rx.search(r"\d", str(value))
    ):
        return _Increment()  # "Revision: bump the revision count", "Revision Count: increment"
    if name == "revision_count" and scalar.startswith("+"):
        if scalar == "+1":
            return _Increment()
        raise refuse(
            f"revision count {scalar!r}: only +1 (one more revision) or a whole number is accepted", command
        )
    if type_name not in ENUMS:
        _check_placeholder(name, scalar, data, whole=False, command=command)
    if type_name in ("count", "limit", "row_limit"):
        return _number_text(scalar, what, command)
    if type_name == "name":
        return _name_value(name, scalar, data)
    return scalar


class _Increment:
    """'Revision Count: +1' -> increment_revision (converted in convert_values)."""


_THOUSANDS_K = Lazy(r"(\d[\d,_]*)\.(\d+)([kK])", needs=(".",))


def _number_text(value: str, what: str, command: str) -> str:
    text = value.replace(" ", "")
    match = _THOUSANDS_K.fullmatch(text)
    if match:
        whole = match.group(1).replace(",", "").replace("_", "")
        if len(whole) > 19:  # past any column (and a float would become Infinity): let convert refuse it
            return whole + "000"
        return str(int(round(float(whole + "." + match.group(2)) * 1000)))
    return text


def _name_value(name: str, value: str, data: dict[str, Any]) -> str:
    lowered = value.lower().strip()
    if name == "state_type":
        known: dict[str, str] = data["known_names"]["state_type"]
        if lowered in known:
            return known[lowered]
        agent = agent_or_none(value)
        if agent is not None and (" " in value or lowered != agent or agent in ("pm", "orchestrator")):
            return agent
        return lowered.replace(" ", "_") if " " in lowered else value
    if name == "skill_name":
        known = data["known_names"]["skill_name"]  # the same type as state_type's above
        if lowered in known and " " in lowered:
            return known[lowered]
        return "_".join(value.split()) if " " in value.strip() else value
    return value


def _check_placeholder(name: str, value: str, data: dict[str, Any], *, whole: bool, command: str) -> None:
    text = value.strip()
    if is_placeholder(text, is_id=not whole):
        raise refuse(
            f"{label_of(name).lower()} {text!r} is an unfilled placeholder; give the real value",
            command,
            kind="placeholder",
        )


_PARAGRAPH_BREAK = Lazy(r"\n\s*\n", needs=("\n",))
_SIGNED_QUOTE = Lazy(r"([\"\u201c])([^\"\u201d]+)[\"\u201d][ \t]*\n(.*)$", re.S, needs=('"', "\u201c"))
_QUOTE_THEN_STOP = Lazy(r"[\"\u201c]([^\"\u201c\u201d]*)[\"\u201d][ \t]*[.!;]", needs=('"', "\u201c"))


def _text_value(value: str, data: dict[str, Any]) -> str:
    """A text value without surrounding blank lines, quotes, or a trailing explanation paragraph."""
    text = value.strip("\n").strip()
    if text[:1] in "|>" and text[1:].lstrip(" -+").startswith("\n"):  # a YAML block: "Content: |"
        import textwrap

        text = textwrap.dedent(text.split("\n", 1)[1]).strip()
    paragraphs = _PARAGRAPH_BREAK.split(text)
    trailing = tuple(data["trailing_prose"])
    while len(paragraphs) > 1 and paragraphs[-1].strip().lower().startswith(trailing):
        paragraphs.pop()
    text = "\n\n".join(paragraphs).strip()
    signed = _SIGNED_QUOTE.match(text)
    if signed and all(
        line.strip().lower().startswith(trailing) for line in signed.group(3).split("\n") if line.strip()
    ):
        text = signed.group(2).strip()  # '"all 12 pass"' then 'Thanks, QA' on the next line: a sign-off
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" and text.count(text[0]) == 2:
        return text[1:-1]
    # one quoted string then the sentence's own punctuation: 'requirements: "Move builds to ARM".'
    quoted = _QUOTE_THEN_STOP.fullmatch(text)
    if quoted:
        return quoted.group(1)
    return text


def _verb_after_value(clause: str, command: str, data: dict[str, Any]) -> bool:
    """'set it please.', 'save it', 'just store that, thanks': after a colon, comma or semicolon closing a
    JSON value, a write, update or create verb acting on "it" and nothing else (``verb_after_value`` of
    phrasings.json), whose verb class names the very operation the request makes (set -> set-config,
    save -> save-state): the request's verb, no part of the value. A read verb ("show it"), a joined second
    operation ("and mark group_a completed") or any other words are not."""
    words = data["verb_after_value"]

    polite, pronouns, tails = (
        alternation(words[name], spaces=r"[\s_-]+") for name in ("polite", "pronouns", "tails")
    )
    match = rx.fullmatch(
        rf"(?i)\s*(?:(?:{polite})\s+)*(?P<verb>[a-z]+)\s+(?:{pronouns})(?:[\s,]+(?:{tails}))*\s*[.!]*\s*",
        clause,
    )
    if match is None:
        return False
    verb_class = data["_verb"].get(match.group("verb").lower())
    return verb_class in ("write", "update", "create") and any(
        operations.get(verb_class) == command
        for topic, operations in data["operations"].items()
        if not topic.startswith("_")
    )


# where a clause after a JSON value ends: a sentence end, a dash between spaces
_SENTENCE_BREAK = Lazy(r"(?:(?<=[.!?])|^)\s*[.!?]*\s+|\s+[-\u2013\u2014]+\s+|^\s*[-\u2013\u2014.!?]+\s*")


def _words_after_value(rest: str, command: str, data: dict[str, Any], given: set[str]) -> str | None:
    """'{"a": 1} banana', '{…}. Decisions for s_1.': words after a JSON value on its paragraph that are no
    courtesy ('thanks', '- cheers, RE'), no known trailing form (the verb said after the value, a reason or a
    sign-off opener of ``trailing_prose`` / ``sign_offs``) and no value the operation takes ('for session
    s_1', 'as the PM state'): the words the request would drop, or None. A paragraph after a blank line is
    prose of its own (checked as such elsewhere)."""
    text = _PARAGRAPH_BREAK.split(rest.lstrip(" \t`"), 1)[0].strip().strip("`").strip()
    if not text:
        return None
    after = data["after_value"]
    openers = tuple(data["trailing_prose"]) + tuple(data["sign_offs"]) + tuple(after["courtesy"])
    labels = {
        w
        for key, args in data["_label"].items()
        for w in key.split()
        if set(args) & set(argument_specs(command))
    }
    allowed = (
        data["_qualifiers"]
        | data["_articles"]
        | set(after["courtesy"])
        | set(after["values"])
        | labels
        | given
    )
    nouns = {w for noun in data["_noun"] for w in noun.split()}
    for index, clause in enumerate(_SENTENCE_BREAK.split(text)):  # the first one is the JSON's own clause
        said = clause.strip(" .!?,;:")
        if not said:
            continue
        lowered = said.lower()
        if lowered.startswith(openers) or _verb_after_value(said, command, data):
            return None  # "thanks!", "Cheers, RE", "because …", "Please save it.": the rest is prose
        for word in words_of(said):
            if word in allowed:
                continue
            if index == 0 and word in nouns:
                continue  # "{…} as the PM state for s_1": the object named with its value
            return said
    return None


def _check_no_operation_after(clause: str, command: str) -> None:
    """'{…}. Decisions for s_1.': words after the value that make a request of their own (a read named by
    its object) are a second operation."""
    from . import parse  # the clause alone, read as a request (shorter than the text: no loop)

    try:
        other, _args = parse(clause)
    except RequestNotUnderstood:
        return
    raise refuse(
        f"the request names two operations ({command} and {other}, in {shorten(clause, 40)!r} after the "
        "JSON value); send one request per operation",
        command,
        kind="two_operations",
    )


def _json_value(
    command: str, name: str, value: str, what: str, data: dict[str, Any], given: set[str] | None
) -> Any:
    from ..validation import parse_json_text  # the heaviest module: only for the requests that store JSON

    text = value.strip()
    ticked = False  # "**Output:** `{…}`" then a line of prose: the backticks around the JSON are no JSON
    if text.startswith("`") and text.endswith("`"):
        text = text.strip("`")
    elif rx.match(r"`+\s*[{\[]", text):
        text, ticked = text.lstrip("`"), True
    if not text:
        raise refuse(f"no {what} given", command, kind="missing")
    if text[0] not in "{[":
        _check_placeholder(name, text, data, whole=True, command=command)
    start = min([i for i in (text.find("{"), text.find("[")) if i >= 0] or [0])
    if text[:start].strip():
        raise refuse(
            f"{what} is not valid JSON: it starts with {shorten(text, 30)!r}", command, kind="invalid_value"
        )
    try:
        parsed, end = json.JSONDecoder().raw_decode(text, start)
    except RecursionError:
        raise refuse(f"{what} is nested too deeply to be stored", command, kind="invalid_value") from None
    except ValueError:
        _check_placeholder(name, text, data, whole=True, command=command)
        try:
            parsed = parse_json_text(text[start:], what)
        except BazingaError as error:
            raise refuse(error.message, command, kind="invalid_value") from None
        end = len(text)
    rest = text[end:].strip()
    if ticked and rest.startswith("`"):
        rest = rest.lstrip("`").strip()
    if rest[:1] in (":", ",", ";") and _verb_after_value(rest[1:], command, data):
        rest = ""  # "value {…}: set it please.", "{…}, save it": the request's verb, said after its value
    if rest and rest[0] in ',]}:"':
        raise refuse(
            f"{what} is not valid JSON: unexpected {rest[:20]!r} after the object",
            command,
            kind="invalid_value",
        )
    dropped = (
        None
        if given is None or has_json_value(rest)
        else _words_after_value(text[end:], command, data, given)
    )
    if dropped is not None:
        _check_no_operation_after(dropped, command)
        raise refuse(
            f"the request gives {shorten(dropped, 40)!r} after the JSON {what}, but {command} has no place "
            "for it; give only the JSON there (a note after a blank line)",
            command,
            kind="not_understood",
        )
    if has_json_value(rest):
        # '{"a": 1} for s_1 and orchestrator {"b": 2}': a second value after the first, never dropped
        raise refuse(
            f"the request gives two JSON values for {what}; {command} takes one: send one request for each",
            command,
            kind="list_of_values",
        )
    try:
        parse_json_text(text[start:end], what)  # strict: no NaN / Infinity
    except BazingaError as error:
        raise refuse(error.message, command, details=tuple(error.details), kind="invalid_value") from None
    return parsed  # its schema is checked by convert_args, against the name it is saved under
