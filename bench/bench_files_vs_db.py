"""Benchmark: the spec's claim "indexed queries are ~10-100x faster than reading entire JSON/markdown files,
especially for large logs (>1000 entries)" (bazinga-db-SKILL-v1.md, Performance Considerations).

For 1,000, 10,000 and 100,000 log entries it writes the same session in both forms:
- files: the legacy ``orchestration-log.md`` (FORMATS.md §1 layout, realistic entry sizes with fences and
  inner ``##`` lines) and a ``token_log.json`` holding one token record per entry (the legacy files keep
  only running totals in orchestrator_state.json, so a per-call token file is what a file-based token log
  would be);
- database: the same rows in a bazinga-db database.

It then times three dashboard questions, file-based against database, and prints the ratio
(file time / database time; above 1 means the database is faster):
- "last 50 entries of a session": read the log, find the entry headings, keep the last 50
  vs ``get-logs S --limit 50``;
- "entries of one agent type": read and split the whole log, keep the QA Expert entries
  vs ``get-logs S --agent-type qa --limit 0``;
- "token totals": load token_log.json and sum per agent type vs ``token-summary S``.
In-process (a fresh BazingaDB per query, so connection set-up is paid each time; the file side reads the
file each time, as a dashboard without a cache does) and through the CLI (one new Python process per query
on both sides: ``bazinga_db.py`` against a small script doing the file read).

Usage: python3 bench/bench_files_vs_db.py [--sizes 1000,10000,100000] [--repeat 5] [--cli-repeat 3]
       [--keep DIR]
Prints figures; asserts nothing (timings are never test assertions).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from skill import legacy  # noqa: E402
from skill.api import BazingaDB  # noqa: E402
from skill.timeutil import to_canonical  # noqa: E402

SCRIPT = ROOT / "scripts" / "bazinga_db.py"
SESSION = "bazinga_20251112_140207"
AGENTS = [
    ("Developer", "developer"),
    ("QA Expert", "qa"),
    ("Tech Lead", "tech_lead"),
    ("Project Manager", "pm"),
    ("Orchestrator", "orchestrator"),
]
WEIGHTS = [5, 3, 3, 1, 1]
HEADING = re.compile(r"^## \[[^\]]+\] (?:Iteration \d+ - .+|Orchestration Complete)$", re.M)

# ---------------------------------------------------------------------------------------------- the file side
# The same code runs in-process and, through FILE_QUERY below, in its own process for the CLI comparison.


def file_last_50(log: str) -> list[str]:
    text = Path(log).read_text(encoding="utf-8")
    starts = [m.start() for m in HEADING.finditer(text)]
    bounds = starts[-50:] + [len(text)]
    return [text[a:b] for a, b in zip(bounds, bounds[1:])]


def file_agent_entries(log: str, heading_name: str = "QA Expert") -> list[str]:
    text = Path(log).read_text(encoding="utf-8")
    marks = list(HEADING.finditer(text)) + [None]
    wanted = f" - {heading_name}"
    return [
        text[m.start() : (n.start() if n else len(text))]
        for m, n in zip(marks, marks[1:])
        if wanted in m.group(0)
    ]


def file_token_totals(token_file: str) -> dict[str, int]:
    totals: dict[str, int] = {}
    for record in json.loads(Path(token_file).read_text(encoding="utf-8"))["records"]:
        totals[record["agent_type"]] = totals.get(record["agent_type"], 0) + record["tokens"]
    totals["total"] = sum(totals.values())
    return totals


FILE_QUERY = """
import json, re, sys
from pathlib import Path
HEADING = re.compile(r"^## \\[[^\\]]+\\] (?:Iteration \\d+ - .+|Orchestration Complete)$", re.M)
kind, path = sys.argv[1], sys.argv[2]
text = Path(path).read_text(encoding="utf-8")
if kind == "last50":
    starts = [m.start() for m in HEADING.finditer(text)]
    bounds = starts[-50:] + [len(text)]
    out = [text[a:b] for a, b in zip(bounds, bounds[1:])]
