"""What a tool call on a long-lived `mcp` server costs next to a CLI process doing the same operation.

For each operation, on one database of a typical session:
- **CLI**: `python3 scripts/bazinga_db.py OP ...`, a fresh process per call as an agent's Bash tool runs it;
  wall time (spawn to exit) and the child's CPU time (``os.wait4``), medians;
- **MCP**: the same operation as a `tools/call` on one `bazinga_db.py mcp` server started once; wall time
  of the round trip (request written to answer read), median, and the server's CPU time per call (its
  /proc/PID/stat user + system time across all the calls, divided by their number).

Target: a tool call costs at most a tenth of a CLI process (ratio <= 0.10) in wall time and in CPU.

Usage: python3 bench/bench_mcp.py [--calls 1000] [--cli-calls 30] [--db postgresql://URL | --pg]
Prints figures; asserts nothing (timings are never test assertions). Standard library only on SQLite.

The database is a SQLite file in a temporary folder by default. ``--db URL`` runs the same on PostgreSQL,
in a fresh schema of the URL's database (dropped afterwards); ``--pg`` does that on $BAZINGA_TEST_PG_URL,
else on a throw-away durable cluster started for the run (tests/pg_server.py). On PostgreSQL each CLI
process also connects to the server (a backend process started per call), which the server pays in CPU
outside the measured child: the wall ratio carries it, the CPU ratio does not.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common import PYTHON, child_env, machine, script, table, verdict  # noqa: E402

SESSION = "bazinga_bench_mcp"
TARGET = 0.10


def operations(counter: list[int]) -> list[tuple[str, list[str], str, dict]]:
    """(label, CLI argv, tool, arguments) — the CLI argv and the tool call ask for the same thing."""

    def content() -> str:
        counter[0] += 1
        return f"Implemented the login form, iteration {counter[0]}"

    return [
        (
            "log-interaction (write)",
            lambda: ["log-interaction", SESSION, "developer", content(), "3", "dev_1"],
            "log_interaction",
            lambda: {
                "session_id": SESSION,
                "agent_type": "developer",
                "content": content(),
                "iteration": 3,
                "agent_id": "dev_1",
            },
        ),
        (
            "update-task-group (write)",
            lambda: ["update-task-group", "group_a", "--session", SESSION, "--increment-revision"],
            "update_task_group",
            lambda: {"group_id": "group_a", "session_id": SESSION, "increment_revision": True},
        ),
        (
            "get-state (read)",
            lambda: ["get-state", SESSION, "pm"],
            "get_state",
            lambda: {"session_id": SESSION, "state_type": "pm"},
        ),
        (
            "token-summary (read)",
            lambda: ["token-summary", SESSION],
            "token_summary",
            lambda: {"session_id": SESSION},
        ),
        (
            "dashboard-snapshot (read)",
            lambda: ["dashboard-snapshot", SESSION],
            "dashboard_snapshot",
            lambda: {"session_id": SESSION},
        ),
    ]


def prepare(folder: str, location: str | None = None) -> str:
    db = location or os.path.join(folder, "coordination", "bazinga.db")
    steps = [
        ["create-session", SESSION, "parallel", "Benchmark the MCP server"],
        ["create-task-group", "group_a", SESSION, "Authentication"],
        [
            "save-state",
            SESSION,
            "pm",
            json.dumps({"mode": "parallel", "iteration": 2, "groups": ["group_a"]}),
        ],
        ["log-tokens", SESSION, "pm", "1200", "pm_main"],
    ]
    steps += [["log-interaction", SESSION, "pm", f"Planning note {n}", "1", "pm_main"] for n in range(50)]
    lines = "".join(json.dumps({"command": argv[0], "args": _args(argv)}) + "\n" for argv in steps)
    subprocess.run(
        [PYTHON, script(), "--db", db, "--quiet", "batch"],
        input=lines.encode(),
        check=True,
        capture_output=True,
        env=child_env(),
        cwd=folder,
    )
    return db


def _args(argv: list[str]) -> dict:
    """A batch line's args for the setup steps (the request --dry-run form)."""
    command, *values = argv
    names = {
        "create-session": ["session_id", "mode", "requirements"],
        "create-task-group": ["group_id", "session_id", "name"],
        "save-state": ["session_id", "state_type", "state_data"],
        "log-tokens": ["session_id", "agent_type", "tokens", "agent_id"],
        "log-interaction": ["session_id", "agent_type", "content", "iteration", "agent_id"],
    }[command]
    return dict(zip(names, values))


