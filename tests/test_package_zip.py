"""The real upload ZIP: built from this repository, it passes the rules, holds exactly the run-time files,
and runs the spec's workflows from the unzipped folder alone on a Python with no third-party packages."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from skill.devtools import package

ROOT = Path(__file__).resolve().parent.parent
PYTHON39 = Path("/root/.pyenv/versions/3.9.18/bin/python3")  # used when present; CI machines may lack it
S = "bazinga_20250113_143530"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    return package.build(ROOT, out).path


def test_the_repository_builds_a_zip_that_passes_verify(built):
    report = package.verify_zip(built)
    assert report.violations == []
    assert built.stat().st_size < package.MAX_BYTES
    assert len(report.files) <= package.MAX_FILES


def expected_runtime_files() -> list[str]:
    """What should ship, worked out from the tree independently of package.collect_files."""
    found = ["SKILL.md"] + [name for name in ("LICENSE",) if (ROOT / name).is_file()]
    for top in ("scripts", "skill", "references", "prompts"):
        for path in (ROOT / top).rglob("*"):
            rel = path.relative_to(ROOT).as_posix()
            if (
                path.is_file()
                and "__pycache__" not in path.parts
                and path.suffix != ".pyc"
                and not rel.startswith("skill/devtools/")
                and rel not in ("skill/pgstore.py", "skill/pg_migrations.py")  # SQLite is the ZIP's backend
            ):
                found.append(rel)
                if path.suffix == ".py" and (top == "skill" or rel == "scripts/bazinga_db.py"):
                    found.append(
                        f"{path.parent.relative_to(ROOT).as_posix()}/__pycache__/{path.stem}.cpython-311.pyc"
                    )
    return sorted(found)


def test_the_zip_holds_exactly_the_runtime_files_under_one_folder(built):
    with zipfile.ZipFile(built) as archive:
        names = archive.namelist()
    assert names == sorted(names)
    assert {name.split("/")[0] for name in names} == {"bazinga-db"}
    assert [name.split("/", 1)[1] for name in names] == expected_runtime_files()
    assert not [n for n in names if n.startswith("bazinga-db/skill/devtools")]
    assert "bazinga-db/skill/pgstore.py" not in names and "bazinga-db/skill/storage.py" in names
    assert not [n for n in names if "/tests/" in n or n.endswith(".db")]
    assert [n for n in names if n.endswith(".pyc")] == [n for n in names if n.endswith(".cpython-311.pyc")]


def test_two_builds_of_the_repository_are_byte_identical(built, tmp_path):
    again = package.build(ROOT, tmp_path).path
    assert again.read_bytes() == built.read_bytes()


# ------------------------------------------------------------------------------ bare interpreter runs
def interpreters() -> list:
    found = [pytest.param(Path(sys.executable), id=f"python{sys.version_info[0]}.{sys.version_info[1]}")]
    if PYTHON39.is_file() and Path(sys.executable).resolve() != PYTHON39.resolve():
        found.append(pytest.param(PYTHON39, id="python3.9"))
    return found


@pytest.fixture(scope="module", params=interpreters())
def bare(request, built, tmp_path_factory) -> dict:
    """The ZIP unpacked into a new folder, and a venv created without pip or any package."""
    base = tmp_path_factory.mktemp("bare")
    with zipfile.ZipFile(built) as archive:
        archive.extractall(base / "unpacked")
    venv = base / "venv"
    subprocess.run([str(request.param), "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    probe = subprocess.run([str(python), "-I", "-c", "import yaml"], capture_output=True, text=True)
    assert probe.returncode != 0, "the bare interpreter must not see third-party packages"
    return {"python": python, "skill": base / "unpacked" / "bazinga-db", "base": base}


class Runner:
    def __init__(self, bare: dict, cwd: Path):
        self.python = bare["python"]
        self.script = bare["skill"] / "scripts" / "bazinga_db.py"
        self.cwd = cwd
        self.env = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd)}

    def __call__(
        self, *argv: str, stdin: str = "", code: int = 0, script: Path | None = None
    ) -> tuple[str, str]:
        done = subprocess.run(
            [str(self.python), "-I", str(script or self.script), *argv],
            cwd=self.cwd,
            input=stdin.encode(),
            capture_output=True,
            env=self.env,
            timeout=60,
        )
        out, err = done.stdout.decode("utf-8"), done.stderr.decode("utf-8")
        assert "Traceback" not in err, err
        assert done.returncode == code, (argv, out, err)
        return out, err

    def ok(self, *argv: str, stdin: str = "") -> str:
        out, _ = self(*argv, stdin=stdin)
        assert out.startswith("✓ ") and out.count("\n") == 1, (argv, out)
        return out

    def json(self, *argv: str):
        out, _ = self(*argv)
        return json.loads(out)


@pytest.fixture
def project(bare) -> Path:
    folder = bare["base"] / f"project-{os.urandom(4).hex()}"
    (folder / "src").mkdir(parents=True)
    return folder


def test_the_spec_workflows_run_from_the_zip_on_a_bare_interpreter(bare, project):
    """Orchestrator, PM, developer, tech lead and dashboard, as the spec's 'Usage Patterns' run them."""
    run = Runner(bare, project / "src")  # no --db: the default coordination/bazinga.db in the working folder
    out, err = run("create-session", S, "parallel", "Add user authentication with OAuth2")
    assert out == f"✓ Session created: {S}\n"
    assert err == "✓ Database auto-initialized at coordination/bazinga.db\n"
    assert (project / "src" / "coordination" / "bazinga.db").is_file()

    # Project manager
    run.ok("log-interaction", S, "pm", "Created 3 task groups: Auth, API, Tests", "1", "pm_main")
    for group, name in (
        ("group_a", "Authentication"),
        ("group_b", "API Development"),
        ("group_c", "Testing"),
    ):
        run.ok("create-task-group", group, S, name, "pending")
    run.ok("save-state", S, "pm", "-", stdin='{"mode":"parallel","iteration":1,"task_groups_created":3}')
    # Orchestrator
    run.ok("log-interaction", S, "orchestrator", "Spawning developer for group_a", "2")
    run.ok("save-state", S, "orchestrator", '{"active_agents":["developer_1"],"iteration":2}')
    run.ok("update-task-group", "group_a", "--assigned_to", "developer_1", "--status", "in_progress")
    run.ok("log-tokens", S, "developer", "15000", "developer_1")
    run.ok("log-decision", S, "spawn", '{"agent":"developer","group":"group_a"}', "2")
    # Developer
    run.ok(
        "log-interaction",
        S,
        "developer",
        "Implemented authentication controller with OAuth2",
        "5",
        "developer_1",
    )
    run.ok("update-task-group", "group_a", "--status", "completed")
    # Tech lead
    run.ok("log-interaction", S, "tech_lead", "Review: code quality good, test coverage below threshold", "6")
    run.ok("save-skill-output", S, "security_scan", '{"issues":0}')
    run.ok("save-skill-output", S, "test_coverage", '{"coverage":75,"threshold":80}')
    run.ok(
        "update-task-group", "group_a", "--last_review_status", "CHANGES_REQUESTED", "--revision_count", "1"
    )
    run.ok("log-tokens", S, "pm", "5000")
    run.ok("set-config", "skills_config", '{"security_scan":{"status":"mandatory"}}')

    # Dashboard and readers
    assert run.json("get-state", S, "pm") == {"mode": "parallel", "iteration": 1, "task_groups_created": 3}
    assert run.json("token-summary", S) == {"developer": 15000, "pm": 5000, "total": 20000}
    assert run.json("get-skill-output", S, "test_coverage") == {"coverage": 75, "threshold": 80}
    assert run.json("get-config", "skills_config") == {"security_scan": {"status": "mandatory"}}
    groups = {g["id"]: g for g in run.json("get-task-groups", S)}
    assert (groups["group_a"]["status"], groups["group_a"]["revision_count"]) == ("completed", 1)
    assert groups["group_a"]["last_review_status"] == "CHANGES_REQUESTED"
    assert [g["status"] for g in run.json("get-task-groups", S, "pending")] == ["pending", "pending"]
    snapshot = run.json("dashboard-snapshot", S)
    assert snapshot["session"]["session_id"] == S
    assert snapshot["orchestrator_state"] == {"active_agents": ["developer_1"], "iteration": 2}
    assert [log["agent_type"] for log in snapshot["recent_logs"]] == [
        "tech_lead",
        "developer",
        "orchestrator",
        "pm",
    ]
    assert [d["decision_type"] for d in run.json("get-decisions", S)] == ["spawn"]
    page, _ = run("stream-logs", S, "50", "0")
    assert page.index("Created 3 task groups") < page.index("Implemented authentication controller")
    run.ok("update-session-status", S, "completed")
    assert run.json("get-session", S)["status"] == "completed"
    assert run.json("list-sessions", "1")[0]["session_id"] == S

    # Failures stay reports, with the documented exit codes
    _, err = run("get-session", "nope", code=1)
    assert err.startswith("❌ ")
    _, err = run("update-task-group", "group_b", "--status", "finished_ish", code=2)
    assert "pending, in_progress, completed, failed" in err


