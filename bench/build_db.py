"""Build the benchmark databases (cached under bench/out/, which git ignores).

``large``: 10,000 sessions, 1,000,000 log rows, 100,000 token rows. Rows are spread the way a long-lived
project looks: one *hot* session (``hot``) holds half of the logs and half of the tokens (500,000 and
50,000 rows); the other 9,999 sessions share the rest (~50 logs and ~5 token rows each); ``typical`` is one
of them. Each session also has 3 task groups, 2 decisions, a skill output, and PM and orchestrator
states (the hot session has 5,000 of each state type).

``small``: the same two sessions with the same shapes but almost no history (hot: 100 logs, 10 token rows;
typical: 50 logs, 5 token rows): the "empty database" the large one is compared with.

Both are created at the current schema through the skill itself (``BazingaDB.initialize``), then filled in
one transaction with ``executemany`` (about 20 s for the large one). Triggers and derived tables that the
migrations define are maintained by SQLite during the bulk insert, exactly as for the skill's own writes.

    python3 bench/build_db.py [--force]      # prints the paths
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import OUT, ensure_out, skill_root  # noqa: E402

BUILD_VERSION = 2  # bump when the shapes below change
BASE = 1735689600  # 2025-01-01T00:00:00Z

LARGE = {
    "sessions": 10_000,
    "hot_logs": 500_000,
    "logs": 1_000_000,
    "hot_tokens": 50_000,
    "tokens": 100_000,
    "hot_states": 5_000,
}
SMALL = {"sessions": 2, "hot_logs": 100, "logs": 150, "hot_tokens": 10, "tokens": 15, "hot_states": 2}

AGENTS = ("pm", "developer", "qa", "tech_lead", "orchestrator", "developer", "developer", "qa")
CONTENT = (
    "Implemented the requested change in the authentication module; added unit tests for the token "
    "refresh path and updated the API documentation. Next: hand over to QA for the integration run."
)


def _ts(seconds: float) -> str:
    whole = int(seconds)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{int((seconds - whole) * 1e6):06d}Z"


def _schema_version() -> int:
    sys.path.insert(0, skill_root())
    from skill import migrations

    return migrations.LATEST_VERSION


def path_for(kind: str) -> str:
    return os.path.join(OUT, f"{kind}-b{BUILD_VERSION}-v{_schema_version()}.db")


def _session_ids(count: int) -> list[str]:
    if count == 2:
        return ["typical", "hot"]
    ids = [f"s{n:05d}" for n in range(count - 2)]
    ids.insert(len(ids) // 2, "typical")
    return ids + ["hot"]


def open_build(path: str) -> tuple[str, sqlite3.Connection]:
    """A new database beside ``path`` (``path.building``) at the current schema, created through the skill,
    and a connection to fill it in one transaction (already begun), without fsyncs."""
    temporary = path + ".building"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(temporary + suffix):
            os.unlink(temporary + suffix)
    sys.path.insert(0, skill_root())
    from skill.api import BazingaDB

    with BazingaDB(temporary) as db:
        db.initialize()
    conn = sqlite3.connect(temporary, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("BEGIN")
    return temporary, conn


def finish_build(conn: sqlite3.Connection, temporary: str, path: str) -> None:
    """Commit, fold the WAL into the file and put it in place of ``path`` (never beside a stale WAL)."""
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    for suffix in ("-wal", "-shm"):
        if os.path.exists(temporary + suffix):
            os.unlink(temporary + suffix)
    for suffix in ("-wal", "-shm"):  # a stale WAL beside the new file must not be read with it
        if os.path.exists(path + suffix):
            os.unlink(path + suffix)
    os.replace(temporary, path)


def build(kind: str, force: bool = False) -> str:
    path = path_for(kind)
    if os.path.exists(path) and not force:
        return path
    ensure_out()
    shape = LARGE if kind == "large" else SMALL
    started = time.time()
    temporary, conn = open_build(path)
    conn.execute("PRAGMA cache_size = -200000")
    sessions = _session_ids(shape["sessions"])
    others = sessions[:-1]
    n_other_logs = shape["logs"] - shape["hot_logs"]
    n_other_tokens = shape["tokens"] - shape["hot_tokens"]
    clock = [float(BASE)]

    def tick(step: float = 0.25) -> str:
        clock[0] += step
        return _ts(clock[0])

    conn.executemany(
        "INSERT INTO sessions (session_id, start_time, end_time, mode, original_requirements, status, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                sid,
                ts,
                None if sid in ("hot", "typical") or i % 3 else ts,
                "parallel" if i % 2 or sid in ("hot", "typical") else "simple",
                f"Requirements of {sid}",
                "active" if sid in ("hot", "typical") or i % 3 else "completed",
                ts,
                ts,
            )
            for i, sid in enumerate(sessions)
            for ts in (tick(),)
        ),
    )

    def logs():
        per = [
            n_other_logs // len(others) + (1 if i < n_other_logs % len(others) else 0)
            for i in range(len(others))
        ]
        for sid, count in list(zip(others, per)) + [("hot", shape["hot_logs"])]:
            for seq in range(1, count + 1):
                yield (
                    sid,
                    seq,
                    tick(0.01),
                    seq // 10 + 1,
                    AGENTS[seq % len(AGENTS)],
                    f"{AGENTS[seq % len(AGENTS)]}_{seq % 3}",
                    f"{CONTENT} (entry {seq})",
                )

    conn.executemany(
        "INSERT INTO orchestration_logs "
        "(session_id, seq, timestamp, iteration, agent_type, agent_id, content) VALUES (?, ?, ?, ?, ?, ?, ?)",
        logs(),
    )

    def tokens():
        per = [
            n_other_tokens // len(others) + (1 if i < n_other_tokens % len(others) else 0)
            for i in range(len(others))
        ]
        for sid, count in list(zip(others, per)) + [("hot", shape["hot_tokens"])]:
            for n in range(count):
                agent = AGENTS[n % len(AGENTS)]
                yield sid, tick(0.01), agent, (f"{agent}_{n % 3}" if n % 4 else None), 1000 + (n * 37) % 9000

    conn.executemany(
        "INSERT INTO token_usage (session_id, timestamp, agent_type, agent_id, tokens_estimated) "
        "VALUES (?, ?, ?, ?, ?)",
        tokens(),
    )

    pm_state = json.dumps(
        {
            "mode": "parallel",
            "iteration": 3,
            "task_groups_created": 3,
            "completed_groups": ["group_a"],
            "notes": "Waiting for QA",
        }
    )
    orch_state = json.dumps({"active_agents": ["developer_1", "qa_1"], "iteration": 3})

    def states():
        for sid in sessions:
            count = shape["hot_states"] if sid == "hot" else 1
            for _ in range(count):
                yield sid, tick(0.01), "pm", pm_state
                yield sid, tick(0.01), "orchestrator", orch_state

    conn.executemany(
        "INSERT INTO state_snapshots (session_id, timestamp, state_type, state_data) VALUES (?, ?, ?, ?)",
        states(),
    )
    conn.executemany(
        "INSERT INTO task_groups (id, session_id, name, status, assigned_to, revision_count, "
        "last_review_status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (gid, sid, name, status, "developer_1", 1, None, ts, ts)
            for sid in sessions
            for gid, name, status in (
                ("group_a", "Authentication", "completed"),
                ("group_b", "API", "in_progress"),
                ("group_c", "Tests", "pending"),
            )
            for ts in (tick(0.01),)
        ),
    )
    conn.executemany(
        "INSERT INTO decisions (session_id, timestamp, iteration, decision_type, decision_data) "
        "VALUES (?, ?, ?, ?, ?)",
        (
            (sid, tick(0.01), n, "spawn_agent", json.dumps({"agent": "developer", "group": "group_a"}))
            for sid in sessions
            for n in (1, 2)
        ),
    )
    conn.executemany(
        "INSERT INTO skill_outputs (session_id, timestamp, skill_name, output_data) VALUES (?, ?, ?, ?)",
        (
            (sid, tick(0.01), "security_scan", json.dumps({"vulnerabilities": 0, "severity": "low"}))
            for sid in sessions
        ),
    )
    conn.execute(
        "INSERT INTO configuration (key, value, updated_at) VALUES (?, ?, ?)",
        ("skills_config", json.dumps({"security_scan": {"status": "mandatory"}}), tick()),
    )
    finish_build(conn, temporary, path)
    print(f"built {os.path.relpath(path, os.getcwd())} in {time.time() - started:.1f} s", file=sys.stderr)
    return path


def latest_timestamps(path: str, session_id: str, count: int) -> str:
    """The timestamp of the ``count``-th newest log entry of a session (a --since giving ``count`` rows)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT timestamp FROM orchestration_logs WHERE session_id = ? ORDER BY seq DESC "
            "LIMIT 1 OFFSET ?",
            (session_id, count - 1),
        ).fetchone()[0]
    finally:
        conn.close()


if __name__ == "__main__":
    force = "--force" in sys.argv
    for kind in ("small", "large"):
        print(build(kind, force))
