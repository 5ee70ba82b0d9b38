"""Every operation: forward value, hand-derived gradient, finite differences."""

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ops_table import ALL, BINARY, UNARY

from autograd import Value, grad, gradcheck


def _points(op, count, seed):
    rng = random.Random(seed)
    return [tuple(rng.uniform(lo, hi) for lo, hi in op.domains) for _ in range(count)]


@pytest.mark.parametrize("op", ALL, ids=lambda op: op.name)
def test_forward_matches_float_function(op):
    for xs in _points(op, 20, seed=1):
        out = op.apply(*[Value(x) for x in xs])
        assert out.data == pytest.approx(op.forward(*xs), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("op", ALL, ids=lambda op: op.name)
def test_gradient_matches_hand_derived_formula(op):
    for xs in _points(op, 20, seed=2):
        values = [Value(x) for x in xs]
        op.apply(*values).backward()
        for value, expected in zip(values, op.derivatives(*xs)):
            assert value.grad == pytest.approx(expected, rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("op", ALL, ids=lambda op: op.name)
def test_local_grads_are_the_partial_derivatives(op):
    for xs in _points(op, 5, seed=3):
        values = [Value(x) for x in xs]
        out = op.apply(*values)
        # Constants lifted from plain numbers are inputs too: compare only ours.
        local = dict(zip(out.inputs, out.local_grads()))
        for value, expected in zip(values, op.derivatives(*xs)):
            assert local[value] == pytest.approx(expected, rel=1e-12, abs=1e-12)


def _draw_inputs(op):
    return st.tuples(
        *[st.floats(min_value=lo, max_value=hi, allow_nan=False) for lo, hi in op.domains]
    )


@pytest.mark.parametrize("op", ALL, ids=lambda op: op.name)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_gradient_matches_finite_differences(op, data):
    xs = data.draw(_draw_inputs(op))
    assert gradcheck(op.apply, [Value(x) for x in xs])


@pytest.mark.parametrize("op", UNARY, ids=lambda op: op.name)
def test_unary_op_records_one_input_in_order(op):
    a = Value(0.5)
    out = op.apply(a)
    assert a in out.inputs
    assert out.op != ""


@pytest.mark.parametrize("op", BINARY, ids=lambda op: op.name)
def test_binary_op_records_inputs_in_argument_order(op):
    a, b = Value(0.7), Value(1.3)
    assert op.apply(a, b).inputs == (a, b)


@pytest.mark.parametrize(
    "expression, op",
    [
        (lambda a, b: a - b, "-"),
        (lambda a, b: a / b, "/"),
        (lambda a, b: a + b, "+"),
        (lambda a, b: a * b, "*"),
        (lambda a, b: a**b, "**"),
    ],
)
def test_subtraction_and_division_are_their_own_operations(expression, op):
    assert expression(Value(3.0), Value(2.0)).op == op


def test_power_with_a_plain_exponent_names_the_exponent():
    out = Value(3.0) ** 2
    assert out.op == "**2"
    assert len(out.inputs) == 1


@pytest.mark.parametrize("number", [2, 2.5, True])
def test_plain_numbers_work_on_either_side(number):
    a = Value(4.0)
    for result, expected in [
        (a + number, 4.0 + number),
        (number + a, number + 4.0),
        (a - number, 4.0 - number),
        (number - a, number - 4.0),
        (a * number, 4.0 * number),
        (number * a, number * 4.0),
        (a / number, 4.0 / number),
        (number / a, number / 4.0),
        (a**number, 4.0**number),
        (number**a, number**4.0),
    ]:
        assert result.data == pytest.approx(expected)


def test_plain_number_operands_become_constant_leaves():
    a = Value(4.0)
    out = a * 3
    constant = out.inputs[1]
    assert constant.data == 3.0 and constant.op == "" and constant.inputs == ()


def test_sum_of_many_values_is_one_node():
    import autograd

    xs = [Value(float(i)) for i in range(1, 6)]
    total = autograd.sum(xs, start=10.0)
    assert total.op == "sum"
    assert total.data == 10.0 + 1 + 2 + 3 + 4 + 5
    (total * total).backward()
    assert [x.grad for x in xs] == [2 * total.data] * 5


def test_sum_of_nothing_is_zero():
    import autograd

    assert autograd.sum([]).data == 0.0


def _shape(v, leaves):
    """A Value's graph written out: leaves by their position in ``leaves``, constants by number."""
    if not v.inputs:
        return ("leaf", leaves.index(v)) if v in leaves else ("constant", v.data)
    return (v.op, v.data, tuple(_shape(x, leaves) for x in v.inputs))


@pytest.mark.parametrize("start", [0.0, 0, 1.5, "value"], ids=["0.0", "0", "1.5", "a Value"])
@pytest.mark.parametrize("width", [1, 2, 5])
def test_dot_is_the_sum_of_the_products_node_for_node(start, width):
    import autograd

    rng = random.Random(width)
    ws = [Value(rng.uniform(-2, 2)) for _ in range(width)]
    xs = [Value(rng.uniform(-2, 2)) for _ in range(width - 1)] + [0.75]  # a plain number is lifted
    start = Value(0.25) if start == "value" else start
    leaves = [*ws, *xs[:-1]] + ([start] if isinstance(start, Value) else [])
    fast = autograd.dot(ws, xs, start=start)
    by_hand = autograd.sum([w * x for w, x in zip(ws, xs)], start=start)
    assert _shape(fast, leaves) == _shape(by_hand, leaves)
    fast.backward()
    from_dot = [v.grad for v in leaves]
    autograd.zero_grad(fast)
    by_hand.backward()
    assert from_dot == [v.grad for v in leaves]


def test_dot_slopes_are_the_other_factor():
    import autograd

    w, x = [Value(2.0), Value(-3.0)], [Value(0.5), Value(4.0)]
    autograd.dot(w, x, start=1.0).backward()
    assert [v.grad for v in w] == [0.5, 4.0]  # ∂out/∂wi = xi
    assert [v.grad for v in x] == [2.0, -3.0]  # ∂out/∂xi = wi


def test_dot_of_unequal_lengths_names_both():
    import autograd

    with pytest.raises(ValueError, match="as many inputs as weights, got 3 weights and 2 inputs"):
        autograd.dot([Value(1.0)] * 3, [1.0, 2.0])


def test_dot_refuses_a_non_number_naming_itself():
    import autograd

    with pytest.raises(TypeError, match="'dot' operand"):
        autograd.dot([Value(1.0)], ["2"])


def test_dot_under_no_grad_records_nothing():
    import autograd

    with autograd.no_grad():
        out = autograd.dot([Value(2.0), Value(3.0)], [Value(4.0), Value(5.0)])
    assert (out.data, out.inputs) == (23.0, ())


def test_sigmoid_is_stable_for_large_negative_inputs():
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0


def test_tanh_is_stable_for_large_inputs():
    assert Value(1000.0).tanh().data == 1.0
    assert Value(-1000.0).tanh().data == -1.0


def test_sigmoid_gradient_at_extremes_is_zero_not_nan():
    x = Value(-1000.0)
    x.sigmoid().backward()
    assert x.grad == 0.0


def test_relu_and_abs_have_zero_slope_at_zero():
    a, b = Value(0.0), Value(0.0)
    a.relu().backward()
    abs(b).backward()
    assert (a.grad, b.grad) == (0.0, 0.0)


def test_sqrt_slope_at_zero_is_infinite():
    x = Value(0.0)
    x.sqrt().backward()
    assert x.grad == math.inf


def test_power_exponent_gradient_at_zero_base_is_zero():
    x, p = Value(0.0), Value(2.0)
    (x**p).backward()
    assert (x.grad, p.grad) == (0.0, 0.0)


def test_power_exponent_gradient_of_negative_base_is_nan():
    # d/dp x**p = ln(x) x**p has no real value for x < 0 (PyTorch agrees).
    x, p = Value(-2.0), Value(3.0)
    out = x**p
    out.backward()
    assert out.data == -8.0
    assert x.grad == 3 * 4.0
    assert math.isnan(p.grad)


def test_nan_and_infinity_are_allowed_as_data():
    assert math.isnan((Value(math.nan) * 2).data)
    assert (Value(math.inf) + 1).data == math.inf


# ----------------------------------------------------------------------
# Second derivatives: grad(create_graph=True) differentiated again, against
# central differences of the first derivatives (computed on floats).


def _first_derivatives(op, xs):
    values = [Value(x) for x in xs]
    return grad(op.apply(*values), values)


@pytest.mark.parametrize("op", ALL, ids=lambda op: op.name)
def test_second_derivatives_match_differences_of_the_first(op):
    for xs in _points(op, 5, seed=4):
        values = [Value(x) for x in xs]
        firsts = grad(op.apply(*values), values, create_graph=True)
        for i, first in enumerate(firsts):
            seconds = grad(first, values, allow_unused=True)
            for j, second in enumerate(seconds):
                h = 1e-5 * max(1.0, abs(xs[j]))
                up = _first_derivatives(op, [x + h if k == j else x for k, x in enumerate(xs)])[i]
                down = _first_derivatives(op, [x - h if k == j else x for k, x in enumerate(xs)])[i]
                numeric = (up - down) / (2 * h)
                assert second == pytest.approx(numeric, rel=1e-5, abs=1e-6), (
                    f"∂²out/∂x{i}∂x{j} at {xs}: create_graph gives {second}, differences give {numeric}"
                )


# ----------------------------------------------------------------------
# Far out (|x| = 20 and 40): the value and every slope to 1e-13 of the truth,
# computed with 50 digits. A rule that loses its digits there (1 − out² once
# tanh(x) has rounded to ±1) shows up here, not inside |x| < 6.


def _precise(op, mp):
    f = op.precise or op.forward
    if not isinstance(f(*[mp.mpf("0.75")] * len(op.domains)), mp.mpf):
        raise AssertionError(f"row {op.name!r}: give it a `precise` function over mpmath numbers")
    return f


@pytest.mark.parametrize("op", ALL, ids=lambda op: op.name)
def test_values_and_slopes_far_from_zero(op):
    mp = pytest.importorskip("mpmath")
    f = _precise(op, mp)
    with mp.workdps(50):
        for xs in op.far:
            values = [Value(x) for x in xs]
            out = op.apply(*values)
            out.backward()
            exact = [mp.mpf(x) for x in xs]
            assert out.data == pytest.approx(float(f(*exact)), rel=1e-13, abs=0), f"{op.name} at {xs}"
            for i, v in enumerate(values):
                order = tuple(int(k == i) for k in range(len(xs)))
                slope = float(mp.diff(f, exact, order) if len(xs) > 1 else mp.diff(f, exact[0]))
                assert v.grad == pytest.approx(slope, rel=1e-13, abs=0), (
                    f"∂{op.name}/∂x{i} at {xs}: backward gives {v.grad!r}, the truth is {slope!r}"
                )
