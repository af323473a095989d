"""Progress and waiting, on stderr only: real processes, a real lock holder, a real terminal (pty).

- A write that waits for another process's write lock prints ``⏳ waiting for another writer… 5 s`` on
  stderr (whether or not stderr is a terminal), then succeeds; stdout is what it would have been.
- Long work (batch, import-session, export-session) draws one progress line on stderr when it is a
  terminal, rewritten in place with ``\\r`` and ended by a newline; nothing when it is not.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SCRIPT, run_script

from skill import pgstore

pytestmark = pytest.mark.slow  # real processes and real waits

HOLD_SQLITE = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""
HOLD_POSTGRES = f"""
import sys, time
import psycopg2
conn = psycopg2.connect(sys.argv[1])
conn.autocommit = True
conn.cursor().execute("SELECT pg_advisory_lock({pgstore.LOCK_CLASS}, {pgstore.WRITE_LOCK})")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
"""


def hold_write_lock(location: str, seconds: float) -> subprocess.Popen:
    """Another process holding the database's write lock for ``seconds`` (returns once it holds it)."""
    code = HOLD_POSTGRES if "://" in location else HOLD_SQLITE
    holder = subprocess.Popen(
        [sys.executable, "-c", code, location, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
    return holder


def cli_env(location: str) -> tuple[list[str], dict[str, str]]:
    if "://" in location:
        return [], {"BAZINGA_DB_URL": location}
    return ["--db", location], {}


def test_a_write_behind_another_writer_says_it_waits_then_succeeds(backend_location, tmp_path):
    db, env = cli_env(backend_location)
    created = run_script(*db, "create-session", "s1", "simple", "req", cwd=tmp_path, env=env)
    assert created.code == 0, created
    holder = hold_write_lock(backend_location, 7)
    started = time.monotonic()
    try:
        result = run_script(*db, "log-interaction", "s1", "pm", "after the wait", cwd=tmp_path, env=env)
    finally:
        holder.wait(timeout=30)
    waited = time.monotonic() - started
    assert result.code == 0, result
    assert result.stdout == "✓ Logged PM interaction for session s1\n"  # stdout unchanged by the wait
    assert result.stderr == "⏳ waiting for another writer… 5 s\n", result  # stderr was a pipe: still shown
    assert waited >= 6  # it really waited for the holder (the lock was held 7 s)
    logs = run_script(*db, "get-logs", "s1", cwd=tmp_path, env=env)
    assert [row["content"] for row in json.loads(logs.stdout)] == ["after the wait"]


def test_quiet_silences_the_waiting_notice(tmp_path):
    location = str(tmp_path / "q.db")
    assert run_script("--db", location, "create-session", "s1", "simple", "r", cwd=tmp_path).code == 0
    holder = hold_write_lock(location, 6)
    try:
        result = run_script("--db", location, "--quiet", "log-interaction", "s1", "pm", "x", cwd=tmp_path)
    finally:
        holder.wait(timeout=30)
    assert result == ("", "", 0)


# Draw from the first step: how long the work takes depends on the machine, what is drawn must not.
DRAW_AT_ONCE = {"BAZINGA_PROGRESS_AFTER": "0"}


def run_on_terminal(
    argv: list[str], cwd: Path, stdin: bytes = b"", env: dict[str, str] = DRAW_AT_ONCE
) -> tuple[bytes, bytes, int]:
    """Run the real script with stderr on a pseudo-terminal (stdout and stdin stay pipes)."""
    master, slave = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}
    environment.update(env)
    (cwd / "stdin.bin").write_bytes(stdin)
    with open(cwd / "stdin.bin", "rb") as source, open(cwd / "stdout.bin", "wb") as sink:
        process = subprocess.Popen(
            [sys.executable, str(SCRIPT), *argv],
            cwd=cwd,
            stdin=source,
            stdout=sink,
            stderr=slave,
            env=environment,
        )
    os.close(slave)
    terminal = b""
    while True:  # drain the terminal while the process runs (its buffer is small)
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the process closed its end
                break
            if not data:
                break
            terminal += data
        elif process.poll() is not None:
            break
    code = process.wait(timeout=60)
    os.close(master)
    return (cwd / "stdout.bin").read_bytes(), terminal.replace(b"\r\n", b"\n"), code


def batch_lines(count: int) -> bytes:
    line = {"command": "log-interaction", "args": {"session_id": "s1", "agent_type": "pm", "content": "x"}}
    first = {"command": "create-session", "args": {"session_id": "s1", "mode": "simple", "requirements": "r"}}
    return "".join(json.dumps(x) + "\n" for x in [first] + [line] * count).encode()


def test_batch_draws_a_progress_line_on_a_terminal_and_nothing_elsewhere(tmp_path):
    lines = batch_lines(50_000)
    # The default delay (nothing drawn in the first second) is kept here: 50,000 lines take longer.
    out, terminal, code = run_on_terminal(
        ["--db", "t.db", "batch", "--per-transaction", "500"], tmp_path, lines, env={}
    )
    assert code == 0, terminal
    text = terminal.decode()
    drawn = re.findall(r"\r… ([\d,]+) lines, (\d+) s\x1b\[K", text)  # in place, erasing the line's rest
    assert drawn, text
    counts = [int(n.replace(",", "")) for n, _ in drawn]
    assert counts == sorted(counts) and counts[-1] <= 50_001 and int(drawn[0][1]) >= 1
    # the line is ended by a newline, so the closing ✓ line starts on its own line
    assert text.endswith("\x1b[K\n✓ batch: 50001 operations in 101 transactions, all committed\n"), text
    piped = run_script(
        "--db", "p.db", "batch", "--per-transaction", "500", cwd=tmp_path, stdin=lines, env=DRAW_AT_ONCE
    )
    assert piped.code == 0 and "\r" not in piped.stderr and "…" not in piped.stderr
    stamp = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+Z")
    assert stamp.sub("T", out.decode()) == stamp.sub("T", piped.stdout)  # stdout: the same, terminal or not


def test_import_and_export_of_a_big_session_show_progress_on_a_terminal(tmp_path):
    from test_transfer_big import big_document, export_text

    (tmp_path / "big.json").write_text(export_text(big_document(60_000)), encoding="utf-8")
    out, terminal, code = run_on_terminal(["--db", "t.db", "import-session", "big.json"], tmp_path)
    assert code == 0, terminal
    text = terminal.decode()
    assert " rows, " in text and text.count("\r") >= 1 and "\x1b[K\n" in text
    assert out.decode().startswith("✓ Imported session bazinga_big_1 from big.json (1 session, 60000 log")
    out, terminal, code = run_on_terminal(["--db", "t.db", "export-session", "bazinga_big_1"], tmp_path)
    assert code == 0, terminal
    assert out.decode() == (tmp_path / "big.json").read_text(encoding="utf-8")  # stdout: the export only
    assert b"\r\xe2\x80\xa6 " in terminal and terminal.endswith(b"\x1b[K\n")


def test_import_files_shows_the_log_entries_read_on_a_terminal(tmp_path):
    from test_transfer_big import big_document

    from skill import transfer

    folder = tmp_path / "coordination"
    folder.mkdir()
    log = transfer.markdown_from_document(big_document(60_000))
    (folder / "orchestration-log.md").write_text(log, encoding="utf-8")
    out, terminal, code = run_on_terminal(["import-files", "coordination"], tmp_path)
    assert code == 0, terminal
    drawn = re.findall(r"\r… ([\d,]+) log entries read, \d+ s\x1b\[K", terminal.decode())
    assert drawn and all(int(n.replace(",", "")) % 5_000 == 0 for n in drawn), terminal
    assert b"\x1b[K\n" in terminal  # ended before the closing lines
    assert out.decode().startswith("✓ Imported 60001 new rows from coordination")
    piped = run_script("--db", "again.db", "import-files", "coordination", cwd=tmp_path, env=DRAW_AT_ONCE)
    assert piped.code == 0 and "\r" not in piped.stderr


def test_backup_reports_the_pages_copied_to_api_users(tmp_path, monkeypatch):
    from skill import maintenance
    from skill.api import BazingaDB

    monkeypatch.setattr(maintenance, "BACKUP_STEP_PAGES", 2)
    seen: list = []
    with BazingaDB(tmp_path / "a.db", on_notice=seen.append) as db:
        db.create_session("s1", "simple", "r")
        for n in range(200):
            db.log_interaction("s1", "pm", f"entry {n} " * 20)
        seen.clear()
        result = db.backup(str(tmp_path / "copy.db"))
    progress = [n.message for n in seen if n.kind == "progress"]
    pages = int(progress[-1].split(" of ")[1].split()[0].replace(",", ""))
    assert pages > 10 and len(progress) == -(-pages // 2)  # one per step of 2 pages
    assert progress[-1] == f"100% of {pages:,} pages copied"
    assert result["integrity_check"] == "ok" and result["tables"]["orchestration_logs"] == 200
