"""Build, check and install the bazinga-db skill. A development tool: never shipped, never run by the skill.

    python3 -m skill.devtools.package [--out DIR]          build DIR/bazinga-db.zip (default: dist/)
    python3 -m skill.devtools.package --check              check the upload rules without writing anything
    python3 -m skill.devtools.package --verify ZIP         check an existing ZIP against the same rules
    python3 -m skill.devtools.package --list               print what the ZIP holds
    python3 -m skill.devtools.package --install PROJECT [--force]
                                                  copy the skill to PROJECT/.claude/skills/bazinga-db/

What ships: SKILL.md, LICENSE (if present), scripts/, skill/ without the development modules named in
DEV_ONLY, references/, prompts/. Caches and editor leftovers are skipped; tests, databases, build output
and the like inside those folders are refused, since they mean something landed in the wrong place.

Beside every importable module ships its bytecode for the upload runtime's Python (3.11), compiled here
as a hash-based pyc that is not checked against its source ("unchecked hash", PEP 552): that Python loads
it without reading the source or writing anything, so a cold start from a read-only folder (a sandbox)
costs what a warm one does. Other Pythons ignore it (another cache tag) and compile as usual. It is made by
a Python 3.11 interpreter (this one, or python3.11 on PATH) and checked against its source on every
--check, build, --verify and --install; ``--no-bytecode`` leaves it out.

The upload rules (design.md, "Packaging") are checked on every build, install and --check, all at once,
each broken rule reported as a ❌ line naming it. The frontmatter is read with PyYAML (a development
dependency) through a loader that, like a strict uploader, refuses duplicate keys; BOMs, tabs, CR line
endings and unquoted ": " or " #" inside values are refused before YAML can misread them.

The ZIP is deterministic: sorted entries, fixed timestamps and permissions, so two builds of the same tree
are byte-identical. Exit codes: 0 success, 1 a rule is broken or the operation failed, 2 usage.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import hashlib
import importlib.util
import io
import json
import marshal
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

SKILL_NAME = "bazinga-db"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO_ROOT / "dist"

# What the skill folder holds at run time: these top-level entries, when present.
SHIPPED_FILES = ("SKILL.md", "LICENSE")
SHIPPED_DIRS = ("scripts", "skill", "references", "prompts")
# Modules of skill/ that only developers run (they may import the dev dependencies); they stay out of the
# ZIP, and the runtime-imports rule refuses any shipped module that imports them.
DEV_ONLY = ("skill/devtools",)  # a folder: everything under it

# Skipped silently: artefacts that running or editing leaves behind.
JUNK_DIRS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"}
JUNK_FILE = re.compile(r"(\.py[co]|~|\.swp|\.swo|\.orig|\.rej)$|^(\.DS_Store|Thumbs\.db)$")
# Refused: these inside a shipped folder mean something is in the wrong place.
FORBIDDEN_DIRS = {"tests", "test", "dist", "build", ".git", "bench", "benchmarks", "coordination", ".venv"}
FORBIDDEN_FILE = re.compile(
    r"^(test_.*\.py|.*_test\.py|conftest\.py|\.git|\.gitignore)$|\.(db|db-wal|db-shm|sqlite3?|zip|egg-info)$"
)

# The upload rules.
ALLOWED_KEYS = ("name", "description", "license", "compatibility", "metadata", "allowed-tools")
NAME_PATTERN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
MAX_NAME = 64
MAX_DESCRIPTION = 1024
MAX_COMPATIBILITY = 500
MAX_BODY_LINES = 500  # the body must stay under this
MAX_FILES = 200
MAX_BYTES = 8_000_000  # "under 8 MB", read strictly (decimal), for the unpacked files and for the ZIP

# Bytecode for the upload runtime (see the module's docstring).
BYTECODE_PYTHON = (3, 11)
BYTECODE_TAG = "cpython-311"
BYTECODE_MAGIC = (3495).to_bytes(2, "little") + b"\r\n"  # importlib.util.MAGIC_NUMBER of CPython 3.11
UNCHECKED_HASH = 0b01  # pyc flags: hash-based (bit 0), source not checked (bit 1 clear)
SHIPPED_BYTECODE = re.compile(
    r"^(?:skill(?:/[A-Za-z0-9_]+)*|scripts)/__pycache__/([A-Za-z0-9_]+)\.cpython-311\.pyc$"
)

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a ZIP can hold: fixed, so builds are byte-identical
INSTALL_MANIFEST = ".install-manifest.json"
SKILL_MD_PATH = re.compile(r"(?<![\w.-])((?:scripts|references|prompts|skill)/[A-Za-z0-9_./-]*[A-Za-z0-9_])")


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str
    hint: str = ""

    def render(self) -> str:
        text = f"❌ [{self.rule}] {self.message}"
        return text + (f"\n   → {self.hint}" if self.hint else "")


class PackageError(Exception):
    """The package cannot be built, checked or installed; carries every broken rule."""

    def __init__(self, violations: Sequence[Violation], exit_code: int = 1):
        super().__init__("; ".join(v.message for v in violations))
        self.violations = list(violations)
        self.exit_code = exit_code


@dataclass
class SkillInfo:
    frontmatter: dict[str, Any]
    body_lines: int
    size: int
    lines: int


@dataclass
class Report:
    """What a check found: the files (path in the skill folder, bytes), SKILL.md facts, the rules broken."""

    files: list[tuple[str, bytes]]
    skill: SkillInfo | None
    violations: list[Violation] = field(default_factory=list)

    @property
    def unpacked_bytes(self) -> int:
        return sum(len(data) for _, data in self.files)


# ---------------------------------------------------------------------------------------------- files
def collect_files(source: Path) -> tuple[list[tuple[str, bytes]], list[Violation]]:
    """The files the skill ships, sorted by path, and the violations found while collecting them."""
    files: list[tuple[str, bytes]] = []
    violations: list[Violation] = []
    for name in SHIPPED_FILES:
        path = source / name
        if path.is_file():
            files.append((name, path.read_bytes()))
    for top in SHIPPED_DIRS:
        base = source / top
        if not base.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
            here = Path(dirpath)
            rel_dir = here.relative_to(source).as_posix()
            kept = []
            for d in sorted(dirnames):
                if d in JUNK_DIRS:
                    continue
                if d in FORBIDDEN_DIRS or d.endswith(".egg-info"):
                    violations.append(_forbidden(f"{rel_dir}/{d}/"))
                    continue
                if (here / d).is_symlink():
                    violations.append(_symlink(f"{rel_dir}/{d}"))
                    continue
                kept.append(d)
            dirnames[:] = kept
            for f in sorted(filenames):
                rel = f"{rel_dir}/{f}"
                if _dev_only(rel) or JUNK_FILE.search(f):
                    continue
                if FORBIDDEN_FILE.search(f):
                    violations.append(_forbidden(rel))
                    continue
                if (here / f).is_symlink():
                    violations.append(_symlink(rel))
                    continue
                files.append((rel, (here / f).read_bytes()))
    files.sort()
    return files, violations


def _forbidden(rel: str) -> Violation:
    return Violation(
        "no-caches-or-tests",
        f"{rel} would ship inside the skill (tests, databases, build output and repository files stay out)",
        "Move it out of " + ", ".join(SHIPPED_DIRS) + " (tests belong in tests/ at the repository root).",
    )


def _symlink(rel: str) -> Violation:
    return Violation(
        "regular-files", f"{rel} is a symbolic link", "Ship a real file; a ZIP upload cannot hold links."
    )


# ------------------------------------------------------------------------------------------ frontmatter
def _yaml_module() -> Any:
    try:
        import yaml
    except ImportError:
        raise PackageError(
            [
                Violation(
                    "pyyaml",
                    "the packager needs PyYAML to read SKILL.md's frontmatter as an uploader does; "
                    "it is not installed",
                    "pip install pyyaml   (or: pip install -e '.[dev]')",
                )
            ]
        ) from None
    return yaml


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int):
        super().__init__(key)
        self.key = key
        self.line = line


def _strict_loader(yaml: Any) -> Any:
    """A SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""

    class StrictLoader(yaml.SafeLoader):
        pass

    def construct_mapping(loader: Any, node: Any, deep: bool = False) -> Any:
        loader.flatten_mapping(node)
        seen = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in seen:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            seen.add(key)
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return StrictLoader


