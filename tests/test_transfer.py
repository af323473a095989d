"""skill.transfer: the sample imports to EXPECTED.md's rows, idempotently; exports round-trip losslessly."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import shutil
import string
from pathlib import Path

import pytest
from conftest import dump, sql_dicts, sql_rows
from hypothesis import HealthCheck, given, settings, strategies as st

from skill import legacy, transfer
from skill.api import BazingaDB
from skill.errors import Conflict, InvalidPayload, NotFound

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "legacy_sample" / "sample-coordination"
EXPECTED = (HERE / "legacy_sample" / "EXPECTED.md").read_text(encoding="utf-8")
CURRENT = "bazinga_20251112_140207"
EXPECTED_COUNTS = {
    name: int(n)
    for name, n in re.findall(
        r"(\w+) (\d+)", re.search(r"\*\*Totals:\*\*(.*?)\*\*\d+ rows\*\*", EXPECTED, re.S).group(1)
    )
}
ID_COLUMNS = {"id"}  # autoincrement ids belong to one database file
BACKENDS = ("sqlite", "postgres")  # the conformance suite: every test runs on both (tests/conftest.py)


def table_rows(location: str, table: str) -> list[dict]:
    """Every row of a table without its autoincrement id, JSON columns parsed, in a stable order."""
    rows = sql_dicts(str(location), f"SELECT * FROM {table}")
    result = []
    for row in rows:
        row.pop("row_order", None)  # PostgreSQL's task_groups insertion order (SQLite's rowid): per database
        if table != "task_groups":
            row.pop("id", None)
        for column in ("state_data", "output_data", "decision_data", "value"):
            if column in row:
                row[column] = json.loads(row[column])
        result.append(row)
    return sorted(result, key=lambda r: json.dumps(r, sort_keys=True, ensure_ascii=False))


def counts(location: str) -> dict[str, int]:
    return {t: sql_rows(str(location), f"SELECT COUNT(*) FROM {t}")[0][0] for t in legacy.TABLES}


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "legacy" / "coordination"
    shutil.copytree(SAMPLE, target)
    return target


@pytest.fixture
def imported(db, location):
    result = transfer.import_files(db, str(SAMPLE))
    return result


# ---------------------------------------------------------------------------------------------- import-files


def test_sample_imports_exactly_the_expected_rows(imported, location):
    assert counts(location) == EXPECTED_COUNTS
    assert sum(counts(location).values()) == 72
    assert imported["new_rows"] == 72 and imported["updated_rows"] == 0
    assert imported["sessions"] == ["bazinga_20251112_083514", CURRENT]


def test_reads_after_import_match_expected(imported, db):
    pm = json.loads((SAMPLE / "pm_state.json").read_text(encoding="utf-8"))
    assert db.get_latest_state(CURRENT, "pm") == pm
    summary = re.search(r"must return `(\{.*?\})`", EXPECTED).group(1)
    assert db.get_token_summary(CURRENT) == json.loads(summary)
    groups = db.get_task_groups(CURRENT)
    assert [(g["id"], g["status"], g["revision_count"]) for g in groups] == [
        ("A", "completed", 2),
        ("B", "completed", 1),
        ("C", "completed", 1),
    ]
    assert len(db.get_decisions(CURRENT)) == 15
    assert db.get_config("testing_config")["_testing_framework"]["mode"] == "full"
    assert db.get_session("bazinga_20251112_083514")["status"] == "active"
    session = db.get_session(CURRENT)
    assert (session["status"], session["end_time"]) == ("completed", "2025-11-12T16:13:20.000000Z")


def test_unicode_survives_exactly_in_the_database(imported, location):
    expected = re.findall(r"^\| (\d+) \|.*\| (\d+) \| ([0-9a-f]{10}) \|$", EXPECTED, re.M)
    rows = sql_rows(
        location, "SELECT content FROM orchestration_logs WHERE session_id = ? ORDER BY seq", (CURRENT,)
    )
    assert len(rows) == len(expected) == 40
    for (content,), (number, chars, digest) in zip(rows, expected):
        assert len(content) == int(chars), number
        assert hashlib.sha256(content.encode("utf-8")).hexdigest()[:10] == digest, number
    assert any("✅" in c for (c,) in rows)


def test_dashboard_shows_the_last_ten_entries(imported, db):
    snapshot = db.get_dashboard_snapshot(CURRENT)
    plan = legacy.read_folder(str(SAMPLE))
    assert [e["content"] for e in reversed(snapshot["recent_logs"])] == [
        r["content"] for r in plan.rows["orchestration_logs"][30:40]
    ]
    assert sum(g["status"] == "completed" for g in snapshot["task_groups"]) == 3


def test_rerunning_imports_nothing_twice(imported, db, location):
    before = {t: table_rows(location, t) for t in legacy.TABLES}
    again = transfer.import_files(db, str(SAMPLE))
    assert again["new_rows"] == 0 and again["updated_rows"] == 0 and again["unchanged_rows"] == 72
    assert counts(location) == EXPECTED_COUNTS
    assert {t: table_rows(location, t) for t in legacy.TABLES} == before


def test_dry_run_never_creates_the_database(db, location):
    report = transfer.import_files(db, str(SAMPLE), dry_run=True)
    assert dump(location) == {}
    assert {t: c["new"] for t, c in report["tables"].items()} == EXPECTED_COUNTS
    assert report["sessions"] == ["bazinga_20251112_083514", CURRENT]


def test_dry_run_after_import_finds_everything_present(imported, db, location, backend):
    mtime = Path(location).stat().st_mtime_ns if backend == "sqlite" else None
    before = dump(location)
    report = transfer.import_files(db, str(SAMPLE), dry_run=True)
    assert report["new_rows"] == 0 and report["unchanged_rows"] == 72
    assert dump(location) == before
    if backend == "sqlite":
        assert Path(location).stat().st_mtime_ns == mtime


def test_new_log_entries_and_changed_groups_are_picked_up(db, location, folder):
    transfer.import_files(db, str(folder))
    with open(folder / "orchestration-log.md", "a", encoding="utf-8") as log:
        log.write("\n## [2025-11-12T16:20:00Z] Iteration 7 - Developer (Group B)\n\nHotfix ✅\n\n---\n")
    status = json.loads((folder / "group_status.json").read_text(encoding="utf-8"))
    status["B"]["revision_count"] = 2
    (folder / "group_status.json").write_text(json.dumps(status), encoding="utf-8")
    report = transfer.import_files(db, str(folder))
    assert report["tables"]["orchestration_logs"] == {"new": 1, "updated": 0, "unchanged": 40}
    assert report["tables"]["task_groups"] == {"new": 0, "updated": 1, "unchanged": 2}
    # the group_status snapshot changed too: a new snapshot row, the old one stays (history)
    assert report["tables"]["state_snapshots"]["new"] == 1
    assert db.get_task_groups(CURRENT, group_id="B")[0]["revision_count"] == 2
    newest = db.get_logs(CURRENT, limit=1)[0]
    assert (newest["content"], newest["agent_id"], newest["iteration"]) == ("Hotfix ✅", "developer_2", 7)


def test_older_entries_keep_the_log_in_time_order(db, location, folder):
    db.create_session(CURRENT, "parallel", "dual-write already running")
    db.log_interaction(CURRENT, "pm", "written by dual-write, after the files")
    transfer.import_files(db, str(folder))
    rows = sql_rows(
        location,
        "SELECT seq, timestamp FROM orchestration_logs WHERE session_id = ? ORDER BY seq",
        (CURRENT,),
    )
    assert [s for s, _ in rows] == list(range(1, 42))
    assert [t for _, t in rows] == sorted(t for _, t in rows)


def test_newer_configuration_in_the_database_is_kept(db, folder):
    db.set_config("skills_config", {"changed": "after migration"})
    report = transfer.import_files(db, str(folder))
    assert db.get_config("skills_config") == {"changed": "after migration"}
    assert any("skills_config" in k and "kept" in k for k in report["kept"])


def test_problems_abort_the_whole_import(db, location, folder):
    (folder / "lint_results.json").write_text("[]", encoding="utf-8")
    path = folder / "orchestration-log.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("## [2025-11-12T14:24:37Z]", "## [soon]"), encoding="utf-8"
    )
    with pytest.raises(InvalidPayload) as caught:
        transfer.import_files(db, str(folder))
    error = caught.value
    assert "2 problems" in error.message and "nothing was imported" in error.message
    assert error.details[0].startswith("orchestration-log.md:89: entry timestamp [soon]") or any(
        d.startswith("orchestration-log.md:89:") for d in error.details
    )
    assert any(d.startswith("lint_results.json $: expected a JSON object") for d in error.details)
    assert "--skip-invalid" in error.hint_for("cli") and "skip_invalid=True" in error.hint
    assert dump(location) == {} or sum(counts(location).values()) == 0


def test_skip_invalid_imports_the_rest(db, location, folder):
    (folder / "lint_results.json").write_text("", encoding="utf-8")
    report = transfer.import_files(db, str(folder), skip_invalid=True)
    assert counts(location)["skill_outputs"] == 2
    assert sum(counts(location).values()) == 71
    assert any("lint_results.json:1: the file is empty" in w for w in report["warnings"])
    assert {f["file"]: f["status"] for f in report["files"]}["lint_results.json"] == "skipped"


def test_folder_errors(db, tmp_path):
    with pytest.raises(NotFound) as missing:
        transfer.import_files(db, str(tmp_path / "nope"))
    assert "does not exist" in missing.value.message
    (tmp_path / "empty").mkdir()
    with pytest.raises(NotFound) as empty:
        transfer.import_files(db, str(tmp_path / "empty"))
    assert "no legacy files" in empty.value.message


# ------------------------------------------------------------------------------------ export / import-session


def test_export_holds_the_whole_session(imported, db):
    document = transfer.export_session(db, CURRENT)
    assert document["format"] == "bazinga-db/session" and document["session"]["session_id"] == CURRENT
    assert {t: len(document[t]) for t in transfer.CHILD_TABLES} == {
        t: EXPECTED_COUNTS[t] for t in transfer.CHILD_TABLES
    }
    assert [r["seq"] for r in document["orchestration_logs"]] == list(range(1, 41))
    assert "configuration" not in document  # global, not a session's


def test_export_of_an_unknown_session_suggests_one(imported, db):
    with pytest.raises(NotFound) as caught:
        transfer.export_session(db, "bazinga_20251112_140208")
    assert CURRENT in caught.value.hint


def test_round_trip_of_the_sample_is_lossless(imported, db, location, fresh_location):
    other_location = fresh_location("other")
    for session_id in imported["sessions"]:
        document = json.loads(json.dumps(transfer.export_session(db, session_id), ensure_ascii=False))
        other = BazingaDB(other_location)
        try:
            transfer.import_session(other, document)
            assert transfer.export_session(other, session_id) == document
        finally:
            other.close()
    for table in legacy.TABLES:
        if table == "configuration":
            continue
        assert table_rows(other_location, table) == table_rows(location, table), table


def test_markdown_export_parses_back_to_the_same_log(imported, db):
    text = transfer.export_markdown(db, CURRENT)
    assert text.startswith("# BAZINGA Orchestration Log\n\n**Session:** bazinga_20251112_140207\n")
    problems = legacy._Problems()
    parsed = legacy.parse_log(text, "export.md", problems)
    assert problems.all() == []
    stored = transfer.export_session(db, CURRENT)["orchestration_logs"]
    order = ["A", "B", "C"]
    assert [
        (
            e.timestamp,
            e.iteration,
            e.agent_type,
            legacy.agent_id_for(e.agent_type, e.qualifier, order),
            e.content,
        )
        for e in parsed.entries
    ] == [(r["timestamp"], r["iteration"], r["agent_type"], r["agent_id"], r["content"]) for r in stored]


def test_import_session_refuses_to_overwrite(imported, db, location):
    document = transfer.export_session(db, CURRENT)
    with pytest.raises(Conflict) as caught:
        transfer.import_session(db, document)
    assert "already exists" in caught.value.message and "replace=True" in caught.value.hint
    assert "--replace" in caught.value.hint_for("cli")
    assert counts(location) == EXPECTED_COUNTS
    document["orchestration_logs"] = document["orchestration_logs"][:5]
    result = transfer.import_session(db, document, replace=True)
    assert result["replaced"] is True
    assert counts(location)["orchestration_logs"] == 5
    assert counts(location)["sessions"] == 2 and counts(location)["configuration"] == 2


def test_import_session_reports_bad_values_with_json_paths(imported, db, fresh_location):
    document = transfer.export_session(db, CURRENT)
    document["orchestration_logs"][3]["timestamp"] = "tomorrow"
    document["task_groups"][1]["status"] = "sleeping"
    del document["decisions"][0]["decision_type"]
    other_location = fresh_location("other")
    other = BazingaDB(other_location)
    try:
        with pytest.raises(InvalidPayload) as caught:
            transfer.import_session(other, document, what="s.json")
    finally:
        other.close()
    details = caught.value.details
    assert any(
        d.startswith("s.json $.orchestration_logs[3].timestamp: timestamp 'tomorrow'") for d in details
    ), details
    assert any(
        d.startswith("s.json $.task_groups[1].status: status 'sleeping' is not allowed") for d in details
    )
    assert "s.json $.decisions[0].decision_type: missing" in details
    assert dump(other_location) == {} or counts(other_location)["sessions"] == 0


def test_read_document_refuses_other_json():
    with pytest.raises(InvalidPayload) as caught:
        transfer.read_document('{"session_id": "x"}', "x.json")
    assert "not a bazinga-db session export" in caught.value.message
    with pytest.raises(InvalidPayload):
        transfer.read_document("{not json", "x.json")


# ----------------------------------------------------------------------------------------- generated sessions

_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=60
).filter(lambda s: s.strip())
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_name = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=12).filter(lambda s: s[0] != "_")


@st.composite
def sessions(draw):
    ops = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["log", "state", "group", "tokens", "skill", "decision"]))
        if kind == "log":
            ops.append(
                (
                    "log_interaction",
                    dict(
                        agent_type=draw(st.sampled_from(["pm", "developer", "qa", "investigator"])),
                        content=draw(_text),
                        iteration=draw(st.none() | st.integers(0, 9)),
                        agent_id=draw(st.none() | st.sampled_from(["developer_1", "qa_group_a"])),
                    ),
                )
            )
        elif kind == "state":
            ops.append(
                (
                    "save_state",
                    dict(
                        state_type=draw(st.sampled_from(["pm", "orchestrator", "group_status"])),
                        state_data=draw(st.dictionaries(_text, _json, max_size=3)),
                    ),
                )
            )
        elif kind == "group":
            ops.append(
                (
                    "create_task_group",
                    dict(group_id=draw(st.sampled_from(["A", "B", "group_c"])), name=draw(_text)),
                )
            )
        elif kind == "tokens":
            ops.append(
                (
                    "log_tokens",
                    dict(agent_type=draw(st.sampled_from(["pm", "qa"])), tokens=draw(st.integers(0, 10**9))),
                )
            )
        elif kind == "skill":
            ops.append(
                (
                    "save_skill_output",
                    dict(skill_name=draw(_name), output_data=draw(st.dictionaries(_text, _json, max_size=3))),
                )
            )
        else:
            ops.append(
                (
                    "log_decision",
                    dict(
                        decision_type=draw(_name),
                        decision_data=draw(st.dictionaries(_text, _json, max_size=3)),
                        iteration=draw(st.none() | st.integers(0, 9)),
                    ),
                )
            )
    return draw(st.sampled_from(["simple", "parallel"])), draw(_text), ops


_EXAMPLES = itertools.count()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sessions())
def test_generated_sessions_round_trip(fresh_location, generated):
    mode, requirements, ops = generated
    a, b = fresh_location(f"a{next(_EXAMPLES)}"), fresh_location(f"b{next(_EXAMPLES)}")
    source, target = BazingaDB(a), BazingaDB(b)
    try:
        source.create_session("s1", mode, requirements)
        for method, kwargs in ops:
            try:
                getattr(source, method)(session_id="s1", **kwargs)
            except (Conflict, InvalidPayload):
                pass  # a second create_task_group with another name, a payload its schema refuses: not stored
        document = json.loads(json.dumps(transfer.export_session(source, "s1"), ensure_ascii=False))
        transfer.import_session(target, document)
        assert transfer.export_session(target, "s1") == document
        for table in legacy.TABLES:
            assert table_rows(b, table) == table_rows(a, table), table
    finally:
        source.close()
        target.close()


# ------------------------------------------------------------------------------------------ more import rules


def _next_session_folder(folder: Path, new_id: str) -> None:
    """Turn the sample into the folder of a later session, whose history still lists the sample's as
    'started'."""
    for name in ("orchestrator_state.json", "pm_state.json"):
        data = json.loads((folder / name).read_text(encoding="utf-8"))
        data["session_id"] = new_id
        (folder / name).write_text(json.dumps(data), encoding="utf-8")
    log = folder / "orchestration-log.md"
    log.write_text(log.read_text(encoding="utf-8").replace(CURRENT, new_id), encoding="utf-8")
    history = json.loads((folder / "sessions_history.json").read_text(encoding="utf-8"))
    history["sessions"].append(
        {"session_id": new_id, "start_time": "2025-11-12T17:00:00Z", "status": "started", "end_time": None}
    )
    (folder / "sessions_history.json").write_text(json.dumps(history), encoding="utf-8")


def test_a_later_history_never_downgrades_a_finished_session(db, folder):
    """sessions_history entries are never updated by any writer: 'started' there must not undo 'completed'."""
    transfer.import_files(db, str(SAMPLE))
    _next_session_folder(folder, "bazinga_20251112_170000")
    report = transfer.import_files(db, str(folder))
    assert report["tables"]["sessions"] == {"new": 1, "updated": 0, "unchanged": 2}
    session = db.get_session(CURRENT)
    assert (session["status"], session["end_time"]) == ("completed", "2025-11-12T16:13:20.000000Z")
    assert session["mode"] == "parallel"


def test_a_failure_while_writing_leaves_nothing(db, location, monkeypatch):
    def broken(conn, rows):  # a real constraint failure after sessions, groups and configuration were written
        conn.execute("INSERT INTO sessions (session_id) VALUES (NULL)")

    monkeypatch.setattr(transfer, "_insert_logs", broken)
    with pytest.raises(Conflict) as caught:  # storage turns the driver's error into the family
        transfer.import_files(db, str(SAMPLE))
    assert "NOT NULL" in caught.value.message.upper().replace("-", " ")
    assert sum(counts(location).values()) == 0


def test_a_systematically_broken_log_is_summarised(db, folder, monkeypatch):
    path = folder / "orchestration-log.md"
    path.write_text(
        re.sub(r"^## \[[^\]]+\]", "## [later]", path.read_text(encoding="utf-8"), flags=re.M),
        encoding="utf-8",
    )
    with pytest.raises(InvalidPayload) as caught:
        transfer.import_files(db, str(folder))
    assert caught.value.message.startswith("40 problems in orchestration-log.md")
    assert len(caught.value.details) == 40
    monkeypatch.setattr(transfer, "MAX_REPORTED", 10)
    with pytest.raises(InvalidPayload) as capped:
        transfer.import_files(db, str(folder))
    assert len(capped.value.details) == 11 and capped.value.details[-1].startswith("… and 30 more")
