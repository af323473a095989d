#!/usr/bin/env python3
"""Fuzz the real command line: random command lines (hostile values in every position, invalid UTF-8,
control characters, SQL fragments, huge values, path tricks in --db, random bytes on stdin), each run as
`python3 scripts/bazinga_db.py ...` against a seeded database.

    python3 stress/fuzz.py                   # 3000 runs, 4 at a time
    python3 stress/fuzz.py --runs 500 --seed 7

Checks every run (see stress/fuzzgen.py): exit code in {0,1,2}, no traceback, no internal error, a ❌ for
every non-zero exit, the database unchanged by every failed command and by every read or backup (whatever
destination it is given: the database, its -wal/-shm/-journal, links to it); integrity_check at the end.
Classes beside random command lines: huge integers, query bombs, file destinations, closed or full
stdout/stderr (a committed write must still report its ✓), long requests (bounded by
fuzzgen.LONG_REQUEST_SECONDS). Prints the figures and exits 1 on any violation.
"""

from __future__ import annotations

import argparse
import collections
import io
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from stress import fuzzgen  # noqa: E402
from stress.harness import SCRIPT  # noqa: E402


def prepare(folder: Path) -> Path:
    """A seeded database plus the odd files the path tricks point at."""
    from skill import cli

    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "coordination" / "bazinga.db"
    for argv in fuzzgen.SEED:
        out, err = io.StringIO(), io.StringIO()
        if cli.run(["--db", str(db), *argv], io.StringIO(), out, err, env={}, cwd=str(folder)) != 0:
            raise RuntimeError(err.getvalue())
    (folder / "fuzz-dir").mkdir(exist_ok=True)
    (folder / "seed.db").write_text("a plain file", encoding="utf-8")
    loop = folder / "link-loop.db"
    if not os.path.lexists(loop):
        os.symlink(loop.name, loop)
    # file destinations that must never be written through (fuzzgen.DESTINATIONS)
    if not os.path.lexists(folder / "db-symlink"):
        os.symlink(db, folder / "db-symlink")
    if not os.path.lexists(folder / "db-hardlink"):
        os.link(db, folder / "db-hardlink")
    (folder / "existing.json").write_text('{"kept": true}\n', encoding="utf-8")
    return db


# How a run's stdout/stderr are given (the closed-streams class): mostly pipes, sometimes closed or full.
STREAMS = ["pipe"] * 16 + ["stdout-closed", "stdout-full", "stderr-closed", "stdout-closed"]


def run_one(
    folder: Path, db: Path, argv: list[bytes], stdin: bytes, streams: str = "pipe"
) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}
    env["BAZINGA_DB_PATH"] = str(db)
    closing = {"stdout-closed": 1, "stderr-closed": 2}.get(streams)
    full = open("/dev/full", "wb") if streams == "stdout-full" else None
    try:
        done = subprocess.run(
            [sys.executable, str(SCRIPT), *argv],
            cwd=folder,
            input=stdin,
            stdout=full if full is not None else (None if closing == 1 else subprocess.PIPE),
            stderr=None if closing == 2 else subprocess.PIPE,
            env=env,
            timeout=120,
            preexec_fn=(lambda: os.close(closing)) if closing else None,  # type: ignore[misc]
        )
    finally:
        if full is not None:
            full.close()
    return (
        done.returncode,
        (done.stdout or b"").decode("utf-8", "backslashreplace"),
        (done.stderr or b"").decode("utf-8", "backslashreplace"),
    )


VIOLATIONS = (
    "tracebacks",
    "internal_errors",
    "missing_error_line",
    "bad_exit_codes",
    "failed_but_changed_db",
    "read_or_backup_changed_db",
    "write_check_lost_with_stdout",
    "slow_long_requests",
    "integrity_failures",
)


