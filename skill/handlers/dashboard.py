"""The `dashboard` command: a live, read-only view of the store in a browser.

A standard-library HTTP server (``http.server``; no framework, every asset served from
``dashboard_assets/`` beside this module). Routes:

- ``/`` the sessions page (``?status=``), ``/sessions/<id>`` a session (``?agent_type=&before_seq=``);
- ``/api/sessions``, ``/api/sessions/<id>`` (the dashboard snapshot), ``/api/sessions/<id>/logs``
  (``?limit=&before_seq=&since_seq=&agent_type=``), ``/tokens``, ``/skill-outputs``, ``/decisions``,
  ``/changes`` (``?since_seq=&since=``): the JSON the pages are built from, for other tools;
- ``/api/events`` and ``/api/sessions/<id>/events``: Server-Sent Events that push what changed (new log
  entries, task-group moves, token totals, ...) within a poll interval; an EventSource that reconnects
  resumes after the last entry it saw (``Last-Event-ID``, the log's per-session ``seq``).

Every read goes through the library (:class:`skill.api.BazingaDB`). The server holds one store, opened
read-only and used by one thread only (SQLite connections belong to the thread that made them): request
threads hand their reads to it and wait. It keeps nothing per request that grows, and never writes. It
listens on 127.0.0.1 unless told otherwise, and on a loopback address it answers only requests addressed
to a loopback name (a web page elsewhere cannot reach it through DNS rebinding).
"""

from __future__ import annotations

import errno
import ipaddress
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, TextIO, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from .. import formatting
from ..api import BazingaDB
from ..context import Context, Result
from ..errors import EXIT_OK, BazingaError, DatabaseUnusable, InvalidArgument, NotFound, Notice, UsageError
from ..storage import display_path
from ..vocabulary import COMMANDS, convert_args, convert_values
from . import dashboard_pages as pages

T = TypeVar("T")

SPEC = COMMANDS["dashboard"]
ASSETS = os.path.join(os.path.dirname(os.path.realpath(__file__)), "dashboard_assets")
CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}
POLL_SECONDS = 0.25  # how often a live page's stream asks the store what changed
SESSIONS_POLL_SECONDS = 1.0  # the sessions page's stream
KEEPALIVE_SECONDS = 5.0  # a comment line on a quiet stream, so a closed tab ends its thread soon
RETRY_SECONDS = 2  # while the store cannot be reached: how often streams and error pages try again
# Errors that pass by themselves: a PostgreSQL server gone away (restarted, the network), a store locked
# for longer than the busy timeout. Streams stay open and retry; pages answer 503 and reload themselves.
TRANSIENT = ("server_unavailable", "busy")
LIVE_LOG_CHUNK = 200  # log entries per live event while catching up
PAGE_SIZE = 50  # log entries per page
DECISIONS_SHOWN = 20
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
)


# -- the command -------------------------------------------------------------------------------------
def run(ctx: Context) -> Result:
    """The handler (``run(ctx) -> Result``): serve ``ctx.location`` until Ctrl-C; the output is streamed."""
    args = convert_args("dashboard", ctx.args, defaults=True)
    assert ctx.location is not None and ctx.stdout is not None and ctx.stderr is not None
    code = serve(
        ctx.location,
        args["host"],
        args["port"],
        open_browser=bool(args.get("open")),
        stdout=ctx.stdout,
        stderr=ctx.stderr,
        quiet=ctx.quiet,
    )
    return Result(streamed=True, exit_code=code)


