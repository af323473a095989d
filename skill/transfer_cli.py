"""The command-line side of import-files, export-session and import-session (see ``skill.transfer``).

Reached through ``cli.EXTRA_COMMANDS`` (the commands' ``handler`` in prompts/commands.json), so neither this
module nor ``skill.transfer``/``skill.legacy`` is imported by any other command. Parses with the
vocabulary like every command, calls one library function, renders once; errors propagate to
``cli.run``, which renders the ❌ report.
"""

from __future__ import annotations

import os

from . import formatting
from .errors import EXIT_OK
from .vocabulary import COMMANDS, convert, normalise_enum

TYPE_CHECKING = False  # typing costs ~2 ms per process start; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any, TextIO

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
    return f"{formatting.OK} " + COMMANDS[command]["reply"][template].format(**fields)


def _tables(counts: dict[str, int]) -> str:
    parts = [f"{n} {_TABLE_LABELS[t][n != 1]}" for t, n in counts.items() if n]
    return ", ".join(parts) or "no rows"


def run_command(invocation: Any, stdin: TextIO, stdout: TextIO, stderr: TextIO, env: Any, cwd: str) -> int:
    from .api import BazingaDB
    from .cli import _notices, bind, database_path

    command = invocation.command
    args = bind(invocation)
    options = invocation.options
    output = normalise_enum("output_format", options["format"], "format") if options.get("format") else None
    quiet = bool(options.get("quiet"))
    db = BazingaDB(database_path(options.get("db"), env, cwd))
    try:
        if command == "import-files":
            return _import_files(db, args, output, quiet, stdout, stderr, cwd)
        if command == "export-session":
            return _export_session(db, args, output, quiet, stdout, cwd)
        return _import_session(db, args, output, quiet, stdin, stdout, cwd)
    finally:
        _notices(db, stderr, quiet)
        db.close()


def _path(value: str, cwd: str) -> str:
    return value if os.path.isabs(value) else os.path.join(cwd, value)


def _shown(path: str, cwd: str) -> str:
    """A path as replies show it: relative to the working directory when inside it."""
    relative = os.path.relpath(path, cwd)
    return path if relative.startswith("..") else relative


def _import_files(
    db: Any, args: dict[str, Any], output: Any, quiet: bool, stdout: TextIO, stderr: TextIO, cwd: str
) -> int:
    from .transfer import import_files

    shown = args["folder"]
    log = _path(args["log"], cwd) if args.get("log") else None
    report = import_files(
        db,
        _path(shown, cwd),
        log=log,
        dry_run=bool(args.get("dry_run")),
        skip_invalid=bool(args.get("skip_invalid")),
    )
    report["folder"] = shown
    report["log"] = _shown(report["log"], cwd) if report["log"] else None
    if not quiet:
        for warning in report["warnings"] + report["kept"]:
            stderr.write(f"{formatting.WARNING} {warning}\n")
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
    if output == "json" or (report["dry_run"] and output is None):
        # A dry run's answer is the report itself (like `request --dry-run`): counts per table, session ids.
        stdout.write(
            formatting.to_json({"ok": True, "command": "import-files", "message": line[2:], "result": report})
            + "\n"
        )
    elif output == "text" and report["dry_run"]:
        stdout.write(
            line + "\n\n" + formatting.table([dict(table=t, **c) for t, c in report["tables"].items()]) + "\n"
        )
    elif not quiet:
        stdout.write(line + "\n")
    return EXIT_OK


def _export_session(db: Any, args: dict[str, Any], output: Any, quiet: bool, stdout: TextIO, cwd: str) -> int:
    from .transfer import export_session, markdown_from_document

    chosen = args.get("export_format") or ("markdown" if output == "text" else "json")
    export_format = convert("export_format", chosen, "format")
    document = export_session(db, args["session_id"])
    if export_format == "markdown":
        text = markdown_from_document(document)
    else:
        text = _document_json(document) + "\n"
    out = args.get("out")
    if not out or out == "-":
        stdout.write(text)
        return EXIT_OK
    from .destinations import write_text

    write_text(_path(out, cwd), [text], database=db.path, force=bool(args.get("force")), what="the export")
    if not quiet:
        counts = {
            t: len(document[t])
            for t in (
                "orchestration_logs",
                "state_snapshots",
                "task_groups",
                "token_usage",
                "skill_outputs",
                "decisions",
            )
        }
        if export_format == "markdown":
            counts = {"orchestration_logs": counts["orchestration_logs"]}
        stdout.write(
            _reply(
                "export-session",
                "done",
                session_id=document["session"]["session_id"],
                export_format=export_format,
                out=out,
                tables=_tables(counts),
            )
            + "\n"
        )
    return EXIT_OK


def _document_json(document: dict[str, Any]) -> str:
    """Indented so that two exports diff line by line (migration step 3); keys in the export's order."""
    import json

    return json.dumps(document, ensure_ascii=False, indent=2)


def _import_session(
    db: Any, args: dict[str, Any], output: Any, quiet: bool, stdin: TextIO, stdout: TextIO, cwd: str
) -> int:
    from .cli import _read_file, _read_stdin
    from .transfer import import_session, read_document

    source = args["file"]
    text = _read_stdin(stdin, "the export") if source == "-" else _read_file(_path(source, cwd), "the export")
    shown = "standard input" if source == "-" else source
    document = read_document(text, shown)
    result = import_session(db, document, replace=bool(args.get("replace")), what=shown)
    line = _reply(
        "import-session",
        "replaced" if result["replaced"] else "done",
        session_id=result["session_id"],
        file=shown,
        tables=_tables({t: c["new"] for t, c in result["tables"].items()}),
    )
    if output == "json":
        stdout.write(
            formatting.to_json(
                {"ok": True, "command": "import-session", "message": line[2:], "result": result}
            )
            + "\n"
        )
    elif not quiet:
        stdout.write(line + "\n")
    return EXIT_OK
