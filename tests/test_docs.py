"""The skill's text cannot drift from the code: SKILL.md and references/ checked against the vocabulary,
a freshly created database and real runs of every command."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from skill.devtools import docgen
from skill.migrations import MIGRATIONS
from skill.vocabulary import COMMANDS, VOCABULARY

ROOT = Path(__file__).resolve().parent.parent
SKILL_MD = ROOT / "SKILL.md"
REFERENCES = ROOT / "references"
# The docs written by this project's packaging work; references/ may hold others (payloads, migration),
# which are checked for commands and flags too.
SPEC_SKILL_MD = ROOT.parent / "shared" / "spec" / "bazinga-db-SKILL-v1.md"
SPEC_SKILL_MD_BYTES = 14_424  # the spec's SKILL.md, when shared/ is not beside the repository

GLOBAL_FLAGS = {flag for option in VOCABULARY["global_options"] for flag in option["flags"]}
COMMAND_FLAGS = {
    name: {f for arg in spec["args"] for f in arg.get("flags", ())}  # options, and positionals' flags
    for name, spec in COMMANDS.items()
}
ALL_FLAGS = GLOBAL_FLAGS.union(*COMMAND_FLAGS.values())
# Words shaped like a command name: what a doc could name as a command by mistake.
COMMAND_SHAPED = re.compile(
    r"(?<![\w/.-])((?:create|update|get|list|log|save|set|stream|token|dashboard|delete|init|import|export)"
    r"-[a-z]+(?:-[a-z]+)*)\b(?![.\w-])"
)
FLAG = re.compile(r"(?<![\w-])(--[a-z][a-z_-]*[a-z])")
# A backticked command line of another program (a dev tool, init_db.py): its flags are not the skill's.
OTHER_PROGRAM = re.compile(
    r"`python3 (?!scripts/bazinga_db\.py|SKILL_DIR/scripts/bazinga_db\.py)[^`]*`"
    r"|`[\w./-]+\.sh [^`]*`"  # the legacy shell scripts' own flags (init-orchestration.sh --new)
    r"|`claude mcp [^`]*`"  # Claude Code's own flags, in references/mcp.md (claude mcp add --scope)
)


def docs() -> dict[str, str]:
    found = {"SKILL.md": SKILL_MD.read_text(encoding="utf-8")}
    for folder in (REFERENCES, ROOT / "prompts" / "templates"):
        for path in sorted(folder.glob("*.md")):
            found[path.relative_to(ROOT).as_posix()] = path.read_text(encoding="utf-8")
    return found


# ---------------------------------------------------------------------------------- generated files
@pytest.mark.parametrize("rel", list(docgen.TARGETS))
def test_generated_docs_are_what_the_code_gives_now(rel):
    current = (ROOT / rel).read_text(encoding="utf-8")
    expected = docgen.TARGETS[rel](current)
    assert current == expected, (
        f"{rel} is stale: run python3 -m skill.devtools.docgen, review the diff, commit it"
    )


def test_docgen_check_reports_a_stale_file(tmp_path, capsys, monkeypatch):
    for rel in docgen.TARGETS:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text((ROOT / rel).read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(docgen, "REPO_ROOT", tmp_path)
    assert docgen.main(["--check"]) == 0
    stale = tmp_path / "references" / "schema.md"
    stale.write_text(stale.read_text(encoding="utf-8").replace("| seq | INTEGER |", "| seq | TEXT |"))
    assert docgen.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "❌ [stale-docs] references/schema.md differs from what the code gives\n"
        "   → python3 -m skill.devtools.docgen, review the diff, commit it.\n"
    )


def test_command_examples_are_the_same_on_every_run():
    assert docgen.command_examples_markdown() == docgen.command_examples_markdown()


# ------------------------------------------------------------------------------------------ schema.md
def fresh_schema(tmp_path: Path) -> docgen.Schema:
    """A database created by the real script, in a subprocess, read back from SQLite."""
    path = tmp_path / "fresh.db"
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "init_db.py"), str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    conn = sqlite3.connect(str(path))
    try:
        return docgen.read_schema(conn)
    finally:
        conn.close()


def documented_tables(text: str) -> dict[str, list[tuple[str, str]]]:
    """schema.md's tables: name -> [(column, type)], read from its markdown."""
    tables: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if current and line.startswith("| ") and len(cells) == 4 and cells[0] not in ("column", "version"):
            tables.setdefault(current, []).append((cells[0], cells[1]))
    return tables


