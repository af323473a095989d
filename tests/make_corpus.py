# ruff: noqa: E501  (data: one request per line reads better than wrapped strings)
"""Writes tests/requests_corpus.jsonl: hand-written requests with the dry-run each must give.

Every expectation below was written by hand from the vocabulary and the spec, not copied from the
parser's output. `match` (refusals only) is a piece of text the ❌ message must contain.
Run: python3 tests/make_corpus.py
"""

import json
from pathlib import Path

C = []


def ok(text, command, **args):
    C.append({"text": text, "expected": {"command": command, "args": args}})


def no(text, reason, match=None):
    entry = {"text": text, "expected": {"command": None, "reason": reason}}
    if match:
        entry["match"] = match
    C.append(entry)


S = "bazinga_20250113_143530"

# ---- create-session
ok(
    f"bazinga-db, create session:\nsession_id: {S}\nmode: parallel\nrequirements: Build the REST API",
    "create-session",
    session_id=S,
    mode="parallel",
    requirements="Build the REST API",
)
ok(
    "Request to bazinga-db: new session\nMODE: Simple\nSESSION: s_1\nREQUIREMENTS: Fix login bug",
    "create-session",
    session_id="s_1",
    mode="simple",
    requirements="Fix login bug",
)
ok(
    "please initialize session:\n- Session ID: s_2\n- Mode: parallel\n- Requirements: Add OAuth2\n  and refresh tokens",
    "create-session",
    session_id="s_2",
    mode="parallel",
    requirements="Add OAuth2\n  and refresh tokens",
)
ok(
    "bazinga-db, please create session s_3 in parallel mode: migrate the billing service",
    "create-session",
    session_id="s_3",
    mode="parallel",
    requirements="migrate the billing service",
)
ok(
    "bazinga-db, please start a new orchestration session.\n\n**Session ID:** s_4\n**Mode:** simple\n**Requirements:** Dark mode toggle",
    "create-session",
    session_id="s_4",
    mode="simple",
    requirements="Dark mode toggle",
)
ok(
    "```\nbazinga-db, please create a new orchestration session:\nSession ID: s_5\nMode: simple\nRequirements: Write docs\n```",
    "create-session",
    session_id="s_5",
    mode="simple",
    requirements="Write docs",
)
ok(
    "bazinga-db, please create a new session:\nSession-Id: s_6\nRequirements: Port to Python 3.12\nMode: PARALLEL\n\nI need this before spawning the PM.",
    "create-session",
    session_id="s_6",
    mode="parallel",
    requirements="Port to Python 3.12",
)
no("bazinga-db, please create a new session:\nSession ID: s_7\nRequirements: Do it", "mode missing", "mode")
no(
    "bazinga-db, please create a new session:\nSession ID: s_8\nMode: sequential\nRequirements: Do it",
    "mode not allowed",
    "simple, parallel",
)
no(
    "bazinga-db, please create a new session:\nSession ID: <session_id>\nMode: simple\nRequirements: Do it",
    "placeholder id",
    "placeholder",
)
no(
    "bazinga-db, please create a new session:\nSession ID: bazinga_{timestamp}\nMode: simple\nRequirements: Do it",
    "placeholder inside id",
    "placeholder",
)
no(
    "bazinga-db, please create a new session:\nSession ID: my session\nMode: simple\nRequirements: x",
    "id with a space",
    "session id",
)
no(
    "bazinga-db, please create a new session:\nSession ID: s_9\nMode: simple",
    "requirements missing",
    "requirements",
)

# ---- update-session-status
ok("bazinga-db, mark session s_1 as complete", "update-session-status", session_id="s_1", status="completed")
ok("bazinga-db, please mark session s_1 done", "update-session-status", session_id="s_1", status="completed")
ok(
    "bazinga-db, please update session status:\nsession_id: s_1\nstatus: Failed",
    "update-session-status",
    session_id="s_1",
    status="failed",
)
ok(
    "bazinga-db, please set session s_1 status to completed.",
    "update-session-status",
    session_id="s_1",
    status="completed",
)
ok(
    "bazinga-db, please update the session status for session: s_1 → failed",
    "update-session-status",
    session_id="s_1",
    status="failed",
)
ok(
    "bazinga-db, please change the status of session s_1 to active",
    "update-session-status",
    session_id="s_1",
    status="active",
)
no("bazinga-db, please mark session s_1 as paused", "status not allowed", "active, completed, failed")
no(
    "bazinga-db, please update session status:\nSession ID: $SESSION_ID\nStatus: completed",
    "placeholder id",
    "placeholder",
)
no("bazinga-db, please update session status for session s_1", "status missing", "status")

