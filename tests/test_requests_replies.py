"""The `request` command end to end: replies (snapshots), dry-runs as data, the spec's five scenarios, and
proof that no request ever writes anything but the one operation it names.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import dump as dump_location, run_script
from test_requests_parse import CORPUS, EXAMPLES, _load

from skill.migrations import SPEC_TABLES
from skill.reader import OPERATIONS
from skill.reader.documented import read_documented

BACKENDS = ("sqlite", "postgres")  # the conformance suite: tests on the store run on both (tests/conftest.py)

SEED = [
    ["create-session", "s_42", "parallel", "Add user authentication with OAuth2"],
    ["create-session", "s_1", "simple", "Fix the login bug"],
    ["create-session", "bazinga_20250112_143022", "parallel", "Dashboard"],
    ["log-interaction", "s_42", "pm", "Created 2 task groups: Auth, API", "1", "pm_main"],
    ["log-interaction", "s_42", "developer", "Implemented the OAuth2 controller", "2", "developer_1"],
    [
        "save-state",
        "s_42",
        "pm",
        '{"mode":"parallel","iteration":2,"task_groups":[{"id":"group_a","status":"completed"},'
        '{"id":"group_b","status":"in_progress"}]}',
    ],
    ["create-task-group", "group_a", "s_42", "Authentication", "completed"],
    ["create-task-group", "group_b", "s_42", "API Development", "in_progress", "developer_2"],
    ["create-task-group", "group_a", "s_1", "Login", "pending"],
    ["log-tokens", "s_42", "pm", "12450", "pm_main"],
    ["log-tokens", "s_42", "developer", "28340", "developer_1"],
    ["log-tokens", "s_42", "tech_lead", "4440"],
    ["save-skill-output", "s_42", "test_coverage", '{"coverage":75,"threshold":80}'],
    ["set-config", "testing_config", '{"min_coverage":80}'],
    ["log-decision", "s_42", "escalate_model", '{"from":"sonnet","to":"opus"}', "3"],
]


@pytest.fixture
def seeded(run_cli):
    for argv in SEED:
        result = run_cli(*argv)
        assert result.code == 0, (argv, result)
    return run_cli


SCRIPT_PATH = str(Path(__file__).resolve().parent.parent / "scripts" / "bazinga_db.py")


def request(run_cli, text, *options):
    """Run a request in-process; the script's own path (it differs per checkout) is shown as <SCRIPT>."""
    result = run_cli(*options, "request", text)
    return result._replace(stderr=result.stderr.replace(SCRIPT_PATH, "<SCRIPT>"))


