"""The network picture: the network found in a loss's graph, and its diagram (circles, weights, z, a, δ)."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from lecture_networks import delta_rule, homework

pytest.importorskip("graphviz")

import nn  # noqa: E402
from autograd import Value  # noqa: E402
from autograd.views import network as network_module  # noqa: E402
from autograd.views.draw import Drawing, RendererNotFoundError, find_renderer  # noqa: E402
from autograd.views.markup import html  # noqa: E402
from autograd.views.naming import number_text  # noqa: E402
from autograd.views.network import NotANetworkError, find_network, network_graph  # noqa: E402

CASES = {
    "homework 2-2-1 without bias": lambda: homework(bias=False),
    "homework 2-2-1 with bias": lambda: homework(bias=True),
    "delta rule 3-4-3-2": delta_rule,
}


def loss_of(model, x, y, backward=True):
    """The loss of one sample as the lecture writes it: L = mean squared error of model(x) against y."""
    out = model(x)
    L = nn.mse_loss([out], [y])
    if backward:
        L.backward()
    return L, out


def attrs_of(source: str, statement: str) -> str:
    """The attribute text of one node or edge statement of a DOT text (``N1_2``, ``X1 -> N1_2``)."""
    found = re.findall(rf"^\t{re.escape(statement)}(?: \[(.*)\])?$", source, flags=re.M)
    assert len(found) == 1, f"{statement!r}: {len(found)} statements in the DOT text"
    return found[0]


def label_of(attrs: str) -> str:
    """A node's or an arrow's HTML-like label, its scripts' point sizes left out (tested on their own)."""
    match = re.search(r"label=<(.*)>(?: |$)", attrs)
    assert match, attrs
    label = re.sub(r'<(sub|sup)><font point-size="\d+">(.*?)</font></\1>', r"<\1>\2</\1>", match.group(1))
    return label.replace("&#160;", " ")


def number_after(label: str, name: str) -> str:
    """The number written after ``name = `` in a label."""
    match = re.search(re.escape(name) + r" = ([^<\s]+)", label)
    assert match, f"{name!r} not in {label!r}"
    return match.group(1)


def as_float(text: str) -> float:
    return float(text.replace("−", "-"))


def unit(letter: str, layer: int, i: int) -> str:
    return f"{letter}<sub>{i}</sub><sup>({layer})</sup>"


@pytest.mark.parametrize("case", CASES)
def test_the_network_found_is_the_models_own(case):
    model, x, y = CASES[case]()
    L, out = loss_of(model, x, y)
    net = find_network(L)
    assert net.sizes == (model.nin, *model.nouts)
    assert net.loss is L
    outputs = out if isinstance(out, list) else [out]
    assert list(net.outputs) == outputs and all(a is b for a, b in zip(net.outputs, outputs))
    view = nn.deltas(model, x, y, loss="mse")
    for l, layer in enumerate(model.layers, 1):
        assert len(net.layers[l - 1]) == len(layer.neurons)
        for i, neuron in enumerate(layer.neurons, 1):
            found = net.neuron(l, i)
            assert (found.layer, found.index) == (l, i)
            assert len(found.weights) == len(neuron.w)
            assert all(a is b for a, b in zip(found.weights, neuron.w))
            assert found.bias is neuron.b
            assert found.activation == layer.activation
            # z and a are the graph's Values of this neuron: the numbers the delta rule computes on lists.
            assert found.z.data == pytest.approx(view.z[l - 1][i - 1], rel=1e-12)
            assert found.a.data == pytest.approx(view.a[l - 1][i - 1], rel=1e-12)
            assert found.a.inputs == (found.z,)
    assert [v.data for v in net.inputs] == x
    source = network_graph(L).source
    for j, xj in enumerate(x, 1):
        label = label_of(attrs_of(source, f"X{j}"))
        assert f"<td>x<sub>{j}</sub></td>" in label and f"<td>= {number_text(xj)}</td>" in label
    # The inputs are what every neuron of the first layer multiplies.
    for n in net.layers[0]:
        for w, xj in zip(n.weights, net.inputs):
            assert any(u.op == "*" and set(u.inputs) == {w, xj} for u in _users(L, w))


