"""The request reader scored on its corpora (bench/score_requests.py): the done-when of issue 11.

Development part (requests/examples.jsonl, tests/requests_corpus.jsonl, tests/requests_dev.jsonl and the
first two held-out sets, v1 and v2, whose failures were read by the reader passes): every request right and
no wrong action. Held-out v3 (tests/requests_heldout/v3/, never read, never tuned on) is scored by the lead
once the work is done: its tests below are marked xfail until then (run them with ``-k v3`` only as the
lead); only its aggregates are asserted and shown.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("score_requests", ROOT / "bench" / "score_requests.py")
score_requests = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(score_requests)


def _scored(part: str) -> dict:
    return score_requests.summary(score_requests.score(score_requests.load(score_requests.PARTS[part])))


@pytest.fixture(scope="module")
def dev():
    return _scored("dev")


@pytest.fixture(scope="module")
def v3():
    return _scored("v3")


def test_development_part_is_all_right_with_no_wrong_action(dev):
    # examples, corpus, development cases, held-out v1 (429) and held-out v2 (414)
    assert dev["total"]["n"] >= 1350
    assert dev["wrong_actions"] == {kind: 0 for kind in score_requests.WRONG_ACTIONS}
    assert dev["total"]["right"] == dev["total"]["n"]


def test_development_part_holds_v1_and_v2():
    files = set(score_requests.PARTS["dev"])
    assert set(score_requests.PARTS["v1"]) <= files and set(score_requests.PARTS["v2"]) <= files
    assert not set(score_requests.PARTS["v3"]) & files  # v3 stays held out


def test_development_part_has_cases_for_every_class_of_the_issue(dev):
    assert {str(n) for n in range(1, 9)} <= set(dev["per_class"])


def test_corrections_are_applied_only_to_the_seen_sets():
    entries = score_requests.load(score_requests.PARTS["dev"])
    corrected = {e["id"] for e in entries if e.get("corrected")}
    assert {"A022", "B047", "C004", "D151"} <= corrected
    assert all(i[0] in "ABCD" for i in corrected)


V3_NOT_SCORED = pytest.mark.xfail(
    strict=False,
    reason="held-out v3 has not been scored yet: the lead scores it once, after round 3, and sets this "
    "marker from the result (docs/requests-scores.md)",
)


@V3_NOT_SCORED
def test_heldout_v3_has_no_wrong_action(v3):
    assert v3["total"]["n"] >= 400
    assert v3["wrong_actions"] == {kind: 0 for kind in score_requests.WRONG_ACTIONS}


V3_NOT_DONE = pytest.mark.xfail(
    strict=True,
    reason="issue 11's held-out accuracy target (95%) is not shown to be met on held-out v3 (85.5% before "
    "round 3, docs/requests-scores.md); remove this marker when it passes",
)


@V3_NOT_DONE
def test_heldout_v3_is_at_least_95_percent_right(v3):
    total = v3["total"]
    figure = f"held-out v3: {total['right']}/{total['n']} right ({total['accuracy']}%)"
    print(figure)
    assert total["accuracy"] >= 95.0, figure


def test_heldout_v3_classes_are_numbered_like_the_others(v3):
    assert set(v3["per_class"]) <= {*(str(n) for n in range(1, 9)), "plain"}


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


def test_the_scorer_shows_no_heldout_failure_unless_the_work_is_done(capsys):
    with pytest.raises(SystemExit) as caught:
        score_requests.main(["--part", "v3", "--show-failures"])
    assert caught.value.code == 2
    assert "--i-am-done" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        score_requests.main(["--part", "all", "--show-failures"])
    with pytest.raises(SystemExit):
        score_requests.main(["--part", "v3", "--i-am-done"])  # only together with --show-failures