_KEY_VALUE = re.compile(r"^(\s*)([A-Za-z0-9_-]+):[ ]+(\S.*)$")


def _plain_scalar_problems(frontmatter: str) -> list[Violation]:
    """Unquoted values YAML misreads: ': ' makes a mapping (an error), ' #' starts a comment (silent loss)."""
    found = []
    for number, line in enumerate(frontmatter.split("\n"), start=2):  # line 1 of SKILL.md is the opening ---
        match = _KEY_VALUE.match(line)
        if not match:
            continue
        key, value = match.group(2), match.group(3)
        if value[0] in "\"'|>[{&*!":
            continue
        if ": " in value or value.endswith(":"):
            found.append(
                Violation(
                    "frontmatter-unquoted-colon",
                    f"SKILL.md line {number}: the value of {key!r} contains ': ' without quotes, "
                    "which YAML reads as a "
                    "new mapping (a strict uploader refuses the file)",
                    f"Quote the value: {key}: \"…\", or rephrase without ': '.",
                )
            )
        if " #" in value:
            found.append(
                Violation(
                    "frontmatter-unquoted-comment",
                    f"SKILL.md line {number}: the value of {key!r} contains ' #' without quotes, "
                    "so YAML drops the rest "
                    "of the line as a comment",
                    f'Quote the value: {key}: "…".',
                )
            )
    return found


