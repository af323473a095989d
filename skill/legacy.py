"""Reading a legacy ``coordination/`` folder (the file-based BAZINGA state) into a plan of table rows.

Pure: no database, no printing. :func:`read_folder` returns a :class:`Plan` holding, per table, the rows
a correct import produces (formats: ``shared/legacy/FORMATS.md``; the expected result for the sample
folder: ``shared/legacy/EXPECTED.md``), plus every problem found, file by file, as
``file:line: …`` or ``file $.json.path: …``. ``skill.transfer`` writes a plan in one transaction.

Decisions made here (EXPECTED.md leaves them open):
- The current session's ``created_at``/``updated_at`` are its ``start_time``: the import is not the
  session's creation, and start_time is the earliest instant the files know about it.
- A task group's ``created_at`` is the session's start_time and its ``updated_at`` the time of the
  group_status snapshot (orchestrator_state.last_update), the last instant its status is known at.
- A config file without ``_metadata.last_updated``/``created`` takes the file's modification time.
- With ``skip_invalid``, a JSON file with a problem is left out whole (as if absent); in the markdown
  log only the entries with a problem are left out.
- CRLF line ends in the log are read as LF; a UTF-8 byte-order mark (the PowerShell writer) is dropped.
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from . import jsonstrict
from .errors import BazingaError, InvalidArgument
from .migrations import SPEC_TABLES
from .timeutil import to_canonical
from .validation import check_payload
from .vocabulary import MAX_INTEGER, MAX_TEXT_BYTES, convert, normalise_agent_type, normalise_enum

TABLES = SPEC_TABLES

PROGRESS_ENTRIES = 5_000  # log entries between two progress calls
LOG_NAME = "orchestration-log.md"
STATE_FILES = {
    "pm_state.json": "pm",
    "orchestrator_state.json": "orchestrator",
    "group_status.json": "group_status",
}
# Skill result files -> skill_outputs.skill_name. The first three are the Tech Lead's mandatory skills, named
# as in the spec's examples (security_scan, test_coverage); the others are the remaining legacy skill files
# (4671d04:agents/orchestrator.md §Step 1: Aggregate All Metrics), named after the file.
SKILL_FILES = {
    "security_scan.json": "security_scan",
    "coverage_report.json": "test_coverage",
    "lint_results.json": "lint_check",
    "project_metrics.json": "project_metrics",
    "tech_debt.json": "tech_debt",
    "codebase_analysis.json": "codebase_analysis",
    "test_patterns.json": "test_patterns",
    "pattern_insights.json": "pattern_insights",
    "quality_dashboard.json": "quality_dashboard",
}
CONFIG_FILES = {"skills_config.json": "skills_config", "testing_config.json": "testing_config"}
HISTORY_FILE = "sessions_history.json"
MESSAGE_FILES = ("dev_to_qa.json", "qa_to_techlead.json", "techlead_to_dev.json")
KNOWN_JSON = set(STATE_FILES) | set(SKILL_FILES) | set(CONFIG_FILES) | {HISTORY_FILE}

# EXPECTED.md §4 rule 2: the only reliable entry boundary.
ENTRY_HEADING = re.compile(
    r"^## \[([^\]]+)\] (?:Iteration (\d+) - (.+?)(?: \(([^)]*)\))?|(Orchestration Complete))$"
)
_HEADER_SESSION = re.compile(r"^(?:\*\*Session:\*\*|Session:)\s*(\S+)\s*$")
_HEADER_STARTED = re.compile(r"^(?:\*\*Started:\*\*|Started:)\s*(\S.*?)\s*$")
_GROUP_QUALIFIER = re.compile(r"^Group\s+(\S+)$", re.IGNORECASE)

# Heading names -> agent types (FORMATS.md §1); other names go through the vocabulary's aliases.
HEADING_AGENTS = {
    "project manager": "pm",
    "developer": "developer",
    "qa expert": "qa",
    "tech lead": "tech_lead",
    "orchestrator": "orchestrator",
}
# The heading name each agent type is written with in the legacy layout (used by the markdown export).
AGENT_HEADINGS = {v: k.title().replace("Qa ", "QA ") for k, v in HEADING_AGENTS.items()}

# EXPECTED.md §3: the orchestrator's phase names that legacy files use as group statuses. Every other value
# (complete, done, in progress, …) is read by the vocabulary's own aliases.
LEGACY_GROUP_STATUS = {
    "developer_working": "in_progress",
    "qa_testing": "in_progress",
    "tech_review": "in_progress",
    "ready_for_qa": "in_progress",
}


@dataclass
class FileReport:
    """What happened to one legacy file."""

    name: str  # path relative to the folder (or the --log path as given)
    status: str  # "read", "missing", "invalid", "skipped" (invalid, left out), "ignored" (no table for it)
    rows: dict[str, int] = field(default_factory=dict)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {"file": self.name, "status": self.status, "rows": dict(self.rows)}
        if self.note:
            result["note"] = self.note
        return result


@dataclass
class Plan:
    """The rows a legacy folder maps to, and what went wrong reading it."""

    folder: str
    log_path: str | None
    current_session: str | None = None
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {t: [] for t in TABLES})
    problems: list[str] = field(default_factory=list)  # errors: block the import unless skip_invalid
    warnings: list[str] = field(default_factory=list)  # noticed, imported anyway
    files: list[FileReport] = field(default_factory=list)
    invalid_files: list[str] = field(default_factory=list)  # the files with problems, in report order
    # Sessions known only from sessions_history.json, whose entries no writer ever updated (status stays
    # "started"): an import adds them when missing but never lets them overwrite a stored session.
    history_only: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {table: len(self.rows[table]) for table in TABLES}

    def session_ids(self) -> list[str]:
        return [row["session_id"] for row in self.rows["sessions"]]


class _Problems:
    """Problems collected per file, so a file with any can be left out with --skip-invalid."""

    def __init__(self) -> None:
        self.by_file: dict[str, list[str]] = {}
        self.warnings: list[str] = []

    def add(self, file: str, text: str) -> None:
        self.by_file.setdefault(file, []).append(text)

    def warn(self, text: str) -> None:
        self.warnings.append(text)

    def all(self) -> list[str]:
        return [text for texts in self.by_file.values() for text in texts]


def json_path(*parts: Any) -> str:
    """``$.task_groups[2].status``; keys that are not identifiers are quoted: ``$["odd key"]``."""
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            path += "." + part
        else:
            path += "[" + json.dumps(part, ensure_ascii=False) + "]"
    return path


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


# --------------------------------------------------------------------------------------------------
# Reading files


# The largest legacy file read (a real orchestration-log.md of a long session is a few MB).
MAX_FILE_BYTES = 64 * 1024 * 1024


def not_a_file(path: Path) -> str | None:
    """What ``path`` is when something is there but not a regular file (or a link to one), else None.

    Such a file was silently skipped as if it were missing (and ✓ printed); a FIFO would block the read
    and /dev/zero never end it."""
    if not os.path.lexists(path):
        return None
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        if os.path.islink(path):
            return "a symbolic link that leads nowhere" + (
                " (a loop)" if getattr(error, "errno", None) == 40 else ""
            )
        return f"unreadable ({error.strerror or error})"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _read_text(path: Path, name: str, problems: _Problems) -> str | None:
    odd = not_a_file(path)
    if odd:
        problems.add(name, f"{name}: is {odd}, not a file; nothing was read from it")
        return None
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        problems.add(name, f"{name}: cannot be read: {error.strerror or error}")
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.add(name, f"{name}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; not a legacy file")
        return None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problems.add(
            name, f"{name}:{line}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        )
        return None
    return text


def _read_json(path: Path, name: str, problems: _Problems) -> Any | None:
    text = _read_text(path, name, problems)
    if text is None:
        return None
    if not text.strip():
        problems.add(name, f"{name}:1: the file is empty (expected a JSON object)")
        return None
    try:
        value = jsonstrict.loads(text)
    except jsonstrict.JSONRefused as error:
        if error.where:
            problems.add(name, f"{name}:{error.where[0]}:{error.where[1]}: invalid JSON: {error.detail}")
        else:
            problems.add(name, f"{name}: invalid JSON: {error.reason}")
        return None
    if not isinstance(value, dict):
        problems.add(name, f"{name} $: expected a JSON object, found {_json_type(value)}")
        return None
    return value


class _Checker:
    """Typed reads from one JSON document, each failure reported with its JSON path."""

    def __init__(self, name: str, problems: _Problems):
        self.name = name
        self.problems = problems
        self.failed = False

    def fail(self, path: str, text: str) -> None:
        """Report a problem at a JSON path (once per path: a schema may have reported the same place)."""
        self.failed = True
        if not self.reported(path):
            self.problems.add(self.name, f"{self.name} {path}: {text}")

    def reported(self, path: str) -> bool:
        return any(
            line.startswith(f"{self.name} {path}: ") for line in self.problems.by_file.get(self.name, [])
        )

    def get(
        self,
        obj: dict[str, Any],
        key: str,
        kinds: tuple[type | None, ...],
        *parts: Any,
        required: bool = False,
    ) -> Any:
        """obj[key] if of one of ``kinds`` (python types; None allows null), else report it, return None."""
        path = json_path(*parts, key)
        if key not in obj:
            if required:
                self.fail(path, "missing")
            return None
        value = obj[key]
        if value is None and None in kinds:
            return None
        types = tuple(k for k in kinds if k is not None)
        if isinstance(value, bool) and bool not in types:
            ok = False
        else:
            ok = isinstance(value, types)
        if not ok:
            names = {
                str: "a string",
                int: "an integer",
                bool: "a boolean",
                list: "an array",
                dict: "an object",
                float: "a number",
            }
            expected = " or ".join(names[k] for k in types) + (" or null" if None in kinds else "")
            self.fail(path, f"expected {expected}, found {_json_type(value)} {_short(value)}")
            return None
        return value

    def time(self, obj: dict[str, Any], key: str, *parts: Any, required: bool = False) -> str | None:
        value = self.get(obj, key, (str, None), *parts, required=required)
        if value is None:
            return None
        try:
            return to_canonical(value, key)
        except InvalidArgument:
            self.fail(
                json_path(*parts, key),
                f"{value!r} is not a time (expected ISO 8601 UTC such as 2025-11-12T14:02:07Z)",
            )
            return None

    def count(self, obj: dict[str, Any], key: str, *parts: Any) -> int | None:
        value = self.get(obj, key, (int, None), *parts)
        if value is None:
            return None
        try:
            return int(convert("count", value, key))
        except BazingaError:
            self.fail(
                json_path(*parts, key), f"expected a whole number from 0 to {MAX_INTEGER:,}, found {value}"
            )
            return None

    def ident(self, value: Any, what: str, *parts: Any) -> str | None:
        try:
            converted: str = convert("id", value, what)
            return converted
        except BazingaError as error:
            self.fail(json_path(*parts), error.message)
            return None

    def enum(self, enum: str, value: str, *parts: Any, legacy: dict[str, str] | None = None) -> str | None:
        if legacy:
            key = " ".join(value.strip().lower().split())
            if key in legacy:
                return legacy[key]
            if key.replace(" ", "_") in legacy:
                return legacy[key.replace(" ", "_")]
        try:
            return normalise_enum(enum, value)
        except BazingaError as error:
            self.fail(json_path(*parts), f"{error.message}. {error.hint}")
            return None

    def payload(self, kind: str, name: str, value: Any, *parts: Any) -> None:
        try:
            check_payload(kind, name, value, f"{self.name} {json_path(*parts)}")
        except BazingaError as error:
            self.failed = True
            base = json_path(*parts)
            causes = error.causes or error.details
            if not causes:  # the message already names the place: check_payload got it as `what`
                self.problems.add(self.name, error.message)
            for detail in causes:
                # Schema details are "$.path: text" relative to the payload: rebase them onto the file.
                path, _, text = detail.partition(": ")
                if path.startswith("$") and text:
                    path = base + path[1:]
                else:
                    path, text = base, detail
                if not self.reported(path):
                    self.problems.add(self.name, f"{self.name} {path}: {text}")


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return f"({text[:40]}…)" if len(text) > 40 else f"({text})"


# --------------------------------------------------------------------------------------------------
# The markdown log


@dataclass
class LogEntry:
    line: int  # 1-based line of the heading
    timestamp: str  # canonical
    iteration: int | None
    agent_type: str
    qualifier: str | None
    content: str


@dataclass
class ParsedLog:
    session: str | None = None
    session_line: int | None = None
    started: str | None = None
    entries: list[LogEntry] = field(default_factory=list)


def parse_log(
    text: str, name: str, problems: _Problems, progress: Callable[[int], None] | None = None
) -> ParsedLog:
    """Split a legacy orchestration log into entries (EXPECTED.md §4 rules 1-5); ``progress`` is told the
    entries read so far every PROGRESS_ENTRIES entries."""
    lines = text.replace("\r\n", "\n").split("\n")
    result = ParsedLog()
    headings = []
    for i, line in enumerate(lines):
        match = ENTRY_HEADING.match(line.rstrip())
        if match:
            headings.append((i, match))
        elif line.startswith("## [") and "Iteration" in line:
            # What the old dashboard took for an entry (FORMATS.md §1) but the reliable boundary does not.
            problems.warn(
                f"{name}:{i + 1}: looks like an entry heading but is not "
                "'## [time] Iteration N - Agent (qualifier)'; kept inside the entry before it"
            )
    header_end = headings[0][0] if headings else len(lines)
    for i in range(header_end):
        session = _HEADER_SESSION.match(lines[i].strip())
        if session and result.session is None:
            result.session, result.session_line = session.group(1), i + 1
        started = _HEADER_STARTED.match(lines[i].strip())
        if started and result.started is None:
            try:
                result.started = to_canonical(started.group(1), "Started")
            except InvalidArgument:
                problems.add(name, f"{name}:{i + 1}: header **Started:** {started.group(1)!r} is not a time")
    for index, (start, match) in enumerate(headings):
        if progress is not None and index % PROGRESS_ENTRIES == 0 and index:
            progress(index)
        end = headings[index + 1][0] if index + 1 < len(headings) else len(lines)
        line_no = start + 1
        stamp, iteration, agent_name, qualifier, complete = match.groups()
        bad = False
        try:
            timestamp = to_canonical(stamp.strip(), "timestamp")
        except InvalidArgument:
            problems.add(
                name,
                f"{name}:{line_no}: entry timestamp [{stamp}] is not a time "
                "(expected ISO 8601 UTC such as 2025-11-12T14:02:41Z)",
            )
            bad, timestamp = True, ""
        if complete:
            agent_type, iteration_value = "orchestrator", None
        else:
            iteration_value = int(iteration) if len(iteration) <= 19 else MAX_INTEGER + 1
            if iteration_value > MAX_INTEGER:
                problems.add(
                    name, f"{name}:{line_no}: iteration {iteration[:40]} is larger than {MAX_INTEGER:,}"
                )
                bad, iteration_value = True, None
            key = " ".join(agent_name.strip().lower().split())
            agent_type = HEADING_AGENTS.get(key, "")
            if not agent_type:
                try:
                    agent_type = normalise_agent_type(agent_name)
                except BazingaError as error:
                    problems.add(name, f"{name}:{line_no}: {error.message}")
                    bad = True
        content = "\n".join(lines[start + 1 : end]).strip()
        if content.endswith("\n---") or content == "---":
            content = content[:-3].strip()
        if not content:
            problems.add(name, f"{name}:{line_no}: the entry has no content (a truncated or partial log?)")
            bad = True
        elif len(content.encode("utf-8", "surrogatepass")) > MAX_TEXT_BYTES:
            problems.add(name, f"{name}:{line_no}: the entry is larger than {MAX_TEXT_BYTES:,} bytes")
            bad = True
        elif "\x00" in content:
            problems.add(name, f"{name}:{line_no}: the entry contains a NUL character")
            bad = True
        if not bad:
            result.entries.append(
                LogEntry(line_no, timestamp, iteration_value, agent_type, qualifier, content)
            )
    return result


def agent_id_for(agent_type: str, qualifier: str | None, group_order: list[str]) -> str | None:
    """EXPECTED.md §4 rule 6: the first DB-era agent ids (7c7e05a:agents/orchestrator.md)."""
    if agent_type == "pm":
        return "pm_main"
    match = _GROUP_QUALIFIER.match(qualifier.strip()) if qualifier else None
    if not match:
        return None
    group = match.group(1)
    if agent_type == "developer":
        return f"developer_{group_order.index(group) + 1}" if group in group_order else None
    if agent_type == "qa":
        return f"qa_group_{group.lower()}"
    if agent_type == "tech_lead":
        return f"tech_lead_group_{group.lower()}"
    return None


# --------------------------------------------------------------------------------------------------
# The folder


def find_log(folder: Path, log: str | None) -> Path | None:
    """--log, else DIR/orchestration-log.md, else DIR/../docs/orchestration-log.md (its legacy home)."""
    if log:
        return Path(log)
    for candidate in (folder / LOG_NAME, folder.parent / "docs" / LOG_NAME):
        if candidate.is_file() or not_a_file(candidate):  # something odd there is reported, not skipped
            return candidate
    return None


def read_folder(
    folder: str,
    log: str | None = None,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Plan:
    """Read every legacy file of ``folder`` into a plan. Never raises for bad file content: see Plan.problems.

    Raises NotFound-style errors only when the folder itself is unusable (checked by the caller).
    """
    root = Path(folder)
    log_path = find_log(root, log)
    excluded: set[str] = set()
    dropped: list[str] = []  # the problems of files left out by an earlier pass
    while True:
        plan, problems = _build(root, log_path, excluded, progress)
        bad_files = {f for f, texts in problems.by_file.items() if texts} - excluded
        if not skip_invalid or not bad_files:
            break
        # Leave the invalid JSON files out and rebuild: rows derived across files (task groups, the current
        # session) must not use what an invalid file said. The log is filtered entry by entry instead.
        json_bad = {f for f in bad_files if f != _log_name(root, log_path)}
        if not json_bad:
            break
        dropped += [text for f in sorted(json_bad) for text in problems.by_file[f]]
        excluded |= json_bad
    order = {report.name: i for i, report in enumerate(plan.files)}
    plan.invalid_files = sorted(set(problems.by_file) | excluded, key=lambda f: (order.get(f, len(order)), f))
    plan.problems = dropped + [
        text for f in plan.invalid_files if f not in excluded for text in problems.by_file.get(f, [])
    ]
    plan.warnings = problems.warnings
    if skip_invalid:
        for report in plan.files:
            if report.name in excluded:
                report.status = "skipped"
        plan.warnings = plan.warnings + [f"skipped (--skip-invalid): {p}" for p in plan.problems]
        plan.problems = []
    return plan


def _log_name(root: Path, log_path: Path | None) -> str:
    """How reports name the log: relative to the folder when found there or in ../docs, else as given."""
    if log_path is None:
        return LOG_NAME
    if log_path == root / LOG_NAME:
        return LOG_NAME
    if log_path == root.parent / "docs" / LOG_NAME:
        return "../docs/" + LOG_NAME
    return str(log_path)


def _mtime(path: Path) -> str:
    seconds = path.stat().st_mtime
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(seconds))) + ".000000Z"


def _build(
    root: Path, log_path: Path | None, excluded: set[str], progress: Callable[[int], None] | None = None
) -> tuple[Plan, _Problems]:
    reader = _FolderReader(root, log_path, excluded)
    reader.progress = progress
    return reader.build(), reader.problems


class _FolderReader:
    """One pass over a legacy folder: read each file, then derive the rows table by table."""

    def __init__(self, root: Path, log_path: Path | None, excluded: set[str]):
        self.progress: Callable[[int], None] | None = None  # told the log entries read, now and then
        self.root = root
        self.log_path = log_path
        self.log_name = _log_name(root, log_path)
        self.excluded = excluded
        self.problems = _Problems()
        self.plan = Plan(folder=str(root), log_path=str(log_path) if log_path else None)
        self.reports: dict[str, FileReport] = {}
        self.counted: dict[str, dict[str, int]] = {}
        self.orch_c = _Checker("orchestrator_state.json", self.problems)
        self.pm_c = _Checker("pm_state.json", self.problems)
        # Filled by build() and the read_* steps:
        self.orch: dict[str, Any] | None = None
        self.pm: dict[str, Any] | None = None
        self.groups_doc: dict[str, Any] | None = None
        self.history: dict[str, Any] | None = None
        self.skills: dict[str, dict[str, Any] | None] = {}
        self.configs: dict[str, dict[str, Any] | None] = {}
        self.log: ParsedLog | None = None
        self.current: str | None = None
        self.start: str | None = None  # the current session's start_time
        self.history_rows: dict[str, dict[str, Any]] = {}
        self.orch_fields: dict[str, str | None] = {}
        self.pm_fields: dict[str, str | None] = {}
        self.pm_groups: list[tuple[str, str, str | None]] = []  # (id, name, normalised status)
        self.gs_rows: dict[str, dict[str, Any]] = {}

    def build(self) -> Plan:
        self.orch = self.load("orchestrator_state.json")
        self.pm = self.load("pm_state.json")
        self.groups_doc = self.load("group_status.json")
        self.history = self.load(HISTORY_FILE)
        self.skills = {name: self.load(name, optional=i >= 3) for i, name in enumerate(SKILL_FILES)}
        self.configs = {name: self.load(name) for name in CONFIG_FILES}
        self.log = self.read_log()
        self.read_messages()
        self.find_current_session()
        self.read_history()
        self.read_orchestrator()
        self.read_pm()
        self.read_group_status()
        self.session_rows()
        if self.current and self.start:
            self.snapshot_rows()
            order = self.task_group_rows()
            self.log_rows(order)
            self.token_rows()
            self.decision_rows()
            self.skill_output_rows()
        elif self.current is None:
            self.unattributed()
        self.configuration_rows()
        self.file_report()
        return self.plan

    # -- reading -----------------------------------------------------------------------------------
    def load(self, name: str, optional: bool = False) -> dict[str, Any] | None:
        path = self.root / name
        if not path.is_file() and not not_a_file(path):
            if not optional:  # the rarer skill files are not listed when absent
                self.reports[name] = FileReport(name, "missing")
            return None
        self.reports[name] = FileReport(name, "read")
        if name in self.excluded:
            return None
        return _read_json(path, name, self.problems)

    def read_log(self) -> ParsedLog | None:
        name = self.log_name
        if self.log_path is None:
            self.reports[name] = FileReport(name, "missing", note="looked in DIR and DIR/../docs/")
            return None
        if not self.log_path.is_file() and not not_a_file(self.log_path):
            self.reports[name] = FileReport(name, "missing")
            self.problems.add(name, f"{name}: no such file (given with --log)")
            return None
        self.reports[name] = FileReport(name, "read")
        text = _read_text(self.log_path, name, self.problems)
        if text is None:
            return None
        parsed = parse_log(text, name, self.problems, self.progress)
        if not parsed.entries and not self.problems.by_file.get(name):
            self.problems.warn(f"{name}: no entries (only a header)")
        return parsed

    def read_messages(self) -> None:
        for message_file in MESSAGE_FILES:
            name = f"messages/{message_file}"
            doc = self.load(name)
            if name in self.reports and self.reports[name].status == "read":
                self.reports[name].status = "ignored"
                self.reports[name].note = "no table holds agent messages"
            if doc is not None:
                messages = _Checker(name, self.problems).get(doc, "messages", (list,), required=True)
                if messages:
                    self.problems.warn(
                        f"{name}: {len(messages)} message(s) not imported (no table holds agent messages)"
                    )

    def find_current_session(self) -> None:
        """orchestrator_state.session_id, then pm_state's, then the log header's (EXPECTED.md §2)."""
        orch_session = pm_session = None
        if self.orch is not None:
            value = self.orch_c.get(self.orch, "session_id", (str,), required=True)
            orch_session = self.orch_c.ident(value, "session id", "session_id") if value is not None else None
        if self.pm is not None:
            value = self.pm_c.get(self.pm, "session_id", (str,))
            pm_session = self.pm_c.ident(value, "session id", "session_id") if value is not None else None
        current = orch_session or pm_session
        if orch_session and pm_session and pm_session != orch_session:
            self.pm_c.fail(
                "$.session_id",
                f"{pm_session!r} differs from orchestrator_state.json's session_id {orch_session!r}",
            )
        log, name = self.log, self.log_name
        if log is not None and log.session:
            if current is None:
                try:
                    current = convert("id", log.session, "session id")
                except BazingaError as error:
                    self.problems.add(name, f"{name}:{log.session_line}: {error.message}")
            elif log.session != current:
                self.problems.add(
                    name,
                    f"{name}:{log.session_line}: header session {log.session!r} differs from "
                    f"the current session {current!r} (orchestrator_state.json / pm_state.json)",
                )
        self.current = self.plan.current_session = current

    def read_history(self) -> None:
        if self.history is None:
            return
        hc = _Checker(HISTORY_FILE, self.problems)
        for i, entry in enumerate(hc.get(self.history, "sessions", (list,), required=True) or []):
            if not isinstance(entry, dict):
                hc.fail(json_path("sessions", i), f"expected an object, found {_json_type(entry)}")
                continue
            raw_id = hc.get(entry, "session_id", (str,), "sessions", i, required=True)
            sid = hc.ident(raw_id, "session id", "sessions", i, "session_id") if raw_id is not None else None
            start = hc.time(entry, "start_time", "sessions", i, required=sid != self.current)
            end = hc.time(entry, "end_time", "sessions", i)
            raw_status = hc.get(entry, "status", (str, None), "sessions", i)
            status = (
                hc.enum("session_status", raw_status, "sessions", i, "status") if raw_status else "active"
            )
            if sid is not None:
                self.history_rows[sid] = {"start_time": start, "end_time": end, "status": status}

    def read_orchestrator(self) -> None:
        if self.orch is None:
            return
        c, doc = self.orch_c, self.orch
        self.orch_fields = {key: c.time(doc, key) for key in ("start_time", "last_update", "end_time")}
        raw_status = c.get(doc, "status", (str, None))
        self.orch_fields["status"] = c.enum("session_status", raw_status, "status") if raw_status else None
        c.get(doc, "iteration", (int, None))

    def read_pm(self) -> None:
        if self.pm is None:
            return
        c, doc = self.pm_c, self.pm
        raw_mode = c.get(doc, "mode", (str, None))
        self.pm_fields = {
            "mode": c.enum("mode", raw_mode, "mode") if raw_mode else None,
            "original_requirements": c.get(doc, "original_requirements", (str, None)) or None,
            "last_update": c.time(doc, "last_update"),
        }
        c.get(doc, "iteration", (int, None))
        # task_groups: an array of group objects, or (spec-kit, risk scoring) an object keyed by group id.
        task_groups = c.get(doc, "task_groups", (list, dict, None))
        items: list[tuple[Any, Any, tuple[Any, ...]]] = []
        if isinstance(task_groups, list):
            items = [(None, g, ("task_groups", i)) for i, g in enumerate(task_groups)]
        elif isinstance(task_groups, dict):
            items = [(k, g, ("task_groups", k)) for k, g in task_groups.items() if not k.startswith("_")]
        for key, group, parts in items:
            if not isinstance(group, dict):
                c.fail(json_path(*parts), f"expected a group object, found {_json_type(group)}")
                continue
            raw_id = key if key is not None else group.get("id", group.get("group_id"))
            if raw_id is None:
                c.fail(json_path(*parts, "id"), "missing (each task group needs an id)")
                continue
            if not isinstance(raw_id, str):
                c.fail(
                    json_path(*parts, "id"), f"expected a string, found {_json_type(raw_id)} {_short(raw_id)}"
                )
                continue
            gid = c.ident(raw_id, "group id", *parts, "id")
            name = c.get(group, "name", (str, None), *parts) or c.get(
                group, "description", (str, None), *parts
            )
            raw_status = c.get(group, "status", (str, None), *parts)
            status = (
                c.enum("group_status", raw_status, *parts, "status", legacy=LEGACY_GROUP_STATUS)
                if raw_status
                else None
            )
            if gid is None:
                continue
            if any(g[0] == gid for g in self.pm_groups):
                c.fail(json_path(*parts, "id"), f"group {gid!r} appears twice")
                continue
            self.pm_groups.append((gid, name or gid, status))

    def read_group_status(self) -> None:
        if self.groups_doc is None:
            return
        c = _Checker("group_status.json", self.problems)
        for key, value in self.groups_doc.items():
            if key.startswith("_"):  # _comment, _format: metadata, not groups
                continue
            if not isinstance(value, dict):
                c.fail(json_path(key), f"expected a group object, found {_json_type(value)} {_short(value)}")
                continue
            gid = c.ident(key, "group id", key)
            raw_status = c.get(value, "status", (str, None), key)
            status = (
                c.enum("group_status", raw_status, key, "status", legacy=LEGACY_GROUP_STATUS)
                if raw_status
                else None
            )
            revisions = c.count(value, "revision_count", key)
            raw_review = c.get(value, "last_review_status", (str, None), key)
            review = c.enum("review_status", raw_review, key, "last_review_status") if raw_review else None
            if gid is not None:
                self.gs_rows[gid] = {
                    "status": status,
                    "revision_count": revisions,
                    "last_review_status": review,
                }

    # -- rows --------------------------------------------------------------------------------------
    def emit(self, file: str, table: str, row: dict[str, Any]) -> None:
        self.plan.rows[table].append(row)
        per_file = self.counted.setdefault(file, {})
        per_file[table] = per_file.get(table, 0) + 1

    @property
    def state_time(self) -> str | None:
        """orchestrator_state.last_update: the time of every row derived from it and of group_status."""
        return self.orch_fields.get("last_update") or self.start

    def session_rows(self) -> None:
        current, log = self.current, self.log
        hist = self.history_rows.get(current, {}) if current else {}
        start = self.orch_fields.get("start_time") or (log.started if log else None) or hist.get("start_time")
        if current and start is None and log and log.entries:
            start = log.entries[0].timestamp
            self.problems.warn(
                f"session {current}: no start time in any file; using the first log entry's time {start}"
            )
        if current and start is None:
            self.problems.add(
                "orchestrator_state.json",
                f"orchestrator_state.json $.start_time: no start time for "
                f"session {current!r} in any file (orchestrator_state, log header, sessions_history)",
            )
        self.start = start
        rows = [
            {
                "session_id": sid,
                "start_time": h["start_time"],
                "end_time": h["end_time"],
                "mode": None,
                "original_requirements": None,
                "status": h["status"],
                "created_at": h["start_time"],
                "updated_at": h["start_time"],
            }
            for sid, h in self.history_rows.items()
            if sid != current and h["start_time"] is not None
        ]
        if current and start:
            rows.append(
                {
                    "session_id": current,
                    "start_time": start,
                    "end_time": self.orch_fields.get("end_time") or hist.get("end_time"),
                    "mode": self.pm_fields.get("mode"),
                    "original_requirements": self.pm_fields.get("original_requirements"),
                    "status": self.orch_fields.get("status") or hist.get("status") or "active",
                    "created_at": start,
                    "updated_at": start,
                }
            )
        for row in sorted(rows, key=lambda r: (r["start_time"], r["session_id"])):
            source = HISTORY_FILE if row["session_id"] in self.history_rows else "orchestrator_state.json"
            self.emit(source, "sessions", row)
        self.plan.history_only = [sid for sid in self.history_rows if sid != current]

    def unattributed(self) -> None:
        """Without a session id nothing session-bound can be imported: say so for each file concerned."""
        needing = [n for n, d in self.skills.items() if d is not None]
        needing += [
            n
            for n, d in (("pm_state.json", self.pm), ("group_status.json", self.groups_doc))
            if d is not None
        ]
        if self.log and self.log.entries:
            needing.append(self.log_name)
        for name in needing:
            self.problems.add(
                name,
                f"{name}: cannot tell which session it belongs to: no session_id in "
                "orchestrator_state.json or pm_state.json, and no **Session:** in the log header",
            )

    def snapshot_rows(self) -> None:
        for name, state_type, doc, stamp in (
            ("pm_state.json", "pm", self.pm, self.pm_fields.get("last_update") or self.state_time),
            ("orchestrator_state.json", "orchestrator", self.orch, self.state_time),
            ("group_status.json", "group_status", self.groups_doc, self.state_time),  # the file has no time
        ):
            if doc is not None:
                _Checker(name, self.problems).payload("state", state_type, doc)
                self.emit(
                    name,
                    "state_snapshots",
                    {
                        "session_id": self.current,
                        "timestamp": stamp,
                        "state_type": state_type,
                        "state_data": doc,
                    },
                )

    def task_group_rows(self) -> list[str]:
        """Ids and names from pm_state, status from group_status (which wins); returns pm_state's order."""
        order = [g[0] for g in self.pm_groups]
        extra = [gid for gid in self.gs_rows if gid not in order]
        for gid in extra:
            self.problems.warn(
                f"group_status.json {json_path(gid)}: group {gid!r} is not in pm_state.json's "
                "task_groups; imported with its id as its name"
            )
        names = {gid: (name, status) for gid, name, status in self.pm_groups}
        for gid in order + extra:
            name, pm_status = names.get(gid, (gid, None))
            gs = self.gs_rows.get(gid, {})
            known_at = (
                self.state_time if gid in self.gs_rows else self.pm_fields.get("last_update") or self.start
            )
            self.emit(
                "pm_state.json" if gid in names else "group_status.json",
                "task_groups",
                {
                    "id": gid,
                    "session_id": self.current,
                    "name": name,
                    "status": gs.get("status") or pm_status or "pending",
                    "assigned_to": None,  # legacy files name no agent instances
                    "revision_count": gs.get("revision_count") or 0,
                    "last_review_status": gs.get("last_review_status"),
                    "created_at": self.start,
                    "updated_at": known_at,
                },
            )
        return order

    def log_rows(self, group_order: list[str]) -> None:
        for entry in self.log.entries if self.log else []:
            self.emit(
                self.log_name,
                "orchestration_logs",
                {
                    "session_id": self.current,
                    "timestamp": entry.timestamp,
                    "iteration": entry.iteration,
                    "agent_type": entry.agent_type,
                    "agent_id": agent_id_for(entry.agent_type, entry.qualifier, group_order),
                    "content": entry.content,
                },
            )

    def token_rows(self) -> None:
        """One row per agent type of token_usage.by_agent_type above 0 (EXPECTED.md §6).

        by_group gets no rows: it would count the same tokens twice (it stays in the snapshot).
        """
        usage = self.orch_c.get(self.orch, "token_usage", (dict, None)) if self.orch is not None else None
        by_type = (
            self.orch_c.get(usage, "by_agent_type", (dict, None), "token_usage") if usage else None
        ) or {}
        for agent, tokens in by_type.items():
            parts = ("token_usage", "by_agent_type", agent)
            if isinstance(tokens, bool) or not isinstance(tokens, int) or not 0 <= tokens <= MAX_INTEGER:
                self.orch_c.fail(
                    json_path(*parts),
                    f"expected a whole number from 0 to {MAX_INTEGER:,}, found {_json_type(tokens)} "
                    f"{_short(tokens)}",
                )
                continue
            try:
                agent_type = normalise_agent_type(agent)
            except BazingaError as error:
                self.orch_c.fail(json_path(*parts), error.message)
                continue
            if tokens > 0:
                self.emit(
                    "orchestrator_state.json",
                    "token_usage",
                    {
                        "session_id": self.current,
                        "timestamp": self.state_time,
                        "agent_type": agent_type,
                        "agent_id": None,
                        "tokens_estimated": tokens,
                    },
                )

    def decision_rows(self) -> None:
        """One row per decisions_log element, in order (EXPECTED.md §9)."""
        c = self.orch_c
        elements = (c.get(self.orch, "decisions_log", (list, None)) if self.orch is not None else None) or []
        for i, element in enumerate(elements):
            parts = ("decisions_log", i)
            if not isinstance(element, dict):
                c.fail(
                    json_path(*parts), f"expected an object, found {_json_type(element)} {_short(element)}"
                )
                continue
            decision = c.get(element, "decision", (str,), *parts, required=True)
            iteration = c.count(element, "iteration", *parts)
            stamp = c.time(element, "timestamp", *parts)
            if "timestamp" not in element:
                self.problems.warn(
                    f"orchestrator_state.json {json_path(*parts, 'timestamp')}: missing; "
                    f"using the file's last_update {self.state_time}"
                )
            if decision is not None and not decision.strip():
                c.fail(json_path(*parts, "decision"), "empty")
                continue
            if decision is None or (stamp is None and "timestamp" in element):
                continue
            c.payload("decision", decision, element, *parts)
            self.emit(
                "orchestrator_state.json",
                "decisions",
                {
                    "session_id": self.current,
                    "timestamp": stamp or self.state_time,
                    "iteration": iteration,
                    "decision_type": decision,
                    "decision_data": element,
                },
            )

    def skill_output_rows(self) -> None:
        """Skill files name no session: they belong to the current one, stored verbatim (EXPECTED.md §7)."""
        for name, skill in SKILL_FILES.items():
            doc = self.skills[name]
            if doc is None:
                continue
            checker = _Checker(name, self.problems)
            stamp = checker.time(doc, "timestamp")
            if checker.failed:
                continue
            checker.payload("skill_output", skill, doc)
            self.emit(
                name,
                "skill_outputs",
                {
                    "session_id": self.current,
                    "timestamp": stamp or self.state_time,
                    "skill_name": skill,
                    "output_data": doc,
                },
            )

    def configuration_rows(self) -> None:
        """Global rows, timed by _metadata.last_updated, else created, else the file's modification time."""
        for name, key in CONFIG_FILES.items():
            doc = self.configs[name]
            if doc is None:
                continue
            checker = _Checker(name, self.problems)
            meta = checker.get(doc, "_metadata", (dict, None)) or {}
            stamp = checker.time(meta, "last_updated", "_metadata") or checker.time(
                meta, "created", "_metadata"
            )
            checker.payload("config", key, doc)
            self.emit(
                name,
                "configuration",
                {"key": key, "value": doc, "updated_at": stamp or _mtime(self.root / name)},
            )

    def file_report(self) -> None:
        for name, report in self.reports.items():
            report.rows = dict(self.counted.get(name, {}))
            if self.problems.by_file.get(name) and report.status in ("read", "ignored"):
                report.status = "invalid"
            self.plan.files.append(report)
        for path in sorted(self.root.iterdir()) if self.root.is_dir() else []:
            if (
                path.name in self.reports
                or path.name in ("messages", self.log_name)
                or path.name.startswith(".")
            ):
                continue
            if path.suffix == ".db" or path.name.endswith(("-wal", "-shm")):
                continue
            self.plan.files.append(
                FileReport(
                    path.name + ("/" if path.is_dir() else ""), "ignored", note="no table for this file"
                )
            )


