"""derive: its code computes the slopes as the engine does, and its update rules keep the formula whole."""

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


def test_update_rule_brackets_a_single_path_that_is_a_difference_or_negative():
    # ∂f/∂b = 1 − f²: η multiplies the whole slope, so it needs brackets.
    w, x, b = Value(0.5, label="w"), Value(2.0, label="x"), Value(-1.0, label="b")
    f = (w * x + b).tanh()
    f.label = "f"
    assert autograd.derive(f, b).text == "∂f/∂b = 1 − f²"
    assert autograd.derive(f, b).update_rule() == "b ← b − η · (1 − f²)"
    assert autograd.derive(f, w).update_rule() == "w ← w − η · (1 − f²) · x"
    # ∂(−3w)/∂w = −3: "η · −3" would read as a subtraction.
    g = -3.0 * w
    g.label = "g"
    assert autograd.derive(g, w).update_rule() == "w ← w − η · (−3)"
