"""The common path imports nothing heavy: a guard for start-up time that needs no timing.

Each agent call is a new process, so every module imported on the way costs every call (typing ~2 ms,
pathlib ~2.5 ms against an interpreter start of ~13 ms; see docs/performance.md). These tests run a command
in a fresh interpreter started with -S (no site hooks that would preload modules) and list what it imported.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys

import pytest
from conftest import ROOT

# Modules that plain commands must not import (each is a measurable share of a call's start-up).
HEAVY = {
    "typing",
    "pathlib",
    "difflib",
    "argparse",
    "logging",
    "inspect",
    "dataclasses",
    "ast",
    "subprocess",
    "tempfile",
    "shutil",
    "zipfile",
    "urllib",
    "ipaddress",
    "importlib.resources",
    "contextlib",
}
# Skill modules only some commands need.
OPTIONAL = {
    "skill.validation",
    "skill.jsonschema_lite",
    "skill.reader",
    "skill.handlers.request",
    "skill.readonly",
    "skill.handlers.batch",
    "skill.initdb",
    # the PostgreSQL backend and every candidate driver: only a postgresql:// URL loads them
    "skill.pgstore",
    "skill.pg_migrations",
    "psycopg2",
    "psycopg",
    "pg8000",
}

PROBE = """
import io, json, sys
sys.path.insert(0, {root!r})
from skill import cli
argv = json.loads(sys.argv[1])
out, err = io.StringIO(), io.StringIO()
code = cli.run(argv, io.StringIO(sys.argv[2]), out, err, env={{}}, cwd={cwd!r})
print(json.dumps({{"code": code, "err": err.getvalue(), "modules": sorted(sys.modules)}}))
"""


def _imported(tmp_path, *argv: str, stdin: str = "", db: str | None = None, site: bool = False) -> set:
    db = db or str(tmp_path / "bazinga.db")
    code = PROBE.format(root=str(ROOT), cwd=str(tmp_path))
    done = subprocess.run(
        [sys.executable, *([] if site else ["-S"]), "-c", code, json.dumps(["--db", db, *argv]), stdin],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["code"] == 0, report["err"]
    return set(report["modules"])


@pytest.fixture
def session(tmp_path):
    _imported(tmp_path, "create-session", "s1", "parallel", "Start-up guard")
    return tmp_path


PLAIN = {
    "get-session": ["get-session", "s1"],
    "list-sessions": ["list-sessions"],
    "log-interaction": ["log-interaction", "s1", "pm", "hello", "1"],
    "log-tokens": ["log-tokens", "s1", "pm", "100"],
    "token-summary": ["token-summary", "s1"],
    "stream-logs": ["stream-logs", "s1"],
    "get-logs": ["get-logs", "s1", "--limit", "5"],
    "update-session-status": ["update-session-status", "s1", "active"],
    "dashboard-snapshot": ["dashboard-snapshot", "s1"],
}


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_plain_commands_import_nothing_heavy(session, name):
    modules = _imported(session, *PLAIN[name])
    assert modules & HEAVY == set()
    assert modules & OPTIONAL == set()


# What a request (the reader's path) is kept from: each was measured at 0.2-0.3 ms of its start-up.
REQUEST_AVOIDS = {"shlex", "importlib", "warnings"}


def test_a_request_that_writes_imports_nothing_heavy(session):
    # the "ran:" line quotes like shlex.quote (formatting.shell_quote); handlers load without importlib
    text = "bazinga-db, please log this PM interaction:\nSession ID: s1\nAgent Type: pm\nContent: 'a' plan"
    modules = _imported(session, "request", text)
    assert "skill.reader" in modules
    assert modules & (HEAVY | REQUEST_AVOIDS) == set()


def test_batch_imports_nothing_heavy(session):
    line = json.dumps(
        {"command": "log-interaction", "args": {"session_id": "s1", "agent_type": "pm", "content": "hi"}}
    )
    modules = _imported(session, "batch", stdin=line + "\n")
    assert modules & HEAVY == set()
    assert modules & OPTIONAL == {"skill.handlers.batch"}


def test_payload_commands_load_validation_only_then(session):
    modules = _imported(session, "save-state", "s1", "pm", '{"iteration": 1}')
    assert "skill.validation" in modules
    assert (
        modules & {"pathlib", "difflib", "skill.reader", "skill.handlers.request", "skill.readonly"} == set()
    )


# ------------------------------------------------------------------------------ the start-up path rule
# Start-up tricks (a `TYPE_CHECKING = False` preamble instead of importing typing, imports inside functions,
# os._exit) are kept to the modules a per-call command with a start-up target imports (bench_startup.py):
# the plain commands' chain, and what save-state, query, check, request, batch and init_db.py add to it.
# Everywhere else plain top-level imports are the rule (docs/architecture.md, "The start-up path").
START_UP_PATH = {
    "get-session": (
        ["get-session", "s1"],
        {
            "skill",
            "skill.cli",
            "skill.context",
            "skill.errors",
            "skill.vocabulary",
            "skill.formatting",
            "skill.inputs",
            "skill.timeutil",
            "skill.handlers",
            "skill.handlers.operations",
            "skill.api",
            "skill.storage",
            "skill.migrations",
        },
    ),
    "save-state": (
        ["save-state", "s1", "pm", '{"iteration": 1}'],
        {"skill.validation", "skill.jsonschema_lite", "skill.jsonstrict"},
    ),
    "query": (["query", "SELECT 1 AS one"], {"skill.readonly"}),
    "check": (["check"], {"skill.maintenance"}),
    "request": (
        ["request", "--dry-run", "bazinga-db, get the session s1"],
        {
            "skill.handlers.request",
            "skill.reader",
            "skill.reader.documented",
            "skill.reader.lexicon",
            "skill.reader.normalise",
            "skill.reader.locate",
            "skill.reader.split",
            "skill.reader.intent",
            "skill.reader.slots",
            "skill.reader.coverage",
            "skill.reader.convert",
            "skill.reader.regex_cache",
        },
    ),
}
INIT_DB = {"skill.initdb"}  # scripts/init_db.py (measured by bench_startup.py too)


@pytest.mark.parametrize("command", sorted(START_UP_PATH))
def test_the_start_up_path_is_what_these_commands_import(session, command):
    argv, modules = START_UP_PATH[command]
    assert modules <= _imported(session, *argv)


def _module_name(path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_start_up_tricks_stay_on_the_start_up_path():
    import ast

    allowed = (
        {m for _, modules in START_UP_PATH.values() for m in modules} | INIT_DB | {"skill.handlers.batch"}
    )
    # the reader's functions few requests reach: on the start-up path of the requests that need them
    allowed |= {f"skill.reader.{p.stem}" for p in (ROOT / "skill" / "reader").glob("*_rare.py")}
    offenders = []
    for path in sorted((ROOT / "skill").rglob("*.py")):
        name = _module_name(path)
        if name.startswith("skill.devtools") or name in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        nested = [
            node.lineno
            for function in ast.walk(tree)
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
            for node in ast.walk(function)
            if isinstance(node, (ast.Import, ast.ImportFrom))
        ]
        if "TYPE_CHECKING = False" in text or "os._exit(" in text or nested:
            offenders.append((name, nested))
    assert offenders == []


@pytest.mark.postgres
def test_a_postgresql_url_loads_its_backend_and_one_driver_only(tmp_path, pg_url):
    # with site-packages (where the optional driver is installed)
    _imported(tmp_path, "create-session", "s1", "parallel", "Start-up guard", db=pg_url, site=True)
    modules = _imported(tmp_path, "log-interaction", "s1", "pm", "hello", db=pg_url, site=True)
    assert {"skill.pgstore", "skill.pg_migrations", "psycopg2"} <= modules
    assert modules & {"psycopg", "pg8000", "skill.validation", "skill.reader"} == set()


def test_a_command_process_runs_without_the_cyclic_collector(tmp_path):
    # scripts/bazinga_db.py turns it off before the first import: its passes over what the imports create
    # were a tenth of a request's start-up (bench/bench_startup.py)
    probe = (
        "import gc, os, sys\n"
        f"sys.path.insert(0, {str(ROOT / 'scripts')!r})\n"
        "import bazinga_db\n"
        "from bazinga_db.skill import cli\n"
        "cli.exit_now = lambda code: print(gc.isenabled(), code)\n"
        "sys.argv = ['bazinga_db.py', '--db', sys.argv[1], 'request', '--dry-run', 'get session s_1']\n"
        "bazinga_db.main()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "x.db")], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "False 0"


@pytest.mark.parametrize("command", ["batch", "dashboard", "mcp", "export-session", "import-session"])
def test_a_long_running_command_turns_the_collector_back_on(command):
    from skill import cli

    gc.disable()
    try:
        cli.handler_for("get-session")
        assert not gc.isenabled()
        cli.handler_for(command)
        assert gc.isenabled()
    finally:
        gc.enable()


RARE_PROBE = """
import json, re, sys
sys.path.insert(0, {root!r})
from skill.errors import BazingaError
from skill.reader import OPERATIONS, parse, request_form
texts = json.loads(sys.stdin.read())
for operation in OPERATIONS:
    form = request_form(operation)
    texts += [form, re.sub(r"\\s+\\((?:optional|this or another change below)\\)", "", form)]
