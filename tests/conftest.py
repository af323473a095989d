"""Shared fixtures: every test gets its own database; CLI results are normalised.

Backends. A test module that sets ``BACKENDS = ("sqlite", "postgres")`` runs each of its tests on both
(the conformance suite): the ``backend`` fixture is parametrised, and ``location`` is then a fresh
SQLite file under tmp_path or a fresh, empty PostgreSQL schema on the test server (its URL; also exported
as $BAZINGA_DB_URL, so CLI calls without --db use it). Any test may instead ask for ``backend_location``
(parametrised over both backends itself) to run on both. Without BACKENDS a test runs on SQLite only.

The server is $BAZINGA_TEST_PG_URL (what `make test` and .ci/run start with tests/pg_server.py), else a
throw-away cluster started for this pytest run when PostgreSQL is installed. When neither is possible the
PostgreSQL half is skipped, unless BAZINGA_REQUIRE_PG=1 (CI), where it fails.

Snapshots are shared: a PostgreSQL run compares against the same snapshot as the SQLite run (the backend
is left out of the snapshot's name), with the URL shown where SQLite shows its path.
"""

from __future__ import annotations

import atexit
import datetime
import io
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import settings

# CI (.ci/run sets HYPOTHESIS_PROFILE=ci) draws the same examples every run: a red CI is one that can be
# reproduced, never a new random find. Local runs keep drawing new examples; a find becomes a fixed case.
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "bazinga_db.py"
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from skill import cli  # noqa: E402
from skill.api import BazingaDB  # noqa: E402

BOTH = ("sqlite", "postgres")
SQLITE_SHOWN = "coordination/bazinga.db"  # how messages show the default SQLite location, cwd = tmp_path


def _recent_dates() -> str:
    today = datetime.datetime.now(datetime.timezone.utc).date()
    days = [today + datetime.timedelta(days=n) for n in (-1, 0, 1)]
    return "|".join(day.isoformat() for day in days)


# Only times of the test run itself are replaced: example times inside messages stay as written.
_TIME = re.compile(rf"(?:{_recent_dates()})[T ]\d{{2}}:\d{{2}}:\d{{2}}(?:\.\d+)?Z?")
# Text tables show short local times: '12-02 14:03' (month-day hour:minute) of the run's days.
_SHORT_TIME = re.compile(
    rf"\b(?:{'|'.join(day[5:] for day in _recent_dates().split('|'))}) \d{{2}}:\d{{2}}\b"
)


class Result(NamedTuple):
    stdout: str
    stderr: str
    code: int

    def normalised(self, tmp: Path | None = None) -> Result:
        return Result(normalise(self.stdout, tmp), normalise(self.stderr, tmp), self.code)


_SHOWN_URLS: list[str] = []  # the current test's PostgreSQL URL as messages show it (redacted)


def normalise(text: str, tmp: Path | None = None) -> str:
    """Replace what changes from run to run (times, temporary paths, the test server's URL); never the
    message itself."""
    for url in _SHOWN_URLS:  # also as a shell-quoted argument (replies show runnable command lines)
        text = text.replace(f"'{url}'", SQLITE_SHOWN).replace(url, SQLITE_SHOWN)
    if tmp is not None:
        text = text.replace(str(tmp), "<TMP>")
    return _SHORT_TIME.sub("<TIME>", _TIME.sub("<TIME>", text))


# -- PostgreSQL ----------------------------------------------------------------------------------------
_CLUSTER: list = []
_SCHEMAS = itertools.count(1)
TEST_DATABASE = "bazinga_tests"


def _unavailable(reason: str) -> None:
    if os.environ.get("BAZINGA_REQUIRE_PG") == "1":
        pytest.fail(f"BAZINGA_REQUIRE_PG=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """The test server's superuser URL (database ``bazinga_tests``), starting a cluster if none is given."""
    try:
        import psycopg2
    except ImportError:
        _unavailable("psycopg2 is not installed (pip install -e '.[dev]')")
    url = os.environ.get("BAZINGA_TEST_PG_URL")
    if not url:
        import pg_server

        if pg_server.bin_dir() is None:
            _unavailable(
                "PostgreSQL is not installed (apt-get install postgresql) and BAZINGA_TEST_PG_URL is unset"
            )
        cluster = pg_server.Cluster().start()
        _CLUSTER.append(cluster)
        atexit.register(cluster.stop)
        url = cluster.url
    base = url.rsplit("/", 1)[0]
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (TEST_DATABASE,))
        if cursor.fetchone() is None:
            cursor.execute(f"CREATE DATABASE {TEST_DATABASE}")
    conn.close()
    return f"{base}/{TEST_DATABASE}"


