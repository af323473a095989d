"""Many real processes on one database: nothing acknowledged is lost, nothing is written twice.

The small versions of `stress/stress.py` run here; the full run (16 x 500) is the script itself.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

import pytest
from conftest import SCRIPT

from skill import migrations
from stress.stress import clean, run_stress

pytestmark = pytest.mark.slow  # real processes
BACKENDS = ("sqlite", "postgres")  # the conformance suite: every test runs on both (tests/conftest.py)

EXPECTED_TABLES = {*migrations.SPEC_TABLES, "token_totals"}  # token_totals: migration 2, kept by triggers


def _assert_clean(figures):
    assert clean(figures), figures
    assert figures["locked_failures"] == 0 and figures["tracebacks"] == 0


def test_eight_processes_mixed_writes_and_reads(tmp_path, location):
    """8 processes x 30 operations (logs, tokens, state, increments, skill outputs, reads) through run()."""
    _assert_clean(run_stress(str(tmp_path), procs=8, ops=30, seed=7, db=location))


def test_eight_processes_running_the_real_script(tmp_path, location):
    """The same, each operation a fresh `python3 scripts/bazinga_db.py` process as agents run it."""
    _assert_clean(run_stress(str(tmp_path), procs=8, ops=4, seed=3, mode="subprocess", db=location))


def test_stalled_batch_producers_lock_no_writer_out(tmp_path, location):
    """Two batches whose producers stall with their input open through the whole run (issue 12, item 3)."""
    figures = run_stress(str(tmp_path), procs=4, ops=20, seed=5, stalled=2, db=location)
    _assert_clean(figures)
    assert figures["stalled_producers"] == 2 and figures["stalled_producer_problems"] == 0


def test_big_payloads_under_contention(tmp_path, location):
    """Payloads of 2-60 KB make each commit longer, so writers queue behind each other."""
    _assert_clean(run_stress(str(tmp_path), procs=4, ops=12, seed=11, big=True, db=location))


def race_create_session(db: str, count: int = 8) -> list[tuple[int, str, str]]:
    """``count`` real script processes that wait for the same moment, then each create a session in
    ``db`` (a path or a URL), so that their first opens really overlap; (exit code, stdout, stderr) each."""
    go = time.time() + 1.0
    # Each child waits for the same moment, then runs the real script, so the opens really overlap.
    code = (
        "import subprocess,sys,time; time.sleep(max(0, {go} - time.time())); "
        "r = subprocess.run([sys.executable, {script!r}, '--db', {db!r}, 'create-session', {sid!r}, "
        "'simple', 'race'], capture_output=True); "
        "sys.stdout.buffer.write(r.stdout); sys.stderr.buffer.write(r.stderr); sys.exit(r.returncode)"
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code.format(go=go, script=str(SCRIPT), db=db, sid=f"s{n}")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for n in range(count)
    ]
    return [(c.wait(timeout=120), c.stdout.read().decode(), c.stderr.read().decode()) for c in children]


@pytest.mark.parametrize("start", ["missing", "empty-file"])  # SQLite files (PostgreSQL: test_postgres.py)
def test_eight_processes_racing_to_create_the_database(tmp_path, start):
    db = tmp_path / "coordination" / "bazinga.db"  # the default layout: its folder is made by the race
    if start == "empty-file":
        db.parent.mkdir()
        db.write_bytes(b"")
    results = race_create_session(str(db))
    for code_, out, err in results:
        assert code_ == 0, err
        assert out.startswith("✓ Session created: s"), out
        assert "Traceback" not in err
    assert sum("auto-initialized" in err for _, _, err in results) == 1  # the schema was applied once
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        assert sorted(tables) == sorted(EXPECTED_TABLES)
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 8
