"""Saving and loading a model's file: the JSON document, written atomically and read back with checks.

``Module.save`` writes ``{"format", "version", "model", "config", "state"}``
with every float's digits; ``Module.load`` and ``nn.load_model`` read it
back. This module knows the file, not the models: the architecture is
rebuilt and checked in ``nn.module``.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import time
from typing import Any

__all__ = ["FORMAT", "FORMAT_VERSION", "read_document", "write_document"]

FORMAT = "chainrule.nn"
FORMAT_VERSION = 1


# A temporary file is named ".NAME.chainrule-tmp-PID-XXXXXXXX" beside its target NAME: hidden,
# recognisable, and telling which process writes it, so that the next save of NAME can
# remove what a save killed half-way (SIGKILL, a power cut) left behind.
_TEMPORARY = ".chainrule-tmp-"
_TEMPORARY_TAIL = re.compile(r"([0-9]{1,9})-[0-9a-f]{8}")
_STALE_AFTER = 24 * 3600.0  # seconds; past it, a temporary is stale even if its PID was reused


def _temporary_name(base: str) -> str:
    return f".{base}{_TEMPORARY}{os.getpid()}-{os.urandom(4).hex()}"


def _process_gone(pid: int) -> bool:
    """True when no process ``pid`` runs on this machine (known on POSIX only)."""
    if os.name != "posix" or pid <= 0:
        return False
    try:
        os.kill(pid, 0)  # signal 0 sends nothing: it only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # it exists, but belongs to someone else
        return False
    return False


def _remove_stale_temporaries(folder: str, base: str) -> None:
    """Remove the temporaries of earlier saves of ``base`` whose process is gone (or a day old).

    A save under way in this process (another thread) or in a live one keeps its file.
    Only names of exactly our form are touched; a failure to remove one never stops the save.
    """
    prefix = f".{base}{_TEMPORARY}"
    try:
        names = os.listdir(folder or os.curdir)
    except OSError:
        return
    now = time.time()
    for name in names:
        if not name.startswith(prefix):
            continue
        tail = _TEMPORARY_TAIL.fullmatch(name[len(prefix):])
        if tail is None or int(tail[1]) == os.getpid():
            continue
        pid = int(tail[1])
        stale = os.path.join(folder, name)
        try:
            info = os.lstat(stale)
            if _process_gone(pid) or now - info.st_mtime > _STALE_AFTER:
                os.unlink(stale)  # a link is removed itself, never what it points to
        except OSError:
            pass  # removed meanwhile by another save, or not ours to remove


def write_document(path: str, model: str, config: dict[str, Any], state: dict[str, float]) -> None:
    """Write a model's document as JSON to a temporary file beside ``path``, then rename it over ``path``.

    ``os.replace`` within one folder is atomic: whoever reads ``path`` sees
    either the old file or the complete new one, never a part. It replaces the
    name itself: a symbolic link at ``path`` is replaced by the new file, and
    the file it pointed to is never written.
    """
    document = {"format": FORMAT, "version": FORMAT_VERSION, "model": model, "config": config, "state": state}
    folder, base = os.path.split(path)
    _remove_stale_temporaries(folder, base)
    temporary = os.path.join(folder, _temporary_name(base))
    # Created with mode 0o666 (less the umask), as open(path, "w") would; O_EXCL never
    # writes into a file (or through a link) that someone else made.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(document, f, indent=1, allow_nan=False)
            f.flush()
            os.fsync(f.fileno())
        try:
            old = os.lstat(path)  # lstat: the permissions of a link's target are not the old file's
        except FileNotFoundError:
            old = None
        if old is not None and stat.S_ISREG(old.st_mode):
            os.chmod(temporary, stat.S_IMODE(old.st_mode))  # keep the old file's permissions
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


class _BadNumber(ValueError):
    """A number in a model file that no float can hold."""


def _refuse_constant(name: str) -> float:
    raise _BadNumber(f"it contains {name}, but a saved weight must be a finite number")


def _parse_float(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):
        raise _BadNumber(f"it contains the number {text:.40}, too large for a float")
    return x


def _parse_int(text: str) -> int:
    # A float holds up to about 1.8e308, so an int of more than 308 digits cannot be a
    # weight, nor any size; counting digits first also spares int() a million-digit string.
    digits = len(text.lstrip("-"))
    if digits > 308:
        raise _BadNumber(f"it contains an integer of {digits} digits, too large for a float")
    return int(text)


def read_document(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check a saved model's document: its format, version, and the kinds of its entries."""
    shown = repr(os.fspath(path))
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{shown} is not a saved model: byte {e.start} is not UTF-8 text") from None
    try:
        document = json.loads(
            text, parse_constant=_refuse_constant, parse_float=_parse_float, parse_int=_parse_int
        )
    except json.JSONDecodeError as e:
        raise ValueError(f"{shown} is not a saved model (not valid JSON: {e})") from None
    except _BadNumber as e:
        raise ValueError(f"{shown} is not a valid saved model: {e}") from None
    except RecursionError:
        raise ValueError(f"{shown} is not a saved model: its JSON is nested too deeply") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{shown} is not a model saved by chainrule's nn (Module.save)")
    if document.get("version") != FORMAT_VERSION:
        raise ValueError(
            f"{shown} was saved in format version {document.get('version')!r:.40}; "
            f"this version of nn reads version {FORMAT_VERSION}"
        )
    for key, kind in (("model", str), ("config", dict), ("state", dict)):
        if not isinstance(document.get(key), kind):
            raise ValueError(f"{shown}: the entry {key!r} is missing or is not a {kind.__name__}")
    return document
