"""Smoke tests of the demos: each quick run writes real PNGs and reaches its stated numbers."""

from __future__ import annotations

import contextlib
import importlib
import io
import math
import subprocess
import sys
from pathlib import Path

import pytest

from demos import MissingExtra

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# Each demo, and the optional libraries that it needs; "a|b" means either. The tests of the
# demos' own pieces (the counting numbers, the delta rule, ...) need none of them.
DEMOS = {
    "moons": ("matplotlib", "graphviz"),
    "chain_rule": ("graphviz",),
    "delta_rule": ("matplotlib",),
    "why_backprop": ("matplotlib",),
    "homework": ("matplotlib", "sklearn|torch"),
    "batching": ("matplotlib",),
    "digits": ("matplotlib", "sklearn"),
}
# The demos that plot with matplotlib, and those that draw graphs.
PLOTTING = sorted(name for name, libraries in DEMOS.items() if "matplotlib" in libraries)
DRAWING = sorted(name for name, libraries in DEMOS.items() if "graphviz" in libraries)


def require(library: str) -> None:
    """Skip the test unless the library (or one of "a|b") can be imported."""
    choices = library.split("|")
    for choice in choices:
        try:
            importlib.import_module(choice)
            return
        except ImportError:
            continue
    pytest.skip(f"needs {' or '.join(choices)}")


def run_quick(name: str, out: Path):
    module = importlib.import_module(f"demos.{name}")
    return module.main(["--quick", "--out", str(out)])


@pytest.fixture(scope="module")
def quick_runs(tmp_path_factory):
    """Each demo's quick run, done once for all the tests that look at it."""
    cache: dict = {}
    printed: dict = {}

    def get(name: str, text: bool = False):
        """(out folder, Result) of the quick run; with ``text=True``, what it printed."""
        if name not in cache:
            for library in DEMOS[name]:
                require(library)
            out = tmp_path_factory.mktemp(name)
            try:
                with contextlib.redirect_stdout(io.StringIO()) as stdout:
                    cache[name] = (out, run_quick(name, out))
            except MissingExtra as missing:  # e.g. no Graphviz renderer on this machine
                pytest.skip(str(missing))
            printed[name] = stdout.getvalue()
        return printed[name] if text else cache[name]

    return get


@pytest.mark.parametrize("name", sorted(DEMOS))
def test_quick_run_writes_png_files_into_the_out_folder(quick_runs, name):
    out, result = quick_runs(name)
    assert result.files, f"{name} wrote no files"
    for path in result.files:
        assert path.parent == out
        assert path.read_bytes()[:8] == PNG_MAGIC, f"{path} is not a PNG"


def texts_of(fig) -> list:
    """The text objects of a figure that hold some text (titles, labels, ticks, legends, notes)."""
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


@pytest.mark.parametrize("name", PLOTTING)
def test_every_figure_keeps_its_text_at_10_pt_or_more(quick_runs, name):
    from demos._common import SMALLEST_FONT_PT

    _, result = quick_runs(name)
    assert result.figures, f"{name} kept no figures"
    for filename, fig in result.figures.items():
        small = [(t.get_text(), t.get_fontsize()) for t in texts_of(fig)
                 if t.get_fontsize() < SMALLEST_FONT_PT]
        assert not small, f"{filename}: text smaller than {SMALLEST_FONT_PT} pt: {small[:5]}"


@pytest.mark.parametrize("name", PLOTTING)
def test_every_figure_is_saved_at_150_dpi(quick_runs, name):
    from PIL import Image

    out, result = quick_runs(name)
    assert result.figures, f"{name} kept no figures"
    for filename in result.figures:
        with Image.open(out / filename) as image:
            dpi = image.info.get("dpi")
        assert dpi is not None and dpi == pytest.approx((150, 150), abs=0.05), f"{filename}: {dpi}"


@pytest.mark.parametrize("name", PLOTTING)
def test_without_matplotlib_the_error_names_the_plot_extra(monkeypatch, tmp_path, name):
    # A None entry in sys.modules makes `import matplotlib` raise ImportError.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.delitem(sys.modules, "matplotlib.pyplot", raising=False)
    with pytest.raises(MissingExtra, match=r"chainrule\[plot\]"):
        run_quick(name, tmp_path)


@pytest.mark.parametrize("name", DRAWING)
def test_without_graphviz_the_error_names_the_draw_extra(monkeypatch, tmp_path, name):
    if "matplotlib" in DEMOS[name]:
        require("matplotlib")  # the demo checks it first
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(MissingExtra, match=r"chainrule\[draw\]"):
        run_quick(name, tmp_path)


def test_digits_without_scikit_learn_names_the_digits_extra(monkeypatch, tmp_path):
    require("matplotlib")  # the demo checks it first
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(MissingExtra, match=r"chainrule\[digits\]"):
        run_quick("digits", tmp_path)


