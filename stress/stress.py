#!/usr/bin/env python3
"""Stress: N real processes x M mixed operations against one database, then prove nothing was lost.

    python3 stress/stress.py                       # 16 processes x 500 operations (the full run)
    python3 stress/stress.py --procs 8 --ops 50    # smaller
    python3 stress/stress.py --mode subprocess     # each operation runs the real script (slower)
    python3 stress/stress.py --db postgresql://...  # on PostgreSQL: a fresh schema in that database
                                                   # (each worker process has its own connections)
    python3 stress/stress.py --stalled 0           # without the stalled batch producers (default 2)

Prints its figures (operations, failures, locked errors, lost/duplicated/torn/phantom writes, counter
mismatches, integrity_check, p50/p99 latency) and exits 1 when any of them is not clean. Beside the workers,
`--stalled` batch processes send one line and stall with their input open for the whole run (the stalled
producer class): their first line must be committed during the stall, and no worker may be locked out.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stress import harness  # noqa: E402


class StalledProducer:
    """A `batch` whose producer sends one line, then stalls (the pipe stays open) while the workers run,
    then sends a second line and closes. Reading a chunk before writing it means the stall holds no lock:
    line 1 is committed and answered during the stall, and no worker is locked out."""

    def __init__(self, db: str, index: int):
        env = {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}
        self.index = index
        self.child = subprocess.Popen(
            [sys.executable, str(harness.SCRIPT), "--db", db, "batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.problems: list[str] = []
        self.send(1)
        ready, _, _ = select.select([self.child.stdout], [], [], 60)
        if not ready:
            self.problems.append(f"stalled producer {index}: line 1 not committed while its producer paused")

    def send(self, line: int) -> None:
        op = {
            "command": "log-interaction",
            "args": {
                "session_id": harness.SESSIONS[self.index % len(harness.SESSIONS)],
                "agent_type": "developer",
                "content": f"stalled|{self.index}|{line}",
            },
        }
        assert self.child.stdin is not None
        self.child.stdin.write((json.dumps(op) + "\n").encode())
        self.child.stdin.flush()

    def finish(self) -> list[str]:
        self.send(2)
        out, err = self.child.communicate(timeout=120)
        if self.child.returncode != 0:
            self.problems.append(
                f"stalled producer {self.index}: exit {self.child.returncode}: {err[-300:]!r}"
            )
        elif [json.loads(line)["line"] for line in out.decode().splitlines()] != [1, 2]:
            self.problems.append(f"stalled producer {self.index}: results {out[:200]!r}")
        return self.problems


def _stalled_lines(db: str) -> int:
    """How many lines of the stalled producers are stored (on either backend)."""
    from skill.api import BazingaDB

    with BazingaDB(db) as store:
        rows = store.query("SELECT COUNT(*) AS n FROM orchestration_logs WHERE content LIKE 'stalled|%'")
    return int(rows[0]["n"])


def run_stress(
    folder: str,
    procs: int,
    ops: int,
    seed: int = 1,
    mode: str = "inprocess",
    big: bool = False,
    db: str | None = None,
    stalled: int = 0,
) -> dict[str, Any]:
    """The run against ``db`` (a fresh database: a SQLite path or a PostgreSQL URL), by default a new
    SQLite file in ``folder``; journals are written to ``folder``."""
    db = db or os.path.join(folder, "stress.db")
    workers = [f"w{n}" for n in range(procs)]
    harness.setup(db, workers)
    journals = [(os.path.join(folder, f"{w}.journal"), w, ops, seed, big) for w in workers]
    producers = [StalledProducer(db, n) for n in range(stalled)]  # they stall through the whole run
    start_at = time.time() + 0.4 + procs * 0.05  # let every interpreter start, then go together
    began = time.perf_counter()
    children = [
        harness.spawn_worker(db, w, ops, seed, path, mode, big, start_at) for path, w, _, _, _ in journals
    ]
    crashes = []
    for child in children:
        _, err = child.communicate()
        if child.returncode != 0:
            crashes.append(err.decode("utf-8", "replace")[-2000:])
    wall = time.perf_counter() - began - max(0.0, start_at - time.time())
    stall_problems = [problem for producer in producers for problem in producer.finish()]
    if stalled and _stalled_lines(db) != 2 * stalled:
        stall_problems.append(f"stalled producers: {_stalled_lines(db)} of {2 * stalled} lines stored")
    read = harness.read_journals(journals)
    verdict = harness.verify(db, read, big)
    failures = list(read.failed.values())
    total = procs * ops
    finished = len(read.acked) + len(read.reads) + len(read.failed)
    return {
        "processes": procs,
        "operations": total,
        "finished": finished,
        "writes_acked": len(read.acked),
        "reads_ok": len(read.reads),
        "failures": len(failures),
        "locked_failures": sum("locked" in why.lower() for _, why in failures),
        "tracebacks": sum("TRACEBACK" in why for _, why in failures) + sum("Traceback" in c for c in crashes),
        "worker_crashes": len(crashes),
        "lost": len(verdict.lost),
        "duplicated": len(verdict.duplicated),
        "torn": len(verdict.torn),
        "phantoms": len(verdict.phantoms),
        "counter_mismatches": len(verdict.counters),
        "integrity_check": verdict.integrity,
        "stalled_producers": stalled,
        "stalled_producer_problems": len(stall_problems),
        "p50_ms": round(harness.percentile(read.all_latencies, 0.50), 1),
        "p99_ms": round(harness.percentile(read.all_latencies, 0.99), 1),
        "max_ms": round(max(read.all_latencies, default=0.0), 1),
        "wall_s": round(wall, 1),
        "examples": (
            verdict.lost[:3]
            + verdict.duplicated[:3]
            + verdict.torn[:3]
            + verdict.phantoms[:3]
            + verdict.counters[:3]
            + [why for _, why in failures[:3]]
            + crashes[:1]
            + stall_problems[:3]
        ),
    }


def fresh_schema(url: str) -> tuple[str, str]:
    """Create an empty schema in the URL's database; return (its name, the URL that uses it)."""
    import psycopg2

    name = f"bazinga_stress_{os.getpid()}_{int(time.time())}"
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {name}")
    conn.close()
    separator = "&" if "?" in url else "?"
    return name, f"{url}{separator}options=-csearch_path%3D{name}"


