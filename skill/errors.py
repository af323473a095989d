"""The project's exception family.

Every error the library raises is a :class:`BazingaError` carrying a message (what went wrong and why), a
hint (what to do about it) and the exit code the command line uses for it. The CLI catches this family
once, at its boundary, and renders the ❌ report; nothing else prints errors.
"""

from __future__ import annotations

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


EXIT_OK = 0
EXIT_FAILURE = 1  # the operation was understood but failed
EXIT_USAGE = 2  # the command line or request could not be understood


class BazingaError(Exception):
    """Base of every error the library raises."""

    exit_code = EXIT_FAILURE
    title = "Database operation failed"

    def __init__(self, message: str, hint: str | None = None, *, details: Sequence[str] = ()):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.details = list(details)
        self.causes: list[str] = []  # machine-readable causes ("$.path: text"), when the error has them

    def to_dict(self) -> dict[str, Any]:
        return {
            "error": type(self).__name__,
            "message": self.message,
            "hint": self.hint,
            "details": self.details,
            "exit_code": self.exit_code,
        }


class UsageError(BazingaError):
    """The command line could not be understood (unknown command, missing or malformed argument)."""

    exit_code = EXIT_USAGE
    title = "Invalid command"


class InvalidArgument(UsageError):
    """A value has the wrong type or is outside its allowed set."""

    title = "Invalid argument"


class RequestNotUnderstood(UsageError):
    """A request in words could not be turned into exactly one operation."""

    title = "Request not understood"


class NotFound(BazingaError):
    """A named entity (session, task group) does not exist."""

    title = "Not found"


class Conflict(BazingaError):
    """A create that clashes with what is stored (same id, different values)."""

    title = "Conflict"


class InvalidPayload(BazingaError):
    """A JSON payload is malformed or does not match its schema."""

    title = "Invalid payload"


class QueryRefused(BazingaError):
    """A `query` tried something other than reading."""

    title = "Query refused"


class DatabaseUnusable(BazingaError):
    """The database file cannot be used: not SQLite, newer than the code, unreadable, disk full, ..."""

    title = "Database unusable"


class NoDatabase(DatabaseUnusable):
    """The database file does not exist yet (reads never create it)."""


class DatabaseBusy(BazingaError):
    """Lock contention outlasted every retry."""

    title = "Database busy"
