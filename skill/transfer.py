"""From files to the database and back: import a legacy folder, export a session, import an exported session.

Library code: returns data, raises the family of ``skill.errors``, never prints. Imported lazily by the
three commands that use it, so no other command pays for it.

- :func:`import_files` writes the plan of :func:`skill.legacy.read_folder` in one ``BEGIN IMMEDIATE``
  transaction. Re-running it imports nothing twice: rows of the append-only tables (logs, snapshots, tokens,
  skill outputs, decisions) are matched on their whole content and only the missing ones are added;
  keyed rows (sessions, task groups, configuration) are added, left alone when equal, or updated to what
  the files say. The same comparison, made without writing, is the ``--dry-run`` report.
- :func:`export_session` gives one JSON document with everything a session owns; :func:`import_session`
  loads such a document into another database; :func:`export_markdown` writes the log in the legacy layout.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections import Counter
from typing import Any

from . import legacy, timeutil, validation
from .api import BazingaDB, _dump, check_token_totals
from .dialect import Dialect
from .errors import Conflict, InvalidArgument, InvalidPayload, NotFound
from .migrations import SPEC_TABLES
from .vocabulary import ARGUMENTS, VOCABULARY, convert

EXPORT_FORMAT = "bazinga-db/session"
MAX_REPORTED = 100  # problems listed in one ❌ report; a log with a systematic fault could have thousands
EXPORT_VERSION = 1

SESSION_FIELDS = (
    "session_id",
    "start_time",
    "end_time",
    "mode",
    "original_requirements",
    "status",
    "created_at",
    "updated_at",
)
# Per child table: the columns an export carries (no row ids: they belong to one database file), the
# JSON columns, and the ORDER BY that reproduces the order rows were written in.
CHILD_TABLES = {
    "orchestration_logs": (("seq", "timestamp", "iteration", "agent_type", "agent_id", "content"), (), "seq"),
    "state_snapshots": (("timestamp", "state_type", "state_data"), ("state_data",), "timestamp, id"),
    "task_groups": (
        (
            "id",
            "name",
            "status",
            "assigned_to",
            "revision_count",
            "last_review_status",
            "created_at",
            "updated_at",
        ),
        (),
        "created_at, {insertion_order}",
    ),
    "token_usage": (("timestamp", "agent_type", "agent_id", "tokens_estimated"), (), "timestamp, id"),
    "skill_outputs": (("timestamp", "skill_name", "output_data"), ("output_data",), "timestamp, id"),
    "decisions": (
        ("timestamp", "iteration", "decision_type", "decision_data"),
        ("decision_data",),
        "timestamp, id",
    ),
}
# What identifies a row of an append-only table (besides its session): equal on all of these = the same row.
IDENTITY = {
    "orchestration_logs": ("timestamp", "agent_type", "iteration", "agent_id", "content"),
    "state_snapshots": ("state_type", "timestamp", "state_data"),
    "token_usage": ("timestamp", "agent_type", "agent_id", "tokens_estimated"),
    "skill_outputs": ("skill_name", "timestamp", "output_data"),
    "decisions": ("timestamp", "iteration", "decision_type", "decision_data"),
}
SESSION_COMPARED = ("start_time", "end_time", "mode", "original_requirements", "status")
GROUP_COMPARED = ("name", "status", "assigned_to", "revision_count", "last_review_status")
# Tables whose rows have a key: (lookup, key columns, the columns an import may change).
KEYED = {
    "sessions": ("SELECT * FROM sessions WHERE session_id = ?", ("session_id",), SESSION_COMPARED),
    "task_groups": (
        "SELECT * FROM task_groups WHERE session_id = ? AND id = ?",
        ("session_id", "id"),
        GROUP_COMPARED,
    ),
}


def _canonical_json(value: Any) -> str:
    """JSON for comparing payloads as parsed JSON (key order and spacing do not matter)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _identity(table: str, row: dict[str, Any]) -> tuple[Any, ...]:
    key = []
    for column in IDENTITY[table]:
        value = row.get(column)
        key.append(_canonical_json(value) if column in JSON_COLUMNS else value)
    return tuple(key)


