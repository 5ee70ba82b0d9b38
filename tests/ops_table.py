"""Test data for the engine's table of operations (``autograd.OPS``).

The engine's table says what each operation is; this one gives, for each, the
independent truth it is checked against. Each row names the engine operation
it tests (``op``) and gives: how to apply it to Values, the same function on
plain floats (the forward truth), the hand-derived partial derivatives, and
the domain on which the inputs are drawn (kept away from kinks and poles so
that finite differences are trustworthy). Every operation of the engine's
table needs at least one row (``test_every_engine_operation_has_test_data``).

Each row is also checked far out, at |x| = 20 and 40 (``far``), against the
same function computed with 50 digits by mpmath: ``precise`` is the function
over mpmath numbers, needed where ``forward`` calls a float-only function
(math.tanh).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import autograd

try:
    import mpmath as mp
except ImportError:  # the far-out checks skip without it
    mp = None


@dataclass(frozen=True)
class Op:
    name: str
    apply: Callable  # on Values (or a Value and a float)
    forward: Callable  # the same function on floats
    derivatives: Callable  # floats -> tuple of partial derivatives
    domains: tuple  # one (low, high) interval per input
    op: str = ""  # the name in autograd.OPS of the operation tested, when it is not `name`
    precise: Callable | None = None  # forward over mpmath numbers, when `forward` is float-only

    @property
    def engine_op(self) -> str:
        return self.op or self.name

    @property
    def far(self) -> list[tuple[float, ...]]:
        """Inputs with |x| in {20, 40}, of the signs the row's domain allows (each input in turn far)."""
        def choices(lo, hi):
            return [x for x in FAR if (lo < 0 or x > 0) and (hi > 0 or x < 0)]

        near = [(lo + hi) / 2 for lo, hi in self.domains]
        points = []
        for i, (lo, hi) in enumerate(self.domains):
            points += [(*near[:i], x, *near[i + 1:]) for x in choices(lo, hi)]
        if len(self.domains) > 1:  # and every input far at once
            points += [tuple(xs) for xs in zip(*[choices(lo, hi) for lo, hi in self.domains])]
        return points


FAR = (-40.0, -20.0, 20.0, 40.0)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


UNARY = [
    Op("neg", lambda a: -a, lambda a: -a, lambda a: (-1.0,), ((-5, 5),)),
    Op("abs", lambda a: abs(a), abs, lambda a: (math.copysign(1.0, a),), ((0.1, 5),)),
    Op("abs-negative", lambda a: abs(a), abs, lambda a: (-1.0,), ((-5, -0.1),), op="abs"),
    Op("exp", lambda a: a.exp(), math.exp, lambda a: (math.exp(a),), ((-5, 5),), precise=lambda a: mp.exp(a)),
    Op("log", lambda a: a.log(), math.log, lambda a: (1.0 / a,), ((0.1, 10),), precise=lambda a: mp.log(a)),
    Op("tanh", lambda a: a.tanh(), math.tanh, lambda a: (1 - math.tanh(a) ** 2,), ((-3, 3),),
       precise=lambda a: mp.tanh(a)),
    Op(
        "sigmoid",
        lambda a: a.sigmoid(),
        _sigmoid,
        lambda a: (_sigmoid(a) * (1 - _sigmoid(a)),),
        ((-6, 6),),
        precise=lambda a: 1 / (1 + mp.exp(-a)),
    ),
    Op("relu", lambda a: a.relu(), lambda a: max(a, 0.0), lambda a: (1.0 if a > 0 else 0.0,), ((0.1, 5),)),
    Op("relu-negative", lambda a: a.relu(), lambda a: max(a, 0.0), lambda a: (0.0,), ((-5, -0.1),),
       op="relu"),
    Op("identity", lambda a: autograd.identity(a, label="x"), lambda a: a, lambda a: (1.0,), ((-5, 5),),
       precise=lambda a: a),
    Op("sin", lambda a: a.sin(), math.sin, lambda a: (math.cos(a),), ((-6, 6),), precise=lambda a: mp.sin(a)),
    Op("cos", lambda a: a.cos(), math.cos, lambda a: (-math.sin(a),), ((-6, 6),),
       precise=lambda a: mp.cos(a)),
    Op("sqrt", lambda a: a.sqrt(), math.sqrt, lambda a: (0.5 / math.sqrt(a),), ((0.1, 10),),
       precise=lambda a: mp.sqrt(a)),
    Op("square", lambda a: a**2, lambda a: a**2, lambda a: (2 * a,), ((-5, 5),), op="**2"),
    Op("cube", lambda a: a**3, lambda a: a**3, lambda a: (3 * a**2,), ((-3, 3),), op="**3"),
    Op("reciprocal", lambda a: a**-1, lambda a: 1 / a, lambda a: (-1 / a**2,), ((0.2, 5),), op="**-1"),
    Op("half-power", lambda a: a**0.5, math.sqrt, lambda a: (0.5 * a**-0.5,), ((0.1, 10),), op="**0.5",
       precise=lambda a: mp.sqrt(a)),
    Op("plus-constant", lambda a: a + 2.5, lambda a: a + 2.5, lambda a: (1.0,), ((-5, 5),), op="+"),
    Op("constant-minus", lambda a: 2.5 - a, lambda a: 2.5 - a, lambda a: (-1.0,), ((-5, 5),), op="-"),
    Op("times-constant", lambda a: 3 * a, lambda a: 3 * a, lambda a: (3.0,), ((-5, 5),), op="*"),
    Op("constant-over", lambda a: 2 / a, lambda a: 2 / a, lambda a: (-2 / a**2,), ((0.2, 5),), op="/"),
    Op("constant-power", lambda a: 2**a, lambda a: 2**a, lambda a: (math.log(2) * 2**a,), ((-3, 3),),
       op="**"),
]

BINARY = [
    Op("add", lambda a, b: a + b, lambda a, b: a + b, lambda a, b: (1.0, 1.0), ((-5, 5), (-5, 5)), op="+"),
    Op("sub", lambda a, b: a - b, lambda a, b: a - b, lambda a, b: (1.0, -1.0), ((-5, 5), (-5, 5)), op="-"),
    Op("mul", lambda a, b: a * b, lambda a, b: a * b, lambda a, b: (b, a), ((-5, 5), (-5, 5)), op="*"),
    Op(
        "div",
        lambda a, b: a / b,
        lambda a, b: a / b,
        lambda a, b: (1 / b, -a / b**2),
        ((-5, 5), (0.2, 5)),
        op="/",
    ),
    Op(
        "pow",
        lambda a, b: a**b,
        lambda a, b: a**b,
        lambda a, b: (b * a ** (b - 1), math.log(a) * a**b),
        ((0.2, 3), (-2, 2)),
        op="**",
    ),
]

NARY = [
    Op(
        "sum",
        lambda a, b, c: autograd.sum([a, b, c]),
        lambda a, b, c: a + b + c,
        lambda a, b, c: (1.0, 1.0, 1.0),
        ((-5, 5), (-5, 5), (-5, 5)),
    ),
]

ALL = UNARY + BINARY + NARY