# --------------------------------------------------------------------------------------------------
# Writing the legacy layout (the markdown export): the inverse of parse_log for what the database keeps.

LOG_TITLE = "# BAZINGA Orchestration Log"
LOG_BLURB = "This file tracks all agent interactions during orchestration."


def legacy_time(ts: str) -> str:
    """Canonical -> the legacy writers' form (2025-11-12T14:02:41Z) when it has no fraction."""
    if ts.endswith(".000000Z"):
        return ts[: -len(".000000Z")] + "Z"
    return ts


def heading_name(agent_type: str) -> str:
    return AGENT_HEADINGS.get(agent_type) or agent_type.replace("_", " ").title()


def qualifier_for(agent_type: str, agent_id: str | None, group_order: list[str]) -> str | None:
    """The heading qualifier ``Group X`` recovered from an agent id of EXPECTED.md §4 rule 6."""
    if not agent_id:
        return None
    match = re.fullmatch(r"developer_(\d+)", agent_id) if agent_type == "developer" else None
    if match:
        n = int(match.group(1))
        return f"Group {group_order[n - 1]}" if 1 <= n <= len(group_order) else None
    prefix = {"qa": "qa_group_", "tech_lead": "tech_lead_group_"}.get(agent_type)
    if prefix and agent_id.startswith(prefix) and len(agent_id) > len(prefix):
        short = agent_id[len(prefix) :]
        group = next((g for g in group_order if g.lower() == short), short)
        return f"Group {group}"
    return None


