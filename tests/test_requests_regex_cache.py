"""The reader's regex cache (skill/reader/regex_cache.py): the same patterns as re.compile, or none at all."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from skill.reader import _regex_code, regex_cache

CORPUS = Path(__file__).parent / "requests_dev.jsonl"
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
