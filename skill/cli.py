"""The command line: parse with the vocabulary, call one BazingaDB method, render once.

``run(argv, stdin, stdout, stderr)`` is the whole CLI and returns the exit code; ``main()`` only calls it
with the real streams. Errors of the project's family are rendered here, once, as ❌ reports on stderr.
"""

from __future__ import annotations

import os
import sys

from . import formatting
from .errors import EXIT_FAILURE, EXIT_OK, BazingaError, InvalidArgument, InvalidPayload, UsageError
from .vocabulary import COMMANDS, ENUMS, MAX_TEXT_BYTES, VOCABULARY, normalise_enum, suggest

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any, TextIO

PROGRAM = "bazinga_db.py"
GLOBAL_OPTIONS = VOCABULARY["global_options"]
_GLOBAL_FLAGS = {flag: option for option in GLOBAL_OPTIONS for flag in option["flags"]}
# Commands served outside the vocabulary's methods; each handler lives in its own module, imported lazily.
EXTRA_COMMANDS: dict[str, str] = {
    name: spec["handler"] for name, spec in COMMANDS.items() if "handler" in spec
}


class Invocation:
    """A parsed command line."""

    def __init__(self) -> None:
        self.command: str | None = None
        self.options: dict[str, Any] = {}  # global options
        self.args: dict[str, Any] = {}  # command arguments, raw strings or True for flags
        self.positionals: list[str] = []


# -- parsing -----------------------------------------------------------------------------------------
def usage(command: str) -> str:
    parts = [f"{PROGRAM} [--db PATH] [--format json|text] [--quiet]", command]
    for arg in COMMANDS[command]["args"]:
        if arg["kind"] == "positional":
            name = arg["name"].upper()
            parts.append(name if arg["required"] else f"[{name}]")
        elif arg["type"] == "flag":
            parts.append(f"[{arg['flags'][0]}]")
        else:
            parts.append(f"[{arg['flags'][0]} {arg['name'].upper()}]")
    return "usage: " + " ".join(parts)


def _command_flags(command: str) -> dict[str, dict[str, Any]]:
    return {
        flag: arg for arg in COMMANDS[command]["args"] if arg["kind"] == "option" for flag in arg["flags"]
    }


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
        target[spec["name"]] = value
    return invocation


def _command_name(token: str) -> str:
    if token in COMMANDS or token in EXTRA_COMMANDS or token == "help":
        return token
    known = sorted(list(COMMANDS) + list(EXTRA_COMMANDS))
    close = suggest(token, known)
    hint = f"Did you mean '{close}'? " if close else ""
    raise UsageError(f"unknown command {token!r}", hint + f"Run `{PROGRAM} --help` for the list of commands.")


def _unknown_option(flag: str, command: str | None) -> UsageError:
    candidates = list(_GLOBAL_FLAGS)
    if command in COMMANDS:
        candidates += list(_command_flags(command))
    close = suggest(flag, candidates)
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
    if len(invocation.positionals) > len(specs):
        extra = invocation.positionals[len(specs)]
        raise UsageError(
            f"unexpected extra argument {extra!r}", usage(command) + "  (quote values that contain spaces)"
        )
    args = dict(invocation.args)
    for spec, value in zip(specs, invocation.positionals):
        args[spec["name"]] = value
    missing = [s["name"].upper() for s in specs[len(invocation.positionals) :] if s["required"]]
    if missing:
        raise UsageError(f"missing {', '.join(missing)}", usage(command))
    return args


# -- input -------------------------------------------------------------------------------------------
# Inputs are read up to this bound, so `@/dev/zero` or an endless pipe cannot exhaust memory; anything
# between the value limit and this bound is still reported with its exact size by the validation.
READ_BOUND = 8 * MAX_TEXT_BYTES


def _too_large(what: str, where: str) -> InvalidArgument:
    return InvalidArgument(
        f"{what} from {where} is larger than {READ_BOUND:,} bytes; the limit is {MAX_TEXT_BYTES:,} bytes",
        "Store a summary, or split it over several entries.",
    )


def _read_stdin(stdin: TextIO, what: str) -> str:
    try:
        raw = stdin.buffer.read(READ_BOUND + 1) if hasattr(stdin, "buffer") else stdin.read(READ_BOUND + 1)
    except OSError as error:
        raise InvalidArgument(f"cannot read {what} from standard input: {error}", None)
    if len(raw) > READ_BOUND:
        raise _too_large(what, "standard input")
    if isinstance(raw, bytes):
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidPayload(
                f"{what} from standard input is not valid UTF-8 (byte {error.start})", "Send UTF-8 text."
            )
    return raw


