"""Parse time per request, and what `request` costs as a whole CLI call. Prints figures; asserts nothing.

    python3 bench/bench_requests.py [--repeat N] [--calls N]

1. In-process: every request of requests/examples.jsonl and tests/requests_corpus.jsonl parsed N times
   (tables already loaded): mean / median / worst per request, and the one-time cost of loading
   prompts/phrasings.json and importing skill.requests.
2. Whole calls: CPU time (user+sys of the child) of `request --dry-run TEXT` against
   `python3 -c "import sqlite3, json"` (the runtime target is within 1.15x) and `get-config` (a plain
   command).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SOURCES = [
    ROOT.parent / "shared" / "requests" / "examples.jsonl",
    Path("/work/shared/requests/examples.jsonl"),
    ROOT / "tests" / "requests_corpus.jsonl",
]


SEEDED = "/tmp/bench_requests_db/bazinga.db"


def load_texts() -> list[str]:
    texts, seen = [], set()
    for path in SOURCES:
        if path.exists() and path.resolve() not in seen:
            seen.add(path.resolve())
            texts += [json.loads(line)["text"] for line in path.open(encoding="utf-8") if line.strip()]
    return texts


def in_process(texts: list[str], repeat: int) -> None:
    from skill import cli  # noqa: F401  (the CLI is loaded before a request is: not the request's cost)

    started = time.perf_counter()
    from skill import requests
    from skill.errors import BazingaError

    requests.tables()
    setup = time.perf_counter() - started
    t0 = time.perf_counter()
    try:
        requests.parse(texts[0])
    except BazingaError:
        pass
    first = time.perf_counter() - t0
    per_request = []
    for text in texts:
        best = float("inf")
        for _ in range(repeat):
            t0 = time.perf_counter()
            try:
                requests.parse(text)
            except BazingaError:
                pass
            best = min(best, time.perf_counter() - t0)
        per_request.append(best)
    ms = [t * 1000 for t in per_request]
    print(f"parse, in process ({len(texts)} requests, best of {repeat} each):")
    print(f"  import skill.requests + load phrasings.json: {setup * 1000:.2f} ms (once per call)")
    print(f"  first parse in a process (compiles its regexes): {first * 1000:.2f} ms")
    print(
        f"  per request: mean {statistics.mean(ms):.3f} ms, median {statistics.median(ms):.3f} ms, "
        f"worst {max(ms):.3f} ms"
    )


def sizes() -> None:
    """Parse time against the text's length: linear (the same time per KB at every size), up to the bound."""
    from skill import requests
    from skill.errors import BazingaError

    limit = requests.tables()["limits"]["max_request_bytes"]
    shapes = {
        "labelled content": lambda n: (
            "bazinga-db, please log this PM interaction:\nSession ID: s_1\nContent: " + "word " * (n // 5)
        ),
        "many lines": lambda n: (
            "bazinga-db, please log this PM interaction:\nSession ID: s_1\nContent: x\n"
            + "more text line here\n" * (n // 20)
        ),
        "one long sentence": lambda n: "bazinga-db, please get the logs for " + "the " * (n // 4),
        "inline JSON": lambda n: (
            "bazinga-db, please save the PM state for s_1: {" + '"k": "v", ' * (n // 10) + '"z": 1}'
        ),
    }
    print(f"parse time against text length (bound: {limit:,} bytes; longer texts are refused unread):")
    for name, make in shapes.items():
        figures = []
        for size in (25_000, 50_000, 100_000, 200_000):
            text = make(size)
            t0 = time.perf_counter()
            try:
                requests.parse(text)
            except BazingaError:
                pass
            elapsed = time.perf_counter() - t0
            figures.append(
                f"{len(text) // 1000} KB {elapsed * 1000:.0f} ms "
                f"({elapsed * 1e6 / len(text) * 1000:.0f} us/KB)"
            )
        print(f"  {name:<18} " + ", ".join(figures))


def cpu_of(argv: list[str], calls: int, cached: bool) -> float:
    """Median CPU seconds (user+sys) of a child process over `calls` runs (after one warm-up run).

    cached: bytecode is written and reused (as in an installed skill folder), under a prefix in /tmp so the
    checkout stays clean; otherwise every module is compiled from source on every call
    (PYTHONDONTWRITEBYTECODE=1, as in this sandbox's shell).
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["BAZINGA_DB_PATH"] = "/tmp/bench_requests_missing/bazinga.db"
    if cached:
        env["PYTHONPYCACHEPREFIX"] = "/tmp/bench_requests_pycache"
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    samples = []
    for index in range(calls + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if index:
            samples.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return statistics.median(samples)


def whole_calls(calls: int) -> None:
    script = str(ROOT / "scripts" / "bazinga_db.py")
    text = (
        "bazinga-db, please log this PM interaction:\nSession ID: sess_abc123\nAgent Type: pm\n"
        "Content: Task breakdown created: 3 groups\nIteration: 1\nAgent ID: pm_main"
    )
    python = sys.executable
    for cached in (True, False):
        baseline = cpu_of([python, "-c", "import sqlite3, json"], calls, cached)
        dry = cpu_of([python, script, "request", "--dry-run", text], calls, cached)
        # with a database present the dry run also reads its session ids (read-only) for the typo check
        dry_db = cpu_of([python, script, "--db", SEEDED, "request", "--dry-run", text], calls, cached)
        plain = cpu_of([python, script, "get-config", "k"], calls, cached)
        how = "bytecode cached" if cached else "no bytecode cache (compiled every call)"
        print(f"whole CLI calls, median CPU (user+sys) of {calls} runs, {how}:")
        print(f"  python3 -c 'import sqlite3, json'   {baseline * 1000:7.1f} ms  (1.00x)")
        print(f"  request --dry-run (log-interaction)  {dry * 1000:7.1f} ms  ({dry / baseline:.2f}x)")
        print(f"  the same, database present           {dry_db * 1000:7.1f} ms  ({dry_db / baseline:.2f}x)")
        print(f"  get-config k (plain command)         {plain * 1000:7.1f} ms  ({plain / baseline:.2f}x)")
        print(f"  request parsing adds                 {(dry - plain) * 1000:7.1f} ms over a plain command")


def main() -> None:
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 20
    calls = int(sys.argv[sys.argv.index("--calls") + 1]) if "--calls" in sys.argv else 30
    if "--in-process" in sys.argv:
        in_process(load_texts(), repeat)
        sizes()
        return
    if not os.path.exists(SEEDED):
        os.makedirs(os.path.dirname(SEEDED), exist_ok=True)
        for argv in (
            ["create-session", "sess_abc123", "simple", "bench"],
            ["create-session", "s_2", "simple", "b"],
        ):
            subprocess.run(
                [sys.executable, str(ROOT / "scripts" / "bazinga_db.py"), "--db", SEEDED, "--quiet", *argv],
                check=True,
                stderr=subprocess.DEVNULL,
            )
    # the in-process figures come from a child with bytecode caching on, as in an installed skill
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = "/tmp/bench_requests_pycache"
    argv = [sys.executable, __file__, "--in-process", "--repeat", str(repeat)]
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=False)  # warm the bytecode cache
    subprocess.run(argv, env=env, check=False)
    whole_calls(calls)


if __name__ == "__main__":
    main()
