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
from typing import Any

from autograd.files import write_file

__all__ = ["FORMAT", "FORMAT_VERSION", "read_document", "write_document"]

FORMAT = "chainrule.nn"
FORMAT_VERSION = 1


def write_document(path: str, model: str, config: dict[str, Any], state: dict[str, float]) -> None:
    """Write a model's document as JSON to a temporary file beside ``path``, then rename it over ``path``.

    ``os.replace`` within one folder is atomic: whoever reads ``path`` sees
    either the old file or the complete new one, never a part. It replaces the
    name itself: a symbolic link at ``path`` is replaced by the new file, and
    the file it pointed to is never written (``autograd.files.write_file``).
    """
    document = {"format": FORMAT, "version": FORMAT_VERSION, "model": model, "config": config, "state": state}
    text = json.dumps(document, indent=1, allow_nan=False)
    # durable: a saved model is the result of hours of training; its bytes reach the disk first.
    write_file(path, text, who="save", durable=True)


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
