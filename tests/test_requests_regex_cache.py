"""The reader's regex cache (skill/reader/regex_cache.py): the same patterns as re.compile, or none at all."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from skill.reader import _regex_code, regex_cache

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).parent / "requests_dev.jsonl"
COMPILING = {"compile", "search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split"}
TYPICAL = [
    # bench/bench_startup.py's request and a one-line form agents write; a rarer verb ("mark …", under 5% of
    # the corpora) may still compile its one small pattern around the verb
    "bazinga-db, please log this PM interaction:\nSession ID: typical\nAgent Type: pm\n"
    "Content: Planned 3 task groups\nIteration: 2\n",
    "bazinga-db, please log 12,500 tokens for developer_2 in sess_beta",
]
SAMPLE_TEXTS = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines()[:300]]

_sre = pytest.importorskip("_sre")
SAME_ENGINE = _regex_code.ENGINE == regex_cache.engine(_sre)
ENTRIES = sorted(_regex_code.CODE)


def test_the_cache_is_not_empty_and_names_its_engine() -> None:
    assert len(ENTRIES) > 20
    name, version, magic, codesize, itemsize = _regex_code.ENGINE
    assert name == "cpython" and magic > 0 and codesize == itemsize


@pytest.mark.skipif(not SAME_ENGINE, reason="the cache was made by another interpreter")
@pytest.mark.parametrize("key", ENTRIES, ids=[str(at) for at in range(len(ENTRIES))])
def test_every_cached_entry_is_what_re_compiles_today(key: tuple[str, int]) -> None:
    from skill.devtools.regex_cache import opcode_entry

    assert _regex_code.CODE[key] == opcode_entry(*key)


@pytest.mark.skipif(not SAME_ENGINE, reason="the cache was made by another interpreter")
def test_a_pattern_built_from_the_cache_matches_like_re_compile() -> None:
    for pattern, flags in ENTRIES:
        regex_cache._PATTERNS.pop((pattern, flags), None)
        cached = regex_cache.compiled(pattern, flags)
        fresh = re.compile(pattern, flags)
        assert cached is not fresh  # built from the cache, not re's own
        assert (cached.pattern, cached.flags, cached.groups, cached.groupindex) == (
            fresh.pattern,
            fresh.flags,
            fresh.groups,
            fresh.groupindex,
        )
        for text in SAMPLE_TEXTS:
            assert [m.span() + m.groups() for m in cached.finditer(text)] == [
                m.span() + m.groups() for m in fresh.finditer(text)
            ], (pattern, text)


def test_another_interpreters_cache_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    pattern, flags = ENTRIES[0]
    monkeypatch.setattr(_regex_code, "ENGINE", ("cpython", (3, 0), 0, 4, 4))
    monkeypatch.setattr(regex_cache, "_CODE", None)
    monkeypatch.setattr(regex_cache, "_PATTERNS", {})
    assert regex_cache._cache() == {}
    assert regex_cache.compiled(pattern, flags) is re.compile(pattern, flags)  # re's own cache: re.compile


def test_a_pattern_not_in_the_cache_is_compiled_by_re() -> None:
    pattern = r"(?P<never>cached)\s+pattern\s+\d{3}"
    assert (pattern, 0) not in _regex_code.CODE
    assert regex_cache.compiled(pattern).pattern == pattern
    assert regex_cache.search(pattern, "a cached pattern 123") is not None


def test_the_module_functions_answer_like_re() -> None:
    text = "Session ID: s_1, Agent: qa; iteration 3"
    assert regex_cache.sub(r"\d", "#", text) == re.sub(r"\d", "#", text)
    assert regex_cache.subn(r"\d", "#", text, count=1) == re.subn(r"\d", "#", text, count=1)
    assert regex_cache.split(r"[,;]\s*", text, maxsplit=1) == re.split(r"[,;]\s*", text, maxsplit=1)
    assert regex_cache.findall(r"(?i)agent", text) == re.findall(r"(?i)agent", text)
    assert regex_cache.fullmatch(r"\w+", "abc") is not None
    assert regex_cache.match(r"session", text, re.IGNORECASE) is not None


def test_the_reader_compiles_every_pattern_through_the_cache() -> None:
    # a re.search(...) in the reader would compile with re's own compiler on every process: rx.search(...)
    import ast

    calls = []
    for path in sorted((ROOT / "skill" / "reader").glob("*.py")):
        if path.name in ("regex_cache.py", "_regex_code.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in COMPILING
            ):
                calls.append(f"{path.name}:{node.lineno} re.{node.func.attr}")
    assert calls == []


@pytest.mark.skipif(not SAME_ENGINE, reason="the cache was made by another interpreter")
@pytest.mark.parametrize("text", TYPICAL, ids=["labelled", "one-line"])
def test_a_typical_request_compiles_no_pattern_in_a_fresh_process(text: str) -> None:
    # what bench/bench_startup.py measures: a new process reading one request
    probe = (
        "import re, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "compiled = []\n"
        "original = re._compiler.compile\n"
        "def counting(pattern, flags=0):\n"
        "    compiled.append(str(pattern))\n"
        "    return original(pattern, flags)\n"
        "import skill.cli, skill.reader\n"
        "re._compiler.compile = counting\n"
        f"skill.reader.parse({text!r})\n"
        "print(len(compiled))\n"
        "for pattern in compiled: print(pattern[:100])\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[0] == "0", result.stdout
