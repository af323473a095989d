"""The Python API directly: data in, data out, the project's exceptions with hints, no printing."""

from __future__ import annotations

import pytest

from skill.api import BazingaDB
from skill.errors import (
    Conflict,
    DatabaseUnusable,
    InvalidArgument,
    InvalidPayload,
    NotFound,
    QueryRefused,
    UsageError,
)


@pytest.fixture
def session(db):
    db.create_session("s1", "parallel", "Build it")
    return db


def test_import_through_the_entry_script():
    import bazinga_db

    assert bazinga_db.BazingaDB is BazingaDB


def test_create_session_returns_the_row_and_is_idempotent(db, notices, capsys):
    row = db.create_session("s1", "Parallel", "Build it")
    assert row["created"] is True and row["mode"] == "parallel" and row["status"] == "active"
    assert [n.kind for n in notices] == ["initialized"]
    again = db.create_session("s1", "parallel", "Build it")
    assert again["created"] is False and again["created_at"] == row["created_at"]
    with pytest.raises(Conflict) as error:
        db.create_session("s1", "simple", "Build it")
    assert "mode: stored 'parallel', given 'simple'" in error.value.message
    assert error.value.hint and error.value.exit_code == 1
    assert capsys.readouterr() == ("", "")


def test_status_updates_set_end_time_once(session):
    done = session.update_session_status("s1", "completed")
    assert done["status"] == "completed" and done["end_time"]
    again = session.update_session_status("s1", "failed")
    assert again["end_time"] == done["end_time"]
    assert session.update_session_status("s1", "active")["end_time"] is None
    with pytest.raises(NotFound):
        session.update_session_status("nope", "completed")


def test_logs_order_filters_and_pages(session):
    for n in range(1, 8):
        session.log_interaction("s1", "developer" if n % 2 else "QA Expert", f"entry {n}", n, f"agent_{n}")
    newest_first = session.get_logs("s1")
    assert [e["content"] for e in newest_first] == [f"entry {n}" for n in range(7, 0, -1)]
    assert [e["iteration"] for e in session.get_logs("s1", agent_type="qa")] == [6, 4, 2]
    assert [e["content"] for e in session.get_logs("s1", limit=2, offset=1)] == ["entry 6", "entry 5"]
    since = newest_first[2]["timestamp"]
    assert [e["content"] for e in session.get_logs("s1", since=since)] == ["entry 7", "entry 6", "entry 5"]
    page = session.log_page("s1", limit=3, offset=2)
    assert (page["total"], page["first"], page["last"]) == (7, 3, 5)
    assert [e["content"] for e in page["entries"]] == ["entry 3", "entry 4", "entry 5"]
    tail = session.log_page("s1", limit=5, offset=5)
    assert [e["content"] for e in tail["entries"]] == ["entry 1", "entry 2"]
    assert session.log_page("s1", limit=5, offset=70)["entries"] == []
    markdown = session.stream_logs("s1", 2, 0)
    assert "entries 6–7 of 7" in markdown and markdown.index("entry 6") < markdown.index("entry 7")


def test_state_round_trips_exactly_and_latest_wins(session):
    first = {"iteration": 1, "task_groups": [{"id": "a", "name": "Ä ✅", "status": "pending"}]}
    session.save_state("s1", "pm", first)
    assert session.get_latest_state("s1", "pm") == first
    session.save_state("s1", "pm", '{"iteration": 2}')
    assert session.get_latest_state("s1", "pm") == {"iteration": 2}
    assert session.get_latest_state("s1", "orchestrator") is None
    with pytest.raises(InvalidPayload):
        session.save_state("s1", "pm", ["not", "an", "object"])
    with pytest.raises(InvalidPayload):
        session.save_state("s1", "pm", {"x": float("nan")})


def test_task_groups_keyed_by_session(session):
    session.create_session("s2", "simple", "Other")
    session.create_task_group("group_a", "s1", "Auth")
    session.create_task_group("group_a", "s2", "Auth elsewhere", "in progress", "dev_9")
    assert session.get_task_groups("s2")[0]["status"] == "in_progress"
    updated = session.update_task_group(
        "group_a", session_id="s1", increment_revision=True, last_review_status="changes requested"
    )
    assert (updated["revision_count"], updated["last_review_status"]) == (1, "CHANGES_REQUESTED")
    assert session.get_task_groups("s2")[0]["revision_count"] == 0
    assert session.get_task_groups("s1", group_id="group_a")[0]["revision_count"] == 1
    assert session.get_task_groups("s1", status="completed") == []
    with pytest.raises(UsageError):
        session.update_task_group("group_a", session_id="s1")
    with pytest.raises(NotFound) as error:
        session.update_task_group("group_x", session_id="s1", status="completed")
    assert "group_a" in error.value.hint


