"""The spec's workflows as MCP tool calls, one call of every tool, shared by the MCP tests.

Each step is (tool, arguments). The files some steps name (``ops.jsonl``, ``old/coordination``) are made by
``prepare`` in the server's working directory; ``export.json`` and ``backup.db`` are written by the steps.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from conftest import SCRIPT, SQLITE_SHOWN, normalise

from skill.storage import is_url, redact

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "legacy_sample" / "sample-coordination"
SESSION = "bazinga_20250112_143022"

STEPS: list[tuple[str, dict]] = [
    # Orchestrator starts the session
    ("create_session", {"session_id": SESSION, "mode": "parallel", "requirements": "Add OAuth2 login"}),
    # Project manager workflow
    (
        "log_interaction",
        {
            "session_id": SESSION,
            "agent_type": "Project Manager",
            "content": "Created 2 task groups: Auth, API",
            "iteration": 1,
            "agent_id": "pm_main",
        },
    ),
    ("create_task_group", {"group_id": "group_a", "session_id": SESSION, "name": "Authentication"}),
    ("create_task_group", {"group_id": "group_b", "session_id": SESSION, "name": "API", "status": "pending"}),
    (
        "save_state",
        {"session_id": SESSION, "state_type": "pm", "state_data": {"mode": "parallel", "iteration": 1}},
    ),
    # Orchestrator workflow
    (
        "log_interaction",
        {
            "session_id": SESSION,
            "agent_type": "orchestrator",
            "content": "Spawning developer",
            "iteration": 2,
        },
    ),
    ("save_state", {"session_id": SESSION, "state_type": "orchestrator", "state_data": '{"iteration": 2}'}),
    ("update_task_group", {"group_id": "group_a", "assigned_to": "developer_1", "status": "in progress"}),
    (
        "log_tokens",
        {"session_id": SESSION, "agent_type": "developer", "tokens": 15000, "agent_id": "developer_1"},
    ),
    (
        "log_decision",
        {
            "session_id": SESSION,
            "decision_type": "spawn_agent",
            "decision_data": {"decision": "spawn_developer_group_a", "reason": "group_a is ready"},
            "iteration": 2,
        },
    ),
    # Developer, QA and tech lead workflows
    ("log_interaction", {"session_id": SESSION, "agent_type": "developer", "content": "Implemented OAuth2"}),
    (
        "save_skill_output",
        {"session_id": SESSION, "skill_name": "security_scan", "output_data": {"status": "success"}},
    ),
    (
        "log_interaction",
        {"session_id": SESSION, "agent_type": "qa", "content": "All 24 tests pass", "iteration": 3},
    ),
    (
        "update_task_group",
        {
            "group_id": "group_a",
            "session_id": SESSION,
            "status": "completed",
            "last_review_status": "APPROVED",
            "increment_revision": True,
        },
    ),
    ("set_config", {"key": "skills_config", "value": {"tech_lead": {"security-scan": "mandatory"}}}),
    # Reads
    ("get_session", {"session_id": SESSION}),
    ("list_sessions", {"limit": 5}),
    ("get_logs", {"session_id": SESSION, "limit": 2, "agent_type": "qa"}),
    ("stream_logs", {"session_id": SESSION, "limit": 2}),
    ("get_state", {"session_id": SESSION, "state_type": "pm"}),
    ("get_task_groups", {"session_id": SESSION, "status": "completed"}),
    ("token_summary", {"session_id": SESSION, "by": "agent_id"}),
    ("get_skill_output", {"session_id": SESSION, "skill_name": "security_scan"}),
    ("get_config", {"key": "skills_config"}),
    ("get_decisions", {"session_id": SESSION}),
    ("dashboard_snapshot", {"session_id": SESSION}),
    ("query", {"sql": "SELECT agent_type, COUNT(*) AS n FROM orchestration_logs GROUP BY 1 ORDER BY 1"}),
    # Requests in words, a batch, moving sessions, maintenance
    ("request", {"text": f"get the latest PM state for session: {SESSION}"}),
    (
        "request",
        {
            "text": f"bazinga-db, please log this tech lead interaction:\nSession ID: {SESSION}\n"
            "Content: Approved group_a\nIteration: 4",
            "dry_run": True,
        },
    ),
    (
        "request",
        {
            "text": f"bazinga-db, please log this tech lead interaction:\nSession ID: {SESSION}\n"
            "Content: Approved"
        },
    ),
    ("batch", {"input": "ops.jsonl", "per_transaction": 2}),
    ("export_session", {"session_id": SESSION, "out": "export.json"}),
    ("import_session", {"file": "export.json", "replace": True}),
    ("import_files", {"folder": "old/coordination", "dry_run": True}),
    ("check", {}),
    ("backup", {"destination": "backup.db"}),
    ("copy_to", {"target": "copy.db"}),
    ("update_session_status", {"session_id": SESSION, "status": "done"}),
]

BATCH_LINES = [
    {"command": "log-interaction", "args": {"session_id": SESSION, "agent_type": "pm", "content": "Batched"}},
    {"command": "log-tokens", "args": {"session_id": SESSION, "agent_type": "pm", "tokens": "2k"}},
    {"command": "token-summary", "args": {"session_id": SESSION}},
]

# Calls that fail: a bad argument of each kind, an unknown session, a payload that breaks its schema. The flag
# says whether a CLI line can ask the same (the others are about tool arguments, which no command line has).
FAILURES: list[tuple[str, dict, bool]] = [
    ("get_session", {"session_id": "bazinga_missing"}, True),
    ("log_interaction", {"session_id": "bazinga_missing", "agent_type": "pm", "content": "lost?"}, True),
    ("create_session", {"session_id": "bad id!", "mode": "simple", "requirements": "x"}, True),
    ("create_session", {"session_id": "s2", "mode": "serial", "requirements": "x"}, True),
    ("log_tokens", {"session_id": SESSION, "agent_type": "pm", "tokens": -5}, True),
    ("log_interaction", {"session_id": SESSION, "agent_type": "pm"}, False),
    ("log_interaction", {"session_id": SESSION, "agent_type": "pm", "content": "x", "iteraton": 2}, False),
    ("update_task_group", {"group_id": "group_a", "increment_revision": "yes"}, False),
    ("save_state", {"session_id": SESSION, "state_type": "pm", "state_data": "{not json"}, True),
    ("set_config", {"key": "skills_config", "value": {"tech_lead": {"security-scan": 3}}}, True),
    ("query", {"sql": "DELETE FROM sessions"}, True),
    ("log_interaction", {"session_id": SESSION, "agent_type": "pm", "content": "-"}, False),
    ("request", {"text": "please do something nice"}, True),
    (
        "request",
        {"text": "bazinga-db, please log this PM interaction:\nSession ID: [session_id]\nContent: x"},
        True,
    ),
    ("export_session", {"session_id": "bazinga_missing"}, True),
    ("backup", {"destination": "backup.db"}, True),
    ("copy_to", {"target": "copy.db"}, True),  # it holds rows now: refused without force
]


def prepare(folder: Path) -> None:
    """The input files the steps name, in the server's working directory."""
    (folder / "ops.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in BATCH_LINES), encoding="utf-8"
    )
    legacy = folder / "old" / "coordination"
    if not legacy.exists():
        shutil.copytree(SAMPLE, legacy)