# ---- get-session
ok("bazinga-db, get session s_1", "get-session", session_id="s_1")
ok("bazinga-db, please retrieve session details:\nSession ID: s_1", "get-session", session_id="s_1")
ok("bazinga-db, show me the session info for s_1", "get-session", session_id="s_1")
ok(
    "bazinga-db, please get session details for `bazinga_20250112_143022`.",
    "get-session",
    session_id="bazinga_20250112_143022",
)
ok("bazinga-db, fetch session: s_77", "get-session", session_id="s_77")
no("bazinga-db, please get session details", "no session id", "session id")
no("bazinga-db, please get session details for [session_id]", "placeholder", "placeholder")

# ---- list-sessions
ok("list sessions", "list-sessions")
ok("bazinga-db: recent sessions", "list-sessions")
ok("bazinga-db, show sessions", "list-sessions")
ok("bazinga-db, please list the most recent sessions (limit 1)", "list-sessions", limit=1)
ok("bazinga-db, list the last 3 sessions", "list-sessions", limit=3)
ok("bazinga-db, please list active sessions", "list-sessions", status="active")
ok("bazinga-db, show me the 20 most recent completed sessions", "list-sessions", limit=20, status="completed")
ok("bazinga-db, what sessions are there?", "list-sessions")
ok("bazinga-db, please list sessions:\nLimit: 5\nStatus: failed", "list-sessions", limit=5, status="failed")
ok("bazinga-db, please list sessions (limit 0)", "list-sessions", limit=0)  # 0 lifts the default limit

# ---- log-interaction
ok(
    "bazinga-db, please log this developer interaction:\nSession ID: s_1\nAgent Type: developer\nContent: Implemented OAuth2 controller\nIteration: 5\nAgent ID: developer_1",
    "log-interaction",
    session_id="s_1",
    agent_type="developer",
    content="Implemented OAuth2 controller",
    iteration=5,
    agent_id="developer_1",
)
ok(
    "bazinga-db, save log:\nSESSION ID: s_1\nAGENT: Project Manager\nCONTENT: Planned 3 groups",
    "log-interaction",
    session_id="s_1",
    agent_type="pm",
    content="Planned 3 groups",
)
ok(
    "bazinga-db, log interaction\nsession: s_1\nagent: orchestrator\nmessage: Spawning developer for group_a\niteration: 2",
    "log-interaction",
    session_id="s_1",
    agent_type="orchestrator",
    content="Spawning developer for group_a",
    iteration=2,
)
ok(
    "bazinga-db, please log this PM interaction for session s_1: Created 3 task groups",
    "log-interaction",
    session_id="s_1",
    agent_type="pm",
    content="Created 3 task groups",
)
ok(
    "bazinga-db, please log this QA Expert interaction:\nSession ID: s_1\nIteration: 7\nContent:\n  All 48 tests pass.\n  Coverage 91%.",
    "log-interaction",
    session_id="s_1",
    agent_type="qa",
    iteration=7,
    content="All 48 tests pass.\n  Coverage 91%.",
)
ok(
    "bazinga-db, please log this interaction:\nContent: Status: all green\nSession ID: s_1\nAgent Type: tech-lead",
    "log-interaction",
    session_id="s_1",
    agent_type="tech_lead",
    content="Status: all green",
)
ok(
    "bazinga-db, log this investigator interaction:\nSession ID: s_1\nAgent Type: investigator\nContent: Root cause: race in token refresh",
    "log-interaction",
    session_id="s_1",
    agent_type="investigator",
    content="Root cause: race in token refresh",
)
ok(
    "bazinga-db, please log this Tech Lead review:\nSession ID: s_1\nContent: Approved with minor comments.\n\nI need this logged before QA starts.",
    "log-interaction",
    session_id="s_1",
    agent_type="tech_lead",
    content="Approved with minor comments.",
)
ok(
    'bazinga-db, please log this interaction:\nSession ID: s_1\nAgent Type: developer\nContent: "Refactored the auth module"\nIteration: 3',
    "log-interaction",
    session_id="s_1",
    agent_type="developer",
    content="Refactored the auth module",
    iteration=3,
)
ok(
    "bazinga-db, record this interaction:\nsession-id: s_1\nagent-type: QA\ntext: Tests: 12 failing\nagent_id: qa_2",
    "log-interaction",
    session_id="s_1",
    agent_type="qa",
    content="Tests: 12 failing",
    agent_id="qa_2",
)
ok(
    "Please log the developer interaction (iteration 4) for session s_1: fixed the flaky test",
    "log-interaction",
    session_id="s_1",
    agent_type="developer",
    iteration=4,
    content="fixed the flaky test",
)
no("bazinga-db, please log this interaction:\nSession ID: s_1\nAgent Type: pm", "content missing", "content")
no(
    "bazinga-db, please log this interaction:\nSession ID: s_1\nContent: hello",
    "agent type missing",
    "agent type",
)
no(
    "bazinga-db, please log this interaction:\nSession ID: {session_id}\nAgent Type: pm\nContent: done",
    "placeholder {x}",
    "placeholder",
)
no(
    "bazinga-db, please log this interaction:\nSession ID: ${SESSION_ID}\nAgent Type: pm\nContent: done",
    "placeholder ${X}",
    "placeholder",
)
no(
    "bazinga-db, please log this interaction:\nSession ID: SESSION_ID\nAgent Type: pm\nContent: done",
    "placeholder SESSION_ID",
    "placeholder",
)
no(
    "bazinga-db, please log this interaction:\nSession ID: s_1\nAgent Type: pm\nContent: [summary of the work]",
    "placeholder content",
    "placeholder",
)
no(
    "bazinga-db, please log this interaction:\nSession ID: s_1\nAgent Type: pm\nContent: done\nIteration: two",
    "iteration not a number",
    "whole number",
)
no(
    "bazinga-db, please log this PM interaction:\nSession ID: s_1\nAgent Type: developer\nContent: done",
    "agent types disagree",
    "two agent types",
)
no(
    "bazinga-db, please log this interaction:\nSession ID: s_1\nAgent Type: pm\nContent: done\nIteration: -1",
    "negative iteration",
    "iteration",
)
no(
    "bazinga-db: PM interaction\nSession ID: s_1\nAgent Type: pm\nContent: done",
    "no verb for a write",
    "never guessed",
)

