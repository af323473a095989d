"""`copy-to`: every row of one database into another, SQLite → PostgreSQL or back (or same to same),
then verified row for row.

The source is only read. The target is created and migrated if needed; a target that already holds rows
is refused unless ``force``, which replaces its rows (all in the one copying transaction, so a failed copy
leaves the target as it was). Row ids are kept, so the target answers every read exactly as the source
did; task groups are inserted in the order they were written (SQLite's rowid, PostgreSQL's row_order).
Token totals are not copied: the target's triggers compute them from the token rows, and the check
compares them too. After COMMIT both databases are read again, table by table in key order, and compared.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from . import migrations
from .errors import Conflict, DatabaseUnusable, InvalidArgument
from .storage import display_path, is_url, open_store

# Parents first: (table, its columns in schema version 2 on both backends, its key). Rows are copied in key
# order, except task groups: in the order they were written (the dialect's insertion_order).
TABLES = (
    (
        "sessions",
        "session_id, start_time, end_time, mode, original_requirements, status, created_at, updated_at",
        "session_id",
    ),
    ("configuration", "key, value, updated_at", "key"),
    ("orchestration_logs", "id, session_id, seq, timestamp, iteration, agent_type, agent_id, content", "id"),
    ("state_snapshots", "id, session_id, timestamp, state_type, state_data", "id"),
    (
        "task_groups",
        "id, session_id, name, status, assigned_to, revision_count, last_review_status, created_at, "
        "updated_at",
        "session_id, id",
    ),
    ("token_usage", "id, session_id, timestamp, agent_type, agent_id, tokens_estimated", "id"),
    ("skill_outputs", "id, session_id, timestamp, skill_name, output_data", "id"),
    ("decisions", "id, session_id, timestamp, iteration, decision_type, decision_data", "id"),
)
# Compared after the copy besides the tables above (computed by the target's own triggers).
DERIVED = (
    (
        "token_totals",
        "session_id, agent_type, agent_key, tokens, entries",
        "session_id, agent_type, agent_key",
    ),
)
BATCH = 1000


def _same_location(source: str, target: str) -> bool:
    if is_url(source) or is_url(target):
        return source == target
    return os.path.realpath(source) == os.path.realpath(target)


def _row_count(store: Any) -> int:
    return sum(store.read_one(f"SELECT COUNT(*) FROM {table}")[0] for table, _, _ in TABLES)


def copy_to(source_store: Any, target: str, force: bool = False) -> dict[str, Any]:
    """Copy every row of ``source_store`` into the database at ``target``; verify; report the counts."""
    if not isinstance(target, str) or not target.strip():
        raise InvalidArgument(
            "the copy target is empty",
            "Give a postgresql:// URL or a SQLite file path, e.g. backups/bazinga.db.",
        )
    if _same_location(source_store.path, target):
        raise InvalidArgument(
            f"the copy target {display_path(target)} is the database itself", "Give another database."
        )
    source_store.reader()  # refuses a missing, outdated or newer source before the target is touched
    target_store = open_store(target)
    try:
        existing = 0
        if target_store.exists():
            target_store.reader()  # a newer or outdated target is refused untouched
            existing = _row_count(target_store)
        if existing and not force:
            raise Conflict(
                f"{display_path(target)} already holds {existing} row{'' if existing == 1 else 's'}; "
                "nothing was copied",
                "Copy into an empty database, or add {arg:force} to replace its rows with the source's.",
            )
        counts = target_store.write(
            lambda conn: _copy(source_store, target_store, conn, replace=bool(existing))
        )
        differences = _verify(source_store, target_store)
        if differences:
            raise DatabaseUnusable(
                f"the copy in {display_path(target)} differs from the source: {differences[0]}",
                "The copy was committed but is not faithful: do not use it; run `check` on both databases.",
                details=differences[1:],
            )
    finally:
        target_store.close()
    return {
        "source": display_path(source_store.path),
        "target": display_path(target),
        "rows": sum(counts.values()),
        "tables": counts,
        "replaced": existing,
        "verified": True,
    }


def _copy(source: Any, target: Any, conn: Any, replace: bool) -> dict[str, int]:
    if replace:
        conn.execute("DELETE FROM configuration")
        conn.execute("DELETE FROM sessions")  # every child row cascades (token totals by the triggers)
    counts = {}
    for table, columns, key in TABLES:
        order = source.dialect.insertion_order if table == "task_groups" else key
        statement = f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(columns.split(',')))})"
        batch: list[tuple[Any, ...]] = []
        count = 0
        for row in source.iterate(f"SELECT {columns} FROM {table} ORDER BY {order}"):
            batch.append(tuple(row.values()))
            if len(batch) >= BATCH:
                conn.executemany(statement, batch)
                count += len(batch)
                batch = []
        if batch:
            conn.executemany(statement, batch)
            count += len(batch)
        counts[table] = count
    target.after_copy(conn, [table for table, _, key in TABLES if key == "id"])  # integer ids
    return counts


def _digest(store: Any, table: str, columns: str, order: str) -> tuple[int, str]:
    digest = hashlib.sha256()
    count = 0
    for row in store.iterate(f"SELECT {columns} FROM {table} ORDER BY {order}"):
        digest.update(repr(tuple(row.values())).encode("utf-8"))
        count += 1
    return count, digest.hexdigest()


def _verify(source: Any, target: Any) -> list[str]:
    """Each table read back from both, in key order, and compared (row count and a digest of every value)."""
    differences = []
    for table, columns, key in TABLES + DERIVED:
        mine, theirs = _digest(source, table, columns, key), _digest(target, table, columns, key)
        if mine != theirs:
            same_count = mine[0] == theirs[0]
            differences.append(
                f"{table}: {theirs[0]} rows"
                + (" with different values" if same_count else "")
                + f" (source: {mine[0]})"
            )
    if [g["id"] for g in _ordered_groups(source)] != [g["id"] for g in _ordered_groups(target)]:
        differences.append("task_groups: written in another order")
    return differences


def _ordered_groups(store: Any) -> list[dict[str, Any]]:
    return list(store.iterate(f"SELECT id FROM task_groups ORDER BY {store.dialect.insertion_order}"))


assert migrations.LATEST_VERSION == 2, "copy-to lists the columns of schema version 2: update TABLES"
