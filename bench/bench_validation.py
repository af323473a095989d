"""How much payload validation costs a save: prints figures, asserts nothing.

    python3 bench/bench_validation.py [--runs N]

Every figure is a median over N interleaved runs of a fresh process, as an agent's Bash tool starts one,
and is also given as a ratio to the floor any Python command pays, `python3 -c "import sqlite3, json"`,
measured in the same run:
- save-state through the real script (`python3 scripts/bazinga_db.py save-state ...`), with validation;
- the same command with validation stubbed out before import (`skill.validation` replaced by a module that
  only calls json.loads), so the difference is everything validation costs: importing the validator,
  loading the schema, parsing strictly and checking;
for two payloads: the spec's small PM state and the legacy pm_state.json sample (about 6 KB). Then the
in-process cost of parse + check per call, and of a 1 MB payload.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "bazinga_db.py"
SAMPLE = ROOT.parent / "shared" / "legacy" / "sample-coordination" / "pm_state.json"
sys.path.insert(0, str(ROOT))

SMALL = json.dumps(
    {
        "iteration": 1,
        "mode": "parallel",
        "task_groups": [
            {"id": "group_a", "name": "Authentication", "status": "pending"},
            {"id": "group_b", "name": "API Backend", "status": "pending"},
            {"id": "group_c", "name": "UI Components", "status": "pending"},
        ],
        "completed_groups": [],
        "in_progress_groups": [],
        "pending_groups": ["group_a", "group_b", "group_c"],
    }
)

# The script's own entry, minus validation: a stand-in module is installed before skill.api imports it.
UNVALIDATED = """
import json, sys, types
sys.path.insert(0, {root!r})
stub = types.ModuleType("skill.validation")
stub.PAYLOAD_KINDS = ("state", "skill_output", "config", "decision")
stub.parse_json_text = lambda text, what: json.loads(text)
stub.check_payload = lambda kind, name, value, what: None
sys.modules["skill.validation"] = stub
sys.argv = ["bazinga_db.py"] + sys.argv[1:]
from skill.cli import main
main()
"""


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{argv[:4]} failed: {done.stderr.decode(errors='replace')}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60, help="processes per variant (default 60)")
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="compile every module on every run (as with PYTHONDONTWRITEBYTECODE=1)",
    )
    options = parser.parse_args()
    runs = options.runs

    workdir = Path(tempfile.mkdtemp(prefix="bench-validation-"))
    db = workdir / "bazinga.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}
    # By default modules are compiled once, as in an unzipped skill folder with a writable __pycache__;
    # the cache goes to the temporary folder so the checkout stays clean.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    if options.no_bytecode_cache:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    python = sys.executable
    subprocess.run(
        [python, str(SCRIPT), "--db", str(db), "create-session", "s_bench", "parallel", "bench"],
        env=env,
        capture_output=True,
        check=True,
    )
    unvalidated = UNVALIDATED.format(root=str(ROOT))
    payloads = {"small PM state": SMALL, "legacy pm_state.json": SAMPLE.read_text(encoding="utf-8")}

    floor_name = "python3 -c 'import sqlite3, json'"
    variants: dict[str, list[str]] = {floor_name: [python, "-c", "import sqlite3, json"]}
    for label, payload in payloads.items():
        save = ["--db", str(db), "save-state", "s_bench", "pm", payload]
        variants[f"save-state, {label}, validated"] = [python, str(SCRIPT), *save]
        variants[f"save-state, {label}, not validated"] = [python, "-c", unvalidated, *save]

    for argv in variants.values():  # warm the page cache and __pycache__
        timed(argv, env)
    samples: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(runs):  # interleaved, so drift in machine load hits every variant alike
        for name, argv in variants.items():
            samples[name].append(timed(argv, env))

    medians = {name: statistics.median(values) for name, values in samples.items()}
    floor = medians[floor_name]
    cache = "no bytecode cache" if options.no_bytecode_cache else "bytecode cached"
    print(f"Python {sys.version.split()[0]}, {runs} interleaved runs per variant, medians, {cache}")
    print(f"{'variant':<52} {'ms':>8} {'x floor':>8}")
    for name, median in medians.items():
        print(f"{name:<52} {median * 1000:8.1f} {median / floor:8.2f}")
    for label in payloads:
        # The median of the per-round differences: both variants of a round ran back to back.
        cost = statistics.median(
            a - b
            for a, b in zip(
                samples[f"save-state, {label}, validated"], samples[f"save-state, {label}, not validated"]
            )
        )
        without = medians[f"save-state, {label}, not validated"]
        print(
            f"validation cost, {label}: {cost * 1000:+.1f} ms"
            f" ({cost / floor:+.2f} x floor, {cost / without * 100:+.1f}% of the save)"
        )

    inside_a_process(python, env, payloads, runs)
    in_process(payloads)


# What validation adds inside one fresh process, timed from within it (no process-start noise):
# importing the validator, loading the one schema, strict parse and check of the payload.
INSIDE = """
import sys, time, json
sys.path.insert(0, {root!r})
import skill.errors, skill.vocabulary
text = sys.stdin.read()
t0 = time.perf_counter()
import skill.jsonschema_lite, skill.validation as v
t1 = time.perf_counter()
v.schema_for("state", "pm")
t2 = time.perf_counter()
v.check_payload("state", "pm", v.parse_json_text(text, "d"), "d")
t3 = time.perf_counter()
json.loads(text)
t4 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1, t3 - t2, t4 - t3]))
"""


def inside_a_process(python: str, env: dict[str, str], payloads: dict[str, str], runs: int) -> None:
    code = INSIDE.format(root=str(ROOT))
    print("\ninside a fresh process (medians, ms): import validator | load schema | parse+check | json.loads")
    for label, payload in payloads.items():
        rows = [
            json.loads(
                subprocess.run(
                    [python, "-c", code], input=payload.encode(), env=env, capture_output=True, check=True
                ).stdout
            )
            for _ in range(runs)
        ]
        parts = [statistics.median(row[i] for row in rows) * 1000 for i in range(4)]
        total = sum(parts[:3])
        print(
            f"  {label:<28} {parts[0]:6.2f} | {parts[1]:6.2f} | {parts[2]:6.2f} | {parts[3]:6.2f}"
            f"  -> validation {total:.2f} ms in all"
        )


def in_process(payloads: dict[str, str]) -> None:
    from skill import validation

    print("\nin process (schemas already loaded), per call:")
    big = {"pending_groups": [f"group_{i:06d}" for i in range(60_000)]}
    cases = dict(payloads, **{"1 MB pending_groups array": json.dumps(big)})
    for label, text in cases.items():
        validation.check_payload("state", "pm", validation.parse_json_text(text, "d"), "d")
        loops = 3 if len(text) > 100_000 else 2000
        start = time.perf_counter()
        for _ in range(loops):
            json.loads(text)
        plain = (time.perf_counter() - start) / loops
        start = time.perf_counter()
        for _ in range(loops):
            validation.check_payload("state", "pm", validation.parse_json_text(text, "d"), "d")
        checked = (time.perf_counter() - start) / loops
        print(
            f"  {label:<28} {len(text):>9,} bytes: json.loads {plain * 1e6:9.0f} us,"
            f" parse_json_text + check_payload {checked * 1e6:9.0f} us"
        )


if __name__ == "__main__":
    main()
