"""Hand-checkable graphs, reuse and fan-out, accumulation, deep and wide graphs."""

import copy
import math
import sys

import pytest

import autograd
from autograd import Value


def test_issue_example_gradients_by_hand():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b + b**2  # -6 + 9 = 3
    L = c.tanh()
    L.backward()
    dL_dc = 1 - math.tanh(3.0) ** 2
    assert a.grad == pytest.approx(dL_dc * -3.0, rel=1e-15)  # dc/da = b
    assert b.grad == pytest.approx(dL_dc * (2.0 + 2 * -3.0), rel=1e-15)  # dc/db = a + 2b


def test_a_node_used_twice_receives_both_contributions():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    b = Value(3.0)
    (b * b).backward()
    assert b.grad == 6.0


def test_fan_out_through_shared_intermediate():
    # f = (x*y) * (x*y + x): with u = x*y, f = u*u + u*x
    x, y = Value(2.0), Value(5.0)
    u = x * y
    f = u * (u + x)
    f.backward()
    # df/dx = (2u + x) * y + u = (20 + 2) * 5 + 10 = 120; df/dy = (2u + x) * x = 44
    assert (x.grad, y.grad) == (120.0, 44.0)
    assert u.grad == 2 * 10.0 + 2.0


def test_the_notes_example_f_equals_xyz():
    # x = r, y = r*s, z = s: f = r*(r*s)*s = r^2 s^2; df/ds = 2 r^2 s, df/dr = 2 r s^2
    r, s = Value(3.0), Value(-2.0)
    f = r * (r * s) * s
    f.backward()
    assert s.grad == 2 * 9 * -2.0
    assert r.grad == 2 * 3 * 4.0


def test_backward_twice_adds_twice():
    a, b = Value(2.0), Value(-3.0)
    c = a * b + b**2
    c.backward()
    first = (a.grad, b.grad, c.grad)
    c.backward()
    assert (a.grad, b.grad, c.grad) == tuple(2 * g for g in first)


def test_backward_with_a_seed_scales_gradients():
    a = Value(2.0)
    (a * a).backward(grad=0.5)
    assert a.grad == 2.0


def test_backward_from_intermediate_after_output_backward_adds_only_its_share():
    x = Value(2.0)
    u = x * 3
    y = u * u
    y.backward()  # dy/dx = 2u*3 = 36
    u.backward()  # du/dx = 3
    assert x.grad == 39.0


def test_zero_grad_resets_the_whole_graph():
    a, b = Value(2.0), Value(-3.0)
    c = a * b
    c.backward()
    autograd.zero_grad(c)
    assert (a.grad, b.grad, c.grad) == (0.0, 0.0, 0.0)


def test_topological_order_puts_inputs_before_outputs():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    order = autograd.topological_order(d)
    assert order[-1] is d
    position = {v: i for i, v in enumerate(order)}
    for node in order:
        for parent in node.inputs:
            assert position[parent] < position[node]


def _postorder(root, order=None, seen=None):
    """The definition the walk keeps: inputs first, in argument order, each Value once (recursive)."""
    order, seen = ([], set()) if order is None else (order, seen)
    if root not in seen:
        seen.add(root)
        for x in root.inputs:
            _postorder(x, order, seen)
        order.append(root)
    return order


@pytest.mark.parametrize("seed", range(20))
def test_topological_order_is_the_depth_first_postorder_in_argument_order(seed):
    import random

    rng = random.Random(seed)
    values = [Value(rng.uniform(0.5, 1.5)) for _ in range(3)]
    for _ in range(40):  # reuse and fan-out: inputs drawn from everything made so far
        a, b = rng.choice(values), rng.choice(values)
        made = (a.tanh(), a * b, autograd.sum(rng.sample(values, 3)), a + 0.5)
        values.append(made[rng.randrange(4)])
    root = autograd.sum(values[-5:])
    assert autograd.topological_order(root) == _postorder(root)


def test_count_nodes_counts_constants_and_shared_nodes_once():
    a = Value(1.0)
    b = a * 2 + a  # a, 2, a*2, a*2+a
    assert autograd.count_nodes(b) == 4


def test_a_chain_of_a_million_operations_with_default_recursion_limit():
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # CPython's default
    try:
        x = Value(1.0)
        y = x
        for _ in range(1_000_000):
            y = -y
        y.backward()
        assert x.grad == 1.0
        order = autograd.topological_order(y)
        assert len(order) == 1_000_001
        del y, order  # freeing a deep graph must not overflow the C stack either
    finally:
        sys.setrecursionlimit(saved)


def test_a_wide_sum_of_a_hundred_thousand_products():
    xs = [Value(float(i % 7)) for i in range(100_000)]
    total = autograd.sum(x * 2.0 for x in xs)
    total.backward()
    assert all(x.grad == 2.0 for x in xs)
    assert total.data == 2.0 * sum(i % 7 for i in range(100_000))


def test_a_deep_pairwise_sum_has_exact_gradients():
    leaves = [Value(float(i)) for i in range(1024)]
    level = [v * v for v in leaves]
    while len(level) > 1:
        level = [level[i] + level[i + 1] for i in range(0, len(level), 2)]
    level[0].backward()
    assert [v.grad for v in leaves] == [2.0 * i for i in range(1024)]


def test_values_hash_and_compare_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b}) == 2


def test_ordering_and_truth_use_data():
    assert Value(1.0) < Value(2.0) and Value(2.0) >= 2 and Value(3.0) > 2.5
    assert not Value(0.0) and Value(-1.0)


def test_repr_and_float():
    c = Value(-6.0, label="c")
    c.grad = 1.0
    assert repr(c) == "Value(data=-6.0, grad=1.0, label='c')"
    assert repr(Value(2)) == "Value(data=2.0, grad=0.0)"
    assert float(c) == -6.0


def test_data_is_stored_as_float():
    import fractions

    assert type(Value(3).data) is float
    assert Value(fractions.Fraction(1, 4)).data == 0.25
    assert Value(True).data == 1.0


def test_numpy_scalars_are_accepted():
    np = pytest.importorskip("numpy")
    v = Value(np.float32(1.5)) * np.int64(2)
    assert v.data == 3.0 and type(v.data) is float


def test_values_refuse_to_be_copied():
    with pytest.raises(TypeError, match="Value"):
        copy.copy(Value(1.0))


def test_values_have_slots_and_no_dict():
    with pytest.raises(AttributeError):
        Value(1.0).colour = "red"