def split_skill_md(raw: bytes) -> tuple[str | None, str | None, list[Violation]]:
    """SKILL.md's frontmatter text and body, or the violations that prevent reading them."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return (
            None,
            None,
            [
                Violation(
                    "frontmatter-bom",
                    "SKILL.md starts with a byte-order mark",
                    "Save SKILL.md as UTF-8 without BOM.",
                )
            ],
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return (
            None,
            None,
            [
                Violation(
                    "skill-md-encoding",
                    f"SKILL.md is not UTF-8 ({error.reason} at byte {error.start})",
                    "Save SKILL.md as UTF-8.",
                )
            ],
        )
    if "\r" in text:
        return (
            None,
            None,
            [
                Violation(
                    "frontmatter-line-endings",
                    "SKILL.md has CR (Windows) line endings",
                    "Save SKILL.md with LF line endings.",
                )
            ],
        )
    match = re.match(r"---\n(.*?\n)?---(\n|$)", text, re.DOTALL)
    if not match:
        return (
            None,
            None,
            [
                Violation(
                    "frontmatter-delimiters",
                    "SKILL.md does not start with a frontmatter block "
                    "('---' on line 1, closed by a line '---')",
                    "Begin SKILL.md with ---, the name/description lines, then ---.",
                )
            ],
        )
    return match.group(1) or "", text[match.end() :], []


def read_frontmatter(frontmatter: str) -> tuple[dict[str, Any] | None, list[Violation]]:
    """Parse the frontmatter strictly; return the mapping or the violations."""
    violations = []
    for number, line in enumerate(frontmatter.split("\n"), start=2):
        if "\t" in line:
            violations.append(
                Violation(
                    "frontmatter-tabs",
                    f"SKILL.md line {number} contains a tab",
                    "Indent YAML with spaces only.",
                )
            )
    violations += _plain_scalar_problems(frontmatter)
    if violations:
        return None, violations
    yaml = _yaml_module()
    try:
        data = yaml.load(frontmatter, Loader=_strict_loader(yaml))
    except _DuplicateKey as duplicate:
        return None, [
            Violation(
                "frontmatter-duplicate-key",
                f"SKILL.md line {duplicate.line + 1}: key {duplicate.key!r} appears twice in the frontmatter",
                "Keep one of them.",
            )
        ]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 2}" if mark is not None else "frontmatter"
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        return None, [
            Violation(
                "frontmatter-yaml",
                f"SKILL.md {where}: invalid YAML ({problem})",
                "Quote values that contain YAML punctuation.",
            )
        ]
    if not isinstance(data, dict):
        return None, [
            Violation(
                "frontmatter-mapping",
                "SKILL.md's frontmatter is not a set of key: value lines",
                "Write name: and description: lines between the --- lines.",
            )
        ]
    return data, []


def check_frontmatter(data: dict[str, Any]) -> list[Violation]:
    violations = []
    unknown = [key for key in data if key not in ALLOWED_KEYS]
    if unknown:
        violations.append(
            Violation(
                "frontmatter-keys",
                "SKILL.md frontmatter has key(s) the uploader refuses: "
                + ", ".join(repr(str(k)) for k in unknown),
                "Allowed keys: " + ", ".join(ALLOWED_KEYS) + " (a version goes under metadata).",
            )
        )
    name = data.get("name")
    if not name:
        violations.append(Violation("name", "SKILL.md frontmatter has no name", f"Add name: {SKILL_NAME}"))
    elif not isinstance(name, str):
        violations.append(
            Violation(
                "name", f"name must be text, found {_yaml_type(name)} {name!r}", f"Use name: {SKILL_NAME}"
            )
        )
    elif len(name) > MAX_NAME or not NAME_PATTERN.fullmatch(name):
        violations.append(
            Violation(
                "name",
                f"name {name!r} is not 1-{MAX_NAME} characters of a-z, 0-9 and single hyphens",
                f"Use name: {SKILL_NAME}",
            )
        )
    elif name != SKILL_NAME:
        violations.append(
            Violation(
                "name-folder",
                f"name {name!r} differs from the skill's folder {SKILL_NAME!r}",
                f"Use name: {SKILL_NAME}",
            )
        )
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        violations.append(
            Violation(
                "description",
                "SKILL.md frontmatter has no description (or it is not text)",
                "Say what the skill does and when to use it.",
            )
        )
    else:
        if len(description) > MAX_DESCRIPTION:
            violations.append(
                Violation(
                    "description",
                    f"description is {len(description)} characters; the limit is {MAX_DESCRIPTION}",
                    "Shorten it; details belong in the body.",
                )
            )
        if "<" in description or ">" in description:
            violations.append(
                Violation(
                    "description-angle-brackets",
                    "description contains '<' or '>'",
                    "Rephrase without angle brackets.",
                )
            )
    for key in ("license", "allowed-tools"):
        if key in data and not isinstance(data[key], str):
            violations.append(
                Violation(
                    key,
                    f"{key} must be text, found {_yaml_type(data[key])}",
                    "Write it as plain text"
                    + (
                        ", tools separated by spaces: allowed-tools: Bash Read."
                        if key == "allowed-tools"
                        else "."
                    ),
                )
            )
    if "compatibility" in data:
        value = data["compatibility"]
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_COMPATIBILITY:
            violations.append(
                Violation(
                    "compatibility",
                    f"compatibility must be text of 1-{MAX_COMPATIBILITY} characters",
                    "Say briefly what the skill needs to run.",
                )
            )
    metadata = data.get("metadata")
    if metadata is None:
        violations.append(
            Violation(
                "metadata-version",
                "SKILL.md frontmatter has no metadata with a version",
                'Add a line metadata: followed by an indented line version: "1.0.0".',
            )
        )
    elif not isinstance(metadata, dict):
        violations.append(
            Violation("metadata", "metadata must be a mapping of key: value lines", "Indent its lines.")
        )
    else:
        for key, value in metadata.items():
            if not isinstance(key, str) or not isinstance(value, str):
                violations.append(
                    Violation(
                        "metadata",
                        f"metadata value {key!r} must be text, found {_yaml_type(value)} {value!r}",
                        f'Quote it: {key}: "{value}".',
                    )
                )
        if "version" not in metadata:
            violations.append(
                Violation(
                    "metadata-version", "metadata has no version", 'Add version: "1.0.0" under metadata.'
                )
            )
    return violations


def _yaml_type(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "a mapping"}
    return names.get(type(value), "null" if value is None else type(value).__name__)


def check_body(body: str, shipped: set[str]) -> list[Violation]:
    violations = []
    lines = len(body.splitlines())
    if not body.strip():
        violations.append(
            Violation("body", "SKILL.md has no body after the frontmatter", "Write the instructions.")
        )
    if lines >= MAX_BODY_LINES:
        violations.append(
            Violation(
                "body-length",
                f"SKILL.md's body is {lines} lines; it must stay under {MAX_BODY_LINES}",
                "Move detail into references/.",
            )
        )
    missing = sorted(
        {
            p
            for p in SKILL_MD_PATH.findall(body)
            if p not in shipped and not any(s.startswith(p + "/") for s in shipped)
        }
    )
    if missing:
        violations.append(
            Violation(
                "skill-md-links",
                "SKILL.md names file(s) the package lacks: " + ", ".join(missing),
                "Fix the path, or add the file.",
            )
        )
    return violations


# --------------------------------------------------------------------------------------- run-time code
def _is_stdlib(module: str) -> bool:
    names = getattr(sys, "stdlib_module_names", None)
    if names is not None:
        return module in names
    if module in sys.builtin_module_names or module == "__future__":  # Python 3.9: ask where it lives
        return True
    spec = importlib.util.find_spec(module)
    origin = getattr(spec, "origin", None) or ""
    stdlib = sysconfig.get_paths()["stdlib"]
    return origin.startswith(stdlib) and "site-packages" not in origin


def _guarded(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    """Is the import inside a try whose handlers catch ImportError (an optional dependency)?"""
    child, parent = node, parents.get(node)
    while parent is not None:
        if isinstance(parent, ast.Try) and child in parent.body:
            for handler in parent.handlers:
                names = [handler.type] if not isinstance(handler.type, ast.Tuple) else handler.type.elts
                if handler.type is None or any(
                    isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError", "Exception")
                    for n in names
                ):
                    return True
        child, parent = parent, parents.get(parent)
    return False


DEV_MODULES = {path.replace("/", ".") for path in DEV_ONLY}


def _dev_only(rel: str) -> bool:
    return any(rel == path or rel.startswith(path + "/") for path in DEV_ONLY)


def _ships(target: str, shipped: set[str], source: Path | None) -> bool:
    """Does the skill ship what `target` (skill.mod or skill.mod.attribute) imports? Longest module first."""
    parts = target.split(".")
    for end in range(len(parts), 1, -1):
        name = ".".join(parts[:end])
        if name in shipped:
            return True
        in_source = source is not None and (
            (source / (name.replace(".", "/") + ".py")).is_file()
            or (source / name.replace(".", "/")).is_dir()
        )
        if name in DEV_MODULES or in_source:
            return False
    return "skill" in shipped


def check_runtime_imports(files: Iterable[tuple[str, bytes]], source: Path | None = None) -> list[Violation]:
    """Shipped Python imports only the standard library, shipped skill modules and sibling scripts."""
    files = list(files)
    shipped_modules = set()
    script_modules = set()
    for rel, _ in files:
        path = PurePosixPath(rel)
        if path.suffix != ".py":
            continue
        if path.parts[0] == "skill":
            parts = list(path.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            shipped_modules.add(".".join(parts))
        elif path.parts[0] == "scripts" and len(path.parts) == 2:
            script_modules.add(path.stem)
    violations = []
    for rel, data in files:
        if not rel.endswith(".py"):
            continue
        try:
            tree = ast.parse(data, filename=rel)
        except SyntaxError as error:
            violations.append(
                Violation("runtime-syntax", f"{rel} line {error.lineno}: {error.msg}", "Fix the syntax.")
            )
            continue
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        package = ".".join(PurePosixPath(rel).parent.parts)
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                targets = (
                    [f"{base}.{alias.name}" for alias in node.names]
                    if base == "skill" or base.startswith("skill.")
                    else [base]
                )
            for target in targets:
                top = target.split(".")[0]
                if top == "skill":
                    if not _ships(target, shipped_modules, source):
                        violations.append(
                            Violation(
                                "runtime-imports",
                                f"{rel} line {node.lineno} imports {target}, which the skill does not ship",
                                "Run-time code must not import development modules ("
                                + ", ".join(DEV_ONLY)
                                + ").",
                            )
                        )
                elif top in script_modules or _is_stdlib(top) or _guarded(node, parents):
                    continue
                else:
                    violations.append(
                        Violation(
                            "runtime-imports",
                            f"{rel} line {node.lineno} imports {top}, which is not in the standard library",
                            "The skill runs on Python 3.9+ with no third-party packages: "
                            "use the standard library.",
                        )
                    )
    return violations


# ------------------------------------------------------------------------------------------- bytecode
def bytecode_path(rel: str) -> str:
    """Where the upload runtime looks for a module's bytecode (skill/__pycache__/api.cpython-311.pyc)."""
    folder, _, name = rel.rpartition("/")
    return f"{folder}/__pycache__/{name[:-3]}.{BYTECODE_TAG}.pyc"