def cli_call(db: str, folder: str, argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one CLI process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [PYTHON, script(), "--db", db, *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=child_env(),
        cwd=folder,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = (
        os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status
    )
    if process.returncode != 0:
        raise SystemExit(f"CLI call failed: {' '.join(argv)}")
    return wall, usage.ru_utime + usage.ru_stime


def _cpu_of(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as file:
        fields = file.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


class Server:
    def __init__(self, db: str, folder: str) -> None:
        self.process = subprocess.Popen(
            [PYTHON, script(), "--db", db, "mcp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=child_env(),
            cwd=folder,
        )
        self.next_id = 0
        self.ask(
            "initialize",
            {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench"}},
        )

    def ask(self, method: str, params: dict) -> dict:
        self.next_id += 1
        message = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        self.process.stdin.write(json.dumps(message).encode() + b"\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        if "error" in answer or answer["result"].get("isError"):
            raise SystemExit(f"MCP call failed: {answer}")
        return answer

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def main() -> None:
    global PYTHON
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000, help="tool calls per operation (default 1000)")
    parser.add_argument("--cli-calls", type=int, default=30, help="CLI processes per operation (default 30)")
    parser.add_argument(
        "--db", help="a postgresql:// URL: measure there, in a fresh schema (default: SQLite)"
    )
    parser.add_argument(
        "--pg", action="store_true", help="PostgreSQL: $BAZINGA_TEST_PG_URL, else a throw-away cluster"
    )
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-mcp-")
    cluster, schema, server_url = None, None, options.db
    if options.pg and not server_url:
        from bench_pg_drivers import server_url as pg_server_url

        server_url, cluster = pg_server_url()
        if not server_url:
            raise SystemExit("PostgreSQL is not installed here (no initdb); nothing measured.")
    try:
        location = None
        if server_url:
            from skill.storage import redact
            from stress.stress import fresh_schema

            schema, location = fresh_schema(server_url)
            PYTHON = sys.executable  # the environment with the driver (the real interpreter may lack it)
            print(
                f"PostgreSQL: {redact(server_url)}, schema {schema}"
                + (" (throw-away, durable)" if cluster else "")
            )
        db = prepare(folder, location)
        counter = [0]
        ops = operations(counter)
        rows, misses = [], []
        server = Server(db, folder)
        started = time.perf_counter()
        for label, argv, tool, arguments in ops:
            for _ in range(3):  # warm-up: __pycache__, page cache, the server's first imports
                cli_call(db, folder, argv())
                server.ask("tools/call", {"name": tool, "arguments": arguments()})
            cli = [cli_call(db, folder, argv()) for _ in range(options.cli_calls)]
            cpu_before = _cpu_of(server.process.pid)
            walls = []
            for _ in range(options.calls):
                begin = time.perf_counter()
                server.ask("tools/call", {"name": tool, "arguments": arguments()})
                walls.append(time.perf_counter() - begin)
            mcp_cpu = (_cpu_of(server.process.pid) - cpu_before) / options.calls
            cli_wall = statistics.median(w for w, _ in cli)
            cli_cpu = statistics.median(c for _, c in cli)
            mcp_wall = statistics.median(walls)
            wall_ratio, cpu_ratio = mcp_wall / cli_wall, mcp_cpu / cli_cpu
            for what, ratio in (("wall", wall_ratio), ("CPU", cpu_ratio)):
                if ratio > TARGET:
                    misses.append(f"{label}: {what} ratio {ratio:.3f} > {TARGET}")
            rows.append(
                [
                    label,
                    f"{cli_wall * 1000:.1f}",
                    f"{cli_cpu * 1000:.1f}",
                    f"{mcp_wall * 1000:.2f}",
                    f"{mcp_cpu * 1000:.2f}",
                    f"{wall_ratio:.3f} {verdict(wall_ratio, TARGET)}",
                    f"{cpu_ratio:.3f} {verdict(cpu_ratio, TARGET)}",
                ]
            )
        server.close()
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{machine()}")
        print(
            f"MCP tool call vs CLI process (same operation, same {'PostgreSQL' if location else 'SQLite'} "
            "database); medians, ms; "
            f"{options.calls} calls and {options.cli_calls} CLI processes per operation; "
            f"target ratio <= {TARGET}\n"
        )
        print(
            table(
                ["operation", "CLI wall", "CLI CPU", "MCP wall", "MCP CPU", "wall ratio", "CPU ratio"],
                rows,
            )
        )
        print(
            f"\npeak RSS of any child (CLI or server): {peak:.1f} MiB; "
            f"took {time.perf_counter() - started:.0f} s"
        )
        print("Every target is met." if not misses else "Missed:\n" + "\n".join(misses))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if schema is not None and server_url:
            from stress.stress import drop_schema

            drop_schema(server_url, schema)
        if cluster is not None:
            cluster.stop()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
