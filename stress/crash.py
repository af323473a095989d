#!/usr/bin/env python3
"""Crash safety: SIGKILL writer processes at random moments, round after round, and prove nothing is lost.

    python3 stress/crash.py                     # 40 rounds x 6 writers, plus the migration kills
    python3 stress/crash.py --rounds 10 --writers 4
    python3 stress/crash.py --import-bytes 50000000 # a 50 MB import killed (default 20 MB)

Each round starts writers (real processes running mixed writes through the CLI, payloads small or up to
60 KB), SIGKILLs every one of them at a random moment, then checks the file with plain sqlite3: every write
whose ✓ was seen before the kill is present exactly once and intact, nothing half-written or never-started
is visible, counters add up, integrity_check is ok, and the next command (the real script) works without
any repair. Then processes are killed in the middle of a migration: of a new file, of a new step on a
database full of data, and of init_db.py at random moments. Then `import-session` of a large export (20 MB by
default, `--import-bytes`) is killed at random moments (the session is absent or complete, never
half there), and `backup DEST --force` likewise (DEST is the old copy or a complete new one, and the next
backup leaves no temporary file). Prints the figures; exits 1 on any problem.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skill.migrations import LATEST_VERSION  # noqa: E402
from stress import harness  # noqa: E402

ROOT = harness.ROOT
INIT_SCRIPT = ROOT / "scripts" / "init_db.py"


def _script(db: str, *argv: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}
    return subprocess.run(
        [sys.executable, str(harness.SCRIPT), "--db", db, *argv],
        capture_output=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def _next_commands_work(db: str) -> list[str]:
    """The next agent's commands, straight after the crash: a write, a read and check; all must succeed."""
    problems = []
    for argv in (
        ["log-interaction", harness.SESSIONS[1], "orchestrator", "after the crash"],
        ["get-logs", harness.SESSIONS[1], "--limit", "1"],
        ["check"],
    ):
        done = _script(db, *argv)
        err = done.stderr.decode("utf-8", "replace")
        if done.returncode != 0 or "Traceback" in err:
            problems.append(f"{argv[0]} exited {done.returncode}: {err.strip()[:200]}")
    return problems


def kill_rounds(
    folder: str, rounds: int, writers: int, seed: int, ops: int = 3000, latest_kill: float = 1.6
) -> dict[str, Any]:
    db = os.path.join(folder, "crash.db")
    rng = random.Random(seed)
    journals: list[tuple[str, str, int, int, bool]] = []
    figures: dict[str, Any] = {
        "rounds": rounds,
        "writers_killed": 0,
        "writers_finished_before_kill": 0,
        "next_command_failures": 0,
        "tracebacks": 0,
        "examples": [],
    }
    verdict = None
    for round_ in range(rounds):
        big = round_ % 2 == 1
        workers = [f"r{round_}w{n}" for n in range(writers)]
        harness.setup(db, workers)
        entries = [(os.path.join(folder, f"{w}.journal"), w, ops, seed, big) for w in workers]
        journals += entries
        children = [harness.spawn_worker(db, w, ops, seed, path, "inprocess", big) for path, w, *_ in entries]
        _wait_until_working(entries, children)  # a loaded machine can take seconds to start an interpreter
        began = time.monotonic()
        deadlines = sorted(rng.uniform(0.25, latest_kill) for _ in children)
        for child, deadline in zip(rng.sample(children, len(children)), deadlines):
            time.sleep(max(0.0, deadline - (time.monotonic() - began)))
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
                figures["writers_killed"] += 1
            else:
                figures["writers_finished_before_kill"] += 1
        for child in children:
            child.wait()
            err = child.stderr.read().decode("utf-8", "replace") if child.stderr else ""
            if "Traceback" in err:
                figures["tracebacks"] += 1
                figures["examples"].append(err[-300:])
        # First look at the file exactly as the kills left it, then let the next agent run.
        read = harness.read_journals(journals)
        verdict = harness.verify(db, read, big={w for _, w, _, _, b in journals if b})
        if not verdict.ok:
            figures["examples"] += (
                verdict.lost + verdict.duplicated + verdict.torn + verdict.phantoms + verdict.counters
            )[:5]
            break
        problems = _next_commands_work(db)
        figures["next_command_failures"] += len(problems)
        figures["tracebacks"] += sum("Traceback" in p for p in problems)
        figures["examples"] += problems[:2]
    read = harness.read_journals(journals)
    final = harness.verify(db, read, big={w for _, w, _, _, b in journals if b})
    figures.update(
        {
            "writes_started": sum(1 for op in read.started.values() if op.kind in harness.WRITES),
            "writes_acked": len(read.acked),
            "in_flight_at_kill_and_present": final.in_flight_present,
            "failures": len(read.failed),
            "locked_failures": sum("locked" in why.lower() for _, why in read.failed.values()),
            "lost": len(final.lost),
            "duplicated": len(final.duplicated),
            "torn": len(final.torn),
            "phantoms": len(final.phantoms),
            "counter_mismatches": len(final.counters),
            "integrity_check": final.integrity,
        }
    )
    figures["examples"] += [why for _, why in list(read.failed.values())[:3]]
    return figures


