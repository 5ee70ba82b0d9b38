"""A derivation's code computes tanh's and sigmoid's slopes as the engine does, far from 0 too."""

from __future__ import annotations

import math

import pytest

import autograd
from autograd import Value


@pytest.mark.parametrize("a", [-40.0, -20.0, -0.3, 0.0, 0.4, 3.0, 20.0, 40.0])
def test_tanh_and_sigmoid_slopes_equal_backward_where_one_minus_out_squared_is_zero(a):
    for method, exact in (("tanh", 1.0 / math.cosh(a) ** 2),
                          ("sigmoid", math.exp(-abs(a)) / (1.0 + math.exp(-abs(a))) ** 2)):
        x = Value(a, label="x")
        out = getattr(x, method)()
        out.backward()
        d = autograd.derive(out, x)
        assert x.grad > 0.0  # 1 − out² would round to 0 at |a| = 20 and 40
        assert d(x=a) == x.grad
        assert d(x=a) == pytest.approx(exact, rel=1e-12)
