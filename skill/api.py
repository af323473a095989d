"""BazingaDB: the Python API over one database file.

Methods return plain data (dicts, lists, the stored JSON objects) and raise the exception family of
``skill.errors``; they never print. Arguments are validated through the vocabulary's types, so the CLI, the
request layer and a dashboard importing this class get the same checks and the same messages.
"""

from __future__ import annotations

import json
import os
import sqlite3

from . import timeutil
from .errors import Conflict, InvalidPayload, NoDatabase, NotFound, Notice, UsageError
from .storage import display_path, open_store
from .vocabulary import (
    AGENT_TYPES,
    COMMANDS,
    ENUMS,
    LIMITS,
    MAX_INTEGER,
    convert_args,
    convert_values,
    parse_count,
    suggest,
)

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import Any, Callable, TypeVar

    from .dialect import Dialect

    Method = TypeVar("Method", bound=Callable[..., Any])
    T = TypeVar("T")


SESSION_COLUMNS = (
    "session_id, mode, status, original_requirements, start_time, end_time, created_at, updated_at"
)
LOG_COLUMNS = "id, session_id, timestamp, iteration, agent_type, agent_id, content"
GROUP_COLUMNS = (
    "id, session_id, name, status, assigned_to, revision_count, last_review_status, created_at, updated_at"
)
DECISION_COLUMNS = "id, session_id, timestamp, iteration, decision_type, decision_data"
# Log rows with their per-session position, the cursor of get_log_page and get_session_changes.
LOG_ROW_COLUMNS = "id, session_id, seq, timestamp, iteration, agent_type, agent_id, content"

LATEST_STATE_SQL = (
    "SELECT id, timestamp, state_type, state_data FROM state_snapshots "
    "WHERE session_id = ? AND state_type = ? ORDER BY timestamp DESC, id DESC LIMIT 1"
)

DASHBOARD_LOGS = 10
MAX_PAGE = LIMITS["max_list_limit"]  # the dashboard's pages: at most this many rows per call
DEFAULT_PAGE = 50  # log entries per page, as stream-logs
DEFAULT_OVERVIEW = 50
# Token timeline buckets: the length of the canonical timestamp's prefix that names a bucket, and its width
# in seconds. The narrowest bucket that splits the session into at most TIMELINE_BUCKETS is used.
_BUCKETS = (
    ("second", 19, 1),
    ("10 seconds", 18, 10),
    ("minute", 16, 60),
    ("10 minutes", 15, 600),
    ("hour", 13, 3600),
    ("day", 10, 86400),
    ("month", 7, 31 * 86400),
    ("year", 4, 366 * 86400),
)
TIMELINE_BUCKETS = 120
_EPOCH_TEXT = "0000-01-01T00:00:00.000000Z"  # pads a bucket's prefix back to a canonical timestamp


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _row(row: sqlite3.Row | None) -> dict[str, Any] | None:
    return dict(row) if row is not None else None


