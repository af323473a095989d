"""The command line: parse with the vocabulary, call one BazingaDB method, render once.

``run(argv, stdin, stdout, stderr)`` is the whole CLI and returns the exit code; ``main()`` only calls it
with the real streams. Errors of the project's family are rendered here, once, as ❌ reports on stderr.
"""

from __future__ import annotations

import gc
import os
import sys

from . import formatting
from .context import Context, Result, database_location
from .errors import EXIT_FAILURE, EXIT_OK, BazingaError, Notice, UsageError
from .inputs import resolve_inputs
from .vocabulary import (
    ARGUMENTS,
    COMMANDS,
    ENUMS,
    TYPES,
    VOCABULARY,
    convert,
    normalise_enum,
    suggest,
    usage_line,
)

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any, TextIO

PROGRAM = "bazinga_db.py"
GLOBAL_OPTIONS = VOCABULARY["global_options"]
_GLOBAL_FLAGS = {flag: option for option in GLOBAL_OPTIONS for flag in option["flags"]}
# The output formats that print rows (a list is its rows, an object one row): through formatting.write_rows.
ROW_FORMATS = frozenset(ENUMS["output_format"]["values"]) - {"json", "text"}


class Invocation:
    """A parsed command line."""

    def __init__(self) -> None:
        self.command: str | None = None
        self.options: dict[str, Any] = {}  # global options
        self.args: dict[str, Any] = {}  # command arguments, raw strings or True for flags
        self.positionals: list[str] = []


# -- parsing -----------------------------------------------------------------------------------------
def usage(command: str) -> str:
    """The usage line of a command, from the vocabulary (the same line help, docs and hints show)."""
    line = f"{PROGRAM} [--db PATH] [--format FORMAT] [--quiet] {command} {usage_line(command)}"
    return "usage: " + line.rstrip()


def _command_flags(command: str) -> dict[str, dict[str, Any]]:
    """Flag -> argument: options, and positionals that also take a flag (list-sessions 5 = --limit 5)."""
    return {flag: arg for arg in COMMANDS[command]["args"] for flag in arg.get("flags", ())}


def _looks_like_option(token: str) -> bool:
    return token.startswith("-") and token != "-" and not token[1:2].isdigit()


def parse(argv: list[str]) -> Invocation:
    invocation = Invocation()
    index = 0
    only_positionals = False
    while index < len(argv):
        token = argv[index]
        index += 1
        if only_positionals or not _looks_like_option(token):
            if token == "--" and not only_positionals:
                only_positionals = True
                continue
            if invocation.command is None:
                invocation.command = _command_name(token)
            else:
                invocation.positionals.append(token)
            continue
        if token == "--":
            only_positionals = True
            continue
        flag, has_value, inline_value = token.partition("=")
        # A command's own flag wins over a global one (export-session --format json|markdown).
        spec = _command_flags(invocation.command).get(flag) if invocation.command in COMMANDS else None
        target = invocation.args
        if spec is None:
            spec = _GLOBAL_FLAGS.get(flag)
            target = invocation.options
        if spec is None:
            raise _unknown_option(flag, invocation.command)
        if spec["type"] == "flag":
            if has_value:
                raise UsageError(
                    f"option {flag} takes no value",
                    usage(invocation.command) if invocation.command in COMMANDS else None,
                )
            if "value" in spec:  # --json, --csv, ...: the same as --format VALUE
                _set_format(invocation, flag, spec["value"])
            else:
                target[spec["name"]] = True
            continue
        if has_value:
            value = inline_value
        elif index < len(argv):
            value = argv[index]
            index += 1
        else:
            metavar = spec.get("metavar", spec["name"].upper())
            raise UsageError(f"option {flag} needs a value", f"For example: {flag} {metavar}")
        if target is invocation.options and spec["name"] == "format":
            _set_format(invocation, flag, value)
        else:
            target[spec["name"]] = value
    return invocation


def _set_format(invocation: Invocation, flag: str, value: str) -> None:
    """Record the output format; two different ones on one line (--json --format csv) are a usage error."""
    chosen = normalise_enum("output_format", value, "format")
    previous = invocation.options.get("format")
    if previous is not None and previous != chosen:
        raise UsageError(
            f"two output formats given: {previous} and {chosen} ({flag})",
            "Give one --format (json, text, nl, csv, tsv or table).",
        )
    invocation.options["format"] = chosen


