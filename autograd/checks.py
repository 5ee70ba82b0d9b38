"""Argument rules shared by ``autograd`` and ``nn``, each written once.

Every public function of chainrule checks what it is given and, when it is
wrong, says what was expected and what came instead. The rules that several
modules need live here, so that the same mistake gets the same message
wherever it is made.
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
from collections.abc import Iterable
from typing import Any

__all__ = [
    "MAX_FORMAT_WIDTH",
    "MAX_FORMAT_PRECISION",
    "count",
    "positive_int",
    "real_number",
    "number_format",
    "did_you_mean",
]

# A number in a lesson is never wider than a line, nor more precise than a
# float (17 significant digits); a bigger spec is a typo that would otherwise
# build strings of gigabytes.
MAX_FORMAT_WIDTH = 100
MAX_FORMAT_PRECISION = 30

# [[fill]align][sign][z][#][0][width][grouping][.precision][type] (the format mini-language)
_SPEC = re.compile(
    r"(?:.?[<>=^])?[-+ ]?z?#?0?(?P<width>\d+)?[,_]?(?:\.(?P<precision>\d+))?[eEfFgGn%]?", re.DOTALL
)


def count(n: Any, what: str, minimum: int = 1) -> int:
    """Return ``n`` as an int, or say that ``what`` needs an int >= ``minimum``."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < minimum:
        raise ValueError(f"{what}: expected an int >= {minimum}, got {n!r:.60}")
    return int(n)


def positive_int(n: Any, what: str) -> int:
    """Return ``n`` as an int, or say that ``what`` needs a positive int."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"{what}: expected a positive int, got {n!r:.60}")
    return int(n)


def real_number(
    x: Any, what: str, low: float | None = None, high: float | None = None, *, open_low: bool = False
) -> float:
    """Return ``x`` as a finite float within [low, high), or say what ``what`` needs.

    ``open_low=True`` excludes ``low`` itself (a learning rate must be > 0).
    """
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
        raise ValueError(f"{what}: expected a finite number, got {x!r:.60}")
    x = float(x)
    too_low = low is not None and (x <= low if open_low else x < low)
    too_high = high is not None and x >= high
    if too_low or too_high:
        lo = "" if low is None else (f"> {low:g}" if open_low else f">= {low:g}")
        hi = "" if high is None else f"< {high:g}"
        bounds = " and ".join(b for b in (lo, hi) if b)
        raise ValueError(f"{what}: expected a number {bounds}, got {x!r}")
    return x


def number_format(spec: Any, what: str = "fmt") -> str:
    """Return ``spec`` if it is a float format spec of sensible size, else raise.

    ``".4f"``, ``".3g"``, ``"+.2e"`` and ``""`` are accepted; so is any spec of
    Python's format mini-language for floats, with a width of at most
    ``MAX_FORMAT_WIDTH`` and a precision of at most ``MAX_FORMAT_PRECISION``.
    """
    if not isinstance(spec, str):
        raise TypeError(f"{what}: expected a format spec such as '.4f' or '.3g', got {type(spec).__name__}")
    expected = f"{what}: expected a float format spec such as '.4f' or '.3g', got {spec!r:.60}"
    match = _SPEC.fullmatch(spec)
    if match is None:
        raise ValueError(expected)
    width, precision = match.group("width"), match.group("precision")
    # The digits are checked by length first, so that a spec of a million
    # digits is refused without converting it to an int.
    if width and (len(width) > 3 or int(width) > MAX_FORMAT_WIDTH):
        raise ValueError(f"{what}: the width in {spec!r:.60} is too large; at most {MAX_FORMAT_WIDTH}")
    if precision and (len(precision) > 3 or int(precision) > MAX_FORMAT_PRECISION):
        raise ValueError(
            f"{what}: the precision in {spec!r:.60} is too large; at most {MAX_FORMAT_PRECISION} "
            "(.17g already shows every digit of a float)"
        )
    try:
        format(1.5, spec)
    except (ValueError, TypeError):
        raise ValueError(expected) from None
    return spec


def did_you_mean(name: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or "" when none is close."""
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=cutoff)
    return f"; did you mean {close[0]!r}?" if close else ""
