"""The extractor rules of the request reader (skill/reader/slots.py), each on its own.

Every rule of ``slots.RULES`` has cases here: a text it reads and the value it gives, and a text it must
leave alone (None). A rule added without cases fails ``test_every_rule_has_cases``; words in phrasings.json
``slots`` that no rule uses fail ``test_every_slot_word_list_is_used``.
"""

from __future__ import annotations

import inspect

import pytest

from skill.errors import RequestNotUnderstood
from skill.reader import slots, slots_rare, tables

# rule name -> [(command, text, expected value[, values found before])]; None: the rule gives nothing
CASES = {
    "session_after_its_word": [
        ("get-session", "details of session sess_beta please", "sess_beta"),
        ("get-logs", "logs for session: s_1", "s_1"),
        ("get-logs", "show me the logs", None),
        ("update-task-group", "fail group_c (only the group; the session keeps running)", None),
        ("update-task-group", "fail group_c (the session stays open) for session s_4", "s_4"),
        ("log-interaction", 'log that "it waits for the session schema"', None),
    ],
    "session_the_only_free_id": [
        ("stream-logs", "stream logs ops_migrate_pg limit 20", "ops_migrate_pg"),
        ("update-session-status", "Set s_1001 back to active", "s_1001"),
        (
            "create-task-group",
            "Add task group group_rn to rel_2025_12_hotfix",
            "rel_2025_12_hotfix",
            {"group_id": "group_rn"},
        ),
        ("stream-logs", "stream logs ops_a_db and ops_b_db", None),
        ("stream-logs", "stream logs developer_2 limit 20", None),
        ("token-summary", "How many tokens has test_coverage burned?", None),
        ("get-task-groups", "task groups, skills_config", None),
        ("log-tokens", "log 800 tokens for qa, see ticket_4411", None),
        ("update-task-group", "mark group_a completed, note fix_tests", None, {"group_id": "group_a"}),
    ],
    "session_after_command_name": [
        ("get-task-groups", "get-task-groups req_2026_checkout\nfor the board", "req_2026_checkout"),
        ("get-session", "get session run-42", "run-42"),
        ("get-task-groups", "get task groups pending", None),
        ("get-task-groups", "get-task-groups group_b", None),
        ("save-skill-output", "save skill output perf_probe", None),
    ],
    "session_first_after_command_name": [
        ("log-tokens", "log tokens s_1001 investigator 12,480", "s_1001"),
        ("stream-logs", "stream logs run_7 limit 5", "run_7"),
        ("log-tokens", "log tokens 12k qa", None),
        ("log-tokens", "log tokens qa_1 900", None),
        ("log-tokens", "log tokens group_a qa 900", None),
        ("create-task-group", "create task group g_1 in s_1001", None),
    ],
    "session_asked_about": [
        ("get-session", "what do you know about sess_beta", "sess_beta"),
        ("get-session", "what do you know", None),
    ],
    "session_named": [
        ("create-session", "start a session called auth_rework in simple mode", "auth_rework"),
        ("create-session", "start a session in simple mode", None),
    ],
    "session_after_id": [
        ("create-session", "new session: id orch_77, simple mode", "orch_77"),
        ("create-session", "new session: id please, simple mode", None),
        ("update-session-status", "id group_a is done", None),
    ],
    "session_status_of": [
        ("update-session-status", "set status of s_1001 to active", "s_1001"),
        ("update-session-status", "set status of developer_1 to failed", None),
        ("update-session-status", "set the status to failed", None),
    ],
    "quoted_after_mode": [
        ("create-session", 'create session s_9 simple "Add CSV export"', "Add CSV export"),
        ("create-session", 'create session s_9 simple "Add CSV" "Port billing"', None),
        (
            "create-session",
            'new simple session s_9 for "Add CSV export"',
            "Add CSV export",
            {"session_id": "s_9"},
        ),
        ("create-session", "session s_9 mode simple requirements Add CSV export", "Add CSV export"),
        ("create-session", "session s_9 mode turbo requirements Add CSV export", None, {"session_id": "s_9"}),
    ],
    "mode_before_its_word": [
        ("create-session", "create s_9 in parallel mode", "parallel"),
        ("create-session", "a simple orchestration session s_9", "simple"),
        ("create-session", "create s_9", None),
    ],
    "any_word_before_mode": [
        ("create-session", "create s_9 in turbo mode", "turbo"),
        ("create-session", "create s_9 in the mode", None),
        ("create-session", "create session s_9 mode simple", None, {"session_id": "s_9"}),
    ],
    "mode_standing_alone": [
        ("create-session", "open session s_9 \u2014 parallel \u2014 requirements: split billing", "parallel"),
        ("create-session", "create session s_9 (simple), requirements: fix login", "simple"),
        ("create-session", "create session s_9: a simple fix of the login page", None),
    ],
    "mode_ending_the_sentence": [
        ("create-session", "create session s_9 simple", "simple"),
        ("create-session", "start session s_9 parallel.", "parallel"),
        ("create-session", "create session s_9 turbo", None),
        ("create-session", "create session s_9 with a simple flow\nparallel", None),  # its first line only
    ],
    "mode_after_its_word": [
        ("create-session", "create s_9, mode: parallel", "parallel"),
        ("create-session", "create s_9 in simple", "simple"),
        ("create-session", "create s_9", None),
    ],
    "group_being_created": [
        ("create-task-group", 'create task group in s_1: group_d "Refund flow"', "group_d"),
        ("create-task-group", "create group_e named Payments in s_1", "group_e"),
        ("create-task-group", "create task group grp-ledger in s_1 named 'Ledger'", "grp-ledger"),
        ("create-task-group", "create a task group for the grpc client in s_1", None),
        ("create-task-group", "create a task group", None),
    ],
    "group_named": [
        ("update-task-group", "mark group_a as completed", "group_a"),
        ("update-task-group", "task group: auth -> done", "auth"),
        ("update-task-group", "update task group \u2192 group_a, status: done", "group_a"),
        ("update-task-group", "update it", None),
        ("get-task-groups", "the task groups of s_1: limit 5, offset 5", None),
    ],
    "group_name": [
        ("create-task-group", 'create group_d "Refund flow" in s_1', "Refund flow"),
        ("create-task-group", "create group_d named Refund flow in session s_1", "Refund flow"),
        ("create-task-group", "create group_d in s_1: Refund flow", "Refund flow"),
        ("create-task-group", "create group_d in s_1", None),
        (
            "create-task-group",
            "create group_e in s_1 named 'Rate limits' \u2014 status pending",
            "Rate limits",
        ),
        (
            "create-task-group",
            "create group_c for s_1: name 'Quarantine list', assigned to qa_1",
            "Quarantine list",
        ),
        ("create-task-group", "create group_c in s_1, title: Token refresh, status pending", "Token refresh"),
    ],
    "status_word": [
        ("update-task-group", "group_a is still in progress", "in_progress"),
        ("update-session-status", "mark s_1 done", "completed"),
        ("update-session-status", "mark s_1", None),
        # what the review did, not the group's status; a status said later in the text is still read
        ("update-task-group", "the review of group_a failed - set its review status to APPROVED", None),
        ("update-task-group", "the review passed; review status APPROVED; mark it done", "completed"),
    ],
    "status_verb": [
        ("update-task-group", "finish group_a", "completed"),
        ("update-session-status", "fail session s_1", "failed"),
        ("update-session-status", "close session s_1", None),
        ("get-task-groups", "finish group_a", None),  # writes only
    ],
    "status_after_marker": [
        ("update-task-group", "set group_a as paused", "paused"),
        ("update-task-group", "group_a -> blocked", "blocked"),
        ("update-task-group", "group_c -> bump its revision", None),
        ("update-task-group", "update group_a", None),
    ],
    "assignee": [
        ("update-task-group", "assign group_a to developer_2", "developer_2"),
        ("update-task-group", "group_a, owner: qa_1", "qa_1"),
        ("update-task-group", "group_a now belongs to developer_6", "developer_6"),
        ("update-task-group", "group_a, which belongs to sess_beta", None),  # a session, no agent
        ("update-task-group", "update group_a", None),
    ],
    "revision_bump": [
        ("update-task-group", "bump the revision count for group_a", True),
        ("update-task-group", "increment grp_api's revision count in s_1", True),
        ("update-task-group", "add one to its revision count", True),
        ("update-task-group", "add 2 to the revision count of group_a", None),
        ("update-task-group", "bump it, group_a's revision stays", None),
        ("update-task-group", "set the revision count of group_a to 3", None),
        ("update-task-group", "revision count for group_a in s_1: bump it by one", True),
        ("update-task-group", "revision count for group_a in s_1: bump it by two", None),
        ("update-task-group", "bump the revision count of group_a to 3", None),  # the count is written
    ],
    "revision_number": [
        ("update-task-group", "set the revision count of group_a to 3", "3"),
        ("update-task-group", "group_a revision count: +1", "+1"),
        ("update-task-group", "update group_a so its revision count is 2", "2"),
        ("update-task-group", "the revision count of group_a should be 4, set it", "4"),
        ("update-task-group", "update group_a", None),
    ],
    "review_verdict": [
        ("update-task-group", "group_b was approved", "approved"),
        ("update-task-group", "tech lead requested changes on group_b", "requested changes"),
        ("update-task-group", "set the review status of group_a to LGTM", "LGTM"),
        ("update-task-group", "update group_a", None),
    ],
    "limit_count": [
        ("get-logs", "the last 10 logs of s_1", "10"),
        ("stream-logs", "10 logs of s_1, starting after the first 30", "10"),
        ("query", "query SELECT a FROM t ORDER BY a with limit 25", "25"),
        ("query", "query SELECT a FROM t ORDER BY a LIMIT 25", None),
        ("list-sessions", "5 most recent sessions", "5"),
        ("get-logs", "logs limited to 1,000", "1,000"),
        ("query", 'run query "SELECT * FROM t LIMIT 5" with limit 50', "50"),
        ("get-logs", "give me twelve entries of s_1", "12"),  # a count spelled out
        ("stream-logs", "logs of s_1, skipping the first 100 entries and showing 50", "50"),  # 100: skipped
        ("get-logs", "logs of s_1 from the last 3 hours", None),  # a span of time, no count
        ("get-logs", "logs of s_1", None),
    ],
    "offset_count": [
        ("stream-logs", "logs of s_1, skipping the first 20", "20"),
        ("stream-logs", "logs of s_1 offset 40", "40"),
        ("stream-logs", "10 logs of s_1, starting after the first 30", "30"),
        ("get-logs", "logs of s_1 past the first 5", "5"),
        ("stream-logs", "logs of s_1", None),
    ],
    "misspelt_label_before_number": [
        ("get-decisions", "the decisions of s_1, limt 7", "7"),  # one edit from 'limit'
        ("stream-logs", "logs of s_1, ofset 30", None),  # a word of offset: not this rule's (limit's) value
        ("get-logs", "logs of s_1, last 7", None),  # a known word
    ],
    "since_time": [
        ("get-logs", "logs of s_1 since 2025-01-12 14:00", "2025-01-12 14:00"),
        ("get-logs", "logs of s_1 after yesterday", "yesterday"),
        ("get-logs", "logs of s_1", None),
    ],
    "iteration_number": [
        ("log-interaction", "log this for s_1 (iteration 2)", "2"),
        ("log-interaction", "log this for s_1, round #3", "3"),
        ("log-interaction", "log this for s_1", None),
    ],
    "agent_id": [
        ("log-interaction", "log this for s_1 (agent id: dev_x)", "dev_x"),
        ("log-tokens", "12,500 tokens for developer_2", "developer_2"),
        ("log-interaction", "log this for s_1", None),
        ("log-tokens", "log 900 tokens for agent sess_x_qa (type qa) in s_1", "sess_x_qa"),
        ("log-tokens", "log 900 tokens for agent tech_lead in s_1", None),  # a type, not an id
    ],
    "agent_type_quoted": [
        ("get-logs", 'logs of s_1 for agent type "Tech Lead"', "Tech Lead"),
        ("get-logs", "logs of s_1 for agent type tech_lead", None),  # no quotes: the words are read
    ],
    "reporting_role": [
        ("log-interaction", "log this translator finding for s_1", "translator"),
        ("log-interaction", "log this investigator finding for s_1", None),  # a known role: named
        ("log-interaction", "log this cutover note for s_1", None),  # no role: a type is never guessed
        ("log-interaction", "log the server update for s_1", None),
    ],
    "agent_named_as_such": [
        ("log-interaction", 'log a note from the billing agent for s_1: "x"', "billing"),
        ("log-interaction", 'log an alert from the dashboard for s_1: "x"', "dashboard"),
        ("log-interaction", 'record a dashboard event for s_1: "x"', "dashboard"),
        ("get-logs", "logs of s_1 for the dashboard", None),  # a read: no speaker
        ("log-interaction", 'log a note from the assigned agent for s_1: "x"', None),
    ],
    "speaking_as": [
        ("log-interaction", "store the handoff for the developer in s_1, as the PM: start group_b", "pm"),
        ("log-interaction", "log this for s_1 as the tech lead: design approved", "tech_lead"),
        ("log-interaction", "log this for s_1 as soon as possible: done", None),
    ],
    "type_of_agent_id": [
        ("log-tokens", "12,500 tokens for developer_2", "developer", {"agent_id": "developer_2"}),
        ("log-tokens", "12,500 tokens for the QA agent qa_2", None, {"agent_id": "qa_2"}),  # a type is named
        ("log-tokens", "12,500 tokens for ranger_x", None, {"agent_id": "ranger_x"}),
    ],
    "quoted_content": [
        ("log-interaction", 'log for s_1 with content "all green" at iteration 2', "all green"),
        ("log-interaction", "log for s_1: all green", None),
        ("log-interaction", 'log QA interaction "12 tests fail" for s_1 (iteration 2)', "12 tests fail"),
        ("log-interaction", 'record the developer finding "cache collides" in s_1', "cache collides"),
    ],
    "quoted_requirements": [
        ("create-session", 'create s_9 with requirements "Add SSO"', "Add SSO"),
        ("create-session", "create s_9: Add SSO", None),
    ],
    "agent_type_named": [
        ("log-interaction", "log this Tech Lead review for s_1", "tech_lead"),
        ("log-interaction", "log this Security Reviewer note for s_1", "security_reviewer"),
        ("log-interaction", "log this for s_1", None),
    ],
    "token_count": [
        ("log-tokens", "developer used 12,500 tokens in s_1", "12,500"),
        ("log-tokens", "log token usage - s_1 - qa - 1800", "1800"),
        ("log-tokens", "log token usage for s_1", None),
    ],
    "grouped_by": [
        ("token-summary", "token usage of s_1 per agent", "agent_type"),
        ("token-summary", "token usage of s_1 by agent id", "agent id"),
        ("token-summary", "how are the tokens of s_1 split across agent types", "agent type"),
        ("token-summary", "token usage of s_1 divided among agent ids", "agent id"),
        ("token-summary", "token usage of s_1", None),
        ("token-summary", "tokens of each agent (by agent id) in s_1", "agent id"),
    ],
    "state_type": [
        ("get-state", "the latest orchestrator state of s_1", "orchestrator"),
        ("get-state", "save state (pm) for s_1", "pm"),
        ("get-state", "the state of s_1", None),
        ("save-state", "store the tech lead state data for s_1", "tech_lead"),  # 'data' is no type
        ("save-state", "save the state snapshot for s_1", None),
        ("save-state", 'save state orchestrator {"phase": "qa"} in session s_1', "orchestrator"),
        ("save-state", 'save state now {"phase": "qa"} in session s_1', None),
    ],
    "skill_name": [
        ("get-skill-output", "the security scan results of s_1", "security_scan"),
        ("get-skill-output", "the api_lint output of s_1", "api_lint"),
        ("get-skill-output", "what did s_1 produce", None),
        ("get-skill-output", "get skill output sess_beta", None, {"session_id": "sess_beta"}),
        ("save-skill-output", "save skill output session_id=s_1, skill_name=lint_check", "lint_check"),
        ("save-skill-output", "save my audit result as the lint_check output for s_1", "lint_check"),
        (
            "save-skill-output",
            "keep the bench report as skill output for s_1, skill name perf_bench",
            "perf_bench",
        ),
        ("save-skill-output", "save skill output for s_1, skill perf_bench", "perf_bench"),
        ("save-skill-output", "save skill output for sess_beta", None),  # the session it is for
        ("get-skill-output", "the skill output for perf_probe in s_1", "perf_probe"),
    ],
    "config_key": [
        ("get-config", "the config value for testing_config", "testing_config"),
        ("get-config", "key: skills_config", "skills_config"),
        ("get-config", "Config lookup: `testing_config`", "testing_config"),
        ("get-config", "what is set", None),
    ],
    "config_value_after_to": [
        ("set-config", "set config retry_budget to 3.", "3"),
        ("set-config", "set config key deploy_freeze to TRUE", "true"),
        ("set-config", "set config retry_budget to the default", None),
    ],
    "decision_type": [
        ("get-decisions", "the spawn_agent decisions of s_1", "spawn_agent"),
        ("get-decisions", "decisions of type: retry", "retry"),
        ("get-decisions", "decisions of s_1, only the qa_gate type", "qa_gate"),
        ("get-decisions", "all decisions of s_1", None),
        ("log-decision", 'record a decision (scope_cut) in s_1: {"drop": "csv"}', "scope_cut"),
        ("log-decision", 'record a decision (sess_beta): {"drop": "csv"}', None),
    ],
    "_inline_json": [
        ("save-state", 'store the orchestrator state {"phase": 2} for s_1', '{"phase": 2} for s_1'),
        ("save-state", "store the orchestrator state for s_1", None),
    ],
    "session_after_preposition": [
        ("get-task-groups", "how many task groups are pending in s_1?", "s_1"),
        ("update-task-group", "mark group_a complete in bazinga_77", "bazinga_77"),
        ("update-task-group", "assign group_a to developer_2", None),  # an agent id, not a session
    ],
    "session_owning_the_group": [
        ("update-task-group", "update rel_v2_4_0's group_rollout to completed", "rel_v2_4_0"),
        ("update-task-group", "move group_ui of release_2025_q4 to failed", "release_2025_q4"),
        ("update-task-group", "mark developer_1's group_a completed", None),  # an agent, not a session
        ("update-task-group", "set cutover_west's and cutover_east's group_dns to failed", None),  # two
        ("update-task-group", "set rel_1's group_dns and the group_dns of rel_2 to failed", None),  # two
        ("update-task-group", "set group_dns in s_2 to pending, not cutover_east's group_dns", None),
    ],
    "session_shaped": [
        ("token-summary", "how many tokens has sess_beta used?", "sess_beta"),
        ("log-interaction", "Hello bazinga-db, log this", None),  # the skill's name
        ("log-interaction", "log this for s_1", None),  # a write takes only the unmistakable shapes
    ],
    "select_statement": [
        ("query", "run this query:\nSELECT * FROM sessions", "SELECT * FROM sessions"),
        ("query", "run a query", None),
        ("query", "query SELECT group_id FROM task_groups", "SELECT group_id FROM task_groups"),
        ("query", "query SELECT a FROM t ORDER BY a with limit 25", "SELECT a FROM t ORDER BY a"),
        ("query", "SELECT a FROM t WHERE b = 'x'\nRun that, please.", "SELECT a FROM t WHERE b = 'x'"),
        ("query", "run query SELECT * FROM Log.", "SELECT * FROM Log."),
        (
            "query",
            "run query \"SELECT a FROM t WHERE b = 'x'\" with limit 5",
            "SELECT a FROM t WHERE b = 'x'",
        ),
        ("query", 'run query "SELECT a FROM t" for sess_beta', None),
        (
            "query",
            "How many logs? Use SQL: select count(*) from orchestration_logs",
            "select count(*) from orchestration_logs",
        ),
    ],
}