# ---- get-logs
ok("bazinga-db, please get logs for session s_1", "get-logs", session_id="s_1")
ok("bazinga-db, get the QA logs for session s_1", "get-logs", session_id="s_1", agent_type="qa")
ok(
    "bazinga-db, please get logs:\nSession ID: s_1\nAgent Type: Tech Lead\nLimit: 5",
    "get-logs",
    session_id="s_1",
    agent_type="tech_lead",
    limit=5,
)
ok(
    "bazinga-db, get logs for session s_1 since 2025-01-12T14:00:00Z",
    "get-logs",
    session_id="s_1",
    since="2025-01-12T14:00:00Z",
)
ok(
    "bazinga-db, fetch the orchestrator logs for session s_1 since 2025-01-12 (limit 3)",
    "get-logs",
    session_id="s_1",
    agent_type="orchestrator",
    since="2025-01-12",
    limit=3,
)
ok(
    "bazinga-db, please get logs:\nSession: s_1\nSince: 2025-01-12 14:00:00\nOffset: 10",
    "get-logs",
    session_id="s_1",
    since="2025-01-12 14:00:00",
    offset=10,
)
no("bazinga-db, get logs for session s_1 since yesterday-ish 2025-13-45", "invalid time", "time")
no("bazinga-db, please get logs", "no session", "session id")

# ---- stream-logs
ok("bazinga-db, stream logs for session s_1", "stream-logs", session_id="s_1")
ok("bazinga-db, recent logs for session s_1", "stream-logs", session_id="s_1")
ok(
    "bazinga-db, please stream logs:\nSession ID: s_1\nLimit: 50\nOffset: 0",
    "stream-logs",
    session_id="s_1",
    limit=50,
    offset=0,
)
ok(
    "bazinga-db, stream the last 10 logs for session s_1 starting at offset 30",
    "stream-logs",
    session_id="s_1",
    limit=10,
    offset=30,
)
ok("bazinga-db, show the latest logs for session s_1 as markdown", "stream-logs", session_id="s_1")
no("bazinga-db, stream logs for session <id>", "placeholder", "placeholder")

# ---- save-state
ok(
    'bazinga-db, please save the PM state:\nSession ID: s_1\nState Data: {"iteration": 2}',
    "save-state",
    session_id="s_1",
    state_type="pm",
    state_data={"iteration": 2},
)
ok(
    'bazinga-db, please save the PM state for session s_1: {"mode": "parallel", "iteration": 3}',
    "save-state",
    session_id="s_1",
    state_type="pm",
    state_data={"mode": "parallel", "iteration": 3},
)
ok(
    'bazinga-db, save state\nsession_id: s_1\nstate_type: orchestrator\nstate_data:\n```json\n{\n  "phase": "review",\n  "active_agents": []\n}\n```',
    "save-state",
    session_id="s_1",
    state_type="orchestrator",
    state_data={"phase": "review", "active_agents": []},
)
ok(
    'bazinga-db, please store the group_status state:\nSession: s_1\nData: {"group_a": "completed"}',
    "save-state",
    session_id="s_1",
    state_type="group_status",
    state_data={"group_a": "completed"},
)
ok(
    'bazinga-db, please save state:\nSession ID: s_1\nType: PM\nState: {"iteration": 1}\n\nThis lets the orchestrator resume.',
    "save-state",
    session_id="s_1",
    state_type="pm",
    state_data={"iteration": 1},
)
ok(
    'bazinga-db, please update the orchestrator state:\nSession ID: s_1\nState: {"iteration": 9, "phase": "done"}',
    "save-state",
    session_id="s_1",
    state_type="orchestrator",
    state_data={"iteration": 9, "phase": "done"},
)
ok(
    "bazinga-db, please save state:\nSession ID: s_1\nState Type: group status\nState Data: {}",
    "save-state",
    session_id="s_1",
    state_type="group_status",
    state_data={},
)
no(
    'bazinga-db, please save state:\nSession ID: s_1\nState Data: {"iteration": 1}',
    "no state type",
    "state type",
)
no(
    "bazinga-db, please save the PM state:\nSession ID: s_1\nState Data: [1, 2, 3]",
    "state must be an object",
    "object",
)
no(
    "bazinga-db, please save the PM state:\nSession ID: s_1\nState Data: {'iteration': 1}",
    "single-quoted JSON",
    "not valid JSON",
)
no(
    'bazinga-db, please save the PM state:\nSession ID: s_1\nState Data: {"x": NaN}',
    "NaN is not JSON",
    "JSON",
)
no(
    "bazinga-db, please save the PM state:\nSession ID: s_1\nState Data: <state json>",
    "placeholder body",
    "placeholder",
)
no(
    'bazinga-db, please save the PM state:\nSession ID: [session]\nState Data: {"a": 1}',
    "placeholder id",
    "placeholder",
)

