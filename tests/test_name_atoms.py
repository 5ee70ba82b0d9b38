"""A name is an atom: it needs no brackets as an operand, whatever its sub- and superscripts.

The board writes σ′ at the homework's output as ``a⁽²⁾₁(1 − a⁽²⁾₁)``, not
``(a⁽²⁾₁)·(1 − (a⁽²⁾₁))``; a sum, a product or a negative number still gets
brackets. derive's text and LaTeX, the stepper's board and the slide
drawing's arrows all write operands by this one rule.
"""

from __future__ import annotations

import math
import re

import pytest
from lecture_networks import homework
from stepper_graphs import lesson_data

import nn
from autograd import Value, derive, explain
from autograd.views.naming import operand


def homework_loss(bias=False):
    model, x, y = homework(bias=bias)
    L = nn.mse_loss([model(x)], [y])
    L.backward()
    return model, L


def weight(model, layer, i, j):
    return model.layers[layer - 1].neurons[i - 1].w[j - 1]


# ----------------------------------------------------------------------
# The rule


@pytest.mark.parametrize("text", ["a", "w1", "x₁", "a⁽²⁾₁", "w⁽¹⁾₁₂", "δ⁽²⁾₁", "a#2", "a⁽²⁾₁#2",
                                  "0.5", "2", "1e−05", "(−3)", "(a + b)"])
def test_a_name_a_number_or_a_bracket_is_an_atom(text):
    assert operand(text) == text


@pytest.mark.parametrize("text", ["−3", "a + b", "a⁽²⁾₁ − 1", "w·x", "(a)·(b)", "layer.w.0", "x y"])
def test_anything_else_gets_brackets(text):
    assert operand(text) == f"({text})"


# ----------------------------------------------------------------------
# derive


def test_the_homeworks_output_weight_reads_as_on_the_board():
    model, L = homework_loss()
    d = derive(L, weight(model, 2, 1, 1))
    assert d.text == "∂L/∂w⁽²⁾₁₁ = 2(a⁽²⁾₁ − 1) · a⁽²⁾₁(1 − a⁽²⁾₁) · a⁽¹⁾₁"
    assert d.update_rule() == "w⁽²⁾₁₁ ← w⁽²⁾₁₁ − η · 2(a⁽²⁾₁ − 1) · a⁽²⁾₁(1 − a⁽²⁾₁) · a⁽¹⁾₁"
    assert d.latex == (
        r"\frac{\partial L}{\partial {w_{11}^{(2)}}} = 2({a_{1}^{(2)}} - 1) \cdot "
        r"{a_{1}^{(2)}}(1 - {a_{1}^{(2)}}) \cdot {a_{1}^{(1)}}"
    )


def test_the_homeworks_hidden_weight_reads_as_on_the_board():
    model, L = homework_loss()
    d = derive(L, weight(model, 1, 2, 1))
    # A name with a layer superscript, squared, is bracketed, as the lecture writes (a⁽¹⁾₂)².
    assert d.text == "∂L/∂w⁽¹⁾₂₁ = 2(a⁽²⁾₁ − 1) · a⁽²⁾₁(1 − a⁽²⁾₁) · w⁽²⁾₁₂ · (1 − (a⁽¹⁾₂)²) · 1.5"
    assert r"\left(" not in d.latex and r"(1 - ({a_{2}^{(1)}})^{2})" in d.latex


@pytest.mark.parametrize("bias", [False, True])
def test_no_name_of_the_homework_is_bracketed_alone(bias):
    model, L = homework_loss(bias)
    for p in model.parameters():
        d = derive(L, p)
        for text in (d.text, d.update_rule()):
            assert not re.search(r"\((?:[wbaz]⁽[⁰-⁹]⁾[₀-₉]+)\)(?![⁰-⁹²³¹])", text), text
        assert not re.search(r"\(\{[wbaz]_\{\d+\}\^\{\(\d\)\}\}\)(?!\^)", d.latex), d.latex
        # The text changed, not the formula: its code still gives backward's gradient.
        values = {name: v.data for name, v in zip(d.parameters, _leaves(L))}
        assert math.isclose(d(**values), p.grad, rel_tol=1e-12, abs_tol=1e-15)


def _leaves(L):
    from autograd.graph import topological_order
    from autograd.views.naming import is_constant

    return [v for v in topological_order(L) if not v.inputs and not is_constant(v)]


def test_a_sum_a_product_and_an_expression_keep_their_brackets():
    p, q = Value(0.3, label="p"), Value(-0.2, label="q")
    assert derive((p - q) ** 2, q).text == "∂L/∂q = −2(p − q)"
    # An unlabelled result is written as its expression, which stays one bracketed operand.
    assert derive((p * q).tanh(), p).text == "∂L/∂p = (1 − (tanh(p·q))²) · q"
    assert derive((p * q + p).sigmoid(), q).text == "∂L/∂q = (sigmoid(p·q + p))·(1 − (sigmoid(p·q + p))) · p"