# -- replies: one per operation, each pinned ----------------------------------------------------------
REPLIES = {
    "create-session": "bazinga-db, please create a new orchestration session:\nSession ID: s_new\n"
    "Mode: simple\n"
    "Requirements: Add OAuth2",
    "create-session-again": "bazinga-db, please create a new orchestration session:\nSession ID: s_1\n"
    "Mode: simple\n"
    "Requirements: Fix the login bug",
    "update-session-status": "bazinga-db, please mark session s_1 as completed",
    "get-session": "bazinga-db, please get session details for s_42",
    "list-sessions": "bazinga-db, please list the most recent sessions (limit 2)",
    "list-sessions-empty": "bazinga-db, please list failed sessions",
    "log-interaction": "bazinga-db, please log this QA interaction:\nSession ID: s_42\n"
    "Content: 48 tests pass\n"
    "Iteration: 4\nAgent ID: qa_1",
    "log-interaction-auto-session": "bazinga-db, please log this PM interaction:\nSession ID: s_brand_new\n"
    "Content: Planned\nIteration: 1",
    "get-logs": "bazinga-db, please get the developer logs for session s_42",
    "stream-logs": "bazinga-db, please stream the last 5 logs for session s_42",
    "save-state": 'bazinga-db, please save the PM state:\nSession ID: s_42\nState Data: {"iteration": 3}',
    "get-state": "bazinga-db, please get the PM state for session s_42",
    "get-state-none": "bazinga-db, please get the orchestrator state for session s_1",
    "create-task-group": "bazinga-db, please create task group group_c (UI Components) for session s_42",
    "update-task-group": "bazinga-db, please update task group: group_b -> completed\nSession ID: s_42",
    "update-task-group-resolved": "bazinga-db, please assign group_b to developer_3",
    "update-task-group-review": "bazinga-db, please update task group group_a in session s_42:\n"
    "Review Status: changes requested\nRevision Count: +1",
    "get-task-groups": "bazinga-db, please get all task groups for session s_42",
    "log-tokens": "bazinga-db, please track token usage: 4,200 tokens for the Tech Lead in session s_42",
    "token-summary": "bazinga-db, please give me the token summary for session s_42",
    "token-summary-by-id": "bazinga-db, please show token usage per agent id for session s_42",
    "save-skill-output": "bazinga-db, please save skill output:\nSession ID: s_42\n"
    "Skill Name: security_scan\n"
    'Output: {"vulnerabilities": 0}',
    "get-skill-output": "bazinga-db, please get the test_coverage skill output for session s_42",
    "set-config": 'bazinga-db, please set configuration:\nKey: skills_config\nValue: {"lint_check": '
    '{"status": "optional"}}',
    "get-config": "bazinga-db, please get config testing_config",
    "log-decision": "bazinga-db, please record this decision:\nSession ID: s_42\nDecision Type: spawn_agent\n"
    'Iteration: 4\nDecision: {"agent": "qa"}',
    "get-decisions": "bazinga-db, please list the escalate_model decisions for session s_42",
    "dashboard-snapshot": "bazinga-db, please provide dashboard snapshot:\n\nSession ID: s_42",
    "query": "bazinga-db, please run this query:\nSELECT agent_type, COUNT(*) AS n FROM orchestration_logs "
    "GROUP BY agent_type ORDER BY agent_type",
    # round 2, second pass: forms a careful reader accepts
    "command-line": "update-task-group group_b --session s_42 --status completed --assigned_to dev_3",
    "typo-read": "Get all task gorups for s_42",
    "question-without-verb": "Any failed sessions? Show at most 5.",
    "verb-after-object": "Token usage for the Tech Lead on s_42: 9,870 (agent id tech_lead_1). Log it.",
    "report-block": "log this developer status report (session s_42, developer_1, iteration 6):\n"
    "STATUS: READY_FOR_QA\nFILES: auth/oauth.py\nTESTS: 42 passed",
    "role-by-agent-id": "note this update (investigator_1, session s_42): the cache key includes a timestamp",
}


@pytest.mark.parametrize("name", sorted(REPLIES))
def test_reply(name, seeded, snapshot):
    result = request(seeded, REPLIES[name])
    assert result.code == 0, result
    assert result.stderr == ""
    assert "Traceback" not in result.stdout
    assert result == snapshot


def test_every_operation_has_a_pinned_reply():
    named = {
        name.split("-again")[0]
        .split("-auto")[0]
        .split("-empty")[0]
        .split("-none")[0]
        .split("-resolved")[0]
        .split("-review")[0]
        .split("-by-id")[0]
        for name in REPLIES
    }
    assert set(OPERATIONS) <= named, set(OPERATIONS) - named


def test_reply_as_json(seeded):
    result = request(seeded, REPLIES["log-tokens"], "--format", "json")
    assert result.code == 0
    data = json.loads(result.stdout)
    assert data["ok"] is True and data["command"] == "log-tokens"
    assert data["args"] == {"session_id": "s_42", "agent_type": "tech_lead", "tokens": 4200}
    assert (
        data["reply"]
        == "✓ Logged 4,200 tokens for Tech Lead in session s_42\n   ran: log-tokens s_42 tech_lead 4200"
    )
    assert data["result"]["tokens_estimated"] == 4200
    assert data["ran"] == {"session_id": "s_42", "agent_type": "tech_lead", "tokens": 4200}