elif kind == "agent":
    marks = list(HEADING.finditer(text)) + [None]
    out = [
        text[m.start() : (n.start() if n else len(text))]
        for m, n in zip(marks, marks[1:])
        if " - QA Expert" in m.group(0)
    ]
else:
    out = {}
    for r in json.loads(text)["records"]:
        out[r["agent_type"]] = out.get(r["agent_type"], 0) + r["tokens"]
sys.stdout.write(json.dumps(out, ensure_ascii=False))
"""

# -------------------------------------------------------------------------------------- generating both forms


def _content(rng: random.Random, agent: str, i: int) -> str:
    """An entry body shaped like the sample's: sections, a fence, sometimes inner ## lines and ---."""
    words = (
        "implemented reviewed tests pass coverage endpoint token refresh limiter export csv ✅ ❌ fix".split()
    )
    prose = lambda n: " ".join(rng.choice(words) for _ in range(n))  # noqa: E731
    parts = [
        f"### Prompt Sent:\n```\nYou are the {agent} for entry {i}. {prose(rng.randint(20, 80))}\n```",
        f"### Agent Response:\n```\n## Status: {rng.choice(['READY_FOR_QA', 'PASS', 'APPROVED'])}\n"
        f"{prose(rng.randint(40, 200))}\n```python\ndef f():\n    return {i}\n```\n---\n{prose(10)}\n```",
        f"### Orchestrator Decision:\n{prose(rng.randint(5, 20))}",
    ]
    return "\n\n".join(parts)


