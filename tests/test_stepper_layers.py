"""The stepper's layer view: an MLP on one sample, a whole layer per step, checked against nn.deltas.

nn.deltas computes z, a, δ, ∂L/∂W and ∂L/∂b by the matrix formulas on plain
lists; the layer view reads them off the graph and its explanation. The two
must agree, and each δᵢ must open into the scalar steps of the lesson that
end at ∂L/∂zᵢ.
"""

import html
import re

import pytest
from lecture_networks import delta_rule, homework

import nn
from autograd import Parameter, Value, explain
from autograd.views.network import NotANetworkError
from autograd.views.quiz import board_number
from autograd.views.stepper import StepperOptions, _lesson

FIXTURES = {
    "homework without bias": lambda: homework(bias=False),
    "homework with bias": lambda: homework(bias=True),
    "delta rule 3-4-3-2": delta_rule,
}


def loss_of(model, x, y):
    # As demos/homework.py: one sample's loss from nn.losses (one term, labelled L).
    return nn.mse_loss([model(x)], [y])


def layer_lesson(root, **options):
    opts = StepperOptions(layers=True, max_nodes=None, **options)
    lesson, explanation, _ = _lesson(root, opts.fmt, opts.grad, opts.max_nodes, opts.lr, opts.parameters,
                                     opts.layers)
    return lesson, explanation


@pytest.fixture(params=list(FIXTURES), ids=list(FIXTURES))
def case(request):
    model, x, y = FIXTURES[request.param]()
    L = loss_of(model, x, y)
    return model, x, y, L


def test_one_step_per_layer_forward_then_backward_from_the_output(case):
    model, x, y, L = case
    lesson, _ = layer_lesson(L)
    count = len(model.layers)
    kinds = [(s["kind"], s["layer"]) for s in lesson["steps"]]
    assert kinds == ([("layer_forward", l) for l in range(1, count + 1)]
                     + [("layer_backward", l) for l in range(count, 0, -1)])
    assert lesson["layers"] == [len(layer.neurons) for layer in model.layers]


def test_the_numbers_are_those_of_the_delta_rule(case):
    model, x, y, L = case
    lesson, _ = layer_lesson(L)
    truth = nn.deltas(model, x, y, loss="mse")
    forward = [s for s in lesson["steps"] if s["kind"] == "layer_forward"]
    backward = {s["layer"]: s for s in lesson["steps"] if s["kind"] == "layer_backward"}
    for l, s in enumerate(forward):
        assert s["z"] == pytest.approx(truth.z[l], rel=1e-12, abs=1e-14)
        assert s["a"] == pytest.approx(truth.a[l], rel=1e-12, abs=1e-14)
    for l in range(len(model.layers)):
        s = backward[l + 1]
        assert s["delta"] == pytest.approx(truth.delta[l], rel=1e-12, abs=1e-14)
        assert s["slope"] == pytest.approx(truth.slope[l], rel=1e-12, abs=1e-14)
        for row, expected in zip(s["grad_W"], truth.grad_W[l]):
            assert row == pytest.approx(expected, rel=1e-12, abs=1e-14)
        if truth.grad_b[l] is None:
            assert s["grad_b"] is None
        else:
            assert s["grad_b"] == pytest.approx(truth.grad_b[l], rel=1e-12, abs=1e-14)


def test_the_gradients_are_the_engines_bit_for_bit(case):
    model, x, y, L = case
    lesson, _ = layer_lesson(L)
    for p in model.parameters():
        p.grad = 0.0
    L.backward()
    backward = {s["layer"]: s for s in lesson["steps"] if s["kind"] == "layer_backward"}
    for l, layer in enumerate(model.layers, start=1):
        s = backward[l]
        assert s["grad_W"] == [[w.grad for w in n.w] for n in layer.neurons]
        if layer.bias:
            assert s["grad_b"] == [n.b.grad for n in layer.neurons]
        # δᵢ is the gradient of the neuron's sum zᵢ, as backward leaves it.
        sums = [d["node"] for d in s["deltas"]]
        order = explain(L).order
        assert [order[i].label for i in sums] == [f"z_{{{i}}}^{{({l})}}" for i in range(1, len(sums) + 1)]
        assert [d["value"] for d in s["deltas"]] == [order[i].grad for i in sums]


