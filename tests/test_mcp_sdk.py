"""The mcp server driven by a client nobody here wrote: the official MCP Python SDK (pinned, dev extras).

The SDK starts ``scripts/bazinga_db.py mcp`` over stdio, negotiates, lists the tools and checks their schemas,
calls every tool through the spec's workflows, a bad argument and an unknown session, and reads the
resources. What it sees must be what the in-process server answers (whose replies are pinned by
test_mcp_tools' snapshot).

The tests that store something run on both backends (BACKENDS): on PostgreSQL the server is given a fresh
schema's URL, and the in-process server it is compared with another one.
"""

from __future__ import annotations

import asyncio
import json
import sys

import pytest
from conftest import BOTH, SCRIPT
from mcp_steps import FAILURES, SESSION, STEPS, local_replies, prepare, stable

from skill.handlers import mcp as server_module
from skill.vocabulary import COMMANDS

pytestmark = pytest.mark.slow
BACKENDS = BOTH
if sys.version_info < (3, 10):  # the SDK needs 3.10+; the standard-library tests cover 3.9
    pytest.skip("the MCP SDK needs Python 3.10+", allow_module_level=True)

from mcp import Client, StdioServerParameters  # noqa: E402
from mcp.shared.exceptions import MCPError  # noqa: E402


def _db(folder, backend: str = "sqlite", location: str = "") -> str:
    """The server's --db: the folder's SQLite file, or the test's PostgreSQL schema."""
    return location if backend == "postgres" else str(folder / "coordination" / "bazinga.db")


def _params(folder, *extra: str, db: str | None = None) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=[str(SCRIPT), "--db", db or _db(folder), *extra, "mcp"],
        cwd=str(folder),
        env={"PATH": "/usr/bin:/bin"},
    )


def _run(coroutine):
    return asyncio.run(coroutine)


def _text(result) -> str:
    assert len(result.content) == 1 and result.content[0].type == "text"
    return result.content[0].text


@pytest.mark.filterwarnings("ignore:ping is removed")
@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_negotiates_the_current_revision(tmp_path, mode):
    async def scenario():
        async with Client(_params(tmp_path), mode=mode) as client:
            if mode == "legacy":  # the SDK refuses ping on the stateless revision it tries first
                await client.send_ping()
            return client.session.protocol_version, client.session.initialize_result

    version, initialized = _run(scenario())
    assert version == server_module.PROTOCOL_VERSIONS[0] == "2025-11-25"
    assert initialized.server_info.name == "bazinga-db"
    assert initialized.capabilities.tools is not None and initialized.capabilities.resources is not None


def test_tools_and_their_schemas(tmp_path):
    async def scenario():
        async with Client(_params(tmp_path)) as client:
            return (await client.list_tools()).tools

    tools = {tool.name: tool for tool in _run(scenario())}
    # Every command is a tool but the servers (mcp itself; dashboard, which serves until interrupted).
    assert set(tools) == {
        name.replace("-", "_") for name, spec in COMMANDS.items() if spec["kind"] != "server"
    }
    assert "dashboard" not in tools and "mcp" not in tools
    for name, tool in tools.items():
        command = name.replace("_", "-")
        spec = COMMANDS[command]
        schema = tool.input_schema
        assert list(schema["properties"]) == [arg["name"] for arg in spec["args"]], name
        assert {a["name"] for a in spec["args"] if a.get("required")} <= set(schema.get("required", []))
        assert tool.annotations.read_only_hint is (spec["kind"] == "read" and command != "export-session"), (
            name
        )
        assert tool.description.startswith(spec["summary"])
    log = tools["log_interaction"].input_schema
    assert log["required"] == ["session_id", "agent_type", "content"]
    assert log["properties"]["iteration"]["type"] == "integer"
    assert tools["update_task_group"].input_schema["properties"]["status"]["enum"] == [
        "pending",
        "in_progress",
        "completed",
        "failed",
    ]