def test_homework_without_scikit_learn_or_torch_says_how_to_get_either(monkeypatch, tmp_path):
    require("matplotlib")  # the demo checks it first
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(MissingExtra, match=r"chainrule\[digits\].*chainrule\[torch\]"):
        run_quick("homework", tmp_path)


def test_homework_uses_pytorch_when_scikit_learn_is_missing(monkeypatch, tmp_path, capsys):
    require("matplotlib")
    pytest.importorskip("torch")
    from demos import homework

    monkeypatch.setitem(sys.modules, "sklearn", None)
    result = homework.main(["--quick", "--out", str(tmp_path)])
    assert result.metrics["library"] == "PyTorch"
    assert result.metrics["test_accuracy_library"] >= 0.85
    said = yardstick_paragraph(capsys.readouterr().out)
    assert said.startswith("yardstick: the same 2-2-1 network with bias trained by PyTorch (float64) on the "
                           "same squared error")
    assert said.endswith("(scikit-learn, the first choice, is not installed)")
    # The same squared error, the same starting weights, the same order: PyTorch retraces our curves.
    ours, theirs = result.metrics["runs"][1], result.metrics["runs"][2]
    assert theirs.train_loss == pytest.approx(ours.train_loss, rel=1e-9, abs=1e-12)
    assert theirs.test_loss == pytest.approx(ours.test_loss, rel=1e-9, abs=1e-12)
    assert theirs.test_accuracy == ours.test_accuracy
    assert result.metrics["library_loss_difference"] <= 1e-9


def test_run_turns_a_missing_extra_into_one_line_and_exit_code_2(monkeypatch, capsys, tmp_path):
    from demos import delta_rule
    from demos._common import run

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.delitem(sys.modules, "matplotlib.pyplot", raising=False)
    monkeypatch.setattr(sys, "argv", ["delta_rule", "--out", str(tmp_path)])
    with pytest.raises(SystemExit) as exit_info:
        run(delta_rule.main)
    assert exit_info.value.code == 2
    assert "pip install 'chainrule[plot]'" in capsys.readouterr().err


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    path = tmp_path / "not_a_folder"
    path.write_text("")
    with pytest.raises(SystemExit):
        run_quick("delta_rule", path)
    assert "expected a folder" in capsys.readouterr().err


def test_out_folder_is_created(tmp_path):
    require("matplotlib")
    out = tmp_path / "new" / "folder"
    result = run_quick("delta_rule", out)
    assert out.is_dir() and all(p.exists() for p in result.files)


# ----------------------------------------------------------------------
# moons


def test_moons_learns_to_separate_the_moons(quick_runs):
    _, result = quick_runs("moons")
    metrics = result.metrics
    assert metrics["accuracy"] >= 0.85
    assert metrics["accuracy"] > metrics["accuracy_before"]
    assert metrics["last_loss"] < metrics["first_loss"]


def test_moons_neuron_graph_shows_the_gradients_of_that_neuron_alone(quick_runs):
    # An active ReLU neuron computes out = w . x + b, so d(out)/dw = x, whatever
    # gradients the training left behind.
    _, result = quick_runs("moons")
    metrics = result.metrics
    assert metrics["neuron_output"] > 0.0
    assert metrics["neuron_grads"] == pytest.approx(metrics["neuron_input"], abs=1e-12)


def test_moons_neuron_graph_has_short_names_and_a_legend_of_its_colours(quick_runs):
    import re

    _, result = quick_runs("moons")
    source = result.metrics["neuron_graph_source"]
    names = set(re.findall(r"label=\"\{ ?([A-Za-z0-9]+) ?\|", source))
    assert {"w1", "w2", "b", "x1", "x2", "p1", "p2", "z", "out"} <= names
    assert "layers." not in source
    # The caption is an attribute of the graph: on a line of its own, not in a node's [...].
    (caption,) = re.findall(r"^[^\[\n]*\blabel=\"([^\"]*)\"", source, re.MULTILINE)
    for colour in ("amber", "blue", "white", "green"):
        assert colour in caption
    printed = quick_runs("moons", text=True)
    assert caption in printed and "w1, w2 and b are the weights and the bias" in printed


def test_moons_names_its_neuron_as_the_lecture_does(quick_runs):
    import re

    printed = quick_runs("moons", text=True)
    # Layers and neurons counted from 1, the model's names w⁽¹⁾ᵢⱼ, b⁽¹⁾ᵢ, ∂ and a true minus sign.
    (number,) = re.findall(r"neuron (\d+) of layer 1 on the point", printed)
    assert f"(w⁽¹⁾{_sub(number)}₁, w⁽¹⁾{_sub(number)}₂ and b⁽¹⁾{_sub(number)} in the model)" in printed
    assert "∂out/∂w1 = " in printed and "d(output)" not in printed
    # (The model's own description, repr-like, names its layers by the code's keys.)
    about_the_neuron = [line for line in printed.splitlines() if line.startswith(("  neuron", "  in its"))]
    assert len(about_the_neuron) == 2
    assert not any(re.search(r"layers\.\d|neurons\.\d", line) for line in about_the_neuron)


