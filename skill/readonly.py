"""`query`: one read-only SQL statement, with read-only enforced by SQLite itself, streamed within bounds.

Three locks, none of which looks at the SQL text: the file is opened read-only, ``PRAGMA query_only`` is
set, and an authorizer allows only reading actions (no PRAGMA, ATTACH, writes, schema changes or
transactions). A statement list is refused by the sqlite3 module ("one statement at a time"). Rows are
streamed (constant memory) within a row limit, a time limit and a memory limit; each refusal or truncation
says which limit was reached and how to raise it.
"""

from __future__ import annotations

import sqlite3
import sys
import time

from .errors import QueryRefused
from .storage import Store, translate

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

_ALLOWED = {
    sqlite3.SQLITE_SELECT,
    sqlite3.SQLITE_READ,
    sqlite3.SQLITE_FUNCTION,
    getattr(sqlite3, "SQLITE_RECURSIVE", 33),
}
# The authorizer's action codes 1..33, as SQLite numbers them (sqlite3 exposes them with other constants
# that share the same values, so the names are listed here rather than looked up).
_ACTIONS = (
    (
        "CREATE INDEX CREATE TABLE|CREATE TEMP INDEX|CREATE TEMP TABLE|CREATE TEMP TRIGGER|"
        "CREATE TEMP VIEW|CREATE TRIGGER|CREATE VIEW|DELETE|DROP INDEX|DROP TABLE|DROP TEMP INDEX|"
        "DROP TEMP TABLE|DROP TEMP TRIGGER|DROP TEMP VIEW|DROP TRIGGER|DROP VIEW|INSERT|PRAGMA|READ|SELECT|"
        "TRANSACTION|UPDATE|ATTACH|DETACH|ALTER TABLE|REINDEX|ANALYZE|CREATE VTABLE|DROP VTABLE|FUNCTION|"
        "SAVEPOINT|RECURSIVE"
    )
    .replace("CREATE INDEX CREATE", "CREATE INDEX|CREATE")
    .split("|")
)
# Functions refused even though SQLite calls them reads: they reach outside the database (files,
# extensions), edit text interactively, or hand out native pointers (fts3_tokenizer, fts5) that a caller
# could turn into a crash or worse.
_DENIED_FUNCTIONS = {"load_extension", "readfile", "writefile", "edit", "fts3_tokenizer", "fts5"}
# Table-valued functions that only read their arguments. SQLite registers them on first use through a
# nested schema statement that the authorizer would refuse, so they are warmed up before it is installed.
_WARM_UP = ("SELECT 1 FROM json_each('[]')", "SELECT 1 FROM json_tree('[]')")
# Connection.setlimit and SQLITE_LIMIT_LENGTH exist from Python 3.11 on (looked up, for 3.9's type check).
_SETLIMIT: Any = getattr(sqlite3.Connection, "setlimit", None)
_LIMIT_LENGTH: int = getattr(sqlite3, "SQLITE_LIMIT_LENGTH", 0)
_PROGRESS_STEPS = 10_000  # virtual-machine steps between two looks at the clock
_FETCH = 100  # rows fetched at a time: memory stays flat whatever the result's size

MEMORY_HINT = "--max-memory MB (max_memory= in the API) raises it; 0 lifts it"
TIME_HINT = "--timeout SECONDS (timeout= in the API) raises it; 0 lifts it"
ROWS_HINT = "--limit N (limit= in the API) raises it; --limit 0 lifts it"


