"""Compiled replay never gives a number that f would not: signed zeros, caught errors, unused
operations, infinite exponents, huge arguments, guards exactly at their boundary, and several
targets in fit(compile=True)."""

from __future__ import annotations

import ast
import math
import operator
import struct

import pytest

import autograd
from autograd import Value


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def same(x: float, y: float) -> bool:
    """The same float to the last bit (any NaN matches any NaN)."""
    return (math.isnan(x) and math.isnan(y)) or bits(x) == bits(y)


def graph_path(f, xs):
    """Value and gradients by building the graph and calling backward(): the truth compile must match."""
    leaves = [Value(x) for x in xs]
    out = f(*leaves)
    out.backward()
    return out.data, tuple(v.grad for v in leaves)


def assert_same_as_graph(compiled, f, xs):
    value, grads = compiled(*xs)
    truth_value, truth_grads = graph_path(f, xs)
    assert same(value, truth_value), (xs, value, truth_value)
    assert len(grads) == len(truth_grads)
    assert all(same(g, t) for g, t in zip(grads, truth_grads)), (xs, grads, truth_grads)


# ----------------------------------------------------------------------
# float() guards compare bit for bit


def by_sign_of_float(x):
    # copysign tells −0.0 from 0.0 where == does not
    return x * 2.0 if math.copysign(1.0, float(x)) > 0 else x * 3.0


@pytest.mark.parametrize("order", [(0.0, -0.0), (-0.0, 0.0)])
def test_a_float_guard_tells_minus_zero_from_zero(order):
    compiled = autograd.compile(by_sign_of_float)
    for x in order * 2:
        assert_same_as_graph(compiled, by_sign_of_float, [x])
    assert compiled.traces == 2


def by_nan(x):
    return x * 2.0 if math.isnan(float(x)) else x * 3.0


def test_a_float_guard_on_nan_lets_nan_through_and_nothing_else():
    compiled = autograd.compile(by_nan)
    for x in (math.nan, math.nan, 1.0, -math.nan, 1.0, math.inf):
        assert_same_as_graph(compiled, by_nan, [x])
    # NaN traced once (any NaN passes its guard), 1.0 once, inf once (float(x) is pinned per number).
    assert compiled.traces == 3


# ----------------------------------------------------------------------
# a branch taken through try/except


def reciprocal_or_zero(x):
    try:
        return 1 / x
    except ZeroDivisionError:
        return x * 0


def log_checked(x):
    try:
        (x - 1.0).log()  # only its error matters
    except ValueError:
        return x * 3.0
    return x * 2.0


@pytest.mark.parametrize("f, points", [
    (reciprocal_or_zero, [0.0, 2.0, 0.0, -4.0, 2.0, 0.0]),
    (reciprocal_or_zero, [2.0, 0.0, 2.0, -0.0, 0.5]),
    (log_checked, [0.5, 2.0, 0.5, 3.0, 1.0]),
    (log_checked, [2.0, 0.5, 3.0, 0.25]),
], ids=["reciprocal-zero-first", "reciprocal-two-first", "log-outside-first", "log-inside-first"])
def test_a_branch_through_try_except_gives_what_f_gives(f, points):
    compiled = autograd.compile(f)
    for x in points:
        assert_same_as_graph(compiled, f, [x])


# ----------------------------------------------------------------------
# the domain errors of operations whose results are unused


@pytest.mark.parametrize("f, good, bad", [
    (lambda x: (x.log(), x * 2)[1], 1.0, -1.0),
    (lambda x: (x.sqrt(), x * 2)[1], 1.0, -1.0),
    (lambda x: (1 / x, x * 2)[1], 1.0, 0.0),
    (lambda x: (x ** 0.5, x * 2)[1], 1.0, -1.0),
    (lambda x: (x.exp(), x * 2)[1], 1.0, 1000.0),
    (lambda x: ((x * 2).log() + 1, x - 1)[1], 1.0, -3.0),
], ids=["log", "sqrt", "divide", "power", "exp", "deeper"])
def test_an_unused_operation_still_raises_its_domain_error(f, good, bad):
    with pytest.raises(Exception) as raised:
        f(Value(bad))
    expected = type(raised.value)
    compiled = autograd.compile(f)
    assert_same_as_graph(compiled, f, [good])
    with pytest.raises(expected):
        compiled(bad)
    assert_same_as_graph(compiled, f, [good])
    assert compiled.traces == 1


# ----------------------------------------------------------------------
# infinite and NaN exponents; arguments too large for a float


def _names_in(code: str) -> set[str]:
    return {node.id for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Name)}


