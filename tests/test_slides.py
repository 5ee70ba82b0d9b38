"""Drawings for a classroom: the slide style, the legend, arrows told apart, roles, summaries, notebooks."""

import re

import pytest

pytest.importorskip("graphviz")

from autograd import Parameter, Value, draw, explain  # noqa: E402
from autograd.views.draw import fit_width  # noqa: E402
from autograd.views.naming import number_text  # noqa: E402


def nodes(source):
    found = dict(re.findall(r"^\t(\w+) \[(.*)\]$", source, flags=re.M))
    return {k: v for k, v in found.items() if k not in ("graph", "node", "edge")}


def edges(source):
    return re.findall(r"^\t(\w+):?(?:\w+)? -> (\w+)(?::(\w+))? \[(.*)\]$", source, flags=re.M)


def arrows(source):
    """{(tail, head): attribute text} of the arrows, ports ignored."""
    return {(t, h): a for t, h, a in re.findall(r"^\t(\w+) -> (\w+) \[(.*)\]$", source, flags=re.M)}


def neuron():
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    b = Value(6.88, label="b")
    n = x1 * w1 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o, x1, w1, b


def font_sizes(source, kind):
    return [float(x) for x in re.findall(rf"^\t{kind} \[.*fontsize=(\d+(?:\.\d+)?)", source, flags=re.M)]


# ----------------------------------------------------------------------
# The slide style


def test_slide_text_is_large_enough_for_a_projector():
    o, *_ = neuron()
    source = draw(o, style="slide", edge_labels=True).source
    assert min(font_sizes(source, "node")) >= 18
    assert min(font_sizes(source, "edge")) >= 16
    # No node or edge of its own asks for smaller text.
    own = [float(x) for x in re.findall(r"^\tv\w* \[.*fontsize=(\d+)", source, flags=re.M)]
    assert own and min(own) >= 18


def test_slide_boxes_say_value_and_the_gradient_of_the_output_by_name():
    o, x1, w1, b = neuron()
    source = draw(o, style="slide").source
    # 3 significant digits: tanh(0.88) = 0.70642..., ∂o/∂w1 = 2 (1 - o²) = 1.00199...
    assert f"value {o.data:.3g}" in source and "value 0.706" in source
    assert f"∂o/∂w1 = {w1.grad:.3g}" in source and "∂o/∂o = 1" in source
    assert "data " not in source and "grad " not in source


def test_slide_edge_labels_give_the_formula_then_the_number():
    o, x1, w1, b = neuron()
    source = draw(o, style="slide", edge_labels=True).source
    # ∂(x1·w1)/∂w1 = x1 = 2, and ∂tanh(n)/∂n = 1 − o²
    assert 'label="x1 = 2"' in source
    assert f'label="1 − o² = {1 - o.data ** 2:.3g}"' in source


def test_an_unknown_style_names_the_choices():
    o, *_ = neuron()
    with pytest.raises(ValueError, match="'default', 'slide'.*did you mean 'slide'"):
        draw(o, style="slides")


@pytest.mark.parametrize("style", ["default", "slide"])
def test_the_legend_names_every_colour_used(style):
    o, x1, w1, b = neuron()
    source = draw(o, style=style, parameters=[w1]).source
    legend = nodes(source)["legend"]
    fills = {re.search(r'fillcolor="([^"]+)"', v).group(1) for k, v in nodes(source).items()
             if k.startswith("v") and "fillcolor" in v and not k.endswith("op")}
    cells = dict(re.findall(r'bgcolor="([^"]+)"[^>]*>(\w+)<', legend))
    assert set(cells) == fills
    assert {cells[c] for c in fills} == {"input", "parameter", "result", "output"}


def test_the_legend_says_what_red_means():
    o, x1, w1, b = neuron()
    assert "paths of ∂o/∂w1" in nodes(draw(o, highlight=w1).source)["legend"]


def test_the_legend_can_be_left_out():
    o, *_ = neuron()
    assert "legend" not in draw(o, legend=False).source


def test_default_numbers_are_written_as_explain_writes_them():
    o, x1, w1, b = neuron()
    source = draw(o).source
    assert f"grad {number_text(w1.grad)}" in source and f"data {number_text(o.data)}" in source
    assert "data 0.7064" in source
    assert "data 6.880" not in source and "-0 " not in source


# ----------------------------------------------------------------------
# Arrows that can be told apart


def test_the_two_arrows_into_a_product_arrive_on_opposite_sides_with_their_own_labels():
    o, x1, w1, b = neuron()
    source = draw(o, edge_labels=True).source
    into = [(t, a) for (t, h), a in arrows(source).items() if h == "v2op"]  # x1 * w1
    assert sorted(a.split("headport=")[1] for _, a in into) == ["n", "s"]
    labels = {t: re.search(r"label=\"?([^\" ]+)", a).group(1) for t, a in into}
    assert labels == {"v0": number_text(w1.data), "v1": number_text(x1.data)}  # ∂(x1·w1)/∂x1 = w1


