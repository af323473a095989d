"""The output boundary's rule (issue 12, item 6): a write that committed reports its ✓ on whatever channel
still works and exits 0 (a retry would duplicate it); a read whose result could not be written exits 1
with a ❌ (retrying it is safe). Real processes with stdout or stderr closed (`>&-`, `2>&-`) or full
(/dev/full), as agents' shells produce them. Also init_db.py's command line (item 8 and 13)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from conftest import ROOT, SCRIPT

INIT = ROOT / "scripts" / "init_db.py"


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}


def _run(args: list[str], tmp_path, stdout="pipe", stderr="pipe", stdin: bytes = b"", script=SCRIPT):
    """Run the script with stdout/stderr 'pipe', 'closed' or 'full'; returns (code, stdout, stderr)."""
    streams = {}
    opened = []
    for name, how in (("stdout", stdout), ("stderr", stderr)):
        if how == "pipe":
            streams[name] = subprocess.PIPE
        elif how == "full":
            handle = open("/dev/full", "wb")
            opened.append(handle)
            streams[name] = handle
        else:
            streams[name] = None
    close_fds = [fd for fd, how in ((1, stdout), (2, stderr)) if how == "closed"]

    def close_them() -> None:
        for fd in close_fds:
            os.close(fd)

    try:
        done = subprocess.run(
            [sys.executable, str(script), *args],
            cwd=tmp_path,
            input=stdin,
            env=_env(),
            preexec_fn=close_them,
            timeout=120,
            **streams,
        )
    finally:
        for handle in opened:
            handle.close()
    decode = lambda data: (data or b"").decode("utf-8")  # noqa: E731
    return done.returncode, decode(done.stdout), decode(done.stderr)


def _logs(tmp_path) -> list[str]:
    conn = sqlite3.connect(tmp_path / "b.db")
    try:
        return [r[0] for r in conn.execute("SELECT content FROM orchestration_logs ORDER BY id")]
    finally:
        conn.close()


@pytest.fixture
def session(tmp_path):
    assert _run(["--db", "b.db", "create-session", "s_1", "simple", "x"], tmp_path)[0] == 0
    return tmp_path


WRITES = {
    "log-interaction": (["log-interaction", "s_1", "pm", "written"], b"", "✓ Logged PM interaction"),
    "json-format": (["--format", "json", "log-interaction", "s_1", "pm", "written"], b"", '{"ok":true'),
    "batch": (
        ["batch"],
        b'{"command": "log-interaction", "args": {"session_id": "s_1", "agent_type": "pm", '
        b'"content": "written"}}\n',
        '{"line":1,"ok":true',
    ),
    "request": (["request", "please log this PM interaction:\nSession ID: s_1\nContent: written"], b"", "✓"),
}


@pytest.mark.slow
@pytest.mark.parametrize("how", ["closed", "full"])
@pytest.mark.parametrize("command", sorted(WRITES))
def test_a_committed_write_says_so_on_stderr_and_exits_0_when_stdout_fails(command, how, session):
    args, stdin, shown = WRITES[command]
    code, _, stderr = _run(["--db", "b.db", *args], session, stdout=how, stdin=stdin)
    assert code == 0, stderr
    assert "standard output could not be written" in stderr and shown in stderr
    assert "internal error" not in stderr and "Traceback" not in stderr
    assert _logs(session) == ["written"]


@pytest.mark.slow
@pytest.mark.parametrize("how", ["closed", "full"])
def test_a_write_with_a_failing_stderr_still_prints_its_check_and_exits_0(how, session):
    code, stdout, _ = _run(
        ["--db", "b.db", "--auto-create-session", "log-interaction", "s_new", "pm", "written"],
        session,
        stderr=how,
    )
    assert code == 0 and stdout.startswith("✓ Logged PM interaction for session s_new")
    assert _logs(session) == ["written"]


@pytest.mark.slow
def test_with_both_streams_closed_a_committed_write_still_exits_0(session):
    code, _, _ = _run(
        ["--db", "b.db", "log-interaction", "s_1", "pm", "written"], session, "closed", "closed"
    )
    assert code == 0 and _logs(session) == ["written"]


@pytest.mark.slow
@pytest.mark.parametrize("how", ["closed", "full"])
def test_a_read_whose_result_is_lost_fails_so_it_can_be_retried(how, session, snapshot):
    code, _, stderr = _run(["--db", "b.db", "get-session", "s_1"], session, stdout=how)
    assert (code, stderr) == snapshot


@pytest.mark.slow
def test_a_reader_that_leaves_early_is_not_a_failure(session):
    for _ in range(30):
        _run(["--db", "b.db", "log-interaction", "s_1", "pm", "x" * 5000], session)
    head = subprocess.Popen(["head", "-c", "10"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--db", "b.db", "get-logs", "s_1"],
        cwd=session,
        stdout=head.stdin,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    head.stdin.close()
    head.wait()
    assert done.returncode == 0 and done.stderr == b""


@pytest.mark.slow
def test_a_closed_stdout_never_lands_in_the_database(session):
    """With fd 1 closed, the first file the process opens could become fd 1 and receive what is printed."""
    for n in range(3):
        code, _, _ = _run(["--db", "b.db", "log-interaction", "s_1", "pm", f"n{n}"], session, stdout="closed")
        assert code == 0
    conn = sqlite3.connect(session / "b.db")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert _logs(session) == ["n0", "n1", "n2"]


# -- init_db.py -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [[""], ["--bogus"], ["a.db", "b.db"], ["-x", "a.db"]],
    ids=["empty", "unknown-option", "two-paths", "short-option"],
)
def test_init_db_refuses_what_it_cannot_understand(argv, tmp_path, snapshot):
    code, stdout, stderr = _run(argv, tmp_path, script=INIT)
    assert (code, stdout, stderr) == snapshot
    assert sorted(os.listdir(tmp_path)) == [], "nothing is created"


def test_init_db_takes_a_dashed_name_after_double_dash(tmp_path):
    code, stdout, _ = _run(["--", "-odd.db"], tmp_path, script=INIT)
    assert code == 0 and stdout.startswith("✓ Database created at -odd.db")


@pytest.mark.slow
def test_init_db_reports_a_created_database_even_when_stdout_is_full(tmp_path):
    code, _, stderr = _run(["new.db"], tmp_path, stdout="full", script=INIT)
    assert code == 0 and "✓ Database created at new.db" in stderr
    assert (
        json.loads(
            subprocess.run(
                [sys.executable, str(SCRIPT), "--db", "new.db", "list-sessions"],
                cwd=tmp_path,
                capture_output=True,
            ).stdout
        )
        == []
    )


@pytest.mark.slow
@pytest.mark.parametrize("how", ["closed", "full"])
def test_the_mcp_server_stops_with_a_report_when_stdout_fails(how, session):
    """Found by the fuzzer's closed-streams class: `mcp` with stdout on /dev/full was an internal error."""
    hello = (
        b'{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", '
        b'"capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}\n'
    )
    code, _, stderr = _run(["--db", "b.db", "mcp"], session, stdout=how, stdin=hello)
    assert code == 1, stderr
    assert (
        stderr.startswith("❌ mcp: standard output could not be written (") and "the server stopped" in stderr
    )
    assert "internal error" not in stderr