def _sub(digits: str) -> str:
    return digits.translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def test_moons_caption_names_each_colour_with_the_word_of_the_drawings_legend(quick_runs):
    import re

    _, result = quick_runs("moons")
    source = result.metrics["neuron_graph_source"]
    (caption,) = re.findall(r"^[^\[\n]*\blabel=\"([^\"]*)\"", source, re.MULTILINE)
    legend = re.findall(r'<td bgcolor="(#[0-9a-f]{6})" border="1">([^<]+)</td>', source)
    names = {"#dbeafe": "blue", "#fde68a": "amber", "#ffffff": "white", "#bbf7d0": "green"}
    assert {colour for colour, _ in legend} == set(names)
    for colour, word in legend:
        assert re.search(rf"\b{names[colour]}: (the )?{word}s?\b", caption), (names[colour], word, caption)


def test_moons_gives_the_parameters_their_names_back_after_drawing():
    from autograd import Value
    from demos.moons import draw_neuron
    from nn import MLP

    pytest.importorskip("graphviz")
    model = MLP(2, [3, 1], activation="relu", seed=0)
    neuron = model.layers[0].neurons[1]
    before = [p.label for p in model.parameters()]
    draw_neuron(neuron([Value(0.5, label="x1"), Value(-1.0, label="x2")]), neuron)
    assert [p.label for p in model.parameters()] == before


def test_moons_writes_the_three_pictures(quick_runs):
    out, _ = quick_runs("moons")
    names = {"moons_decision_boundary.png", "moons_training_curves.png", "moons_neuron_graph.png"}
    assert names <= {p.name for p in out.iterdir()}


# ----------------------------------------------------------------------
# chain_rule


def test_chain_rule_examples_match_the_hand_derived_derivatives(quick_runs):
    out, result = quick_runs("chain_rule")
    assert result.metrics["largest_difference"] < 1e-12
    assert len(result.files) == 5


@pytest.mark.parametrize("r, s", [(2.0, 3.0), (-1.5, 0.5)])
def test_shared_variables_example_sums_both_paths(r, s):
    from demos.chain_rule import product_with_shared_variables

    example = product_with_shared_variables(r, s)
    example.output.backward()
    s_leaf = example.by_hand[0][0]
    assert s_leaf.grad == pytest.approx(2 * r * r * s, rel=1e-12)


def test_chain_rule_product_example_writes_the_notes_sums():
    from autograd import explain
    from demos.chain_rule import product_with_shared_variables

    lines = explain(product_with_shared_variables(2.0, 3.0).output).text().splitlines()
    # 2r²s = 24 and 2rs² = 36 at r = 2, s = 3, each the sum of two paths.
    assert "∂f/∂s = 12 + 12 = 24" in lines and "∂f/∂r = 18 + 18 = 36" in lines


@pytest.mark.parametrize("lesson", ["relu_at_its_kink", "hinge_on_the_margin"])
def test_subgradient_lessons_sit_on_the_kink_and_say_so(lesson):
    import demos.chain_rule as chain_rule
    from autograd import explain

    example = getattr(chain_rule, lesson)()
    (kink,) = [step for step in explain(example.output) if step.subgradient]
    assert kink.node is example.output and kink.input.data == 0.0
    assert "subgradient" in kink.format()


def test_hinge_lesson_chooses_pytorchs_subgradient():
    torch = pytest.importorskip("torch")
    from demos.chain_rule import hinge_on_the_margin

    example = hinge_on_the_margin(0.5, 2.0, 1.0)
    example.output.backward()
    w = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    torch.relu(1.0 - 1.0 * (w * 2.0)).backward()
    (leaf, _, by_hand) = example.by_hand[0]
    assert leaf.grad == w.grad.item() == by_hand


# ----------------------------------------------------------------------
# delta_rule


def test_delta_rule_demo_agrees_with_the_engine(quick_runs):
    _, result = quick_runs("delta_rule")
    assert result.metrics["largest_difference_all"] < 1e-12


