"""The MCP server's tools, in-process: generated from the vocabulary, and each call the CLI's operation.

A tool call and the CLI call it stands for (``request``'s ``command_line``) run side by side on two fresh
databases: the structured content must be the JSON the CLI prints with ``--format json``, the text the CLI's
notices and ✓ line, and a failure the CLI's ❌ report. The replies an agent sees are pinned by snapshots.
"""

from __future__ import annotations

import io
import json
import shlex

import pytest
from conftest import normalise
from mcp_steps import FAILURES, SESSION, STEPS, local_replies, prepare

from skill import cli
from skill.handlers import mcp
from skill.handlers.request import command_line
from skill.vocabulary import COMMANDS, ENUMS


def _server(folder) -> mcp.Server:
    server = mcp.Server(
        str(folder / "coordination" / "bazinga.db"), auto_create_sessions=False, env={}, cwd=str(folder)
    )
    server.handle(
        {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18"}}
    )
    return server


def _call(server: mcp.Server, tool: str, arguments: dict) -> dict:
    answer = server.handle(
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": tool, "arguments": arguments}}
    )
    assert answer is not None and "result" in answer, answer
    return answer["result"]


def _cli(folder, tool: str, arguments: dict) -> tuple[str, str, int]:
    """The same operation through the CLI, with --format json, in its own folder and database."""
    command = tool.replace("-", "_").replace("_", "-")
    line = command_line(command, arguments, str(folder / "coordination" / "bazinga.db"))
    argv = shlex.split(line)[2:]  # without "python3 scripts/bazinga_db.py"
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["--format", "json", *argv], io.StringIO(""), out, err, env={}, cwd=str(folder))
    return out.getvalue(), err.getvalue(), code


@pytest.fixture
def sides(tmp_path, monkeypatch):
    """Two working folders, each with the steps' input files: one for the server, one for the CLI."""
    folders = {}
    for name in ("mcp", "cli"):
        folder = tmp_path / name
        folder.mkdir()
        prepare(folder)
        folders[name] = folder
    return folders


def _same(text: str, folder) -> str:
    return normalise(text, folder)


def test_every_command_but_the_servers_is_a_tool():
    names = {tool["name"] for tool in mcp.tool_definitions()}
    servers = {name for name, spec in COMMANDS.items() if spec["kind"] == "server"}
    assert servers == {"mcp", "dashboard"}  # a tool call must return; these serve until stopped
    assert names == {name.replace("-", "_") for name in COMMANDS if name not in servers}
    assert len(names) == len(COMMANDS) - 2
    assert {tool for tool, _ in STEPS} == names  # the workflow calls every tool


def test_schemas_are_the_vocabulary():
    for tool in mcp.tool_definitions():
        command = tool["name"].replace("_", "-")
        spec = COMMANDS[command]
        schema = tool["inputSchema"]
        assert schema["type"] == "object" and schema["additionalProperties"] is False
        assert list(schema["properties"]) == [arg["name"] for arg in spec["args"]]
        for arg in spec["args"]:
            prop = schema["properties"][arg["name"]]
            if arg["type"] in ENUMS:
                assert prop["enum"] == ENUMS[arg["type"]]["values"], (command, arg["name"])
            elif arg["type"] in ("count", "limit", "row_limit"):
                assert prop["type"] == "integer"
            elif arg["type"] == "flag":
                assert prop["type"] == "boolean"
            elif arg["type"] != "json":
                assert prop["type"] == "string"
            if arg.get("help"):
                assert prop["description"].startswith(arg["help"])
        required = set(schema.get("required", []))
        assert {a["name"] for a in spec["args"] if a.get("required")} <= required
        assert tool["annotations"]["readOnlyHint"] is (spec["kind"] == "read" and command != "export-session")
    by_name = {tool["name"]: tool for tool in mcp.tool_definitions()}
    assert by_name["log_interaction"]["inputSchema"]["required"] == ["session_id", "agent_type", "content"]
    assert by_name["request"]["inputSchema"]["required"] == [
        "text"
    ]  # the CLI's stdin fallback has no stdin here
    assert by_name["get_state"]["annotations"]["readOnlyHint"] is True
    assert by_name["update_task_group"]["annotations"]["readOnlyHint"] is False


