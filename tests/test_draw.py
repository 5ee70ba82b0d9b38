"""draw(): the DOT text of the graph (nodes, labels, edges, colours, determinism, size limits)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("graphviz")

from autograd import Drawing, GraphTooLargeError, Value, draw  # noqa: E402
from autograd.views.draw import label_group  # noqa: E402
from autograd.views.naming import number_text  # noqa: E402


def small():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    L = (c + 2).tanh()
    L.label = "L"
    return L, a, b, c


def nodes(source):
    """{node id: attribute text} for the node statements of a DOT text."""
    found = dict(re.findall(r"^\t(\w+) \[(.*)\]$", source, flags=re.M))
    return {k: v for k, v in found.items() if k not in ("graph", "node", "edge")}


def edges(source):
    """[(tail, head, attribute text)] for the edge statements of a DOT text."""
    return re.findall(r"^\t(\w+) -> (\w+)(?: \[(.*)\])?$", source, flags=re.M)


def test_returns_a_drawing_holding_a_graphviz_digraph():
    import graphviz

    L, *_ = small()
    d = draw(L)
    assert isinstance(d, Drawing)
    assert isinstance(d.graph, graphviz.Digraph)
    assert d.source == d.graph.source


def test_every_value_is_a_record_with_name_data_and_grad():
    L, a, b, c = small()
    L.backward()
    found = nodes(draw(L).source)
    records = {k: v for k, v in found.items() if "shape=record" in v}
    assert len(records) == 6  # a, b, c, the constant 2, c + 2, L
    # Numbers as a person writes them: up to 4 significant digits, no padding zeros.
    assert f'label="{{ a | data 2 | grad {number_text(a.grad)} }}"' in records["v0"]
    assert f'label="{{ b | data −3 | grad {number_text(b.grad)} }}"' in records["v1"]
    assert any(f"{{ L | data {number_text(L.data)} | grad 1 }}" in v for v in records.values())


def test_each_operation_is_a_node_with_its_symbol():
    L, *_ = small()
    found = nodes(draw(L).source)
    op_nodes = [v for k, v in found.items() if k.endswith("op")]
    ops = sorted(re.search(r"label=\"?([^\" ]+)\"?", v).group(1) for v in op_nodes)
    assert ops == sorted(["×", "+", "tanh"])


def test_edges_go_input_to_operation_to_result():
    L, a, b, c = small()
    got = {(t, h) for t, h, _ in edges(draw(L).source)}
    assert ("v0", "v2op") in got and ("v1", "v2op") in got and ("v2op", "v2") in got
    # 3 operations: 1 edge out of each, and 2 + 2 + 1 edges in.
    assert len(edges(draw(L).source)) == 3 + 5


def test_edge_labels_are_the_local_derivatives():
    L, a, b, c = small()
    src = draw(L, edge_labels=True).source
    labels = {(t, h): attrs for t, h, attrs in edges(src)}
    assert 'label="−3" ' in labels[("v0", "v2op")]  # dc/da = b
    assert "label=2 " in labels[("v1", "v2op")]  # dc/db = a
    assert f"label={1 - L.data ** 2:.4g}" in labels[("v4", "v5op")]  # dtanh/dx = 1 - tanh^2


def test_without_edge_labels_edges_carry_none():
    L, *_ = small()
    assert all("label" not in (attrs or "") for _, _, attrs in edges(draw(L).source))


@pytest.mark.parametrize("fmt, text", [(".2f", "data −3.00"), (".3e", "data −3.000e+00"),
                                       (lambda x: f"{x:+.1f}", "data -3.0")])
def test_number_format_is_chosen_by_the_caller(fmt, text):
    L, *_ = small()
    assert text in draw(L, fmt=fmt).source


def test_a_bad_number_format_is_refused():
    L, *_ = small()
    with pytest.raises(ValueError, match="format spec"):
        draw(L, fmt="%f")


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_direction(rankdir):
    L, *_ = small()
    assert f"rankdir={rankdir}" in draw(L, rankdir=rankdir).source


def test_a_wrong_direction_names_the_choices():
    L, *_ = small()
    with pytest.raises(ValueError, match="LR, TB"):
        draw(L, rankdir="left")


def test_roles_have_their_own_colours():
    L, a, b, c = small()
    found = nodes(draw(L, parameters=[b], legend=False).source)
    fill = {k: re.search(r'fillcolor="([^"]+)"', v).group(1) for k, v in found.items()}
    assert len({fill["v0"], fill["v1"], fill["v3"], fill["v5"], fill["v2"]}) == 5
    # input a, parameter b, constant 2, output L, intermediate c: five colours


def test_constants_show_their_number_without_a_name():
    L, *_ = small()
    # A constant has no gradient: its box is its number, and nothing else.
    L.backward()
    assert 'v3 [label="{ 2 }"' in draw(L).source


def test_highlight_paints_the_paths_from_a_node_to_the_output():
    L, a, b, c = small()
    src = draw(L, highlight=a).source
    red = {(t, h) for t, h, attrs in edges(src) if "#dc2626" in (attrs or "")}
    path = ["v0", "v2op", "v2", "v4op", "v4", "v5op", "v5"]
    assert red == set(zip(path, path[1:]))
    marked = {k for k, v in nodes(src).items() if "#dc2626" in v}
    assert "v1" not in marked and "v3" not in marked and {"v0", "v2", "v5"} <= marked


def test_highlight_outside_the_graph_is_an_error():
    L, *_ = small()
    with pytest.raises(ValueError, match="not part of the graph"):
        draw(L, highlight=Value(1.0))


def test_grads_can_come_from_a_table_instead_of_dot_grad():
    from autograd import explain

    L, a, *_ = small()
    steps = explain(L)
    assert f"grad {number_text(steps.grad(a))}" in draw(L, grads=steps.gradients).source
    assert a.grad == 0.0


def test_show_grad_off_leaves_the_field_out():
    L, *_ = small()
    assert "grad" not in draw(L, show_grad=False).source


def test_record_special_characters_are_escaped():
    v = Value(1.0, label='x{1}|<y> "q"')
    out = v * 2
    assert r'x\{1\}\|\<y\> \"q\"' in draw(out).source


def build_twice():
    x = Value(0.5, label="x")
    y = x
    for i in range(30):
        y = (y * 1.5 + i).tanh() + x
    return y


def test_the_same_graph_gives_the_same_dot_text_byte_for_byte():
    first, second = build_twice(), build_twice()
    first.backward()
    second.backward()
    assert draw(first, edge_labels=True).source.encode() == draw(second, edge_labels=True).source.encode()


def test_drawing_twice_gives_the_same_text():
    L, a, *_ = small()
    assert draw(L, highlight=a).source == draw(L, highlight=a).source


def test_walks_use_no_recursion():
    x = Value(0.1, label="x")
    y = x
    for _ in range(2000):
        y = y * 1.0001
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(150)
    try:
        src = draw(y, max_nodes=None, edge_labels=True).source
    finally:
        sys.setrecursionlimit(limit)
    assert src.count("shape=record") == 4001


@pytest.mark.slow
def test_a_graph_of_100k_nodes_is_drawn_without_recursion_error():
    x = Value(0.1, label="x")
    y = x
    for _ in range(50_000):
        y = y + 1.0
    assert draw(y, max_nodes=None).source.count("shape=record") == 100_001


def chain(n):
    x = Value(1.0, label="x")
    y = x
    for _ in range(n):
        y = y + 1.0
    return y


def test_a_large_graph_is_refused_with_its_size_and_the_ways_out():
    y = chain(200)  # 401 values
    with pytest.raises(GraphTooLargeError) as info:
        draw(y)
    message = str(info.value)
    assert "401 values" in message and "max_nodes=300" in message
    assert "max_nodes=None" in message and "summarize=True" in message


def test_max_nodes_is_configurable():
    y = chain(10)  # 21 values
    with pytest.raises(GraphTooLargeError, match="21 values"):
        draw(y, max_nodes=20)
    assert draw(y, max_nodes=21).source.count("shape=record") == 21
    assert draw(chain(200), max_nodes=None).source.count("shape=record") == 401


@pytest.mark.parametrize("label, depth, group", [
    ("layers.0.neurons.3.w.1", None, "layers.0.neurons.3"),
    ("layers.0.neurons.3.b", None, "layers.0.neurons.3"),
    ("L1.N3.w0", None, "L1.N3"),
    ("layers.0.neurons.3.w.1", 2, "layers.0"),
    ("layers.0.neurons.3.w.1", 4, "layers.0.neurons.3"),
    ("w", None, None),
])
def test_label_group(label, depth, group):
    assert label_group(label, depth) == group


def tiny_mlp(sizes=(2, 4, 4, 1), samples=1):
    """A hand-built MLP with nn-style labels, so that autograd's tests need no nn."""
    layers = []
    fan_in = sizes[0]
    for li, width in enumerate(sizes[1:]):
        neurons = []
        for ni in range(width):
            ws = [
                Value(0.1 * (wi + 1) * (-1) ** ni, label=f"layers.{li}.neurons.{ni}.w.{wi}")
                for wi in range(fan_in)
            ]
            neurons.append((ws, Value(0.01 * ni, label=f"layers.{li}.neurons.{ni}.b")))
        layers.append(neurons)
        fan_in = width
    from autograd import sum as vsum

    loss = Value(0.0)
    for s in range(samples):
        xs = [0.5 + s, -1.0 - s][: sizes[0]]
        for neurons in layers:
            xs = [vsum([w * x for w, x in zip(ws, xs)] + [b]).tanh() for ws, b in neurons]
        loss = loss + (xs[0] - 1.0) ** 2
    return loss, layers