def test_delta_rule_matches_torch_autograd():
    torch = pytest.importorskip("torch")
    import random

    from demos.delta_rule import delta_rule, random_network

    rng = random.Random(3)
    net = random_network([3, 5, 4, 2], rng)
    x, y = [0.3, -0.7, 1.1], [0.2, -0.4]
    ours = delta_rule(net, x, y)

    Ws = [torch.tensor(W, dtype=torch.float64, requires_grad=True) for W in net.W]
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in net.b]
    a = torch.tensor(x, dtype=torch.float64)
    for W, b in zip(Ws, bs):
        a = torch.tanh(W @ a + b)
    loss = 0.5 * ((a - torch.tensor(y, dtype=torch.float64)) ** 2).sum()
    loss.backward()
    assert ours.loss == pytest.approx(loss.item(), abs=1e-14)
    for l in range(3):
        assert torch.allclose(torch.tensor(ours.dW[l], dtype=torch.float64), Ws[l].grad, atol=1e-14)
        assert torch.allclose(torch.tensor(ours.db[l], dtype=torch.float64), bs[l].grad, atol=1e-14)


def shown_number(text: str) -> float:
    return float(text.replace("\N{MINUS SIGN}", "-"))


@pytest.fixture(scope="module")
def delta_figure(quick_runs):
    """The delta rule's figure, its example, and the engine's dL/db of that example (= delta^l)."""
    from demos.delta_rule import engine_gradients

    _, result = quick_runs("delta_rule")
    net, x, y = result.metrics["example"]
    _, _, db = engine_gradients(net, x, y)
    return result.figures["delta_rule_deltas.png"], net, db


def test_delta_rule_figure_has_one_panel_per_layer_and_no_heatmaps(delta_figure):
    fig, net, _ = delta_figure
    assert len(fig.axes) == len(net.W)
    assert not fig.images and not any(ax.images for ax in fig.axes)


def test_delta_rule_figure_bars_are_the_engines_bias_gradients(delta_figure):
    # dL/db^l = delta^l, and the engine finds dL/db^l edge by edge, without the delta rule.
    fig, net, db = delta_figure
    L = len(net.W)
    for l in range(1, L + 1):
        ax = fig.axes[L - l]  # the output layer at the top
        assert f"delta^{{{l}}}" in ax.get_title()
        assert [bar.get_width() for bar in ax.patches] == pytest.approx(db[l - 1], abs=1e-12)


def test_delta_rule_figure_labels_each_bar_with_its_product(delta_figure):
    fig, net, db = delta_figure
    L = len(net.W)
    for l in range(1, L + 1):
        labels = [t.get_text() for t in fig.axes[L - l].get_yticklabels()]
        assert len(labels) == len(db[l - 1])
        for label, truth in zip(labels, db[l - 1]):
            factors, result = label.split(" = ")
            back, g_prime = (shown_number(f) for f in factors.split(" \N{MULTIPLICATION SIGN} "))
            assert 0.0 < g_prime <= 1.0  # tanh' = 1 - tanh^2
            assert shown_number(result) == pytest.approx(truth, rel=1e-3, abs=1e-12)
            assert back * g_prime == pytest.approx(truth, rel=2e-3)


def test_delta_rule_figure_states_the_recursion(delta_figure):
    fig, _, _ = delta_figure
    title = fig.get_suptitle()
    assert r"\delta^{l-1} = (W^{l})^T \delta^{l} \odot g'(z^{l-1})" in title


@pytest.mark.parametrize("sizes", [[1], [2, 0], []])
def test_random_network_refuses_bad_sizes(sizes):
    import random

    from demos.delta_rule import random_network

    with pytest.raises(ValueError, match="expected at least two positive layer sizes"):
        random_network(sizes, random.Random(0))


# ----------------------------------------------------------------------
# why_backprop: the counting machinery, then the counts


def test_counted_counts_each_operation_by_kind():
    from demos.why_backprop import Tally

    tally = Tally()
    x, y, z = tally.number(2.0), tally.number(3.0), tally.number(4.0)
    result = (x * y + z - 1.0).tanh() / 2.0
    assert result.v == pytest.approx(__import__("math").tanh(9.0) / 2.0)
    assert dict(tally.by_kind) == {"*": 1, "+": 1, "-": 1, "tanh": 1, "/": 1}
    assert tally.total == 5


@pytest.mark.parametrize("x", [-1.5, 0.2, 2.0])
def test_dual_numbers_give_the_hand_derived_derivative(x):
    import math

    from demos.why_backprop import Dual, Tally

    tally = Tally()
    # f(x) = tanh(x * x) - 3x, f'(x) = (1 - tanh(x^2)^2) * 2x - 3
    d = Dual(tally.number(x), tally.number(1.0))
    f = (d * d).tanh() - d * 3.0
    assert f.d.v == pytest.approx((1 - math.tanh(x * x) ** 2) * 2 * x - 3, abs=1e-12)


