"""explain(): the chain-rule steps of backward, in backward's order, with its numbers."""

import math

import pytest

from autograd import Value, explain, topological_order
from autograd import sum as vsum


def issue_example():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    d = Value(10.0, label="d")
    L = c + d
    L.label = "L"
    return L, {"a": a, "b": b, "c": c, "d": d}


def neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    return (x1 * w1 + x2 * w2 + b).tanh(), [x1, x2, w1, w2, b]


def fan_out():
    a = Value(1.5, label="a")
    b = Value(-0.25, label="b")
    c = a * a + a * b
    return (c * a - b / a).exp(), [a, b]


def with_constants():
    x = Value(0.7, label="x")
    y = 3 * x**2 - 2 / (1 + x) + abs(x - 5)
    return y.log(), [x]


def every_op():
    x, y = Value(0.3, label="x"), Value(1.7, label="y")
    z = (x.sigmoid() + y.relu() - x.sin() * y.cos()) / y.sqrt() + (-x) ** 3 + x**y + vsum([x, y, x * y])
    return z, [x, y]


def deep_chain():
    x = Value(0.9, label="x")
    y = x
    for i in range(3000):
        y = y * 1.0001 if i % 2 else y + 0.001
    return y, [x]


GRAPHS = [neuron, fan_out, with_constants, every_op, deep_chain]


@pytest.mark.parametrize("make", GRAPHS, ids=lambda f: f.__name__)
def test_contributions_sum_exactly_to_backward_gradients(make):
    out, leaves = make()
    steps = explain(out)
    totals = {}
    for s in steps:
        totals[s.input] = totals.get(s.input, 0.0) + s.contribution
    out.backward()
    for v in steps.order:
        expected = v.grad
        got = steps.seed if v is out else totals.get(v, 0.0)
        assert got == expected, (steps.names[v], got, expected)


@pytest.mark.parametrize("make", GRAPHS, ids=lambda f: f.__name__)
def test_each_contribution_is_upstream_times_local(make):
    out, _ = make()
    for s in explain(out):
        assert s.contribution == s.upstream * s.local
        assert s.local == s.node.local_grads()[s.position]


@pytest.mark.parametrize("make", GRAPHS, ids=lambda f: f.__name__)
def test_upstream_is_complete_before_a_node_passes_it_on(make):
    # The property that makes reverse topological order right: when a node's
    # gradient is used, every contribution to it has already arrived.
    out, _ = make()
    steps = explain(out)
    out.backward()
    for s in steps:
        assert s.upstream == (s.node.grad if s.node is not out else 1.0)


def test_steps_follow_backward_order_on_a_small_graph():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    c.label = "c"
    d = c + a
    d.label = "d"
    got = [(s.node.label, s.input.label, s.position) for s in explain(d)]
    assert got == [("d", "c", 0), ("d", "a", 1), ("c", "a", 0), ("c", "b", 1)]


def test_steps_follow_reverse_topological_order_and_inputs_in_argument_order():
    out, _ = every_op()
    place = {v: i for i, v in enumerate(topological_order(out))}
    keys = [(-place[s.node], s.position) for s in explain(out)]
    assert keys == sorted(keys)


def test_issue_example_line_reads_like_the_blackboard():
    L, v = issue_example()
    lines = str(explain(L)).splitlines()
    assert "dL/da += dL/dc * dc/da = 1.0000 * -3.0000 = -3.0000   (c = a * b)" in lines
    assert "dL/db += dL/dc * dc/db = 1.0000 * 2.0000 = 2.0000   (c = a * b)" in lines


def test_text_has_one_line_per_step():
    out, _ = neuron()
    steps = explain(out)
    assert len(str(steps).splitlines()) == len(steps) == 9  # 2 products, 2 sums, tanh


def test_header_line_states_the_seed():
    L, _ = issue_example()
    first = explain(L, grad=2.5).text(header=True).splitlines()[0]
    assert first.startswith("dL/dL = 2.5000")


def test_number_format_is_configurable():
    L, _ = issue_example()
    line = explain(L, fmt=".2e")[2].format()
    assert line == "dL/da += dL/dc * dc/da = 1.00e+00 * -3.00e+00 = -3.00e+00   (c = a * b)"


