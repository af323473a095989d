"""JSON payloads: strict parsing and schema validation before anything is stored.

Two entry points, called by the library before every insert or update of a JSON payload:

- :func:`parse_json_text` turns the text an agent gave (a CLI argument, stdin, a request body) into a
  value, refusing what JSON forbids or what cannot be stored faithfully: invalid UTF-8, NaN/Infinity
  (and numbers too large for a float), duplicate keys, nesting deeper than :data:`MAX_DEPTH`, text over
  ``MAX_TEXT_BYTES``.
- :func:`check_payload` checks a value (parsed text, or a dict handed to the Python API) against the
  shipped schema for its kind and name (``skill/schemas/{kind}.{name}.json``), after checking that it is a
  JSON object made of JSON values only.

Known fields are typed strictly; fields a schema does not name are kept as given; a state type, skill name
or config key without a schema is accepted as any JSON object. Every failure raises
:class:`~skill.errors.InvalidPayload` naming the JSON path, what was expected and what was found.
"""

from __future__ import annotations

import json
import os

from . import jsonschema_lite, jsonstrict
from .errors import InvalidPayload
from .jsonschema_lite import Failure, format_path
from .vocabulary import MAX_TEXT_BYTES

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

PAYLOAD_KINDS = ("state", "skill_output", "config", "decision")

# Deepest nesting accepted: the top-level object is level 1. Real payloads stay under 10 levels; the
# limit keeps validation and storage far from Python's recursion limit.
MAX_DEPTH = jsonstrict.MAX_DEPTH

# How many causes a report lists at most (a 10,000-item array of wrong values is one cause repeated).
MAX_DETAILS = 20

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")

# The shipped schemas, by (kind, name). Names are looked up lower-cased with '-' read as '_', so
# 'security-scan' finds 'security_scan'. Every decision type shares one schema. Anything else is accepted
# as any JSON object (tests/test_validation_differential.py checks this table against skill/schemas/).
SCHEMAS: dict[tuple[str, str], str] = {
    ("state", "pm"): "state.pm.json",
    ("state", "orchestrator"): "state.orchestrator.json",
    ("state", "group_status"): "state.group_status.json",
    ("skill_output", "security_scan"): "skill_output.security_scan.json",
    ("skill_output", "test_coverage"): "skill_output.test_coverage.json",
    ("skill_output", "lint_check"): "skill_output.lint_check.json",
    ("config", "skills_config"): "config.skills_config.json",
    ("config", "testing_config"): "config.testing_config.json",
    ("decision", "*"): "decision.json",
}
ANY_OBJECT: dict[str, Any] = {"type": "object"}

_loaded: dict[str, Any] = {}
_INF = float("inf")

_FIX_JSON = "Check the JSON (for example with jq) and quote it in single quotes on the shell line."


def parse_json_text(text: Any, what: str) -> Any:
    """Parse a JSON document strictly, raising InvalidPayload that says what is wrong and where.

    ``text`` is a str (lone surrogates from undecodable command-line bytes count as invalid UTF-8) or
    bytes (decoded as strict UTF-8). A leading byte-order mark is ignored.
    """
    if isinstance(text, (bytes, bytearray)):
        data = bytes(text)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _invalid_utf8(what, data[error.start], error.start, "byte") from error
    else:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as error:
            code = ord(text[error.start])
            # Undecodable bytes reach us as surrogate escapes U+DC80..U+DCFF (PEP 383).
            byte = code - 0xDC00 if 0xDC80 <= code <= 0xDCFF else None
            raise _invalid_utf8(what, byte, error.start, "character") from error
    if len(data) > MAX_TEXT_BYTES:
        raise _too_large(what, len(data))
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise InvalidPayload(f"{what} is empty", 'Give a JSON object, for example {"iteration": 1}.')
    try:
        value = jsonstrict.loads(text, MAX_DEPTH)
    except jsonstrict.JSONRefused as error:
        if error.too_deep:
            raise _too_deep(what) from None
        raise InvalidPayload(f"{what} is not valid JSON: {error.reason}", _FIX_JSON) from None
    _check_depth(value, what)
    return value


def check_payload(kind: str, name: str, value: Any, what: str) -> None:
    """Raise InvalidPayload unless ``value`` is a JSON object acceptable for this kind and name."""
    if kind not in PAYLOAD_KINDS:
        raise ValueError(f"unknown payload kind {kind!r}; expected one of {PAYLOAD_KINDS}")
    if not isinstance(value, dict):
        raise InvalidPayload(
            f"{what} must be a JSON object, found {describe_value(value)}",
            'Wrap the value in an object, for example {"value": ...}.',
        )
    _check_json_value(value, what)
    size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise _too_large(what, size)
    schema = schema_for(kind, name)
    failures = jsonschema_lite.validate(schema, value)
    if failures:
        raise _schema_error(kind, _canonical(kind, name), what, failures)


def _canonical(kind: str, name: str) -> str:
    return "*" if kind == "decision" else name.strip().lower().replace("-", "_")


def schema_file(kind: str, name: str) -> str | None:
    """The file name of the schema for (kind, name), or None when any object is accepted."""
    return SCHEMAS.get((kind, _canonical(kind, name)))


def schema_for(kind: str, name: str) -> dict[str, Any]:
    """The schema for (kind, name), loaded on first use; ANY_OBJECT when none is shipped."""
    file_name = schema_file(kind, name)
    if file_name is None:
        return ANY_OBJECT
    schema: dict[str, Any] | None = _loaded.get(file_name)
    if schema is None:
        with open(os.path.join(SCHEMA_DIR, file_name), encoding="utf-8") as handle:
            schema = _loaded[file_name] = json.load(handle)
    return schema