@pytest.mark.parametrize("x, y", [(0.5, -2.0), (-1.0, 0.25)])
def test_tape_backward_gives_the_hand_derived_gradient(x, y):
    import math

    from demos.why_backprop import Tally, Tape

    tally, tape = Tally(), Tape()
    a, b = tape.leaf(tally.number(x)), tape.leaf(tally.number(y))
    # f = a*b + tanh(a): df/da = b + 1 - tanh(a)^2, df/db = a
    f = a * b + a.tanh()
    grads = tape.backward(f, tally.number(1.0))
    assert grads[a.i].v == pytest.approx(y + 1 - math.tanh(x) ** 2, abs=1e-12)
    assert grads[b.i].v == pytest.approx(x, abs=1e-12)


def test_mlp_loss_refuses_the_wrong_number_of_parameters():
    from demos.why_backprop import mlp_loss

    with pytest.raises(ValueError, match="a 2-3-1 network has 13 parameters, got 12"):
        mlp_loss([0.0] * 12, [2, 3, 1], [0.0, 0.0], [0.0])


def test_finite_differences_cost_exactly_two_passes_and_four_operations_per_parameter(quick_runs):
    # Per parameter: p + h, p - h, two forward passes, one subtraction, one division.
    _, result = quick_runs("why_backprop")
    for row in result.metrics["rows"]:
        assert row["fd"] == row["P"] * (2 * row["forward"] + 4)


def test_forward_mode_costs_more_than_one_pass_per_parameter(quick_runs):
    _, result = quick_runs("why_backprop")
    for row in result.metrics["rows"]:
        assert row["fm"] > row["P"] * row["forward"]


def test_backprop_costs_a_few_forward_passes_whatever_the_size(quick_runs):
    _, result = quick_runs("why_backprop")
    for row in result.metrics["rows"]:
        # The forward pass of backprop also stores tanh' = 1 - t*t: two more operations per tanh.
        assert row["rm_forward"] == row["forward"] + 2 * (2 * row["h"])
        assert row["rm"] <= 4 * row["forward"]


def test_all_three_gradients_agree_with_the_engine(quick_runs):
    _, result = quick_runs("why_backprop")
    for row in result.metrics["rows"]:
        assert row["error_fd"] < 1e-6
        assert row["error_fm"] < 1e-12
        assert row["error_rm"] < 1e-12


# ----------------------------------------------------------------------
# homework


def homework_loss(n: dict) -> float:
    """The homework's L = (a − y)² in plain floats, written out from the homework's equations."""
    h1 = math.tanh(n["w11"] * n["x1"] + n["w12"] * n["x2"] + n.get("b1", 0.0))
    h2 = math.tanh(n["w21"] * n["x1"] + n["w22"] * n["x2"] + n.get("b2", 0.0))
    a = 1.0 / (1.0 + math.exp(-(n["v1"] * h1 + n["v2"] * h2 + n.get("b", 0.0))))
    return (a - n["y"]) ** 2


def test_homework_prints_the_update_rules_the_homework_asks_for(quick_runs):
    # By hand: ∂L/∂a = 2(a − y), ∂a/∂z = a(1 − a), ∂z/∂h1 = v1, ∂h1/∂(w11·x1 + w12·x2) = 1 − h1²,
    # and the weighted sum's slope with respect to w11 is x1; the output weights stop at h1, h2.
    lines = quick_runs("homework", text=True).splitlines()
    rules = [
        "w11 ← w11 − η · 2(a − y) · a(1 − a) · v1 · (1 − h1²) · x1",
        "w12 ← w12 − η · 2(a − y) · a(1 − a) · v1 · (1 − h1²) · x2",
        "w21 ← w21 − η · 2(a − y) · a(1 − a) · v2 · (1 − h2²) · x1",
        "w22 ← w22 − η · 2(a − y) · a(1 − a) · v2 · (1 − h2²) · x2",
        "v1 ← v1 − η · 2(a − y) · a(1 − a) · h1",
        "v2 ← v2 − η · 2(a − y) · a(1 − a) · h2",
        "b1 ← b1 − η · 2(a − y) · a(1 − a) · v1 · (1 − h1²)",
        "b2 ← b2 − η · 2(a − y) · a(1 − a) · v2 · (1 − h2²)",
        "b ← b − η · 2(a − y) · a(1 − a)",
    ]
    first = lines.index(f"  {rules[0]}")
    assert lines[first:first + 6] == [f"  {rule}" for rule in rules[:6]]
    assert lines[first + 6:first + 8] == [
        "  With bias, h1 = tanh(w11·x1 + w12·x2 + b1), h2 = tanh(w21·x1 + w22·x2 + b2), "
        "a = σ(v1·h1 + v2·h2 + b):",
        "  the six rules are unchanged, and three more:",
    ]
    assert lines[first + 8:first + 11] == [f"  {rule}" for rule in rules[6:]]