def test_read_only_sql_runs_from_the_zip(bare, project):
    run = Runner(bare, project)
    run.ok("create-session", S, "simple", "x")
    run.ok("log-interaction", S, "pm", "one", "1")
    run.ok("log-interaction", S, "QA Expert", "two", "1")
    rows = run.json("query", "SELECT agent_type, COUNT(*) AS n FROM orchestration_logs GROUP BY 1 ORDER BY 1")
    assert rows == [{"agent_type": "pm", "n": 1}, {"agent_type": "qa", "n": 1}]
    _, err = run("query", "DELETE FROM sessions", code=1)
    assert err.startswith("❌ query: query refused")
    assert run.json("get-session", S)["session_id"] == S


def test_init_db_and_the_python_api_work_from_the_zip(bare, project):
    run = Runner(bare, project)
    out, _ = run("--db", "x.db", script=bare["skill"] / "scripts" / "init_db.py")
    from skill.migrations import LATEST_VERSION

    assert out == f"✓ Database created at x.db (schema version {LATEST_VERSION}, WAL mode)\n"
    code = (
        "import sys, json; sys.path.insert(0, sys.argv[1]);"
        "from bazinga_db import BazingaDB;"
        "db = BazingaDB('x.db');"
        "db.create_session('s1', 'simple', 'req'); db.log_interaction('s1', 'QA Expert', 'tests pass', 3);"
        "print(json.dumps([db.get_logs('s1')[0]['agent_type'], db.get_session('s1')['mode']]));"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('yaml', 'jsonschema', 'tabulate')))"
    )
    done = subprocess.run(
        [str(bare["python"]), "-I", "-c", code, str(bare["skill"] / "scripts")],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == '["qa", "simple"]\n[]\n'


# ---------------------------------------------------------------------------- the same, in words
def _templates():
    from test_docs_templates import templates

    return templates


def test_the_role_templates_run_as_requests_from_the_zip(bare, project):
    """The spec's workflows again, as the per-role request templates, filled and sent to `request`."""
    with open(bare["skill"] / "prompts" / "commands.json", encoding="utf-8") as file:
        if "request" not in json.load(file)["commands"]:
            pytest.skip("the request command has not landed")
    templates = _templates()
    run = Runner(bare, project)
    by_role = {
        role: templates(role) for role in ("orchestrator", "pm", "developer", "qa", "tech_lead", "dashboard")
    }
    start, *orchestrating, close = by_role["orchestrator"]
    steps = [
        start,
        *by_role["pm"],
        *orchestrating,
        *by_role["developer"],
        *by_role["qa"],
        *by_role["tech_lead"],
        *by_role["dashboard"],
        close,
    ]
    assert [t.command for t in steps][:2] == [
        "create-session",
        "log-interaction",
    ] and close.command.startswith("update-")
    replies = {}
    for step in steps:
        out, err = run("request", step.filled())
        assert out.strip(), (step, err)
        replies.setdefault(step.command, []).append(out)
    # the replies of the spec's scenarios 1-3
    assert replies["create-session"][0].splitlines()[:2] == [
        "✓ Database auto-initialized at coordination/bazinga.db",
        f"✓ Session created: {S}",
    ]
    assert replies["log-interaction"][0].startswith(
        f"✓ Logged PM interaction for session {S} (iteration 1)\n"
    )
    assert replies["save-state"][0].startswith(f"✓ Saved PM state for session {S}\n")
    # what the requests stored, read back through the commands
    group = run.json("get-task-groups", S, "--group", "group_a")[0]
    assert (group["status"], group["assigned_to"]) == ("completed", "developer_1")
    assert (group["last_review_status"], group["revision_count"]) == ("CHANGES_REQUESTED", 1)
    assert run.json("get-session", S)["status"] == "completed"
    assert run.json("token-summary", S) == {"developer": 15000, "total": 15000}
    assert run.json("get-skill-output", S, "security_scan") == {"issues": 0}
    assert run.json("get-state", S, "orchestrator") == {"active_agents": ["developer_1"], "iteration": 2}
    agents = [log["agent_type"] for log in run.json("get-logs", S)]
    assert agents == ["tech_lead", "qa", "developer", "orchestrator", "pm"]
    assert [d["decision_type"] for d in run.json("get-decisions", S)] == ["spawn"]
    # and a request with a placeholder left in is refused, with nothing written
    out, err = run("request", by_role["developer"][0].text, code=2)
    assert out == "" and err.startswith("❌ ")
    assert len(run.json("get-logs", S)) == 5


# ------------------------------------------------------------------------ cold start: shipped bytecode
def _python_311() -> str | None:
    if sys.version_info[:2] == package.BYTECODE_PYTHON:
        return sys.executable
    return shutil.which("python3.11")


def test_python_3_11_runs_the_zip_from_its_bytecode_and_writes_none(built, tmp_path):
    """The upload runtime compiles nothing the ZIP ships and writes no cache, even in a writable folder."""
    python = _python_311()
    if python is None:
        pytest.skip("no Python 3.11 here")
    with zipfile.ZipFile(built) as archive:
        archive.extractall(tmp_path / "unpacked")
    skill = tmp_path / "unpacked" / "bazinga-db"
    before = sorted(p.relative_to(skill) for p in skill.rglob("*"))
    calls = [
        [skill / "scripts" / "bazinga_db.py", "--db", tmp_path / "x.db", "create-session", S, "simple", "r"],
        [skill / "scripts" / "bazinga_db.py", "--db", tmp_path / "x.db", "log-interaction", S, "pm", "hi"],
        [skill / "scripts" / "bazinga_db.py", "--db", tmp_path / "x.db", "get-session", S],
        [skill / "scripts" / "init_db.py", tmp_path / "x.db"],
        [
            "-c",
            f"import sys; sys.path.insert(0, {str(skill / 'scripts')!r}); "
            "import bazinga_db; bazinga_db.BazingaDB",
        ],
    ]
    loaded = set()
    for argv in calls:
        done = subprocess.run(
            [python, "-v", *map(str, argv)], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr[-2000:]
        for line in done.stderr.splitlines():
            if line.startswith("# code object from") and str(skill) in line:
                loaded.add(line.split(str(skill) + "/")[1].rstrip("'"))
    assert [name for name in loaded if not name.endswith(".cpython-311.pyc")] == []  # nothing compiled
    assert {"skill/__pycache__/api.cpython-311.pyc", "skill/__pycache__/cli.cpython-311.pyc"} <= loaded
    assert "scripts/__pycache__/bazinga_db.cpython-311.pyc" in loaded  # imported by init_db.py and the API
    assert sorted(p.relative_to(skill) for p in skill.rglob("*")) == before  # nothing written


def test_a_postgresql_url_in_the_zip_says_it_is_sqlite_only(built, tmp_path):
    """The upload package ships no PostgreSQL backend: a URL gets a clear report, never a traceback."""
    with zipfile.ZipFile(built) as archive:
        archive.extractall(tmp_path)
    done = subprocess.run(
        [
            sys.executable,
            "-S",
            str(tmp_path / "bazinga-db" / "scripts" / "bazinga_db.py"),
            "--db",
            "postgresql://bob:secret@127.0.0.1:1/x",
            "list-sessions",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith(
        "❌ list-sessions: this copy of bazinga-db has no PostgreSQL backend, so it cannot open "
        "postgresql://bob:***@127.0.0.1:1/x"
    )
    assert "secret" not in done.stderr
