#!/usr/bin/env python3
"""Play the spec's agent workflows against the default database, the way agents do: one process per call.

    python3 examples/demo.py            # uses $BAZINGA_DB_PATH or ./coordination/bazinga.db
    python3 examples/demo.py --db PATH

Orchestrator creates a session -> PM logs its analysis, creates task groups and saves its state ->
orchestrator assigns a group, logs tokens -> developer logs completion -> QA logs results -> tech lead
reviews, saves skill outputs and requests changes -> developer fixes -> tech lead approves -> the
dashboard snapshot is printed. Every line shown is a real call of scripts/bazinga_db.py and its reply.
"""

import shlex
import subprocess
import sys
import time
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "bazinga_db.py"


def main() -> int:
    extra = sys.argv[1:]
    session = time.strftime("bazinga_%Y%m%d_%H%M%S")

    def call(*args: str, show: bool = True) -> str:
        argv = [sys.executable, str(SCRIPT), *extra, *args]
        done = subprocess.run(argv, capture_output=True, text=True)
        if show:
            print("$ bazinga_db.py " + " ".join(shlex.quote(a) for a in args))
            for line in (done.stderr + done.stdout).rstrip("\n").splitlines():
                print("  " + line)
        if done.returncode != 0:
            print(f"demo stopped: exit code {done.returncode}", file=sys.stderr)
            raise SystemExit(done.returncode)
        return done.stdout

    print("== Orchestrator: start a session")
    call("create-session", session, "parallel", "Add user authentication with OAuth2")
    call("log-decision", session, "spawn_agent", '{"agent":"pm","reason":"new session"}', "1")

    print("\n== Project manager: analyse, create task groups, save state")
    call(
        "log-interaction",
        session,
        "pm",
        "Analyzed requirements. Created 3 task groups: Auth, API, Tests",
        "1",
        "pm_main",
    )
    for group, name in (
        ("group_a", "Authentication"),
        ("group_b", "API Development"),
        ("group_c", "Testing"),
    ):
        call("create-task-group", group, session, name, "pending")
    call("save-state", session, "pm", '{"mode":"parallel","iteration":1,"task_groups_created":3}')
    call("log-tokens", session, "pm", "5000", "pm_main")

    print("\n== Orchestrator: spawn a developer for group_a")
    call("log-interaction", session, "orchestrator", "Spawning developer for group_a", "2")
    call("save-state", session, "orchestrator", '{"active_agents":["developer_1"],"iteration":2}')
    call(
        "update-task-group",
        "group_a",
        "--session",
        session,
        "--assigned_to",
        "developer_1",
        "--status",
        "in_progress",
    )

    print("\n== Developer: implement and report")
    call(
        "log-interaction",
        session,
        "developer",
        "Implemented authentication controller with OAuth2",
        "2",
        "developer_1",
    )
    call("log-tokens", session, "developer", "15000", "developer_1")

    print("\n== QA: test")
    call("log-interaction", session, "qa", "All 48 tests pass; coverage 75%", "3", "qa_1")
    call("log-tokens", session, "qa", "8000", "qa_1")

    print("\n== Tech lead: review, save skill outputs, request changes")
    call(
        "log-interaction",
        session,
        "tech_lead",
        "Review: code quality good, test coverage below threshold",
        "3",
    )
    call("save-skill-output", session, "security_scan", '{"issues":0}')
    call("save-skill-output", session, "test_coverage", '{"coverage":75,"threshold":80}')
    call(
        "update-task-group",
        "group_a",
        "--session",
        session,
        "--last_review_status",
        "CHANGES_REQUESTED",
        "--increment-revision",
    )
    call("log-tokens", session, "tech_lead", "4200")

    print("\n== Developer fixes, tech lead approves")
    call("log-interaction", session, "developer", "Added the missing tests; coverage 86%", "4", "developer_1")
    call(
        "update-task-group",
        "group_a",
        "--session",
        session,
        "--last_review_status",
        "APPROVED",
        "--status",
        "completed",
    )

    print("\n== Dashboard")
    call("dashboard-snapshot", session, "--format", "text")
    print(f"\nJSON for dashboards: python3 scripts/bazinga_db.py dashboard-snapshot {session}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