# ---- get-state
ok("bazinga-db, get the latest PM state for session: s_1", "get-state", session_id="s_1", state_type="pm")
ok(
    "bazinga-db, retrieve state\nSession ID: s_1\nState Type: orchestrator",
    "get-state",
    session_id="s_1",
    state_type="orchestrator",
)
ok(
    "bazinga-db, what's the current orchestrator state for session s_1?",
    "get-state",
    session_id="s_1",
    state_type="orchestrator",
)
ok(
    "bazinga-db, please retrieve the Project Manager state for session s_1. I need to check which groups are done.",
    "get-state",
    session_id="s_1",
    state_type="pm",
)
ok(
    "bazinga-db, get state:\nsession: s_1\nstate: group_status",
    "get-state",
    session_id="s_1",
    state_type="group_status",
)
ok(
    "bazinga-db, get the group status state for session s_1",
    "get-state",
    session_id="s_1",
    state_type="group_status",
)
no("bazinga-db, get state for session s_1", "no state type", "state type")

# ---- create-task-group
ok(
    "bazinga-db, create task group:\ngroup_id: group_c\nsession_id: s_1\nname: UI Components",
    "create-task-group",
    group_id="group_c",
    session_id="s_1",
    name="UI Components",
)
ok(
    "bazinga-db, please create task group:\nGroup: group_d\nSession: s_1\nGroup Name: Testing\nStatus: in progress\nAssigned To: developer_3",
    "create-task-group",
    group_id="group_d",
    session_id="s_1",
    name="Testing",
    status="in_progress",
    assigned_to="developer_3",
)
ok(
    "bazinga-db, please create task group group_e (Payments) for session s_1",
    "create-task-group",
    group_id="group_e",
    session_id="s_1",
    name="Payments",
)
ok(
    'bazinga-db, please add a task group for session s_1: group_f "Search"',
    "create-task-group",
    group_id="group_f",
    session_id="s_1",
    name="Search",
)
ok(
    "bazinga-db, create a task group:\nTask Group ID: g1\nSession ID: s_1\nTitle: Auth: login & logout\nStatus: todo",
    "create-task-group",
    group_id="g1",
    session_id="s_1",
    name="Auth: login & logout",
    status="pending",
)
no("bazinga-db, please create task group:\nGroup ID: group_a\nSession ID: s_1", "no name", "name")
no(
    "bazinga-db, please create task group:\nGroup ID: group_a\nSession ID: s_1\nName: Auth\nStatus: blocked",
    "bad status",
    "pending, in_progress, completed, failed",
)
no(
    "bazinga-db, please create task group:\nGroup ID: <group>\nSession ID: s_1\nName: Auth",
    "placeholder group",
    "placeholder",
)
no(
    "bazinga-db, please create task group:\nGroup ID: group a\nSession ID: s_1\nName: Auth",
    "group id with space",
    "group id",
)

