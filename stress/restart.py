#!/usr/bin/env python3
"""Restart: writers on PostgreSQL while the server goes down and comes back; nothing acknowledged is lost.

    python3 stress/restart.py                    # 8 processes x 200 operations, one restart mid-run
    python3 stress/restart.py --procs 4 --ops 60 --down 1.5 --mode immediate

Starts its own throw-away cluster (tests/pg_server.py, durable: fsync on, as a real server runs), so it
can stop it: the workers, separate processes that each open their own connections as separate machines
would, run the stress mix; once a share of the work is acknowledged the server is stopped (``-m fast``
cuts every connection; ``-m immediate`` is a crash, recovered from its WAL), stays down ``--down``
seconds and is started again on the same port. Then the database is compared with the workers' journals.

Printed and checked: every acknowledged write present exactly once and intact; failures while the server
was down are clear ❌ reports (no traceback) that name the unreachable server; a write whose COMMIT was
cut off is reported as "may or may not have been stored" and counted as in flight (either outcome is
allowed); every worker acknowledged writes again after the restart. Exit 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import pg_server  # noqa: E402

from stress import harness  # noqa: E402

UNREACHABLE = "cannot reach the PostgreSQL server"
UNKNOWN_OUTCOME = "may or may not have been stored"


def _acked_so_far(journals: list[tuple[str, str, int, int, bool]]) -> int:
    total = 0
    for path, *_ in journals:
        try:
            total += Path(path).read_bytes().count(b"\nA\t") + Path(path).read_bytes().startswith(b"A\t")
        except FileNotFoundError:
            pass
    return total


def _resumed(journals: list[tuple[str, str, int, int, bool]]) -> dict[str, int]:
    """Per worker: writes acknowledged after its first failure (0 when it never failed: see 'failures')."""
    result = {}
    for path, worker, *_ in journals:
        seen_failure, after = False, 0
        for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
            tag = line.split("\t", 1)[0]
            if tag == "F":
                seen_failure = True
            elif tag == "A" and seen_failure:
                after += 1
        result[worker] = after if seen_failure else -1
    return result


def run_restart(
    procs: int, ops: int, seed: int, down: float, mode: str, share: float, folder: str
) -> dict[str, Any]:
    cluster = pg_server.Cluster(durable=True).start()
    try:
        db = cluster.url
        workers = [f"w{n}" for n in range(procs)]
        harness.setup(db, workers)
        journals = [(os.path.join(folder, f"{w}.journal"), w, ops, seed, False) for w in workers]
        os.environ["STRESS_FAIL_PAUSE"] = "0.25"  # inherited by the workers
        start_at = time.time() + 0.4 + procs * 0.05
        children = [
            harness.spawn_worker(db, w, ops, seed, p, "inprocess", False, start_at) for p, w, *_ in journals
        ]
        target = int(procs * ops * share * 0.8)  # writes are ~80% of the mix
        deadline = time.time() + 300
        while _acked_so_far(journals) < target and time.time() < deadline:
            if all(c.poll() is not None for c in children):
                break
            time.sleep(0.05)
        acked_before = _acked_so_far(journals)
        stopped = time.time()
        cluster.restart(down_seconds=down, mode=mode)
        outage = time.time() - stopped
        crashes = []
        for child in children:
            _, err = child.communicate(timeout=600)
            if child.returncode != 0:
                crashes.append(err.decode("utf-8", "replace")[-2000:])
        read = harness.read_journals(journals)
        unknown = {k: v for k, v in read.failed.items() if UNKNOWN_OUTCOME in v[1]}
        # a cut-off COMMIT may have landed or not: count it as in flight, neither acknowledged nor failed
        read = read._replace(failed={k: v for k, v in read.failed.items() if k not in unknown})
        verdict = harness.verify(db, read)
        failures = list(read.failed.values())
        unclear = [
            why for _, why in failures if UNREACHABLE not in why and "lost during the transaction" not in why
        ]
        resumed = _resumed(journals)
        return {
            "processes": procs,
            "operations": procs * ops,
            "restart_mode": mode,
            "acked_before_restart": acked_before,
            "outage_s": round(outage, 1),
            "writes_acked": len(read.acked),
            "reads_ok": len(read.reads),
            "failures_while_down": len(failures),
            "failures_unclear": len(unclear),
            "commit_outcome_unknown": len(unknown),
            "tracebacks": sum("TRACEBACK" in why for _, why in failures)
            + sum("Traceback" in c for c in crashes),
            "worker_crashes": len(crashes),
            "workers_resumed": sum(1 for n in resumed.values() if n > 0),
            "workers_that_failed": sum(1 for n in resumed.values() if n >= 0),
            "lost": len(verdict.lost),
            "duplicated": len(verdict.duplicated),
            "torn": len(verdict.torn),
            "phantoms": len(verdict.phantoms),
            "counter_mismatches": len(verdict.counters),
            "consistency_check": verdict.integrity,
            "examples": (
                verdict.lost[:3]
                + verdict.duplicated[:3]
                + verdict.phantoms[:3]
                + verdict.counters[:3]
                + unclear[:3]
                + [why for _, why in failures[:2]]
                + [why for _, why in list(unknown.values())[:1]]
                + crashes[:1]
            ),
        }
    finally:
        cluster.stop()


def clean(figures: dict[str, Any]) -> bool:
    return (
        figures["failures_while_down"] > 0  # the restart really happened under load
        and figures["failures_unclear"] == 0
        and figures["tracebacks"] == 0
        and figures["worker_crashes"] == 0
        and figures["workers_resumed"] == figures["workers_that_failed"]
        and harness.nothing_lost(figures)
        and figures["consistency_check"] == "ok"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--procs", type=int, default=8)
    parser.add_argument("--ops", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--down", type=float, default=2.0, help="seconds the server stays down")
    parser.add_argument(
        "--mode", choices=["fast", "immediate"], default="immediate", help="how it is stopped"
    )
    parser.add_argument("--share", type=float, default=0.3, help="share of the writes acknowledged before")
    options = parser.parse_args()
    if pg_server.bin_dir() is None:
        print("PostgreSQL is not installed here (no initdb): apt-get install postgresql")
        return 1
    folder = tempfile.mkdtemp(prefix="bazinga-restart-")
    try:
        figures = run_restart(
            options.procs, options.ops, options.seed, options.down, options.mode, options.share, folder
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    ok = clean(figures)
    harness.print_figures(figures, ok, "CLEAN: nothing acknowledged lost; clear ❌ while down; work resumed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
