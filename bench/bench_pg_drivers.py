"""The PostgreSQL driver, chosen by measurement: psycopg 3 (C and pure-Python), psycopg2-binary, pg8000.

Each driver is measured in its own fresh process on the same work against the same local server:

- *import*: median CPU time of ``python -c "import DRIVER"`` minus the floor
  ``python -c "import sqlite3, json"``
  (bench/common.py's launcher, interleaved rounds);
- *connect*: median wall time of one connection (TCP to 127.0.0.1, trust authentication) and its first
  ``SELECT 1``;
- *transaction*: the store's single-row write, as bazinga-db does it: ``BEGIN``; ``SELECT
  pg_advisory_xact_lock(...)``; ``INSERT`` one log row; ``COMMIT`` — median wall and CPU time per
  transaction over N transactions on one connection.

    python3 bench/bench_pg_drivers.py [--quick]        (BAZINGA_TEST_PG_URL, or a throw-away cluster)

A driver that is not installed is listed as such. The chosen driver and why: docs/postgresql.md.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests"))
from common import FLOOR, child_env, table  # noqa: E402

# The drivers live in the environment running this script (a venv with the dev extras): its interpreter
# is used as it is, not resolved to the base interpreter as bench/common.py does for the skill's figures.
PYTHON = sys.executable

DRIVERS = {
    # name: (module imported, environment)
    "psycopg 3 (C, psycopg[binary])": ("psycopg", {"PSYCOPG_IMPL": "binary"}),
    "psycopg 3 (pure Python + libpq)": ("psycopg", {"PSYCOPG_IMPL": "python"}),
    "psycopg2-binary": ("psycopg2", {}),
    "pg8000 (pure Python)": ("pg8000", {}),
}

# Run in a child process per driver: prints one JSON line of figures.
CHILD = r"""
import json, os, sys, time, urllib.parse
module, url, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
parts = urllib.parse.urlsplit(url)

def connect():
    if module == "psycopg":
        import psycopg
        return psycopg.connect(url, autocommit=True)
    if module == "psycopg2":
        import psycopg2
        conn = psycopg2.connect(url)
        conn.autocommit = True
        return conn
    import pg8000.dbapi
    conn = pg8000.dbapi.connect(user=parts.username, host=parts.hostname, port=parts.port,
                                database=parts.path.lstrip("/"))
    conn.autocommit = True
    return conn

connects = []
for _ in range(15):
    started = time.perf_counter()
    conn = connect()
    cur = conn.cursor()
    cur.execute("SELECT 1")
    cur.fetchone()
    connects.append(time.perf_counter() - started)
    conn.close()

conn = connect()
cur = conn.cursor()
table = "bench_" + module + "_" + str(os.getpid())
cur.execute(f"CREATE TABLE {table} (id BIGSERIAL PRIMARY KEY, session_id TEXT NOT NULL, seq BIGINT NOT NULL, "
            "timestamp TEXT NOT NULL, agent_type TEXT NOT NULL, content TEXT NOT NULL)")
insert = f"INSERT INTO {table} (session_id, seq, timestamp, agent_type, content) VALUES (%s, %s, %s, %s, %s)"
walls, cpus = [], []
for n in range(count):
    wall, cpu = time.perf_counter(), time.process_time()
    cur.execute("BEGIN")
    cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", (4348483, 1))
    cur.execute(insert, ("bench", n, "2025-01-01T00:00:00.000000Z", "developer", "one log line of content"))
    cur.execute("COMMIT")
    walls.append(time.perf_counter() - wall)
    cpus.append(time.process_time() - cpu)
cur.execute(f"SELECT COUNT(*) FROM {table}")
stored = cur.fetchone()[0]
cur.execute(f"DROP TABLE {table}")
conn.close()
walls.sort(); cpus.sort(); connects.sort()
print(json.dumps({"connect": connects[len(connects) // 2], "wall": walls[len(walls) // 2],
                  "cpu": sum(cpus) / len(cpus), "stored": stored, "count": count}))
"""


def cpu_of(argv: list[str]) -> float:
    """CPU time (user + system) of one child process, read from os.wait4: nothing else is counted."""
    process = subprocess.Popen(
        [PYTHON, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env()
    )
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return usage.ru_utime + usage.ru_stime


def import_costs(cases: dict[str, list[str]], rounds: int) -> dict[str, float]:
    """Median CPU of each case and of the floor, interleaved in a fresh random order each round."""
    import random

    everything = {"floor": FLOOR, **cases}
    for argv in everything.values():  # warm-up: __pycache__, page cache
        cpu_of(argv)
    samples: dict[str, list[float]] = {name: [] for name in everything}
    for _ in range(rounds):
        order = list(everything.items())
        random.shuffle(order)
        for name, argv in order:
            samples[name].append(cpu_of(argv))
    return {name: statistics.median(values) for name, values in samples.items()}


def installed(module: str) -> bool:
    done = subprocess.run([PYTHON, "-c", f"import {module}"], capture_output=True, env=child_env())
    return done.returncode == 0


def measure(url: str, quick: bool) -> tuple[str, list[dict]]:
    count = 500 if quick else 3000
    available = {name: spec for name, spec in DRIVERS.items() if installed(spec[0])}
    cases = {}
    for name, (module, env) in available.items():
        impl = env.get("PSYCOPG_IMPL")  # set inside the child: the same environment for every case
        prefix = f"import os; os.environ['PSYCOPG_IMPL'] = '{impl}'; " if impl else ""
        cases[name] = ["-c", prefix + f"import {module}"]
    costs = import_costs(cases, 5 if quick else 15)
    floor = costs["floor"]
    rows, figures = [], []
    for name, (module, env) in DRIVERS.items():
        if name not in available:
            rows.append([name, "not installed", "", "", "", ""])
            continue
        done = subprocess.run(
            [PYTHON, "-c", CHILD, module, url, str(count)],
            capture_output=True,
            text=True,
            env=child_env(env),
            timeout=600,
        )
        if done.returncode != 0:
            rows.append([name, "failed: " + done.stderr.strip().splitlines()[-1][:80], "", "", "", ""])
            continue
        result = json.loads(done.stdout)
        import_ms = (costs[name] - floor) * 1000
        figures.append({"name": name, "import_ms": import_ms, **result})
        rows.append(
            [
                name,
                f"{import_ms:.1f}",
                f"{result['connect'] * 1000:.2f}",
                f"{result['wall'] * 1e6:.0f}",
                f"{result['cpu'] * 1e6:.0f}",
                f"{result['stored']}/{result['count']}",
            ]
        )
    text = table(
        [
            "driver",
            "import (ms CPU over floor)",
            "connect (ms wall)",
            "transaction (µs wall, median)",
            "transaction (µs CPU, mean)",
            "rows stored",
        ],
        rows,
    )
    return text + f'\n\nFloor: `python -c "import sqlite3, json"` {floor * 1000:.1f} ms CPU.', figures


def server_url() -> tuple[str, object]:
    """BAZINGA_TEST_PG_URL, else a throw-away cluster (stopped by the caller)."""
    url = os.environ.get("BAZINGA_TEST_PG_URL")
    if url:
        return url, None
    import pg_server

    if pg_server.bin_dir() is None:
        return "", None
    cluster = pg_server.Cluster(durable=True).start()
    return cluster.url, cluster


def main() -> int:
    url, cluster = server_url()
    if not url:
        print("PostgreSQL is not installed here (no initdb); nothing measured.")
        return 0
    try:
        text, _ = measure(url, "--quick" in sys.argv)
    finally:
        if cluster is not None:
            cluster.stop()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