@pytest.mark.parametrize(
    "name, command, text, expected, raw",
    [(name, *case[:3], case[3] if len(case) > 3 else {}) for name, cases in CASES.items() for case in cases],
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else None,
)
def test_rule(name, command, text, expected, raw):
    assert slots.run_rule(name, command, text, dict(raw)) == expected


def test_every_rule_has_cases():
    names = {each.name for each in slots.RULES} - {"command_line_flags"}  # tested below
    assert names == set(CASES)
    # and each rule has at least one text it reads and one it leaves alone
    for name, cases in CASES.items():
        assert any(c[2] is not None for c in cases) and any(c[2] is None for c in cases), name


def test_command_line_flags_fill_several_values():
    raw = {}
    assert (
        slots.run_rule("command_line_flags", "get-logs", "get-logs s_1 --agent-type qa --limit 5", raw)
        is None
    )
    assert raw == {"agent_type": "qa", "limit": "5"}
    raw = {}
    slots.run_rule(
        "command_line_flags", "update-task-group", "update-task-group group_a --increment-revision", raw
    )
    assert raw == {"increment_revision": True}


def test_a_rule_runs_only_while_its_value_is_missing():
    # the label gave the session: the inline rule does not overwrite it
    assert (
        slots.run_rule("session_after_its_word", "get-logs", "logs for session s_2", {"session_id": "s_1"})
        is None
    )


