"""Reading argument values from standard input (``-``) and files (``@PATH``), bounded and checked as UTF-8.

Used by the CLI when it builds a handler's context, and by handlers that read their own input (request
text, an export to import).
"""

from __future__ import annotations

from .errors import InvalidArgument, InvalidPayload, UsageError
from .vocabulary import COMMANDS, MAX_TEXT_BYTES

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from typing import Any, BinaryIO, TextIO

# Inputs are read up to this bound, so `@/dev/zero` or an endless pipe cannot exhaust memory; anything
# between the value limit and this bound is still reported with its exact size by the validation.
READ_BOUND = 8 * MAX_TEXT_BYTES


def _too_large(what: str, where: str) -> InvalidArgument:
    return InvalidArgument(
        f"{what} from {where} is larger than {READ_BOUND:,} bytes; the limit is {MAX_TEXT_BYTES:,} bytes",
        "Store a summary, or split it over several entries.",
    )


def read_stdin(stdin: TextIO, what: str) -> str:
    try:
        raw = stdin.buffer.read(READ_BOUND + 1) if hasattr(stdin, "buffer") else stdin.read(READ_BOUND + 1)
    except OSError as error:
        raise InvalidArgument(f"cannot read {what} from standard input: {error}", None) from error
    if len(raw) > READ_BOUND:
        raise _too_large(what, "standard input")
    if isinstance(raw, bytes):
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidPayload(
                f"{what} from standard input is not valid UTF-8 (byte {error.start})", "Send UTF-8 text."
            ) from error
    return raw


def _unreadable(what: str, path: str, error: OSError | ValueError) -> InvalidArgument:
    reason = getattr(error, "strerror", None) or str(error)
    return InvalidArgument(
        f"cannot read {what} from {path}: {reason}",
        "Give @PATH of a readable file, - for standard input, or the JSON itself.",
    )


def open_input(path: str, what: str) -> BinaryIO:
    """``path`` opened for reading bytes, or the ❌ that says why it cannot be read."""
    try:
        return open(path, "rb")  # noqa: SIM115 (the caller closes it)
    except (OSError, ValueError) as error:
        raise _unreadable(what, path, error) from error


def read_file(path: str, what: str) -> str:
    try:
        with open(path, "rb") as file:
            data = file.read(READ_BOUND + 1)
    except (OSError, ValueError) as error:
        raise _unreadable(what, path, error) from error
    if len(data) > READ_BOUND:
        raise _too_large(what, path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidPayload(
            f"{what} in {path} is not valid UTF-8 (byte {error.start})", "Save the file as UTF-8."
        ) from error


def resolve_inputs(command: str, args: dict[str, Any], stdin: TextIO) -> None:
    """Replace `-` (stdin) and `@path` (JSON arguments) by their text; reject text that is not UTF-8."""
    stdin_used = None
    for spec in COMMANDS[command]["args"]:
        name = spec["name"]
        value = args.get(name)
        if not isinstance(value, str) or spec["type"] == "path":  # paths are opened by their handlers
            continue
        what = spec["label"]
        if value == "-" and spec.get("stdin"):
            if stdin_used:
                raise UsageError(
                    f"both {stdin_used} and {what} ask for standard input", "Only one value can be -."
                )
            stdin_used = what
            value = read_stdin(stdin, what)
        elif spec["type"] == "json" and value.startswith("@"):
            value = read_file(value[1:], what)
        elif spec["type"] != "json":  # JSON arguments are checked (UTF-8 included) by validation
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidArgument(
                    f"{what} is not valid UTF-8 text", "Pass UTF-8 text on the command line."
                ) from None
        args[name] = value