def _pointer(word: str) -> str | None:
    """What to use instead of a word that is not ours (the vocabulary's pointers: doctor -> check)."""
    pointers: dict[str, str] = VOCABULARY["pointers"]
    return pointers.get(word.lower()) if word != "_about" else None


def _command_name(token: str) -> str:
    if token in COMMANDS or token == "help":
        return token
    close = _pointer(token) or suggest(token, sorted(COMMANDS))
    if close is not None and not close.startswith(("-", "python3")):
        close = f"{PROGRAM} {close}"
    hint = f"Did you mean `{close}`? " if close else ""
    raise UsageError(f"unknown command {token!r}", hint + f"Run `{PROGRAM} --help` for the list of commands.")


def _unknown_option(flag: str, command: str | None) -> UsageError:
    candidates = list(_GLOBAL_FLAGS)
    if command in COMMANDS:
        candidates += list(_command_flags(command))
    close = _pointer(flag) or suggest(flag, candidates)
    hint = (f"Did you mean {close}? " if close else "") + (
        usage(command) if command in COMMANDS else f"Run `{PROGRAM} --help`."
    )
    if command is None and flag.lstrip("-").replace("-", "_") in {
        a["name"] for c in COMMANDS.values() for a in c["args"]
    }:
        hint = "Command options go after the command name. " + hint
    return UsageError(f"unknown option {flag}", hint)


def bind(invocation: Invocation) -> dict[str, Any]:
    """Match positionals to the command's arguments; every value stays raw for the library to convert."""
    command = str(invocation.command)
    specs = [a for a in COMMANDS[command]["args"] if a["kind"] == "positional"]
    if len(invocation.positionals) > len(specs) and not (specs and specs[-1].get("variadic")):
        extra = invocation.positionals[len(specs)]
        raise UsageError(
            f"unexpected extra argument {extra!r}", usage(command) + "  (quote values that contain spaces)"
        )
    args = dict(invocation.args)
    positionals = list(invocation.positionals)
    if specs and specs[-1].get("variadic") and len(positionals) > len(specs):
        positionals[len(specs) - 1 :] = [" ".join(positionals[len(specs) - 1 :])]
    for spec, value in zip(specs, positionals):
        if spec["name"] in args and not _same_value(spec, args[spec["name"]], value):
            flag = spec["flags"][0]
            raise UsageError(
                f"{spec['metavar']} given twice with different values: {value} and {flag} "
                f"{args[spec['name']]}",
                f"Give it once, as {spec['metavar']} or as {_argument_names(spec).split(', ')[-1]}. "
                + usage(command),
            )
        args[spec["name"]] = value
    missing = [s["metavar"] for s in specs[len(invocation.positionals) :] if s["required"]]
    if missing:
        raise UsageError(f"missing {', '.join(missing)}", usage(command))
    return args


def _same_value(spec: dict[str, Any], first: Any, second: Any) -> bool:
    """A positional also given by its flag: the same value twice (5 and 5, or 5 and 5.0k's 5,000) is fine."""
    if str(first).strip() == str(second).strip():
        return True
    try:
        return bool(convert(spec["type"], first, "value") == convert(spec["type"], second, "value"))
    except BazingaError:
        return False


# -- help ----------------------------------------------------------------------------------------------
# Built from the vocabulary on demand (never on an ordinary command's path): each argument's meaning, its
# accepted values or formats (the type's help), its default; one runnable example per command.
HELP_WIDTH = 100
SCRIPT = "python3 scripts/bazinga_db.py"


def _wrap(text: str, indent: int, first: str = "") -> list[str]:
    import textwrap

    return textwrap.wrap(
        text,
        HELP_WIDTH,
        initial_indent=first.ljust(indent),
        subsequent_indent=" " * indent,
        break_on_hyphens=False,
        break_long_words=False,
    ) or [first]


def _wrap_usage(line: str) -> list[str]:
    """A usage line wrapped within HELP_WIDTH, never inside a bracketed [--flag VALUE]."""
    import re

    lines = ["usage:"]
    for unit in re.findall(r"\[[^\]]*\]|\S+", line[len("usage: ") :]):
        if len(lines[-1]) + 1 + len(unit) > HELP_WIDTH and lines[-1].strip():
            lines.append("      ")
        lines[-1] += " " + unit
    return lines


def example_line(command: str) -> str:
    """The command's example as a shell line (its standard input piped in when it reads one)."""
    import shlex

    spec = COMMANDS[command]
    line = f"{SCRIPT} {spec['example']}"
    if "example_stdin" in spec:
        line = f"echo {shlex.quote(spec['example_stdin'])} | {line}"
    return line


