"""The engine's one table of operations drives the checks of every op.

Each operation is defined once, in ``autograd.OPS``: its forward code, the code
of its local derivatives, and the same derivatives as a teacher writes them.
These tests hold each part against the others and against the independent
truth of tests/ops_table.py.
"""

import math
import random
import re

import pytest
from ops_table import ALL

import autograd
from autograd import OPS, Op, Value, chain_rule, explain, grad
from autograd.engine import power_op

ROWS = {row.engine_op: row for row in ALL}
POWERS = [2.0, 3.0, -1.0, 0.5, -2.5, 1.0, 0.0]


def _points(row, count, seed):
    rng = random.Random(seed)
    return [tuple(rng.uniform(lo, hi) for lo, hi in row.domains) for _ in range(count)]


def _node_of(row, xs):
    """The node that row.apply builds at xs, and the Values given to it."""
    values = [Value(x) for x in xs]
    return row.apply(*values), values


def test_every_engine_operation_has_test_data():
    missing = sorted(set(OPS) - {row.engine_op for row in ALL})
    assert not missing, f"operations without a row in tests/ops_table.py: {missing}"


def test_every_row_tests_an_operation_of_the_table():
    for row in ALL:
        out, _ = _node_of(row, _points(row, 1, seed=0)[0])
        assert out.op == row.engine_op, row.name


@pytest.mark.parametrize("row", ALL, ids=lambda row: row.name)
def test_the_method_computes_what_the_table_says(row):
    # The Value methods compute the output inline for speed; it must be the
    # table's forward code exactly.
    for xs in _points(row, 10, seed=1):
        out, _ = _node_of(row, xs)
        table = out.operation.evaluate(*[x.data for x in out.inputs]) if out.operation.arity else \
            out.operation.evaluate([x.data for x in out.inputs])
        assert out.data == table


def _as_python(formula: str) -> str:
    """A teacher's formula (1 − out², b·a^(b−1), 1 when a > 0; 0 when a ≤ 0) as Python, for checking."""
    if " when " in formula:
        cases = [re.fullmatch(r"\s*(.+?) when (.+?)\s*", case).groups() for case in formula.split(";")]
        text = "0.0"
        for value, test in reversed(cases):
            text = f"({value} if {test.replace('≤', '<=').replace('≥', '>=')} else {text})"
        return _as_python(text)
    raised = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
    text = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+", lambda m: f"**({m.group(0).translate(raised)})", formula)
    text = text.replace("−", "-").replace("·", "*").replace("^", "**")
    return re.sub(r"\bln\(", "log(", text)


def _formula_value(formula: str, out: float, inputs: list[float]) -> float:
    names = dict(zip("ab", inputs), out=out, log=math.log, cos=math.cos, sin=math.sin,
                 sign=lambda x: (x > 0) - (x < 0))
    return float(eval(_as_python(formula), {"__builtins__": {}}, names))  # the table's text, not a user's


def _ops_with_rows():
    for name, op in OPS.items():
        if op.arity:
            yield pytest.param(op, ROWS[name], id=name)
    for p in POWERS:
        row = ROWS.get(f"**{p:g}", ROWS["**2"] if p.is_integer() else ROWS["**0.5"])
        yield pytest.param(power_op(p), row, id=f"**{p:g}")


@pytest.mark.parametrize("op, row", list(_ops_with_rows()))
def test_each_formula_text_is_its_rule(op, row):
    for xs in _points(row, 20, seed=2):
        xs = xs[: op.arity]
        out = op.evaluate(*xs)
        rule = op.rule(out, *xs)
        for formula, local in zip(op.formulas, rule):
            by_hand = _formula_value(formula, out, list(xs))
            assert by_hand == pytest.approx(local, rel=1e-12, abs=1e-12), formula


@pytest.mark.parametrize("op, row", list(_ops_with_rows()))
def test_each_rule_gives_the_same_number_on_floats_and_on_values(op, row):
    for xs in _points(row, 10, seed=3):
        xs = xs[: op.arity]
        out = op.evaluate(*xs)
        on_floats = op.rule(out, *xs)
        on_values = op.rule(Value(out), *[Value(x) for x in xs])
        assert [float(v) for v in on_values] == pytest.approx(list(on_floats), rel=1e-15, abs=0)


@pytest.mark.parametrize(
    "op, formula",
    [(OPS["*"], ("b", "a")), (OPS["/"], ("1/b", "−a/b²")), (OPS["tanh"], ("1 − out²",)),
     (OPS["exp"], ("out",)), (OPS["sigmoid"], ("out·(1 − out)",)),
     (OPS["relu"], ("1 when a > 0; 0 when a ≤ 0",)),
     (power_op(2.0), ("2·a",)), (power_op(3.0), ("3·a²",)), (power_op(0.5), ("0.5·a^(−0.5)",)),
     (power_op(-1.0), ("−a⁻²",)), (OPS["identity"], ("1",))],
    ids=lambda x: x.name if isinstance(x, Op) else "",
)
def test_formulas_read_as_on_the_board(op, formula):
    assert op.formulas == formula


@pytest.mark.parametrize("kind", ["function", "activation"])
def test_functions_and_activations_are_named_by_the_table(kind):
    names = [name for name, op in OPS.items() if op.kind == kind]
    assert names, kind
    for name in names:
        assert callable(getattr(Value, name, None)) or name == "abs", name


# ----------------------------------------------------------------------
# Poles and kinks give the same answer on the float path (backward) and the
# Value path (create_graph=True).


