"""bazinga-db's code: the package behind ``scripts/bazinga_db.py`` and the installed ``bazinga_db``.

It is imported under a private, collision-free name, ``bazinga_db.skill``, by the entry script and by the
installed package, so a host application with its own top-level ``skill`` package can still
``from bazinga_db import BazingaDB``. The repository's tests and development tools import it as ``skill``
from the checkout. One process holds one copy of it: when the folder is imported under the second of these
names, that name becomes an alias of the first (see ``_alias``), so an error raised through one name is
caught as the other's class.
"""

import os
import sys

_first = sys.modules.get("bazinga_db.skill" if __name__ == "skill" else "skill")
if _first is not None and os.path.realpath(getattr(_first, "__file__", None) or "") == os.path.realpath(
    __file__
):
    import importlib

    importlib.import_module(_first.__name__ + "._alias").adopt(__name__, _first)
del _first
