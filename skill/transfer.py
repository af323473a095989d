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

import codecs
import json
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from typing import IO, Any, Callable

from . import jsonstrict, legacy, timeutil, validation
from .api import BazingaDB, _dump, check_token_totals
from .dialect import Dialect
from .errors import Conflict, DatabaseBusy, InvalidArgument, InvalidPayload, NotFound
from .migrations import SPEC_TABLES
from .vocabulary import ARGUMENTS, VOCABULARY, convert

EXPORT_FORMAT = "bazinga-db/session"
MAX_REPORTED = 100  # problems listed in one ❌ report; a log with a systematic fault could have thousands
EXPORT_VERSION = 1
PROGRESS_EVERY = 5_000  # rows between two progress calls (each checks the clock only)

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
    db: BazingaDB,
    folder: str,
    log: str | None = None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Import a legacy ``coordination/`` folder; ``progress`` is told the log entries read, now and then.

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
    plan = legacy.read_folder(folder, log=log, skip_invalid=skip_invalid, progress=progress)
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


class SessionExport:
    """One session's export, produced row by row (flat memory, whatever the session's size).

    Made by :func:`open_export`, which looks the session up first (NotFound before anything is written).
    :meth:`json_chunks` gives the text of ``json.dumps(document, ensure_ascii=False, indent=2)`` piece by
    piece, :meth:`markdown_chunks` the legacy log; ``counts`` holds the rows written per table so far, and
    ``progress`` (when set) is called with the running row count every few thousand rows.
    """

    def __init__(self, db: BazingaDB, session: dict[str, Any]):
        self.db = db
        self.session = {c: session[c] for c in SESSION_FIELDS}
        self.session_id: str = self.session["session_id"]
        self.counts: dict[str, int] = {t: 0 for t in CHILD_TABLES}
        self.progress: Callable[[int], None] | None = None

    def rows(self, table: str) -> Iterator[dict[str, Any]]:
        """The table's rows of this session in the order they were written, JSON columns parsed."""
        columns, json_columns, order = CHILD_TABLES[table]
        order = order.format(insertion_order=self.db.store.dialect.insertion_order)
        rows = self.db.store.iterate(
            f"SELECT {', '.join(columns)} FROM {table} WHERE session_id = ? ORDER BY {order}",
            (self.session_id,),
        )
        for row in rows:
            for c in json_columns:
                row[c] = json.loads(row[c])
            self.counts[table] += 1
            if self.progress is not None and self.counts[table] % PROGRESS_EVERY == 0:
                self.progress(sum(self.counts.values()))
            yield row

    def json_chunks(self) -> Iterator[str]:
        """The export document's JSON text (indent 2, keys in the export's order), a few hundred rows at a
        time; equal to ``json.dumps(export_session(...), ensure_ascii=False, indent=2)``."""
        yield (
            "{\n"
            f'  "format": {json.dumps(EXPORT_FORMAT)},\n'
            f'  "format_version": {EXPORT_VERSION},\n'
            f'  "session": {_indented(self.session, "  ")}'
        )
        for table in CHILD_TABLES:
            parts = [f",\n  {json.dumps(table)}: ["]
            first = True
            for row in self.rows(table):
                parts.append(("\n    " if first else ",\n    ") + _indented(row, "    "))
                first = False
                if len(parts) >= 500:
                    yield "".join(parts)
                    parts = []
            parts.append("]" if first else "\n  ]")
            yield "".join(parts)
        yield "\n}"

    def markdown_chunks(self) -> Iterator[str]:
        """The session's log in the legacy orchestration-log.md layout (FORMATS.md §1)."""
        pm_states = [
            s["state_data"]
            for s in self.db.store.iterate(
                "SELECT state_data FROM state_snapshots WHERE session_id = ? AND state_type = 'pm' "
                "ORDER BY timestamp DESC, id DESC LIMIT 1",
                (self.session_id,),
            )
        ]
        order = _group_order(json.loads(pm_states[0]) if pm_states else None)
        if not order:
            order = [g["id"] for g in self.rows("task_groups")]
            self.counts["task_groups"] = 0
        yield from legacy.render_log_chunks(
            self.session_id, self.session["start_time"], self.rows("orchestration_logs"), order
        )