for text in texts:
    try:
        parse(text)
    except BazingaError:
        pass
print(json.dumps(sorted(m for m in sys.modules if m.endswith("_rare"))))
"""


def test_the_documented_request_forms_load_no_rare_module():
    # skill/reader/*_rare.py hold the functions few requests reach (lexicon.rarely_used): the request forms
    # SKILL.md documents and the spec's examples are the common path, and reading every one of them in one
    # process loads none of those modules
    examples = [
        json.loads(line)["text"]
        for line in (ROOT / "tests" / "requests_examples.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    rare = sorted(p.stem for p in (ROOT / "skill" / "reader").glob("*_rare.py"))
    assert rare, "no rare module: this guard guards nothing"
    done = subprocess.run(
        [sys.executable, "-S", "-c", RARE_PROBE.format(root=str(ROOT))],
        input=json.dumps(examples),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_each_stand_in_names_a_function_of_its_rare_module():
    # a stage names each function of its _rare companion twice (imported under TYPE_CHECKING for mypy, a
    # stand-in at run time): both lists are the companion's functions, or a call fails only when it is made
    import ast

    for path in sorted((ROOT / "skill" / "reader").glob("*_rare.py")):
        stage = path.with_name(path.name.replace("_rare", ""))
        defined = {
            n.name for n in ast.parse(path.read_text(encoding="utf-8")).body if isinstance(n, ast.FunctionDef)
        }
        typed, standing = set(), set()
        for node in ast.walk(ast.parse(stage.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == path.stem:
                typed |= {alias.name for alias in node.names}
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "rarely_used":
                standing |= {arg.value for arg in node.args[1:] if isinstance(arg, ast.Constant)}
        assert typed == standing == defined, stage.name
