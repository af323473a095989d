"""`query` within bounds (issue 12, items 4 and 12; issue 14's query parts): rows streamed in constant memory,
a default row cap with a ⚠, a time limit and a memory limit that say how to raise them, the same caps in the
API; json_each/json_tree allowed, pointer-returning functions refused, never a non-JSON number on stdout."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys

import pytest
from conftest import SCRIPT

from skill.api import BazingaDB
from skill.errors import QueryRefused

ENDLESS = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT COUNT(*) FROM n"


def _rows(count: int) -> str:
    return f"WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT {count}) SELECT x FROM n"


@pytest.fixture
def seeded(run_cli):
    assert run_cli("create-session", "s_1", "simple", "x").code == 0
    assert run_cli("save-state", "s_1", "pm", '{"iteration": 2, "groups": ["a", "b"]}').code == 0
    return run_cli


def test_json_each_and_json_tree_read_stored_json(seeded):
    result = seeded(
        "query",
        "SELECT j.value FROM state_snapshots, json_each(state_data, '$.groups') AS j ORDER BY j.key",
    )
    assert result.code == 0 and json.loads(result.stdout) == [{"value": "a"}, {"value": "b"}]
    tree = seeded("query", "SELECT COUNT(*) AS n FROM state_snapshots, json_tree(state_data)")
    assert json.loads(tree.stdout) == [{"n": 5}]


@pytest.mark.parametrize(
    "sql, function",
    [("SELECT fts3_tokenizer('simple') AS p", "fts3_tokenizer"), ("SELECT fts5(NULL) AS p", "fts5")],
)
def test_pointer_returning_functions_are_refused(sql, function, seeded):
    result = seeded("query", sql)
    assert result.code == 1 and result.stdout == ""
    assert f"would need function {function}()" in result.stderr


def test_non_finite_numbers_print_as_json_null(seeded):
    result = seeded("query", "SELECT 9e999 AS big, -9e999 AS small, 1.5 AS fine")
    assert result.code == 0
    assert result.stdout == '[{"big":null,"small":null,"fine":1.5}]\n'
    assert json.loads(result.stdout)  # strict JSON parsers accept it


def test_the_default_row_cap_warns_and_says_how_to_lift_it(seeded, snapshot):
    capped = seeded("query", _rows(1500))
    assert capped.code == 0 and len(json.loads(capped.stdout)) == 1000
    assert capped.stderr == snapshot
    everything = seeded("query", _rows(1500), "--limit", "0")
    assert everything.code == 0 and len(json.loads(everything.stdout)) == 1500 and everything.stderr == ""
    exact = seeded("query", _rows(1000))
    assert len(json.loads(exact.stdout)) == 1000 and exact.stderr == "", "no ⚠ when nothing was cut"


def test_an_endless_statement_stops_at_the_time_limit(seeded, snapshot):
    result = seeded("query", ENDLESS, "--timeout", "1")
    assert result.code == 1 and result.stdout == ""
    assert result == snapshot


def test_a_memory_bomb_stops_at_the_memory_limit(seeded, snapshot):
    result = seeded("query", "SELECT replace(hex(zeroblob(100000000)), '0', 'ab') AS big")
    assert result.code == 1 and result.stdout == ""
    assert result == snapshot
    small = seeded("query", "SELECT length(randomblob(1000000)) AS n", "--max-memory", "8")
    assert json.loads(small.stdout) == [{"n": 1000000}]


def test_the_api_takes_the_same_caps(db_path):
    notices = []
    db = BazingaDB(db_path, on_notice=notices.append)
    db.create_session("s_1", "simple", "x")
    assert len(db.query(_rows(1500))) == 1000
    assert [n.message for n in notices if n.kind == "truncated"] == [
        "query: stopped after 1,000 rows (the row limit); --limit N (limit= in the API) raises it; "
        "--limit 0 lifts it"
    ]
    assert len(db.query(_rows(1500), limit=0)) == 1500
    assert db.query(_rows(5), limit=2) == [{"x": 1}, {"x": 2}]
    with pytest.raises(QueryRefused, match=r"longer than 1 s \(the time limit\)"):
        db.query(ENDLESS, timeout=1)
    with pytest.raises(QueryRefused, match=r"a value larger than 8 MB \(the memory limit\)"):
        db.query("SELECT randomblob(50000000)", max_memory=8)
    # the connection is left as it was: writes still work, and (Python 3.11+) no bound lingers on it
    db.log_interaction("s_1", "pm", "after the refusals")
    if sys.version_info >= (3, 11):
        assert db.query("SELECT length(randomblob(80000000)) AS n", max_memory=0) == [{"n": 80000000}]
    db.close()


@pytest.mark.slow
def test_a_million_rows_stream_in_bounded_memory(tmp_path):
    """Before, the whole result was held (983 MB for 1M rows); now the child gets 400 MB of address space."""
    db = tmp_path / "b.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}
    assert (
        subprocess.run(
            [sys.executable, str(SCRIPT), "--db", str(db), "create-session", "s", "simple", "x"], env=env
        ).returncode
        == 0
    )

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (400 * 1024 * 1024, 400 * 1024 * 1024))

    sql = (
        "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 1000000) "
        "SELECT x, printf('%0400d', x) AS padding FROM n"
    )
    with open(tmp_path / "out.json", "wb") as out:
        done = subprocess.run(
            [sys.executable, str(SCRIPT), "--db", str(db), "query", sql, "--limit", "0", "--timeout", "0"],
            stdout=out,
            stderr=subprocess.PIPE,
            env=env,
            preexec_fn=limit_memory,
            timeout=300,
        )
    assert done.returncode == 0, done.stderr.decode()
    with open(tmp_path / "out.json", "rb") as produced:
        produced.seek(-500, os.SEEK_END)
        assert produced.read().endswith(b'"x":1000000,"padding":"' + b"0" * 393 + b'1000000"}]\n')
    assert (tmp_path / "out.json").stat().st_size > 400_000_000


def test_bounds_as_large_as_a_column_holds_are_accepted(seeded):
    """Sibling of the huge-integer class: --max-memory past SQLite's own ceiling raised OverflowError."""
    big = str(2**63 - 1)
    result = seeded("query", "SELECT 1 AS x", "--max-memory", big, "--timeout", big, "--limit", big)
    assert result.code == 0 and json.loads(result.stdout) == [{"x": 1}]
    past = seeded("query", "SELECT 1 AS x", "--max-memory", str(2**63))
    assert past.code == 2 and "too large" in past.stderr
