"""The `request` command: parse a request in words, run the one operation, reply as agents expect.

Replies are short, because every reply costs the calling agent context:

- writes: the ✓ lines of the spec (notices such as "Database auto-initialized at …" and
  "Session … auto-created" first, each on its own line, then the command's ✓ line from the vocabulary's
  reply templates);
- reads: the readable views of ``formatting`` (the same ones ``--format text`` prints);
- refusals (exit 2): ❌ what is missing or wrong, then the request form that would work;
- failures (exit 1): the spec's full report — Command, Error Output, Exit Code, Possible causes — with causes
  chosen for the actual error (``prompts/phrasings.json``, "causes").

The CLI imports this module only for `request` (its vocabulary "handler"), so other commands never pay for it.
"""

from __future__ import annotations

from .. import formatting
from ..context import Context, Result
from ..errors import BazingaError, RequestNotUnderstood
from ..inputs import read_stdin
from ..timeutil import display
from ..vocabulary import COMMANDS

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

# Columns of the list views: enough to act on, little enough to keep replies short.
LIST_COLUMNS = {
    "list-sessions": ["session_id", "mode", "status", "created_at"],
    "get-logs": ["timestamp", "agent_type", "agent_id", "iteration", "content"],
    "get-task-groups": ["id", "name", "status", "assigned_to", "revision_count", "last_review_status"],
    "get-decisions": ["timestamp", "decision_type", "iteration", "decision_data"],
}
_TIME_COLUMNS = ("timestamp", "created_at", "updated_at", "start_time", "end_time")


def _templates() -> dict[str, Any]:
    from ..reader import tables

    replies: dict[str, Any] = tables()["replies"]
    return replies


# -- the handler -------------------------------------------------------------------------------------
def run(ctx: Context) -> Result:
    from ..reader import understand

    text = ctx.args.get("text")
    if text is None:
        text = read_stdin(ctx.stdin, "request") if ctx.stdin is not None else ""
    try:
        # the dry run too reads the session ids (read-only) to refuse a mistyped one
        command, args = understand(text, known_sessions(ctx.location))
    except RequestNotUnderstood as error:
        return Result(report=refusal(error), exit_code=error.exit_code)
    if ctx.args.get("dry_run"):
        return Result({"command": command, "args": args}, kind="read")
    # The skill's error-handling policy: a missing session is created with defaults (and the reply says so).
    # Placeholder ids never get this far: the parser refuses them.
    db = ctx.db(auto_create_sessions=True)
    kind = COMMANDS[command]["kind"]
    try:
        reply, result = execute(ctx, command, args)
    except BazingaError as error:
        report = failure_report(command, args, db.path, error, _notice_lines(ctx))
        return Result(report=report, exit_code=error.exit_code)
    document = {"ok": True, "command": command, "args": args, "reply": reply, "result": result}
    if kind == "write":
        document["ran"] = ran_args(command, args, result)  # the operation as it ran (session resolved)
        return Result(result, message=reply, document=document, kind="write")
    return Result(result, text=reply, document=document, kind="read")


def known_sessions(location: str | None) -> list[str] | None:
    """The session ids stored in the database, read through a read-only connection (None when there is no
    database there, it is not usable, or it cannot be read): never creates, migrates or writes anything."""
    import os
    import sqlite3

    if not location:
        return None
    if location.startswith(("postgres://", "postgresql://")):
        return _known_sessions_on_a_server(location)
    if not os.path.isfile(location) or os.path.getsize(location) == 0:
        return None
    try:
        uri = os.path.abspath(location).replace("%", "%25").replace("?", "%3f").replace("#", "%23")
        # Without a -wal file nothing is pending: read the file as immutable, which creates no -wal/-shm
        # beside it. With one (a writer is at work), a read-only connection sees the pending writes too.
        mode = "mode=ro" if os.path.exists(location + "-wal") else "immutable=1"
        conn = sqlite3.connect(f"file:{uri}?{mode}", uri=True, timeout=5)
        try:
            return [row[0] for row in conn.execute("SELECT session_id FROM sessions")]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def _known_sessions_on_a_server(url: str) -> list[str] | None:
    """known_sessions on PostgreSQL: the store's reads, which never create or migrate the schema."""
    from ..errors import BazingaError
    from ..storage import open_store

    store = open_store(url)
    try:
        if not store.exists():
            return None
        return [row[0] for row in store.read("SELECT session_id FROM sessions")]
    except BazingaError:
        return None
    finally:
        store.close()


def execute(ctx: Context, command: str, args: dict[str, Any]) -> tuple[str, Any]:
    """Run one operation; return (reply text, result data).

    A write's reply shows the operation as it ran (the plain command, with the session it resolved) on the
    line after its ✓, so the calling agent sees a misreading at once.
    """
    spec = COMMANDS[command]
    if spec["kind"] == "read":
        return read_reply(ctx, command, args)
    result = getattr(ctx.db(), spec["method"])(**args)
    lines = _notice_lines(ctx)
    lines.append(formatting.success_line(command, args, result))
    ran = operation_line(command, ran_args(command, args, result), shorten=80)
    lines.append(_templates()["ran"].format(command=ran))
    after = _templates().get(command + "-after")
    if after:
        fields = formatting.reply_fields(command, args, result)
        lines += ["", after.format(**fields)]
    return "\n".join(lines), result


def _notice_lines(ctx: Context) -> list[str]:
    """The notices so far as reply lines (a request's reply carries them on stdout, not stderr)."""
    from ..cli import notice_lines

    lines = notice_lines(ctx.notices)
    ctx.notices.clear()
    return lines


