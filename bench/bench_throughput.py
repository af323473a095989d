"""Operations per second: `batch` vs the same operations as separate processes, and the Python API in-process.

Wall-clock rates (what a caller waits for), measured on a copy of the small database:

- separate processes: N x ``bazinga_db.py log-interaction ...``, one after the other;
- batch: the same N operations as JSON lines through one ``bazinga_db.py batch`` (default 100 lines per
  transaction, and 1 per transaction to show what the grouping of commits is worth);
- API: ``BazingaDB.log_interaction`` and ``get_dashboard_snapshot`` called in a loop in this process (the
  dashboard on the small database and on the hot session of the large one).

    python3 bench/bench_throughput.py [--quick]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build_db  # noqa: E402
from bench_startup import working_copy  # noqa: E402
from common import OUT, script, skill_root, spawn, table  # noqa: E402

CONTENT = "Implemented the OAuth2 controller; tests pass locally. Handing over to QA."


def _line(n: int) -> str:
    return json.dumps(
        {
            "command": "log-interaction",
            "args": {
                "session_id": "typical",
                "agent_type": "developer",
                "content": f"{CONTENT} ({n})",
                "iteration": n % 7,
                "agent_id": "developer_1",
            },
        }
    )


def separate_processes(db: str, count: int) -> float:
    started = time.perf_counter()
    for n in range(count):
        spawn(
            [
                script(),
                "--db",
                db,
                "log-interaction",
                "typical",
                "developer",
                f"{CONTENT} ({n})",
                str(n % 7),
                "developer_1",
            ]
        )
    return count / (time.perf_counter() - started)


def batch(db: str, count: int, per_transaction: int) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", dir=OUT, delete=False, encoding="utf-8") as file:
        file.write("".join(_line(n) + "\n" for n in range(count)))
    try:
        started = time.perf_counter()
        spawn([script(), "--db", db, "batch", "--per-transaction", str(per_transaction)], stdin=file.name)
        return count / (time.perf_counter() - started)
    finally:
        os.unlink(file.name)


def api_rate(action, seconds: float = 1.0) -> float:
    action()  # warm
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        action()
        count += 1
    return count / (time.perf_counter() - started)


def main(quick: bool = False) -> tuple[str, list[str]]:
    db = working_copy("throughput.db")
    processes = 20 if quick else 60
    lines = 2000 if quick else 10000
    separate = separate_processes(db, processes)
    batched = batch(db, lines, 100)
    single = batch(db, min(lines, 2000), 1)
    rows = [
        ["log-interaction, one process per operation", f"{separate:,.0f}", "1.0×"],
        ["batch, 100 lines per transaction", f"{batched:,.0f}", f"{batched / separate:,.0f}×"],
        ["batch, 1 line per transaction", f"{single:,.0f}", f"{single / separate:,.0f}×"],
    ]
    text = table(["operations (log-interaction)", "ops/s (wall clock)", "vs separate processes"], rows)

    sys.path.insert(0, skill_root())
    from skill.api import BazingaDB

    api = BazingaDB(db)
    large = BazingaDB(build_db.build("large"))
    counter = iter(range(10**9))
    seconds = 0.5 if quick else 2.0

    def log_one() -> None:
        api.log_interaction("typical", "qa", f"{CONTENT} {next(counter)}")

    api_rows = [
        [
            "log_interaction (small db, one transaction each)",
            f"{api_rate(log_one, seconds):,.0f}",
        ],
        [
            "get_dashboard_snapshot (small db)",
            f"{api_rate(lambda: api.get_dashboard_snapshot('typical'), seconds):,.0f}",
        ],
        [
            "get_dashboard_snapshot (large db, hot session)",
            f"{api_rate(lambda: large.get_dashboard_snapshot('hot'), seconds):,.0f}",
        ],
        [
            "get_token_summary (large db, hot session)",
            f"{api_rate(lambda: large.get_token_summary('hot'), seconds):,.0f}",
        ],
    ]
    api.close()
    large.close()
    text += "\n\nPython API, in-process:\n\n" + table(["call", "ops/s"], api_rows)
    misses = [] if batched > separate else ["throughput: batch is not faster than separate processes"]
    return text, misses


if __name__ == "__main__":
    output, missed = main("--quick" in sys.argv)
    print(output)
    if missed:
        print("\nMISSED: " + "; ".join(missed))