def test_format_is_compared_normalised(seeded):
    # --format JSON is --format json (the plain commands read it so too), not the text reply
    upper = request(seeded, REPLIES["log-tokens"], "--format", "JSON")
    assert upper.code == 0 and json.loads(upper.stdout)["command"] == "log-tokens"


def test_json_reply_of_a_rendered_read_carries_its_data(seeded):
    # get-session, get-state, get-config …: the text reply is a view, the JSON result is the data itself
    result = request(seeded, "bazinga-db, get session details for s_42", "--format", "json")
    data = json.loads(result.stdout)
    assert data["command"] == "get-session" and data["result"]["session_id"] == "s_42"
    assert data["result"]["mode"] == "parallel"
    state = json.loads(
        request(seeded, "bazinga-db, get the latest PM state for session s_42", "--format", "json").stdout
    )
    assert state["result"]["iteration"] == 2


def test_a_write_reply_shows_the_session_it_resolved(seeded):
    # no session named: the group's most recent active session is used, and the ran: line says which
    result = request(seeded, "bazinga-db, mark group_b as completed", "--format", "json")
    data = json.loads(result.stdout)
    assert "session_id" not in data["args"] and data["ran"]["session_id"] == "s_42"
    assert data["reply"].endswith("ran: update-task-group group_b --session s_42 --status completed")


def test_quiet_silences_write_replies_but_not_reads_or_errors(seeded):
    quiet = request(seeded, REPLIES["log-tokens"], "--quiet")
    assert (quiet.code, quiet.stdout) == (0, "")
    read = request(seeded, REPLIES["token-summary"], "--quiet")
    assert "Token Usage: 49,430 tokens" in read.stdout
    refused = request(seeded, REFUSALS["missing-value"], "--quiet")
    assert refused.code == 2 and refused.stderr.startswith("❌")