def test_summarize_draws_one_box_per_neuron():
    loss, layers = tiny_mlp()
    src = draw(loss, summarize=True).source
    boxes = {k: v for k, v in nodes(src).items() if k.startswith("g")}
    assert len(boxes) == 4 + 4 + 1
    # Layer 1's neurons: 4 weights and a bias; products, the sum and tanh: 4 + 1 + 4 + 1 + 1 values.
    assert any("layers.1.neurons.3\\n11 values, 5 parameters" in v for v in boxes.values())
    # Every neuron of layer 0 feeds every neuron of layer 1: 4 x 4 arrows.
    names = {k: re.search(r"label=\"([^\\\\]+)", v).group(1) for k, v in boxes.items()}
    between = [(names[t], names[h]) for t, h, _ in edges(src) if t in names and h in names]
    assert sum(1 for t, h in between if t.startswith("layers.0") and h.startswith("layers.1")) == 16


def test_summarize_counts_the_given_parameters():
    loss, layers = tiny_mlp()
    ws, b = layers[0][0]
    src = draw(loss, summarize=True, parameters=[b]).source
    # 2 weights, the bias, 2 inputs (constants), 2 products, the sum, tanh.
    assert "layers.0.neurons.0\\n9 values, 1 parameter\\n" in src


def test_summarize_highlights_the_boxes_on_the_paths_to_the_output():
    loss, layers = tiny_mlp()
    w = layers[0][0][0][0]  # a weight of layers.0.neurons.0
    src = draw(loss, summarize=True, highlight=w).source
    boxes = {re.search(r"label=\"([^\\\\]+)", v).group(1): (k, "#dc2626" in v)
             for k, v in nodes(src).items() if k.startswith("g")}
    assert boxes["layers.0.neurons.0"][1] and not boxes["layers.0.neurons.1"][1]
    assert all(hot for name, (_, hot) in boxes.items() if name.startswith(("layers.1", "layers.2")))
    red = {(t, h) for t, h, attrs in edges(src) if "#dc2626" in (attrs or "")}
    ids = {name: k for name, (k, _) in boxes.items()}
    assert (ids["layers.0.neurons.0"], ids["layers.1.neurons.2"]) in red
    assert (ids["layers.0.neurons.1"], ids["layers.1.neurons.2"]) not in red


