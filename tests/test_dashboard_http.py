"""The `dashboard` command over real HTTP: the process's replies, the pages, the JSON API, escaping, paging,
Server-Sent Events (live updates and resuming), and that nothing it serves ever writes.

Each test starts the real script on a free port against its own database, writes through the CLI as agents
do, and reads with the standard library's HTTP client. The tests about the store run on both backends
(BACKENDS: a fresh PostgreSQL schema on the test server for the second run); the ones about the HTTP
server itself (signals, ports, hosts, headers) on SQLite only.
"""

from __future__ import annotations

import re
import signal
import socket
import sqlite3
import struct
import time
from pathlib import Path

import pytest
from conftest import BOTH, drop_connections, dump, normalise, run_script, sql_rows
from dashboard_helpers import first_line, launch, start
from test_cli_commands import SEED as CLI_SEED

from skill.api import BazingaDB
from stress import fuzzgen

# The CLI tests' seeded database (s_42 with groups, logs, 30,000 tokens, states, ...), plus a review and a PM
# state with a percentage for the board and the state card.
BACKENDS = BOTH
sqlite_only = pytest.mark.sqlite_only

SEED = CLI_SEED + [
    ["update-task-group", "group_b", "--last_review_status", "CHANGES_REQUESTED", "--revision_count", "2"],
    ["save-state", "s_42", "pm", '{"mode":"parallel","iteration":1,"completion_percentage":40}'],
]


@pytest.fixture
def seeded(run_cli, location):
    """The seeded database's location: a SQLite path, or a PostgreSQL schema's URL."""
    for argv in SEED:
        result = run_cli(*argv)
        assert result.code == 0, (argv, result)
    return location


@pytest.fixture
def dashboard(seeded, tmp_path):
    server = start(seeded, cwd=tmp_path)
    yield server
    stopped = server.stop()
    assert stopped.code == 0, stopped
    assert stopped.stderr == ""


def normalise_ports(text: str) -> str:
    return re.sub(r"\b(127\.0\.0\.1:|port |--port )\d+", r"\1<PORT>", text)


# -- the process -------------------------------------------------------------------------------------
def test_prints_the_url_and_stops_cleanly_on_ctrl_c(seeded, tmp_path, snapshot):
    server = start(seeded, cwd=tmp_path)
    assert server.get("/").status == 200
    stopped = server.stop(signal.SIGINT)
    assert normalise_ports(normalise(stopped.stdout)) == snapshot
    assert (stopped.stderr, stopped.code) == ("", 0)


@sqlite_only
def test_a_client_that_leaves_mid_request_leaves_no_trace_on_the_terminal(seeded, tmp_path):
    """A browser that resets its connection while the server reads the request (outside any route):
    socketserver's default would print 'Exception occurred during processing' and a traceback."""
    server = start(seeded, cwd=tmp_path)
    for _ in range(5):
        client = socket.create_connection(("127.0.0.1", server.port))
        client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # the headers never end
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()  # RST: the server's read fails with a connection reset
    time.sleep(0.5)
    assert server.get("/").status == 200
    stopped = server.stop(signal.SIGINT)
    assert (stopped.stderr, stopped.code) == ("", 0)


@sqlite_only
def test_sigterm_stops_it_like_ctrl_c(seeded, tmp_path):
    server = start(seeded, cwd=tmp_path)
    stopped = server.stop(signal.SIGTERM)
    assert stopped.code == 0 and stopped.stdout.endswith("✓ Dashboard stopped\n")


@sqlite_only
def test_quiet_prints_only_the_url(seeded, tmp_path):
    process = launch(seeded, "--port", "0", "--quiet", cwd=tmp_path)
    line = first_line(process)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\n", line)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    assert (out, err, process.returncode) == ("", "", 0)


@sqlite_only
def test_a_port_in_use_names_a_free_one(seeded, tmp_path, snapshot):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        process = launch(seeded, "--port", str(port), cwd=tmp_path)
        out, err = process.communicate(timeout=20)
    finally:
        taken.close()
    assert process.returncode == 1
    suggested = re.search(r"Use --port (\d+) \(free now\)", err)
    assert suggested and int(suggested.group(1)) != port
    assert (out, normalise_ports(err)) == snapshot