def test_a_one_letter_name_with_scripts_multiplies_a_bracket_as_one_letter_does():
    z = Value(0.4, label="z_1")
    a = z.sigmoid()
    a.label = "a_1"
    assert derive(a, z).text == "∂a₁/∂z₁ = a₁(1 − a₁)"
    b = z.sigmoid()
    b.label = "h1"  # two letters and digits: not joined, h1(…) would read as a function
    assert derive(b, z).text == "∂h1/∂z₁ = h1·(1 − h1)"


# ----------------------------------------------------------------------
# The stepper's board and the slide drawing write operands the same way


def _lesson(L):
    from autograd.views.stepper import stepper_html

    return lesson_data(stepper_html(L))


def test_the_stepper_board_writes_names_without_brackets():
    pytest.importorskip("graphviz")
    model, L = homework_loss()
    lesson = _lesson(L)
    texts = [s["text"] for s in lesson["steps"]]
    assert any(t.startswith("t1 = w⁽¹⁾₁₁ · 1.5 = ") for t in texts), texts[:6]
    assert any("· a⁽²⁾₁·(1 − a⁽²⁾₁) = " in t for t in texts)
    assert any("· (1 − (a⁽¹⁾₁)²) = " in t for t in texts)
    assert not any(re.search(r"\([wbaz]⁽[⁰-⁹]⁾[₀-₉]+\)(?![⁰-⁹²³¹])", t) for t in texts)
    # As explain writes the same steps.
    assert "a⁽²⁾₁·(1 − a⁽²⁾₁)" in str(explain(L))


def test_the_slide_drawings_arrows_write_names_without_brackets():
    pytest.importorskip("graphviz")
    from autograd import draw

    model, L = homework_loss()
    source = draw(L, style="slide", edge_labels=True).source
    labels = re.findall(r'-> \w+ \[label="([^"]*)"', source)
    assert "a⁽²⁾₁·(1 − a⁽²⁾₁) = 0.215" in labels
    assert "1 − (a⁽¹⁾₁)² = 0.453" in labels
    assert "a⁽¹⁾₁ = 0.74" in labels and "w⁽²⁾₁₁ = 1.1" in labels
    # A constant operand is its number: said once, not as "(−0.5) = −0.5".
    assert "−0.5" in labels and "(−0.5) = −0.5" not in labels


@pytest.mark.browser
def test_the_pages_update_step_writes_the_derivative_of_a_name_without_brackets(tmp_path):
    """The update step is written by the page's program: ∂L/∂w⁽¹⁾₁₁, as in_derivative writes it."""
    pytest.importorskip("graphviz")
    from browser import launched_chromium

    from autograd.views.stepper import write_stepper

    model, L = homework_loss()
    path = write_stepper(L, tmp_path / "steps.html", lr=0.1)
    with launched_chromium() as chromium:
        page = chromium.new_page(viewport={"width": 1280, "height": 720}, reduced_motion="reduce")
        page.goto(path.as_uri())
        page.keyboard.press("End")
        text = page.inner_text(".cr-current")
    assert "One step of gradient descent" in text
    assert "w⁽¹⁾₁₁ ← w⁽¹⁾₁₁ − η·∂L/∂w⁽¹⁾₁₁ = 0.5 − 0.1 · " in text, text
    assert "∂L/∂(" not in text


def test_the_stepper_board_says_a_negative_constants_slope_once():
    pytest.importorskip("graphviz")
    model, L = homework_loss()
    texts = [s["text"] for s in _lesson(L)["steps"]]
    w12 = weight(model, 1, 1, 2)
    # ∂t/∂w⁽¹⁾₁₂ is the input x₂ = −0.5, a constant: its formula is its number, written once, as explain does.
    step = next(t for t in texts if t.startswith("∂L/∂w⁽¹⁾₁₂ = "))
    assert step.count("(−0.0672) · (−0.5) = ") == 1, step
    assert [line for line in str(explain(L)).splitlines() if line.startswith("∂L/∂w⁽¹⁾₁₂ = ")] == [step]
    assert math.isclose(w12.grad, -0.0672 * -0.5, rel_tol=1e-3)


def test_a_name_with_a_layer_superscript_is_bracketed_when_raised_to_a_power():
    from autograd.views.quiz import board_expression

    a = Value(0.5, label="a_1^{(2)}")
    s = a ** 2
    s.label = "s"
    assert board_expression(s, {a: "a⁽²⁾₁", s: "s"}) == "(a⁽²⁾₁)²"
    assert "s = (a⁽²⁾₁)²" in str(explain(s))
    assert r"{(a_{1}^{(2)})}^{2}" in explain(s).to_latex()
    # A subscript alone needs nothing: x₁² is read as it is meant.
    x = Value(0.5, label="x_1")
    assert board_expression(x ** 2, {x: "x₁", x ** 2: "t"}) == "x₁²"
