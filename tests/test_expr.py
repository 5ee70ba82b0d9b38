"""The safe expression parser: whitelisted syntax in, a graph of Values out, nothing else."""

import builtins
import math

import pytest

from autograd import Value
from autograd.cli.expr import (
    FUNCTIONS,
    MAX_EXPONENT,
    MAX_LENGTH,
    ExpressionError,
    evaluate,
    parse_expression,
)


def test_variables_in_order_of_appearance():
    assert parse_expression("tanh(w1*x1 + w2*x2 + b)").variables == ("w1", "x1", "w2", "x2", "b")


def test_neuron_value_and_gradients_match_the_hand_derived_chain_rule():
    at = dict(x1=2.0, x2=0.0, w1=-3.0, w2=1.0, b=6.88)
    out, leaves = evaluate("tanh(w1*x1 + w2*x2 + b)", at)
    n = -3.0 * 2.0 + 1.0 * 0.0 + 6.88
    assert out.data == pytest.approx(math.tanh(n), rel=1e-15)
    out.backward()
    slope = 1 - math.tanh(n) ** 2
    assert leaves["x1"].grad == pytest.approx(slope * -3.0, rel=1e-14)
    assert leaves["w1"].grad == pytest.approx(slope * 2.0, rel=1e-14)
    assert leaves["b"].grad == pytest.approx(slope, rel=1e-14)


@pytest.mark.parametrize("text, f", [
    ("x + 2*y - x/y", lambda x, y: x + 2 * y - x / y),
    ("-x**2 + (+y)**3", lambda x, y: -(x**2) + y**3),
    ("exp(x) * log(y) + sqrt(y) - abs(x)", lambda x, y: math.exp(x) * math.log(y) + math.sqrt(y) - abs(x)),
    ("sigmoid(x) + relu(y - 3) + sin(x) * cos(y)",
     lambda x, y: 1 / (1 + math.exp(-x)) + max(0.0, y - 3) + math.sin(x) * math.cos(y)),
    ("x ** y + 2 ** x", lambda x, y: x**y + 2**x),
    ("x * x * x", lambda x, y: x**3),
    ("3", lambda x, y: 3.0),
])
def test_values_and_gradients_agree_with_finite_differences(text, f):
    at = {"x": 0.7, "y": 1.9}
    expression = parse_expression(text)
    out, leaves = expression.evaluate({k: at[k] for k in expression.variables})
    assert out.data == pytest.approx(f(**at), rel=1e-12)
    out.backward()
    h = 1e-6
    for name, leaf in leaves.items():
        up, down = dict(at), dict(at)
        up[name] += h
        down[name] -= h
        numeric = (f(**up) - f(**down)) / (2 * h)
        assert leaf.grad == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def test_each_variable_is_one_labelled_leaf_used_as_often_as_written():
    out, leaves = evaluate("x * x", {"x": 3.0})
    assert out.inputs == (leaves["x"], leaves["x"]) and leaves["x"].label == "x"


def test_a_constant_exponent_is_a_plain_power_op():
    out, _ = evaluate("x ** 2", {"x": 3.0})
    assert out.op == "**2" and len(out.inputs) == 1


@pytest.mark.parametrize("text, words", [
    ('__import__("os").system("true")', "by name"),
    ('__import__("os")', "unknown function '__import__'"),
    ("__import__", "'_'"),
    ("x.__class__", "attribute"),
    ("x.tanh()", "by name"),
    ("open('f')", "unknown function 'open'"),
    ("eval('1')", "unknown function 'eval'"),
    ("tanhh(x)", "did you mean 'tanh'"),
    ("lambda: 1", "lambda"),
    ("x[0]", "subscripts"),
    ("[x, 1]", "not allowed"),
    ("x if x else 1", "if"),
    ("x < 1", "comparisons"),
    ("x and 1", "and"),
    ("x // 2", "'//'"),
    ("x % 2", "'%'"),
    ("x ^ 2", "write '**'"),
    ("(y := 2)", "':='"),
    ("'text'", "only numbers"),
    ("True + x", "only numbers"),
    ("2j * x", "only numbers"),
    ("tanh", "is a function"),
    ("log(x, 2)", "exactly one argument"),
    ("tanh(x=1)", "exactly one argument"),
    ("x ** 1000", "exponent 1000 is too large"),
    ("9 ** 9 ** 9", "too large"),
    ("1e300 * x", "too large"),
    ("x +", "not a valid expression"),
    ("", "empty"),
    ("x" + " + x" * 200, "characters long"),
    ("-" * 150 + "x", "nested more than"),
])
def test_hostile_or_unsupported_input_is_refused_with_a_reason(text, words):
    with pytest.raises(ExpressionError, match=None) as info:
        expression = parse_expression(text)
        expression.evaluate({name: 1.5 for name in expression.variables})
    assert words in str(info.value)


def test_the_refusal_names_what_is_allowed():
    with pytest.raises(ExpressionError) as info:
        parse_expression("x @ y")
    for name in FUNCTIONS:
        assert name in str(info.value)


def test_limits_are_what_the_messages_say():
    parse_expression("x" * MAX_LENGTH)
    parse_expression(f"x ** {MAX_EXPONENT:g}")
    with pytest.raises(ExpressionError):
        parse_expression("x" * (MAX_LENGTH + 1))


def test_missing_value_names_the_variable():
    with pytest.raises(ExpressionError, match="no value for 'b'.*--at b="):
        evaluate("a + b", {"a": 1.0})


def test_value_for_an_unknown_variable_suggests_the_right_one():
    with pytest.raises(ExpressionError, match="'x' has a value.*did you mean 'x2'"):
        evaluate("x1 + x2", {"x1": 1.0, "x": 2.0})


