"""The PostgreSQL store: the same interface as storage.Store, over one database on a server.

Imported only when the location is a ``postgresql://`` / ``postgres://`` URL (storage.open_store), and it
imports the driver, psycopg2 (the optional extra ``bazinga-db[postgres]``), only when it connects: the
SQLite path never loads either. Why psycopg2 and not psycopg 3 or pg8000: docs/postgresql.md (measured by
bench/bench_pg_drivers.py: it is the only one whose import fits a command-line call).

- **Connections.** One connection per store, in autocommit mode; transactions are explicit. Reads run
  one statement each; writes run in ``BEGIN`` ... ``COMMIT``. A connection the server dropped is
  discarded and the next call connects again.
- **Write serialisation.** Every write transaction first takes ``pg_advisory_xact_lock(WRITE_LOCK)``:
  one writer at a time per database, exactly like SQLite's BEGIN IMMEDIATE, so the read-then-write steps
  in api.py (the next log seq, create-if-absent, increments) are correct at READ COMMITTED without
  retries. An advisory lock rather than a row lock: it needs no row to exist (the first write of a new
  database), leaves no dead tuple per write, and is released by COMMIT/ROLLBACK or a dropped connection.
  Lock waits end after ``lock_timeout`` (30 s, SQLite's busy timeout) with a DatabaseBusy ❌.
- **Migrations.** An ordered list (skill/pg_migrations.py) recorded in ``bazinga_migrations``; each step
  runs in its own transaction under ``pg_advisory_xact_lock(MIGRATE_LOCK)`` after re-reading the
  version, so any number of processes may open a new database at once. A database recorded at a newer
  version than the code is refused before anything is written.
- **query.** Read-only enforced by the server: a ``READ ONLY`` transaction with a ``statement_timeout``,
  and the statement opened as a cursor by ``OPEN ... FOR EXECUTE`` inside a ``DO`` block, which the
  server refuses for more than one statement and for anything that does not return rows.
- **Messages** show the URL without its password (``redact``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

from . import pg_migrations, timeutil
from .dialect import POSTGRES
from .errors import BazingaError, Conflict, DatabaseBusy, DatabaseUnusable, NoDatabase, QueryRefused
from .migrations import SPEC_TABLES
from .readonly import _FETCH, TIME_HINT, unique_names
from .storage import _WAIT_SLICE_MS, _Waiting, redact
from .vocabulary import MAX_INTEGER

try:
    import psycopg2  # type: ignore[import-untyped]
    import psycopg2.extensions  # type: ignore[import-untyped]
    import psycopg2.extras  # type: ignore[import-untyped]
except ImportError:  # the optional extra is not installed: a URL gets a ❌ that names it (_driver)
    psycopg2 = None

T = TypeVar("T")

# Advisory lock keys (two int4 keys: "BZDB" and the purpose), per database.
LOCK_CLASS = 0x425A4442
WRITE_LOCK = 1
MIGRATE_LOCK = 2
LOCK_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_S = 10
DRIVER = "psycopg2"
INSTALL_HINT = (
    "Install the PostgreSQL driver: pip install 'bazinga-db[postgres]' (or pip install psycopg2-binary). "
    "SQLite database paths need nothing installed."
)


class ServerUnavailable(DatabaseUnusable):
    """The PostgreSQL server cannot be reached, or the connection was lost."""

    title = "Database server unavailable"
    code = "server_unavailable"


def _password(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        if parts.password:
            return unquote(parts.password)
        for key, value in parse_qsl(parts.query, True):
            if key.lower() == "password" and value:
                return value
    except ValueError:
        return None
    return None


def _driver() -> Any:
    if psycopg2 is None:
        raise DatabaseUnusable(
            "PostgreSQL URLs need the psycopg2 driver, which is not installed", INSTALL_HINT
        )
    return psycopg2


# -- rows and cursors shaped like sqlite3's, so api.py's data access is the same on both backends -----
_ROW_CLASSES: dict[tuple[str, ...], type] = {}


def _row_class(names: tuple[str, ...]) -> type:
    """A tuple subclass read by position or by column name (like sqlite3.Row); dict(row) works."""
    known = _ROW_CLASSES.get(names)
    if known is not None:
        return known
    index = {name: i for i, name in reversed(list(enumerate(names)))}

    class Row(tuple):  # type: ignore[type-arg]
        __slots__ = ()

        def __getitem__(self, key: Any) -> Any:
            if isinstance(key, str):
                return tuple.__getitem__(self, index[key])
            return tuple.__getitem__(self, key)

        def keys(self) -> list[str]:
            return list(names)

    _ROW_CLASSES[names] = Row
    return Row


class Cursor:
    """The result of Connection.execute: fetchone/fetchall/fetchmany/iteration, rowcount, lastrowid."""

    __slots__ = ("_cursor", "_connection", "_row", "_id")

    def __init__(self, cursor: Any, connection: Connection, returned_id: bool = False):
        self._cursor = cursor
        self._connection = connection
        description = cursor.description
        self._id = connection._guard(cursor.fetchone)[0] if returned_id else None
        self._row = None if returned_id or not description else _row_class(tuple(d[0] for d in description))

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)

    @property
    def lastrowid(self) -> int | None:
        """The id this INSERT took from its table's identity column (``RETURNING id``, added by execute)."""
        return self._id

    def _wrap(self, rows: list[tuple[Any, ...]]) -> list[Any]:
        row = self._row
        return [row(r) for r in rows] if row is not None else []

    def fetchone(self) -> Any:
        if self._row is None:
            return None
        found = self._connection._guard(self._cursor.fetchone)
        return self._row(found) if found is not None else None

    def fetchall(self) -> list[Any]:
        return self._wrap(self._connection._guard(self._cursor.fetchall)) if self._row else []

    def fetchmany(self, size: int) -> list[Any]:
        return self._wrap(self._connection._guard(self._cursor.fetchmany, size)) if self._row else []

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


