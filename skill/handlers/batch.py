"""`batch`: many operations in one process, N input lines per transaction.

Each input line is one operation in the form ``request --dry-run`` prints::

    {"command": "log-interaction", "args": {"session_id": "s1", "agent_type": "pm", "content": "..."}}

(the vocabulary's command names and the Python API's parameter names, values typed or as strings). Lines
run in order; every ``--per-transaction N`` lines (default 100) share one ``BEGIN IMMEDIATE`` transaction.
Input is read a chunk at a time *before* its transaction begins, never inside it: a chunk is up to N
lines and ends early when the input pauses (``CHUNK_WAIT_SECONDS``), so a producer that stalls holds no
lock and the lines it sent are committed (and answered) meanwhile. Lines are read by the one strict JSON
reader (``skill.jsonstrict``), like every other input.
A transaction's result lines (one JSON object per operation) are written only after its COMMIT, so
nothing on stdout claims an operation that was rolled back. The first line that fails (not JSON, unknown
command or argument, or the operation itself) stops the batch: its transaction is rolled back, and the ❌
report names the line, the error, which lines were committed and which were rolled back. Blank lines are
skipped (line numbers count them).
"""

from __future__ import annotations

from .. import formatting, jsonstrict
from ..context import Result
from ..errors import EXIT_FAILURE, BazingaError, Notice, UsageError
from ..vocabulary import (
    COMMANDS,
    MAX_TEXT_BYTES,
    OPERATIONS,
    argument_specs,
    convert_args,
    suggest,
    unknown_argument_hint,
)

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
        item = jsonstrict.loads(text)
    except jsonstrict.JSONRefused as error:
        raise UsageError(f"line {number} is not valid JSON ({error.reason})", EXAMPLE) from None
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


# Longest input line accepted (a line is one operation; its payloads are bounded far below this).
MAX_LINE_BYTES = 8 * MAX_TEXT_BYTES
# How long a chunk waits for more input before it is written: a producer that pauses longer than this
# gets the lines it sent so far committed (and their results printed) instead of waiting for N lines.
CHUNK_WAIT_SECONDS = 0.05
_WOULD_WAIT = object()


class _LineReader:
    """Lines of bytes from a file or a pipe; ``next(wait)`` returns None at the end of input, or
    ``_WOULD_WAIT`` when a pipe has nothing for ``wait`` seconds (a regular file never waits)."""

    def __init__(self, source: Any):
        self.source = source
        self.fd: int | None = None
        self.buffer = b""
        self.eof = False
        try:
            import os
            import stat

            fd = source.fileno()
            if not stat.S_ISREG(os.fstat(fd).st_mode):  # a pipe, terminal or socket may stall
                self.fd = fd
        except (AttributeError, OSError, ValueError):
            self.fd = None  # an in-memory stream (tests): read it as a file

    def next(self, wait: float | None) -> Any:
        if self.fd is None:
            line = self.source.readline(MAX_LINE_BYTES + 1)
            if not line:
                return None
            if len(line) > MAX_LINE_BYTES:
                return _too_long()
            return line
        import os
        import select

        while True:
            end = self.buffer.find(b"\n")
            if end >= 0:
                line, self.buffer = self.buffer[: end + 1], self.buffer[end + 1 :]
                return line
            if len(self.buffer) > MAX_LINE_BYTES:
                self.buffer = b""
                return _too_long()
            if self.eof:
                line, self.buffer = self.buffer, b""
                return line or None
            if wait is not None and not select.select([self.fd], [], [], wait)[0]:
                return _WOULD_WAIT
            data = os.read(self.fd, 1 << 16)
            if data:
                self.buffer += data
            else:
                self.eof = True


def _too_long() -> UsageError:
    return UsageError(
        f"a line is longer than {MAX_LINE_BYTES:,} bytes",
        "One operation per line; payloads are limited to " + f"{MAX_TEXT_BYTES:,} bytes each.",
    )


def _chunks(source: Any, size: int) -> Any:
    """Chunks of up to ``size`` operations, each a list of (line number, (command, args) or the error).

    The first line of a chunk is waited for as long as it takes (no transaction is open then); the next
    ones only while they keep coming. A line that is not a valid operation ends the input after its chunk.
    """
    reader = _LineReader(source)
    number = 0
    while True:
        chunk: list[tuple[int, Any]] = []
        ended = False
        while len(chunk) < size:
            raw = reader.next(None if not chunk else CHUNK_WAIT_SECONDS)
            if raw is _WOULD_WAIT:
                break
            if raw is None:
                ended = True
                break
            number += 1
            if isinstance(raw, UsageError):  # a line too long to read
                chunk.append((number, UsageError(f"line {number}: {raw.template}", raw.hint_template)))
                ended = True
                break
            try:
                text = _decode(raw, number).strip()
                if not text:
                    continue
                chunk.append((number, parse_line(text, number)))
            except BazingaError as error:
                chunk.append((number, error))
                ended = True
                break
        if chunk:
            yield chunk
        if ended:
            return


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
    drawn = ctx.interactive()  # a progress line on a terminal (ctx draws it at most twice a second)
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
        if not quiet and notices:
            ctx.end_progress()
            stderr.write("".join(line + "\n" for line in notices))
        results.clear()
        notices.clear()
        if drawn:
            ctx.notify(Notice("progress", f"{progress.last_committed_line:,} lines"))

    try:
        # Read a chunk, then write it: input is read only while no transaction is open, so a producer that
        # stalls (or a slow pipe) never holds the write lock and never locks other writers out.
        for chunk in _chunks(source, per_transaction):
            for number, parsed in chunk:
                current_line, current_command = number, None
                if isinstance(parsed, BaseException):
                    raise parsed
                command, op_args = parsed
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
            if progress.chunk_first_line is not None:
                commit()
        current_line = None
    except BaseException as error:
        db.rollback()
        ctx.end_progress()
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
    ctx.end_progress()
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
