"""The README's command-line examples run as written.

Every ```bash block of README.md whose lines call the CLI (`python3 $DB …` or `python3 scripts/bazinga_db.py
…`) is run line by line with bash in a temporary folder laid out like the skill folder (scripts/, skill/,
prompts/), so the default database is that folder's ./coordination/bazinga.db. Each line must exit 0, and a
line whose comment shows a ✓ reply must print that reply (… stands for the rest of the line). Lines that
start a server (dashboard, mcp: they run until stopped) are left out, and so are the blocks of other tools
(make, pip, claude).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

from skill.vocabulary import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
CLI_LINE = re.compile(r"^python3 (?:\$DB|scripts/bazinga_db\.py)\b")
ASSIGNMENT = re.compile(r"^[A-Z_]+=\S+$")
SERVERS = {name for name, spec in COMMANDS.items() if spec["kind"] == "server"}


def bash_blocks(text: str) -> list[list[str]]:
    return [block.strip("\n").splitlines() for block in re.findall(r"```bash\n(.*?)```", text, re.DOTALL)]


def split_comment(line: str) -> tuple[str, str]:
    """The command and its trailing comment (a # outside quotes, after spaces)."""
    match = re.search(r"\s{2,}#\s(.*)$", line)
    if match is None:
        return line.strip(), ""
    return line[: match.start()].strip(), match.group(1).strip()


def runnable_blocks() -> list[list[tuple[str, str]]]:
    """The CLI blocks: (command, comment) per line; assignments first, as written."""
    blocks = []
    for lines in bash_blocks((ROOT / "README.md").read_text(encoding="utf-8")):
        parsed = [split_comment(line) for line in lines if line.strip() and not line.lstrip().startswith("#")]
        commands = [command for command, _ in parsed]
        if not any(CLI_LINE.match(c) for c in commands):
            continue
        if not all(CLI_LINE.match(c) or ASSIGNMENT.match(c) for c in commands):
            continue  # mixed with other tools (pip install, claude mcp add): not this test's to run
        kept = [(c, comment) for c, comment in parsed if not _starts_a_server(c)]
        if any(CLI_LINE.match(c) for c, _ in kept):
            blocks.append(kept)
    return blocks


def _starts_a_server(command: str) -> bool:
    words = [w for w in shlex.split(command.split("|")[0]) if not w.startswith("-")]
    return any(word in SERVERS for word in words[2:3])


def skill_folder(tmp_path: Path) -> Path:
    for part in ("scripts", "skill", "prompts"):
        (tmp_path / part).symlink_to(ROOT / part)
    return tmp_path


def test_the_readme_has_a_runnable_usage_block():
    blocks = runnable_blocks()
    assert blocks, "no CLI block found in README.md"
    lines = [c for block in blocks for c, _ in block if CLI_LINE.match(c)]
    assert len(lines) >= 5
    assert any("create-task-group" in line for line in lines)  # the group it updates is created first


def test_the_readme_examples_run_as_written(tmp_path):
    folder = skill_folder(tmp_path)
    env = {key: value for key, value in os.environ.items() if not key.startswith("BAZINGA_")}
    for block in runnable_blocks():
        assignments = [c for c, _ in block if ASSIGNMENT.match(c)]
        for command, comment in block:
            if ASSIGNMENT.match(command):
                continue
            script = "set -o pipefail\n" + "\n".join(assignments) + "\n" + command
            done = subprocess.run(
                ["bash", "-c", script], cwd=folder, env=env, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, (command, done.stdout, done.stderr)
            assert "❌" not in done.stderr and "Traceback" not in done.stderr, (command, done.stderr)
            if comment.startswith("✓ "):
                first = done.stdout.splitlines()[0] if done.stdout else ""
                pattern = ".*".join(re.escape(part) for part in comment.split("…")) + "$"
                assert re.match(pattern, first), (command, comment, first)
    assert (folder / "coordination" / "bazinga.db").exists()
