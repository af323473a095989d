"""import-files, export-session and import-session through the CLI: stdout, stderr and exit code pinned."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import run_script

from skill import legacy, transfer
from skill.api import BazingaDB

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "legacy_sample" / "sample-coordination"
CURRENT = "bazinga_20251112_140207"


@pytest.fixture
def legacy_dir(tmp_path):
    """The sample as a project would have it: coordination/ files, the log in docs/ (its legacy home)."""
    project = tmp_path / "old"
    shutil.copytree(SAMPLE, project / "coordination")
    (project / "docs").mkdir()
    (project / "coordination" / "orchestration-log.md").rename(project / "docs" / "orchestration-log.md")
    return project / "coordination"


def total_rows(db_path: Path) -> int:
    if not db_path.exists():
        return 0
    conn = sqlite3.connect(str(db_path))
    try:
        return sum(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in legacy.TABLES)
    finally:
        conn.close()


def break_files(folder: Path) -> None:
    (folder / "lint_results.json").write_text('[{"code": "E402"}]', encoding="utf-8")
    state = json.loads((folder / "group_status.json").read_text(encoding="utf-8"))
    state["B"]["status"] = "almost"
    (folder / "group_status.json").write_text(json.dumps(state, indent=2), encoding="utf-8")
    log = folder.parent / "docs" / "orchestration-log.md"
    log.write_text(
        log.read_text(encoding="utf-8").replace("## [2025-11-12T15:09:55Z]", "## [15:09]"), encoding="utf-8"
    )


# ---------------------------------------------------------------------------------------------- import-files


def test_import_files_dry_run_then_import_then_again(run_cli, legacy_dir, db_path, snapshot):
    dry = run_cli("import-files", "old/coordination", "--dry-run")
    assert not db_path.exists()
    report = json.loads(dry.stdout)["result"]
    assert {t: c["new"] for t, c in report["tables"].items()} == {
        "sessions": 2,
        "orchestration_logs": 40,
        "state_snapshots": 3,
        "task_groups": 3,
        "token_usage": 4,
        "skill_outputs": 3,
        "configuration": 2,
        "decisions": 15,
    }
    first = run_cli("import-files", "old/coordination")
    assert total_rows(db_path) == 72
    again = run_cli("import-files", "old/coordination")
    dry_text = run_cli("import-files", "old/coordination", "--dry-run", "--format", "text")
    assert total_rows(db_path) == 72
    assert [dry, first, again, dry_text] == snapshot


def test_import_files_with_log_option(run_cli, legacy_dir, tmp_path, db_path, snapshot):
    log = legacy_dir.parent / "docs" / "orchestration-log.md"
    moved = tmp_path / "notes.md"
    log.rename(moved)
    without = run_cli("import-files", "old/coordination", "--dry-run", "--format", "text")
    given = run_cli("import-files", "old/coordination", "--log", "notes.md", "--format", "json")
    assert json.loads(given.stdout)["result"]["tables"]["orchestration_logs"]["new"] == 40
    assert [without, given] == snapshot


def test_import_files_reports_every_problem_and_writes_nothing(run_cli, legacy_dir, db_path, snapshot):
    break_files(legacy_dir)
    refused = run_cli("import-files", "old/coordination")
    assert refused.code == 1 and refused.stdout == ""
    assert total_rows(db_path) == 0
    skipped = run_cli("import-files", "old/coordination", "--skip-invalid")
    assert skipped.code == 0
    assert total_rows(db_path) == 72 - 1 - 1 - 1  # a log entry, the lint output, the group_status snapshot
    assert [refused, skipped] == snapshot


@pytest.mark.parametrize(
    "argv",
    [
        ["import-files", "nowhere"],
        ["import-files", "empty"],
        ["import-files"],
        ["import-files", "old/coordination", "--skip"],
        ["import-files", "old/coordination", "--log", "missing.md"],
    ],
    ids=["missing-folder", "empty-folder", "no-folder", "unknown-option", "missing-log"],
)
def test_import_files_usage_and_folder_errors(run_cli, legacy_dir, tmp_path, argv, snapshot):
    (tmp_path / "empty").mkdir()
    assert run_cli(*argv) == snapshot


# -------------------------------------------------------------------------------------------- export / import


@pytest.fixture
def imported(run_cli, legacy_dir, db_path):
    assert run_cli("import-files", "old/coordination").code == 0
    return run_cli


def test_export_to_file_and_back_into_another_database(imported, tmp_path, db_path, snapshot):
    exported = imported("export-session", CURRENT, "--out", "session.json")
    to_stdout = imported("export-session", CURRENT, raw=True)
    assert json.loads(to_stdout.stdout) == json.loads((tmp_path / "session.json").read_text(encoding="utf-8"))
    loaded = imported("--db", "other.db", "import-session", "session.json")
    refused = imported("--db", "other.db", "import-session", "session.json")
    replaced = imported("--db", "other.db", "import-session", "session.json", "--replace", "--format", "json")
    back = imported("--db", "other.db", "export-session", CURRENT, raw=True)
    assert back.stdout == to_stdout.stdout  # lossless: the same document, byte for byte
    assert [exported, loaded, refused, replaced] == snapshot


def test_import_session_from_stdin(imported, tmp_path):
    document = imported("export-session", "bazinga_20251112_083514", raw=True).stdout
    result = imported("--db", "third.db", "import-session", "-", stdin=document)
    assert result.code == 0, result
    with BazingaDB(tmp_path / "third.db") as other:
        assert other.get_session("bazinga_20251112_083514")["status"] == "active"


def test_export_markdown(imported, db_path, snapshot):
    markdown = imported("export-session", CURRENT, "--format", "markdown", raw=True)
    with BazingaDB(db_path) as db:
        assert markdown.stdout == transfer.export_markdown(db, CURRENT)
    as_text = imported("--format", "text", "export-session", CURRENT, raw=True)
    assert as_text.stdout == markdown.stdout
    to_file = imported("export-session", CURRENT, "--format", "md", "--out", "log.md")
    assert to_file == snapshot
    assert markdown.stdout.splitlines()[:12] == snapshot


@pytest.mark.parametrize(
    "argv,stdin",
    [
        (["export-session", "bazinga_20251112_140208"], ""),
        (["export-session", CURRENT, "--format", "xml"], ""),
        (["export-session", CURRENT, "--out", "no/such/dir/x.json"], ""),
        (["import-session", "absent.json"], ""),
        (["import-session", "-"], '{"session_id": "x"}'),
        (["import-session", "-"], '{"format": "bazinga-db/session", "format_version": 1, '),
        (
            ["import-session", "-"],
            json.dumps(
                {
                    "format": "bazinga-db/session",
                    "format_version": 1,
                    "session": {
                        "session_id": "s x",
                        "start_time": "noon",
                        "status": "asleep",
                        "created_at": "2025-11-12",
                        "updated_at": "2025-11-12",
                    },
                    "orchestration_logs": [
                        {"seq": 1, "timestamp": "2025-11-12T10:00:00Z", "agent_type": "pm", "content": ""}
                    ],
                }
            ),
        ),
    ],
    ids=[
        "unknown-session",
        "bad-format",
        "unwritable-out",
        "missing-file",
        "not-an-export",
        "broken-json",
        "bad-values",
    ],
)
def test_export_and_import_session_failures(imported, argv, stdin, snapshot):
    result = imported(*argv, stdin=stdin)
    assert result.code != 0 and result.stdout == ""
    assert result == snapshot


def test_help_lists_the_migration_commands(run_cli, snapshot):
    general = run_cli("--help")
    for command in ("import-files", "export-session", "import-session"):
        assert command in general.stdout
    assert [
        run_cli("import-files", "--help"),
        run_cli("export-session", "--help"),
        run_cli("import-session", "--help"),
    ] == snapshot


def test_real_script_from_another_directory(tmp_path, legacy_dir):
    """As agents run it: the script by path, DIR relative to the working directory, log found in ../docs."""
    work = legacy_dir.parent
    result = run_script("--db", str(tmp_path / "real.db"), "import-files", "coordination", cwd=work)
    assert result.code == 0, result
    assert result.stdout.startswith("✓ Imported 72 new rows from coordination (")
    markdown = run_script(
        "--db", str(tmp_path / "real.db"), "export-session", CURRENT, "--format", "markdown", cwd=tmp_path
    )
    assert markdown.code == 0 and markdown.stdout.count("\n## [") == 40
