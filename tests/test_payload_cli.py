"""Bad JSON payloads through the command line and the Python API: a clear ❌, exit 1, nothing stored.

Each case of issue 4's list (wrong types, missing required fields, enum violations, 1,000 levels of
nesting, very large arrays, non-object top levels, NaN/Infinity, duplicate keys, invalid UTF-8, a payload
over the size limit) runs through ``skill.cli.run`` and pins stdout, stderr and the exit code in a
snapshot; the database is compared before and after.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest
from conftest import dump

from skill import cli
from skill.errors import InvalidPayload
from skill.validation import MAX_DEPTH, MAX_TEXT_BYTES

SAMPLES = Path(__file__).resolve().parent / "legacy_sample" / "sample-coordination"


@pytest.fixture
def session(run_cli):
    assert run_cli("create-session", "s_42", "parallel", "Add OAuth2").code == 0
    return run_cli


BACKENDS = ("sqlite", "postgres")  # the conformance suite: every test runs on both (tests/conftest.py)


def deep(levels: int) -> str:
    return '{"a":' * (levels - 1) + "[1]" + "}" * (levels - 1)


# name -> (argv, stdin)
BAD_PAYLOADS = {
    # wrong types
    "wrong-type": (["save-state", "s_42", "pm", '{"mode": "parallel", "iteration": "3"}'], ""),
    "wrong-type-nested": (["save-state", "s_42", "pm", '{"task_groups": [{"id": "a"}, {"id": 7}]}'], ""),
    "wrong-type-boolean-count": (["save-skill-output", "s_42", "lint_check", '{"error_count": true}'], ""),
    "wrong-type-decision": (
        ["log-decision", "s_42", "spawn_agent", '{"agent": "developer", "iteration": "2"}'],
        "",
    ),
    "negative-count": (["save-state", "s_42", "orchestrator", '{"iteration": -1}'], ""),
    "percent-over-100": (["save-skill-output", "s_42", "test_coverage", '{"coverage": 175}'], ""),
    # missing required fields
    "missing-required": (
        ["save-state", "s_42", "orchestrator", '{"decisions_log": [{"reasoning": "QA passed"}]}'],
        "",
    ),
    "missing-group-id": (
        ["save-state", "s_42", "pm", '{"task_groups": [{"name": "Auth", "status": "pending"}]}'],
        "",
    ),
    # enum violations
    "enum-mode": (["save-state", "s_42", "pm", '{"mode": "serial"}'], ""),
    "enum-group-status": (
        ["save-state", "s_42", "pm", '{"task_groups": [{"id": "a", "status": "done"}]}'],
        "",
    ),
    "enum-group-status-keyed": (["save-state", "s_42", "group_status", '{"A": {"status": "blocked"}}'], ""),
    "enum-review-status": (
        ["save-state", "s_42", "group_status", '{"A": {"last_review_status": "LGTM"}}'],
        "",
    ),
    "enum-skill-status": (["set-config", "skills_config", '{"tech_lead": {"security-scan": "on"}}'], ""),
    "enum-testing-mode": (
        ["set-config", "testing_config", '{"_testing_framework": {"mode": "everything"}}'],
        "",
    ),
    "enum-scan-status": (["save-skill-output", "s_42", "security-scan", '{"status": "ok"}'], ""),
    "several-causes": (
        [
            "save-state",
            "s_42",
            "pm",
            '{"iteration": "1", "mode": "serial", "task_groups": [{"id": "a", "status": "x"}]}',
        ],
        "",
    ),
    # structure
    "deep-nesting-1000-argument": (["save-state", "s_42", "pm", deep(1000)], ""),
    "deep-nesting-1000-stdin": (["save-skill-output", "s_42", "security_scan", "-"], deep(1000)),
    "deep-nesting-one-over": (["set-config", "k", deep(MAX_DEPTH + 1)], ""),
    "large-array-wrong-items": (
        ["save-state", "s_42", "pm", "-"],
        json.dumps({"pending_groups": list(range(20_000))}),
    ),
    "large-array-over-limit": (
        ["save-state", "s_42", "pm", "-"],
        json.dumps({"pending_groups": [f"group_{i:06d}" for i in range(100_000)]}),
    ),
    "top-level-array": (["save-state", "s_42", "pm", "[1, 2, 3]"], ""),
    "top-level-string": (["save-skill-output", "s_42", "lint_check", '"ruff passed"'], ""),
    "top-level-number": (["set-config", "skills_config", "42"], ""),
    "top-level-null": (["log-decision", "s_42", "spawn_agent", "null"], ""),
    "top-level-true": (["save-state", "s_42", "investigator", "true"], ""),
    "empty-text": (["save-state", "s_42", "pm", "-"], "   \n"),
    # strict JSON
    "nan": (["save-state", "s_42", "pm", '{"iteration": NaN}'], ""),
    "infinity": (["save-skill-output", "s_42", "test_coverage", '{"coverage": Infinity}'], ""),
    "minus-infinity": (["set-config", "k", '{"x": [-Infinity]}'], ""),
    "overflowing-number": (["save-state", "s_42", "pm", '{"estimate": 1e999}'], ""),
    "duplicate-keys": (["save-state", "s_42", "pm", '{"iteration": 1, "iteration": 2}'], ""),
    "duplicate-keys-nested": (["set-config", "k", '{"a": {"x": 1, "y": 2, "x": 3}}'], ""),
    "lone-surrogate-escape": (["save-state", "s_42", "pm", '{"note": "\\ud800"}'], ""),
    "over-size-limit": (["save-state", "s_42", "pm", "-"], '{"blob": "' + "x" * MAX_TEXT_BYTES + '"}'),
}


@pytest.mark.parametrize("name", sorted(BAD_PAYLOADS))
def test_bad_payload_is_refused_cleanly(name, session, location, snapshot):
    argv, stdin = BAD_PAYLOADS[name]
    before = dump(location)
    result = session(*argv, stdin=stdin)
    assert result.code == 1, result
    assert result.stdout == ""
    assert result.stderr.startswith("❌ ")
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert dump(location) == before, "a refused payload changed the database"
    assert result == snapshot


def _run_bytes(argv, data: bytes, tmp_path: Path):
    out, err = io.StringIO(), io.StringIO()
    stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    code = cli.run(argv, stdin, out, err, env=dict(os.environ), cwd=str(tmp_path))
    return code, out.getvalue(), err.getvalue()


def test_invalid_utf8_on_stdin_is_refused(session, location, tmp_path, snapshot):
    before = dump(location)
    code, out, err = _run_bytes(["save-state", "s_42", "pm", "-"], b'{"note": "caf\xe9"}', tmp_path)
    assert (code, out) == (1, "")
    assert "not valid UTF-8" in err and "Traceback" not in err
    assert dump(location) == before
    assert err == snapshot


def test_invalid_utf8_in_a_file_is_refused(session, location, tmp_path, snapshot):
    (tmp_path / "state.json").write_bytes(b'{"note": "\xff\xfe"}')
    before = dump(location)
    result = session("save-state", "s_42", "pm", "@state.json")
    assert result.code == 1 and result.stdout == ""
    assert "not valid UTF-8" in result.stderr
    assert dump(location) == before
    assert result == snapshot


def test_invalid_utf8_on_the_command_line_is_an_invalid_payload(session, location):
    text = os.fsdecode(b'{"note": "caf\xe9"}')  # how Python hands undecodable argv bytes over
    before = dump(location)
    result = session("save-state", "s_42", "pm", text)
    assert dump(location) == before
    assert result.code == 1, result
    assert "not valid UTF-8: the byte 0xE9" in result.stderr


def test_a_valid_large_array_is_stored(session):
    groups = [f"group_{i:05d}" for i in range(50_000)]
    result = session("save-state", "s_42", "pm", "-", stdin=json.dumps({"pending_groups": groups}))
    assert result.code == 0, result
    assert json.loads(session("get-state", "s_42", "pm").stdout)["pending_groups"] == groups


SAMPLE_COMMANDS = {
    "pm_state.json": ["save-state", "s_42", "pm"],
    "orchestrator_state.json": ["save-state", "s_42", "orchestrator"],
    "group_status.json": ["save-state", "s_42", "group_status"],
    "security_scan.json": ["save-skill-output", "s_42", "security_scan"],
    "coverage_report.json": ["save-skill-output", "s_42", "test_coverage"],
    "lint_results.json": ["save-skill-output", "s_42", "lint_check"],
    "skills_config.json": ["set-config", "skills_config"],
    "testing_config.json": ["set-config", "testing_config"],
}
READ_BACK = {"save-state": "get-state", "save-skill-output": "get-skill-output", "set-config": "get-config"}


@pytest.mark.parametrize("sample", sorted(SAMPLE_COMMANDS))
def test_legacy_sample_files_are_stored_and_read_back_unchanged(sample, session):
    argv = SAMPLE_COMMANDS[sample]
    result = session(*argv, f"@{SAMPLES / sample}")
    assert result.code == 0, result
    stored = json.loads(session(READ_BACK[argv[0]], *argv[1:]).stdout)
    assert stored == json.loads((SAMPLES / sample).read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------------------- Python API


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"iteration": "3"}, '$.iteration: expected an integer >= 0, found the string "3"'),
        ({"iteration": float("nan")}, "$.iteration is nan"),
        ({"task_groups": {1: {}}}, "$.task_groups has the key 1"),
        ({"note": {"a", "b"}}, "$.note is a set"),
        ([{"iteration": 1}], "must be a JSON object, found an array (1 item)"),
        ('{"iteration": 1, "iteration": 1}', 'the key "iteration" appears twice'),
        ('{"iteration": Infinity}', "Infinity is not a JSON number"),
    ],
)
def test_python_api_refuses_bad_payloads_and_stores_nothing(db, value, expected):
    db.create_session("s_1", "simple", "x")
    with pytest.raises(InvalidPayload) as caught:
        db.save_state("s_1", "pm", value)
    assert expected in caught.value.message
    assert db.get_latest_state("s_1", "pm") is None


def test_python_api_validates_every_payload_kind(db):
    db.create_session("s_1", "simple", "x")
    calls = [
        lambda: db.save_skill_output("s_1", "lint_check", {"warning_count": 1.5}),
        lambda: db.set_config("testing_config", {"_testing_framework": {"enabled": "yes"}}),
        lambda: db.log_decision("s_1", "escalate_model", {"iteration": -1}),
    ]
    for call in calls:
        with pytest.raises(InvalidPayload, match="does not match"):
            call()
    assert db.get_skill_output("s_1", "lint_check") is None
    assert db.get_config("testing_config") is None
    assert db.get_decisions("s_1") == []


def test_python_api_refuses_invalid_utf8_bytes(db):
    db.create_session("s_1", "simple", "x")
    with pytest.raises(InvalidPayload, match="not valid UTF-8"):
        db.save_state("s_1", "pm", b'{"note": "caf\xe9"}')
