"""Integers are bounded to what their columns hold (issue 12, items 7 and 8): 2^63 - 1. Beyond it SQLite
silently stores a REAL (9.223372036854776e+18) and later increments are lost; a 5,000-digit number was an
internal error. Every way a number comes in: the command line, a request, a batch line, the API, an export,
a legacy folder."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from skill.errors import Conflict, InvalidArgument

MAX = 2**63 - 1
HUGE = "9" * 5000
SAMPLE = Path(__file__).parent / "legacy_sample" / "sample-coordination"


@pytest.fixture
def session(run_cli):
    assert run_cli("create-session", "s_1", "simple", "x").code == 0
    assert run_cli("create-task-group", "g_1", "s_1", "Group").code == 0
    return run_cli


def _no_internal_error(result) -> None:
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ("log-tokens", "s_1", "pm", HUGE),
        ("log-interaction", "s_1", "pm", "x", HUGE),
        ("update-task-group", "g_1", "--revision_count", HUGE),
        ("log-tokens", "s_1", "pm", str(MAX + 1)),
        ("log-tokens", "s_1", "pm", "9223372036854775807k"),
        ("get-logs", "s_1", "--offset", HUGE),
    ],
    ids=["tokens", "iteration", "revision", "max+1", "k-suffix", "offset"],
)
def test_numbers_past_the_column_are_refused_on_the_command_line(argv, session):
    result = session(*argv)
    _no_internal_error(result)
    assert (
        result.code == 2
        and "the database holds whole numbers up to 9,223,372,036,854,775,807" in result.stderr
    )
    assert json.loads(session("token-summary", "s_1").stdout) == {"total": 0}


def test_a_request_with_a_5000_digit_count_is_refused(session):
    result = session("request", f"please log token usage:\nSession ID: s_1\nAgent Type: pm\nTokens: {HUGE}")
    _no_internal_error(result)
    assert result.code == 2 and "is too large" in result.stderr


def test_a_batch_line_with_a_count_past_the_column_is_refused(session):
    line = json.dumps(
        {"command": "log-tokens", "args": {"session_id": "s_1", "agent_type": "pm", "tokens": MAX + 1}}
    )
    result = session("batch", stdin=line + "\n")
    _no_internal_error(result)
    assert result.code == 2 and "is too large" in result.stderr


def test_increment_at_the_largest_revision_count_is_refused_and_nothing_changes(session, db_path):
    assert session("update-task-group", "g_1", "--revision_count", str(MAX)).code == 0
    result = session("update-task-group", "g_1", "--increment-revision")
    assert result.code == 1 and "cannot grow by 1" in result.stderr, result
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT typeof(revision_count), revision_count FROM task_groups").fetchone() == (
        "integer",
        MAX,
    )
    conn.close()


def test_token_totals_never_pass_the_column(session):
    assert session("log-tokens", "s_1", "pm", str(MAX)).code == 0
    for argv in (("log-tokens", "s_1", "pm", "1"), ("log-tokens", "s_1", "developer", "1")):
        result = session(*argv)
        assert result.code == 1 and "would pass 9,223,372,036,854,775,807" in result.stderr, result
    assert json.loads(session("token-summary", "s_1").stdout) == {"pm": MAX, "total": MAX}
    assert json.loads(session("token-summary", "s_1", "agent_id").stdout) == {"pm": MAX, "total": MAX}


def test_the_api_refuses_the_same(db):
    db.create_session("s_1", "simple", "x")
    with pytest.raises(InvalidArgument, match="too large"):
        db.log_tokens("s_1", "pm", 2**70)
    db.log_tokens("s_1", "pm", MAX)
    with pytest.raises(Conflict, match="would pass"):
        db.log_tokens("s_1", "qa", 1)
    assert db.get_token_summary("s_1") == {"pm": MAX, "total": MAX}


def test_an_export_whose_tokens_overflow_is_not_imported(session, tmp_path):
    assert session("log-tokens", "s_1", "pm", str(MAX)).code == 0
    assert session("export-session", "s_1", "--out", "s.json").code == 0
    document = json.loads((tmp_path / "s.json").read_text())
    document["session"]["session_id"] = "s_2"
    for table in ("orchestration_logs", "state_snapshots", "task_groups", "token_usage", "skill_outputs"):
        for row in document.get(table, []):
            row["session_id"] = "s_2"
    document["token_usage"].append(dict(document["token_usage"][0], agent_type="qa", tokens_estimated=1))
    (tmp_path / "s.json").write_text(json.dumps(document))
    result = session("import-session", "s.json")
    _no_internal_error(result)
    assert result.code == 1 and "would pass" in result.stderr, result
    assert session("get-session", "s_2").code == 1


@pytest.mark.parametrize(
    "value", ["1e23", "100000000000000000000000", HUGE], ids=["float", "int", "5000-digits"]
)
def test_a_legacy_revision_count_past_the_column_is_a_reported_problem(value, run_cli, tmp_path):
    folder = tmp_path / "coordination-legacy"
    shutil.copytree(SAMPLE, folder)
    status = folder / "group_status.json"
    status.write_text(status.read_text().replace('"revision_count": 2', f'"revision_count": {value}', 1))
    result = run_cli("import-files", str(folder))
    _no_internal_error(result)
    assert (
        result.code == 1 and "group_status.json" in result.stderr and "nothing was imported" in result.stderr
    )


def test_a_request_with_a_huge_decimal_thousands_count_is_refused(session):
    """Sibling: 'Tokens: 999…9.5k' went through a float to Infinity: OverflowError, an internal error."""
    result = session(
        "request", "please log token usage:\nSession ID: s_1\nAgent Type: pm\nTokens: " + "9" * 400 + ".5k"
    )
    _no_internal_error(result)
    assert result.code == 2 and "is too large" in result.stderr


def test_a_legacy_log_iteration_past_the_column_is_a_reported_problem(run_cli, tmp_path):
    """Sibling: the legacy log's '## [time] Iteration N - Agent' headings fed int(N) into a column."""
    folder = tmp_path / "coordination-legacy"
    shutil.copytree(SAMPLE, folder)
    log = folder / "orchestration-log.md"
    text = log.read_text()
    first = text.index("Iteration ", text.index("## ["))
    end = text.index(" ", first + len("Iteration "))
    log.write_text(text[:first] + "Iteration " + "9" * 30 + text[end:])
    result = run_cli("import-files", str(folder))
    _no_internal_error(result)
    assert result.code == 1 and "orchestration-log.md:" in result.stderr and "is larger than" in result.stderr
