"""The stdlib validator gives jsonschema's verdict: metaschema checks and differential tests.

design.md (Runtime): whatever validates payloads at run time must give the same verdict as the
``jsonschema`` library on every shipped schema. Three generators feed both validators:
- near-valid payloads: a schema's example or a legacy sample file with a few random edits (a value
  replaced, a key removed or added), which lands on both sides of every boundary the schema draws;
- schema-guided payloads: built from the schema itself, each value either what the schema asks for or
  an arbitrary JSON value;
- random schemas over the supported keywords with random instances, so the keyword semantics
  (1.0 is an integer, true is not 1, ...) are proven beyond what today's schemas happen to exercise.
Each test also asserts that both verdicts occurred often, so a generator that drifts into producing only
valid (or only invalid) payloads fails instead of proving nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from skill import jsonschema_lite, validation

SCHEMA_FILES = sorted(Path(validation.SCHEMA_DIR).glob("*.json"))
SCHEMAS = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in SCHEMA_FILES}
SAMPLES = Path(__file__).resolve().parent / "legacy_sample" / "sample-coordination"
# Which legacy sample file is stored under which schema (the legacy importer's mapping).
SAMPLE_SCHEMAS = {
    "pm_state.json": "state.pm.json",
    "orchestrator_state.json": "state.orchestrator.json",
    "group_status.json": "state.group_status.json",
    "security_scan.json": "skill_output.security_scan.json",
    "coverage_report.json": "skill_output.test_coverage.json",
    "lint_results.json": "skill_output.lint_check.json",
    "skills_config.json": "config.skills_config.json",
    "testing_config.json": "config.testing_config.json",
}

PROFILE = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def _enum_values(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "enum":
                found.extend(value)
            elif key == "const":
                found.append(value)
            else:
                _enum_values(value, found)
    elif isinstance(node, list):
        for value in node:
            _enum_values(value, found)
    return found


def _property_names(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties":
                found.update(value)
            if key == "required":
                found.update(value)
            _property_names(value, found)
    elif isinstance(node, list):
        for value in node:
            _property_names(value, found)
    return found


ALL_ENUM_VALUES = _enum_values(list(SCHEMAS.values()), [])
ALL_NAMES = sorted(_property_names(list(SCHEMAS.values()), set()) | {"_x", "extra", "A", "group_a"})

# Values chosen to sit on the boundaries the schemas draw: integer vs 1.0 vs 0.5, booleans vs 0/1,
# 0/100 bounds, negative numbers, every enum value of every schema, and each JSON type.
SCALARS = st.sampled_from(
    [
        None,
        True,
        False,
        0,
        1,
        -1,
        0.0,
        -0.0,
        1.0,
        0.5,
        -0.5,
        2.0,
        99.5,
        100,
        100.0,
        100.5,
        101,
        -100,
        2**63,
        1e300,
        "",
        "x",
        "3",
        "true",
        "null",
        "Pending",
        "done",
    ]
    + ALL_ENUM_VALUES
)
KEYS = st.sampled_from(ALL_NAMES) | st.text(max_size=6)
JSON_VALUES = st.recursive(
    SCALARS | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=12,
)


def _agree(schema, instance, verdicts):
    expected = jsonschema.Draft202012Validator(schema).is_valid(instance)
    failures = jsonschema_lite.validate(schema, instance)
    assert (not failures) == expected, (
        f"jsonschema says {'valid' if expected else 'invalid'}, jsonschema_lite found {failures!r}"
        f" for {json.dumps(instance)[:500]}"
    )
    verdicts[expected] += 1


def _assert_both_verdicts(verdicts, minimum):
    assert verdicts[True] >= minimum and verdicts[False] >= minimum, f"one-sided generator: {verdicts}"


# --------------------------------------------------------------------------------------------- metaschema


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_is_valid_under_the_draft_2020_12_metaschema(name):
    schema = SCHEMAS[name]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_uses_only_keywords_the_stdlib_validator_implements(name):
    """A keyword jsonschema_lite does not implement would be ignored at run time: refuse it here."""
    unknown = set()

    def walk(node):
        if isinstance(node, bool):
            return
        assert isinstance(node, dict), node
        unknown.update(node.keys() - jsonschema_lite.KEYWORDS - jsonschema_lite.ANNOTATIONS)
        for key in ("properties", "$defs"):
            for sub in node.get(key, {}).values():
                walk(sub)
        for key in ("items", "additionalProperties"):
            if key in node:
                walk(node[key])
        for sub in node.get("anyOf", []):
            walk(sub)

    walk(SCHEMAS[name])
    assert unknown == set()


def test_every_schema_is_reachable_from_the_lookup_table_and_back():
    assert sorted(validation.SCHEMAS.values()) == sorted(SCHEMAS)


# -------------------------------------------------------------------------------------- near-valid edits


def _seeds(name):
    seeds = list(SCHEMAS[name].get("examples", []))
    for sample, schema_name in SAMPLE_SCHEMAS.items():
        if schema_name == name:
            seeds.append(json.loads((SAMPLES / sample).read_text(encoding="utf-8")))
    return seeds


def _containers(value, found):
    """Every object and array inside value (value included)."""
    if isinstance(value, (dict, list)):
        found.append(value)
        for child in value.values() if isinstance(value, dict) else value:
            _containers(child, found)
    return found


@st.composite
def edited(draw, seeds):
    document = json.loads(json.dumps(draw(st.sampled_from(seeds))))
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(_containers(document, [])))
        action = draw(st.sampled_from(["replace", "replace", "remove", "add"]))
        if isinstance(target, dict):
            if action == "add" or not target:
                target[draw(KEYS)] = draw(JSON_VALUES)
            else:
                key = draw(st.sampled_from(sorted(target)))
                if action == "remove":
                    del target[key]
                else:
                    target[key] = draw(SCALARS | JSON_VALUES)
        else:
            if action == "add" or not target:
                target.append(draw(JSON_VALUES))
            else:
                index = draw(st.integers(0, len(target) - 1))
                if action == "remove":
                    del target[index]
                else:
                    target[index] = draw(SCALARS | JSON_VALUES)
    return document


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_near_valid_payloads_get_the_same_verdict(name):
    schema = SCHEMAS[name]
    verdicts = {True: 0, False: 0}

    @PROFILE
    @given(edited(_seeds(name)))
    def check(document):
        _agree(schema, document, verdicts)

    check()
    _assert_both_verdicts(verdicts, 40)


# --------------------------------------------------------------------------------- schema-guided payloads


def _resolve(schema, root):
    while isinstance(schema, dict) and "$ref" in schema and len(schema) == 1:
        schema = jsonschema_lite._resolve(root, schema["$ref"])
    return schema


def guided(schema, root, depth=0):
    """Values shaped by the schema: mostly what it asks for, sometimes any JSON value."""
    if schema is True or schema is False or depth > 4:
        return JSON_VALUES
    parts = []
    if "$ref" in schema:
        parts.append(guided(jsonschema_lite._resolve(root, schema["$ref"]), root, depth + 1))
    if "enum" in schema:
        parts.append(st.sampled_from(schema["enum"]))
    if "const" in schema:
        parts.append(st.just(schema["const"]))
    if "anyOf" in schema:
        parts.extend(guided(option, root, depth + 1) for option in schema["anyOf"])
    types = schema.get("type", [])
    for name in [types] if isinstance(types, str) else types:
        if name == "object" or (name is None):
            pass
        if name in ("integer", "number"):
            low, high = schema.get("minimum"), schema.get("maximum")
            parts.append(
                st.integers(
                    min_value=None if low is None else int(low) - 1,
                    max_value=None if high is None else int(high) + 1,
                )
            )
            if name == "number":
                parts.append(st.floats(allow_nan=False, allow_infinity=False))
        elif name == "string":
            parts.append(st.text(max_size=5))
        elif name == "boolean":
            parts.append(st.booleans())
        elif name == "null":
            parts.append(st.none())
        elif name == "array":
            parts.append(st.lists(guided(schema.get("items", True), root, depth + 1), max_size=3))
    properties = schema.get("properties", {})
    if properties or "additionalProperties" in schema or types == "object" or "required" in schema:
        known = st.dictionaries(
            st.sampled_from(sorted(properties) or ["k"]), st.just(None), max_size=len(properties) or 1
        ).flatmap(
            lambda chosen: st.fixed_dictionaries(
                {
                    key: guided(
                        properties.get(key, schema.get("additionalProperties", True)), root, depth + 1
                    )
                    for key in chosen
                }
            )
        )
        extra = st.dictionaries(
            KEYS, guided(schema.get("additionalProperties", True), root, depth + 1), max_size=2
        )
        parts.append(st.tuples(known, extra).map(lambda pair: {**pair[1], **pair[0]}))
    if not parts:
        return JSON_VALUES
    return st.one_of(*parts, *parts, JSON_VALUES)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_guided_payloads_get_the_same_verdict(name):
    schema = SCHEMAS[name]
    verdicts = {True: 0, False: 0}

    @PROFILE
    @given(guided(schema, schema))
    def check(document):
        _agree(schema, document, verdicts)

    check()
    _assert_both_verdicts(verdicts, 40)


# --------------------------------------------------------------------------- random schemas, same keywords

SMALL_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), children, max_size=3)
    ),
    max_leaves=8,
)

_LEAF_SCHEMAS = st.one_of(
    st.sampled_from([True, False]),
    st.builds(dict, type=st.sampled_from(list(jsonschema_lite._ARTICLE))),
    st.builds(
        dict,
        type=st.lists(
            st.sampled_from(["string", "integer", "number", "boolean", "null"]),
            min_size=1,
            max_size=3,
            unique=True,
        ),
    ),
    st.builds(dict, enum=st.lists(SMALL_VALUES, min_size=1, max_size=4)),
    st.builds(dict, const=SMALL_VALUES),
    st.builds(dict, minimum=st.sampled_from([0, 1, 0.5, 100, -1])),
    st.builds(dict, maximum=st.sampled_from([0, 1, 0.5, 100, -1])),
    st.builds(dict, required=st.lists(st.sampled_from(["a", "b", "c"]), max_size=2, unique=True)),
)


def _compound(children):
    names = st.sampled_from(["a", "b", "c"])
    return st.one_of(
        st.builds(
            lambda props, extra: {"type": "object", "properties": props, "additionalProperties": extra},
            st.dictionaries(names, children, max_size=3),
            children,
        ),
        st.builds(lambda items: {"type": "array", "items": items}, children),
        st.builds(lambda options: {"anyOf": options}, st.lists(children, min_size=1, max_size=3)),
        st.builds(
            lambda left, right: (
                {**left, **right} if isinstance(left, dict) and isinstance(right, dict) else left
            ),
            children,
            children,
        ),
    )


RANDOM_SCHEMAS = st.recursive(_LEAF_SCHEMAS, _compound, max_leaves=8)


def _twin(value):
    """``value`` with another Python type where JSON equality is subtle: true -> 1 (not equal),
    1 -> 1.0 and 1.0 -> 1 (equal); containers get their members twinned."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return float(value) if abs(value) < 2**53 else value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, list):
        return [_twin(item) for item in value]
    if isinstance(value, dict):
        return {key: _twin(item) for key, item in value.items()}
    return value