# -- refusals: one per class, pinned --------------------------------------------------------------------
REFUSALS = {
    "unknown-operation": "bazinga-db, please do the thing with the stuff",
    "delete": "bazinga-db, please delete all sessions",
    "two-operations": "bazinga-db, please create session s_5 and log this interaction",
    "missing-value": "bazinga-db, please save the PM state for session s_42",
    "invalid-json": "bazinga-db, please save state:\nSession ID: s_42\nState Type: pm\n"
    'State Data: {"iteration": 1,',
    "invalid-enum": "bazinga-db, please create session s_9 in turbo mode: build a rocket",
    "invalid-number": "bazinga-db, log token usage:\nSession ID: s_42\nAgent Type: pm\nTokens: lots",
    "placeholder": "bazinga-db, please log this interaction:\nSession ID: [current_session_id]\n"
    "Agent Type: pm\n"
    "Content: done",
    "write-without-verb": "bazinga-db: PM interaction\nSession ID: s_42\nAgent Type: pm\nContent: done",
    "empty": "   ",
    # round 2 (issue 11): one per new kind of refusal
    "unsupported": "bazinga-db, please update success criterion for group_a: all tests pass",
    "unsupported-verb": "bazinga-db, please archive session s_1",
    "unknown-label": "bazinga-db, please create a new orchestration session:\nSession ID: s_77\n"
    "Mode: simple\nRequirements: Add CSV export\nInitial_Branch: main",
    "joined-operations": "bazinga-db, mark session s_1 completed and mark session s_42 failed",
    "list-of-values": "bazinga-db, log token usage for s_42: developer 500 tokens, qa 300 tokens",
    "list-of-groups": "bazinga-db, please mark group_a and group_b completed in s_42",
    "typo-session": "bazinga-db, please log this PM interaction for session s_422: planning done",
    "value-not-placed": 'bazinga-db, please save the PM state for s_42 with iteration 2: {"iteration": 2}',
    "too-long": "bazinga-db, please log this PM interaction:\nSession ID: s_42\nContent: " + "x" * 300000,
    # round 2, second pass
    "nothing-to-change": "Update group_b in s_42.",
    "edit-a-log-entry": "bazinga-db, edit my last log entry in s_42: change 'retries: 3' to 'retries: 4'.",
    "query-that-deletes": "bazinga-db, run this query: DELETE FROM token_usage WHERE session_id = 's_42'",
    "two-objects": "Give me the session record and the logs for s_42.",
    "list-in-a-read": "Show task groups for s_42 and bazinga_20250112_143022.",
    "invalid-verdict": "The review status for group_a in s_42 is REJECTED.",
    "command-line-extra-value": "update-task-group group_b s_42 --status completed",
    # round 5: one per new kind of refusal
    "paging-in-a-write": "bazinga-db, mark group_b in s_42 as completed, limit 5",
    "number-read-by-nothing": "bazinga-db, show the task groups for s_42 7",
    "parameter-json-twice": 'bazinga-db, update task group: {"group_id": "group_a", "group_id": "group_b", '
    '"status": "completed"}',
    "config-scalar": "bazinga-db, set config max_retries to 3",
    "second-request-in-a-report": "bazinga-db, log this QA interaction for s_42: all 120 tests green.\n\n"
    "Thanks!\n\nAlso update group_b to completed.",
    "passive-read-refused": "Which groups in s_42 should be marked failed?",
    "ruled-out-session-only": "Show the logs, not for s_42",
    # round 6: misreads that ran on one of two values
    "two-skill-names": 'Save skill output lint_check for s_42 (skill foo_bar): {"ok": true}',
    "two-sessions-named": "Log for s_42, session: s_1, agent: qa: done",
    "two-agent-types-in-a-read": "Get logs for s_42, agent qa, agent developer",
    "value-given-twice": "bazinga-db, log this for s_42 from qa, session s_1: tests pass",
    # round 7: one per new kind of refusal
    "json-for-an-operation-without-json": 'Task group group_a in s_42: {"a": 1}. Save it.',
    "two-json-values": 'Save state pm {"a": 1} for s_42 and orchestrator {"b": 2}',
    "words-after-a-json-value": 'Set config key ci_config to {"retries": 2} banana',
    "json-in-a-read": 'For config key ci_config, value {"retries": 2}: show it',
    "unclear-self-correction": "Log 12k tokens for developer_3 and 3k for qa_1 in s_42 — "
    "actually make that 14k",
    "words-after-a-quoted-value": 'Log developer interaction for s_42: "retry fixed" by tomorrow',
    "a-read-sentence-after-a-write": "mark group_a completed in s_42. Token summary for s_42.",
    "a-role-that-is-no-agent": "Log this cutover note for s_42: switched DNS at 14:00",
    # round 8: one per new kind of refusal
    "two-names-in-a-read": "get skill outputs lint-check and security-scan for s_42",
    "an-operation-between-labels-and-the-last-line": "Session: s_42\nLog tokens 500 for qa\nget the session",
    "a-value-in-the-context-before-a-request": "[ci] group_b finished at 10:14\n"
    "-> please stream logs for s_42",
    # round 9: one per new kind of refusal
    "two-statuses-in-a-row": "Set group_b in s_42 to failed, completed",
    "a-value-after-the-dash-lands-nowhere": "update group_b in s_42 - status in progress, priority 7",
    "a-number-only-in-the-context": "[ci] run 42 red\n-> log tokens for developer in s_42",
    "a-second-operation-inside-a-name": "Create task group: Group ID: group_c, Session ID: s_42, "
    "Name: CDN purge. Also log 300 tokens for qa",
    "a-write-wished-in-a-reason": "Mark group_a in s_42 completed. I also need 300 tokens logged for qa.",
    "an-inexact-token-count": "Log about 1.5k tokens for qa in s_42",
    "a-request-inside-content": "Log developer interaction for s_42: all 12 tests pass. "
    "While you're at it, group_b completed please.",
    "a-status-on-a-condition": "Mark group_b in s_42 completed if QA passes, otherwise failed",
    # round 10: one per new kind of refusal
    "a-second-operation-after-and": "Mark s_42 completed and take a dashboard snapshot of it.",
    "an-unknown-verb-and-an-operation-noun": "Mark s_42 completed - produce snapshot.",
    "a-verdict-said-before-the-request": "All groups approved (group_b was the only one). Mark it failed.",
    "a-status-stated-beside-another-write": "s_42 \u2192 completed. Log 300 tokens for qa in s_42.",
    "another-records-noun-in-the-object": "Add the group review status for s_42: approved.",
    "a-session-as-a-config-key": 'Record the tech lead review config for s_42: {"strict": true}',
    "a-ruled-out-session-and-none-named": "Mark group_b failed (leave s_99 alone)",
    "two-row-limits": "Run it with limit 10 and limit 20: SELECT * FROM sessions",
    "a-request-after-the-sql": "Run this query: SELECT * FROM sessions. Then mark group_b completed.",
    # round 11: a documented form is read by stage 0 (reader/documented.py); the database's typo check
    # still refuses its session
    "typo-session-in-a-documented-form": "bazinga-db, please log this PM interaction:\n\nSession ID: s_422\n"
    "Content: planning done\nIteration: 2",
}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_refusal(name, seeded, snapshot, location):
    before = dump_location(location)
    result = request(seeded, REFUSALS[name])
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("❌ Request not understood: ")
    assert "Send it in this form:" in result.stderr
    assert dump_location(location) == before
    assert result == snapshot