@pytest.fixture(scope="session")
def pg_admin(pg_server_url: str):
    """A superuser connection to the test database (psycopg2, autocommit)."""
    import psycopg2

    conn = psycopg2.connect(pg_server_url)
    conn.autocommit = True
    yield conn
    conn.close()


def schema_url(server_url: str, schema: str) -> str:
    """The URL of one schema of the test database: libpq's options set its search_path."""
    return f"{server_url}?options=-csearch_path%3D{schema}"


@pytest.fixture
def own_pg_server():
    """A PostgreSQL cluster of the test's own (tests/pg_server.py; ~1 s to start), which the test may stop
    (``own_pg_server.stop(remove=False)``) and start again on the same port (``_pg_ctl("start")``): for
    what a server going away does to long-lived clients (the dashboard, the MCP server). Its URL: ``.url``."""
    import pg_server

    if pg_server.bin_dir() is None:
        _unavailable("PostgreSQL is not installed (apt-get install postgresql)")
    cluster = pg_server.Cluster().start()
    yield cluster
    cluster.stop()


def drop_connections(url: str) -> int:
    """End every bazinga-db connection to the server at ``url`` (what a restart or an idle timeout does to
    them); how many there were."""
    import psycopg2

    admin = psycopg2.connect(url)
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = 'bazinga-db' AND pid <> pg_backend_pid()"
            )
            return sum(1 for (ended,) in cursor.fetchall() if ended)
    finally:
        admin.close()


@pytest.fixture
def pg_url(pg_server_url: str, pg_admin) -> str:
    """A fresh, empty schema on the test server, as a URL; dropped after the test."""
    schema = f"bz_{os.getpid()}_{next(_SCHEMAS)}"
    with pg_admin.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {schema}")
    url = schema_url(pg_server_url, schema)
    from skill.storage import redact

    _SHOWN_URLS.append(redact(url))
    yield url
    _SHOWN_URLS.clear()
    with pg_admin.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
            "AND datname = %s AND application_name = 'bazinga-db' AND state = 'idle in transaction'",
            (TEST_DATABASE,),
        )
        cursor.execute(f"DROP SCHEMA {schema} CASCADE")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Modules with BACKENDS run every test once per backend (the ``backend`` fixture, indirectly)."""
    backends = getattr(metafunc.module, "BACKENDS", None)
    if backends and "backend" in metafunc.fixturenames:
        if metafunc.definition.get_closest_marker("sqlite_only"):
            backends = ("sqlite",)
        metafunc.parametrize("backend", list(backends), indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """ "sqlite" (the default) or "postgres" (in modules with BACKENDS, or through backend_location)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def location(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """The test's database: a path under tmp_path (SQLite) or a fresh schema's URL (PostgreSQL)."""
    if backend == "postgres":
        url = request.getfixturevalue("pg_url")
        monkeypatch.setenv("BAZINGA_DB_URL", url)
        return url
    return str(tmp_path / "coordination" / "bazinga.db")


@pytest.fixture
def fresh_location(request: pytest.FixtureRequest, backend: str, tmp_path: Path):
    """A factory of further empty databases on the test's backend: ``fresh_location("other")`` is a new
    SQLite file under tmp_path, or a new PostgreSQL schema (dropped after the test)."""
    made: list[str] = []

    def make(name: str) -> str:
        if backend != "postgres":
            return str(tmp_path / f"{name}.db")
        server, admin = request.getfixturevalue("pg_server_url"), request.getfixturevalue("pg_admin")
        schema = f"bz_{os.getpid()}_{next(_SCHEMAS)}"
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {schema}")
        made.append(schema)
        return schema_url(server, schema)

    yield make
    if made:
        with request.getfixturevalue("pg_admin").cursor() as cursor:
            for schema in made:
                cursor.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=BOTH)