def _wait_until_working(entries, children, limit: float = 30.0) -> None:
    """Return once every worker has journalled its first operation (or exited), so kills land mid-work."""
    give_up = time.monotonic() + limit
    while time.monotonic() < give_up:
        if all(
            child.poll() is not None or (os.path.exists(path) and os.path.getsize(path) > 0)
            for (path, *_), child in zip(entries, children)
        ):
            return
        time.sleep(0.01)


# -- killing migrations ---------------------------------------------------------------------------------
PAUSED_MIGRATION = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from skill import migrations
    from skill.api import BazingaDB
    mode = {mode!r}
    if mode == "new-step":
        def step(conn):
            conn.execute("CREATE TABLE crash_probe (x)")
            conn.execute("UPDATE sessions SET status = 'failed'")          # touches every row
            print("ready", flush=True); time.sleep(60)
        migrations.MIGRATIONS.append(migrations.Migration(migrations.LATEST_VERSION + 1, "crash probe", step))
        migrations.LATEST_VERSION += 1
    else:
        first = migrations.MIGRATIONS[0]
        def step(conn):
            first.apply(conn)
            print("ready", flush=True); time.sleep(60)
        migrations.MIGRATIONS[0] = migrations.Migration(1, first.name, step)
    BazingaDB({db!r}).initialize()
""")


def kill_paused_migration(db: str, mode: str) -> list[str]:
    """Kill a process while it is inside a migration's transaction; return the problems found after."""
    code = PAUSED_MIGRATION.format(root=str(ROOT), db=db, mode=mode)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = child.stdout.readline() if child.stdout else b""
    child.send_signal(signal.SIGKILL)
    child.wait()
    if line.strip() != b"ready":
        return [f"{mode}: the migration never reached its pause: {child.stderr.read().decode()[-300:]}"]
    return _after_migration_kill(db, mode)


HOT_JOURNALS = [0]  # kills that left a hot rollback journal (recovered by the next read, see storage.py)


def _has_hot_journal(db: str) -> bool:
    """True when a plain read-only open fails because a killed process left a hot -journal."""
    if not os.path.exists(db + "-journal"):
        return False
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA user_version").fetchone()
        return False
    except sqlite3.OperationalError as error:
        return "readonly" in str(error)
    finally:
        conn.close()


