"""Crash safety: processes SIGKILLed mid-write and mid-migration lose nothing acknowledged, leave nothing
half-written, and the next command works without repair. The full run is `python3 stress/crash.py`."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest
from conftest import run_script

from skill.vocabulary import MAX_TEXT_BYTES
from stress import crash

pytestmark = pytest.mark.slow  # real processes, killed


def test_writers_killed_at_random_moments(tmp_path):
    figures = crash.kill_rounds(str(tmp_path), rounds=3, writers=3, seed=5, latest_kill=0.9)
    assert figures["writers_killed"] >= 1
    assert crash.clean({**figures, "migration_problems": 0}), figures
    assert figures["writes_acked"] > 0


@pytest.mark.parametrize("mode", ["initial", "new-step"])
def test_process_killed_in_the_middle_of_a_migration(tmp_path, mode):
    db = str(tmp_path / "m.db")
    if mode == "new-step":
        crash.harness.setup(db, ["m0", "m1"])
    assert crash.kill_paused_migration(db, mode) == []


def test_init_db_killed_at_random_moments(tmp_path):
    figures = crash.migration_kills(str(tmp_path), random_kills=4, seed=3)
    assert figures["migration_problems"] == 0, figures["migration_examples"]


HOT_JOURNAL_WRITER = textwrap.dedent("""
    import os, signal, sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA cache_size = 1")                  # spill changed pages into the file itself
    conn.execute("BEGIN IMMEDIATE")
    for n in range(200):
        conn.execute("INSERT INTO orchestration_logs (session_id, seq, timestamp, agent_type, content) "
                     "VALUES ('s_1', 1000 + ?, '2025-01-01T00:00:00.000000Z', 'pm', ?)", (n, "y" * 3000))
    os.kill(os.getpid(), signal.SIGKILL)
""")


@pytest.mark.parametrize("command", [["list-sessions"], ["get-logs", "s_1"], ["check"]])
def test_reads_recover_a_hot_journal_left_by_a_killed_process(tmp_path, run_cli, command):
    """Regression: a process killed mid-transaction in rollback-journal mode (as while a new file is switched
    to WAL) left a hot -journal; every read then failed with "attempt to write a readonly database" until some
    write came along. Reads now let SQLite roll the journal back first."""
    db = tmp_path / "bazinga.db"
    assert run_cli("--db", str(db), "create-session", "s_1", "simple", "x").code == 0
    assert run_cli("--db", str(db), "log-interaction", "s_1", "pm", "committed").code == 0
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    child = subprocess.run([sys.executable, "-c", HOT_JOURNAL_WRITER, str(db)], capture_output=True)
    assert child.returncode == -signal.SIGKILL
    assert os.path.getsize(f"{db}-journal") > 0
    result = run_script("--db", str(db), *command, cwd=tmp_path)
    assert result.code == 0, result
    assert "Traceback" not in result.stderr
    logs = run_cli("--db", str(db), "get-logs", "s_1")
    assert [entry["content"] for entry in json.loads(logs.stdout)] == ["committed"]
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_import_session_killed_at_random_moments(tmp_path):
    """Issue 12, item 5: an export larger than one payload may be (the cap the import had before it
    streamed), imported while being SIGKILLed: the session is then absent or complete, never half there,
    and importing again works."""
    size = 2 * MAX_TEXT_BYTES
    figures = crash.import_kills(str(tmp_path), kills=3, seed=2, size=size)
    assert figures["import_problems"] == 0, figures["import_examples"]
    assert figures["import_bytes"] > 0.9 * size


def test_backup_killed_at_random_moments_leaves_nothing_behind(tmp_path):
    """Issue 12, item 13: a SIGKILLed backup left its temporary file and -wal/-shm forever."""
    figures = crash.backup_kills(str(tmp_path), kills=3, seed=2)
    assert figures["backup_problems"] == 0, figures["backup_examples"]
