#!/usr/bin/env python3
"""The dashboard on a session with 1,000,000 log entries: server time per page, and write-to-screen latency.

    python3 bench/bench_dashboard.py [--rounds N] [--writes N] [--no-browser]

1. Server time: the real `dashboard` command serves a database with one session of 1,000,000 log rows
   (bench/dashboard_data.py, cached in bench/out/). Each route is requested ``rounds`` times; the figure is
   the server's own time for the response (its ``Server-Timing: app;dur=`` header: reading the store and
   rendering, not the network), with the client's round trip beside it. Target: the first page of the
   session well under 100 ms.
2. Write-to-screen latency: a session page is open in headless Chromium (Debian's, via Playwright); the
   CLI logs an entry (a real process, as agents do) and the time until the entry is on the page is taken,
   from the CLI's start and from its exit. Target: within one second.
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
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from common import OUT, ensure_out, machine, table  # noqa: E402
from dashboard_data import demo, million  # noqa: E402
from dashboard_helpers import launch_chromium, start  # noqa: E402

SCRIPT = os.path.join(ROOT, "scripts", "bazinga_db.py")
ROUTES = [
    ("session page, first page of the log", "/sessions/million"),
    ("session page, deep page (seq < 1,000)", "/sessions/million?before_seq=1000"),
    ("session page, QA only, deep page", "/sessions/million?agent_type=qa&before_seq=5000"),
    ("sessions page", "/"),
    ("API: log, first page", "/api/sessions/million/logs"),
    ("API: log, deep page (seq < 1,000)", "/api/sessions/million/logs?before_seq=1000"),
    ("API: log, following (since_seq)", "/api/sessions/million/logs?since_seq=999900"),
    ("API: dashboard snapshot", "/api/sessions/million"),
    ("API: tokens (5,000 rows over time)", "/api/sessions/million/tokens"),
]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def server_times(url: str, rounds: int) -> list[list[str]]:
    rows = []
    for label, path in ROUTES:
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


def forget_probes(path: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DELETE FROM orchestration_logs WHERE session_id = 'million' AND seq > 1000000")
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--writes", type=int, default=30)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    ensure_out()
    path = os.path.join(OUT, "dashboard-million.db")
    began = time.perf_counter()
    session = million(path)
    print(f"# Dashboard benchmark ({machine()})")
    print(
        f"database: {os.path.relpath(path, ROOT)}, one session of 1,000,000 log entries "
        f"(ready in {time.perf_counter() - began:.1f} s)\n"
    )
    server = start(path, cwd=ROOT)
    try:
        rows = server_times(server.url, args.rounds)
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
        results = []
        for label, db, sid in (
            ("1,000,000-entry session", path, session),
            ("demo session", small, small_session),
        ):
            server = start(db, cwd=folder)
            try:
                for row in write_to_screen(db, sid, server.url, args.writes):
                    results.append([label] + row)
            finally:
                server.stop()
                if db == path:  # the cached database keeps exactly its million entries for the next run
                    forget_probes(path)
    print(table(["session", "measured", "median", "p95", "max"], results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