# ---- update-task-group
ok("bazinga-db, mark complete: group_a", "update-task-group", group_id="group_a", status="completed")
ok(
    "bazinga-db, please update group_a → completed",
    "update-task-group",
    group_id="group_a",
    status="completed",
)
no("bazinga-db, group_a → completed", "a write without a verb is never guessed", "no operation")
ok(
    "bazinga-db, please update task group: group_b -> in progress",
    "update-task-group",
    group_id="group_b",
    status="in_progress",
)
ok(
    "bazinga-db, please mark group_c as failed in session s_1",
    "update-task-group",
    group_id="group_c",
    session_id="s_1",
    status="failed",
)
ok(
    "bazinga-db, update task group group_a:\nAssigned to: developer_1\nStatus: In Progress",
    "update-task-group",
    group_id="group_a",
    assigned_to="developer_1",
    status="in_progress",
)
ok(
    "bazinga-db, please update task group:\ntask_group_id: group_a\nsession_id: s_1\nlast_review_status: approved",
    "update-task-group",
    group_id="group_a",
    session_id="s_1",
    last_review_status="APPROVED",
)
ok(
    "bazinga-db, please update task group group_a:\nReview Status: changes requested\nRevision Count: +1",
    "update-task-group",
    group_id="group_a",
    last_review_status="CHANGES_REQUESTED",
    increment_revision=True,
)
ok(
    "bazinga-db, please assign group_b to developer_2",
    "update-task-group",
    group_id="group_b",
    assigned_to="developer_2",
)
ok(
    "bazinga-db, please update task group group_a and increment the revision count",
    "update-task-group",
    group_id="group_a",
    increment_revision=True,
)
ok(
    "bazinga-db, please mark task group group_a done.\nSession ID: s_1",
    "update-task-group",
    group_id="group_a",
    session_id="s_1",
    status="completed",
)
ok(
    "bazinga-db, update task group:\nGroup: group_z\nRevisions: 3",
    "update-task-group",
    group_id="group_z",
    revision_count=3,
)
no("bazinga-db, mark complete", "no group", "group id")
no(
    "bazinga-db, please update task group group_a:\nStatus: almost",
    "bad status",
    "pending, in_progress, completed, failed",
)
no(
    "bazinga-db, please update task group group_a:\nReview Status: LGTM",
    "bad review status",
    "APPROVED, CHANGES_REQUESTED",
)
no("bazinga-db, please update task group [group_id] -> completed", "placeholder", "placeholder")
no("bazinga-db, please update task group group_a:\nRevision Count: +2", "relative other than +1", "+1")

# ---- get-task-groups
ok("bazinga-db, get task groups for session s_1", "get-task-groups", session_id="s_1")
ok(
    "bazinga-db, list the pending task groups in session s_1",
    "get-task-groups",
    session_id="s_1",
    status="pending",
)
ok(
    "bazinga-db, which groups are completed in session s_1?",
    "get-task-groups",
    session_id="s_1",
    status="completed",
)
ok(
    "bazinga-db, show task groups:\nSession: s_1\nStatus: failed",
    "get-task-groups",
    session_id="s_1",
    status="failed",
)
ok(
    "bazinga-db, get task group group_b in session s_1",
    "get-task-groups",
    session_id="s_1",
    group_id="group_b",
)
no("bazinga-db, list task groups", "no session", "session id")

# ---- log-tokens
ok(
    "bazinga-db, log tokens:\nSession: s_1\nAgent: developer\nTokens: 15,000",
    "log-tokens",
    session_id="s_1",
    agent_type="developer",
    tokens=15000,
)
ok(
    "bazinga-db, track token usage: 15k tokens for the developer in session s_1",
    "log-tokens",
    session_id="s_1",
    agent_type="developer",
    tokens=15000,
)
ok(
    "bazinga-db, please record token usage for session s_1: PM used 12,450 tokens",
    "log-tokens",
    session_id="s_1",
    agent_type="pm",
    tokens=12450,
)
ok(
    "bazinga-db, log 1.5k tokens for QA in session s_1 (agent id qa_1)",
    "log-tokens",
    session_id="s_1",
    agent_type="qa",
    tokens=1500,
    agent_id="qa_1",
)
ok(
    "bazinga-db, please log token usage:\nSession ID: s_1\nAgent Type: Tech Lead\nTokens Used: 4440\nAgent ID: tech_lead_1",
    "log-tokens",
    session_id="s_1",
    agent_type="tech_lead",
    tokens=4440,
    agent_id="tech_lead_1",
)
no(
    "bazinga-db, log token usage:\nSession ID: s_1\nAgent Type: pm\nTokens: lots",
    "tokens not a number",
    "whole number",
)
no("bazinga-db, log token usage for session s_1: developer", "no token count", "token")
no("bazinga-db, log token usage:\nSession ID: s_1\nTokens: 100", "no agent type", "agent type")

# ---- token-summary
ok("bazinga-db, token summary for session s_1", "token-summary", session_id="s_1")
ok("bazinga-db, how many tokens has session s_1 used?", "token-summary", session_id="s_1")
ok(
    "bazinga-db, show token usage by agent type for session s_1",
    "token-summary",
    session_id="s_1",
    by="agent_type",
)
ok(
    "bazinga-db, get the token totals per agent_id for session s_1",
    "token-summary",
    session_id="s_1",
    by="agent_id",
)
ok(
    "bazinga-db, give me the token usage:\nSession: s_1\nBy: agent id",
    "token-summary",
    session_id="s_1",
    by="agent_id",
)
no("bazinga-db, token summary for session s_1 by model", "bad by", "agent_type, agent_id")

