"""The handler contract: one :class:`Context` in, one :class:`Result` out.

The CLI builds a Context once per invocation (a long-lived server such as ``mcp`` builds one per call around
its one store) and calls the command's handler, a module function ``run(ctx) -> Result``. Handlers never
see raw command-line internals; rendering, notices and the ❌ error boundary live once, in ``skill.cli``.
"""

from __future__ import annotations

import os
import time

from .errors import UsageError

# Notices shown as they happen rather than after the command: progress of long work (on a terminal only,
# one line rewritten in place) and a write waiting for another process's lock (always).
LIVE_KINDS = ("progress", "waiting")
PROGRESS_INTERVAL = 0.5  # seconds between two redraws of the progress line
PROGRESS_AFTER = 1.0  # work shorter than this draws no progress line at all ($BAZINGA_PROGRESS_AFTER)
WAITING = "\u23f3"  # ⏳

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, TextIO

    from .api import BazingaDB
    from .errors import Notice


class Result:
    """What a handler returns; the CLI (or a server) renders it.

    - ``value``: the data (what ``--format json`` shows for a read, the ``result`` of a write);
      an iterator for reads that stream (get-logs).
    - ``message``: a write's ✓ line.
    - ``raw``: JSON text to show exactly as stored (get-state prints the saved object byte for byte).
    - ``text``: the readable view, when the handler made one (requests' replies, markdown pages).
    - ``document``: the whole JSON document for ``--format json`` when it is not the default shape.
    - ``streamed``: the handler wrote stdout itself (batch, servers).
    - ``report`` and ``exit_code``: a failure the handler rendered itself (the request reply's report).
    - ``kind``: "read" or "write", when it is not the command's own (a request runs either).
    """

    __slots__ = ("value", "message", "raw", "text", "document", "streamed", "report", "exit_code", "kind")

    def __init__(
        self,
        value: Any = None,
        *,
        message: str | None = None,
        raw: str | None = None,
        text: str | None = None,
        document: Any = None,
        streamed: bool = False,
        report: str | None = None,
        exit_code: int = 0,
        kind: str | None = None,
    ):
        self.value = value
        self.message = message
        self.raw = raw
        self.text = text
        self.document = document
        self.streamed = streamed
        self.report = report
        self.exit_code = exit_code
        self.kind = kind