@pytest.mark.parametrize(
    "make, at, expected",
    [
        (lambda x: x.sqrt(), 0.0, math.inf),
        (lambda x: x**0.5, 0.0, math.inf),
        (lambda x: x ** Value(0.5), 0.0, math.inf),
        (lambda x: x**-1, 1e-300, -math.inf),
        (lambda x: 1 / x, 1e-300, -math.inf),
        (lambda x: x.relu(), 0.0, 0.0),
        (lambda x: abs(x), 0.0, 0.0),
        (lambda x: x**0, 0.0, 0.0),
    ],
    ids=["sqrt", "half-power", "value-power", "reciprocal-overflow", "divide-overflow", "relu", "abs",
         "zeroth"],
)
def test_poles_and_kinks_agree_on_both_paths(make, at, expected):
    x = Value(at)
    y = make(x)
    (plain,) = grad(y, [x])
    (recorded,) = grad(y, [x], create_graph=True)
    y.backward()
    assert plain == recorded.data == x.grad == expected


# ----------------------------------------------------------------------
# One walk: backward's float loop is chain_rule on floats, to the bit.


def _random_graph(rng, leaves, steps):
    values = list(leaves)
    for _ in range(steps):
        row = rng.choice(ALL)
        n = len(row.domains)
        args = [rng.choice(values) for _ in range(n)]
        try:
            if any(not (lo - 2 <= a.data <= hi + 2) for a, (lo, hi) in zip(args, row.domains)):
                continue
            values.append(row.apply(*args))
        except (ValueError, ZeroDivisionError, OverflowError):
            continue
    return values[-1]


@pytest.mark.parametrize("seed", range(30))
def test_backward_is_chain_rule_to_the_last_bit(seed):
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(0.2, 2.0), label=f"x{i}") for i in range(3)]
    out = _random_graph(rng, leaves, steps=25)
    walked = chain_rule(out, 1.5)
    out.backward(1.5)
    for v in autograd.topological_order(out):
        assert v.grad == walked[v] or (math.isnan(v.grad) and math.isnan(walked[v]))


def test_explain_and_backward_apply_the_same_rule(monkeypatch):
    # Replace the table's rule for '*': both the steps and the gradients follow.
    mul = OPS["*"]
    monkeypatch.setattr(mul, "rule", lambda out, a, b: (10.0 * b, 10.0 * a))
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    steps = explain(c)
    c.backward()
    assert [s.local for s in steps] == [30.0, 20.0]
    assert (a.grad, b.grad) == (30.0, 20.0)


@pytest.mark.parametrize(
    "make", [lambda a, b: a + b, lambda a, b: autograd.sum([a, b]), lambda a, b: a * b], ids=["+", "sum", "*"]
)
def test_a_replaced_shared_rule_reaches_backward(monkeypatch, make):
    # backward() applies the shared rules of +, sum and * without calling
    # them; a rule put in their place must still be the one it applies.
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    out = make(a, b)
    monkeypatch.setattr(out.operation, "rule", lambda out, *xs: (2.0, 5.0))
    out.backward()
    assert (a.grad, b.grad) == (2.0, 5.0) == tuple(chain_rule(out)[x] for x in (a, b))


# ----------------------------------------------------------------------
# Adding an operation is one entry in the table and one row of test data.


@pytest.fixture
def toy_op():
    """A 'cube' function added to the engine's table, then taken away again."""
    op = Op("cube", "x³", 1, "a * a * a", ("3.0 * a * a",), ("3·a²",), "function")
    OPS[op.name] = op
    try:
        yield op
    finally:
        del OPS[op.name]


def test_a_toy_op_is_a_function_of_the_command_line(toy_op, capsys):
    from autograd.cli import main

    assert main(["cube(x) + x", "--at", "x=2"]) == 0
    out = capsys.readouterr().out
    assert "13" in out  # 2³ + 2
    assert "13.0000" in out or "13" in out


def test_a_toy_op_is_drawn_with_its_symbol(toy_op):
    pytest.importorskip("graphviz")
    x = Value(2.0, label="x")
    assert "x³" in autograd.draw(toy_op(x)).source


def test_a_toy_op_passes_the_checks_of_every_op(toy_op):
    x = Value(1.3)
    y = toy_op(x)
    y.backward()
    assert y.data == 1.3 * 1.3 * 1.3
    assert x.grad == pytest.approx(3 * 1.3**2, rel=1e-15)
    assert autograd.gradcheck(toy_op, [Value(0.7)])
    assert _formula_value(toy_op.formulas[0], y.data, [1.3]) == pytest.approx(x.grad)


def test_every_operation_of_the_table_says_its_pytorch_function():
    from autograd import NOT_SAID

    unsaid = [name for name, op in OPS.items() if op.torch is NOT_SAID]
    assert not unsaid, f"operations that do not say their torch name (or None): {unsaid}"
    torch = pytest.importorskip("torch")
    for name, op in OPS.items():
        if op.torch is not None:
            assert callable(getattr(torch, op.torch, None)), f"{name}: torch.{op.torch} does not exist"


@pytest.mark.parametrize("name", [name for name, op in OPS.items() if op.kind == "activation"])
def test_each_activation_matches_its_pytorch_function(name):
    torch = pytest.importorskip("torch")
    op = OPS[name]
    for x in (-40.0, -3.0, -0.5, 0.25, 2.0, 40.0):
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        y = getattr(torch, op.torch)(t)
        assert op(Value(x)).data == pytest.approx(y.item(), rel=1e-15, abs=0)