def argument_help(arg: dict[str, Any]) -> str:
    """What an argument means, the values or formats it accepts, and its default, in one sentence each."""
    meaning = str(arg.get("help") or arg["label"])
    parts = [meaning[:1].upper() + meaning[1:]]
    kind = arg["type"]
    if kind in ENUMS:
        parts.append("One of " + ", ".join(ENUMS[kind]["values"]) + " (any case; common spellings are read).")
    elif kind not in ("flag", "path") and kind in TYPES:
        described = TYPES[kind]["help"]
        parts.append(described[:1].upper() + described[1:] + ".")
    if arg.get("default") not in (None, "-"):
        parts.append(f"Default: {arg['default']}.")
    elif arg["kind"] == "positional" and not arg["required"]:
        parts.append("Optional.")
    return " ".join(part if part.endswith(".") else part + "." for part in parts)


def _argument_names(arg: dict[str, Any]) -> str:
    if arg["kind"] == "positional":
        flags = arg.get("flags", ())
        metavar = ARGUMENTS[arg["name"]].get("flag_metavar", arg["metavar"])
        return str(arg["metavar"]) + "".join(f", {flag} {metavar}" for flag in flags[:1])
    if arg["type"] == "flag":
        return ", ".join(arg["flags"])
    return f"{arg['flags'][0]} {arg['metavar']}"


def general_help() -> str:
    formats = ", ".join(ENUMS["output_format"]["values"])
    lines = [f"usage: {PROGRAM} [--db PATH] [--format FORMAT] [--quiet] COMMAND ARGS...", "", "Commands:"]
    width = max(len(name) for name in COMMANDS)
    for name, spec in COMMANDS.items():
        lines += _wrap(spec["summary"], width + 4, f"  {name}")
    lines += ["", "Global options (anywhere on the line):"]
    for option in GLOBAL_OPTIONS:
        names = ", ".join(option["flags"]) + (f" {option['metavar']}" if option.get("metavar") else "")
        lines += _wrap(option["help"] + ("." if not option["help"].endswith(".") else ""), 26, f"  {names}")
    lines += [
        "",
        f"Output formats (--format): {formats}.",
        "Writes print their ✓ line in every format but json (a JSON result).",
        "Listing reads print at most a default number of rows (each command's --help says how many) and",
        "say so on stderr when rows were left out: --limit N for more, --limit 0 for every row.",
        "JSON arguments accept - (standard input) or @PATH; long content accepts -.",
        "Exit codes: 0 success, 1 the operation failed, 2 the command line was not understood.",
        f"Help on one command: {PROGRAM} COMMAND --help (or {PROGRAM} help COMMAND). For example:",
        f"  {example_line('create-session')}",
    ]
    return "\n".join(lines)


def command_help(command: str) -> str:
    spec = COMMANDS[command]
    lines = [*_wrap_usage(usage(command)), ""]
    lines += _wrap(spec["summary"], 0)
    if spec["args"]:
        lines += ["", "Arguments:"]
        for arg in spec["args"]:
            lines += _wrap(argument_help(arg), 24, f"  {_argument_names(arg)}".ljust(23) + " ")
    lines += ["", "Example:", f"  {example_line(command)}"]
    if spec["kind"] == "read":
        formats = "|".join(ENUMS["output_format"]["values"])
        lines += ["", f"Output: JSON on stdout; --format {formats} (see {PROGRAM} --help)."]
    return "\n".join(lines)


# -- rendering ---------------------------------------------------------------------------------------
def notice_lines(notices: list[Notice]) -> list[str]:
    """Notices as ✓/⚠ lines, the database's own (initialised, upgraded) first, as they happened first."""
    ordered = sorted(notices, key=lambda notice: notice.kind not in ("initialized", "upgraded"))
    return [f"{formatting.WARNING if n.warning else formatting.OK} {n.message}" for n in ordered]


def _flush_notices(ctx: Context) -> None:
    ctx.end_progress()
    if ctx.notices and not ctx.quiet and ctx.stderr is not None:
        ctx.stderr.write("".join(line + "\n" for line in notice_lines(ctx.notices)))
    ctx.notices.clear()