def test_a_tool_call_is_the_cli_call(sides, monkeypatch):
    server = _server(sides["mcp"])
    try:
        for tool, arguments in STEPS:
            monkeypatch.chdir(sides["mcp"])
            result = _call(server, tool, json.loads(json.dumps(arguments)))
            monkeypatch.chdir(sides["cli"])
            stdout, stderr, code = _cli(sides["cli"], tool, arguments)
            assert code == 0, (tool, stderr)
            assert result["isError"] is False, (tool, result)
            structured = result["structuredContent"]
            text = result["content"][0]["text"]
            command = tool.replace("_", "-")
            if tool == "batch":
                expected = {
                    "ok": True,
                    "command": "batch",
                    "result": [json.loads(line) for line in stdout.splitlines()],
                }
            elif COMMANDS[command]["kind"] == "read" or tool == "request" and arguments.get("dry_run"):
                try:
                    expected = {"ok": True, "command": command, "result": json.loads(stdout)}
                except ValueError:
                    expected = {"ok": True, "command": command, "result": stdout.rstrip("\n")}
            else:
                expected = json.loads(stdout)
            if (
                tool == "check"
            ):  # the server holds the store open: its WAL is not checkpointed into the file yet
                assert json.loads(text) == structured["result"]
                text = stdout.rstrip("\n")  # compared below; the figures that differ were just checked
                for report in (structured["result"], expected["result"]):
                    for key in [k for k in report if k.endswith("_bytes")]:
                        report.pop(key)
            assert _same(json.dumps(structured), sides["mcp"]) == _same(json.dumps(expected), sides["cli"]), (
                tool
            )
            # the text: the CLI's notices (stderr), then the ✓ line, the request's reply or the JSON
            notices = _same(stderr, sides["cli"]).rstrip("\n")
            if "reply" in expected:
                main = expected["reply"]
            elif "message" in expected:
                main = "✓ " + expected["message"]
            else:
                main = stdout.rstrip("\n")
            wanted = "\n".join(part for part in (notices, _same(main, sides["cli"])) if part)
            assert _same(text, sides["mcp"]) == wanted, tool
    finally:
        server.close()


def test_a_failed_tool_call_is_the_cli_failure(sides, monkeypatch):
    for folder in sides.values():
        monkeypatch.chdir(folder)
        setup = _server(folder)
        for tool, arguments in STEPS[:15]:
            assert _call(setup, tool, arguments)["isError"] is False
        _call(setup, "backup", {"destination": "backup.db"})
        _call(setup, "copy_to", {"target": "copy.db"})
        setup.close()
    server = _server(sides["mcp"])
    compared = 0
    try:
        for tool, arguments, cli_too in FAILURES:
            monkeypatch.chdir(sides["mcp"])
            result = _call(server, tool, arguments)
            assert result["isError"] is True, (tool, arguments, result)
            assert "structuredContent" not in result
            text = result["content"][0]["text"]
            assert text.startswith("❌") and "Traceback" not in text, text
            if not cli_too:
                continue
            monkeypatch.chdir(sides["cli"])
            stdout, stderr, code = _cli(sides["cli"], tool, arguments)
            assert code != 0 and stdout == "", (tool, stdout)
            assert _same(text, sides["mcp"]) == _same(stderr, sides["cli"]).rstrip("\n"), tool
            compared += 1
    finally:
        server.close()
    assert compared >= 10


def test_replies_an_agent_sees(tmp_path, snapshot):
    """Every step's and every failure's reply, pinned: the text an agent reads and whether it is an error."""
    assert local_replies(tmp_path / "mcp") == snapshot


def test_bad_arguments_name_what_to_do(sides, monkeypatch):
    monkeypatch.chdir(sides["mcp"])
    server = _server(sides["mcp"])
    try:
        typo = _call(
            server,
            "log_interaction",
            {"session_id": SESSION, "agent_type": "pm", "content": "x", "iteraton": 2},
        )
        assert typo["content"][0]["text"] == (
            "❌ log-interaction: unknown argument 'iteraton'\n   Did you mean 'iteration'? "
            "Arguments: session_id, agent_type, content, iteration, agent_id."
        )
        missing = _call(server, "request", {})
        assert missing["isError"] and "missing text" in missing["content"][0]["text"]
        flag = _call(server, "backup", {"destination": "b.db", "force": "yes"})
        assert flag["content"][0]["text"].startswith('❌ backup: force must be true or false, got "yes"')
        nothing = _call(server, "check", {"verbose": True})
        assert "This command takes no arguments." in nothing["content"][0]["text"]
    finally:
        server.close()
    assert not (sides["mcp"] / "b.db").exists()


def test_structured_content_only_for_revisions_that_have_it(sides, monkeypatch):
    monkeypatch.chdir(sides["mcp"])
    server = _server(sides["mcp"])
    try:
        for version, structured in (("2024-11-05", False), ("2025-03-26", False), ("2025-06-18", True)):
            server.handle(
                {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": version}}
            )
            result = _call(server, "list_sessions", {})
            assert ("structuredContent" in result) is structured
            assert (
                result["content"][0]["text"]
                == "⚠ no database at coordination/bazinga.db yet: nothing is stored\n[]"
            )
            tools = server.handle({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})["result"]["tools"]
            assert ("title" in tools[0]) is structured
    finally:
        server.close()
