"""The command line as people first touch it (issue 14, surface half): help built from the vocabulary with
one runnable example per command, --limit/--offset spelled the same everywhere with default limits that
say when they cut, output formats through one rendering layer, --version, did-you-mean pointers, and text
tables that fit 100 columns."""

from __future__ import annotations

import csv
import io
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from skill import cli
from skill.api import BazingaDB
from skill.vocabulary import COMMANDS, ENUMS, VOCABULARY

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "bazinga_db.py"
S = "bazinga_20250113_143530"
WIDTH = 100


def run(tmp_path: Path, *argv: str, stdin: str = "") -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.run(list(argv), io.StringIO(stdin), out, err, cwd=str(tmp_path))
    return out.getvalue(), err.getvalue(), code


# -- examples: one per command, and they run --------------------------------------------------------------
# The order that makes every example succeed against one fresh database: the writes that create what the
# reads and later writes name, then the reads, then the maintenance and transfer commands.
EXAMPLE_ORDER = [
    "create-session",
    "log-interaction",
    "save-state",
    "create-task-group",
    "update-task-group",
    "log-tokens",
    "save-skill-output",
    "set-config",
    "log-decision",
    "get-session",
    "list-sessions",
    "get-logs",
    "stream-logs",
    "get-state",
    "get-task-groups",
    "token-summary",
    "get-skill-output",
    "get-config",
    "get-decisions",
    "dashboard-snapshot",
    "request",
    "query",
    "batch",
    "mcp",
    "import-files",
    "export-session",
    "import-session",
    "check",
    "backup",
    "copy-to",
    "update-session-status",
]
SERVERS_UNTIL_INTERRUPTED = ["dashboard"]  # run as a real process below, stopped once it listens


def test_every_command_has_one_example_and_the_order_names_each_once():
    assert sorted(EXAMPLE_ORDER + SERVERS_UNTIL_INTERRUPTED) == sorted(COMMANDS)
    for name, spec in COMMANDS.items():
        words = shlex.split(spec["example"])
        assert name in words, f"{name}'s example runs another command: {spec['example']}"


def test_every_example_runs_against_a_fresh_database(tmp_path):
    """The examples help shows, as written (the default database: ./coordination/bazinga.db here)."""
    for name in EXAMPLE_ORDER:
        spec = COMMANDS[name]
        if name == "import-files":  # a legacy folder to import: the session's log in the legacy format
            legacy = [
                "export-session",
                S,
                "--format",
                "markdown",
                "--out",
                "coordination/orchestration-log.md",
            ]
            assert run(tmp_path, *legacy)[2] == 0
        out, err, code = run(tmp_path, *shlex.split(spec["example"]), stdin=spec.get("example_stdin", ""))
        assert code == 0, (name, spec["example"], out, err)
        assert "❌" not in err and "Traceback" not in err, (name, err)
        if spec["kind"] == "write" and name != "batch" and "--dry-run" not in spec["example"]:
            assert out.startswith("✓ "), (name, out)  # batch: JSON lines; a dry run: its report
    assert (tmp_path / "coordination" / "bazinga.db").exists()
    assert (tmp_path / f"{S}.json").exists() and (tmp_path / "backup.db").exists()


def test_the_dashboard_example_serves_until_stopped(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "BAZINGA_DB_PATH": str(tmp_path / "coordination" / "bazinga.db")}
    args = shlex.split(COMMANDS["dashboard"]["example"])
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()  # its ✓ line, once it listens
        assert line.startswith("✓ Dashboard at http://127.0.0.1:"), (line, process.stderr)
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stdout.close()
        process.stderr.close()


