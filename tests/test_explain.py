"""explain(): the chain-rule steps of backward, in backward's order, with its numbers."""

import math

import pytest

from autograd import Value, explain, topological_order
from autograd import sum as vsum
from autograd.views.naming import is_constant, number_text


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
        if is_constant(v):
            continue  # constants get no step (see test_constants_get_no_step)
        expected = v.grad
        got = steps.seed if v is out else totals.get(v, 0.0)
        assert got == expected, (steps.names[v], got, expected)


@pytest.mark.parametrize("make", GRAPHS, ids=lambda f: f.__name__)
def test_gradients_are_backwards_for_every_value_constants_included(make):
    out, _ = make()
    steps = explain(out)
    out.backward()
    assert all(steps.gradients[v] == v.grad for v in steps.order)


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
    assert "∂L/∂a = ∂L/∂c · ∂c/∂a = 1 · b = 1 · (−3) = −3   (c = a · b)" in lines
    assert "∂L/∂b = ∂L/∂c · ∂c/∂b = 1 · a = 1 · 2 = 2   (c = a · b)" in lines


def test_text_has_one_line_per_step():
    out, _ = neuron()
    steps = explain(out)
    assert len(str(steps).splitlines()) == len(steps) == 9  # 2 products, 2 sums, tanh


def test_header_line_states_the_seed():
    L, _ = issue_example()
    first = explain(L, grad=2.5).text(header=True).splitlines()[0]
    assert first.startswith("∂L/∂L = 2.5   (start")


def test_number_format_is_configurable():
    L, _ = issue_example()
    line = explain(L, fmt=".2e")[2].format()
    assert line == "∂L/∂a = ∂L/∂c · ∂c/∂a = 1.00e+00 · b = 1.00e+00 · (−3.00e+00) = −3.00e+00   (c = a · b)"


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
    # dtanh/dx1 = (1 - tanh^2) * w1; for |tanh| > 1/2 the engine computes 1 - tanh^2 in a form
    # without the subtraction, which may differ in the last bit
    assert steps.grad(leaves[0]) == pytest.approx(slope * -3.0, rel=1e-15)


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
    slope = 1 - math.tanh(7.0) ** 2  # ∂L/∂t1 = tanh'(3x + 1) at x = 2
    expected = f"∂L/∂x = ∂L/∂t1 · ∂t1/∂x = {number_text(slope)} · 3 = {number_text(3 * slope)}" \
        "   (t1 = x · 3)"
    assert expected in text.splitlines()


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


# ----------------------------------------------------------------------
# The text a teacher writes: ∂ notation, formulas, sums, numbers, constants


def notes_product(r=2.0, s=3.0):
    """The notes' f = x·y·z with x = r, y = r·s, z = s (x and z are r and s themselves)."""
    rv, sv = Value(r, label="r"), Value(s, label="s")
    y = rv * sv
    y.label = "y"
    xy = rv * y
    xy.label = "xy"
    f = xy * sv
    f.label = "f"
    return f, rv, sv


def test_product_example_writes_out_both_sums():
    f, r, s = notes_product(2.0, 3.0)
    lines = explain(f).text().splitlines()
    # By hand: f = r²s², so ∂f/∂s = 2r²s = 24 and ∂f/∂r = 2rs² = 36, each from two paths.
    assert f"∂f/∂s = 12 + 12 = {number_text(2 * 2.0**2 * 3.0)}" in lines
    assert f"∂f/∂r = 18 + 18 = {number_text(2 * 2.0 * 3.0**2)}" in lines


def test_a_sum_line_follows_the_last_contribution_only():
    f, r, s = notes_product()
    steps = explain(f)
    lines = steps.text().splitlines()
    for value, name in ((r, "r"), (s, "s")):
        into = [k for k, st in enumerate(steps) if st.input is value]
        assert [bool(steps[k].sum_of) for k in into] == [False] * (len(into) - 1) + [True]
        assert steps[into[-1]].sum_of == tuple(steps[k].contribution for k in into)
        line = steps[into[-1]].format()
        assert lines[lines.index(line) + 1] == steps[into[-1]].sum_text()
        assert sum(1 for x in lines if x.startswith(f"∂f/∂{name} = ")) == 1


def test_a_value_used_once_gets_no_sum_line():
    out, _ = neuron()
    assert all(not s.sum_of and s.sum_text() == "" for s in explain(out))


