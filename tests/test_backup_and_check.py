"""`backup DEST` and `check`: replies pinned by snapshots; neither changes, creates or migrates the source."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time

import pytest

from skill import maintenance
from stress import harness


def _dump(path) -> list:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def _digest(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@pytest.fixture
def seeded(run_cli, db_path):
    for argv in (
        ["create-session", "s_1", "parallel", "Backups"],
        ["log-interaction", "s_1", "pm", "Planned two groups", "1", "pm_main"],
        ["create-task-group", "group_a", "s_1", "Auth"],
        ["log-tokens", "s_1", "pm", "5000"],
        ["save-state", "s_1", "pm", '{"iteration": 1}'],
    ):
        assert run_cli(*argv).code == 0
    return db_path


# -- check ------------------------------------------------------------------------------------------------
def test_check_healthy_database(seeded, run_cli, snapshot):
    result = run_cli("check")
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert report["verdict"] == "ok" and report["integrity_check"] == "ok"
    assert report["tables"]["orchestration_logs"] == 1 and report["tables"]["sessions"] == 1
    for volatile in ("wal_file_bytes", "shm_file", "file_bytes", "pages", "free_pages"):
        report.pop(volatile)  # depend on what SQLite left after the last close
    assert (report, result.stderr) == snapshot


def test_check_text_view(seeded, run_cli):
    result = run_cli("check", "--format", "text")
    assert result.code == 0 and "verdict" in result.stdout and "integrity_check" in result.stdout


def test_check_never_creates_a_database(run_cli, db_path, snapshot):
    result = run_cli("check")
    assert result.code == 1 and result.stderr.startswith("❌ ")
    assert not db_path.exists() and not db_path.parent.exists()
    assert result == snapshot


def test_check_on_an_empty_file_changes_nothing(run_cli, db_path, snapshot):
    db_path.parent.mkdir()
    db_path.write_bytes(b"")
    result = run_cli("check")
    assert result.code == 0, result
    assert db_path.stat().st_size == 0
    assert sorted(os.listdir(db_path.parent)) == ["bazinga.db"]
    assert result == snapshot


def test_check_finds_corruption_and_changes_nothing(seeded, run_cli, snapshot):
    # Damage a page of the log table from outside: the kind of thing a bad disk or a bad copy does.
    for n in range(20):
        assert run_cli("log-interaction", "s_1", "developer", f"entry {n} " + "x" * 2000).code == 0
    with sqlite3.connect(seeded) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        root = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'idx_logs_session_seq'"
        ).fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    with open(seeded, "r+b") as file:
        file.seek((root - 1) * page_size + 8)
        file.write(b"\xff" * 64)
    before = _digest(seeded)
    result = run_cli("check")
    assert result.code == 1 and result.stdout == "" and result.stderr.startswith("❌ check: ")
    assert "failed the check" in result.stderr or "damaged" in result.stderr
    assert "Traceback" not in result.stderr
    assert _digest(seeded) == before
    assert result == snapshot


def test_check_reports_an_old_schema_without_migrating(run_cli, db_path):
    db_path.parent.mkdir()
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TABLE unrelated (x)")
    conn.close()
    result = run_cli("check")
    assert result.code == 0, result
    assert json.loads(result.stdout)["verdict"] == "ok: empty, not initialised yet"
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 0


# -- backup -----------------------------------------------------------------------------------------------
def test_backup_copies_everything(seeded, run_cli, tmp_path, snapshot):
    result = run_cli("backup", "backup.db")
    assert result.code == 0, result
    assert _dump(tmp_path / "backup.db") == _dump(seeded)
    assert run_cli("--db", "backup.db", "check").code == 0
    assert sorted(p for p in os.listdir(tmp_path) if p.startswith(".backup")) == []  # no temporary left
    assert result == snapshot


def test_backup_json_reply(seeded, run_cli, snapshot):
    result = run_cli("backup", "b.db", "--format", "json")
    assert result.code == 0
    assert json.loads(result.stdout)["result"]["integrity_check"] == "ok"
    assert result == snapshot


def test_backup_refuses_to_overwrite_without_force(seeded, run_cli, tmp_path, snapshot):
    (tmp_path / "backup.db").write_text("precious", encoding="utf-8")
    refused = run_cli("backup", "backup.db")
    assert refused.code == 1 and refused.stdout == ""
    assert (tmp_path / "backup.db").read_text(encoding="utf-8") == "precious"
    forced = run_cli("backup", "backup.db", "--force")
    assert forced.code == 0, forced
    assert _dump(tmp_path / "backup.db") == _dump(seeded)
    assert (refused, forced) == snapshot


def test_backup_with_force_drops_a_stale_wal_of_the_old_destination(seeded, run_cli, tmp_path):
    old = tmp_path / "old.db"
    assert run_cli("--db", str(old), "create-session", "other", "simple", "x").code == 0
    (tmp_path / "old.db-wal").write_bytes(os.urandom(5000))
    assert run_cli("backup", str(old), "--force").code == 0
    assert not (tmp_path / "old.db-wal").exists() or (tmp_path / "old.db-wal").stat().st_size == 0
    assert _dump(old) == _dump(seeded)


@pytest.mark.parametrize("case", ["itself", "folder", "missing-folder", "missing-source", "empty"])
def test_backup_refusals(case, run_cli, tmp_path, db_path, snapshot):
    if case != "missing-source":
        assert run_cli("create-session", "s_1", "simple", "x").code == 0
    destination = {
        "itself": "coordination/bazinga.db",
        "folder": "coordination",
        "missing-folder": "no/such/b.db",
        "missing-source": "b.db",
        "empty": "",
    }[case]
    result = run_cli("backup", destination)
    assert result.code in (1, 2) and result.stdout == "" and result.stderr.startswith("❌ backup: ")
    if case == "missing-source":
        assert not db_path.exists() and not (tmp_path / "b.db").exists()
    assert result == snapshot


@pytest.mark.slow
@pytest.mark.parametrize("step_pages", [2048, 1], ids=["default-steps", "one-page-steps"])
def test_backup_while_processes_write(tmp_path, run_cli, monkeypatch, step_pages):
    """Online backup during a write storm: each copy is complete and consistent, and no writer fails.

    With one page per step the copy takes hundreds of steps while the writers commit: every step must
    still read the snapshot of the first (one read transaction around them all)."""
    monkeypatch.setattr(maintenance, "BACKUP_STEP_PAGES", step_pages)
    db = str(tmp_path / "live.db")
    workers = [f"w{n}" for n in range(4)]
    harness.setup(db, workers)
    journals = [(str(tmp_path / f"{w}.journal"), w, 40, 5, False) for w in workers]
    children = [harness.spawn_worker(db, w, 40, 5, path) for path, w, *_ in journals]
    copies = []
    time.sleep(0.3)
    for n in range(4):
        result = run_cli("--db", db, "backup", f"copy{n}.db")
        assert result.code == 0, result
        copies.append(tmp_path / f"copy{n}.db")
        time.sleep(0.1)
    for child in children:
        child.wait(timeout=120)
    read = harness.read_journals(journals)
    assert not read.failed, read.failed
    verdict = harness.verify(db, read)
    assert verdict.ok, verdict
    previous = -1
    for copy in copies:
        check = run_cli("--db", str(copy), "check")
        assert check.code == 0, check
        with sqlite3.connect(copy) as conn:
            seqs = conn.execute(
                "SELECT session_id, COUNT(*), MAX(seq) FROM orchestration_logs GROUP BY session_id"
            ).fetchall()
            total = conn.execute("SELECT COUNT(*) FROM token_usage").fetchone()[0]
        conn.close()
        assert all(count == last for _, count, last in seqs)  # a snapshot: no gaps, no half transaction
        assert total >= previous
        previous = total
