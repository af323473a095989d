"""Files the CLI writes (export-session --out, backup DEST): never onto the database or its -wal/-shm/-journal
(by name, symlink or hard link), never over an existing file without --force, always through a temporary
file renamed into place (a full disk leaves the old file), and no temporary file left behind by a kill.
Issue 12, items 1, 2 and 13."""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from conftest import SCRIPT, run_script

COMMANDS = {
    "export": lambda dest, *extra: ("export-session", "s_1", "--out", dest, *extra),
    "backup": lambda dest, *extra: ("backup", dest, *extra),
}


def _seed(run_cli) -> None:
    assert run_cli("create-session", "s_1", "simple", "Keep me").code == 0
    assert run_cli("log-interaction", "s_1", "pm", "planned").code == 0


def _intact(db_path) -> None:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0] == 1
        assert conn.execute("SELECT COUNT(*) FROM orchestration_logs").fetchone()[0] == 1
    finally:
        conn.close()


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
@pytest.mark.parametrize("how", ["name", "symlink", "hardlink"])
def test_never_onto_the_database_or_its_companions(command, suffix, how, run_cli, db_path, tmp_path):
    _seed(run_cli)
    reader = sqlite3.connect(db_path)  # another connection open: its -wal/-shm exist and are live
    reader.execute("SELECT COUNT(*) FROM sessions").fetchone()
    protected = str(db_path) + suffix
    if how == "name":
        destination = protected
    else:
        if not os.path.exists(protected):
            if how == "hardlink":
                pytest.skip(f"{suffix} does not exist here: nothing to hard-link")
            # a symlink to a companion that does not exist yet still names it
        destination = str(tmp_path / "alias.db")
        (os.symlink if how == "symlink" else os.link)(protected, destination)
    before = {p: os.path.getsize(p) for p in (str(db_path), str(db_path) + "-wal") if os.path.exists(p)}
    result = run_cli(*COMMANDS[command](destination, "--force"))
    assert {p: os.path.getsize(p) for p in before} == before
    reader.close()
    assert result.code == 2, result
    assert result.stdout == ""
    assert "nothing was written" in result.stderr and "would destroy the database" in result.stderr
    _intact(db_path)
    assert run_cli("log-interaction", "s_1", "qa", "still writable").code == 0


def test_backup_onto_the_live_wal_is_refused_and_no_write_is_lost(run_cli, db_path, tmp_path):
    """The attacker's case: backup DB-wal --force beside an open connection, then that process dies."""
    _seed(run_cli)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1]); "
            "c.execute('SELECT COUNT(*) FROM sessions').fetchone(); "
            "print('open', flush=True); time.sleep(60)",
            str(db_path),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline() == b"open\n"
        for n in range(5):
            assert run_cli("log-interaction", "s_1", "dev", f"acked {n}").code == 0
        result = run_cli("backup", str(db_path) + "-wal", "--force")
        assert result.code == 2 and "the database's wal file" in result.stderr
    finally:
        holder.kill()
        holder.wait()
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert (
        conn.execute("SELECT COUNT(*) FROM orchestration_logs WHERE content LIKE 'acked %'").fetchone()[0]
        == 5
    )
    conn.close()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_existing_file_needs_force(command, run_cli, tmp_path, db_path):
    _seed(run_cli)
    target = tmp_path / "out.file"
    target.write_text("precious\n")
    refused = run_cli(*COMMANDS[command]("out.file"))
    assert refused.code == 1 and "already exists; nothing was written" in refused.stderr
    assert "--force" in refused.stderr and target.read_text() == "precious\n"
    forced = run_cli(*COMMANDS[command]("out.file", "--force"))
    assert forced.code == 0, forced
    assert target.read_text(errors="replace") != "precious\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coordination", "out.file"]  # no temporary left


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_device_or_fifo_is_never_replaced(command, run_cli, tmp_path):
    _seed(run_cli)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for destination in (str(fifo), "/dev/null"):
        result = run_cli(*COMMANDS[command](destination, "--force"))
        assert result.code == 2 and "not a regular file" in result.stderr, result
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")


def _limited(max_bytes: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # write() then fails with EFBIG, like a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return apply


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_full_disk_leaves_the_old_file_intact(command, run_cli, tmp_path, db_path):
    _seed(run_cli)
    for n in range(200):
        assert run_cli("log-interaction", "s_1", "dev", "x" * 2000 + str(n)).code == 0
    old = tmp_path / "old.out"
    old.write_bytes(b"the previous export\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--db", str(db_path), *COMMANDS[command]("old.out", "--force")],
        cwd=tmp_path,
        capture_output=True,
        env=env,
        preexec_fn=_limited(64 * 1024),
        timeout=120,
    )
    stderr = done.stderr.decode()
    assert done.returncode == 1, stderr
    assert stderr.startswith(f"❌ {COMMANDS[command]('x')[0]}: ") and "Traceback" not in stderr
    assert old.read_bytes() == b"the previous export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coordination", "old.out"]


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_killed_writers_temporary_files_are_swept(command, run_cli, tmp_path):
    """A SIGKILLed backup left its temporary file and -wal/-shm forever; the next write removes them."""
    _seed(run_cli)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = [tmp_path / f".copy.db.bazinga-tmp-{dead.pid}{suffix}" for suffix in ("", "-wal", "-shm")]
    for path in stale:
        path.write_bytes(b"x" * 1000)
    alive = tmp_path / f".copy.db.bazinga-tmp-{os.getpid()}-other"  # not ours to remove
    alive.write_bytes(b"x")
    assert run_cli(*COMMANDS[command]("copy.db")).code == 0
    assert not any(path.exists() for path in stale)
    assert alive.exists()


@pytest.mark.slow
def test_a_sigkilled_backup_leaves_nothing_after_the_next_one(tmp_path, db_path, run_cli):
    _seed(run_cli)
    conn = sqlite3.connect(db_path)
    with conn:
        conn.executemany(
            "INSERT INTO orchestration_logs (session_id, seq, timestamp, agent_type, content) "
            "VALUES ('s_1', ?, '2026-01-01T00:00:00.000000Z', 'dev', ?)",
            [(n, os.urandom(2000).hex()) for n in range(2, 8000)],
        )
    conn.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BAZINGA_")}
    child = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--db", str(db_path), "backup", "copy.db", "--force"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not any(p.name.startswith(".copy.db.") for p in tmp_path.iterdir()) and child.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.001)
    child.send_signal(signal.SIGKILL)
    child.wait()
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".copy.db."))
    assert left, "the kill came too late to leave anything; the test proves nothing"
    done = run_script("--db", str(db_path), "backup", "copy.db", "--force", cwd=tmp_path)
    assert done.code == 0, done
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coordination", "copy.db"], left