def test_value_for_an_extra_variable_is_refused():
    with pytest.raises(ExpressionError, match="'z' has a value but is not a variable.*x1, x2"):
        evaluate("x1 + x2", {"x1": 1.0, "x2": 2.0, "z": 3.0})


@pytest.mark.parametrize("text, at, words", [
    ("log(x)", {"x": -1.0}, "log is defined for x > 0"),
    ("1 / x", {"x": 0.0}, "division by zero"),
    ("exp(x)", {"x": 1000.0}, "exp overflow"),
    ("x ** y", {"x": 2.0, "y": 500.0}, "exponent 500 is too large"),
])
def test_math_errors_are_reported_as_expression_errors(text, at, words):
    with pytest.raises(ExpressionError, match=words):
        evaluate(text, at)


def test_non_finite_values_are_refused():
    with pytest.raises(ExpressionError, match="finite"):
        evaluate("x", {"x": math.inf})


def test_nothing_is_evaluated_by_eval_or_exec(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec must not be used")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    out, _ = evaluate("tanh(w*x + b)", {"w": 0.5, "x": 2.0, "b": -0.25})
    assert isinstance(out, Value) and out.data == math.tanh(0.75)


# ----------------------------------------------------------------------
# A character that is not text: named, with its column


@pytest.mark.parametrize("text, shown, column", [
    ("x\udcff", r"U+DCFF", 2),          # a byte of the command line that was not UTF-8 (0xFF)
    ("\udcff", r"U+DCFF", 1),
    ("x + \ud800y", r"U+D800", 5),
    ("x\x00", r"U+0000", 2),
    ("x *\x1b y", r"U+001B", 4),
    ("x + \x7f", r"U+007F", 5),
])
def test_a_character_that_is_not_text_is_named_with_its_column(text, shown, column):
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    message = str(info.value)
    assert shown in message and f"column {column}" in message, message
    assert "nested" not in message
    assert message.isprintable()  # the character itself is not printed, its code is


def test_an_undecodable_byte_is_named_as_the_byte():
    with pytest.raises(ExpressionError, match=r"the byte 0xFF, which is not UTF-8"):
        parse_expression("x\udcff")


@pytest.mark.parametrize("text", ["x +\ty", "(x +\n y)", "x\r\n", "x +\x0cy"])
def test_whitespace_is_still_whitespace(text):
    assert parse_expression(text).variables == ("x", "y")[: text.count("y") + 1]


# ----------------------------------------------------------------------
# Negative exponents and names with an underscore


@pytest.mark.parametrize("text, p", [
    ("x ** -2", -2.0), ("x ** -(2)", -2.0), ("x ** (-2)", -2.0), ("x ** -0.5", -0.5), ("x ** --2", 2.0),
    ("x ** -+2", -2.0), ("x ** +-3", -3.0), ("x ** 2", 2.0),
])
def test_a_negative_exponent_keeps_its_sign(text, p):
    x = 1.5
    out, leaves = evaluate(text, {"x": x})
    assert out.data == pytest.approx(x ** p, rel=1e-15)  # x^p
    out.backward()
    assert leaves["x"].grad == pytest.approx(p * x ** (p - 1), rel=1e-14)  # d(x^p)/dx = p·x^(p−1)


def test_a_negative_exponent_through_the_cli(capsys):
    from autograd.cli import main

    assert main(["x ** -2", "--at", "x=2", "--no-steps"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "f = 0.25" in lines  # 2^−2
    assert "  ∂f/∂x = -0.25" in lines or "  ∂f/∂x = −0.25" in lines  # −2·2^−3


def test_minus_binds_looser_than_a_power():
    out, _ = evaluate("-3 ** x", {"x": 2.0})
    assert out.data == -9.0  # −(3²), as Python and the board read it
    out, _ = evaluate("(-3) ** x", {"x": 2.0})
    assert out.data == 9.0


@pytest.mark.parametrize("text", [
    "x ** -100000", "x ** 100000", "x ** -101", "x ** -(101)", "x ** -1e3", "x ** --101", "x ** -+101",
])
def test_an_exponent_too_large_either_way_is_refused(text):
    with pytest.raises(ExpressionError, match=rf"too large \(the limit is {MAX_EXPONENT:g}\)"):
        parse_expression(text)


@pytest.mark.parametrize("text, at", [
    ("x ** (y - 200)", {"x": 1.5, "y": 1.0}),   # −199, known only at the point
    ("2 ** -y", {"y": 1000.0}),
    ("x ** (0 - y)", {"x": 1.5, "y": 150.0}),
])
def test_an_exponent_computed_too_large_either_way_is_refused(text, at):
    with pytest.raises(ExpressionError, match=rf"too large \(the limit is {MAX_EXPONENT:g}\)"):
        evaluate(text, at)


def test_the_exponent_limit_itself_is_allowed_either_way():
    for p in (MAX_EXPONENT, -MAX_EXPONENT):
        out, _ = evaluate(f"x ** {p:g}", {"x": 1.01})
        assert out.data == pytest.approx(1.01 ** p, rel=1e-13)
        out, _ = evaluate("x ** y", {"x": 1.01, "y": p})
        assert out.data == pytest.approx(1.01 ** p, rel=1e-13)


@pytest.mark.parametrize("text, name", [
    ("_x", "_x"), ("_", "_"), ("__class__", "__class__"), ("_x1 + y", "_x1"), ("x * _y", "_y"),
    ("tanh(_w)", "_w"), ("__builtins__", "__builtins__"), ("x ** _p", "_p"),
])
def test_a_name_starting_with_an_underscore_is_refused(text, name):
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    message = str(info.value)
    assert "starting with '_'" in message and repr(name) in message, message
