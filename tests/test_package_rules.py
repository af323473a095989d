"""The packager's upload rules: each one broken by a crafted skill folder, refused with a ❌ naming it."""

from __future__ import annotations

import io
import os
import sys
import zipfile
from pathlib import Path

import pytest

from skill.devtools import package

VALID_SKILL_MD = """---
name: bazinga-db
description: Stores orchestration data. Use when agents save or read sessions, logs and state.
license: MIT
metadata:
  version: "1.0.0"
allowed-tools: Bash Read
---
# bazinga-db
Run scripts/bazinga_db.py; see references/schema.md.
"""


def make_skill(root: Path, skill_md: str | bytes = VALID_SKILL_MD) -> Path:
    """A minimal skill folder that passes every rule (until a test breaks one)."""
    (root / "scripts").mkdir(parents=True)
    (root / "skill").mkdir()
    (root / "references").mkdir()
    (root / "prompts").mkdir()
    (root / "scripts" / "bazinga_db.py").write_text(
        "import sys\nfrom skill.cli import main\nsys.exit(main())\n"
    )
    (root / "skill" / "__init__.py").write_text("")
    (root / "skill" / "cli.py").write_text("from . import errors\nfrom .errors import Boom\nimport json\n")
    (root / "skill" / "errors.py").write_text("class Boom(Exception):\n    pass\n")
    (root / "skill" / "devtools").mkdir()
    (root / "skill" / "devtools" / "package.py").write_text(
        "import yaml\n"
    )  # a dev-only module: never shipped
    (root / "references" / "schema.md").write_text("# schema\n")
    (root / "prompts" / "commands.json").write_text("{}\n")
    write_skill_md(root, skill_md)
    return root


def write_skill_md(root: Path, text: str | bytes) -> None:
    path = root / "SKILL.md"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))


def run_packager(*argv: str, tmp_path: Path) -> dict:
    out, err = io.StringIO(), io.StringIO()
    code = package.run(list(argv), out, err)
    clean = lambda text: text.replace(str(tmp_path), "<tmp>")  # noqa: E731
    return {"exit": code, "stdout": clean(out.getvalue()), "stderr": clean(err.getvalue())}


@pytest.fixture
def skill(tmp_path: Path) -> Path:
    return make_skill(tmp_path / "src")


def replace_line(text: str, start: str, new: str) -> str:
    lines = text.split("\n")
    found = [i for i, line in enumerate(lines) if line.startswith(start)]
    assert found, f"no line starts with {start!r}"
    lines[found[0]] = new
    return "\n".join(lines)


def skill_md_with(start: str, new: str) -> str:
    return replace_line(VALID_SKILL_MD, start, new)


def body_lines(n: int) -> str:
    head = VALID_SKILL_MD.split("---\n# bazinga-db")[0]
    return head + "---\n" + "".join(f"line {i}\n" for i in range(n))


def long_name() -> str:
    return "a" * 65


# (id, rule the ❌ must name, how to break the valid folder)
def _skill_md(text):
    return lambda root: write_skill_md(root, text)