def importable(rel: str) -> bool:
    """A module the skill imports (scripts run as programs are compiled by Python itself on each run; the
    entry script is imported too, by init_db.py and by dashboards)."""
    return rel.endswith(".py") and (rel.startswith("skill/") or rel == "scripts/bazinga_db.py")


# Run by the Python 3.11 interpreter: marshal'd [(path, source)] on stdin, marshal'd [pyc bytes or None, for
# a module that does not compile] on stdout.
_COMPILER = f"""
import importlib.util, marshal, sys
out = []
for rel, source in marshal.loads(sys.stdin.buffer.read()):
    try:
        code = compile(source, rel, "exec", dont_inherit=True, optimize=0)
    except (SyntaxError, ValueError):  # the runtime-syntax rule reports it
        out.append(None)
        continue
    flags = ({UNCHECKED_HASH}).to_bytes(4, "little")
    out.append(importlib.util.MAGIC_NUMBER + flags + importlib.util.source_hash(source) + marshal.dumps(code))
sys.stdout.buffer.write(marshal.dumps(out))
"""


def bytecode_python() -> str | None:
    """A CPython 3.11 interpreter to compile with: this one when it is, else python3.11 on PATH."""
    if sys.implementation.name == "cpython" and sys.version_info[:2] == BYTECODE_PYTHON:
        return sys.executable
    return shutil.which("python3.11")