def fuzz(root: Path, runs: int, seed: int, parallel: int) -> dict[str, Any]:
    lock = threading.Lock()
    codes: collections.Counter = collections.Counter()
    problems: list[str] = []
    counts = {
        "runs": 0,
        "tracebacks": 0,
        "internal_errors": 0,
        "missing_error_line": 0,
        "bad_exit_codes": 0,
        "failed_but_changed_db": 0,
        "read_or_backup_changed_db": 0,
        "write_check_lost_with_stdout": 0,
        "slow_long_requests": 0,
        "integrity_failures": 0,
        "stdout_closed_or_full_runs": 0,
        "stderr_closed_runs": 0,
        "long_requests": 0,
    }

    def lane(index: int) -> None:
        rng = random.Random(f"{seed}:{index}")
        folder = root / f"lane{index}"
        db = prepare(folder)
        for n in range(index, runs, parallel):
            long_request = rng.random() < 0.03
            if long_request:
                argv = [b"request", fuzzgen.long_request(rng).encode()]
            elif rng.random() < 0.25:
                argv = fuzzgen.random_bytes_argv(rng)
            else:
                argv = [fuzzgen.to_bytes(a) for a in fuzzgen.random_argv(rng)]
            streams = rng.choice(STREAMS)
            stdin = rng.choice(
                [
                    b"",
                    b'{"ok": true}',
                    bytes(rng.randrange(256) for _ in range(64)),
                    b"\xff\xfe not utf-8",
                    "✓ text".encode(),
                ]
            )
            before = fuzzgen.fingerprint(str(db))
            started = time.perf_counter()
            code, out, err = run_one(folder, db, argv, stdin, streams)
            took = time.perf_counter() - started
            after = fuzzgen.fingerprint(str(db))
            found = fuzzgen.violations(argv, code, out, err, before, after, streams)
            if streams == "stderr-closed":  # nothing to read there: only the exit code and the database
                found = [p for p in found if "without a ❌" not in p]
            if long_request and took > fuzzgen.LONG_REQUEST_SECONDS:
                found.append(f"slow long request: {took:.1f} s")
            if n % 100 == index:
                state = fuzzgen.integrity(str(db))
                if state != "ok":
                    found.append(f"integrity_check: {state}")
            with lock:
                counts["runs"] += 1
                codes[code] += 1
                counts["long_requests"] += long_request
                counts["stdout_closed_or_full_runs"] += streams.startswith("stdout-")
                counts["stderr_closed_runs"] += streams == "stderr-closed"
                for problem in found:
                    key = (
                        "tracebacks"
                        if problem == "traceback"
                        else "internal_errors"
                        if problem.startswith("internal")
                        else "missing_error_line"
                        if "without a ❌" in problem
                        else "bad_exit_codes"
                        if problem.startswith("exit code")
                        else "read_or_backup_changed_db"
                        if "read or backup" in problem
                        else "write_check_lost_with_stdout"
                        if "was lost" in problem
                        else "slow_long_requests"
                        if problem.startswith("slow long request")
                        else "failed_but_changed_db"
                        if "changed" in problem
                        else "integrity_failures"
                    )
                    counts[key] += 1
                    problems.append(f"{problem} [{streams}]: {fuzzgen.describe(argv)}")
        state = fuzzgen.integrity(str(db))
        if state != "ok":
            with lock:
                counts["integrity_failures"] += 1
                problems.append(f"final integrity_check of lane {index}: {state}")

    began = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        for future in [pool.submit(lane, i) for i in range(parallel)]:
            future.result()
    counts.update({f"exit_{code}": codes[code] for code in sorted(codes)})
    counts["request_fuzzed"] = fuzzgen.REQUEST_AVAILABLE
    counts["wall_s"] = round(time.perf_counter() - began, 1)
    counts["examples"] = problems[:10]
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--parallel", type=int, default=4)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bazinga-fuzz-") as folder:
        figures = fuzz(Path(folder), options.runs, options.seed, options.parallel)
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        if name != "examples":
            print(f"{name.ljust(width)}  {value}")
    for example in figures["examples"]:
        print(f"  e.g. {example}")
    bad = sum(figures[k] for k in VIOLATIONS)
    print("verdict".ljust(width) + "  " + ("CLEAN" if bad == 0 else f"{bad} VIOLATIONS"))
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