class Context:
    """Everything a command handler may use, built once by the caller.

    ``args`` holds the command's argument values by vocabulary name, as given (the library converts them);
    ``-`` and ``@FILE`` inputs are already read. ``notices`` collects what the library reports on the way
    (auto-initialised database, normalised values); the caller renders them. ``db()`` opens the store once;
    the caller closes it with :meth:`close` unless it was handed an open one (a long-lived server's).
    """

    def __init__(
        self,
        command: str,
        args: dict[str, Any] | None = None,
        *,
        location: str | None = None,
        output: str | None = None,
        quiet: bool = False,
        auto_create_sessions: bool = False,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        db: BazingaDB | None = None,
    ):
        self.command = command
        self.args: dict[str, Any] = dict(args or {})
        self.location = location
        self.output = output
        self.quiet = quiet
        self.auto_create_sessions = auto_create_sessions
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.cwd = os.getcwd() if cwd is None else cwd
        self.notices: list[Notice] = []
        self._progress_shown = False
        self._progress_drawn = 0.0
        self._started = time.monotonic()
        self._progress_after = _seconds(self.env.get("BAZINGA_PROGRESS_AFTER"), PROGRESS_AFTER)
        self._db = db
        self._own_db = db is None
        self._previous_listener: Any = None
        self._previous_auto_create: bool | None = None
        if db is not None:  # a shared store reports this call's notices to this context while it lasts
            self._previous_listener = db.on_notice
            db.on_notice = self.notify

    def notify(self, notice: Notice) -> None:
        """Collect a notice for the caller to render (✓/⚠ lines on stderr, or a server's reply); progress
        and waiting notices are written to stderr at once instead (see LIVE_KINDS)."""
        if notice.kind in LIVE_KINDS:
            self._live(notice)
        else:
            self.notices.append(notice)

    def interactive(self) -> bool:
        """True when stderr is a terminal (progress lines are drawn only there)."""
        try:
            return self.stderr is not None and bool(self.stderr.isatty())
        except (AttributeError, ValueError, OSError):
            return False

    def _live(self, notice: Notice) -> None:
        stderr = self.stderr
        if stderr is None or self.quiet:
            return
        if notice.kind == "progress":
            now = time.monotonic()
            if (
                now - self._started < self._progress_after
                or now - self._progress_drawn < PROGRESS_INTERVAL
                or not self.interactive()
            ):
                return
            self._progress_drawn = now
            # \r back to the line's start, the text, then erase what a longer previous line left.
            stderr.write(f"\r\u2026 {notice.message}, {int(now - self._started)} s\x1b[K")
            self._progress_shown = True
        else:
            self.end_progress()
            stderr.write(f"{WAITING} {notice.message}\n")
        stderr.flush()

    def end_progress(self) -> None:
        """End a progress line that was drawn (a newline), so what follows starts on its own line."""
        if self._progress_shown and self.stderr is not None:
            self.stderr.write("\n")
            self._progress_shown = False

    def db(self, *, auto_create_sessions: bool | None = None) -> BazingaDB:
        """The store, opened on first use (connections themselves open lazily, per operation).

        ``auto_create_sessions`` overrides the invocation's choice for this call (a request in words always
        auto-creates); on a shared store it lasts until :meth:`close`.
        """
        if self._db is not None and not self._own_db and auto_create_sessions is not None:
            if self._previous_auto_create is None:
                self._previous_auto_create = self._db.auto_create_sessions
            self._db.auto_create_sessions = auto_create_sessions
        if self._db is None:
            from .api import BazingaDB  # here: handlers that never touch the store do not pay for it

            if self.location is None:
                raise UsageError(
                    "no database location",
                    "Give --db PATH (or a postgresql:// URL), or set $BAZINGA_DB_URL or $BAZINGA_DB_PATH.",
                )
            create = self.auto_create_sessions if auto_create_sessions is None else auto_create_sessions
            self._db = BazingaDB(self.location, auto_create_sessions=create, on_notice=self.notify)
        return self._db

    def path(self, value: str) -> str:
        """A path the user gave, resolved against the invocation's working directory."""
        return value if os.path.isabs(value) else os.path.join(self.cwd, value)

    def close(self) -> None:
        """Close the store if this context opened it; hand a shared store back to its owner."""
        if self._db is None:
            return
        if self._own_db:
            self._db.close()
            self._db = None
        else:
            self._db.on_notice = self._previous_listener
            if self._previous_auto_create is not None:
                self._db.auto_create_sessions = self._previous_auto_create


def database_location(explicit: str | None, env: Mapping[str, str], cwd: str) -> str:
    """--db, else $BAZINGA_DB_URL, else $BAZINGA_DB_PATH, else the nearest coordination/bazinga.db upwards,
    else ./coordination/bazinga.db."""
    if explicit is not None:
        if not explicit.strip():
            raise UsageError(
                "--db is empty",
                "Give the database path, e.g. --db coordination/bazinga.db "
                "(an unset shell variable expands to nothing).",
                code="empty_location",
            )
        return explicit
    for variable in ("BAZINGA_DB_URL", "BAZINGA_DB_PATH"):
        if env.get(variable):
            return env[variable]
    folder = os.path.abspath(cwd)
    while True:
        candidate = os.path.join(folder, "coordination", "bazinga.db")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return os.path.join(cwd, "coordination", "bazinga.db")
        folder = parent


def _seconds(text: str | None, default: float) -> float:
    """A number of seconds from the environment; the default when unset or not a number >= 0."""
    try:
        value = float(text) if text else default
    except ValueError:
        return default
    return value if 0 <= value < float("inf") else default