def _seconds_between(first: str, last: str) -> float:
    """Seconds from one canonical timestamp to another (0 when either cannot be read)."""
    import calendar
    import time

    try:
        start, end = (calendar.timegm(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S")) for ts in (first, last))
    except ValueError:
        return 0.0
    return float(end - start)


def _decision(row: sqlite3.Row) -> dict[str, Any]:
    item = dict(row)
    item["decision_data"] = json.loads(item["decision_data"])
    return item


def check_token_totals(conn: sqlite3.Connection, session_id: str, dialect: Dialect) -> None:
    """Refuse (inside the write's transaction) token rows whose totals no longer fit an integer column.

    Past 2^63 - 1 SQLite silently turns a sum into a REAL: token-summary would then be inexact, and its SUM
    fail. token_totals (kept by triggers) holds a few rows per session, so this is cheap.
    """
    totals = conn.execute(
        f"SELECT {dialect.value_kind.format('tokens')}, tokens FROM token_totals WHERE session_id = ?",
        (session_id,),
    ).fetchall()
    if any(kind != "integer" for kind, _ in totals) or sum(t for _, t in totals) > MAX_INTEGER:
        raise Conflict(
            f"the token total of session {session_id!r} would pass {MAX_INTEGER:,}, the largest whole "
            "number the database holds; nothing was written",
            "Check the token counts: a count this large is almost certainly a mistake.",
            code="integer_overflow",
        )


def _page_size(limit: int | None, default: int) -> int:
    """A dashboard page's size: ``default`` when not given, else 1 to MAX_PAGE (0, which lifts a listing's
    limit, is no page size)."""
    if limit is None:
        return default
    return min(parse_count(limit, "limit", minimum=1), MAX_PAGE)


class DefaultLimit(int):
    """A row limit the caller did not give (the vocabulary's default): when it leaves rows out, a ⚠ notice
    says so. A limit the caller chose cuts silently, as asked."""


def operation(command: str) -> Callable[[Method], Method]:
    """Run a method's arguments through the vocabulary (:func:`convert_args`) before its body sees them.

    The method's parameters are the command's arguments, in the vocabulary's order, under the same names
    (``tests/test_vocabulary_sources.py`` checks it); its body receives them converted and validated, with the
    vocabulary's defaults filled in, and every normalisation reported as a notice.
    """
    names = [arg["name"] for arg in COMMANDS[command]["args"]]

    def decorate(method: Method) -> Method:
        def converted(self: BazingaDB, *args: Any, **kwargs: Any) -> Any:
            if len(args) > len(names):
                raise TypeError(f"{method.__name__}() takes {len(names)} arguments, {len(args)} given")
            values = dict(zip(names, args))
            for name, value in kwargs.items():
                if name in values:
                    raise TypeError(f"{method.__name__}() got two values for {name!r}")
                values[name] = value
            converted = convert_args(command, values, self._notify, defaults=True)
            if values.get("limit") is None and converted.get("limit"):
                converted["limit"] = DefaultLimit(converted["limit"])  # a cut says so only when not asked for
            return method(self, **converted)

        converted.__name__ = method.__name__
        converted.__qualname__ = method.__qualname__
        converted.__doc__ = method.__doc__
        converted.__wrapped__ = method  # type: ignore[attr-defined]
        converted.command = command  # type: ignore[attr-defined]
        return converted  # type: ignore[return-value]

    return decorate


class BazingaDB:
    """The orchestration store. ``BazingaDB(location)``: a SQLite file path, or a ``postgresql://`` URL
    (storage.open_store); every method opens what it needs lazily."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        auto_create_sessions: bool = False,
        on_notice: Callable[[Notice], None] | None = None,
    ):
        self.path = os.fspath(path)
        self.store = open_store(self.path)
        self.store.on_wait = self._waited
        self.auto_create_sessions = auto_create_sessions
        self.on_notice = on_notice  # notices go here as they happen; None drops them

    def _notify(self, notice: Notice) -> None:
        if self.on_notice is not None:
            self.on_notice(notice)

    def _waited(self, seconds: int) -> None:
        """A write has waited this long for another process's write lock (a "waiting" notice, live)."""
        self._notify(Notice("waiting", f"waiting for another writer\u2026 {seconds} s", warning=True))

    def close(self) -> None:
        """Close the connections this object opened (``with BazingaDB(...) as db:`` does it on exit)."""
        self.store.close()

    def __enter__(self) -> BazingaDB:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- plumbing ----------------------------------------------------------------------------------
    def _write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        result = self.store.write(work)
        self._report_migrations()
        return result

    def _report_migrations(self) -> None:
        applied, self.store.applied = self.store.applied, []
        if not applied:
            return
        shown = display_path(self.path)
        if applied[0].version == 1:
            self._notify(Notice("initialized", f"Database auto-initialized at {shown}"))
        else:
            self._notify(
                Notice("upgraded", f"Database {shown} upgraded to schema version {applied[-1].version}")
            )

    # -- one transaction around many operations (the batch command) ------------------------------------
    def begin(self) -> None:
        """Open one write transaction (BEGIN IMMEDIATE) that every write joins until :meth:`commit`.

        Creates or migrates the database first, like any write. Used by ``batch`` to run N operations per
        transaction; never hold it while waiting for input, since every other writer waits for it.
        """
        self.store.begin()
        self._report_migrations()

    def commit(self) -> None:
        """Commit the transaction of :meth:`begin`; on failure it is rolled back and the error raised."""
        self.store.commit()

    def rollback(self) -> None:
        """Roll back the transaction of :meth:`begin` (nothing of it is kept)."""
        self.store.rollback()

    def initialize(self) -> dict[str, Any]:
        """Create or upgrade the file (what init_db.py does); report the version and the steps applied."""
        self.store.writer()
        applied = [step.name for step in self.store.applied]
        self._report_migrations()
        return {
            "path": self.path,
            "version": self.store.schema_version(),
            "applied": applied,
        }

    def _touch_session(self, conn: sqlite3.Connection, session_id: str, now: str) -> None:
        """Mark the session as just updated; create it (if allowed) or refuse when it does not exist."""
        if conn.execute(
            "UPDATE sessions SET updated_at = ? WHERE session_id = ?", (now, session_id)
        ).rowcount:
            return
        if not self.auto_create_sessions:
            raise self._session_not_found(conn, session_id, writing=True)
        conn.execute(
            "INSERT INTO sessions (session_id, mode, status, original_requirements, start_time, created_at, "
            "updated_at) VALUES (?, NULL, 'active', NULL, ?, ?, ?)",
            (session_id, now, now, now),
        )
        self._notify(
            Notice(
                "session_created",
                f"Session {session_id} auto-created (status active; mode and requirements unset)",
            )
        )

    def _session_not_found(
        self, conn: sqlite3.Connection, session_id: str, *, writing: bool = False
    ) -> NotFound:
        recent = [
            r[0]
            for r in conn.execute(
                "SELECT session_id FROM sessions ORDER BY created_at DESC, session_id DESC LIMIT 1000"
            )
        ]
        import difflib

        close = difflib.get_close_matches(session_id, recent, n=3, cutoff=0.6)
        if close:
            hint = "Did you mean " + " or ".join(repr(s) for s in close) + "?"
        elif recent:
            hint = "Most recent sessions: " + ", ".join(recent[:3]) + "."
        else:
            hint = "There are no sessions yet."
        if writing:
            hint += (
                f' To create it: {{cmd:create-session}} {session_id} simple "<requirements>", '
                "or repeat the command with {term:auto_create_session}."
            )
        return NotFound(f"session {session_id!r} does not exist", hint, code="session_not_found")

    def _reader_or_none(self) -> sqlite3.Connection | None:
        """The read connection, or None (with a ⚠ notice) when no database file exists yet."""
        try:
            return self.store.reader()
        except NoDatabase as missing:
            self._notify(Notice("no_database", f"{missing.message}: nothing is stored", warning=True))
            return None

    def _require_session(self, session_id: str) -> None:
        try:
            conn = self.store.reader()
        except NoDatabase as missing:
            raise NotFound(
                f"session {session_id!r} does not exist",
                f"There is {missing.template}. {missing.hint_template}",
                code="no_database",
            ) from None
        try:
            found = conn.execute("SELECT 1 FROM sessions WHERE session_id = ?", (session_id,)).fetchone()
            if not found:
                raise self._session_not_found(conn, session_id)
        except sqlite3.Error as error:
            from .storage import translate

            raise translate(error, self.path) from error

    def _append(
        self,
        table: str,
        session_id: str,
        values: dict[str, Any],
        stored: dict[str, Any],
        check: Any = None,
    ) -> dict[str, Any]:
        """Insert one row stamped now into a session's table (touching the session, or refusing a missing
        one).

        ``values`` are returned with the row's id and time; ``stored`` (JSON text) is written, not returned.
        Table and column names come from this module only, never from input.
        """

        def work(conn: sqlite3.Connection) -> dict[str, Any]:
            now = timeutil.now()
            self._touch_session(conn, session_id, now)
            columns = {"session_id": session_id, "timestamp": now, **values, **stored}
            cursor = conn.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                tuple(columns.values()),
            )
            if check is not None:  # inside the transaction: raising rolls the insert back
                check(conn, session_id, self.store.dialect)
            return {"id": cursor.lastrowid, "session_id": session_id, "timestamp": now, **values}

        return self._write(work)

    @staticmethod
    def _stored_json(value: Any, what: str) -> str:
        """A payload already checked by the vocabulary, as the JSON text the database keeps."""
        try:
            return _dump(value)
        except (TypeError, ValueError) as error:
            raise InvalidPayload(
                f"{what} cannot be stored as JSON: {error}", "Use only JSON types."
            ) from None

    # -- sessions ----------------------------------------------------------------------------------
    @operation("create-session")
    def create_session(self, session_id: str, mode: str, requirements: str) -> dict[str, Any]:
        """Create a session (status ``active``), or return it unchanged when it exists with the same values,
        so that a retried call is safe.

        Returns the session's row and ``created`` (True when this call made it). Raises :class:`Conflict` when
        the id exists with another mode or requirements, :class:`InvalidArgument` for an invalid id or
        mode."""

        def work(conn: sqlite3.Connection) -> dict[str, Any]:
            existing = _row(
                conn.execute(
                    f"SELECT {SESSION_COLUMNS} FROM sessions WHERE session_id = ?", (session_id,)
                ).fetchone()
            )
            if existing:
                differences = [
                    f"{label}: stored {existing[column]!r}, given {given!r}"
                    for label, column, given in (
                        ("mode", "mode", mode),
                        ("requirements", "original_requirements", requirements),
                    )
                    if existing[column] != given
                ]
                if differences:
                    raise Conflict(
                        f"session {session_id!r} already exists with different values ("
                        + "; ".join(differences)
                        + ")",
                        "Nothing was changed. Use a new session id, or keep the stored values.",
                        code="exists_with_different_values",
                    )
                return dict(existing, created=False)
            now = timeutil.now()
            conn.execute(
                "INSERT INTO sessions (session_id, mode, status, original_requirements, start_time, "
                "created_at, updated_at) VALUES (?, ?, 'active', ?, ?, ?, ?)",
                (session_id, mode, requirements, now, now, now),
            )
            row = conn.execute(
                f"SELECT {SESSION_COLUMNS} FROM sessions WHERE session_id = ?", (session_id,)
            ).fetchone()
            return dict(row, created=True)

        return self._write(work)

    @operation("update-session-status")
    def update_session_status(self, session_id: str, status: str) -> dict[str, Any]:
        """Set a session's status. ``completed`` and ``failed`` set ``end_time`` (once: a later change keeps
        it); ``active`` clears it.

        Returns the session's row. Raises :class:`NotFound` when the session does not exist,
        :class:`InvalidArgument` for a status outside the allowed ones."""

        def work(conn: sqlite3.Connection) -> dict[str, Any]:
            now = timeutil.now()
            end_time = now if status in ("completed", "failed") else None
            changed = conn.execute(
                "UPDATE sessions SET status = ?, updated_at = ?, "
                "end_time = CASE WHEN ? IS NULL THEN NULL ELSE COALESCE(end_time, ?) END "
                "WHERE session_id = ?",
                (status, now, end_time, end_time, session_id),
            ).rowcount
            if not changed:
                raise self._session_not_found(conn, session_id)
            return dict(
                conn.execute(
                    f"SELECT {SESSION_COLUMNS} FROM sessions WHERE session_id = ?", (session_id,)
                ).fetchone()
            )

        return self._write(work)

    @operation("get-session")
    def get_session(self, session_id: str) -> dict[str, Any]:
        """The session's row. Raises :class:`NotFound` (naming the nearest existing ids) when it does not
        exist."""
        self._require_session(session_id)
        row = self.store.read_one(
            f"SELECT {SESSION_COLUMNS} FROM sessions WHERE session_id = ?", (session_id,)
        )
        if row is None:
            raise self._session_not_found(self.store.reader(), session_id)
        return dict(row)

    @operation("list-sessions")
    def list_sessions(
        self, limit: int | None = None, status: str | None = None, offset: int | None = None
    ) -> list[dict[str, Any]]:
        """The most recent sessions, newest first: ``limit`` of them (default 10; 0: all) after skipping
        ``offset``, optionally of one status. More sessions than the limit: a ⚠ notice says so."""
        if self._reader_or_none() is None:
            return []
        where, params = ("WHERE status = ? ", [status]) if status is not None else ("", [])
        rows = self.store.read(
            f"SELECT {SESSION_COLUMNS} FROM sessions {where}ORDER BY created_at DESC, session_id DESC "
            "LIMIT ? OFFSET ?",
            (*params, self._one_more(limit), offset or 0),
        )
        return [dict(r) for r in self._within(rows, "list-sessions", limit, offset, "sessions")]

    # -- the default limits of the reads that list rows --------------------------------------------------
    def _one_more(self, limit: int | None) -> int | None:
        """The LIMIT that also reads one row past ``limit`` (0 or None: no limit), to tell whether it cut."""
        return limit + 1 if limit else self.store.dialect.no_limit

    def _within(
        self, rows: Iterable[T], command: str, limit: int | None, offset: int | None, what: str
    ) -> Iterator[T]:
        """``rows`` (read with :meth:`_one_more`) up to ``limit``; when one more was there, a ⚠ notice saying
        how many were shown and how to see the rest. Lazy: a streamed read stays streamed."""
        for index, row in enumerate(rows):
            if limit and index == limit:
                if isinstance(limit, DefaultLimit):
                    self._cut(command, limit, offset, what)
                return
            yield row

    def _cut(self, command: str, limit: int, offset: int | None, what: str) -> None:
        following = (offset or 0) + limit
        self._notify(
            Notice(
                "truncated",
                f"{command}: {limit:,} {what} shown (the default limit); more: --offset {following:,} "
                f"for the next {limit:,}, --limit 0 for all (limit=, offset= in the API)",
                warning=True,
            )
        )

    # -- logs --------------------------------------------------------------------------------------
    @operation("log-interaction")
    def log_interaction(
        self,
        session_id: str,
        agent_type: str,
        content: str,
        iteration: int | None = None,
        agent_id: str | None = None,
    ) -> dict[str, Any]:
        """Append an agent's entry to a session's log; the agent type is normalised (``QA Expert`` -> ``qa``).

        Returns the new row without the content (``id``, ``timestamp``, ``seq``, …). Raises :class:`NotFound`
        when the session does not exist (unless ``auto_create_sessions``), :class:`InvalidArgument` for empty
        or oversized content."""

        def work(conn: sqlite3.Connection) -> dict[str, Any]:
            now = timeutil.now()
            self._touch_session(conn, session_id, now)
            last = conn.execute(
                "SELECT seq, timestamp FROM orchestration_logs WHERE session_id = ? "
                "ORDER BY seq DESC LIMIT 1",
                (session_id,),
            ).fetchone()
            seq = last[0] + 1 if last else 1
            # The log's order is its seq; keep timestamps in that order even if the clock steps back.
            timestamp = max(now, last[1]) if last else now
            cursor = conn.execute(
                "INSERT INTO orchestration_logs (session_id, seq, timestamp, iteration, agent_type, "
                "agent_id, content) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (session_id, seq, timestamp, iteration, agent_type, agent_id, content),
            )
            return {
                "id": cursor.lastrowid,
                "session_id": session_id,
                "timestamp": timestamp,
                "iteration": iteration,
                "agent_type": agent_type,
                "agent_id": agent_id,
                "seq": seq,
            }

        return self._write(work)

    def get_logs(
        self,
        session_id: str,
        limit: int | None = None,
        offset: int | None = None,
        agent_type: str | None = None,
        since: str | None = None,
    ) -> list[dict[str, Any]]:
        """Log entries, newest first: ``limit`` of them (default 100; 0: all) after skipping the ``offset``
        newest, optionally of one agent type and at or after ``since``. More entries than the limit: a ⚠
        notice says so."""
        return list(self.iter_logs(session_id, limit, offset, agent_type, since))

    @operation("get-logs")
    def iter_logs(
        self,
        session_id: str,
        limit: int | None = None,
        offset: int | None = None,
        agent_type: str | None = None,
        since: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """:meth:`get_logs` one entry at a time, so that a session's whole history (500,000 entries) can be
        written out in flat memory. Arguments are checked and the query started before this returns."""
        clauses, params = ["session_id = ?"], [session_id]
        if agent_type is not None:
            clauses.append("agent_type = ?")
            params.append(agent_type)
        offset = offset or 0
        self._require_session(session_id)
        if since is not None:
            # A session's seq order is its time order (log_interaction and imports keep it so), so --since is
            # a seq range starting at the first entry at or after that time: one seek in the time index, then
            # the seq index newest first, without sorting the session's history. (The timestamp condition
            # stays, unary + so that it never steers the plan back to the time index.)
            first = self.store.read_one(
                "SELECT seq FROM orchestration_logs WHERE session_id = ? AND timestamp >= ? "
                "ORDER BY timestamp, seq LIMIT 1",
                (session_id, since),
            )
            if first is None:
                return iter(())
            clauses += ["seq >= ?", self.store.dialect.unindexed.format("timestamp") + " >= ?"]
            params += [first[0], since]
        rows = self.store.iterate(
            f"SELECT {LOG_COLUMNS} FROM orchestration_logs WHERE {' AND '.join(clauses)} "
            "ORDER BY seq DESC LIMIT ? OFFSET ?",
            (*params, self._one_more(limit), offset),
        )
        return self._within(rows, "get-logs", limit, offset, "entries")

    @operation("stream-logs")
    def log_page(
        self, session_id: str, limit: int | None = None, offset: int | None = None
    ) -> dict[str, Any]:
        """A page of the log counted back from the newest entry, returned oldest first.

        Pages are ranges of the per-session ``seq``, so a deep page costs what the first one does.
        """
        self._require_session(session_id)
        total = self._latest_seq(session_id)
        high = total - (offset or 0)  # the vocabulary's defaults are filled in: offset 0, limit 50
        low = max(high - limit, 0) if limit else 0  # limit 0: the whole log
        if low > 0 and isinstance(limit, DefaultLimit):
            self._notify(
                Notice(
                    "truncated",
                    f"stream-logs: entries {low + 1:,}–{high:,} of {total:,} shown; --offset "
                    f"{(offset or 0) + limit:,} for the page before, --limit 0 for the whole log",
                    warning=True,
                )
            )
        rows = (
            self.store.read(
                f"SELECT {LOG_COLUMNS} FROM orchestration_logs WHERE session_id = ? AND seq > ? AND seq <= ? "
                "ORDER BY seq",
                (session_id, low, high),
            )
            if high > 0
            else []
        )
        return {
            "session_id": session_id,
            "total": total,
            "limit": limit,
            "offset": offset,
            "first": low + 1,
            "last": max(high, 0),
            "entries": [dict(r) for r in rows],
        }

    def get_log_page(
        self,
        session_id: str,
        limit: int | None = None,
        before_seq: int | None = None,
        since_seq: int | None = None,
        agent_type: str | None = None,
    ) -> dict[str, Any]:
        """A page of log rows (with their ``seq``) found by position in the session's log, not by offset.

        - Without ``since_seq``: the newest ``limit`` entries (default 50) whose seq is below ``before_seq``
          (when given), newest first: pass the last entry's seq as the next ``before_seq`` to page back.
        - With ``since_seq``: the entries after it, oldest first (the order they happened in), at most
          ``limit`` of them: pass the last entry's seq as the next ``since_seq`` to follow the log live.

        ``agent_type`` keeps one agent type (normalised: ``QA Expert`` is ``qa``). The result is
        ``{"session_id", "agent_type", "latest_seq", "entries", "has_more"}``: ``latest_seq`` is the session's
        newest seq (whatever the filter), read before the entries, so every entry returned is at or below it
        and an entry logged meanwhile is left for the next call; ``has_more`` tells whether entries beyond
        this page match (older ones when paging back, newer ones up to ``latest_seq`` when following).
        Each page is one index range, as fast at the millionth entry as at the first.
        """
        values = convert_values(
            {
                "session_id": session_id,
                "limit": limit,
                "before_seq": before_seq,
                "since_seq": since_seq,
                "agent_type": agent_type,
            },
            self._notify,
        )
        session_id, before_seq, since_seq = values["session_id"], values["before_seq"], values["since_seq"]
        limit, agent_type = _page_size(values["limit"], DEFAULT_PAGE), values["agent_type"]
        self._require_session(session_id)
        latest = self._latest_seq(session_id)
        # One upper bound only: given two (seq <= latest, seq < before), SQLite walks the index from the
        # first and filters by the second, which read the whole log for a deep page.
        highest = latest if before_seq is None else min(latest, before_seq - 1)
        clauses, params = ["session_id = ?", "seq <= ?"], [session_id, highest]
        if agent_type is not None:
            clauses.append("agent_type = ?")
            params.append(agent_type)
        if since_seq is not None:
            clauses.append("seq > ?")
            params.append(since_seq)
        order = "ASC" if since_seq is not None else "DESC"
        rows = self.store.read(
            f"SELECT {LOG_ROW_COLUMNS} FROM orchestration_logs WHERE {' AND '.join(clauses)} "
            f"ORDER BY seq {order} LIMIT ?",
            (*params, limit + 1),
        )
        return {
            "session_id": session_id,
            "agent_type": agent_type,
            "latest_seq": latest,
            "entries": [dict(r) for r in rows[:limit]],
            "has_more": len(rows) > limit,
        }

    def get_log_agent_types(self, session_id: str) -> list[str]:
        """The agent types that appear in a session's log, sorted: what a filter can offer.

        A skip-scan of the (session, agent type) index: one seek per type, however long the log.
        """
        session_id = convert_values({"session_id": session_id})["session_id"]
        self._require_session(session_id)
        rows = self.store.read(
            "WITH RECURSIVE types(agent_type) AS ("
            "SELECT MIN(agent_type) FROM orchestration_logs WHERE session_id = ? "
            "UNION ALL SELECT (SELECT MIN(agent_type) FROM orchestration_logs "
            "WHERE session_id = ? AND agent_type > types.agent_type) FROM types "
            "WHERE types.agent_type IS NOT NULL) "
            "SELECT agent_type FROM types WHERE agent_type IS NOT NULL",
            (session_id, session_id),
        )
        return [r[0] for r in rows]

    def _latest_seq(self, session_id: str) -> int:
        row = self.store.read_one(
            "SELECT MAX(seq) FROM orchestration_logs WHERE session_id = ?", (session_id,)
        )
        latest: int = (row[0] if row is not None else None) or 0
        return latest

    def stream_logs(self, session_id: str, limit: int | None = None, offset: int | None = None) -> str:
        """The page of :meth:`log_page` as markdown."""
        from .formatting import logs_markdown

        return logs_markdown(self.log_page(session_id, limit, offset))

    # -- state -------------------------------------------------------------------------------------
    @operation("save-state")
    def save_state(self, session_id: str, state_type: str, state_data: Any) -> dict[str, Any]:
        """Save a state snapshot of ``state_type`` for a session; ``state_data`` is a JSON object (or its
        text), checked against the schema of its type where one is shipped. Earlier snapshots are kept.

        Returns the new row without the data. Raises :class:`NotFound` when the session does not exist (unless
        ``auto_create_sessions``), :class:`InvalidPayload` when the data is not valid."""
        text = self._stored_json(state_data, "state data")
        return self._append("state_snapshots", session_id, {"state_type": state_type}, {"state_data": text})

    @operation("get-state")
    def latest_state_record(self, session_id: str, state_type: str) -> dict[str, Any] | None:
        """The newest snapshot with its time: {"timestamp", "state_type", "state_data" (text)} or None."""
        self._require_session(session_id)
        return _row(self.store.read_one(LATEST_STATE_SQL, (session_id, state_type)))

    def get_latest_state(self, session_id: str, state_type: str) -> dict[str, Any] | None:
        """The state object of ``state_type`` most recently saved for a session (as saved), or None when none
        was. Raises :class:`NotFound` when the session does not exist."""
        record = self.latest_state_record(session_id, state_type)
        return json.loads(record["state_data"]) if record else None

    # -- task groups -------------------------------------------------------------------------------
    @operation("create-task-group")
    def create_task_group(
        self,
        group_id: str,
        session_id: str,
        name: str,
        status: str | None = None,
        assigned_to: str | None = None,
    ) -> dict[str, Any]:
        """Create a task group in a session (status ``pending`` unless given), or return it unchanged when it
        exists with the same values.

        Returns the group's row and ``created``. Raises :class:`NotFound` when the session does not exist
        (unless ``auto_create_sessions``), :class:`Conflict` when the group exists with other values."""

        def work(conn: sqlite3.Connection) -> dict[str, Any]:
            now = timeutil.now()
            self._touch_session(conn, session_id, now)
            existing = _row(
                conn.execute(
                    f"SELECT {GROUP_COLUMNS} FROM task_groups WHERE session_id = ? AND id = ?",
                    (session_id, group_id),
                ).fetchone()
            )
            if existing:
                given = (("name", name), ("status", status), ("assigned_to", assigned_to))
                differences = [
                    f"{column}: stored {existing[column]!r}, given {value!r}"
                    for column, value in given
                    if value is not None and existing[column] != value
                ]
                if differences:
                    raise Conflict(
                        f"task group {group_id!r} already exists in session {session_id!r} with different "
                        "values (" + "; ".join(differences) + ")",
                        f"Nothing was changed. To change it: {{cmd:update-task-group}} {group_id} "
                        f"{{arg:update-task-group.session_id}} {session_id} "
                        "{arg:update-task-group.status} ... / {arg:update-task-group.assigned_to} ...",
                        code="exists_with_different_values",
                    )
                return dict(existing, created=False)
            conn.execute(
                "INSERT INTO task_groups (id, session_id, name, status, assigned_to, revision_count, "
                "last_review_status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, NULL, ?, ?)",
                (group_id, session_id, name, status or "pending", assigned_to, now, now),
            )
            row = conn.execute(
                f"SELECT {GROUP_COLUMNS} FROM task_groups WHERE session_id = ? AND id = ?",
                (session_id, group_id),
            ).fetchone()
            return dict(row, created=True)

        return self._write(work)

    def _resolve_group_session(self, conn: sqlite3.Connection, group_id: str) -> str:
        row = conn.execute(
            "SELECT g.session_id FROM task_groups g JOIN sessions s ON s.session_id = g.session_id "
            "WHERE g.id = ? AND s.status = 'active' ORDER BY s.created_at DESC, s.session_id DESC LIMIT 1",
            (group_id,),
        ).fetchone()
        if row:
            found: str = row[0]
            return found
        elsewhere = [
            r[0]
            for r in conn.execute(
                "SELECT g.session_id FROM task_groups g JOIN sessions s ON s.session_id = g.session_id "
                "WHERE g.id = ? ORDER BY s.created_at DESC LIMIT 3",
                (group_id,),
            )
        ]
        if elsewhere:
            return_hint = (
                f"It exists only in sessions that are no longer active: {', '.join(elsewhere)}. "
                "Name one with {arg:update-task-group.session_id}, e.g. "
                f"{{arg:update-task-group.session_id}} {elsewhere[0]}."
            )
            raise NotFound(
                f"no active session has task group {group_id!r}", return_hint, code="group_not_active"
            )
        known = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT g.id FROM task_groups g JOIN sessions s ON s.session_id = g.session_id "
                "WHERE s.status = 'active' LIMIT 1000"
            )
        ]
        close = suggest(group_id, known)
        hint = f"Did you mean {close!r}?" if close else "Create it first with {cmd:create-task-group}."
        raise NotFound(f"task group {group_id!r} does not exist", hint, code="group_not_found")

    @operation("update-task-group")
    def update_task_group(
        self,
        group_id: str,
        session_id: str | None = None,
        status: str | None = None,
        assigned_to: str | None = None,
        revision_count: int | None = None,
        last_review_status: str | None = None,
        increment_revision: bool | int = False,
    ) -> dict[str, Any]:
        """Change what is given of a task group: status, assignee, revision count, last review status;
        ``increment_revision`` adds to the revision count atomically (instead of ``revision_count``).

        Without ``session_id`` the most recent active session that has the group is used, and a notice names
        it. Returns the updated row. Raises :class:`UsageError` when nothing, or both ``revision_count`` and
        ``increment_revision``, is given; :class:`NotFound` when the group or its session does not exist."""
        changes: dict[str, Any] = {}
        if status is not None:
            changes["status"] = status
        if assigned_to is not None:
            changes["assigned_to"] = assigned_to
        if revision_count is not None:
            changes["revision_count"] = revision_count
        if last_review_status is not None:
            changes["last_review_status"] = last_review_status
        if isinstance(increment_revision, bool):  # the CLI flag; a batch line or API caller may give a count
            increment_revision = int(increment_revision)
        increment = parse_count(increment_revision, "revision increment") if increment_revision else 0
        if increment and "revision_count" in changes:
            raise UsageError(
                "give either {arg:revision_count} N or {arg:increment_revision}, not both",
                "{arg:increment_revision} adds 1 atomically; {arg:revision_count} sets the number.",
                code="conflicting_arguments",
            )
        if not changes and not increment:
            raise UsageError(
                f"nothing to update for task group {group_id!r}",
                "Give at least one of {arg:status}, {arg:assigned_to}, {arg:revision_count}, "
                "{arg:last_review_status}, {arg:increment_revision}.",
                code="nothing_to_update",
            )

        def work(conn: sqlite3.Connection) -> dict[str, Any]:
            now = timeutil.now()
            target = session_id
            if target is None:
                target = self._resolve_group_session(conn, group_id)
                self._notify(
                    Notice(
                        "group_resolved",
                        f"Task group {group_id} is in session {target} "
                        "(the most recent active session that has it)",
                    )
                )
            assignments = [f"{column} = ?" for column in changes]
            params: list[Any] = list(changes.values())
            if increment:
                assignments.append("revision_count = revision_count + ?")
                params.append(increment)
            assignments.append("updated_at = ?")
            params.append(now)
            updated = conn.execute(
                f"UPDATE task_groups SET {', '.join(assignments)} WHERE session_id = ? AND id = ?",
                (*params, target, group_id),
            ).rowcount
            if increment and updated:
                row = conn.execute(
                    f"SELECT {self.store.dialect.value_kind.format('revision_count')} FROM task_groups "
                    "WHERE session_id = ? AND id = ?",
                    (target, group_id),
                ).fetchone()
                if row[0] != "integer":  # past the largest integer SQLite turns the sum into a REAL
                    raise Conflict(
                        f"the revision count of task group {group_id!r} cannot grow by {increment:,}: "
                        f"the database holds whole numbers up to {MAX_INTEGER:,}; nothing was changed",
                        "Set it with {arg:revision_count} N instead.",
                        code="integer_overflow",
                    )
            if not updated:
                if not conn.execute("SELECT 1 FROM sessions WHERE session_id = ?", (target,)).fetchone():
                    raise self._session_not_found(conn, target)
                known = [
                    r[0] for r in conn.execute("SELECT id FROM task_groups WHERE session_id = ?", (target,))
                ]
                close = suggest(group_id, known)
                hint = (
                    f"Did you mean {close!r}?"
                    if close
                    else (
                        "Groups in this session: " + ", ".join(known[:10]) + "."
                        if known
                        else "This session has no task groups yet; create it with {cmd:create-task-group}."
                    )
                )
                raise NotFound(
                    f"task group {group_id!r} does not exist in session {target!r}",
                    hint,
                    code="group_not_found",
                )
            conn.execute("UPDATE sessions SET updated_at = ? WHERE session_id = ?", (now, target))
            row = conn.execute(
                f"SELECT {GROUP_COLUMNS} FROM task_groups WHERE session_id = ? AND id = ?", (target, group_id)
            ).fetchone()
            return dict(row)

        return self._write(work)

    @operation("get-task-groups")
    def get_task_groups(
        self,
        session_id: str,
        status: str | None = None,
        group_id: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[dict[str, Any]]:
        """A session's task groups in the order they were created, optionally only those of one ``status``, or
        the one group ``group_id``: ``limit`` of them (default 100; 0: all) after skipping ``offset``; more
        groups than the limit: a ⚠ notice says so. Raises :class:`NotFound` when the session does not
        exist."""
        clauses, params = ["session_id = ?"], [session_id]
        if status is not None:
            clauses.append("status = ?")
            params.append(status)
        if group_id is not None:
            clauses.append("id = ?")
            params.append(group_id)
        self._require_session(session_id)
        rows = self.store.read(
            f"SELECT {GROUP_COLUMNS} FROM task_groups WHERE {' AND '.join(clauses)} ORDER BY created_at, id "
            "LIMIT ? OFFSET ?",
            (*params, self._one_more(limit), offset or 0),
        )
        return [dict(r) for r in self._within(rows, "get-task-groups", limit, offset, "groups")]

    # -- tokens ------------------------------------------------------------------------------------
    @operation("log-tokens")
    def log_tokens(
        self, session_id: str, agent_type: str, tokens: int, agent_id: str | None = None
    ) -> dict[str, Any]:
        """Record the tokens an agent used in a session.

        Returns the new row. Raises :class:`NotFound` when the session does not exist (unless
        ``auto_create_sessions``), :class:`InvalidArgument` when ``tokens`` is not a whole number of 0 or
        more."""
        return self._append(
            "token_usage",
            session_id,
            {"agent_type": agent_type, "agent_id": agent_id, "tokens_estimated": tokens},
            {},
            check=check_token_totals,
        )

    @operation("token-summary")
    def get_token_summary(self, session_id: str, by: str | None = None) -> dict[str, int]:
        """Totals per agent type (documented types first) or per agent id, then "total".

        By agent id, rows logged without an agent id count under their agent type.
        """
        self._require_session(session_id)
        # token_totals (migration 2) holds one row per (agent type, agent id) of the session, kept by
        # triggers.
        key = "agent_type" if by == "agent_type" else "COALESCE(NULLIF(agent_key, ''), agent_type)"
        rows = self.store.read(
            f"SELECT {key} AS k, SUM(tokens) FROM token_totals WHERE session_id = ? GROUP BY k", (session_id,)
        )
        order = {name: index for index, name in enumerate(AGENT_TYPES["documented"])}
        order["orchestrator"] = len(order)  # the spec's example lists pm, developer, qa, ... first
        totals = sorted(
            ((r[0], r[1]) for r in rows), key=lambda item: (order.get(item[0], len(order) + 1), item[0])
        )
        summary = {name: total for name, total in totals}
        summary["total"] = sum(total for _, total in totals)
        return summary

    # -- skill outputs -----------------------------------------------------------------------------
    @operation("save-skill-output")
    def save_skill_output(self, session_id: str, skill_name: str, output_data: Any) -> dict[str, Any]:
        """Save a skill's output for a session; ``output_data`` is a JSON object (or its text), checked
        against the skill's schema where one is shipped.

        Returns the new row without the data. Raises :class:`NotFound` when the session does not exist (unless
        ``auto_create_sessions``), :class:`InvalidPayload` when the data is not valid."""
        text = self._stored_json(output_data, "skill output")
        return self._append("skill_outputs", session_id, {"skill_name": skill_name}, {"output_data": text})

    @operation("get-skill-output")
    def skill_output_record(self, session_id: str, skill_name: str) -> dict[str, Any] | None:
        """The newest output record of a skill in a session: ``{"id", "timestamp", "skill_name", "output_data"
        (JSON text)}``, or None. Raises :class:`NotFound` when the session does not exist."""
        self._require_session(session_id)
        return _row(
            self.store.read_one(
                "SELECT id, timestamp, skill_name, output_data FROM skill_outputs "
                "WHERE session_id = ? AND skill_name = ? ORDER BY timestamp DESC, id DESC LIMIT 1",
                (session_id, skill_name),
            )
        )

    def get_skill_output(self, session_id: str, skill_name: str) -> dict[str, Any] | None:
        """The output a skill most recently saved for a session (the object as saved), or None when it saved
        none. Raises :class:`NotFound` when the session does not exist."""
        record = self.skill_output_record(session_id, skill_name)
        return json.loads(record["output_data"]) if record else None

    # -- configuration -----------------------------------------------------------------------------
    @operation("set-config")
    def set_config(self, key: str, value: Any) -> dict[str, Any]:
        """Set a configuration key to a JSON value, replacing the one before.

        Returns ``{"key", "updated_at"}``. Raises :class:`InvalidPayload` when the value is not valid JSON or
        does not match the key's schema."""
        text = self._stored_json(value, "config value")

        def work(conn: sqlite3.Connection) -> dict[str, Any]:
            now = timeutil.now()
            conn.execute(
                "INSERT INTO configuration (key, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                (key, text, now),
            )
            return {"key": key, "updated_at": now}

        return self._write(work)

    @operation("get-config")
    def config_record(self, key: str) -> dict[str, Any] | None:
        """The stored record of a configuration key: ``{"key", "value" (JSON text), "updated_at"}``, or None
        when the key (or the database) does not exist."""
        if self._reader_or_none() is None:
            return None
        return _row(
            self.store.read_one("SELECT key, value, updated_at FROM configuration WHERE key = ?", (key,))
        )

    def get_config(self, key: str) -> Any | None:
        """The stored value of a configuration key (the JSON value as saved), or None when it was never
        set."""
        record = self.config_record(key)
        return json.loads(record["value"]) if record else None

    # -- decisions ---------------------------------------------------------------------------------
    @operation("log-decision")
    def log_decision(
        self, session_id: str, decision_type: str, decision_data: Any, iteration: int | None = None
    ) -> dict[str, Any]:
        """Record an orchestration decision; ``decision_data`` is a JSON object (or its text), checked against
        the decision schema.

        Returns the new row without the data. Raises :class:`NotFound` when the session does not exist (unless
        ``auto_create_sessions``), :class:`InvalidPayload` when the data is not valid."""
        text = self._stored_json(decision_data, "decision data")
        return self._append(
            "decisions",
            session_id,
            {"iteration": iteration, "decision_type": decision_type},
            {"decision_data": text},
        )

    @operation("get-decisions")
    def get_decisions(
        self,
        session_id: str,
        decision_type: str | None = None,
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[dict[str, Any]]:
        """Decisions oldest first: the most recent ``limit`` of them (default 100; 0: all; still oldest first)
        after skipping the ``offset`` most recent; more than the limit: a ⚠ notice says so."""
        clauses, params = ["session_id = ?"], [session_id]
        if decision_type is not None:
            clauses.append("decision_type = ?")
            params.append(decision_type)
        self._require_session(session_id)
        rows = self.store.read(
            f"SELECT {DECISION_COLUMNS} FROM decisions WHERE {' AND '.join(clauses)} "
            "ORDER BY timestamp DESC, id DESC LIMIT ? OFFSET ?",
            (*params, self._one_more(limit), offset or 0),
        )
        newest = list(self._within(rows, "get-decisions", limit, offset, "decisions"))
        return [_decision(r) for r in reversed(newest)]

    # -- dashboard ---------------------------------------------------------------------------------
    @operation("dashboard-snapshot")
    def get_dashboard_snapshot(self, session_id: str) -> dict[str, Any]:
        """Everything a dashboard shows of a session, in one call: the session, the latest orchestrator and PM
        states, the task groups, the token summary, the number of log entries and the most recent entries
        (newest first). Raises :class:`NotFound` when the session does not exist."""
        session = self.get_session(session_id)
        session_id = session["session_id"]

        def state(state_type: str) -> Any | None:
            row = self.store.read_one(LATEST_STATE_SQL, (session_id, state_type))
            return json.loads(row["state_data"]) if row else None

        log_count = self._latest_seq(session_id)
        recent = self.store.read(
            f"SELECT {LOG_COLUMNS} FROM orchestration_logs WHERE session_id = ? ORDER BY seq DESC LIMIT ?",
            (session_id, DASHBOARD_LOGS),
        )
        return {
            "session": session,
            "orchestrator_state": state("orchestrator"),
            "pm_state": state("pm"),
            "task_groups": self.get_task_groups(session_id, limit=0),
            "token_summary": self.get_token_summary(session_id),
            "log_count": log_count,
            "recent_logs": [dict(r) for r in recent],
        }

    def get_sessions_overview(
        self, limit: int | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Sessions for an overview page: active ones first, then newest first, each with its progress.

        Each session row gains ``task_groups`` (``{"pending": n, "in_progress": n, "completed": n,
        "failed": n, "total": n}``), ``tokens`` (the session's total) and ``log_count``. Two grouped
        reads over the listed sessions and one index seek each, whatever their history. No database yet:
        ``[]``.
        """
        values = convert_values({"limit": limit, "status": status}, self._notify)
        limit, status = _page_size(values["limit"], DEFAULT_OVERVIEW), values["status"]
        if self._reader_or_none() is None:
            return []
        # Active sessions first: two index walks (status, then creation order) rather than sorting them all.
        wanted = [status] if status is not None else ["active", None]
        sessions: list[dict[str, Any]] = []
        for chosen in wanted:
            condition, params = ("status = ?", [chosen]) if chosen else ("status != 'active'", [])
            rows = self.store.read(
                f"SELECT {SESSION_COLUMNS} FROM sessions WHERE {condition} "
                "ORDER BY created_at DESC, session_id DESC LIMIT ?",
                (*params, limit - len(sessions)),
            )
            sessions += [dict(r) for r in rows]
            if len(sessions) >= limit:
                break
        if not sessions:
            return []
        ids = [s["session_id"] for s in sessions]
        marks = ", ".join("?" * len(ids))
        groups: dict[str, dict[str, int]] = {}
        for session_id, group_status, count in self.store.read(
            f"SELECT session_id, status, COUNT(*) FROM task_groups WHERE session_id IN ({marks}) "
            "GROUP BY session_id, status",
            ids,
        ):
            groups.setdefault(session_id, {})[group_status] = count
        tokens: dict[str, int] = {
            row[0]: row[1]
            for row in self.store.read(
                f"SELECT session_id, SUM(tokens) FROM token_totals WHERE session_id IN ({marks}) "
                "GROUP BY session_id",
                ids,
            )
        }
        # One MAX per session (an index seek each); MAX ... GROUP BY session_id would read every entry.
        logs = {session_id: self._latest_seq(session_id) for session_id in ids}
        for session in sessions:
            counts = groups.get(session["session_id"], {})
            progress = {name: counts.get(name, 0) for name in ENUMS["group_status"]["values"]}
            progress["total"] = sum(counts.values())
            session["task_groups"] = progress
            session["tokens"] = tokens.get(session["session_id"]) or 0
            session["log_count"] = logs.get(session["session_id"]) or 0
        return sessions

    def get_token_timeline(self, session_id: str) -> dict[str, Any]:
        """Tokens over time by agent type, in buckets: ``{"session_id", "bucket", "points"}``.

        ``bucket`` names the bucket width ("second", "minute", "10 minutes", "hour", "day", ...): the
        narrowest that splits the session's token history into at most 120 buckets. ``points`` are
        ``{"time", "agent_type", "tokens", "entries"}`` oldest first, ``time`` being the bucket's start as a
        canonical timestamp; buckets without tokens are left out.
        """
        session_id = convert_values({"session_id": session_id})["session_id"]
        self._require_session(session_id)
        span = self.store.read_one(
            "SELECT MIN(timestamp), MAX(timestamp) FROM token_usage WHERE session_id = ?", (session_id,)
        )
        if span is None or span[0] is None:
            return {"session_id": session_id, "bucket": None, "points": []}
        seconds = _seconds_between(span[0], span[1])
        name, width, _ = next(
            (bucket for bucket in _BUCKETS if seconds / bucket[2] < TIMELINE_BUCKETS), _BUCKETS[-1]
        )
        rows = self.store.read(
            "SELECT substr(timestamp, 1, ?) AS bucket, agent_type, SUM(tokens_estimated), COUNT(*) "
            "FROM token_usage WHERE session_id = ? GROUP BY bucket, agent_type ORDER BY bucket, agent_type",
            (width, session_id),
        )
        points = [
            {"time": r[0] + _EPOCH_TEXT[width:], "agent_type": r[1], "tokens": r[2], "entries": r[3]}
            for r in rows
        ]
        return {"session_id": session_id, "bucket": name, "points": points}

    def get_skill_outputs(self, session_id: str) -> list[dict[str, Any]]:
        """The latest output of each skill of the session, by skill name:
        ``[{"skill_name", "timestamp", "output_data"}]`` with ``output_data`` the stored object."""
        session_id = convert_values({"session_id": session_id})["session_id"]
        self._require_session(session_id)
        rows = self.store.read(
            "SELECT o.skill_name, o.timestamp, o.output_data FROM skill_outputs o WHERE o.session_id = ? "
            "AND o.id = (SELECT i.id FROM skill_outputs i WHERE i.session_id = o.session_id "
            "AND i.skill_name = o.skill_name ORDER BY i.timestamp DESC, i.id DESC LIMIT 1) "
            "ORDER BY o.skill_name",
            (session_id,),
        )
        return [{"skill_name": r[0], "timestamp": r[1], "output_data": json.loads(r[2])} for r in rows]

    def get_session_changes(
        self,
        session_id: str,
        since_seq: int | None = None,
        since: str | None = None,
        limit: int | None = None,
        agent_type: str | None = None,
    ) -> dict[str, Any]:
        """What a live view of a session needs to catch up: for following a session without polling its
        whole state.

        ``since`` is the session's ``updated_at`` the caller last saw (every write to a session sets it):
        when it has not changed, only the session row is read and ``changed`` is False. Otherwise the result
        holds the log entries after ``since_seq`` (oldest first, at most ``limit``, of ``agent_type`` when
        given; as :meth:`get_log_page` with ``since_seq``), the session's ``latest_seq``, every task group
        (a board is small, and a group that moved is in it) and the token totals. ``cursor`` is what to pass
        next time: ``{"seq", "updated_at"}``; while ``has_more`` is True, call again at once for the rest of
        the log.
        """
        session = self.get_session(session_id)
        session_id = session["session_id"]
        since_seq = convert_values({"since_seq": since_seq})["since_seq"] or 0
        if since is not None and since == session["updated_at"]:
            return {
                "session": session,
                "changed": False,
                "logs": [],
                "has_more": False,
                "latest_seq": None,
                "task_groups": None,
                "token_summary": None,
                "cursor": {"seq": since_seq, "updated_at": since},
            }
        page = self.get_log_page(session_id, limit, since_seq=since_seq, agent_type=agent_type)
        entries = page["entries"]
        # Filtered or not, everything up to latest_seq has been seen once the page is complete.
        seq = entries[-1]["seq"] if page["has_more"] else max(page["latest_seq"], since_seq)
        return {
            "session": session,
            "changed": True,
            "logs": entries,
            "has_more": page["has_more"],
            "latest_seq": page["latest_seq"],
            "task_groups": self.get_task_groups(session_id, limit=0),
            "token_summary": self.get_token_summary(session_id),
            # While the log is still being caught up, keep the old updated_at so the next call reads again.
            "cursor": {"seq": seq, "updated_at": since if page["has_more"] else session["updated_at"]},
        }

    # -- maintenance -------------------------------------------------------------------------------
    def check(self) -> dict[str, Any]:
        """Integrity, schema version, WAL state and rows per table; never creates, migrates or changes the
        file (on PostgreSQL: bazinga-db's consistency check, docs/postgresql.md)."""
        return self.store.check()

    def backup(self, destination: str, force: bool = False) -> dict[str, Any]:
        """Copy the database to ``destination`` (SQLite online backup); refuses an existing file unless
        ``force``. On PostgreSQL it refuses and names pg_dump and copy-to. Reports "progress" notices (the
        share of pages copied) as it goes."""
        return self.store.backup(destination, force=bool(force), progress=self._copied)

    def _copied(self, done: int, total: int) -> None:
        self._notify(Notice("progress", f"{done * 100 // max(total, 1)}% of {total:,} pages copied"))

    def copy_to(self, target: str, force: bool = False) -> dict[str, Any]:
        """Copy every row to the database at ``target`` (a URL or a SQLite path) and verify it row for row;
        a non-empty target is refused unless ``force`` (skill/copying.py)."""
        from .copying import copy_to

        return copy_to(self.store, target, force=bool(force))

    # -- SQL ---------------------------------------------------------------------------------------
    def query(
        self,
        sql: str,
        params: Any = (),
        *,
        limit: int | None = None,
        timeout: float | None = None,
        max_memory: int | None = None,
    ) -> list[dict[str, Any]]:
        """Run one read-only statement, read-only enforced by the backend itself (SQLite: read-only open,
        query_only, an authorizer; PostgreSQL: a READ ONLY transaction, one statement, a timeout).

        Bounded like the CLI's ``query`` (defaults from the vocabulary): at most ``limit`` rows (1,000; 0:
        all), ``timeout`` seconds (10; 0: none) and ``max_memory`` MB for any one value it builds (64; 0:
        none; see skill/readonly.py). Reaching the row limit gives a ⚠ notice; the time and memory limits
        raise QueryRefused saying which limit.
        """
        return list(self.iter_query(sql, params, limit=limit, timeout=timeout, max_memory=max_memory))

    def iter_query(
        self,
        sql: str,
        params: Any = (),
        *,
        limit: int | None = None,
        timeout: float | None = None,
        max_memory: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """:meth:`query` row by row, in constant memory; the statement starts (and is refused) before this
        returns. The row limit's notice is added when the iteration ends."""
        bounds = convert_args(
            "query",
            {"sql": sql, "limit": limit, "timeout": timeout, "max_memory": max_memory},
            self._notify,
            defaults=True,
        )
        sql, limit, timeout, max_memory = (bounds[k] for k in ("sql", "limit", "timeout", "max_memory"))
        from .readonly import ROWS_HINT

        running = self.store.query_readonly(sql, params, limit=limit, timeout=timeout, max_memory=max_memory)

        def rows() -> Iterator[dict[str, Any]]:
            yield from running
            if running.truncated:
                self._notify(
                    Notice(
                        "truncated",
                        f"query: stopped after {limit:,} rows (the row limit); {ROWS_HINT}",
                        warning=True,
                    )
                )

        return rows()