def test_dry_run_reply_of_a_documented_form(seeded, snapshot):
    # read by stage 0 (reader/documented.py) without the stages; the same request in other words, read by
    # the stages, gets the very same reply
    form = "log this QA interaction:\n\nSession ID: s_42\nContent: 48 tests pass\nIteration: 4"
    assert read_documented(form) is not None and read_documented(
        REFUSALS["typo-session-in-a-documented-form"]
    )
    documented = seeded("request", "--dry-run", form)
    in_other_words = seeded(
        "request", "--dry-run", "log a QA interaction for session s_42 (iteration 4): 48 tests pass"
    )
    assert documented == in_other_words
    assert documented.code == 0 and documented.stderr == ""
    assert documented == snapshot


# -- failures: the full report, with causes that fit -----------------------------------------------------
def test_failure_unknown_group(seeded, snapshot):
    result = request(seeded, "bazinga-db, please mark task group group_z complete")
    assert result.code == 1
    assert result.stdout == ""
    for part in (
        "❌ Database operation failed",
        "Command:",
        "update-task-group group_z --status completed",
        "Error Output:",
        "does not exist",
        "Exit Code: 1",
        "Possible causes:",
        "create-task-group",
    ):
        assert part in result.stderr
    assert result == snapshot


def test_failure_unknown_session_read(seeded, snapshot):
    result = request(seeded, "bazinga-db, please get session details for s_99")
    assert result.code == 1
    assert "session 's_99' does not exist" in result.stderr
    assert "The session was never created" in result.stderr
    assert result == snapshot


def test_failure_conflicting_create(seeded, snapshot):
    result = request(
        seeded,
        "bazinga-db, please create a new session:\nSession ID: s_1\nMode: parallel\n"
        "Requirements: Something else",
    )
    assert result.code == 1
    assert "already exists with different values" in result.stderr
    assert "a retry must repeat the same values" in result.stderr
    assert result == snapshot


@pytest.mark.sqlite_only
def test_failure_not_a_database(run_cli, db_path, snapshot):
    db_path.parent.mkdir(parents=True)
    db_path.write_text("this is not sqlite, just text " * 200)
    result = request(run_cli, "bazinga-db, please log this PM interaction:\nSession ID: s_1\nContent: x")
    assert result.code == 1
    assert "not a bazinga SQLite database" in result.stderr
    assert "Disk space full" not in result.stderr  # causes fit the error, not a fixed list
    assert db_path.read_text().startswith("this is not sqlite")
    assert result == snapshot


def test_failure_read_before_any_write(run_cli, db_path, location, snapshot):
    result = request(run_cli, "bazinga-db, please get the PM state for session s_1")
    assert result.code == 1
    assert "Nothing has been written yet" in result.stderr
    assert not db_path.exists(), "a read never creates the database"
    assert dump_location(location) == {}
    assert result == snapshot


