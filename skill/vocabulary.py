"""The vocabulary of operations, read from ``prompts/commands.json``, and the value types it names.

One place decides what a valid id, agent type, status or count is; the CLI, the request parser and the
library all convert values through :func:`convert`.
"""

from __future__ import annotations

import json
import os

from .errors import InvalidArgument, Notice

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any, Callable

# A plain string: pathlib costs ~2.5 ms per process start. ``PROMPTS_DIR`` (a Path) is still offered,
# built on first use by the module __getattr__ below.
PROMPTS_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "prompts")

with open(os.path.join(PROMPTS_PATH, "commands.json"), encoding="utf-8") as _file:
    VOCABULARY: dict[str, Any] = json.load(_file)

COMMANDS: dict[str, dict[str, Any]] = VOCABULARY["commands"]
ENUMS: dict[str, dict[str, Any]] = VOCABULARY["enums"]
TYPES: dict[str, dict[str, Any]] = VOCABULARY["types"]
ARGUMENTS: dict[str, dict[str, Any]] = VOCABULARY["arguments"]


def _complete_arguments() -> None:
    """Give every command argument the shared facts of its name (type, help, metavar, label, payload).

    A command's own entry overrides them; an option shows its ``flag_metavar``. Done once at import, so every
    reader (parser, help, docs, requests, MCP schemas) sees complete argument specs.
    """
    for spec in COMMANDS.values():
        for index, arg in enumerate(spec["args"]):
            merged = {**ARGUMENTS[arg["name"]], **arg}
            if merged["kind"] == "option":
                merged["required"] = False
                if "flag_metavar" in merged:
                    merged["metavar"] = merged["flag_metavar"]
            merged.pop("flag_metavar", None)
            merged.setdefault("label", merged["name"].replace("_", " "))
            spec["args"][index] = merged


_complete_arguments()
AGENT_TYPES: dict[str, Any] = VOCABULARY["agent_types"]
LIMITS: dict[str, int] = VOCABULARY["limits"]
MAX_TEXT_BYTES: int = LIMITS["max_text_bytes"]

# The operations a request in words (and a batch line, which is a request's dry-run) can name: the commands
# backed by an API method, except those marked "requests": false (migration tools, check, backup).
OPERATIONS: dict[str, dict[str, Any]] = {
    name: spec for name, spec in COMMANDS.items() if "method" in spec and spec.get("requests", True)
}

# Ids: sessions, groups, agent ids. A safe alphabet keeps quotes, semicolons, spaces and path separators
# out of every key, so an id can be pasted into a shell line or a SQL literal without surprises.
# Checked with character sets rather than regular expressions: compiling the two patterns cost ~0.1 ms of
# every process start. An id is [A-Za-z0-9][A-Za-z0-9_.:@+-]*, an agent type [a-z][a-z0-9_]* (ASCII only).
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_DIGITS = frozenset("0123456789")
_ALNUM = _LOWER | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ") | _DIGITS
_ID_CHARS = _ALNUM | frozenset("_.:@+-")
_AGENT_TYPE_CHARS = _LOWER | _DIGITS | {"_"}


def _is_id(text: str) -> bool:
    return bool(text) and text[0] in _ALNUM and _ID_CHARS.issuperset(text)


def _is_agent_type(text: str) -> bool:
    return bool(text) and text[0] in _LOWER and _AGENT_TYPE_CHARS.issuperset(text)