def _users(root, value):
    from autograd.graph import topological_order

    return [v for v in topological_order(root) if any(x is value for x in v.inputs)]


def test_network_neuron_out_of_range_says_the_widths():
    L, _ = loss_of(*homework())
    with pytest.raises(IndexError, match="widths 2, 1"):
        find_network(L).neuron(2, 2)


@pytest.mark.parametrize("case", CASES)
def test_every_weight_arrow_shows_its_name_value_and_gradient(case):
    model, x, y = CASES[case]()
    L, _ = loss_of(model, x, y)
    source = network_graph(L).source
    count = 0
    for l, layer in enumerate(model.layers, 1):
        for i, neuron in enumerate(layer.neurons, 1):
            for j, w in enumerate(neuron.w, 1):
                src = f"X{j}" if l == 1 else f"N{l - 1}_{j}"
                label = label_of(attrs_of(source, f"{src} -> N{l}_{i}"))
                name = f"w<sub>{i}{j}</sub><sup>({l})</sup>"
                assert name == html(w.label)  # the lecture's name, as nn gives it
                assert number_after(label, name) == number_text(w.data)
                assert number_after(label, "∂L/∂w") == number_text(w.grad)
                count += 1
    assert count == sum(len(n.w) for layer in model.layers for n in layer.neurons)
    assert source.count("∂L/∂w = ") == count  # one arrow per weight, and no other


@pytest.mark.parametrize("case", CASES)
def test_every_neuron_shows_z_a_and_delta_equal_to_the_delta_rule(case):
    model, x, y = CASES[case]()
    L, _ = loss_of(model, x, y)
    view = nn.deltas(model, x, y, loss="mse")
    source = network_graph(L).source
    for l, layer in enumerate(model.layers, 1):
        for i, neuron in enumerate(layer.neurons, 1):
            label = label_of(attrs_of(source, f"N{l}_{i}"))
            z, a, delta = view.z[l - 1][i - 1], view.a[l - 1][i - 1], view.delta[l - 1][i - 1]
            for name, truth in ((unit("z", l, i), z), (unit("a", l, i), a), (unit("δ", l, i), delta)):
                shown = number_after(label, name)
                # 4 significant digits of the independent truth (the delta rule on plain lists).
                assert as_float(shown) == pytest.approx(truth, rel=6e-4, abs=1e-12), (name, shown, truth)
            assert as_float(number_after(label, unit("a", l, i))) == pytest.approx(math.tanh(z) if
                                                                                  layer.activation == "tanh"
                                                                                  else 1 / (1 + math.exp(-z)),
                                                                                  rel=6e-4)
            if neuron.b is not None:
                assert number_after(label, unit("b", l, i)) == number_text(neuron.b.data)
                assert number_after(label, "∂L/∂b") == number_text(neuron.b.grad)
                assert as_float(number_after(label, "∂L/∂b")) == pytest.approx(delta, rel=6e-4)
            else:
                assert "<sub>" + str(i) + "</sub><sup>(" + str(l) + ")</sup> = " in label
                assert "b<sub>" not in label and "∂L/∂b" not in label


def test_the_homework_delta_by_hand():
    # δ⁽²⁾ = 2(a − y) · a(1 − a) for a sigmoid output under (a − y)²; δ⁽¹⁾ᵢ = w⁽²⁾₁ᵢ δ⁽²⁾ (1 − (a⁽¹⁾ᵢ)²).
    model, x, y = homework(bias=False)
    (w11, w12), (w21, w22) = [[w.data for w in n.w] for n in model.layers[0].neurons]
    v1, v2 = [w.data for w in model.layers[1].neurons[0].w]
    h1, h2 = math.tanh(w11 * x[0] + w12 * x[1]), math.tanh(w21 * x[0] + w22 * x[1])
    a = 1 / (1 + math.exp(-(v1 * h1 + v2 * h2)))
    d2 = 2 * (a - y) * a * (1 - a)
    d1 = [v1 * d2 * (1 - h1 * h1), v2 * d2 * (1 - h2 * h2)]
    L, _ = loss_of(model, x, y)
    source = network_graph(L).source
    assert number_after(label_of(attrs_of(source, "N2_1")), unit("δ", 2, 1)) == number_text(d2)
    for i in (1, 2):
        assert number_after(label_of(attrs_of(source, f"N1_{i}")), unit("δ", 1, i)) == number_text(d1[i - 1])
    # The loss box: L = (a − y)², and ∂L/∂a = 2(a − y), where the delta rule starts.
    loss = label_of(attrs_of(source, "L"))
    assert number_after(loss, "∂L/∂" + unit("a", 2, 1)) == number_text(2 * (a - y))
    assert number_after(loss, "<td>L") == number_text((a - y) ** 2)


