"""The mcp server over raw pipes, standard library only: framing, protocol errors, negotiation, shutdown.

Each test runs the real script in a subprocess under the suite's Python and, when it is installed, under
Python 3.9 (the oldest the skill supports): the server is standard-library code and must speak on both.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import SCRIPT, drop_connections
from mcp_steps import Pipe

from skill.handlers import mcp

PYTHON39 = Path("/root/.pyenv/versions/3.9.18/bin/python3.9")
INTERPRETERS = [pytest.param(sys.executable, id="python")]
if PYTHON39.exists():
    INTERPRETERS.append(pytest.param(str(PYTHON39), id="python3.9"))

pytestmark = pytest.mark.slow
INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18"}}


@pytest.fixture(params=INTERPRETERS)
def pipe(request, tmp_path):
    server = Pipe(request.param, tmp_path)
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.wait()


def _call(pipe: Pipe, request_id: int, tool: str, arguments: dict) -> dict:
    message = {"name": tool, "arguments": arguments}
    return pipe.ask({"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": message})


def test_a_session_then_a_clean_shutdown(pipe):
    answer = pipe.ask(INIT)
    assert answer["id"] == 0 and answer["result"]["protocolVersion"] == "2025-06-18"
    assert answer["result"]["serverInfo"] == {"name": "bazinga-db", "version": "1.0.0"}
    pipe.send(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    created = _call(
        pipe, 1, "create_session", {"session_id": "s1", "mode": "simple", "requirements": "Do it"}
    )
    assert created["id"] == 1 and created["result"]["isError"] is False
    assert created["result"]["content"][0]["text"].endswith("✓ Session created: s1")
    logged = _call(
        pipe, "two", "log_interaction", {"session_id": "s1", "agent_type": "QA Expert", "content": "é ✓"}
    )
    assert logged["id"] == "two"
    assert logged["result"]["content"][0]["text"] == "✓ Logged QA interaction for session s1"
    read = _call(pipe, 3, "get_logs", {"session_id": "s1"})
    assert read["result"]["structuredContent"]["result"][0]["content"] == "é ✓"
    assert pipe.ask({"jsonrpc": "2.0", "id": 4, "method": "ping"}) == {
        "jsonrpc": "2.0",
        "id": 4,
        "result": {},
    }
    out, err, code = pipe.close()
    assert (out, err, code) == (b"", b"", 0)  # nothing after the answers, nothing on stderr, exit 0


@pytest.mark.parametrize(
    "asked, agreed",
    [(version, version) for version in mcp.PROTOCOL_VERSIONS]
    + [("2099-01-01", "2025-11-25"), (None, "2025-11-25")],
)
def test_negotiation(tmp_path, asked, agreed):
    server = Pipe(sys.executable, tmp_path)
    params = {"capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}
    if asked is not None:
        params["protocolVersion"] = asked
    answer = server.ask({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params})
    assert answer["result"]["protocolVersion"] == agreed
    assert server.close()[2] == 0


def test_framing(pipe):
    # two messages in one write; one message split across writes; blank lines and CRLF endings
    both = json.dumps(INIT) + "\n" + json.dumps({"jsonrpc": "2.0", "id": 1, "method": "ping"}) + "\n"
    pipe.send(both.encode())
    assert pipe.read()["id"] == 0 and pipe.read() == {"jsonrpc": "2.0", "id": 1, "result": {}}
    whole = json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}).encode() + b"\n"
    pipe.send(whole[:10])
    time.sleep(0.2)
    pipe.send(whole[10:])
    tools = pipe.read()["result"]["tools"]
    assert len(tools) == len(mcp.tool_definitions())
    pipe.send(b"\n   \n" + json.dumps({"jsonrpc": "2.0", "id": 3, "method": "ping"}).encode() + b"\r\n")
    assert pipe.read() == {"jsonrpc": "2.0", "id": 3, "result": {}}
    out, err, code = pipe.close()
    assert (out, err, code) == (b"", b"", 0)


def test_protocol_errors(pipe):
    pipe.ask(INIT)
    cases = [
        (b"{not json\n", {"jsonrpc": "2.0", "id": None, "error": {"code": -32700}}),
        (b"\xff\xfe\n", {"jsonrpc": "2.0", "id": None, "error": {"code": -32700}}),
        (b"[]\n", {"jsonrpc": "2.0", "id": None, "error": {"code": -32600}}),
        (b"42\n", {"jsonrpc": "2.0", "id": None, "error": {"code": -32600}}),
        (b'{"id": 5, "method": "ping"}\n', {"jsonrpc": "2.0", "id": 5, "error": {"code": -32600}}),
        (
            b'{"jsonrpc": "2.0", "id": true, "method": "ping"}\n',
            {"jsonrpc": "2.0", "id": None, "error": {"code": -32600}},
        ),
        (
            b'{"jsonrpc": "2.0", "id": 6, "method": 7}\n',
            {"jsonrpc": "2.0", "id": 6, "error": {"code": -32600}},
        ),
        (
            b'{"jsonrpc": "2.0", "id": 7, "method": "ping", "params": [1]}\n',
            {"jsonrpc": "2.0", "id": 7, "error": {"code": -32600}},
        ),
        (
            b'{"jsonrpc": "2.0", "id": 8, "method": "prompts/list"}\n',
            {"jsonrpc": "2.0", "id": 8, "error": {"code": -32601}},
        ),
        (
            b'{"jsonrpc": "2.0", "id": 9, "method": "server/discover"}\n',
            {"jsonrpc": "2.0", "id": 9, "error": {"code": -32601}},
        ),
        (
            b'{"jsonrpc": "2.0", "id": 10, "method": "tools/call", "params": {}}\n',
            {"jsonrpc": "2.0", "id": 10, "error": {"code": -32602}},
        ),
        (
            b'{"jsonrpc": "2.0", "id": 11, "method": "tools/call", "params": {"name": "get_sesion"}}\n',
            {"jsonrpc": "2.0", "id": 11, "error": {"code": -32602}},
        ),
        (
            b'{"jsonrpc": "2.0", "id": 12, "method": "tools/call", '
            b'"params": {"name": "check", "arguments": [1]}}\n',
            {"jsonrpc": "2.0", "id": 12, "error": {"code": -32602}},
        ),
        (
            b'{"jsonrpc": "2.0", "id": 13, "method": "resources/read", "params": {}}\n',
            {"jsonrpc": "2.0", "id": 13, "error": {"code": -32602}},
        ),
    ]
    for raw, expected in cases:
        pipe.send(raw)
        answer = pipe.read()
        assert answer["id"] == expected["id"] and answer["error"]["code"] == expected["error"]["code"], (
            raw,
            answer,
        )
        assert answer["error"]["message"], raw
    unknown = {"jsonrpc": "2.0", "id": 14, "method": "tools/call", "params": {"name": "get_sesion"}}
    assert pipe.ask(unknown)["error"]["message"] == "Unknown tool: get_sesion (did you mean get_session?)"
    # notifications and responses get no answer: the next answer is the ping's
    pipe.send(b'{"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 3}}\n')
    pipe.send(b'{"jsonrpc": "2.0", "id": 99, "result": {}}\n')
    pipe.send(b'{"jsonrpc": "2.0", "method": "no/such/notification"}\n')
    assert pipe.ask({"jsonrpc": "2.0", "id": 15, "method": "ping"})["id"] == 15
    # a batch (JSON-RPC 2.0; MCP 2025-03-26) is answered as a batch, notifications left out
    batch = [
        {"jsonrpc": "2.0", "id": 16, "method": "ping"},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 17, "method": "nope"},
    ]
    pipe.send(json.dumps(batch).encode() + b"\n")
    answers = json.loads(pipe.process.stdout.readline())
    assert [a["id"] for a in answers] == [16, 17] and answers[1]["error"]["code"] == -32601
    # still serving after all of that
    assert _call(pipe, 18, "list_sessions", {})["result"]["isError"] is False
    out, err, code = pipe.close()
    assert (out, err, code) == (b"", b"", 0)


def test_an_oversized_message_is_refused_and_skipped(pipe, monkeypatch):
    pipe.ask(INIT)
    huge = b'{"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"x": "' + b"a" * (
        mcp.MAX_MESSAGE_BYTES + 10
    )
    pipe.send(huge + b'"}}\n')
    answer = pipe.read()
    assert answer["id"] is None and answer["error"]["code"] == -32600
    assert "limited to" in answer["error"]["message"]
    assert pipe.ask({"jsonrpc": "2.0", "id": 2, "method": "ping"}) == {
        "jsonrpc": "2.0",
        "id": 2,
        "result": {},
    }
    assert pipe.close()[2] == 0


def test_the_client_leaving_mid_session_loses_nothing_written(pipe, tmp_path):
    pipe.ask(INIT)
    for number in range(5):
        _call(
            pipe,
            number,
            "create_session",
            {"session_id": f"s{number}", "mode": "simple", "requirements": "x"},
        )
    pipe.send(
        b'{"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": {"name": "list_sess'
    )  # cut short
    out, err, code = pipe.close()
    assert code == 0 and err == b""
    assert json.loads(out)["error"]["code"] == -32700  # the half message is answered, then the server ends
    import sqlite3

    conn = sqlite3.connect(str(tmp_path / "coordination" / "bazinga.db"))
    try:
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 5
    finally:
        conn.close()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--format", "text"], "❌ mcp: --format does not apply: the server answers in JSON-RPC"),
        (["extra"], "❌ mcp: unexpected extra argument 'extra'"),
    ],
)
def test_command_line_refusals(tmp_path, argv, message):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "mcp", *argv], cwd=tmp_path, capture_output=True, input=b"", timeout=60
    )
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.decode().startswith(message)


def test_a_postgresql_server_going_away_is_a_tool_error_then_the_server_carries_on(own_pg_server, tmp_path):
    """The server's one long-lived connection is lost: calls fail with the ❌ report (the process and the
    protocol stay up), and once PostgreSQL is back the next call connects again."""
    pipe = Pipe(sys.executable, tmp_path, db=own_pg_server.url)
    try:
        pipe.ask(INIT)
        session = {"session_id": "s1", "mode": "simple", "requirements": "x"}
        created = _call(pipe, 1, "create_session", session)
        assert created["result"]["isError"] is False
        own_pg_server.stop(remove=False)
        for number, tool in enumerate(("log_interaction", "get_session"), 2):
            arguments = {"session_id": "s1", "agent_type": "pm", "content": "lost"}
            if tool == "get_session":
                arguments = {"session_id": "s1"}
            failed = _call(pipe, number, tool, arguments)["result"]
            assert failed["isError"] is True
            assert failed["content"][0]["text"].startswith(
                f"❌ {tool.replace('_', '-')}: cannot reach the PostgreSQL server at postgresql://"
            )
            assert "Traceback" not in failed["content"][0]["text"]
        unreadable = pipe.ask(
            {"jsonrpc": "2.0", "id": 4, "method": "resources/read", "params": {"uri": "bazinga://sessions"}}
        )
        assert unreadable["error"]["code"] == mcp.INTERNAL_ERROR
        assert "cannot reach the PostgreSQL server" in unreadable["error"]["message"]
        own_pg_server._pg_ctl("start")
        entry = {"session_id": "s1", "agent_type": "pm", "content": "back"}
        logged = _call(pipe, 5, "log_interaction", entry)
        assert logged["result"]["isError"] is False, logged
        logs = _call(pipe, 6, "get_logs", {"session_id": "s1"})["result"]["structuredContent"]["result"]
        assert [entry["content"] for entry in logs] == ["back"]  # the failed write stored nothing
        out, err, code = pipe.close()
        assert (out, err, code) == (b"", b"", 0)
    finally:
        if pipe.process.poll() is None:
            pipe.process.kill()
            pipe.process.wait()


def test_a_connection_dropped_between_calls_is_replaced_unnoticed(own_pg_server, tmp_path):
    """The server's connection is ended between two calls: the next read and the next write both work,
    each on a new connection, and the write is stored once."""
    pipe = Pipe(sys.executable, tmp_path, db=own_pg_server.url)
    try:
        pipe.ask(INIT)
        session = {"session_id": "s1", "mode": "simple", "requirements": "x"}
        assert _call(pipe, 1, "create_session", session)["result"]["isError"] is False
        assert drop_connections(own_pg_server.url) == 1  # the server's one connection
        read = _call(pipe, 2, "get_session", {"session_id": "s1"})["result"]
        assert read["isError"] is False, read
        assert drop_connections(own_pg_server.url) == 1  # the server's one connection
        entry = {"session_id": "s1", "agent_type": "pm", "content": "once"}
        written = _call(pipe, 3, "log_interaction", entry)["result"]
        assert written["isError"] is False, written
        assert drop_connections(own_pg_server.url) == 1  # the server's one connection
        resource = pipe.ask(
            {"jsonrpc": "2.0", "id": 4, "method": "resources/read", "params": {"uri": "bazinga://sessions"}}
        )
        assert "result" in resource, resource
        logs = _call(pipe, 5, "get_logs", {"session_id": "s1"})["result"]["structuredContent"]["result"]
        assert [entry["content"] for entry in logs] == ["once"]
        assert pipe.close() == (b"", b"", 0)
    finally:
        if pipe.process.poll() is None:
            pipe.process.kill()
            pipe.process.wait()