def test_fan_out_gives_one_step_per_use():
    a = Value(3.0, label="a")
    sq = a * a
    steps = explain(sq)
    assert [s.input for s in steps] == [a, a]
    assert [s.contribution for s in steps] == [3.0, 3.0]
    assert steps.grad(a) == 6.0  # d(a^2)/da = 2a
    assert steps[1].total == 6.0


def test_explain_neither_needs_nor_touches_grad():
    out, leaves = neuron()
    for i, v in enumerate(leaves):
        v.grad = 100.0 + i
    before = [v.grad for v in leaves]
    steps = explain(out)
    assert [v.grad for v in leaves] == before
    slope = 1 - out.data**2
    assert steps.grad(leaves[0]) == slope * -3.0  # dtanh/dx1 = (1 - tanh^2) * w1


def test_seed_scales_every_step():
    out, leaves = fan_out()
    one, three = explain(out), explain(out, grad=3.0)
    for s1, s3 in zip(one, three):
        assert s3.contribution == pytest.approx(3.0 * s1.contribution, rel=1e-15)


def test_unlabelled_values_get_stable_readable_names():
    x = Value(2.0, label="x")
    out = (x * 3 + 1).tanh()
    text = str(explain(out))
    assert "(L = tanh(t2))" in text
    assert "(t2 = t1 + 1)" in text
    assert "(t1 = x * 3)" in text
    assert "dL/d(3) += dL/dt1 * dt1/d(3)" in text


def test_repeated_labels_are_told_apart():
    a1, a2 = Value(1.0, label="w"), Value(2.0, label="w")
    out = a1 * a2
    names = {s.input: s.names[2] for s in explain(out)}
    assert names[a1] == "w" and names[a2] == "w#2"


@pytest.mark.parametrize("taken, expected", [((), "L"), (("L",), "out"), (("L", "out"), "L#2")])
def test_an_unlabelled_output_gets_a_name_no_label_uses(taken, expected):
    leaves = [Value(float(i + 2), label=label) for i, label in enumerate(taken)]
    out = vsum(leaves + [Value(1.0, label="x")]) * 2
    names = explain(out).names
    assert names[out] == expected
    assert len(set(names.values())) == len(names)

def test_agrees_with_finite_differences():
    x = Value(0.4, label="x")

    def f(t):
        return math.exp(math.sin(t) * t) / (1 + t**2)

    y = (x.sin() * x).exp() / (1 + x**2)
    h = 1e-6
    numeric = (f(0.4 + h) - f(0.4 - h)) / (2 * h)
    assert explain(y).grad(x) == pytest.approx(numeric, rel=1e-7)


def test_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    out, leaves = every_op()
    steps = explain(out)
    tx = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(1.7, dtype=torch.float64, requires_grad=True)
    tz = (
        (torch.sigmoid(tx) + torch.relu(ty) - torch.sin(tx) * torch.cos(ty)) / torch.sqrt(ty)
        + (-tx) ** 3 + tx**ty + (tx + ty + tx * ty)
    )
    tz.backward()
    assert steps.grad(leaves[0]) == pytest.approx(tx.grad.item(), rel=1e-12)
    assert steps.grad(leaves[1]) == pytest.approx(ty.grad.item(), rel=1e-12)


def test_a_leaf_has_no_steps():
    assert len(explain(Value(1.0))) == 0


def test_to_dict_matches_the_steps():
    L, v = issue_example()
    data = explain(L).to_dict()
    names = [n["name"] for n in data["nodes"]]
    assert names[data["output"]] == "L"
    last = data["steps"][-1]
    assert names[last["input"]] == "b" and last["total"] == 2.0


@pytest.mark.parametrize("bad", [1.0, "L", None])
def test_rejects_what_is_not_a_value(bad):
    with pytest.raises(TypeError, match="expected a Value"):
        explain(bad)


def test_rejects_a_bad_format():
    with pytest.raises(ValueError, match="format spec"):
        explain(Value(1.0), fmt="%d")


@pytest.mark.parametrize("bad", ["2.5", None, 1j])
def test_rejects_a_seed_that_is_not_a_real_number(bad):
    with pytest.raises(TypeError, match=r"explain\(grad=\.\.\.\): expected a real number, got"):
        explain(Value(1.0) * 2, grad=bad)
