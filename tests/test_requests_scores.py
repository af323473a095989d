"""The request reader scored on its corpora (bench/score_requests.py): the done-when of issue 11.

Development part (requests/examples.jsonl, tests/requests_corpus.jsonl, tests/requests_dev.jsonl and the
first six held-out sets, v1 to v6, and r5dev, whose failures were read by the reader passes): every request
right and no wrong action. The next held-out set (v7) is added by the lead to ``HELD_OUT`` in the scorer and
scored once, after the work is done: the held-out tests below are parametrised over ``HELD_OUT`` (none
between rounds); only their aggregates are asserted and shown.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("score_requests", ROOT / "bench" / "score_requests.py")
score_requests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(score_requests)

HELD_OUT = sorted(score_requests.HELD_OUT_PARTS)


def _scored(part: str) -> dict:
    return score_requests.summary(score_requests.score(score_requests.load(score_requests.PARTS[part])))


@pytest.fixture(scope="module")
def dev():
    return _scored("dev")


def test_development_part_is_all_right_with_no_wrong_action(dev):
    # examples, corpus, dev cases, held-out v1 (429), v2 (414), v3 (421), v4-v6 (420 each); r5dev, r7dev
    assert dev["total"]["n"] >= 3600
    assert dev["wrong_actions"] == {kind: 0 for kind in score_requests.WRONG_ACTIONS}
    assert dev["total"]["right"] == dev["total"]["n"]


def test_development_part_holds_the_read_sets_that_are_all_right():
    files = set(score_requests.PARTS["dev"])
    for part in ("v1", "v2", "v3", "v4", "r5dev", "v5", "v6", "r7dev", "v8", "v8b", "v9"):
        assert set(score_requests.PARTS[part]) <= files, part
    for part in HELD_OUT:
        assert not set(score_requests.PARTS[part]) & files, part  # a held-out part stays out of dev


def test_development_part_has_cases_for_every_class_of_the_issue(dev):
    assert {str(n) for n in range(1, 9)} <= set(dev["per_class"])


def test_corrections_are_applied_only_to_the_seen_sets():
    entries = score_requests.load(score_requests.PARTS["dev"])
    corrected = {e["id"] for e in entries if e.get("corrected")}
    assert {"A022", "B047", "C004", "D151", "E042", "F148", "G017"} <= corrected
    assert all(i[0] in "ABCDEFGHIJKLQSTV" for i in corrected)  # v1-v5, r5dev, r7dev, v8, v8b and v9
    assert all(e["id"][0] not in "WXYZ" and not e["id"].startswith(("AA", "AB")) for e in entries)


# v8 and v8b (scored once each in round 7, read in round 8; eight expectations corrected, v8_corrections.json
# and v8b_corrections.json) and v9 (scored once after round 8: 387/420, 3 wrong actions; read in round 9;
# four expectations corrected, v9_corrections.json) are all right after round 9
@pytest.mark.parametrize("part", ["v3", "v4", "r5dev", "v5", "v6", "r7dev", "v8", "v8b", "v9"])
def test_held_out_sets_read_as_development_data_are_all_right(part):
    seen = _scored(part)
    assert seen["total"]["n"] >= 200
    assert seen["wrong_actions"] == {kind: 0 for kind in score_requests.WRONG_ACTIONS}
    assert seen["total"]["right"] == seen["total"]["n"]
    assert set(seen["per_class"]) <= {*(str(n) for n in range(1, 9)), "plain"}


def test_v7_read_but_not_all_right_yet_has_no_wrong_action_and_keeps_its_right_items():
    # v7 was scored once after round 7 (390/420, 1 wrong action) and all its failures read; 26 of them were
    # fixed in rounds 7-9; four refusals remain (O089 O199 P199 P206: its own part until every item is right)
    seen = _scored("v7")
    assert seen["wrong_actions"] == {kind: 0 for kind in score_requests.WRONG_ACTIONS}
    assert seen["total"]["right"] >= 416  # 408 at the end of round 7, 413 of round 8


def test_v10_read_but_not_all_right_yet_has_no_wrong_action_and_keeps_its_right_items():
    # v10 was scored once after round 9 (399/420, 2 wrong actions) and all its failures read in round 10; one
    # refusal remains (W043: the aside names "the OAuth session" by description only, so the reader cannot
    # tell that it is another session than the write's: its own part until every item is right)
    seen = _scored("v10")
    assert seen["wrong_actions"] == {kind: 0 for kind in score_requests.WRONG_ACTIONS}
    assert seen["total"]["right"] >= 419


def test_v11_read_but_not_all_right_yet_has_no_wrong_action_and_keeps_its_right_items():
    # v11 was scored once after round 10 (402/420, 0 wrong actions) and all its failures read in round 11;
    # Y022's expectation is corrected (a payload schema); two refusals remain (Y085, Z190: its own part)
    seen = _scored("v11")
    assert seen["wrong_actions"] == {kind: 0 for kind in score_requests.WRONG_ACTIONS}
    assert seen["total"]["right"] >= 418


# The held-out part of the round is scored once after the round's work; a target it misses is a strict
# xfail that says so on every run and fails the day the target is met without this note being updated.
# v10 and v11 are read now (tests above). v12 (420 requests, two writers, kept outside the repository until
# round 11's last reader change) is the held-out part of round 11
WRONG_ACTIONS_LEFT: dict[str, str] = {}


def _held_out_parts(misses: dict[str, str]) -> list:
    """The held-out parts, each a strict xfail where a target is known to be missed (``misses``)."""
    return [
        pytest.param(part, marks=pytest.mark.xfail(strict=True, reason=misses[part]))
        if part in misses
        else part
        for part in HELD_OUT
    ] or [pytest.param(None, marks=pytest.mark.skip("no held-out part"))]


@pytest.mark.parametrize("part", _held_out_parts(WRONG_ACTIONS_LEFT))
def test_heldout_has_no_wrong_action(part):
    held = _scored(part)
    assert held["total"]["n"] >= 200
    assert held["wrong_actions"] == {kind: 0 for kind in score_requests.WRONG_ACTIONS}


SHORT_OF_TARGET: dict[str, str] = {}


@pytest.mark.parametrize("part", _held_out_parts(SHORT_OF_TARGET))
def test_heldout_is_at_least_95_percent_right(part):
    # issue 11's held-out accuracy target; the lead points HELD_OUT at the new set and scores it once
    total = _scored(part)["total"]
    figure = f"held-out {part}: {total['right']}/{total['n']} right ({total['accuracy']}%)"
    print(figure)
    assert total["accuracy"] >= 95.0, figure


def test_the_scorer_sees_a_wrong_write(tmp_path):
    # a request whose expected operation differs from what the reader runs counts as a wrong action
    entry = {
        "id": "probe",
        "class": "probe",
        "text": "bazinga-db, mark group_b as failed in sess_beta",
        "expected": {
            "command": "update-task-group",
            "args": {"group_id": "group_b", "session_id": "sess_beta", "status": "completed"},
        },
    }
    (outcome,) = score_requests.score([entry])
    assert outcome["wrong_action"] == "different_write" and not outcome["right"]
    refused = dict(entry, expected={"command": None, "reason": "unsupported: probe"})
    (outcome,) = score_requests.score([refused])
    assert outcome["wrong_action"] == "unexpected_write"


def test_the_scorer_shows_no_heldout_failure_unless_the_work_is_done(capsys, monkeypatch):
    monkeypatch.setitem(score_requests.PARTS, "probe", score_requests.PARTS["v1"])
    monkeypatch.setattr(score_requests, "HELD_OUT_PARTS", {"probe"})
    with pytest.raises(SystemExit) as caught:
        score_requests.main(["--part", "probe", "--show-failures"])
    assert caught.value.code == 2
    assert "--i-am-done" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        score_requests.main(["--part", "all", "--show-failures"])
    with pytest.raises(SystemExit):
        score_requests.main(["--part", "probe", "--i-am-done"])  # only together with --show-failures


def test_the_scorer_works_with_no_heldout_part_present(capsys, monkeypatch, tmp_path):
    # between rounds the held-out set is not there yet: "--part all" scores what is present, exit 0
    examples = score_requests.PARTS["dev"][:1]
    monkeypatch.setattr(score_requests, "PARTS", {"dev": examples, "next": [tmp_path / "absent.jsonl"]})
    monkeypatch.setattr(score_requests, "HELD_OUT_PARTS", {"next"})
    assert score_requests.main(["--part", "all", "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {"dev"}
    assert score_requests.main(["--part", "next"]) == 0
    assert "no file of this part is present" in capsys.readouterr().out
