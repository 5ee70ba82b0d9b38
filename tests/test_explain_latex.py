"""explain(L).to_latex() and .to_markdown(): the same lesson for notes and slides."""

import math
import re
import shutil
import subprocess

import pytest

from autograd import Value, explain
from autograd.views.naming import number_text


def notes_product():
    r, s = Value(2.0, label="r"), Value(3.0, label="s")
    y = r * s
    y.label = "y"
    xy = r * y
    xy.label = "xy"
    f = xy * s
    f.label = "f"
    return f


def neuron():
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    x2, w2 = Value(0.0, label="x2"), Value(1.0, label="w2")
    n = x1 * w1 + x2 * w2 + Value(6.8813735870195432, label="b")
    n.label = "n"
    L = n.tanh()
    L.label = "L"
    return L


# Labels with every character LaTeX treats specially, and some that are not ASCII.
AWKWARD = ["w#2", "a$b", "100%", "{x}", "back\\slash", "x^y", "a~b", "a&b", "x_12", "α", "Δw", "é",
           "two words", 'q"', "layer.w.0", "日本", "x²", "`", "Ωλ", "Αβ"]


def awkward():
    leaves = [Value(0.1 * (i + 1), label=label) for i, label in enumerate(AWKWARD)]
    t = leaves[0]
    for v in leaves[1:]:
        t = t * v + 1e-5
    kink = Value(0.0, label="k")
    return (t.tanh() + abs(kink) + (leaves[0] / leaves[1]) ** 3 - (-leaves[2]).exp() + leaves[3].sqrt()
            + leaves[4] ** leaves[5] + leaves[6].sigmoid() + leaves[7].log()).relu()


GRAPHS = {"product": notes_product, "neuron": neuron, "awkward": awkward}


def rows(latex):
    # The rows of the align* block, without the page breaks allowed between steps.
    body = latex.removeprefix("\\begin{align*}\n").removesuffix("\n\\end{align*}")
    return [row.removesuffix(r" \displaybreak[0]") for row in body.split(" \\\\\n")]


def tag(row):
    """The operation a row is tagged with (``\\tag*``), or None."""
    match = re.search(r" \\tag\*\{\\ensuremath\{\((.*)\)\}\}$", row)
    return match and match.group(1)


def unescaped(latex, ch):
    """Positions of ``ch`` not written as ``\\ch``."""
    return [m.start() for m in re.finditer(rf"(?<!\\){re.escape(ch)}", latex)]


def test_gradients_are_fractions_with_subscripts_from_labels():
    latex = explain(neuron()).to_latex()
    assert r"\frac{\partial L}{\partial w_1}" in latex
    assert r"\frac{\partial L}{\partial x_1}" in latex
    assert r"\frac{\partial L}{\partial n} &= \frac{\partial L}{\partial L} \cdot " \
        r"\frac{\partial \tanh(n)}{\partial n} = 1 \cdot \left(1 - {L}^{2}\right)" in latex


def test_latex_has_one_row_per_step_and_per_sum_and_the_start():
    f = notes_product()
    steps = explain(f)
    body = rows(steps.to_latex())
    assert len(body) == 1 + len(steps) + sum(1 for s in steps if s.sum_of)
    assert body[0] == r"\frac{\partial f}{\partial f} &= 1 \tag*{\ensuremath{(\text{start})}}"
    assert r"\frac{\partial f}{\partial s} &= 12 + 12 = 24" in body
    assert r"\frac{\partial f}{\partial r} &= 18 + 18 = 36" in body
    assert len(rows(steps.to_latex(header=False))) == len(body) - 1


def test_latex_rows_show_formula_then_number():
    body = rows(explain(neuron()).to_latex())
    exact = 1 - math.tanh(0.8813735870195432) ** 2  # ∂L/∂n = ∂L/∂t1: the additions pass it on
    slope = number_text(exact)
    into_w1 = [row for row in body if row.startswith(r"\frac{\partial L}{\partial w_1}")]
    assert into_w1 == [
        rf"\frac{{\partial L}}{{\partial w_1}} &= \frac{{\partial L}}{{\partial t_1}} \cdot "
        rf"\frac{{\partial t_1}}{{\partial w_1}} = {slope} \cdot {{x_1}} = {slope} \cdot 2 = "
        rf"{number_text(2 * exact)}"
        r" \tag*{\ensuremath{(t_1 = x_1 \cdot w_1)}}"
    ]


