"""Writing a file so that it is either the old one or the new one, and never a file elsewhere.

``write_file(path, data)`` writes ``data`` to a temporary file in the folder of
``path`` and then renames it onto ``path`` with ``os.replace``:

- a reader (or a process killed half-way) never sees half a file: the rename
  is atomic on one file system, which the temporary file shares with the
  target because it sits in the same folder;
- a symbolic link planted at ``path`` is replaced by the new file, never
  followed: a rename replaces the directory entry itself, so the file the link
  pointed to is left as it was;
- the temporary files are named ``.<name>.<pid>.<random>.chainrule-tmp``, so
  that one left behind by a killed process is recognisable, and the next write
  to the same target removes those of processes that are no longer running
  (or a day old: a process id may have been given to another process since);
- a file replaced keeps its permissions.

Pictures, pages and frames are written with it, and nn's ``save``, which also
asks for ``durable=True``: the data reach the disk before the rename.
"""

from __future__ import annotations

import os
import secrets
import stat
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "write_file", "open_atomic", "check_folder", "make_folder", "remove_stale", "temporary_name",
    "TEMPORARY_SUFFIX",
]

TEMPORARY_SUFFIX = ".chainrule-tmp"
# Past this age a temporary file is stale even when a process of its id runs: ids are reused.
_STALE_AFTER = 24 * 3600.0


def temporary_name(target: Path) -> str:
    """The name of a fresh temporary file for ``target``: hidden, with this process's id, recognisable."""
    return f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMPORARY_SUFFIX}"


def write_file(
    path: str | os.PathLike, data: bytes | str, *, who: str = "write", clean: bool = True,
    durable: bool = False,
) -> Path:
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` atomically; return ``path`` as a Path.

    The folder must exist; ``path`` must not be a folder. A link at ``path``
    is replaced, not followed. ``who`` starts the error messages
    (``"write_frames"``), so that they say which call refused. ``durable``:
    the data are on the disk (fsync) before the file takes the name.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open_atomic(path, who=who, clean=clean, durable=durable) as file:
        file.write(data)
    return Path(path)


@contextmanager
def open_atomic(
    path: str | os.PathLike, *, who: str = "write", clean: bool = True, durable: bool = False,
) -> Iterator[BinaryIO]:
    """A binary file that becomes ``path`` when the ``with`` block ends without an error.

    Until then it is a temporary file in the same folder; on an error it is
    removed and ``path`` is left as it was. ``clean=False`` skips looking for
    stale temporary files, for a caller that has run ``remove_stale`` on the
    folder once instead of once per file. ``durable``: fsync before the rename
    (a saved model, whose loss a power cut must not cause); without it a
    killed process still loses nothing already handed to the system.
    """
    target = Path(path)
    folder = check_folder(target.parent, who=who)
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(f"{who}({str(path)!r}): that is a folder; give a file name inside it")
    if clean:
        remove_stale(folder, target.name)
    temporary = folder / temporary_name(target)
    # O_EXCL: never open a file (or a link) that is already there; 0o666 lets the
    # umask decide the permissions, as for any file the user writes.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(temporary, flags, 0o666)
    try:
        # Pictures and pages can be made again, and an fsync per frame would cost
        # more than drawing it: only a durable write waits for the disk.
        with os.fdopen(fd, "wb") as file:
            yield file
            if durable:
                file.flush()
                os.fsync(file.fileno())
        if mode is not None and stat.S_ISREG(mode):
            os.chmod(temporary, stat.S_IMODE(mode))  # the file replaced keeps its permissions
        os.replace(temporary, target)
    except BaseException:
        # Disk full, interrupted...: the target is as it was, and no temporary file stays behind.
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def check_folder(folder: str | os.PathLike, *, who: str = "write", may_be_missing: bool = False) -> Path:
    """``folder`` as a Path if it can hold files, else ``FileNotFoundError`` or ``NotADirectoryError``.

    With ``may_be_missing``, a folder that is not there yet is fine as long as
    it can be made: the problem is then a file standing where a folder should be.
    """
    path = Path(folder)
    for place in (path, *path.parents):
        try:
            if place.is_dir():
                return path
            if place.exists() or place.is_symlink():
                raise NotADirectoryError(f"{who}({str(folder)!r}): {str(place)!r} is a file, not a folder")
        except (OSError, ValueError) as error:  # a name too long, a NUL byte...
            if isinstance(error, NotADirectoryError):
                raise
            raise FileNotFoundError(f"{who}: cannot use the folder {str(folder)!r:.80}: {error}") from None
        if not may_be_missing:
            raise FileNotFoundError(f"{who}({str(folder)!r}): the folder {str(path)!r} does not exist")
    return path


def make_folder(folder: str | os.PathLike, *, who: str = "write") -> Path:
    """Make ``folder`` and its parents when they are missing; say plainly when a file is in the way."""
    path = check_folder(folder, who=who, may_be_missing=True)
    path.mkdir(parents=True, exist_ok=True)
    return path


def remove_stale(folder: str | os.PathLike, name: str | None = None) -> None:
    """Remove the temporary files left in ``folder`` by processes that no longer run, or a day old.

    Only those for the target ``name`` when it is given, else those of any target.
    This process's own are kept (its other threads may be writing them).
    """
    now = time.time()
    prefix = f".{name}." if name is not None else "."
    try:
        entries = os.scandir(folder)
    except OSError:
        return
    with entries:
        for entry in entries:
            name_ = entry.name
            if not (name_.startswith(prefix) and name_.endswith(TEMPORARY_SUFFIX)):
                continue
            # .<target>.<pid>.<token>.chainrule-tmp: the pid and token are the last two parts.
            middle = name_[len(prefix) : -len(TEMPORARY_SUFFIX)]
            rest, _, token = middle.rpartition(".")
            pid = rest.rpartition(".")[2]
            if not pid.isdigit() or not token or int(pid) == os.getpid():
                continue
            try:
                if _running(int(pid)) and now - entry.stat(follow_symlinks=False).st_mtime <= _STALE_AFTER:
                    continue
                if entry.is_file(follow_symlinks=False) or entry.is_symlink():
                    os.unlink(entry.path)
            except OSError:
                pass  # another writer removed it first, or it is not ours to remove


def _running(pid: int) -> bool:
    """Whether a process with this id runs (remove_stale keeps this process's own files before asking)."""
    if sys.platform == "win32":
        return True  # no cheap check there: keep the file rather than remove a live writer's
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it runs, as someone else
    return True