def _read_file(path: str, what: str) -> str:
    try:
        with open(path, "rb") as file:
            data = file.read(READ_BOUND + 1)
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InvalidArgument(
            f"cannot read {what} from {path}: {reason}",
            "Give @PATH of a readable file, - for standard input, or the JSON itself.",
        )
    if len(data) > READ_BOUND:
        raise _too_large(what, path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidPayload(
            f"{what} in {path} is not valid UTF-8 (byte {error.start})", "Save the file as UTF-8."
        )


def resolve_inputs(command: str, args: dict[str, Any], stdin: TextIO) -> None:
    """Replace `-` (stdin) and `@path` (JSON arguments) by their text; reject text that is not UTF-8."""
    stdin_used = None
    for spec in COMMANDS[command]["args"]:
        name = spec["name"]
        value = args.get(name)
        if not isinstance(value, str):
            continue
        what = name.replace("_", " ")
        if value == "-" and spec.get("stdin"):
            if stdin_used:
                raise UsageError(
                    f"both {stdin_used} and {what} ask for standard input", "Only one value can be -."
                )
            stdin_used = what
            value = _read_stdin(stdin, what)
        elif spec["type"] == "json" and value.startswith("@"):
            value = _read_file(value[1:], what)
        elif spec["type"] != "json":  # JSON arguments are checked (UTF-8 included) by validation
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidArgument(
                    f"{what} is not valid UTF-8 text", "Pass UTF-8 text on the command line."
                )
        args[name] = value


def database_path(explicit: str | None, env: Any, cwd: str) -> str:
    """--db, else $BAZINGA_DB_PATH, else the nearest coordination/bazinga.db upwards, else ./coordination/..."""
    if explicit is not None:
        if not explicit.strip():
            raise UsageError(
                "--db is empty",
                "Give the database path, e.g. --db coordination/bazinga.db "
                "(an unset shell variable expands to nothing).",
            )
        return explicit
    if env.get("BAZINGA_DB_PATH"):
        return env["BAZINGA_DB_PATH"]
    folder = os.path.abspath(cwd)
    while True:
        candidate = os.path.join(folder, "coordination", "bazinga.db")
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return os.path.join(cwd, "coordination", "bazinga.db")
        folder = parent


# -- help ----------------------------------------------------------------------------------------------
def general_help() -> str:
    lines = [f"usage: {PROGRAM} [--db PATH] [--format json|text] [--quiet] COMMAND ARGS...", "", "Commands:"]
    width = max(len(name) for name in list(COMMANDS) + list(EXTRA_COMMANDS))
    for name, spec in COMMANDS.items():
        lines.append(f"  {name.ljust(width)}  {spec['summary']}")
    lines += ["", "Global options (anywhere on the line):"]
    for option in GLOBAL_OPTIONS:
        lines.append(f"  {', '.join(option['flags'])}: {option['help']}")
    lines += [
        "",
        "JSON arguments accept - (standard input) or @PATH; long content accepts -.",
        "Exit codes: 0 success, 1 the operation failed, 2 the command line was not understood.",
        f"Help on one command: {PROGRAM} COMMAND --help",
    ]
    return "\n".join(lines)


def command_help(command: str) -> str:
    spec = COMMANDS[command]
    lines = [usage(command), "", spec["summary"]]
    for arg in spec["args"]:
        name = arg["name"].upper() if arg["kind"] == "positional" else ", ".join(arg["flags"])
        kind = arg["type"]
        if kind in ENUMS:
            kind = "|".join(ENUMS[kind]["values"])
        lines.append(
            f"  {name}: {kind}" + ("" if arg.get("required") or arg["kind"] == "option" else " (optional)")
        )
    return "\n".join(lines)


# -- rendering ---------------------------------------------------------------------------------------
def _notices(db: Any, stderr: TextIO, quiet: bool) -> None:
    if quiet:
        return
    for notice in db.notices:
        symbol = formatting.WARNING if notice.warning else formatting.OK
        stderr.write(f"{symbol} {notice.message}\n")
    db.notices.clear()


def _normalisation_notices(command: str, args: dict[str, Any]) -> list[str]:
    notes = []
    for spec in COMMANDS[command]["args"]:
        value = args.get(spec["name"])
        if spec["type"] in ENUMS and isinstance(value, str):
            try:
                normal = normalise_enum(spec["type"], value)
            except BazingaError:
                continue  # the library reports it
            if normal.lower() != value.strip().lower():
                notes.append(
                    f"{formatting.WARNING} {spec['name'].replace('_', ' ')} {value!r} read as {normal!r}"
                )
    return notes


def render_read(command: str, db: Any, args: dict[str, Any], output: str | None) -> str:
    """Run a read command and return what stdout shows."""
    text = output == "text"
    if command == "get-state":
        record = db.latest_state_record(**args)
        if text:
            return formatting.state_view(formatting.state_title(args["state_type"]), record, "state_data")
        return record["state_data"] if record else "null"
    if command == "get-skill-output":
        record = db.skill_output_record(**args)
        if text:
            return formatting.state_view(f"{args['skill_name']} output", record, "output_data")
        return record["output_data"] if record else "null"
    if command == "get-config":
        record = db.config_record(**args)
        if text:
            return formatting.state_view(f"configuration {args['key']}", record, "value")
        return record["value"] if record else "null"
    if command == "stream-logs":
        page = db.log_page(**args)
        return formatting.to_json(page) if output == "json" else formatting.logs_markdown(page).rstrip("\n")
    result = getattr(db, COMMANDS[command]["method"])(**args)
    if not text:
        return formatting.to_json(result)
    if command == "dashboard-snapshot":
        return formatting.dashboard_view(result)
    if command == "token-summary":
        return formatting.token_view(result, by=args.get("by") or "agent_type")
    if isinstance(result, list):
        return formatting.table(result)
    return formatting.key_values(result)


def execute(invocation: Invocation, stdin: TextIO, stdout: TextIO, stderr: TextIO, env: Any, cwd: str) -> int:
    command = invocation.command
    options = invocation.options
    output = options.get("format")
    if output is not None:
        output = normalise_enum("output_format", output, "format")
    quiet = bool(options.get("quiet"))
    if command in EXTRA_COMMANDS:
        import importlib

        handler = importlib.import_module(EXTRA_COMMANDS[command])
        return handler.run_command(invocation, stdin, stdout, stderr, env, cwd)
    from .api import BazingaDB  # here, not above: handlers import what they need (request --dry-run: no API)

    args = bind(invocation)
    resolve_inputs(command, args, stdin)
    auto_create = bool(options.get("auto_create_session")) or env.get("BAZINGA_AUTO_CREATE_SESSION") == "1"
    db = BazingaDB(database_path(options.get("db"), env, cwd), auto_create_sessions=auto_create)
    try:
        if command == "get-logs" and output != "text":  # may be a whole session's history: stream it
            formatting.write_json_array(stdout, db.iter_logs(**args))
            return EXIT_OK
        if command == "query" and output != "text":  # rows streamed as they come: constant memory
            formatting.write_json_array(stdout, db.iter_query(**args), group=100)
            return EXIT_OK
        if COMMANDS[command]["kind"] == "read":
            shown = render_read(command, db, args, output)
            stdout.write(shown + "\n")
            return EXIT_OK
        if not quiet:
            for note in _normalisation_notices(command, args):
                stderr.write(note + "\n")
        result = getattr(db, COMMANDS[command]["method"])(**args)
        _notices(db, stderr, quiet)
        line = formatting.success_line(command, args, result)
        if output == "json":
            stdout.write(
                formatting.to_json({"ok": True, "command": command, "message": line[2:], "result": result})
                + "\n"
            )
        elif not quiet:
            stdout.write(line + "\n")
        return EXIT_OK
    finally:
        _notices(db, stderr, quiet)
        db.close()


# -- the output boundary ------------------------------------------------------------------------------
# The rule (README "Exit codes", references/command_examples.md): a write that committed reports its ✓ on
# whatever channel still works, and its exit code never invites a retry. When standard output cannot be
# written (closed, full, a broken pipe), what was meant for it goes to stderr after a ⚠ line, and a command
# that may have changed something (a write, batch, request, an import, a file written) still exits 0 when
# it succeeded; a read, which changed nothing, exits 1 with a ❌ (retrying it is safe), except for a reader
# that left on purpose (`| head`). A failing stderr never changes an exit code: notices are then lost.
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
        err.write(
            f"{formatting.WARNING} standard output could not be written ({reason}); its text follows:\n"
        )
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
    argv: list[str], stdin: TextIO, stdout: TextIO, stderr: TextIO, env: Any = None, cwd: str | None = None
) -> int:
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
    try:
        invocation = parse(argv)
        parsed.append(invocation)
        if invocation.command == "help":
            topic = invocation.positionals[0] if invocation.positionals else None
            stdout.write((command_help(_command_name(topic)) if topic in COMMANDS else general_help()) + "\n")
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
        return execute(invocation, stdin, stdout, stderr, env, cwd)
    except BazingaError as error:
        command = invocation.command if invocation is not None else None
        stderr.write(formatting.error_report(error.message, error.hint, error.details, command) + "\n")
        return error.exit_code
    except KeyboardInterrupt:
        stderr.write(formatting.error_report("interrupted", "Nothing after the last ✓ was written.") + "\n")
        return EXIT_FAILURE
    except Exception as error:  # last line of defence: a report, never a traceback, never a ✓
        stderr.write(
            formatting.error_report(
                f"internal error: {type(error).__name__}: {error}",
                "This is a bug in bazinga-db; nothing was reported as done. Rerun with BAZINGA_DB_DEBUG=1 "
                "for the traceback.",
            )
            + "\n"
        )
        if env.get("BAZINGA_DB_DEBUG") == "1":
            import traceback

            traceback.print_exc(file=stderr)
        return EXIT_FAILURE


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
    """A standard output the caller closed: every write fails, as it would on the descriptor itself."""

    def write(self, text: str) -> int:
        import errno

        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def main() -> None:
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