def _add(rel: str, data: bytes = b"x\n"):
    def apply(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    return apply


def _many_files(root: Path) -> None:
    for i in range(package.MAX_FILES):
        _add(f"references/page_{i:03d}.md")(root)


def _big_file(root: Path) -> None:
    _add("references/big.bin", b"\0" * package.MAX_BYTES)(root)


def _symlink(root: Path) -> None:
    (root / "references" / "link.md").symlink_to(root / "references" / "schema.md")


def _no_skill_md(root: Path) -> None:
    (root / "SKILL.md").unlink()


BROKEN = [
    ("missing-skill-md", "skill-md", _no_skill_md),
    ("bom", "frontmatter-bom", _skill_md(b"\xef\xbb\xbf" + VALID_SKILL_MD.encode())),
    (
        "latin1",
        "skill-md-encoding",
        _skill_md(VALID_SKILL_MD.replace("Stores", "Stor\xe9s").encode("latin-1")),
    ),
    ("crlf", "frontmatter-line-endings", _skill_md(VALID_SKILL_MD.replace("\n", "\r\n"))),
    ("no-frontmatter", "frontmatter-delimiters", _skill_md("# bazinga-db\nno frontmatter\n")),
    (
        "unclosed-frontmatter",
        "frontmatter-delimiters",
        _skill_md(VALID_SKILL_MD.replace("---\n# bazinga", "# bazinga")),
    ),
    ("tab", "frontmatter-tabs", _skill_md(skill_md_with("  version", '\tversion: "1.0.0"'))),
    (
        "unquoted-colon",
        "frontmatter-unquoted-colon",
        _skill_md(skill_md_with("description", "description: Stores data. Use when: agents save state.")),
    ),
    (
        "unquoted-comment",
        "frontmatter-unquoted-comment",
        _skill_md(skill_md_with("description", "description: Stores data #1 for agents.")),
    ),
    ("duplicate-key", "frontmatter-duplicate-key", _skill_md(skill_md_with("license", "name: bazinga-db"))),
    (
        "duplicate-nested-key",
        "frontmatter-duplicate-key",
        _skill_md(skill_md_with("allowed-tools", '  version: "2.0.0"\nallowed-tools: Bash Read')),
    ),
    ("bad-yaml", "frontmatter-yaml", _skill_md(skill_md_with("license", 'license: "MIT'))),
    ("not-a-mapping", "frontmatter-mapping", _skill_md("---\n- name\n- description\n---\nbody\n")),
    ("version-top-level", "frontmatter-keys", _skill_md(skill_md_with("license", 'version: "1.0.0"'))),
    ("unknown-keys", "frontmatter-keys", _skill_md(skill_md_with("license", "author: me\ntags: db"))),
    ("no-name", "name", _skill_md(skill_md_with("name", "compatibility: Python 3.9+"))),
    ("name-uppercase", "name", _skill_md(skill_md_with("name", "name: Bazinga-DB"))),
    ("name-double-hyphen", "name", _skill_md(skill_md_with("name", "name: bazinga--db"))),
    ("name-trailing-hyphen", "name", _skill_md(skill_md_with("name", "name: bazinga-"))),
    ("name-too-long", "name", _skill_md(skill_md_with("name", f"name: {long_name()}"))),
    ("name-not-text", "name", _skill_md(skill_md_with("name", "name: 42"))),
    ("name-not-folder", "name-folder", _skill_md(skill_md_with("name", "name: other-skill"))),
    ("no-description", "description", _skill_md(skill_md_with("description", "compatibility: Python 3.9+"))),
    ("empty-description", "description", _skill_md(skill_md_with("description", 'description: ""'))),
    (
        "long-description",
        "description",
        _skill_md(skill_md_with("description", "description: " + "d" * 1025)),
    ),
    (
        "angle-brackets",
        "description-angle-brackets",
        _skill_md(skill_md_with("description", "description: Stores <data> for agents.")),
    ),
    ("license-not-text", "license", _skill_md(skill_md_with("license", "license: [MIT]"))),
    (
        "allowed-tools-list",
        "allowed-tools",
        _skill_md(skill_md_with("allowed-tools", "allowed-tools: [Bash, Read]")),
    ),
    (
        "long-compatibility",
        "compatibility",
        _skill_md(skill_md_with("license", "compatibility: " + "c" * 501)),
    ),
    ("version-not-text", "metadata", _skill_md(skill_md_with("  version", "  version: 1.0"))),
    (
        "metadata-not-mapping",
        "metadata",
        _skill_md(skill_md_with("metadata", "metadata: v1").replace('  version: "1.0.0"\n', "")),
    ),
    (
        "no-metadata",
        "metadata-version",
        _skill_md(skill_md_with("metadata", "").replace('  version: "1.0.0"\n', "")),
    ),
    ("no-version", "metadata-version", _skill_md(skill_md_with("  version", '  author: "me"'))),
    ("empty-body", "body", _skill_md(VALID_SKILL_MD.split("# bazinga-db")[0])),
    ("body-500-lines", "body-length", _skill_md(body_lines(500))),
    ("dangling-reference", "skill-md-links", _skill_md(VALID_SKILL_MD + "See references/missing.md.\n")),
    ("too-many-files", "file-count", _many_files),
    ("non-ascii-path", "ascii-paths", _add("references/r\u00e9sum\u00e9.md")),
    ("too-big", "size", _big_file),
    ("test-inside", "no-caches-or-tests", _add("skill/test_cli.py")),
    ("tests-folder-inside", "no-caches-or-tests", _add("scripts/tests/helper.py")),
    ("database-inside", "no-caches-or-tests", _add("references/bazinga.db")),
    ("symlink", "regular-files", _symlink),
    ("third-party-import", "runtime-imports", _add("skill/fancy.py", b"import yaml\n")),
    ("dev-module-import", "runtime-imports", _add("skill/fancy.py", b"from .devtools import package\n")),
    (
        "dev-module-import-absolute",
        "runtime-imports",
        _add("scripts/tool.py", b"from skill.devtools.package import main\n"),
    ),
    ("syntax-error", "runtime-syntax", _add("skill/broken.py", b"def (:\n")),
]


@pytest.mark.parametrize("case, rule, breaker", BROKEN, ids=[case for case, _, _ in BROKEN])
def test_each_broken_rule_is_refused_by_name(case, rule, breaker, skill, tmp_path, snapshot):
    breaker(skill)
    result = run_packager("--source", str(skill), "--check", tmp_path=tmp_path)
    assert result["exit"] == 1
    assert f"❌ [{rule}]" in result["stderr"]
    assert result["stdout"] == ""
    assert "Traceback" not in result["stderr"]
    assert result == snapshot


SOME_BROKEN = BROKEN[:3] + BROKEN[-4:]


@pytest.mark.parametrize("case, rule, breaker", SOME_BROKEN, ids=[case for case, _, _ in SOME_BROKEN])
def test_a_broken_rule_stops_the_build_and_writes_nothing(case, rule, breaker, skill, tmp_path):
    breaker(skill)
    out = tmp_path / "out"
    result = run_packager("--source", str(skill), "--out", str(out), tmp_path=tmp_path)
    assert result["exit"] == 1
    assert f"❌ [{rule}]" in result["stderr"]
    assert not (out / "bazinga-db.zip").exists()


def test_every_broken_rule_is_reported_at_once(skill, tmp_path, snapshot):
    write_skill_md(skill, skill_md_with("name", "name: Other").replace("Stores", "Stores <x>"))
    _add("skill/test_x.py")(skill)
    result = run_packager("--source", str(skill), "--check", tmp_path=tmp_path)
    assert result["exit"] == 1
    for rule in ("name", "description-angle-brackets", "no-caches-or-tests"):
        assert f"❌ [{rule}]" in result["stderr"]
    assert result["stderr"].startswith("❌ bazinga-db: 3 upload rules broken\n")
    assert result == snapshot


ACCEPTED = [
    (
        "quoted-colon",
        skill_md_with("description", 'description: "Stores data. Use when: agents save state."'),
    ),
    ("single-quoted-hash", skill_md_with("description", "description: 'Stores data #1 for agents.'")),
    (
        "folded-description",
        skill_md_with("description", "description: >\n  Stores data: sessions, logs.\n  Use it often."),
    ),
    (
        "minimal-keys",
        "---\nname: bazinga-db\ndescription: Stores data.\nmetadata:\n  version: '1'\n---\nbody\n",
    ),
    ("compatibility", skill_md_with("license", "compatibility: Python 3.9+, no network")),
    ("body-499-lines", body_lines(499)),
]


@pytest.mark.parametrize("case, text", ACCEPTED, ids=[case for case, _ in ACCEPTED])
def test_valid_variants_pass(case, text, skill, tmp_path):
    write_skill_md(skill, text)
    result = run_packager("--source", str(skill), "--check", tmp_path=tmp_path)
    assert result["stderr"] == ""
    assert result["exit"] == 0
    assert result["stdout"].startswith("✓ bazinga-db passes the upload rules: ")


def test_caches_and_dev_modules_are_left_out_silently(skill, tmp_path):
    for rel in (
        "skill/__pycache__/cli.cpython-311.pyc",
        "scripts/__pycache__/x.pyc",
        "skill/cli.py~",
        "references/.DS_Store",
    ):
        _add(rel)(skill)
    files, violations = package.collect_files(skill)
    assert violations == []
    assert [rel for rel, _ in files] == [
        "SKILL.md",
        "prompts/commands.json",
        "references/schema.md",
        "scripts/bazinga_db.py",
        "skill/__init__.py",
        "skill/cli.py",
        "skill/errors.py",
    ]


def test_an_import_guarded_by_import_error_is_an_optional_dependency(skill, tmp_path):
    _add("skill/fast.py", b"try:\n    import orjson as json\nexcept ImportError:\n    import json\n")(skill)
    assert package.check_runtime_imports(package.collect_files(skill)[0], skill) == []


def test_missing_pyyaml_is_a_clear_refusal(skill, tmp_path, monkeypatch, snapshot):
    monkeypatch.setitem(sys.modules, "yaml", None)  # makes `import yaml` raise ImportError
    result = run_packager("--source", str(skill), "--check", tmp_path=tmp_path)
    assert result["exit"] == 1
    assert "❌ [pyyaml]" in result["stderr"] and "pip install pyyaml" in result["stderr"]
    assert result == snapshot


@pytest.mark.parametrize(
    "argv",
    [["--source", "{tmp}/nowhere", "--check"], ["--force"], ["--check", "--list"], ["--bogus"]],
    ids=["missing-source", "force-without-install", "two-modes", "unknown-option"],
)
def test_usage_errors_exit_2(argv, tmp_path, snapshot):
    result = run_packager(*[a.replace("{tmp}", str(tmp_path)) for a in argv], tmp_path=tmp_path)
    assert result["exit"] == 2
    assert result["stdout"] == ""
    assert result["stderr"]
    assert "Traceback" not in result["stderr"]
    assert result == snapshot


def test_help_goes_to_stdout(tmp_path):
    result = run_packager("--help", tmp_path=tmp_path)
    assert result["exit"] == 0
    assert "--install PROJECT_DIR" in result["stdout"] and result["stderr"] == ""


# --verify: a ZIP built by other means is held to the same rules
def _write_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_verify_accepts_what_build_wrote(skill, tmp_path):
    built = run_packager("--source", str(skill), "--out", str(tmp_path / "out"), tmp_path=tmp_path)
    assert built["exit"] == 0, built
    result = run_packager("--verify", str(tmp_path / "out" / "bazinga-db.zip"), tmp_path=tmp_path)
    assert result["exit"] == 0 and result["stderr"] == ""
    assert "passes the upload rules: 11 files" in result["stdout"]  # 7 and the bytecode of 4 modules


@pytest.mark.parametrize(
    "case, rule, entries",
    [
        ("wrong-folder", "zip-folder", {"skill/SKILL.md": VALID_SKILL_MD.encode()}),
        ("two-folders", "zip-folder", {"bazinga-db/SKILL.md": VALID_SKILL_MD.encode(), "extra/x.md": b"x"}),
        (
            "cache-inside",
            "no-caches-or-tests",
            {
                "bazinga-db/SKILL.md": VALID_SKILL_MD.replace(
                    "Run scripts/bazinga_db.py; see references/schema.md.", "Hi."
                ).encode(),
                "bazinga-db/skill/__pycache__/cli.cpython-312.pyc": b"\0",  # not the upload runtime's
            },
        ),
        ("no-skill-md", "skill-md", {"bazinga-db/README.md": b"x"}),
    ],
    ids=["wrong-folder", "two-folders", "cache-inside", "no-skill-md"],
)
def test_verify_refuses_a_bad_zip(case, rule, entries, tmp_path, snapshot):
    path = _write_zip(tmp_path / "x.zip", entries)
    result = run_packager("--verify", str(path), tmp_path=tmp_path)
    assert result["exit"] == 1
    assert f"❌ [{rule}]" in result["stderr"]
    assert result == snapshot


def test_verify_refuses_a_file_that_is_not_a_zip(tmp_path, snapshot):
    path = tmp_path / "x.zip"
    path.write_text("not a zip")
    result = run_packager("--verify", str(path), tmp_path=tmp_path)
    assert result["exit"] == 1 and "❌ [zip]" in result["stderr"]
    assert result == snapshot


# The upload runtime's bytecode: beside its source, unchecked-hash, compiled from the source that ships
def _bytecode_zip(tmp_path: Path, change) -> Path:
    """A ZIP as build writes it, then one entry changed by ``change(entries)``."""
    skill = make_skill(tmp_path / "src")
    built = run_packager("--source", str(skill), "--out", str(tmp_path / "out"), tmp_path=tmp_path)
    assert built["exit"] == 0, built
    with zipfile.ZipFile(tmp_path / "out" / "bazinga-db.zip") as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    change(entries)
    return _write_zip(tmp_path / "changed.zip", entries)


PYC = "bazinga-db/skill/__pycache__/cli.cpython-311.pyc"


def _source_edited(entries: dict) -> None:
    entries["bazinga-db/skill/cli.py"] += b"VERSION = 2\n"


def _checked_hash(entries: dict) -> None:
    entries[PYC] = entries[PYC][:4] + b"\3\0\0\0" + entries[PYC][8:]


def _orphan(entries: dict) -> None:
    entries["bazinga-db/skill/__pycache__/gone.cpython-311.pyc"] = entries[PYC]


@pytest.mark.parametrize(
    "change, found",
    [
        (
            _source_edited,
            "skill/__pycache__/cli.cpython-311.pyc (compiled from another version of skill/cli.py)",
        ),
        (_checked_hash, "skill/__pycache__/cli.cpython-311.pyc (not unchecked-hash Python 3.11 bytecode)"),
        (_orphan, "skill/__pycache__/gone.cpython-311.pyc (no module skill/gone.py beside it)"),
    ],
    ids=["stale", "checked-hash", "orphan"],
)
def test_verify_refuses_bytecode_that_is_not_what_the_source_compiles_to(change, found, tmp_path):
    result = run_packager("--verify", str(_bytecode_zip(tmp_path, change)), tmp_path=tmp_path)
    assert result["exit"] == 1 and result["stdout"] == ""
    assert result["stderr"] == (
        f"❌ [bytecode] stale or stray bytecode: {found}\n"
        "   → Build with python3 -m skill.devtools.package, which compiles it from the sources it ships.\n"
    )


def test_no_bytecode_leaves_it_out(skill, tmp_path):
    result = run_packager("--source", str(skill), "--list", "--no-bytecode", tmp_path=tmp_path)
    assert result["exit"] == 0 and ".pyc" not in result["stdout"]
    assert result["stdout"].splitlines()[-1].split()[-2:] == ["7", "files"]


def test_the_bytecode_is_what_python_3_11_compiles(skill):
    """Byte for byte what py_compile writes with the unchecked-hash mode, when this is a Python 3.11."""
    if sys.version_info[:2] != package.BYTECODE_PYTHON:
        pytest.skip("needs Python 3.11 to compare with py_compile")
    import py_compile
    import tempfile

    shipped = dict(package.check_source(skill).files)
    for rel in ("skill/cli.py", "skill/__init__.py", "scripts/bazinga_db.py"):
        with tempfile.TemporaryDirectory() as folder:
            target = os.path.join(folder, "x.pyc")
            py_compile.compile(
                str(skill / rel),
                target,
                dfile=rel,
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )
            with open(target, "rb") as file:
                assert shipped[package.bytecode_path(rel)] == file.read()
