"""Generate skill/reader/regex_code.bin: the opcode lists of the reader's patterns. A development tool.

    python3 -m skill.devtools.regex_cache            rewrite the cache for this interpreter
    python3 -m skill.devtools.regex_cache --check    exit 1 when the cache misses a pattern the corpora reach,
                                                     holds one they no longer reach, or was made by another
                                                     interpreter

Every request of the corpora (tests/requests_*.jsonl and tests/requests_heldout/**.jsonl, the held-out sets
included: only which patterns the reader compiles is recorded, nothing about its answers) is read by the
real reader; each pattern it compiles through ``skill.reader.regex_cache.compiled`` is compiled here the way
``re.compile`` does it, and its opcode list is stored. Run it after changing a pattern or phrasings.json;
a pattern missing from the cache is only slower (``re.compile``), never wrong.
"""

from __future__ import annotations

import _sre
import argparse
import gc
import json
import marshal
import sys
from pathlib import Path
from re import _compiler, _parser  # type: ignore[attr-defined]
from typing import Any

from ..reader import regex_cache

REPO_ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(regex_cache.CACHE_FILE)
MIN_SHARE = 0.05  # a pattern is cached when at least 5% of the corpora's texts compile it


def corpus_texts() -> list[str]:
    """Every request text of the repository's corpora."""
    tests = REPO_ROOT / "tests"
    files = sorted(tests.glob("requests_*.jsonl")) + sorted((tests / "requests_heldout").glob("**/*.jsonl"))
    texts = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(json.loads(line)["text"])
    return texts


def reached_patterns() -> set[tuple[str, int]]:
    """The (pattern, flags) worth caching: what the reader compiles on the corpora, by call site.

    A call site that compiles one pattern only, or compiles all of its patterns while reading one text (and
    never again: it keeps them, built from phrasings.json), holds the reader's own constants: cached (counting
    texts would undercount them). A site that compiles other patterns for other texts builds them around a
    text's own values (an id, a word it quotes); of those, only the ones at least MIN_SHARE of the texts
    reach are cached, the rest would make the cache bigger than the time it saves.
    """
    from .. import reader

    reached: dict[tuple[str, int], int] = {}
    by_site: dict[tuple[str, int], tuple[set[tuple[str, int]], set[int]]] = {}
    current = [0]
    original = regex_cache.compiled
    seen: set[tuple[str, int]] = set()
    here = regex_cache.__file__

    def recording(pattern: str, flags: int = 0) -> Any:
        key = (pattern, int(flags))
        seen.add(key)
        frame = sys._getframe(1)
        while frame.f_back is not None and frame.f_code.co_filename == here:
            frame = frame.f_back
        keys, texts_at = by_site.setdefault((frame.f_code.co_filename, frame.f_lineno), (set(), set()))
        keys.add(key)
        texts_at.add(current[0])
        return original(pattern, flags)

    texts = corpus_texts()
    regex_cache.compiled = recording  # type: ignore[assignment]
    try:
        for index, text in enumerate(texts):
            current[0] = index
            seen.clear()
            try:
                reader.parse(text)
            except Exception:  # refusals are BazingaErrors; any other error is the tests' business
                pass
            for key in seen:
                reached[key] = reached.get(key, 0) + 1
    finally:
        regex_cache.compiled = original
    constant = {
        key for keys, texts_at in by_site.values() if len(keys) == 1 or len(texts_at) == 1 for key in keys
    }
    often = {key for key, count in reached.items() if count >= MIN_SHARE * len(texts)}
    # A Lazy pattern (lexicon.Lazy) is compiled once per process however many texts reach it: all of those
    # the run reached are the reader's own
    from ..reader.lexicon import Lazy

    lazy = {
        (obj._args[0], int(obj._args[1]))
        for obj in gc.get_objects()
        if isinstance(obj, Lazy) and "match" in vars(obj)
    }
    return constant | often | lazy


def opcode_entry(pattern: str, flags: int) -> tuple[Any, ...]:
    """What ``_sre.compile`` takes besides the pattern, computed as ``re._compiler.compile`` does."""
    parsed = _parser.parse(pattern, flags)
    code = _compiler._code(parsed, flags)
    groupindex = parsed.state.groupdict
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    packed = memoryview(bytearray(len(code) * _sre.CODESIZE)).cast("I")
    for at, value in enumerate(code):
        packed[at] = value
    return (
        flags | parsed.state.flags,
        packed.tobytes(),
        parsed.state.groups - 1,
        tuple(sorted(groupindex.items())),
        tuple(indexgroup),
    )


def render(patterns: set[tuple[str, int]]) -> bytes:
    """The file's bytes (layout in skill/reader/regex_cache.py): engine, index, entries, sorted."""
    index: dict[int, tuple[int, ...]] = {}
    entries = []
    offset = 0
    for pattern, flags in sorted(patterns):
        entry = marshal.dumps((pattern, flags, *opcode_entry(pattern, flags)), 2)
        if len(entry) >= 1 << regex_cache._SIZE_BITS:
            continue  # too big to file; re.compile takes it
        key = regex_cache.entry_key(pattern, flags)
        index[key] = (*index.get(key, ()), offset << regex_cache._SIZE_BITS | len(entry))
        entries.append(entry)
        offset += len(entry)
    # marshal version 2 writes no back-references, so the bytes are the same on every run (--check)
    header = marshal.dumps((regex_cache.engine(_sre), index), 2)
    return len(header).to_bytes(4, "little") + header + b"".join(entries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m skill.devtools.regex_cache", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when the cache is stale; write nothing")
    options = parser.parse_args(argv)
    patterns = reached_patterns()
    content = render(patterns)
    current = TARGET.read_bytes() if TARGET.exists() else b""
    if options.check:
        if current != content:
            print(f"{TARGET.relative_to(REPO_ROOT)} is stale: run python3 -m skill.devtools.regex_cache")
            return 1
        return 0
    TARGET.write_bytes(content)
    print(f"wrote {TARGET.relative_to(REPO_ROOT)} ({len(patterns)} patterns, {len(content)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
