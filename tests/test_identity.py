"""``autograd.identity(v, label="x")``: the lecture's x = r as a node of its own.

f = x·y·z with x = r, y = r·s, z = s is f = r²s², so by hand
∂f/∂r = 2·r·s² and ∂f/∂s = 2·r²·s; s reaches f along y (∂f/∂y · ∂y/∂s =
x·z · r) and along z (∂f/∂z · ∂z/∂s = x·y · 1).
"""

from __future__ import annotations

import math
import pickle

import pytest

import autograd
from autograd import Value, explain, identity
from autograd.replay import generate

POINTS = [(2.0, 3.0), (-1.5, 0.5), (0.3, -2.0), (1e-3, 7.0)]


def lecture(rv: Value, sv: Value) -> Value:
    x = identity(rv, label="x")
    y = rv * sv
    y.label = "y"
    z = identity(sv, label="z")
    f = x * y * z
    f.label = "f"
    return f


def leaves(r: float, s: float) -> tuple[Value, Value]:
    return Value(r, label="r"), Value(s, label="s")


def test_identity_is_its_input_with_slope_one():
    r = Value(-2.5, label="r")
    x = identity(r, label="x")
    assert x.data == r.data and x.label == "x" and x.op == "identity" and x.inputs == (r,)
    assert x.local_grads() == (1.0,)
    assert x is not r


@pytest.mark.parametrize("r, s", POINTS)
def test_gradients_are_the_hand_derived_ones(r, s):
    rv, sv = leaves(r, s)
    f = lecture(rv, sv)
    f.backward()
    assert f.data == pytest.approx(r * r * s * s, rel=1e-14)
    assert rv.grad == pytest.approx(2 * r * s * s, rel=1e-14)
    assert sv.grad == pytest.approx(2 * r * r * s, rel=1e-14)


@pytest.mark.parametrize("r, s", POINTS)
def test_gradients_agree_with_finite_differences(r, s):
    rv, sv = leaves(r, s)
    lecture(rv, sv).backward()

    def f(a: float, b: float) -> float:
        return lecture(Value(a), Value(b)).data

    h = 1e-6
    assert rv.grad == pytest.approx((f(r + h, s) - f(r - h, s)) / (2 * h), rel=1e-6, abs=1e-8)
    assert sv.grad == pytest.approx((f(r, s + h) - f(r, s - h)) / (2 * h), rel=1e-6, abs=1e-8)


def test_second_derivatives_pass_through_identity():
    # ∂²f/∂r² = 2·s², by hand.
    rv, sv = leaves(2.0, 3.0)
    (dr,) = autograd.grad(lecture(rv, sv), [rv], create_graph=True)
    (drr,) = autograd.grad(dr, [rv])
    assert drr == pytest.approx(2 * 3.0**2, rel=1e-14)


def test_compile_aliases_identity_and_gives_the_same_bits():
    compiled = autograd.compile(lecture)
    for r, s in POINTS:
        rv, sv = leaves(r, s)
        f = lecture(rv, sv)
        f.backward()
        value, (dr, ds) = compiled(r, s)
        assert (value, dr, ds) == (f.data, rv.grad, sv.grad)
        assert all(math.copysign(1.0, a) == math.copysign(1.0, b) for a, b in ((dr, rv.grad), (ds, sv.grad)))
    rv, sv = leaves(2.0, 3.0)
    replay = generate(lecture(rv, sv), [rv, sv])
    forward = replay.source.split("# backward")[0]
    assert "    x = r  # x = r" in forward and "    z = s  # z = s" in forward
    assert replay.n_operations == 3  # y = r·s, x·y and ·z: identity is no operation


def test_explain_writes_x_equals_r_and_each_path():
    text = explain(lecture(*leaves(2.0, 3.0))).text()
    assert "(x = r)" in text and "(z = s)" in text
    assert "via y: ∂f/∂y · ∂y/∂s = 6 · r = 6 · 2 = 12   (y = r · s)" in text
    assert "via z: ∂f/∂z · ∂z/∂s = 12 · 1 = 12   (z = s)" in text
    assert "∂f/∂s = 12 + 12 = 24" in text.splitlines()
    assert "∂f/∂r = 18 + 18 = 36" in text.splitlines()


def test_the_drawing_has_the_notes_own_x_and_z():
    pytest.importorskip("graphviz")
    rv, sv = leaves(2.0, 3.0)
    f = lecture(rv, sv)
    f.backward()
    source = autograd.draw(f, edge_labels=True).source
    assert '"{ x | data 2 | grad 18 }"' in source and '"{ z | data 3 | grad 12 }"' in source
    assert source.count('[label="=" ') == 2  # x = r and z = s, each an operation node of its own


def test_identity_checks_its_label_and_lifts_a_number():
    with pytest.raises(TypeError, match=r"identity\(label=...\): expected a str, got int"):
        identity(Value(1.0), label=3)
    c = identity(2.5, label="c")
    assert c.data == 2.5 and c.inputs[0].data == 2.5


def test_a_graph_with_identity_pickles():
    rv, sv = leaves(2.0, 3.0)
    f = pickle.loads(pickle.dumps(lecture(rv, sv)))
    f.backward()
    assert f.data == 36.0 and f.inputs[1].op == "identity"
