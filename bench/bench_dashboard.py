#!/usr/bin/env python3
"""The dashboard on a session with 1,000,000 log entries: server time per page, and write-to-screen latency.

    python3 bench/bench_dashboard.py [--rounds N] [--writes N] [--no-browser] [--entries N]
                                     [--db postgresql://URL | --pg]

1. Server time: the real `dashboard` command serves a database with one session of 1,000,000 log rows
   (bench/dashboard_data.py, cached in bench/out/). Each route is requested ``rounds`` times; the figure is
   the server's own time for the response (its ``Server-Timing: app;dur=`` header: reading the store and
   rendering, not the network), with the client's round trip beside it. Target: the first page of the
   session well under 100 ms.
2. Write-to-screen latency: a session page is open in headless Chromium (Debian's, via Playwright); the
   CLI logs an entry (a real process, as agents do) and the time until the entry is on the page is taken,
   from the CLI's start and from its exit. Target: within one second.

SQLite by default. ``--db URL`` serves the same session from PostgreSQL: the schema
``bazinga_bench_dashboard`` of the URL's database, filled once by ``copy-to`` from the cached SQLite file
(then ANALYZEd) and reused while it holds the same session; ``--pg`` does that on $BAZINGA_TEST_PG_URL,
else on a throw-away durable cluster (tests/pg_server.py) that is gone after the run. ``--entries`` makes
a smaller (or larger) session.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from common import OUT, ensure_out, machine, table  # noqa: E402
from dashboard_data import demo, million  # noqa: E402
from dashboard_helpers import launch_chromium, start  # noqa: E402

from skill.api import BazingaDB  # noqa: E402

SCRIPT = os.path.join(ROOT, "scripts", "bazinga_db.py")
PG_SCHEMA = "bazinga_bench_dashboard"


def routes(entries: int) -> list[tuple[str, str]]:
    return [
        ("session page, first page of the log", "/sessions/million"),
        ("session page, deep page (seq < 1,000)", "/sessions/million?before_seq=1000"),
        ("session page, QA only, deep page", "/sessions/million?agent_type=qa&before_seq=5000"),
        ("sessions page", "/"),
        ("API: log, first page", "/api/sessions/million/logs"),
        ("API: log, deep page (seq < 1,000)", "/api/sessions/million/logs?before_seq=1000"),
        ("API: log, following (since_seq)", f"/api/sessions/million/logs?since_seq={entries - 100}"),
        ("API: dashboard snapshot", "/api/sessions/million"),
        ("API: tokens (5,000 rows over time)", "/api/sessions/million/tokens"),
    ]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def server_times(url: str, rounds: int, entries: int) -> list[list[str]]:
    rows = []
    for label, path in routes(entries):
        server, client = [], []
        for _ in range(rounds + 2):
            began = time.perf_counter()
            with urllib.request.urlopen(url.rstrip("/") + path, timeout=60) as response:
                body = response.read()
                timing = response.headers["Server-Timing"]
            client.append((time.perf_counter() - began) * 1000)
            server.append(float(timing.split("dur=")[1]))
        server, client = server[2:], client[2:]  # the first two warm the caches
        rows.append(
            [
                label,
                f"{statistics.median(server):.1f}",
                f"{percentile(server, 0.95):.1f}",
                f"{statistics.median(client):.1f}",
                f"{len(body) / 1024:.0f}",
            ]
        )
    return rows


def write_to_screen(db: str, session: str, url: str, writes: int) -> list[list[str]]:
    from playwright.sync_api import sync_playwright

    from_start, from_exit = [], []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.goto(f"{url}sessions/{session}")
        page.wait_for_selector("#live.on", timeout=10_000)
        for n in range(writes):
            began = time.perf_counter()
            done = subprocess.run(
                [sys.executable, SCRIPT, "--db", db, "log-interaction", session, "qa", f"latency probe {n}"],
                capture_output=True,
                text=True,
            )
            exited = time.perf_counter()
            assert done.returncode == 0, done.stderr
            page.wait_for_selector(f"#log .entry .content >> text='latency probe {n}'", timeout=10_000)
            seen = time.perf_counter()
            from_start.append((seen - began) * 1000)
            from_exit.append((seen - exited) * 1000)
            time.sleep(0.05 + (n % 5) * 0.05)  # writes land at different points of the poll interval
        browser.close()
    return [
        [label, f"{statistics.median(v):.0f}", f"{percentile(v, 0.95):.0f}", f"{max(v):.0f}"]
        for label, v in (("from the CLI's start", from_start), ("from the CLI's exit (commit)", from_exit))
    ]


def forget_probes(location: str, entries: int) -> None:
    """Delete the latency probes: the cached database keeps exactly its entries for the next run."""
    if location.startswith("postgresql://"):
        import psycopg2

        conn = psycopg2.connect(location)
        with conn, conn.cursor() as cursor:
            cursor.execute(
                "DELETE FROM orchestration_logs WHERE session_id = 'million' AND seq > %s", (entries,)
            )
        conn.close()
        return
    conn = sqlite3.connect(location)
    with conn:
        conn.execute("DELETE FROM orchestration_logs WHERE session_id = 'million' AND seq > ?", (entries,))
    conn.close()


def on_postgres(server_url: str, sqlite_path: str, entries: int) -> str:
    """The session in the schema PG_SCHEMA of the server's database (copied from the SQLite file unless it
    is there already); returns the schema's URL."""
    import psycopg2

    separator = "&" if "?" in server_url else "?"
    url = f"{server_url}{separator}options=-csearch_path%3D{PG_SCHEMA}"
    conn = psycopg2.connect(server_url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (PG_SCHEMA,))
        if cursor.fetchone() is not None:
            cursor.execute(f"SET search_path = {PG_SCHEMA}")
            try:
                cursor.execute("SELECT MAX(seq) FROM orchestration_logs WHERE session_id = 'million'")
                if cursor.fetchone()[0] == entries:
                    conn.close()
                    return url
            except psycopg2.Error:
                pass
            cursor.execute(f"DROP SCHEMA {PG_SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {PG_SCHEMA}")
    began = time.perf_counter()
    with BazingaDB(sqlite_path) as source:
        copied = source.copy_to(url)
    with conn.cursor() as cursor:
        cursor.execute(f"SET search_path = {PG_SCHEMA}")
        cursor.execute("ANALYZE")  # what autovacuum would do soon after a bulk load
    conn.close()
    print(f"copied {copied['rows']:,} rows to PostgreSQL in {time.perf_counter() - began:.0f} s (copy-to)")
    return url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--writes", type=int, default=30)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--entries", type=int, default=1_000_000, help="log entries of the big session")
    parser.add_argument("--db", help="a postgresql:// URL: serve the session from there (default: SQLite)")
    parser.add_argument(
        "--pg", action="store_true", help="PostgreSQL: $BAZINGA_TEST_PG_URL, else a throw-away cluster"
    )
    args = parser.parse_args()
    cluster, server_url = None, args.db
    if args.pg and not server_url:
        from bench_pg_drivers import server_url as pg_server_url

        server_url, cluster = pg_server_url()
        if not server_url:
            raise SystemExit("PostgreSQL is not installed here (no initdb); nothing measured.")
    try:
        return measure(args, server_url)
    finally:
        if cluster is not None:
            cluster.stop()  # type: ignore[attr-defined]