def test_every_tool_through_the_workflows(tmp_path, backend, location, fresh_location):
    """The spec's workflows, then the failures: the SDK sees what the in-process server answers.

    On PostgreSQL every step works but ``backup``, which is refused there (it copies a SQLite file; the
    reply names pg_dump and copy-to); ``copy_to`` copies the PostgreSQL schema into a SQLite file."""
    work = tmp_path / "sdk"
    work.mkdir()
    prepare(work)
    db = _db(work, backend, location)

    async def scenario():
        seen = []
        async with Client(_params(work, db=db)) as client:
            for tool, arguments in STEPS + [(t, a) for t, a, _ in FAILURES]:
                result = await client.call_tool(tool, arguments)
                seen.append((result.is_error, stable(tool, _text(result), work), result))
        return seen

    seen = _run(scenario())
    calls = STEPS + [(tool, arguments) for tool, arguments, _ in FAILURES]
    got = [{"tool": tool, "isError": error, "text": text} for (tool, _), (error, text, _) in zip(calls, seen)]
    local = fresh_location("local") if backend == "postgres" else None
    assert got == local_replies(tmp_path / "local", local)
    refused = {"backup"} if backend == "postgres" else set()
    for (tool, _arguments), (error, text, result) in zip(STEPS, seen):
        if tool in refused:
            assert error and text.startswith("❌ backup: backup copies a SQLite database file"), text
            assert "pg_dump --format=custom" in text
            continue
        assert not error, (tool, text)
        structured = result.structured_content
        assert structured["ok"] is True, tool
        if tool != "request":  # a request reports the operation it ran
            assert structured["command"] == tool.replace("_", "-"), tool
    for (tool, _arguments, _cli), (error, text, _result) in zip(FAILURES, seen[len(STEPS) :]):
        assert error and text.startswith("❌") and "Traceback" not in text, (tool, text)
    # what the workflows stored, read back by a tool
    dashboard = seen[[t for t, _ in STEPS].index("dashboard_snapshot")][2].structured_content["result"]
    assert dashboard["session"]["session_id"] == SESSION
    assert [g["id"] for g in dashboard["task_groups"]] == ["group_a", "group_b"]
    assert (work / "backup.db").exists() is (backend == "sqlite") and (work / "export.json").exists()
    assert (work / "copy.db").exists()  # copy-to wrote the SQLite copy, from either backend


def test_bad_argument_and_unknown_session(tmp_path, backend, location):
    async def scenario():
        async with Client(_params(tmp_path, db=_db(tmp_path, backend, location))) as client:
            created = await client.call_tool(
                "create_session", {"session_id": SESSION, "mode": "simple", "requirements": "x"}
            )
            bad = await client.call_tool(
                "log_tokens", {"session_id": SESSION, "agent_type": "pm", "tokens": "lots"}
            )
            unknown = await client.call_tool("get_task_groups", {"session_id": "bazinga_nope"})
            try:
                await client.call_tool("no_such_tool", {})
            except MCPError as error:
                refused = error
            after = await client.call_tool("token_summary", {"session_id": SESSION})
            return created, bad, unknown, refused, after

    created, bad, unknown, refused, after = _run(scenario())
    assert not created.is_error
    assert bad.is_error and _text(bad) == (
        "❌ log-tokens: tokens must be a whole number, got 'lots'\n   Give a whole number >= 0."
    )
    assert unknown.is_error and _text(unknown).startswith(
        "❌ get-task-groups: session 'bazinga_nope' does not exist"
    )
    assert refused.error.code == -32602 and "Unknown tool: no_such_tool" in refused.error.message
    assert json.loads(_text(after)) == {"total": 0}  # the refused write stored nothing


def test_resources(tmp_path, backend, location):
    async def scenario():
        async with Client(_params(tmp_path, db=_db(tmp_path, backend, location))) as client:
            empty = await client.read_resource("bazinga://sessions")
            await client.call_tool(
                "create_session", {"session_id": SESSION, "mode": "simple", "requirements": "x"}
            )
            await client.call_tool(
                "log_interaction", {"session_id": SESSION, "agent_type": "pm", "content": "hi"}
            )
            listed = await client.list_resources()
            templates = await client.list_resource_templates()
            sessions = await client.read_resource("bazinga://sessions")
            dashboard = await client.read_resource(f"bazinga://sessions/{SESSION}/dashboard")
            failures = []
            for uri in (
                "bazinga://sessions/nope/dashboard",
                "bazinga://nothing",
                "bazinga://sessions/bad id!/dashboard",
            ):
                try:
                    await client.read_resource(uri)
                except MCPError as error:
                    failures.append((error.error.code, error.error.message))
            return empty, listed, templates, sessions, dashboard, failures

    empty, listed, templates, sessions, dashboard, failures = _run(scenario())
    assert json.loads(empty.contents[0].text) == []
    assert [str(r.uri) for r in listed.resources] == [
        "bazinga://sessions",
        f"bazinga://sessions/{SESSION}/dashboard",
    ]
    assert [t.uri_template for t in templates.resource_templates] == [
        "bazinga://sessions/{session_id}/dashboard"
    ]
    assert [s["session_id"] for s in json.loads(sessions.contents[0].text)] == [SESSION]
    assert dashboard.contents[0].mime_type == "application/json"
    snapshot = json.loads(dashboard.contents[0].text)
    assert snapshot["log_count"] == 1 and snapshot["recent_logs"][0]["content"] == "hi"
    assert failures[0] == (
        -32002,
        f"❌ dashboard-snapshot: session 'nope' does not exist\n   Most recent sessions: {SESSION}.",
    )
    assert failures[1][0] == -32002 and failures[1][1] == "Resource not found: bazinga://nothing"
    assert failures[2][0] == -32602 and "contains characters an id cannot have" in failures[2][1]
