"""LaTeX that fits the page: the lecture networks' LaTeX, set in a plain article, runs into no margin.

A teacher pastes ``explain(L).to_latex()``, ``nn.deltas(...).to_latex()`` and
``derive(L, w).latex`` into ``\\documentclass{article}`` with amsmath. pdflatex
reports every line wider than the text as ``Overfull \\hbox (… too wide)``;
none may be wider by more than a few points, and no page may be empty. The
unit tests below check the rule that breaks the rows, without pdflatex.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from lecture_networks import delta_rule, homework

import autograd
import nn
from autograd import explain
from autograd.views import latex_lines
from nn import MLP, mse_loss

PDFLATEX = shutil.which("pdflatex")
needs_pdflatex = pytest.mark.skipif(PDFLATEX is None, reason="needs pdflatex (texlive-latex-base)")
# What a line may run past the text width: TeX's own rounding, no more.
SLACK_PT = 5.0


def two_four_one():
    """A 2-4-1 network, tanh hidden and a sigmoid output, as the homework's but wider."""
    model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    return model, [0.7, -1.2], 1.0


def wide():
    """A 3-16-16-2 network: wider than a page holds, and than amsmath's bmatrix (10 columns)."""
    model = MLP(3, [16, 16, 2], activation="tanh", seed=0)
    return model, [0.5, -1.0, 0.2], [1.0, 1.0]


NETWORKS = {
    "homework": lambda: homework(bias=False),
    "homework-bias": lambda: homework(bias=True),
    "2-4-1": two_four_one,
    "delta-rule": delta_rule,
    "3-16-16-2": wide,
}


def loss_of(name):
    """The network, its sample, and L, the squared error on that sample (nn.mse_loss, as the demos)."""
    model, x, y = NETWORKS[name]()
    return model, x, y, mse_loss([model(x)], [y])


def explain_body(name):
    return explain(loss_of(name)[3]).to_latex()


def deltas_body(name):
    model, x, y, _ = loss_of(name)
    return nn.deltas(model, x, y, loss=mse_loss).to_latex()


def derive_body(name):
    model, _, _, L = loss_of(name)
    return "\n".join(rf"\[ {autograd.derive(L, p).latex} \]" for p in model.parameters())


VIEWS = {"explain": explain_body, "deltas": deltas_body, "derive": derive_body}

# The homework's three documents are the default run's; the other networks' take a few seconds more.
DOCUMENTS = [
    pytest.param(view, name, id=f"{view}-{name}", marks=() if name == "homework" else pytest.mark.slow)
    for view in VIEWS for name in NETWORKS if name != "3-16-16-2"
] + [pytest.param("deltas", "3-16-16-2", id="deltas-3-16-16-2")]  # the layer view is what a wide net gets


def document(body):
    # What the docstrings ask for: amsmath, nothing else.
    preamble = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
    return preamble + body + "\n\\end{document}\n"


@functools.cache
def compiled(view, name):
    """pdflatex's log and the PDF's path for one view of one network (compiled once per run)."""
    folder = Path(tempfile.mkdtemp(prefix=f"latex-fit-{view}-{name}-"))
    (folder / "notes.tex").write_text(document(VIEWS[view](name)), encoding="utf-8")
    run = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "notes.tex"],
                         cwd=folder, capture_output=True, text=True, errors="replace", timeout=300)
    assert run.returncode == 0, run.stdout[-3000:]
    return (folder / "notes.log").read_text(encoding="utf-8", errors="replace"), folder / "notes.pdf"


def overfull(log):
    """Every ``Overfull \\hbox (N pt too wide)`` of a log, in points."""
    return [float(pt) for pt in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]


@needs_pdflatex
@pytest.mark.parametrize("view, name", DOCUMENTS)
def test_no_line_runs_past_the_text_width(view, name):
    log, _ = compiled(view, name)
    assert [pt for pt in overfull(log) if pt > SLACK_PT] == []
    # Nothing taller than a page either (a block that cannot break sends an empty page).
    assert "Overfull \\vbox" not in log


@needs_pdflatex
@pytest.mark.parametrize("view, name", DOCUMENTS)
def test_no_page_is_empty(view, name):
    pypdf = pytest.importorskip("pypdf")
    _, pdf = compiled(view, name)
    pages = pypdf.PdfReader(pdf).pages
    # Every page has more than its page number on it.
    assert [k for k, page in enumerate(pages, 1) if len(page.extract_text().strip()) <= len(str(k))] == []