def tool_commands() -> set[str]:
    """The tools the steps call."""
    return {tool for tool, _ in STEPS}


def stable(tool: str, text: str, folder: Path, location: str | None = None) -> str:
    """A reply as the snapshots hold it: times and the folder replaced (conftest.normalise), and check's file
    sizes, which depend on when SQLite checkpoints its WAL, as <N>. The message itself is kept as written.

    On PostgreSQL: ``location`` (a further schema's URL, which conftest.normalise does not know) reads as
    conftest's own test URL does, and the test schemas' names (check reports the schema) as <SCHEMA>."""
    if location is not None and is_url(location):
        shown = redact(location)
        text = text.replace(f"'{shown}'", SQLITE_SHOWN).replace(shown, SQLITE_SHOWN)
    text = re.sub(r"\bbz_\d+_\d+\b", "<SCHEMA>", normalise(text, folder))
    return re.sub(r'"(\w+_bytes)":\d+', r'"\1":<N>', text) if tool == "check" else text


def local_replies(folder: Path, location: str | None = None) -> list[dict]:
    """Every step's and every failure's reply from the server run in-process in ``folder`` (made here), on
    ``location`` (default: the folder's coordination/bazinga.db)."""
    from skill.handlers import mcp

    folder.mkdir(parents=True, exist_ok=True)
    prepare(folder)
    here = os.getcwd()
    os.chdir(folder)  # relative paths (backup.db, export.json) are the server's working directory's
    location = location or str(folder / "coordination" / "bazinga.db")
    server = mcp.Server(location, auto_create_sessions=False, env={}, cwd=str(folder))
    try:
        server.handle({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {}})
        replies = []
        for tool, arguments in STEPS + [(tool, arguments) for tool, arguments, _ in FAILURES]:
            message = {"name": tool, "arguments": arguments}
            answer = server.handle({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": message})
            result = answer["result"]
            text = stable(tool, result["content"][0]["text"], folder, location)
            replies.append({"tool": tool, "isError": result["isError"], "text": text})
        return replies
    finally:
        server.close()
        os.chdir(here)


class Pipe:
    """The server as a subprocess, spoken to one line at a time."""

    def __init__(self, python: str, folder: Path, *extra: str, db: str | None = None) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}
        db = db or str(folder / "coordination" / "bazinga.db")
        self.process = subprocess.Popen(
            [python, str(SCRIPT), "--db", db, *extra, "mcp"],
            cwd=folder,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )

    def send(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def ask(self, message) -> dict:
        self.send(json.dumps(message).encode("utf-8") + b"\n")
        return self.read()

    def read(self) -> dict:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line.endswith(b"\n"), line
        return json.loads(line)

    def close(self) -> tuple[bytes, bytes, int]:
        """Close stdin (the client leaves) and collect what is left; the server must end by itself."""
        out, err = self.process.communicate(timeout=30)
        return out, err, self.process.returncode
