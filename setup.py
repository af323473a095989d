"""The wheel's layout, which pyproject.toml alone cannot say: the skill folder becomes the package bazinga_db.

    bazinga_db/__init__.py   scripts/bazinga_db.py (the same file: command line and ``BazingaDB``)
    bazinga_db/skill/        skill/ without skill/devtools (development tools stay out, as in the upload ZIP),
                             with its data: the payload schemas, the dashboard's assets
    bazinga_db/prompts/      prompts/ (the vocabulary, read at run time)

So the installed code keeps the skill folder's layout, under the private name ``bazinga_db.skill``.
An editable install (``pip install -e .``) puts scripts/ on sys.path instead: there ``bazinga_db`` is
scripts/bazinga_db.py, which finds the skill folder itself, as it does in the upload ZIP.
Metadata and the console script are in pyproject.toml.
"""

import json
import os
import shutil
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
# The one version: the vocabulary's, which `bazinga_db.py --version` prints (pyproject.toml: dynamic).
with open(os.path.join(HERE, "prompts", "commands.json"), encoding="utf-8") as vocabulary:
    VERSION = json.load(vocabulary)["version"]


class BuildPy(build_py):
    """build_py, plus the two parts of the skill folder that are not a package directory of their own."""

    def run(self) -> None:
        # pip builds in the source tree: a module removed since the last build must not linger in build/.
        shutil.rmtree(os.path.join(self.build_lib, "bazinga_db"), ignore_errors=True)
        super().run()
        package = os.path.join(self.build_lib, "bazinga_db")
        self.copy_file(os.path.join(HERE, "scripts", "bazinga_db.py"), os.path.join(package, "__init__.py"))
        self.copy_tree(os.path.join(HERE, "prompts"), os.path.join(package, "prompts"))


if "editable_wheel" in sys.argv:  # PEP 660 editable install: a .pth naming scripts/
    setup(version=VERSION, py_modules=["bazinga_db"], package_dir={"": "scripts"}, packages=[])
else:
    setup(
        version=VERSION,
        cmdclass={"build_py": BuildPy},
        packages=["bazinga_db.skill", "bazinga_db.skill.handlers", "bazinga_db.skill.reader"],
        package_dir={"bazinga_db.skill": "skill"},
        package_data={
            "bazinga_db.skill": ["schemas/*.json"],
            "bazinga_db.skill.handlers": ["dashboard_assets/*"],
            "bazinga_db.skill.reader": ["regex_code.bin"],
        },
        include_package_data=False,  # only the data named here, whatever an old build left in SOURCES.txt
    )
