"""Databases for the dashboard's screenshots and benchmark (development tools, not shipped).

``demo(path)`` plays a few orchestration sessions through the library (``BazingaDB``), the way agents
write them, then spreads their timestamps over the last hours (the library stamps "now"; a real session
takes hours), so the pages show what a day of work looks like. ``million(path)`` builds one session with
1,000,000 log entries in bulk (``executemany``, the shapes of bench/build_db.py).
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

sys.path.insert(0, os.path.join(ROOT, "bench"))

from build_db import _ts  # noqa: E402  (canonical timestamps, as the benchmark databases have them)

from skill.api import BazingaDB  # noqa: E402

DEMO_SESSION = "bazinga_20250113_143530"
HOUR = 3600.0


def demo(path: str) -> str:
    """A database with four sessions; returns the id of the busy one."""
    if os.path.exists(path):
        os.remove(path)
    db = BazingaDB(path)
    s = DEMO_SESSION
    db.create_session(s, "parallel", "Add user authentication with OAuth2: login, token refresh, roles")
    db.log_decision(s, "spawn_agent", {"agent": "pm", "reason": "new session"}, 1)
    db.log_interaction(
        s, "pm", "Analyzed requirements. Created 4 task groups: Auth, API, Roles, Tests.", 1, "pm_main"
    )
    groups = [
        ("group_a", "Authentication flow", "completed", "developer_1"),
        ("group_b", "Token refresh API", "in_progress", "developer_2"),
        ("group_c", "Role-based access", "in_progress", "developer_3"),
        ("group_d", "Integration tests", "pending", None),
        ("group_e", "Legacy session import", "failed", "developer_4"),
    ]
    for group_id, name, _, _ in groups:
        db.create_task_group(group_id, s, name)
    db.save_state(
        s,
        "pm",
        {
            "session_id": s,
            "mode": "parallel",
            "mode_reasoning": "Four independent areas; two developers can work at once.",
            "iteration": 3,
            "task_groups_created": 5,
            "completed_groups": ["group_a"],
            "in_progress_groups": ["group_b", "group_c"],
            "pending_groups": ["group_d"],
            "completion_percentage": 40,
            "estimated_time_remaining_minutes": 95,
            "quality_gates": {"coverage": 80, "security": "no high findings"},
        },
    )
    script = [
        ("orchestrator", "Spawning developer_1 for group_a (Authentication flow).", 2, None),
        (
            "developer",
            "Implemented the OAuth2 authorization-code flow with PKCE; 24 unit tests.",
            2,
            "developer_1",
        ),
        ("qa", "All 48 tests pass. Coverage 84% on the auth module.", 3, "qa_1"),
        (
            "tech_lead",
            "Review: token storage must not use localStorage. CHANGES_REQUESTED.",
            3,
            "tech_lead_1",
        ),
        ("developer", "Moved tokens to an httpOnly cookie; added a CSRF check.", 4, "developer_1"),
        ("tech_lead", "Approved group_a. Clean separation of the token service.", 4, "tech_lead_1"),
        ("orchestrator", "Spawning developer_2 (group_b) and developer_3 (group_c) in parallel.", 5, None),
        (
            "developer",
            "Refresh endpoint done; rotating refresh tokens with reuse detection.",
            5,
            "developer_2",
        ),
        (
            "investigator",
            "Root cause of the flaky login test: clock skew in the token expiry check.",
            5,
            None,
        ),
        (
            "developer",
            "Roles: <admin> and <viewer> guards on every route (see <script> tags note).",
            6,
            "developer_3",
        ),
        ("qa", "Refresh flow: 2 failures under concurrent refresh; details in the test log.", 6, "qa_1"),
    ]
    spawns = [
        ("orchestrator", 2100, None),
        ("pm", 5200, "pm_main"),
        ("developer", 15400, "developer_1"),
        ("qa", 4800, "qa_1"),
        ("tech_lead", 6100, "tech_lead_1"),
        ("developer", 9800, "developer_1"),
        ("tech_lead", 3900, "tech_lead_1"),
        ("orchestrator", 1800, None),
        ("developer", 12600, "developer_2"),
        ("investigator", 3300, None),
        ("developer", 11200, "developer_3"),
        ("qa", 5100, "qa_1"),
    ]
    for (agent, content, iteration, agent_id), spawn in zip(
        script, spawns
    ):  # as agents do: work, then tokens
        db.log_interaction(s, agent, content, iteration, agent_id)
        db.log_tokens(s, *spawn)
    for spawn in spawns[len(script) :]:
        db.log_tokens(s, *spawn)
    for group_id, _, status, assignee in groups:
        changes = {"status": status}
        if assignee:
            changes["assigned_to"] = assignee
        db.update_task_group(group_id, s, **changes)
    db.update_task_group("group_a", s, revision_count=1, last_review_status="APPROVED")
    db.update_task_group("group_b", s, last_review_status="CHANGES_REQUESTED", increment_revision=True)
    db.update_task_group("group_e", s, revision_count=3, last_review_status="CHANGES_REQUESTED")
    db.save_state(
        s,
        "orchestrator",
        {"active_agents": ["developer_2", "developer_3"], "iteration": 6, "phase": "parallel development"},
    )
    db.save_skill_output(
        s, "security_scan", {"vulnerabilities": 1, "severity": "medium", "scan_mode": "basic"}
    )
    db.save_skill_output(s, "test_coverage", {"coverage": 84.2, "lines_total": 2210, "lines_covered": 1861})
    db.log_decision(s, "spawn_agent", {"agent": "developer", "group": "group_b", "parallel": True}, 5)
    db.log_decision(s, "review_outcome", {"group": "group_a", "verdict": "APPROVED"}, 4)

    db.create_session("bazinga_20250113_091200", "simple", "Fix the CSV export's date format")
    db.create_task_group("main", "bazinga_20250113_091200", "CSV export", "completed", "developer_1")
    db.log_interaction("bazinga_20250113_091200", "pm", "Simple mode: one group (main).", 1)
    db.log_tokens("bazinga_20250113_091200", "developer", 8400)
    db.update_session_status("bazinga_20250113_091200", "completed")
    db.create_session("bazinga_20250112_163000", "parallel", "Migrate the reports to the new warehouse")
    for group_id, status in (("group_a", "completed"), ("group_b", "failed"), ("group_c", "completed")):
        db.create_task_group(group_id, "bazinga_20250112_163000", f"Reports {group_id[-1].upper()}", status)
    db.log_tokens("bazinga_20250112_163000", "developer", 61000)
    db.update_session_status("bazinga_20250112_163000", "failed")
    db.create_session("bazinga_20250113_150210", "simple", "Document the rate limits")
    db.log_tokens("bazinga_20250113_150210", "pm", 1900)
    db.close()
    _spread(path)
    return s


def _spread(path: str) -> None:
    """Move each session's rows back in time, keeping the order they were written in."""
    now = time.time()
    spans = {  # (first write, last write), seconds before now
        DEMO_SESSION: (2.6 * HOUR, 40.0),
        "bazinga_20250113_091200": (7.5 * HOUR, 6.1 * HOUR),
        "bazinga_20250112_163000": (26 * HOUR, 21 * HOUR),
        "bazinga_20250113_150210": (0.2 * HOUR, 0.1 * HOUR),
    }
    conn = sqlite3.connect(path)
    with conn:
        for session_id, (first, last_write) in spans.items():
            start = now - first
            span = first - last_write
            tables = ("orchestration_logs", "token_usage", "state_snapshots", "skill_outputs", "decisions")
            # Every row of the session in the order it was written (by timestamp), logs and tokens mixed.
            stamped = sorted(
                (timestamp, table, row_id)
                for table in tables
                for row_id, timestamp in conn.execute(
                    f"SELECT id, timestamp FROM {table} WHERE session_id = ?", (session_id,)
                )
            )
            for index, (_, table, row_id) in enumerate(stamped):
                at = start + span * (index + 1) / (len(stamped) + 1)
                conn.execute(f"UPDATE {table} SET timestamp = ? WHERE id = ?", (_ts(at), row_id))
            last = _ts(start + span)
            conn.execute(
                "UPDATE sessions SET created_at = ?, start_time = ?, updated_at = ?, "
                "end_time = CASE WHEN end_time IS NULL THEN NULL ELSE ? END WHERE session_id = ?",
                (_ts(start), _ts(start), last, last, session_id),
            )
            groups = conn.execute(
                "SELECT id FROM task_groups WHERE session_id = ? ORDER BY rowid", (session_id,)
            )
            for index, (group_id,) in enumerate(list(groups)):
                at = start + span * (0.4 + 0.5 * index / 6)
                conn.execute(
                    "UPDATE task_groups SET created_at = ?, updated_at = ? WHERE session_id = ? AND id = ?",
                    (_ts(start + 60), _ts(at), session_id, group_id),
                )
    conn.close()


