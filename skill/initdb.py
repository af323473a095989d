"""`init_db.py [--db PATH|URL | PATH]`: create or upgrade a database and say what was done."""

from __future__ import annotations

import os
import sys

from .errors import EXIT_OK, BazingaError, UsageError
from .formatting import OK, error_report

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import TextIO


_DASHED = "(a PATH that starts with - goes after --: init_db.py -- -odd.db)"
USAGE = f"usage: init_db.py [--db PATH|URL | PATH]   {_DASHED}"


def _location(argv: list[str]) -> str | None:
    """The database the command line names (``--db X``, ``--db=X`` or one PATH), or None for the default."""
    given: list[str] = []
    rest = list(argv)
    while rest:
        arg = rest.pop(0)
        if arg == "--":
            given += rest
            break
        if arg == "--db":
            if not rest:
                raise UsageError("--db needs a value", USAGE)
            given.append(rest.pop(0))
        elif arg.startswith("--db="):
            given.append(arg[len("--db=") :])
        elif arg.startswith("-"):
            raise UsageError(f"unknown option {arg}", USAGE)
        else:
            given.append(arg)
    if len(given) > 1:
        raise UsageError(f"expected one database (--db PATH or PATH), got {len(given)}", USAGE)
    if given and not given[0].strip():
        raise UsageError(
            "PATH is empty",
            "Give the database path, e.g. coordination/bazinga.db (an unset shell variable expands "
            "to nothing), or leave PATH out for the default.",
        )
    return given[0] if given else None


def run(
    argv: list[str],
    stdout: TextIO,
    stderr: TextIO,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> int:
    """The script's whole behaviour; output goes through the CLI's boundary (cli.deliver): a database
    that was created or upgraded is reported on stderr when stdout cannot take the ✓, and exits 0."""
    from .cli import Stderr, Stdout, deliver

    out, err = Stdout(stdout), Stderr(stderr)
    code = _run(argv, out, err, env, cwd)  # type: ignore[arg-type]
    return deliver(code, out, err, changed=code == EXIT_OK, command="init_db.py")


def _run(
    argv: list[str], stdout: TextIO, stderr: TextIO, env: Mapping[str, str] | None, cwd: str | None
) -> int:
    from .api import BazingaDB
    from .context import database_location
    from .storage import display_path, is_url

    if env is None:
        env = os.environ
    if any(a in ("-h", "--help") for a in argv[: argv.index("--") if "--" in argv else len(argv)]):
        stdout.write(
            USAGE + "\nCreate or upgrade a bazinga-db database: a SQLite file or a postgresql:// URL. "
            "Without one, the same database the commands use: $BAZINGA_DB_URL, else $BAZINGA_DB_PATH, else "
            "the nearest coordination/bazinga.db.\n"
        )
        return EXIT_OK
    try:
        given = _location(argv)
        path = database_location(given, env, cwd or os.getcwd())
        db = BazingaDB(path)
        try:
            result = db.initialize()
        finally:
            db.close()
    except BazingaError as error:
        stderr.write(
            error_report(error.message_for("cli"), error.hint_for("cli"), error.details, "init_db.py") + "\n"
        )
        return error.exit_code
    shown = display_path(path)
    if not result["applied"]:
        stdout.write(f"{OK} Database at {shown} is up to date (schema version {result['version']})\n")
    elif result["applied"][0].startswith("initial"):
        mode = "" if is_url(path) else ", WAL mode"  # a PostgreSQL schema has no journal mode of its own
        stdout.write(f"{OK} Database created at {shown} (schema version {result['version']}{mode})\n")
    else:
        steps = "; ".join(result["applied"])
        stdout.write(f"{OK} Database at {shown} upgraded to schema version {result['version']} ({steps})\n")
    return EXIT_OK


def main() -> None:
    from .cli import exit_now, standard_streams

    _, stdout, stderr = standard_streams()
    exit_now(run(sys.argv[1:], stdout, stderr))
