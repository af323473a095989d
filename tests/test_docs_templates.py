"""prompts/templates/: one file per agent role, each block a request that, once its <placeholders> are
filled, becomes exactly the command its heading names, and that is refused while one is left unfilled."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import NamedTuple

import pytest

from skill.vocabulary import COMMANDS

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "prompts" / "templates"
ROLES = ("orchestrator", "pm", "developer", "qa", "tech_lead", "dashboard")  # the spec's workflows
S = "bazinga_20250113_143530"
# What a test writes for each placeholder; any other <text> is an example value and is used as it stands.
FILL = {
    "session_id": S,
    "iteration": "1",
    "group_id": "group_a",
    "simple or parallel": "parallel",
    "the user's request": "Add user authentication with OAuth2",
    "CHANGES_REQUESTED or APPROVED": "CHANGES_REQUESTED",
}
PLACEHOLDER = re.compile(r"<([^<>\n]+)>")
BLOCK = re.compile(r"^## ([^\n]*)\(([a-z-]+)\)\n```text\n(.*?)\n```$", re.MULTILINE | re.DOTALL)
needs_requests = pytest.mark.skipif("request" not in COMMANDS, reason="the request command has not landed")


class Template(NamedTuple):
    role: str
    title: str
    command: str
    text: str

    def filled(self, **values: str) -> str:
        table = {**FILL, **values}
        return PLACEHOLDER.sub(lambda m: table.get(m.group(1), m.group(1)), self.text)


def templates(role: str) -> list[Template]:
    text = (TEMPLATES / f"{role}.md").read_text(encoding="utf-8")
    return [Template(role, m.group(1).strip(), m.group(2), m.group(3)) for m in BLOCK.finditer(text)]


ALL = [t for role in ROLES for t in templates(role)]


def test_every_role_has_templates_and_every_block_names_a_command():
    assert sorted(p.stem for p in TEMPLATES.glob("*.md") if p.stem != "README") == sorted(ROLES)
    for role in ROLES:
        text = (TEMPLATES / f"{role}.md").read_text(encoding="utf-8")
        found = templates(role)
        assert found, role
        assert text.count("```text") == len(found), f"{role}: a block without a '## title (command)' heading"
        for template in found:
            assert template.command in COMMANDS, template
            assert template.text.startswith("bazinga-db, please "), template


def test_the_workflows_use_every_write_command():
    # the agents' writes: not the migration tools, which run once by hand (references/migration.md), nor the
    # maintenance commands (backup), which people and scripts run
    writes = {
        name
        for name, spec in COMMANDS.items()
        if spec.get("kind") == "write" and spec.get("requests", True) and "method" in spec
    }
    assert writes - {"set-config"} <= {t.command for t in ALL}


@needs_requests
@pytest.mark.parametrize("template", ALL, ids=[f"{t.role}:{t.command}:{i}" for i, t in enumerate(ALL)])
def test_a_filled_template_becomes_the_command_its_heading_names(template, run_cli):
    result = run_cli("request", "--dry-run", template.filled())
    assert (result.code, result.stderr) == (0, "")
    parsed = json.loads(result.stdout)
    assert parsed["command"] == template.command
    values = set(json.dumps(parsed["args"]).split('"'))
    assert S in values or "session_id" not in {a["name"] for a in COMMANDS[template.command]["args"]}


@needs_requests
@pytest.mark.parametrize(
    "template",
    [t for t in ALL if PLACEHOLDER.search(t.text)],
    ids=[f"{t.role}:{t.command}:{i}" for i, t in enumerate(t for t in ALL if PLACEHOLDER.search(t.text))],
)
def test_an_unfilled_template_is_refused_not_guessed(template, run_cli):
    result = run_cli("request", "--dry-run", template.text)
    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("❌ ")


def request_forms() -> list[tuple[str, str]]:
    """The form each refusal shows for its operation ("Send it in this form:")."""
    if "request" not in COMMANDS:
        return []
    from skill.reader import OPERATIONS, request_form

    return [(command, request_form(command)) for command in OPERATIONS]


@needs_requests
@pytest.mark.parametrize("command, form", request_forms(), ids=[c for c, _ in request_forms()])
def test_the_form_a_refusal_shows_works_as_written_and_without_its_optional_lines(command, form, run_cli):
    required_only = "\n".join(line for line in form.splitlines() if not line.endswith("(optional)"))
    for text in (form, required_only):
        result = run_cli("request", "--dry-run", text)
        assert (result.code, result.stderr) == (0, ""), text
        assert json.loads(result.stdout)["command"] == command
