"""N MCP servers and M CLI processes writing to one database at once: nothing acknowledged is lost.

Each server is a real `bazinga_db.py mcp` process holding its store open for the whole run, its requests
pipelined; each CLI writer runs one `bazinga_db.py` process per write, as agents do. Every writer logs
interactions, logs tokens and increments one task group's revision count (a read-modify-write: a lost
update would show as a smaller count). Afterwards every acknowledged write is in the database exactly once.
On both backends (BACKENDS): on PostgreSQL the servers and the CLI processes share one fresh schema.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest
from conftest import BOTH, SCRIPT, sql_rows
from mcp_steps import Pipe

pytestmark = pytest.mark.slow
BACKENDS = BOTH

SERVERS, SERVER_WRITES = 3, 40  # each write: a log, tokens, an increment
CLIS, CLI_WRITES = 3, 6
SESSION = "bazinga_concurrent"


def _setup(db: str, folder) -> None:
    for argv in (
        ["create-session", SESSION, "parallel", "concurrency"],
        ["create-task-group", "group_a", SESSION, "Shared group"],
    ):
        subprocess.run(
            [sys.executable, str(SCRIPT), "--db", db, *argv], cwd=folder, check=True, capture_output=True
        )


def _server_requests(server: int) -> list[dict]:
    calls = []
    for n in range(SERVER_WRITES):
        who = f"mcp{server}"
        calls += [
            (
                "log_interaction",
                {"session_id": SESSION, "agent_type": "developer", "content": f"{who}-{n}", "agent_id": who},
            ),
            ("log_tokens", {"session_id": SESSION, "agent_type": "developer", "tokens": 10, "agent_id": who}),
            ("update_task_group", {"group_id": "group_a", "session_id": SESSION, "increment_revision": True}),
        ]
    return [
        {"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}
        for i, (tool, arguments) in enumerate(calls, 1)
    ]


def _cli_writer(db: str, folder, writer: int, failures: list) -> None:
    who = f"cli{writer}"
    for n in range(CLI_WRITES):
        for argv in (
            ["log-interaction", SESSION, "qa", f"{who}-{n}", "1", who],
            ["log-tokens", SESSION, "qa", "10", who],
            ["update-task-group", "group_a", "--session", SESSION, "--increment-revision"],
        ):
            done = subprocess.run(
                [sys.executable, str(SCRIPT), "--db", db, *argv], cwd=folder, capture_output=True, timeout=120
            )
            if done.returncode != 0:
                failures.append((argv, done.stderr.decode()))


def test_servers_and_cli_processes_lose_nothing(tmp_path, location, backend):
    db = location
    _setup(db, tmp_path)
    servers = [Pipe(sys.executable, tmp_path, db=db) for _ in range(SERVERS)]
    failures: list = []
    try:
        for server in servers:
            server.ask({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {}})
        writers = [
            threading.Thread(target=_cli_writer, args=(db, tmp_path, w, failures)) for w in range(CLIS)
        ]
        for writer in writers:
            writer.start()
        # every server gets all its requests at once (pipelined), while the CLI writers run
        for number, server in enumerate(servers):
            server.send(b"".join(json.dumps(r).encode() + b"\n" for r in _server_requests(number)))
        answers = [[server.read() for _ in range(SERVER_WRITES * 3)] for server in servers]
        for writer in writers:
            writer.join()
        for server in servers:
            assert server.close()[1:] == (b"", 0)
    finally:
        for server in servers:
            if server.process.poll() is None:
                server.process.kill()
    assert failures == []
    for replies in answers:
        assert [r["id"] for r in replies] == list(range(1, SERVER_WRITES * 3 + 1))
        errors = [r for r in replies if r["result"]["isError"]]
        assert errors == []
    acknowledged = SERVERS * SERVER_WRITES + CLIS * CLI_WRITES
    contents = [row[0] for row in sql_rows(db, "SELECT content FROM orchestration_logs")]
    expected = [f"mcp{s}-{n}" for s in range(SERVERS) for n in range(SERVER_WRITES)]
    expected += [f"cli{w}-{n}" for w in range(CLIS) for n in range(CLI_WRITES)]
    assert sorted(contents) == sorted(expected)  # each exactly once
    seqs = [row[0] for row in sql_rows(db, "SELECT seq FROM orchestration_logs ORDER BY seq")]
    assert seqs == list(range(1, acknowledged + 1))
    tokens = sql_rows(db, "SELECT SUM(tokens_estimated), COUNT(*) FROM token_usage")[0]
    assert tokens == (10 * acknowledged, acknowledged)
    revision = sql_rows(db, "SELECT revision_count FROM task_groups WHERE id = 'group_a'")[0][0]
    assert revision == acknowledged  # no lost update among the increments
    if backend == "sqlite":
        assert sql_rows(db, "PRAGMA integrity_check") == [("ok",)]
