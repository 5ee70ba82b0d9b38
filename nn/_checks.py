"""Argument rules that only nn needs: samples, data sets, seeds.

The rules shared with ``autograd`` (a count, a positive int, a real number,
"did you mean ...?") live in ``autograd.checks``, so that the same mistake
gets the same message in both packages.
"""

from __future__ import annotations

import numbers
import random
from typing import Any

from autograd import Value


def is_number(x: Any) -> bool:
    """True for a Value or a real number; a bool is not taken for a number."""
    return isinstance(x, (Value, numbers.Real)) and not isinstance(x, bool)


def make_rng(seed: Any) -> random.Random:
    """A private random generator, so that the global ``random`` state is never touched.

    An int (or None) seeds a new generator; a ``random.Random`` is used as it is,
    so that one generator can be shared (an MLP passes its own to every layer).
    """
    if isinstance(seed, random.Random):
        return seed
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)):
        return random.Random(seed)
    raise TypeError(f"seed: expected an int, a random.Random or None, got {type(seed).__name__}")


def check_samples(X: Any, name: str) -> None:
    """X must be a non-empty list of samples."""
    if isinstance(X, (str, bytes)) or not hasattr(X, "__len__"):
        raise TypeError(f"{name}: expected X as a list of samples, got {type(X).__name__}")
    if len(X) == 0:
        raise ValueError(f"{name}: X is empty; expected at least one sample")


def check_dataset(X: Any, y: Any, name: str) -> None:
    """X must be a non-empty list of samples and y a list of as many labels."""
    check_samples(X, name)
    if isinstance(y, (str, bytes)) or not hasattr(y, "__len__"):
        raise TypeError(f"{name}: expected y as a list of labels, got {type(y).__name__}")
    if len(X) != len(y):
        raise ValueError(f"{name}: X has {len(X)} samples but y has {len(y)} labels; they must match")