def compile_bytecode(files: Sequence[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The unchecked-hash pycs of the importable modules among ``files``, as (path, bytes).

    Compiled in a separate 3.11 process with a fixed hash seed, so two builds give the same bytes.
    """
    sources = [(rel, data) for rel, data in files if importable(rel)]
    python = bytecode_python()
    if python is None:
        raise PackageError(
            [
                Violation(
                    "bytecode",
                    "no Python 3.11 to compile the upload runtime's bytecode with "
                    f"(this interpreter is {sys.version_info[0]}.{sys.version_info[1]} "
                    "and python3.11 is not on PATH)",
                    "Run the packager with Python 3.11, put python3.11 on PATH, or pass --no-bytecode.",
                )
            ]
        )
    done = subprocess.run(
        [python, "-I", "-c", _COMPILER],
        input=marshal.dumps(sources),
        capture_output=True,
        env={"PYTHONHASHSEED": "0", "PATH": os.environ.get("PATH", "")},
        timeout=300,
    )
    if done.returncode != 0:
        problem = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise PackageError(
            [
                Violation(
                    "bytecode", f"compiling with {python} failed: {problem[0]}", "Fix the module's syntax."
                )
            ]
        )
    compiled = zip(sources, marshal.loads(done.stdout))
    return [(bytecode_path(rel), pyc) for (rel, _), pyc in compiled if pyc is not None]


def check_bytecode(files: Sequence[tuple[str, bytes]]) -> list[Violation]:
    """Shipped bytecode sits beside its source, is unchecked-hash 3.11 bytecode, and matches the source."""
    contents = dict(files)
    shipped = [(rel, match, data) for rel, data in files if (match := SHIPPED_BYTECODE.match(rel))]
    if not shipped:
        return []
    found = []
    sources = {}
    for rel, match, data in shipped:
        source = f"{rel.split('/__pycache__/')[0]}/{match.group(1)}.py"
        if source not in contents or not importable(source):
            found.append(f"{rel} (no module {source} beside it)")
        elif data[:4] != BYTECODE_MAGIC or int.from_bytes(data[4:8], "little") != UNCHECKED_HASH:
            found.append(f"{rel} (not unchecked-hash Python 3.11 bytecode)")
        else:
            sources[source] = data
    if sources and bytecode_python() is not None:
        expected = dict(compile_bytecode([(rel, contents[rel]) for rel in sorted(sources)]))
        for source, data in sorted(sources.items()):
            if expected[bytecode_path(source)][:16] != data[:16]:  # magic, flags, source hash
                found.append(f"{bytecode_path(source)} (compiled from another version of {source})")
    if not found:
        return []
    return [
        Violation(
            "bytecode",
            "stale or stray bytecode: " + ", ".join(found),
            "Build with python3 -m skill.devtools.package, which compiles it from the sources it ships.",
        )
    ]


# ----------------------------------------------------------------------------------------------- checks
def check_files(files: Sequence[tuple[str, bytes]]) -> list[Violation]:
    violations = []
    if len(files) > MAX_FILES:
        violations.append(
            Violation(
                "file-count",
                f"the package holds {len(files)} files; the limit is {MAX_FILES}",
                "Ship fewer files (merge references, drop what is not needed at run time).",
            )
        )
    non_ascii = [rel for rel, _ in files if not rel.isascii()]
    if non_ascii:
        violations.append(
            Violation(
                "ascii-paths",
                "non-ASCII path(s): " + ", ".join(non_ascii),
                "Rename them with ASCII characters.",
            )
        )
    total = sum(len(data) for _, data in files)
    if total >= MAX_BYTES:
        violations.append(
            Violation(
                "size",
                f"the files add up to {total:,} bytes; the package must stay under {MAX_BYTES:,}",
                "Ship less.",
            )
        )
    junk = [rel for rel, _ in files if _is_junk_or_forbidden(rel)]
    if junk:
        violations.append(
            Violation(
                "no-caches-or-tests",
                "the package holds caches or tests: " + ", ".join(junk),
                "Build with python3 -m skill.devtools.package, which leaves them out.",
            )
        )
    return violations


def _is_junk_or_forbidden(rel: str) -> bool:
    if SHIPPED_BYTECODE.match(rel):
        return False
    parts = PurePosixPath(rel).parts
    dirs, name = parts[:-1], parts[-1]
    return (
        any(d in JUNK_DIRS or d in FORBIDDEN_DIRS or d.endswith(".egg-info") for d in dirs)
        or bool(JUNK_FILE.search(name))
        or bool(FORBIDDEN_FILE.search(name))
    )


def check_package(files: list[tuple[str, bytes]], source: Path | None = None) -> Report:
    """Every upload rule over a list of files (paths inside the skill folder)."""
    violations = check_files(files)
    contents = dict(files)
    skill = None
    if "SKILL.md" not in contents:
        violations.insert(0, Violation("skill-md", "the package has no SKILL.md", "Add SKILL.md at the top."))
    else:
        raw = contents["SKILL.md"]
        frontmatter_text, body, problems = split_skill_md(raw)
        violations = problems + violations
        if frontmatter_text is not None and body is not None:
            data, problems = read_frontmatter(frontmatter_text)
            violations = problems + violations
            if data is not None:
                violations = check_frontmatter(data) + violations
                skill = SkillInfo(
                    data, len(body.splitlines()), len(raw), len(raw.decode("utf-8").splitlines())
                )
            violations += check_body(body, set(contents))
    violations += check_runtime_imports(files, source)
    violations += check_bytecode(files)
    return Report(files, skill, violations)


def check_source(source: Path, *, bytecode: bool = True) -> Report:
    """Every upload rule over the skill folder ``source`` as it would ship (with bytecode, unless not)."""
    source = Path(source)
    if not source.is_dir():
        raise PackageError(
            [Violation("source", f"{source} is not a folder", "Give the skill's folder.")], exit_code=2
        )
    files, violations = collect_files(source)
    if bytecode:
        files = sorted(files + compile_bytecode(files))
    report = check_package(files, source)
    report.violations = violations + report.violations
    return report


def _require_clean(report: Report) -> None:
    if report.violations:
        raise PackageError(report.violations)


# ---------------------------------------------------------------------------------------------- build
def zip_bytes(files: Sequence[tuple[str, bytes]]) -> bytes:
    """The ZIP of the skill: one folder named after the skill, entries sorted, times and modes fixed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for rel, data in sorted(files):
            info = zipfile.ZipInfo(f"{SKILL_NAME}/{rel}", date_time=ZIP_TIME)
            info.create_system = 3  # unix, whatever the building machine: modes below are unix modes
            executable = rel.startswith("scripts/") and rel.endswith(".py")
            info.external_attr = ((0o100755 if executable else 0o100644) & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return buffer.getvalue()


@dataclass
class Built:
    path: Path | None
    report: Report
    zip_size: int


def build(
    source: Path = REPO_ROOT, out_dir: Path | None = None, *, write: bool = True, bytecode: bool = True
) -> Built:
    """Check the source, build the ZIP (in memory unless write); raise PackageError on a broken rule."""
    report = check_source(source, bytecode=bytecode)
    _require_clean(report)
    data = zip_bytes(report.files)
    if len(data) >= MAX_BYTES:
        raise PackageError(
            [
                Violation(
                    "size", f"the ZIP is {len(data):,} bytes; it must stay under {MAX_BYTES:,}", "Ship less."
                )
            ]
        )
    if not write:
        return Built(None, report, len(data))
    out = Path(out_dir) if out_dir is not None else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{SKILL_NAME}.zip"
    _atomic_write(target, data)
    return Built(target, report, len(data))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _atomic_write(target: Path, data: bytes) -> None:
    """Write through a temporary file and rename, so a reader never sees half a file."""
    handle, temp = tempfile.mkstemp(dir=str(target.parent), prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the mode open() would
        os.replace(temp, target)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def verify_zip(path: Path) -> Report:
    """Check an existing ZIP: one top-level folder named after the skill, then every upload rule."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as error:
        raise PackageError(
            [Violation("zip", f"{path} is not a readable ZIP ({error})", "Build it again.")]
        ) from None
    violations = []
    files = []
    with archive:
        for info in archive.infolist():
            top, _, rel = info.filename.partition("/")
            if top != SKILL_NAME:
                violations.append(
                    Violation(
                        "zip-folder",
                        f"{info.filename} is not inside the folder {SKILL_NAME}/",
                        f"Put everything in one top-level folder {SKILL_NAME}/ (equal to the name).",
                    )
                )
            elif rel and not info.is_dir():
                files.append((rel, archive.read(info)))
    report = check_package(sorted(files))
    report.violations = violations + report.violations
    if path.stat().st_size >= MAX_BYTES:
        report.violations.append(
            Violation(
                "size",
                f"the ZIP is {path.stat().st_size:,} bytes; it must stay under {MAX_BYTES:,}",
                "Ship less.",
            )
        )
    return report


# -------------------------------------------------------------------------------------------- install
@dataclass
class Installed:
    target: Path
    written: list[str]
    unchanged: list[str]
    removed: list[str]
    kept: list[str]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _local_files(target: Path) -> dict[str, bytes]:
    found = {}
    for dirpath, dirnames, filenames in os.walk(target):
        dirnames[:] = sorted(d for d in dirnames if d not in JUNK_DIRS or d == "__pycache__")
        for f in filenames:
            rel = (Path(dirpath) / f).relative_to(target).as_posix()
            in_cache = Path(dirpath).name == "__pycache__"  # only the bytecode an install writes counts
            if rel == INSTALL_MANIFEST or (in_cache and not SHIPPED_BYTECODE.match(rel)):
                continue
            if in_cache or not JUNK_FILE.search(f):
                found[rel] = (Path(dirpath) / f).read_bytes()
    return found


def install(
    project: Path, source: Path = REPO_ROOT, *, force: bool = False, bytecode: bool = True
) -> Installed:
    """Copy the skill to PROJECT/.claude/skills/bazinga-db/; refuse to overwrite local changes unless forced.

    A manifest of what was installed (path -> sha256) lets a later install tell an untouched older copy
    (replaced freely, files the new package dropped removed) from files edited by hand (refused without
    force). Files added by hand, or edited files the new package no longer has, are kept and reported.
    """
    project = Path(project)
    if not project.is_dir():
        raise PackageError(
            [Violation("install", f"{project} is not a folder", "Give the project's root folder.")],
            exit_code=2,
        )
    report = check_source(source, bytecode=bytecode)
    _require_clean(report)
    target = project / ".claude" / "skills" / SKILL_NAME
    manifest_path = target / INSTALL_MANIFEST
    previous: dict[str, str] = {}
    if manifest_path.is_file():
        try:
            previous = json.loads(manifest_path.read_text(encoding="utf-8"))["files"]
        except (ValueError, KeyError, TypeError):
            previous = {}
    local = _local_files(target) if target.is_dir() else {}
    new = dict(report.files)
    # Local changes: files the install would overwrite that differ from both the new package and what the
    # previous install wrote. Files the package does not have are never overwritten; they are kept.
    changed = [
        rel
        for rel, data in sorted(local.items())
        if rel in new and new[rel] != data and previous.get(rel) != _digest(data)
    ]
    if changed and not force:
        raise PackageError(
            [
                Violation(
                    "local-changes",
                    f"{target} has local changes the install would overwrite: " + ", ".join(changed),
                    "Move them aside, or rerun with --force to overwrite them.",
                )
            ]
        )
    written, unchanged, removed, kept = [], [], [], []
    for rel, data in report.files:
        path = target / rel
        if local.get(rel) == data:
            unchanged.append(rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        _atomic_write(path, data)
        written.append(rel)
    for rel, data in sorted(local.items()):
        if rel in new:
            continue
        if previous.get(rel) == _digest(data):
            (target / rel).unlink()
            removed.append(rel)
        else:
            kept.append(rel)
    manifest = {"name": SKILL_NAME, "files": {rel: _digest(data) for rel, data in report.files}}
    target.mkdir(parents=True, exist_ok=True)
    _atomic_write(manifest_path, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode("utf-8"))
    return Installed(target, written, unchanged, removed, kept)


# ------------------------------------------------------------------------------------------------- CLI
def _summary(report: Report) -> str:
    skill = report.skill
    text = f"{len(report.files)} files, {report.unpacked_bytes:,} bytes unpacked"
    if skill is not None:
        text += f"; SKILL.md {skill.size:,} bytes, {skill.lines} lines (body {skill.body_lines})"
    return text


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python3 -m skill.devtools.package",
        description=f"Build, check or install the {SKILL_NAME} skill (upload ZIP: one folder {SKILL_NAME}/).",
    )
    parser.add_argument(
        "--source", type=Path, default=REPO_ROOT, help="the skill's folder (default: this repository)"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="where to write bazinga-db.zip (default: dist/)"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="check the upload rules; write nothing")
    mode.add_argument("--list", action="store_true", help="print the files the ZIP holds, with their sizes")
    mode.add_argument(
        "--verify", type=Path, metavar="ZIP", help="check an existing ZIP against the upload rules"
    )
    mode.add_argument(
        "--install",
        type=Path,
        metavar="PROJECT_DIR",
        help=f"copy the skill to PROJECT_DIR/.claude/skills/{SKILL_NAME}/",
    )
    parser.add_argument("--force", action="store_true", help="with --install: overwrite local changes")
    parser.add_argument(
        "--no-bytecode",
        dest="bytecode",
        action="store_false",
        help="leave out the Python 3.11 bytecode (the upload runtime's; it needs a Python 3.11 to compile)",
    )
    return parser


def run(argv: Sequence[str], stdout: TextIO, stderr: TextIO) -> int:
    parser = _parser()
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            args = parser.parse_args(list(argv))
    except SystemExit as exit_:  # argparse has printed --help, or usage and the error (exit 2)
        return int(exit_.code or 0)
    if args.force and args.install is None:
        stderr.write("❌ [usage] --force only applies to --install\n")
        return 2
    try:
        if args.check:
            built = build(args.source, write=False, bytecode=args.bytecode)
            stdout.write(
                f"✓ {SKILL_NAME} passes the upload rules: {_summary(built.report)}; "
                f"ZIP {built.zip_size:,} bytes\n"
            )
        elif args.list:
            report = check_source(args.source, bytecode=args.bytecode)
            for rel, data in report.files:
                stdout.write(f"{len(data):>9,}  {SKILL_NAME}/{rel}\n")
            stdout.write(f"{report.unpacked_bytes:>9,}  {len(report.files)} files\n")
            _require_clean(report)
        elif args.verify is not None:
            report = verify_zip(args.verify)
            _require_clean(report)
            stdout.write(f"✓ {args.verify} passes the upload rules: {_summary(report)}\n")
        elif args.install is not None:
            done = install(args.install, args.source, force=args.force, bytecode=args.bytecode)
            stdout.write(
                f"✓ Installed {SKILL_NAME} into {done.target}: {len(done.written)} written, "
                f"{len(done.unchanged)} unchanged, {len(done.removed)} removed\n"
            )
            if done.kept:
                stdout.write("⚠ Kept files added by hand: " + ", ".join(done.kept) + "\n")
        else:
            built = build(args.source, args.out, bytecode=args.bytecode)
            stdout.write(f"✓ Built {built.path}: {built.zip_size:,} bytes; {_summary(built.report)}\n")
    except PackageError as error:
        if len(error.violations) > 1:
            stderr.write(f"❌ {SKILL_NAME}: {len(error.violations)} upload rules broken\n")
        for violation in error.violations:
            stderr.write(violation.render() + "\n")
        return error.exit_code
    except OSError as error:
        stderr.write(f"❌ [io] {error.strerror or error}: {error.filename or ''}\n")
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else argv, sys.stdout, sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
