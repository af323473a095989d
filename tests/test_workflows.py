"""The spec's four agent workflows ("Usage Patterns"), end to end through the real script in subprocesses,
run from a directory other than the skill's, as an agent's Bash tool does."""

from __future__ import annotations

import json

import pytest
from conftest import run_script

pytestmark = pytest.mark.slow
SESSION = "bazinga_20250112_143022"


@pytest.fixture
def agent(tmp_path):
    workdir = tmp_path / "project"
    workdir.mkdir()

    def call(*argv: str, stdin: bytes = b""):
        result = run_script(
            "--db", str(workdir / "coordination" / "bazinga.db"), *argv, cwd=workdir, stdin=stdin
        )
        assert "Traceback" not in result.stderr
        return result

    return call


def _ok(result, expected_line: str) -> None:
    assert result.code == 0, result
    assert result.stdout == expected_line + "\n", result


def test_spec_workflows_end_to_end(agent):
    first = agent("create-session", SESSION, "parallel", "Add user authentication with OAuth2")
    _ok(first, f"✓ Session created: {SESSION}")
    assert first.stderr == "✓ Database auto-initialized at coordination/bazinga.db\n"

    # Project Manager workflow
    _ok(
        agent("log-interaction", SESSION, "pm", "Created 3 task groups: Auth, API, Tests", "1", "pm_main"),
        f"✓ Logged PM interaction for session {SESSION} (iteration 1)",
    )
    for group, name in (
        ("group_a", "Authentication"),
        ("group_b", "API Development"),
        ("group_c", "Testing"),
    ):
        _ok(
            agent("create-task-group", group, SESSION, name, "pending"),
            f"✓ Task group created: {group} ({name}) in session {SESSION}",
        )
    _ok(
        agent("save-state", SESSION, "pm", '{"mode":"parallel","iteration":1,"task_groups_created":3}'),
        f"✓ Saved PM state for session {SESSION}",
    )

    # Orchestrator workflow
    _ok(
        agent("log-interaction", SESSION, "orchestrator", "Spawning developer for group_a", "2"),
        f"✓ Logged orchestrator interaction for session {SESSION} (iteration 2)",
    )
    _ok(
        agent("save-state", SESSION, "orchestrator", '{"active_agents":["developer_1"],"iteration":2}'),
        f"✓ Saved orchestrator state for session {SESSION}",
    )
    assigned = agent(
        "update-task-group", "group_a", "--assigned_to", "developer_1", "--status", "in_progress"
    )
    _ok(assigned, f"✓ Updated task group: group_a → in_progress, assigned to developer_1 (session {SESSION})")
    _ok(
        agent("log-tokens", SESSION, "developer", "15000", "developer_1"),
        f"✓ Logged 15,000 tokens for developer (developer_1) in session {SESSION}",
    )

    # Developer workflow
    _ok(
        agent(
            "log-interaction",
            SESSION,
            "developer",
            "Implemented authentication controller with OAuth2",
            "5",
            "developer_1",
        ),
        f"✓ Logged developer interaction for session {SESSION} (iteration 5)",
    )
    _ok(
        agent("update-task-group", "group_a", "--status", "completed"),
        f"✓ Updated task group: group_a → completed (session {SESSION})",
    )

    # Tech Lead workflow
    _ok(
        agent(
            "log-interaction",
            SESSION,
            "tech_lead",
            "Review: Code quality good, test coverage below threshold",
            "6",
        ),
        f"✓ Logged Tech Lead interaction for session {SESSION} (iteration 6)",
    )
    _ok(
        agent("save-skill-output", SESSION, "security_scan", '{"issues":0}'),
        f"✓ Saved security_scan output for session {SESSION}",
    )
    _ok(
        agent("save-skill-output", SESSION, "test_coverage", '{"coverage":75,"threshold":80}'),
        f"✓ Saved test_coverage output for session {SESSION}",
    )
    _ok(
        agent(
            "update-task-group",
            "group_a",
            "--last_review_status",
            "CHANGES_REQUESTED",
            "--revision_count",
            "1",
        ),
        f"✓ Updated task group: group_a → revision 1, review CHANGES_REQUESTED (session {SESSION})",
    )

    # What a dashboard and a resuming orchestrator read back
    assert json.loads(agent("get-state", SESSION, "pm").stdout) == {
        "mode": "parallel",
        "iteration": 1,
        "task_groups_created": 3,
    }
    assert json.loads(agent("get-skill-output", SESSION, "test_coverage").stdout) == {
        "coverage": 75,
        "threshold": 80,
    }
    assert json.loads(agent("token-summary", SESSION, "agent_type").stdout) == {
        "developer": 15000,
        "total": 15000,
    }
    snapshot = json.loads(agent("dashboard-snapshot", SESSION).stdout)
    assert snapshot["session"]["session_id"] == SESSION
    assert snapshot["orchestrator_state"] == {"active_agents": ["developer_1"], "iteration": 2}
    assert snapshot["pm_state"]["task_groups_created"] == 3
    group_a = next(g for g in snapshot["task_groups"] if g["id"] == "group_a")
    assert (
        group_a["status"],
        group_a["assigned_to"],
        group_a["revision_count"],
        group_a["last_review_status"],
    ) == ("completed", "developer_1", 1, "CHANGES_REQUESTED")
    assert [e["agent_type"] for e in snapshot["recent_logs"]] == [
        "tech_lead",
        "developer",
        "orchestrator",
        "pm",
    ]
    assert snapshot["log_count"] == 4
    rows = json.loads(
        agent(
            "query",
            "SELECT agent_type, COUNT(*) AS n FROM orchestration_logs "
            f"WHERE session_id = '{SESSION}' GROUP BY agent_type ORDER BY agent_type",
        ).stdout
    )
    assert rows == [
        {"agent_type": "developer", "n": 1},
        {"agent_type": "orchestrator", "n": 1},
        {"agent_type": "pm", "n": 1},
        {"agent_type": "tech_lead", "n": 1},
    ]
    markdown = agent("stream-logs", SESSION, "50", "0").stdout
    assert markdown.index("Created 3 task groups") < markdown.index("Review: Code quality good")


