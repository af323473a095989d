"""A throw-away PostgreSQL cluster for the tests, the stress runs and the benchmarks (standard library only).

    python3 tests/pg_server.py run -- COMMAND ARGS...   start a cluster, run COMMAND with
                                                        BAZINGA_TEST_PG_URL set, stop it (whatever happens)
    python3 tests/pg_server.py start DIR                start one in DIR (left running), print its URL
    python3 tests/pg_server.py stop DIR                 stop the one in DIR and remove DIR

The cluster is initdb'd into a temporary folder (as the ``postgres`` user through ``runuser`` when run as
root: initdb refuses root), listens on 127.0.0.1 only, on a free port, with trust authentication for the
local superuser ``postgres`` (nothing but this machine can reach it), and is started with ``pg_ctl -w``.
``run`` stops it on exit, on an error and on SIGINT/SIGTERM (the trap). With no PostgreSQL binaries on the
machine, ``run`` still runs COMMAND, without the URL, unless BAZINGA_REQUIRE_PG=1 (then it fails): the
tests decide whether their PostgreSQL half may be skipped.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TEST_USER = "postgres"
# Settings for a disposable cluster: durability is not needed where the data is thrown away. The restart
# stress run asks for a durable one (durable=True) since it checks what survives a restart.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def bin_dir() -> str | None:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/N/bin (newest N)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return os.path.dirname(found)
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0,
    )
    return os.path.dirname(candidates[-1]) if candidates else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_owner(command: list[str]) -> list[str]:
    """Run as the postgres user when we are root (initdb and postgres refuse to run as root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class Cluster:
    """One throw-away cluster in ``folder``: ``start()``, ``url``, ``stop()``, ``restart()``."""

    def __init__(self, folder: str | None = None, durable: bool = False):
        self.folder = folder or tempfile.mkdtemp(prefix="bazinga-pg-")
        self.data = os.path.join(self.folder, "data")
        self.durable = durable
        self.port = 0
        self.bin = bin_dir()

    @property
    def url(self) -> str:
        return f"postgresql://{TEST_USER}@127.0.0.1:{self.port}/postgres"

    def _tool(self, name: str) -> str:
        if self.bin is None:
            raise RuntimeError(
                "PostgreSQL is not installed (no initdb/pg_ctl): apt-get install -y postgresql"
            )
        return os.path.join(self.bin, name)

    def start(self) -> Cluster:
        os.makedirs(self.folder, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        if not os.path.exists(os.path.join(self.data, "PG_VERSION")):
            subprocess.run(
                _as_owner(
                    [
                        self._tool("initdb"),
                        "-D",
                        self.data,
                        "-U",
                        TEST_USER,
                        "--auth=trust",
                        "--encoding=UTF8",
                        "--locale=C",
                        "--no-sync",
                    ]
                ),
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        self.port = free_port()
        self._pg_ctl("start")
        return self

    def _pg_ctl(self, action: str, mode: str = "fast") -> None:
        settings = [
            "listen_addresses=127.0.0.1",
            f"port={self.port}",
            f"unix_socket_directories={self.folder}",
            "max_connections=120",
        ]
        if not self.durable:
            settings += FAST_SETTINGS
        options = " ".join(f"-c {s}" for s in settings)
        command = [self._tool("pg_ctl"), "-D", self.data, "-w", "-t", "60", "-l", self.log]
        if action in ("start", "restart"):
            command += ["-o", options]
        command += ["-m", mode, action]
        subprocess.run(_as_owner(command), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    @property
    def log(self) -> str:
        return os.path.join(self.folder, "server.log")

    def stop(self, mode: str = "fast", remove: bool = True) -> None:
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            try:
                self._pg_ctl("stop", mode)
            except subprocess.CalledProcessError:
                pass
        if remove:
            shutil.rmtree(self.folder, ignore_errors=True)

    def restart(self, down_seconds: float = 0.0, mode: str = "fast") -> None:
        """Stop the server (fast: connections are cut), stay down a while, start it on the same port."""
        self._pg_ctl("stop", mode)
        time.sleep(down_seconds)
        self._pg_ctl("start")


def _run(command: list[str]) -> int:
    if os.environ.get("BAZINGA_TEST_PG_URL"):  # a server was given: use it, start none
        return subprocess.call(command)
    if bin_dir() is None:
        if os.environ.get("BAZINGA_REQUIRE_PG") == "1":
            print("pg_server: BAZINGA_REQUIRE_PG=1 but PostgreSQL is not installed", file=sys.stderr)
            return 1
        print("pg_server: PostgreSQL not installed; running without BAZINGA_TEST_PG_URL", file=sys.stderr)
        return subprocess.call(command)
    cluster = Cluster()

    def _trap(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signum)

    signal.signal(signal.SIGTERM, _trap)
    started = time.monotonic()
    try:
        cluster.start()
        print(
            f"pg_server: cluster at {cluster.url} started in {time.monotonic() - started:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        env = dict(os.environ, BAZINGA_TEST_PG_URL=cluster.url)
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 130
    finally:
        cluster.stop()


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "run" and argv[1] == "--":
        return _run(argv[2:])
    if len(argv) == 2 and argv[0] == "start":
        cluster = Cluster(os.path.abspath(argv[1])).start()
        with open(os.path.join(cluster.folder, "port"), "w") as file:
            file.write(str(cluster.port))
        print(cluster.url)
        return 0
    if len(argv) == 2 and argv[0] == "stop":
        Cluster(os.path.abspath(argv[1])).stop()
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
