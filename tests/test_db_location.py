"""Where the database is: init_db.py takes --db like the commands, and a missing folder is made only for
the default location (coordination/bazinga.db); any other missing folder is a ❌ that names it, exit 1,
with nothing created — on the command line, in init_db.py and in the Python API alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SCRIPT, run_script

from skill.api import BazingaDB
from skill.errors import DatabaseUnusable

INIT = SCRIPT.parent / "init_db.py"


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# -- init_db.py --db -------------------------------------------------------------------------------------
@pytest.mark.parametrize("argv", [["--db", "a.db"], ["--db=a.db"], ["a.db"], ["--", "a.db"]])
def test_init_db_takes_the_database_as_the_commands_do(tmp_path, argv):
    result = run_script(*argv, cwd=tmp_path, script=INIT)
    assert result == ("✓ Database created at a.db (schema version 2, WAL mode)\n", "", 0)
    listed = run_script("--db", "a.db", "list-sessions", cwd=tmp_path)
    assert listed == ("[]\n", "", 0)


def test_init_db_without_a_path_resolves_like_the_commands(tmp_path):
    (tmp_path / "proj" / "coordination").mkdir(parents=True)
    (tmp_path / "proj" / "src").mkdir()
    assert run_script(cwd=tmp_path / "proj", script=INIT).code == 0  # ./coordination/bazinga.db
    again = run_script(cwd=tmp_path / "proj" / "src", script=INIT)  # the nearest one, walking up
    assert again.stdout.startswith("✓ Database at ") and "up to date" in again.stdout
    assert again.stdout.split()[3].endswith("proj/coordination/bazinga.db")
    from_env = run_script(cwd=tmp_path, script=INIT, env={"BAZINGA_DB_PATH": str(tmp_path / "env.db")})
    assert from_env.code == 0 and (tmp_path / "env.db").exists()


def test_init_db_takes_a_postgresql_url(backend_location, tmp_path):
    if "://" not in backend_location:
        pytest.skip("the URL half")
    result = run_script("--db", backend_location, cwd=tmp_path, script=INIT)
    assert result.code == 0 and result.stdout.startswith("✓ Database created at postgresql://"), result
    assert "WAL" not in result.stdout
    again = run_script(f"--db={backend_location}", cwd=tmp_path, script=INIT)
    assert again.code == 0 and "is up to date (schema version" in again.stdout


@pytest.mark.parametrize(
    "argv",
    [["--db"], ["--db", "a.db", "b.db"], ["--db=a.db", "--db", "b.db"], ["-"]],
    ids=["no-value", "db-and-path", "db-twice", "dash"],
)
def test_init_db_usage_errors(tmp_path, argv, snapshot):
    result = run_script(*argv, cwd=tmp_path, script=INIT)
    assert result.code == 2 and result.stdout == ""
    assert result == snapshot
    assert tree(tmp_path) == []


# -- a missing folder --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "argv",
    [
        ["--db", "no/such/x.db", "create-session", "s1", "simple", "r"],
        ["--db", "missing/x.db", "create-session", "s1", "simple", "r"],
        ["--db", "elsewhere/coordination/bazinga.db", "create-session", "s1", "simple", "r"],
    ],
    ids=["two-levels", "one-level", "default-layout-in-a-missing-folder"],
)
def test_a_missing_folder_is_named_and_nothing_is_created(tmp_path, argv, snapshot):
    result = run_script(*argv, cwd=tmp_path)
    assert result.code == 1 and result.stdout == ""
    assert result == snapshot
    assert tree(tmp_path) == []


def test_a_read_creates_nothing_either(tmp_path):
    result = run_script("--db", "no/such/x.db", "list-sessions", cwd=tmp_path)
    assert result == ("[]\n", "⚠ no database at no/such/x.db yet: nothing is stored\n", 0)
    assert tree(tmp_path) == []


def test_the_same_through_init_db_and_an_environment_variable(tmp_path, snapshot):
    by_init = run_script("--db", "no/such/x.db", cwd=tmp_path, script=INIT)
    by_env = run_script(
        "log-interaction", "s1", "pm", "x", cwd=tmp_path, env={"BAZINGA_DB_PATH": "gone/x.db"}
    )
    assert (by_init.code, by_env.code) == (1, 1)
    assert [by_init, by_env] == snapshot
    assert tree(tmp_path) == []


def test_the_default_location_gets_its_folder(tmp_path):
    made = run_script("create-session", "s1", "simple", "r", cwd=tmp_path)
    assert made.code == 0 and made.stderr == "✓ Database auto-initialized at coordination/bazinga.db\n"
    named = run_script("--db", "coordination/bazinga.db", "get-session", "s1", cwd=tmp_path)
    assert json.loads(named.stdout)["session_id"] == "s1"
    (tmp_path / "other").mkdir()
    explicit = run_script(
        "--db", "other/coordination/bazinga.db", "create-session", "s2", "simple", "r", cwd=tmp_path
    )
    assert explicit.code == 0 and (tmp_path / "other" / "coordination" / "bazinga.db").exists()


def test_the_api_raises_and_creates_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # messages show paths relative to the working directory
    with BazingaDB(tmp_path / "no" / "such" / "x.db") as db:
        with pytest.raises(DatabaseUnusable) as caught:
            db.create_session("s1", "simple", "r")
    assert caught.value.code == "missing_folder"
    assert caught.value.message == (
        "cannot create the database no/such/x.db: its folder no/such does not exist (no is missing)"
    )
    assert "the location given to BazingaDB()" in caught.value.hint
    assert tree(tmp_path) == []
    with BazingaDB(tmp_path / "coordination" / "bazinga.db") as db:
        assert db.create_session("s1", "simple", "r")["session_id"] == "s1"