def test_summarize_by_layer_with_a_depth():
    loss, layers = tiny_mlp()
    boxes = [k for k in nodes(draw(loss, summarize=2).source) if k.startswith("g")]
    assert len(boxes) == 3


def test_summarize_with_a_custom_group_function():
    loss, layers = tiny_mlp()
    d = draw(loss, group_by=lambda v: v.label.split(".")[1] if v.label.startswith("layers.") else None)
    assert d.summarized
    assert len([k for k in nodes(d.source) if k.startswith("g")]) == 3


def test_summarize_honours_show_grad_and_grads():
    from autograd import explain

    trained, _ = tiny_mlp()
    trained.backward()
    fresh, _ = tiny_mlp()
    assert "grad" not in draw(fresh, summarize=True, show_grad=False).source
    # explain's gradients are backward's, bit for bit: the two drawings must be the same text.
    from_table = draw(fresh, summarize=True, grads=explain(fresh).gradients).source
    assert from_table == draw(trained, summarize=True).source
    assert from_table != draw(fresh, summarize=True).source

def test_summarize_shrinks_a_graph_too_large_to_draw():
    loss, _ = tiny_mlp(sizes=(2, 16, 16, 1), samples=2)
    with pytest.raises(GraphTooLargeError):
        draw(loss)
    assert len(nodes(draw(loss, summarize=True).source)) < 60


def test_import_autograd_does_not_import_graphviz():
    code = "import autograd, sys; assert 'graphviz' not in sys.modules, 'graphviz imported'"
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert result.returncode == 0, result.stderr


def test_missing_graphviz_package_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    L, *_ = small()
    with pytest.raises(ImportError, match=r"chainrule\[draw\]"):
        draw(L)


def test_draw_rejects_what_is_not_a_value():
    with pytest.raises(TypeError, match="expected a Value"):
        draw(3.0)


