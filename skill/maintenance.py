"""`check` and `backup`: look at a database file without changing it, and copy it safely while agents write.

Both open the source read-only (``mode=ro``), never create, migrate or repair it, and accept files of any
schema version (a backup before an upgrade is the point). They return plain data and raise the family of
``skill.errors``; the CLI renders the ✓ / ❌.
"""

from __future__ import annotations

import os
import sqlite3

from . import migrations
from .errors import DatabaseUnusable
from .storage import (
    BUSY_TIMEOUT_MS,
    check_database_path,
    display_path,
    open_read_only,
    quote_identifier,
    translate,
)

TYPE_CHECKING = False  # typing costs ~2 ms per process start
if TYPE_CHECKING:
    from typing import Any, Callable

BACKUP_STEP_PAGES = 2048  # pages per backup step (8 MiB of 4 KiB pages): a progress report between steps

# A WAL this large means checkpoints are not keeping up (a reader held open for a long time).
LARGE_WAL_BYTES = 64 * 1024 * 1024
SQLITE_HEADER = b"SQLite format 3\x00"


def _missing(path: str) -> DatabaseUnusable:
    shown = display_path(path)
    return DatabaseUnusable(
        f"no database at {shown}",
        "Nothing was created. The first write (for example {cmd:create-session}) creates it; check "
        "{term:db_env} if you expected one here.",
    )


def _open_readonly(path: str) -> sqlite3.Connection:
    check_database_path(path)
    if not os.path.exists(path):
        raise _missing(path)
    try:
        conn = open_read_only(path)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as error:
        raise _unusable(path, error) from error
    return conn


def _unusable(path: str, error: sqlite3.Error) -> DatabaseUnusable:
    shown = display_path(path)
    text = str(error)
    if "not a database" in text or "malformed" in text:
        try:
            with open(path, "rb") as file:
                head = file.read(len(SQLITE_HEADER))
        except OSError:
            head = b""
        what = "a damaged SQLite database" if head == SQLITE_HEADER else "not a SQLite database"
        return DatabaseUnusable(
            f"{shown} is {what} ({text})",
            "Nothing was changed. Point {term:db} at the right file, or move this one aside and restore the "
            "latest backup (`backup DEST` makes one); a new database is created by the next write if none "
            "is there.",
        )
    translated = translate(error, path)
    return DatabaseUnusable(translated.message, translated.hint)


def _journal_mode(conn: sqlite3.Connection, path: str) -> str:
    """The file's journal mode. A file read as immutable (its folder takes no new files) reports
    "delete" whatever it is, so the header's format byte (2: WAL) is what says WAL there."""
    mode = str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    if mode != "wal":
        try:
            with open(path, "rb") as file:
                header = file.read(20)
        except OSError:
            return mode
        if header[:16] == SQLITE_HEADER and header[18:20] == b"\x02\x02":
            return "wal"
    return mode


def _integrity_lines(conn: sqlite3.Connection) -> list[str]:
    """PRAGMA integrity_check's findings, one per line (SQLite packs several into one row)."""
    lines = [line for row in conn.execute("PRAGMA integrity_check(20)") for line in str(row[0]).split("\n")]
    return [line for line in lines if line.strip() and not line.startswith("*** in database")] or ["ok"]


def _table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {
        name: conn.execute(f"SELECT COUNT(*) FROM {quote_identifier(name)}").fetchone()[0] for name in names
    }


def _wal_state(path: str, journal_mode: str) -> dict[str, Any]:
    wal = path + "-wal"
    size = os.path.getsize(wal) if os.path.exists(wal) else None
    return {"journal_mode": journal_mode, "wal_file_bytes": size, "shm_file": os.path.exists(path + "-shm")}