# -- help ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("command", list(COMMANDS))
def test_command_help_describes_every_argument_with_its_default_and_the_example(tmp_path, command):
    out, err, code = run(tmp_path, command, "--help")
    assert code == 0 and err == ""
    assert run(tmp_path, "help", command)[0] == out  # both spellings print the same help
    spec = COMMANDS[command]
    for arg in spec["args"]:
        names = arg.get("flags", []) + ([arg["metavar"]] if arg["kind"] == "positional" else [])
        assert any(name in out for name in names), (command, arg["name"])
        if arg.get("help"):
            meaning = arg["help"][:1].upper() + arg["help"][1:]
            assert " ".join(meaning.split()) in " ".join(out.split()), (command, arg["name"])
        if arg.get("default") not in (None, "-"):
            assert f"Default: {arg['default']}." in " ".join(out.split()), (command, arg["name"])
        if arg["type"] in ENUMS:
            assert ", ".join(ENUMS[arg["type"]]["values"]) in " ".join(out.split())
    assert "Example:\n  " + cli.example_line(command) + "\n" in out
    assert cli.example_line(command).endswith("python3 scripts/bazinga_db.py " + spec["example"])


def test_help_names_the_time_formats_and_the_output_formats(tmp_path):
    out = run(tmp_path, "get-logs", "--help")[0]
    flat = " ".join(out.split())
    assert "2025-01-13T14:35:30Z" in flat and "'2025-01-13 14:35:30'" in flat and "UTC" in flat
    assert "--format json|text|nl|csv|tsv|table" in out
    general = run(tmp_path, "--help")[0]
    assert "--version" in general and "--json" in general and "--limit 0" in general


def test_help_fits_100_columns_but_for_the_runnable_example_lines(tmp_path):
    for argv in [["--help"], *([command, "--help"] for command in COMMANDS)]:
        out = run(tmp_path, *argv)[0]
        long = [
            line for line in out.splitlines() if len(line) > WIDTH and "scripts/bazinga_db.py" not in line
        ]
        assert long == [], argv


def test_help_never_needs_the_database(tmp_path):
    for argv in (["--help"], ["get-logs", "--help"], ["help", "query"], ["--version"]):
        assert run(tmp_path, *argv)[2] == 0
    assert not (tmp_path / "coordination").exists()


# -- --version ----------------------------------------------------------------------------------------------
def test_version_comes_from_one_place(tmp_path):
    out, err, code = run(tmp_path, "--version")
    version = VOCABULARY["version"]
    assert (out, err, code) == (f"bazinga-db {version}\n", "", 0)
    assert run(tmp_path, "-V")[0] == out
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # no tomllib before Python 3.11
    assert re.search(r'^dynamic = \["version"\]$', pyproject, re.MULTILINE)
    assert not re.search(r"^version\s*=", pyproject, re.MULTILINE)
    frontmatter = (ROOT / "SKILL.md").read_text(encoding="utf-8").split("---")[1]
    assert f'version: "{version}"' in frontmatter
    import importlib.metadata

    assert importlib.metadata.version("bazinga-db") == version


# -- did you mean ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "pointer"),
    [
        (["doctor"], "bazinga_db.py check"),
        (["version"], "--version"),
        (["sessions"], "bazinga_db.py list-sessions"),
        (["lst-sessions"], "bazinga_db.py list-sessions"),
        (["list-sessions", "--jsonl"], "--nl"),
        (["list-sessions", "--limt", "3"], "--limit"),
        (["get-logs", S, "--ofset", "2"], "--offset"),
        (["help", "doctor"], "bazinga_db.py check"),
        (["help", "get_logs"], "bazinga_db.py get-logs"),
    ],
)
def test_unknown_words_point_to_the_closest(tmp_path, argv, pointer, snapshot):
    out, err, code = run(tmp_path, *argv)
    assert err == snapshot  # the whole report an agent reads
    assert code == 2 and out == ""
    assert f"Did you mean `{pointer}`?" in err or f"Did you mean {pointer}?" in err, err


# -- --limit / --offset and the default limits ------------------------------------------------------------
LISTINGS = {  # command -> (its default limit, arguments before the flags)
    "list-sessions": (10, []),
    "get-logs": (100, [S]),
    "stream-logs": (50, [S]),
    "get-task-groups": (100, [S]),
    "get-decisions": (100, [S]),
    "query": (1000, ["SELECT 1 AS one"]),
}