def test_a_network_with_several_outputs_has_one_arrow_from_each_into_the_loss():
    model, x, y = delta_rule()
    L, out = loss_of(model, x, y)
    source = network_graph(L).source
    loss = label_of(attrs_of(source, "L"))
    for i, a in enumerate(out, 1):
        # mse over 2 outputs: ∂L/∂aᵢ = 2(aᵢ − yᵢ)/2.
        shown = number_after(loss, "∂L/∂" + unit("a", 3, i))
        assert as_float(shown) == pytest.approx(a.data - y[i - 1], rel=6e-4)
        attrs_of(source, f"N3_{i} -> L")
    assert len(re.findall(r"^\t\S+ -> L\b", source, flags=re.M)) == 2


def test_the_ids_are_stable_and_exactly_as_documented():
    model, x, y = delta_rule()
    L, _ = loss_of(model, x, y)
    source = network_graph(L, element_ids=True).source
    ids = set(re.findall(r"\bid=(\w+)", source))
    expected = {"L"} | {f"X{j}" for j in (1, 2, 3)}
    sizes = (3, 4, 3, 2)
    for l in (1, 2, 3):
        for i in range(1, sizes[l] + 1):
            expected.add(f"N{l}_{i}")
            expected |= {f"W{l}_{i}_{j}" for j in range(1, sizes[l - 1] + 1)}
    assert ids == expected and len(expected) == 1 + 3 + 9 + 30
    assert "id=W2_3_4" in attrs_of(source, "N1_4 -> N2_3")
    assert "id=" not in network_graph(L).source
    assert network_graph(L, element_ids=True).source == source  # the same graph, the same text
    for name in ("N{l}_{i}", "X{j}", "W{l}_{i}_{j}", "``L``"):
        assert name in network_module.__doc__
    # Each drawn Value's id, for a page that follows a Value.
    net = find_network(L)
    by_value = net.element_ids()
    assert set(by_value.values()) == expected
    assert by_value[model.layers[1].neurons[2].w[3]] == "W2_3_4" and by_value[L] == "L"
    assert by_value[net.inputs[2]] == "X3"
    n = net.neuron(2, 3)
    assert by_value[n.z] == by_value[n.a] == by_value[model.layers[1].neurons[2].b] == "N2_3"


def test_before_backward_no_gradient_is_shown():
    model, x, y = homework(bias=True)
    L, _ = loss_of(model, x, y, backward=False)
    source = network_graph(L, show_grad=False).source
    assert "δ" not in source.replace("δ = ∂L/∂z", "") and "∂L/∂" not in source.replace("δ = ∂L/∂z", "")
    assert number_after(label_of(attrs_of(source, "N1_1")), unit("b", 1, 1)) == number_text(0.1)


def test_the_exact_numbers_are_in_the_tooltips():
    model, x, y = delta_rule()
    L, _ = loss_of(model, x, y)
    source = network_graph(L, slide=True).source
    w = model.layers[2].neurons[1].w[0]
    assert f"data = {w.data!r}, grad = {w.grad!r}" in attrs_of(source, "N2_1 -> N3_2")
    neuron = attrs_of(source, "N1_3")
    b = model.layers[0].neurons[2].b
    assert f"b⁽¹⁾₃: data = {b.data!r}, grad = {b.grad!r}" in neuron and "z⁽¹⁾₃: data = " in neuron
    assert f"x1: data = {x[0]!r}" in attrs_of(source, "X1")


