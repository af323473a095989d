"""`copy-to`: a SQLite file moved to a PostgreSQL server and back in one command, verified row for row;
a target holding rows refused unless --force; the source never changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import dump, sql_rows

from skill import transfer
from skill.api import BazingaDB
from skill.storage import redact

pytestmark = pytest.mark.postgres
SAMPLE = Path(__file__).resolve().parent / "legacy_sample" / "sample-coordination"


@pytest.fixture
def sqlite_source(tmp_path):
    """The legacy sample imported into a SQLite file (two sessions, every table), plus one more group."""
    path = str(tmp_path / "source.db")
    with BazingaDB(path) as db:
        transfer.import_files(db, str(SAMPLE))
        db.create_task_group("zz_first_written_last", "bazinga_20251112_140207", "order check")
        db.log_tokens("bazinga_20251112_140207", "pm", 77)
    return path


def _exports(location: str) -> dict:
    with BazingaDB(location) as db:
        return {s["session_id"]: transfer.export_session(db, s["session_id"]) for s in db.list_sessions(100)}


def _ids(location: str, table: str) -> list:
    return sql_rows(location, f"SELECT id FROM {table} ORDER BY id")


def test_sqlite_to_postgresql_and_back_is_lossless(sqlite_source, pg_url, tmp_path, run_cli):
    before = dump(sqlite_source)
    up = run_cli("--db", sqlite_source, "copy-to", pg_url, "--format", "json", raw=True)
    assert up.code == 0, up
    report = json.loads(up.stdout)["result"]
    assert report["verified"] is True and report["replaced"] == 0
    assert report["rows"] == sum(len(rows) for table, rows in before.items() if table != "token_totals")
    assert dump(sqlite_source) == before, "the source was changed"
    assert _exports(pg_url) == _exports(sqlite_source)
    for table in ("orchestration_logs", "token_usage", "decisions"):
        assert _ids(pg_url, table) == _ids(sqlite_source, table)
    back = str(tmp_path / "back.db")
    down = run_cli("--db", pg_url, "copy-to", back)
    assert down.code == 0 and down.stdout.startswith(f"✓ Copied {report['rows']} rows to back.db")
    assert dump(back) == before
    # the copies keep working: new ids continue after the copied ones
    with BazingaDB(pg_url) as db:
        entry = db.log_interaction("bazinga_20251112_140207", "pm", "after the move")
    assert entry["id"] == _ids(sqlite_source, "orchestration_logs")[-1][0] + 1


def test_a_target_holding_rows_is_refused_unless_forced(sqlite_source, pg_url, run_cli):
    with BazingaDB(pg_url) as db:
        db.create_session("other", "simple", "already here")
    before = dump(pg_url)
    refused = run_cli("--db", sqlite_source, "copy-to", pg_url, raw=True)
    assert refused.code == 1 and dump(pg_url) == before
    assert (refused.stdout, refused.stderr) == (
        "",
        f"❌ copy-to: {redact(pg_url)} already holds 1 row; nothing was copied\n"
        "   Copy into an empty database, or add --force to replace its rows with the source's.\n",
    )
    forced = run_cli("--db", sqlite_source, "copy-to", pg_url, "--force")
    assert forced.code == 0, forced
    assert _exports(pg_url) == _exports(sqlite_source)  # "other" is gone: replaced, not merged


def test_refusals_leave_both_databases_alone(sqlite_source, pg_url, run_cli, tmp_path, pg_admin):
    before = dump(sqlite_source)
    same = run_cli("--db", sqlite_source, "copy-to", sqlite_source)
    assert same.code == 2 and "is the database itself" in same.stderr
    missing = run_cli("--db", str(tmp_path / "none.db"), "copy-to", pg_url)
    assert missing.code == 1 and "no database at" in missing.stderr and dump(pg_url) == {}
    with BazingaDB(pg_url) as db:
        db.initialize()
    schema = sql_rows(pg_url, "SELECT current_schema()")[0][0]
    with pg_admin.cursor() as cursor:
        cursor.execute(f"INSERT INTO {schema}.bazinga_migrations VALUES (9, 'future', 'later')")
    newer = run_cli("--db", sqlite_source, "copy-to", pg_url)
    assert newer.code == 1 and "schema version 9, newer than this skill understands" in newer.stderr
    assert sql_rows(pg_url, "SELECT COUNT(*) FROM sessions") == [(0,)]
    assert dump(sqlite_source) == before