@pytest.mark.parametrize("which", ["without bias", "with bias"])
def test_homework_rules_at_the_trained_weights_equal_finite_differences(quick_runs, which):
    from demos.homework import numbers_at

    _, result = quick_runs("homework")
    rules = result.metrics["derivations"][which]
    model = result.metrics["runs"][0 if which == "without bias" else 1].model
    X_train, _, y_train, _ = result.metrics["data"]
    assert result.metrics["rule_differences"][which] <= 1e-12
    for x, t in list(zip(X_train, y_train))[:5]:
        numbers = numbers_at(model, x, t)
        for name, rule in rules.items():
            eps = 1e-6
            up, down = dict(numbers), dict(numbers)
            up[name] += eps
            down[name] -= eps
            slope = (homework_loss(up) - homework_loss(down)) / (2 * eps)
            assert rule(**numbers) == pytest.approx(slope, rel=1e-6, abs=1e-9), name


def test_homework_trains_by_the_update_rule():
    from demos.homework import (
        LEARNING_RATE,
        derivations,
        gradient_step,
        lecture_parameters,
        network,
        numbers_at,
    )

    rules = derivations(bias=True)
    model = network(bias=True)
    for x, t in [([1.5, -0.5], 1), ([0.2, 2.5], 0)]:
        before = numbers_at(model, x, t)
        gradient_step(model, x, t, LEARNING_RATE)
        after = {name: p.data for name, p in lecture_parameters(model).items()}
        assert set(after) == set(rules)
        for name, rule in rules.items():
            expected = before[name] - LEARNING_RATE * rule(**before)
            assert after[name] == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_homework_accuracies_are_counted_from_the_trained_models(quick_runs):
    _, result = quick_runs("homework")
    _, X_test, _, y_test = result.metrics["data"]
    without, with_bias, library = result.metrics["runs"]
    for run, key in ((without, "test_accuracy_without_bias"), (with_bias, "test_accuracy_with_bias")):
        right = sum((run.model(x).data > 0.5) == (t == 1) for x, t in zip(X_test, y_test))
        assert result.metrics[key] == run.test_accuracy[-1] == right / len(y_test)
    right = sum((library.probability(*x) > 0.5) == (t == 1) for x, t in zip(X_test, y_test))
    assert result.metrics["test_accuracy_library"] == right / len(y_test)
    epochs = result.metrics["epochs"]
    for run in (without, with_bias, library):
        assert len(run.train_loss) == len(run.test_loss) == len(run.train_accuracy) == epochs + 1


def yardstick_paragraph(printed: str) -> str:
    """The demo's sentence about its yardstick, its wrapped lines joined."""
    lines = printed.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("  yardstick: "))
    last = next(i for i in range(first + 1, len(lines)) if not lines[i].startswith("    "))
    return " ".join(line.strip() for line in lines[first:last])


def test_homework_names_its_yardstick_in_plain_words(quick_runs):
    said = yardstick_paragraph(quick_runs("homework", text=True))
    if "scikit-learn's" in said:
        assert said.startswith("yardstick: the same 2-2-1 network with bias trained by scikit-learn's "
                               "MLPClassifier, one sample at a time by plain gradient descent")
        assert "on cross-entropy: MLPClassifier has no squared error" in said
    else:
        assert "trained by PyTorch" in said and "scikit-learn, the first choice, is not installed" in said


def test_homework_bias_helps_and_reaches_the_yardstick(quick_runs):
    _, result = quick_runs("homework")
    metrics = result.metrics
    assert metrics["library"] in ("scikit-learn", "PyTorch")
    assert metrics["test_accuracy_with_bias"] >= 0.85
    assert metrics["test_accuracy_library"] >= 0.85
    assert metrics["test_accuracy_with_bias"] > metrics["test_accuracy_without_bias"]


def test_homework_learning_curves_show_loss_and_accuracy_of_every_case(quick_runs):
    _, result = quick_runs("homework")
    fig = result.figures["homework_learning_curves.png"]
    assert len(fig.axes) == 2
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel()
        assert len(ax.get_lines()) == 6  # three models, training and test
    (legend,) = fig.legends
    names = [t.get_text() for t in legend.get_texts()]
    assert len(names) == 6
    assert sum(", training" in n for n in names) == sum(", test" in n for n in names) == 3
    loss, accuracy = fig.axes
    without = result.metrics["runs"][0]
    assert list(loss.get_lines()[0].get_ydata()) == without.train_loss
    assert list(accuracy.get_lines()[1].get_ydata()) == [100 * a for a in without.test_accuracy]


def test_homework_every_boundary_panel_has_axis_labels_and_the_points_have_a_legend(quick_runs):
    _, result = quick_runs("homework")
    fig = result.figures["homework_boundaries.png"]
    assert len(fig.axes) == 3
    for ax in fig.axes:
        assert ax.get_xlabel() and ax.get_ylabel()
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [
        f"class {label}, {what}" for what in ("training", "test") for label in (0, 1)]


