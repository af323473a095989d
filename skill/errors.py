"""The project's exception family, and the notices the library gives besides its results.

Every error the library raises is a :class:`BazingaError` carrying a machine-readable reason ``code``, a
message (what went wrong and why), a hint (what to do about it) and the exit code the command line uses for
it. The CLI catches this family once, at its boundary, and renders the ❌ report; nothing else prints errors.

Messages and hints are written once, for every surface: a term that each surface spells its own way is
written as a marker that :func:`render` replaces per surface:

- ``{arg:revision_count}``: an argument of the command run (CLI: its flag ``--revision_count`` or its
  metavar; API and MCP: the parameter name ``revision_count``); ``{arg:update-task-group.session_id}``:
  an argument of another command;
- ``{cmd:create-session}``: a command (CLI: ``create-session``; API: ``create_session()``; MCP: the tool);
- ``{term:db}``: one of the ``terms`` of prompts/commands.json (``--db`` on the CLI, the location given to
  ``BazingaDB`` in the API, …).
"""

from __future__ import annotations

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


EXIT_OK = 0
EXIT_FAILURE = 1  # the operation was understood but failed
EXIT_USAGE = 2  # the command line or request could not be understood

SURFACES = ("cli", "api", "mcp")


class Notice(tuple):  # type: ignore[type-arg]
    """Something a caller may want to tell the user besides the result (rendered as ✓ or ⚠ lines).

    A named tuple (kind, message, warning): kind is "initialized" | "upgraded" | "session_created" |
    "group_resolved" | "normalised" | "no_database" | …; warning means it is shown as ⚠ rather than ✓.
    Two kinds are *live*, sent while the work goes on: "waiting" (a write has waited N s for another
    process's write lock; the CLI shows it at once as a ⏳ line) and "progress" (rows or lines done so far in
    long work; the CLI draws them as one line rewritten in place, on a terminal only).
    Written out rather than made by collections.namedtuple, which compiles code at import (~0.1 ms of every
    process start).
    """

    __slots__ = ()

    def __new__(cls, kind: str, message: str, warning: bool = False) -> Notice:
        return tuple.__new__(cls, (kind, message, warning))

    @property
    def kind(self) -> str:
        """What happened: "initialized", "normalised", "group_resolved", …"""
        return str(self[0])

    @property
    def message(self) -> str:
        """The sentence shown to the user."""
        return str(self[1])

    @property
    def warning(self) -> bool:
        """True when it is shown as ⚠ (a value was changed) rather than ✓."""
        return bool(self[2])

    def __repr__(self) -> str:
        return f"Notice(kind={self[0]!r}, message={self[1]!r}, warning={self[2]!r})"


class BazingaError(Exception):
    """Base of every error the library raises."""

    exit_code = EXIT_FAILURE
    title = "Database operation failed"
    code = "failed"

    def __init__(
        self,
        message: str,
        hint: str | None = None,
        *,
        code: str | None = None,
        details: Sequence[str] = (),
    ):
        super().__init__(render(message, "api"))
        self.template = message
        self.hint_template = hint
        if code is not None:
            self.code = code
        self.details = list(details)
        self.causes: list[str] = []  # machine-readable causes ("$.path: text"), when the error has them

    @property
    def message(self) -> str:
        """The message as the Python API shows it (parameter names)."""
        return render(self.template, "api")

    @property
    def hint(self) -> str | None:
        """The hint as the Python API shows it (parameter names), or None."""
        return render(self.hint_template, "api") if self.hint_template is not None else None

    def message_for(self, surface: str, command: str | None = None) -> str:
        """The message worded for a surface (cli, api, mcp), its markers rendered for ``command``."""
        return render(self.template, surface, command)

    def hint_for(self, surface: str, command: str | None = None) -> str | None:
        """The hint worded for a surface, as :meth:`message_for` does, or None when there is none."""
        return render(self.hint_template, surface, command) if self.hint_template is not None else None

    def to_dict(self, surface: str = "api", command: str | None = None) -> dict[str, Any]:
        """The error as data (class name, code, message, hint, details, exit code), worded for a surface."""
        return {
            "error": type(self).__name__,
            "code": self.code,
            "message": self.message_for(surface, command),
            "hint": self.hint_for(surface, command),
            "details": self.details,
            "exit_code": self.exit_code,
        }


class UsageError(BazingaError):
    """The command line could not be understood (unknown command, missing or malformed argument)."""

    exit_code = EXIT_USAGE
    title = "Invalid command"
    code = "usage"


class InvalidArgument(UsageError):
    """A value has the wrong type or is outside its allowed set."""

    title = "Invalid argument"
    code = "invalid_value"


class RequestNotUnderstood(UsageError):
    """A request in words could not be turned into exactly one operation."""

    title = "Request not understood"
    code = "not_understood"


class NotFound(BazingaError):
    """A named entity (session, task group) does not exist."""

    title = "Not found"
    code = "not_found"


class Conflict(BazingaError):
    """A create that clashes with what is stored (same id, different values)."""

    title = "Conflict"
    code = "conflict"


class InvalidPayload(BazingaError):
    """A JSON payload is malformed or does not match its schema."""

    title = "Invalid payload"
    code = "invalid_payload"


class QueryRefused(BazingaError):
    """A `query` tried something other than reading."""

    title = "Query refused"
    code = "query_refused"


class DatabaseUnusable(BazingaError):
    """The database file cannot be used: not SQLite, newer than the code, unreadable, disk full, ..."""

    title = "Database unusable"
    code = "database_unusable"


class NoDatabase(DatabaseUnusable):
    """The database file does not exist yet (reads never create it)."""

    code = "no_database"


class DatabaseBusy(BazingaError):
    """Lock contention outlasted every retry."""

    title = "Database busy"
    code = "busy"


# -- rendering per surface ---------------------------------------------------------------------------
def render(text: str, surface: str, command: str | None = None) -> str:
    """Replace the surface markers of a message or hint (see the module docstring)."""
    if "{" not in text:
        return text
    out = []
    position = 0
    while True:
        start = text.find("{", position)
        if start < 0:
            break
        end = text.find("}", start)
        marker = text[start + 1 : end] if end > 0 else ""
        kind, _, name = marker.partition(":")
        if kind not in ("arg", "cmd", "term") or not name:
            out.append(text[position : start + 1])
            position = start + 1
            continue
        out.append(text[position:start])
        out.append(_term(kind, name, surface, command))
        position = end + 1
    out.append(text[position:])
    return "".join(out)


def _term(kind: str, name: str, surface: str, command: str | None) -> str:
    from .vocabulary import COMMANDS, VOCABULARY

    if kind == "cmd":
        if surface == "cli":
            return name
        method = COMMANDS.get(name, {}).get("method")
        if surface == "api":
            return f"{method}()" if method else name
        return f"the {name.replace('-', '_')} tool"
    if kind == "arg":
        if "." in name:  # {arg:update-task-group.session_id}: an argument of another command than the one run
            command, _, name = name.partition(".")
        spec = next((a for a in COMMANDS.get(command or "", {}).get("args", ()) if a["name"] == name), None)
        if surface != "cli":
            return f"{name}=True" if spec is not None and spec["type"] == "flag" else name
        if spec is not None:
            return spec["flags"][0] if spec["kind"] == "option" else str(spec["metavar"])
        return "--" + name
    spellings = VOCABULARY["terms"].get(name, {})
    return str(spellings.get(surface) or spellings.get("cli") or name)
