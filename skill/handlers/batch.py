"""`batch`: many operations in one process, N input lines per transaction.

Each input line is one operation in the form ``request --dry-run`` prints::

    {"command": "log-interaction", "args": {"session_id": "s1", "agent_type": "pm", "content": "..."}}

(the vocabulary's command names and the Python API's parameter names, values typed or as strings). Lines
run in order; every ``--per-transaction N`` lines (default 100) share one ``BEGIN IMMEDIATE`` transaction.
A transaction's result lines (one JSON object per operation) are written only after its COMMIT, so
nothing on stdout claims an operation that was rolled back. The first line that fails (not JSON, unknown
command or argument, or the operation itself) stops the batch: its transaction is rolled back, and the ❌
report names the line, the error, which lines were committed and which were rolled back. Blank lines are
skipped (line numbers count them).
"""

from __future__ import annotations

import json

from .. import formatting
from ..context import Result
from ..errors import EXIT_FAILURE, BazingaError, UsageError
from ..vocabulary import COMMANDS, OPERATIONS, argument_specs, convert_args, suggest, unknown_argument_hint

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any

    from ..context import Context
# What a line may run: the operations that are one API method each (not batch, request, or the transfer
# commands, which have their own handlers: files, formats, their own transaction).
EXAMPLE = (
    'One operation per line, for example: {"command": "log-interaction", "args": {"session_id": "s1", '
    '"agent_type": "pm", "content": "Planned 3 groups"}}'
)
# Notices that stay true when the transaction is rolled back (the migration ran in its own transaction).
_DURABLE_NOTICES = ("initialized", "upgraded")


def parse_line(text: str, number: int) -> tuple[str, dict[str, Any]]:
    """One input line -> (command, args); UsageError naming the line when it is not a valid operation."""
    try:
        item = json.loads(text)
    except ValueError as error:
        raise UsageError(f"line {number} is not valid JSON ({error})", EXAMPLE) from error
    if not isinstance(item, dict) or not isinstance(item.get("command"), str):
        raise UsageError(f'line {number} is not an operation: it needs a "command" and its "args"', EXAMPLE)
    unexpected = sorted(set(item) - {"command", "args"})
    if unexpected:
        raise UsageError(
            f"line {number} has unexpected keys: {', '.join(unexpected)}",
            'An operation has only "command" and "args". ' + EXAMPLE,
        )
    command = item["command"]
    if command not in OPERATIONS:
        close = suggest(command, sorted(OPERATIONS))
        raise UsageError(
            f"line {number}: unknown command {command!r}",
            (f"Did you mean '{close}'? " if close else "") + "Commands: " + ", ".join(OPERATIONS) + ".",
        )
    args = item.get("args", {})
    if not isinstance(args, dict):
        raise UsageError(f'line {number} ({command}): "args" must be an object of named values', EXAMPLE)
    specs = argument_specs(command)
    for name in args:
        if name not in specs:
            raise UsageError(
                f"line {number} ({command}): unknown argument {name!r}", unknown_argument_hint(command, name)
            )
    missing = [name for name, spec in specs.items() if spec.get("required") and args.get(name) is None]
    if missing:
        raise UsageError(
            f"line {number} ({command}): missing {', '.join(missing)}", "Arguments: " + ", ".join(specs) + "."
        )
    return command, {name: value for name, value in args.items() if value is not None}


def _decode(raw: Any, number: int) -> str:
    if isinstance(raw, bytes):
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise UsageError(
                f"line {number} is not valid UTF-8 (byte {error.start})", "Send UTF-8 text."
            ) from error
    text: str = raw
    return text


def _span(first: int, last: int) -> str:
    return f"line {first}" if first == last else f"lines {first}–{last}"


class _Progress:
    """What has been committed so far, for the report when a line fails."""

    def __init__(self) -> None:
        self.transactions = 0
        self.operations = 0
        self.last_committed_line = 0
        self.chunk_first_line: int | None = None  # first line of the open transaction
        self.chunk_last_line = 0
        self.chunk_operations = 0

    def status(self, failed_line: int | None, line_at_fault: bool = True) -> str:
        if self.transactions:
            plural = "s" if self.transactions != 1 else ""
            parts = [
                f"Committed: {_span(1, self.last_committed_line)} ({self.operations} operations in "
                f"{self.transactions} transaction{plural}; their results are on stdout)."
            ]
        else:
            parts = ["Nothing was committed."]
        if self.chunk_first_line is not None and self.chunk_last_line >= self.chunk_first_line:
            parts.append(
                f"Rolled back: {_span(self.chunk_first_line, self.chunk_last_line)} (not committed)."
            )
        if failed_line is not None:
            resend = self.chunk_first_line if self.chunk_first_line is not None else failed_line
            fix = "fix it and " if line_at_fault else ""
            parts.append(f"Nothing after line {failed_line} was run: {fix}send again from line {resend}.")
        return " ".join(parts)