@pytest.mark.parametrize("make, locals_", [
    (lambda a, b: a - b, ("1", "−1")),
    (lambda a, b: a / b, (number_text(1 / 4), number_text(-3 / 16))),
    (lambda a, b: a ** b, (number_text(4 * 3 ** 3), number_text(3 ** 4 * __import__("math").log(3)))),
])
def test_operand_order_is_written_on_the_arrows(make, locals_):
    a, b = Value(3.0, label="a"), Value(4.0, label="b")
    out = make(a, b)
    source = draw(out, edge_labels=True).source
    found = arrows(source)
    assert f'label="1st: {locals_[0]}" headport=n' in found[("v0", "v2op")]
    assert f'label="2nd: {locals_[1]}" headport=s' in found[("v1", "v2op")]
    # Without edge labels the order is still written.
    plain = arrows(draw(out).source)
    assert 'label="1st"' in plain[("v0", "v2op")] and 'label="2nd"' in plain[("v1", "v2op")]


def test_a_product_needs_no_order_marks():
    a, b = Value(3.0, label="a"), Value(4.0, label="b")
    assert "1st" not in draw(a * b).source


# ----------------------------------------------------------------------
# Roles


def test_parameters_are_amber_without_being_passed():
    w = Parameter(0.5, label="w")
    x = Value(2.0, label="x")
    out = w * x
    found = nodes(draw(out).source)
    assert 'fillcolor="#fde68a"' in found["v0"] and 'fillcolor="#dbeafe"' in found["v1"]


def test_nn_weights_and_biases_are_drawn_as_parameters():
    nn = pytest.importorskip("nn")
    neuron = nn.Neuron(2, activation="tanh", seed=0)
    out = neuron([1.0, -2.0])
    source = draw(out).source
    amber = [k for k, v in nodes(source).items() if 'fillcolor="#fde68a"' in v]
    assert len(amber) == len(neuron.parameters()) == 3


@pytest.mark.parametrize("style", ["default", "slide"])
def test_a_constant_shows_its_number_and_no_gradient(style):
    x = Value(3.0, label="x")
    out = x * 2.5
    out.backward()
    found = nodes(draw(out, style=style, grads=explain(out).gradients).source)
    constant = [v for v in found.values() if 'fillcolor="#f3f4f6"' in v]
    assert len(constant) == 1
    assert re.search(r'label=(2\.5|"\{ 2\.5 \}"|"2\.5") ', constant[0])
    assert "grad" not in constant[0] and "∂" not in constant[0]
    # and its arrow carries no local derivative (∂(x·2.5)/∂2.5 = x is nobody's question)
    labelled = arrows(draw(out, edge_labels=True).source)
    assert labelled[("v0", "v2op")].startswith("label=2.5")  # ∂(x·2.5)/∂x = 2.5
    assert "label" not in labelled[("v1", "v2op")]


# ----------------------------------------------------------------------
# Half-done passes (what write_frames draws)


def test_values_not_known_yet_read_a_question_mark():
    o, x1, w1, b = neuron()
    source = draw(o, values={x1: 2.0, w1: -3.0, b: 6.88}, grads={}).source
    assert source.count("data ?") == 3  # x1 * w1, n, o
    assert "data 2 " in source and source.count("grad ?") == 6


def test_a_marked_result_is_red_with_its_operation_and_its_arrows():
    o, x1, w1, b = neuron()
    n = o.inputs[0]
    source = draw(o, mark=[n]).source
    found = nodes(source)
    red = {k for k, v in found.items() if "#dc2626" in v}
    assert red == {"v4", "v4op"}
    red_arrows = {k for k, a in arrows(source).items() if "#dc2626" in a}
    assert red_arrows == {("v4op", "v4")} | {(t, "v4op") for (t, h) in arrows(source) if h == "v4op"}


def test_a_marked_arrow_alone_is_red():
    o, x1, w1, b = neuron()
    t1 = o.inputs[0].inputs[0]
    source = draw(o, mark=[(t1, 1)], edge_labels=[(t1, 1)]).source
    found = arrows(source)
    assert "#dc2626" in found[("v1", "v2op")] and "#dc2626" not in found[("v0", "v2op")]
    # The other arrows keep the room of their labels, drawn in no colour.
    assert 'color="transparent"' in found[("v0", "v2op")] and "transparent" not in found[("v1", "v2op")]


# ----------------------------------------------------------------------
# Summaries


def mlp_loss():
    nn = pytest.importorskip("nn")
    model = nn.MLP(2, [3, 1], activation="tanh", seed=1)
    xs = [[0.5, -1.0], [1.5, 0.25]]
    outs = [model(x) for x in xs]
    loss = nn.mse_loss(outs, [1.0, -1.0])
    loss.backward()
    return model, outs, loss


def summary_boxes(source):
    """{group name: [fields]} of the summary boxes."""
    boxes = {}
    for k, v in nodes(source).items():
        if k.startswith("g"):
            label = re.search(r'label="(.*?)"', v).group(1)
            fields = label.split("\\n")
            boxes[fields[0]] = fields
    return boxes