def _after_migration_kill(db: str, mode: str) -> list[str]:
    problems = []
    if os.path.exists(db) and _has_hot_journal(db):
        # The file's committed state is behind a hot journal: the next command, a read, must recover it.
        HOT_JOURNALS[0] += 1
        done = _script(db, "check")
        if done.returncode != 0 or "Traceback" in done.stderr.decode("utf-8", "replace"):
            problems.append(f"{mode}: `check` after a hot journal failed: {done.stderr.decode()[:300]}")
    if not os.path.exists(db):  # killed before it created the file: nothing to inspect
        conn = sqlite3.connect(":memory:")
        mode = "nothing"
    else:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if mode == "new-step":
            if version != LATEST_VERSION or "crash_probe" in tables:
                problems.append(
                    f"{mode}: half a migration is visible (version {version}, tables {sorted(tables)})"
                )
            failed = conn.execute("SELECT COUNT(*) FROM sessions WHERE status = 'failed'").fetchone()[0]
            if failed:
                problems.append(f"{mode}: {failed} rows changed by the killed step are visible")
        elif mode != "nothing" and version == 0 and tables - {"sqlite_sequence"}:
            problems.append(f"{mode}: version 0 but tables exist: {sorted(tables)}")
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if integrity != "ok":
            problems.append(f"{mode}: integrity_check {integrity}")
    finally:
        conn.close()
    done = _script(
        db, "create-session", f"after_{mode.replace('-', '_')}", "simple", "after a killed migration"
    )
    if done.returncode != 0:
        problems.append(f"{mode}: the next command failed: {done.stderr.decode()[:300]}")
    conn = sqlite3.connect(db)
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] != LATEST_VERSION:
            problems.append(f"{mode}: not at version {LATEST_VERSION} after the next command")
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            problems.append(f"{mode}: integrity_check failed after the next command")
    finally:
        conn.close()
    return problems