# ---- save-skill-output
ok(
    'bazinga-db, save skill output:\nSession ID: s_1\nSkill: test_coverage\nResults: {"coverage": 75, "threshold": 80}',
    "save-skill-output",
    session_id="s_1",
    skill_name="test_coverage",
    output_data={"coverage": 75, "threshold": 80},
)
ok(
    'bazinga-db, please store the security_scan skill output for session s_1: {"issues": 0}',
    "save-skill-output",
    session_id="s_1",
    skill_name="security_scan",
    output_data={"issues": 0},
)
ok(
    'bazinga-db, save skill output\nsession: s_1\nskill_name: lint_check\noutput:\n{\n  "errors": 2,\n  "warnings": ["E501"]\n}\nThat\'s all from lint.',
    "save-skill-output",
    session_id="s_1",
    skill_name="lint_check",
    output_data={"errors": 2, "warnings": ["E501"]},
)
ok(
    'bazinga-db, please save skill output:\nSession ID: s_1\nSkill Name: security scan\nOutput: {"vulnerabilities": 0}',
    "save-skill-output",
    session_id="s_1",
    skill_name="security_scan",
    output_data={"vulnerabilities": 0},
)
no("bazinga-db, save skill output:\nSession ID: s_1\nSkill Name: security_scan", "no output", "output")
no(
    'bazinga-db, save skill output:\nSession ID: s_1\nSkill Name: security_scan\nOutput: {"issues": 0',
    "bad JSON",
    "not valid JSON",
)

# ---- get-skill-output
ok(
    "bazinga-db, get skill output:\nSession: s_1\nSkill: security_scan",
    "get-skill-output",
    session_id="s_1",
    skill_name="security_scan",
)
ok(
    "bazinga-db, get the lint_check results for session s_1",
    "get-skill-output",
    session_id="s_1",
    skill_name="lint_check",
)
ok(
    "bazinga-db, show the security scan skill output for session s_1",
    "get-skill-output",
    session_id="s_1",
    skill_name="security_scan",
)
ok(
    "bazinga-db, retrieve skill output test_coverage for session s_1",
    "get-skill-output",
    session_id="s_1",
    skill_name="test_coverage",
)
no("bazinga-db, get skill output for session s_1", "no skill name", "skill name")

# ---- set-config
ok(
    'bazinga-db, set config:\nkey: testing_config\nvalue: {"min_coverage": 80}',
    "set-config",
    key="testing_config",
    value={"min_coverage": 80},
)
ok(
    'bazinga-db, please set configuration skills_config: {"lint_check": {"status": "disabled"}}',
    "set-config",
    key="skills_config",
    value={"lint_check": {"status": "disabled"}},
)
ok(
    'bazinga-db, please save this configuration:\nConfig Key: model_config\nConfig Value: {\n  "developer": "sonnet"\n}',
    "set-config",
    key="model_config",
    value={"developer": "sonnet"},
)
no("bazinga-db, set config:\nKey: skills_config\nValue: mandatory", "value not JSON", "not valid JSON")
no('bazinga-db, set config:\nValue: {"a": 1}', "no key", "key")

# ---- get-config
ok("bazinga-db, get config:\nKey: skills_config", "get-config", key="skills_config")
ok("bazinga-db, what is the skills_config configuration?", "get-config", key="skills_config")
ok("bazinga-db, read the configuration for model_config", "get-config", key="model_config")
no("bazinga-db, get config", "no key", "key")

# ---- log-decision
ok(
    'bazinga-db, log decision:\nSession: s_1\nType: escalate_model\nData: {"from": "sonnet", "to": "opus"}',
    "log-decision",
    session_id="s_1",
    decision_type="escalate_model",
    decision_data={"from": "sonnet", "to": "opus"},
)
ok(
    'bazinga-db, please record this decision:\nSession ID: s_1\nDecision Type: complete\nDecision: {"reason": "all groups approved"}\nIteration: 12',
    "log-decision",
    session_id="s_1",
    decision_type="complete",
    decision_data={"reason": "all groups approved"},
    iteration=12,
)
ok(
    'bazinga-db, please log an escalate_model decision for session s_1 (iteration 4): {"to": "opus"}',
    "log-decision",
    session_id="s_1",
    decision_type="escalate_model",
    iteration=4,
    decision_data={"to": "opus"},
)
ok(
    'Request to bazinga-db: record decision\n```\nsession_id: s_1\ndecision_type: spawn_agent\ndecision_data: {"agent": "qa"}\n```',
    "log-decision",
    session_id="s_1",
    decision_type="spawn_agent",
    decision_data={"agent": "qa"},
)
no('bazinga-db, record this decision:\nSession ID: s_1\nDecision: {"a": 1}', "no type", "decision type")
no(
    "bazinga-db, record this decision:\nSession ID: s_1\nDecision Type: spawn\nDecision: spawn dev",
    "not JSON",
    "not valid JSON",
)