def million(path: str, entries: int = 1_000_000) -> str:
    """One session (``million``) with ``entries`` log rows, 5,000 token rows and 8 task groups; returns its
    id. Reused when the file exists (bench/out/ is not committed)."""
    if os.path.exists(path):
        return "million"
    building = path + ".building"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(building + suffix):
            os.remove(building + suffix)
    db = BazingaDB(building)
    db.create_session("million", "parallel", "A long-running session: a million log entries")
    for n in range(8):
        db.create_task_group(
            f"group_{n}", "million", f"Group {n}", ["pending", "in_progress", "completed"][n % 3]
        )
    db.save_state("million", "pm", {"mode": "parallel", "iteration": 500, "completion_percentage": 62})
    db.close()
    agents = ("pm", "developer", "qa", "tech_lead", "orchestrator", "developer", "developer", "qa")
    content = (
        "Implemented the requested change in the authentication module; added unit tests for the token "
        "refresh path and updated the API documentation. Next: hand over to QA for the integration run."
    )
    start = time.time() - entries * 0.25
    conn = sqlite3.connect(building)
    with conn:
        conn.executemany(
            "INSERT INTO orchestration_logs (session_id, seq, timestamp, iteration, agent_type, agent_id, "
            "content) VALUES ('million', ?, ?, ?, ?, ?, ?)",
            (
                (
                    n,
                    _ts(start + n * 0.25),
                    n // 100,
                    agents[n % 8],
                    f"{agents[n % 8]}_{n % 3}",
                    f"{content} ({n})",
                )
                for n in range(1, entries + 1)
            ),
        )
        conn.executemany(
            "INSERT INTO token_usage (session_id, timestamp, agent_type, agent_id, tokens_estimated) "
            "VALUES ('million', ?, ?, ?, ?)",
            ((_ts(start + n * 50), agents[n % 8], None, 1000 + n % 7 * 300) for n in range(5000)),
        )
    conn.close()
    os.replace(building, path)
    return "million"
