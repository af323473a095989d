"""The one JSON reader for every input: command-line JSON, request bodies, batch lines, exports, legacy files.

``loads(text)`` is ``json.loads`` minus what JSON forbids or what cannot be stored faithfully: duplicate
keys in one object (a reader would silently keep one: a batch line could switch its own command), NaN and
Infinity, numbers too large for a float, integers too long to convert, nesting deeper than ``max_depth``
(checked without recursion, so a 100,000-deep line is a clear refusal, not a RecursionError). Every
refusal is a :class:`JSONRefused` whose text says what and where; callers wrap it in their own error.
Standard library only and cheap to import (batch imports it on every run).
"""

from __future__ import annotations

import json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# Deepest nesting accepted: the top-level value is level 1. Real payloads stay under 10 levels.
MAX_DEPTH = 64
# Longest integer literal accepted (Python refuses to convert more than 4,300 digits; int64 has 19).
MAX_INTEGER_DIGITS = 100
_INF = float("inf")


class JSONRefused(ValueError):
    """Not acceptable JSON; ``reason`` says why (and where, for syntax errors); ``too_deep`` for nesting."""

    def __init__(self, reason: str, too_deep: bool = False, where: tuple[int, int] | None = None):
        super().__init__(reason)
        self.reason = reason
        self.too_deep = too_deep
        self.where = where  # (line, column) of a syntax error
        self.detail = reason  # the syntax error alone, without its position


def _reject_constant(name: str) -> Any:
    raise JSONRefused(f"{name} is not a JSON number (JSON has no NaN or Infinity)")


def _finite_float(text: str) -> float:
    number = float(text)
    if number in (_INF, -_INF):
        raise JSONRefused(f"the number {text[:40]} is too large to store (it would become Infinity)")
    return number


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        raise JSONRefused(
            f"an integer of {digits:,} digits is too long (at most {MAX_INTEGER_DIGITS} digits are accepted)"
        )
    return int(text)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise JSONRefused(
                    f"the key {json.dumps(key, ensure_ascii=False)} appears twice in the same object"
                    " (JSON readers would silently keep only one of the values)"
                )
            seen.add(key)
    return result


def nesting_depth_exceeds(text: str, max_depth: int) -> bool:
    """True when brackets outside strings nest deeper than ``max_depth`` (a linear scan, no recursion)."""
    if text.count("[") + text.count("{") <= max_depth:
        return False
    depth = 0
    in_string = escaped = False
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
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                return True
        elif char in "]}":
            depth -= 1
    return False


def loads(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse strictly; raise JSONRefused naming the problem."""
    if nesting_depth_exceeds(text, max_depth):
        raise JSONRefused(f"nested more than {max_depth} levels deep", too_deep=True)
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except JSONRefused:
        raise
    except RecursionError:
        raise JSONRefused(f"nested more than {max_depth} levels deep", too_deep=True) from None
    except ValueError as error:
        refused = JSONRefused(describe_decode_error(error, text))
        if hasattr(error, "lineno"):
            refused.where = (error.lineno, error.colno)  # type: ignore[attr-defined]
            refused.detail = error.msg  # type: ignore[attr-defined]
        raise refused from None


def describe_decode_error(error: ValueError, text: str) -> str:
    position = getattr(error, "pos", None)
    message = getattr(error, "msg", None) or str(error)
    if position is None:
        return message
    near = text[max(0, position - 20) : position + 20].replace("\n", " ")
    return f"{message} at line {error.lineno} column {error.colno} (near {near!r})"  # type: ignore[attr-defined]
