"""A small JSON Schema (draft 2020-12) validator: only the keywords the shipped schemas use.

The skill runs on the standard library alone, so it cannot import ``jsonschema`` at run time. This module
implements exactly the keywords listed in :data:`KEYWORDS` with the draft's semantics, and the test suite
proves it gives the same verdict as ``jsonschema.Draft202012Validator`` on every shipped schema
(``tests/test_validation_differential.py``) and that no shipped schema uses a keyword outside the list.

Semantics worth knowing (all as in the draft):
- ``integer`` is any number with a zero fractional part, so ``1.0`` is an integer; ``true``/``false`` are
  booleans, never numbers.
- ``enum``/``const`` compare as JSON values: ``1 == 1.0`` but ``true != 1``.
- Keywords that apply to one type (``properties``, ``items``, ``minimum``, ...) ignore other types, so a
  schema without ``type`` accepts a string where it describes an object's fields.

Errors are :class:`Failure` records (path, keyword, expected, value); ordering them by relevance and
rendering them is the caller's business (``skill/validation.py``).
"""

from __future__ import annotations

import json

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any, Union

    Path = tuple[Union[str, int], ...]  # a JSON path: keys and indexes

# Keywords the validator evaluates, and keywords it knows to be annotations only. A schema using any other
# keyword is refused by the tests (a silently ignored keyword would break the "same verdict" promise).
KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "minimum",
        "maximum",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "anyOf",
        "$ref",
    }
)
ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "$defs", "title", "description", "examples", "default"}
)

# An items schema with only these keywords and a single type is decided by the type alone.
_SIMPLE = frozenset({"type", "description", "title", "$comment"})

_ARTICLE = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


class Failure:
    """One reason an instance does not match: where (path), which keyword failed, in which schema, the value.

    ``weak`` marks a combined ``anyOf`` failure ("expected X, or Y"): it says less than a failure found
    inside one alternative, so it ranks after those (as jsonschema's WEAK_MATCHES). ``expected`` is worded
    only when asked for, so a value with thousands of failures stays cheap to check.
    """

    __slots__ = ("path", "keyword", "schema", "root", "value", "weak", "field")

    def __init__(
        self,
        path: Path,
        keyword: str,
        schema: Any,
        root: Any,
        value: Any,
        weak: bool = False,
        field: str = "",
    ):
        self.path = path
        self.keyword = keyword
        self.schema = schema
        self.root = root
        self.value = value
        self.weak = weak
        self.field = field  # the missing field, for "required"

    @property
    def expected(self) -> str:
        keyword, schema = self.keyword, self.schema
        if keyword == "required":
            return f"the field {json.dumps(self.field)}"
        if keyword == "anyOf":
            return ", or ".join(describe(option, self.root) for option in schema["anyOf"])
        return describe(schema, self.root)

    def __repr__(self) -> str:
        return f"Failure({format_path(self.path)}, {self.keyword}, {self.expected!r})"


def validate(schema: Any, instance: Any) -> list[Failure]:
    """Every failure of ``instance`` against ``schema`` (an empty list means valid)."""
    out: list[Failure] = []
    _check(schema, instance, (), schema, out)
    return out


