"""autograd.grad (first and second derivatives) and autograd.gradcheck."""

import math

import pytest

from autograd import GradcheckError, Value, grad, gradcheck


def test_grad_returns_gradients_without_touching_dot_grad():
    a, b = Value(2.0), Value(-3.0)
    c = a * b + b**2
    assert grad(c, [a, b]) == [-3.0, 2.0 + 2 * -3.0]
    assert (a.grad, b.grad, c.grad) == (0.0, 0.0, 0.0)


def test_grad_accepts_a_single_input():
    x = Value(3.0)
    assert grad(x * x, x) == [6.0]


def test_grad_of_an_unused_input_is_an_error_unless_allowed():
    x, y = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match="allow_unused"):
        grad(x * 2, [x, y])
    assert grad(x * 2, [x, y], allow_unused=True) == [2.0, 0.0]


def test_grad_refuses_non_values():
    with pytest.raises(TypeError, match="float"):
        grad(Value(1.0), [1.0])
    with pytest.raises(TypeError, match="int"):
        grad(3, [Value(1.0)])


def test_second_derivative_of_cube_at_two_is_twelve():
    x = Value(2.0)
    (dy,) = grad(x**3, [x], create_graph=True)
    assert isinstance(dy, Value) and dy.data == 12.0  # 3x^2
    (d2y,) = grad(dy, [x])
    assert d2y == 12.0  # 6x


def _second(f, x0):
    x = Value(x0)
    (dy,) = grad(f(x), [x], create_graph=True)
    (d2y,) = grad(dy, [x])
    return d2y


def _sig(x):
    return 1 / (1 + math.exp(-x))


@pytest.mark.parametrize(
    "name, f, second, x0",
    [
        ("tanh", lambda x: x.tanh(), lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2), 0.7),
        ("sigmoid", lambda x: x.sigmoid(), lambda x: _sig(x) * (1 - _sig(x)) * (1 - 2 * _sig(x)), 0.4),
        ("exp", lambda x: x.exp(), math.exp, 1.3),
        ("log", lambda x: x.log(), lambda x: -1 / x**2, 1.7),
        ("sin", lambda x: x.sin(), lambda x: -math.sin(x), 0.9),
        ("cos", lambda x: x.cos(), lambda x: -math.cos(x), 0.9),
        ("sqrt", lambda x: x.sqrt(), lambda x: -0.25 * x**-1.5, 2.0),
        ("pow-constant", lambda x: x**2.5, lambda x: 2.5 * 1.5 * x**0.5, 1.6),
        ("div", lambda x: 1 / x, lambda x: 2 / x**3, 1.5),
        ("relu", lambda x: x.relu() * x, lambda x: 2.0, 1.5),
    ],
)
def test_second_derivatives_match_hand_formulas(name, f, second, x0):
    assert _second(f, x0) == pytest.approx(second(x0), rel=1e-12)


def test_second_derivative_of_power_in_its_exponent():
    # d2/dp2 x**p = ln(x)^2 x**p
    x = Value(1.7)
    p = Value(1.3)
    (dp,) = grad(x**p, [p], create_graph=True)
    (d2p,) = grad(dp, [p])
    assert d2p == pytest.approx(math.log(1.7) ** 2 * 1.7**1.3, rel=1e-12)


def test_mixed_second_derivative_of_power():
    # d/dx (d/dp x**p) = d/dx ln(x) x**p = x**(p-1) + ln(x) p x**(p-1)
    x, p = Value(1.7), Value(1.3)
    (dp,) = grad(x**p, [p], create_graph=True)
    (dxdp,) = grad(dp, [x])
    expected = 1.7**0.3 + math.log(1.7) * 1.3 * 1.7**0.3
    assert dxdp == pytest.approx(expected, rel=1e-12)


def test_newtons_method_finds_the_minimum_with_second_derivatives():
    # f(x) = x^4 - 3x^2 + x has a local minimum near x = 1.1309
    def f(x):
        return x**4 - 3 * x**2 + x

    x0 = 1.5
    for _ in range(20):
        x = Value(x0)
        (d1,) = grad(f(x), [x], create_graph=True)
        (d2,) = grad(d1, [x])
        x0 = x0 - d1.data / d2
    assert 4 * x0**3 - 6 * x0 + 1 == pytest.approx(0.0, abs=1e-12)
    assert 12 * x0**2 - 6 > 0


def test_create_graph_gradients_can_be_backpropagated():
    x = Value(2.0)
    (dy,) = grad(x**3, [x], create_graph=True)
    dy.backward()
    assert x.grad == 12.0


def test_gradcheck_passes_a_correct_function():
    assert gradcheck(lambda a, b: (a * b).tanh() + a.exp() / b, [Value(0.3), Value(1.2)])


def test_gradcheck_reports_each_mismatch_with_both_numbers():
    def kinked(a, b):
        # relu's kink at 0: backward says 0, the central difference says 0.5
        return a.relu() + b.relu()

    with pytest.raises(GradcheckError) as excinfo:
        gradcheck(kinked, [Value(0.0, label="a"), Value(0.0, label="b")])
    message = str(excinfo.value)
    assert "input 0 (a)" in message and "input 1 (b)" in message
    assert "backward gives 0.0" in message and "finite differences give 0.5" in message


def test_gradcheck_restores_data_and_leaves_grads_alone():
    a = Value(0.4)
    gradcheck(lambda a: a.sin(), [a])
    assert (a.data, a.grad) == (0.4, 0.0)


def test_gradcheck_refuses_non_value_inputs():
    with pytest.raises(TypeError, match="float"):
        gradcheck(lambda a: a, [1.0])


@pytest.mark.parametrize("create_graph", [False, True], ids=["floats", "create_graph"])
def test_grad_output_scales_the_gradients(create_graph):
    # y = x³ + x·w: ∂y/∂x = 3x² + w, ∂y/∂w = x; grad_output g gives g·∂y/∂x and g·∂y/∂w.
    x, w = Value(2.0), Value(-0.5)
    y = x**3 + x * w
    dx, dw = grad(y, [x, w], grad_output=-2.5, create_graph=create_graph)
    assert (float(dx), float(dw)) == (-2.5 * (3 * 2.0**2 - 0.5), -2.5 * 2.0)
    if create_graph:
        (d2x,) = grad(dx, [x])  # ∂(g·(3x² + w))/∂x = 6g·x
        assert d2x == -2.5 * 6 * 2.0