def test_token_summary_totals(session):
    session.log_tokens("s1", "developer", 15000, "developer_1")
    session.log_tokens("s1", "developer", "10k", "developer_2")
    session.log_tokens("s1", "PM", "5,000")
    session.log_tokens("s1", "validator", 7)
    assert session.get_token_summary("s1") == {"pm": 5000, "developer": 25000, "validator": 7, "total": 30007}
    assert session.get_token_summary("s1", by="agent_id") == {
        "pm": 5000,
        "developer_1": 15000,
        "developer_2": 10000,
        "validator": 7,
        "total": 30007,
    }
    with pytest.raises(InvalidArgument):
        session.log_tokens("s1", "pm", -1)


def test_skill_outputs_config_and_decisions(session):
    session.save_skill_output("s1", "security_scan", {"issues": 1})
    session.save_skill_output("s1", "security_scan", {"issues": 0})
    assert session.get_skill_output("s1", "security_scan") == {"issues": 0}
    assert session.get_skill_output("s1", "lint_check") is None
    session.set_config("skills_config", {"a": 1})
    session.set_config("skills_config", {"a": 2})
    assert session.get_config("skills_config") == {"a": 2} and session.get_config("missing") is None
    for n in range(4):
        session.log_decision("s1", "spawn" if n % 2 else "escalate", {"n": n}, n)
    assert [d["decision_data"]["n"] for d in session.get_decisions("s1")] == [0, 1, 2, 3]
    assert [d["decision_data"]["n"] for d in session.get_decisions("s1", decision_type="spawn")] == [1, 3]
    assert [d["decision_data"]["n"] for d in session.get_decisions("s1", limit=2)] == [2, 3]


def test_dashboard_snapshot_shape(session):
    session.save_state("s1", "pm", {"iteration": 1})
    for n in range(12):
        session.log_interaction("s1", "pm", f"log {n}")
    snapshot = session.get_dashboard_snapshot("s1")
    assert set(snapshot) == {
        "session",
        "orchestrator_state",
        "pm_state",
        "task_groups",
        "token_summary",
        "log_count",
        "recent_logs",
    }
    assert snapshot["pm_state"] == {"iteration": 1} and snapshot["orchestrator_state"] is None
    assert snapshot["log_count"] == 12 and len(snapshot["recent_logs"]) == 10
    assert snapshot["recent_logs"][0]["content"] == "log 11"
    assert snapshot["token_summary"] == {"total": 0}


def test_unknown_session_refused_unless_auto_create(session, db_path):
    with pytest.raises(NotFound) as error:
        session.log_interaction("s2", "pm", "x")
    assert "s1" in error.value.hint
    seen: list = []
    auto = BazingaDB(db_path, auto_create_sessions=True, on_notice=seen.append)
    auto.log_interaction("s2", "pm", "x")
    assert [n.kind for n in seen] == ["session_created"]
    assert auto.get_session("s2")["mode"] is None
    auto.close()


def test_query_binds_parameters_and_stays_read_only(session):
    assert session.query("SELECT session_id FROM sessions WHERE mode = ?", ("parallel",)) == [
        {"session_id": "s1"}
    ]
    assert session.query("SELECT 1 AS a, 2 AS a") == [{"a": 1, "a_2": 2}]
    with pytest.raises(QueryRefused):
        session.query("UPDATE sessions SET status = 'failed'")
    # the writer connection still writes after a query (query_only is switched back off)
    session.log_interaction("s1", "pm", "still writable")


def test_reads_on_a_missing_database_do_not_create_it(tmp_path):
    seen: list = []
    db = BazingaDB(tmp_path / "none" / "x.db", on_notice=seen.append)
    assert db.list_sessions() == [] and db.get_config("k") is None
    assert [n.kind for n in seen] == ["no_database", "no_database"]
    with pytest.raises(NotFound) as error:
        db.get_logs("s1")
    assert "no database at" in error.value.hint
    with pytest.raises(DatabaseUnusable):
        db.query("SELECT 1")
    assert not (tmp_path / "none").exists()