def test_session_with_a_space_in_a_write_is_refused():
    with pytest.raises(RequestNotUnderstood) as caught:
        slots.run_rule("session_after_its_word", "log-interaction", "log this for session sess beta: done")
    assert caught.value.code == "invalid_value"


def test_two_agent_types_in_a_write_are_refused():
    with pytest.raises(RequestNotUnderstood):
        slots.run_rule("agent_type_named", "log-interaction", "log this QA note", {"agent_type": "pm"})


def test_every_slot_word_list_is_used():
    # in slots or its companion of the rules few requests reach (lexicon.rarely_used)
    source = inspect.getsource(slots) + inspect.getsource(slots_rare)
    listed = {k for k in tables()["slots"] if not k.startswith("_")}
    assert {k for k in listed if f'"{k}"' not in source} == set()


def test_a_skill_named_twice_is_refused():
    with pytest.raises(RequestNotUnderstood):
        slots.run_rule(
            "skill_name", "save-skill-output", "save the coverage output for s_1, skill name lint_check"
        )


def test_two_groupings_are_refused():
    with pytest.raises(RequestNotUnderstood):
        slots.run_rule("grouped_by", "token-summary", "tokens of s_1 per agent type, by agent id")


def test_the_one_word_after_a_command_name_is_its_session_where_that_is_all_it_requires():
    assert (
        slots.run_rule("session_after_command_name", "get-decisions", "get decisions team_9_run")
        == "team_9_run"
    )
    # not a plain word, a group, or a command that requires more than the session
    assert slots.run_rule("session_after_command_name", "get-decisions", "get decisions pending") is None
    assert slots.run_rule("session_after_command_name", "get-task-groups", "get task groups group_a") is None
    assert (
        slots.run_rule("session_after_command_name", "get-skill-output", "get skill output lint_check")
        is None
    )


def test_a_session_before_decisions_is_no_decision_type():
    assert slots.run_rule("decision_type", "get-decisions", "sess_beta decisions, first 10") is None
    assert (
        slots.run_rule("decision_type", "get-decisions", "sess_beta spawn_agent decisions") == "spawn_agent"
    )