def run(ctx: Context) -> Result:
    quiet = ctx.quiet
    text_output = ctx.output == "text"
    stdout, stderr = ctx.stdout, ctx.stderr
    assert stdout is not None and stderr is not None
    per_transaction = convert_args("batch", ctx.args, defaults=True)["per_transaction"]
    source_name = ctx.args.get("input")
    if source_name and source_name != "-":
        try:
            source: Any = open(ctx.path(source_name), "rb")
        except (OSError, ValueError) as error:  # ValueError: a NUL in the path
            reason = getattr(error, "strerror", None) or "not a usable file name"
            raise UsageError(
                f"cannot read {source_name!r}: {reason}",
                "Give a readable file of JSON lines, or - for standard input.",
            ) from None
    else:
        stdin = ctx.stdin
        source = getattr(stdin, "buffer", stdin)

    db = ctx.db()
    progress = _Progress()
    results: list[str] = []  # result lines of the open transaction, written after its COMMIT
    notices: list[str] = []
    current_line: int | None = None
    current_command: str | None = None

    def notice_lines(durable_only: bool = False, line: int | None = None) -> list[str]:
        prefix = f"line {line}: " if line is not None else ""
        shown = [
            f"{formatting.WARNING if n.warning else formatting.OK} "
            + (prefix if n.kind == "normalised" else "")
            + n.message
            for n in ctx.notices
            if not durable_only or n.kind in _DURABLE_NOTICES
        ]
        ctx.notices.clear()
        return shown

    committing: list[bool] = []  # non-empty while a COMMIT runs (its failure is not a line's)

    def commit() -> None:
        committing.append(True)
        db.commit()
        committing.clear()
        progress.transactions += 1
        progress.operations += progress.chunk_operations
        progress.chunk_operations = 0
        progress.last_committed_line = progress.chunk_last_line
        progress.chunk_first_line = None
        stdout.write("".join(line + "\n" for line in results))
        if not quiet:
            stderr.write("".join(line + "\n" for line in notices))
        results.clear()
        notices.clear()

    try:
        for number, raw in enumerate(source, 1):  # read lazily: a batch may be millions of lines
            current_line, current_command = number, None
            text = _decode(raw, number).strip()
            if not text:
                continue
            command, op_args = parse_line(text, number)
            current_command = command
            if progress.chunk_first_line is None:
                db.begin()
                progress.chunk_first_line = number
            spec = COMMANDS[command]
            result = getattr(db, spec["method"])(**op_args)
            notices.extend(notice_lines(line=number))
            if spec["kind"] == "write":
                line = formatting.success_line(command, op_args, result)
                if text_output:
                    shown = None if quiet else line
                else:
                    shown = formatting.to_json(
                        {
                            "line": number,
                            "ok": True,
                            "command": command,
                            "message": line[2:],
                            "result": result,
                        }
                    )
            else:
                shown = formatting.to_json(
                    result
                    if text_output
                    else {"line": number, "ok": True, "command": command, "result": result}
                )
            if shown is not None:
                results.append(shown)
            progress.chunk_last_line = number
            progress.chunk_operations += 1
            if progress.chunk_operations >= per_transaction:
                commit()
        current_line = None
        if progress.chunk_first_line is not None:
            commit()
    except BaseException as error:
        db.rollback()
        if not quiet:
            stderr.write("".join(line + "\n" for line in notice_lines(durable_only=True)))
        if isinstance(error, BazingaError):
            message, hint, code = error.message_for("cli"), error.hint_for("cli"), error.exit_code
        elif isinstance(error, KeyboardInterrupt):
            message, hint, code = "interrupted", None, EXIT_FAILURE
        elif isinstance(error, Exception):
            message = f"internal error: {type(error).__name__}: {error}"
            hint, code = (
                "This is a bug in bazinga-db; nothing of the open transaction was kept.",
                EXIT_FAILURE,
            )
        else:
            raise
        if committing and progress.chunk_first_line is not None:
            span = _span(progress.chunk_first_line, progress.chunk_last_line)
            message = f"{span} could not be committed: {message}"
        elif current_line is not None and not message.startswith(f"line {current_line}"):
            message = f"line {current_line} ({current_command}): {message}"
        report = formatting.error_report(message, hint, getattr(error, "details", ()), "batch")
        stderr.write(report + "\n   " + progress.status(current_line, line_at_fault=not committing) + "\n")
        return Result(streamed=True, exit_code=code)
    finally:
        if source_name and source_name != "-":
            source.close()
    if not quiet:
        plural = "s" if progress.transactions != 1 else ""
        stderr.write(
            f"{formatting.OK} batch: {progress.operations} operation"
            f"{'s' if progress.operations != 1 else ''} in {progress.transactions} transaction{plural}, "
            "all committed\n"
            if progress.operations
            else f"{formatting.OK} batch: no operations\n"
        )
    return Result(streamed=True)