def backend_location(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh database on each backend in turn: a SQLite path, then a PostgreSQL schema's URL.

    For tests outside the BACKENDS modules (the dashboard's, the MCP server's) that must hold on both:
    ``def test_x(backend_location): BazingaDB(backend_location) ...``. The URL is also $BAZINGA_DB_URL.
    """
    if request.param == "postgres":
        url = request.getfixturevalue("pg_url")
        monkeypatch.setenv("BAZINGA_DB_URL", url)
        return url
    return str(tmp_path / "coordination" / "bazinga.db")


@pytest.fixture
def snapshot(snapshot, request: pytest.FixtureRequest):
    """syrupy's snapshot, named without the backend: both backends must match the one snapshot."""
    snapshot.test_location = _SharedLocation(request.node)
    return snapshot


def _shared_name(name: str, backend: str | None) -> str:
    """The test's name without its backend parameter (the first id equal to it), if it has one."""
    base, bracket, params = name.partition("[")
    if not bracket or backend is None:
        return name
    ids = params[:-1].split("-")
    if backend in ids:
        ids.remove(backend)
    return base + (f"[{'-'.join(ids)}]" if ids else "")


from syrupy.location import PyTestLocation  # noqa: E402


class _SharedLocation(PyTestLocation):
    def __attrs_post_init_def__(self) -> None:
        super().__attrs_post_init_def__()
        params = getattr(getattr(self.item, "callspec", None), "params", {})
        backend = params.get("backend", params.get("backend_location"))
        shared = _shared_name(self.nodename or self.methodname, backend)
        object.__setattr__(self, "nodename", shared)
        object.__setattr__(self, "testname", shared)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the default database at tmp_path and work from there; no test sees another's files."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BAZINGA_DB_PATH", str(tmp_path / "coordination" / "bazinga.db"))
    monkeypatch.delenv("BAZINGA_AUTO_CREATE_SESSION", raising=False)
    monkeypatch.delenv("BAZINGA_DB_URL", raising=False)
    return tmp_path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "coordination" / "bazinga.db"


@pytest.fixture
def notices() -> list:
    """The notices the `db` fixture's store reported, in order (BazingaDB's on_notice callback)."""
    return []


@pytest.fixture
def db(location: str, notices: list):
    database = BazingaDB(location, on_notice=notices.append)
    yield database
    database.close()


@pytest.fixture
def run_cli(tmp_path: Path, location: str):
    """Run the CLI in-process: run_cli("create-session", "s1", ...) -> normalised Result.

    Without --db it uses the test's ``location`` (in BACKENDS modules, the PostgreSQL one on that half)."""

    def invoke(*argv: str, stdin: str = "", env: dict | None = None, raw: bool = False) -> Result:
        out, err = io.StringIO(), io.StringIO()
        environment = dict(os.environ)
        environment.update(env or {})
        code = cli.run(list(argv), io.StringIO(stdin), out, err, env=environment, cwd=str(tmp_path))
        result = Result(out.getvalue(), err.getvalue(), code)
        return result if raw else result.normalised(tmp_path)

    return invoke


def sql_rows(location: str, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of one statement run on the test's database directly (not through the API), as tuples.

    ``?`` placeholders on both backends. SQLite opens the file read-only (never creating it)."""
    if location.startswith(("postgresql://", "postgres://")):
        import psycopg2

        conn = psycopg2.connect(location)
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql.replace("%", "%%").replace("?", "%s"), params)
                return [tuple(row) for row in cursor.fetchall()] if cursor.description else []
        finally:
            conn.rollback()
            conn.close()
    import sqlite3

    conn = sqlite3.connect(f"file:{location}?mode=ro", uri=True)
    try:
        return [tuple(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def sql_dicts(location: str, sql: str, params: tuple = ()) -> list[dict]:
    """Like sql_rows, each row a dict by column name."""
    if location.startswith(("postgresql://", "postgres://")):
        import psycopg2
        import psycopg2.extras

        conn = psycopg2.connect(location)
        try:
            with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor:
                cursor.execute(sql.replace("%", "%%").replace("?", "%s"), params)
                return [dict(row) for row in cursor.fetchall()]
        finally:
            conn.rollback()
            conn.close()
    import sqlite3

    conn = sqlite3.connect(f"file:{location}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params)]
    finally:
        conn.close()


def dump(location: str) -> dict[str, list[str]]:
    """Every row of every bazinga table, in a canonical order ({} when there is no database yet): compare
    two dumps to prove a refused command wrote nothing, on either backend."""
    from skill.migrations import SPEC_TABLES

    result = {}
    for table in (*SPEC_TABLES, "token_totals"):
        try:
            rows = sql_rows(location, f"SELECT * FROM {table}")
        except Exception:  # no such table / no database: nothing stored
            continue
        result[table] = sorted(repr(row) for row in rows)
    return result


def run_script(
    *argv: str, cwd: Path, stdin: bytes | None = None, env: dict | None = None, script: Path = SCRIPT
) -> Result:
    """Run the real script in a subprocess, as an agent's Bash tool does."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}
    environment.update(env or {})
    done = subprocess.run(
        [sys.executable, str(script), *argv],
        cwd=cwd,
        input=stdin or b"",
        capture_output=True,
        env=environment,
        timeout=120,
    )
    return Result(done.stdout.decode("utf-8"), done.stderr.decode("utf-8"), done.returncode)