# ---- get-decisions
ok("bazinga-db, get decisions for session s_1", "get-decisions", session_id="s_1")
ok(
    "bazinga-db, show the last 5 spawn_agent decisions for session s_1",
    "get-decisions",
    session_id="s_1",
    decision_type="spawn_agent",
    limit=5,
)
ok(
    "bazinga-db, list decisions:\nSession: s_1\nDecision Type: escalate_model",
    "get-decisions",
    session_id="s_1",
    decision_type="escalate_model",
)
no("bazinga-db, list decisions", "no session", "session id")

# ---- dashboard-snapshot
ok("bazinga-db, get dashboard data for session s_1", "dashboard-snapshot", session_id="s_1")
ok("bazinga-db, dashboard snapshot\nSession ID: s_1", "dashboard-snapshot", session_id="s_1")
ok("bazinga-db, please give me an overview of session s_1", "dashboard-snapshot", session_id="s_1")
ok(
    "bazinga-db, provide the dashboard snapshot for session `s_1`.\nThe dashboard refreshes every 5 seconds.",
    "dashboard-snapshot",
    session_id="s_1",
)
no("bazinga-db, get dashboard data for session <current>", "placeholder", "placeholder")

# ---- query
ok(
    "bazinga-db, run this query:\n```sql\nSELECT COUNT(*) FROM sessions\n```",
    "query",
    sql="SELECT COUNT(*) FROM sessions",
)
ok(
    "bazinga-db, execute SQL: SELECT session_id FROM sessions WHERE status = 'active'",
    "query",
    sql="SELECT session_id FROM sessions WHERE status = 'active'",
)
ok(
    "bazinga-db, query:\nSQL: WITH t AS (SELECT 1 AS x) SELECT x FROM t",
    "query",
    sql="WITH t AS (SELECT 1 AS x) SELECT x FROM t",
)
ok(
    "bazinga-db, please run this query:\nSELECT agent_type, SUM(tokens)\nFROM token_usage\nGROUP BY agent_type",
    "query",
    sql="SELECT agent_type, SUM(tokens)\nFROM token_usage\nGROUP BY agent_type",
)
no("bazinga-db, run this query:", "no SQL", "sql")

# ---- refusals that are not about one operation
no("bazinga-db, please drop the task_groups table", "deleting", "never deletes")
no("bazinga-db, remove session s_1", "deleting", "never deletes")
no("bazinga-db, please purge all logs for session s_1", "deleting", "never deletes")
no("bazinga-db, hello!", "no operation", "no operation")
no("", "empty", "empty")
no("   \n  ", "empty", "empty")
no("bazinga-db, please make it faster", "no operation", "no operation")
no("bazinga-db, please create session s_1 and log this interaction", "two operations", "two operations")
no("bazinga-db, please save the PM state and update task group group_a", "two operations", "two operations")
no(
    "bazinga-db, log the PM interaction. Then save the orchestrator state.\nSession ID: s_1",
    "two operations",
    "two operations",
)
no(
    'bazinga-db, please save this:\nSession ID: s_1\nAgent Type: pm\nContent: hi\nState Data: {"a": 1}',
    "labels of two operations",
    "operation",
)
no('bazinga-db:\nSession ID: s_1\nState Data: {"a": 1}', "no verb", None)
no(
    "bazinga-db, please log this interaction:\nSession ID: s_1\nSession ID: s_2\nAgent Type: pm\nContent: x",
    "two session ids",
    "two values",
)
no(
    "bazinga-db, please log this interaction:\nSession ID: TBD\nAgent Type: pm\nContent: x",
    "TBD placeholder",
    "placeholder",
)
no(
    "bazinga-db, please log this interaction:\nSession ID: your_session_id\nAgent Type: pm\nContent: x",
    "your_ placeholder",
    "placeholder",
)
no(
    "bazinga-db, please log tokens:\nSession ID: %SESSION%\nAgent Type: pm\nTokens: 5",
    "%VAR% placeholder",
    "placeholder",
)
no(
    'bazinga-db, save skill output:\nSession ID: s_1\nSkill Name: {{skill}}\nOutput: {"a": 1}',
    "{{x}} placeholder",
    "placeholder",
)

