"""The vocabulary (prompts/commands.json) is the one source of names, arguments, types and usage lines.

These tests fail when a module keeps its own copy of vocabulary data: a list of the enumerations, the
documented agent types or an enumeration's values, a map from JSON arguments to payload kinds, a
per-argument type conversion written out by hand, or a usage line built its own way.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from skill import cli
from skill.api import BazingaDB
from skill.vocabulary import AGENT_TYPES, ARGUMENTS, COMMANDS, ENUMS, usage_line

ROOT = Path(__file__).resolve().parents[1]
# Run-time modules: everything under skill/ except the vocabulary itself and the development tools.
RUNTIME = sorted(
    p
    for p in (ROOT / "skill").rglob("*.py")
    if p.name != "vocabulary.py" and "devtools" not in p.relative_to(ROOT).parts
)
JSON_ARGUMENTS = {name for name, spec in ARGUMENTS.items() if spec["type"] == "json"}
PAYLOAD_KINDS = {spec["payload"]["kind"] for spec in ARGUMENTS.values() if "payload" in spec}


def _string_collections(tree: ast.AST):
    """(line, strings) for every literal tuple, list, set, and the keys (and values) of every literal dict."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            items = node.elts
        elif isinstance(node, ast.Dict):
            items = [k for k in node.keys if k is not None]
        else:
            continue
        strings = {e.value for e in items if isinstance(e, ast.Constant) and isinstance(e.value, str)}
        if strings:
            yield node, strings


def _copies(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    documented = set(AGENT_TYPES["documented"])
    for node, strings in _string_collections(tree):
        where = f"{path.name}:{node.lineno}"
        if len(strings & set(ENUMS)) >= 2:
            found.append(f"{where}: a list of enumerations {sorted(strings & set(ENUMS))}")
        if documented <= strings:
            found.append(f"{where}: the documented agent types")
        for enum, spec in ENUMS.items():
            if len(spec["values"]) >= 3 and set(spec["values"]) <= strings:
                found.append(f"{where}: the values of {enum}")
        if isinstance(node, ast.Dict) and len(strings & JSON_ARGUMENTS) >= 2:
            values = {
                v.value for v in ast.walk(node) if isinstance(v, ast.Constant) and isinstance(v.value, str)
            }
            if values & PAYLOAD_KINDS:
                found.append(f"{where}: a map from JSON arguments to payload kinds")
    return found


@pytest.mark.parametrize("path", RUNTIME, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_keeps_a_copy_of_vocabulary_data(path):
    assert _copies(path) == []


def test_the_scan_finds_each_kind_of_copy(tmp_path):
    """The scan itself can fail: it sees each kind of copy it is meant to catch."""
    module = tmp_path / "copy.py"
    module.write_text(
        "ENUM_TYPES = ('mode', 'session_status')\n"
        "DOCUMENTED = ['orchestrator', 'pm', 'developer', 'qa', 'tech_lead']\n"
        "STATUSES = {'pending', 'in_progress', 'completed', 'failed'}\n"
        "KINDS = {'state_data': 'state', 'output_data': 'skill_output'}\n"
    )
    assert [line.split(": ", 1)[0] for line in _copies(module)] == [
        "copy.py:1",
        "copy.py:2",
        "copy.py:3",
        "copy.py:4",
    ]


@pytest.mark.parametrize("module", ["api.py", "transfer.py"])
def test_no_argument_is_converted_by_a_type_written_in_code(module):
    """api.py converts through @operation (convert_args), transfer.py through the vocabulary's columns."""
    tree = ast.parse((ROOT / "skill" / module).read_text(encoding="utf-8"))
    literal_calls = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", getattr(node.func, "attr", None)) in ("convert", "normalise_enum")
        and node.args
        and isinstance(node.args[0], ast.Constant)
    ]
    assert literal_calls == []


# Commands that are one BazingaDB method (the others name a function of their own handler's module).
OPERATIONS = {name: spec for name, spec in COMMANDS.items() if "method" in spec and "handler" not in spec}


@pytest.mark.parametrize("command", sorted(OPERATIONS))
def test_api_methods_take_the_vocabulary_arguments_in_order(command):
    method = getattr(BazingaDB, OPERATIONS[command]["method"])
    wrapped = getattr(method, "__wrapped__", method)
    parameters = [p for p in inspect.signature(wrapped).parameters if p != "self"]
    names = [arg["name"] for arg in COMMANDS[command]["args"]]
    signature = inspect.signature(wrapped).parameters
    # The vocabulary's arguments, in its order; API-only extras (query's ``params``) have defaults and come
    # after the vocabulary's positional ones. Keyword-only parameters cannot be given by position, so query's
    # bounds may follow ``params``, which every existing caller passes second.
    positional = [p for p in parameters if signature[p].kind != inspect.Parameter.KEYWORD_ONLY]
    vocabulary_first = [p for p in positional if p in names] + [p for p in positional if p not in names]
    assert positional == vocabulary_first
    assert [p for p in parameters if p in names] == names
    extra = [p for p in parameters if p not in names]
    assert all(signature[p].default is not inspect.Parameter.empty for p in extra)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_usage_line_is_the_vocabulary_one(command):
    """The CLI's usage (help, hints) and the docs' command table show the same arguments."""
    from skill.devtools import docgen

    line = usage_line(command)
    assert cli.usage(command).endswith(f" {command} {line}".rstrip())
    assert f"| {command} | {line} |" in docgen.command_table()