def test_homework_training_and_test_points_differ_in_shape_and_fill(quick_runs):
    import numpy as np

    _, result = quick_runs("homework")
    for ax in result.figures["homework_boundaries.png"].axes:
        points = {c.get_label(): c for c in ax.collections if c.get_label().startswith("class ")}
        for label in (0, 1):
            train, test = points[f"class {label}, training"], points[f"class {label}, test"]
            assert not np.array_equal(train.get_paths()[0].vertices, test.get_paths()[0].vertices)
            # Training points are filled; test points are outlines (no face, or a transparent one).
            assert train.get_facecolor()[:, 3].min() > 0.5
            assert len(test.get_facecolor()) == 0 or test.get_facecolor()[:, 3].max() == 0.0
            assert test.get_edgecolor()[:, 3].min() > 0.5


def test_homework_without_bias_has_six_parameters_and_its_boundary_through_the_origin(quick_runs):
    """No bias: the score is odd in x, so a(−x) = 1 − a(x) and a(0) = ½, after training too."""
    from demos.homework import network

    assert network(bias=False).num_parameters() == 2 * 2 + 2 * 1
    _, result = quick_runs("homework")
    model = result.metrics["runs"][0].model
    assert model.num_parameters() == 6
    assert model([0.0, 0.0]).data == 0.5
    for x in ([0.3, -1.2], [2.0, 0.5], [-1.0, 3.0]):
        assert model([-v for v in x]).data == pytest.approx(1.0 - model(x).data, abs=1e-15)


# ----------------------------------------------------------------------
# batching


def test_batching_every_strategy_lowers_the_loss(quick_runs):
    _, result = quick_runs("batching")
    for run in result.metrics["runs"].values():
        assert run.loss[-1] < run.loss[0]


def test_batching_small_batches_win_per_epoch_and_the_full_batch_per_step(quick_runs):
    _, result = quick_runs("batching")
    runs, epochs = result.metrics["runs"], result.metrics["epochs"]
    full, single = runs[100], runs[1]
    assert single.loss[epochs] < full.loss[epochs]
    assert full.loss_at_step[epochs] < single.loss_at_step[epochs]


@pytest.mark.parametrize("last", [1, 7, 100, 4000])
def test_checkpoints_cover_the_first_and_last_step(last):
    from demos.batching import checkpoints

    marks = checkpoints(last)
    assert 1 in marks and last in marks and max(marks) == last


# ----------------------------------------------------------------------
# digits


def test_digits_tells_ones_from_twos(quick_runs):
    _, result = quick_runs("digits")
    assert result.metrics["test_accuracy"] >= 0.9


def test_digits_parameter_counts_match_hand_counts(quick_runs):
    _, result = quick_runs("digits")
    # 64-16-16-1: (64+1)*16 + (16+1)*16 + (16+1)*1; 784-1000-1000-1 likewise.
    assert result.metrics["parameters"] == 65 * 16 + 17 * 16 + 17
    assert result.metrics["mnist_parameters"] == 785 * 1000 + 1001 * 1000 + 1001


def test_digits_input_gradients_have_one_colour_bar_and_say_what_they_show(quick_runs):
    from demos.digits import INPUT_GRADIENTS_SENTENCE

    _, result = quick_runs("digits")
    fig = result.figures["digits_input_gradients.png"]
    gradients = [image for ax in fig.axes for image in ax.images if image.get_cmap().name == "RdBu_r"]
    assert len(gradients) == 6
    (bar,) = [image.colorbar for image in gradients if image.colorbar is not None]
    assert "score" in bar.ax.get_ylabel()
    # One scale for the six, symmetric about 0 so that white means "no effect".
    assert {image.get_clim() for image in gradients} == {bar.mappable.get_clim()}
    low, high = bar.mappable.get_clim()
    assert high > 0 and low == -high
    assert INPUT_GRADIENTS_SENTENCE in fig.get_suptitle()
    assert INPUT_GRADIENTS_SENTENCE.replace("\n", " ") in quick_runs("digits", text=True)


def test_digits_measures_at_least_the_size_of_a_bare_value_per_value():
    # Each Value the forward pass creates is at least its own object (its float,
    # its tuple of inputs and its rule come on top): the bytes measured per
    # Value cannot be fewer than sys.getsizeof of a bare one.
    from autograd import Value
    from demos.digits import measure_graph
    from nn import MLP

    model = MLP(8, [4, 1], activation="tanh", seed=0)
    nodes, bytes_per_value, _ = measure_graph(model, [[0.5] * 8])
    assert nodes > model.num_parameters()
    assert bytes_per_value >= sys.getsizeof(Value(0.0))


