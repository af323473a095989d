#!/usr/bin/env python3
"""Create or upgrade a bazinga-db database: `python3 scripts/init_db.py [--db PATH|URL | PATH]`.

Idempotent; prints what it did. Every write command also does this on first use, so agents never have to.
"""

import os
import sys

if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # bazinga_db.py beside this file
    import bazinga_db  # noqa: F401  (makes bazinga_db.skill importable)
    from bazinga_db.skill.initdb import main

    main()