def render_log(
    session_id: str,
    started: str | None,
    entries: Iterable[dict[str, Any]],
    group_order: list[str] | None = None,
) -> str:
    """A session's log rows in the legacy orchestration-log.md layout (FORMATS.md §1, 31a6d3e+ header).

    Lossy where the layout is: the free qualifiers of headings such as ``(Routing)`` are not stored, content
    is trimmed, and a row with no iteration is written as ``Orchestration Complete`` (orchestrator) or
    ``Iteration 0`` (others), the only headings the layout has.
    """
    return "".join(render_log_chunks(session_id, started, entries, group_order))


def render_log_chunks(
    session_id: str,
    started: str | None,
    entries: Iterable[dict[str, Any]],
    group_order: list[str] | None = None,
) -> Iterator[str]:
    """:func:`render_log` one entry at a time, so a log of any length is written in flat memory."""
    order = group_order or []
    out = [LOG_TITLE, "", f"**Session:** {session_id}"]
    if started:
        out.append(f"**Started:** {legacy_time(started)}")
    out += ["", LOG_BLURB, "", "---", ""]
    yield "\n".join(out)
    for row in entries:
        stamp = legacy_time(row["timestamp"])
        if row.get("iteration") is None and row["agent_type"] == "orchestrator":
            heading = f"## [{stamp}] Orchestration Complete"
        else:
            qualifier = qualifier_for(row["agent_type"], row.get("agent_id"), order)
            heading = (
                f"## [{stamp}] Iteration {row.get('iteration') or 0} - {heading_name(row['agent_type'])}"
            )
            if qualifier:
                heading += f" ({qualifier})"
        yield "\n" + "\n".join([heading, "", row["content"].strip(), "", "---", ""])
