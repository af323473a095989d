"""The handler of import-files, export-session and import-session (see ``skill.transfer``).

Named by these commands' "handler" in prompts/commands.json, so neither this module nor
``skill.transfer``/``skill.legacy`` is imported by any other command. Calls one library function and
returns its result; errors propagate to the CLI's boundary, which renders the ❌ report.
"""

from __future__ import annotations

import itertools
import os
from typing import Any, Callable

from .. import formatting
from ..context import Context, Result
from ..destinations import write_text
from ..errors import Notice
from ..inputs import open_input
from ..transfer import import_files, import_session_stream, open_export
from ..vocabulary import COMMANDS, convert

_TABLE_LABELS = {  # table -> (one, many), as replies count rows
    "sessions": ("session", "sessions"),
    "orchestration_logs": ("log entry", "log entries"),
    "state_snapshots": ("state snapshot", "state snapshots"),
    "task_groups": ("task group", "task groups"),
    "token_usage": ("token row", "token rows"),
    "skill_outputs": ("skill output", "skill outputs"),
    "configuration": ("config key", "config keys"),
    "decisions": ("decision", "decisions"),
}


def _reply(command: str, template: str, **fields: Any) -> str:
    text: str = COMMANDS[command]["reply"][template]
    return f"{formatting.OK} " + text.format(**fields)


def _tables(counts: dict[str, int]) -> str:
    parts = [f"{n} {_TABLE_LABELS[t][n != 1]}" for t, n in counts.items() if n]
    return ", ".join(parts) or "no rows"


def run(ctx: Context) -> Result:
    if ctx.command == "import-files":
        return _import_files(ctx)
    if ctx.command == "export-session":
        return _export_session(ctx)
    return _import_session(ctx)


def _shown(path: str, cwd: str) -> str:
    """A path as replies show it: relative to the working directory when inside it."""
    relative = os.path.relpath(path, cwd)
    return path if relative.startswith("..") else relative


def _import_files(ctx: Context) -> Result:
    args = ctx.args
    shown = args["folder"]
    log = ctx.path(args["log"]) if args.get("log") else None
    report = import_files(
        ctx.db(),
        ctx.path(shown),
        log=log,
        dry_run=bool(args.get("dry_run")),
        skip_invalid=bool(args.get("skip_invalid")),
        progress=_progress(ctx, "log entries read"),
    )
    report["folder"] = shown
    report["log"] = _shown(report["log"], ctx.cwd) if report["log"] else None
    ctx.end_progress()
    if not ctx.quiet and ctx.stderr is not None:
        for warning in report["warnings"] + report["kept"]:
            ctx.stderr.write(f"{formatting.WARNING} {warning}\n")
    fields = dict(
        folder=shown,
        sessions=", ".join(report["sessions"]) or "none",
        tables=_tables({t: c["new"] for t, c in report["tables"].items()}),
        new_rows=report["new_rows"],
        updated_rows=report["updated_rows"],
        unchanged_rows=report["unchanged_rows"],
    )
    if report["dry_run"]:
        template = "dry_run"
    elif report["new_rows"] or report["updated_rows"]:
        template = "done"
    else:
        template = "nothing"
    line = _reply("import-files", template, **fields)
    document = {"ok": True, "command": "import-files", "message": line[2:], "result": report}
    if report["dry_run"]:
        # A dry run's answer is the report itself (like `request --dry-run`): counts per table, session ids.
        table = formatting.table([dict(table=t, **c) for t, c in report["tables"].items()])
        return Result(document, text=line + "\n\n" + table, kind="read")
    return Result(report, message=line, document=document)


def _export_session(ctx: Context) -> Result:
    args = ctx.args
    chosen = args.get("export_format") or ("markdown" if ctx.output == "text" else "json")
    export_format = convert("export_format", chosen, "format")
    db = ctx.db()
    export = open_export(db, args["session_id"])  # NotFound before any file is made
    export.progress = _progress(ctx, "rows")
    if export_format == "markdown":
        chunks = export.markdown_chunks()
    else:
        chunks = itertools.chain(export.json_chunks(), ["\n"])
    out = args.get("out")
    if not out or out == "-":
        assert ctx.stdout is not None
        for chunk in chunks:
            ctx.stdout.write(chunk)
        return Result(streamed=True)
    write_text(ctx.path(out), chunks, database=db.path, force=bool(args.get("force")), what="the export")
    counts = dict(export.counts)
    if export_format == "markdown":
        counts = {"orchestration_logs": counts["orchestration_logs"]}
    line = _reply(
        "export-session",
        "done",
        session_id=export.session_id,
        export_format=export_format,
        out=out,
        tables=_tables(counts),
    )
    return Result(
        {"session_id": export.session_id, "out": out, "tables": counts},
        message=line,
        kind="write",
    )


def _progress(ctx: Context, unit: str) -> Callable[[int], None] | None:
    """A row counter that reports progress notices (drawn by the CLI on a terminal only)."""
    if not ctx.interactive():
        return None

    def report(count: int) -> None:
        ctx.notify(Notice("progress", f"{count:,} {unit}"))

    return report


def _import_session(ctx: Context) -> Result:
    source = ctx.args["file"]
    shown = "standard input" if source == "-" else source
    progress = _progress(ctx, "rows")
    if source == "-":
        assert ctx.stdin is not None
        stream = getattr(ctx.stdin, "buffer", ctx.stdin)
    else:
        stream = open_input(ctx.path(source), "the export")  # closed below, after the one transaction
    try:
        result = import_session_stream(
            ctx.db(), stream, replace=bool(ctx.args.get("replace")), what=shown, progress=progress
        )
    finally:
        if source != "-":
            stream.close()
    line = _reply(
        "import-session",
        "replaced" if result["replaced"] else "done",
        session_id=result["session_id"],
        file=shown,
        tables=_tables({t: c["new"] for t, c in result["tables"].items()}),
    )
    return Result(result, message=line)
