"""Smaller failures of issue 12 (items 11 and 13): reads in a folder the user cannot write, a foreign
PRAGMA user_version, `-` for requirements, legacy files that are not files."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT

SAMPLE = Path(__file__).parent / "legacy_sample" / "sample-coordination"


# -- reads wherever the file is readable (item 11) ---------------------------------------------------------
def _unprivileged() -> list[str] | None:
    """A command prefix running as a user the folder's mode applies to (root ignores 0555), or None."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]


@pytest.fixture
def readable_only_folder():
    """A copy of the skill and a database in a folder of mode 0555, both readable by an ordinary user."""
    prefix = _unprivileged()
    if prefix is None:
        pytest.skip("running as root without setpriv: a 0555 folder would not stop root")
    top = Path(tempfile.mkdtemp(prefix="bazinga-ro-"))
    try:
        os.chmod(top, 0o755)
        for part in ("scripts", "skill", "prompts"):
            shutil.copytree(
                ROOT / part, top / "skill-copy" / part, ignore=shutil.ignore_patterns("__pycache__")
            )
        folder = top / "data"
        folder.mkdir()
        script = top / "skill-copy" / "scripts" / "bazinga_db.py"
        env = {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        for argv in (["create-session", "s_1", "simple", "x"], ["log-interaction", "s_1", "pm", "hello"]):
            subprocess.run(
                [sys.executable, str(script), "--db", str(folder / "b.db"), *argv], env=env, check=True
            )
        for path in top.rglob("*"):
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        os.chmod(folder, 0o555)
        python = next(
            (
                candidate
                for candidate in (sys.executable, "/usr/bin/python3", shutil.which("python3"))
                if candidate
                and subprocess.run([*prefix, candidate, "-c", "pass"], capture_output=True).returncode == 0
            ),
            None,
        )
        if python is None:
            pytest.skip("no Python interpreter the unprivileged user may run")
        yield [*prefix, python, str(script), "--db", str(folder / "b.db")], env, folder
    finally:
        os.chmod(top / "data", 0o755) if (top / "data").exists() else None
        shutil.rmtree(top, ignore_errors=True)


@pytest.mark.slow
def test_reads_work_in_a_folder_the_user_cannot_write(readable_only_folder):
    base, env, folder = readable_only_folder
    for argv, check in (
        (["get-session", "s_1"], lambda out: json.loads(out)["session_id"] == "s_1"),
        (["get-logs", "s_1"], lambda out: [e["content"] for e in json.loads(out)] == ["hello"]),
        (["query", "SELECT COUNT(*) AS n FROM sessions"], lambda out: json.loads(out) == [{"n": 1}]),
        (["check"], lambda out: json.loads(out)["journal_mode"] == "wal" and json.loads(out)["advice"] == []),
        (["export-session", "s_1"], lambda out: json.loads(out)["session"]["session_id"] == "s_1"),
    ):
        done = subprocess.run([*base, *argv], capture_output=True, env=env)
        assert done.returncode == 0, (argv, done.stderr.decode())
        assert check(done.stdout.decode()), argv
    write = subprocess.run([*base, "log-interaction", "s_1", "pm", "no"], capture_output=True, env=env)
    assert write.returncode == 1 and "permissions" in write.stderr.decode()
    assert sorted(os.listdir(folder)) == ["b.db"], "nothing was created beside it"


# -- a foreign PRAGMA user_version (item 13) ---------------------------------------------------------------
def test_a_negative_user_version_is_refused_and_left_alone(run_cli, db_path, snapshot):
    assert run_cli("create-session", "s_1", "simple", "x").code == 0
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA user_version = -1")
    conn.close()
    before = db_path.read_bytes()
    write = run_cli("log-interaction", "s_1", "pm", "x")
    read = run_cli("get-session", "s_1")
    check = run_cli("check")
    assert (write, read, check.code) == snapshot
    assert "table token_totals already exists" not in write.stderr
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == -1
    assert conn.execute("SELECT COUNT(*) FROM orchestration_logs").fetchone()[0] == 0
    conn.close()
    assert len(before) == len(db_path.read_bytes())


# -- `-` reads standard input for every long text (item 13) ------------------------------------------------
def test_requirements_and_group_names_read_standard_input(run_cli):
    assert run_cli("create-session", "s_1", "simple", "-", stdin="Requirements from a pipe\n").code == 0
    assert (
        json.loads(run_cli("get-session", "s_1").stdout)["original_requirements"]
        == "Requirements from a pipe\n"
    )
    assert run_cli("create-task-group", "g_1", "s_1", "-", stdin="Name from a pipe").code == 0
    assert json.loads(run_cli("get-task-groups", "s_1").stdout)[0]["name"] == "Name from a pipe"


# -- legacy files that are not files (item 13) -------------------------------------------------------------
def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _folder(path: Path) -> None:
    path.mkdir()


def _loop(path: Path) -> None:
    os.symlink(path.name, path)


def _dev_zero(path: Path) -> None:
    os.symlink("/dev/zero", path)


@pytest.mark.parametrize(
    "make", [_fifo, _folder, _loop, _dev_zero], ids=["fifo", "folder", "loop", "dev-zero"]
)
@pytest.mark.parametrize("name", ["pm_state.json", "orchestration-log.md"])
def test_a_legacy_file_that_is_not_a_file_is_a_problem_not_a_skip(make, name, run_cli, tmp_path):
    folder = tmp_path / "legacy"
    shutil.copytree(SAMPLE, folder)
    (folder / name).unlink()
    make(folder / name)
    assert not stat.S_ISREG(os.lstat(folder / name).st_mode)
    result = run_cli("import-files", str(folder))
    assert result.code == 1, result
    assert result.stdout == "" and "✓" not in result.stderr
    assert f"{name}: is " in result.stderr and "not a file" in result.stderr
    assert run_cli("list-sessions").stdout.strip() == "[]"