@pytest.mark.parametrize("r, s", [(2.0, 3.0), (-1.5, 0.5), (0.3, -2.0)])
def test_sum_of_contributions_is_the_hand_derived_gradient(r, s):
    f, rv, sv = notes_product(r, s)
    steps = explain(f)
    last = [st for st in steps if st.input is sv][-1]
    assert last.total == pytest.approx(2 * r * r * s, rel=1e-12)
    assert math.fsum(last.sum_of) == pytest.approx(2 * r * r * s, rel=1e-12)


def small_neuron():
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    p = x1 * w1
    p.label = "p"
    n = p + Value(6.5, label="b")
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, x1, w1


def test_product_step_shows_its_formula_then_its_number():
    o, x1, w1 = small_neuron()
    slope = 1 - math.tanh(0.5) ** 2  # ∂o/∂n, and ∂o/∂p = ∂o/∂n · 1
    lines = explain(o).text().splitlines()
    into_w1 = f"∂o/∂w1 = ∂o/∂p · ∂p/∂w1 = {number_text(slope)} · x1 = {number_text(slope)} · 2 = " \
        f"{number_text(2 * slope)}   (p = x1 · w1)"
    into_x1 = f"∂o/∂x1 = ∂o/∂p · ∂p/∂x1 = {number_text(slope)} · w1 = {number_text(slope)} · (−3) = " \
        f"{number_text(-3 * slope)}   (p = x1 · w1)"
    assert into_w1 in lines and into_x1 in lines


def test_tanh_step_shows_one_minus_out_squared():
    o, _, _ = small_neuron()
    first = explain(o)[0]
    assert first.local_formula == "1 − o²"
    assert first.format() == (
        f"∂o/∂n = ∂o/∂o · ∂tanh(n)/∂n = 1 · (1 − o²) = 1 · {number_text(1 - math.tanh(0.5) ** 2)} = "
        f"{number_text(1 - math.tanh(0.5) ** 2)}   (o = tanh(n))"
    )


@pytest.mark.parametrize("a, b", [(1.0, 4.0), (-3.0, 0.5)])
def test_quotient_steps_show_one_over_b_and_minus_a_over_b_squared(a, b):
    av, bv = Value(a, label="a"), Value(b, label="b")
    q = av / bv
    q.label = "q"
    into_a, into_b = explain(q)
    assert into_a.local_formula == "1/b" and into_b.local_formula == "−a/b²"
    assert into_a.format() == f"∂q/∂a = ∂q/∂q · ∂(a / b)/∂a = 1 · 1/b = 1 · {number_text(1 / b)} = " \
        f"{number_text(1 / b)}   (q = a / b)"
    by_hand = -a / b**2
    shown = number_text(by_hand)
    shown = f"({shown})" if by_hand < 0 else shown
    assert f"= 1 · (−a/b²) = 1 · {shown} = {number_text(by_hand)}" in into_b.format()


def test_local_formulas_use_the_graphs_names_whole_words_only():
    # Labels that are the table's own operand names, crossed over: a substitution
    # that ran twice, or inside words, would turn them back or break sign(...).
    first, second = Value(2.0, label="b"), Value(5.0, label="a")
    p = first * second
    p.label = "out"
    into_first, into_second = explain(p)
    assert (into_first.local_formula, into_second.local_formula) == ("a", "b")
    sign = Value(-1.5, label="sign")
    assert explain(abs(sign))[0].local_formula == "sign(sign)"


@pytest.mark.parametrize("make", GRAPHS, ids=lambda f: f.__name__)
def test_total_and_local_derivative_never_share_a_symbol(make):
    out, _ = make()
    for s in explain(out):
        total = s.format().split(" = ")[0]
        assert s.local_name != total  # at the output: ∂(a · b)/∂a, not ∂L/∂a


def test_every_edge_has_a_formula_from_the_table():
    out, _ = every_op()
    steps = explain(out)
    assert all(s.local_formula for s in steps)
    names = steps.names
    (sigmoid,) = [s for s in steps if s.node.op == "sigmoid"]
    assert sigmoid.local_formula == f"{names[sigmoid.node]}·(1 − {names[sigmoid.node]})"
    (cube,) = [s for s in steps if s.node.op == "**3"]
    assert cube.local_formula == f"3·{names[cube.input]}²"


@pytest.mark.parametrize("x, text", [
    (24.0, "24"), (0.501, "0.501"), (0.50100001, "0.501"), (-3.0, "−3"), (1e-05, "1e−05"),
    (-0.0, "0"), (0.0, "0"), (2.0 / 3.0, "0.6667"), (-1234.5678, "−1235"), (float("inf"), "inf"),
])
def test_numbers_are_written_as_a_person_writes_them(x, text):
    assert number_text(x) == text


