"""The board's notation in every text view, and rounding noise shown as 0.

Every view a person reads (explain's text, Markdown and LaTeX, draw's labels,
frames' captions, the command line) is scanned on a set of lesson graphs for
what reads as code: ``+=``, ``**``, ``if``/``else``, doubled parentheses and a
hyphen used as a minus sign before a number. The lecture's examples are
checked line by line.
"""

from __future__ import annotations

import math
import re

import pytest
from test_identity import lecture  # the lecture's f = x·y·z, with identity

import autograd
from autograd import Value, explain
from autograd.cli.main import main as cli
from autograd.views.naming import (
    ROUNDING,
    expression,
    node_names,
    noise_free,
    number_text,
    shown_numbers,
    whole_expression,
)

# ----------------------------------------------------------------------
# Lesson graphs


def lecture_product(r: float = 2.0, s: float = 3.0) -> Value:
    """f = x·y·z with x = r, y = r·s, z = s (the lecture's notes)."""
    return lecture(Value(r, label="r"), Value(s, label="s"))


def delta_rule_neuron() -> Value:
    """One sigmoid neuron with a squared loss, at z = 0: ∂L/∂z = 2(a − y)·a(1 − a) = −0.125."""
    w, x, b = Value(0.5, label="w"), Value(2.0, label="x"), Value(-1.0, label="b")
    target = Value(0.75, label="y")
    z = w * x + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    L = (a - target) ** 2
    L.label = "L"
    return L


def sine_of_square() -> Value:
    x = Value(1.5, label="x")
    f = (x**2).sin()
    f.label = "f"
    return f


def relu_neuron(at: float = 0.5) -> Value:
    n = Value(at, label="n")
    out = n.relu() * -2.0 + abs(n - 1.0) / (n + 3.0) - (-n).exp()
    out.label = "out"
    return out


def two_two_one() -> Value:
    x1, x2 = Value(0.5, label="x1"), Value(-1.5, label="x2")
    w = [Value(v, label=f"w{i}") for i, v in enumerate([0.3, -0.7, 1.1, 0.2, -0.4, 0.9], 1)]
    h1 = (w[0] * x1 + w[1] * x2).tanh()
    h2 = (w[2] * x1 + w[3] * x2).tanh()
    o = (w[4] * h1 + w[5] * h2).sigmoid()
    L = (o - 1.0) ** 2 + o ** -1.0 + o ** 0.5
    L.label = "L"
    return L


def rounding_noise() -> Value:
    a = Value(0.5, label="a")
    z = a - 0.6 + 0.1
    z.label = "z"
    L = z * a + (a * 2.0).sin() * z
    L.label = "L"
    return L


LESSONS = {
    "lecture product": lecture_product,
    "delta rule": delta_rule_neuron,
    "sin(x²)": sine_of_square,
    "relu above its kink": relu_neuron,
    "relu at its kink": lambda: relu_neuron(0.0),
    "relu below its kink": lambda: relu_neuron(-0.4),
    "2-2-1 network": two_two_one,
    "rounding noise": rounding_noise,
}

# What reads as code rather than as the board.
CODE_LIKE = {
    "+=": re.compile(r"\+="),
    "**": re.compile(r"\*\*"),
    "if": re.compile(r"\bif\b"),
    "else": re.compile(r"\belse\b"),
    "((": re.compile(r"\(\("),
    "hyphen as minus": re.compile(r"(?<![\w)])-\d|e-\d"),
}