@pytest.mark.parametrize("p", [math.inf, -math.inf, math.nan])
@pytest.mark.parametrize("x", [0.5, 2.0])
def test_an_infinite_or_nan_exponent_compiles_to_what_backward_gives(p, x):
    f = lambda v: v ** p  # noqa: E731
    compiled = autograd.compile(f)
    assert_same_as_graph(compiled, f, [x])
    # The hand-derived truth: x^p, and p·x^(p−1) for the slope.
    value, (slope,) = compiled(x)
    assert same(value, x ** p)
    assert same(slope, p * x ** (p - 1))
    # The number is bound to a generated name, never spelled as a name Python does not have.
    assert not _names_in(compiled.executed) & {"inf", "nan"}


def test_a_float_guard_on_an_infinity_is_a_bound_number():
    f = lambda x: x * 2.0 if float(x) > 0 else x * 3.0  # noqa: E731
    compiled = autograd.compile(f)
    for x in (math.inf, -math.inf, math.inf):
        assert_same_as_graph(compiled, f, [x])
    assert not _names_in(compiled.executed) & {"inf", "nan"}


def test_an_argument_too_large_for_a_float_is_named():
    compiled = autograd.compile(lambda x, y: x * y)
    with pytest.raises(OverflowError) as raised:
        compiled(1.0, 10**400)
    message = str(raised.value)
    assert "argument 1" in message and "'y'" in message
    assert "10^400" in message  # its magnitude: 10**400 has 401 digits
    with pytest.raises(OverflowError, match=r"argument 0 \('x'\).*−10\^400"):
        compiled(-(10**400), 1.0)


# ----------------------------------------------------------------------
# every comparison's guard exactly at its boundary


COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def branching(symbol, side):
    """f(x, y) = 2x + y when the comparison holds, else 3x·y; the comparison at the boundary 1.0."""
    test = COMPARE[symbol]

    def f(x, y):
        if side == "value-number":
            holds = test(x, 1.0)
        elif side == "number-value":
            holds = test(1.0, x)  # Python calls x's reflected comparison
        else:
            holds = test(x, y)
        return x * 2.0 + y if holds else x * 3.0 * y

    return f


@pytest.mark.parametrize("side", ["value-number", "number-value", "value-value"])
@pytest.mark.parametrize("start", [0.5, 1.5])
@pytest.mark.parametrize("symbol", list(COMPARE))
def test_every_comparison_guard_holds_exactly_at_the_boundary(symbol, start, side):
    f = branching(symbol, side)
    compiled = autograd.compile(f)
    # y is the boundary 1.0 in every call; the first call traces on one side of it.
    for x in (start, 1.0, start, 1.0, 2.0 - start, 1.0):
        assert_same_as_graph(compiled, f, [x, 1.0])


# ----------------------------------------------------------------------
# fit(compile=True) with several outputs: a target is all of its entries


def test_fit_compiled_tells_apart_targets_that_share_their_first_entry():
    import nn

    X = [[0.5, -0.2], [-0.3, 0.8], [0.9, 0.1], [-0.7, -0.4]]
    y = [[1.0, 1.0], [1.0, -1.0], [1.0, 0.5], [1.0, -1.0]]  # the same first entry, different later ones

    def train(compile_):
        model = nn.MLP(2, [4, 2], activation="tanh", seed=1)
        history = nn.fit(model, X, y, loss="mse", optimizer=nn.SGD(model.parameters(), lr=0.1), epochs=3,
                         progress=False, compile=compile_)
        return [p.data for p in model.parameters()], history.loss

    graph, graph_loss = train(False)
    compiled, compiled_loss = train(True)
    assert max(abs(p - q) for p, q in zip(graph, compiled)) < 1e-12
    assert compiled_loss == pytest.approx(graph_loss, abs=1e-12)


# ----------------------------------------------------------------------
# the caches of compile are bounded


def test_the_caches_of_compile_have_a_bound():
    from autograd import engine, replay

    for cached in (replay._template, replay._atomic, engine.power_op):
        assert cached.cache_info().maxsize is not None, f"{cached.__name__} keeps every code it is given"


@pytest.mark.slow
def test_compiling_many_exponents_keeps_a_bounded_number_of_templates():
    from autograd import engine, replay

    limit = replay._template.cache_info().maxsize
    assert limit is not None
    n = limit + 100
    for i in range(n):
        p = 2.0 + i / n  # every exponent different: the codes power(a, p) and base_slope(a, p) are new
        value, (slope,) = autograd.compile(lambda x, p=p: x ** p)(1.5)
        assert value == pytest.approx(1.5 ** p, rel=1e-15)
        assert slope == pytest.approx(p * 1.5 ** (p - 1), rel=1e-14)
    for cached in (replay._template, replay._atomic, engine.power_op):
        info = cached.cache_info()
        assert info.currsize <= info.maxsize