_SQL_CACHE: dict[str, tuple[str, bool]] = {}


def _driver_sql(sql: str) -> tuple[str, bool]:
    """The project's SQL (``?`` placeholders, no ``%`` of its own meaning) in psycopg2's format style, and
    whether it is an INSERT into a table with an identity id: that one gets ``RETURNING id``, so that
    ``lastrowid`` costs no second round trip."""
    known = _SQL_CACHE.get(sql)
    if known is None:
        translated = sql.replace("%", "%%").replace("?", "%s")
        words = sql.split(None, 3)
        returns_id = (
            len(words) > 2
            and words[0].upper() == "INSERT"
            and words[2] in pg_migrations.IDENTITY_TABLES
            and "RETURNING" not in sql.upper()
        )
        known = _SQL_CACHE[sql] = (translated + " RETURNING id" if returns_id else translated, returns_id)
    return known


class Connection:
    """A psycopg2 connection that speaks like sqlite3's: execute(sql, params) with ``?`` placeholders.

    Driver errors leave as the project's errors (translate), so api.py never sees a driver exception.
    """

    def __init__(self, raw: Any, store: PgStore):
        self.raw = raw
        self.store = store

    def _guard(self, call: Callable[..., T], *args: Any) -> T:
        psycopg2 = self.store.driver
        try:
            return call(*args)
        except psycopg2.Error as error:
            raise self.store.translate(error) from None

    def execute(self, sql: str, params: Any = ()) -> Cursor:
        statement, returns_id = _driver_sql(sql)
        cursor = self.raw.cursor()
        self._guard(cursor.execute, statement, tuple(params))
        return Cursor(cursor, self, returns_id)

    def executemany(self, sql: str, rows: Any) -> None:
        """One statement for many rows, sent in pages (psycopg2.extras.execute_batch: few round trips)."""
        statement = sql.replace("%", "%%").replace("?", "%s")  # no RETURNING: execute_batch discards results
        self._guard(
            psycopg2.extras.execute_batch, self.raw.cursor(), statement, [tuple(r) for r in rows], 500
        )

    def run(self, sql: str) -> Cursor:
        """A statement text sent as it is (several may be separated by ``;``): no placeholders."""
        cursor = self.raw.cursor()
        self._guard(cursor.execute, sql)
        return Cursor(cursor, self)

    @property
    def in_transaction(self) -> bool:
        return not self.raw.closed and self.raw.get_transaction_status() != 0  # 0: TRANSACTION_STATUS_IDLE

    def close(self) -> None:
        self.raw.close()


