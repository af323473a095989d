"""Building the ZIP (deterministic, one folder, the right contents) and installing the skill in a project."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from test_package_rules import make_skill, run_packager

from skill.devtools import package

EXPECTED_CONTENTS = [
    "bazinga-db/SKILL.md",
    "bazinga-db/prompts/commands.json",
    "bazinga-db/references/schema.md",
    "bazinga-db/scripts/__pycache__/bazinga_db.cpython-311.pyc",
    "bazinga-db/scripts/bazinga_db.py",
    "bazinga-db/skill/__init__.py",
    "bazinga-db/skill/__pycache__/__init__.cpython-311.pyc",
    "bazinga-db/skill/__pycache__/cli.cpython-311.pyc",
    "bazinga-db/skill/__pycache__/errors.cpython-311.pyc",
    "bazinga-db/skill/cli.py",
    "bazinga-db/skill/errors.py",
]
FILES = len(EXPECTED_CONTENTS)  # 7 files and the bytecode of the 4 importable modules


@pytest.fixture
def skill(tmp_path: Path) -> Path:
    return make_skill(tmp_path / "src")


def build(source: Path, out: Path) -> bytes:
    out_stream, err_stream = io.StringIO(), io.StringIO()
    code = package.run(["--source", str(source), "--out", str(out)], out_stream, err_stream)
    assert (code, err_stream.getvalue()) == (0, "")
    assert out_stream.getvalue().startswith(f"✓ Built {out / 'bazinga-db.zip'}: ")
    return (out / "bazinga-db.zip").read_bytes()


def test_the_zip_holds_one_folder_named_after_the_skill_with_exactly_the_runtime_files(skill, tmp_path):
    for junk in ("skill/__pycache__/cli.cpython-311.pyc", "scripts/__pycache__/bazinga_db.cpython-39.pyc"):
        (skill / junk).parent.mkdir(exist_ok=True)
        (skill / junk).write_bytes(b"\0")
    (skill / "tests").mkdir()  # outside the shipped folders: ignored, not refused
    (skill / "tests" / "test_x.py").write_text("")
    data = build(skill, tmp_path / "out")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == EXPECTED_CONTENTS
        assert archive.read("bazinga-db/skill/cli.py") == (skill / "skill" / "cli.py").read_bytes()
        shipped = archive.read("bazinga-db/skill/__pycache__/cli.cpython-311.pyc")  # compiled, not the junk
        assert shipped[:16] == package.BYTECODE_MAGIC + b"\1\0\0\0" + importlib.util.source_hash(
            (skill / "skill" / "cli.py").read_bytes()
        )
        assert archive.testzip() is None
        infos = {info.filename: info for info in archive.infolist()}
    assert infos["bazinga-db/scripts/bazinga_db.py"].external_attr >> 16 == 0o100755
    assert infos["bazinga-db/SKILL.md"].external_attr >> 16 == 0o100644
    assert {info.date_time for info in infos.values()} == {package.ZIP_TIME}


def test_two_builds_are_byte_identical_whatever_the_file_times_and_the_folder(skill, tmp_path):
    first = build(skill, tmp_path / "one")
    for path in skill.rglob("*"):
        os.utime(path, (1_700_000_000, 1_700_000_000))
    copy = tmp_path / "elsewhere" / "copy"
    shutil.copytree(skill, copy)
    assert build(skill, tmp_path / "two") == first
    assert build(copy, tmp_path / "three") == first
    (copy / "references" / "schema.md").write_text("# schema, changed\n")
    assert build(copy, tmp_path / "four") != first  # the bytes do depend on the contents


def test_check_writes_nothing_and_reports_the_sizes(skill, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_packager("--source", str(skill), "--check", tmp_path=tmp_path)
    assert result["exit"] == 0 and result["stderr"] == ""
    zipped = len(package.zip_bytes(package.check_source(skill).files))
    sources = [p for p in skill.rglob("*") if p.is_file() and "devtools" not in p.parts]
    bytecode = package.compile_bytecode([(p.relative_to(skill).as_posix(), p.read_bytes()) for p in sources])
    unpacked = sum(p.stat().st_size for p in sources) + sum(len(data) for _, data in bytecode)
    assert result["stdout"] == (
        f"✓ bazinga-db passes the upload rules: {FILES} files, {unpacked:,} bytes unpacked; "
        f"SKILL.md {(skill / 'SKILL.md').stat().st_size:,} bytes, 10 lines (body 2); ZIP {zipped:,} bytes\n"
    )
    assert list(tmp_path.rglob("*.zip")) == []


def test_list_prints_the_contents_with_sizes(skill, tmp_path):
    result = run_packager("--source", str(skill), "--list", tmp_path=tmp_path)
    assert result["exit"] == 0
    lines = result["stdout"].splitlines()
    assert [line.split()[-1] for line in lines[:-1]] == EXPECTED_CONTENTS
    assert lines[-1].split()[-2:] == [str(FILES), "files"]


def test_written_files_get_the_usual_mode_not_the_temporary_files_0600(skill, tmp_path):
    mask = os.umask(0o022)
    try:
        build(skill, tmp_path / "out")
        run_packager("--source", str(skill), "--install", str(tmp_path), tmp_path=tmp_path)
    finally:
        os.umask(mask)
    assert (tmp_path / "out" / "bazinga-db.zip").stat().st_mode & 0o777 == 0o644
    installed = tmp_path / ".claude" / "skills" / "bazinga-db"
    assert {p.stat().st_mode & 0o777 for p in installed.rglob("*") if p.is_file()} == {0o644}


def test_a_rebuild_replaces_the_previous_zip(skill, tmp_path):
    out = tmp_path / "out"
    build(skill, out)
    (skill / "references" / "more.md").write_text("more\n")
    data = build(skill, out)
    assert "bazinga-db/references/more.md" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert sorted(p.name for p in out.iterdir()) == ["bazinga-db.zip"]  # no temporary files left


# ------------------------------------------------------------------------------------------- install
def install(source: Path, project: Path, *extra: str, tmp_path: Path) -> dict:
    return run_packager("--source", str(source), "--install", str(project), *extra, tmp_path=tmp_path)


def installed_files(project: Path) -> dict[str, bytes]:
    root = project / ".claude" / "skills" / "bazinga-db"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    return path


def test_install_copies_exactly_the_package(skill, project, tmp_path):
    result = install(skill, project, tmp_path=tmp_path)
    assert result == {
        "exit": 0,
        "stdout": "✓ Installed bazinga-db into <tmp>/project/.claude/skills/bazinga-db: "
        f"{FILES} written, 0 unchanged, 0 removed\n",
        "stderr": "",
    }
    files = installed_files(project)
    manifest = json.loads(files.pop(package.INSTALL_MANIFEST))
    assert ["bazinga-db/" + rel for rel in files] == EXPECTED_CONTENTS
    assert files["skill/cli.py"] == (skill / "skill" / "cli.py").read_bytes()
    assert sorted(manifest["files"]) == list(files)


def test_reinstall_and_upgrade_need_no_force_when_nothing_was_edited(skill, project, tmp_path):
    install(skill, project, tmp_path=tmp_path)
    again = install(skill, project, tmp_path=tmp_path)
    assert again["exit"] == 0 and f"0 written, {FILES} unchanged, 0 removed" in again["stdout"]
    (skill / "references" / "schema.md").write_text("# schema v2\n")
    (skill / "skill" / "errors.py").unlink()
    (skill / "skill" / "cli.py").write_text("import json\n")
    (skill / "skill" / "__pycache__").mkdir()  # caches in the installed copy are not local changes
    target = project / ".claude" / "skills" / "bazinga-db"
    (target / "skill" / "__pycache__" / "cli.cpython-312.pyc").write_bytes(b"\0")  # another Python's
    upgrade = install(skill, project, tmp_path=tmp_path)
    assert upgrade["exit"] == 0, upgrade
    # written: schema.md, cli.py and its bytecode; removed: errors.py and its bytecode
    assert "3 written, 6 unchanged, 2 removed" in upgrade["stdout"]
    files = installed_files(project)
    assert "skill/errors.py" not in files and "skill/__pycache__/errors.cpython-311.pyc" not in files
    assert files["skill/__pycache__/cli.cpython-311.pyc"][8:16] == importlib.util.source_hash(
        b"import json\n"
    )
    assert files["references/schema.md"] == b"# schema v2\n"
    (target / "references" / "notes.md").write_text("mine\n")  # added by hand: kept, no --force needed
    kept = install(skill, project, tmp_path=tmp_path)
    assert kept["exit"] == 0
    assert kept["stdout"].endswith("⚠ Kept files added by hand: references/notes.md\n")
    assert (target / "references" / "notes.md").read_text() == "mine\n"


def test_install_refuses_to_overwrite_local_changes_without_force(skill, project, tmp_path, snapshot):
    install(skill, project, tmp_path=tmp_path)
    target = project / ".claude" / "skills" / "bazinga-db"
    (target / "references" / "schema.md").write_text("# my notes\n")
    (target / "references" / "mine.md").write_text("mine\n")
    (skill / "references" / "schema.md").write_text("# schema v2\n")
    refused = install(skill, project, tmp_path=tmp_path)
    assert refused["exit"] == 1
    assert "❌ [local-changes]" in refused["stderr"]
    assert (target / "references" / "schema.md").read_text() == "# my notes\n"
    assert refused == snapshot
    forced = install(skill, project, "--force", tmp_path=tmp_path)
    assert forced["exit"] == 0
    assert forced == snapshot
    assert (target / "references" / "schema.md").read_text() == "# schema v2\n"
    assert (target / "references" / "mine.md").read_text() == "mine\n"  # added by hand: never deleted


def test_install_over_a_copy_made_by_hand_refuses_only_when_it_differs(skill, project, tmp_path):
    target = project / ".claude" / "skills" / "bazinga-db"
    shutil.copytree(skill, target, ignore=shutil.ignore_patterns("devtools"))
    same = install(skill, project, tmp_path=tmp_path)
    assert same["exit"] == 0 and "4 written, 7 unchanged" in same["stdout"]  # the bytecode was missing
    (target / package.INSTALL_MANIFEST).unlink()
    (target / "SKILL.md").write_text((skill / "SKILL.md").read_text() + "edited\n")
    refused = install(skill, project, tmp_path=tmp_path)
    assert refused["exit"] == 1 and refused["stderr"].startswith(
        "❌ [local-changes] <tmp>/project/.claude/skills/bazinga-db "
        "has local changes the install would overwrite: "
        "SKILL.md\n"
    )


def test_install_refuses_a_broken_skill_and_a_missing_project(skill, project, tmp_path):
    (skill / "SKILL.md").write_text("no frontmatter\n")
    broken = install(skill, project, tmp_path=tmp_path)
    assert broken["exit"] == 1 and "❌ [frontmatter-delimiters]" in broken["stderr"]
    assert not (project / ".claude").exists()
    missing = install(skill, tmp_path / "nowhere", tmp_path=tmp_path)
    assert missing["exit"] == 2 and "❌ [install] <tmp>/nowhere is not a folder" in missing["stderr"]
