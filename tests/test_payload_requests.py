"""Payload validation through requests in words: the same schema verdicts, nothing stored on a ❌."""

from __future__ import annotations

import pytest
from conftest import dump

BACKENDS = ("sqlite", "postgres")  # the conformance suite: every test runs on both (tests/conftest.py)


@pytest.fixture
def session(run_cli):
    assert run_cli("create-session", "s_1", "simple", "x").code == 0
    return run_cli


BAD_REQUESTS = {
    "wrong-type": (
        "bazinga-db, please save the PM state:\nSession ID: s_1\nState Type: pm\n"
        'State Data: {"iteration": "2"}',
        '$.iteration: expected an integer >= 0, found the string "2"',
    ),
    "enum": (
        "bazinga-db, please save the PM state:\nSession ID: s_1\nState Type: pm\n"
        'State Data: {\n  "task_groups": [\n    {"id": "a", "status": "done"}\n  ]\n}',
        '$.task_groups[0].status: expected one of "pending"',
    ),
    "duplicate-key": (
        "bazinga-db, please save orchestrator state:\nSession ID: s_1\n"
        'State: {"iteration": 1, "iteration": 2}',
        'the key "iteration" appears twice',
    ),
    "nan": (
        "bazinga-db, please save skill output:\nSession ID: s_1\nSkill Name: security_scan\n"
        'Output: {"issues": NaN}',
        "NaN is not a JSON number",
    ),
    "config": (
        "bazinga-db, please set configuration:\nKey: skills_config\n"
        'Value: {"pm": {"velocity-tracker": "on"}}',
        '$.pm["velocity-tracker"]: expected one of "mandatory", "optional", "disabled", or an object',
    ),
    "not-an-object": (
        "bazinga-db, please save skill output:\nSession ID: s_1\nSkill Name: lint_check\nOutput: [1, 2]",
        "must be a JSON object, found an array (2 items)",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_REQUESTS))
def test_bad_payload_in_a_request_is_refused_and_nothing_is_stored(name, session, location):
    text, cause = BAD_REQUESTS[name]
    before = dump(location)
    result = session("request", text)
    assert result.code != 0 and result.stdout == ""
    assert result.stderr.startswith("❌ ")
    assert cause in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert dump(location) == before


def test_a_valid_payload_in_a_request_is_stored(session):
    text = (
        "bazinga-db, please save the PM state:\nSession ID: s_1\nState Type: pm\n"
        'State Data: {"iteration": 1, "task_groups": {"A": {"status": "complete"}}}'
    )
    assert session("request", text).code == 0
    stored = session("get-state", "s_1", "pm").stdout
    assert stored == '{"iteration":1,"task_groups":{"A":{"status":"complete"}}}\n'


def test_a_request_lists_every_cause(session):
    text = (
        "bazinga-db, please save the PM state:\nSession ID: s_1\nState Type: pm\n"
        'State Data: {"iteration": "2", "mode": "serial"}'
    )
    result = session("request", text)
    assert "$.iteration" in result.stderr and "$.mode" in result.stderr
