"""nn.deltas: the delta rule on plain lists, against backward() and against hand formulas."""

from __future__ import annotations

import math
import re
import shutil
import subprocess

import pytest
from lecture_networks import delta_rule, homework, set_weights

import autograd
import nn
from autograd import Value
from nn import MLP, Neuron

REL = 1e-12


def backward_gradients(model, x, y, loss):
    """Each parameter's gradient by loss.backward() on the graph, in named_parameters order."""
    model.zero_grad()
    out = model(x)
    nn.get_loss(loss)([out], [y]).backward()
    return [p.grad for _, p in model.named_parameters()]


def view_gradients(model, view):
    """The layer view's ∂L/∂W and ∂L/∂b, in the order of named_parameters (w.0, w.1, ..., b per neuron)."""
    grads = []
    for l in range(len(view.grad_W)):
        for i, row in enumerate(view.grad_W[l]):
            grads.extend(row)
            if view.grad_b[l] is not None:
                grads.append(view.grad_b[l][i])
    return grads


CASES = {
    "homework without bias": lambda: (*homework(bias=False), "mse"),
    "homework with bias": lambda: (*homework(bias=True), "mse"),
    "delta rule 3-4-3-2": lambda: (*delta_rule(), "mse"),
    "relu, hinge": lambda: (MLP(3, [5, 1], activation="relu", seed=3), [0.4, -1.2, 0.7], -1.0, "hinge"),
    "sigmoid output, bce": lambda: (
        MLP(2, [3, 1], activation="tanh", seed=5), [0.9, -0.3], 1.0, "bce"
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_layer_view_gradients_equal_backward(case):
    model, x, y, loss = CASES[case]()
    view = nn.deltas(model, x, y, loss=loss)
    expected = backward_gradients(model, x, y, loss)
    assert view_gradients(model, view) == pytest.approx(expected, rel=REL, abs=1e-15)


@pytest.mark.parametrize("case", CASES)
def test_layer_view_deltas_are_the_slopes_of_the_loss_at_z(case):
    # An independent graph where each z_i^(l) is a Value of its own: δ = ∂L/∂z by grad().
    model, x, y, loss = CASES[case]()
    view = nn.deltas(model, x, y, loss=loss)
    a = [Value(v) for v in x]
    zs = []
    for layer in model.layers:
        z = [autograd.dot([w.data for w in n.w], a, start=0.0 if n.b is None else n.b.data)
             for n in layer.neurons]
        zs.append(z)
        a = z if layer.activation == "linear" else [getattr(zi, layer.activation)() for zi in z]
    L = nn.get_loss(loss)([a[0] if len(a) == 1 else a], [y])
    flat = autograd.grad(L, [zi for z in zs for zi in z])
    assert [d for layer in view.delta for d in layer] == pytest.approx(flat, rel=REL, abs=1e-15)
    assert view.loss == pytest.approx(L.data, rel=REL)


def test_one_sigmoid_neuron_follows_the_hand_derived_delta():
    # L = (a − y)², a = σ(w x + b): δ = 2(a − y) · a(1 − a), ∂L/∂w = δ x, ∂L/∂b = δ.
    neuron = Neuron(1, activation="sigmoid", seed=0)
    neuron.w[0].data, neuron.b.data = 0.7, -0.2
    x, y = 1.5, 0.25
    a = 1 / (1 + math.exp(-(0.7 * x - 0.2)))
    delta = 2 * (a - y) * a * (1 - a)
    view = nn.deltas(neuron, [x], y, loss="mse")
    assert view.a == [[pytest.approx(a, rel=REL)]]
    assert view.delta == [[pytest.approx(delta, rel=REL)]]
    assert view.grad_W == [[[pytest.approx(delta * x, rel=REL)]]]
    assert view.grad_b == [[pytest.approx(delta, rel=REL)]]


def test_layer_view_leaves_the_parameters_alone():
    model, x, y = homework(bias=True)
    before = [(p.data, p.grad) for p in model.parameters()]
    nn.deltas(model, x, y)
    assert [(p.data, p.grad) for p in model.parameters()] == before


def test_layer_view_of_a_network_without_bias_has_no_bias_gradient():
    model, x, y = homework(bias=False)
    view = nn.deltas(model, x, y)
    assert view.grad_b == [None, None] and view.b == [None, None]


def test_layer_view_text_writes_the_delta_rule_with_its_numbers():
    from autograd.views.naming import number_text

    model, x, y = homework(bias=False)
    view = nn.deltas(model, x, y)
    text = str(view)
    (d2,) = view.delta[1]
    def shown(x):
        return number_text(x).replace("-", "−")

    assert f"δ⁽²⁾ = ∇ₐL ⊙ g′(z⁽²⁾) = [{shown(view.grad_a[0])}] ⊙ [{shown(view.slope[1][0])}]" \
        f" = [{shown(d2)}]" in text
    assert "-" not in text  # true minus signs only
    assert "δ⁽¹⁾ = (W⁽²⁾)ᵀ δ⁽²⁾ ⊙ g′(z⁽¹⁾)" in text
    assert "∂L/∂W⁽¹⁾ = δ⁽¹⁾ (a⁽⁰⁾)ᵀ" in text
    assert "z⁽¹⁾ = W⁽¹⁾ a⁽⁰⁾ = " in text and "+ b⁽¹⁾" not in text  # no biases in this network
    assert "a⁽²⁾ = σ(z⁽²⁾)" in text
    # Forward before backward, and backward from the output layer down.
    assert text.index("a⁽²⁾ =") < text.index("δ⁽²⁾ =") < text.index("δ⁽¹⁾ =")


def test_layer_view_markdown_is_one_item_per_equation():
    model, x, y = homework(bias=True)
    md = nn.deltas(model, x, y).to_markdown()
    items = [line for line in md.splitlines() if line.startswith("- ")]
    # a⁽⁰⁾, then z and a per layer, L; δ, ∂L/∂W, ∂L/∂b per layer.
    assert len(items) == 1 + 2 * 2 + 1 + 3 * 2
    assert "+ b⁽²⁾" in md


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_layer_view_latex_compiles(tmp_path):
    model, x, y = delta_rule()
    body = nn.deltas(model, x, y).to_latex()
    doc = ("\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
           + body + "\n\\end{document}\n")
    (tmp_path / "view.tex").write_text(doc, encoding="utf-8")
    result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "view.tex"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
    log = (tmp_path / "view.log").read_text(encoding="utf-8", errors="replace")
    assert "Overfull" not in log


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        (("not a model", [1.0, 2.0], 1.0), TypeError, r"expected an nn MLP, Layer or Neuron, got str"),
        ((None, [1.0], 1.0), TypeError, r"got NoneType"),
        (("homework", [1.0], 1.0), ValueError, r"the model takes 2 inputs, got a sample of 1"),
        (("homework", [1.0, "a"], 1.0), TypeError, r"got str \('a'\) as input 1"),
    ],
)
def test_layer_view_refuses_what_it_cannot_use(args, error, match):
    model, x, y = args
    if model == "homework":
        model = homework()[0]
    with pytest.raises(error, match=match):
        nn.deltas(model, x, y)


