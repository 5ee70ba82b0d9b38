"""autograd.derive: ∂L/∂w as a sum over paths of products of local derivatives."""

from __future__ import annotations

import math
import random

import pytest

import autograd
from autograd import Value
from autograd.views.derive import TooManyPathsError

LEAVES = ("x1", "x2", "w11", "w12", "w21", "w22", "v1", "v2", "y")


def homework(**numbers: float) -> tuple[Value, dict[str, Value]]:
    """The homework's 2-2-1 network without bias, by hand: h = tanh(W x), a = σ(v · h), L = (a − y)²."""
    v = {name: Value(numbers.get(name, default), label=name) for name, default in zip(
        LEAVES, (1.5, -0.5, 0.5, -0.4, 0.3, 0.8, 1.1, -0.6, 1.0))}
    h1 = (v["w11"] * v["x1"] + v["w12"] * v["x2"]).tanh()
    h2 = (v["w21"] * v["x1"] + v["w22"] * v["x2"]).tanh()
    h1.label, h2.label = "h1", "h2"
    a = (v["v1"] * h1 + v["v2"] * h2).sigmoid()
    a.label = "a"
    L = (a - v["y"]) ** 2
    L.label = "L"
    return L, v


def test_homework_weight_derivation_reads_as_the_lecture_writes_it():
    L, v = homework()
    d = autograd.derive(L, v["w11"])
    assert d.text == "∂L/∂w11 = 2(a − y) · a(1 − a) · v1 · (1 − h1²) · x1"
    assert d.paths == ("2(a − y) · a(1 − a) · v1 · (1 − h1²) · x1",)
    assert d.update_rule() == "w11 ← w11 − η · 2(a − y) · a(1 − a) · v1 · (1 − h1²) · x1"
    assert d.update_rule(lr="α").startswith("w11 ← w11 − α · ")
    assert d.latex == (r"\frac{\partial L}{\partial w_{11}} = 2(a - y) \cdot a(1 - a) \cdot v_{1} "
                       r"\cdot (1 - h_{1}^{2}) \cdot x_{1}")


def test_homework_output_weight_has_the_shorter_path():
    L, v = homework()
    assert autograd.derive(L, v["v2"]).text == "∂L/∂v2 = 2(a − y) · a(1 − a) · h2"


@pytest.mark.parametrize("weight", ["w11", "w12", "w21", "w22", "v1", "v2"])
def test_derivation_code_equals_backward_at_new_numbers(weight):
    L, v = homework()
    d = autograd.derive(L, v[weight])
    rng = random.Random(weight)
    for _ in range(10):
        numbers = {name: rng.uniform(-2, 2) for name in LEAVES}
        fresh, leaves = homework(**numbers)
        fresh.backward()
        assert d(**numbers) == pytest.approx(leaves[weight].grad, rel=1e-12, abs=1e-15)


def test_derivation_code_uses_math_alone():
    L, v = homework()
    code = autograd.derive(L, v["w11"]).code
    assert code.startswith("import math\n")
    assert "autograd" not in code and "import" not in code.replace("import math\n", "", 1)
    # Run with only math importable: it needs nothing else.
    def only_math(name, *args, **kwargs):
        if name != "math":
            raise ImportError(f"the derivation's code imported {name}")
        return math

    namespace: dict = {"__builtins__": {"__import__": only_math, "abs": abs, "float": float}}
    exec(compile(code, "<test>", "exec"), namespace)
    numbers = dict(zip(LEAVES, (0.3, -1.2, 0.9, 0.1, -0.7, 0.4, 1.3, 0.2, 0.0)))
    fresh, leaves = homework(**numbers)
    fresh.backward()
    assert namespace["dL_dw11"](**numbers) == pytest.approx(leaves["w11"].grad, rel=1e-12)


def test_a_value_used_twice_gives_one_product_per_path():
    # The lecture's f = x·y·z with x = r, y = r·s, z = s: s reaches f along y and directly.
    r, s = Value(2.0, label="r"), Value(3.0, label="s")
    y = r * s
    y.label = "y"
    f = (r * y) * s
    f.label = "f"
    d = autograd.derive(f, s)
    assert len(d.paths) == 2
    assert d.text == "∂f/∂s = s · r · r + r·y"
    assert d.update_rule() == "s ← s − η · (s · r · r + r·y)"
    for rv, sv in [(2.0, 3.0), (-1.5, 0.25)]:
        assert d(r=rv, s=sv) == pytest.approx(2 * rv * rv * sv, rel=1e-14)  # ∂(r²s²)/∂s = 2r²s


def test_composite_function_writes_the_outer_then_the_inner_slope():
    x = Value(0.5, label="x")
    d = autograd.derive((x ** 2).sin(), x)
    assert d.text == "∂L/∂x = cos(x²) · 2x"
    assert d(x=0.7) == pytest.approx(math.cos(0.49) * 1.4, rel=1e-14)


def test_negative_paths_are_subtracted_and_kinks_are_indicators():
    x, w = Value(0.5, label="x"), Value(0.5, label="w")
    L = (w * x).relu() - w.exp() * 3
    L.label = "L"
    d = autograd.derive(L, w)
    assert d.text == "∂L/∂w = 𝟙[w·x > 0] · x − 3 · exp(w)"
    for wv, xv in [(0.5, 0.5), (-0.5, 0.5)]:
        assert d(w=wv, x=xv) == pytest.approx((xv if wv * xv > 0 else 0.0) - 3 * math.exp(wv), rel=1e-14)


def test_too_many_paths_point_to_the_layer_view():
    x = Value(1.0, label="x")
    y = x
    for _ in range(7):  # every level doubles the paths: 2⁷ = 128
        y = y * y
    with pytest.raises(TooManyPathsError, match=r"has 128 paths \(more than 64\).*nn\.deltas"):
        autograd.derive(y, x)
    assert len(autograd.derive(y, x, max_paths=128).paths) == 128


def test_derive_refuses_what_is_not_a_graph_of_the_output():
    x, z = Value(1.0, label="x"), Value(2.0, label="z")
    with pytest.raises(TypeError, match="expected a Value as the output, got float"):
        autograd.derive(1.0, x)
    with pytest.raises(TypeError, match="expected a Value as the target, got str"):
        autograd.derive(x * 2, "x")
    with pytest.raises(ValueError, match="does not depend on z"):
        autograd.derive(x * 2, z)


def test_update_rule_needs_a_name_for_the_rate():
    L, v = homework()
    with pytest.raises(TypeError, match="expected the learning rate's name"):
        autograd.derive(L, v["v1"]).update_rule(lr=0.1)
