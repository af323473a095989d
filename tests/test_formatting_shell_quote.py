"""formatting.shell_quote: shlex.quote without importing shlex (a request's start-up avoids it)."""

from __future__ import annotations

import random
import shlex

import pytest

from skill.formatting import shell_quote

CASES = [
    "",
    "plain",
    "group_a",
    "s_1001",
    "a b",
    "it's",
    "'",
    '"double"',
    "$HOME",
    "semi;colon",
    "new\nline",
    "tab\tin",
    "ümlaut",
    "path/to/file.py",
    "key=value,more:@%+-",
    "back\\slash",
    '{"json": [1, 2]}',
    "*glob?",
    "`tick`",
    "--flag",
]


@pytest.mark.parametrize("text", CASES)
def test_shell_quote_is_shlex_quote(text: str) -> None:
    assert shell_quote(text) == shlex.quote(text)


def test_shell_quote_agrees_with_shlex_on_random_text() -> None:
    alphabet = "abcXYZ019_@%+=:,./- '\"$\\;&|*?!\n\tüé€`~#(){}[]<>"
    chooser = random.Random(11)
    for _ in range(3000):
        text = "".join(chooser.choice(alphabet) for _ in range(chooser.randint(0, 12)))
        assert shell_quote(text) == shlex.quote(text), text