def _stored_identity(table: str, row: sqlite3.Row) -> tuple[Any, ...]:
    key = []
    for column in IDENTITY[table]:
        value = row[column]
        key.append(_canonical_json(json.loads(value)) if column in JSON_COLUMNS else value)
    return tuple(key)


# --------------------------------------------------------------------------------------------------
# Comparing rows with what a database holds


class _Changes:
    """What writing a set of rows would do: per table, the rows to insert and to update, and counts."""

    def __init__(self) -> None:
        self.inserts: dict[str, list[dict[str, Any]]] = {t: [] for t in SPEC_TABLES}
        self.updates: dict[str, list[dict[str, Any]]] = {t: [] for t in SPEC_TABLES}
        self.unchanged: Counter[str] = Counter()
        self.kept: list[str] = []  # keyed rows where the database is newer than the files

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            t: {"new": len(self.inserts[t]), "updated": len(self.updates[t]), "unchanged": self.unchanged[t]}
            for t in SPEC_TABLES
        }


def _compare(
    conn: sqlite3.Connection | None,
    rows: dict[str, list[dict[str, Any]]],
    insert_only: frozenset[str] = frozenset(),
) -> _Changes:
    """Split ``rows`` into new, changed and already-present rows. ``conn`` None: an empty database.

    ``insert_only``: session ids whose rows are added when missing but never update a stored session.
    """
    changes = _Changes()

    def one(sql: str, params: tuple[Any, ...]) -> sqlite3.Row | None:
        return conn.execute(sql, params).fetchone() if conn is not None else None

    for table, (sql, key_columns, compared) in KEYED.items():
        for row in rows[table]:
            stored = one(sql, tuple(row[c] for c in key_columns))
            if stored is None:
                changes.inserts[table].append(row)
            elif table == "sessions" and row["session_id"] in insert_only:
                changes.unchanged[table] += 1
            elif any(stored[c] != row[c] for c in compared):
                changes.updates[table].append(row)
            else:
                changes.unchanged[table] += 1
    for row in rows["configuration"]:
        stored = one("SELECT key, value, updated_at FROM configuration WHERE key = ?", (row["key"],))
        if stored is None:
            changes.inserts["configuration"].append(row)
        elif _canonical_json(json.loads(stored["value"])) == _canonical_json(row["value"]):
            changes.unchanged["configuration"] += 1
        elif stored["updated_at"] > row["updated_at"]:
            changes.unchanged["configuration"] += 1
            changes.kept.append(
                f"configuration {row['key']!r}: the database's value (updated "
                f"{stored['updated_at']}) is newer than the file's ({row['updated_at']}); kept"
            )
        else:
            changes.updates["configuration"].append(row)
    for table in IDENTITY:
        by_session: dict[str, list[dict[str, Any]]] = {}
        for row in rows[table]:
            by_session.setdefault(row["session_id"], []).append(row)
        for session_id, session_rows in by_session.items():
            present: Counter[tuple[Any, ...]] = Counter()
            if conn is not None:
                columns = ", ".join(IDENTITY[table])
                for stored in conn.execute(
                    f"SELECT {columns} FROM {table} WHERE session_id = ?", (session_id,)
                ):
                    present[_stored_identity(table, stored)] += 1
            for row in session_rows:  # a row the files hold k times is present k times at most
                key = _identity(table, row)
                if present[key] > 0:
                    present[key] -= 1
                    changes.unchanged[table] += 1
                else:
                    changes.inserts[table].append(row)
    return changes


