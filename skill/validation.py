"""JSON payloads: strict parsing and schema validation before anything is stored.

Interim version: strict parse plus "must be an object". The JSON Schema validation of issue 4 replaces
``check_payload``'s body; its signature is the contract the library calls.
"""

from __future__ import annotations

import json
from typing import Any

from .errors import InvalidPayload
from .vocabulary import MAX_TEXT_BYTES

PAYLOAD_KINDS = ("state", "skill_output", "config", "decision")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json_text(text: str, what: str) -> Any:
    """Parse a JSON document strictly (no NaN/Infinity), raising InvalidPayload with the position."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_TEXT_BYTES:
        raise InvalidPayload(
            f"{what} is {size:,} bytes; the limit is {MAX_TEXT_BYTES:,} bytes",
            "Store a smaller object (keep details in files and store their paths).",
        )
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise InvalidPayload(f"{what} is nested too deeply", "Flatten the JSON.")
    except ValueError as error:
        raise InvalidPayload(
            f"{what} is not valid JSON: {error}",
            "Check the JSON (for example with jq) and quote it in single quotes on the shell line.",
        )


def check_payload(kind: str, name: str, value: Any, what: str) -> None:
    """Raise InvalidPayload when ``value`` is not acceptable for the payload kind and name."""
    if not isinstance(value, dict):
        raise InvalidPayload(
            f"{what} must be a JSON object, found {_json_type(value)}",
            'Wrap the value in an object, for example {"value": ...}.',
        )


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__