@needs_pdflatex
def test_the_width_estimate_is_never_narrower_than_tex(tmp_path):
    """latex_lines.width against TeX's own measure of the same math, on the rows the views write."""
    pieces = set()
    for name in ("homework-bias", "delta-rule"):
        for row in explain_body(name).split(" \\\\\n"):
            row = re.sub(r"^\\begin\{align\*\}\n| \\displaybreak\[0\]$|\n\\end\{align\*\}$", "", row)
            row = re.sub(r" \\tag\*\{\\ensuremath\{(.*)\}\}$", "", row)
            pieces.add(row.replace("&", ""))
        model, _, _, L = loss_of(name)
        for p in model.parameters()[:3]:
            lines = autograd.derive(L, p).latex.replace("&", "").split(" \\\\\n")
            pieces.update(re.sub(r"\\(begin|end)\{aligned\}\n?", "", line) for line in lines)
    pieces = sorted(pieces)
    measure = "\n".join(rf"\sbox0{{$\displaystyle {p}$}}\typeout{{WIDTH {k}: \the\wd0}}"
                        for k, p in enumerate(pieces))
    (tmp_path / "m.tex").write_text(document(measure), encoding="utf-8")
    run = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "m.tex"], cwd=tmp_path,
                         capture_output=True, text=True, errors="replace", timeout=300)
    assert run.returncode == 0, run.stdout[-3000:]
    tex = {int(k): float(pt) for k, pt in re.findall(r"WIDTH (\d+): ([\d.]+)pt", run.stdout)}
    assert len(tex) == len(pieces) > 50
    short = [(pieces[k], tex[k], latex_lines.width(pieces[k])) for k in tex
             if latex_lines.width(pieces[k]) < tex[k] - 2.0]
    assert short == []


# ----------------------------------------------------------------------
# The breaking rule, without pdflatex


def _group(text, i):
    """The braced group that opens at ``text[i]``, and where it ends."""
    depth = 0
    for j in range(i, len(text)):
        if text[j] in "{}" and text[j - 1] != "\\":
            depth += 1 if text[j] == "{" else -1
            if depth == 0:
                return text[i + 1:j], j + 1
    raise ValueError(f"unbalanced braces in {text!r}")


_SHOWN = {"cdot": "·", "partial": "∂", "quad": "  ", "qquad": "    ", "tanh": "tanh", "ln": "ln",
          "exp": "exp", "sigma": "σ", "colon": ":", "Big": "", "left": "", "right": "", "text": "",
          "mathit": "", "hphantom": "", "operatorname": "", "ensuremath": "", "tag": "    ",
          "displaybreak": "", "lvert": "|", "rvert": "|"}


def visible(latex):
    """What a reader sees of a row, one character a symbol: a fraction is its wider part."""
    latex = latex.replace(r"\displaybreak[0]", "")
    shown = ""
    i = 0
    while i < len(latex):
        if latex.startswith(r"\frac", i):
            top, i = _group(latex, i + 5)
            bottom, i = _group(latex, i)
            shown += max(visible(top), visible(bottom), key=len)
            continue
        command = re.match(r"\\([A-Za-z]+)\*?", latex[i:])
        if command:
            shown += _SHOWN.get(command.group(1), "x")  # a Greek letter, \infty...
            i += len(command.group(0))
        elif latex[i] == "\\":
            shown += " " if latex[i + 1] in " ,;" else latex[i + 1]
            i += 2
        else:
            shown += "" if latex[i] in "{}_^& " else latex[i]
            i += 1
    return shown


def rows(latex):
    body = latex.removeprefix("\\begin{align*}\n").removesuffix("\n\\end{align*}")
    return body.split(" \\\\\n")


# An article's line holds about 70 of these characters (scripts counted whole, so fewer are shown).
LINE = 75


@pytest.mark.parametrize("name", NETWORKS)
def test_no_row_of_a_networks_explanation_is_longer_than_a_line(name):
    long = [visible(row) for row in rows(explain_body(name)) if len(visible(row)) > LINE]
    assert long == []


def test_a_step_too_long_for_a_line_goes_on_after_an_equals_sign():
    body = rows(explain_body("homework"))
    going_on = [k for k, row in enumerate(body) if row.startswith("&=")]
    assert going_on
    # Each goes on from the row before it: the same step, which has no result yet.
    for k in going_on:
        before = body[k - 1]
        assert not before.endswith(r"\displaybreak[0]") and r"\tag*" not in before, before


