"""The project installs: a wheel built from this repository gives the `bazinga-db` command and
`from bazinga_db import BazingaDB` in a fresh venv (pip, uv tool, pipx), and the library imports inside a
host application that has its own top-level `skill` package, from the wheel and from the skill folder's
scripts/. One process never holds two copies of the code (tests and devtools import `skill`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# What a source distribution carries (MANIFEST.in): the wheel is built from a copy holding only these, so
# nothing an earlier build left in the checkout (build/, *.egg-info) can leak into it.
SOURCE = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE", "scripts", "skill", "prompts")

# The suite's autouse fixture points $BAZINGA_DB_PATH at its tmp_path; an installed command must find its own.
CLEAN_ENV = {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}
CLEAN_ENV["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"

pytestmark = pytest.mark.slow


def run(argv: list, cwd: Path, *, code: int = 0, stdin: str = "", env: dict | None = None):
    done = subprocess.run(
        [str(a) for a in argv],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        env={**CLEAN_ENV, **(env or {})},
    )
    assert done.returncode == code, (argv, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in SOURCE:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", out, "."], source)
    (found,) = out.glob("bazinga_db-*.whl")
    return found


def test_the_wheel_holds_the_skill_folder_as_the_package_bazinga_db(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        init = archive.read("bazinga_db/__init__.py")
        entry_points = archive.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    code = {n for n in names if not n.startswith("bazinga_db-")}
    expected = {"bazinga_db/__init__.py"}
    for path in (ROOT / "skill").rglob("*"):
        rel = path.relative_to(ROOT).as_posix()
        if path.is_file() and "__pycache__" not in path.parts and not rel.startswith("skill/devtools/"):
            expected.add("bazinga_db/" + rel)
    expected |= {"bazinga_db/" + p.relative_to(ROOT).as_posix() for p in (ROOT / "prompts").rglob("*.*")}
    assert code == expected
    assert init == (ROOT / "scripts" / "bazinga_db.py").read_bytes()  # one facade, two roles
    assert "bazinga-db = bazinga_db:main" in entry_points


def _fresh_venv(base: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(base)], check=True, timeout=120)
    return base / "bin"


API = textwrap.dedent(
    """
    import json, sys
    from bazinga_db import BazingaDB, errors
    db = BazingaDB("coordination/bazinga.db")
    db.log_interaction("s1", "QA Expert", "tests pass", 2)
    try:
        db.get_session("nope")
    except errors.NotFound as error:
        caught = error.code
    print(json.dumps([db.get_logs("s1")[0]["agent_type"], caught]))
    print(sorted(m for m in sys.modules if m.split(".")[0] in ("skill", "yaml", "jsonschema")))
    """
)


def _check_command_and_api(bin_dir: Path, command: Path, project: Path) -> None:
    """The console command writes and reads; a bad command line is a ❌ report (exit 2); the API reads it."""
    project.mkdir()
    done = run([command, "create-session", "s1", "parallel", "Add OAuth2"], project)
    assert done.stdout == "✓ Session created: s1\n"
    assert done.stderr == "✓ Database auto-initialized at coordination/bazinga.db\n"
    done = run([command, "get-session", "s1"], project)
    assert json.loads(done.stdout)["mode"] == "parallel"
    done = run([command, "update-task-group", "group_a", "--status", "finished_ish"], project, code=2)
    assert done.stdout == "" and done.stderr.startswith("❌ ")
    done = run([bin_dir / "python", "-c", API], project)
    assert done.stdout == '["qa", "session_not_found"]\n[]\n'


def _pip_install(wheel: Path, folder: Path) -> Path:
    """A fresh venv (no pip of its own) with the wheel installed by this pip; its bin/."""
    bin_dir = _fresh_venv(folder)
    run(
        [sys.executable, "-m", "pip", "--python", bin_dir / "python", "install", "--no-index", wheel],
        folder.parent,
    )
    return bin_dir


def test_pip_installs_the_wheel_into_a_fresh_venv(wheel, tmp_path):
    bin_dir = _pip_install(wheel, tmp_path / "venv")
    _check_command_and_api(bin_dir, bin_dir / "bazinga-db", tmp_path / "project")


@pytest.mark.parametrize("tool", ["uv", "pipx"])
def test_uv_tool_install_and_pipx_install(tool, wheel, tmp_path):
    """Each tool in a home of its own under tmp_path, offline, with this interpreter (no download)."""
    home = tmp_path / tool
    if tool == "uv":
        env = {"UV_TOOL_DIR": "tools", "UV_TOOL_BIN_DIR": "bin", "UV_CACHE_DIR": "cache"}
        argv = ["tool", "install", "--offline", "--python", sys.executable, wheel]
        venv = home / "tools" / "bazinga-db"
    else:
        env = {"PIPX_HOME": "home", "PIPX_BIN_DIR": "bin", "PIPX_MAN_DIR": "man"}
        argv = ["install", "--python", sys.executable, "--pip-args=--no-index", wheel]
        venv = home / "home" / "venvs" / "bazinga-db"
    env = {name: str(home / folder) for name, folder in env.items()}
    run([BIN / tool, *argv], tmp_path, env={**env, "UV_PYTHON_DOWNLOADS": "never"})
    _check_command_and_api(venv / "bin", home / "bin" / "bazinga-db", tmp_path / "project")


# ------------------------------------------------------------------------- a host app with its own `skill`
HOST_APP = textwrap.dedent(
    """
    import json, sys
    {path_setup}
    import skill                         # the host's own package, imported first
    from skill.api import handle         # a host module named like one of ours
    from bazinga_db import BazingaDB
    import bazinga_db
    db = BazingaDB("app.db")
    db.create_session("s1", "simple", "host app")
    try:
        db.update_task_group("nope", session_id="s1", status="completed")
    except bazinga_db.errors.NotFound as error:
        caught = type(error).__module__
    import skill as again
    print(json.dumps({{
        "host": [skill.NAME, handle(), again is skill, skill.__file__.startswith(sys.argv[1])],
        "ours": [type(db).__module__, caught, db.get_session("s1")["mode"]],
    }}))
    """
)


def _host_app(folder: Path) -> Path:
    (folder / "skill").mkdir(parents=True)
    (folder / "skill" / "__init__.py").write_text('NAME = "host skill"\n')
    (folder / "skill" / "api.py").write_text("def handle():\n    return 'host api'\n")
    return folder


def _check_host(python: Path, folder: Path, path_setup: str) -> None:
    script = folder / "app.py"
    script.write_text(HOST_APP.format(path_setup=path_setup))
    done = run([python, "-I", script, str(folder)], folder)
    assert json.loads(done.stdout) == {
        "host": ["host skill", "host api", True, True],
        "ours": ["bazinga_db.skill.api", "bazinga_db.skill.errors", "simple"],
    }


def test_a_host_app_with_its_own_skill_package_imports_the_wheel(wheel, tmp_path):
    bin_dir = _pip_install(wheel, tmp_path / "venv")
    folder = _host_app(tmp_path / "app")
    _check_host(bin_dir / "python", folder, "sys.path.insert(0, sys.argv[1])")


def test_a_host_app_with_its_own_skill_package_imports_the_skill_folder(tmp_path):
    folder = _host_app(tmp_path / "app")
    scripts = ROOT / "scripts"
    _check_host(Path(sys.executable), folder, f"sys.path[:0] = [sys.argv[1], {str(scripts)!r}]")


# ------------------------------------------------------------------------------ one copy per process
ONE_COPY = textwrap.dedent(
    """
    import json, sys
    sys.path[:0] = [sys.argv[1], sys.argv[1] + "/scripts"]
    if sys.argv[2] == "skill first":
        from skill.errors import NotFound
        import bazinga_db
        db = bazinga_db.BazingaDB("x.db")
    else:
        import bazinga_db
        db = bazinga_db.BazingaDB("x.db")
        from skill.errors import NotFound
    from skill.api import BazingaDB
    import bazinga_db.skill.cli, skill.cli
    try:
        db.get_session("nope")
        caught = False
    except NotFound:
        caught = True
    loaded = {}
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if file and file.startswith(sys.argv[1]):
            loaded.setdefault(file, set()).add(id(module))
    print(json.dumps({
        "same class": bazinga_db.BazingaDB is BazingaDB,
        "same module": bazinga_db.skill.cli is skill.cli,
        "caught": caught,
        "loaded twice": sorted(f for f, ids in loaded.items() if len(ids) > 1),
    }))
    """
)


@pytest.mark.parametrize("order", ["skill first", "bazinga_db first"])
def test_one_process_holds_one_copy_whichever_name_comes_first(order, tmp_path):
    done = run([sys.executable, "-c", ONE_COPY, str(ROOT), order], tmp_path)
    assert json.loads(done.stdout) == {
        "same class": True,
        "same module": True,
        "caught": True,
        "loaded twice": [],
    }