def generate(folder: Path, n: int, seed: int = 8) -> dict[str, Path]:
    rng = random.Random(seed)
    start = 1762956127  # 2025-11-12T14:02:07Z
    rows, tokens = [], []
    for i in range(n):
        name, agent = rng.choices(AGENTS, WEIGHTS)[0]
        group = rng.choice("ABC")
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start + i * 7))
        qualifier = f" (Group {group})" if agent in ("developer", "qa", "tech_lead") else ""
        content = _content(rng, name, i)
        rows.append((stamp, i // 20 + 1, name, agent, qualifier, group, content))
        tokens.append({"agent_type": agent, "tokens": rng.randint(500, 20000), "timestamp": stamp})
    log = folder / "orchestration-log.md"
    with open(log, "w", encoding="utf-8") as out:
        out.write(
            f"# BAZINGA Orchestration Log\n\n**Session:** {SESSION}\n**Started:** 2025-11-12T14:02:07Z\n\n"
            "This file tracks all agent interactions during orchestration.\n\n---\n\n"
        )
        for stamp, iteration, name, _agent, qualifier, _group, content in rows:
            out.write(f"## [{stamp}] Iteration {iteration} - {name}{qualifier}\n\n{content}\n\n---\n\n")
    token_file = folder / "token_log.json"
    token_file.write_text(json.dumps({"records": tokens}, indent=2), encoding="utf-8")

    db_path = folder / "bazinga.db"
    with BazingaDB(db_path) as db:
        db.create_session(SESSION, "parallel", "benchmark")

        def work(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT INTO orchestration_logs "
                "(session_id, seq, timestamp, iteration, agent_type, agent_id, content) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        SESSION,
                        i + 1,
                        to_canonical(r[0]),
                        r[1],
                        r[3],
                        legacy.agent_id_for(r[3], r[4].strip(" ()") or None, ["A", "B", "C"]),
                        r[6],
                    )
                    for i, r in enumerate(rows)
                ],
            )
            conn.executemany(
                "INSERT INTO token_usage (session_id, timestamp, agent_type, agent_id, tokens_estimated) "
                "VALUES (?, ?, ?, NULL, ?)",
                [(SESSION, to_canonical(t["timestamp"]), t["agent_type"], t["tokens"]) for t in tokens],
            )

        db.store.write(work)
    with sqlite3.connect(str(db_path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("ANALYZE")
    return {"log": log, "tokens": token_file, "db": db_path}


# ---------------------------------------------------------------------------------------------- timing


def timed(function, repeat: int) -> float:
    """Median wall time in milliseconds of ``repeat`` runs (after one warm-up run)."""
    function()
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        runs.append((time.perf_counter() - began) * 1000)
    return statistics.median(runs)


def db_query(path: Path, kind: str):
    def run():
        with BazingaDB(path) as db:
            if kind == "last50":
                return db.get_logs(SESSION, limit=50)
            if kind == "agent":
                return db.get_logs(SESSION, agent_type="qa", limit=0)
            return db.get_token_summary(SESSION)

    return run


def cli(argv: list[str]):
    def run():
        done = subprocess.run(argv, capture_output=True)
        if done.returncode != 0:
            raise SystemExit(f"failed: {' '.join(argv)}\n{done.stderr.decode()}")

    return run


def check_same_answers(files: dict[str, Path]) -> None:
    """Both sides must answer the same question, or the ratio means nothing."""
    with BazingaDB(files["db"]) as db:
        last = db.get_logs(SESSION, limit=50)
        qa = db.get_logs(SESSION, agent_type="qa", limit=0)
        summary = db.get_token_summary(SESSION)
    assert len(file_last_50(str(files["log"]))) == len(last)
    assert len(file_agent_entries(str(files["log"]))) == len(qa)
    assert file_token_totals(str(files["tokens"])) == {k: summary[k] for k in summary}, "token totals differ"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=5, help="in-process runs per figure (median)")
    parser.add_argument("--cli-repeat", type=int, default=3, help="process runs per figure (median)")
    parser.add_argument("--keep", help="write the generated files here and keep them")
    parser.add_argument(
        "--import-files", action="store_true", help="also time import-files of each generated log"
    )
    options = parser.parse_args()
    base = Path(options.keep) if options.keep else Path(tempfile.mkdtemp(prefix="bench-files-vs-db-"))
    print(
        f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}; "
        "medians in ms; ratio = files / database"
    )
    questions = [
        ("last 50 entries", "last50", "log", ["get-logs", SESSION, "--limit", "50"]),
        (
            "entries of one agent type (qa)",
            "agent",
            "log",
            ["get-logs", SESSION, "--agent-type", "qa", "--limit", "0"],
        ),
        ("token totals", "tokens", "tokens", ["token-summary", SESSION]),
    ]
    file_functions = {"last50": file_last_50, "agent": file_agent_entries, "tokens": file_token_totals}
    try:
        for size in (int(s) for s in options.sizes.split(",")):
            folder = base / f"n{size}"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            began = time.perf_counter()
            files = generate(folder, size)
            made = time.perf_counter() - began
            check_same_answers(files)
            mb = lambda p: p.stat().st_size / 1e6  # noqa: E731
            print(
                f"\n## {size:,} entries  (log {mb(files['log']):.1f} MB, "
                f"token file {mb(files['tokens']):.1f} MB, "
                f"database {mb(files['db']):.1f} MB; generated in {made:.1f} s)"
            )
            print(
                f"{'question':34} {'files':>9} {'db':>9} {'ratio':>7} | "
                f"{'files CLI':>9} {'db CLI':>9} {'ratio':>7}"
            )
            for label, kind, source, argv in questions:
                target = str(files[source])
                file_ms = timed(lambda k=kind, t=target: file_functions[k](t), options.repeat)
                db_ms = timed(db_query(files["db"], kind), options.repeat)
                file_cli = timed(cli([sys.executable, "-c", FILE_QUERY, kind, target]), options.cli_repeat)
                db_cli = timed(
                    cli([sys.executable, str(SCRIPT), "--db", str(files["db"]), *argv]), options.cli_repeat
                )
                print(
                    f"{label:34} {file_ms:9.2f} {db_ms:9.2f} {file_ms / db_ms:6.1f}x | "
                    f"{file_cli:9.1f} {db_cli:9.1f} {file_cli / db_cli:6.1f}x"
                )
            if options.import_files:
                target_db = folder / "imported.db"
                began = time.perf_counter()
                cli(
                    [
                        sys.executable,
                        str(SCRIPT),
                        "--db",
                        str(target_db),
                        "--quiet",
                        "import-files",
                        str(folder),
                    ]
                )()
                print(f"import-files of the {size:,}-entry log: {time.perf_counter() - began:.1f} s")
    finally:
        if not options.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
