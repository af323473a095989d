"""The machinery shared by the stress and crash scripts and their test-suite versions.

A *worker* is a real process that runs a deterministic list of mixed operations against one database
through the command line (``skill.cli.run`` in-process, or the real script as a subprocess per
operation) and records, in its own journal file, one line per event:

    S <key>                      the operation is about to start (written before it runs)
    A <key> <ms>                 acknowledged: exit 0 and the ✓ line was seen (written after)
    R <key> <ms>                 a read succeeded and its output parsed
    F <key> <code> <ms> <why>    the operation failed (exit code, first line of stderr)

Lines are written with one ``os.write`` on an ``O_APPEND`` descriptor, after the fact, so a SIGKILL can
cut a line short but can never fake an acknowledgement. :func:`verify` then reads the database directly
(sqlite3, not the code under test) and compares it with the journals: every acknowledged write present
exactly once and intact, nothing present that was never started, totals and revision counts exact.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "bazinga_db.py"
SESSIONS = ("st_s0", "st_s1", "st_s2", "st_s3")
SHARED_GROUP = "g_shared"
GROUP_SESSION = SESSIONS[0]

# The mix of operations (weights): writes of every kind, and the reads agents and dashboards do.
MIX = {
    "log": 22,
    "tokens": 16,
    "state": 10,
    "incr_shared": 8,
    "incr_own": 6,
    "status": 5,
    "skill": 7,
    "decision": 4,
    "config": 2,
    "r_logs": 4,
    "r_tokens": 4,
    "r_state": 3,
    "r_dashboard": 4,
    "r_groups": 2,
    "r_query": 2,
    "r_stream": 1,
}
WRITES = {"log", "tokens", "state", "incr_shared", "incr_own", "status", "skill", "decision", "config"}


def filler(key: str, size: int) -> str:
    """Deterministic text of ``size`` characters derived from the key: a torn write cannot match it."""
    seed = hashlib.sha256(key.encode()).hexdigest()
    return (seed * (size // len(seed) + 1))[:size]


def payload_size(key: str, big: bool) -> int:
    digest = int(hashlib.md5(key.encode()).hexdigest()[:6], 16)
    return (2000 + digest % 60000) if big else (20 + digest % 400)


def log_content(key: str, big: bool) -> str:
    return f"stress|{key}|" + filler(key, payload_size(key, big))


def token_amount(key: str) -> int:
    return 1 + int(hashlib.md5(key.encode()).hexdigest()[:5], 16) % 50000


def json_payload(key: str, big: bool) -> dict[str, Any]:
    return {"key": key, "pad": filler(key, payload_size(key, big)), "nested": {"k": [1, 2, {"x": key}]}}


class Op(NamedTuple):
    key: str  # unique per operation: "<worker>.<index>.<kind>"
    kind: str
    argv: list[str]
    session: str


def worker_group(worker: str) -> str:
    return f"g_{worker}"


def plan(worker: str, count: int, seed: int, big: bool = False) -> list[Op]:
    """The operations a worker runs, fixed by (worker, count, seed), so the verifier can recompute them."""
    rng = random.Random(f"{seed}:{worker}")
    kinds, weights = zip(*MIX.items())
    ops = []
    for index in range(count):
        kind = rng.choices(kinds, weights)[0]
        key = f"{worker}.{index}.{kind}"
        session = rng.choice(SESSIONS)
        if kind == "log":
            argv = [
                "log-interaction",
                session,
                rng.choice(["pm", "developer", "QA Expert", "tech-lead", "inv"]),
                log_content(key, big),
                str(index),
                worker,
            ]
        elif kind == "tokens":
            argv = ["log-tokens", session, rng.choice(["pm", "developer", "qa"]), str(token_amount(key)), key]
        elif kind == "state":
            argv = ["save-state", session, "stress", json.dumps(json_payload(key, big))]
        elif kind == "incr_shared":
            session = GROUP_SESSION
            argv = ["update-task-group", SHARED_GROUP, "--session", session, "--increment-revision"]
        elif kind == "incr_own":
            session = GROUP_SESSION
            argv = ["update-task-group", worker_group(worker), "--increment-revision"]
        elif kind == "status":
            session = GROUP_SESSION
            argv = [
                "update-task-group",
                worker_group(worker),
                "--session",
                session,
                "--status",
                rng.choice(["in_progress", "completed", "pending"]),
                "--assigned_to",
                worker,
            ]
        elif kind == "skill":
            argv = ["save-skill-output", session, "stress_skill", json.dumps(json_payload(key, big))]
        elif kind == "decision":
            argv = ["log-decision", session, "stress", json.dumps(json_payload(key, False)), str(index)]
        elif kind == "config":
            argv = ["set-config", f"stress_{worker}", json.dumps({"key": key})]
        elif kind == "r_logs":
            argv = ["get-logs", session, "--limit", "20"]
        elif kind == "r_tokens":
            argv = ["token-summary", session]
        elif kind == "r_state":
            argv = ["get-state", session, "stress"]
        elif kind == "r_dashboard":
            argv = ["dashboard-snapshot", session]
        elif kind == "r_groups":
            argv = ["get-task-groups", GROUP_SESSION]
        elif kind == "r_query":
            argv = [
                "query",
                "SELECT session_id, COUNT(*) AS n, SUM(tokens_estimated) AS t FROM token_usage "
                "GROUP BY session_id",
            ]
        else:  # r_stream
            argv = ["stream-logs", session, "20", "0"]
        ops.append(Op(key, kind, argv, session))
    return ops


@functools.lru_cache(maxsize=4096)
def _plan_cached(worker: str, count: int, seed: int, big: bool) -> tuple[Op, ...]:
    return tuple(plan(worker, count, seed, big))


# -- setting up --------------------------------------------------------------------------------------
def setup(db: str, workers: Iterable[str]) -> None:
    """Create the sessions and task groups the workers use (through the CLI, in this process)."""
    from skill import cli

    commands = [["create-session", s, "parallel", "stress test"] for s in SESSIONS]
    commands.append(["create-task-group", SHARED_GROUP, GROUP_SESSION, "Shared group"])
    commands += [["create-task-group", worker_group(w), GROUP_SESSION, f"Group of {w}"] for w in workers]
    for argv in commands:
        out, err = io.StringIO(), io.StringIO()
        code = cli.run(["--db", db, *argv], io.StringIO(), out, err, env={}, cwd=str(Path(db).parent))
        if code != 0:
            raise RuntimeError(f"setup failed: {argv}: {err.getvalue()}")


# -- the worker process ----------------------------------------------------------------------------
class Journal:
    def __init__(self, path: str):
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def line(self, *fields: Any) -> None:
        text = "\t".join(str(f).replace("\t", " ").replace("\n", " ") for f in fields) + "\n"
        os.write(self.fd, text.encode("utf-8", "backslashreplace"))


def _run_inprocess(db: str, argv: list[str]) -> tuple[int, str, str]:
    from skill import cli

    out, err = io.StringIO(), io.StringIO()
    code = cli.run(["--db", db, *argv], io.StringIO(), out, err, env={}, cwd=os.path.dirname(db) or ".")
    return code, out.getvalue(), err.getvalue()


def _run_subprocess(db: str, argv: list[str]) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--db", db, *argv],
        capture_output=True,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    return (
        done.returncode,
        done.stdout.decode("utf-8", "backslashreplace"),
        done.stderr.decode("utf-8", "backslashreplace"),
    )


def _output_ok(kind: str, stdout: str) -> bool:
    if kind in WRITES:
        return stdout.startswith("✓ ")
    if kind == "r_stream":
        return stdout.startswith("# Orchestration log")
    try:
        json.loads(stdout)
    except ValueError:
        return False
    return True


def worker_main(
    db: str,
    worker: str,
    count: int,
    seed: int,
    journal_path: str,
    mode: str,
    big: bool,
    start_at: float = 0.0,
) -> None:
    journal = Journal(journal_path)
    runner = _run_subprocess if mode == "subprocess" else _run_inprocess
    if start_at:
        time.sleep(max(0.0, start_at - time.time()))  # all workers start together
    for op in plan(worker, count, seed, big):
        journal.line("S", op.key)
        began = time.perf_counter()
        code, stdout, stderr = runner(db, op.argv)
        elapsed = (time.perf_counter() - began) * 1000
        if code == 0 and _output_ok(op.kind, stdout) and "Traceback" not in stderr:
            journal.line("A" if op.kind in WRITES else "R", op.key, f"{elapsed:.2f}")
        else:
            why = (stderr.strip().splitlines() or [f"unexpected output: {stdout[:80]!r}"])[0]
            if "Traceback" in stderr:
                why = "TRACEBACK " + why
            journal.line("F", op.key, code, f"{elapsed:.2f}", why)


def spawn_worker(
    db: str,
    worker: str,
    count: int,
    seed: int,
    journal_path: str,
    mode: str = "inprocess",
    big: bool = False,
    start_at: float = 0.0,
) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "worker",
            db,
            worker,
            str(count),
            str(seed),
            journal_path,
            mode,
            "big" if big else "small",
            repr(start_at),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )


# -- reading journals ----------------------------------------------------------------------------------
class Journals(NamedTuple):
    started: dict[str, Op]
    acked: dict[str, float]  # key -> latency in ms
    reads: dict[str, float]
    failed: dict[str, tuple[str, str]]  # key -> (exit code, why)
    all_latencies: list[float]


def read_journals(entries: Iterable[tuple[str, str, int, int, bool]]) -> Journals:
    """``entries``: (journal path, worker, count, seed, big). A line cut short by a kill is ignored."""
    started: dict[str, Op] = {}
    acked: dict[str, float] = {}
    reads: dict[str, float] = {}
    failed: dict[str, tuple[str, str]] = {}
    latencies: list[float] = []
    for path, worker, count, seed, big in entries:
        try:
            text = Path(path).read_bytes().decode("utf-8", "replace")
        except FileNotFoundError:
            continue
        # Plan only as far as the journal got (a plan's prefix does not depend on its length).
        reached = 0
        for line in text.split("\n"):
            parts = line.split("\t")[1:2]
            if parts and parts[0].startswith(worker + "."):
                try:
                    reached = max(reached, int(parts[0].split(".")[1]) + 1)
                except (IndexError, ValueError):
                    pass
        ops = {op.key: op for op in _plan_cached(worker, min(count, reached), seed, big)}
        for line in text.split("\n"):
            fields = line.split("\t")
            if len(fields) < 2 or fields[1] not in ops:
                continue  # empty, or cut short by a SIGKILL
            tag, key = fields[0], fields[1]
            if tag == "S":
                started[key] = ops[key]
            elif tag in ("A", "R") and len(fields) == 3:
                try:
                    ms = float(fields[2])
                except ValueError:
                    continue
                (acked if tag == "A" else reads)[key] = ms
                latencies.append(ms)
            elif tag == "F" and len(fields) >= 5:
                failed[key] = (fields[2], fields[4])
                try:
                    latencies.append(float(fields[3]))
                except ValueError:
                    pass
    return Journals(started, acked, reads, failed, latencies)


# -- verifying ---------------------------------------------------------------------------------------------
class Verdict(NamedTuple):
    integrity: str
    lost: list[str]  # acknowledged but absent
    duplicated: list[str]  # present more than once
    torn: list[str]  # present but not exactly as written
    phantoms: list[str]  # present but never started, or reported failed
    counters: list[str]  # revision counts / token totals that do not add up
    in_flight_present: int  # started, neither acked nor failed (killed), present: allowed

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and not (
            self.lost or self.duplicated or self.torn or self.phantoms or self.counters
        )


def verify(db: str, journals: Journals, big: bool | set[str] = False) -> Verdict:
    """Compare the database with the journals (read with plain sqlite3, read-only).

    ``big``: whether the workers used big payloads; a set names the workers that did (crash rounds mix them).
    """

    def big_for(key: str) -> bool:
        return big if isinstance(big, bool) else key.split(".")[0] in big

    conn = sqlite3.connect(f"file:{os.path.abspath(db)}?mode=ro", uri=True, timeout=30)
    try:
        integrity = "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check").fetchall())
        found: dict[str, list[bool]] = {}  # key -> [intact?] for each row

        def note(key: str, intact: bool) -> None:
            found.setdefault(key, []).append(intact)

        for (content,) in conn.execute(
            "SELECT content FROM orchestration_logs WHERE content LIKE 'stress|%'"
        ):
            key = content.split("|")[1]
            note(key, content == log_content(key, big_for(key)))
        for agent_id, tokens in conn.execute("SELECT agent_id, tokens_estimated FROM token_usage"):
            note(agent_id, tokens == token_amount(agent_id))
        for table, column, kind in (
            ("state_snapshots", "state_data", "state"),
            ("skill_outputs", "output_data", "skill"),
            ("decisions", "decision_data", "decision"),
        ):
            for (text,) in conn.execute(f"SELECT {column} FROM {table}"):
                try:
                    data = json.loads(text)
                    key = data["key"]
                except (ValueError, KeyError, TypeError):
                    note(f"<unparseable {table} row>", False)
                    continue
                note(key, data == json_payload(key, big_for(key) and kind != "decision"))
        for key_name, value in conn.execute("SELECT key, value FROM configuration WHERE key LIKE 'stress_%'"):
            note(f"config:{key_name}", "key" in json.loads(value))
        groups = {
            row[0]: row[1]
            for row in conn.execute(
                "SELECT id, revision_count FROM task_groups WHERE session_id = ?", (GROUP_SESSION,)
            )
        }
        seq_rows = conn.execute(
            "SELECT session_id, COUNT(*), COUNT(DISTINCT seq), MIN(seq), MAX(seq) FROM orchestration_logs "
            "GROUP BY session_id"
        ).fetchall()
        token_totals = dict(
            conn.execute(
                "SELECT session_id, SUM(tokens_estimated) FROM token_usage GROUP BY session_id"
            ).fetchall()
        )
    finally:
        conn.close()

    counted = {"log", "tokens", "state", "skill", "decision"}
    lost, duplicated, torn, phantoms, counters = [], [], [], [], []
    in_flight_present = 0
    for key, op in journals.started.items():
        if op.kind not in counted:
            continue
        rows = found.get(key, [])
        if key in journals.acked and not rows:
            lost.append(key)
        if len(rows) > 1:
            duplicated.append(key)
        if not all(rows):
            torn.append(key)
        if rows and key in journals.failed:
            phantoms.append(f"{key} (reported failed: {journals.failed[key][1]})")
        if rows and key not in journals.acked and key not in journals.failed:
            in_flight_present += 1
    for key, rows in found.items():
        if key.startswith("config:"):
            continue
        if key not in journals.started:
            phantoms.append(f"{key} (never started)")
            if not all(rows):
                torn.append(key)

    # Counters: every acked increment counted once; an in-flight (killed) one may or may not have landed.
    def bounds(kinds: set[str], worker: str | None = None) -> tuple[int, int]:
        keys = [
            k
            for k, op in journals.started.items()
            if op.kind in kinds and (worker is None or k.split(".")[0] == worker)
        ]
        acked = sum(1 for k in keys if k in journals.acked)
        unknown = sum(1 for k in keys if k not in journals.acked and k not in journals.failed)
        return acked, acked + unknown

    low, high = bounds({"incr_shared"})
    if not low <= groups.get(SHARED_GROUP, 0) <= high:
        counters.append(f"{SHARED_GROUP}: revision_count {groups.get(SHARED_GROUP)} not in [{low}, {high}]")
    for worker in {k.split(".")[0] for k in journals.started}:
        low, high = bounds({"incr_own"}, worker)
        value = groups.get(worker_group(worker), 0)
        if not low <= value <= high:
            counters.append(f"{worker_group(worker)}: revision_count {value} not in [{low}, {high}]")
    for session in SESSIONS:
        keys = [k for k, op in journals.started.items() if op.kind == "tokens" and op.session == session]
        low = sum(token_amount(k) for k in keys if k in journals.acked)
        high = low + sum(
            token_amount(k) for k in keys if k not in journals.acked and k not in journals.failed
        )
        total = token_totals.get(session) or 0
        if not low <= total <= high:
            counters.append(f"{session}: token total {total} not in [{low}, {high}]")
    for session, count, distinct, first, last in seq_rows:
        if not (count == distinct and first == 1 and last == count):
            counters.append(
                f"{session}: log seq not 1..{count} without gaps ({distinct} distinct, {first}..{last})"
            )
    return Verdict(integrity, lost, duplicated, torn, phantoms, counters, in_flight_present)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


if __name__ == "__main__":
    if len(sys.argv) == 10 and sys.argv[1] == "worker":
        sys.path.insert(0, str(ROOT))
        _, _, db, worker, count, seed, journal_path, mode, size, start_at = sys.argv
        worker_main(db, worker, int(count), int(seed), journal_path, mode, size == "big", float(start_at))
    else:
        sys.exit(
            "usage: harness.py worker DB WORKER COUNT SEED JOURNAL MODE SIZE START_AT (used by the scripts)"
        )
