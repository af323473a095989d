"""`init_db.py [PATH]`: create or upgrade a database file and say what was done."""

from __future__ import annotations

import os
import sys

from .errors import EXIT_OK, BazingaError, UsageError
from .formatting import OK, error_report

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import TextIO


USAGE = "usage: init_db.py [PATH]   (a PATH that starts with - goes after --: init_db.py -- -odd.db)"


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
    if any(a in ("-h", "--help") for a in argv):
        stdout.write(
            USAGE + "\nCreate or upgrade a bazinga-db database (default: the same path "
            "the commands use: $BAZINGA_DB_PATH, else coordination/bazinga.db).\n"
        )
        return EXIT_OK
    paths = argv[1:] if argv[:1] == ["--"] else argv
    options = [a for a in argv if a.startswith("-") and a != "--"] if argv[:1] != ["--"] else []
    try:
        if options:
            raise UsageError(f"unknown option {options[0]}", USAGE)
        if len(paths) > 1:
            raise UsageError(f"expected at most one PATH, got {len(paths)} arguments", USAGE)
        if paths and not paths[0].strip():
            raise UsageError(
                "PATH is empty",
                "Give the database path, e.g. coordination/bazinga.db (an unset shell variable expands "
                "to nothing), or leave PATH out for the default.",
            )
        path = database_location(paths[0] if paths else None, env, cwd or os.getcwd())
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
