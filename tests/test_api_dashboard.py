"""The library reads a dashboard (or any tool) builds on: cursor pages of the log, changes since a cursor,
sessions with their progress, tokens over time, the latest skill outputs. On both backends (BACKENDS)."""

from __future__ import annotations

import pytest
from conftest import BOTH

from skill.api import BazingaDB
from skill.errors import InvalidArgument, NotFound

BACKENDS = BOTH


@pytest.fixture
def session(db):
    db.create_session("s1", "parallel", "Build it")
    for n in range(1, 8):
        db.log_interaction("s1", "developer" if n % 2 else "QA Expert", f"entry {n}", n)
    return db


def contents(page):
    return [e["content"] for e in page["entries"]]


def test_log_page_pages_back_by_seq_newest_first(session):
    first = session.get_log_page("s1", limit=3)
    assert contents(first) == ["entry 7", "entry 6", "entry 5"]
    assert [e["seq"] for e in first["entries"]] == [7, 6, 5]
    assert first["latest_seq"] == 7 and first["has_more"] is True and first["agent_type"] is None
    second = session.get_log_page("s1", limit=3, before_seq=first["entries"][-1]["seq"])
    assert contents(second) == ["entry 4", "entry 3", "entry 2"] and second["has_more"] is True
    last = session.get_log_page("s1", limit=3, before_seq=2)
    assert contents(last) == ["entry 1"] and last["has_more"] is False
    assert set(first["entries"][0]) == {
        "id",
        "session_id",
        "seq",
        "timestamp",
        "iteration",
        "agent_type",
        "agent_id",
        "content",
    }


def test_log_page_follows_forward_oldest_first_and_filters(session):
    after = session.get_log_page("s1", since_seq=4)
    assert contents(after) == ["entry 5", "entry 6", "entry 7"] and after["has_more"] is False
    chunk = session.get_log_page("s1", since_seq=0, limit=2)
    assert contents(chunk) == ["entry 1", "entry 2"] and chunk["has_more"] is True
    qa = session.get_log_page("s1", agent_type="QA Expert")
    assert qa["agent_type"] == "qa" and contents(qa) == ["entry 6", "entry 4", "entry 2"]
    qa_after = session.get_log_page("s1", since_seq=4, agent_type="qa")
    assert contents(qa_after) == ["entry 6"] and qa_after["latest_seq"] == 7
    assert session.get_log_page("s1", since_seq=7)["entries"] == []
    window = session.get_log_page("s1", since_seq=2, before_seq=5)
    assert contents(window) == ["entry 3", "entry 4"]


def test_log_page_refuses_bad_cursors_and_unknown_sessions(session):
    with pytest.raises(InvalidArgument) as error:
        session.get_log_page("s1", before_seq="-3")
    assert "before seq must be >= 0" in error.value.message
    with pytest.raises(InvalidArgument):
        session.get_log_page("s1", limit=0)
    with pytest.raises(NotFound) as missing:
        session.get_log_page("s2")
    assert "s1" in missing.value.hint


def test_log_page_of_an_empty_log(db):
    db.create_session("empty", "simple", "Nothing yet")
    page = db.get_log_page("empty")
    assert page == {
        "session_id": "empty",
        "agent_type": None,
        "latest_seq": 0,
        "entries": [],
        "has_more": False,
    }


def test_session_changes_follow_logs_groups_and_tokens(session):
    start = session.get_session_changes("s1")
    assert start["changed"] is True and start["has_more"] is False
    assert [e["seq"] for e in start["logs"]] == list(range(1, 8))
    assert start["task_groups"] == [] and start["token_summary"] == {"total": 0}
    cursor = start["cursor"]
    assert cursor == {"seq": 7, "updated_at": start["session"]["updated_at"]}

    quiet = session.get_session_changes("s1", since_seq=cursor["seq"], since=cursor["updated_at"])
    assert quiet["changed"] is False and quiet["logs"] == [] and quiet["cursor"] == cursor

    session.create_task_group("group_a", "s1", "Auth")
    session.log_interaction("s1", "pm", "entry 8")
    session.log_tokens("s1", "pm", 1200)
    moved = session.get_session_changes("s1", since_seq=cursor["seq"], since=cursor["updated_at"])
    assert moved["changed"] is True
    assert [e["content"] for e in moved["logs"]] == ["entry 8"]
    assert [(g["id"], g["status"]) for g in moved["task_groups"]] == [("group_a", "pending")]
    assert moved["token_summary"] == {"pm": 1200, "total": 1200}
    assert moved["cursor"]["seq"] == 8 and moved["cursor"]["updated_at"] > cursor["updated_at"]

    session.update_task_group("group_a", session_id="s1", status="completed")
    again = session.get_session_changes("s1", since_seq=8, since=moved["cursor"]["updated_at"])
    assert again["logs"] == [] and again["task_groups"][0]["status"] == "completed"