def test_every_listing_spells_limit_the_same_and_shows_its_default():
    for command, (default, _) in LISTINGS.items():
        flags = {flag: arg for arg in COMMANDS[command]["args"] for flag in arg.get("flags", ())}
        assert "--limit" in flags and flags["--limit"].get("default") == default, command
        if command != "query":  # a statement pages itself (OFFSET in the SQL)
            assert "--offset" in flags and flags["--offset"].get("default") == 0, command


@pytest.fixture
def crowded(tmp_path):
    """12 sessions; one with 105 log entries, 103 task groups and 102 decisions."""
    location = str(tmp_path / "coordination" / "bazinga.db")
    with BazingaDB(location) as db:
        for n in range(11):
            db.create_session(f"s_{n:02d}", "simple", "x")
        db.create_session(S, "parallel", "Add OAuth2")
        db.begin()
        for n in range(105):
            db.log_interaction(S, "developer", f"entry {n}", n)
        for n in range(103):
            db.create_task_group(f"g_{n:03d}", S, f"group {n}")
        for n in range(102):
            db.log_decision(S, "spawn", {"n": n})
        db.commit()
    return tmp_path


def _rows(out: str) -> list:
    return json.loads(out)["entries"] if out.startswith("{") else json.loads(out)


@pytest.mark.parametrize("command", [c for c in LISTINGS if c not in ("query", "stream-logs")])
def test_a_default_limit_that_cuts_says_so_on_stderr_only(crowded, command, snapshot):
    default, before = LISTINGS[command]
    out, err, code = run(crowded, command, *before)
    assert err == snapshot  # the whole notice an agent reads
    assert code == 0 and len(_rows(out)) == default
    assert err.startswith(f"⚠ {command}: {default:,} ") and "(the default limit)" in err
    assert f"--offset {default}" in err and "--limit 0 for all" in err
    everything, err_all, _ = run(crowded, command, *before, "--limit", "0")
    assert len(_rows(everything)) > default and err_all == ""
    assert run(crowded, command, *before, "--limit", "3")[1] == ""  # a limit asked for cuts silently
    page, _, _ = run(crowded, command, *before, "--limit", "3", "--offset", "3")
    assert _rows(page) == _rows(run(crowded, command, *before, "--limit", "6")[0])[3:6] or command == (
        "get-decisions"  # oldest first within the most recent N: the next page is the earlier three
    )


def test_stream_logs_pages_by_position_or_by_flags(crowded):
    positional = run(crowded, "stream-logs", S, "5", "10")
    flags = run(crowded, "stream-logs", S, "--limit", "5", "--offset", "10")
    mixed = run(crowded, "stream-logs", S, "5", "--offset", "10")
    assert positional[0] == flags[0] == mixed[0] and "entries 91–95 of 105" in positional[0]
    assert positional[1] == ""
    default = run(crowded, "stream-logs", S)
    assert "entries 56–105 of 105" in default[0]
    assert "⚠ stream-logs: entries 56–105 of 105 shown" in default[1] and "--offset 50" in default[1]
    whole = run(crowded, "stream-logs", S, "--limit", "0")
    assert "entries 1–105 of 105" in whole[0] and whole[1] == ""
    clash = run(crowded, "stream-logs", S, "5", "--limit", "6")
    assert clash[2] == 2 and "given twice with different values" in clash[1] and clash[0] == ""


def test_the_api_takes_the_same_defaults_and_reports_the_cut(crowded):
    notices = []
    with BazingaDB(crowded / "coordination" / "bazinga.db", on_notice=notices.append) as db:
        assert len(db.list_sessions()) == 10
        assert len(db.get_logs(S)) == 100
        assert len(db.get_task_groups(S)) == 100
        assert len(db.get_decisions(S)) == 100
        assert [n.kind for n in notices] == ["truncated"] * 4
        notices.clear()
        assert len(db.list_sessions(limit=0)) == 12 and len(db.get_logs(S, limit=0)) == 105
        assert len(db.get_task_groups(S, limit=0)) == 103 and len(db.get_decisions(S, limit=0)) == 102
        assert len(db.list_sessions(limit=5, offset=10)) == 2
        assert notices == []
        assert len(db.get_dashboard_snapshot(S)["task_groups"]) == 103  # the dashboard shows every group