def test_the_slide_look_writes_three_significant_digits():
    model, x, y = delta_rule()
    L, _ = loss_of(model, x, y)
    source = network_graph(L, slide=True).source
    w = model.layers[0].neurons[1].w[2]
    label = label_of(attrs_of(source, "X3 -> N1_2"))
    assert number_after(label, html(w.label)) == number_text(w.data, ".3g")
    assert number_after(label, "∂L/∂w") == number_text(w.grad, ".3g")
    assert 'ratio=0.5625' in source
    custom = network_graph(L, number=lambda v: f"{v:.1f}").source
    assert number_after(label_of(attrs_of(custom, "X3 -> N1_2")), html(w.label)) == f"{w.data:.1f}"


def test_given_values_and_gradients_are_shown_and_missing_ones_are_a_question_mark():
    model, x, y = homework()
    L, _ = loss_of(model, x, y, backward=False)
    net = find_network(L)
    n = net.neuron(1, 2)
    source = network_graph(L, grads={n.z: 0.25}, values={n.z: -1.5}).source
    label = label_of(attrs_of(source, "N1_2"))
    assert number_after(label, unit("z", 1, 2)) == number_text(-1.5)
    assert number_after(label, unit("δ", 1, 2)) == "0.25"
    assert number_after(label, unit("a", 1, 2)) == "?"
    # Not known yet: a question mark keeping the room of the number to come, without giving it away.
    hidden = re.search(re.escape(unit("a", 1, 2)) + r' = \?<font color="transparent">([^<]*)</font>', label)
    shape = number_text(n.a.data)
    assert hidden and hidden.group(1) == re.sub("[0-9]", "0", shape[1:]) and len(shape) > 2


def test_mark_and_highlight_paint_red():
    model, x, y = homework()
    L, _ = loss_of(model, x, y)
    net = find_network(L)
    w = net.neuron(1, 2).weights[0]
    marked = network_graph(L, mark=[w, net.neuron(2, 1).a]).source
    assert "#dc2626" in attrs_of(marked, "X1 -> N1_2") and "#dc2626" in attrs_of(marked, "N2_1")
    assert "#dc2626" not in attrs_of(marked, "X1 -> N1_1")
    lit = network_graph(L, highlight=w).source
    # The paths of ∂L/∂w: its own arrow, its neuron, on to the output and the loss; nothing else.
    for statement in ("X1 -> N1_2", "N1_2", "N1_2 -> N2_1", "N2_1", "N2_1 -> L", "L"):
        assert "#dc2626" in attrs_of(lit, statement), statement
    for statement in ("X1 -> N1_1", "X2 -> N1_2", "N1_1", "N1_1 -> N2_1", "X1"):
        assert "#dc2626" not in attrs_of(lit, statement), statement
    # From an input: every arrow out of it and everything after.
    lit = network_graph(L, highlight=net.inputs[1]).source
    for statement in ("X2", "X2 -> N1_1", "X2 -> N1_2", "N1_1 -> N2_1", "L"):
        assert "#dc2626" in attrs_of(lit, statement), statement
    assert "#dc2626" not in attrs_of(lit, "X1 -> N1_1")
    with pytest.raises(ValueError, match="not part of the graph"):
        network_graph(L, highlight=Value(1.0))
    with pytest.raises(ValueError, match="mark"):
        network_graph(L, mark=[Value(1.0)])
    with pytest.raises(ValueError, match="mark"):
        network_graph(L, mark=["w"])
    # What draw(mark=...) takes: a product w·x is the weight's arrow, a pair marks its result,
    # a step of the loss is the loss.
    product = next(u for u in _users(L, w) if u.op == "*")
    squared = L.inputs[0]  # (a − y) in (a − y)²
    marked = network_graph(L, mark=[product, (net.neuron(1, 1).z, 0), squared]).source
    for statement in ("X1 -> N1_2", "N1_1", "L"):
        assert "#dc2626" in attrs_of(marked, statement), statement
    for statement in ("X2 -> N1_2", "N1_2", "N2_1"):
        assert "#dc2626" not in attrs_of(marked, statement), statement