@pytest.mark.parametrize("text, latex", [
    ("1e-05", r"10^{-5}"), ("2.5e+10", r"2.5 \times 10^{10}"), ("-3", "-3"), ("inf", r"\infty"),
    ("nan", r"\mathrm{NaN}"),
])
def test_latex_numbers(text, latex):
    out = Value(1.0, label="x") * float(text)  # ∂L/∂x is the number itself
    last = rows(explain(out).to_latex())[-1]  # the step's result, which its operation tags
    assert f"= {latex}" + r" \tag*{\ensuremath{(L = x \cdot " in last


@pytest.mark.parametrize("name", GRAPHS)
def test_latex_is_balanced_and_escapes_every_special_character(name):
    latex = explain(GRAPHS[name]()).to_latex()
    assert latex.startswith("\\begin{align*}\n") and latex.endswith("\n\\end{align*}")
    depth = 0
    for m in re.finditer(r"\\[{}]|[{}]", latex):
        if m.group() in "{}":
            depth += 1 if m.group() == "{" else -1
            assert depth >= 0
    assert depth == 0
    assert latex.count("\\left(") == latex.count("\\right)")
    for ch in "#$%":
        assert unescaped(latex, ch) == [], ch
    for row in rows(latex):
        # & only aligns, once a row: at the relation (or where a row goes on).
        assert len(unescaped(row, "&")) == 1, row
        # every subscript and superscript has an argument
        assert not re.search(r"(?<!\\)[_^](?![{\w\\])", row), row
    assert all(ord(ch) < 128 for ch in latex)


def test_awkward_labels_become_escaped_symbols():
    latex = explain(awkward()).to_latex()
    for written in (r"\mathit{w\#2}", r"\mathit{a\$b}", r"\mathit{100\%}", r"\mathit{a\&b}", r"x_{12}",
                    r"\mathit{\alpha{}}", r"\mathit{\Delta{}w}", r"\mathit{two\ words}",
                    r"\mathit{back\backslash{}slash}", r"\mathit{\text{U+65E5}\text{U+672C}}"):
        assert written in latex, written


def pdflatex():
    return shutil.which("pdflatex") or shutil.which("latex")


@pytest.mark.skipif(pdflatex() is None, reason="needs pdflatex (texlive-latex-base)")
def test_latex_compiles_as_it_is(tmp_path):
    blocks = [explain(make()).to_latex() for make in GRAPHS.values()]
    blocks.append(explain(awkward(), fmt="+.3e").to_latex())
    blocks.append(explain(Value(1.0, label="x") * 2).to_latex())
    document = "\n".join([
        r"\documentclass{article}", r"\usepackage{amsmath}", r"\usepackage[landscape,margin=1cm]{geometry}",
        r"\begin{document}", *blocks, r"\end{document}", "",
    ])
    (tmp_path / "lesson.tex").write_text(document, encoding="utf-8")
    run = subprocess.run(
        [pdflatex(), "-interaction=nonstopmode", "-halt-on-error", "lesson.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    assert "Undefined control sequence" not in run.stdout


# ----------------------------------------------------------------------
# Markdown


def cells(line):
    assert line.startswith("| ") and line.endswith(" |"), line
    return re.split(r"(?<!\\)\|", line[1:-1])


@pytest.mark.parametrize("name", GRAPHS)
def test_markdown_is_a_table_with_a_row_per_step(name):
    steps = explain(GRAPHS[name]())
    lines = steps.to_markdown().splitlines()
    widths = {len(cells(line)) for line in lines}
    assert widths == {6}
    assert all(c.strip() == "---" for c in cells(lines[1]))
    assert len(lines) == 2 + 1 + len(steps)  # header, rule, start, steps


def test_markdown_rows_hold_the_steps_numbers_and_sums():
    steps = explain(notes_product())
    lines = steps.to_markdown().splitlines()
    last_into_s = max(k for k, s in enumerate(steps) if s.input.label == "s")
    row = [c.strip() for c in cells(lines[3 + last_into_s])]
    assert row == [str(last_into_s + 1), "via y: ∂f/∂y · ∂y/∂s", "r = 2", "12", "∂f/∂s = 12 + 12 = 24",
                   "y = r · s"]


def test_markdown_escapes_what_would_break_the_table():
    a, b = Value(1.0, label="a|b"), Value(2.0, label="*c*")
    out = a * b
    lines = explain(out).to_markdown().splitlines()
    assert {len(cells(line)) for line in lines} == {6}
    assert r"a\|b" in lines[3] and r"\*c\*" in lines[3]