def test_default_database_is_found_from_a_subdirectory(tmp_path):
    project = tmp_path / "project"
    (project / "src" / "deep").mkdir(parents=True)
    created = run_script("create-session", "s1", "simple", "x", cwd=project)
    assert created.code == 0 and (project / "coordination" / "bazinga.db").is_file()
    found = run_script("get-session", "s1", cwd=project / "src" / "deep")
    assert found.code == 0 and json.loads(found.stdout)["session_id"] == "s1"
    by_env = run_script(
        "get-session",
        "s1",
        cwd=tmp_path,
        env={"BAZINGA_DB_PATH": str(project / "coordination" / "bazinga.db")},
    )
    assert by_env.code == 0


def test_content_and_json_from_stdin(agent):
    agent("create-session", "s1", "simple", "x")
    long_text = "line\n" * 5000 + "✅ done"
    assert agent("log-interaction", "s1", "developer", "-", "1", stdin=long_text.encode()).code == 0
    logs = json.loads(agent("get-logs", "s1").stdout)
    assert logs[0]["content"] == long_text
    assert agent("save-state", "s1", "pm", "-", stdin=b'{"iteration": 2}').code == 0
    assert agent("get-state", "s1", "pm").stdout == '{"iteration":2}\n'


def test_invalid_utf8_on_stdin_is_refused(agent, tmp_path):
    agent("create-session", "s1", "simple", "x")
    result = agent("log-interaction", "s1", "pm", "-", stdin=b"caf\xe9")
    assert result.code == 1
    assert result.stderr.startswith("❌ log-interaction: content from standard input is not valid UTF-8")
    assert json.loads(agent("get-logs", "s1").stdout) == []


def test_init_db_script(tmp_path):
    from conftest import ROOT

    from skill.migrations import LATEST_VERSION as V

    init = ROOT / "scripts" / "init_db.py"
    first = run_script(str(tmp_path / "a.db"), cwd=tmp_path, script=init)
    assert (first.code, first.stdout) == (0, f"✓ Database created at a.db (schema version {V}, WAL mode)\n")
    again = run_script(str(tmp_path / "a.db"), cwd=tmp_path, script=init)
    assert (again.code, again.stdout) == (0, f"✓ Database at a.db is up to date (schema version {V})\n")
    (tmp_path / "not.db").write_text("hello, I am not a database" * 100)
    bad = run_script(str(tmp_path / "not.db"), cwd=tmp_path, script=init)
    assert bad.code == 1 and bad.stderr.startswith("❌ init_db.py: not.db is not a usable SQLite database")
    assert (tmp_path / "not.db").read_text() == "hello, I am not a database" * 100