def serve(
    location: str,
    host: str,
    port: int,
    *,
    open_browser: bool = False,
    stdout: TextIO,
    stderr: TextIO,
    quiet: bool = False,
) -> int:
    """Check the store, listen, print the URL, serve until Ctrl-C (or SIGTERM); exit code 0.

    An unusable store or a port that cannot be had raises the project's errors before anything listens.
    """
    dashboard = Dashboard(location, host, port)
    try:
        warning = _startup_check(dashboard.reader)
        dashboard.listen()
    except BaseException:
        dashboard.close()
        raise
    restore = _stop_on_sigterm()  # before the URL is out: whoever read it may stop the server at once
    try:
        if not quiet:  # notices first: whoever reads the URL has them already
            for note in filter(None, [warning, _exposure_warning(dashboard)]):
                stderr.write(f"{formatting.WARNING} {note}\n")
            stderr.flush()
        shown = _shown_location(location)
        line = formatting.OK + " " + SPEC["reply"]["serving"].format(url=dashboard.url, location=shown)
        stdout.write((dashboard.url if quiet else line) + "\n")
        stdout.flush()
        if open_browser:
            threading.Thread(target=_open_browser, args=(dashboard.url, stderr), daemon=True).start()
        dashboard.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        restore()
        dashboard.close()
    if not quiet:
        stdout.write(f"{formatting.OK} {SPEC['reply']['stopped']}\n")
    return EXIT_OK


def _startup_check(reader: Reader) -> str | None:
    """Read once before listening: an unusable store fails now; a store not created yet is a ⚠."""
    missing = _missing(reader.call_noticed(lambda db: db.get_sessions_overview(limit=1))[1])
    return (
        f"{missing.removesuffix(': nothing is stored')}; sessions appear as soon as an agent writes one"
        if missing
        else None
    )


def _missing(notices: list[Notice]) -> str | None:
    """The library's "no database yet" notice, if it gave one."""
    return next((n.message for n in notices if n.kind == "no_database"), None)


def _shown_location(location: str) -> str:
    return display_path(location)


def _exposure_warning(dashboard: Dashboard) -> str | None:
    if dashboard.loopback:
        return None
    return (
        f"listening on {dashboard.host}: anyone who can reach this machine on port {dashboard.port} can read "
        "the orchestration data (the dashboard has no login); use --host 127.0.0.1 to keep it to this machine"
    )


def _open_browser(url: str, stderr: TextIO) -> None:
    try:
        opened = webbrowser.open(url)
    except Exception:  # a broken $BROWSER must not take the server down
        opened = False
    if not opened:
        stderr.write(f"{formatting.WARNING} no web browser could be opened here; open {url} yourself\n")
        stderr.flush()


def _stop_on_sigterm() -> Callable[[], None]:
    """SIGTERM stops the server as Ctrl-C does (main thread only); returns the undo."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)

    def undo() -> None:
        signal.signal(signal.SIGTERM, previous)

    return undo


# -- the store, read by one thread -------------------------------------------------------------------
class Reader:
    """The server's one store. Every read runs on one worker thread that owns the ``BazingaDB`` (opened
    lazily there, read-only: the server calls no write method), so no connection crosses threads and no
    lock is held by a request thread. A call's notices are handed back with it, never kept.

    On PostgreSQL the store is one long-lived connection, made read-only by the server as well
    (``default_transaction_read_only``). One the server dropped is discarded (pgstore) and the read is
    tried once more on a new one, so a restart between two requests goes unnoticed and the dashboard
    carries on as soon as the server is back."""

    def __init__(self, location: str):
        self.location = location
        self._db: BazingaDB | None = None
        self._notices: list[Notice] = []
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dashboard-store")

    def call(self, work: Callable[[BazingaDB], T]) -> T:
        return self.call_noticed(work)[0]

    def call_noticed(self, work: Callable[[BazingaDB], T]) -> tuple[T, list[Notice]]:
        """``work(db)`` on the store's thread, with the notices the library gave during it."""
        return self._worker.submit(self._run, work).result()

    def _run(self, work: Callable[[BazingaDB], T]) -> tuple[T, list[Notice]]:
        if self._db is None:
            self._db = BazingaDB(self.location, on_notice=self._notices.append)
            if hasattr(self._db.store, "read_only"):  # PostgreSQL: a second lock, held by the server
                self._db.store.read_only = True
        try:
            try:
                return work(self._db), list(self._notices)
            except BazingaError as error:
                if error.code != "server_unavailable":
                    raise
                # The connection was dropped under us (the server restarted, an idle timeout, a proxy) and
                # has been discarded: reads are safe to repeat, so once on a new connection before
                # reporting the server unreachable. A server that is really away refuses it at once.
                self._notices.clear()
                return work(self._db), list(self._notices)
        finally:
            self._notices.clear()

    def close(self) -> None:
        def close_db() -> None:
            if self._db is not None:
                self._db.close()
                self._db = None

        try:
            self._worker.submit(close_db).result(timeout=5)
        except Exception:
            pass
        self._worker.shutdown(wait=False)


