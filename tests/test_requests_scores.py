"""The request reader scored on its corpora (bench/score_requests.py): the done-when of issue 11.

Development part (requests/examples.jsonl, tests/requests_corpus.jsonl, tests/requests_dev.jsonl and the
first held-out set, whose failures were all read: "held-out v1, seen"): every request right and no wrong
action. Held-out v2 (tests/requests_heldout/v2/, never tuned on): no wrong action, and at least 95% right;
only its aggregates are asserted and shown.
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
def v2():
    return _scored("v2")


def test_development_part_is_all_right_with_no_wrong_action(dev):
    assert dev["total"]["n"] >= 900  # examples, corpus, development cases and held-out v1 (429)
    assert dev["wrong_actions"] == {kind: 0 for kind in score_requests.WRONG_ACTIONS}
    assert dev["total"]["right"] == dev["total"]["n"]


def test_development_part_has_cases_for_every_class_of_the_issue(dev):
    assert {str(n) for n in range(1, 9)} <= set(dev["per_class"])


def test_heldout_v2_has_no_wrong_action(v2):
    assert v2["total"]["n"] >= 400
    assert v2["wrong_actions"] == {kind: 0 for kind in score_requests.WRONG_ACTIONS}


V2_NOT_DONE = pytest.mark.xfail(
    strict=True,
    reason="issue 11's held-out accuracy target (95%) is not met: held-out v2 is 88.9% right as first "
    "scored (90.6% after the fixes of its 11 wrong actions, docs/requests-scores.md); remove this marker "
    "when it passes",
)


@V2_NOT_DONE
def test_heldout_v2_is_at_least_95_percent_right(v2):
    total = v2["total"]
    figure = f"held-out v2: {total['right']}/{total['n']} right ({total['accuracy']}%)"
    print(figure)
    assert total["accuracy"] >= 95.0, figure


def test_heldout_v2_classes_are_numbered_like_the_others(v2):
    assert set(v2["per_class"]) <= {*(str(n) for n in range(1, 9)), "plain"}


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