def test_schema_md_describes_every_table_column_and_index_of_a_fresh_database(tmp_path):
    schema = fresh_schema(tmp_path)
    text = (REFERENCES / "schema.md").read_text(encoding="utf-8")
    documented = documented_tables(text)
    actual = {table: [(c.name, c.type) for c in columns] for table, columns in schema.tables.items()}
    assert documented == actual
    for index in schema.indexes:
        assert f"`{index.name}`" in text
        assert f"({', '.join(index.columns)})" in text
    assert f"schema version {schema.version} " in text
    migrations = re.findall(r"^\| (\d+) \| (.+) \|$", text, re.MULTILINE)
    assert migrations == [(str(m.version), m.name) for m in MIGRATIONS]
    assert schema.version == MIGRATIONS[-1].version


def test_every_column_has_a_note_and_every_note_a_column(tmp_path):
    schema = fresh_schema(tmp_path)
    for table, columns in schema.tables.items():
        assert table in docgen.TABLE_NOTES, (
            f"schema.md: add a note for table {table} in skill/devtools/docgen.py"
        )
        purpose, notes = docgen.TABLE_NOTES[table]
        assert purpose
        assert set(notes) == {c.name for c in columns}, f"notes of {table} disagree with its columns"
        assert all(notes.values())
    assert set(docgen.TABLE_NOTES) == set(schema.tables)


# ---------------------------------------------------------------------- commands and flags in the docs
def test_skill_md_lists_every_command_with_its_arguments_and_flags():
    text = SKILL_MD.read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| ([a-z-]+) \| (.*) \|$", text, re.MULTILINE))
    rows.pop("command", None)
    assert list(rows) == list(COMMANDS)
    for name, spec in COMMANDS.items():
        for arg in spec["args"]:
            if arg["kind"] == "option":
                words = [w.strip("[]") for w in rows[name].split()]
                assert arg["flags"][0] in words, f"{name}: {arg['flags'][0]} missing"
        positionals = [a for a in spec["args"] if a["kind"] == "positional"]
        shown = [
            w.strip("[]")
            for w in rows[name].split()
            if not w.startswith(("[-", "-")) and w.strip("[]").isupper()
        ]
        option_metavars = len([a for a in spec["args"] if a["kind"] == "option" and a["type"] != "flag"])
        assert len(shown) == len(positionals) + option_metavars, f"{name}: {rows[name]}"
    for option in VOCABULARY["global_options"]:
        if option["name"] not in ("help", "auto_create_session"):
            assert option["flags"][0] in text


@pytest.mark.parametrize("rel", list(docs()))
def test_docs_name_no_command_or_flag_the_vocabulary_lacks(rel):
    text = docs()[rel]
    commands = set(COMMAND_SHAPED.findall(text))
    unknown_commands = commands - set(COMMANDS) - {"init-db"}
    assert not unknown_commands, f"{rel} names commands that prompts/commands.json lacks: {unknown_commands}"
    unknown_flags = set(FLAG.findall(OTHER_PROGRAM.sub("", text))) - ALL_FLAGS
    assert not unknown_flags, f"{rel} names flags that prompts/commands.json lacks: {unknown_flags}"


def test_each_flag_in_an_example_belongs_to_its_command():
    text = (REFERENCES / "command_examples.md").read_text(encoding="utf-8")
    lines = re.findall(r"^\$ python3 scripts/bazinga_db\.py (.*)$", text, re.MULTILINE)
    assert lines
    used: dict[str, set[str]] = {}
    for line in lines:
        words = line.split()
        command = next(
            w
            for i, w in enumerate(words)
            if not w.startswith("-") and (i == 0 or words[i - 1] not in ("--db", "--format"))
        )
        flags = {w for w in words if w.startswith("--")}
        assert flags <= COMMAND_FLAGS.get(command, set()) | GLOBAL_FLAGS, line
        used.setdefault(command, set()).update(flags)
    assert set(used) >= set(COMMANDS), f"commands without an example: {set(COMMANDS) - set(used)}"
    for name, spec in COMMANDS.items():
        for arg in spec["args"]:
            if arg["kind"] == "option":
                assert set(arg["flags"]) & used[name], f"{name}: no example uses {arg['flags'][0]}"


def test_command_examples_show_success_and_failure_exit_codes():
    text = (REFERENCES / "command_examples.md").read_text(encoding="utf-8")
    assert "# exit 1" in text and "# exit 2" in text
    assert "Traceback" not in text


# ------------------------------------------------------------------------------------------ the budget
def test_skill_md_is_well_under_a_third_of_the_spec_and_within_the_upload_rules():
    size = len(SKILL_MD.read_bytes())
    spec = len(SPEC_SKILL_MD.read_bytes()) if SPEC_SKILL_MD.is_file() else SPEC_SKILL_MD_BYTES
    assert size * 3 < spec, f"SKILL.md is {size} bytes; the budget is under a third of {spec}"
    body = SKILL_MD.read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert len(body.splitlines()) < 500