def test_random_schemas_over_the_supported_keywords_get_the_same_verdict():
    verdicts = {True: 0, False: 0}

    # Instances are arbitrary small values, or a value the schema names in an enum/const (possibly
    # nested in a container), so equality is exercised on near-misses as well as exact matches.
    def instances(schema):
        named = _enum_values(schema, [])
        if not named:
            return SMALL_VALUES
        near = st.sampled_from(named) | st.sampled_from(named).map(_twin)
        return st.one_of(
            SMALL_VALUES,
            near,
            st.lists(near, max_size=2),
            st.dictionaries(st.sampled_from(["a", "b"]), near | SCALARS, max_size=2),
        )

    @settings(PROFILE, max_examples=2000)
    @given(RANDOM_SCHEMAS.flatmap(lambda schema: st.tuples(st.just(schema), instances(schema))))
    def check(pair):
        schema, instance = pair
        jsonschema.Draft202012Validator.check_schema(schema)
        _agree(schema, instance, verdicts)

    check()
    _assert_both_verdicts(verdicts, 200)


@pytest.mark.parametrize(
    ("schema", "instance", "valid"),
    [
        ({"type": "integer"}, 1.0, True),
        ({"type": "integer"}, 1.5, False),
        ({"type": "integer"}, True, False),
        ({"type": "number"}, False, False),
        ({"enum": [1]}, 1.0, True),
        ({"enum": [1]}, True, False),
        ({"enum": [False]}, 0, False),
        ({"const": [1, {"a": 0}]}, [1.0, {"a": 0.0}], True),
        ({"const": {"a": True}}, {"a": 1}, False),
        ({"minimum": 0}, -1, False),
        ({"minimum": 0}, "-1", True),
        ({"properties": {"a": {"type": "string"}}}, "not an object", True),
        ({"items": {"type": "string"}}, {"0": 1}, True),
        ({"required": ["a"]}, [], True),
    ],
)
def test_keyword_semantics_match_the_draft(schema, instance, valid):
    assert jsonschema.Draft202012Validator(schema).is_valid(instance) is valid
    assert (not jsonschema_lite.validate(schema, instance)) is valid
