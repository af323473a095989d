"""Per-call cost: every command's median CPU time as a ratio to the interpreter's own start.

The floor is ``python -c "import sqlite3, json"`` with the same interpreter and flags, interleaved with
the commands in a random order each round. Commands run against a small database (the "empty" one of
build_db.py, copied so writes do not touch the cache). Two configurations:

- *as called*: ``python scripts/bazinga_db.py ...``, exactly how agents call it;
- *clean start* (``-S``): without site-packages start-up hooks, which on some machines import heavy modules
  (pathlib, typing, ...) into the floor itself and so hide what the skill imports.

Both run with bytecode caching on (the steady state, after one warm-up call); the *cold* table measures a
copy of the skill without __pycache__ and with PYTHONDONTWRITEBYTECODE=1 (a read-only skill folder).

    python3 bench/bench_startup.py [--rounds N] [--quick]
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build_db  # noqa: E402
from common import (  # noqa: E402
    OUT,
    child_env,
    ensure_out,
    interleaved,
    median_cpu,
    peak_rss_mib,
    script,
    skill_root,
    spawn,
    table,
    verdict,
)

LIMIT_PLAIN, LIMIT_JSON_WRITE, LIMIT_REQUEST = 1.10, 1.25, 1.15
REQUEST_TEXT = (
    "bazinga-db, please log this PM interaction:\nSession ID: typical\nAgent Type: pm\n"
    "Content: Planned 3 task groups\nIteration: 2\n"
)
PM_STATE = json.dumps({"mode": "parallel", "iteration": 3, "task_groups_created": 3})
SCAN = json.dumps({"vulnerabilities": 0, "severity": "low"})


def commands(db: str, stdin_dir: str) -> dict[str, dict]:
    """name -> {"argv", "stdin", "limit"}: every command of the CLI in a typical call."""
    main = script()
    batch_input = os.path.join(stdin_dir, "batch-1.jsonl")
    with open(batch_input, "w", encoding="utf-8") as file:
        file.write(
            json.dumps(
                {
                    "command": "log-interaction",
                    "args": {
                        "session_id": "typical",
                        "agent_type": "pm",
                        "content": "Planned 3 task groups",
                        "iteration": 2,
                    },
                }
            )
            + "\n"
        )
    request_input = os.path.join(stdin_dir, "request.txt")
    with open(request_input, "w", encoding="utf-8") as file:
        file.write(REQUEST_TEXT)
    plain = {
        "create-session (retry)": ["create-session", "typical", "parallel", "Requirements of typical"],
        "update-session-status": ["update-session-status", "typical", "active"],
        "get-session": ["get-session", "typical"],
        "list-sessions": ["list-sessions"],
        "log-interaction": [
            "log-interaction",
            "typical",
            "developer",
            "Implemented the OAuth2 controller",
            "3",
            "developer_1",
        ],
        "get-logs --limit 50": ["get-logs", "typical", "--limit", "50"],
        "stream-logs": ["stream-logs", "typical"],
        "get-state": ["get-state", "typical", "pm"],
        "create-task-group (retry)": ["create-task-group", "group_a", "typical", "Authentication"],
        "update-task-group": [
            "update-task-group",
            "group_b",
            "--session",
            "typical",
            "--status",
            "in_progress",
        ],
        "get-task-groups": ["get-task-groups", "typical"],
        "log-tokens": ["log-tokens", "typical", "developer", "1200", "developer_1"],
        "token-summary": ["token-summary", "typical"],
        "get-skill-output": ["get-skill-output", "typical", "security_scan"],
        "get-config": ["get-config", "skills_config"],
        "get-decisions": ["get-decisions", "typical", "--limit", "10"],
        "dashboard-snapshot": ["dashboard-snapshot", "typical"],
        "query": ["query", "SELECT COUNT(*) AS n FROM sessions"],
        "--help": ["--help"],
    }
    json_writes = {
        "save-state": ["save-state", "typical", "pm", PM_STATE],
        "save-skill-output": ["save-skill-output", "typical", "security_scan", SCAN],
        "set-config": ["set-config", "skills_config", json.dumps({"security_scan": {"status": "mandatory"}})],
        "log-decision": ["log-decision", "typical", "spawn_agent", json.dumps({"agent": "developer"}), "2"],
        "batch (1 line)": ["batch"],
    }
    if not _has_batch(db):  # an older checkout measured with BENCH_SKILL_ROOT
        del json_writes["batch (1 line)"]
    if spawn([main, "--db", db, "check"], check=False)[2] == 0:  # maintenance commands, where they exist
        plain["check"] = ["check"]
        plain["backup --force"] = ["backup", os.path.join(stdin_dir, "backup.db"), "--force"]
    moving = _transfer_cases(main, db, stdin_dir)
    cases = {}
    for name, argv in plain.items():
        cases[name] = {"argv": [main, "--db", db, *argv], "limit": LIMIT_PLAIN}
    # Commands that move a whole session or legacy folder: their work grows with the data (like get-logs
    # without --limit), so they are shown without a start-up target.
    for name, argv in moving.items():
        cases[name] = {"argv": [main, "--db", db, *argv], "limit": None}
    for name, argv in json_writes.items():
        cases[name] = {
            "argv": [main, "--db", db, *argv],
            "limit": LIMIT_JSON_WRITE,
            "stdin": batch_input if argv == ["batch"] else None,
        }
    cases["init_db.py (up to date)"] = {"argv": [script("init_db.py"), db], "limit": LIMIT_PLAIN}
    if _has_request(db):
        cases["request"] = {
            "argv": [main, "--db", db, "request"],
            "stdin": request_input,
            "limit": LIMIT_REQUEST,
        }
    return cases


def _transfer_cases(main: str, db: str, folder: str) -> dict[str, list[str]]:
    """export-session, import-session --replace and import-files (a re-run), where the checkout has them.

    The legacy folder is the one the docs' examples import (skill/devtools/docgen.py, section "Moving data").
    """
    exported = os.path.join(folder, "session.json")
    if spawn([main, "--db", db, "export-session", "typical", "--out", exported], check=False)[2] != 0:
        return {}
    cases = {
        "export-session": ["export-session", "typical", "--out", exported],
        "import-session --replace": ["import-session", exported, "--replace"],
    }
    try:
        sys.path.insert(0, skill_root())
        from skill.devtools.docgen import SECTIONS

        files = next(section.files for section in SECTIONS if section.files)
    except (ImportError, StopIteration, AttributeError):
        return cases
    legacy = os.path.join(folder, "legacy")
    for name, text in files.items():
        path = os.path.join(legacy, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)
    source = os.path.join(legacy, "coordination")
    if spawn([main, "--db", db, "import-files", source], check=False)[2] == 0:
        cases["import-files (nothing new)"] = ["import-files", source]
    return cases


def _has_batch(db: str) -> bool:
    _, _, code = spawn([script(), "--db", db, "batch"], check=False)
    return code == 0


def _has_request(db: str) -> bool:
    _, _, code = spawn([script(), "--db", db, "request", "--dry-run", REQUEST_TEXT], check=False)
    return code == 0


def working_copy(name: str) -> str:
    ensure_out()
    source = build_db.build("small")
    target = os.path.join(OUT, name)
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(target + suffix):
            os.unlink(target + suffix)
    shutil.copyfile(source, target)
    return target


def measure(rounds: int, flags: tuple = ()) -> list[dict]:
    db = working_copy("startup.db")
    with tempfile.TemporaryDirectory(dir=OUT) as folder:
        cases = commands(db, folder)
        samples = interleaved(cases, rounds, flags)
    floor = median_cpu(samples["floor"])
    rows = [
        {"name": "floor", "ratio": 1.0, "limit": None, "rss": peak_rss_mib(samples["floor"]), "floor": floor}
    ]
    for name, case in cases.items():
        rows.append(
            {
                "name": name,
                "ratio": median_cpu(samples[name]) / floor,
                "limit": case["limit"],
                "rss": peak_rss_mib(samples[name]),
            }
        )
    return rows


def measure_cold(rounds: int) -> list[dict]:
    """A copy of the skill without __pycache__, run with PYTHONDONTWRITEBYTECODE=1: every module compiles."""
    db = working_copy("startup-cold.db")
    with tempfile.TemporaryDirectory(dir=OUT) as folder:
        for part in ("scripts", "skill", "prompts"):
            shutil.copytree(
                os.path.join(skill_root(), part),
                os.path.join(folder, part),
                ignore=shutil.ignore_patterns("__pycache__"),
            )
        main = os.path.join(folder, "scripts", "bazinga_db.py")
        cases = {
            "get-session": {"argv": [main, "--db", db, "get-session", "typical"]},
            "log-interaction": {"argv": [main, "--db", db, "log-interaction", "typical", "pm", "cold start"]},
            "save-state": {"argv": [main, "--db", db, "save-state", "typical", "pm", PM_STATE]},
        }
        env = child_env({"PYTHONDONTWRITEBYTECODE": "1"})
        samples: dict[str, list] = {name: [] for name in ["floor", *cases]}
        for _ in range(rounds):
            for name, case in [("floor", {"argv": ["-c", "import sqlite3, json"]}), *cases.items()]:
                cpu, rss, _ = spawn(case["argv"], env=env)
                samples[name].append((cpu, rss))
    floor = median_cpu(samples["floor"])
    return [{"name": name, "ratio": median_cpu(samples[name]) / floor} for name in cases]


def report(as_called: list[dict], clean: list[dict], cold: list[dict]) -> tuple[str, list[str]]:
    clean_by_name = {row["name"]: row for row in clean}
    lines, misses = [], []
    for row in as_called:
        if row["name"] == "floor":
            continue
        other = clean_by_name[row["name"]]
        if row["limit"] is None:
            lines.append(
                [row["name"], f"{row['ratio']:.2f}×", f"{other['ratio']:.2f}×", "none (moves data)", ""]
            )
            continue
        status = verdict(row["ratio"], row["limit"])
        if status != "ok":
            misses.append(f"startup: {row['name']} {row['ratio']:.2f}× > {row['limit']:.2f}×")
        lines.append(
            [row["name"], f"{row['ratio']:.2f}×", f"{other['ratio']:.2f}×", f"≤ {row['limit']:.2f}×", status]
        )
    text = table(["command", "CPU / floor (as called)", "CPU / floor (clean start, -S)", "target", ""], lines)
    text += (
        "\n\nCold start (no bytecode cache, PYTHONDONTWRITEBYTECODE=1; informative, no target): "
        + ", ".join(f"{row['name']} {row['ratio']:.2f}×" for row in cold)
    )
    return text, misses


def main(rounds: int = 20) -> tuple[str, list[str], list[dict]]:
    as_called = measure(rounds)
    clean = measure(rounds, ("-S",))
    cold = measure_cold(max(5, rounds // 4))
    text, misses = report(as_called, clean, cold)
    return text, misses, as_called


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    count = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else (6 if quick else 20)
    output, missed, _ = main(count)
    print(output)
    print("\n" + ("all start-up targets met" if not missed else "MISSED: " + "; ".join(missed)))