def _indented(value: Any, pad: str) -> str:
    """``value`` as json.dumps(indent=2) writes it nested at ``pad``: JSON text has no raw newline inside a
    string, so shifting every line break shifts every line."""
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + pad)


def open_export(db: BazingaDB, session_id: str) -> SessionExport:
    """The export of a session; raises NotFound (with suggestions) before anything is produced."""
    return SessionExport(db, db.get_session(session_id))


def export_session(db: BazingaDB, session_id: str) -> dict[str, Any]:
    """Everything a session owns, as one JSON-ready document (deterministic: equal data, equal text).

    Holds the whole session in memory: for big sessions write :meth:`SessionExport.json_chunks` instead."""
    export = open_export(db, session_id)
    document: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_VERSION,
        "session": export.session,
    }
    for table in CHILD_TABLES:
        document[table] = list(export.rows(table))
    return document


def export_markdown(db: BazingaDB, session_id: str) -> str:
    """The session's log in the legacy orchestration-log.md layout (FORMATS.md §1)."""
    return "".join(open_export(db, session_id).markdown_chunks())


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

    def events() -> Iterator[tuple[Any, ...]]:
        yield ("session", document.get("session"))
        for table in CHILD_TABLES:
            items = document.get(table, [])
            if not isinstance(items, list):
                yield ("not_array", table)
                continue
            for i, item in enumerate(items):
                yield ("row", table, i, item)

    return _load(db, events(), replace, what)