def test_no_minus_zero_in_a_step():
    x = Value(-2.0, label="x")
    r = x.relu()
    r.label = "r"
    L = r * -1.0
    step = explain(L)[-1]
    assert step.contribution == 0.0 and math.copysign(1.0, step.contribution) < 0  # a real -0.0
    assert step.format().split("   (")[0].endswith("= 0")
    assert "−0" not in explain(L).text() and "−0" not in explain(L, fmt=".3f").text()


def test_default_numbers_have_no_padding_zeros():
    L, _ = issue_example()
    text = explain(L).text(header=True)
    assert "1.0000" not in text and "∂L/∂L = 1   (start" in text


@pytest.mark.parametrize("fmt", [".4f", ".6g", "+.2e"])
def test_a_format_spec_is_still_used_as_given(fmt):
    L, v = issue_example()
    step = explain(L, fmt=fmt)[2]
    assert step.format().endswith(f"= {format(-3.0, fmt).replace('-', '−')}   (c = a · b)")


def test_constants_get_no_step():
    x = Value(0.7, label="x")
    L = x * 2 + 3
    steps = explain(L)
    assert len(steps) == 2
    assert [s.input for s in steps] == [L.inputs[0], x]
    assert not any(is_constant(s.input) for s in steps)
    assert steps.grad(x) == 2.0  # ∂(2x + 3)/∂x
    assert "∂L/∂(2)" not in steps.text() and "∂L/∂(3)" not in steps.text()


def test_constants_are_marked_in_the_plain_data_form():
    x = Value(0.7, label="x")
    data = explain(x * 2).to_dict()
    by_name = {n["name"]: n for n in data["nodes"]}
    assert by_name["2"]["constant"] and not by_name["x"]["constant"] and not by_name["L"]["constant"]
    assert len(data["steps"]) == 1


def test_to_dict_keeps_its_keys_and_adds_the_sums():
    f, _, _ = notes_product()
    data = explain(f).to_dict()
    keys = {"node", "input", "position", "local", "upstream", "contribution", "total", "text"}
    assert all(keys <= set(step) for step in data["steps"])
    sums = [step["sum"] for step in data["steps"] if step["sum"]]
    assert sums == ["∂f/∂r = 18 + 18 = 36", "∂f/∂s = 12 + 12 = 24"]


# ----------------------------------------------------------------------
# Subgradients at a kink


def relu_at(x):
    xv = Value(x, label="n")
    r = xv.relu()
    r.label = "r"
    return r, xv


@pytest.mark.parametrize("op", ["relu", "abs"])
def test_a_kink_says_which_subgradient_was_chosen(op):
    n = Value(0.0, label="n")
    out = n.relu() if op == "relu" else abs(n)
    (step,) = explain(out)
    assert step.local == 0.0
    assert "subgradient" in step.subgradient and "chooses 0" in step.subgradient
    assert "kink n = 0" in step.format()


@pytest.mark.parametrize("op", ["relu", "abs"])
@pytest.mark.parametrize("x", [-0.5, 1e-300, 2.0])
def test_away_from_the_kink_nothing_is_said(op, x):
    n = Value(x, label="n")
    out = n.relu() if op == "relu" else abs(n)
    (step,) = explain(out)
    assert step.subgradient == "" and "subgradient" not in step.format()


@pytest.mark.parametrize("op", ["relu", "abs"])
def test_the_chosen_subgradient_is_pytorchs(op):
    torch = pytest.importorskip("torch")
    n = Value(0.0, label="n")
    (step,) = explain(n.relu() if op == "relu" else abs(n))
    t = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    (torch.relu(t) if op == "relu" else torch.abs(t)).backward()
    assert step.local == t.grad.item()


def test_a_hinge_at_the_margin_names_its_subgradient():
    # max(0, 1 − y·s) with y·s = 1 exactly: the relu inside sits on its kink.
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    s = w * x
    s.label = "s"
    m = 1.0 - 1.0 * s
    m.label = "m"
    loss = m.relu()
    loss.label = "loss"
    steps = explain(loss)
    noted = [st for st in steps if st.subgradient]
    assert [st.node for st in noted] == [loss]
    assert "kink m = 0" in noted[0].format()
    assert steps.grad(w) == 0.0