# ---- inline labels, sentences and verbs found while probing
ok(
    'Please save PM state. Session: s_1. State: {"a": 1}',
    "save-state",
    session_id="s_1",
    state_type="pm",
    state_data={"a": 1},
)
ok(
    "bazinga-db, please log this PM interaction for session: s_1: did the planning",
    "log-interaction",
    session_id="s_1",
    agent_type="pm",
    content="did the planning",
)
ok(
    "bazinga-db, please log this PM interaction for session s_1: Agent Type: pm, Content: done planning, Iteration: 2",
    "log-interaction",
    session_id="s_1",
    agent_type="pm",
    content="done planning",
    iteration=2,
)
ok(
    "bazinga-db, please log this interaction: Session ID: s_1 Agent Type: developer Content: fixed bug",
    "log-interaction",
    session_id="s_1",
    agent_type="developer",
    content="fixed bug",
)
ok(
    'bazinga-db, please save state: Session: s_1, Type: pm, Data: {"a": 1}',
    "save-state",
    session_id="s_1",
    state_type="pm",
    state_data={"a": 1},
)
ok("bazinga-db, please complete session s_1", "update-session-status", session_id="s_1", status="completed")
ok("bazinga-db, please complete group_a", "update-task-group", group_id="group_a", status="completed")
ok(
    "bazinga-db, please log that the developer used 15k tokens in session s_1",
    "log-tokens",
    session_id="s_1",
    agent_type="developer",
    tokens=15000,
)
ok(
    "bazinga-db, please log this interaction for session s_1 as the orchestrator: spawning QA for group_a",
    "log-interaction",
    session_id="s_1",
    agent_type="orchestrator",
    content="spawning QA for group_a",
)
ok("bazinga-db, please show me session s_1's task groups", "get-task-groups", session_id="s_1")
ok(
    'bazinga-db, save the test coverage results for session s_1: {"coverage": 88}',
    "save-skill-output",
    session_id="s_1",
    skill_name="test_coverage",
    output_data={"coverage": 88},
)
ok("bazinga-db, list the sessions that are in progress", "list-sessions", status="active")
ok(
    "bazinga-db, please create session sess_abc123 in parallel mode: OAuth2",
    "create-session",
    session_id="sess_abc123",
    mode="parallel",
    requirements="OAuth2",
)
ok("bazinga-db, query:\n\nSQL: SELECT 1", "query", sql="SELECT 1")
no("bazinga-db, close session s_1", "no status for a write", "status")
no("bazinga-db, log: done", "no operation", "no operation")
no('bazinga-db, please save: {"a": 1}', "save what?", "no operation")
no("bazinga-db, update: completed", "no group", "group id")
no(
    "bazinga-db, please log this PM interaction for session s_1: Agent Type: developer, Content: x",
    "agent types disagree",
    "two agent types",
)
no("bazinga-db, get token usage for session s_1 and the dashboard", "two operations", "two operations")

ok(
    "bazinga-db, I need to log this interaction:\nSession ID: s_1\nAgent Type: developer\nContent: done",
    "log-interaction",
    session_id="s_1",
    agent_type="developer",
    content="done",
)
ok("bazinga-db, I need the PM state for session s_1", "get-state", session_id="s_1", state_type="pm")
ok(
    "bazinga-db, how many task groups are pending in s_1?",
    "get-task-groups",
    session_id="s_1",
    status="pending",
)
ok("bazinga-db, please give me the last 5 decisions for s_1", "get-decisions", session_id="s_1", limit=5)
ok(
    "bazinga-db, please create a session with id s_9, mode parallel, requirements: build it",
    "create-session",
    session_id="s_9",
    mode="parallel",
    requirements="build it",
)
ok(
    'bazinga-db, please update the tech lead state for session s_1: {"reviewed": 2}',
    "save-state",
    session_id="s_1",
    state_type="tech_lead",
    state_data={"reviewed": 2},
)
ok(
    "bazinga-db, please add a log entry for session s_1 from the developer: compiled OK",
    "log-interaction",
    session_id="s_1",
    agent_type="developer",
    content="compiled OK",
)
ok(
    "bazinga-db, please set the status of task group group_b to failed",
    "update-task-group",
    group_id="group_b",
    status="failed",
)
no(
    "bazinga-db, get the developer logs for developer_1",
    "developer_1 is an agent id, not a session",
    "session id",
)
# Round 2 (issue 11, class 6): a session the text names is used, with or without the word "session".
ok(
    "bazinga-db, please log 500 tokens for the developer in s_1",
    "log-tokens",
    session_id="s_1",
    agent_type="developer",
    tokens=500,
)
# Round 2 (issue 11, class 5): the object may come before its verb ("group_a is done, please update it").
ok(
    "bazinga-db, group_a is done, please update it",
    "update-task-group",
    group_id="group_a",
    status="completed",
)


if __name__ == "__main__":
    path = Path(__file__).with_name("requests_corpus.jsonl")
    with open(path, "w", encoding="utf-8") as file:
        for entry in C:
            file.write(json.dumps(entry, ensure_ascii=False) + "\n")
    print(f"{len(C)} requests -> {path}")
