"""Strict parsing and schema checks of JSON payloads: verdicts and the words of the reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from skill import validation
from skill.errors import EXIT_FAILURE, InvalidPayload
from skill.validation import MAX_DEPTH, MAX_DETAILS, MAX_TEXT_BYTES, check_payload, parse_json_text

ROOT = Path(__file__).resolve().parents[1]
PYTHON39 = Path("/root/.pyenv/versions/3.9.18/bin/python3")


def refused(call, *args) -> InvalidPayload:
    with pytest.raises(InvalidPayload) as caught:
        call(*args)
    assert caught.value.exit_code == EXIT_FAILURE
    return caught.value


def only_cause(error: InvalidPayload) -> str:
    """The one cause of a schema failure: it is in the message, and no details repeat it."""
    assert error.details == []
    return error.message.split(" schema: ", 1)[1]


def nested(levels: int, inner="1") -> str:
    return '{"a":' * (levels - 1) + "[" + inner + "]" + "}" * (levels - 1)


# --------------------------------------------------------------------------------------- parse_json_text


def test_parse_accepts_ordinary_json_and_a_byte_order_mark():
    expected = {"iteration": 1, "x": [1.5, None, "é"]}
    assert parse_json_text('{"iteration": 1, "x": [1.5, null, "é"]}', "d") == expected
    assert parse_json_text('\ufeff{"a": 1}', "d") == {"a": 1}
    assert parse_json_text('{"a": "é"}'.encode(), "d") == {"a": "é"}


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": Infinity}', '{"a": [-Infinity]}'])
def test_parse_refuses_nan_and_infinity(text):
    error = refused(parse_json_text, text, "state_data")
    assert error.message.startswith("state_data is not valid JSON: ")
    assert "JSON has no NaN or Infinity" in error.message


def test_parse_refuses_a_number_that_would_overflow_to_infinity():
    error = refused(parse_json_text, '{"tokens": 1e400}', "state_data")
    assert "1e400 is too large" in error.message


def test_parse_refuses_duplicate_keys_even_nested():
    error = refused(parse_json_text, '{"a": {"status": "pending", "status": "completed"}}', "state_data")
    assert 'the key "status" appears twice' in error.message


def test_parse_reports_syntax_errors_with_line_column_and_context():
    error = refused(parse_json_text, '{\n  "mode": "parallel",\n  "iteration": }', "state_data")
    assert "line 3 column 16" in error.message
    assert '"iteration": }' in error.message
    assert "jq" in error.hint


def test_parse_refuses_invalid_utf8_bytes_with_their_offset():
    error = refused(parse_json_text, b'{"a": "caf\xe9"}', "output_data")
    assert error.message == "output_data is not valid UTF-8: the byte 0xE9 at byte offset 10"


def test_parse_refuses_undecodable_command_line_bytes():
    # What Python makes of the byte 0xE9 in argv on a UTF-8 system (PEP 383 surrogate escape).
    text = os.fsdecode(b'{"a": "caf\xe9"}')
    error = refused(parse_json_text, text, "output_data")
    assert error.message == "output_data is not valid UTF-8: the byte 0xE9 at character 10"


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, 1000, 100_000])
def test_parse_refuses_deep_nesting_cleanly(levels):
    error = refused(parse_json_text, nested(levels), "state_data")
    assert error.message == f"state_data is nested more than {MAX_DEPTH} levels deep"


def test_nesting_up_to_the_limit_is_accepted_and_one_more_level_is_not():
    value = parse_json_text(nested(MAX_DEPTH), "state_data")
    check_payload("state", "anything", value, "state_data")
    deeper = {"a": value}
    assert "nested more than" in refused(check_payload, "state", "anything", deeper, "state_data").message


def test_parse_refuses_text_over_the_size_limit_before_parsing():
    text = '{"a": "' + "x" * MAX_TEXT_BYTES + '"}'
    error = refused(parse_json_text, text, "state_data")
    assert error.message == f"state_data is {len(text):,} bytes; the limit is {MAX_TEXT_BYTES:,} bytes"


# ----------------------------------------------------------------------------- check_payload: JSON only


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ([1, 2], "an array (2 items)"),
        ("x", 'the string "x"'),
        (3, "the number 3"),
        (None, "null"),
        (True, "true"),
        (1.5, "the number 1.5"),
    ],
)
def test_top_level_must_be_an_object(value, found):
    error = refused(check_payload, "state", "pm", value, "state_data")
    assert error.message == f"state_data must be a JSON object, found {found}"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"a": {1: "x"}}, "state_data is not JSON: $.a has the key 1, which is not a string"),
        ({"a": [float("nan")]}, "state_data is not JSON: $.a[0] is nan (JSON has no NaN or Infinity)"),
        ({"a": float("-inf")}, "state_data is not JSON: $.a is -inf (JSON has no NaN or Infinity)"),
        ({"a": {1, 2}}, "state_data is not JSON: $.a is a set"),
        ({"a": (1, 2)}, "state_data is not JSON: $.a is a tuple"),
        ({"a": b"x"}, "state_data is not JSON: $.a is a bytes"),
        (
            {"a": "\ud800"},
            "state_data is not valid UTF-8: $.a contains the lone surrogate U+D800 at character 0",
        ),
        ({"\udcff": 1}, "state_data is not valid UTF-8: $ contains the lone surrogate U+DCFF at character 0"),
    ],
)
def test_python_values_must_be_json(value, message):
    assert refused(check_payload, "state", "pm", value, "state_data").message == message


def test_a_lone_surrogate_escape_in_json_text_is_refused_before_storage():
    value = parse_json_text('{"note": "\\ud83d"}', "state_data")  # half of an emoji's pair
    error = refused(check_payload, "state", "pm", value, "state_data")
    assert "lone surrogate U+D83D" in error.message


def test_deep_and_self_containing_python_values_are_refused_cleanly():
    deep = current = {}
    for _ in range(1000):
        current["a"] = current = {}
    assert "nested more than" in refused(check_payload, "state", "pm", deep, "d").message
    loop = {}
    loop["self"] = loop
    assert "nested more than" in refused(check_payload, "state", "pm", loop, "d").message


def test_python_value_over_the_size_limit_is_refused():
    value = {"chunks": ["x" * 1000] * (MAX_TEXT_BYTES // 1000)}
    error = refused(check_payload, "skill_output", "anything", value, "output_data")
    assert error.message.startswith("output_data is 1,05")
    assert f"the limit is {MAX_TEXT_BYTES:,} bytes" in error.message


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown payload kind 'states'"):
        check_payload("states", "pm", {}, "state_data")


# --------------------------------------------------------------------------- check_payload: the schemas


def test_wrong_type_names_path_expected_and_found():
    error = refused(check_payload, "state", "pm", {"mode": "parallel", "iteration": "3"}, "state_data")
    assert error.message == (
        'state_data does not match the "pm" state schema: $.iteration: expected an integer >= 0,'
        ' found the string "3"'
    )
    assert only_cause(error) == '$.iteration: expected an integer >= 0, found the string "3"'
    assert "nothing was stored" in error.hint and "references/payloads.md" in error.hint


def test_enum_violation_lists_the_allowed_values_at_the_exact_path():
    groups = [{"id": "a", "status": "pending"}, {"id": "b", "status": "done"}]
    error = refused(check_payload, "state", "pm", {"task_groups": groups}, "state_data")
    assert only_cause(error) == (
        '$.task_groups[1].status: expected one of "pending", "in_progress", "completed", "failed",'
        ' "complete", "qa_testing", found the string "done"'
    )


def test_missing_required_field_is_named():
    state = {"decisions_log": [{"decision": "spawn_pm"}, {"reasoning": "QA passed"}]}
    error = refused(check_payload, "state", "orchestrator", state, "state_data")
    assert only_cause(error) == '$.decisions_log[1]: the required field "decision" is missing'


def test_anyof_reports_the_alternative_the_value_was_written_for():
    # task_groups is an array: the array alternative is the one meant, so its inner failure is reported.
    error = refused(check_payload, "state", "pm", {"task_groups": [{"id": 7}]}, "state_data")
    assert only_cause(error) == "$.task_groups[0].id: expected a string, found the number 7"
    # A value no alternative fits gets one report naming them all.
    error = refused(check_payload, "skill_output", "security_scan", {"issues": "many"}, "output_data")
    assert only_cause(error) == (
        '$.issues: expected an integer >= 0 or an array (each item an object), found the string "many"'
    )


def test_several_causes_are_all_listed_most_relevant_first():
    state = {
        "task_groups": [{"name": "no id"}, {"id": "b", "status": "done"}],
        "iteration": -1,
        "mode": "serial",
    }
    error = refused(check_payload, "state", "pm", state, "state_data")
    assert error.message.startswith(
        'state_data does not match the "pm" state schema (4 problems): $.iteration'
    )
    assert [line.split(":")[0] for line in error.details] == [
        "$.iteration",  # shallow failures first, in the order of the document
        "$.mode",
        "$.task_groups[1].status",  # a failure inside one alternative
        "$.task_groups[0]",  # the weak "expected X, or Y" comes last
    ]
    assert error.details[0] == "$.iteration: expected an integer >= 0, found the number -1"


def test_thousands_of_failures_are_counted_and_the_list_is_capped():
    error = refused(check_payload, "state", "pm", {"pending_groups": list(range(5000))}, "state_data")
    assert "(5,000 problems)" in error.message
    assert len(error.details) == MAX_DETAILS + 1
    assert error.details[-1] == f"... and {5000 - MAX_DETAILS:,} more"


def test_a_very_large_valid_array_is_accepted():
    check_payload("state", "pm", {"pending_groups": [f"group_{i}" for i in range(50_000)]}, "state_data")


def test_unknown_fields_are_kept_and_unknown_names_accept_any_object():
    check_payload("state", "pm", {"iteration": 2, "my_own_field": {"anything": [1, "x", None]}}, "d")
    check_payload("state", "investigator", {"iteration": "not typed here"}, "d")
    check_payload("skill_output", "tech_debt", {"issues": "many"}, "d")


def test_empty_text_is_refused_as_empty():
    for text in ("", "  \n", "\ufeff"):
        assert refused(parse_json_text, text, "state data").message == "state data is empty"


def test_reports_name_the_schema_by_its_canonical_name():
    error = refused(check_payload, "skill_output", "Security-Scan", {"status": "ok"}, "skill output")
    assert error.message.startswith('skill output does not match the "security_scan" skill output schema: ')
    check_payload("config", "dashboard_prefs", {"mode": 3}, "d")


def test_integers_follow_json_schema_semantics():
    check_payload("state", "pm", {"iteration": 3.0}, "d")  # 3.0 is an integer in JSON Schema
    for value in (True, 3.5, "3", None):
        refused(check_payload, "state", "pm", {"iteration": value}, "d")


@pytest.mark.parametrize("name", ["security-scan", "Security_Scan", " security_scan "])
def test_skill_names_are_matched_loosely(name):
    assert validation.schema_file("skill_output", name) == "skill_output.security_scan.json"
    refused(check_payload, "skill_output", name, {"critical_issues": "none"}, "d")


def test_every_decision_type_uses_the_decision_schema():
    for decision_type in ("spawn_agent", "escalate_model", "anything_new"):
        decision = {"agent": "developer", "reason": "parallel"}
        check_payload("decision", decision_type, decision, "decision_data")
        error = refused(check_payload, "decision", decision_type, {"iteration": -2}, "decision_data")
        assert error.message.startswith("decision_data does not match the decision schema: $.iteration")


@pytest.mark.parametrize(
    ("kind", "name", "value"),
    [
        # The spec's own examples (SKILL v1, the skill page, requests/examples.jsonl).
        ("state", "pm", {"mode": "parallel", "iteration": 3, "task_groups": []}),
        ("state", "pm", {"mode": "parallel", "iteration": 1, "task_groups_created": 3}),
        ("state", "pm", {"iteration": 1}),
        ("state", "orchestrator", {"active_agents": ["developer_1"], "iteration": 4}),
        ("skill_output", "security_scan", {"vulnerabilities": 3, "severity": "medium", "details": []}),
        ("skill_output", "security_scan", {"issues": 0}),
        ("skill_output", "test_coverage", {"coverage": 75, "threshold": 80}),
        (
            "config",
            "skills_config",
            {"security_scan": {"status": "mandatory"}, "test_coverage": {"status": "optional"}},
        ),
        ("decision", "spawn_agent", {"agent": "developer", "group": "group_a", "reason": "parallel mode"}),
        # Real shapes from the legacy files (FORMATS.md): keyed task groups, wild statuses, skipped runs,
        # raw tool output, the init skeleton with mode null.
        ("state", "pm", {"task_groups": {"A": {"group_id": "A", "status": "complete"}}, "mode": None}),
        (
            "state",
            "group_status",
            {
                "_comment": "c",
                "_format": {"group_id": {"status": "a|b"}},
                "A": {"status": "qa_testing", "last_review_status": None},
                "B": "note",
            },
        ),
        (
            "skill_output",
            "security_scan",
            {
                "status": "skipped",
                "scan_mode": "basic",
                "language": "python",
                "reason": "bandit not installed",
                "recommendation": "pip install bandit",
            },
        ),
        (
            "skill_output",
            "test_coverage",
            {
                "meta": {"version": "7.4"},
                "totals": {"percent_covered": 87.4},
                "files": {},
                "timestamp": "t",
                "language": "python",
            },
        ),
        ("skill_output", "lint_check", {"results": [{"code": "E402"}], "tool": "ruff", "status": "error"}),
    ],
)
def test_documented_and_real_payloads_are_accepted(kind, name, value):
    check_payload(kind, name, value, "payload")


# ------------------------------------------------------------------------------------ run-time contract


def _run(python: str, code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [python, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_importing_validation_loads_no_schema_and_no_dev_dependency():
    result = _run(
        sys.executable,
        """
        import sys
        from skill import validation
        assert validation._loaded == {}, validation._loaded
        validation.check_payload("state", "pm", {"iteration": 1}, "d")
        print(sorted(validation._loaded))
        dev = ("jsonschema", "hypothesis", "yaml", "dataclasses")
        print(sorted(name for name in dev if name in sys.modules))
    """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["['state.pm.json']", "[]"]


@pytest.mark.skipif(not PYTHON39.exists(), reason="Python 3.9 interpreter not installed here")
def test_validation_runs_on_python_3_9():
    result = _run(
        str(PYTHON39),
        """
        import json, sys
        from skill.validation import parse_json_text, check_payload
        from skill.errors import InvalidPayload
        assert sys.version_info[:2] == (3, 9)
        text = '{"iteration": 1.0, "task_groups": {"A": {}}}'
        check_payload("state", "pm", parse_json_text(text, "d"), "d")
        for text in ['{"iteration": "3"}', "[1]", '{"a": NaN}', '{"a":1,"a":2}', "[" * 1000 + "]" * 1000]:
            try:
                check_payload("state", "pm", parse_json_text(text, "d"), "d")
            except InvalidPayload as error:
                print(error.message)
    """,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        'd does not match the "pm" state schema: $.iteration: expected an integer >= 0, found the string "3"',
        "d must be a JSON object, found an array (1 item)",
        "d is not valid JSON: NaN is not a JSON number (JSON has no NaN or Infinity)",
        'd is not valid JSON: the key "a" appears twice in the same object'
        " (JSON readers would silently keep only one of the values)",
        "d is nested more than 64 levels deep",
    ]


def test_sample_payload_round_trips_through_json_unchanged():
    """Validation never alters a payload: what is checked is what gets stored."""
    text = json.dumps({"iteration": 2, "task_groups": [{"id": "A", "status": "complete", "extra": [1.0]}]})
    value = parse_json_text(text, "d")
    check_payload("state", "pm", value, "d")
    assert json.dumps(value) == text
