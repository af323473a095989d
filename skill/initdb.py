"""`init_db.py [PATH]`: create or upgrade a database file and say what was done."""

from __future__ import annotations

import os
import sys

from .errors import EXIT_OK, EXIT_USAGE, BazingaError
from .formatting import OK, error_report

TYPE_CHECKING = False  # importing typing costs ~2 ms per process; annotations are strings anyway
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import TextIO


def run(
    argv: list[str],
    stdout: TextIO,
    stderr: TextIO,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> int:
    from .api import BazingaDB
    from .context import database_location
    from .storage import display_path, is_url

    if env is None:
        env = os.environ
    if any(a in ("-h", "--help") for a in argv):
        stdout.write(
            "usage: init_db.py [PATH]\nCreate or upgrade a bazinga-db database (default: the same path "
            "the commands use: $BAZINGA_DB_PATH, else coordination/bazinga.db).\n"
        )
        return EXIT_OK
    if len(argv) > 1:
        stderr.write(
            error_report(f"expected at most one PATH, got {len(argv)} arguments", "usage: init_db.py [PATH]")
            + "\n"
        )
        return EXIT_USAGE
    path = database_location(argv[0] if argv else None, env, cwd or os.getcwd())
    db = BazingaDB(path)
    try:
        result = db.initialize()
    except BazingaError as error:
        stderr.write(
            error_report(error.message_for("cli"), error.hint_for("cli"), error.details, "init_db.py") + "\n"
        )
        return error.exit_code
    finally:
        db.close()
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
    from .cli import exit_now

    exit_now(run(sys.argv[1:], sys.stdout, sys.stderr))