class PgStore:
    """One PostgreSQL database (the URL's); opens its connection lazily. Same interface as storage.Store."""

    dialect = POSTGRES

    def __init__(self, url: str):
        self.path = url  # the location, as storage.Store calls it
        self.url = url
        self.shown = redact(url)
        self._secret = _password(url)
        self._conn: Connection | None = None
        self._version_ok = False
        self.applied: list[Any] = []
        self.in_batch = False
        self.on_wait: Callable[[int], None] | None = None  # as storage.Store's: told how long a write waited
        self._batch: Connection | None = None
        self._cursors = 0  # names of server-side cursors (iterate)
        self.driver: Any = None
        # Set by a reader that must never write (the dashboard): every transaction on the connections this
        # store opens is then READ ONLY, refused by the server itself, beside the caller calling no write.
        self.read_only = False

    # -- errors ------------------------------------------------------------------------------------
    def _clean(self, text: str) -> str:
        text = " ".join(str(text).split())
        return text.replace(self._secret, "***") if self._secret else text

    def translate(self, error: Exception, code: str = "") -> BazingaError:
        """A driver error as the project's error, with a hint an agent can act on; never the password.
        ``code`` stands in for the SQLSTATE when the driver gives none (a refused login)."""
        code = getattr(error, "pgcode", None) or code
        text = self._clean(getattr(getattr(error, "diag", None), "message_primary", None) or str(error))
        if self._conn is not None and self._conn.raw.closed:
            self._conn = None  # the server dropped it: the next call connects again
            self._version_ok = False
        psycopg2 = self.driver
        if psycopg2 is not None and isinstance(error, psycopg2.IntegrityError):
            return Conflict(f"the database refused the write: {text}", "Check the ids; nothing was written.")
        if code == "22003":  # numeric_value_out_of_range: PostgreSQL refuses where SQLite would go REAL
            return Conflict(
                f"a number would pass {MAX_INTEGER:,}, the largest whole number the database holds; nothing "
                f"was written ({text})",
                "Check the counts: a number this large is almost certainly a mistake.",
                code="integer_overflow",
            )
        if code == "55P03":
            return DatabaseBusy(
                f"{self.shown} stayed locked by another writer beyond {LOCK_TIMEOUT_MS // 1000} s; "
                "nothing was written",
                "Retry the same command; if it persists, look for a session holding a long transaction "
                "(pg_stat_activity).",
            )
        if code == "25006":
            return DatabaseUnusable(
                f"{self.shown} refused the write: the server or the URL's role is read-only ({text})",
                "Use a role that may write (docs/postgresql.md, Roles); reads work with this one.",
            )
        if code == "42501":
            return DatabaseUnusable(
                f"the role in {self.shown} lacks a privilege: {text}",
                "Grant the role what docs/postgresql.md (Roles) lists, or use the owner role for writes.",
            )
        if code == "3D000":
            return DatabaseUnusable(
                f"{self.shown}: {text}",
                "Create it first (createdb NAME, or CREATE DATABASE), or fix the database name in the URL.",
            )
        if code in ("28000", "28P01"):
            return DatabaseUnusable(
                f"the server at {self.shown} refused the login: {text}",
                "Check the user and password (in the URL, PGPASSWORD or ~/.pgpass) and pg_hba.conf.",
            )
        if (
            code.startswith("08")
            or code in ("57P01", "57P02", "57P03")
            or (
                psycopg2 is not None
                and isinstance(error, (psycopg2.OperationalError, psycopg2.InterfaceError))
                and not code
            )
        ):
            return ServerUnavailable(
                f"cannot reach the PostgreSQL server at {self.shown} ({text}); the operation was not done",
                "Check that the server is running and the URL's host and port; then retry the same command.",
            )
        return DatabaseUnusable(f"PostgreSQL error on {self.shown}: {text}", "Check the command; retry it.")

    # -- opening -----------------------------------------------------------------------------------
    def connection(self) -> Connection:
        if self._conn is not None and not self._conn.raw.closed:
            return self._conn
        self.driver = _driver()
        try:
            raw = self.driver.connect(
                self.url, connect_timeout=CONNECT_TIMEOUT_S, application_name="bazinga-db"
            )
        except self.driver.Error as error:
            raise self.translate(error, _login_code(error)) from None
        raw.autocommit = True
        decimal = self.driver.extensions.new_type((1700,), "BAZINGA_NUMERIC", _numeric)
        self.driver.extensions.register_type(decimal, raw)
        self._conn = Connection(raw, self)
        settings = f"SET lock_timeout = {LOCK_TIMEOUT_MS}"
        if self.read_only:
            settings += "; SET default_transaction_read_only = on"
        self._conn.run(settings)
        return self._conn

    def current_version(self, conn: Connection) -> int:
        found = conn.execute(f"SELECT to_regclass('{pg_migrations.VERSION_TABLE}') IS NOT NULL").fetchone()[0]
        if not found:
            return 0
        return int(
            conn.execute(f"SELECT COALESCE(MAX(version), 0) FROM {pg_migrations.VERSION_TABLE}").fetchone()[0]
        )

    def schema_version(self) -> int:
        return self.current_version(self.connection())

    def _refuse_if_newer(self, version: int) -> None:
        if version > pg_migrations.LATEST_VERSION:
            raise DatabaseUnusable(
                f"{self.shown} has schema version {version}, newer than this skill understands "
                f"({pg_migrations.LATEST_VERSION})",
                "The database was left untouched. Use the newer bazinga-db that wrote it, or point --db "
                "elsewhere.",
            )

    def writer(self) -> Connection:
        """The connection, with the schema brought up to date (created on first use)."""
        conn = self.connection()
        if not self._version_ok:
            version = self.current_version(conn)
            self._refuse_if_newer(version)
            if version < pg_migrations.LATEST_VERSION:
                self.applied = self.migrate(conn)
            self._version_ok = True
        return conn

    def reader(self) -> Connection:
        """The connection, after checking the schema without changing anything."""
        conn = self.connection()
        if self._version_ok:
            return conn
        version = self.current_version(conn)
        self._refuse_if_newer(version)
        if version == 0:
            raise NoDatabase(
                f"no database at {self.shown} yet",
                "It is created by the first write (for example {cmd:create-session}), or run "
                f"`{{term:init_db}} {self.shown}`. Check {{term:db_env}} if you expected one.",
            )
        if version < pg_migrations.LATEST_VERSION:
            raise DatabaseUnusable(
                f"{self.shown} is at schema version {version}; this skill needs version "
                f"{pg_migrations.LATEST_VERSION}",
                "Read commands never change the database: run `python3 scripts/init_db.py URL` "
                "(or any write) "
                "to bring it up to date.",
            )
        self._version_ok = True
        return conn

    def exists(self) -> bool:
        """True when the database holds a bazinga schema (a dry run never creates one)."""
        return self.schema_version() > 0

    def migrate(self, conn: Connection) -> list[Any]:
        applied: list[Any] = []
        while True:
            conn.run(f"BEGIN; SELECT pg_advisory_xact_lock({LOCK_CLASS}, {MIGRATE_LOCK})")
            try:
                conn.run(pg_migrations.VERSION_TABLE_SQL)
                version = self.current_version(conn)
                self._refuse_if_newer(version)
                if version >= pg_migrations.LATEST_VERSION:
                    conn.run("COMMIT")
                    return applied
                step = pg_migrations.MIGRATIONS[version]
                apply: Callable[[Any], None] = step.apply  # PostgreSQL steps take this Connection
                apply(conn)
                conn.execute(
                    f"INSERT INTO {pg_migrations.VERSION_TABLE} (version, name, applied_at) VALUES (?, ?, ?)",
                    (step.version, step.name, timeutil.now()),
                )
                conn.run("COMMIT")
                applied.append(step)
            except BaseException:
                self._rollback()
                raise

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
                self._version_ok = False

    # -- transactions ------------------------------------------------------------------------------
    def _begin(self, conn: Connection) -> None:
        """BEGIN and take the write lock. When another writer holds it, wait for it in slices (a lock
        timeout each, inside a savepoint), telling ``on_wait`` every few seconds, up to LOCK_TIMEOUT_MS."""
        if conn.run(f"BEGIN; SELECT pg_try_advisory_xact_lock({LOCK_CLASS}, {WRITE_LOCK})").fetchone()[0]:
            return
        waiting = _Waiting(self.on_wait)
        while True:
            try:
                conn.run(
                    f"SAVEPOINT bz_wait; SET LOCAL lock_timeout = {_WAIT_SLICE_MS}; "
                    f"SELECT pg_advisory_xact_lock({LOCK_CLASS}, {WRITE_LOCK})"
                )
            except DatabaseBusy:
                conn.run("ROLLBACK TO SAVEPOINT bz_wait")
                if not waiting.still(LOCK_TIMEOUT_MS):
                    raise
                continue
            # The lock stays until the transaction ends; the transaction's own lock timeout comes back.
            conn.run(f"RELEASE SAVEPOINT bz_wait; SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
            return

    def write(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one transaction holding the write lock; commit, or roll back and re-raise."""
        if self.in_batch:
            return work(self._batch_connection())
        conn = self.writer()
        try:
            try:
                self._begin(conn)
            except ServerUnavailable:
                # The kept connection was dropped while idle (a server restart, an idle timeout): BEGIN did
                # nothing, so begin once more on a new connection. Long-lived users (the MCP server) would
                # otherwise fail their first write after a restart; a server that is away fails it again.
                conn = self.writer()
                self._begin(conn)
            result = work(conn)
        except BaseException:
            self._rollback()
            raise
        self._commit(conn)
        return result

    def _commit(self, conn: Connection) -> None:
        """COMMIT; a connection lost while it was on its way means the outcome is unknown, and says so."""
        try:
            conn.run("COMMIT")
        except ServerUnavailable as lost:
            raise ServerUnavailable(
                f"the connection to {self.shown} was lost while committing: the write may or may not have "
                "been stored",
                "Once the server is back, read before repeating it (a repeated create is a no-op; a repeated "
                "log entry or token count would be stored twice).",
                details=[lost.message],
            ) from None
        except BaseException:
            self._rollback()
            raise

    def begin(self) -> None:
        """Open a transaction (holding the write lock) that every write() joins until commit()/rollback()."""
        conn = self.writer()
        self._begin(conn)
        self._batch = conn
        self.in_batch = True

    def _batch_connection(self) -> Connection:
        """The connection begin() opened its transaction on; if the server dropped it, the transaction is
        gone with it (rolled back by the server), and a new connection must not carry on as if it were not."""
        conn = self._batch
        if conn is None or conn is not self._conn or conn.raw.closed:
            raise ServerUnavailable(
                f"the connection to {self.shown} was lost during the transaction; the server rolled it back",
                "Nothing of this transaction was stored. Retry it once the server is reachable.",
            )
        return conn

    def commit(self) -> None:
        try:
            self._commit(self._batch_connection())
        finally:
            self.in_batch = False
            self._batch = None

    def rollback(self) -> None:
        self.in_batch = False
        self._batch = None
        self._rollback()

    def _rollback(self) -> None:
        conn = self._conn
        if conn is not None and conn.in_transaction:
            try:
                conn.raw.cursor().execute("ROLLBACK")  # autocommit mode: raw.rollback() would do nothing
            except Exception:
                self._conn = None
                self._version_ok = False

    def read(self, sql: str, params: Any = ()) -> list[Any]:
        return self.reader().execute(sql, params).fetchall()

    def read_one(self, sql: str, params: Any = ()) -> Any:
        return self.reader().execute(sql, params).fetchone()

    def iterate(self, sql: str, params: Any = ()) -> Iterator[dict[str, Any]]:
        """Rows as dicts, fetched 500 at a time from a server-side cursor (``WITH HOLD``: it outlives the
        statement's own transaction), so a whole history is written out in flat memory; the statement runs
        before this returns."""
        conn = self.reader()
        self._cursors += 1
        cursor = conn.raw.cursor(name=f"bazinga_iterate_{self._cursors}", withhold=True)
        statement, _ = _driver_sql(sql)
        conn._guard(cursor.execute, statement, tuple(params))
        first = conn._guard(cursor.fetchmany, 500)
        return self._rest(conn, cursor, first)

    def _rest(self, conn: Connection, cursor: Any, rows: list[tuple[Any, ...]]) -> Iterator[dict[str, Any]]:
        try:
            names: tuple[str, ...] = tuple(d[0] for d in cursor.description or ())
            while rows:
                for row in rows:
                    yield dict(zip(names, row))
                rows = conn._guard(cursor.fetchmany, 500)
        finally:
            if not conn.raw.closed:
                try:
                    cursor.close()
                except Exception:
                    pass

    def after_copy(self, conn: Connection, tables: list[str]) -> None:
        """After rows were inserted with their ids (copy-to): move each identity past the largest id."""
        for table in tables:
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )

    # -- maintenance -------------------------------------------------------------------------------
    def check(self) -> dict[str, Any]:
        """``check`` on PostgreSQL: the server keeps its own pages consistent, so this checks what
        bazinga-db promises on top: the recorded migrations, every table present, token totals equal to
        the token rows, each session's log numbered 1..n. Changes nothing; raises DatabaseUnusable with
        the problems as details when one fails."""
        conn = self.connection()
        version = self.current_version(conn)
        report: dict[str, Any] = {
            "path": self.shown,
            "verdict": "ok",
            "backend": "postgresql",
            "server_version": conn.execute("SHOW server_version").fetchone()[0],
            "schema": conn.execute("SELECT current_schema()").fetchone()[0],
            "schema_version": version,
            "skill_schema_version": pg_migrations.LATEST_VERSION,
            "consistency_check": "ok",
            "tables": {},
            "advice": [],
        }
        if version == 0:
            report["verdict"] = "ok: empty, not initialised yet"
            report["advice"].append(
                f"The first write initialises it, or run `python3 scripts/init_db.py {self.shown}`."
            )
            return report
        self._refuse_if_newer(version)
        problems: list[str] = []
        recorded = [
            tuple(r)
            for r in conn.execute(f"SELECT version, name FROM {pg_migrations.VERSION_TABLE} ORDER BY version")
        ]
        expected = [(m.version, m.name) for m in pg_migrations.MIGRATIONS[:version]]
        if recorded != expected:
            problems.append(
                f"the recorded migrations {recorded} are not the steps 1..{version} of this skill"
            )
        present = {
            r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        }
        tables = [*SPEC_TABLES, "token_totals"] if version >= 2 else list(SPEC_TABLES)
        missing = [t for t in tables if t not in present]
        if missing:
            problems.append("tables missing: " + ", ".join(missing))
        for table in tables:
            if table in present:
                report["tables"][table] = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        if not missing and version >= 2:
            drift = conn.execute(
                "SELECT COUNT(*) FROM (SELECT session_id, agent_type, COALESCE(agent_id, '') AS agent_key, "
                "SUM(tokens_estimated) AS tokens, COUNT(*) AS entries FROM token_usage "
                "GROUP BY 1, 2, 3) u FULL JOIN token_totals t USING (session_id, agent_type, agent_key) "
                "WHERE u.tokens IS DISTINCT FROM t.tokens OR u.entries IS DISTINCT FROM t.entries"
            ).fetchone()[0]
            if drift:
                problems.append(f"{drift} token totals differ from the token rows they sum")
        if "orchestration_logs" not in missing:
            gaps = conn.execute(
                "SELECT COUNT(*) FROM (SELECT session_id FROM orchestration_logs GROUP BY session_id "
                "HAVING MIN(seq) <> 1 OR MAX(seq) <> COUNT(*) OR COUNT(DISTINCT seq) <> COUNT(*)) g"
            ).fetchone()[0]
            if gaps:
                problems.append(f"{gaps} sessions have a log not numbered 1..n")
        if problems:
            raise DatabaseUnusable(
                f"{self.shown} failed the check: {problems[0]}",
                "Nothing was changed. The database was altered outside bazinga-db: restore it from your "
                "pg_dump backup, or copy-to a new database and compare.",
                details=problems[1:],
            )
        if version < pg_migrations.LATEST_VERSION:
            report["verdict"] = (
                f"ok: schema version {version}, needs an upgrade to {pg_migrations.LATEST_VERSION}"
            )
            report["advice"].append(
                f"The next write upgrades it, or run `python3 scripts/init_db.py {self.shown}`."
            )
        return report

    def backup(self, destination: str, force: bool = False, progress: Any = None) -> dict[str, Any]:
        """``backup`` copies a SQLite file page by page; a server database is backed up with its tools."""
        raise DatabaseUnusable(
            f"backup copies a SQLite database file; {self.shown} is a PostgreSQL database, so nothing was "
            "written",
            "Use the server's own backup: pg_dump --format=custom --file=bazinga.dump 'URL' (restore with "
            "pg_restore), or make a SQLite copy, verified row for row: {cmd:copy-to} backups/bazinga.db.",
        )

    # -- query -------------------------------------------------------------------------------------
    def query_readonly(
        self, sql: str, params: Any = (), *, limit: int = 0, timeout: float = 0, max_memory: int = 0
    ) -> PgQuery:
        """One read-only statement, enforced by the server (see the module docstring), started here (a
        refusal comes before any row) and iterated in batches, within ``limit`` rows and ``timeout`` seconds
        (0: none; ``statement_timeout`` per fetch). ``max_memory`` is SQLite's bound: the server's own
        memory settings apply here."""
        conn = self.reader()
        literal = _literal(self.driver, _dollar_placeholders(sql))
        arguments = ", ".join(_literal(self.driver, p) for p in params)
        tag = "bz"
        while f"${tag}$" in literal or f"${tag}$" in arguments:
            tag += "z"
        using = f" USING {arguments}" if arguments else ""
        cursor = conn.raw.cursor()
        try:
            cursor.execute(f"BEGIN READ ONLY; SET LOCAL statement_timeout = {int(timeout * 1000)}")
            cursor.execute(
                f"DO ${tag}$DECLARE c refcursor := 'bazinga_query'; "
                f"BEGIN OPEN c NO SCROLL FOR EXECUTE {literal}{using}; END${tag}$"
            )
            return PgQuery(self, cursor, limit, timeout)
        except self.driver.Error as error:
            self._rollback()
            raise self._query_error(error, timeout) from None
        except BaseException:
            self._rollback()
            raise

    def _query_error(self, error: Any, timeout: float) -> BazingaError:
        code = getattr(error, "pgcode", None) or ""
        text = self._clean(getattr(getattr(error, "diag", None), "message_primary", None) or str(error))
        if code in ("25006", "42P11", "0A000"):
            return QueryRefused(
                f"query refused: only one reading statement is allowed ({text})",
                "Use one SELECT (or WITH ... SELECT) per call. Writes go through the other commands; "
                "schema changes, SET and transaction control are not available.",
            )
        if code == "57014":
            return QueryRefused(
                f"query stopped: it ran longer than {timeout:g} s (the time limit)",
                f"Narrow it (WHERE on session_id, LIMIT), or {TIME_HINT}. Nothing was changed.",
            )
        if code.startswith("42") or code.startswith("22"):
            return QueryRefused(
                f"query failed: {text}",
                "Check the SQL; the tables and columns are listed in references/schema.md.",
            )
        return self.translate(error)


class PgQuery:
    """The rows of one read-only statement, fetched ``_FETCH`` at a time from its server-side cursor inside
    the statement's READ ONLY transaction (rolled back when the rows end, the limit is reached or the
    caller stops): constant memory, like readonly.ReadOnlyQuery on SQLite."""

    def __init__(self, store: PgStore, cursor: Any, limit: int, timeout: float) -> None:
        self.store = store
        self.cursor = cursor
        self.limit = limit
        self.timeout = timeout
        self.truncated = False
        self._rows = self._fetch()  # the first batch now: a failing statement fails before any row
        self.columns = unique_names([d[0] for d in cursor.description or ()])

    def _fetch(self) -> list[Any]:
        self.cursor.execute(f'FETCH FORWARD {_FETCH} FROM "bazinga_query"')
        return list(self.cursor.fetchall())

    def __iter__(self) -> Iterator[dict[str, Any]]:
        names, count = self.columns, 0
        try:
            rows = self._rows
            while rows:
                for row in rows:
                    if self.limit and count == self.limit:
                        self.truncated = True
                        return
                    count += 1
                    yield dict(zip(names, row))
                rows = self._fetch()
        except self.store.driver.Error as error:
            raise self.store._query_error(error, self.timeout) from None
        finally:
            self.store._rollback()


# libpq reports a login the server refused as text only (psycopg2 gives no SQLSTATE before a connection
# exists); these are the server's own messages for the three cases an agent can fix in its URL.
_LOGIN_REFUSALS = (
    ("password authentication failed", "28P01"),
    ("no pg_hba.conf entry", "28000"),
    ('role "', "28000"),  # role "x" does not exist
    ('database "', "3D000"),  # database "x" does not exist
)


def _login_code(error: Exception) -> str:
    """The SQLSTATE of a refused login, read from the server's message; "" when it is something else."""
    text = str(error)
    if "does not exist" not in text and "authentication failed" not in text and "pg_hba" not in text:
        return ""
    return next((code for marker, code in _LOGIN_REFUSALS if marker in text), "")


def _numeric(value: str | None, _cursor: Any) -> Any:
    """NUMERIC results (SUM of integers, AVG) as int when whole and float otherwise, as SQLite gives them."""
    if value is None:
        return None
    if "." not in value and "e" not in value.lower() and value not in ("NaN", "Infinity", "-Infinity"):
        return int(value)
    number = float(value)
    return number


def _literal(driver: Any, value: Any) -> str:
    return str(driver.extensions.adapt(value).getquoted().decode("utf-8"))


def _dollar_placeholders(sql: str) -> str:
    """``?`` placeholders (SQLite's, which query accepts) as $1, $2, ...; quoted text and comments kept."""
    out, number, i, n = [], 0, 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"":
            end = i + 1
            while end < n:
                if sql[end] == ch:
                    if end + 1 < n and sql[end + 1] == ch:
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1])
            i = end + 1
            continue
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end])
            i = end
            continue
        if sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end])
            i = end
            continue
        if ch == "?":
            number += 1
            out.append(f"${number}")
        else:
            out.append(ch)
        i += 1
    return "".join(out)
