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

from ..errors import BazingaError, InvalidPayload
from ..vocabulary import ENUMS, argument_specs, convert_args
from .lexicon import (
    Lazy,
    agent_or_none,
    clean_scalar,
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
    values: dict[str, Any] = {}
    for name in (n for n in specs if n in raw):
        if isinstance(raw[name], str) and not raw[name].strip() and not specs[name].get("required"):
            continue  # "Iteration:" left empty in a template: an optional value not given
        what = label_of(name).lower() if name in data["label_names"] else name
        values[name] = clean(command, name, specs[name]["type"], raw[name], what, data)
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


def clean(command: str, name: str, type_name: str, value: Any, what: str, data: dict[str, Any]) -> Any:
    """One value as written -> the value the vocabulary converts (placeholders refused on the way)."""
    if type_name == "json":
        return _json_value(command, name, str(value), what, data)
    if type_name in ("text", "sql"):
        text = _text_value(str(value), data)
        if type_name == "sql":  # "```sql SELECT …```" then "That's for the header": prose is no SQL
            parts = re.split(r"\n\s*\n", text)
            while len(parts) > 1 and not re.match(
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
        return bool(value)
    scalar = clean_scalar(str(value))
    said = words_of(str(value))
    if (
        name == "revision_count"
        and said
        and said[0] in data["slots"]["revision_bump"]
        and not re.search(r"\d", str(value))
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


def _json_value(command: str, name: str, value: str, what: str, data: dict[str, Any]) -> Any:
    from ..validation import parse_json_text  # the heaviest module: only for the requests that store JSON

    text = value.strip()
    ticked = False  # "**Output:** `{…}`" then a line of prose: the backticks around the JSON are no JSON
    if text.startswith("`") and text.endswith("`"):
        text = text.strip("`")
    elif re.match(r"`+\s*[{\[]", text):
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
    if rest and rest[0] in ',]}:"':
        raise refuse(
            f"{what} is not valid JSON: unexpected {rest[:20]!r} after the object",
            command,
            kind="invalid_value",
        )
    for match in re.finditer(r"[{\[]", rest):
        try:
            second, _end = json.JSONDecoder().raw_decode(rest, match.start())
        except (ValueError, RecursionError):
            continue
        if isinstance(second, (dict, list)) and second:
            # '{"a": 1} for s_1 and orchestrator {"b": 2}': a second value after the first, never dropped
            raise refuse(
                f"the request gives two JSON values for {what}; {command} takes one: "
                "send one request for each",
                command,
                kind="list_of_values",
            )
    try:
        parse_json_text(text[start:end], what)  # strict: no NaN / Infinity
    except BazingaError as error:
        raise refuse(error.message, command, details=tuple(error.details), kind="invalid_value") from None
    return parsed  # its schema is checked by convert_args, against the name it is saved under