def _apply(conn: sqlite3.Connection, changes: _Changes, dialect: Dialect) -> None:
    """Write ``changes`` (inside the caller's transaction). Parents first: sessions, then their rows."""
    now = timeutil.now()
    for row in changes.inserts["sessions"]:
        conn.execute(
            f"INSERT INTO sessions ({', '.join(SESSION_FIELDS)}) VALUES ({', '.join('?' * 8)})",
            tuple(row[c] for c in SESSION_FIELDS),
        )
    for row in changes.updates["sessions"]:
        conn.execute(
            "UPDATE sessions SET start_time = ?, end_time = ?, mode = ?, original_requirements = ?, "
            "status = ?, updated_at = ? WHERE session_id = ?",
            (*(row[c] for c in SESSION_COMPARED), now, row["session_id"]),
        )
    for row in changes.inserts["task_groups"]:
        conn.execute(
            "INSERT INTO task_groups (id, session_id, name, status, assigned_to, revision_count, "
            "last_review_status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row["id"],
                row["session_id"],
                *(row[c] for c in GROUP_COMPARED),
                row["created_at"],
                row["updated_at"],
            ),
        )
    for row in changes.updates["task_groups"]:
        conn.execute(
            "UPDATE task_groups SET name = ?, status = ?, assigned_to = ?, revision_count = ?, "
            "last_review_status = ?, updated_at = ? WHERE session_id = ? AND id = ?",
            (*(row[c] for c in GROUP_COMPARED), row["updated_at"], row["session_id"], row["id"]),
        )
    for row in changes.inserts["configuration"] + changes.updates["configuration"]:
        conn.execute(
            "INSERT INTO configuration (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) "
            "DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (row["key"], _dump(row["value"]), row["updated_at"]),
        )
    _insert_logs(conn, changes.inserts["orchestration_logs"])
    conn.executemany(
        "INSERT INTO state_snapshots (session_id, timestamp, state_type, state_data) VALUES (?, ?, ?, ?)",
        [
            (r["session_id"], r["timestamp"], r["state_type"], _dump(r["state_data"]))
            for r in changes.inserts["state_snapshots"]
        ],
    )
    conn.executemany(
        "INSERT INTO token_usage (session_id, timestamp, agent_type, agent_id, tokens_estimated) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (r["session_id"], r["timestamp"], r["agent_type"], r["agent_id"], r["tokens_estimated"])
            for r in changes.inserts["token_usage"]
        ],
    )
    for session_id in sorted({r["session_id"] for r in changes.inserts["token_usage"]}):
        check_token_totals(conn, session_id, dialect)  # totals past 2^63 - 1 would turn into REALs
    conn.executemany(
        "INSERT INTO skill_outputs (session_id, timestamp, skill_name, output_data) VALUES (?, ?, ?, ?)",
        [
            (r["session_id"], r["timestamp"], r["skill_name"], _dump(r["output_data"]))
            for r in changes.inserts["skill_outputs"]
        ],
    )
    conn.executemany(
        "INSERT INTO decisions (session_id, timestamp, iteration, decision_type, decision_data) "
        "VALUES (?, ?, ?, ?, ?)",
        [
            (r["session_id"], r["timestamp"], r["iteration"], r["decision_type"], _dump(r["decision_data"]))
            for r in changes.inserts["decisions"]
        ],
    )


def _insert_logs(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
    """Append log rows after each session's last ``seq``; if any is older than what the session already has,
    renumber the session's seq in (timestamp, seq) order so the log's order stays its time order."""
    by_session: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_session.setdefault(row["session_id"], []).append(row)
    for session_id, session_rows in by_session.items():
        last = conn.execute(
            "SELECT MAX(seq), MAX(timestamp) FROM orchestration_logs WHERE session_id = ?", (session_id,)
        ).fetchone()
        start = last[0] or 0
        conn.executemany(
            "INSERT INTO orchestration_logs "
            "(session_id, seq, timestamp, iteration, agent_type, agent_id, content) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    session_id,
                    start + i,
                    r["timestamp"],
                    r["iteration"],
                    r["agent_type"],
                    r["agent_id"],
                    r["content"],
                )
                for i, r in enumerate(session_rows, 1)
            ],
        )
        out_of_order = last[1] is not None and min(r["timestamp"] for r in session_rows) < last[1]
        if out_of_order:
            _renumber(conn, session_id)