def ran_args(command: str, args: dict[str, Any], result: Any) -> dict[str, Any]:
    """The arguments a write ran with: those parsed, plus the session the library resolved for them."""
    ran = dict(args)
    names = [a["name"] for a in COMMANDS[command]["args"]]
    if (
        "session_id" in names
        and "session_id" not in ran
        and isinstance(result, dict)
        and result.get("session_id")
    ):
        ran["session_id"] = result["session_id"]
    return {name: ran[name] for name in names if name in ran}


# -- reads -------------------------------------------------------------------------------------------
def read_reply(ctx: Context, command: str, args: dict[str, Any]) -> tuple[str, Any]:
    from . import operations

    templates = _templates()
    db = ctx.db()
    if command in LIST_COLUMNS:
        rows = getattr(db, COMMANDS[command]["method"])(**args)
        if any(notice.kind == "no_database" for notice in ctx.notices):
            # a project that has written nothing yet has nothing to list: an empty answer, not a failure
            from ..storage import display_path

            ctx.notices[:] = [n for n in ctx.notices if n.kind != "no_database"]
            note = templates["no_database_yet"].format(path=display_path(db.path))
            return list_view(command, rows) + " " + note, rows
        return list_view(command, rows), rows
    if command == "token-summary":
        summary = db.get_token_summary(**args)
        return formatting.token_view(summary, by=args.get("by", "agent_type")), summary
    if command == "dashboard-snapshot":
        snapshot = db.get_dashboard_snapshot(**args)
        text = "\n".join(
            [
                templates["dashboard_title"],
                "",
                formatting.dashboard_view(snapshot),
                "",
                templates["dashboard_after"].format(session_id=snapshot["session"]["session_id"]),
            ]
        )
        return text, snapshot
    if command == "query":
        rows = db.query(**args)
        return formatting.table(rows), rows
    shown = operations.run(Context(command, args, output="text", db=db))
    return str(shown.text), shown.value


def list_view(command: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        empty: str = _templates()["empty_list"]
        return empty.format(what=_what(command))
    shown = []
    for row in rows:
        item = dict(row)
        for column in _TIME_COLUMNS:
            if item.get(column):
                item[column] = display(item[column])
        shown.append(item)
    columns = [c for c in LIST_COLUMNS[command] if any(c in row for row in rows)]
    count = len(rows)
    title = f"{count} {_what(command, count)}:"
    return title + "\n" + formatting.table(shown, columns)


def _what(command: str, count: int = 0) -> str:
    noun = {
        "list-sessions": "session",
        "get-logs": "log entry",
        "get-task-groups": "task group",
        "get-decisions": "decision",
    }[command]
    if count == 1:
        return noun
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


# -- refusals and failures ---------------------------------------------------------------------------
def refusal(error: RequestNotUnderstood) -> str:
    templates = _templates()
    lines = [templates["refusal_title"].format(message=error.message_for("cli"))]
    lines.extend(f"   - {detail}" for detail in error.details)
    if error.hint:
        lines += ["", templates["refusal_form"], "", error.hint]
    return "\n".join(lines)


def command_line(command: str, args: dict[str, Any], path: str) -> str:
    """The plain CLI call equivalent to a parsed request, as a shell line."""
    import os

    from ..storage import display_path

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    script = os.path.join(root, "scripts", "bazinga_db.py")
    prefix = ["python3", display_path(script), "--db", display_path(path)]
    return " ".join(formatting.shell_quote(p) for p in prefix) + " " + operation_line(command, args)


def operation_line(command: str, args: dict[str, Any], shorten: int = 0) -> str:
    """The command and its arguments as the plain CLI takes them: 'update-task-group group_a --status …'.

    ``shorten``: values longer than this many characters are cut with '…' (a reply's 'ran:' line shows
    which value went where; the value itself is already in the caller's own request).
    """

    def _cli_value(value: Any) -> str:
        text = formatting.to_json(value) if isinstance(value, (dict, list)) else str(value)
        return text[: shorten - 1] + "\u2026" if shorten and len(text) > shorten else text

    parts = [command]
    positionals: list[str] = []
    pending: list[str] = []
    for spec in COMMANDS[command]["args"]:
        name = spec["name"]
        if spec["kind"] == "positional":
            if name in args:
                positionals += pending + [_cli_value(args[name])]
                pending = []
            else:
                pending.append("")  # a later optional positional needs this slot filled
        elif name in args:
            if spec["type"] == "flag":
                if args[name]:
                    parts.append(spec["flags"][0])
            else:
                parts += [spec["flags"][0], _cli_value(args[name])]
    return " ".join(formatting.shell_quote(p) for p in parts[:1] + positionals + parts[1:])


def failure_report(
    command: str, args: dict[str, Any], path: str, error: BazingaError, notices: list[str] | None = None
) -> str:
    """The spec's full report: what ran, its full error output, the exit code and causes that fit."""
    templates = _templates()
    error_output = formatting.error_report(
        error.message_for("cli", command), error.hint_for("cli", command), error.details, command
    )
    lines = [
        templates["failure_title"],
        "",
        "Command:",
        command_line(command, args, path),
        "",
        "Error Output:",
    ]
    lines += (notices or []) + [error_output, "", f"Exit Code: {error.exit_code}", "", "Possible causes:"]
    lines += [f"- {cause}" for cause in possible_causes(error)]
    return "\n".join(lines)


def possible_causes(error: BazingaError) -> list[str]:
    """The causes listed for the error's reason code, else for its class's code, else the general ones."""
    from ..reader import tables

    causes: dict[str, list[str]] = tables()["causes"]
    codes = [error.code] + [getattr(kind, "code", "") for kind in type(error).__mro__]
    for code in codes:
        if code in causes:
            return causes[code]
    return causes["*"]