def import_session_stream(
    db: BazingaDB,
    stream: IO[Any],
    replace: bool = False,
    what: str = "the export",
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Load an exported session from a file object (bytes or text), reading it a chunk at a time.

    Memory stays flat whatever the file's size: each row is checked and written as it is read, all in one
    transaction (nothing is stored unless everything is). The export's order is required in one respect:
    ``"session"`` comes before the row arrays, as :meth:`SessionExport.json_chunks` writes it.
    ``progress`` (when given) is called with the running row count every few thousand rows.
    """
    return _load(db, ExportReader(stream, what).events(), replace, what, progress)


class _Problems:
    """The problems of one import: the first MAX_REPORTED kept, the rest counted."""

    def __init__(self, what: str):
        self.what = what
        self.listed: list[str] = []
        self.count = 0

    def __call__(self, path: str, text: str) -> None:
        self.count += 1
        if len(self.listed) < MAX_REPORTED:
            self.listed.append(f"{self.what} {path}: {text}")

    def error(self) -> InvalidPayload:
        details = list(self.listed)
        if self.count > len(details):
            details.append(f"… and {self.count - len(details)} more")
        plural = "s" if self.count != 1 else ""
        return InvalidPayload(
            f"{self.what} has {self.count} problem{plural}; nothing was imported",
            "Export the session again, or correct the listed values.",
            details=details,
        )


BATCH_ROWS = 1_000  # rows per executemany


def _load(
    db: BazingaDB,
    events: Iterator[tuple[Any, ...]],
    replace: bool,
    what: str,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Check and write an export's events inside one write transaction (see :func:`import_session_stream`)."""
    started = False

    def work(conn: sqlite3.Connection) -> dict[str, Any]:
        nonlocal started
        if started:  # the events were consumed by an attempt that failed: they cannot be read twice
            raise DatabaseBusy(
                "the database stayed busy while the export was being loaded; nothing was imported",
                "Retry the same command.",
            )
        started = True
        fail = _Problems(what)
        counts: Counter[str] = Counter()
        pending: dict[str, list[dict[str, Any]]] = {t: [] for t in CHILD_TABLES}
        session_id: str | None = None
        replaced = False
        last_seq: int | None = None
        total = 0

        def flush(table: str) -> None:
            rows = pending[table]
            if rows and fail.count == 0 and session_id is not None:
                _insert_exported(conn, table, session_id, rows, counts[table])
                counts[table] += len(rows)
            rows.clear()

        for event in events:
            if event[0] == "session":
                value = event[1]
                if not isinstance(value, dict):
                    raise _no_session(what)
                row = _check_row(value, "sessions", SESSION_FIELDS, "$.session", fail)
                session_id = row.get("session_id", "")
                if fail.count:
                    continue
                replaced = _make_room(conn, str(session_id), replace)
                _apply_session(conn, row)
                counts["sessions"] += 1
            elif event[0] == "not_array":
                fail(f"$.{event[1]}", "expected an array")
            else:
                _kind, table, i, item = event
                path = f"$.{table}[{i}]"
                if session_id is None:
                    raise InvalidPayload(
                        f'{what} has {table} before its "session" object; nothing was imported',
                        'Export the session again with {cmd:export-session}: it writes "session" first.',
                    )
                if not isinstance(item, dict):
                    fail(path, "expected an object")
                    continue
                row = _check_row(item, table, CHILD_TABLES[table][0], path, fail)
                if table == "orchestration_logs":
                    # The log's order is its seq; the target numbers the rows itself, so they must come in
                    # that order (an export lists them so; sorting would hold the whole log in memory).
                    seq = row.pop("seq", None)
                    if seq is not None:
                        if last_seq is not None and seq < last_seq:
                            fail(f"{path}.seq", f"{seq} comes after {last_seq}: the log must be in seq order")
                        last_seq = seq
                pending[table].append(row)
                if len(pending[table]) >= BATCH_ROWS:
                    flush(table)
                total += 1
                if progress is not None and total % PROGRESS_EVERY == 0:
                    progress(total)
        if session_id is None:
            raise _no_session(what)
        for table in CHILD_TABLES:
            flush(table)
        if fail.count:
            raise fail.error()  # inside the transaction: everything written so far is rolled back
        if counts["token_usage"]:
            check_token_totals(conn, session_id, db.store.dialect)
        summary = {t: {"new": counts[t], "updated": 0, "unchanged": 0} for t in SPEC_TABLES}
        return {
            "session_id": session_id,
            "replaced": replaced,
            "tables": summary,
            "new_rows": sum(counts.values()),
            "updated_rows": 0,
            "unchanged_rows": 0,
        }

    return db._write(work)


def _make_room(conn: sqlite3.Connection, session_id: str, replace: bool) -> bool:
    """Refuse (Conflict) when the session exists, unless ``replace``: then delete it. True when deleted."""
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
    return bool(exists)


def _apply_session(conn: sqlite3.Connection, row: dict[str, Any]) -> None:
    conn.execute(
        f"INSERT INTO sessions ({', '.join(SESSION_FIELDS)}) VALUES ({', '.join('?' * 8)})",
        tuple(row[c] for c in SESSION_FIELDS),
    )


def _insert_exported(
    conn: sqlite3.Connection, table: str, session_id: str, rows: list[dict[str, Any]], before: int
) -> None:
    """Insert checked rows of one table of a new session; ``before``: rows of it already inserted."""
    if table == "orchestration_logs":
        conn.executemany(
            "INSERT INTO orchestration_logs "
            "(session_id, seq, timestamp, iteration, agent_type, agent_id, content) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    session_id,
                    before + i,
                    r["timestamp"],
                    r["iteration"],
                    r["agent_type"],
                    r["agent_id"],
                    r["content"],
                )
                for i, r in enumerate(rows, 1)
            ],
        )
    elif table == "task_groups":
        conn.executemany(
            "INSERT INTO task_groups (id, session_id, name, status, assigned_to, revision_count, "
            "last_review_status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (r["id"], session_id, *(r[c] for c in GROUP_COMPARED), r["created_at"], r["updated_at"])
                for r in rows
            ],
        )
    else:
        columns = CHILD_TABLES[table][0]
        json_columns = CHILD_TABLES[table][1]
        conn.executemany(
            f"INSERT INTO {table} (session_id, {', '.join(columns)}) VALUES (?{', ?' * len(columns)})",
            [(session_id, *(_dump(r[c]) if c in json_columns else r[c] for c in columns)) for r in rows],
        )