def test_list_before_any_write_is_empty_not_a_failure(run_cli, db_path):
    result = request(run_cli, "bazinga-db, please list recent sessions")
    assert (result.code, result.stderr) == (0, "")
    assert (
        result.stdout
        == "No sessions found. (No database at coordination/bazinga.db yet; the first write creates it.)\n"
    )
    assert not db_path.exists()


def test_failure_query_refused(seeded, backend, snapshot):
    result = request(seeded, "bazinga-db, please run this query:\nSELECT * FROM no_such_table")
    assert result.code == 1
    assert "Possible causes:" in result.stderr
    # the database words the reason itself: one snapshot per backend (docs/postgresql.md)
    assert result == (snapshot(name="postgres") if backend == "postgres" else snapshot)


# -- dry-run as data ---------------------------------------------------------------------------------
def _all_entries():
    entries = []
    for path in (EXAMPLES, CORPUS):
        if path.exists():
            entries += [pytest.param(e, id=f"{path.stem}-{i}") for i, e in enumerate(_load(path))]
    return entries


@pytest.mark.sqlite_only
@pytest.mark.parametrize("entry", _all_entries())
def test_dry_run(entry, run_cli, db_path):
    result = run_cli("request", "--dry-run", stdin=entry["text"])
    assert not db_path.exists(), "--dry-run never touches the database"
    expected = entry["expected"]
    if expected["command"] is None:
        assert result.code == 2
        assert result.stdout == ""
        assert result.stderr.startswith("❌")
    else:
        assert result.code == 0, result
        assert json.loads(result.stdout) == {"command": expected["command"], "args": expected["args"]}
        assert result.stderr == ""


# -- no request ever writes anything but its own operation -----------------------------------------------
TABLES = SPEC_TABLES
WRITES = {
    "create-session": {"sessions"},
    "update-session-status": {"sessions"},
    "log-interaction": {"orchestration_logs", "sessions"},
    "save-state": {"state_snapshots", "sessions"},
    "create-task-group": {"task_groups", "sessions"},
    "update-task-group": {"task_groups", "sessions"},
    "log-tokens": {"token_usage", "sessions"},
    "save-skill-output": {"skill_outputs", "sessions"},
    "set-config": {"configuration"},
    "log-decision": {"decisions", "sessions"},
}


def _file_dump(path: Path) -> dict:
    if not path.exists():
        return {}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}"))) for t in TABLES}
    finally:
        conn.close()


@pytest.fixture(scope="module")
def template_db(tmp_path_factory):
    """One seeded database, copied for each request so every request starts from the same data."""
    import io

    from skill import cli

    folder = tmp_path_factory.mktemp("template")
    path = folder / "bazinga.db"
    for argv in SEED:
        code = cli.run(
            ["--db", str(path), *argv], io.StringIO(), io.StringIO(), io.StringIO(), env={}, cwd=str(folder)
        )
        assert code == 0
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return path


@pytest.mark.sqlite_only  # (the request layer is backend-neutral; its writes are checked on both above)
@pytest.mark.parametrize("entry", _all_entries())
def test_request_writes_only_its_operation(entry, template_db, db_path, run_cli):
    db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(template_db, db_path)
    before = _file_dump(db_path)
    result = run_cli("request", stdin=entry["text"])
    after = _file_dump(db_path)
    assert "Traceback" not in result.stderr + result.stdout
    changed = {t for t in TABLES if before[t] != after[t]}
    command = entry["expected"]["command"]
    if command is None:
        assert result.code == 2, result
        assert not changed
    elif command not in WRITES:
        assert result.code in (0, 1), result
        assert not changed
    elif result.code == 0:
        assert changed and changed <= WRITES[command], (command, changed)
        assert result.stdout.splitlines()[-1].startswith("✓") or "✓" in result.stdout
    else:
        assert result.code == 1, result
        assert result.stderr.startswith("❌ Database operation failed")
        assert not changed, "a failed write leaves the database as it was"