# -- output formats -----------------------------------------------------------------------------------------
READS = {
    "list-sessions": ["list-sessions"],
    "get-logs": ["get-logs", S, "--limit", "5"],
    "get-task-groups": ["get-task-groups", S, "--limit", "5"],
    "get-decisions": ["get-decisions", S, "--limit", "5"],
    "query": ["query", "SELECT session_id, mode FROM sessions ORDER BY session_id LIMIT 4"],
    "get-session": ["get-session", S],
    "token-summary": ["token-summary", S],
    "get-state": ["get-state", S, "pm"],
    "get-config": ["get-config", "testing_config"],
    "stream-logs": ["stream-logs", S, "4"],
}


@pytest.fixture
def seeded(tmp_path):
    location = str(tmp_path / "coordination" / "bazinga.db")
    with BazingaDB(location) as db:
        db.create_session(S, "parallel", 'Add OAuth2, with a comma and "quotes"')
        db.create_session("s_2", "simple", "Second")
        for n in range(6):
            db.log_interaction(S, "pm", f"line {n}\nsecond line, with a comma", n, "pm_main")
        db.create_task_group("group_a", S, "Auth", "pending", "developer_1")
        db.log_tokens(S, "developer", 15000, "developer_1")
        db.save_state(S, "pm", {"mode": "parallel", "task_groups": [{"id": "group_a", "status": "pending"}]})
        db.log_decision(S, "spawn", {"agent": "developer_1", "groups": ["group_a"]})
        db.set_config("testing_config", {"mode": "full", "skip": [1, 2]})
    return tmp_path


def _json_rows(seeded, argv) -> list[dict]:
    out, _, code = run(seeded, *argv)
    assert code == 0
    value = json.loads(out)
    if argv[0] == "stream-logs":
        return []  # its default output is markdown; rows are checked against --format json below
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("read", list(READS))
def test_nl_csv_tsv_are_the_json_rows(seeded, read):
    argv = READS[read]
    if read == "stream-logs":
        rows = json.loads(run(seeded, *argv, "--format", "json")[0])["entries"]
    else:
        rows = _json_rows(seeded, argv)
    assert rows, read
    nl, err, code = run(seeded, *argv, "--format", "nl")
    assert code == 0 and err == ""
    assert [json.loads(line) for line in nl.splitlines()] == rows
    for output, delimiter in (("csv", ","), ("tsv", "\t")):
        text, _, code = run(seeded, *argv, "--format", output.upper())  # any case
        assert code == 0
        table = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        assert table[0] == list(rows[0])  # the header row
        expected = [
            [
                ""
                if v is None
                else json.dumps(v, ensure_ascii=False, separators=(",", ":"))
                if isinstance(v, (dict, list, bool))
                else str(v)
                for v in row.values()
            ]
            for row in rows
        ]
        assert table[1:] == expected, output
    assert (
        run(seeded, *argv, f"--{'nl'}")[0] == nl
        and run(seeded, *argv, "--csv")[0] == run(seeded, *argv, "--format", "csv")[0]
    )


def test_the_aliases_are_the_format_and_two_formats_are_refused(seeded):
    assert run(seeded, "get-session", S, "--json") == run(seeded, "get-session", S, "--format", "json")
    assert run(seeded, "--table", "list-sessions") == run(seeded, "list-sessions", "--format", "table")
    out, err, code = run(seeded, "list-sessions", "--csv", "--tsv")
    assert (out, code) == ("", 2) and "two output formats" in err


def test_writes_keep_their_line_in_every_format(seeded):
    for output in ENUMS["output_format"]["values"]:
        out, err, code = run(seeded, "log-tokens", S, "qa", "10", "--format", output)
        assert code == 0
        if output == "json":
            assert json.loads(out)["ok"] is True
        else:
            assert out == "✓ Logged 10 tokens for QA in session bazinga_20250113_143530\n"


