"""Hostile inputs for the fuzzers: the pools both `stress/fuzz.py` (random command lines, real processes)
and `tests/test_fuzz.py` (hypothesis, in-process) draw from, and the invariants they check.

Invariants of every run: exit code in {0, 1, 2}; no traceback and no "internal error" (the CLI's catch-all,
which means a bug); a ❌ line on stderr for every non-zero exit; a failed command leaves the database exactly
as it was, and the database passes integrity_check afterwards.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skill.vocabulary import COMMANDS, ENUMS, VOCABULARY  # noqa: E402

# The seed every fuzzed database starts from (ids the generated command lines refer to).
SEED = [
    ["create-session", "s_1", "parallel", "Fuzzing target"],
    ["create-session", "s_2", "simple", "Second session"],
    ["create-task-group", "group_a", "s_1", "Authentication"],
    ["create-task-group", "group_a", "s_2", "Authentication"],
    ["log-interaction", "s_1", "pm", "Planned", "1", "pm_main"],
    ["log-tokens", "s_1", "developer", "1500", "developer_1"],
    ["save-state", "s_1", "pm", '{"iteration": 1}'],
    ["save-skill-output", "s_1", "security_scan", '{"issues": 0}'],
    ["set-config", "skills_config", '{"a": 1}'],
    ["log-decision", "s_1", "spawn", '{"agent": "developer"}'],
]

# `request` (requests in words, issue 5) is fuzzed automatically once it is in the vocabulary.
# `dashboard` serves until interrupted, so a well-formed line would never return: it is left out here and
# given hostile arguments by its own tests. (`mcp` ends when its input does, and is fuzzed like the rest.)
LISTENERS = ("dashboard",)
RUN_TO_END = sorted(name for name in COMMANDS if name not in LISTENERS)
FUZZ_COMMANDS = RUN_TO_END + ["help"]
REQUEST_AVAILABLE = "request" in COMMANDS

SQL = [
    "'; DROP TABLE sessions; --",
    "s_1' OR '1'='1",
    '" OR ""="',
    "1; DELETE FROM task_groups",
    "UNION SELECT * FROM configuration",
    "s_1/*",
    "*/",
    "ATTACH DATABASE 'x.db' AS x",
    "PRAGMA writable_schema=1",
    "SELECT load_extension('x')",
    "WITH x AS (SELECT 1) DELETE FROM sessions",
    "%",
    "_",
    "\\",
    "?",
    ":name",
    "SELECT * FROM sessions",
    "SELECT 1; SELECT 2",
    "VACUUM INTO '/tmp/x.db'",
    "x' ; --",
]
CONTROL = [
    "\x00",
    "s_1\x00",
    "\x1b[31mred\x1b[0m",
    "\r\n",
    "\t",
    "\x7f",
    "\u202e",
    "\ufeff",
    "\u0000abc",
    "line\nbreak",
    "\x08\x08",
    "s_1\n",
    " s_1 ",
]
UNICODE = ["✓", "❌", "日本語", "🚀" * 5, "ǅ", "ﬁ", "İ", "groupe_à", "\ud800", "\udcff", "Ⅻ", "１２", "٣"]
NUMBERS = [
    "0",
    "-1",
    "1",
    "+1",
    "1e9",
    "0x10",
    "1.5",
    "9" * 40,
    "-" + "9" * 30,
    "15k",
    "1,000",
    "1_000",
    "NaN",
    "inf",
    "",
    " ",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    # huge integers (issue 12): past the 64-bit column, and past Python's int-from-text limit
    "9" * 5000,
    "-" + "9" * 5000,
    "9223372036854775807k",
    "1e23",
]
JSON = [
    "{}",
    "[]",
    "null",
    "true",
    '"s"',
    '{"a":',
    '{"a":1e999}',
    '{"a":NaN}',
    '{"a":Infinity}',
    "[" * 5000,
    '{"a":"\\ud800"}',
    '{"a":1}{"b":2}',
    '{"a":1,"a":2}',
    "{'a': 1}",
    '{"a":"\x00"}',
    "-",
    "@",
    "@/dev/zero",
    "@/dev/null",
    "@/nonexistent",
    "@.",
    "@" + "x" * 300,
    '{"k":' + '"v",' * 10 + '"end":1}',
    '{"a":' + "9" * 5000 + "}",
    '{"a":' + "[" * 60_000 + "]" * 60_000 + "}",  # 120 KB: one argv string is limited to 128 KB
    '{"command": "get-session", "command": "log-interaction"}',
]
# Query bombs (issue 12): endless, huge or pointer-returning statements, and what must stay allowed.
QUERY_BOMBS = [
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT COUNT(*) FROM n",
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x FROM n",
    "SELECT replace(hex(zeroblob(100000000)), '0', 'ab')",
    "SELECT randomblob(1000000000)",
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 100000) "
    "SELECT group_concat(printf('%0900d', x)) FROM n",
    "SELECT fts3_tokenizer('simple')",
    "SELECT fts5(NULL)",
    "SELECT 9e999 AS inf, -9e999 AS minus_inf",
    "SELECT j.key, j.value FROM state_snapshots, json_each(state_data) AS j",
    "SELECT COUNT(*) FROM state_snapshots, json_tree(state_data)",
    "SELECT * FROM pragma_table_info('sessions')",
]
# File destinations (issue 12): the database and its companions by name and through links, an existing
# file, a device. fuzz.prepare() makes the links and the file.
DESTINATIONS = [
    "coordination/bazinga.db",
    "coordination/bazinga.db-wal",
    "coordination/bazinga.db-shm",
    "coordination/bazinga.db-journal",
    "db-symlink",
    "db-hardlink",
    "existing.json",
    "/dev/null",
]
IDS = [
    "s_1",
    "s_2",
    "group_a",
    "pm",
    "developer",
    "QA Expert",
    "Tech Lead",
    "nope",
    "s_1.x",
    "a:b@c+d",
    "x" * 128,
    "x" * 129,
    "-",
    "--",
    "---",
    "-1",
    "@s_1",
]
PATH_TRICKS = [
    "",
    "/",
    ".",
    "..",
    "/dev/null",
    "/dev/zero",
    "/proc/self/status",
    "fuzz-dir",
    "fuzz-dir/",
    "seed.db/inner.db",
    "../elsewhere.db",
    "a" * 300 + ".db",
    "x/" * 60 + "deep.db",
    "file:mem?mode=memory",
    ":memory:",
    "bad\nname.db",
    "spaces in name.db",
    "new.db",
    "link-loop.db",
    "coordination",
]


def all_flags() -> list[str]:
    flags = [f for option in VOCABULARY["global_options"] for f in option["flags"]]
    flags += [
        f
        for spec in COMMANDS.values()
        for arg in spec["args"]
        if arg["kind"] == "option"
        for f in arg["flags"]
    ]
    return sorted(set(flags)) + ["--help", "-h", "--", "--unknown", "--db=", "--format=yaml", "--limit=-1"]


FLAGS = all_flags()
ENUM_VALUES = sorted({v for enum in ENUMS.values() for v in list(enum["values"]) + list(enum["aliases"])})


def random_token(rng: random.Random) -> str:
    pool = rng.choice(
        [SQL, CONTROL, UNICODE, NUMBERS, JSON, IDS, FLAGS, ENUM_VALUES, PATH_TRICKS, ["huge"], ["random"]]
    )
    token = rng.choice(pool)
    if token == "huge":
        char = rng.choice(["x", "é", "{", "'"])  # at most 120 KB: one argv string is limited to 128 KB
        return char * (rng.choice([1000, 70_000, 120_000]) // len(char.encode()))
    if token == "random":
        return "".join(chr(rng.randrange(1, 0x2FFFF)) for _ in range(rng.randrange(1, 40)))
    return token


PLAUSIBLE = {
    "id": ["s_1", "s_2", "group_a", "developer_1", "s_new", "group_new"],
    "mode": ["simple", "parallel"],
    "text": ["Some text", "Multi\nline ✅"],
    "agent_type": ["pm", "QA Expert"],
    "count": ["1", "15000"],
    "limit": ["5"],
    "json": ['{"a": 1}', '{"n": {"x": [1, 2]}}'],
    "name": ["pm", "security_scan", "stress"],
    "time": ["2025-01-01 00:00:00", "2025-01-01T00:00:00Z"],
    "sql": ["SELECT * FROM sessions", "SELECT COUNT(*) AS n FROM orchestration_logs", *QUERY_BOMBS],
    "path": ["backup.db", "backups/b.db", *DESTINATIONS],
}


def plausible(rng: random.Random, type_name: str) -> str:
    if type_name in ENUMS:
        return rng.choice(ENUMS[type_name]["values"])
    return rng.choice(PLAUSIBLE.get(type_name, ["x"]))


def structured_argv(rng: random.Random) -> list[str]:
    """A well-formed command line of a real command with one or two values made hostile: reaches the
    library's validation and the database, not just the parser."""
    command = rng.choice(RUN_TO_END)
    argv = [command]
    for arg in COMMANDS[command]["args"]:
        if arg["kind"] == "positional" and (arg["required"] or rng.random() < 0.5):
            argv.append(plausible(rng, arg["type"]))
        elif arg["kind"] == "option" and rng.random() < 0.3:
            argv.append(rng.choice(arg["flags"]))
            if arg["type"] != "flag":
                argv.append(plausible(rng, arg["type"]))
    for _ in range(rng.choice([1, 1, 2])):
        if len(argv) > 1:
            argv[rng.randrange(1, len(argv))] = random_token(rng)
    if command == "query" and "--timeout" not in argv:
        argv += ["--timeout", "2"]  # a query bomb stops after 2 s instead of the default 10
    if command in ("backup", "export-session") and rng.random() < 0.5:
        argv.append("--force")  # the protected destinations must hold even then
    return argv