class ReadOnlyQuery:
    """One read-only statement, prepared and started on construction (so a refusal comes before any row),
    then iterated row by row (dicts) in constant memory, within three bounds:

    - ``limit`` rows (0: no limit); reaching it with rows left sets ``truncated``, it is not an error;
    - ``timeout`` seconds for the whole statement (0: none), by a progress handler: QueryRefused;
    - ``max_memory`` MB (0: none) for any value the statement builds (a string, a blob, a group_concat),
      which is what makes a statement's memory grow, since rows are streamed and sorts spill to temporary
      files: SQLite's length limit on the connection (Python 3.11+; restored afterwards), or on 3.9/3.10
      its heap limit, which is process-wide and can only be lowered: QueryRefused.
    """

    def __init__(self, store: Store, sql: str, params: Any, limit: int, timeout: float, max_memory: int):
        self.store = store
        self.limit = limit
        self.timeout = timeout
        self.max_memory = max_memory
        self.truncated = False
        self._closed = False
        self.denied: list[str] = []
        conn = self.conn = store.reader()
        for statement in _WARM_UP:
            conn.execute(statement).fetchall()
        self._length: int | None = None
        if max_memory:
            # SQLite's own ceiling for a value is below 2 GiB: a larger bound is that ceiling.
            size = min(int(max_memory) * 1024 * 1024, 2**31 - 1)
            if _SETLIMIT is not None:  # Python 3.11+: per connection, and restored afterwards
                self._length = _SETLIMIT(conn, _LIMIT_LENGTH, size)
            else:  # 3.9/3.10: SQLite's heap limit, process-wide; a pragma can only ever lower it
                conn.execute(f"PRAGMA hard_heap_limit = {size}")
        deadline = time.monotonic() + timeout if timeout else None
        if deadline is not None:
            conn.set_progress_handler(lambda: time.monotonic() > deadline, _PROGRESS_STEPS)
        conn.execute("PRAGMA query_only = ON")
        conn.set_authorizer(self._authorizer)
        try:
            self.cursor = conn.execute(sql, params)
            self.columns = unique_names([d[0] for d in self.cursor.description or ()])
            self._rows = self.cursor.fetchmany(_FETCH)
        except BaseException as error:
            self.close()
            raise self._refusal(error) from None

    def _authorizer(self, action: int, arg1: Any, arg2: Any, dbname: Any, source: Any) -> int:
        if action == sqlite3.SQLITE_FUNCTION and str(arg2).lower() in _DENIED_FUNCTIONS:
            self.denied.append(f"function {arg2}()")
            return sqlite3.SQLITE_DENY
        if action in _ALLOWED:
            return sqlite3.SQLITE_OK
        name = _ACTIONS[action - 1] if 1 <= action <= len(_ACTIONS) else f"action {action}"
        self.denied.append(name + (f" on {arg1}" if arg1 else ""))
        return sqlite3.SQLITE_DENY

    def __iter__(self) -> Iterator[dict[str, Any]]:
        names, limit, count = self.columns, self.limit, 0
        try:
            rows = self._rows
            while rows:
                for row in rows:
                    if limit and count == limit:
                        self.truncated = True
                        return
                    count += 1
                    yield dict(zip(names, row))
                rows = self.cursor.fetchmany(_FETCH)
        except BaseException as error:
            raise self._refusal(error) from None
        finally:
            self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        conn = self.conn
        # set_authorizer(None) clears the callback only from Python 3.11 on; before, an allow-all one does.
        conn.set_authorizer(None if sys.version_info >= (3, 11) else _allow_all)
        conn.set_progress_handler(None, 0)
        try:
            cursor = getattr(self, "cursor", None)
            if cursor is not None:
                cursor.close()
            conn.execute("PRAGMA query_only = OFF")  # the connection may be the writer of a library user
            if self._length is not None and _SETLIMIT is not None:
                _SETLIMIT(conn, _LIMIT_LENGTH, self._length)
        except sqlite3.Error:
            pass

    def _refusal(self, error: BaseException) -> BaseException:
        """The project's error for what stopped the statement (``error`` itself when not SQLite's)."""
        heap_limited = self.max_memory and self._length is None  # 3.9/3.10: SQLite's NOMEM is MemoryError
        if (isinstance(error, MemoryError) and heap_limited) or (
            isinstance(error, sqlite3.Error) and ("too big" in str(error) or "out of memory" in str(error))
        ):
            if not self.max_memory:
                return error
            return QueryRefused(
                f"query stopped: it built a value larger than {self.max_memory:,} MB (the memory limit)",
                f"Select fewer or smaller values (substr(), length(), LIMIT), or {MEMORY_HINT}.",
            )
        if isinstance(error, sqlite3.OperationalError) and "interrupted" in str(error):
            return QueryRefused(
                f"query stopped: it ran longer than {self.timeout:g} s (the time limit)",
                f"Narrow it (WHERE, LIMIT, an index), or {TIME_HINT}. Nothing was changed.",
            )
        if not isinstance(error, sqlite3.Error):
            return error
        return _translate(error, self.denied, self.store)


def run_readonly(
    store: Store, sql: str, params: Any = (), *, limit: int = 0, timeout: float = 0, max_memory: int = 0
) -> ReadOnlyQuery:
    """Start one read-only statement; iterate the result for its rows (see :class:`ReadOnlyQuery`)."""
    return ReadOnlyQuery(store, sql, params, limit, timeout, max_memory)


def _translate(error: sqlite3.Error, denied: list[str], store: Store) -> BaseException:
    if isinstance(error, sqlite3.Warning):  # "You can only execute one statement at a time."
        return QueryRefused(f"query refused: {error}", "Run exactly one SELECT statement per call.")
    if isinstance(error, sqlite3.ProgrammingError):
        text = str(error)
        if "one statement" in text:
            return QueryRefused(f"query refused: {text}", "Run exactly one SELECT statement per call.")
        return QueryRefused(f"query failed: {text}", "Check the SQL and its parameters.")
    if denied or "not authorized" in str(error) or "readonly" in str(error).lower():
        # The first denial names the statement's own action, except for schema changes, which SQLite
        # checks as a write to sqlite_master before naming the CREATE/DROP itself.
        specific = [d for d in denied if not d.endswith("sqlite_master")]
        what = (specific or denied or [str(error)])[0]
        return QueryRefused(
            f"query refused: only reading is allowed, and this statement would need {what}",
            "Use SELECT (or WITH ... SELECT); json_each() and json_tree() are available. Writes go through "
            "the other commands; schema changes, PRAGMA and ATTACH are not available.",
        )
    if isinstance(error, sqlite3.OperationalError) and (
        "syntax" in str(error) or "no such" in str(error) or "incomplete" in str(error)
    ):
        return QueryRefused(
            f"query failed: {error}",
            "Check the SQL; the tables and columns are listed in references/schema.md.",
        )
    return translate(error, store.path)


def _allow_all(*_: Any) -> int:
    return sqlite3.SQLITE_OK


def unique_names(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for name in names:
        count = seen.get(name, 0) + 1
        seen[name] = count
        result.append(name if count == 1 else f"{name}_{count}")
    return result