def _renumber(conn: sqlite3.Connection, session_id: str) -> None:
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM orchestration_logs WHERE session_id = ? ORDER BY timestamp, seq", (session_id,)
        )
    ]
    conn.execute("UPDATE orchestration_logs SET seq = -seq WHERE session_id = ?", (session_id,))
    conn.executemany(
        "UPDATE orchestration_logs SET seq = ? WHERE id = ?", [(n, i) for n, i in enumerate(ids, 1)]
    )


def _report(changes: _Changes, **extra: Any) -> dict[str, Any]:
    summary = changes.summary()
    result = dict(extra)
    result["tables"] = summary
    result["new_rows"] = sum(t["new"] for t in summary.values())
    result["updated_rows"] = sum(t["updated"] for t in summary.values())
    result["unchanged_rows"] = sum(t["unchanged"] for t in summary.values())
    return result


# --------------------------------------------------------------------------------------------------
# import-files


def import_files(
    db: BazingaDB, folder: str, log: str | None = None, dry_run: bool = False, skip_invalid: bool = False
) -> dict[str, Any]:
    """Import a legacy ``coordination/`` folder.

    Raises InvalidPayload listing every problem (nothing written)."""
    if not os.path.isdir(folder):
        what = "is a file, not a folder" if os.path.exists(folder) else "does not exist"
        raise NotFound(
            f"{folder} {what}",
            "Give the legacy coordination/ folder "
            "(the one holding pm_state.json, orchestrator_state.json …).",
        )
    if log is not None and not os.path.isfile(log):
        raise NotFound(
            f"the log {log} does not exist",
            "Give {arg:import-files.log} the path of the legacy orchestration-log.md, "
            "or leave {arg:import-files.log} out to look in the folder and in ../docs/.",
        )
    plan = legacy.read_folder(folder, log=log, skip_invalid=skip_invalid)
    if plan.problems:
        count = len(plan.problems)
        details = plan.problems[:MAX_REPORTED]
        if count > MAX_REPORTED:
            details.append(
                f"… and {count - MAX_REPORTED} more (the Python API's legacy.read_folder lists them all)"
            )
        raise InvalidPayload(
            f"{count} problem{'s' if count != 1 else ''} in {', '.join(plan.invalid_files)}; "
            "nothing was imported",
            "Fix the files, or rerun with {arg:import-files.skip_invalid} to import everything else "
            "(the invalid files, and the invalid log entries, are left out and listed).",
            details=details,
        )
    if not any(f.status == "read" for f in plan.files):
        raise NotFound(
            f"no legacy files in {folder}",
            "Expected orchestrator_state.json, pm_state.json, orchestration-log.md … "
            "(see {arg:import-files.log} for the log).",
        )
    info = {
        "folder": folder,
        "log": plan.log_path,
        "dry_run": dry_run,
        "current_session": plan.current_session,
        "sessions": plan.session_ids(),
        "files": [f.to_dict() for f in plan.files],
        "warnings": plan.warnings,
    }
    if dry_run:
        conn = _existing_reader(db)
        changes = _compare(conn, plan.rows, frozenset(plan.history_only))
        return _report(changes, **info, kept=changes.kept)

    def work(conn: sqlite3.Connection) -> dict[str, Any]:
        changes = _compare(conn, plan.rows, frozenset(plan.history_only))
        _apply(conn, changes, db.store.dialect)
        return _report(changes, **info, kept=changes.kept)

    return db._write(work)


