"""Connections and transactions.

Every connection: WAL journal, ``foreign_keys=ON``, 30 s busy timeout. Writes run in ``BEGIN IMMEDIATE``
(the write lock is taken up front, so two writers never deadlock upgrading a read lock) and are retried a
bounded number of times when SQLite still reports the database busy. Reads open the file read-only and
never create or migrate anything.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import time

from . import migrations
from .dialect import SQLITE
from .errors import BazingaError, Conflict, DatabaseBusy, DatabaseUnusable, NoDatabase

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, Callable, TypeVar

    from .readonly import ReadOnlyQuery

    T = TypeVar("T")

BUSY_TIMEOUT_MS = 30_000
WRITE_ATTEMPTS = 5
# A write waiting for another process's write lock reports it (``on_wait``) after this many seconds and
# every as many seconds after; it waits in slices of _WAIT_SLICE_MS so that it can.
WAIT_NOTICE_EVERY = 5
_WAIT_SLICE_MS = 500
_RETRY_PAUSES = (0.05, 0.1, 0.25, 0.5)

# Optional SQL tracer: BAZINGA_DB_TRACE=1 prints every statement to stderr (never stdout).
_TRACE = os.environ.get("BAZINGA_DB_TRACE") == "1"


def is_url(location: str) -> bool:
    """True for a PostgreSQL URL (postgresql://... or postgres://...); anything else is a SQLite path."""
    return location.startswith(("postgresql://", "postgres://"))


def open_store(location: str) -> Store:
    """The store for a location: PostgreSQL for a URL (its module and driver loaded only then), else
    SQLite."""
    if is_url(location):
        try:
            from .pgstore import PgStore
        except ImportError:  # the upload ZIP ships the SQLite backend only
            raise DatabaseUnusable(
                f"this copy of bazinga-db has no PostgreSQL backend, so it cannot open {redact(location)}",
                "The skill's upload package is SQLite-only: give {term:db} a file path, or use bazinga-db "
                "installed from its repository with the extra: pip install 'bazinga-db[postgres]'.",
            ) from None
        return PgStore(location)  # type: ignore[return-value]
    return Store(location)


def redact(url: str) -> str:
    """The URL as messages show it: a password (in the authority or ?password=) replaced by ***."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, hosts = netloc.rpartition("@")
            if ":" in userinfo:
                userinfo = userinfo.split(":", 1)[0] + ":***"
            netloc = f"{userinfo}@{hosts}"
        query = parts.query
        if "password" in query.lower():
            pairs = [(k, "***" if k.lower() == "password" else v) for k, v in parse_qsl(query, True)]
            query = urlencode(pairs, safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return url.split("://", 1)[0] + "://***"


def display_path(path: str) -> str:
    """A path as replies show it: relative to the working directory when inside it; a URL without its
    password."""
    if is_url(path):
        return redact(path)
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative


def _is_busy(error: sqlite3.Error) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


def translate(error: sqlite3.Error, path: str) -> BazingaError:
    """Turn a sqlite3 error into the project's family, with a hint an agent can act on."""
    text = str(error)
    lowered = text.lower()
    shown = display_path(path)
    if isinstance(error, sqlite3.IntegrityError):
        return Conflict(
            f"the database refused the write: {text}",
            "Check the ids; nothing was written.",
            code="constraint",
        )
    if "not a database" in lowered or "malformed" in lowered:
        return DatabaseUnusable(
            f"{shown} is not a usable SQLite database ({text})",
            "The file was left untouched. If {term:db} names the wrong file, fix {term:db}. "
            "If it is a damaged bazinga database, keep it, run `check` on it and restore the latest backup; "
            "moving it aside lets the next write start a new, empty database.",
            code="not_a_database",
        )
    if "disk is full" in lowered or "database or disk is full" in lowered:
        return DatabaseUnusable(
            f"the disk holding {shown} is full; nothing was written",
            "Free some space, then retry the same command.",
            code="disk_full",
        )
    if "readonly" in lowered or "read-only" in lowered:
        return DatabaseUnusable(
            f"{shown} cannot be written ({text})",
            "Check the file's and its folder's permissions (the folder must be writable for the WAL files).",
            code="read_only",
        )
    if "unable to open" in lowered and folder_is_read_only(path):
        return DatabaseUnusable(
            f"cannot open {shown}: its folder is read-only ({text})",
            "SQLite needs to create the -wal and -shm files beside the database. Make the folder writable "
            "(or remount it read-write), or point {term:db} at a copy in a writable folder; "
            "nothing was written.",
            code="folder_read_only",
        )
    if "unable to open" in lowered:
        return DatabaseUnusable(
            f"cannot open {shown} ({text})",
            "Check that the path names a file (not a folder) in a folder you can read and write.",
            code="cannot_open",
        )
    if _is_busy(error):
        return DatabaseBusy(
            f"{shown} stayed locked by another process beyond {BUSY_TIMEOUT_MS // 1000} s and "
            f"{WRITE_ATTEMPTS} attempts; nothing was written",
            "Retry the same command; if it persists, look for a process holding a long transaction.",
        )
    if "i/o" in lowered or "disk i/o" in lowered:
        code = getattr(error, "sqlite_errorname", "") or ""
        return DatabaseUnusable(
            f"disk I/O error on {shown}" + (f" ({code})" if code else f" ({text})") + "; nothing was written",
            "The disk may be full, a file-size limit (ulimit -f) reached, or the device failing. "
            "Free space or raise the limit, then retry the same command; "
            "`check` tells whether the database is intact.",
            code="io_error",
        )
    return DatabaseUnusable(
        f"SQLite error on {shown}: {text}",
        "Run `check` on the database; retry the command.",
        code="sqlite_error",
    )


def _configure(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.row_factory = sqlite3.Row
    if _TRACE:
        import sys

        conn.set_trace_callback(lambda sql: print(f"[sql] {sql}", file=sys.stderr))
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _ro_uri(path: str, immutable: bool = False) -> str:
    absolute = os.path.abspath(path)
    escaped = absolute.replace("%", "%25").replace("?", "%3f").replace("#", "%23")
    return f"file:{escaped}?mode=ro" + ("&immutable=1" if immutable else "")


def quote_identifier(name: str) -> str:
    """The one quoting helper for SQL identifiers (table names read from sqlite_master)."""
    return '"' + name.replace('"', '""') + '"'


def folder_is_read_only(path: str) -> bool:
    """True when the database's folder cannot take new files (read-only mount, or no write permission)."""
    folder = os.path.dirname(os.path.abspath(path))
    return os.path.isdir(folder) and not os.access(folder, os.W_OK)


def open_read_only(path: str, recover: bool = True) -> sqlite3.Connection:
    """Open read-only; in a folder that takes no new files (read-only media, or no write permission), where
    SQLite cannot create the -shm it needs, read the file as immutable (safe there: with no -wal beside it
    and a folder nobody can add one to, no writer can change it)."""
    conn = None
    try:
        conn = sqlite3.connect(_ro_uri(path), uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError as error:
        if conn is not None:
            conn.close()
        if recover and "readonly" in str(error).lower() and _roll_back_hot_journal(path):
            return open_read_only(path, recover=False)
        text = str(error).lower()
        # A folder nobody may add files to (a read-only mount, or mode 0555 on a writable disk): SQLite
        # cannot create the -shm a WAL reader needs, and says "unable to open" or "readonly".
        if (
            ("unable to open" not in text and "readonly" not in text)
            or not folder_is_read_only(path)
            or os.path.exists(path + "-wal")
        ):
            raise
    except sqlite3.Error:
        if conn is not None:
            conn.close()
        raise
    return sqlite3.connect(
        _ro_uri(path, immutable=True), uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
    )


def _roll_back_hot_journal(path: str) -> bool:
    """A process killed mid-transaction in rollback-journal mode (for instance while a new file was being
    switched to WAL) leaves a hot -journal that a read-only connection may not roll back, so every read
    failed with "attempt to write a readonly database" until some write came along. Opening the file
    read-write once lets SQLite do its normal recovery: the file returns to its last committed state.
    Returns True when a recovery was attempted."""
    if not os.path.exists(path + "-journal") or folder_is_read_only(path):
        return False
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return True


def check_database_path(path: str) -> None:
    """Refuse paths that can never hold a database: folders, devices, FIFOs, sockets, NUL characters.

    SQLite would open /dev/null "successfully", accept writes that vanish, and leave a -journal beside the
    device; a FIFO blocks or fails with an I/O error. Refusing them up front loses nothing and says why.
    """
    if "\x00" in path:
        raise DatabaseUnusable(
            "the database path contains a NUL character", "Give {term:db} a plain file path.", code="bad_path"
        )
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return  # missing (created on first write) or unreadable (reported by the open)
    if stat.S_ISDIR(mode):
        raise DatabaseUnusable(
            f"{display_path(path)} is a directory, not a database file",
            "Give {term:db} the path of a file, for example coordination/bazinga.db.",
            code="not_a_file",
        )
    if not stat.S_ISREG(mode):
        kind = (
            "a character device"
            if stat.S_ISCHR(mode)
            else "a block device"
            if stat.S_ISBLK(mode)
            else "a FIFO (named pipe)"
            if stat.S_ISFIFO(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "not a regular file"
        )
        raise DatabaseUnusable(
            f"{display_path(path)} is {kind}, not a database file",
            "Give {term:db} the path of a regular file, for example coordination/bazinga.db.",
            code="not_a_file",
        )


DEFAULT_FOLDER, DEFAULT_NAME = "coordination", "bazinga.db"


def make_default_folder(path: str) -> None:
    """Create the folder of a new database when it is the default layout, ``coordination/bazinga.db`` in
    an existing folder (a project's root); refuse any other missing folder, naming it, creating nothing.

    A mistyped ``--db /tmp/proejct/x.db`` must not silently grow a folder tree (and a database nobody
    reads); the default location is the one folder every project gets without asking."""
    absolute = os.path.abspath(path)
    folder = os.path.dirname(absolute)
    parent = os.path.dirname(folder)
    default = (
        os.path.basename(absolute) == DEFAULT_NAME
        and os.path.basename(folder) == DEFAULT_FOLDER
        and os.path.isdir(parent)
    )
    if not default:
        missing = folder
        while not os.path.isdir(os.path.dirname(missing)) and os.path.dirname(missing) != missing:
            missing = os.path.dirname(missing)  # the outermost folder that is missing
        shown = display_path(folder)
        raise DatabaseUnusable(
            f"cannot create the database {display_path(path)}: its folder {shown} does not exist"
            + (f" ({display_path(missing)} is missing)" if missing != folder else ""),
            f"Create it first (mkdir -p {display_path(folder)}), or choose a database path in an existing "
            f"folder ({{term:db}}); only the default {DEFAULT_FOLDER}/{DEFAULT_NAME} gets its folder made.",
            code="missing_folder",
        )
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass  # another process made it meanwhile
    except OSError as error:
        raise DatabaseUnusable(
            f"cannot create the folder {display_path(folder)}: {error.strerror}",
            "Create it yourself or choose another {term:db} path.",
            code="cannot_create_folder",
        ) from error


class _Waiting:
    """The time one write has waited for the lock, reported every WAIT_NOTICE_EVERY seconds."""

    def __init__(self, report: Callable[[int], None] | None):
        self.report = report
        self.started = self.attempt = time.monotonic()
        self.next = WAIT_NOTICE_EVERY

    def still(self, limit_ms: int) -> bool:
        """After a failed try: False once this attempt has waited ``limit_ms``, else True (reporting the
        whole wait, over every attempt, when it is time)."""
        now = time.monotonic()
        if (now - self.attempt) * 1000 >= limit_ms:
            return False
        waited = now - self.started
        if waited >= self.next and self.report is not None:
            self.report(int(waited))
            self.next = int(waited) + WAIT_NOTICE_EVERY
        return True


class Store:
    """One database file; opens connections lazily and reports what it did to the file.

    The backend interface (skill/pgstore.py's PgStore has the same): writer(), reader(), write(work),
    begin()/commit()/rollback(), read(), read_one(), iterate(), schema_version(), exists(),
    query_readonly(), close(), ``applied`` (migration steps the last open applied) and ``dialect``.
    """

    dialect = SQLITE

    def __init__(self, path: str):
        self.path = os.fspath(path)
        self._writer: sqlite3.Connection | None = None
        self._reader: sqlite3.Connection | None = None
        self.applied: list[migrations.Migration] = []
        self.in_batch = False  # True between begin() and commit()/rollback(): write() joins that transaction
        # Called with the seconds waited so far when a write has waited WAIT_NOTICE_EVERY s for the lock.
        self.on_wait: Callable[[int], None] | None = None

    # -- opening -----------------------------------------------------------------------------------
    def _check_path(self) -> None:
        check_database_path(self.path)

    def writer(self) -> sqlite3.Connection:
        """A connection that may write; creates and migrates the file when needed."""
        if self._writer is not None:
            return self._writer
        self._check_path()
        folder = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(folder):
            make_default_folder(self.path)
        try:
            conn = _configure(
                sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            )
            version = migrations.current_version(conn)
            migrations.refuse_if_newer(version, display_path(self.path))
            if version < migrations.LATEST_VERSION:
                if version == 0:
                    # A foreign or truncated file also reads as version 0: make SQLite read its schema
                    # (raising "malformed" / "not a database") before anything is written to it.
                    conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                    self._enable_wal(conn)
                self.applied = migrations.migrate(conn, display_path(self.path))
        except sqlite3.Error as error:
            raise translate(error, self.path) from error
        self._writer = conn
        return conn

    @staticmethod
    def _enable_wal(conn: sqlite3.Connection) -> None:
        # journal_mode cannot change inside a transaction and may meet a racing creator's lock.
        for pause in _RETRY_PAUSES + (None,):
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                if pause is None or not _is_busy(error):
                    raise
                time.sleep(pause)

    def reader(self) -> sqlite3.Connection:
        """A read-only connection; refuses a missing, empty, outdated or newer file without touching it."""
        if self._writer is not None:
            return self._writer
        if self._reader is not None:
            return self._reader
        self._check_path()
        shown = display_path(self.path)
        if not os.path.exists(self.path):
            raise NoDatabase(
                f"no database at {shown} yet",
                "It is created by the first write (for example {cmd:create-session}), or run "
                f"`{{term:init_db}} {shown}`. Check {{term:db_env}} if you expected one.",
            )
        try:
            conn = _configure(open_read_only(self.path))
            version = migrations.current_version(conn)
        except sqlite3.Error as error:
            raise translate(error, self.path) from error
        migrations.refuse_if_newer(version, shown)
        if version < migrations.LATEST_VERSION:
            conn.close()
            state = "empty (not initialised)" if version == 0 else f"at schema version {version}"
            raise DatabaseUnusable(
                f"{shown} is {state}; this skill needs version {migrations.LATEST_VERSION}",
                f"Read commands never change the file: run `{{term:init_db}} {shown}` (or any write) "
                "to bring it up to date.",
                code="outdated_schema",
            )
        self._reader = conn
        return conn

    def schema_version(self) -> int:
        """The schema version of the open writer (initialize() reports it)."""
        return migrations.current_version(self.writer())

    def exists(self) -> bool:
        """True when there is a database file with something in it (a dry run never creates one)."""
        return os.path.exists(self.path) and os.path.getsize(self.path) > 0

    def query_readonly(
        self, sql: str, params: Any = (), *, limit: int = 0, timeout: float = 0, max_memory: int = 0
    ) -> ReadOnlyQuery:
        """One read-only statement, started now and iterated row by row within its bounds; SQLite enforces
        that it only reads (skill/readonly.py)."""
        from .readonly import run_readonly

        return run_readonly(self, sql, params, limit=limit, timeout=timeout, max_memory=max_memory)

    def after_copy(self, conn: sqlite3.Connection, tables: list[str]) -> None:
        """After rows were inserted with their ids (copy-to): nothing to do, AUTOINCREMENT follows them."""

    def check(self) -> dict[str, Any]:
        """Integrity, schema version, WAL state and rows per table (skill/maintenance.py)."""
        from .maintenance import check

        return check(self.path)

    def backup(
        self, destination: str, force: bool = False, progress: Callable[[int, int], None] | None = None
    ) -> dict[str, Any]:
        """An online copy of the file (skill/maintenance.py); ``progress(pages copied, pages)`` per step."""
        from .maintenance import backup

        return backup(self.path, destination, force=force, progress=progress)

    def close(self) -> None:
        for conn in (self._writer, self._reader):
            if conn is not None:
                conn.close()
        self._writer = self._reader = None

    # -- transactions ------------------------------------------------------------------------------
    def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one BEGIN IMMEDIATE transaction; commit, or roll back and re-raise.

        Busy errors are retried (the work is re-run from scratch: nothing of a failed attempt was
        committed). The caller reports success only after this returns, i.e. after COMMIT.
        """
        conn = self.writer()
        if self.in_batch:  # inside begin()/commit(): the work joins the caller's transaction
            try:
                return work(conn)
            except sqlite3.Error as error:
                raise translate(error, self.path) from error
        last_error: sqlite3.Error | None = None
        waiting = _Waiting(self.on_wait)
        for attempt in range(WRITE_ATTEMPTS):
            try:
                self._begin_immediate(conn, waiting)
                result = work(conn)
                conn.execute("COMMIT")
                return result
            except sqlite3.Error as error:
                self._rollback(conn)
                if not (isinstance(error, sqlite3.OperationalError) and _is_busy(error)):
                    raise translate(error, self.path) from error
                last_error = error
                if attempt < len(_RETRY_PAUSES):
                    time.sleep(_RETRY_PAUSES[attempt])
            except BaseException:
                self._rollback(conn)
                raise
        assert last_error is not None
        raise translate(last_error, self.path)

    def _begin_immediate(self, conn: sqlite3.Connection, waiting: _Waiting) -> None:
        """BEGIN IMMEDIATE, waiting up to the busy timeout for another writer; with ``on_wait`` set, in
        short slices (SQLite's own busy wait cannot report), telling ``on_wait`` every few seconds."""
        if waiting.report is None:
            conn.execute("BEGIN IMMEDIATE")
            return
        waiting.attempt = time.monotonic()
        conn.execute(f"PRAGMA busy_timeout = {_WAIT_SLICE_MS}")
        try:
            while True:
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as error:
                    if not _is_busy(error) or not waiting.still(BUSY_TIMEOUT_MS):
                        raise
        finally:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")

    # -- one transaction around many writes (the batch command) ------------------------------------
    def begin(self) -> None:
        """Open a BEGIN IMMEDIATE transaction that every write() joins until commit() or rollback()."""
        conn = self.writer()
        waiting = _Waiting(self.on_wait)
        for pause in _RETRY_PAUSES + (None,):
            try:
                self._begin_immediate(conn, waiting)
                break
            except sqlite3.OperationalError as error:
                if pause is None or not _is_busy(error):
                    raise translate(error, self.path) from error
                time.sleep(pause)
        self.in_batch = True

    def commit(self) -> None:
        """Commit the transaction of begin(); on failure it is rolled back and the error raised."""
        self.in_batch = False
        conn = self.writer()
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as error:
            self._rollback(conn)
            raise translate(error, self.path) from error

    def rollback(self) -> None:
        self.in_batch = False
        if self._writer is not None:
            self._rollback(self._writer)

    @staticmethod
    def _rollback(conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def read(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        try:
            return self.reader().execute(sql, params).fetchall()
        except sqlite3.Error as error:
            raise translate(error, self.path) from error

    def iterate(self, sql: str, params: Any = ()) -> Iterator[dict[str, Any]]:
        """Rows as dicts, fetched a few hundred at a time; the statement starts before this returns."""
        try:
            cursor = self.reader().execute(sql, params)
            first = cursor.fetchmany(500)
        except sqlite3.Error as error:
            raise translate(error, self.path) from error
        return self._rest(cursor, first)

    def _rest(self, cursor: sqlite3.Cursor, rows: list[sqlite3.Row]) -> Iterator[dict[str, Any]]:
        try:
            while rows:
                for row in rows:
                    yield dict(row)
                rows = cursor.fetchmany(500)
        except sqlite3.Error as error:
            raise translate(error, self.path) from error

    def read_one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        try:
            row: sqlite3.Row | None = self.reader().execute(sql, params).fetchone()
            return row
        except sqlite3.Error as error:
            raise translate(error, self.path) from error