# --------------------------------------------------------------------------------------------------
# Reading an export a chunk at a time

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_STRICT = json.JSONDecoder(
    object_pairs_hook=jsonstrict._no_duplicate_keys,
    parse_constant=jsonstrict._reject_constant,
    parse_float=jsonstrict._finite_float,
    parse_int=jsonstrict._bounded_int,
)


class ExportReader:
    """The top-level object of an export read as events, a chunk of the file at a time.

    ``json`` has no incremental parser, so the outer structure (the object, the row arrays) is walked here
    and each value inside it (the session, one row) is decoded by ``json``'s strict decoder
    (skill/jsonstrict.py's rules). Syntax errors say line and column in the whole file, as json.loads does.
    Events: ``("session", value)``, ``("row", table, index, value)``, ``("not_array", table)``.
    """

    CHUNK = 1 << 20
    MAX_VALUE = 64 << 20  # one row can hold a few payloads of MAX_TEXT_BYTES, escaped: far below this

    def __init__(self, stream: IO[Any], what: str):
        self.stream = stream
        self.what = what
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.started = False
        self.bytes_read = 0
        self.dropped = 0  # characters dropped from the front of buf
        self.dropped_lines = 0  # newlines among them
        self.last_newline = -1  # position (in the whole text) of the last dropped newline

    # -- the buffer ------------------------------------------------------------------------------
    def _more(self) -> bool:
        """Read the next chunk into the buffer; False at the end of the file."""
        if self.eof:
            return False
        try:
            data = self.stream.read(self.CHUNK)
        except OSError as error:
            raise InvalidArgument(f"cannot read {self.what}: {error.strerror or error}", None) from error
        if isinstance(data, str):
            text = data
        else:
            pending = len(self.decoder.getstate()[0])
            try:
                text = self.decoder.decode(data, final=not data)
            except UnicodeDecodeError as error:
                raise InvalidPayload(
                    f"{self.what} is not valid UTF-8 (byte {self.bytes_read - pending + error.start})",
                    "Save the file as UTF-8.",
                ) from error
            self.bytes_read += len(data)
        if not data:
            self.eof = True
        if not self.started:
            text = text.lstrip("\ufeff") if text.startswith("\ufeff") else text
            self.started = bool(text) or self.eof
        keep = self.pos - 64  # a little context stays for error messages
        if data and keep > self.CHUNK:  # (at the end nothing moves: a pending error's position stays true)
            dropped = self.buf[:keep]
            newlines = dropped.count("\n")
            if newlines:
                self.dropped_lines += newlines
                self.last_newline = self.dropped + dropped.rindex("\n")
            self.dropped += keep
            self.buf = self.buf[keep:]
            self.pos -= keep
        self.buf += text
        return bool(data)

    def _skip(self) -> str:
        """Skip whitespace; the next character, or "" at the end of the file."""
        while True:
            self.pos = _WHITESPACE.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def _syntax(self, message: str, pos: int) -> InvalidPayload:
        newline = self.buf.rfind("\n", 0, pos)
        line = self.dropped_lines + self.buf.count("\n", 0, pos) + 1
        column = pos - newline if newline >= 0 else self.dropped + pos - self.last_newline
        near = self.buf[max(0, pos - 20) : pos + 20].replace("\n", " ")
        return InvalidPayload(
            f"{self.what} is not valid JSON: {message} at line {line} column {column} (near {near!r})",
            validation._FIX_JSON,
        )

    def _expect(self, char: str, message: str) -> None:
        if self._skip() != char:
            raise self._syntax(message, self.pos)
        self.pos += 1

    def _value(self) -> Any:
        """Decode the JSON value at the current position (reading more of the file as it needs)."""
        self._skip()
        while True:
            try:
                value, end = _STRICT.raw_decode(self.buf, self.pos)
            except jsonstrict.JSONRefused as error:
                if error.too_deep:
                    raise validation._too_deep(self.what) from None
                raise InvalidPayload(
                    f"{self.what} is not valid JSON: {error.reason}", validation._FIX_JSON
                ) from None
            except RecursionError:
                raise validation._too_deep(self.what) from None
            except json.JSONDecodeError as error:
                if len(self.buf) - self.pos < self.MAX_VALUE and self._more():
                    continue  # most likely cut by the chunk's end
                raise self._syntax(error.msg, error.pos) from None
            if end == len(self.buf) and self._more():
                continue  # a number may go on in the next chunk
            self.pos = end
            return value

    # -- the structure ---------------------------------------------------------------------------
    def events(self) -> Iterator[tuple[Any, ...]]:
        first = self._skip()
        if not first:
            raise InvalidPayload(
                f"{self.what} is empty",
                "Create one with: {cmd:export-session} SESSION {arg:export-session.out} FILE",
            )
        if first != "{":
            self._value()
            self._end()
            raise _not_an_export(self.what)
        self.pos += 1
        header: dict[str, Any] = {}
        seen: set[str] = set()
        checked = False
        if self._skip() == "}":
            self.pos += 1
        else:
            while True:
                if self._skip() != '"':
                    raise self._syntax("Expecting property name enclosed in double quotes", self.pos)
                key = self._value()
                if key in seen:
                    raise InvalidPayload(
                        f"{self.what} is not valid JSON: the key {json.dumps(key, ensure_ascii=False)} "
                        "appears twice in the same object (JSON readers would silently keep only one of the "
                        "values)",
                        validation._FIX_JSON,
                    )
                seen.add(key)
                self._expect(":", "Expecting ':' delimiter")
                if key in CHILD_TABLES or key == "session":
                    if not checked:
                        _check_header(header, self.what)
                        checked = True
                if key in CHILD_TABLES and self._skip() == "[":
                    self.pos += 1
                    index = 0
                    if self._skip() == "]":
                        self.pos += 1
                    else:
                        while True:
                            yield ("row", key, index, self._value())
                            index += 1
                            char = self._skip()
                            self.pos += 1
                            if char == "]":
                                break
                            if char != ",":
                                raise self._syntax("Expecting ',' delimiter", self.pos - 1)
                else:
                    value = self._value()
                    if key == "session":
                        yield ("session", value)
                    elif key in CHILD_TABLES:
                        yield ("not_array", key)
                    else:
                        header[key] = value
                char = self._skip()
                self.pos += 1
                if char == "}":
                    break
                if char != ",":
                    raise self._syntax("Expecting ',' delimiter", self.pos - 1)
        self._end()
        if not checked:
            _check_header(header, self.what)

    def _end(self) -> None:
        if self._skip():
            raise self._syntax("Extra data", self.pos)


_CREATE_ONE = "Create one with: {cmd:export-session} SESSION {arg:export-session.out} FILE"


def _not_an_export(what: str) -> InvalidPayload:
    return InvalidPayload(
        f'{what} is not a bazinga-db session export (expected "format": "{EXPORT_FORMAT}")', _CREATE_ONE
    )


def _no_session(what: str) -> InvalidPayload:
    return InvalidPayload(
        f'{what} has no "session" object', "Export the session again with {cmd:export-session}."
    )


def _check_header(header: dict[str, Any], what: str) -> None:
    if header.get("format") != EXPORT_FORMAT:
        raise _not_an_export(what)
    if header.get("format_version") != EXPORT_VERSION:
        raise InvalidPayload(
            f"{what} has format_version {header.get('format_version')!r}; "
            f"this skill reads version {EXPORT_VERSION}",
            "Export it again with this version of bazinga-db.",
        )


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