def _existing_reader(db: BazingaDB) -> sqlite3.Connection | None:
    """A read-only connection, or None when there is no database yet (a dry run never creates one)."""
    if not db.store.exists():
        return None
    return db.store.reader()


# --------------------------------------------------------------------------------------------------
# export-session


def export_session(db: BazingaDB, session_id: str) -> dict[str, Any]:
    """Everything a session owns, as one JSON-ready document (deterministic: equal data, equal text)."""
    session = db.get_session(session_id)  # NotFound with suggestions
    session_id = session["session_id"]
    document: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_VERSION,
        "session": {c: session[c] for c in SESSION_FIELDS},
    }
    for table, (columns, json_columns, order) in CHILD_TABLES.items():
        order = order.format(insertion_order=db.store.dialect.insertion_order)
        rows = db.store.read(
            f"SELECT {', '.join(columns)} FROM {table} WHERE session_id = ? ORDER BY {order}", (session_id,)
        )
        items = []
        for row in rows:
            item = {c: row[c] for c in columns}
            for c in json_columns:
                item[c] = json.loads(item[c])
            items.append(item)
        document[table] = items
    return document


def export_markdown(db: BazingaDB, session_id: str) -> str:
    """The session's log in the legacy orchestration-log.md layout (FORMATS.md §1)."""
    document = export_session(db, session_id)
    return markdown_from_document(document)


def markdown_from_document(document: dict[str, Any]) -> str:
    session = document["session"]
    pm_states = [s["state_data"] for s in document["state_snapshots"] if s["state_type"] == "pm"]
    order = _group_order(pm_states[-1] if pm_states else None) or [g["id"] for g in document["task_groups"]]

    return legacy.render_log(
        session["session_id"], session["start_time"], document["orchestration_logs"], order
    )


def _group_order(pm_state: Any) -> list[str]:
    """Group ids in pm_state.task_groups order: what developer_<n> counts (EXPECTED.md §4 rule 6)."""
    groups = pm_state.get("task_groups") if isinstance(pm_state, dict) else None
    if isinstance(groups, dict):
        return [k for k in groups if not k.startswith("_")]
    if isinstance(groups, list):
        return [str(g.get("id", g.get("group_id"))) for g in groups if isinstance(g, dict)]
    return []


# --------------------------------------------------------------------------------------------------
# import-session


def read_document(text: str, what: str) -> dict[str, Any]:
    value = validation.parse_json_text(text, what)
    if not isinstance(value, dict) or value.get("format") != EXPORT_FORMAT:
        raise InvalidPayload(
            f'{what} is not a bazinga-db session export (expected "format": "{EXPORT_FORMAT}")',
            "Create one with: {cmd:export-session} SESSION {arg:export-session.out} FILE",
        )
    if value.get("format_version") != EXPORT_VERSION:
        raise InvalidPayload(
            f"{what} has format_version {value.get('format_version')!r}; "
            f"this skill reads version {EXPORT_VERSION}",
            "Export it again with this version of bazinga-db.",
        )
    return value


def import_session(
    db: BazingaDB, document: dict[str, Any], replace: bool = False, what: str = "the export"
) -> dict[str, Any]:
    """Load an exported session. Refuses (Conflict) when the session exists, unless ``replace``."""
    rows = _rows_from_document(document, what)
    session_id = rows["sessions"][0]["session_id"]

    def work(conn: sqlite3.Connection) -> dict[str, Any]:
        exists = conn.execute("SELECT 1 FROM sessions WHERE session_id = ?", (session_id,)).fetchone()
        if exists and not replace:
            counts = {
                t: conn.execute(f"SELECT COUNT(*) FROM {t} WHERE session_id = ?", (session_id,)).fetchone()[0]
                for t in CHILD_TABLES
            }
            held = ", ".join(f"{t} {n}" for t, n in counts.items() if n) or "no rows"
            raise Conflict(
                f"session {session_id!r} already exists in this database ({held}); nothing was imported",
                "Rerun with {arg:import-session.replace} to delete it and load the export in its place, "
                "or import into another database ({term:db}).",
            )
        if exists:
            conn.execute("DELETE FROM sessions WHERE session_id = ?", (session_id,))  # children cascade
        changes = _compare(None, rows)
        _apply(conn, changes, db.store.dialect)
        return _report(changes, session_id=session_id, replaced=bool(exists))

    return db._write(work)