def test_every_step_is_tagged_with_its_operation_once():
    L = loss_of("homework-bias")[3]
    steps = explain(L)
    body = explain(L).to_latex()
    tags = re.findall(r"\\tag\*\{\\ensuremath\{\((.*?)\)\}\}", body)
    assert len(tags) == 1 + len(steps)  # the start, then one a step
    assert "&&" not in body


def test_a_page_may_end_between_steps_only():
    body = rows(explain_body("delta-rule"))
    for row, after in zip(body, body[1:]):
        # A row that goes on (starting with &) is never the first of a page.
        if after.startswith("&"):
            assert not row.endswith(r"\displaybreak[0]"), (row, after)
    assert sum(row.endswith(r"\displaybreak[0]") for row in body) > 100


def test_a_sum_too_long_for_a_line_is_broken_before_a_plus():
    # x feeds 24 products: its gradient is a sum of 24 contributions, and L's operation a sum of 24 terms.
    x = autograd.Value(0.5, label="x_{1}^{(0)}")
    terms = [x * autograd.Value(0.01 * k - 0.1, label=f"w_{{{k}}}^{{(1)}}") for k in range(1, 25)]
    L = autograd.sum(terms)
    L.label = "L"
    body = rows(explain(L).to_latex())
    assert [visible(row) for row in body if len(visible(row)) > LINE] == []
    going_on = [row for row in body if row.startswith((r"&\qquad + ", r"&\qquad - "))]
    assert len(going_on) >= 2
    # L's operation, too long for a tag, has rows of its own under each of its 24 steps: (L = … + …).
    assert sum(row.startswith(r"&\qquad (L = t_1 + t_2") for row in body) == 24
    assert sum(row.endswith(r"&\qquad + t_{22} + t_{23} + t_{24}) \displaybreak[0]") for row in body) == 24
    assert not any(r"\tag*{\ensuremath{(L = " in row for row in body)
    # In the local derivative's numerator that sum is written as on the board.
    assert any(r"\frac{\partial (t_1 + \cdots + t_{24})}{\partial t_5}" in row for row in body)


def test_derivation_that_fits_stays_one_line():
    model, _, _, L = loss_of("homework")
    d = autograd.derive(L, model.parameters()[-1])
    assert "aligned" not in d.latex and "\\\\" not in d.latex
    assert len(visible(d.latex)) <= LINE


def test_long_derivation_is_one_path_a_line_broken_before_a_dot():
    model, _, _, L = loss_of("delta-rule")
    d = autograd.derive(L, model.parameters()[0])
    latex = d.latex
    assert latex.startswith("\\begin{aligned}\n") and latex.endswith("\n\\end{aligned}")
    lines = latex.removeprefix("\\begin{aligned}\n").removesuffix("\n\\end{aligned}").split(" \\\\\n")
    starts = [line for line in lines if line.startswith((r"&\quad + ", r"&\quad - "))]
    assert len(starts) == len(d.paths) - 1
    assert all(line.startswith(r"&\qquad\quad \cdot ") for line in lines[1:] if line not in starts)
    assert all(len(visible(line)) <= LINE for line in lines)


def test_top_level_terms_cut_outside_brackets_only():
    text = r"2(a - y) \cdot \left(1 - {a}^{2}\right) \cdot x_{1} + b - c"
    pieces = latex_lines.top_level_terms(text)
    assert "".join(pieces) == text
    assert pieces == [r"2(a - y)", r" \cdot \left(1 - {a}^{2}\right)", r" \cdot x_{1}", " + b", " - c"]


def test_pack_fills_each_line_as_far_as_it_goes():
    pieces = [r" \cdot x_{1}"] * 40
    lines = latex_lines.pack(pieces, 100.0)
    assert "".join(lines) == "".join(pieces)
    assert all(latex_lines.width(line) <= 100.0 for line in lines)
    # Greedy: the next piece would not have fitted on any line but the last.
    assert all(latex_lines.width(line + pieces[0]) > 100.0 for line in lines[:-1])


def test_width_counts_a_fraction_as_its_wider_part_and_scripts_stacked():
    w = latex_lines.width
    assert w(r"\frac{\partial L}{\partial w_{12}^{(2)}}") == pytest.approx(w(r"\partial w_{12}^{(2)}") + 2.4)
    assert w(r"w_{12}^{(2)}") == pytest.approx(max(w(r"w_{12}"), w(r"w^{(2)}")))  # one above the other
    assert w("a + b") > w("a") + w("b")  # the spaces around a binary +