def test_a_linear_output_and_a_lone_layer():
    model = nn.MLP(2, [3, 1], activation="relu", seed=1)
    L, out = loss_of(model, [0.3, -0.7], 0.5)
    net = find_network(L)
    assert net.neuron(2, 1).z is net.neuron(2, 1).a is out and net.neuron(2, 1).activation == "linear"
    label = label_of(attrs_of(network_graph(L).source, "N2_1"))
    assert f"<td>{unit('z', 2, 1)} = {html(out.label)}</td><td>= {number_text(out.data)}</td>" in \
        label.replace("</tr><tr>", "")
    assert number_after(label, unit("δ", 2, 1)) == number_text(out.grad)  # δ = ∂L/∂z, and z is a
    layer = nn.Layer(3, 2, activation="sigmoid", seed=2)
    L, out = loss_of(layer, [0.1, 0.2, -0.3], [1.0, 0.0])
    net = find_network(L)
    assert net.sizes == (3, 2) and [n.a for n in net.layers[0]] == out


def test_a_graph_not_made_by_a_network_is_refused_saying_what_to_draw():
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(1.0, label="c")
    with pytest.raises(NotANetworkError, match=r"nn model.*draw\(L\).*summarize=True"):
        network_graph(a * b + c)
    assert issubclass(NotANetworkError, ValueError)
    # A lone nn.Neuron has no place in a network: its weights carry no site.
    with pytest.raises(NotANetworkError, match="nn model"):
        find_network(nn.mse_loss([nn.Neuron(2, seed=0)([1.0, 2.0])], [0.0]))
    with pytest.raises(TypeError, match="expected a Value"):
        find_network(3.0)


def test_a_loss_over_two_samples_is_refused():
    model, x, y = homework()
    L = nn.mse_loss([model(x), model([0.2, 0.9])], [y, 0.0])
    with pytest.raises(NotANetworkError, match=r"one sample.*computed 2 times.*summarize=True"):
        network_graph(L)


def test_the_networks_output_itself_is_refused_as_a_root():
    model, x, _ = homework()
    with pytest.raises(NotANetworkError, match="loss"):
        network_graph(model(x))
    linear = nn.MLP(2, [2, 1], activation="tanh", seed=0)  # the output is the sum itself
    with pytest.raises(NotANetworkError, match="network's output itself"):
        network_graph(linear([0.5, 0.25]))


def test_layers_wired_other_than_a_network_are_refused():
    model, x, y = homework()
    h1, h2 = model.layers[0](x)
    swapped = model.layers[1]([h2, h1])  # w⁽²⁾₁₁ now scales a⁽¹⁾₂
    with pytest.raises(NotANetworkError, match=r"w⁽²⁾₁₁ \(layer 2, neuron 1, input 1\) does not scale the "
                                               r"activation of neuron 1 of layer 1"):
        find_network(nn.mse_loss([swapped], [y]))


def test_two_models_in_one_graph_are_refused():
    first, x, y = homework()
    second, _, _ = homework()
    L = nn.mse_loss([first(x)], [y]) + nn.mse_loss([second(x)], [y])
    with pytest.raises(NotANetworkError, match="more than one model"):
        find_network(L)


def test_no_dotted_key_anywhere():
    text = Path(network_module.__file__).read_text(encoding="utf-8")
    dotted = re.compile(r"(layers|neurons)\.(\d|\{)")
    assert not dotted.search(text)
    model, x, y = delta_rule()
    L, _ = loss_of(model, x, y)
    for slide in (False, True):
        source = network_graph(L, slide=slide).source
        assert not dotted.search(source)


# ----------------------------------------------------------------------
# Rendered


def renderer_or_skip(name=None):
    try:
        return find_renderer(name)[0]
    except RendererNotFoundError:
        pytest.skip("no Graphviz renderer installed")


