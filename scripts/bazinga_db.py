#!/usr/bin/env python3
"""bazinga-db: the command line, and `from bazinga_db import BazingaDB` for dashboards.

Kept to a few lines on purpose: a script run as `python3 bazinga_db.py` is compiled on every call, so the
work lives in the `skill` package beside this folder (compiled once, cached).
"""

import os
import sys

_SKILL_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _SKILL_ROOT not in sys.path:
    sys.path.insert(0, _SKILL_ROOT)


def __getattr__(name):  # lazy, so the command line does not pay for the API's import twice
    if name == "BazingaDB":
        from skill import api

        return api.BazingaDB
    if name == "Notice":
        from skill import errors

        return errors.Notice
    if name == "errors":
        from skill import errors

        return errors
    raise AttributeError(name)


if __name__ == "__main__":
    from skill.cli import main

    main()
