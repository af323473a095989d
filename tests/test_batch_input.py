"""`batch` input (issue 12, items 3, 8 and 9): a stalled producer never holds the write lock, a line is read
by the same strict JSON reader as every other input (duplicate keys, deep nesting, huge numbers refused)."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys

import pytest
from conftest import SCRIPT


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}


def _line(command: str, **args) -> bytes:
    return (json.dumps({"command": command, "args": args}) + "\n").encode()


@pytest.mark.slow
def test_a_stalled_producer_locks_no_other_writer_out(tmp_path):
    db = str(tmp_path / "b.db")
    base = [sys.executable, str(SCRIPT), "--db", db]
    assert (
        subprocess.run([*base, "create-session", "s_1", "simple", "x"], capture_output=True).returncode == 0
    )
    batch = subprocess.Popen(
        [*base, "batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env()
    )
    try:
        batch.stdin.write(_line("log-interaction", session_id="s_1", agent_type="pm", content="first"))
        batch.stdin.flush()
        # The producer now stalls (the pipe stays open). Line 1 is committed and its result printed...
        ready, _, _ = select.select([batch.stdout], [], [], 30)
        assert ready, "line 1 was not committed while the producer paused"
        first = json.loads(batch.stdout.readline())
        assert first["line"] == 1 and first["ok"] is True
        # ...and another writer is not locked out (before the fix it waited 151 s, then failed).
        other = subprocess.run(
            [*base, "log-interaction", "s_1", "qa", "meanwhile"],
            capture_output=True,
            env=_env(),
            timeout=20,
        )
        assert other.returncode == 0, other.stderr.decode()
        batch.stdin.write(_line("log-interaction", session_id="s_1", agent_type="dev", content="second"))
        batch.stdin.close()
        assert batch.wait(60) == 0
        rest = batch.stdout.read().decode().splitlines()
        assert [json.loads(line)["line"] for line in rest] == [2]
    finally:
        batch.kill()
        batch.wait()
    listed = subprocess.run([*base, "get-logs", "s_1"], capture_output=True, env=_env())
    assert [e["content"] for e in json.loads(listed.stdout)] == ["second", "meanwhile", "first"]


def test_a_fast_producer_still_fills_whole_transactions(run_cli):
    """Lines already available are grouped N per transaction (the chunk waits only for a pause)."""
    assert run_cli("create-session", "s_1", "simple", "x").code == 0
    lines = "".join(
        _line("log-tokens", session_id="s_1", agent_type="pm", tokens=n).decode() for n in range(1, 251)
    )
    result = run_cli("batch", "--per-transaction", "100", stdin=lines)
    assert result.code == 0
    assert "250 operations in 3 transactions, all committed" in result.stderr


@pytest.mark.parametrize(
    "line, problem",
    [
        (
            '{"command": "log-interaction", "args": {"session_id": "s_1", "agent_type": "pm", '
            '"content": "x"}, "command": "update-session-status"}',
            'the key "command" appears twice in the same object',
        ),
        (
            '{"command": "log-tokens", "args": {"session_id": "s_1", "agent_type": "pm", "tokens": 5,'
            ' "tokens": 7}}',
            'the key "tokens" appears twice',
        ),
        ('{"command": "get-session", "args": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested more than"),
        (
            '{"command": "log-tokens", "args": {"session_id": "s_1", "agent_type": "pm", "tokens": '
            + "9" * 5000
            + "}}",
            "an integer of 5,000 digits is too long",
        ),
        ('{"command": "get-session", "args": {"session_id": NaN}}', "NaN is not a JSON number"),
    ],
    ids=["duplicate-command", "duplicate-arg", "100k-deep", "5000-digits", "nan"],
)
def test_a_line_is_read_as_strictly_as_every_other_input(line, problem, run_cli):
    assert run_cli("create-session", "s_1", "simple", "x").code == 0
    result = run_cli("batch", stdin=line + "\n")
    assert result.code == 2, result
    assert result.stderr.startswith("❌ batch: line 1 is not valid JSON (")
    assert problem in result.stderr and "internal error" not in result.stderr
    assert json.loads(run_cli("get-logs", "s_1").stdout) == []
    assert json.loads(run_cli("token-summary", "s_1").stdout) == {"total": 0}


def test_an_endless_line_is_refused_without_reading_it_all(run_cli, tmp_path):
    assert run_cli("create-session", "s_1", "simple", "x").code == 0
    result = run_cli("batch", "/dev/zero")
    assert result.code == 2 and "a line is longer than 8,388,608 bytes" in result.stderr, result
