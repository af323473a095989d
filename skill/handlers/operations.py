"""The handler of every command that is one ``BazingaDB`` method (the vocabulary's "method" key).

Calls the method with the context's arguments (the library converts and validates them) and returns the
data, the ✓ line of a write, and the readable view when ``--format text`` asks for it.
"""

from __future__ import annotations

import json

from .. import formatting
from ..context import Result
from ..vocabulary import COMMANDS

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

    from ..context import Context

# Reads that print one stored JSON object exactly as it was saved: command -> (record method, JSON column).
_STORED_OBJECTS = {
    "get-state": ("latest_state_record", "state_data"),
    "get-skill-output": ("skill_output_record", "output_data"),
    "get-config": ("config_record", "value"),
}


def run(ctx: Context) -> Result:
    command = ctx.command
    spec = COMMANDS[command]
    db = ctx.db()
    args = ctx.args
    if spec["kind"] == "write":
        result = getattr(db, spec["method"])(**args)
        return Result(result, message=formatting.success_line(command, args, result))
    if command in _STORED_OBJECTS:
        method, column = _STORED_OBJECTS[command]
        record = getattr(db, method)(**args)
        raw = record[column] if record else "null"
        text = _stored_object_view(command, args, record, column) if ctx.output == "text" else None
        return Result(json.loads(raw), raw=raw, text=text)
    if command == "get-logs" and ctx.output != "text":
        return Result(db.iter_logs(**args))  # may be a whole session's history: streamed by the renderer
    if command == "query" and ctx.output != "text":
        return Result(db.iter_query(**args))  # rows streamed as they come: constant memory
    if command == "stream-logs":
        page = db.log_page(**args)
        return Result(page, text=formatting.logs_markdown(page).rstrip("\n"))
    value = getattr(db, spec["method"])(**args)
    return Result(value, text=_text_view(command, args, value) if ctx.output == "text" else None)


def _stored_object_view(command: str, args: dict[str, Any], record: Any, column: str) -> str:
    if command == "get-state":
        title = formatting.state_title(str(args["state_type"]))
    elif command == "get-skill-output":
        title = f"{args['skill_name']} output"
    else:
        title = f"configuration {args['key']}"
    return formatting.state_view(title, record, column)


def _text_view(command: str, args: dict[str, Any], value: Any) -> str:
    if command == "dashboard-snapshot":
        return formatting.dashboard_view(value)
    if command == "token-summary":
        return formatting.token_view(value, by=args.get("by") or "agent_type")
    if isinstance(value, list):  # a listing: the columns a reader needs (all of them with --format table)
        return formatting.table(value, COMMANDS[command].get("text_columns"))
    return formatting.key_values(value)