def test_set_weights_fixture_sets_every_weight():
    model = set_weights(MLP(2, [2, 1], seed=0), [[[1, 2], [3, 4]], [[5, 6]]], [[7, 8], [9]])
    assert [p.data for p in model.parameters()] == [1, 2, 7, 3, 4, 8, 5, 6, 9]


def test_a_wide_layer_is_shown_by_its_ends_in_latex():
    from autograd.views.naming import number_text

    model = nn.MLP(3, [12, 1], activation="tanh", seed=0)
    view = nn.deltas(model, [0.5, -1.0, 0.2], 1.0)
    latex = view.to_latex()
    # ∂L/∂W⁽²⁾ is 1 × 12: its first three numbers, ⋯, its last (amsmath's bmatrix stops at 10 columns).
    line = next(t for t in latex.splitlines() if t.startswith(r"\[ \frac{\partial L}{\partial W^{(2)}}"))
    (row,) = re.findall(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", line)
    numbers = [number_text(g).replace("−", "-") for g in view.grad_W[1][0]]
    assert row.split(" & ") == [*numbers[:3], r"\cdots", numbers[-1]]
    # ∂L/∂W⁽¹⁾ is 12 × 3: shown whole, 12 rows.
    line = next(t for t in latex.splitlines() if t.startswith(r"\[ \frac{\partial L}{\partial W^{(1)}}"))
    assert line.count(r" \\ ") == 11 and r"\cdots" not in line
    assert number_text(view.grad_W[1][0][5]) in str(view)  # the text keeps every number