def _rows_from_document(document: dict[str, Any], what: str) -> dict[str, list[dict[str, Any]]]:
    """Check an export's shape and values, with a JSON path per problem; rows in import-plan form."""
    problems: list[str] = []

    def fail(path: str, text: str) -> None:
        problems.append(f"{what} {path}: {text}")

    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in SPEC_TABLES}
    session = document.get("session")
    if not isinstance(session, dict):
        raise InvalidPayload(
            f'{what} has no "session" object', "Export the session again with {cmd:export-session}."
        )
    session_row = _check_row(session, "sessions", SESSION_FIELDS, "$.session", fail)
    session_id = session_row.get("session_id", "")
    rows["sessions"].append(session_row)
    for table, (columns, _json, _order) in CHILD_TABLES.items():
        items = document.get(table, [])
        if not isinstance(items, list):
            fail(f"$.{table}", "expected an array")
            continue
        for i, item in enumerate(items):
            path = f"$.{table}[{i}]"
            if not isinstance(item, dict):
                fail(path, "expected an object")
                continue
            row = _check_row(item, table, columns, path, fail)
            row["session_id"] = session_id
            rows[table].append(row)
    if problems:
        count = len(problems)
        raise InvalidPayload(
            f"{what} has {count} problem{'s' if count != 1 else ''}; nothing was imported",
            "Export the session again, or correct the listed values.",
            details=problems,
        )
    # The log's order is its seq: keep the order; the target database numbers the rows itself.
    rows["orchestration_logs"].sort(key=lambda r: r["seq"] if r.get("seq") is not None else 0)
    for row in rows["orchestration_logs"]:
        row.pop("seq", None)
    return rows


# Columns that carry JSON text, checked as the payload of the argument of the same name.
JSON_COLUMNS = {
    column
    for table in VOCABULARY["columns"].values()
    if isinstance(table, dict)
    for column, kind in table.items()
    if kind == "json"
}


def _check_row(
    item: dict[str, Any], table: str, columns: tuple[str, ...], path: str, fail: Any
) -> dict[str, Any]:
    """One exported row checked and converted by the vocabulary types of its table's columns."""
    types = VOCABULARY["columns"][table]
    row: dict[str, Any] = {}
    for column in columns:
        where = f"{path}.{column}"
        kind = types[column]
        nullable = kind.endswith("?")
        kind = kind.rstrip("?")
        value = item.get(column)
        if value is None:
            if nullable:
                row[column] = None
            else:
                fail(where, "missing" if column not in item else "must not be null")
            continue
        try:
            if kind == "time":
                value = (
                    timeutil.to_canonical(value, column) if isinstance(value, str) else _bad(value, "a time")
                )
            elif kind == "count":
                value = (
                    convert(kind, value, column) if isinstance(value, int) else _bad(value, "a whole number")
                )
            elif kind == "text":
                value = convert(kind, value, column) if isinstance(value, str) else _bad(value, "text")
            elif kind == "json":
                payload = ARGUMENTS[column]["payload"]
                validation.check_payload(payload["kind"], str(item.get(payload["name_from"])), value, where)
            else:
                value = convert(kind, value, column)
        except (InvalidArgument, InvalidPayload) as error:
            fail(where, error.message)
            continue
        row[column] = value
    return row


def _bad(value: Any, expected: str) -> Any:
    raise InvalidArgument(f"expected {expected}, found {json.dumps(value, ensure_ascii=False)[:40]}", None)
