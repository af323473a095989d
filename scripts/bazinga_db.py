#!/usr/bin/env python3
"""bazinga-db: the command line, and ``from bazinga_db import BazingaDB`` for scripts and dashboards.

One file, three roles: run as a script (``python3 scripts/bazinga_db.py …``), imported as the module
``bazinga_db`` with ``scripts/`` on ``sys.path``, and, in an installed wheel, the package ``bazinga_db``
itself (the wheel ships this file as its ``__init__.py``, with the skill folder's skill/ and prompts/ beside
it). In every role the code is the subpackage ``bazinga_db.skill``, a private name: a host application's
own ``skill`` package never collides with it.

Kept to a few lines on purpose: a script run as ``python3 bazinga_db.py`` is compiled on every call, so the
work lives in the package (compiled once; the upload ZIP ships its bytecode).
"""

import os
import sys

if __spec__ is None or __spec__.submodule_search_locations is None:  # scripts/bazinga_db.py, not the wheel
    # The skill folder (skill/, prompts/) is one level up: this module is the package that holds it.
    __path__ = [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
    sys.modules.setdefault("bazinga_db", sys.modules[__name__])


def __getattr__(name):  # lazy, so the command line does not pay for the API's import twice
    if name == "BazingaDB":
        from bazinga_db.skill.api import BazingaDB

        return BazingaDB
    if name == "Notice":
        from bazinga_db.skill.errors import Notice

        return Notice
    if name == "errors":
        from bazinga_db.skill import errors

        return errors
    raise AttributeError(name)


def main():
    """The ``bazinga-db`` command (the wheel's console script) and ``python3 scripts/bazinga_db.py``."""
    import gc

    # A command is a process of a few milliseconds that frees everything at exit: the cyclic collector's
    # passes over the objects its imports create cost a tenth of its start-up for nothing. Long-running
    # handlers turn it back on (skill/cli.py, LONG_RUNNING_HANDLERS).
    gc.disable()
    from bazinga_db.skill.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
