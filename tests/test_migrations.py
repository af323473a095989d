"""Schema and migrations: a fresh file, an empty file, a newer file, and the schema itself pinned."""

from __future__ import annotations

import sqlite3

import pytest

from skill import migrations
from skill.api import BazingaDB
from skill.errors import DatabaseUnusable


def _schema(path) -> list:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
            "ORDER BY type, name"
        ).fetchall()


def test_fresh_schema_is_pinned(db, db_path, snapshot):
    db.initialize()
    assert _schema(db_path) == snapshot
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_spec_tables_and_columns_keep_their_names(db, db_path):
    db.initialize()
    expected = {
        "sessions": {
            "session_id",
            "start_time",
            "end_time",
            "mode",
            "original_requirements",
            "status",
            "created_at",
        },
        "orchestration_logs": {
            "id",
            "session_id",
            "timestamp",
            "iteration",
            "agent_type",
            "agent_id",
            "content",
        },
        "state_snapshots": {"id", "session_id", "timestamp", "state_type", "state_data"},
        "task_groups": {
            "id",
            "session_id",
            "name",
            "status",
            "assigned_to",
            "revision_count",
            "last_review_status",
            "created_at",
            "updated_at",
        },
        "token_usage": {"id", "session_id", "timestamp", "agent_type", "agent_id", "tokens_estimated"},
        "skill_outputs": {"id", "session_id", "timestamp", "skill_name", "output_data"},
        "configuration": {"key", "value", "updated_at"},
        "decisions": {"id", "session_id", "timestamp", "iteration", "decision_type", "decision_data"},
    }
    with sqlite3.connect(db_path) as conn:
        for table, columns in expected.items():
            present = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
            assert columns <= present, (table, columns - present)


def test_empty_file_is_initialised_on_first_write(db_path):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"")
    seen: list = []
    db = BazingaDB(db_path, on_notice=seen.append)
    db.create_session("s1", "simple", "x")
    assert [n.kind for n in seen] == ["initialized"]
    db.close()
    assert _schema(db_path)


def test_empty_file_is_refused_by_reads_without_being_touched(db_path):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"")
    with pytest.raises(DatabaseUnusable) as error:
        BazingaDB(db_path).list_sessions()
    assert "empty (not initialised)" in error.value.message
    assert db_path.read_bytes() == b""


def test_newer_database_is_refused_untouched(db_path):
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TABLE future (x)")
        conn.execute(f"PRAGMA user_version = {migrations.LATEST_VERSION + 1}")
    before = db_path.read_bytes()
    for action in (lambda d: d.create_session("s1", "simple", "x"), lambda d: d.list_sessions()):
        with pytest.raises(DatabaseUnusable) as error:
            action(BazingaDB(db_path))
        assert "newer than this skill understands" in error.value.message
    assert db_path.read_bytes() == before


def test_migrations_are_numbered_in_order():
    assert [m.version for m in migrations.MIGRATIONS] == list(range(1, len(migrations.MIGRATIONS) + 1))


def test_upgrade_from_every_earlier_version(tmp_path):
    """Each earlier version (built by applying the first k steps) upgrades to the latest schema."""
    fresh = tmp_path / "fresh.db"
    BazingaDB(fresh).initialize()
    for k in range(1, len(migrations.MIGRATIONS)):
        path = tmp_path / f"v{k}.db"
        with sqlite3.connect(path, isolation_level=None) as conn:
            for step in migrations.MIGRATIONS[:k]:
                step.apply(conn)
                conn.execute(f"PRAGMA user_version = {step.version}")
        db = BazingaDB(path)
        result = db.initialize()
        assert result["version"] == migrations.LATEST_VERSION
        assert len(result["applied"]) == len(migrations.MIGRATIONS) - k
        assert _schema(path) == _schema(fresh)
