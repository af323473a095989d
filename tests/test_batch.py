"""`batch`: JSON lines in, one result line per operation out, N lines per transaction, never a false ✓."""

from __future__ import annotations

import json

import pytest
from conftest import run_script, sql_rows

BACKENDS = ("sqlite", "postgres")  # the conformance suite: every test runs on both (tests/conftest.py)


def _line(command: str, **args) -> str:
    return json.dumps({"command": command, "args": args})


SETUP = [
    ["create-session", "s_1", "parallel", "Batch work"],
    ["create-task-group", "group_a", "s_1", "Authentication"],
]


@pytest.fixture
def ready(run_cli):
    for argv in SETUP:
        assert run_cli(*argv).code == 0
    return run_cli


def _logs(location) -> list:
    return [r[0] for r in sql_rows(location, "SELECT content FROM orchestration_logs ORDER BY seq")]


GOOD = (
    "\n".join(
        [
            _line(
                "log-interaction", session_id="s_1", agent_type="PM", content="Planned 3 groups", iteration=1
            ),
            "",
            _line(
                "log-tokens", session_id="s_1", agent_type="developer", tokens=1200, agent_id="developer_1"
            ),
            _line("update-task-group", group_id="group_a", session_id="s_1", status="done"),
            _line("save-state", session_id="s_1", state_type="pm", state_data={"iteration": 2}),
            _line("token-summary", session_id="s_1"),
            _line("get-state", session_id="s_1", state_type="pm"),
        ]
    )
    + "\n"
)


def test_batch_runs_every_line(ready, location, snapshot):
    result = ready("batch", "--per-transaction", "2", stdin=GOOD)
    assert result.code == 0, result
    assert [json.loads(line)["line"] for line in result.stdout.splitlines()] == [1, 3, 4, 5, 6, 7]
    assert result == snapshot
    assert _logs(location) == ["Planned 3 groups"]


def test_batch_text_format_prints_the_usual_lines(ready, snapshot):
    assert ready("--format", "text", "batch", stdin=GOOD) == snapshot


def test_batch_reads_a_file(ready, tmp_path, snapshot):
    (tmp_path / "ops.jsonl").write_text(GOOD, encoding="utf-8")
    assert ready("batch", "ops.jsonl", "--quiet") == snapshot


def test_empty_batch(ready, snapshot):
    assert ready("batch", stdin="\n\n") == snapshot


FAILING = {
    # the operation itself fails in the middle of the second transaction
    "failing-operation": [
        _line("log-interaction", session_id="s_1", agent_type="pm", content="one"),
        _line("log-interaction", session_id="s_1", agent_type="pm", content="two"),
        _line("log-interaction", session_id="s_1", agent_type="pm", content="three"),
        _line("update-task-group", group_id="group_z", session_id="s_1", status="completed"),
        _line("log-interaction", session_id="s_1", agent_type="pm", content="never run"),
    ],
    "bad-json": [
        _line("log-interaction", session_id="s_1", agent_type="pm", content="one"),
        _line("log-interaction", session_id="s_1", agent_type="pm", content="two"),
        '{"command": "log-interaction", "args": {"session_id": "s_1",',
        _line("log-interaction", session_id="s_1", agent_type="pm", content="never run"),
    ],
    "unknown-command": [
        _line("log-interaction", session_id="s_1", agent_type="pm", content="one"),
        _line("log-interactions", session_id="s_1", agent_type="pm", content="two"),
    ],
    "unknown-argument": [
        _line("log-interaction", session_id="s_1", agent_type="pm", content="one"),
        _line("log-interaction", session="s_1", agent_type="pm", content="two"),
    ],
    "missing-argument": [
        _line("log-tokens", session_id="s_1", agent_type="pm"),
    ],
    "unexpected-key": [
        json.dumps({"command": "get-session", "args": {"session_id": "s_1"}, "dry_run": True}),
    ],
    "not-an-operation": [
        "[1, 2, 3]",
    ],
    "invalid-value": [
        _line("log-interaction", session_id="s_1", agent_type="pm", content="one"),
        _line("update-session-status", session_id="s_1", status="paused"),
    ],
    "wrong-type": [
        _line("update-task-group", group_id="group_a", session_id="s_1", increment_revision="twice"),
    ],
    "content-not-text": [
        _line("log-interaction", session_id="s_1", agent_type="pm", content={"text": "hello"}),
    ],
    "agent-type-not-text": [
        _line("log-tokens", session_id="s_1", agent_type=True, tokens=5),
    ],
    "missing-session": [
        _line("log-interaction", session_id="s_1", agent_type="pm", content="one"),
        _line("log-interaction", session_id="s_2", agent_type="pm", content="two"),
    ],
}