@pytest.mark.parametrize(
    "argv",
    [
        ["--port", "70000"],
        ["--port", "eighty"],
        ["--host", ""],
        ["--host", "192.0.2.1"],
        ["--host", "no such host"],
        ["--port"],
        ["--open=yes"],
        ["extra"],
    ],
    ids=[
        "port-range",
        "port-word",
        "host-empty",
        "host-not-here",
        "host-spaces",
        "port-missing",
        "flag-value",
        "extra",
    ],
)
def test_bad_arguments_are_refused_before_listening(seeded, tmp_path, argv, snapshot):
    process = launch(seeded, *argv, cwd=tmp_path)
    out, err = process.communicate(timeout=20)
    assert "Traceback" not in err and err.startswith("❌")
    assert (out, err, process.returncode) == snapshot


def test_an_unusable_database_is_refused_before_listening(tmp_path, snapshot):
    (tmp_path / "notes.txt").write_text("not a database, just notes\n" * 100)
    process = launch("notes.txt", "--port", "0", cwd=tmp_path)
    out, err = process.communicate(timeout=20)
    assert (out, err, process.returncode) == snapshot
    assert (tmp_path / "notes.txt").read_text() == "not a database, just notes\n" * 100


def test_an_unreachable_postgresql_server_is_refused_before_listening(tmp_path):
    pytest.importorskip("psycopg2")
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()  # nothing listens there now
    process = launch(f"postgresql://postgres:secret@127.0.0.1:{port}/bazinga", "--port", "0", cwd=tmp_path)
    out, err = process.communicate(timeout=30)
    assert (out, process.returncode) == ("", 1)
    assert err.startswith(
        f"❌ dashboard: cannot reach the PostgreSQL server at postgresql://postgres:***@127.0.0.1:{port}/"
    )
    assert "secret" not in err and "Traceback" not in err


def test_a_missing_database_is_waited_for_not_created(tmp_path, run_cli, snapshot):
    """SQLite: no file yet (the test takes no backend, so it runs there only); PostgreSQL: next test."""
    location = tmp_path / "later" / "bazinga.db"
    server = start(location, cwd=tmp_path)
    page = server.get("/")
    assert page.status == 200 and "No sessions yet" in page.text and "no database at" in page.text
    assert server.json("/api/sessions") == []
    assert not location.exists() and not location.parent.exists()
    location.parent.mkdir()  # (only the default coordination/ folder is made by a write)
    assert run_cli("--db", str(location), "create-session", "s_new", "simple", "First").code == 0
    assert [s["session_id"] for s in server.json("/api/sessions")] == ["s_new"]
    stopped = server.stop()
    assert (normalise_ports(stopped.stdout), stopped.stderr, stopped.code) == snapshot