# -- reads the pages need (run on the store's thread) --------------------------------------------------
def _state(db: BazingaDB, session_id: str, state_type: str) -> dict[str, Any] | None:
    record = db.latest_state_record(session_id, state_type)
    return {"timestamp": record["timestamp"], "data": json.loads(record["state_data"])} if record else None


def session_view(
    db: BazingaDB,
    session_id: str,
    *,
    agent_type: str | None = None,
    before_seq: int | None = None,
    timeline: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything a session page shows, read in one go."""
    session = db.get_session(session_id)
    session_id = session["session_id"]
    page = db.get_log_page(session_id, PAGE_SIZE, before_seq=before_seq, agent_type=agent_type)
    return {
        "session": session,
        "log_page": page,
        "log_count": page["latest_seq"],
        "before_seq": before_seq,
        "agent_types": db.get_log_agent_types(session_id),
        **_details(
            db,
            session_id,
            db.get_task_groups(session_id, limit=0),
            db.get_token_summary(session_id),
            timeline,
        ),
    }


def _details(
    db: BazingaDB,
    session_id: str,
    groups: list[dict[str, Any]],
    summary: dict[str, int],
    timeline: dict[str, Any] | None,
) -> dict[str, Any]:
    return {
        "task_groups": groups,
        "token_summary": summary,
        "timeline": timeline if timeline is not None else db.get_token_timeline(session_id),
        "pm_state": _state(db, session_id, "pm"),
        "orchestrator_state": _state(db, session_id, "orchestrator"),
        "skill_outputs": db.get_skill_outputs(session_id),
        "decisions": db.get_decisions(session_id, limit=DECISIONS_SHOWN),
    }


def _overview(reader: Reader, status: str | None) -> tuple[list[dict[str, Any]], str | None]:
    """The sessions page's rows, and the notice to show when there is no database yet."""
    sessions, notices = reader.call_noticed(lambda db: db.get_sessions_overview(status=status))
    return sessions, _missing(notices)


# -- the server --------------------------------------------------------------------------------------
class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a stream still open when the server stops does not hold the process
    block_on_close = False
    request_queue_size = 64

    def handle_error(self, request: Any, client_address: Any) -> None:
        """What escapes a handler outside its routes (reading the request line, flushing the reply): a
        client that left is no error; anything else is one ❌ line. socketserver's default would print a
        traceback on the dashboard's terminal."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        name = type(error).__name__
        sys.stderr.write(f"{formatting.ERROR} internal error serving {client_address[0]}: {name}: {error}\n")


class _Server6(_Server):
    address_family = socket.AF_INET6


class Dashboard:
    """The server: its store, its socket, its routes. ``listen()``, then ``serve_forever()`` until Ctrl-C,
    then ``close()``."""

    def __init__(self, location: str, host: str, port: int):
        self.location = location
        self.shown_location = _shown_location(location)
        self.host = host
        self.port = port
        self.reader = Reader(location)
        self.stopping = threading.Event()
        self.assets = _load_assets()
        self.server: _Server | None = None
        self.loopback = True
        self.url = ""

    def listen(self) -> None:
        family, address = _resolve(self.host, self.port)
        server_class = _Server6 if family == socket.AF_INET6 else _Server
        try:
            server = server_class(address, _Handler)
        except OSError as error:
            raise _bind_error(error, self.host, self.port, family) from None
        server.dashboard = self  # type: ignore[attr-defined]
        self.server = server
        self.port = server.server_address[1]
        self.loopback = ipaddress.ip_address(address[0].split("%")[0]).is_loopback
        shown_host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{shown_host}:{self.port}/"

    def serve_forever(self) -> None:
        assert self.server is not None
        self.server.serve_forever(poll_interval=0.2)

    def close(self) -> None:
        self.stopping.set()
        if self.server is not None:
            self.server.server_close()
        self.reader.close()


def _load_assets() -> dict[str, tuple[bytes, str]]:
    assets = {}
    for name in os.listdir(ASSETS):
        extension = os.path.splitext(name)[1]
        if extension in CONTENT_TYPES:
            with open(os.path.join(ASSETS, name), "rb") as file:
                assets[name] = (file.read(), CONTENT_TYPES[extension])
    return assets


def _resolve(host: str, port: int) -> tuple[int, tuple[Any, ...]]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as error:
        raise InvalidArgument(
            f"cannot listen on host {host!r}: {getattr(error, 'strerror', None) or error}",
            "Give an address of this machine: 127.0.0.1 (this machine only), 0.0.0.0 (every interface).",
            code="bad_host",
        ) from None
    for family, _, _, _, address in found:
        if family in (socket.AF_INET, socket.AF_INET6):
            return family, address
    raise InvalidArgument(
        f"host {host!r} has no IPv4 or IPv6 address", "Give --host 127.0.0.1.", code="bad_host"
    )


def _bind_error(error: OSError, host: str, port: int, family: int) -> BazingaError:
    if error.errno == errno.EADDRINUSE:
        free = _next_free_port(host, port, family)
        hint = (f"Use --port {free} (free now), " if free else "Use --port 0 (any free port), ") + (
            f"or stop what is listening on port {port}."
        )
        return BazingaError(f"port {port} on {host} is in use", hint, code="port_in_use")
    if error.errno in (errno.EACCES, errno.EPERM):
        return BazingaError(
            f"not allowed to listen on port {port} of {host} ({error.strerror})",
            "Ports below 1024 need privileges: use the default --port 8765, or another above 1023.",
            code="port_not_allowed",
        )
    if error.errno == errno.EADDRNOTAVAIL:
        return InvalidArgument(
            f"{host} is not an address of this machine",
            "Give --host 127.0.0.1 (this machine only) or --host 0.0.0.0 (every interface).",
            code="host_not_here",
        )
    return BazingaError(
        f"cannot listen on {host} port {port}: {error.strerror or error}", None, code="cannot_listen"
    )


def _next_free_port(host: str, port: int, family: int) -> int | None:
    for candidate in range(port + 1, min(port + 100, 65536)):
        probe = socket.socket(family, socket.SOCK_STREAM)
        try:
            probe.bind((host, candidate))
            return candidate
        except OSError:
            continue
        finally:
            probe.close()
    return None


# -- requests ----------------------------------------------------------------------------------------
_SESSION = r"/sessions/([^/]+)"
ROUTES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"/"), "sessions_page"),
    (re.compile(_SESSION), "session_page"),
    (re.compile(r"/static/([A-Za-z0-9_.-]+)"), "static"),
    (re.compile(r"/favicon\.ico"), "favicon"),
    (re.compile(r"/api"), "api_index"),
    (re.compile(r"/api/sessions"), "api_sessions"),
    (re.compile(r"/api" + _SESSION), "api_session"),
    (re.compile(r"/api" + _SESSION + "/logs"), "api_logs"),
    (re.compile(r"/api" + _SESSION + "/tokens"), "api_tokens"),
    (re.compile(r"/api" + _SESSION + "/skill-outputs"), "api_skill_outputs"),
    (re.compile(r"/api" + _SESSION + "/decisions"), "api_decisions"),
    (re.compile(r"/api" + _SESSION + "/changes"), "api_changes"),
    (re.compile(r"/api/events"), "events_sessions"),
    (re.compile(r"/api" + _SESSION + "/events"), "events_session"),
]
API_INDEX = {
    "sessions": "/api/sessions?status=&limit=",
    "session": "/api/sessions/{session_id}",
    "logs": "/api/sessions/{session_id}/logs?limit=&before_seq=&since_seq=&agent_type=",
    "tokens": "/api/sessions/{session_id}/tokens",
    "skill_outputs": "/api/sessions/{session_id}/skill-outputs",
    "decisions": "/api/sessions/{session_id}/decisions?type=&limit=",
    "changes": "/api/sessions/{session_id}/changes?since_seq=&since=&agent_type=&limit=",
    "events": "/api/events?status= (text/event-stream)",
    "session_events": "/api/sessions/{session_id}/events?since_seq=&agent_type= (text/event-stream)",
}
_LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}


class _Forbidden(BazingaError):
    """A request the server refuses to answer (addressed to a name that is not this machine's)."""

    title = "Forbidden"


class _EndStream(Exception):
    """Ends a live stream: the session is gone, or the store cannot be read any more."""


def _status_of(error: BazingaError) -> int:
    if isinstance(error, _Forbidden):
        return 403
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, UsageError):
        return 400
    if isinstance(error, DatabaseUnusable) or error.code in TRANSIENT:
        return 503
    return 500


class _Handler(BaseHTTPRequestHandler):
    server_version = "bazinga-db-dashboard"
    sys_version = ""
    timeout = 30  # a client that stops sending its request mid-way does not keep a thread forever
    recovered = False  # a live stream's store is readable again after being unreachable: "available" is due

    @property
    def dashboard(self) -> Dashboard:
        return self.server.dashboard  # type: ignore[attr-defined,no-any-return]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Requests are not logged: stderr stays for notices and errors."""

    # -- dispatch --------------------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def _refuse_method(self) -> None:
        self._send(
            405,
            b"Only GET and HEAD: the dashboard never writes.\n",
            "text/plain; charset=utf-8",
            [("Allow", "GET, HEAD")],
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse_method

    def _dispatch(self, head: bool) -> None:
        self.started = time.perf_counter()
        self.head = head
        parts = urlsplit(self.path)
        path = parts.path
        self.query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.is_api = path == "/api" or path.startswith("/api/")
        try:
            if not self._host_allowed():
                raise _Forbidden(
                    "this dashboard answers only requests addressed to this machine (localhost, 127.0.0.1)",
                    "Open it at the URL it printed when it started.",
                    code="wrong_host",
                )
            for pattern, name in ROUTES:
                match = pattern.fullmatch(path)
                if match:
                    getattr(self, name)(*(unquote(g) for g in match.groups()))
                    return
            raise NotFound(
                f"no page at {path}", "The sessions are at /, the JSON API is listed at /api.", code="no_page"
            )
        except BazingaError as error:
            self._error(_status_of(error), error)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client left
        except Exception as error:  # last line of defence: a 500, one line on stderr, never a traceback
            sys.stderr.write(
                f"{formatting.ERROR} internal error serving {path}: {type(error).__name__}: {error}\n"
            )
            self._error(
                500,
                BazingaError(
                    f"internal error: {type(error).__name__}", "This is a bug in bazinga-db.", code="internal"
                ),
            )

    def _host_allowed(self) -> bool:
        if not self.dashboard.loopback:
            return True
        host = (self.headers.get("Host") or "").strip().lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name in _LOOPBACK_NAMES or name.startswith("127.") or name == self.dashboard.host.lower()

    # -- responses -------------------------------------------------------------------------------------
    def _send(
        self, status: int, body: bytes, content_type: str, headers: Sequence[tuple[str, str]] = ()
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (*SECURITY_HEADERS, *headers):
            self.send_header(name, value)
        elapsed = (time.perf_counter() - getattr(self, "started", time.perf_counter())) * 1000
        self.send_header("Server-Timing", f"app;dur={elapsed:.2f}")
        self.end_headers()
        if not getattr(self, "head", False):
            self.wfile.write(body)

    def _html(self, text: str, status: int = 200) -> None:
        self._send(status, text.encode("utf-8"), "text/html; charset=utf-8")

    def _json(self, value: Any, status: int = 200) -> None:
        self._send(
            status, (formatting.to_json(value) + "\n").encode("utf-8"), "application/json; charset=utf-8"
        )

    def _error(self, status: int, error: BazingaError) -> None:
        retry = RETRY_SECONDS if error.code in TRANSIENT else None
        headers = [("Retry-After", str(retry))] if retry else []
        try:
            if self.is_api:
                body = formatting.to_json({"error": error.to_dict()}) + "\n"
                self._send(status, body.encode("utf-8"), "application/json; charset=utf-8", headers)
            else:
                page = pages.error_page(
                    status, error.message, error.hint, location=self.dashboard.shown_location, retry=retry
                )
                self._send(status, page.encode("utf-8"), "text/html; charset=utf-8", headers)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _read(self, work: Callable[[BazingaDB], T]) -> T:
        return self.dashboard.reader.call(work)

    def _arg(self, name: str, argument: str | None = None) -> Any:
        """A query parameter, converted by the vocabulary's argument of that name (``argument`` when the
        parameter is spelt otherwise); None when absent or empty."""
        value = self.query.get(name)
        if value in (None, ""):
            return None
        key = argument or name
        return convert_values({key: value})[key]

    # -- pages -----------------------------------------------------------------------------------------
    def sessions_page(self) -> None:
        status = self._arg("status")
        sessions, notice = _overview(self.dashboard.reader, status)
        self._html(
            pages.sessions_page(
                sessions,
                status=status,
                location=self.dashboard.shown_location,
                notice=notice,
                now=time.time(),
            )
        )

    def session_page(self, session_id: str) -> None:
        agent_type = self._arg("agent_type")
        before_seq = self._arg("before_seq")
        view = self._read(
            lambda db: session_view(db, session_id, agent_type=agent_type, before_seq=before_seq)
        )
        self._html(pages.session_page(view, location=self.dashboard.shown_location, now=time.time()))

    def static(self, name: str) -> None:
        asset = self.dashboard.assets.get(name)
        if asset is None:
            raise NotFound(f"no file {name}", None, code="no_page")
        self._send(200, asset[0], asset[1])

    def favicon(self) -> None:
        self.static("favicon.svg")

    # -- the JSON API ----------------------------------------------------------------------------------
    def api_index(self) -> None:
        self._json({"endpoints": API_INDEX})

    def api_sessions(self) -> None:
        status = self._arg("status")
        limit = self._arg("limit")
        self._json(self._read(lambda db: db.get_sessions_overview(limit, status)))

    def api_session(self, session_id: str) -> None:
        self._json(self._read(lambda db: db.get_dashboard_snapshot(session_id)))

    def api_logs(self, session_id: str) -> None:
        limit, before, since = (
            self._arg("limit"),
            self._arg("before_seq"),
            self._arg("since_seq"),
        )
        agent_type = self._arg("agent_type")
        self._json(self._read(lambda db: db.get_log_page(session_id, limit, before, since, agent_type)))

    def api_tokens(self, session_id: str) -> None:
        def tokens(db: BazingaDB) -> dict[str, Any]:
            return {
                "session_id": session_id,
                "by_agent_type": db.get_token_summary(session_id),
                "by_agent_id": db.get_token_summary(session_id, by="agent_id"),
                "timeline": db.get_token_timeline(session_id),
            }

        self._json(self._read(tokens))

    def api_skill_outputs(self, session_id: str) -> None:
        self._json(self._read(lambda db: db.get_skill_outputs(session_id)))

    def api_decisions(self, session_id: str) -> None:
        decision_type, limit = self._arg("type", "decision_type"), self._arg("limit")
        self._json(self._read(lambda db: db.get_decisions(session_id, decision_type, limit)))

    def api_changes(self, session_id: str) -> None:
        since_seq, limit = self._arg("since_seq"), self._arg("limit")
        since = self.query.get("since") or None
        agent_type = self._arg("agent_type")
        self._json(
            self._read(lambda db: db.get_session_changes(session_id, since_seq, since, limit, agent_type))
        )

    # -- live streams (Server-Sent Events) -------------------------------------------------------------
    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Accel-Buffering", "no")
        for name, value in SECURITY_HEADERS:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(b"retry: 1000\n\n")  # a dropped stream is reopened after a second

    def _event(self, event: str, data: Any, event_id: int | None = None) -> None:
        if self.recovered:  # the store is back: say so before what it sends
            self.recovered = False
            self._event("available", {})
        lines = [f"event: {event}"] + ([f"id: {event_id}"] if event_id is not None else [])
        lines.append("data: " + json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        self.wfile.write(("\n".join(lines) + "\n\n").encode("utf-8"))

    def _stream(self, poll: Callable[[], bool], interval: float) -> None:
        """Call ``poll`` (which writes events and returns True to poll again at once) until the server
        stops or the client leaves; a comment line every few seconds finds a closed connection.

        A store that cannot be reached for now (TRANSIENT) does not end the stream: an ``unavailable``
        event says why, polling goes on every RETRY_SECONDS, and ``available`` follows once a read works
        again (then the updates missed meanwhile, from the same cursor). Any other error ends it."""
        quiet_since = time.monotonic()
        unavailable = False
        while not self.dashboard.stopping.is_set():
            try:
                again = poll()
            except _EndStream:
                return
            except BazingaError as error:  # headers are sent: report it as an event
                if error.code not in TRANSIENT:
                    self._event("failed", {"message": error.message, "hint": error.hint})
                    return
                if not unavailable:
                    self.recovered = False
                    self._event("unavailable", {"message": error.message, "hint": error.hint})
                    unavailable = True
                    self.recovered = True  # "available" goes before the next event, whatever it is
                quiet_since = time.monotonic()
                self.dashboard.stopping.wait(RETRY_SECONDS)
                continue
            if unavailable:
                unavailable = False
                if self.recovered:  # the read worked but had nothing new to send: say so now
                    self.recovered = False
                    self._event("available", {})
            if again:
                quiet_since = time.monotonic()
                continue
            if time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
                self.wfile.write(b": keepalive\n\n")
                quiet_since = time.monotonic()
            self.dashboard.stopping.wait(interval)

    def events_sessions(self) -> None:
        status = self._arg("status")
        self._start_stream()
        if self.head:
            return
        last: list[str] = [""]

        def poll() -> bool:
            sessions, notice = _overview(self.dashboard.reader, status)
            key = json.dumps([sessions, notice], sort_keys=True)
            if key != last[0]:
                last[0] = key
                rows = pages.sessions_rows(sessions, status=status, now=time.time())
                self._event("sessions", {"html": rows, "count": len(sessions), "notice": notice})
            return False

        self._stream(poll, SESSIONS_POLL_SECONDS)

    def events_session(self, session_id: str) -> None:
        agent_type = self._arg("agent_type")
        resume = self.headers.get("Last-Event-ID")
        since_seq = (
            convert_values({"since_seq": resume})["since_seq"] if resume else self._arg("since_seq") or 0
        )
        try:  # an unknown session is a 404 before streaming
            self._read(lambda db: db.get_session(session_id))
        except BazingaError as error:
            if error.code not in TRANSIENT:
                raise
            # The store is unreachable for now: stream anyway, so that the page's EventSource (which gives
            # up on an error status) stays connected and sees the session again once the server is back.
        self._start_stream()
        if self.head:
            return
        cursor: dict[str, Any] = {"seq": since_seq, "updated_at": None}
        tokens: dict[str, Any] = {"total": None, "timeline": None}

        def read(db: BazingaDB) -> dict[str, Any] | None:
            changes = db.get_session_changes(
                session_id, cursor["seq"], cursor["updated_at"], LIVE_LOG_CHUNK, agent_type
            )
            if not changes["changed"]:
                return None
            summary = changes["token_summary"]
            if summary["total"] != tokens["total"]:  # the timeline only moves when tokens are logged
                tokens["total"], tokens["timeline"] = summary["total"], db.get_token_timeline(session_id)
            changes["view"] = {
                "session": changes["session"],
                "log_count": changes["latest_seq"],
                **_details(db, session_id, changes["task_groups"], summary, tokens["timeline"]),
            }
            return changes

        def poll() -> bool:
            try:
                changes = self._read(read)
            except NotFound as gone:
                self._event("gone", {"message": gone.message})
                raise _EndStream from None
            if changes is None:
                return False
            cursor.update(changes["cursor"])
            now = time.time()
            self._event(
                "update",
                {
                    "seq": cursor["seq"],
                    "log_count": changes["latest_seq"],
                    "logs": pages.log_entries(list(reversed(changes["logs"])), now),
                    "new_logs": len(changes["logs"]),
                    "sections": pages.sections(changes["view"], now),
                },
                event_id=cursor["seq"],
            )
            return bool(changes["has_more"])

        self._stream(poll, POLL_SECONDS)
