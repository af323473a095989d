"""The tests use copies of the shared fixtures (so a clone runs them alone); the copies must not drift.

When ../shared/ sits beside the repository (as on the developers' and CI's machines), each copy must be
byte-identical to its original.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SHARED = TESTS.parent.parent / "shared"
COPIES = {
    "requests/examples.jsonl": TESTS / "requests_examples.jsonl",
    "legacy/EXPECTED.md": TESTS / "legacy_sample" / "EXPECTED.md",
    "legacy/FORMATS.md": TESTS / "legacy_sample" / "FORMATS.md",
}
COPIES.update(
    {
        f"legacy/sample-coordination/{p.relative_to(SHARED / 'legacy' / 'sample-coordination')}": TESTS
        / "legacy_sample"
        / "sample-coordination"
        / p.relative_to(SHARED / "legacy" / "sample-coordination")
        for p in sorted((SHARED / "legacy" / "sample-coordination").rglob("*"))
        if p.is_file()
    }
    if SHARED.is_dir()
    else {}
)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/ is not beside this checkout")
@pytest.mark.parametrize("original", sorted(COPIES))
def test_copy_equals_the_shared_original(original):
    assert COPIES[original].read_bytes() == (SHARED / original).read_bytes()


def test_the_copies_exist():
    assert all(copy.is_file() for copy in COPIES.values())