# -- the spec's five example scenarios -------------------------------------------------------------------
SCENARIO_1 = (
    "bazinga-db, please create a new orchestration session:\n\nSession ID: bazinga_20250113_143530\n"
    "Mode: simple\nRequirements: Add user authentication with OAuth2 support"
)
SCENARIO_2 = (
    "bazinga-db, please log this PM interaction:\n\nSession ID: sess_abc123\nAgent Type: pm\n"
    "Content: Task breakdown created: 3 groups (group_a, group_b, group_c). Group A will handle auth, "
    "Group B will handle API, Group C will handle UI components.\nIteration: 1\nAgent ID: pm_main"
)
SCENARIO_3 = """bazinga-db, please save the PM state:

Session ID: sess_abc123
State Type: pm
State Data: {
  "iteration": 1,
  "mode": "parallel",
  "task_groups": [
    {"id": "group_a", "name": "Authentication", "status": "pending"},
    {"id": "group_b", "name": "API Backend", "status": "pending"},
    {"id": "group_c", "name": "UI Components", "status": "pending"}
  ],
  "completed_groups": [],
  "in_progress_groups": [],
  "pending_groups": ["group_a", "group_b", "group_c"]
}"""
SCENARIO_4 = "bazinga-db, please provide dashboard snapshot:\n\nSession ID: sess_abc123"


def test_scenario_1_orchestrator_creates_a_session(run_cli):
    result = request(run_cli, SCENARIO_1)
    assert result.code == 0
    assert result.stdout.splitlines()[:2] == [
        "✓ Database auto-initialized at coordination/bazinga.db",
        "✓ Session created: bazinga_20250113_143530",
    ]
    assert "Session is active and ready to receive logs and state." in result.stdout


def test_scenario_2_orchestrator_logs_a_pm_interaction(run_cli):
    request(run_cli, "bazinga-db, please create session sess_abc123 in parallel mode: OAuth2")
    result = request(run_cli, SCENARIO_2)
    assert result.code == 0
    assert result.stdout.splitlines()[0] == "✓ Logged PM interaction for session sess_abc123 (iteration 1)"


def test_scenario_3_pm_saves_state(run_cli):
    request(run_cli, "bazinga-db, please create session sess_abc123 in parallel mode: OAuth2")
    result = request(run_cli, SCENARIO_3)
    assert result.code == 0
    assert result.stdout.splitlines()[0] == "✓ Saved PM state for session sess_abc123"
    assert "PM state snapshot stored in database." in result.stdout
    state = request(run_cli, "bazinga-db, please get the PM state for session sess_abc123")
    assert "- Task Groups: 3 (3 pending)" in state.stdout
    assert state.stdout.startswith("Current PM State (as of <TIME>):")


def test_scenario_4_dashboard_snapshot(run_cli):
    setup = [
        "bazinga-db, please create session sess_abc123 in parallel mode: OAuth2",
        "bazinga-db, please create task group group_a (Auth) for session sess_abc123",
        "bazinga-db, please create task group group_b (API) for session sess_abc123",
        "bazinga-db, please create task group group_c (UI) for session sess_abc123",
        "bazinga-db, please mark task group group_a complete",
        "bazinga-db, please mark task group group_b complete",
        "bazinga-db, please update task group group_c -> in progress",
        "bazinga-db, please log 12,450 tokens for the PM in session sess_abc123",
        "bazinga-db, please log 28,340 tokens for the developer in session sess_abc123",
        "bazinga-db, please log 4,440 tokens for the Tech Lead in session sess_abc123",
    ]
    setup += [
        f"bazinga-db, please log this developer interaction for session sess_abc123: step {n}"
        for n in range(15)
    ]
    for text in setup:
        assert request(run_cli, text).code == 0, text
    result = request(run_cli, SCENARIO_4)
    assert result.code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Dashboard Snapshot Retrieved:"
    for expected in (
        "Session: sess_abc123 (parallel mode, active)",
        "Task Groups: 3 total",
        "- Completed: 2 (group_a, group_b)",
        "- In Progress: 1 (group_c)",
        "- Pending: 0",
        "Token Usage: 45,230 tokens",
        "- PM: 12,450",
        "- Developer: 28,340",
        "- Tech Lead: 4,440",
        "Recent Logs: 15 interactions logged",
    ):
        assert expected in lines, expected