def drop_schema(url: str, name: str) -> None:
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    conn.close()


def clean(figures: dict[str, Any]) -> bool:
    return (
        figures["finished"] == figures["operations"]
        and figures["failures"] == 0
        and figures["worker_crashes"] == 0
        and harness.nothing_lost(figures)
        and figures["integrity_check"] == "ok"
        and figures.get("stalled_producer_problems", 0) == 0
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--procs", type=int, default=16)
    parser.add_argument("--ops", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--mode",
        choices=["inprocess", "subprocess"],
        default="inprocess",
        help="inprocess: each worker calls the CLI's run() per operation (a fresh database "
        "connection each time); subprocess: each operation runs scripts/bazinga_db.py",
    )
    parser.add_argument("--big", action="store_true", help="payloads of 2-60 KB instead of 20-400 bytes")
    parser.add_argument("--keep", action="store_true", help="keep the database and journals")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="run on PostgreSQL: a postgresql:// URL of a database in which a fresh schema is created "
        "(and dropped afterwards unless --keep)",
    )
    parser.add_argument(
        "--stalled",
        type=int,
        default=2,
        help="batch processes whose producer sends a line, then stalls through the whole run",
    )
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bazinga-stress-")
    schema = fresh_schema(options.db) if options.db else None
    db = schema[1] if schema else None
    try:
        figures = run_stress(
            folder,
            options.procs,
            options.ops,
            options.seed,
            options.mode,
            options.big,
            db,
            stalled=options.stalled,
        )
    finally:
        if schema and not options.keep:
            drop_schema(options.db, schema[0])
    ok = clean(figures)
    harness.print_figures(figures, ok, "CLEAN: every acknowledged write present exactly once")
    if options.keep:
        print(f"kept in {folder}" + (f" and schema {schema[0]}" if schema else ""))
    else:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