def test_a_pass_half_done_keeps_the_layout_of_the_finished_one():
    renderer = renderer_or_skip("dot")
    model, x, y = delta_rule()
    L, _ = loss_of(model, x, y)
    net = find_network(L)
    late = {n.z for n in net.layers[-1]} | {L}

    def layout(**numbers):
        plain = Drawing(network_graph(L, slide=True, **numbers), 0, False, renderer).pipe("plain")
        return [line.split()[:6] for line in plain.decode().splitlines() if line.startswith("node")]

    full, half = layout(), layout(grads={v: v.grad for v in late})
    assert [row[:2] for row in half] == [row[:2] for row in full]
    # Graphviz measures "?" a little narrower than a digit (2 pt at 20 pt), and the slide's 16:9
    # stretch adds up such differences from column to column: within 1% of the picture's width.
    width = max(float(row[2]) + float(row[4]) / 2 for row in full)
    for a, b in zip(full, half):
        assert [float(t) for t in b[2:]] == pytest.approx([float(t) for t in a[2:]], abs=0.01 * width), a[1]


@pytest.mark.parametrize("slide", [False, True])
def test_the_svg_renders_with_every_id(slide):
    renderer = renderer_or_skip("dot")
    model, x, y = delta_rule()
    L, _ = loss_of(model, x, y)
    svg = Drawing(network_graph(L, slide=slide, element_ids=True), 0, False, renderer).svg()
    for name in ("L", "X1", "X3", "N1_4", "N3_2", "W1_1_1", "W2_3_4", "W3_2_3"):
        assert f'id="{name}"' in svg
    # w_{12}^{(1)} drawn with real scripts, not as markup.
    assert 'baseline-shift="sub"' in svg and 'baseline-shift="super"' in svg and "_{" not in svg
    box = re.search(r'viewBox="[\d.\-]+ [\d.\-]+ ([\d.]+) ([\d.]+)"', svg)
    width, height = float(box.group(1)), float(box.group(2))
    if slide:
        assert width / height == pytest.approx(16 / 9, rel=0.02)


def test_the_png_renders():
    renderer = renderer_or_skip("dot")
    model, x, y = homework(bias=True)
    L, _ = loss_of(model, x, y)
    png = Drawing(network_graph(L, slide=True), 0, False, renderer).pipe("png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width / height == pytest.approx(16 / 9, rel=0.02)


SVG_TEXT = re.compile(r"<text\b([^>]*)>([^<]*)</text>")


def scripts_and_their_letters(svg: str):
    """Each script's SVG text after its letter: (letter's size, script's size, script, the text after)."""
    texts = [(dict(re.findall(r'([\w-]+)="([^"]*)"', a)), body) for a, body in SVG_TEXT.findall(svg)]
    found = []
    for k, (attrs, body) in enumerate(texts):
        if "baseline-shift" in attrs and "baseline-shift" not in texts[k - 1][0]:
            base = texts[k - 1][0]
            after = texts[k + 1] if k + 1 < len(texts) else ({}, "")
            if "baseline-shift" in after[0]:  # a subscript and then a superscript on one letter
                after = texts[k + 2] if k + 2 < len(texts) else ({}, "")
            found.append((float(base["font-size"]), float(attrs["font-size"]), body, after[1]))
    return found


@pytest.mark.parametrize("renderer", ["dot", "graphviz-pure"])
@pytest.mark.parametrize("slide", [False, True])
def test_scripts_are_smaller_than_their_letter_and_a_space_after_them_stays(renderer, slide):
    renderer = renderer_or_skip(renderer)
    model, x, y = homework(bias=True)
    L, _ = loss_of(model, x, y)
    svg = Drawing(network_graph(L, slide=slide), 0, False, renderer).svg()
    found = scripts_and_their_letters(svg)
    assert len(found) >= 20
    for size, small, body, _ in found:
        # TeX's 7 pt on 10 pt: a script laid out at its letter's size stands apart from it in a browser.
        assert small == round(0.7 * size), (body, size, small)
    # " = 1.05" after z₁⁽²⁾: an SVG text's leading space is dropped by a browser, a no-break space is not.
    rows = [after for *_, after in found if after.strip().startswith("=")]
    assert rows and all(not r.startswith(" ") for r in rows), rows