def render(ctx: Context, result: Result) -> int:
    """Write a handler's result on stdout (and a report it made on stderr); return the exit code."""
    stdout = ctx.stdout
    assert stdout is not None
    _flush_notices(ctx)
    if result.report is not None and ctx.stderr is not None:
        ctx.stderr.write(result.report + "\n")
    if result.streamed or result.exit_code:
        return result.exit_code
    spec = COMMANDS[ctx.command]
    output = ctx.output
    if (result.kind or spec["kind"]) == "write":
        if output == "json":
            document = result.document
            if document is None:
                message = (result.message or "")[2:]
                document = {"ok": True, "command": ctx.command, "message": message, "result": result.value}
            stdout.write(formatting.to_json(document) + "\n")
        elif not ctx.quiet and (result.text or result.message):
            stdout.write(str(result.text or result.message) + "\n")
        return EXIT_OK
    if output is not None and output in ROW_FORMATS and spec["kind"] == "read":
        formatting.write_rows(stdout, output, result.value, spec.get("rows"))
        _flush_notices(ctx)  # what a streamed iteration reported (a limit reached)
        return EXIT_OK
    if output == "json" and result.document is not None:
        stdout.write(formatting.to_json(result.document) + "\n")
    elif result.text is not None and (output == "text" or (output is None and spec.get("shows") == "text")):
        stdout.write(result.text + "\n")
    elif result.raw is not None:
        stdout.write(result.raw + "\n")
    elif result.value is not None and not isinstance(result.value, (dict, list, str, int, float, bool)):
        formatting.write_json_array(stdout, result.value)  # an iterator of rows: streamed, flat memory
        _flush_notices(ctx)  # what the iteration itself reported (query: the row limit was reached)
    else:
        stdout.write(formatting.to_json(result.value) + "\n")
    return EXIT_OK


# Handlers whose process runs for long (servers, a stream of batch lines, data moved in bulk): the cyclic
# garbage collector, off in a command's short process (scripts/bazinga_db.py), is back on for them.
LONG_RUNNING_HANDLERS = frozenset(
    {"handlers.batch", "handlers.dashboard", "handlers.mcp", "handlers.transfer"}
)


def handler_for(command: str) -> Any:
    """The handler module of a command: the vocabulary's "handler", else the one of API operations."""
    name = COMMANDS[command].get("handler", "handlers.operations")
    if name in LONG_RUNNING_HANDLERS:
        gc.enable()
    # __import__, not importlib.import_module: the importlib package (and the warnings module it imports) is
    # a third of a millisecond of every command's start-up
    module = f"{__package__}.{name}"
    __import__(module)
    return sys.modules[module]


def context(
    invocation: Invocation, stdin: TextIO, stdout: TextIO, stderr: TextIO, env: Any, cwd: str
) -> Context:
    """The handler's context: arguments bound and read (- and @FILE), global options applied."""
    command = str(invocation.command)
    options = invocation.options
    output = options.get("format")
    if output is not None:
        output = normalise_enum("output_format", output, "format")
    allowed = COMMANDS[command].get("formats")  # a command that prints its own shape (a document, replies)
    if output is not None and allowed is not None and output not in allowed:
        raise UsageError(
            f"--format {output} does not apply here: {command} prints {' or '.join(allowed)}",
            f"Use --format {allowed[0]}, or leave --format out.",
        )
    args = bind(invocation)
    resolve_inputs(command, args, stdin)
    auto_create = bool(options.get("auto_create_session")) or env.get("BAZINGA_AUTO_CREATE_SESSION") == "1"
    return Context(
        command,
        args,
        location=database_location(options.get("db"), env, cwd),
        output=output,
        quiet=bool(options.get("quiet")),
        auto_create_sessions=auto_create,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        env=env,
        cwd=cwd,
    )


def error_text(error: BaseException, command: str | None, env: Any) -> tuple[str, int]:
    """The ❌ report and exit code for an error reaching a command's boundary (the CLI's or a tool call's).

    A project error is reported as it is, in the CLI's words; anything else is an internal error: a report,
    never a traceback (unless BAZINGA_DB_DEBUG=1 asks for it below the report), never a ✓.
    """
    if isinstance(error, BazingaError):
        report = formatting.error_report(
            error.message_for("cli", command), error.hint_for("cli", command), error.details, command
        )
        return report, error.exit_code
    if isinstance(error, KeyboardInterrupt):
        return formatting.error_report("interrupted", "Nothing after the last ✓ was written."), EXIT_FAILURE
    report = formatting.error_report(
        f"internal error: {type(error).__name__}: {error}",
        "This is a bug in bazinga-db; nothing was reported as done. Rerun with BAZINGA_DB_DEBUG=1 "
        "for the traceback.",
    )
    if env.get("BAZINGA_DB_DEBUG") == "1":
        import traceback

        report += "\n" + "".join(traceback.format_exception(type(error), error, error.__traceback__)).rstrip()
    return report, EXIT_FAILURE


