"""`query`: one read-only SQL statement, with read-only enforced by SQLite itself.

Three locks, none of which looks at the SQL text: the file is opened read-only, ``PRAGMA query_only`` is
set, and an authorizer allows only reading actions (no PRAGMA, ATTACH, writes, schema changes or
transactions). A statement list is refused by the sqlite3 module ("one statement at a time").
"""

from __future__ import annotations

import sqlite3
import sys

from .errors import QueryRefused
from .storage import Store, translate

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
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
_DENIED_FUNCTIONS = {"load_extension", "readfile", "writefile", "edit"}


def run_readonly(store: Store, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    conn = store.reader()
    denied: list[str] = []

    def authorizer(action: int, arg1: Any, arg2: Any, dbname: Any, source: Any) -> int:
        if action == sqlite3.SQLITE_FUNCTION and str(arg2).lower() in _DENIED_FUNCTIONS:
            denied.append(f"function {arg2}()")
            return sqlite3.SQLITE_DENY
        if action in _ALLOWED:
            return sqlite3.SQLITE_OK
        name = _ACTIONS[action - 1] if 1 <= action <= len(_ACTIONS) else f"action {action}"
        denied.append(name + (f" on {arg1}" if arg1 else ""))
        return sqlite3.SQLITE_DENY

    conn.execute("PRAGMA query_only = ON")
    conn.set_authorizer(authorizer)
    try:
        cursor = conn.execute(sql, params)
        names = unique_names([d[0] for d in cursor.description or ()])
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    except sqlite3.Warning as error:  # "You can only execute one statement at a time."
        raise QueryRefused(f"query refused: {error}", "Run exactly one SELECT statement per call.") from error
    except sqlite3.ProgrammingError as error:
        text = str(error)
        if "one statement" in text:
            raise QueryRefused(
                f"query refused: {text}", "Run exactly one SELECT statement per call."
            ) from error
        raise QueryRefused(f"query failed: {text}", "Check the SQL and its parameters.") from error
    except sqlite3.DatabaseError as error:
        if denied or "not authorized" in str(error) or "readonly" in str(error).lower():
            # The first denial names the statement's own action, except for schema changes, which SQLite
            # checks as a write to sqlite_master before naming the CREATE/DROP itself.
            specific = [d for d in denied if not d.endswith("sqlite_master")]
            what = (specific or denied or [str(error)])[0]
            raise QueryRefused(
                f"query refused: only reading is allowed, and this statement would need {what}",
                "Use SELECT (or WITH ... SELECT). Writes go through the other commands; schema changes, "
                "PRAGMA and ATTACH are not available.",
            ) from error
        if isinstance(error, sqlite3.OperationalError) and (
            "syntax" in str(error) or "no such" in str(error) or "incomplete" in str(error)
        ):
            raise QueryRefused(
                f"query failed: {error}",
                "Check the SQL; the tables and columns are listed in references/schema.md.",
            ) from error
        raise translate(error, store.path) from error
    finally:
        # set_authorizer(None) clears the callback only from Python 3.11 on; before, an allow-all one does.
        conn.set_authorizer(None if sys.version_info >= (3, 11) else _allow_all)
        conn.execute("PRAGMA query_only = OFF")  # the connection may be the writer of a library user


def _allow_all(*_: Any) -> int:
    return sqlite3.SQLITE_OK


def unique_names(names: list[str]) -> list[str]:
    """Column names made unique the way query returns them: a repeated name gets _2, _3, ..."""
    seen: dict[str, int] = {}
    result = []
    for name in names:
        count = seen.get(name, 0) + 1
        seen[name] = count
        result.append(name if count == 1 else f"{name}_{count}")
    return result
