#!/usr/bin/env python3
"""Create or upgrade a bazinga-db database file: `python3 scripts/init_db.py [PATH]`.

Idempotent; prints what it did. Every write command also does this on first use, so agents never have to.
"""

import os
import sys

_SKILL_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _SKILL_ROOT not in sys.path:
    sys.path.insert(0, _SKILL_ROOT)

if __name__ == "__main__":
    from skill.initdb import main

    main()