def check(path: str) -> dict[str, Any]:
    """Integrity, schema version, WAL state and counts per table, with a verdict; never changes the file.

    Returns the report when the database is usable (verdict "ok", or "ok" with advice); raises
    DatabaseUnusable, with the problems as details, when it is not.
    """
    shown = display_path(path)
    conn = _open_readonly(path)
    try:
        try:
            version = migrations.current_version(conn)
            journal_mode = _journal_mode(conn, path)
            integrity = _integrity_lines(conn)
            foreign = conn.execute("PRAGMA foreign_key_check").fetchall()
            counts = _table_counts(conn)
            page_size = conn.execute("PRAGMA page_size").fetchone()[0]
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        except sqlite3.Error as error:
            raise _unusable(path, error) from error
    finally:
        conn.close()
    report: dict[str, Any] = {
        "path": shown,
        "verdict": "ok",
        "schema_version": version,
        "skill_schema_version": migrations.LATEST_VERSION,
        "integrity_check": "ok" if integrity == ["ok"] else integrity,
        "foreign_key_violations": len(foreign),
        **_wal_state(path, journal_mode),
        "file_bytes": os.path.getsize(path),
        "pages": pages,
        "page_size": page_size,
        "free_pages": free,
        "tables": counts,
        "advice": [],
    }
    problems = []
    if integrity != ["ok"]:
        problems.append(
            f"integrity_check found {len(integrity)}{'+' if len(integrity) >= 20 else ''} problems"
        )
        problems += integrity[:5]
    if foreign:
        problems.append(f"{len(foreign)} rows point at missing parents (foreign_key_check)")
    if version < 0:
        problems.append(f"schema version {version} (PRAGMA user_version) is not one bazinga-db writes")
    if version > migrations.LATEST_VERSION:
        problems.append(
            f"schema version {version} is newer than this skill understands "
            f"({migrations.LATEST_VERSION}); use the newer bazinga-db that wrote it"
        )
    if problems:
        raise DatabaseUnusable(
            f"{shown} failed the check: " + problems[0],
            "Nothing was changed. Stop writing to it, copy it aside, then restore the latest backup "
            f"(or salvage rows with `sqlite3 {shown} .recover`)."
            if integrity != ["ok"] or foreign
            else "Nothing was changed. Point {term:db} at a database this version can use.",
            details=problems[1:],
        )
    advice = report["advice"]
    if version == 0:
        report["verdict"] = "ok: empty, not initialised yet"
        advice.append(f"The first write initialises it, or run `python3 scripts/init_db.py {shown}`.")
    elif version < migrations.LATEST_VERSION:
        report["verdict"] = f"ok: schema version {version}, needs an upgrade to {migrations.LATEST_VERSION}"
        advice.append(f"The next write upgrades it, or run `python3 scripts/init_db.py {shown}`.")
    else:
        missing = sorted(_expected_tables() - set(counts))
        if missing:
            raise DatabaseUnusable(
                f"{shown} failed the check: tables missing for schema version {version}: "
                + ", ".join(missing),
                "Nothing was changed. This file was altered outside bazinga-db; restore the latest backup.",
            )
    if journal_mode != "wal" and version > 0:
        advice.append(
            f"journal mode is {journal_mode}, not wal: concurrent writers will wait on each other "
            "more; a backup restored with other tools may have lost it."
        )
    if (report["wal_file_bytes"] or 0) > LARGE_WAL_BYTES:
        advice.append("the -wal file is large: a long-lived reader may be blocking checkpoints.")
    return report


def _expected_tables() -> set[str]:
    conn = sqlite3.connect(":memory:")
    try:
        migrations.migrate(conn, ":memory:")
        return {
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
    finally:
        conn.close()


def backup(
    path: str, destination: str, force: bool = False, progress: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """Copy the database to ``destination`` with SQLite's online backup, in one consistent snapshot.

    The pages are copied BACKUP_STEP_PAGES at a time inside one read transaction on the source (so every
    step reads the same snapshot and a concurrent writer never restarts the copy); ``progress`` is told
    (pages copied, pages in all) after each step.

    Safe while agents write (WAL readers do not block writers). The copy is written through
    :func:`skill.destinations.write_file` (a temporary file beside DEST, checked with integrity_check,
    fsynced, renamed into place), so DEST is either the old file or a complete copy. Refuses an existing
    DEST unless ``force``, and never writes onto the database or its -wal/-shm/-journal.
    """
    from .destinations import check_destination, write_file

    what = "the backup destination"
    example = "bazinga-backup.db"
    # Checked before the source is opened: a refused destination never touches the database.
    check_destination(destination, database=path, force=force, what=what, example=example)
    shown_dest = display_path(destination)
    source = _open_readonly(path)

    def produce(temporary: str) -> dict[str, Any]:
        target = None
        try:
            try:
                version = migrations.current_version(source)
                target = sqlite3.connect(temporary, isolation_level=None)
                # One read transaction around every step: the snapshot of the first step is the whole copy's.
                source.execute("BEGIN")
                source.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
                try:
                    source.backup(target, pages=BACKUP_STEP_PAGES, progress=_pages(progress))
                finally:
                    source.execute("COMMIT")
                integrity = _integrity_lines(target)
                counts = _table_counts(target)
            except sqlite3.Error as error:
                raise _backup_error(error, path, destination) from error
        finally:
            if target is not None:
                target.close()
        if integrity != ["ok"]:
            raise DatabaseUnusable(
                f"the copy failed integrity_check ({integrity[0]}); {shown_dest} was not written",
                "Run `check` on the database: the source itself is probably damaged.",
                details=integrity[1:],
            )
        return {"schema_version": version, "tables": counts}

    try:
        copied = write_file(
            destination,
            produce,
            database=path,
            force=force,
            what=what,
            example=example,
            companions_of_old=True,
        )
    finally:
        source.close()
    size = os.path.getsize(os.path.realpath(destination))
    return {
        "path": display_path(path),
        "destination": shown_dest,
        "bytes": size,
        "size": _human(size),
        "schema_version": copied["schema_version"],
        "integrity_check": "ok",
        "tables": copied["tables"],
    }


def _pages(progress: Callable[[int, int], None] | None) -> Callable[[int, int, int], None] | None:
    """sqlite3's backup callback (status, pages left, pages in all) as (pages copied, pages in all)."""
    if progress is None:
        return None
    report = progress
    return lambda _status, left, total: report(total - left, total)


def _backup_error(error: sqlite3.Error, path: str, destination: str) -> DatabaseUnusable:
    text = str(error).lower()
    if "full" in text or "i/o" in text or "unable to open" in text or "readonly" in text:
        return DatabaseUnusable(
            f"cannot write the backup {display_path(destination)} ({error})",
            "Check the folder's permissions and free space; the database was not changed.",
        )
    return _unusable(path, error)


def _human(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)
