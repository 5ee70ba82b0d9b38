"""One table of the engine's operations, shared by the tests.

Each row gives: how to apply the operation to Values, the same function on
plain floats (the forward truth), the hand-derived partial derivatives, and
the domain on which the inputs are drawn (kept away from kinks and poles so
that finite differences are trustworthy).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Op:
    name: str
    apply: Callable  # on Values (or a Value and a float)
    forward: Callable  # the same function on floats
    derivatives: Callable  # floats -> tuple of partial derivatives
    domains: tuple  # one (low, high) interval per input


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


UNARY = [
    Op("neg", lambda a: -a, lambda a: -a, lambda a: (-1.0,), ((-5, 5),)),
    Op("abs", lambda a: abs(a), abs, lambda a: (math.copysign(1.0, a),), ((0.1, 5),)),
    Op("abs-negative", lambda a: abs(a), abs, lambda a: (-1.0,), ((-5, -0.1),)),
    Op("exp", lambda a: a.exp(), math.exp, lambda a: (math.exp(a),), ((-5, 5),)),
    Op("log", lambda a: a.log(), math.log, lambda a: (1.0 / a,), ((0.1, 10),)),
    Op("tanh", lambda a: a.tanh(), math.tanh, lambda a: (1 - math.tanh(a) ** 2,), ((-3, 3),)),
    Op(
        "sigmoid",
        lambda a: a.sigmoid(),
        _sigmoid,
        lambda a: (_sigmoid(a) * (1 - _sigmoid(a)),),
        ((-6, 6),),
    ),
    Op("relu", lambda a: a.relu(), lambda a: max(a, 0.0), lambda a: (1.0 if a > 0 else 0.0,), ((0.1, 5),)),
    Op("relu-negative", lambda a: a.relu(), lambda a: max(a, 0.0), lambda a: (0.0,), ((-5, -0.1),)),
    Op("sin", lambda a: a.sin(), math.sin, lambda a: (math.cos(a),), ((-6, 6),)),
    Op("cos", lambda a: a.cos(), math.cos, lambda a: (-math.sin(a),), ((-6, 6),)),
    Op("sqrt", lambda a: a.sqrt(), math.sqrt, lambda a: (0.5 / math.sqrt(a),), ((0.1, 10),)),
    Op("square", lambda a: a**2, lambda a: a**2, lambda a: (2 * a,), ((-5, 5),)),
    Op("cube", lambda a: a**3, lambda a: a**3, lambda a: (3 * a**2,), ((-3, 3),)),
    Op("reciprocal", lambda a: a**-1, lambda a: 1 / a, lambda a: (-1 / a**2,), ((0.2, 5),)),
    Op("half-power", lambda a: a**0.5, math.sqrt, lambda a: (0.5 * a**-0.5,), ((0.1, 10),)),
    Op("plus-constant", lambda a: a + 2.5, lambda a: a + 2.5, lambda a: (1.0,), ((-5, 5),)),
    Op("constant-minus", lambda a: 2.5 - a, lambda a: 2.5 - a, lambda a: (-1.0,), ((-5, 5),)),
    Op("times-constant", lambda a: 3 * a, lambda a: 3 * a, lambda a: (3.0,), ((-5, 5),)),
    Op("constant-over", lambda a: 2 / a, lambda a: 2 / a, lambda a: (-2 / a**2,), ((0.2, 5),)),
    Op("constant-power", lambda a: 2**a, lambda a: 2**a, lambda a: (math.log(2) * 2**a,), ((-3, 3),)),
]

BINARY = [
    Op("add", lambda a, b: a + b, lambda a, b: a + b, lambda a, b: (1.0, 1.0), ((-5, 5), (-5, 5))),
    Op("sub", lambda a, b: a - b, lambda a, b: a - b, lambda a, b: (1.0, -1.0), ((-5, 5), (-5, 5))),
    Op("mul", lambda a, b: a * b, lambda a, b: a * b, lambda a, b: (b, a), ((-5, 5), (-5, 5))),
    Op(
        "div",
        lambda a, b: a / b,
        lambda a, b: a / b,
        lambda a, b: (1 / b, -a / b**2),
        ((-5, 5), (0.2, 5)),
    ),
    Op(
        "pow",
        lambda a, b: a**b,
        lambda a, b: a**b,
        lambda a, b: (b * a ** (b - 1), math.log(a) * a**b),
        ((0.2, 3), (-2, 2)),
    ),
]

ALL = UNARY + BINARY