def test_an_object_is_one_row_and_a_table_of_its_fields(seeded):
    session = json.loads(run(seeded, "get-session", S)[0])
    assert json.loads(run(seeded, "get-session", S, "--nl")[0]) == session
    assert next(csv.reader(io.StringIO(run(seeded, "get-session", S, "--csv")[0]))) == list(session)
    table = run(seeded, "get-session", S, "--table")[0].splitlines()
    assert table[0].split() == ["field", "value"] and len(table) == 2 + len(session)


@pytest.mark.parametrize("command", [c for c, spec in COMMANDS.items() if "formats" in spec])
def test_a_command_with_its_own_shape_refuses_the_row_formats(seeded, command):
    out, err, code = run(seeded, command, "--csv")  # export-session's own --format is json|markdown
    assert (out, code) == ("", 2) and "--format csv does not apply here" in err


def test_a_read_that_finds_nothing_prints_no_rows(seeded):
    assert run(seeded, "get-state", S, "orchestrator", "--csv")[:3:2] == ("", 0)
    assert run(seeded, "get-state", S, "orchestrator", "--nl")[:3:2] == ("", 0)
    assert run(seeded, "get-state", S, "orchestrator", "--table")[0] == "(no rows)\n"


def test_csv_streams_a_large_query(seeded):
    out, err, code = run(
        seeded,
        "query",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000) SELECT i FROM n",
        "--limit",
        "0",
        "--csv",
    )
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "i" and len(lines) == 5001 and lines[-1] == "5000"


# -- text tables fit 100 columns ----------------------------------------------------------------------------
LONG = "a very long value " * 30


@pytest.fixture
def wide(tmp_path):
    """Values far wider than a terminal: long ids, long requirements, names, content, decision data."""
    location = str(tmp_path / "coordination" / "bazinga.db")
    long_id = "session_" + "x" * 100
    with BazingaDB(location) as db:
        db.create_session(long_id, "parallel", LONG)
        db.create_session(S, "simple", LONG)
        db.log_interaction(S, "investigator_of_very_long_agent_types", LONG, 12345, "agent_" + "y" * 90)
        db.create_task_group("group_" + "g" * 100, S, LONG, "in_progress", "developer_" + "d" * 90)
        db.update_task_group("group_" + "g" * 100, S, last_review_status="CHANGES_REQUESTED")
        db.log_tokens(S, "developer", 123456789, "developer_" + "d" * 90)
        db.log_decision(S, "escalate_" + "e" * 60, {"reason": LONG, "details": {"x": LONG}}, 7)
        db.save_state(S, "pm", {"summary": LONG, "task_groups": [{"id": "a", "status": "pending"}]})
    return tmp_path, long_id


WIDE_READS = [
    ["list-sessions"],
    ["get-logs", S],
    ["get-task-groups", S],
    ["token-summary", S],
    ["token-summary", S, "agent_id"],
    ["get-decisions", S],
    ["get-session", S],
    ["get-state", S, "pm"],
    ["dashboard-snapshot", S],
    ["query", "SELECT * FROM sessions"],
    ["query", "SELECT * FROM task_groups"],
]


@pytest.mark.parametrize("output", ["text", "table"])
@pytest.mark.parametrize("argv", WIDE_READS, ids=lambda a: "-".join(a[:1] + a[2:3]))
def test_text_and_table_lines_fit_100_columns(wide, argv, output):
    folder, _ = wide
    out, err, code = run(folder, *argv, "--format", output)
    assert code == 0 and err == "", err
    widths = [len(line) for line in out.splitlines()]
    assert max(widths) <= WIDTH, (argv, max(widths), out)
    if argv[0] in ("list-sessions", "get-logs", "get-task-groups", "get-decisions", "query"):
        assert "…" in out  # long cells were cut, and say so
    if argv[0] in ("list-sessions", "get-logs", "get-task-groups", "get-decisions") and output == "text":
        assert re.search(r"\b\d{2}-\d{2} \d{2}:\d{2}\b", out)  # short local times
        assert not re.search(r"\d{4}-\d{2}-\d{2}T", out)