# -- the output boundary ------------------------------------------------------------------------------
# The rule (README, references/command_examples.md "Failures", SKILL.md "On failure"): a write that
# committed reports its ✓ on whatever channel still works, and its exit code never invites a retry. When
# standard output cannot be written (closed, full, a broken pipe), what was meant for it goes to stderr
# after a ⚠ line, and a command that may have changed something (a write, batch, request, an import, a
# file written) still exits 0 when it succeeded; a read, which changed nothing, exits 1 with a ❌
# (retrying it is safe), except for a reader that left on purpose (`| head`). A failing stderr never
# changes an exit code: notices are then lost.
_KEEP_UNDELIVERED = 1 << 20  # characters of undelivered output kept for stderr; the rest is counted


class Stdout:
    """Standard output as the boundary sees it: writes through, and keeps what it could not deliver.

    Output is flushed every 64 KB, so a failure is noticed early and at most that much is pending."""

    def __init__(self, stream: Any):
        self.stream = stream
        self.error: BaseException | None = None
        self._pending: list[str] = []
        self._pending_size = 0
        self.undelivered: list[str] = []
        self._undelivered_size = 0
        self.dropped = 0  # characters of undelivered output beyond what is kept

    def write(self, text: str) -> int:
        if self.error is None:
            try:
                self.stream.write(text)
            except (OSError, ValueError, AttributeError) as error:
                self._fail(error)
            else:
                self._pending.append(text)
                self._pending_size += len(text)
                if self._pending_size > 65536:
                    self.flush()
                return len(text)
        self._keep(text)
        return len(text)

    def flush(self) -> None:
        if self.error is None:
            try:
                self.stream.flush()
            except (OSError, ValueError, AttributeError) as error:
                self._fail(error)
            else:
                self._pending, self._pending_size = [], 0

    def _fail(self, error: BaseException) -> None:
        self.error = error
        for text in self._pending:
            self._keep(text)
        self._pending, self._pending_size = [], 0

    def _keep(self, text: str) -> None:
        if self._undelivered_size < _KEEP_UNDELIVERED:
            self.undelivered.append(text)
            self._undelivered_size += len(text)
        else:
            self.dropped += len(text)

    def __getattr__(self, name: str) -> Any:  # isatty, encoding, ... of the real stream
        return getattr(self.stream, name)


class Stderr:
    """Standard error that never raises: once it fails, what follows is dropped."""

    def __init__(self, stream: Any):
        self.stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self.stream.write(text)
            except (OSError, ValueError, AttributeError):
                self.broken = True
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self.stream.flush()
            except (OSError, ValueError, AttributeError):
                self.broken = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def may_have_changed(invocation: Invocation | None) -> bool:
    """True unless the command only reads (so a retry after a lost output is safe)."""
    if invocation is None or invocation.command not in COMMANDS:
        return False
    if invocation.options.get("help"):
        return False
    if COMMANDS[invocation.command]["kind"] != "read":
        return True
    out = invocation.args.get("out")  # export-session --out writes a file
    return isinstance(out, str) and out not in ("", "-")


def deliver(code: int, out: Stdout, err: Stderr, changed: bool, command: str | None = None) -> int:
    """Apply the rule above once the command has run; returns the exit code."""
    out.flush()
    if out.error is None:
        return code
    reason = getattr(out.error, "strerror", None) or str(out.error) or type(out.error).__name__
    if changed:
        err.write(f"{formatting.WARNING} standard output could not be written ({reason}); its text follows:")
        err.write("\n")
        err.write("".join(out.undelivered))
        if out.dropped:
            err.write(f"{formatting.WARNING} … and {out.dropped:,} more characters that could not be shown\n")
        err.flush()
        return code
    if isinstance(out.error, BrokenPipeError) or code != EXIT_OK:
        return code  # the reader left (`… | head`), or the command had failed anyway
    err.write(
        formatting.error_report(
            f"could not write the result to standard output: {reason}",
            "Nothing was changed; run the command again with standard output going to a writable file or "
            "a pipe that is read.",
            command=command,
        )
        + "\n"
    )
    return EXIT_FAILURE


