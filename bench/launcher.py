"""A small, long-lived process that starts the measured commands (run as `python -S launcher.py OUT_DIR`).

Why: on Linux a child's peak RSS (ru_maxrss from wait4) starts at its parent's RSS when it was spawned, so a
benchmark process holding a database or a large report would report its own size for every command. This
launcher imports nothing but builtins, stays at a few MiB, and reports (CPU seconds, peak RSS KiB, exit
code, stderr) of each child. Protocol on stdin/stdout: 4-byte length + marshal blob, both ways.
"""

import marshal
import os
import sys


def _read(fd: int, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = os.read(fd, size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def main() -> None:
    out_dir = sys.argv[1]
    err_path = os.path.join(out_dir, f"launcher-{os.getpid()}.err")
    while True:
        try:
            size = int.from_bytes(_read(0, 4), "little")
        except EOFError:
            break
        executable, argv, stdin, env, cwd = marshal.loads(_read(0, size))
        actions = [
            (os.POSIX_SPAWN_OPEN, 0, stdin or os.devnull, os.O_RDONLY, 0),
            (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
            (os.POSIX_SPAWN_OPEN, 2, err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
        ]
        if cwd:
            os.chdir(cwd)
        pid = os.posix_spawn(executable, argv, env if env is not None else os.environ, file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        with open(err_path, "rb") as file:
            errors = file.read().decode("utf-8", "replace")
        reply = marshal.dumps((usage.ru_utime + usage.ru_stime, usage.ru_maxrss, code, errors))
        os.write(1, len(reply).to_bytes(4, "little") + reply)
    if os.path.exists(err_path):
        os.unlink(err_path)


if __name__ == "__main__":
    main()
