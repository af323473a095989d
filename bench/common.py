"""Shared helpers for the benchmark scripts: spawning measured child processes, medians, tables.

CPU time of a child is read from ``os.wait4`` (user + system time of exactly that process, and its peak
RSS), so nothing else running on the machine is counted. Every script compares against a floor measured
in the same run, interleaved with the commands: ``python -c "import sqlite3, json"`` started with the
same interpreter and flags.
"""

from __future__ import annotations

import os
import random
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out")
PYTHON = os.path.realpath(sys.executable)  # the real interpreter, never a pyenv shim (a bash script)
FLOOR = ["-c", "import sqlite3, json"]


def skill_root() -> str:
    """The checkout whose scripts are measured (BENCH_SKILL_ROOT lets a run measure an older checkout)."""
    return os.environ.get("BENCH_SKILL_ROOT") or ROOT


def script(name: str = "bazinga_db.py") -> str:
    return os.path.join(skill_root(), "scripts", name)


def child_env(extra: dict | None = None) -> dict:
    """The environment of a measured child: no BAZINGA_* settings, bytecode caching as Python ships it.

    PYTHONDONTWRITEBYTECODE is removed so that the steady state is measured (a warm-up run writes
    __pycache__); the cold case is measured separately with an empty PYTHONPYCACHEPREFIX.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("BAZINGA_") and k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    }
    env.update(extra or {})
    return env


class Failed(RuntimeError):
    pass


_LAUNCHER: list = []


def _launcher():
    """The small helper process that spawns and measures children (see launcher.py for why)."""
    if not _LAUNCHER:
        import subprocess

        ensure_out()
        process = subprocess.Popen(
            [PYTHON, "-S", os.path.join(ROOT, "bench", "launcher.py"), OUT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=child_env(),
        )
        _LAUNCHER.append(process)
    return _LAUNCHER[0]


def spawn(
    argv: list[str],
    *,
    flags: tuple = (),
    stdin: str | None = None,
    env: dict | None = None,
    cwd: str | None = None,
    check: bool = True,
) -> tuple[float, int, int]:
    """Run ``PYTHON *flags *argv``; return (CPU seconds, peak RSS in KiB, exit status) of that process."""
    import marshal

    process = _launcher()
    request = marshal.dumps((PYTHON, [PYTHON, *flags, *argv], stdin, env, cwd))
    process.stdin.write(len(request).to_bytes(4, "little") + request)
    process.stdin.flush()
    size = int.from_bytes(process.stdout.read(4), "little")
    cpu, rss, code, errors = marshal.loads(process.stdout.read(size))
    if check and code != 0:
        raise Failed(f"exit {code}: {' '.join(argv)[:200]}\n{errors}")
    return cpu, rss, code


def interleaved(cases: dict[str, dict], rounds: int, flags: tuple = (), warmup: int = 2) -> dict[str, list]:
    """Run every case (and the floor) once per round, in a fresh random order each round.

    ``cases``: name -> {"argv": [...], "stdin": path or None}. Returns name -> list of (cpu, rss_kib);
    the floor is under the name "floor".
    """
    everything = {"floor": {"argv": FLOOR}, **cases}
    for _ in range(warmup):  # writes __pycache__, warms the page cache
        for case in everything.values():
            spawn(case["argv"], flags=flags, stdin=case.get("stdin"))
    samples: dict[str, list] = {name: [] for name in everything}
    for _ in range(rounds):
        order = list(everything.items())
        random.shuffle(order)
        for name, case in order:
            cpu, rss, _ = spawn(case["argv"], flags=flags, stdin=case.get("stdin"))
            samples[name].append((cpu, rss))
    return samples


def median_cpu(samples: list) -> float:
    return statistics.median(cpu for cpu, _ in samples)


def peak_rss_mib(samples: list) -> float:
    return max(rss for _, rss in samples) / 1024


def table(headers: list[str], rows: list[list]) -> str:
    """A markdown table (readable in a terminal, pasteable into docs/performance.md)."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(headers, widths)) + " |"
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in cells]
    return "\n".join([line, rule, *body])


def verdict(value: float, limit: float) -> str:
    return "ok" if value <= limit else "MISS"


def ensure_out() -> None:
    os.makedirs(OUT, exist_ok=True)


def machine() -> str:
    """A one-line description of the hardware and interpreter, for the docs' table."""
    import platform

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            for line in file:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import sqlite3

    return (
        f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()} ({PYTHON}), SQLite {sqlite3.sqlite_version}"
    )