# ----------------------------------------------------------------------
# the pictures committed for the README


def test_readme_pictures_are_small_pngs():
    folder = Path(__file__).resolve().parent.parent / "docs" / "images"
    pictures = sorted(folder.glob("*.png"))
    assert pictures, "docs/images holds no pictures"
    for path in pictures:
        data = path.read_bytes()
        assert data[:8] == PNG_MAGIC, f"{path.name} is not a PNG"
        assert len(data) < 200_000, f"{path.name} is {len(data):,} bytes; keep README pictures under 200 KB"


# ----------------------------------------------------------------------
# python -m demos: the list of demos


def test_the_package_registry_names_every_demo_module_and_only_those():
    import pkgutil

    import demos

    modules = {info.name for info in pkgutil.iter_modules(demos.__path__) if not info.name.startswith("_")}
    assert set(demos.DEMOS) == modules
    assert set(demos.DEMOS) == set(DEMOS)  # the libraries table above covers the same demos
    assert len(demos.DEMOS) == len(set(demos.DEMOS))


def test_python_m_demos_lists_each_demo_with_what_it_teaches():
    import demos

    root = Path(__file__).resolve().parent.parent
    result = subprocess.run(
        [sys.executable, "-m", "demos"], capture_output=True, text=True, cwd=root, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    listed = []
    for name in demos.DEMOS:
        description = importlib.import_module(f"demos.{name}").DESCRIPTION
        matching = [line for line in lines if line.split()[:1] == [name]]
        assert len(matching) == 1, f"{name} is not listed once:\n{result.stdout}"
        assert matching[0].split(None, 1)[1] == description
        listed.append(lines.index(matching[0]))
    assert listed == sorted(listed), "the demos are not listed in the order of demos.DEMOS"
    assert "python -m demos.NAME" in result.stdout


def test_python_m_demos_refuses_arguments_with_a_usage_line(capsys):
    from demos.__main__ import main

    with pytest.raises(SystemExit) as exit_info:
        main(["moons"])
    assert exit_info.value.code == 2
    assert "usage: python -m demos" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["moons_decision_boundary.png", "why_backprop_costs.png"])
def test_readme_plots_are_at_150_dpi_and_fit_the_readme_column(name):
    # GitHub shows a README picture at its own size up to the column's width
    # (about 1000 pixels): wider ones are scaled down, and their text with them.
    from PIL import Image

    with Image.open(Path(__file__).resolve().parent.parent / "docs" / "images" / name) as image:
        dpi, width = image.info.get("dpi"), image.size[0]
    assert dpi is not None and dpi == pytest.approx((150, 150), abs=0.05)
    assert width <= 1000


def test_batching_says_1_step_per_epoch_in_the_singular(quick_runs):
    import re

    printed = quick_runs("batching", text=True)
    assert re.search(r"full batch \(100\) +1 step per epoch", printed)
    assert re.search(r"mini-batches of 10 +10 steps per epoch", printed)
    assert not re.search(r"(?<![\d.])1 (steps|epochs|points|times)\b", printed)


@pytest.mark.parametrize("n, expected", [(0, "0 steps"), (1, "1 step"), (2, "2 steps"), (100, "100 steps")])
def test_counted_takes_the_singular_for_exactly_one(n, expected):
    from demos._common import counted

    assert counted(n, "step") == expected
    assert counted(n, "child", "children") == expected.replace("steps", "children").replace("step", "child")


def test_homework_draws_the_trained_network_with_the_gradients_of_one_test_point(quick_runs):
    import nn

    require("graphviz")
    out, result = quick_runs("homework")
    assert out / "homework_network.png" in result.files
    model = result.metrics["runs"][1].model  # with bias, as drawn
    X_test, y_test = result.metrics["data"][1], result.metrics["data"][3]
    # What the picture showed: the gradients of the first test point's loss alone (no training step's
    # gradients left in them), as the delta rule computes them on plain lists.
    view = nn.deltas(model, X_test[0], y_test[0], loss="mse")
    for layer, grad_b in zip(model.layers, view.grad_b):
        for neuron, expected in zip(layer.neurons, grad_b):
            assert neuron.b.grad == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_a_demo_piped_into_a_reader_that_stops_early_ends_without_a_traceback(tmp_path):
    root = Path(__file__).resolve().parent.parent
    demo = subprocess.Popen(
        [sys.executable, "-u", "-m", "demos.chain_rule", "--out", str(tmp_path)],  # -u: line by line
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=root,
    )
    demo.stdout.readline()  # the reader takes one line, as `| head -1` does, and goes
    demo.stdout.close()
    _, err = demo.communicate(timeout=120)
    assert demo.returncode == 1
    assert err.decode() == ""