def code_like(text: str, allow: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Every (pattern, line) of ``text`` that reads as code."""
    return [
        (what, line) for line in text.splitlines() for what, pattern in CODE_LIKE.items()
        if what not in allow and pattern.search(line)
    ]


def test_the_scan_finds_each_thing_it_looks_for():
    # The scan itself must be able to fail.
    samples = ["∂L/∂a += 1", "t5 = t4 ** 2", "(1 if n > 0 else 0)", "tanh((−0.21))", "= -3", "1e-05"]
    found = {what for text in samples for what, _ in code_like(text)}
    assert found == set(CODE_LIKE)
    assert code_like("∂L/∂b = ∂L/∂z · ∂z/∂b = (−0.125) · 1 = −0.125   (z = t1 + b)") == []


# ----------------------------------------------------------------------
# Each view, on each lesson


@pytest.mark.parametrize("name", LESSONS)
def test_explain_text_markdown_and_latex_read_as_the_board(name):
    steps = explain(LESSONS[name]())
    assert code_like(steps.text(header=True)) == []
    assert code_like(steps.to_markdown()) == []
    # LaTeX sets a hyphen in math mode as the minus sign; the rest holds there too.
    assert code_like(steps.to_latex(), allow=("hyphen as minus",)) == []
    assert r"\mathrel{+}=" not in steps.to_latex()
    assert [s for s in steps.to_dict()["steps"] if code_like(s["text"] + "\n" + s["sum"])] == []


@pytest.mark.parametrize("name", LESSONS)
@pytest.mark.parametrize("style", ["default", "slide"])
def test_drawing_labels_read_as_the_board(name, style):
    pytest.importorskip("graphviz")
    root = LESSONS[name]()
    root.backward()
    source = autograd.draw(root, style=style, edge_labels=True).source
    labels = re.findall(r'label="((?:[^"\\]|\\.)*)"|label=(\S+)', source)
    texts = [quoted or bare for quoted, bare in labels]
    assert texts
    assert [(t, found) for t in texts for found in code_like(t)] == []


@pytest.mark.parametrize("name", LESSONS)
def test_frame_captions_read_as_the_board(name):
    pytest.importorskip("graphviz")
    from autograd.views.frames import _frames  # the captions, without rendering a picture per step

    captions = [frame.caption for fmt in (None, ".3g") for frame in _frames(LESSONS[name](), 1.0, fmt)]
    assert [(c, found) for c in captions for found in code_like(c)] == []


def written_frames(root: Value, folder) -> autograd.Frames:
    pytest.importorskip("graphviz")
    try:
        return autograd.write_frames(root, folder, "svg", renderer="graphviz-pure")
    except autograd.RendererNotFoundError:
        pytest.skip("no renderer")


def test_written_frames_carry_the_planned_captions(tmp_path):
    from autograd.views.frames import _frames

    frames = written_frames(lecture_product(), tmp_path)
    assert frames.captions == [frame.caption for frame in _frames(lecture_product(), 1.0, ".3g")]
    assert "backward: via y: ∂f/∂y · ∂y/∂s = 6 · r = 6 · 2 = 12\n(y = r · s)\n∂f/∂s = 12 + 12 = 24" \
        in frames.captions


CLI_LESSONS = [
    ("x**2*y - relu(n) + (0.5 - 0.6 + 0.1)*x", ["x=-2", "y=3", "n=0.5"]),
    ("tanh(w1*x1 + w2*x2 + b)", ["x1=2", "x2=0", "w1=-3", "w2=1", "b=6.8813735870195432"]),
    ("-x**2 + abs(x - 5) / (1 + x) - exp(-x)", ["x=-0.21"]),
    ("x**2*y - relu(n) + tanh(-0.21*y)", ["x=-2", "y=3", "n=0.5"]),
    ("relu(n) * -2", ["n=0"]),
]


@pytest.mark.parametrize("expression, at", CLI_LESSONS)
def test_the_command_line_prints_the_board(expression, at, capsys):
    assert cli([expression, "--at", *at]) == 0
    out = capsys.readouterr().out
    assert code_like(out) == [], out


def test_the_command_line_writes_the_expression_as_on_the_board(capsys):
    cli(["-x**2 + 3*x - tanh(-0.21*y)", "--at", "x=2", "y=1"])
    first = capsys.readouterr().out.splitlines()[0]
    assert first == "f = −x² + 3 · x − tanh(−0.21 · y)"


# ----------------------------------------------------------------------
# The lecture's examples, line by line


def test_the_lecture_product_explains_each_path_and_the_sums():
    lines = explain(lecture_product()).text().splitlines()
    assert lines == [
        "∂f/∂t1 = ∂f/∂f · ∂(t1 · z)/∂t1 = 1 · z = 1 · 3 = 3   (f = t1 · z)",
        "∂f/∂z = ∂f/∂f · ∂(t1 · z)/∂z = 1 · t1 = 1 · 12 = 12   (f = t1 · z)",
        "via z: ∂f/∂z · ∂z/∂s = 12 · 1 = 12   (z = s)",
        "∂f/∂x = ∂f/∂t1 · ∂t1/∂x = 3 · y = 3 · 6 = 18   (t1 = x · y)",
        "∂f/∂y = ∂f/∂t1 · ∂t1/∂y = 3 · x = 3 · 2 = 6   (t1 = x · y)",
        "via y: ∂f/∂y · ∂y/∂r = 6 · s = 6 · 3 = 18   (y = r · s)",
        "via y: ∂f/∂y · ∂y/∂s = 6 · r = 6 · 2 = 12   (y = r · s)",
        "∂f/∂s = 12 + 12 = 24",
        "via x: ∂f/∂x · ∂x/∂r = 18 · 1 = 18   (x = r)",
        "∂f/∂r = 18 + 18 = 36",
    ]


def test_a_value_with_one_use_reads_as_one_equation():
    lines = explain(delta_rule_neuron()).text().splitlines()
    assert "∂L/∂b = ∂L/∂z · ∂z/∂b = (−0.125) · 1 = −0.125   (z = t1 + b)" in lines
    assert "∂L/∂t2 = ∂L/∂L · ∂(t2²)/∂t2 = 1 · 2·t2 = 1 · (−0.5) = −0.5   (L = t2²)" in lines


@pytest.mark.parametrize("at, case", [(0.5, "1, since n = 0.5 > 0"), (-0.4, "0, since n = −0.4 ≤ 0"),
                                      (0.0, "0, since n = 0 ≤ 0")])
def test_relu_slope_is_the_case_that_holds(at, case):
    n = Value(at, label="n")
    out = n.relu()
    out.label = "out"
    (step,) = explain(out * 2.0)[1:]
    assert step.local_formula == case
    assert f"· ({case}) = " in step.format()
    latex = explain(out * 2.0).to_latex()
    assert r"\text{since }" in latex and " if " not in latex
    assert (r"{n} = 0.500 > 0" in explain(out * 2.0, fmt=".3f").to_latex()) == (at == 0.5)


def test_a_negative_number_gets_one_pair_of_parentheses():
    # Written with numbers in the place of names (as the stepper writes a forward step).
    x = Value(-0.21)
    t = (2.0 * x).tanh()
    product = t.inputs[0]
    for wrap in (lambda text: text, lambda text: f"({text})" if text.startswith("−") else text):
        numbers = {v: wrap(number_text(v.data)) for v in autograd.topological_order(t)}
        assert expression(t, numbers) == "tanh(−0.42)"
        assert expression(product, numbers) == "2 · (−0.21)"
        doubled = x * 2.0
        first = {v: wrap(number_text(v.data)) for v in autograd.topological_order(doubled)}
        assert expression(doubled, first) == "−0.21 · 2"  # first in a product: no parentheses


def test_numbers_have_a_true_minus_and_never_a_minus_zero():
    assert number_text(-3.0) == "−3" and number_text(1e-5) == "1e−05" and number_text(-0.0) == "0"
    assert number_text(-0.001, ".2f") == "0.00"
    x = Value(-2.0, label="x")
    L = x.relu() * -1.0
    L.label = "L"
    assert "−0" not in explain(L).text() and "-0" not in explain(L).text()


# ----------------------------------------------------------------------
# Rounding noise is 0 in every view; the float stays


def test_noise_free_is_the_one_rule():
    assert noise_free(0.5 - 0.6 + 0.1, (0.1, 0.5 - 0.6)) == 0.0
    # A small number that is not the rounding of a zero stays: a leaf, a product of small factors.
    assert noise_free(1e-20) == 1e-20
    assert noise_free(1e-8 * 1e-8, (1e-8, 1e-8)) == 1e-8 * 1e-8
    assert noise_free(-0.0) == 0.0 and math.copysign(1.0, noise_free(-0.0)) == 1.0
    # The edge of the rule: 1e-12 times the largest source.
    assert noise_free(ROUNDING * 2.0, (2.0,)) == 0.0
    assert noise_free(ROUNDING * 2.0 * 1.01, (2.0,)) == ROUNDING * 2.0 * 1.01


def test_zero_up_to_rounding_reads_0_and_keeps_its_float():
    L = rounding_noise()
    z = L.inputs[0].inputs[0]
    assert z.label == "z" and z.data == 0.5 - 0.6 + 0.1 != 0.0  # the float itself is kept
    steps = explain(L)
    text = steps.text()
    assert "e−17" not in text and "e-17" not in text
    assert "∂L/∂a" in text
    order = autograd.topological_order(L)
    shown = shown_numbers(order, steps.gradients)
    assert shown[z].data == 0.0 and shown[z].exact_data == z.data
    assert steps.to_dict()["nodes"][order.index(z)]["shown_data"] == 0.0


def test_a_drawing_shows_the_noise_as_0_and_the_float_on_hover():
    pytest.importorskip("graphviz")
    L = rounding_noise()
    L.backward()
    source = autograd.draw(L).source
    (box,) = [line for line in source.splitlines() if "{ z |" in line]
    assert "data 0 |" in box
    assert f"tooltip=\"z: data = {(0.5 - 0.6 + 0.1)!r} (0 up to rounding)" in box
    try:
        svg = autograd.draw(L, renderer="graphviz-pure").svg()
    except autograd.RendererNotFoundError:
        svg = None
    if svg is not None:  # in the picture: the box's tooltip
        assert f'xlink:title="z: data = {(0.5 - 0.6 + 0.1)!r}'.replace("-", "&#45;") in svg
    # So does every result computed from it that is 0 up to rounding (z·a, and the output);
    # the boxes of other numbers get no tooltip: the drawing of a lesson is as before.
    tips = re.findall(r'\[label="\{ (\S+) \| data (\S+) .*tooltip="', source)
    assert sorted(tips) == [("L", "0"), ("t2", "0"), ("t5", "0"), ("z", "0")]


def test_the_command_line_prints_the_noise_as_0(capsys):
    cli(["a - 0.6 + 0.1", "--at", "a=0.5"])
    out = capsys.readouterr().out
    assert "f = 0\n" in out and "e-17" not in out and "e−17" not in out


def test_frames_show_the_noise_as_0(tmp_path):
    frames = written_frames(rounding_noise(), tmp_path)
    assert "forward: z = t1 + 0.1 = 0" in frames.captions
    assert not any("e−17" in c or "e-17" in c for c in frames.captions)


# ----------------------------------------------------------------------
# Slide boxes: name, value and the gradient with its own name


def test_a_slide_box_stacks_name_value_and_its_own_gradient():
    pytest.importorskip("graphviz")
    f = lecture_product()
    f.backward()
    source = autograd.draw(f, style="slide").source
    assert 'label="r | value 2 | ∂f/∂r = 36"' in source
    assert 'label="s | value 3 | ∂f/∂s = 24"' in source
    assert "∂f/∂·" not in source
    # Stacked in a top-to-bottom drawing too (records turn with rankdir).
    assert '"{ r | value 2 | ∂f/∂r = 36 }"' in autograd.draw(f, style="slide", rankdir="TB").source


def test_the_whole_expression_uses_only_the_parentheses_it_needs():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    cases = [
        ((w * x + b).tanh(), "tanh(w · x + b)"), (x**2 - 3 * x, "x² − 3 · x"), (-(x * w), "−(x · w)"),
        (-x**2, "−x²"), ((-x) ** 2, "(−x)²"), (x - (w - b), "x − (w − b)"), (x / (w * b), "x / (w · b)"),
        ((x + w) ** b, "(x + w)^b"), (x * (-w), "x · (−w)"), ((x - 1) * (x + 1), "(x − 1) · (x + 1)"),
        ((-0.21 * x).tanh(), "tanh(−0.21 · x)"), (w - (-0.21) * x, "w − (−0.21 · x)"),
        (w + (-x), "w + (−x)"), (x * -2.0, "x · (−2)"), ((-2.0 * x) * w, "(−2 · x) · w"),
        ((-2.0) ** x, "(−2)^x"), (-x + 1, "−x + 1"), (x - (-2.0), "x − (−2)"),
    ]
    for e, text in cases:
        order = autograd.topological_order(e)
        assert whole_expression(e, node_names(order, e)) == text


def test_the_notebook_table_shows_the_noise_as_0():
    from autograd.views.notebook import _gradient_table

    a = Value(0.5, label="a")
    z = a - 0.6 + 0.1
    z.backward()
    table = _gradient_table(z, {"a": a}, node_names(autograd.topological_order(z), z))
    assert "e-17" not in table and "e−17" not in table
    assert "<td style='text-align: right'>0</td>" in table


@pytest.mark.parametrize("x, among, zero", [
    (0.5 - 0.6 + 0.1, (0.1, 0.5 - 0.6), True),  # 2.8e-17 from numbers near 0.1: rounding
    (1e-13, (1.0,), True),
    (1e-11, (1.0,), False),  # more than 1e-12 of the largest: a number
    (1e-20, (), False),  # computed from nothing: kept
    (float("nan"), (1.0,), False),
    (1e-13, (float("inf"), 1.0), False),  # from an infinity nothing is rounding noise
])
def test_the_quiz_and_the_views_agree_on_what_is_zero_up_to_rounding(x, among, zero):
    from autograd.views.quiz import zero_up_to_rounding

    assert zero_up_to_rounding(x, among) is zero
    assert (noise_free(x, among) == 0.0) is zero
