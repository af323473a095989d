"""references/payloads.md is generated from skill/schemas/ and must stay equal to what they say.

Regenerate after changing a schema:  python3 tests/test_payloads_doc.py --write
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import jsonschema
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # when run as a script
    sys.path.insert(0, str(ROOT))

from skill import jsonschema_lite, validation  # noqa: E402
from skill.errors import InvalidPayload  # noqa: E402

DOC = ROOT / "references" / "payloads.md"
SCHEMA_DIR = Path(validation.SCHEMA_DIR)
SAMPLES = ROOT / "tests" / "legacy_sample" / "sample-coordination"
SAMPLE_PAYLOADS = {
    "pm_state.json": ("state", "pm"),
    "orchestrator_state.json": ("state", "orchestrator"),
    "group_status.json": ("state", "group_status"),
    "security_scan.json": ("skill_output", "security_scan"),
    "coverage_report.json": ("skill_output", "test_coverage"),
    "lint_results.json": ("skill_output", "lint_check"),
    "skills_config.json": ("config", "skills_config"),
    "testing_config.json": ("config", "testing_config"),
}

INTRO = """\
# Payloads: the JSON objects the skill stores

Four commands store a JSON object: `save-state` (state data), `save-skill-output` (skill output),
`set-config` (configuration value) and `log-decision` (decision data). Before anything is written,
the object is checked (CLI, Python API and requests in words alike); when the check fails, nothing is
stored and the ❌ report names the JSON path, what was expected and what was found, the most relevant
cause first and every cause listed:

```
{example_error}
```

Rules for every payload:
- The top level is a JSON **object**; at most {max_depth} levels of nesting; at most {max_bytes:,} bytes.
- Strict JSON: no `NaN`/`Infinity`, no number too large for a float, no key twice in one object, UTF-8 only.
- **Known fields are typed** (tables below): counts are whole numbers >= 0 (`3`, also `3.0`; never `"3"`
  or `true`), percentages are numbers from 0 to 100, statuses come from their lists.
- **Unknown fields are kept** as given: agents add fields, and no state is ever lost for it.
- A state type, skill name or config key **without a schema is accepted as any JSON object**. Names are
  matched lower-cased with `-` read as `_` (`security-scan` is `security_scan`). Every decision type
  shares the decision schema.

The schemas are JSON Schema (draft 2020-12) files in `skill/schemas/`. This page is generated from
them (`python3 tests/test_payloads_doc.py --write`) and a test keeps it equal to them.
"""


def _load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def _field_table(properties, root):
    lines = ["| field | type | meaning |", "|---|---|---|"]
    for name, sub in properties.items():
        kind = jsonschema_lite.describe(sub, root).replace("|", "\\|")
        meaning = sub.get("description", "") if isinstance(sub, dict) else ""
        lines.append(f"| `{name}` | {kind} | {meaning.replace('|', chr(92) + '|')} |")
    return lines


def _heading(file_name: str) -> str:
    stem = file_name[: -len(".json")]
    if stem == "decision":
        return "Decision (every decision type)"
    kind, _, name = stem.partition(".")
    return {"state": "State", "skill_output": "Skill output", "config": "Config"}[kind] + f" `{name}`"


def render() -> str:
    try:
        validation.check_payload("state", "pm", {"iteration": "3", "mode": "parallel"}, "state_data")
        raise AssertionError("the intro's example payload must be invalid")
    except InvalidPayload as error:
        example_error = error.message
    out = [
        INTRO.format(
            max_depth=validation.MAX_DEPTH, max_bytes=validation.MAX_TEXT_BYTES, example_error=example_error
        )
    ]
    out.append("## Contents\n")
    files = list(validation.SCHEMAS.values())
    for file_name in files:
        out.append(f"- {_heading(file_name)}: `skill/schemas/{file_name}`")
    for file_name in files:
        schema = _load(SCHEMA_DIR / file_name)
        out.append("")
        out.append(f"## {_heading(file_name)}\n")
        out.append(schema["description"] + "\n")
        out.append("\n".join(_field_table(schema["properties"], schema)))
        extra = schema.get("additionalProperties", True)
        if extra is not True:
            out.append(f"| *any other key* | {jsonschema_lite.describe(extra, schema)} | |")
        for def_name, sub in schema.get("$defs", {}).items():
            if isinstance(sub, dict) and sub.get("properties"):
                out.append(f"\n`{def_name}` fields:\n")
                out.append("\n".join(_field_table(sub["properties"], schema)))
        for example in schema["examples"]:
            out.append("\nExample:\n")
            out.append("```json\n" + json.dumps(example, indent=2, ensure_ascii=False) + "\n```")
    return "\n".join(out) + "\n"


def test_payloads_md_is_generated_from_the_schemas():
    assert DOC.read_text(encoding="utf-8") == render(), (
        "references/payloads.md is stale: run python3 tests/test_payloads_doc.py --write"
    )


def test_payloads_md_documents_every_schema_and_its_examples_are_valid():
    text = DOC.read_text(encoding="utf-8")
    for file_name in validation.SCHEMAS.values():
        assert f"`skill/schemas/{file_name}`" in text
    examples = re.findall(r"Example:\n\n```json\n(.*?)\n```", text, flags=re.S)
    assert len(examples) == len(validation.SCHEMAS)
    sections = re.split(r"\n## ", text)[2:]
    for section, (kind, name) in zip(sections, validation.SCHEMAS):
        example = json.loads(re.search(r"```json\n(.*?)\n```", section, flags=re.S).group(1))
        validation.check_payload(kind, name, example, "example")  # raises when invalid
        schema = validation.schema_for(kind, "x" if kind == "decision" else name)
        assert jsonschema.Draft202012Validator(schema).is_valid(example)


def test_every_schema_documents_its_fields_and_has_an_example():
    for path in SCHEMA_DIR.glob("*.json"):
        schema = _load(path)
        assert schema.get("title") and schema.get("description"), path.name
        assert schema["type"] == "object", path.name
        assert schema.get("examples"), path.name
        for name, sub in schema["properties"].items():
            assert sub.get("description"), f"{path.name}: {name} has no description"


def test_schemas_that_accept_any_object_say_so():
    """Unknown names are accepted as any object: the doc says it, and the code does it."""
    assert "without a schema is accepted as any JSON object" in DOC.read_text(encoding="utf-8")
    for kind, name in [("state", "investigator"), ("skill_output", "tech_debt"), ("config", "anything")]:
        assert validation.schema_file(kind, name) is None
        validation.check_payload(kind, name, {"x": [1, {"y": None}], "iteration": "three"}, "value")


@pytest.mark.parametrize("sample", sorted(SAMPLE_PAYLOADS))
def test_legacy_sample_files_validate_under_their_schema(sample):
    kind, name = SAMPLE_PAYLOADS[sample]
    assert validation.schema_file(kind, name) is not None  # a real schema, not the any-object fallback
    value = validation.parse_json_text((SAMPLES / sample).read_text(encoding="utf-8"), sample)
    validation.check_payload(kind, name, value, sample)
    assert jsonschema.Draft202012Validator(validation.schema_for(kind, name)).is_valid(value)


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(render(), encoding="utf-8")
        print(f"wrote {DOC}")
    else:
        sys.stdout.write(render())