def test_a_summary_box_shows_its_neurons_output_value_and_gradient():
    model, outs, loss = mlp_loss()
    boxes = summary_boxes(draw(loss, summarize=True).source)
    # The output neuron's last call made outs[-1]: its box shows that node's numbers.
    fields = boxes["neuron 1, layer 2"]
    assert f"data {number_text(outs[-1].data)}" in fields
    assert f"grad {number_text(outs[-1].grad)}" in fields
    assert "output tanh" not in fields  # the output layer is linear here: its output is the sum
    # The loss's divisor, 1/N, is not what the box shows (the old bug showed the constant 2).
    assert "data 2" not in fields


def test_a_summary_keeps_the_loss_outside_the_neurons():
    model, outs, loss = mlp_loss()
    boxes = summary_boxes(draw(loss, summarize=True).source)
    # Output neuron over 2 samples: 3 weights + bias, and per sample 3 products and a sum.
    nin = 3
    assert boxes["neuron 1, layer 2"][1] == f"{nin + 1 + 2 * (nin + 1)} values, {nin + 1} parameters"
    # Hidden neurons over 2 samples: 2 weights + bias; per sample 2 products, sum, tanh.
    assert boxes["neuron 1, layer 1"][1].startswith(f"{3 + 2 * (2 + 1 + 1)} values, 3 parameters")


def test_a_summary_draws_each_input_once_with_an_arrow_to_every_hidden_neuron():
    model, outs, loss = mlp_loss()
    source = draw(loss, summarize=True).source
    found = nodes(source)
    boxes = {k for k, v in found.items() if k.startswith("g") and ", layer 1\\n" in v}
    into_boxes = [(t, h) for t, h in re.findall(r"^\t(\w+) -> (\w+)", source, flags=re.M) if h in boxes]
    inputs = {t for t, _ in into_boxes}
    # The 4 numbers of the two samples [0.5, -1.0] and [1.5, 0.25], each its own box.
    assert sorted(re.search(r'label="\{ (\S+) \}"', found[x]).group(1) for x in inputs) == [
        "0.25", "0.5", "1.5", "−1"]
    assert sorted(into_boxes) == sorted((x, g) for x in inputs for g in boxes)


def test_summary_neurons_are_stacked_in_index_order():
    model, outs, loss = mlp_loss()
    source = draw(loss, summarize=True).source
    ids = {name: k for k, v in nodes(source).items() if k.startswith("g")
           for name in [re.search(r'label="([^\\]+)', v).group(1)]}
    chain = [ids[f"neuron {i + 1}, layer 1"] for i in range(3)]
    block = re.search(r"\{\n\t\trank=same\n(.*?)\t\}", source, flags=re.S).group(1)
    assert f"{chain[0]} -> {chain[1]} [style=invis]" in block
    assert f"{chain[1]} -> {chain[2]} [style=invis]" in block


def test_a_summary_box_of_a_hidden_neuron_shows_its_activation():
    model, outs, loss = mlp_loss()
    h = model.layers[0].neurons[2]
    x = [1.5, 0.25]  # the last sample: the box's output is the newest use
    from autograd import no_grad

    with no_grad():
        expected = h(x).data
    fields = summary_boxes(draw(loss, summarize=True).source)["neuron 3, layer 1"]
    assert "output tanh" in fields and f"data {number_text(expected)}" in fields


# ----------------------------------------------------------------------
# Notebooks


def test_svg_for_a_notebook_scales_to_the_cell_width():
    svg = ('<?xml?>\n<svg width="1200pt" height="300pt"\n viewBox="0.00 0.00 1200.00 300.00" xmlns="x">'
           "\n<g/></svg>")
    fitted = fit_width(svg)
    tag = re.search(r"<svg[^>]*>", fitted).group(0)
    assert 'width="100%"' in tag and 'viewBox="0.00 0.00 1200.00 300.00"' in tag
    assert 'height="300pt"' not in tag and "max-width: min(100%, 1200pt)" in tag
    assert fitted.endswith("<g/></svg>")


def test_an_svg_without_a_viewbox_gets_one():
    tag = re.search(r"<svg[^>]*>", fit_width('<svg width="80pt" height="20pt"></svg>')).group(0)
    assert 'viewBox="0 0 80 20"' in tag


@pytest.mark.parametrize("name", ["dot", "graphviz-pure"])
def test_a_summary_with_its_neurons_in_order_renders(name):
    from autograd import RendererNotFoundError
    from autograd.views.draw import find_renderer

    try:
        find_renderer(name)
    except RendererNotFoundError:
        pytest.skip(f"{name} is not installed")
    model, outs, loss = mlp_loss()
    # Graphviz loses flat arrows between record boxes; the summary's boxes must not be records.
    svg = draw(loss, summarize=True, renderer=name).svg()
    assert "neuron 3, layer 1" in svg