def run(
    argv: list[str],
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    env: Any = None,
    cwd: str | None = None,
) -> int:
    """The whole command line: parse, build the context, call the handler, render; return the exit code.

    Output goes through the boundary above (:func:`deliver`)."""
    out, err = Stdout(stdout), Stderr(stderr)
    parsed: list[Invocation] = []
    code = _run(argv, stdin, out, err, env, cwd, parsed)  # type: ignore[arg-type]
    invocation = parsed[0] if parsed else None
    command = invocation.command if invocation is not None else None
    return deliver(code, out, err, may_have_changed(invocation), command)


def _run(
    argv: list[str],
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    env: Any,
    cwd: str | None,
    parsed: list[Invocation],
) -> int:
    env = os.environ if env is None else env
    cwd = os.getcwd() if cwd is None else cwd
    invocation: Invocation | None = None
    ctx: Context | None = None
    try:
        invocation = parse(argv)
        parsed.append(invocation)
        if invocation.options.get("version"):
            stdout.write(f"bazinga-db {VOCABULARY['version']}\n")
            return EXIT_OK
        if invocation.command == "help":
            topic = invocation.positionals[0] if invocation.positionals else None
            # an unknown topic is refused with the pointer the command itself would get
            text = general_help() if topic is None or topic == "help" else command_help(_command_name(topic))
            stdout.write(text + "\n")
            return EXIT_OK
        if invocation.options.get("help") or invocation.command is None:
            if invocation.command in COMMANDS:
                stdout.write(command_help(invocation.command) + "\n")
                return EXIT_OK
            if invocation.command is None and not invocation.options.get("help"):
                stderr.write(formatting.error_report("no command given", f"Run `{PROGRAM} --help`.") + "\n")
                stdout.write(general_help() + "\n")
                return UsageError.exit_code
            stdout.write(general_help() + "\n")
            return EXIT_OK
        ctx = context(invocation, stdin, stdout, stderr, env, cwd)
        return render(ctx, handler_for(ctx.command).run(ctx))
    except (Exception, KeyboardInterrupt) as error:  # last line of defence: a report, never a traceback
        if ctx is not None:
            _flush_notices(ctx)
        command = invocation.command if invocation is not None and isinstance(error, BazingaError) else None
        report, code = error_text(error, command, env)
        stderr.write(report + "\n")
        return code
    finally:
        if ctx is not None:
            ctx.close()


def standard_streams() -> tuple[Any, Any, Any]:
    """stdin, stdout, stderr for main(), safe when the caller closed some of them (`>&-`, `2>&-`).

    A closed descriptor 0, 1 or 2 is reopened on /dev/null first, so no file this process opens (the
    database!) can land on it and receive what is printed; a closed stdout then fails every write (and the
    boundary's rule applies), a closed stderr drops its lines.
    """
    closed = []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            closed.append(fd)
            spare = os.open(os.devnull, os.O_RDWR)
            if spare != fd:
                os.dup2(spare, fd)
                os.close(spare)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="backslashreplace")  # type: ignore[union-attr]
        except (AttributeError, ValueError):
            pass
    import io

    stdin = io.StringIO("") if 0 in closed or sys.stdin is None else sys.stdin
    stdout = _Closed() if 1 in closed or sys.stdout is None else sys.stdout
    stderr = io.StringIO() if 2 in closed or sys.stderr is None else sys.stderr
    return stdin, stdout, stderr


class _Closed:
    """A standard output the caller closed: every write fails, as it would on the descriptor itself (also
    through ``buffer``, which servers such as ``mcp`` write bytes to)."""

    @property
    def buffer(self) -> _Closed:
        return self

    def write(self, text: Any) -> int:
        import errno

        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def main() -> None:
    """The command line of a process: scripts/bazinga_db.py's main, with the collector already off."""
    stdin, stdout, stderr = standard_streams()
    exit_now(run(sys.argv[1:], stdin, stdout, stderr))


def exit_now(code: int) -> None:
    """Flush the streams and end the process without the interpreter's teardown.

    By now every connection is closed (committed, WAL checkpointed) and only Python's freeing of its
    modules and objects one by one is left: ~3 ms, a fifth of the interpreter's own start, for nothing.
    Only for a process that is about to end anyway (the scripts' main); never call it from a library.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):  # closed, full, or None (started closed)
            pass
    os._exit(code)
