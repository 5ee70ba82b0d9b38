"""Signs as the board writes them: a negative constant in parentheses, a sum without doubled signs.

``(−3)ˣ`` and ``−3ˣ`` are different numbers (9 and −9 at x = 2), so a
negative constant is always written in parentheses, in every text form
(explain's text, Markdown, LaTeX, the command line). A sum of contributions
writes a negative term as a subtraction, ``12 − 3``, never ``12 - -3`` or
``12 + -3``. Either minus sign (``-`` or the board's ``−``) is accepted here.
"""

import re

import pytest

from autograd import Value, explain
from autograd.cli import main

MINUS = "[-−]"


def power_of_minus_three():
    """``o = (−3)^x``, the base a constant (a plain number lifted into the graph)."""
    x = Value(2.0, label="x")
    o = (-3.0) ** x  # (−3)^x, not −(3^x)
    o.label = "o"
    return o


def bare(text, number="3"):
    """Where a negative ``number`` is written without parentheses around it.

    A product that starts with it is the one exception: ``−3 · x`` is ``(−3) · x``
    whichever way it is read, as the board writes it.
    """
    found = []
    for m in re.finditer(rf".?{MINUS}\s?{number}(?![\d.]).?", text):
        if m.group().startswith("(") and m.group().endswith(")"):
            continue
        before, after = text[:m.start() + 1].rstrip(f"-−{number}"), text[m.end() - 1:]
        if after.startswith((" · ", r" \cdot ")) and (before == "" or before.endswith(("(", "= ", "=  "))):
            continue
        found.append(m.group())
    return found


def test_the_power_is_the_power_of_minus_three():
    o = power_of_minus_three()
    assert o.data == 9.0  # (−3)² — the graph is right; only its text is checked below


def test_explain_text_writes_the_negative_base_in_parentheses():
    steps = explain(power_of_minus_three())
    text = steps.text(header=True)
    assert re.search(rf"\({MINUS}3\)", steps[0].formula), steps[0].formula
    assert bare(text) == [], text


def test_markdown_writes_the_negative_base_in_parentheses():
    table = explain(power_of_minus_three()).to_markdown()
    assert re.search(rf"o = \({MINUS}3\)", table), table
    assert bare(table) == [], table


def test_latex_writes_the_negative_base_in_parentheses():
    latex = explain(power_of_minus_three()).to_latex()
    assert re.search(rf"o = \{{\({MINUS}3\)\}}\^\{{x\}}", latex), latex
    assert bare(latex) == [], latex


def test_the_cli_writes_the_negative_base_in_parentheses(capsys):
    assert main(["(-3) ** x", "--at", "x=2"]) == 0
    out = capsys.readouterr().out
    steps = [line for line in out.splitlines() if re.match(r"  ∂f/∂x \+?= ∂f/∂f · ", line)]
    assert steps and all(re.search(rf"\(f = \({MINUS}3\)", line) for line in steps), out
    assert bare(out) == [], out


@pytest.mark.parametrize("make, number", [
    (lambda x: x * -3.0, "3"),
    (lambda x: -3.0 * x, "3"),
    (lambda x: x + -0.5, "0.5"),
    (lambda x: x / -4.0, "4"),
    (lambda x: (x - 2.0) ** 2 * -1.5, "1.5"),
])
def test_every_formula_writes_a_negative_constant_in_parentheses(make, number):
    x = Value(1.25, label="x")
    o = make(x)
    o.label = "o"
    steps = explain(o)
    assert steps.order and any(not v.inputs and v.data < 0 for v in steps.order)
    formulas = {s.formula for s in steps} | {s.local_name for s in steps}
    for formula in formulas:
        assert bare(formula, number) == [], formula
    latex = explain(o).to_latex()
    operations = re.findall(r"\\tag\*\{\\ensuremath\{\((.*)\)\}\}", latex)
    assert operations
    for operation in operations:
        # The operation each row is tagged with is the formula.
        assert bare(operation, number) == [], operation


# ----------------------------------------------------------------------
# Sums of contributions


def used_twice(b, c):
    """``f = a·c + a·b``: ∂f/∂a receives b first (the newer product), then c."""
    a = Value(1.0, label="a")
    bv, cv = Value(b, label="b"), Value(c, label="c")
    t1 = a * cv
    t2 = a * bv
    f = t1 + t2
    f.label = "f"
    return f


def test_a_negative_term_after_the_first_is_subtracted():
    steps = explain(used_twice(12.0, -3.0))
    (last,) = [s for s in steps if s.sum_of]
    assert last.sum_of == (12.0, -3.0)
    assert re.fullmatch(rf"∂f/∂a = 12 {MINUS} 3 = 9", last.sum_text()), last.sum_text()
    assert last.sum_text() in steps.text().splitlines()


def test_markdown_and_latex_subtract_a_negative_term_too():
    steps = explain(used_twice(12.0, -3.0))
    table = steps.to_markdown()
    assert re.search(rf" 12 {MINUS} 3 = 9 \|", table), table
    latex = steps.to_latex()
    assert re.search(rf"\\frac{{\\partial f}}{{\\partial a}} &= 12 {MINUS} 3 = 9", latex), latex


@pytest.mark.parametrize("b, c", [(12.0, -3.0), (-12.0, -3.0), (-12.0, 3.0), (12.0, 3.0), (0.5, -1e-7)])
@pytest.mark.parametrize("fmt", [None, ".4f", "+.3g", ".2e"])
def test_no_sum_has_two_signs_in_a_row(b, c, fmt):
    steps = explain(used_twice(b, c), fmt=fmt)
    sums = [s.sum_text() for s in steps if s.sum_of]
    latex = steps.to_latex()
    table = steps.to_markdown()
    for text in [*sums, latex, table]:
        assert not re.search(r"[-−+]\s+[-−+]\s*\d", text), text
    # The written sum, read back, is the total it claims.
    (line,) = sums
    written = line.split(" = ")[1].replace("−", "-").replace(" ", "")
    terms = [float(t) for t in re.findall(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?", written)]
    assert sum(terms) == pytest.approx(b + c, rel=1e-3, abs=1e-9)
