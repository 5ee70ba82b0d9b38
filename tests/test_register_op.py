"""autograd.register_op: a new operation joins the table only once it is checked whole."""

import json
import math
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

from autograd import OPS, Op, Value, grad, register_op

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.fixture
def table():
    """Take away whatever a test registers: its table entry and its Value method."""
    before = dict(OPS)
    yield
    for name in set(OPS) - set(before):
        del OPS[name]
        if name in vars(Value):
            delattr(Value, name)


def softplus(**changes):
    fields = dict(name="softplus", symbol="softplus", arity=1, forward="log(1.0 + exp(a))",
                  local=("over(1.0, 1.0 + exp(-a))",), formulas=("1/(1 + e^(−a))",), kind="activation",
                  torch="softplus")
    fields.update(changes)
    return Op(**fields)


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def test_a_registered_activation_is_a_value_method_with_its_derivatives(table):
    op = register_op(softplus())
    assert OPS["softplus"] is op
    x = Value(0.3)
    y = x.softplus()
    y.backward()
    assert (y.op, y.data) == ("softplus", math.log1p(math.exp(0.3)))
    assert x.grad == pytest.approx(_sigmoid(0.3), rel=1e-15)  # d/dx ln(1 + eˣ) = σ(x)
    (first,) = grad(x.softplus(), [x], create_graph=True)
    (second,) = grad(first, [x])
    assert second == pytest.approx(_sigmoid(0.3) * (1 - _sigmoid(0.3)), rel=1e-14)  # σ′ = σ(1 − σ)


def test_a_rule_whose_helper_turns_values_into_floats_is_refused(table):
    # math.cosh takes a Value through float(): the slope is right, its own slope would be 0.
    bad = Op("sech2", "sech²", 1, "1.0 / (cosh(a) * cosh(a))", ("-2.0 * tanh(a) / (cosh(a) * cosh(a))",),
             ("−2·tanh(a)·sech²(a)",), "function", helpers={"cosh": math.cosh, "tanh": math.tanh}, torch=None)
    with pytest.raises(ValueError, match=r"'sech2'.*does not differentiate right.*must accept Values"):
        register_op(bad)
    assert "sech2" not in OPS and not hasattr(Value, "sech2")


def test_an_op_must_say_its_torch_name_or_none(table):
    with pytest.raises(ValueError, match=r"say which PyTorch function computes it.*torch=None"):
        register_op(softplus(torch=Op.__init__.__kwdefaults__["torch"]))
    with pytest.raises(ValueError, match="name of a PyTorch function"):
        register_op(softplus(torch="nn.functional; import os"))
    assert register_op(softplus(torch=None)).torch is None


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(name="tanh"), "already an operation named 'tanh'"),
        (dict(name="backward"), "Value already has an attribute 'backward'"),
        (dict(name="soft plus"), "must be a Python name"),
        (dict(name="**3"), "power_op"),
        (dict(arity=2, local=("a", "b"), formulas=("a", "b")), "takes one input"),
        (dict(forward="log(1.0 + cosh(a))"), "uses 'cosh', which is none of the engine's helpers"),
        (dict(forward="text(a)", helpers={"text": str}), "gave str"),
        (dict(local=("exp(a), exp(a)",), ), "should give 1 real numbers"),
    ],
    ids=["taken", "value-attribute", "not-a-name", "power", "two-inputs", "unknown-helper", "not-a-number",
         "rule-length"],
)
def test_bad_registrations_name_the_problem_and_change_nothing(table, changes, message):
    before = dict(OPS)
    with pytest.raises((TypeError, ValueError), match=message):
        register_op(softplus(**changes))
    assert OPS == before


def test_an_op_defined_on_a_narrow_domain_is_tried_where_given(table):
    narrow = dict(forward="log(a - 40.0)", local=("over(1.0, a - 40.0)",), formulas=("1/(a − 40)",),
                  kind="function", name="shifted_log", torch=None)
    with pytest.raises(ValueError, match="raised at every point tried.*at="):
        register_op(softplus(**narrow))
    register_op(softplus(**narrow), at=[(41.5,), (50.0,)])
    x = Value(42.0)
    x.shifted_log().backward()
    assert x.grad == 0.5


def _run(code: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         env=env, cwd=str(ROOT), timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_an_activation_put_in_the_table_by_hand_does_not_break_import_nn():
    # No register_op, so no Value method: nn applies the operation itself.
    result = _run("""
        import json
        from autograd import OPS, Op, Value
        OPS["cube"] = Op("cube", "x³", 1, "a * a * a", ("3.0 * a * a",), ("3·a²",), "activation")
        import nn
        neuron = nn.Neuron(2, activation="cube", seed=0)
        out = neuron([Value(0.5), Value(-1.0)])
        z = sum(w.data * x for w, x in zip(neuron.w, [0.5, -1.0])) + neuron.b.data
        print(json.dumps({"activations": nn.ACTIVATIONS, "out": out.data, "z3": z ** 3, "op": out.op}))
    """)
    assert "cube" in result["activations"] and result["op"] == "cube"
    assert result["out"] == pytest.approx(result["z3"], rel=1e-14)


def test_to_torch_builds_registered_activations_and_refuses_one_torch_lacks(table, monkeypatch):
    torch = pytest.importorskip("torch")
    import nn
    import nn.module

    registered = [
        register_op(softplus()),  # torch.nn.Softplus
        register_op(Op("wave", "wave", 1, "sin(a)", ("cos(a)",), ("cos(a)",), "activation", torch="sin")),
        register_op(Op("own", "own", 1, "a * a", ("2.0 * a",), ("2·a",), "activation", torch=None)),
    ]
    for op in registered:  # nn reads the table's activations when it is imported, before these
        monkeypatch.setitem(nn.module._ACTIVATE, op.name, getattr(Value, op.name))
    x = [0.5, -1.0, 2.0]
    for activation in ("softplus", "wave"):
        model = nn.MLP(3, [4, 2], activation=activation, seed=1)
        ours = [v.data for v in model(x)]
        theirs = nn.to_torch(model)(torch.tensor(x, dtype=torch.float64)).tolist()
        assert theirs == pytest.approx(ours, rel=1e-14, abs=1e-15), activation
    with pytest.raises(ValueError, match="'own' has no PyTorch equivalent"):
        nn.to_torch(nn.MLP(3, [4, 1], activation="own", seed=1))