def test_session_changes_catch_up_in_chunks_and_skip_filtered_entries(session):
    first = session.get_session_changes("s1", since_seq=0, limit=3)
    assert [e["seq"] for e in first["logs"]] == [1, 2, 3] and first["has_more"] is True
    # Still catching up: the cursor keeps the old updated_at so the next call reads again.
    assert first["cursor"] == {"seq": 3, "updated_at": None}
    rest = session.get_session_changes("s1", since_seq=3, since=None, limit=10)
    assert [e["seq"] for e in rest["logs"]] == [4, 5, 6, 7] and rest["has_more"] is False
    only_pm = session.get_session_changes("s1", since_seq=0, agent_type="pm")
    assert only_pm["logs"] == [] and only_pm["cursor"]["seq"] == 7


def test_sessions_overview_active_first_with_progress(db):
    db.create_session("old", "simple", "Earlier")
    db.update_session_status("old", "completed")
    db.create_session("new", "parallel", "Current")
    for group, status in (("a", "completed"), ("b", "in_progress"), ("c", "pending"), ("d", "completed")):
        db.create_task_group(group, "new", f"Group {group}", status)
    db.log_tokens("new", "developer", 1500)
    db.log_tokens("new", "pm", 500)
    db.log_interaction("new", "pm", "hello")
    db.create_session("later", "simple", "Finished")
    db.update_session_status("later", "failed")
    overview = db.get_sessions_overview()
    assert [s["session_id"] for s in overview] == ["new", "later", "old"]
    new = overview[0]
    assert new["task_groups"] == {"pending": 1, "in_progress": 1, "completed": 2, "failed": 0, "total": 4}
    assert new["tokens"] == 2000 and new["log_count"] == 1 and new["mode"] == "parallel"
    assert overview[2]["task_groups"]["total"] == 0 and overview[2]["tokens"] == 0
    assert [s["session_id"] for s in db.get_sessions_overview(status="done")] == ["old"]
    assert [s["session_id"] for s in db.get_sessions_overview(limit=1)] == ["new"]


def test_sessions_overview_without_a_database(tmp_path):
    db = BazingaDB(tmp_path / "none.db")
    assert db.get_sessions_overview() == []
    assert not (tmp_path / "none.db").exists()
    db.close()


def _write_directly(location: str, sql: str, rows: list[tuple]) -> None:
    """Change rows behind the API's back (it stamps the time of the call), on either backend."""
    if location.startswith("postgresql://"):
        import psycopg2

        conn = psycopg2.connect(location)
        with conn.cursor() as cursor:
            cursor.executemany(sql.replace("?", "%s"), rows)
    else:
        import sqlite3

        conn = sqlite3.connect(location)
        conn.executemany(sql, rows)
    conn.commit()
    conn.close()


def test_token_timeline_buckets_by_time(session, location):
    for agent, tokens in (("pm", 100), ("developer", 300), ("developer", 200)):
        session.log_tokens("s1", agent, tokens)
    session.close()
    # Spread the rows over three hours, as a real session's spawns are (written directly: the API stamps now).
    times = ("2025-01-13T14:05:10.000000Z", "2025-01-13T15:40:00.000000Z", "2025-01-13T17:02:00.5Z")
    rows = list(zip(times, (1, 2, 3)))
    _write_directly(location, "UPDATE token_usage SET timestamp = ? WHERE id = ?", rows)
    db = BazingaDB(location)
    timeline = db.get_token_timeline("s1")
    assert timeline["bucket"] == "10 minutes"
    assert timeline["points"] == [
        {"time": "2025-01-13T14:00:00.000000Z", "agent_type": "pm", "tokens": 100, "entries": 1},
        {"time": "2025-01-13T15:40:00.000000Z", "agent_type": "developer", "tokens": 300, "entries": 1},
        {"time": "2025-01-13T17:00:00.000000Z", "agent_type": "developer", "tokens": 200, "entries": 1},
    ]
    db.close()


def test_token_timeline_of_a_session_without_tokens_and_of_a_burst(session):
    assert session.get_token_timeline("s1") == {"session_id": "s1", "bucket": None, "points": []}
    session.log_tokens("s1", "qa", 10)
    session.log_tokens("s1", "qa", 15)
    burst = session.get_token_timeline("s1")
    assert burst["bucket"] == "second"
    assert sum(p["tokens"] for p in burst["points"]) == 25
    assert all(p["time"].endswith(".000000Z") for p in burst["points"])


def test_skill_outputs_latest_of_each_skill(session):
    session.save_skill_output("s1", "security_scan", {"vulnerabilities": 3})
    session.save_skill_output("s1", "test_coverage", {"coverage": 71.5})
    session.save_skill_output("s1", "security_scan", {"vulnerabilities": 0})
    outputs = session.get_skill_outputs("s1")
    assert [(o["skill_name"], o["output_data"]) for o in outputs] == [
        ("security_scan", {"vulnerabilities": 0}),
        ("test_coverage", {"coverage": 71.5}),
    ]
    assert all(o["timestamp"] for o in outputs)
    with pytest.raises(NotFound):
        session.get_skill_outputs("nope")


def test_log_agent_types_of_a_session(session):
    session.create_session("s2", "simple", "Other")
    session.log_interaction("s2", "investigator", "elsewhere")
    assert session.get_log_agent_types("s1") == ["developer", "qa"]
    assert session.get_log_agent_types("s2") == ["investigator"]
    session.create_session("s3", "simple", "Empty")
    assert session.get_log_agent_types("s3") == []
