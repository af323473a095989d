"""Shared fixtures: every test gets its own database under tmp_path; CLI results are normalised."""

from __future__ import annotations

import datetime
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "bazinga_db.py"
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from skill import cli  # noqa: E402
from skill.api import BazingaDB  # noqa: E402


def _recent_dates() -> str:
    today = datetime.datetime.now(datetime.timezone.utc).date()
    days = [today + datetime.timedelta(days=n) for n in (-1, 0, 1)]
    return "|".join(day.isoformat() for day in days)


# Only times of the test run itself are replaced: example times inside messages stay as written.
_TIME = re.compile(rf"(?:{_recent_dates()})[T ]\d{{2}}:\d{{2}}:\d{{2}}(?:\.\d+)?Z?")


class Result(NamedTuple):
    stdout: str
    stderr: str
    code: int

    def normalised(self, tmp: Path | None = None) -> Result:
        return Result(normalise(self.stdout, tmp), normalise(self.stderr, tmp), self.code)


def normalise(text: str, tmp: Path | None = None) -> str:
    """Replace what changes from run to run (times, temporary paths); never the message itself."""
    if tmp is not None:
        text = text.replace(str(tmp), "<TMP>")
    return _TIME.sub("<TIME>", text)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the default database at tmp_path and work from there; no test sees another's files."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BAZINGA_DB_PATH", str(tmp_path / "coordination" / "bazinga.db"))
    monkeypatch.delenv("BAZINGA_AUTO_CREATE_SESSION", raising=False)
    return tmp_path


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "coordination" / "bazinga.db"


@pytest.fixture
def notices() -> list:
    """The notices the `db` fixture's store reported, in order (BazingaDB's on_notice callback)."""
    return []


@pytest.fixture
def db(db_path: Path, notices: list):
    database = BazingaDB(db_path, on_notice=notices.append)
    yield database
    database.close()


@pytest.fixture
def run_cli(tmp_path: Path):
    """Run the CLI in-process: run_cli("create-session", "s1", ...) -> normalised Result."""

    def invoke(*argv: str, stdin: str = "", env: dict | None = None, raw: bool = False) -> Result:
        out, err = io.StringIO(), io.StringIO()
        environment = dict(os.environ)
        environment.update(env or {})
        code = cli.run(list(argv), io.StringIO(stdin), out, err, env=environment, cwd=str(tmp_path))
        result = Result(out.getvalue(), err.getvalue(), code)
        return result if raw else result.normalised(tmp_path)

    return invoke


def run_script(
    *argv: str, cwd: Path, stdin: bytes | None = None, env: dict | None = None, script: Path = SCRIPT
) -> Result:
    """Run the real script in a subprocess, as an agent's Bash tool does."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}
    environment.update(env or {})
    done = subprocess.run(
        [sys.executable, str(script), *argv],
        cwd=cwd,
        input=stdin or b"",
        capture_output=True,
        env=environment,
        timeout=120,
    )
    return Result(done.stdout.decode("utf-8"), done.stderr.decode("utf-8"), done.returncode)