@sqlite_only
def test_a_schema_without_tables_is_waited_for_not_created(pg_url, tmp_path, run_cli):
    """PostgreSQL: an empty schema is "no database yet": the dashboard creates nothing in it (its connection
    is read-only), and shows the first session an agent writes."""
    server = start(pg_url, cwd=tmp_path)
    try:
        page = server.get("/")
        assert page.status == 200 and "No sessions yet" in page.text and "no database at" in page.text
        assert server.json("/api/sessions") == []
        assert sql_rows(pg_url, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()") == []
        assert run_cli("--db", pg_url, "create-session", "s_new", "simple", "First").code == 0
        assert [s["session_id"] for s in server.json("/api/sessions")] == ["s_new"]
    finally:
        stopped = server.stop()
    assert stopped.code == 0 and stopped.stderr.startswith("⚠ no database at postgresql://"), stopped
    assert "sessions appear as soon as an agent writes one" in stopped.stderr


@sqlite_only
def test_listening_beyond_this_machine_warns(seeded, tmp_path):
    server = start(seeded, "--host", "0.0.0.0", "--port", "0", cwd=tmp_path)
    stopped = server.stop()
    assert stopped.code == 0
    assert stopped.stderr.startswith("⚠ listening on 0.0.0.0: anyone who can reach this machine on port ")


def test_help_comes_from_the_vocabulary(run_cli, snapshot):
    assert run_cli("dashboard", "--help") == snapshot


@sqlite_only
def test_requests_and_batch_lines_never_start_a_server(run_cli, seeded):
    request = run_cli("request", "--dry-run", "bazinga-db, please start the dashboard")
    assert request.code == 2 and '"command": "dashboard"' not in request.stdout
    batch = run_cli("batch", stdin='{"command": "dashboard", "args": {}}\n')
    assert batch.code == 2 and "unknown command 'dashboard'" in batch.stderr


# -- pages -------------------------------------------------------------------------------------------
def test_sessions_page_lists_active_first_and_filters(dashboard):
    page = dashboard.get("/")
    assert page.status == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    html = page.text
    assert html.index('href="/sessions/s_42"') < html.index('href="/sessions/s_old"')
    assert (
        "1/2 completed" not in html and "0/2 completed" in html
    )  # s_42: group_a pending, group_b in progress
    assert "30.0k" in html  # s_42's tokens
    completed = dashboard.get("/?status=done").text
    assert 'href="/sessions/s_old"' in completed and 'href="/sessions/s_42"' not in completed
    assert 'class="chip on" href="/?status=completed"' in completed


def test_session_page_shows_board_charts_states_and_log(dashboard):
    html = dashboard.get("/sessions/s_42").text
    columns = re.findall(
        r'<div class="column col-(\w+)" data-status="\w+"><h3>([^<]+)<span class="count">(\d+)', html
    )
    assert columns == [
        ("pending", "Pending", "1"),
        ("in_progress", "In progress", "1"),
        ("completed", "Completed", "0"),
        ("failed", "Failed", "0"),
    ]
    card = html[html.index('id="group-group_b"') :]
    assert "developer_2" in card[:600] and "2 revisions" in card[:600] and "changes requested" in card[:600]
    assert '<svg class="bars"' in html and '<svg class="timeline"' in html
    assert "40% complete" in html and "Active Agents" not in html and "active agents" in html
    assert "security_scan" in html and "spawn_agent" in html
    assert [int(s) for s in re.findall(r'<li class="entry" id="log-(\d+)"', html)] == [3, 2, 1]


def test_log_pages_back_and_filters_without_javascript(run_cli, dashboard):
    for n in range(60):
        assert run_cli("log-interaction", "s_42", "qa" if n % 3 == 0 else "developer", f"step {n}").code == 0
    html = dashboard.get("/sessions/s_42").text
    seqs = [int(s) for s in re.findall(r'id="log-(\d+)"', html)]
    assert seqs == list(range(63, 13, -1))
    older = re.search(r'<a class="button" rel="next" href="([^"]+)">Older', html).group(1)
    assert older == "/sessions/s_42?before_seq=14"
    second = dashboard.get(older.replace("&amp;", "&")).text
    assert [int(s) for s in re.findall(r'id="log-(\d+)"', second)] == list(range(13, 0, -1))
    assert 'rel="next"' not in second and "← Newest" in second
    qa = dashboard.get("/sessions/s_42?agent_type=QA+Expert").text
    assert set(re.findall(r'<span class="agent c\d">([^<]+)</span>', qa[qa.index('id="log"') :])) == {"QA"}
    assert '<option value="qa" selected>QA</option>' in qa


def test_every_stored_string_is_escaped(run_cli, dashboard):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert run_cli("create-session", "s_xss", "simple", hostile).code == 0
    assert run_cli("log-interaction", "s_xss", "pm", hostile).code == 0
    assert run_cli("create-task-group", "g1", "s_xss", hostile).code == 0
    assert run_cli("save-state", "s_xss", "pm", '{"note": "' + hostile.replace('"', '\\"') + '"}').code == 0
    for path in ("/", "/sessions/s_xss"):
        html = dashboard.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    live = dashboard.events("/api/sessions/s_xss/events?since_seq=0")
    update = live.next_of("update")["data"]
    live.close()
    assert "<script>alert" not in update["logs"] and "&lt;script&gt;" in update["logs"]
    assert all("<script>alert" not in part for part in update["sections"].values())


def test_unknown_pages_sessions_and_values(dashboard):
    missing = dashboard.get("/sessions/s_43")
    assert missing.status == 404 and "session &#x27;s_43&#x27; does not exist" in missing.text
    assert "s_42" in missing.text
    assert dashboard.get("/nowhere").status == 404
    assert dashboard.get("/sessions/s_42?before_seq=-1").status == 400
    assert dashboard.get("/static/../api").status == 404
    assert dashboard.get("/static/nothing.css").status == 404


@sqlite_only
def test_assets_and_headers(dashboard):
    css = dashboard.get("/static/dashboard.css")
    assert css.status == 200 and css.headers["Content-Type"] == "text/css; charset=utf-8"
    js = dashboard.get("/static/dashboard.js")
    assert js.headers["Content-Type"] == "text/javascript; charset=utf-8" and b"EventSource" in js.body
    page = dashboard.get("/")
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert re.fullmatch(r"app;dur=\d+\.\d\d", page.headers["Server-Timing"])
    head = dashboard.request("/", method="HEAD")
    assert head.status == 200 and head.body == b"" and int(head.headers["Content-Length"]) == len(page.body)


@sqlite_only
def test_no_method_writes(dashboard):
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        refused = dashboard.request("/api/sessions", method=method)
        assert refused.status == 405 and refused.headers["Allow"] == "GET, HEAD"


@sqlite_only
def test_requests_for_another_host_name_are_refused(dashboard):
    rebound = dashboard.get("/api/sessions", headers={"Host": f"attacker.example:{dashboard.port}"})
    assert rebound.status == 403
    assert rebound.json()["error"]["message"].startswith("this dashboard answers only requests addressed")
    assert dashboard.get("/api/sessions", headers={"Host": f"localhost:{dashboard.port}"}).status == 200


# -- the JSON API ------------------------------------------------------------------------------------
def test_api_mirrors_the_library(dashboard, seeded):
    library = BazingaDB(seeded)
    try:
        assert dashboard.json("/api/sessions") == library.get_sessions_overview()
        assert dashboard.json("/api/sessions?status=completed&limit=5") == library.get_sessions_overview(
            5, "completed"
        )
        assert dashboard.json("/api/sessions/s_42") == library.get_dashboard_snapshot("s_42")
        assert dashboard.json("/api/sessions/s_42/logs?limit=2") == library.get_log_page("s_42", 2)
        assert dashboard.json("/api/sessions/s_42/skill-outputs") == library.get_skill_outputs("s_42")
        assert dashboard.json("/api/sessions/s_42/decisions") == library.get_decisions("s_42")
        tokens = dashboard.json("/api/sessions/s_42/tokens")
        assert tokens["by_agent_type"] == {"pm": 5000, "developer": 25000, "total": 30000}
        assert tokens["by_agent_id"] == library.get_token_summary("s_42", by="agent_id")
        assert tokens["timeline"] == library.get_token_timeline("s_42")
    finally:
        library.close()
    assert set(dashboard.json("/api")["endpoints"]) >= {"sessions", "session", "logs", "events"}


def test_api_log_cursors(dashboard):
    first = dashboard.json("/api/sessions/s_42/logs?limit=2")
    assert [e["seq"] for e in first["entries"]] == [3, 2] and first["has_more"] is True
    older = dashboard.json("/api/sessions/s_42/logs?limit=2&before_seq=2")
    assert [e["seq"] for e in older["entries"]] == [1] and older["has_more"] is False
    newer = dashboard.json("/api/sessions/s_42/logs?since_seq=1")
    assert [e["seq"] for e in newer["entries"]] == [2, 3]
    pm = dashboard.json("/api/sessions/s_42/logs?agent_type=PM")
    assert pm["agent_type"] == "pm" and [e["content"] for e in pm["entries"]] == [
        "Created 3 task groups: Auth, API, Tests"
    ]
    changes = dashboard.json("/api/sessions/s_42/changes?since_seq=2")
    assert [e["seq"] for e in changes["logs"]] == [3] and changes["cursor"]["seq"] == 3
    same = dashboard.json(f"/api/sessions/s_42/changes?since_seq=3&since={changes['cursor']['updated_at']}")
    assert same["changed"] is False


def test_api_errors_are_json(dashboard, snapshot):
    replies = {}
    for path in (
        "/api/sessions/nope",
        "/api/sessions/s_42/logs?limit=0",
        "/api/sessions/s_42/logs?agent_type=%20",
        "/api/sessions?status=sleeping",
        "/api/unknown",
    ):
        response = dashboard.get(path)
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        replies[path] = (response.status, response.json())
    assert replies == snapshot


# -- live updates ------------------------------------------------------------------------------------
def test_session_events_push_new_entries_moves_and_tokens(run_cli, dashboard):
    live = dashboard.events("/api/sessions/s_42/events?since_seq=3")
    first = live.next_of("update")
    assert first["id"] == "3" and first["data"]["new_logs"] == 0
    assert set(first["data"]["sections"]) == {"header", "board", "tokens", "states", "outputs", "decisions"}
    started = time.monotonic()
    assert run_cli("log-interaction", "s_42", "qa", "All 48 tests pass", "4", "qa_1").code == 0
    update = live.next_of("update", timeout=3)
    assert time.monotonic() - started < 2
    assert update["id"] == "4" and update["data"]["new_logs"] == 1
    assert 'id="log-4"' in update["data"]["logs"] and "All 48 tests pass" in update["data"]["logs"]
    assert run_cli("update-task-group", "group_a", "--status", "completed").code == 0
    moved = live.next_of("update", timeout=3)["data"]
    board = moved["sections"]["board"]
    assert board.index('id="group-group_a"') > board.index('data-status="completed"')
    assert run_cli("log-tokens", "s_42", "qa", "3200").code == 0
    tokens = live.next_of("update", timeout=3)["data"]["sections"]["tokens"]
    assert "33,200 tokens" in tokens
    live.close()


def test_session_events_resume_after_the_last_entry_seen(run_cli, dashboard):
    for n in range(4, 8):
        assert run_cli("log-interaction", "s_42", "developer", f"entry {n}").code == 0
    resumed = dashboard.events("/api/sessions/s_42/events?since_seq=0", headers={"Last-Event-ID": "5"})
    update = resumed.next_of("update")
    resumed.close()
    assert update["id"] == "7"
    assert re.findall(r'id="log-(\d+)"', update["data"]["logs"]) == ["7", "6"]


def test_session_events_follow_one_agent_type(run_cli, dashboard):
    live = dashboard.events("/api/sessions/s_42/events?since_seq=3&agent_type=qa")
    live.next_of("update")
    assert run_cli("log-interaction", "s_42", "developer", "not shown").code == 0
    assert run_cli("log-interaction", "s_42", "qa", "shown").code == 0
    shown = []
    while not shown or "shown" not in shown[-1]:
        shown.append(live.next_of("update", timeout=3)["data"]["logs"])
    live.close()
    assert "not shown" not in "".join(shown)


def test_session_events_catch_up_in_chunks(run_cli, dashboard, seeded):
    library = BazingaDB(seeded)
    for n in range(450):
        library.log_interaction("s_42", "developer", f"bulk {n}")
    library.close()
    live = dashboard.events("/api/sessions/s_42/events?since_seq=3")
    seen = []
    while len(seen) < 450:
        seen += [int(s) for s in re.findall(r'id="log-(\d+)"', live.next_of("update")["data"]["logs"])]
    live.close()
    assert sorted(seen) == list(range(4, 454))


def test_unknown_session_has_no_stream(dashboard):
    assert dashboard.get("/api/sessions/nope/events").status == 404


def test_sessions_events_push_new_sessions(run_cli, dashboard):
    live = dashboard.events("/api/events")
    first = live.next_of("sessions")["data"]
    assert first["count"] == 2 and "s_42" in first["html"]
    assert run_cli("create-session", "s_43", "simple", "Another").code == 0
    second = live.next_of("sessions", timeout=4)["data"]
    live.close()
    assert second["count"] == 3 and second["html"].index("s_43") < second["html"].index("s_old")


# -- read-only -----------------------------------------------------------------------------------------
def test_serving_every_route_changes_nothing(dashboard, seeded, backend):
    before = dump(seeded)
    if backend == "sqlite":
        fingerprint, mtime = fuzzgen.fingerprint(seeded), Path(seeded).stat().st_mtime_ns
    for path in (
        "/",
        "/?status=active",
        "/sessions/s_42",
        "/sessions/s_42?agent_type=pm&before_seq=3",
        "/api",
        "/api/sessions",
        "/api/sessions/s_42",
        "/api/sessions/s_42/logs",
        "/api/sessions/s_42/tokens",
        "/api/sessions/s_42/skill-outputs",
        "/api/sessions/s_42/decisions",
        "/api/sessions/s_42/changes",
    ):
        assert dashboard.get(path).status == 200, path
    for path in ("/api/events", "/api/sessions/s_42/events"):
        stream = dashboard.events(path)
        stream.next()
        stream.close()
    assert dump(seeded) == before
    if backend == "sqlite":
        assert fuzzgen.fingerprint(seeded) == fingerprint
        assert Path(seeded).stat().st_mtime_ns == mtime
        conn = sqlite3.connect(seeded)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()


def test_on_postgresql_the_server_itself_refuses_the_dashboard_a_write(pg_url):
    """Beside calling no write method, the dashboard's connection is read-only for the server."""
    from skill.errors import DatabaseUnusable
    from skill.handlers.dashboard import Reader

    with BazingaDB(pg_url) as writer:
        writer.create_session("s_1", "simple", "Read-only")
    reader = Reader(pg_url)
    try:
        assert reader.call(lambda db: db.get_session("s_1"))["session_id"] == "s_1"
        with pytest.raises(DatabaseUnusable, match="read-only"):
            reader.call(lambda db: db.log_interaction("s_1", "pm", "not stored"))
        assert reader.call(lambda db: db.get_log_page("s_1"))["entries"] == []
    finally:
        reader.close()


# -- a PostgreSQL server that goes away ----------------------------------------------------------------
@pytest.mark.slow
def test_the_server_going_away_is_reported_and_followed_by_the_return(own_pg_server, tmp_path):
    url = own_pg_server.url
    assert run_script("--db", url, "create-session", "s_1", "simple", "Outage", cwd=tmp_path).code == 0
    assert run_script("--db", url, "log-interaction", "s_1", "pm", "before", cwd=tmp_path).code == 0
    server = start(url, cwd=tmp_path)
    try:
        live = server.events("/api/sessions/s_1/events?since_seq=0")
        assert "before" in live.next_of("update")["data"]["logs"]

        own_pg_server.stop(remove=False)  # the server goes away (fast shutdown: connections are cut)
        gone = live.next_of("unavailable", timeout=10)["data"]
        assert gone["message"].startswith(
            "cannot reach the PostgreSQL server at postgresql://postgres@127.0.0.1:"
        )
        page = server.get("/sessions/s_1")
        assert page.status == 503 and page.headers["Retry-After"] == "2"
        assert "cannot reach the PostgreSQL server" in page.text and '<meta http-equiv="refresh"' in page.text
        api = server.get("/api/sessions")
        assert api.status == 503 and api.json()["error"]["code"] == "server_unavailable"
        late = server.events("/api/sessions/s_1/events?since_seq=1")  # a (re)connecting page is still served
        assert late.next_of("unavailable", timeout=10)["data"]["message"].startswith("cannot reach the")

        own_pg_server._pg_ctl("start")  # back, on the same port
        assert run_script("--db", url, "log-interaction", "s_1", "pm", "after", cwd=tmp_path).code == 0
        assert live.next(timeout=10)["event"] == "available"
        update = live.next_of("update", timeout=10)
        assert update["id"] == "2" and "after" in update["data"]["logs"]
        assert "before" not in update["data"]["logs"]
        assert late.next_of("available", timeout=10) and "after" in late.next_of("update")["data"]["logs"]
        live.close()
        late.close()
        assert server.get("/sessions/s_1").status == 200
    finally:
        stopped = server.stop()
    assert (stopped.code, stopped.stderr) == (0, "")


def test_a_connection_dropped_between_requests_is_replaced_unnoticed(own_pg_server, tmp_path):
    """The server ends the dashboard's idle connection (an idle timeout, a restart, a proxy): the next
    request is answered, on a new connection, without an error."""
    url = own_pg_server.url
    assert run_script("--db", url, "create-session", "s_1", "simple", "Idle", cwd=tmp_path).code == 0
    server = start(url, cwd=tmp_path)
    try:
        assert server.get("/sessions/s_1").status == 200
        assert drop_connections(url) == 1  # the dashboard's one connection
        for path in ("/sessions/s_1", "/api/sessions"):
            assert server.get(path).status == 200, path
    finally:
        stopped = server.stop()
    assert (stopped.code, stopped.stderr) == (0, "")