def measure(args: argparse.Namespace, server_url: str | None) -> int:
    ensure_out()
    entries = args.entries
    name = "million" if entries == 1_000_000 else str(entries)
    path = os.path.join(OUT, f"dashboard-{name}.db")
    began = time.perf_counter()
    session = million(path, entries)
    location = on_postgres(server_url, path, entries) if server_url else path
    print(f"# Dashboard benchmark ({machine()})")
    if server_url:
        from skill.storage import redact

        shown = f"PostgreSQL {redact(server_url)}, schema {PG_SCHEMA}"
    else:
        shown = os.path.relpath(path, ROOT)
    print(
        f"database: {shown}, one session of {entries:,} log entries "
        f"(ready in {time.perf_counter() - began:.1f} s)\n"
    )
    server = start(location, cwd=ROOT)
    try:
        rows = server_times(server.url, args.rounds, entries)
    finally:
        server.stop()
    print(f"## Server time per response, ms ({args.rounds} requests each)\n")
    print(table(["route", "server median", "server p95", "round trip median", "KiB"], rows))
    if args.no_browser:
        return 0
    print(f"\n## Write-to-screen latency, ms ({args.writes} writes, poll interval 250 ms)\n")
    with tempfile.TemporaryDirectory() as folder:
        small = os.path.join(folder, "bazinga.db")
        small_session = demo(small)
        if server_url:  # the demo session on the server too, in a schema of its own
            from stress.stress import drop_schema, fresh_schema

            demo_schema, demo_url = fresh_schema(server_url)
            with BazingaDB(small) as source:
                source.copy_to(demo_url)
            small = demo_url
        results = []
        for label, db, sid in (
            (f"{entries:,}-entry session", location, session),
            ("demo session", small, small_session),
        ):
            server = start(db, cwd=folder)
            try:
                for row in write_to_screen(db, sid, server.url, args.writes):
                    results.append([label] + row)
            finally:
                server.stop()
                if db == location:  # the cached database keeps exactly its entries for the next run
                    forget_probes(location, entries)
        if server_url:
            drop_schema(server_url, demo_schema)
    print(table(["session", "measured", "median", "p95", "max"], results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