def _is_type(value: Any, name: str) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if name == "number":
        return isinstance(value, (int, float))
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    raise ValueError(f"unknown JSON Schema type {name!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def equal(one: Any, two: Any) -> bool:
    """JSON equality as the draft defines it for enum/const: 1 == 1.0, but true != 1."""
    if isinstance(one, bool) or isinstance(two, bool):
        return type(one) is type(two) and one == two
    if isinstance(one, (int, float)) and isinstance(two, (int, float)):
        return one == two
    if isinstance(one, list) and isinstance(two, list):
        return len(one) == len(two) and all(equal(a, b) for a, b in zip(one, two))
    if isinstance(one, dict) and isinstance(two, dict):
        return one.keys() == two.keys() and all(equal(one[key], two[key]) for key in one)
    return type(one) is type(two) and one == two


def _resolve(root: Any, ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"only local references are supported, not {ref!r}")
    node = root
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _check(schema: Any, value: Any, path: Path, root: Any, out: list[Failure]) -> None:
    if schema is True:
        return
    if schema is False:
        out.append(Failure(path, "false", schema, root, value))
        return
    ref = schema.get("$ref")
    if ref is not None:
        _check(_resolve(root, ref), value, path, root, out)
    types = schema.get("type")
    if types is not None:
        if isinstance(types, str):
            matched = _is_type(value, types)
        else:
            matched = any(_is_type(value, name) for name in types)
        if not matched:
            out.append(Failure(path, "type", schema, root, value))
            return  # the other keywords would only repeat that the value has the wrong type
    if "enum" in schema and not any(equal(value, option) for option in schema["enum"]):
        out.append(Failure(path, "enum", schema, root, value))
    if "const" in schema and not equal(value, schema["const"]):
        out.append(Failure(path, "const", schema, root, value))
    if _is_number(value):
        if "minimum" in schema and value < schema["minimum"]:
            out.append(Failure(path, "minimum", schema, root, value))
        if "maximum" in schema and value > schema["maximum"]:
            out.append(Failure(path, "maximum", schema, root, value))
    elif isinstance(value, dict):
        for name in schema.get("required", ()):
            if name not in value:
                out.append(Failure(path, "required", schema, root, value, field=name))
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():  # in the instance's order, so reports follow the document
            sub = properties.get(name, extra)
            if sub is not True:
                _check(sub, item, path + (name,), root, out)
    elif isinstance(value, list):
        items = schema.get("items", True)
        if items is not True:
            simple = items is not False and items.keys() <= _SIMPLE and isinstance(items.get("type"), str)
            for index, item in enumerate(value):
                # Fast path for arrays of one plain type (id lists): no call unless the type is wrong.
                if simple and _is_type(item, items["type"]):
                    continue
                _check(items, item, path + (index,), root, out)
    if "anyOf" in schema:
        _check_any_of(schema, value, path, root, out)


def _check_any_of(schema: Any, value: Any, path: Path, root: Any, out: list[Failure]) -> None:
    """Valid when one option matches. Otherwise report what helps the user most.

    An option whose ``type`` rejects the value was clearly not meant; among the others, the one whose
    failures lie deepest inside the value is the one the value was written for, so its failures are
    reported (fewest failures wins a tie, then the first listed). When no option gets past the value
    itself, one weak failure names every option ("expected an integer >= 0, or an array").
    """
    attempts: list[list[Failure]] = []
    for option in schema["anyOf"]:
        failures: list[Failure] = []
        _check(option, value, path, root, failures)
        if not failures:
            return
        attempts.append(failures)
    meant = [
        failures for failures in attempts if not any(f.keyword == "type" and f.path == path for f in failures)
    ]
    deeper = [failures for failures in meant if any(len(f.path) > len(path) for f in failures)]
    if deeper:
        best = min(deeper, key=lambda found: (-max(len(f.path) for f in found), len(found)))
        out.extend(best)
        return
    out.append(Failure(path, "anyOf", schema, root, value, weak=True))


def describe(schema: Any, root: Any) -> str:
    """A short English description of what a schema accepts: 'an integer >= 0', 'one of "a", "b"'."""
    if schema is True:
        return "any value"
    if schema is False:
        return "nothing"
    if "$ref" in schema and len(schema.keys() - ANNOTATIONS) == 1:
        return describe(_resolve(root, schema["$ref"]), root)
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(option, ensure_ascii=False) for option in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"], ensure_ascii=False)
    if "anyOf" in schema and "type" not in schema:
        return ", or ".join(describe(option, root) for option in schema["anyOf"])
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        bounds = f" from {low} to {high}"
    else:
        bounds = f" >= {low}" if low is not None else f" <= {high}" if high is not None else ""
    types = schema.get("type")
    if types is None:
        names = ["object"] if schema.get("required") else ["number"] if bounds else []
    else:
        names = [types] if isinstance(types, str) else types
    words = [_ARTICLE[name] + (bounds if name in ("integer", "number") else "") for name in names]
    items = schema.get("items", True)
    if "array" in names and items is not True:
        words[names.index("array")] += f" (each item {describe(items, root)})"
    text = " or ".join(words) or "any value"
    if schema.get("required"):
        fields = " and ".join(json.dumps(name) for name in schema["required"])
        text += f" with the field {fields}"
    return text


def format_path(path: Path) -> str:
    """``$.task_groups[2].status``; keys that are not identifiers are quoted: ``$["app/x.py"]``."""
    parts = ["$"]
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        elif part.isidentifier():
            parts.append("." + part)
        else:
            parts.append("[" + json.dumps(part, ensure_ascii=False) + "]")
    return "".join(parts)