# Relevance of a failure, most relevant first (the report's first cause, like jsonschema's best_match):
#   1. not weak: a failure found inside one anyOf alternative says more than "expected X, or Y";
#   2. shallower path first: a wrong container ($.task_groups is a string) explains more than anything
#      said about its contents, and it is what the user must fix first;
#   3. then document order (the validator walks each object in the order of its keys), so the report
#      reads top to bottom like the JSON the user sent.
def _relevance(indexed: tuple[int, Failure]) -> tuple[bool, int, int]:
    index, failure = indexed
    return (failure.weak, len(failure.path), index)


def explain(failure: Failure) -> str:
    """One cause as a line: '$.task_groups[2].status: expected one of ..., found the string "done"'."""
    where = format_path(failure.path)
    if failure.keyword == "required":
        return f"{where}: the required field {json.dumps(failure.field)} is missing"
    return f"{where}: expected {failure.expected}, found {describe_value(failure.value)}"


def _schema_error(kind: str, name: str, what: str, failures: list[Failure]) -> InvalidPayload:
    ranked = [failure for _, failure in sorted(enumerate(failures), key=_relevance)]
    details = [explain(failure) for failure in ranked[:MAX_DETAILS]]
    if len(ranked) > MAX_DETAILS:
        details.append(f"... and {len(ranked) - MAX_DETAILS:,} more")
    label = f'"{name}" {kind.replace("_", " ")}' if kind != "decision" else "decision"
    count = f" ({len(ranked):,} problems)" if len(ranked) > 1 else ""
    message = f"{what} does not match the {label} schema{count}: {details[0]}"
    error = InvalidPayload(
        message,
        "Fix the value at that path and send the whole object again; nothing was stored. Fields the"
        " schema does not name are kept as given (see references/payloads.md).",
        details=details if len(ranked) > 1 else (),  # one cause is all in the message
    )
    error.causes = details  # every cause as "$.path: text", also when the message holds the only one
    return error


def _check_json_value(value: dict[str, Any], what: str) -> None:
    """Check a Python object is made of JSON only: str keys, finite numbers, UTF-8-encodable text.

    Iterative (only containers go on the stack), so a deeply nested or self-containing value gets a
    clean error instead of a RecursionError, and long arrays of scalars cost one loop step per item.
    """
    stack: list[tuple[Any, tuple[Any, ...]]] = [(value, ())]
    while stack:
        container, path = stack.pop()
        if len(path) >= MAX_DEPTH:  # this container is level len(path) + 1
            raise _too_deep(what)
        is_dict = isinstance(container, dict)
        for key, child in container.items() if is_dict else enumerate(container):
            if is_dict:
                if not isinstance(key, str):
                    raise InvalidPayload(
                        f"{what} is not JSON: {format_path(path)} has the key {key!r}, which is not a string",
                        "JSON object keys are strings; convert the key with str().",
                    )
                if not key.isascii():
                    _check_text(key, path, what)
            if isinstance(child, str):
                if not child.isascii():
                    _check_text(child, path + (key,), what)
            elif isinstance(child, (dict, list)):
                stack.append((child, path + (key,)))
            elif isinstance(child, float):
                if child != child or child in (_INF, -_INF):
                    raise InvalidPayload(
                        f"{what} is not JSON: {format_path(path + (key,))} is {child!r}"
                        " (JSON has no NaN or Infinity)",
                        'Store null or a string such as "unknown" instead.',
                    )
            elif not (child is None or isinstance(child, (bool, int))):
                raise InvalidPayload(
                    f"{what} is not JSON: {format_path(path + (key,))} is a {type(child).__name__}",
                    "Use only dict, list, str, int, float, bool and None.",
                )


def _check_text(text: str, path: tuple[Any, ...], what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidPayload(
            f"{what} is not valid UTF-8: {format_path(path)} contains the lone surrogate"
            f" U+{ord(text[error.start]):04X} at character {error.start}",
            "Send text encoded as UTF-8 (a JSON \\ud800-style escape must come in a valid pair).",
        ) from error


def _check_depth(value: Any, what: str) -> None:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise _too_deep(what)
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values() if isinstance(child, (dict, list)))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item if isinstance(child, (dict, list)))


def _too_deep(what: str) -> InvalidPayload:
    return InvalidPayload(
        f"{what} is nested more than {MAX_DEPTH} levels deep",
        "Flatten the JSON: store deep structures as a string or in a file and keep its path.",
    )


def _too_large(what: str, size: int) -> InvalidPayload:
    return InvalidPayload(
        f"{what} is {size:,} bytes; the limit is {MAX_TEXT_BYTES:,} bytes",
        "Store a smaller object (keep details in files and store their paths).",
    )


def _invalid_utf8(what: str, byte: int | None, position: int, unit: str) -> InvalidPayload:
    shown = f"the byte 0x{byte:02X}" if byte is not None else "a lone surrogate"
    unit = "byte offset" if unit == "byte" else unit
    return InvalidPayload(
        f"{what} is not valid UTF-8: {shown} at {unit} {position}",
        "Send the JSON encoded as UTF-8 (convert it with iconv, or re-save the file as UTF-8).",
    )


def describe_value(value: Any) -> str:
    """How a report names a found value: 'the string "3"', 'an array (2 items)', 'null'."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {json.dumps(value)}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return "the string " + json.dumps(shown, ensure_ascii=False)
    if isinstance(value, list):
        return f"an array ({len(value)} item{'' if len(value) == 1 else 's'})"
    if isinstance(value, dict):
        keys = list(value)
        shown = ", ".join(keys[:4]) + (", ..." if len(keys) > 4 else "")
        return f"an object (keys: {shown})" if keys else "an empty object"
    return f"a {type(value).__name__}"