def test_each_delta_opens_into_the_delta_rule_in_the_lectures_names(case):
    model, x, y, L = case
    lesson, explanation = layer_lesson(L)
    truth = nn.deltas(model, x, y, loss="mse")
    count = len(model.layers)
    outputs = truth.a[-1]

    def n(v):
        return board_number(v, None)

    def bracketed(v):
        return f"({n(v)})" if v < 0 else n(v)

    for s in (s for s in lesson["steps"] if s["kind"] == "layer_backward"):
        l = s["layer"]
        for i, d in enumerate(s["deltas"], start=1):
            steps, delta = d["steps"], truth.delta[l - 1][i - 1]
            assert len(d["steps_html"]) == len(steps)
            # No engine names (t3, t17) and no Python: the lecture's z, a, δ and w only.
            assert not any(re.search(r"\bt\d|\*\*|\+=|(?<![∂/])-", t) for t in steps), steps
            a_name = f"a⁽{sup(l)}⁾{sub(i)}"
            if l == count:
                # The loss's slope: the mean squared error's 2(aᵢ − yᵢ)/n, by hand.
                slope_of_loss = 2 * (outputs[i - 1] - y_list(y)[i - 1]) / len(outputs)
                assert steps[0].startswith(f"∂L/∂{a_name} = {n(slope_of_loss)}")
                upstream = slope_of_loss
            else:
                above = truth.delta[l]
                weights = [neuron.w[i - 1].data for neuron in model.layers[l].neurons]
                for k, (dk, w) in enumerate(zip(above, weights), start=1):
                    z_k = f"z⁽{sup(l + 1)}⁾{sub(k)}"
                    assert steps[k - 1] == (
                        f"via {z_k}: ∂L/∂{z_k} · ∂{z_k}/∂{a_name} = δ⁽{sup(l + 1)}⁾{sub(k)} · "
                        f"w⁽{sup(l + 1)}⁾{sub(k)}{sub(i)} = {bracketed(dk)} · {bracketed(w)} = {n(dk * w)}"
                    )
                upstream = sum(dk * w for dk, w in zip(above, weights))
                assert steps[len(above)].startswith(f"∂L/∂{a_name} = ")
                assert steps[len(above)].endswith(f" = {n(upstream)}")
            # Then δᵢ = ∂L/∂aᵢ · g′(zᵢ), tanh's or σ's slope written from aᵢ.
            a = truth.a[l - 1][i - 1]
            g = truth.activation[l - 1]
            slope = {"tanh": 1 - a * a, "sigmoid": a * (1 - a)}[g]
            formula = {"tanh": f"(1 − ({a_name})²)", "sigmoid": f"{a_name} (1 − {a_name})"}[g]
            assert steps[-1] == (
                f"δ⁽{sup(l)}⁾{sub(i)} = ∂L/∂{a_name} · ∂{a_name}/∂z⁽{sup(l)}⁾{sub(i)} = "
                f"{bracketed(upstream)} · {formula} = {bracketed(upstream)} · {bracketed(slope)} = {n(delta)}"
            )
            assert upstream * slope == pytest.approx(delta, rel=1e-12)
            assert d["value_text"] == n(delta)


def sup(k):
    return str(k).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def sub(k):
    return str(k).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def y_list(y):
    return list(y) if isinstance(y, (list, tuple)) else [y]


def test_the_equations_are_written_in_the_lectures_notation():
    model, x, y = homework(bias=True)
    lesson, _ = layer_lesson(loss_of(model, x, y))
    first, second, back2, back1 = lesson["steps"]
    assert first["text"].splitlines() == [
        "a⁽⁰⁾ = x = [1.5, −0.5]",
        "z⁽¹⁾ = W⁽¹⁾ a⁽⁰⁾ + b⁽¹⁾ = [0.5, −0.4; 0.3, 0.8] [1.5, −0.5] + [0.1, −0.2] = [1.05, −0.15]",
        "a⁽¹⁾ = tanh(z⁽¹⁾) = [0.7818, −0.1489]",
    ]
    assert second["text"].splitlines()[1] == "a⁽²⁾ = σ(z⁽²⁾) = [0.7684]"
    assert second["text"].splitlines()[2].startswith("L = 0.05")
    assert back2["text"].startswith("δ⁽²⁾ = ∇ₐL ⊙ g′(z⁽²⁾) = ")
    assert back1["text"].startswith("δ⁽¹⁾ = (W⁽²⁾)ᵀ δ⁽²⁾ ⊙ g′(z⁽¹⁾) = ")
    assert "∂L/∂W⁽¹⁾ = δ⁽¹⁾ (a⁽⁰⁾)ᵀ = " in back1["text"] and "∂L/∂b⁽¹⁾ = δ⁽¹⁾ = " in back1["text"]
    every = "\n".join(s["text"] for s in lesson["steps"])
    assert "-" not in every  # the true minus sign only
    # The page's HTML has real sub- and superscripts and escapes everything else.
    assert "δ<sup>(1)</sup>" in back1["html"] and "<script" not in back1["html"]
    assert [d["html"] for d in back1["deltas"]] == [f"δ<sub>{i}</sub><sup>(1)</sup>" for i in (1, 2)]


