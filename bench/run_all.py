"""Run every benchmark and print one report: `python3 bench/run_all.py [--quick]` (or `make bench`).

Builds the benchmark databases on first use (cached under bench/out/, git-ignored; ~20 s), then measures:

1. start-up: each command's median CPU time / the interpreter's floor (bench_startup.py);
2. history: each dashboard command on 1,000,000 logs vs an empty database, with query plans
   (bench_history.py);
3. throughput: batch vs separate processes, the Python API in-process (bench_throughput.py);
4. memory: peak RSS of every measured command, on the small and the large database;

then the other workers' benchmarks found in bench/ (bench_validation.py, bench_requests.py, ...), each in
its own process. Every figure is a ratio measured in this run, or a rate; the report is also written to
bench/out/report.md. Exit status 0 when every target is met, 1 otherwise (use --no-fail to always exit 0).
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_history  # noqa: E402
import bench_startup  # noqa: E402
import bench_throughput  # noqa: E402
import build_db  # noqa: E402
from common import OUT, PYTHON, ROOT, ensure_out, machine, skill_root, table  # noqa: E402

MINE = {
    "bench_startup.py",
    "bench_history.py",
    "bench_throughput.py",
    "build_db.py",
    "common.py",
    "run_all.py",
}
LIMIT_RSS_MIB = 40


def others() -> list[str]:
    folder = os.path.join(ROOT, "bench")
    return sorted(
        name
        for name in os.listdir(folder)
        if name.startswith("bench_") and name.endswith(".py") and name not in MINE
    )


def main() -> int:
    quick = "--quick" in sys.argv
    ensure_out()
    started = time.time()
    out: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        out.append(text)

    say("# bazinga-db benchmark report")
    say()
    say(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; {machine()}")
    say(f"Skill measured: {skill_root()}" + ("  (quick run: fewer rounds, figures noisier)" if quick else ""))
    say()
    for kind in ("small", "large"):
        build_db.build(kind)

    say('## 1. Start-up: median CPU time per call / `python -c "import sqlite3, json"`')
    say()
    text, misses, startup_rows = bench_startup.main(6 if quick else 20)
    say(text)
    say()

    say("## 2. History: the same command on 1,000,000 logs / on an empty database")
    say()
    history_text, history_misses, history_memory = bench_history.main(5 if quick else 15)
    misses += history_misses
    say(history_text)
    say()

    say("## 3. Throughput")
    say()
    throughput_text, throughput_misses = bench_throughput.main(quick)
    misses += throughput_misses
    say(throughput_text)
    say()

    say(f"## 4. Memory: peak RSS per call (target < {LIMIT_RSS_MIB} MiB)")
    say()
    floor = next(r for r in startup_rows if r["name"] == "floor")
    rows = [
        [
            r["name"] + (" (small db)" if r["name"] != "floor" else " (python -c 'import sqlite3, json')"),
            f"{r['rss']:.1f}",
        ]
        for r in startup_rows
    ]
    rows += [[m["name"], f"{m['rss']:.1f}"] for m in history_memory]
    worst = max([r["rss"] for r in startup_rows] + [m["rss"] for m in history_memory])
    for r in startup_rows:
        if r["rss"] > LIMIT_RSS_MIB:
            misses.append(f"memory: {r['name']} {r['rss']:.1f} MiB")
    rows.sort(key=lambda row: -float(row[1]))
    say(f"Highest: {worst:.1f} MiB (the interpreter alone: {floor['rss']:.1f} MiB). Top ten:")
    say()
    say(table(["command", "peak RSS (MiB)"], rows[:10]))
    say()

    for name in others():
        say(f"## Other benchmark: bench/{name}")
        say()
        done = subprocess.run(
            [PYTHON, os.path.join(ROOT, "bench", name)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=1800,
        )
        say(done.stdout.rstrip() or "(no output)")
        if done.returncode != 0:
            say(f"(exit {done.returncode}) {done.stderr.strip()[-2000:]}")
        say()

    say("## Verdict")
    say()
    if misses:
        say("MISSED: " + "; ".join(misses))
    else:
        say(
            "Every target is met: start-up ratios, history ratios, memory, "
            "batch faster than separate processes."
        )
    say(f"\n(benchmark took {time.time() - started:.0f} s)")
    with open(os.path.join(OUT, "report.md"), "w", encoding="utf-8") as file:
        file.write("\n".join(out) + "\n")
    return 1 if misses and "--no-fail" not in sys.argv else 0


if __name__ == "__main__":
    sys.exit(main())