@pytest.mark.parametrize("name", sorted(FAILING))
def test_batch_stops_at_the_first_failing_line(ready, location, name, snapshot):
    result = ready("batch", "--per-transaction", "2", stdin="\n".join(FAILING[name]) + "\n")
    assert result.code in (1, 2)
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("❌ batch: line ")
    committed = [json.loads(line) for line in result.stdout.splitlines()]
    # Every result line printed belongs to a committed transaction: the database has exactly those logs.
    assert len(_logs(location)) == len([c for c in committed if c["command"] == "log-interaction"])
    assert result == snapshot


def test_failing_line_keeps_earlier_transactions_only(ready, location):
    result = ready("batch", "--per-transaction", "2", stdin="\n".join(FAILING["failing-operation"]) + "\n")
    assert result.code == 1
    assert _logs(location) == ["one", "two"]  # transaction 1; "three" shared the failing transaction
    assert [json.loads(line)["line"] for line in result.stdout.splitlines()] == [1, 2]
    assert "Committed: lines 1–2" in result.stderr and "Rolled back: line 3" in result.stderr


def test_per_transaction_is_validated(ready, snapshot):
    assert ready("batch", "--per-transaction", "0", stdin=GOOD) == snapshot


@pytest.mark.slow
def test_batch_through_the_real_script(ready, tmp_path, location):
    lines = "".join(
        _line("log-interaction", session_id="s_1", agent_type="qa", content=f"entry {n} ✅") + "\n"
        for n in range(250)
    )
    done = run_script("--db", location, "batch", cwd=tmp_path, stdin=lines.encode("utf-8"))
    assert done.code == 0, done
    assert len(done.stdout.splitlines()) == 250
    assert done.stderr == "✓ batch: 250 operations in 3 transactions, all committed\n"
    assert _logs(location)[-1] == "entry 249 ✅"


def test_a_failing_commit_is_reported_as_such(ready, location, backend, monkeypatch):
    from skill import pgstore, storage
    from skill.errors import DatabaseUnusable

    def full_disk(self):
        self.in_batch = False
        self._rollback(self.writer())
        raise DatabaseUnusable("the disk holding bazinga.db is full; nothing was written", "Free some space.")

    commit = pgstore.PgStore.commit

    def connection_lost(self):  # a real failure: the server ends the session before COMMIT arrives
        self._conn.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    def lost_then_commit(self):
        try:
            connection_lost(self)
        except DatabaseUnusable:
            pass
        commit(self)

    if backend == "sqlite":
        monkeypatch.setattr(storage.Store, "commit", full_disk)
    else:
        monkeypatch.setattr(pgstore.PgStore, "commit", lost_then_commit)
    lines = "".join(
        _line("log-interaction", session_id="s_1", agent_type="pm", content=f"c{n}") + "\n" for n in range(3)
    )
    result = ready("batch", "--per-transaction", "2", stdin=lines)
    assert (result.code, result.stdout) == (1, "")
    reason = (
        "the disk holding" if backend == "sqlite" else "the connection to coordination/bazinga.db was lost"
    )
    assert result.stderr.startswith(f"❌ batch: lines 1–2 could not be committed: {reason}")
    assert (
        "Nothing was committed. Rolled back: lines 1–2 (not committed). Nothing after line 2 was run: "
        "send again from line 1." in result.stderr
    )
    assert _logs(location) == []