def migration_kills(folder: str, random_kills: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    problems: list[str] = []
    # 1. in the middle of creating a new database (the schema half applied, not committed)
    fresh = os.path.join(folder, "fresh.db")
    problems += kill_paused_migration(fresh, "initial")
    # 2. in the middle of a new step on a database full of data
    full = os.path.join(folder, "full.db")
    harness.setup(full, [f"m{n}" for n in range(3)])
    before = _count(full, "task_groups")
    problems += kill_paused_migration(full, "new-step")
    if _count(full, "task_groups") != before:
        problems.append("new-step: task groups changed")
    # 3. init_db.py killed at random moments (new file, also a 0-byte one)
    killed = 0
    # Kill within the time a whole init_db.py run takes on this machine, so most kills land inside it.
    began = time.perf_counter()
    subprocess.run([sys.executable, str(INIT_SCRIPT), os.path.join(folder, "timing.db")], capture_output=True)
    window = max(0.02, time.perf_counter() - began)
    for n in range(random_kills):
        db = os.path.join(folder, f"init{n}.db")
        if n % 2:
            open(db, "wb").close()
        child = subprocess.Popen(
            [sys.executable, str(INIT_SCRIPT), db], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        time.sleep(rng.uniform(0.0, window))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            killed += 1
        child.wait()
        problems += _after_migration_kill(db, f"init-{n}")
    return {
        "migration_kills": 2 + killed,
        "hot_journals_recovered_by_a_read": HOT_JOURNALS[0],
        "migration_problems": len(problems),
        "migration_examples": problems[:5],
    }


# -- kills in the middle of an import-session of a large export -------------------------------------
IMPORT_SESSION = "crash_import"
IMPORT_TABLES = ("orchestration_logs", "state_snapshots", "task_groups", "token_usage")


# Exports stream since issue 14: any size imports. 20 MB is well past the old caps (1 MiB per payload,
# 8 MiB per file), so a kill lands inside a long import transaction.
DEFAULT_IMPORT_BYTES = 20_000_000


def build_export(folder: str, size: int) -> tuple[str, dict[str, int]]:
    """An export file of one session of at most ``size`` bytes (and close to it): logs, states, groups,
    tokens. Returns its path and the row count per table."""
    from skill.api import BazingaDB
    from skill.transfer import export_session

    source = os.path.join(folder, "import-source.db")
    for leftover in (source, source + "-wal", source + "-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)
    db = BazingaDB(source)
    try:
        db.create_session(IMPORT_SESSION, "parallel", "a large session to import while being killed")
        db.create_task_group("group_a", IMPORT_SESSION, "Group A")
        db.save_state(IMPORT_SESSION, "pm", {"iteration": 1, "plan": "x" * 2000})
        entry = "log line " + "y" * 1900
        while True:  # grow towards ``size`` in steps, then trim below it
            text = json.dumps(export_session(db, IMPORT_SESSION), ensure_ascii=False, indent=2) + "\n"
            length = len(text.encode())
            if length > size:
                db._write(
                    lambda conn: conn.execute(
                        "DELETE FROM orchestration_logs WHERE id = (SELECT MAX(id) FROM orchestration_logs)"
                    )
                )
                continue
            step = len(entry) + 250  # an entry with its indented JSON keys
            if size - length < 2 * step:
                break
            db.store.begin()
            for n in range(max(1, (size - length) // step - 1)):
                db.log_interaction(IMPORT_SESSION, "developer", entry, n % 7)
                if n % 10 == 0:
                    db.log_tokens(IMPORT_SESSION, "developer", 1000 + n)
            db.store.commit()
        document = json.loads(text)
    finally:
        db.close()
    path = os.path.join(folder, "large-export.json")
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)
    return path, {t: len(document[t]) for t in IMPORT_TABLES}


def _imported_counts(db: str) -> dict[str, int] | None:
    """The imported session's rows per table, or None when it is not there."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        if not conn.execute("SELECT 1 FROM sessions WHERE session_id = ?", (IMPORT_SESSION,)).fetchone():
            return None
        return {
            t: conn.execute(f"SELECT COUNT(*) FROM {t} WHERE session_id = ?", (IMPORT_SESSION,)).fetchone()[0]
            for t in IMPORT_TABLES
        }
    finally:
        conn.close()


def import_kills(folder: str, kills: int, seed: int, size: int) -> dict[str, Any]:
    """SIGKILL `import-session FILE` at random moments: the session is then absent or complete (never
    half there), the file passes integrity_check, and importing again works."""
    rng = random.Random(seed)
    export, expected = build_export(folder, size)
    problems: list[str] = []
    began = time.perf_counter()
    first = _script(os.path.join(folder, "import-timing.db"), "import-session", export)
    window = max(0.05, time.perf_counter() - began)
    if first.returncode != 0:
        problems.append(f"the export of {size:,} bytes is not importable: {first.stderr[-300:]!r}")
    killed = complete = absent = 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}
    for n in range(kills):
        db = os.path.join(folder, f"import{n}.db")
        harness.setup(db, [])
        child = subprocess.Popen(
            [sys.executable, str(harness.SCRIPT), "--db", db, "import-session", export],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        time.sleep(rng.uniform(0.0, window))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            killed += 1
        child.wait()
        found = _imported_counts(db)
        if found is None:
            absent += 1
        elif found == expected:
            complete += 1
        else:
            problems.append(f"import {n}: half imported: {found} of {expected}")
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            problems.append(f"import {n}: integrity_check failed after the kill")
        conn.close()
        again = _script(db, "import-session", export, *(["--replace"] if found is not None else []))
        if again.returncode != 0 or _imported_counts(db) != expected:
            problems.append(f"import {n}: importing again failed: {again.stderr[-200:]!r}")
        problems += [f"import {n}: {p}" for p in _next_commands_work(db)]
    return {
        "import_bytes": os.path.getsize(export),
        "import_kills": killed,
        "imports_absent_after_kill": absent,
        "imports_complete_after_kill": complete,
        "import_problems": len(problems),
        "import_examples": problems[:5],
    }


# -- kills in the middle of a backup (a file destination) --------------------------------------------
def backup_kills(folder: str, kills: int, seed: int) -> dict[str, Any]:
    """SIGKILL `backup DEST --force` at random moments: DEST is the old backup or a complete new one, the
    database is untouched, and the next backup leaves no temporary file (a killed one's are swept)."""
    rng = random.Random(seed)
    db = os.path.join(folder, "backup-source.db")
    harness.setup(db, ["b0"])
    conn = sqlite3.connect(db)
    with conn:
        conn.executemany(
            "INSERT INTO orchestration_logs (session_id, seq, timestamp, agent_type, content) "
            "VALUES (?, ?, '2025-01-01T00:00:00.000000Z', 'developer', ?)",
            [(harness.SESSIONS[1], n, f"backup filler {n} " + "z" * 3000) for n in range(1, 6001)],
        )
    conn.close()
    dest = os.path.join(folder, "backup-dest.db")
    began = time.perf_counter()
    first = _script(db, "backup", dest)
    window = max(0.05, time.perf_counter() - began)
    problems: list[str] = [] if first.returncode == 0 else [f"first backup failed: {first.stderr[-200:]!r}"]
    source_rows = _count(db, "orchestration_logs")
    killed = leftovers_seen = 0
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}
    for n in range(kills):
        child = subprocess.Popen(
            [sys.executable, str(harness.SCRIPT), "--db", db, "backup", dest, "--force"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        if n % 2 == 0:  # every other kill lands while the copy is being written: once its file appears
            deadline = time.monotonic() + 30
            while child.poll() is None and time.monotonic() < deadline:
                if any(name.startswith(".backup-dest.db.") for name in os.listdir(folder)):
                    break
                time.sleep(0.001)
            time.sleep(rng.uniform(0.0, window / 4))
        else:
            time.sleep(rng.uniform(0.0, window))
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            killed += 1
        child.wait()
        leftovers_seen += sum(name.startswith(".backup-dest.db.") for name in os.listdir(folder))
        try:
            if _count(dest, "orchestration_logs") != source_rows:
                problems.append(f"backup {n}: DEST is neither the old backup nor a complete copy")
        except sqlite3.Error as error:
            problems.append(f"backup {n}: DEST unreadable after the kill: {error}")
        if _count(db, "orchestration_logs") != source_rows:
            problems.append(f"backup {n}: the database changed")
    again = _script(db, "backup", dest, "--force")
    if again.returncode != 0:
        problems.append(f"the backup after the kills failed: {again.stderr[-200:]!r}")
    left = sorted(name for name in os.listdir(folder) if name.startswith(".backup-dest.db."))
    if left:
        problems.append(f"temporary files left after the next backup: {left}")
    return {
        "backup_kills": killed,
        "backup_temporaries_left_by_kills": leftovers_seen,
        "backup_problems": len(problems),
        "backup_examples": problems[:5],
    }


def _count(db: str, table: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def clean(figures: dict[str, Any]) -> bool:
    return (
        figures["lost"] == 0
        and figures["duplicated"] == 0
        and figures["torn"] == 0
        and figures["phantoms"] == 0
        and figures["counter_mismatches"] == 0
        and figures["integrity_check"] == "ok"
        and figures["next_command_failures"] == 0
        and figures["tracebacks"] == 0
        and figures["failures"] == 0
        and figures.get("migration_problems", 0) == 0
        and figures.get("import_problems", 0) == 0
        and figures.get("backup_problems", 0) == 0
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--writers", type=int, default=6)
    parser.add_argument("--init-kills", type=int, default=30, help="init_db.py runs killed at random moments")
    parser.add_argument("--import-kills", type=int, default=20, help="import-session runs killed")
    parser.add_argument(
        "--import-bytes",
        type=int,
        default=DEFAULT_IMPORT_BYTES,
        help=f"size of the export imported while being killed (default {DEFAULT_IMPORT_BYTES:,})",
    )
    parser.add_argument("--backup-kills", type=int, default=20, help="backup runs killed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true")
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bazinga-crash-")
    began = time.perf_counter()
    figures = kill_rounds(folder, options.rounds, options.writers, options.seed)
    figures.update(migration_kills(folder, options.init_kills, options.seed))
    figures.update(import_kills(folder, options.import_kills, options.seed, options.import_bytes))
    figures.update(backup_kills(folder, options.backup_kills, options.seed))
    figures["wall_s"] = round(time.perf_counter() - began, 1)
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        if not name.endswith("examples"):
            print(f"{name.ljust(width)}  {value}")
    for example in (
        figures["examples"]
        + figures["migration_examples"]
        + figures["import_examples"]
        + figures["backup_examples"]
    ):
        print(f"  e.g. {example}")
    ok = clean(figures)
    print(
        "verdict".ljust(width)
        + "  "
        + ("CLEAN: every write acknowledged before a kill survived, once, intact" if ok else "PROBLEMS FOUND")
    )
    if options.keep:
        print(f"kept in {folder}")
    else:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
