"""The reader's patterns are compiled lazily (skill/reader/lexicon.py ``Lazy``); their ``needs`` are sound.

A request process pays for the regexes its text reaches, not for all of them: importing the reader compiles
none. A Lazy's ``needs`` lets a text answer "no match" without compiling; that is only the same behaviour if
every match of the pattern contains one of the needs, which is checked here on the parsed pattern (a
necessary-literal analysis over re's parser: literals, character sets, groups, alternations, repeats of one
or more, lookarounds that must hold).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest

from skill.reader import lexicon

try:  # Python 3.11+
    from re import _constants as sre_constants, _parser as sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants
    import sre_parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# by import_module: ``skill.reader.normalise`` as an attribute is the package's function of that name
MODULES = tuple(
    importlib.import_module("skill.reader." + name)
    for name in ("lexicon", "normalise", "split", "intent", "slots", "coverage", "convert")
)
normalise = MODULES[1]


def _lazies() -> list[tuple[str, lexicon.Lazy]]:
    found = []
    for module in MODULES:
        for name, value in vars(module).items():
            if isinstance(value, lexicon.Lazy):
                found.append((f"{module.__name__}.{name}", value))
            elif isinstance(value, dict):
                found += [
                    (f"{module.__name__}.{name}[{key!r}]", v)
                    for key, v in value.items()
                    if isinstance(v, lexicon.Lazy)
                ]
    return found


LAZIES = _lazies()
GUARDED = [(name, lazy) for name, lazy in LAZIES if lazy._needs]


def test_importing_the_reader_compiles_no_pattern():
    code = (
        "import re, sys\n"
        "compiled = []\n"
        "original = re._compile\n"
        "re._compile = lambda p, f: (compiled.append(p), original(p, f))[1]\n"
        "import skill.vocabulary, skill.errors\n"
        "compiled.clear()\n"
        "import skill.reader\n"
        "print(len(compiled)); print(compiled)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "0", f"compiled at import (make them lexicon.Lazy): {out[1]}"


def test_there_are_guarded_patterns():
    assert len(GUARDED) >= 10


def _contains_a_need(pattern: str, flags: int, needs: tuple[str, ...]) -> bool:
    """Whether every match of ``pattern`` (or the lookarounds it requires) contains one of ``needs``."""
    parsed = sre_parse.parse(pattern, flags)
    folded = bool(parsed.state.flags & sre_constants.SRE_FLAG_IGNORECASE)
    wanted = [n.lower() for n in needs] if folded else list(needs)

    def holds(literal: str) -> bool:
        literal = literal.lower() if folded else literal
        return any(n in literal for n in wanted)

    def sequence(items) -> bool:
        run = ""
        for op, av in list(items) + [(None, None)]:
            if op is sre_constants.LITERAL:
                run += chr(av)
                continue
            if (
                op is sre_constants.MAX_REPEAT
                and av[0] >= 1
                and len(av[2]) == 1
                and av[2][0][0] is sre_constants.LITERAL
            ):
                copies = chr(av[2][0][1]) * av[0]  # "-{2,}": at least "--", joined to the literals around it
                if holds(run + copies):
                    return True
                run = copies
                continue
            if run and holds(run):
                return True
            run = ""
            if op is not None and item(op, av):
                return True
        return False

    def item(op, av) -> bool:
        if op is sre_constants.IN:
            chars = []
            for kind, value in av:
                if kind is sre_constants.LITERAL:
                    chars.append(chr(value))
                elif kind is sre_constants.RANGE and value[1] - value[0] < 64:
                    chars += [chr(c) for c in range(value[0], value[1] + 1)]
                else:
                    return False  # NEGATE, CATEGORY, wide ranges: no literal is certain
            return bool(chars) and all(holds(c) for c in chars)
        if op is sre_constants.SUBPATTERN:
            return sequence(av[-1])
        if op is sre_constants.BRANCH:
            return all(sequence(branch) for branch in av[1])
        if op in (
            sre_constants.MAX_REPEAT,
            sre_constants.MIN_REPEAT,
            getattr(sre_constants, "POSSESSIVE_REPEAT", None),
        ):
            return av[0] >= 1 and sequence(av[2])
        if op is sre_constants.ASSERT:  # a lookaround that must hold: its text is in the string
            return sequence(av[1])
        if op is getattr(sre_constants, "ATOMIC_GROUP", None):
            return sequence(av)
        return False

    return sequence(parsed)


@pytest.mark.parametrize("name, lazy", GUARDED, ids=[name for name, _ in GUARDED])
def test_needs_are_in_every_match(name, lazy):
    pattern, flags = lazy._args
    assert _contains_a_need(pattern, flags, lazy._needs), f"{name}: a match may contain none of {lazy._needs}"


def test_the_checker_refuses_wrong_needs():
    assert _contains_a_need(r"(?i)\s*select\b", 0, ("select",))
    assert _contains_a_need(r"\{|\[(?=\s*x)", 0, ("{", "["))
    assert _contains_a_need(r"a(?:bc|xbc)d", 0, ("bc",))
    assert _contains_a_need(r"(?<=[.!?])\s+", 0, (".", "!", "?"))
    assert not _contains_a_need(r"\{|\[(?=\s*x)", 0, ("{",))
    assert not _contains_a_need(r"a?bc", 0, ("a",))
    assert not _contains_a_need(r"(?:ab)*c", 0, ("ab",))
    assert not _contains_a_need(r"(?<!x)y", 0, ("x",))
    assert not _contains_a_need(r"[^a]b", 0, ("a",))
    assert not _contains_a_need(r"select", 0, ("SELECT",))
    assert _contains_a_need(r"a-{2,}b", 0, ("a--",)) and _contains_a_need(r"a-{2,}b", 0, ("--b",))
    assert not _contains_a_need(r"a-{2,}b", 0, ("a--b",)) and not _contains_a_need(r"a-{1,}b", 0, ("--",))


@pytest.mark.parametrize("name, lazy", GUARDED, ids=[name for name, _ in GUARDED])
def test_a_guarded_pattern_answers_as_the_compiled_one(name, lazy):
    """Without a need the answer is "no match"; with one, the compiled pattern's own answer."""
    import re

    compiled = re.compile(*lazy._args)
    texts = [
        "",
        "plain words only",
        "x " + " ".join(lazy._needs) + " y",
        "\u00e9t\u00e9 " + lazy._needs[0].upper(),
    ]
    for text in texts:
        fresh = lexicon.Lazy(lazy._args[0], lazy._args[1], needs=lazy._needs)
        assert (fresh.search(text) is None) == (compiled.search(text) is None)
        assert fresh.findall(text) == compiled.findall(text)
        assert fresh.split(text) == compiled.split(text)
        assert fresh.sub("#", text) == compiled.sub("#", text)
        assert [m.span() for m in fresh.finditer(text)] == [m.span() for m in compiled.finditer(text)]


def test_the_emoji_guard_skips_only_texts_the_pattern_leaves_alone():
    """normalise._strip_prefixes runs _EMOJI only on a text that starts with a space or a character from
    U+200D on: every other first character is one the pattern cannot match."""
    import re

    emoji = re.compile(*normalise._EMOJI._args)
    for code in range(0x200D):
        char = chr(code)
        if not char.isspace():
            assert emoji.match(char + "x") is None, hex(code)
