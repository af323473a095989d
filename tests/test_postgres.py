"""What only the PostgreSQL backend has: its schema and migration records, concurrent first use, a newer
database refused untouched, read-only `query` enforced by the server, URLs without passwords in messages,
the missing driver, check/backup, and what the two backends must agree on column for column.

Every test here runs against the real test server (tests/pg_server.py; see conftest.py's pg_url).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from conftest import ROOT, dump, run_script, sql_rows
from test_concurrency import race_create_session

from skill import migrations, pg_migrations
from skill.api import BazingaDB
from skill.errors import DatabaseUnusable, NoDatabase, QueryRefused
from skill.storage import redact

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(pg_url):
    database = BazingaDB(pg_url)
    database.create_session("s1", "simple", "PostgreSQL")
    yield database
    database.close()


def _columns_sqlite(tmp_path) -> dict[str, list[str]]:
    db = BazingaDB(str(tmp_path / "c.db"))
    db.initialize()
    conn = db.store.writer()
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    result = {n: [r[1] for r in conn.execute(f"PRAGMA table_info({n})")] for n in names}
    db.close()
    return result


def test_schema_has_the_same_tables_and_columns_as_sqlite(pg, pg_url, tmp_path):
    rows = sql_rows(
        pg_url,
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() "
        "ORDER BY table_name, ordinal_position",
    )
    pg_columns: dict[str, list[str]] = {}
    for table, column in rows:
        pg_columns.setdefault(table, []).append(column)
    recorded = pg_columns.pop("bazinga_migrations")
    assert recorded == ["version", "name", "applied_at"]
    expected = _columns_sqlite(tmp_path)
    assert pg_columns.pop("task_groups") == expected.pop("task_groups") + ["row_order"]  # SQLite's rowid
    assert pg_columns == expected


def test_migrations_are_recorded_in_order_with_the_sqlite_names(pg, pg_url):
    recorded = sql_rows(pg_url, "SELECT version, name FROM bazinga_migrations ORDER BY version")
    assert recorded == [(m.version, m.name) for m in migrations.MIGRATIONS]
    assert [m.version for m in pg_migrations.MIGRATIONS] == [m.version for m in migrations.MIGRATIONS]
    assert pg.initialize() == {"path": pg.path, "version": migrations.LATEST_VERSION, "applied": []}


def test_text_sorts_by_code_point_as_sqlite_does(pg):
    for sid in ("b", "B", "a_1", "a-1", "a.1", "Z"):
        pg.create_session(sid, "simple", "order")
    listed = [s["session_id"] for s in pg.list_sessions(limit=100)]
    by_time = sorted(listed, key=lambda sid: pg.get_session(sid)["created_at"], reverse=True)
    assert listed == by_time
    assert [
        r["session_id"] for r in pg.query("SELECT session_id FROM sessions ORDER BY session_id")
    ] == sorted(["b", "B", "a_1", "a-1", "a.1", "Z", "s1"])
    # whatever the server's locale: every text column is declared with the "C" collation
    collations = sql_rows(
        pg.path,
        "SELECT DISTINCT collation_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() "
        "AND data_type = 'text' AND table_name <> 'bazinga_migrations'",
    )
    assert collations == [("C",)]


@pytest.mark.slow
def test_eight_processes_racing_to_create_the_schema(pg_url):
    results = race_create_session(pg_url)
    for code_, out, err in results:
        assert code_ == 0, err
        assert out.startswith("✓ Session created: s"), out
    assert sum("auto-initialized" in err for _, _, err in results) == 1  # the schema was applied once
    assert sql_rows(pg_url, "SELECT COUNT(*) FROM bazinga_migrations") == [(migrations.LATEST_VERSION,)]
    assert sql_rows(pg_url, "SELECT COUNT(*) FROM sessions") == [(8,)]


def test_newer_database_is_refused_untouched(pg, pg_url, pg_admin):
    schema = sql_rows(pg_url, "SELECT current_schema()")[0][0]
    with pg_admin.cursor() as cursor:
        cursor.execute(f"INSERT INTO {schema}.bazinga_migrations VALUES (99, 'from the future', 'later')")
    before = dump(pg_url)
    for call in (
        lambda db: db.log_interaction("s1", "pm", "x"),
        lambda db: db.get_session("s1"),
        lambda db: db.list_sessions(),
        lambda db: db.check(),
    ):
        fresh = BazingaDB(pg_url)
        with pytest.raises(DatabaseUnusable) as error:
            call(fresh)
        fresh.close()
        assert "schema version 99, newer than this skill understands (2)" in error.value.message
    assert dump(pg_url) == before


def test_reads_of_an_empty_schema_create_nothing(pg_url):
    db = BazingaDB(pg_url)
    with pytest.raises(NoDatabase):
        db.store.reader()
    assert db.list_sessions() == []
    db.close()
    assert sql_rows(pg_url, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()") == [(0,)]


# -- query: read-only, enforced by the server -------------------------------------------------------------
HOSTILE = {
    "splice-commit": "SELECT 1; COMMIT; DELETE FROM sessions",
    "delete-returning": "DELETE FROM sessions RETURNING *",
    "update-in-cte": "WITH d AS (UPDATE sessions SET status = 'failed' RETURNING 1) SELECT * FROM d",
    "set-readwrite": "SET TRANSACTION READ WRITE",
    "set-config": "SELECT set_config('default_transaction_read_only', 'off', false)",
    "copy-out": "COPY sessions TO STDOUT",
    "do-block": "DO $$BEGIN DELETE FROM sessions; END$$",
    "create-table": "CREATE TABLE t (x int)",
    "drop": "DROP TABLE sessions",
    "nextval": "SELECT nextval(pg_get_serial_sequence('orchestration_logs', 'id'))",
    "lo-import": "SELECT lo_import('/etc/passwd')",
    "vacuum": "VACUUM",
    "comment-hidden": "SELECT 1 /* ; */ ; DELETE FROM sessions",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_statements_change_nothing(pg, pg_url, name):
    before = dump(pg_url)
    try:
        pg.query(HOSTILE[name])
    except QueryRefused as refused:
        assert refused.hint
    assert dump(pg_url) == before
    assert sql_rows(pg_url, "SELECT status FROM sessions") == [("active",)]
    pg.log_interaction("s1", "pm", "the connection still writes")  # no read-only state left behind


def test_a_long_query_is_cancelled_by_the_server(pg):
    started = time.monotonic()
    with pytest.raises(QueryRefused) as error:
        pg.query("SELECT pg_sleep(5)", timeout=1)
    assert "ran longer than 1 s (the time limit)" in error.value.message
    assert "--timeout SECONDS" in error.value.hint
    assert time.monotonic() - started < 4


def test_query_rows_are_bounded_and_streamed_on_the_server(pg):
    rows = pg.query("SELECT g FROM generate_series(1, 250) AS g", limit=120)
    assert [r["g"] for r in rows] == list(range(1, 121))
    assert len(pg.query("SELECT g FROM generate_series(1, 250) AS g", limit=0)) == 250


def test_query_parameters_and_quoted_question_marks(pg):
    assert pg.query(
        "SELECT ? AS a, '?' AS b, \"session_id\" FROM sessions WHERE mode = ?", (1, "simple")
    ) == [{"a": 1, "b": "?", "session_id": "s1"}]
    assert pg.query("SELECT 7 AS n -- a comment with a ?\n") == [{"n": 7}]


# -- URLs and passwords ------------------------------------------------------------------------------------
def test_redact_hides_passwords():
    assert redact("postgresql://bob:s3cr%40t@db:5432/x") == "postgresql://bob:***@db:5432/x"
    assert redact("postgres://bob@db/x?password=hunter2&sslmode=require") == (
        "postgres://bob@db/x?password=***&sslmode=require"
    )
    assert redact("postgresql://db/x") == "postgresql://db/x"


def test_a_password_never_appears_in_any_message(pg_server_url, run_cli, tmp_path):
    server = pg_server_url.split("@", 1)[1]  # host:port/database
    secret = "Sup3r-S3cret"
    unreachable = f"postgresql://bob:{secret}@127.0.0.1:1/bazinga"
    wrong_user = f"postgresql://nobody_here:{secret}@{server}"
    for url in (
        unreachable,
        wrong_user,
        f"postgresql://postgres@{server}?password={secret}&options=-cxx%3Dy",
    ):
        for argv in (
            ["create-session", "s1", "simple", "x"],
            ["list-sessions"],
            ["check"],
            ["query", "SELECT 1"],
        ):
            result = run_cli("--db", url, *argv, raw=True)
            shown = result.stdout + result.stderr
            assert secret not in shown, (url, argv, shown)
            assert result.code == 1 and "Traceback" not in shown
            assert shown.startswith("❌ ")
    result = run_cli("--db", unreachable, "list-sessions", raw=True)
    assert "cannot reach the PostgreSQL server at postgresql://bob:***@127.0.0.1:1/bazinga" in result.stderr


def test_a_refused_login_says_what_to_fix_not_that_the_server_is_down(pg_server_url, run_cli):
    """libpq gives a refused login as text only; it must not read as an outage (which invites retrying)."""
    host, _ = pg_server_url.split("@", 1)[1].split("/", 1)
    cases = {
        f"postgresql://nobody_here@{host}/postgres": ("refused the login", "Check the user and password"),
        f"postgresql://postgres@{host}/no_such_db": (
            'database "no_such_db" does not exist',
            "Create it first",
        ),
    }
    for url, (said, hint) in cases.items():
        result = run_cli("--db", url, "get-session", "s1", raw=True)
        assert result.code == 1
        assert said in result.stderr and hint in result.stderr, result.stderr
        assert "cannot reach" not in result.stderr


def test_without_the_driver_the_url_says_what_to_install(tmp_path):
    code = (
        f"import sys; sys.modules['psycopg2'] = None; sys.path.insert(0, {str(ROOT)!r}); "
        "from skill.cli import main; sys.argv = ['bazinga_db.py', '--db', 'postgresql://u:pw@127.0.0.1:1/x', "
        "'list-sessions']; main()"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith(
        "❌ list-sessions: PostgreSQL URLs need the psycopg2 driver, which is not installed"
    )
    assert "pip install 'bazinga-db[postgres]'" in done.stderr and "pw" not in done.stderr


# -- check and backup -----------------------------------------------------------------------------------
def test_check_reports_consistency_and_finds_drift(pg, pg_url, pg_admin, run_cli):
    pg.log_tokens("s1", "pm", 10)
    pg.log_interaction("s1", "pm", "one")
    report = pg.check()
    assert (report["verdict"], report["consistency_check"], report["schema_version"]) == ("ok", "ok", 2)
    assert report["tables"]["token_totals"] == 1 and report["tables"]["orchestration_logs"] == 1
    schema = sql_rows(pg_url, "SELECT current_schema()")[0][0]
    with pg_admin.cursor() as cursor:
        cursor.execute(f"UPDATE {schema}.token_totals SET tokens = 11")
        cursor.execute(f"UPDATE {schema}.orchestration_logs SET seq = 5")
    with pytest.raises(DatabaseUnusable) as error:
        BazingaDB(pg_url).check()
    assert error.value.message.endswith(
        "failed the check: 1 token totals differ from the token rows they sum"
    )
    assert error.value.details == ["1 sessions have a log not numbered 1..n"]


def test_backup_explains_pg_dump_and_copy_to(pg, pg_url, run_cli, tmp_path):
    result = run_cli("--db", pg_url, "backup", "copy.db")
    assert result.code == 1 and not (tmp_path / "copy.db").exists()
    assert "is a PostgreSQL database, so nothing was written" in result.stderr
    assert (
        "pg_dump --format=custom" in result.stderr and "copy-to backups/bazinga.db" in result.stderr
    )  # {cmd:copy-to} on the CLI


def test_the_real_script_with_bazinga_db_url(pg_url, tmp_path):
    env = {"BAZINGA_DB_URL": pg_url, "BAZINGA_DB_PATH": str(tmp_path / "ignored.db")}
    created = run_script("create-session", "s1", "simple", "from the env", cwd=tmp_path, env=env)
    assert created.code == 0, created
    assert "✓ Database auto-initialized at postgresql://" in created.stdout + created.stderr
    listed = run_script("list-sessions", cwd=tmp_path, env=env)
    assert '"session_id":"s1"' in listed.stdout
    assert not (tmp_path / "ignored.db").exists()


# -- several machines, simulated ---------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_server_restart_under_load_loses_nothing_acknowledged(tmp_path, mode):
    """The small version of stress/restart.py: separate writer processes, the server stopped and started
    again mid-run (its own durable cluster): clear ❌ while down, nothing acknowledged lost, work resumes."""
    pg_server = pytest.importorskip("pg_server")
    if pg_server.bin_dir() is None:
        pytest.skip("the restart run needs a local PostgreSQL installation to stop and start")
    from stress.restart import clean, run_restart

    figures = run_restart(procs=3, ops=40, seed=5, down=1.0, mode=mode, share=0.3, folder=str(tmp_path))
    assert clean(figures), figures
    assert figures["failures_while_down"] > 0 and figures["workers_resumed"] == figures["workers_that_failed"]


# -- least-privilege roles, as docs/postgresql.md sets them up ---------------------------------------
def test_the_documented_roles_work_as_documented(pg_server_url, pg_admin, run_cli):
    suffix = f"{os.getpid()}_{int(time.time() * 1000) % 100000}"
    schema, owner, agent, dashboard = (
        f"{name}_{suffix}" for name in ("bz_roles", "bz_owner", "bz_agent", "bz_dash")
    )
    setup = f"""
        CREATE SCHEMA {schema};
        CREATE ROLE {owner} LOGIN;
        GRANT USAGE, CREATE ON SCHEMA {schema} TO {owner};
        CREATE ROLE {agent} LOGIN;
        GRANT USAGE ON SCHEMA {schema} TO {agent};
        CREATE ROLE {dashboard} LOGIN;
        GRANT USAGE ON SCHEMA {schema} TO {dashboard};
        ALTER ROLE {dashboard} SET default_transaction_read_only = on;
    """
    with pg_admin.cursor() as cursor:
        cursor.execute(setup)
    server = pg_server_url.split("@", 1)[1]

    def url(role: str) -> str:
        return f"postgresql://{role}@{server}?options=-csearch_path%3D{schema}"

    try:
        refused = run_cli("--db", url(agent), "create-session", "s1", "simple", "x", raw=True)
        assert refused.code == 1 and f"the role in postgresql://{agent}@" in refused.stderr
        assert "lacks a privilege" in refused.stderr
        assert run_cli("--db", url(owner), "create-session", "s0", "simple", "x", raw=True).code == 0
        with pg_admin.cursor() as cursor:
            for role, grant in ((agent, "SELECT, INSERT, UPDATE, DELETE"), (dashboard, "SELECT")):
                cursor.execute(f"GRANT {grant} ON ALL TABLES IN SCHEMA {schema} TO {role}")
            cursor.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {agent}")
        for argv in (
            ["create-session", "s1", "parallel", "agents write"],
            ["log-interaction", "s1", "pm", "planned"],
            ["log-tokens", "s1", "pm", "100"],
            ["create-task-group", "g1", "s1", "Group"],
            ["update-task-group", "g1", "--increment-revision"],
        ):
            done = run_cli("--db", url(agent), *argv, raw=True)
            assert done.code == 0, (argv, done)
        for argv in (
            ["dashboard-snapshot", "s1"],
            ["token-summary", "s1"],
            ["query", "SELECT COUNT(*) AS n FROM sessions"],
        ):
            done = run_cli("--db", url(dashboard), *argv, raw=True)
            assert done.code == 0, (argv, done)
        write = run_cli("--db", url(dashboard), "log-interaction", "s1", "pm", "no", raw=True)
        assert write.code == 1 and "the server or the URL's role is read-only" in write.stderr
    finally:
        with pg_admin.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA {schema} CASCADE")
            for role in (owner, agent, dashboard):
                cursor.execute(f"DROP OWNED BY {role}; DROP ROLE {role}")


def test_init_db_script_with_a_url(pg_url, tmp_path):
    init = ROOT / "scripts" / "init_db.py"
    first = run_script(pg_url, cwd=tmp_path, script=init)
    assert (first.code, first.stderr) == (0, "")
    assert first.stdout == f"✓ Database created at {redact(pg_url)} (schema version 2)\n"
    again = run_script(pg_url, cwd=tmp_path, script=init)
    assert again.stdout == f"✓ Database at {redact(pg_url)} is up to date (schema version 2)\n"
