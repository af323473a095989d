"""Flat as history grows: each dashboard command on the large database vs the same command on the small one.

Large: 1,000,000 log rows, 100,000 token rows, 10,000 sessions; the hot session holds half of them
(see build_db.py). Small: the same sessions with almost no history. Each command's median CPU time on the
large database is divided by its median on the small one; both are measured in the same run, interleaved.
Arguments ask for the same amount of output on both (a page of 50 entries, the 50 newest entries by
--since), so only the cost of finding them differs. The query plans SQLite uses on the large database
(no ANALYZE statistics, as in agents' databases) are printed below the table.

    python3 bench/bench_history.py [--rounds N] [--quick]
"""

from __future__ import annotations

import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build_db  # noqa: E402
from common import (  # noqa: E402
    interleaved,
    median_cpu,
    peak_rss_mib,
    script,
    skill_root,
    spawn,
    table,
    verdict,
)

LIMIT_FLAT = 1.20
LIMIT_RSS_MIB = 40


def cases(large: str, small: str) -> list[dict]:
    """Each case: a name, the argv on each database, and the API call whose statements are explained."""
    since = {
        db: {s: build_db.latest_timestamps(db, s, 50) for s in ("hot", "typical")} for db in (large, small)
    }
    hot_logs = {large: build_db.LARGE["hot_logs"], small: build_db.SMALL["hot_logs"]}
    # A --since half-way back in the hot session's log (250,000 entries match on the large database, 50 on the
    # small one), newest 50 asked for: the cost must not follow the number of matching entries either.
    half = {db: build_db.latest_timestamps(db, "hot", hot_logs[db] // 2) for db in (large, small)}
    return [
        {
            "name": "stream-logs hot (newest page)",
            "argv": lambda db: ["stream-logs", "hot"],
            "api": lambda api, db: api.log_page("hot"),
        },
        {
            "name": "stream-logs hot (deep page, middle of the log)",
            "argv": lambda db: ["stream-logs", "hot", "50", str(hot_logs[db] // 2)],
            "api": lambda api, db: api.log_page("hot", 50, hot_logs[db] // 2),
        },
        {
            "name": "stream-logs typical",
            "argv": lambda db: ["stream-logs", "typical"],
            "api": lambda api, db: api.log_page("typical"),
        },
        {
            "name": "get-logs hot --since (50 newest)",
            "argv": lambda db: ["get-logs", "hot", "--since", since[db]["hot"], "--limit", "0"],
            "api": lambda api, db: api.get_logs("hot", since=since[db]["hot"], limit=0),
        },
        {
            "name": "get-logs typical --since",
            "argv": lambda db: ["get-logs", "typical", "--since", since[db]["typical"], "--limit", "0"],
            "api": lambda api, db: api.get_logs("typical", since=since[db]["typical"], limit=0),
        },
        {
            "name": "get-logs hot --since (half of the log) --limit 50",
            "argv": lambda db: ["get-logs", "hot", "--since", half[db], "--limit", "50"],
            "api": lambda api, db: api.get_logs("hot", since=half[db], limit=50),
        },
        {
            "name": "get-logs hot --limit 50",
            "argv": lambda db: ["get-logs", "hot", "--limit", "50"],
            "api": lambda api, db: api.get_logs("hot", limit=50),
        },
        {
            "name": "token-summary hot",
            "argv": lambda db: ["token-summary", "hot"],
            "api": lambda api, db: api.get_token_summary("hot"),
        },
        {
            "name": "token-summary hot by agent_id",
            "argv": lambda db: ["token-summary", "hot", "agent_id"],
            "api": lambda api, db: api.get_token_summary("hot", by="agent_id"),
        },
        {
            "name": "token-summary typical",
            "argv": lambda db: ["token-summary", "typical"],
            "api": lambda api, db: api.get_token_summary("typical"),
        },
        {
            "name": "dashboard-snapshot hot",
            "argv": lambda db: ["dashboard-snapshot", "hot"],
            "api": lambda api, db: api.get_dashboard_snapshot("hot"),
        },
        {
            "name": "dashboard-snapshot typical",
            "argv": lambda db: ["dashboard-snapshot", "typical"],
            "api": lambda api, db: api.get_dashboard_snapshot("typical"),
        },
        {
            "name": "list-sessions",
            "argv": lambda db: ["list-sessions"],
            "api": lambda api, db: api.list_sessions(),
        },
        {
            "name": "get-state hot pm",
            "argv": lambda db: ["get-state", "hot", "pm"],
            "api": lambda api, db: api.get_latest_state("hot", "pm"),
        },
        {
            "name": "log-interaction hot (write)",
            "argv": lambda db: ["log-interaction", "hot", "qa", "All tests pass"],
            "api": None,
        },
        {
            "name": "log-tokens hot (write, totals trigger)",
            "argv": lambda db: ["log-tokens", "hot", "qa", "900"],
            "api": None,
        },
    ]


class _Recorder:
    """Stands in for the API's connection: records each SELECT's plan, then runs it."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.plans: list[str] = []

    def execute(self, sql, params=()):
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            for row in self.conn.execute("EXPLAIN QUERY PLAN " + sql, params):
                if row[3] not in self.plans:
                    self.plans.append(row[3])
        return self.conn.execute(sql, params)

    def __getattr__(self, name):
        return getattr(self.conn, name)


def plans(large: str, all_cases: list[dict]) -> list[str]:
    sys.path.insert(0, skill_root())
    from skill.api import BazingaDB

    rows = []
    for case in all_cases:
        if case["api"] is None:
            continue
        api = BazingaDB(large)
        recorder = _Recorder(api.store.reader())
        api.store._reader = recorder
        case["api"](api, large)
        api.close()
        rows.append(f"- {case['name']}: " + "; ".join(_short(line) for line in recorder.plans))
    return rows


def _short(line: str) -> str:
    """'SEARCH t USING COVERING INDEX i (c)' -> 't by i (c) covering'; a full SCAN stays visible as SCAN."""
    for kind in ("COVERING INDEX ", "INDEX ", "PRIMARY KEY"):
        marker = f" USING {kind}"
        if line.startswith(("SEARCH ", "SCAN ")) and marker in line:
            verb, rest = line.split(" ", 1)
            table_name, index = rest.split(marker, 1)
            how = "seek" if verb == "SEARCH" else "ordered scan"
            index = ("primary key " if kind == "PRIMARY KEY" else "") + index.strip()
            return f"{table_name} {how} by {index}" + (" (covering)" if kind.startswith("COVERING") else "")
    return line.lower()


def main(rounds: int = 15) -> tuple[str, list[str], list[dict]]:
    large, small = build_db.build("large"), build_db.build("small")
    all_cases = cases(large, small)
    runs = {}
    for case in all_cases:
        for label, db in (("large", large), ("small", small)):
            runs[f"{case['name']} @{label}"] = {"argv": [script(), "--db", db, *case["argv"](db)]}
    samples = interleaved(runs, rounds)
    table_rows, misses, memory = [], [], []
    for case in all_cases:
        big, little = samples[f"{case['name']} @large"], samples[f"{case['name']} @small"]
        ratio = median_cpu(big) / median_cpu(little)
        rss = peak_rss_mib(big)
        status = verdict(ratio, LIMIT_FLAT)
        if status != "ok":
            misses.append(f"history: {case['name']} {ratio:.2f}× > {LIMIT_FLAT}×")
        if rss > LIMIT_RSS_MIB:
            misses.append(f"memory: {case['name']} on the large database {rss:.1f} MiB > {LIMIT_RSS_MIB} MiB")
        table_rows.append([case["name"], f"{ratio:.2f}×", f"≤ {LIMIT_FLAT:.2f}×", status])
        memory.append({"name": case["name"] + " (large db)", "rss": rss})
    # Memory only (its CPU grows with the output, by nature): the hot session's whole log as JSON.
    _, whole_rss, _ = spawn([script(), "--db", large, "get-logs", "hot"])
    whole_mib = whole_rss / 1024
    memory.append({"name": "get-logs hot, all 500,000 entries (large db)", "rss": whole_mib})
    if whole_mib > LIMIT_RSS_MIB:
        misses.append(f"memory: get-logs hot (all entries) {whole_mib:.1f} MiB > {LIMIT_RSS_MIB} MiB")
    text = table(
        [
            "command (hot: 500,000 logs / 50,000 token rows; typical: ~50 / ~5)",
            "CPU large / CPU empty",
            "target",
            "",
        ],
        table_rows,
    )
    text += (
        "\n\nQuery plans on the large database (EXPLAIN QUERY PLAN, no ANALYZE), "
        "every statement of the call:\n\n"
    )
    text += "\n".join(plans(large, all_cases))
    return text, misses, memory


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    count = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else (5 if quick else 15)
    output, missed, _ = main(count)
    print(output)
    print("\n" + ("all history targets met" if not missed else "MISSED: " + "; ".join(missed)))