# ----------------------------------------------------------------------
# One value feeding many operations far apart: a trunk instead of dozens of long arrows.


def repeated(op, n):
    from autograd.cli.expr import evaluate

    out, leaves = evaluate(op.join(["x"] * n), {"x": 1.5})
    out.label = "f"
    return out, leaves["x"]


def trunk_back_to_a_box(source, tail):
    """Follow joints (point nodes) back along the trunk to the box they start from."""
    into = {h: t for t, h, _ in edges(source)}
    points = {k for k, v in nodes(source).items() if "shape=point" in v}
    while tail in points:
        tail = into[tail]
    return tail


@pytest.mark.parametrize("op", ["+", "*"])
def test_a_value_used_far_and_often_gets_one_trunk_with_every_arrow_on_it(op):
    out, x = repeated(op, 61)
    steps_into_x = 61  # x appears 61 times: 61 arrows, each with its local derivative
    source = draw(out, edge_labels=True, element_ids=True).source
    found = nodes(source)
    box_of_x = next(k for k, v in found.items() if "{ x |" in v)
    branches = [(t, h, a) for t, h, a in edges(source)
                if h.endswith("op") and trunk_back_to_a_box(source, t) == box_of_x]
    assert len(branches) == steps_into_x
    assert all('label="' in a or "label=" in a for _, _, a in branches)
    # The trunk has one joint per operation using x, not one per arrow.
    assert sum("shape=point" in v for v in found.values()) == 60
    assert "splines" not in source


def test_the_branches_carry_the_local_derivatives_of_x():
    out, x = repeated("*", 61)
    source = draw(out, edge_labels=True, fmt=".6g").source
    labels = re.findall(r"^\tv\d+j\d+ -> v\d+op \[label=\"?([^\]\" ]+)\"?", source, flags=re.M)
    # d(t * x)/dx = t = 1.5 ** k for the k-th product, and d(x * x)/dx = x twice for the first.
    expected = sorted([f"{1.5:.6g}"] * 2 + [f"{1.5 ** k:.6g}" for k in range(2, 61)])
    assert sorted(labels) == expected


@pytest.mark.parametrize("make", [lambda: small()[0], lambda: repeated("+", 5)[0]])
def test_small_graphs_keep_their_own_arrows(make):
    source = draw(make(), edge_labels=True).source
    assert "shape=point" not in source and "splines" not in source


def test_a_trunk_on_a_highlighted_path_is_red():
    out, x = repeated("+", 40)
    source = draw(out, edge_labels=True, highlight=x).source
    joints = [v for k, v in nodes(source).items() if "shape=point" in v]
    assert joints and all("#dc2626" in v for v in joints)


def test_many_values_each_used_twice_far_apart_are_drawn_with_straight_arrows():
    from autograd.cli.expr import evaluate

    names = [f"a{k}" for k in range(40)]
    out, _ = evaluate("+".join(names + names), dict.fromkeys(names, 1.0))
    assert "splines=line" in draw(out, edge_labels=True).source


# ----------------------------------------------------------------------
# Edge labels are escaped as box labels are.


@pytest.mark.parametrize("fmt", ["\\<9", lambda x: f"{x:g}\\", lambda x: "\\N\\l\\" + f"{x:g}"])
def test_an_edge_label_ending_in_a_backslash_is_escaped(fmt):
    L, a, b, c = small()
    written = fmt(b.data) if callable(fmt) else number_text(b.data, fmt)  # d(a*b)/da = b
    source = draw(L, edge_labels=True, fmt=fmt).source
    # Every backslash doubled, as in a box: no \N (the node's name), \l or \" escape is left.
    escaped = written.replace("\\", "\\\\")
    assert f'v0 -> v2op [label="{escaped}" headport=n]' in source


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), "5", True])
def test_a_bad_timeout_is_refused(timeout):
    L, *_ = small()
    with pytest.raises(ValueError, match="timeout"):
        draw(L, timeout=timeout)


def test_a_value_feeding_products_summed_one_by_one_gets_a_trunk():
    # x*x + x*x + ...: each product sits next to the sum that uses it, so x's arrows reach far.
    from autograd.cli.expr import evaluate

    out, _ = evaluate("+".join(["x*x"] * 80), {"x": 0.5})
    source = draw(out, edge_labels=True).source
    box_of_x = next(k for k, v in nodes(source).items() if "{ x |" in v)
    from_x = [t for t, h, _ in edges(source)
              if h.endswith("op") and trunk_back_to_a_box(source, t) == box_of_x]
    assert len(from_x) == 160
    assert all(t != box_of_x for t in from_x)  # every one leaves from a joint of the trunk
