"""Moving big sessions: export-session, then import-session into a fresh database, of a 1M-log-row session.

Builds (cached under bench/out/) a SQLite database holding one session ``big`` with ``--rows`` log rows
(default 1,000,000; ~200 characters of content each) and a few thousand rows in every other table, then
runs the real script as an agent would, each step a child process:

1. ``export-session big --out big.json`` from the built database;
2. ``import-session big.json`` into a new, empty database;
3. ``export-session big --out back.json`` from that new database.

and prints per step the wall time, CPU time and peak RSS (``os.wait4`` through bench/launcher.py: that child
alone), then checks that
the round trip is exact: rows per table, a SHA-256 of every table's rows of the session (ordered as the
export orders them, without row ids) in both databases, and the two export files byte for byte.

    python3 bench/bench_transfer.py [--rows N] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from build_db import AGENTS, BASE, CONTENT, _ts, finish_build, open_build  # noqa: E402
from common import FLOOR, OUT, ensure_out, script, skill_root, spawn  # noqa: E402

BUILD_VERSION = 1
SESSION = "big"
OTHER_ROWS = {"state_snapshots": 2_000, "token_usage": 5_000, "skill_outputs": 500, "decisions": 500}


def build(rows: int, force: bool) -> str:
    path = os.path.join(OUT, f"transfer-{rows}-v{BUILD_VERSION}.db")
    if os.path.exists(path) and not force:
        return path
    ensure_out()
    temporary, conn = open_build(path)
    start = _ts(BASE)
    conn.execute(
        "INSERT INTO sessions (session_id, start_time, end_time, mode, original_requirements, status, "
        "created_at, updated_at) VALUES (?, ?, NULL, 'parallel', 'Move a big session', 'active', ?, ?)",
        (SESSION, start, start, start),
    )
    conn.executemany(
        "INSERT INTO orchestration_logs (session_id, seq, timestamp, iteration, agent_type, agent_id, "
        "content) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            (
                SESSION,
                n,
                _ts(BASE + n * 0.01),
                n // 10 + 1,
                AGENTS[n % 8],
                f"agent_{n % 4}",
                f"{n}: {CONTENT}",
            )
            for n in range(1, rows + 1)
        ),
    )
    conn.executemany(
        "INSERT INTO task_groups (id, session_id, name, status, revision_count, created_at, updated_at) "
        "VALUES (?, ?, ?, 'in_progress', 1, ?, ?)",
        ((g, SESSION, f"Group {g}", start, start) for g in ("A", "B", "C")),
    )
    conn.executemany(
        "INSERT INTO state_snapshots (session_id, timestamp, state_type, state_data) VALUES (?, ?, ?, ?)",
        (
            (
                SESSION,
                _ts(BASE + n),
                "pm" if n % 2 else "orchestrator",
                f'{{"iteration":{n},"groups":["A","B"]}}',
            )
            for n in range(OTHER_ROWS["state_snapshots"])
        ),
    )
    conn.executemany(
        "INSERT INTO token_usage (session_id, timestamp, agent_type, agent_id, tokens_estimated) "
        "VALUES (?, ?, ?, ?, ?)",
        ((SESSION, _ts(BASE + n), AGENTS[n % 8], None, 1000 + n) for n in range(OTHER_ROWS["token_usage"])),
    )
    conn.executemany(
        "INSERT INTO skill_outputs (session_id, timestamp, skill_name, output_data) VALUES (?, ?, ?, ?)",
        ((SESSION, _ts(BASE + n), "lint", f'{{"errors":{n}}}') for n in range(OTHER_ROWS["skill_outputs"])),
    )
    conn.executemany(
        "INSERT INTO decisions (session_id, timestamp, iteration, decision_type, decision_data) "
        "VALUES (?, ?, ?, ?, ?)",
        (
            (SESSION, _ts(BASE + n), n, "routing", f'{{"next":"qa","n":{n}}}')
            for n in range(OTHER_ROWS["decisions"])
        ),
    )
    finish_build(conn, temporary, path)
    return path


def fingerprint(path: str) -> dict[str, tuple[int, str]]:
    """Rows per table of the session and a SHA-256 of their content (export order, no row ids)."""
    sys.path.insert(0, skill_root())
    from skill.transfer import CHILD_TABLES

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    result = {}
    for table, (columns, _json, order) in CHILD_TABLES.items():
        order = order.format(insertion_order="id")
        digest = hashlib.sha256()
        count = 0
        for row in conn.execute(
            f"SELECT {', '.join(columns)} FROM {table} WHERE session_id = ? ORDER BY {order}", (SESSION,)
        ):
            digest.update(repr(row).encode("utf-8"))
            count += 1
        result[table] = (count, digest.hexdigest()[:16])
    conn.close()
    return result


def step(name: str, argv: list[str], cwd: str) -> dict:
    """Run the script once (through bench/launcher.py, so the peak RSS is the child's alone)."""
    started = time.monotonic()
    cpu, rss_kib, _code = spawn([script(), *argv], cwd=cwd)
    return {"step": name, "wall": time.monotonic() - started, "cpu": cpu, "rss_mib": rss_kib / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="log rows of the session")
    parser.add_argument("--force", action="store_true", help="rebuild the source database")
    options = parser.parse_args()

    began = time.monotonic()
    source = build(options.rows, options.force)
    print(
        f"source: {source} ({os.path.getsize(source) / 2**20:,.0f} MiB, built/cached in "
        f"{time.monotonic() - began:.0f} s)"
    )
    work = os.path.join(OUT, "transfer-run")
    os.makedirs(work, exist_ok=True)
    for name in ("big.json", "back.json", "target.db", "target.db-wal", "target.db-shm"):
        if os.path.exists(os.path.join(work, name)):
            os.unlink(os.path.join(work, name))
    steps = [
        step("export-session", ["--db", source, "export-session", SESSION, "--out", "big.json"], work),
        step("import-session", ["--db", "target.db", "import-session", "big.json"], work),
        step("export again", ["--db", "target.db", "export-session", SESSION, "--out", "back.json"], work),
    ]
    size = os.path.getsize(os.path.join(work, "big.json"))
    print(f"\nsession {SESSION!r}: {options.rows:,} log rows; export file {size / 2**20:,.0f} MiB\n")
    print(f"{'step':<16} {'wall s':>8} {'cpu s':>8} {'peak RSS MiB':>13}")
    for s in steps:
        print(f"{s['step']:<16} {s['wall']:>8.1f} {s['cpu']:>8.1f} {s['rss_mib']:>13.1f}")
    floor = spawn(FLOOR)[1] / 1024
    print(f"{'floor':<16} {'':>8} {'':>8} {floor:>13.1f}   (python -c 'import sqlite3, json')")

    before, after = fingerprint(source), fingerprint(os.path.join(work, "target.db"))
    print(f"\n{'table':<20} {'rows before':>12} {'rows after':>12}  content hash (before = after)")
    for table in before:
        same = "=" if before[table] == after[table] else "DIFFERENT"
        print(f"{table:<20} {before[table][0]:>12,} {after[table][0]:>12,}  {before[table][1]} {same}")

    def file_hash(name: str) -> str:
        digest = hashlib.sha256()
        with open(os.path.join(work, name), "rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()

    first, second = file_hash("big.json"), file_hash("back.json")
    exact = before == after and first == second
    verdict = "identical" if first == second else "DIFFER"
    print(f"\nexport files: sha256 {first[:16]}… / {second[:16]}… ({verdict})")
    print(f"round trip exact: {'yes' if exact else 'NO'}")
    for name in ("big.json", "back.json"):
        os.unlink(os.path.join(work, name))
    if not exact:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
