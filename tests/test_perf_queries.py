"""Queries stay flat as history grows: the dashboard's statements use indexes, token totals stay exact.

No timing here (benchmarks are scripts in bench/): these tests pin *how* SQLite runs each statement
(EXPLAIN QUERY PLAN, on a database without ANALYZE statistics, as agents' databases are) and that the
trigger-kept token totals always equal a fresh SUM over token_usage.
"""

from __future__ import annotations

import sqlite3

import pytest

from skill import migrations
from skill.api import BazingaDB


class Recorder:
    """Wraps a connection: records the plan of every statement the API runs through it."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.plans: list[tuple[str, list[str]]] = []

    def execute(self, sql, params=()):
        if sql.lstrip().upper().startswith(("SELECT", "WITH")):
            plan = [row[3] for row in self.conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
            self.plans.append((" ".join(sql.split()), plan))
        return self.conn.execute(sql, params)

    def __getattr__(self, name):
        return getattr(self.conn, name)


@pytest.fixture
def seeded_db(db_path):
    db = BazingaDB(db_path)
    db.create_session("hot", "parallel", "Long-running work")
    db.create_session("other", "simple", "Other work")
    for n in range(30):
        db.log_interaction("hot", ["pm", "developer", "qa"][n % 3], f"entry {n}", n, f"agent_{n % 2}")
        db.log_tokens(
            "hot", ["pm", "developer", "qa"][n % 3], 100 + n, None if n % 4 == 0 else f"agent_{n % 2}"
        )
    db.save_state("hot", "pm", {"mode": "parallel"})
    db.create_task_group("group_a", "hot", "Auth")
    yield db
    db.close()


def _plans(db: BazingaDB, action) -> list[tuple[str, list[str]]]:
    recorder = Recorder(db.store.reader())
    db.store._reader, db.store._writer = recorder, None
    action()
    return recorder.plans


def _full_scans(plans) -> list[str]:
    """Plan lines that read a whole table (a SCAN without an index)."""
    return [
        f"{sql} -> {line}"
        for sql, plan in plans
        for line in plan
        if line.startswith("SCAN")
        and "INDEX" not in line
        and "CONSTANT ROW" not in line
        and line != "SCAN types"  # the rows of get_log_agent_types' recursive CTE, not a table
    ]


def _sorts(plans) -> list[str]:
    return [f"{sql} -> {line}" for sql, plan in plans for line in plan if "TEMP B-TREE" in line]


DASHBOARD_CALLS = {
    "dashboard": lambda db: db.get_dashboard_snapshot("hot"),
    "token-summary": lambda db: db.get_token_summary("hot"),
    "token-summary-by-id": lambda db: db.get_token_summary("hot", by="agent_id"),
    "stream-logs": lambda db: db.log_page("hot", 10, 0),
    "stream-logs-deep": lambda db: db.log_page("hot", 10, 15),
    "get-logs-since": lambda db: db.get_logs("hot", since="2000-01-01"),
    "get-logs-limit": lambda db: db.get_logs("hot", limit=5),
    "list-sessions": lambda db: db.list_sessions(),
    "get-state": lambda db: db.get_latest_state("hot", "pm"),
    "log-page-first": lambda db: db.get_log_page("hot", 10),
    "log-page-back": lambda db: db.get_log_page("hot", 10, before_seq=12),
    "log-page-agent": lambda db: db.get_log_page("hot", 10, before_seq=20, agent_type="qa"),
    "log-page-follow": lambda db: db.get_log_page("hot", 10, since_seq=5),
    "log-page-follow-agent": lambda db: db.get_log_page("hot", 10, since_seq=5, agent_type="pm"),
    "session-changes": lambda db: db.get_session_changes("hot", since_seq=3),
    "sessions-overview": lambda db: db.get_sessions_overview(),
    "sessions-overview-status": lambda db: db.get_sessions_overview(status="completed"),
    "skill-outputs": lambda db: db.get_skill_outputs("hot"),
    "token-timeline": lambda db: db.get_token_timeline("hot"),
    "log-agent-types": lambda db: db.get_log_agent_types("hot"),
}


@pytest.mark.parametrize("name", sorted(DASHBOARD_CALLS))
def test_dashboard_queries_use_indexes(seeded_db, name):
    plans = _plans(seeded_db, lambda: DASHBOARD_CALLS[name](seeded_db))
    assert plans, "no statement recorded"
    assert _full_scans(plans) == []
    # Sorting is allowed on the few rows of one session's token totals (GROUP BY) and task groups, on the
    # entries sharing the first timestamp of a --since (ORDER BY timestamp, seq LIMIT 1), never on history.
    # RIGHT PART OF ORDER BY: ties of created_at ordered by session_id (the status index has no session_id).
    allowed = (
        "token_totals",
        "FROM task_groups",
        "ORDER BY timestamp, seq LIMIT 1",
        "RIGHT PART OF ORDER BY",
        # The timeline groups one session's token rows (one per agent spawn, found by index) into buckets.
        "GROUP BY bucket, agent_type",
    )
    assert [s for s in _sorts(plans) if not any(a in s for a in allowed)] == []


def test_token_summary_reads_the_totals_not_the_history(seeded_db):
    plans = _plans(seeded_db, lambda: seeded_db.get_token_summary("hot"))
    assert [sql for sql, _ in plans if "token_usage" in sql] == []
    assert any("token_totals" in sql for sql, _ in plans)


def _totals(conn) -> tuple[list, list]:
    kept = conn.execute(
        "SELECT session_id, agent_type, agent_key, tokens, entries FROM token_totals ORDER BY 1, 2, 3"
    ).fetchall()
    fresh = conn.execute(
        "SELECT session_id, agent_type, COALESCE(agent_id, ''), SUM(tokens_estimated), COUNT(*) "
        "FROM token_usage GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    ).fetchall()
    return kept, fresh


def test_token_totals_follow_inserts_updates_and_deletes(seeded_db, db_path):
    seeded_db.log_tokens("other", "developer", 7, "dev_9")
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    kept, fresh = _totals(conn)
    assert kept == fresh and len(kept) > 3
    conn.execute("UPDATE token_usage SET tokens_estimated = tokens_estimated * 2 WHERE agent_type = 'pm'")
    conn.execute("UPDATE token_usage SET agent_id = NULL WHERE agent_id = 'agent_1'")
    conn.execute("UPDATE token_usage SET session_id = 'other' WHERE id % 5 = 0")
    conn.execute("DELETE FROM token_usage WHERE agent_type = 'qa' AND id % 2 = 0")
    kept, fresh = _totals(conn)
    assert kept == fresh
    conn.execute("DELETE FROM sessions WHERE session_id = 'hot'")  # cascades to token_usage
    kept, fresh = _totals(conn)
    assert kept == fresh and all(row[0] == "other" for row in kept)
    conn.close()


def test_token_summary_figures(seeded_db):
    summary = seeded_db.get_token_summary("hot")
    assert summary == {
        "pm": sum(100 + n for n in range(0, 30, 3)),
        "developer": sum(100 + n for n in range(1, 30, 3)),
        "qa": sum(100 + n for n in range(2, 30, 3)),
        "total": sum(100 + n for n in range(30)),
    }
    by_id = seeded_db.get_token_summary("hot", by="agent_id")
    assert by_id["total"] == summary["total"]
    assert set(by_id) == {"agent_0", "agent_1", "pm", "developer", "qa", "total"}


def test_upgrade_back_fills_token_totals(tmp_path):
    """A version-1 file with token rows gets exact totals when it is upgraded."""
    path = tmp_path / "v1.db"
    with sqlite3.connect(path, isolation_level=None) as conn:
        migrations.MIGRATIONS[0].apply(conn)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO sessions (session_id, start_time, created_at, updated_at) "
            "VALUES ('s', 't', 't', 't')"
        )
        conn.executemany(
            "INSERT INTO token_usage (session_id, timestamp, agent_type, agent_id, tokens_estimated) "
            "VALUES ('s', 't', ?, ?, ?)",
            [("pm", None, 10), ("pm", "pm_1", 5), ("qa", None, 7)],
        )
    db = BazingaDB(path)
    db.initialize()
    assert db.get_token_summary("s") == {"pm": 15, "qa": 7, "total": 22}
    assert db.get_token_summary("s", by="agent_id") == {"pm": 10, "qa": 7, "pm_1": 5, "total": 22}
    db.close()


def _vm_steps(db: BazingaDB, action) -> int:
    """SQLite virtual-machine steps (in hundreds) an action costs: rows read, whatever the plan says."""
    counter = [0]

    def tick() -> int:
        counter[0] += 1
        return 0

    conn = db.store.reader()
    conn.set_progress_handler(tick, 100)
    try:
        action()
    finally:
        conn.set_progress_handler(None, 0)
    return counter[0]


def test_deep_log_pages_read_no_more_than_the_first(db_path):
    """A plan can name the right index and still walk it from the wrong end (two upper bounds on seq read
    the whole log for a deep page): count what each page really reads, on a 20,000-entry log."""
    db = BazingaDB(db_path)
    db.create_session("long", "parallel", "A long log")
    conn = db.store.writer()
    with conn:
        conn.executemany(
            "INSERT INTO orchestration_logs (session_id, seq, timestamp, agent_type, content) "
            "VALUES ('long', ?, ?, ?, 'entry')",
            (
                (n, f"2025-01-01T00:00:00.{n:06d}Z", ("pm", "developer", "qa")[n % 3])
                for n in range(1, 20_001)
            ),
        )
    first = _vm_steps(db, lambda: db.get_log_page("long", 50))
    for name, action in {
        "deep": lambda: db.get_log_page("long", 50, before_seq=100),
        "deep, one agent type": lambda: db.get_log_page("long", 50, before_seq=300, agent_type="qa"),
        "following from the start": lambda: db.get_log_page("long", 50, since_seq=10),
        "changes from the start": lambda: db.get_session_changes("long", since_seq=10, limit=50),
        "overview": lambda: db.get_sessions_overview(),
    }.items():
        assert _vm_steps(db, action) <= 3 * first + 20, name
    db.close()