def test_the_picture_ids_follow_the_layers():
    model, x, y = homework(bias=False)
    lesson, _ = layer_lesson(loss_of(model, x, y))
    f1, f2, b2, b1 = lesson["steps"]
    assert f1["neurons"] == ["N1_1", "N1_2"] and f2["neurons"] == ["N2_1"]
    assert f1["edges"] == ["W1_1_1", "W1_1_2", "W1_2_1", "W1_2_2"]
    assert b2["neurons"] == ["N2_1"] and b1["neurons"] == ["N1_1", "N1_2"]
    # Backward into layer 1 carries δ⁽²⁾ back along the weights of layer 2.
    assert b1["edges"][:2] == ["W2_1_1", "W2_1_2"]


def test_each_value_becomes_known_once_and_gets_its_gradient_once(case):
    _, _, _, L = case
    lesson, explanation = layer_lesson(L)
    order = explanation.order
    known = [i for s in lesson["steps"] if s["kind"] == "layer_forward" for i in s["known"]]
    assert sorted(known) == [i for i, v in enumerate(order) if v.inputs]
    graded = [g[0] for s in lesson["steps"] if s["kind"] == "layer_backward" for g in s["grads"]]
    assert len(graded) == len(set(graded))
    params = {i for i, v in enumerate(order) if isinstance(v, Parameter)}
    assert params <= set(graded)
    for s in lesson["steps"]:
        for i, total, _ in s.get("grads", []):
            assert total == explanation.gradients[order[i]]


def test_the_layers_come_from_the_structure_not_the_labels():
    model, x, y = delta_rule()
    truth = nn.deltas(model, x, y, loss="mse")
    for p in model.parameters():
        p.label = "p"
    lesson, _ = layer_lesson(loss_of(model, x, y))
    assert lesson["layers"] == [4, 3, 2]
    backward = [s for s in lesson["steps"] if s["kind"] == "layer_backward"]
    assert [s["delta"] for s in reversed(backward)] == [pytest.approx(d, rel=1e-12) for d in truth.delta]


def test_a_graph_that_is_no_mlp_on_one_sample_is_refused_with_the_way_out():
    a, b = Value(2.0, "a"), Value(3.0, "b")
    with pytest.raises(NotANetworkError) as no_network:
        layer_lesson(a * b + a)
    message = str(no_network.value)
    assert message.startswith("stepper(layers=True): expected the loss of an nn MLP on one sample")
    assert "has no such weight" in message  # what was given
    assert "The default stepper (layers=False) steps through any graph" in message
    model, x, y = homework()
    two = nn.mse_loss([model(x), model([0.5, 0.5])], [y, 0.0])
    with pytest.raises(NotANetworkError, match=r"one sample.*computed 2 times.*default stepper"):
        layer_lesson(two)


def test_the_option_is_checked():
    with pytest.raises(TypeError, match=r"stepper\(layers=...\): expected True or False, got 'yes'"):
        StepperOptions(layers="yes")
    with pytest.raises(ValueError, match="the layer view asks no questions"):
        StepperOptions(layers=True, quiz=True)


def test_the_pictures_numbers_are_tagged_with_the_values_they_show(case):
    pytest.importorskip("graphviz")
    from autograd import RendererNotFoundError
    from autograd.views.draw import find_renderer
    from autograd.views.naming import number_text
    from autograd.views.stepper import stepper_fragment

    try:
        find_renderer()
    except RendererNotFoundError:
        pytest.skip("no Graphviz renderer installed")
    model, x, y, L = case
    page = stepper_fragment(L, layers=True)
    order = explain(L).order
    gradients = explain(L).gradients
    tagged = re.findall(r'<text data-cr-(data|grad)="(\d+)"[^>]*>([^<]*)</text>', page)
    sizes = [len(layer.neurons) for layer in model.layers]
    weights = sum(len(n.w) for layer in model.layers for n in layer.neurons)
    biases = sum(1 for layer in model.layers for n in layer.neurons if n.b is not None)
    # x, z, a, δ per neuron, w and ∂L/∂w per weight, b and ∂L/∂b per bias, L and ∂L/∂a per output.
    assert len(tagged) == len(x) + 3 * sum(sizes) + 2 * weights + 2 * biases + 1 + sizes[-1]
    for kind, i, text in tagged:
        v = order[int(i)]
        number = v.data if kind == "data" else gradients[v]
        assert html.unescape(text).endswith(f"= {number_text(number)}"), (kind, v.label, text)