def long_request(rng: random.Random) -> str:
    """A long request in words (50-120 KB): its parse time must stay far below the fuzz bound."""
    size = rng.choice([50_000, 90_000, 120_000])
    words = rng.choice(["word ", "Status: done\n", "group_a → completed ", "✓ "])
    body = (words * (size // len(words.encode())))[: size // 2]
    return f"please log this PM interaction:\nSession ID: s_1\nContent: {body}"


# Seconds a long request may take before the fuzzer counts it (generous: parse time, not start-up).
LONG_REQUEST_SECONDS = 60.0


def random_argv(rng: random.Random) -> list[str]:
    if rng.random() < 0.6:
        argv = structured_argv(rng)
        if rng.random() < 0.15:
            argv += ["--db", rng.choice(PATH_TRICKS)]
        return argv
    command = rng.choice(FUZZ_COMMANDS + ["", "craete-session", "REQUEST", "--db"])
    argv = [command] + [random_token(rng) for _ in range(rng.randrange(0, 8))]
    if rng.random() < 0.3:
        argv.insert(rng.randrange(len(argv) + 1), "--db")
        argv.insert(argv.index("--db") + 1, rng.choice(PATH_TRICKS))
    if rng.random() < 0.2:
        rng.shuffle(argv)
    return argv


def to_bytes(token: str) -> bytes:
    """A token as a process argument: lone surrogates become the invalid UTF-8 they stand for; no NUL."""
    try:
        data = token.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = token.encode("utf-8", "surrogatepass")
    return data.replace(b"\x00", b"")


def random_bytes_argv(rng: random.Random) -> list[bytes]:
    """Command lines with invalid UTF-8 (what a shell passes when a value is binary)."""
    argv = [to_bytes(a) for a in random_argv(rng)]
    for _ in range(rng.randrange(1, 3)):
        index = rng.randrange(len(argv))
        argv[index] = argv[index] + bytes(rng.randrange(128, 256) for _ in range(rng.randrange(1, 6)))
    return [a.replace(b"\x00", b"") for a in argv]


# -- invariants ----------------------------------------------------------------------------------------
def fingerprint(db: str) -> str:
    """The database's content (not its bytes: reads may leave -wal/-shm files behind); a database that can
    no longer be read gets a fingerprint saying so, which differs from every good one."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        digest = hashlib.sha256()
        for line in conn.iterdump():
            digest.update(line.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()
    except sqlite3.Error as error:
        return f"unreadable: {error}"
    finally:
        conn.close()


def command_of(argv: Any) -> str | None:
    """The command a command line names (its first word that is one), or None."""
    for arg in argv:
        text = arg if isinstance(arg, str) else arg.decode("utf-8", "replace")
        if text in COMMANDS:
            return text
    return None


def never_changes_the_database(argv: Any) -> bool:
    """Reads, and the commands that write files (backup, export-session): the database stays as it was
    whatever they are given, even a destination that is the database itself."""
    command = command_of(argv)
    return command is not None and (COMMANDS[command]["kind"] == "read" or command == "backup")


def integrity(db: str) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def violations(
    argv: Any,
    code: int,
    stdout: str,
    stderr: str,
    before: str | None,
    after: str | None,
    streams: str = "pipe",
) -> list[str]:
    """What a run did wrong (empty when it behaved). ``streams`` says how stdout/stderr were given:
    "pipe", "stdout-closed", "stdout-full" or "stderr-closed" (the closed-streams class)."""
    problems = []
    if before is not None and before != after and never_changes_the_database(argv):
        problems.append("a read or backup changed the database")
    quiet = any(a in ("--quiet", "-q", b"--quiet", b"-q") for a in argv)
    if (
        streams.startswith("stdout-")
        and code == 0
        and before is not None
        and before != after
        and not quiet
        and "standard output could not be written" not in stderr
    ):
        problems.append("a committed write's ✓ was lost with standard output")
    if code not in (0, 1, 2):
        problems.append(f"exit code {code}")
    if "Traceback" in stderr or "Traceback" in stdout:
        problems.append("traceback")
    if "internal error" in stderr:
        problems.append("internal error: " + stderr.strip().splitlines()[0][:200])
    if code != 0 and not any(line.startswith("❌ ") for line in stderr.splitlines()):
        problems.append(f"exit {code} without a ❌ line")
    if code != 0 and before is not None and before != after:
        problems.append("a failed command changed the database")
    return problems


def describe(argv: Any) -> str:
    return json.dumps(
        [a if isinstance(a, str) else a.decode("utf-8", "backslashreplace") for a in argv], ensure_ascii=True
    )[:300]
