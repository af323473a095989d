"""Files the CLI writes (export-session --out, backup DEST): one rule, one helper.

Every such file is written to a temporary file in the destination's own folder, fsynced, and renamed into
place, so DEST is always either the old file or the complete new one (a full disk or a kill leaves the old
file intact). A destination is refused, before anything is written, when it is:

- the database or one of its companions (-wal, -shm, -journal), compared by real path (a symlink does not
  get through) and by device and inode (a hard link does not either);
- an existing file, unless ``force``;
- a folder, a device, a FIFO or a socket (a rename would replace the device node itself);
- in a folder that does not exist.

Temporary files are named ``.NAME.bazinga-tmp-PID``; one left by a killed process (with its -wal/-shm/
-journal, for a backup) is removed by the next write to the same destination.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from typing import Any

from .errors import Conflict, DatabaseUnusable, InvalidArgument
from .storage import display_path

COMPANIONS = ("", "-wal", "-shm", "-journal")
_TEMP_MARK = ".bazinga-tmp-"
# What a temporary file may leave beside it (SQLite's own files, for a backup copy being checked).
_TEMP_LEFTOVERS = ("", "-journal", "-wal", "-shm")


def _identity(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino)


def protected_paths(database: str) -> list[str]:
    """The database and its companions, as real paths."""
    real = os.path.realpath(database)
    return [real + suffix for suffix in COMPANIONS]


def check_destination(
    destination: str, *, database: str | None, force: bool, what: str, example: str = "bazinga-export.json"
) -> str:
    """Refuse a destination the rule above forbids; return its absolute real path.

    ``what`` names the file in messages ("the export", "the backup destination"); ``example`` is the file
    name a hint suggests when DEST is a folder.
    """
    if not isinstance(destination, str) or not destination.strip():
        raise InvalidArgument(f"{what} is empty", "Give a file path, e.g. backups/bazinga.db.")
    if "\x00" in destination:
        raise InvalidArgument(f"{what} contains a NUL character", "Give a plain file path.")
    shown = display_path(destination)
    target = os.path.realpath(destination)
    if database is not None:
        identity = _identity(destination)
        for suffix, protected in zip(COMPANIONS, protected_paths(database)):
            same_inode = identity is not None and identity == _identity(protected)
            if target == protected or same_inode:
                name = (
                    "the database itself"
                    if not suffix
                    else f"the database's {suffix[1:]} file ({display_path(database)}{suffix})"
                )
                raise InvalidArgument(
                    f"{what} {shown} is {name}; nothing was written",
                    "Give another file path: writing there would destroy the database.",
                )
    try:
        mode = os.stat(destination).st_mode
    except FileNotFoundError:
        mode = None
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or error
        raise InvalidArgument(f"cannot use {what} {shown}: {reason}", None) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise InvalidArgument(
            f"{what} {shown} is a folder",
            f"Give a file path, e.g. {os.path.join(shown, example)}.",
        )
    if mode is not None and not stat.S_ISREG(mode):
        raise InvalidArgument(
            f"{what} {shown} is not a regular file (a device, FIFO or socket); nothing was written",
            "Give the path of a regular file (use - for standard output where the command allows it).",
        )
    if (mode is not None or os.path.islink(destination)) and not force:
        raise Conflict(
            f"{shown} already exists; nothing was written",
            "Choose a new file name, or add {term:force} to replace it.",
        )
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise InvalidArgument(
            f"the folder of {shown} does not exist", "Create it first, or choose another path."
        )
    return target


def sweep_stale_temporaries(target: str) -> None:
    """Remove the temporary files of killed processes that wrote to ``target`` (and their SQLite files)."""
    folder, name = os.path.split(target)
    prefix = f".{name}{_TEMP_MARK}"
    try:
        entries = os.listdir(folder)
    except OSError:
        return
    for entry in entries:
        if not entry.startswith(prefix):
            continue
        pid_text = entry[len(prefix) :]
        for suffix in ("-journal", "-wal", "-shm"):
            if pid_text.endswith(suffix):
                pid_text = pid_text[: -len(suffix)]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        _remove(os.path.join(folder, entry))


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def fsync_path(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_folder(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_file(
    destination: str,
    produce: Callable[[str], Any],
    *,
    database: str | None,
    force: bool,
    what: str,
    example: str = "bazinga-export.json",
    companions_of_old: bool = False,
) -> Any:
    """Check ``destination``, let ``produce(temporary_path)`` write the content, then fsync and rename.

    ``produce`` returns whatever the caller wants back (a report). On any failure the temporary file is
    removed and DEST is left as it was. ``companions_of_old`` removes a stale -wal/-shm/-journal of the
    old DEST just before the rename (a backup: an old WAL must never apply to the new copy).
    """
    target = check_destination(destination, database=database, force=force, what=what, example=example)
    sweep_stale_temporaries(target)
    folder, name = os.path.split(target)
    temporary = os.path.join(folder, f".{name}{_TEMP_MARK}{os.getpid()}")
    shown = display_path(destination)
    try:
        result = produce(temporary)
        fsync_path(temporary)
        if companions_of_old:
            for suffix in ("-wal", "-shm", "-journal"):
                _remove(target + suffix)
        _place(temporary, target, force, shown)
        fsync_folder(folder)
    except OSError as error:
        raise DatabaseUnusable(
            f"cannot write {what} {shown}: {error.strerror or error}; nothing was written there",
            "Check the folder's permissions and free space; the database was not changed.",
        ) from None
    finally:
        for suffix in _TEMP_LEFTOVERS:
            _remove(temporary + suffix)
    return result


def _place(temporary: str, target: str, force: bool, shown: str) -> None:
    """Rename into place; without ``force`` never over a file that appeared meanwhile (link is atomic)."""
    if force:
        os.replace(temporary, target)
        return
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise Conflict(
            f"{shown} already exists (it appeared while writing); nothing was written",
            "Choose a new file name, or add {term:force} to replace it.",
        ) from None
    except OSError:  # a file system without hard links: check, then rename
        if os.path.lexists(target):
            raise Conflict(
                f"{shown} already exists; nothing was written", "Add {term:force} to replace it."
            ) from None
        os.replace(temporary, target)


def write_text(
    destination: str, chunks: Iterator[str] | list[str], *, database: str | None, force: bool, what: str
) -> int:
    """Write text chunks (UTF-8, newlines as given) through :func:`write_file`; returns the file's size."""

    def produce(temporary: str) -> int:
        with open(temporary, "w", encoding="utf-8", newline="\n") as file:
            for chunk in chunks:
                file.write(chunk)
        return os.path.getsize(temporary)

    return int(write_file(destination, produce, database=database, force=force, what=what))
