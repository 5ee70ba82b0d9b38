"""Bad input gets a clear error that names what was given, never a wrong number."""

import math

import pytest

from autograd import Value


@pytest.mark.parametrize("bad", ["abc", None, 1 + 2j, [1], {"a": 1}, b"1"])
def test_value_of_a_non_real_is_a_type_error_naming_the_type(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


def test_value_of_a_value_suggests_using_it_directly():
    with pytest.raises(TypeError, match="did you mean"):
        Value(Value(1.0))


def test_label_must_be_a_string():
    with pytest.raises(TypeError, match="int"):
        Value(1.0, label=3)


@pytest.mark.parametrize("bad", ["abc", None, 1j, [1]])
@pytest.mark.parametrize(
    "operation",
    [
        lambda v, x: v + x,
        lambda v, x: x + v,
        lambda v, x: v - x,
        lambda v, x: x - v,
        lambda v, x: v * x,
        lambda v, x: x * v,
        lambda v, x: v / x,
        lambda v, x: x / v,
        lambda v, x: v**x,
        lambda v, x: x**v,
    ],
)
def test_operators_refuse_non_real_operands(operation, bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        operation(Value(2.0), bad)


@pytest.mark.parametrize("x", [0.0, -1.0, -1e-300])
def test_log_of_non_positive_is_a_value_error_naming_log_and_value(x):
    with pytest.raises(ValueError, match=r"log.*" + re_number(x)):
        Value(x).log()


def test_sqrt_of_negative_is_a_value_error():
    with pytest.raises(ValueError, match=r"sqrt.*-4\.0"):
        Value(-4.0).sqrt()


def test_negative_base_to_non_integer_power_is_a_value_error():
    with pytest.raises(ValueError, match=r"\*\*.*-8\.0.*0\.5"):
        Value(-8.0) ** 0.5
    with pytest.raises(ValueError, match="non-integer"):
        Value(-8.0) ** Value(1 / 3)


def test_negative_base_to_integer_power_is_fine():
    assert (Value(-2.0) ** 3).data == -8.0


def test_division_by_zero_names_the_operation():
    with pytest.raises(ZeroDivisionError, match="'/'"):
        Value(1.0) / 0
    with pytest.raises(ZeroDivisionError, match="'/'"):
        1.0 / Value(0.0)


def test_zero_to_a_negative_power_is_a_zero_division_error():
    with pytest.raises(ZeroDivisionError, match=r"\*\*"):
        Value(0.0) ** -1
    with pytest.raises(ZeroDivisionError, match=r"\*\*"):
        Value(0.0) ** Value(-2.0)


def test_exp_overflow_names_exp():
    with pytest.raises(OverflowError, match="exp"):
        Value(1000.0).exp()


def test_power_overflow_names_the_operation():
    with pytest.raises(OverflowError, match=r"\*\*"):
        Value(10.0) ** 400


def test_sin_of_infinity_names_sin():
    with pytest.raises(ValueError, match="sin"):
        Value(math.inf).sin()


def test_backward_seed_must_be_a_number():
    with pytest.raises(TypeError, match="str"):
        Value(1.0).backward("one")


def test_failed_operation_leaves_operands_untouched():
    a = Value(0.0, label="a")
    with pytest.raises(ValueError):
        a.log()
    assert (a.data, a.grad, a.op, a.inputs) == (0.0, 0.0, "", ())


def re_number(x):
    import re

    return re.escape(repr(x))