def test_scenario_5_database_missing(run_cli, location):
    assert dump_location(location) == {}
    result = request(
        run_cli,
        "bazinga-db, please log this PM interaction:\nSession ID: sess_abc123\n"
        "Agent Type: pm\nContent: Task breakdown created",
    )
    assert result.code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "✓ Database auto-initialized at coordination/bazinga.db"
    assert lines[1].startswith("✓ Session sess_abc123 auto-created")
    assert lines[2] == "✓ Logged PM interaction for session sess_abc123"
    assert dump_location(location)["orchestration_logs"]


# -- the real script, from another folder, as an agent's Bash tool runs it ------------------------------
@pytest.mark.sqlite_only
def test_real_script_reads_the_request_from_stdin(tmp_path):
    work = tmp_path / "project" / "src"
    work.mkdir(parents=True)
    (tmp_path / "project" / "coordination").mkdir()
    done = run_script("request", cwd=tmp_path / "project", stdin=SCENARIO_1.encode())
    assert done.code == 0, done
    assert "✓ Session created: bazinga_20250113_143530" in done.stdout
    again = run_script("request", "--dry-run", "-", cwd=work, stdin=b"bazinga-db, list sessions (limit 1)")
    assert again.code == 0 and json.loads(again.stdout) == {"command": "list-sessions", "args": {"limit": 1}}
    refused = run_script("request", "bazinga-db, please update the task group", cwd=work)
    assert refused.code == 2 and refused.stdout == ""
    assert refused.stderr.startswith("❌ Request not understood: no group id given")
    listed = run_script("request", "bazinga-db, list sessions", cwd=work)
    assert "bazinga_20250113_143530" in listed.stdout, "the nearest coordination/bazinga.db upwards is used"


# -- the dry run and the database (round 2: a mistyped session is refused) --------------------------------
def test_dry_run_refuses_a_mistyped_session_without_touching_the_database(seeded, db_path, location, backend):
    folder = Path(db_path).parent

    def state():  # the files byte for byte on SQLite; every row on PostgreSQL
        return (
            {p.name: p.read_bytes() for p in folder.iterdir()}
            if backend == "sqlite"
            else dump_location(location)
        )

    before = state()
    result = seeded(
        "request", "--dry-run", "bazinga-db, please log this PM interaction for session s_422: done"
    )
    assert result.code == 2 and "did you mean 's_42'" in result.stderr
    assert state() == before
    # a far id is a new session: the dry run shows the write, which would create it
    fresh = seeded(
        "request", "--dry-run", "bazinga-db, please log this PM interaction for session s_9000: done"
    )
    assert fresh.code == 0 and json.loads(fresh.stdout)["args"]["session_id"] == "s_9000"


def test_dry_run_never_creates_a_database(run_cli, db_path):
    result = run_cli(
        "request", "--dry-run", "bazinga-db, please log this PM interaction for session s_1: done"
    )
    assert result.code == 0
    assert not Path(db_path).exists() and not Path(db_path).parent.exists()


def test_dry_run_never_migrates_an_old_database(run_cli, db_path):
    # a version-0 file (what an old copy of the skill left): the dry run reads nothing from it and leaves it
    Path(db_path).parent.mkdir(parents=True)
    sqlite3.connect(db_path).execute("CREATE TABLE sessions (session_id TEXT)").connection.close()
    before = Path(db_path).read_bytes()
    result = run_cli(
        "request", "--dry-run", "bazinga-db, please log this PM interaction for session s_1: done"
    )
    assert result.code == 0
    assert Path(db_path).read_bytes() == before
    assert sqlite3.connect(db_path).execute("PRAGMA user_version").fetchone()[0] == 0
