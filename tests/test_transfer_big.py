"""Sessions of any size move: export-session and import-session stream, with no cap but the disk.

The round trip runs through the real script (a subprocess, as an agent runs it) on both backends, with an
export well over the old 8 MiB read bound; the 1M-row version with time and memory is
bench/bench_transfer.py. Also pinned here: the streamed export is byte for byte ``json.dumps`` of the
document, and the streaming reader's refusals (truncated files, rows before the session, bad bytes).
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from conftest import run_script

from skill import cli, transfer
from skill.api import BazingaDB

ROWS = 20_000
SESSION = "bazinga_big_1"
CONTENT = (
    "Implemented the requested change in the authentication module; added unit tests for the token "
    "refresh path and updated the API documentation. Next: hand over to QA for the integration run. "
) * 2  # ~400 characters: 20,000 rows make an export of ~11 MB
AGENTS = ("pm", "developer", "qa", "tech_lead", "orchestrator")


def _ts(n: int) -> str:
    return f"2025-11-{1 + n // 86_400:02d}T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000000Z"


def big_document(rows: int = ROWS) -> dict:
    """An export as export-session writes it (canonical values, seq 1..n), with every table present."""
    return {
        "format": "bazinga-db/session",
        "format_version": 1,
        "session": {
            "session_id": SESSION,
            "start_time": _ts(0),
            "end_time": None,
            "mode": "parallel",
            "original_requirements": "Move a big session — unchanged 🚀",
            "status": "active",
            "created_at": _ts(0),
            "updated_at": _ts(0),
        },
        "orchestration_logs": [
            {
                "seq": i + 1,
                "timestamp": _ts(i),
                "iteration": i // 100,
                "agent_type": AGENTS[i % 5],
                "agent_id": f"{AGENTS[i % 5]}_{i % 3}",
                "content": f"#{i} {CONTENT}",
            }
            for i in range(rows)
        ],
        "state_snapshots": [
            {
                "timestamp": _ts(i * 10),
                "state_type": "pm",
                "state_data": {"iteration": i, "groups": ["A", "B"]},
            }
            for i in range(50)
        ],
        "task_groups": [
            {
                "id": g,
                "name": f"Group {g}",
                "status": "in_progress",
                "assigned_to": None,
                "revision_count": 1,
                "last_review_status": None,
                "created_at": _ts(1),
                "updated_at": _ts(2),
            }
            for g in ("A", "B")
        ],
        "token_usage": [
            {"timestamp": _ts(i), "agent_type": "developer", "agent_id": None, "tokens_estimated": 1000 + i}
            for i in range(500)
        ],
        "skill_outputs": [{"timestamp": _ts(5), "skill_name": "lint", "output_data": {"errors": 0}}],
        "decisions": [
            {"timestamp": _ts(6), "iteration": 1, "decision_type": "routing", "decision_data": {"next": "qa"}}
        ],
    }


def export_text(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def row_counts(location: str) -> dict[str, int]:
    with BazingaDB(location) as db:
        return {
            t: db.store.read_one(f"SELECT COUNT(*) AS n FROM {t} WHERE session_id = ?", (SESSION,))[0]
            for t in transfer.CHILD_TABLES
        }


def test_a_big_session_round_trips_exactly_through_the_script(backend_location, tmp_path):
    """Import an ~11 MB export (the old bound refused anything over 8 MiB), export it again: same bytes."""
    text = export_text(big_document())
    source = tmp_path / "big.json"
    source.write_text(text, encoding="utf-8")
    assert source.stat().st_size > 8 * 1024 * 1024
    env = {"BAZINGA_DB_URL": backend_location} if "://" in backend_location else {}
    db = [] if env else ["--db", backend_location]

    loaded = run_script(*db, "import-session", str(source), cwd=tmp_path, env=env)
    assert loaded.code == 0, loaded
    assert loaded.stdout == (
        f"✓ Imported session {SESSION} from {source} (1 session, 20000 log entries, 50 state snapshots, "
        "2 task groups, 500 token rows, 1 skill output, 1 decision)\n"
    )
    assert row_counts(backend_location) == {
        "orchestration_logs": ROWS,
        "state_snapshots": 50,
        "task_groups": 2,
        "token_usage": 500,
        "skill_outputs": 1,
        "decisions": 1,
    }
    exported = run_script(*db, "export-session", SESSION, "--out", "back.json", cwd=tmp_path, env=env)
    assert exported.code == 0, exported
    back = (tmp_path / "back.json").read_bytes()
    assert hashlib.sha256(back).hexdigest() == hashlib.sha256(text.encode("utf-8")).hexdigest()

    again = run_script(*db, "export-session", SESSION, cwd=tmp_path, env=env)  # to stdout, streamed
    assert again.code == 0 and again.stdout == text


def test_import_from_standard_input_has_no_size_cap(tmp_path):
    text = export_text(big_document())
    loaded = run_script("--db", "x.db", "import-session", "-", cwd=tmp_path, stdin=text.encode("utf-8"))
    assert loaded.code == 0, loaded
    assert row_counts(str(tmp_path / "x.db"))["orchestration_logs"] == ROWS


def test_the_streamed_export_is_json_dumps_of_the_document(tmp_path):
    with BazingaDB(tmp_path / "a.db") as db:
        transfer.import_session(db, big_document(300))
        document = transfer.export_session(db, SESSION)
        chunks = list(transfer.open_export(db, SESSION).json_chunks())
    assert len(chunks) > 2  # produced piece by piece
    assert "".join(chunks) == json.dumps(document, ensure_ascii=False, indent=2)
    assert document == big_document(300)


def load(text: str | bytes, tmp_path: Path, name: str = "t.db") -> dict:
    stream = io.BytesIO(text.encode("utf-8") if isinstance(text, str) else text)
    with BazingaDB(tmp_path / name) as db:
        return transfer.import_session_stream(db, stream, what="t.json")


@pytest.mark.parametrize(
    "cut",
    [1, 100, 5_000, 20_000, 60_000, -40, -2],
)
def test_a_truncated_export_imports_nothing(tmp_path, cut):
    text = export_text(big_document(200))
    with pytest.raises(transfer.InvalidPayload, match="is not valid JSON: .* at line \\d+ column \\d+"):
        load(text[:cut], tmp_path)
    with BazingaDB(tmp_path / "t.db") as db:
        assert db.list_sessions(10) == []


def test_syntax_errors_name_the_line_and_column_of_the_whole_file(tmp_path):
    text = export_text(big_document(2_000))  # ~1 MB: the error is past the first chunk
    line = text.count("\n", 0, text.rindex('"seq": 1999')) + 1
    broken = text.replace('"seq": 1999,', '"seq": 1999 ,,', 1)
    with pytest.raises(transfer.InvalidPayload) as caught:
        load(broken, tmp_path)
    assert f"at line {line} column " in caught.value.message


def test_rows_before_the_session_and_out_of_order_logs_are_refused(tmp_path):
    document = big_document(3)
    reordered = {
        "format": document["format"],
        "format_version": 1,
        "orchestration_logs": document["orchestration_logs"],
        "session": document["session"],
    }
    with pytest.raises(transfer.InvalidPayload, match='has orchestration_logs before its "session" object'):
        load(json.dumps(reordered), tmp_path)
    document["orchestration_logs"].reverse()
    with pytest.raises(transfer.InvalidPayload, match="problems; nothing was imported") as caught:
        load(json.dumps(document), tmp_path)
    assert caught.value.details == [
        "t.json $.orchestration_logs[1].seq: 2 comes after 3: the log must be in seq order",
        "t.json $.orchestration_logs[2].seq: 1 comes after 2: the log must be in seq order",
    ]


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "t.json is empty"),
        ("[1, 2]", "t.json is not a bazinga-db session export"),
        ('{"format": "bazinga-db/session", "format_version": 2, "session": {}}', "format_version 2"),
        ('{"format": "bazinga-db/session", "format": "x"}', 'the key "format" appears twice'),
        ('{"format": "bazinga-db/session", "format_version": 1}', 't.json has no "session" object'),
        ('{"a": 1} x', "Extra data at line 1 column 10"),
        (b'{"a": "\xff"}', "t.json is not valid UTF-8 (byte 7)"),
    ],
)
def test_what_is_not_an_export_is_refused(tmp_path, text, message):
    with pytest.raises(transfer.InvalidPayload) as caught:
        load(text, tmp_path)
    assert message in caught.value.message


def test_a_systematic_fault_lists_a_hundred_problems_and_counts_the_rest(tmp_path):
    document = big_document(500)
    for row in document["orchestration_logs"]:
        row["content"] = ""
    with pytest.raises(transfer.InvalidPayload, match="has 500 problems") as caught:
        load(json.dumps(document), tmp_path)
    assert len(caught.value.details) == 101
    assert caught.value.details[-1] == "… and 400 more"


def test_export_to_an_existing_file_needs_force_and_leaves_it_whole(tmp_path):
    with BazingaDB(tmp_path / "a.db") as db:
        transfer.import_session(db, big_document(50))
    (tmp_path / "out.json").write_text("keep me", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    argv = ["--db", "a.db", "export-session", SESSION, "--out", "out.json"]
    code = cli.run(argv, io.StringIO(), out, err, cwd=str(tmp_path))
    assert code != 0 and "already exists" in err.getvalue()
    assert (tmp_path / "out.json").read_text(encoding="utf-8") == "keep me"
    code = cli.run([*argv, "--force"], io.StringIO(), out, err, cwd=str(tmp_path))
    assert code == 0
    assert (tmp_path / "out.json").read_text(encoding="utf-8") == export_text(big_document(50))
    assert sorted(p.name for p in tmp_path.iterdir() if "out" in p.name) == ["out.json"]  # no temporaries


def test_an_import_that_fails_at_the_end_leaves_nothing_on_either_backend(backend_location, tmp_path):
    """The last row is bad: every row before it was already written, inside the one transaction."""
    document = big_document(3_000)
    document["decisions"][-1]["decision_data"] = "not an object"
    (tmp_path / "bad.json").write_text(export_text(document), encoding="utf-8")
    env = {"BAZINGA_DB_URL": backend_location} if "://" in backend_location else {}
    db = [] if env else ["--db", backend_location]
    result = run_script(*db, "import-session", "bad.json", cwd=tmp_path, env=env)
    assert result.code == 1 and result.stdout == ""
    assert "bad.json has 1 problem; nothing was imported" in result.stderr
    assert "bad.json $.decisions[0].decision_data:" in result.stderr
    with BazingaDB(backend_location) as db_:
        assert db_.list_sessions(10) == []
        assert db_.store.read_one("SELECT COUNT(*) FROM orchestration_logs")[0] == 0
