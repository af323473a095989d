"""One copy per process: make a second import name of this folder an alias of the first.

The folder is imported as ``bazinga_db.skill`` (the entry script, the installed package) and, in the
repository, as ``skill`` (tests, development tools). Were both names loaded, every module would exist twice
and ``except NotFound`` written against one copy would miss the other copy's ``NotFound``. So when the
folder's ``__init__`` runs under a second name while the first is loaded from the same file, that name is
bound to the first package, and a finder serves ``second.X`` as the module ``first.X`` (imported once).
A host application's own ``skill`` package is another file: it is never aliased.
"""

from __future__ import annotations

import importlib
import importlib.abc
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from types import ModuleType


def adopt(name: str, first: ModuleType) -> None:
    """Bind the package name being imported, ``name``, to ``first``, the same folder imported earlier."""
    sys.modules[name] = first  # the import of ``name`` now returns the first package
    sys.meta_path.insert(0, AliasFinder(name, first.__name__))


class AliasFinder:
    """Serves ``alias.X`` as the already imported (or imported now, once) ``canonical.X``."""

    def __init__(self, alias: str, canonical: str):
        self.prefix = alias + "."
        self.canonical = canonical

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if not fullname.startswith(self.prefix):
            return None
        module = importlib.import_module(self.canonical + "." + fullname[len(self.prefix) :])
        return ModuleSpec(fullname, _Existing(module), is_package=hasattr(module, "__path__"))


class _Existing(importlib.abc.Loader):
    """A loader that hands out a module that already exists, unchanged."""

    def __init__(self, module: ModuleType):
        self.module = module

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        return self.module

    def exec_module(self, module: ModuleType) -> None:
        pass