def _check_id(value: str, what: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidArgument(f"{what} is empty", f"Give a {what} such as 'bazinga_20250113_143530'.")
    if len(text) > LIMITS["max_id_length"]:
        raise InvalidArgument(
            f"{what} is {len(text)} characters long; the limit is {LIMITS['max_id_length']}",
            f"Use a shorter {what}.",
        )
    if not _is_id(text):
        bad = sorted({c for c in text if c not in _ID_CHARS})
        shown = " ".join(repr(c) for c in bad) or repr(text[0])
        raise InvalidArgument(
            f"{what} {text!r} contains characters an id cannot have: {shown}",
            f"A {what} starts with a letter or digit and uses only letters, digits and _ . : @ + -",
        )
    return text


def normalise_agent_type(value: str) -> str:
    """'Tech Lead' -> 'tech_lead', 'QA Expert' -> 'qa'; unknown types are kept (as identifiers)."""
    key = " ".join(value.strip().lower().replace("-", " ").replace("_", " ").split())
    aliases: dict[str, str] = AGENT_TYPES["aliases"]
    if key in aliases:
        return aliases[key]
    underscored = key.replace(" ", "_")
    if underscored in aliases:
        return aliases[underscored]
    if not key:
        raise InvalidArgument(
            "agent type is empty",
            "Give one of " + ", ".join(AGENT_TYPES["documented"]) + " (or your own agent type).",
        )
    if not _is_agent_type(underscored) or len(underscored) > 64:
        raise InvalidArgument(
            f"agent type {value!r} is not an identifier",
            "Use one of "
            + ", ".join(AGENT_TYPES["documented"])
            + ", or your own type made of letters, digits and underscores.",
        )
    return underscored


def agent_label(agent_type: str) -> str:
    """How replies name an agent type: 'PM', 'Tech Lead', 'developer'."""
    labels: dict[str, str] = AGENT_TYPES["labels"]
    return labels.get(agent_type, agent_type)


def normalise_enum(enum: str, value: str, what: str | None = None) -> str:
    spec = ENUMS[enum]
    allowed: list[str] = spec["values"]
    raw = value.strip()
    if raw in allowed:
        return raw
    for candidate in allowed:
        if candidate.lower() == raw.lower():
            return candidate
    key = " ".join(raw.lower().replace("_", " ").split())
    aliases: dict[str, str] = spec["aliases"]
    for alias, target in aliases.items():
        if alias == raw.lower() or alias == key:
            return target
    label = what or enum.replace("_", " ")
    raise InvalidArgument(
        f"{label} {value!r} is not allowed",
        "Allowed values: " + ", ".join(allowed) + ".",
    )


def parse_count(value: Any, what: str, *, minimum: int = 0) -> int:
    """A whole number >= minimum, from an int or a string such as '15000', '15,000' or '15k'."""
    if isinstance(value, bool):
        raise InvalidArgument(
            f"{what} must be a whole number, not {value!r}", f"Give a whole number >= {minimum}."
        )
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip().replace(",", "").replace("_", "")
        multiplier = 1
        if text[-1:].lower() == "k":
            text, multiplier = text[:-1], 1000
        digits = text[1:] if text[:1] in ("+", "-") else text
        if not digits.isdecimal():  # what r"[+-]?\d+" matches, without compiling a pattern in every process
            shown = (
                repr(value)
                if len(str(value)) <= 60
                else repr(str(value)[:40]) + f" … ({len(str(value)):,} characters)"
            )
            raise InvalidArgument(
                f"{what} must be a whole number, got {shown}", f"Give a whole number >= {minimum}."
            )
        if len(text.lstrip("+-0")) > 19:  # int() of thousands of digits is slow, and refused past 4,300
            raise _too_large(what, f"({len(text.lstrip('+-')):,} digits)")
        number = int(text) * multiplier
    if number < minimum:
        raise InvalidArgument(
            f"{what} must be >= {minimum}, got {number}", f"Give a whole number >= {minimum}."
        )
    if number > MAX_INTEGER:
        raise _too_large(what, f"{number:,}")
    return number


# The largest whole number a column holds (SQLite's INTEGER is a signed 64-bit number; past it SQLite
# would silently store a REAL and later increments would be lost).
MAX_INTEGER = 2**63 - 1


def _too_large(what: str, shown: str) -> InvalidArgument:
    return InvalidArgument(
        f"{what} {shown} is too large: the database holds whole numbers up to {MAX_INTEGER:,}",
        f"Give a whole number up to {MAX_INTEGER:,}.",
    )


def check_text(value: str, what: str) -> str:
    if not isinstance(value, str):  # a batch line or an API caller may pass any JSON value
        raise InvalidArgument(f"{what} must be text, got {type(value).__name__}", f"Give the {what} as text.")
    if not value.strip():
        raise InvalidArgument(f"{what} is empty", f"Give the {what} text.")
    size = len(value.encode("utf-8", "surrogatepass"))
    if size > MAX_TEXT_BYTES:
        raise InvalidArgument(
            f"{what} is {size:,} bytes; the limit is {MAX_TEXT_BYTES:,} bytes",
            "Store a summary, or split it over several entries.",
        )
    if "\x00" in value:
        raise InvalidArgument(f"{what} contains a NUL character", "Remove the NUL (\\x00) characters.")
    return value


def convert(type_name: str, value: Any, what: str) -> Any:
    """Convert and validate one argument value according to its vocabulary type."""
    if type_name in ("id", "name"):
        if not isinstance(value, str):
            raise InvalidArgument(f"{what} must be text, got {type(value).__name__}", None)
        return _check_id(value, what)
    if type_name == "agent_type":
        if not isinstance(value, str):  # str(True) would be stored as the agent type 'true'
            raise InvalidArgument(f"{what} must be text, got {type(value).__name__}", None)
        return normalise_agent_type(value)
    if type_name == "count":
        return parse_count(value, what)
    if type_name == "limit":
        number = parse_count(value, what, minimum=1)
        return min(number, LIMITS["max_list_limit"])
    if type_name == "row_limit":  # how many rows a read lists; 0 lifts the limit
        return parse_count(value, what)
    if type_name == "text":
        return check_text(value, what)
    if type_name == "sql":
        return check_text(value, what)
    if type_name == "time":
        from .timeutil import to_canonical

        return to_canonical(str(value), what)
    if type_name == "port":
        number = parse_count(value, what)
        if number > 65535:
            raise InvalidArgument(
                f"{what} must be 0 to 65535, got {number}",
                "Give a port such as 8765 (0 picks a free one).",
                code="port_out_of_range",
            )
        return number
    if type_name == "host":
        text = value.strip() if isinstance(value, str) else ""
        if not text or len(text) > 253 or any(c.isspace() or c == "\x00" for c in text):
            raise InvalidArgument(
                f"{what} {value!r} is not a host name or address",
                "Give an address of this machine: 127.0.0.1 (this machine only), 0.0.0.0 (every interface).",
                code="bad_host",
            )
        return text
    if type_name in ENUMS:
        return normalise_enum(type_name, str(value), what)
    # json, path, flag: converted by their callers
    return value


def argument_specs(command: str) -> dict[str, dict[str, Any]]:
    """The arguments of a command by name, in the vocabulary's order."""
    return {arg["name"]: arg for arg in COMMANDS[command]["args"]}


def usage_line(command: str) -> str:
    """The arguments part of a command's usage line: ``SESSION_ID STATE_TYPE JSON``, ``[--limit N]``.

    The one place usage lines are built: help, error hints, docs and request forms all call it.
    """
    parts = []
    for arg in COMMANDS[command]["args"]:
        if arg["kind"] == "positional":
            parts.append(arg["metavar"] if arg["required"] else f"[{arg['metavar']}]")
        elif arg["type"] == "flag":
            parts.append(f"[{arg['flags'][0]}]")
        else:
            parts.append(f"[{arg['flags'][0]} {arg['metavar']}]")
    return " ".join(parts)


def convert_args(
    command: str,
    values: dict[str, Any],
    notify: Callable[[Notice], None] | None = None,
    *,
    defaults: bool = False,
) -> dict[str, Any]:
    """Validate and convert the argument values of ``command`` by their vocabulary types.

    The one conversion every surface goes through (CLI, API, requests, batch, transfer, MCP): ids checked,
    agent types and enumerations normalised (each normalisation reported to ``notify`` as a ⚠ notice),
    counts parsed, times made canonical, JSON payloads parsed and checked against their schema. Values that
    are None are left out, or with ``defaults`` given the vocabulary's default (the API's methods ask for
    that; a request's dry run shows only what the text gave). A missing required value, or a name the
    command does not have, raises.
    """
    specs = argument_specs(command)
    converted: dict[str, Any] = {}
    for name in values:
        if name not in specs:
            raise InvalidArgument(
                f"{command} has no argument {name!r}",
                unknown_argument_hint(command, name),
                code="unknown_argument",
            )
    for name, spec in specs.items():
        value = values.get(name)
        if value is None and defaults:
            value = spec.get("default")
        if value is None:
            if spec.get("required"):
                raise InvalidArgument(
                    f"{spec['label']} is missing", f"{command} {usage_line(command)}", code="missing_argument"
                )
            continue
        if spec["type"] == "json" and "payload" in spec:
            payload = spec["payload"]
            converted[name] = convert_payload(
                payload["kind"], str(converted.get(payload["name_from"], "")), value, spec["label"]
            )
            continue
        converted[name] = _convert_value(name, spec, value, notify)
    return converted


def _convert_value(
    name: str, spec: dict[str, Any], value: Any, notify: Callable[[Notice], None] | None
) -> Any:
    """One value by its argument's type; an enumeration's normalisation is reported to ``notify``."""
    result = convert(spec["type"], value, spec.get("label", name.replace("_", " ")))
    if notify is not None and spec["type"] in ENUMS and isinstance(value, str):
        if result.lower() != value.strip().lower():
            notify(
                Notice("normalised", f"{name.replace('_', ' ')} {value!r} read as {result!r}", warning=True)
            )
    return result


def convert_values(values: dict[str, Any], notify: Callable[[Notice], None] | None = None) -> dict[str, Any]:
    """Values named like the vocabulary's shared arguments (``arguments`` in commands.json), converted by
    their types: for library reads that are not a command of their own (the dashboard's). None stays None."""
    return {
        name: None if value is None else _convert_value(name, ARGUMENTS[name], value, notify)
        for name, value in values.items()
    }


def convert_payload(kind: str, name: str, value: Any, what: str) -> Any:
    """A JSON payload (text or already parsed) as a checked JSON object, for the schema of (kind, name)."""
    from . import validation  # the heaviest module: imported only by the commands that store JSON

    if isinstance(value, (str, bytes, bytearray)):
        value = validation.parse_json_text(value, what)
    validation.check_payload(kind, name, value, what)
    return value


def suggest(word: str, choices: list[str]) -> str | None:
    """The closest choice to a misspelt word, for 'did you mean' hints."""
    import difflib

    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return found[0] if found else None


def unknown_argument_hint(command: str, name: str) -> str:
    """What to say about an argument name the command does not have (batch lines, MCP tool calls)."""
    names = [arg["name"] for arg in COMMANDS[command]["args"]]
    close = suggest(name, names)
    known = "Arguments: " + ", ".join(names) + "." if names else "This command takes no arguments."
    return (f"Did you mean {close!r}? " if close else "") + known


def __getattr__(name: str) -> Any:
    if name == "PROMPTS_DIR":
        from pathlib import Path

        return Path(PROMPTS_PATH)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
