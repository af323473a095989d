"""The PostgreSQL backend's costs: per call against a local server, and the API's in-process write rate.

1. *Per call*: each plain command run as agents run it, ``python scripts/bazinga_db.py --db URL ...``,
   median CPU time of that process (os.wait4: the server's own work is not in it) and median wall time,
   each as a ratio to the floor ``python -c "import sqlite3, json"`` with the same interpreter,
   interleaved in a random order each round. The same commands on a SQLite file are shown beside them.
   Target: a plain command <= 2.5x the floor.
2. *In-process write rate*: ``BazingaDB(url).log_interaction(...)`` calls per second on one connection,
   against psycopg2 alone running the same single-row transaction, statement for statement (``BEGIN`` and
   the write lock; touch the session; read the last seq; ``INSERT ... RETURNING id``; ``COMMIT``): the
   target, API >= 50% of that, measures what bazinga-db's layer costs over its driver. Also shown: the
   driver's rate for the least a log write could be (``BEGIN``; one ``INSERT``; ``COMMIT``). All on the
   same server and table, with commits flushed as the server is configured (synchronous_commit on) and
   with ``synchronous_commit=off`` for the session (the CPU-bound case).

    python3 bench/bench_postgres.py [--quick]          (BAZINGA_TEST_PG_URL, or a throw-away durable cluster)

Run with the interpreter that has the driver (the project's .venv). Prints figures; exits 0 (the
targets are reported, not asserted: bench/run_all.py collects the MISS lines).
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))
from bench_pg_drivers import server_url  # noqa: E402
from common import FLOOR, child_env, table  # noqa: E402

PYTHON = sys.executable  # the environment with the driver (see bench_pg_drivers.py)
SCRIPT = os.path.join(ROOT, "scripts", "bazinga_db.py")
LIMIT_CALL = 2.5
LIMIT_RATE = 0.50
SESSION = "bench_pg"


def run(argv: list[str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one child process."""
    began = time.perf_counter()
    process = subprocess.Popen(
        [PYTHON, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=child_env(), cwd=ROOT
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - began
    if status != 0:
        raise RuntimeError(f"{' '.join(argv)[:200]}: {process.stderr.read().decode()[-500:]}")
    process.stderr.close()
    return usage.ru_utime + usage.ru_stime, wall


def commands(db: str) -> dict[str, list[str]]:
    return {
        "get-session": [SCRIPT, "--db", db, "get-session", SESSION],
        "log-interaction": [SCRIPT, "--db", db, "log-interaction", SESSION, "pm", "Planned 3 groups", "2"],
        "log-tokens": [SCRIPT, "--db", db, "log-tokens", SESSION, "developer", "1200", "developer_1"],
        "token-summary": [SCRIPT, "--db", db, "token-summary", SESSION],
        "list-sessions": [SCRIPT, "--db", db, "list-sessions"],
        "dashboard-snapshot": [SCRIPT, "--db", db, "dashboard-snapshot", SESSION],
    }


def seed(db: str) -> None:
    for argv in (
        [SCRIPT, "--db", db, "create-session", SESSION, "parallel", "Benchmark"],
        [SCRIPT, "--db", db, "save-state", SESSION, "pm", '{"iteration": 1}'],
        [SCRIPT, "--db", db, "create-task-group", "group_a", SESSION, "Auth"],
    ):
        run(argv)


def per_call(url: str, rounds: int) -> tuple[str, list[str]]:
    folder = tempfile.mkdtemp(prefix="bench-pg-")
    sqlite_db = os.path.join(folder, "bench.db")
    try:
        seed(url)
        seed(sqlite_db)
        cases = {"floor": FLOOR}
        for name, argv in commands(url).items():
            cases[f"{name} (PostgreSQL)"] = argv
        for name, argv in commands(sqlite_db).items():
            cases[f"{name} (SQLite)"] = argv
        for argv in cases.values():  # warm-up: __pycache__, page cache, the server's caches
            run(argv)
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for _ in range(rounds):
            order = list(cases.items())
            random.shuffle(order)
            for name, argv in order:
                samples[name].append(run(argv))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    floor_cpu = statistics.median(c for c, _ in samples["floor"])
    floor_wall = statistics.median(w for _, w in samples["floor"])
    rows, misses = [], []
    for name, values in samples.items():
        cpu = statistics.median(c for c, _ in values)
        wall = statistics.median(w for _, w in values)
        verdict = ""
        if name.endswith("(PostgreSQL)"):
            verdict = "ok" if cpu / floor_cpu <= LIMIT_CALL else "MISS"
            if verdict == "MISS":
                misses.append(f"postgres per call: {name} {cpu / floor_cpu:.2f}x")
        rows.append(
            [
                name,
                f"{cpu * 1000:.1f}",
                f"{cpu / floor_cpu:.2f}",
                f"{wall * 1000:.1f}",
                f"{wall / floor_wall:.2f}",
                verdict,
            ]
        )
    text = table(["command", "CPU ms", "CPU / floor", "wall ms", "wall / floor", f"<= {LIMIT_CALL}x"], rows)
    return text + f'\n\n{rounds} rounds, medians. Floor: `python -c "import sqlite3, json"`.', misses


INSERT_LOG = (
    "INSERT INTO orchestration_logs (session_id, seq, timestamp, iteration, agent_type, agent_id, content) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id"
)


def _driver_rate(url: str, count: int, same: bool) -> float:
    """psycopg2 alone writing log rows into bazinga's table (the schema made by the API's first run):
    ``same``: the API's statements one for one; else the least a log write could be."""
    import psycopg2

    from skill.pgstore import LOCK_CLASS, WRITE_LOCK

    conn = psycopg2.connect(url)
    conn.autocommit = True
    cursor = conn.cursor()
    session = f"{SESSION}_driver"
    cursor.execute(
        "INSERT INTO sessions (session_id, status, start_time, created_at, updated_at) "
        "VALUES (%s, 'active', 'x', 'x', 'x') ON CONFLICT DO NOTHING",
        (session,),
    )
    cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM orchestration_logs WHERE session_id = %s", (session,))
    seq = cursor.fetchone()[0]
    began = time.perf_counter()
    for _ in range(count):
        now = "2025-01-01T00:00:00.000000Z"
        if same:
            cursor.execute(f"BEGIN; SELECT pg_advisory_xact_lock({LOCK_CLASS}, {WRITE_LOCK})")
            cursor.execute("UPDATE sessions SET updated_at = %s WHERE session_id = %s", (now, session))
            cursor.execute(
                "SELECT seq, timestamp FROM orchestration_logs WHERE session_id = %s "
                "ORDER BY seq DESC LIMIT 1",
                (session,),
            )
            last = cursor.fetchone()
            seq = last[0] + 1 if last else 1
        else:
            cursor.execute("BEGIN")
            seq += 1
        cursor.execute(INSERT_LOG, (session, seq, now, 2, "pm", None, "Planned 3 groups"))
        cursor.fetchone()
        cursor.execute("COMMIT")
    elapsed = time.perf_counter() - began
    conn.close()
    return count / elapsed


def _api_rate(url: str, count: int) -> float:
    from skill.api import BazingaDB

    with BazingaDB(url) as db:
        db.create_session(SESSION, "parallel", "Benchmark")
        db.log_interaction(SESSION, "pm", "warm-up")
        began = time.perf_counter()
        for _ in range(count):
            db.log_interaction(SESSION, "pm", "Planned 3 groups", 2)
        elapsed = time.perf_counter() - began
    return count / elapsed


def write_rate(url: str, count: int) -> tuple[str, list[str]]:
    from skill.storage import redact

    rows, misses = [], []
    separator = "&" if "?" in url else "?"
    for label, setting in (
        ("synchronous_commit on", url),
        ("synchronous_commit off", f"{url}{separator}options=-csynchronous_commit%3Doff"),
    ):
        api, same, least = [], [], []
        for _ in range(3):  # interleaved, so that a busy moment of the machine hits all three alike
            api.append(_api_rate(setting, count))
            same.append(_driver_rate(setting, count, same=True))
            least.append(_driver_rate(setting, count, same=False))
        api_rate, same_rate, least_rate = (statistics.median(v) for v in (api, same, least))
        ratio = api_rate / same_rate
        verdict = "ok" if ratio >= LIMIT_RATE else "MISS"
        if verdict == "MISS":
            misses.append(f"postgres write rate ({label}): {ratio:.0%}")
        rows.append(
            [
                label,
                f"{api_rate:,.0f}",
                f"{same_rate:,.0f}",
                f"{ratio:.0%}",
                verdict,
                f"{least_rate:,.0f}",
                f"{api_rate / least_rate:.0%}",
            ]
        )
    text = table(
        [
            "server setting",
            "API log_interaction /s",
            "psycopg2, same statements /s",
            "API / same",
            ">= 50%",
            "psycopg2, one INSERT /s",
            "API / one INSERT",
        ],
        rows,
    )
    return text + f"\n\n{count} transactions per run, median of 3 runs; server {redact(url)}.", misses


def main() -> int:
    quick = "--quick" in sys.argv
    url, cluster = server_url()
    if not url:
        print("PostgreSQL is not installed here (no initdb); nothing measured.")
        return 0
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        print("psycopg2 is not installed for this interpreter (pip install -e '.[dev]'); nothing measured.")
        return 0
    schema_url = None
    try:
        from stress.stress import drop_schema, fresh_schema

        name, schema_url = fresh_schema(url)
        calls, call_misses = per_call(schema_url, 5 if quick else 20)
        drop_schema(url, name)
        name, schema_url = fresh_schema(url)
        rate, rate_misses = write_rate(schema_url, 300 if quick else 2000)
        drop_schema(url, name)
    finally:
        if cluster is not None:
            cluster.stop()
    print("Per call against a local server (median CPU and wall of the process, vs the interpreter floor):\n")
    print(calls)
    print("\nIn-process write rate (one connection, one row per transaction):\n")
    print(rate)
    for miss in call_misses + rate_misses:
        print(f"MISS: {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
