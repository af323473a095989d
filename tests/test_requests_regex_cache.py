"""The reader's regex cache (skill/reader/regex_cache.py): the same patterns as re.compile, or none at all."""

from __future__ import annotations

import json
import marshal
import re
import subprocess
import sys
from pathlib import Path

import pytest

from skill.reader import regex_cache

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
CACHED = regex_cache.all_entries()
SAME_ENGINE = bool(CACHED)  # the file's index is read only when it was made by this interpreter
ENTRIES = sorted(CACHED)


def _file_engine() -> tuple:
    with open(regex_cache.CACHE_FILE, "rb") as file:
        size = int.from_bytes(file.read(4), "little")
        return marshal.loads(file.read(size))[0]


def test_the_cache_is_not_empty_and_names_its_engine() -> None:
    name, version, magic, codesize, itemsize = _file_engine()
    assert name == "cpython" and magic > 0 and codesize == itemsize
    if SAME_ENGINE:
        assert len(ENTRIES) > 20


def test_the_cache_is_read_entry_by_entry_not_whole() -> None:
    # what a request pays for: the index and the entries it compiles, never the whole file
    size = Path(regex_cache.CACHE_FILE).stat().st_size
    probe = (
        "import os, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "read = []\n"
        "original = os.pread\n"
        "def counting(fd, n, at):\n"
        "    read.append(n)\n"
        "    return original(fd, n, at)\n"
        "os.pread = counting\n"
        "import skill.reader\n"
        f"skill.reader.parse({TYPICAL[0]!r})\n"
        "print(len(read), sum(read))\n"
    )
    if not hasattr(__import__("os"), "pread"):
        pytest.skip("no os.pread: the file is read whole")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    entries, total = map(int, result.stdout.split())
    if SAME_ENGINE:
        assert 0 < entries < len(ENTRIES) and total < size / 3


@pytest.mark.skipif(not SAME_ENGINE, reason="the cache was made by another interpreter")
@pytest.mark.parametrize("key", ENTRIES, ids=[str(at) for at in range(len(ENTRIES))])
def test_every_cached_entry_is_what_re_compiles_today(key: tuple[str, int]) -> None:
    from skill.devtools.regex_cache import opcode_entry

    assert CACHED[key] == opcode_entry(*key)


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


@pytest.mark.skipif(not SAME_ENGINE, reason="the cache was made by another interpreter")
def test_another_interpreters_cache_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    pattern, flags = ENTRIES[0]
    monkeypatch.setattr(regex_cache, "engine", lambda sre: ("cpython", (3, 0), 0, 4, 4))
    monkeypatch.setattr(regex_cache, "_INDEX", None)
    monkeypatch.setattr(regex_cache, "_ENTRIES", None)
    monkeypatch.setattr(regex_cache, "_PATTERNS", {})
    assert regex_cache.all_entries() == {}
    assert regex_cache.compiled(pattern, flags) is re.compile(pattern, flags)  # re's own cache: re.compile


@pytest.mark.parametrize("damage", [b"", b"\x00\x00", b"\xff\xff\x00\x00garbage"])
def test_a_missing_or_damaged_cache_file_falls_back_to_re(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, damage: bytes
) -> None:
    broken = tmp_path / "regex_code.bin"
    if damage:
        broken.write_bytes(damage)
    monkeypatch.setattr(regex_cache, "CACHE_FILE", str(broken))
    monkeypatch.setattr(regex_cache, "_INDEX", None)
    monkeypatch.setattr(regex_cache, "_ENTRIES", None)
    monkeypatch.setattr(regex_cache, "_PATTERNS", {})
    pattern = r"(?i)\bsession\s+(\w+)"
    assert regex_cache.search(pattern, "the Session s_1").group(1) == "s_1"
    assert regex_cache.all_entries() == {}


def test_an_entry_filed_under_a_shared_key_is_told_apart_by_its_pattern() -> None:
    # the index files entries by length, flags and last character: two patterns may share a key
    shared = [positions for positions in regex_cache._index().values() if len(positions) > 1]
    if not SAME_ENGINE:
        pytest.skip("the cache was made by another interpreter")
    assert shared, "no two cached patterns share a key: the test would prove nothing"
    sharing = [key for key in ENTRIES if len(regex_cache._index()[regex_cache.entry_key(*key)]) > 1]
    for pattern, flags in sharing:
        assert regex_cache.cached_entry(pattern, flags) == CACHED[(pattern, flags)]
    pattern, flags = sharing[0]
    other = "y" if pattern[-2] == "x" else "x"
    twin = pattern[:-2] + other + pattern[-1]  # same length, flags and last character; not cached
    assert regex_cache.cached_entry(twin, flags) is None


def test_a_pattern_not_in_the_cache_is_compiled_by_re() -> None:
    pattern = r"(?P<never>cached)\s+pattern\s+\d{3}"
    assert (pattern, 0) not in CACHED
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
        if path.name == "regex_cache.py":
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
