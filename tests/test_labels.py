"""Labels with control characters (NUL, a newline, a form feed...) in every view.

A label is the user's text, and may hold anything a str holds. Every view
writes such a character as its Python escape (``a\\x00b`` shows as the four
characters ``\\x00``), so that dot, LaTeX, a Markdown table and a line of
text all stay well formed, and the reader sees which character is there.
"""

import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET

import pytest

from autograd import Value, explain
from autograd.views.draw import draw

# C0 controls (NUL, ESC, line feed, carriage return, vertical tab, form feed),
# DEL, a C1 control (NEL), the Unicode line separator and a lone surrogate (a
# byte that was not UTF-8, as Python decodes file names and argv).
AWKWARD = ["\x00", "\x01", "\x1b", "\n", "\n\n", "\r", "\x0b", "\x0c", "\t", "\x7f", "\x85", "\u2028",
           "\udcff"]


def escaped(text):
    """How the views write a label: each control character as its escape."""
    return "".join(
        repr(c)[1:-1] if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") else c for c in text
    )


def graph(middle):
    """``o = a * b``, every label holding ``middle``; a is used twice, so that a sum is written."""
    a = Value(2.0, label=f"a{middle}a")
    b = Value(-3.0, label=f"b{middle}b")
    p = a * b
    p.label = f"p{middle}p"
    o = p + a
    o.label = f"o{middle}o"
    return o


def raw_controls(text, allowed=""):
    return [c for c in text if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") and c not in allowed]


@pytest.mark.parametrize("middle", AWKWARD, ids=[repr(c) for c in AWKWARD])
def test_explain_text_keeps_one_line_per_step(middle):
    steps = explain(graph(middle))
    text = steps.text(header=True)
    sums = sum(1 for s in steps if s.sum_of)
    assert len(text.splitlines()) == 1 + len(steps) + sums
    assert raw_controls(text, "\n") == []
    assert f"∂({escaped('o' + middle + 'o')})/∂({escaped('a' + middle + 'a')})" in text


@pytest.mark.parametrize("middle", AWKWARD, ids=[repr(c) for c in AWKWARD])
def test_markdown_rows_stay_rows(middle):
    steps = explain(graph(middle))
    lines = steps.to_markdown().split("\n")
    assert len(lines) == 3 + len(steps)
    for line in lines:
        assert line.startswith("| ") and line.endswith(" |"), line
        assert len(re.split(r"(?<!\\)\|", line[1:-1])) == 6, line
    assert raw_controls("".join(lines)) == []


@pytest.mark.parametrize("middle", AWKWARD, ids=[repr(c) for c in AWKWARD])
def test_latex_has_no_paragraph_break_or_control_character(middle):
    latex = explain(graph(middle)).to_latex()
    assert "\n\n" not in latex
    assert raw_controls(latex, "\n") == []
    assert all(ord(c) < 128 for c in latex)
    # Every line break is a row's end (or the environment's): none comes from a label.
    for line in latex.split("\n")[1:-2]:
        assert line.endswith(" \\\\"), line


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="needs pdflatex (texlive-latex-base)")
def test_latex_with_control_characters_in_labels_compiles(tmp_path):
    blocks = [explain(graph(middle)).to_latex() for middle in AWKWARD]
    document = "\n".join([
        r"\documentclass{article}", r"\usepackage{amsmath}", r"\usepackage[landscape,margin=1cm]{geometry}",
        r"\begin{document}", *blocks, r"\end{document}", "",
    ])
    (tmp_path / "labels.tex").write_text(document, encoding="utf-8")
    run = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "labels.tex"],
        cwd=tmp_path, capture_output=True, text=True, errors="replace", timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:]


@pytest.mark.parametrize("middle", AWKWARD, ids=[repr(c) for c in AWKWARD])
@pytest.mark.parametrize("style", ["default", "slide"])
def test_dot_source_holds_no_raw_control_character(middle, style):
    pytest.importorskip("graphviz")
    source = draw(graph(middle), edge_labels=True, style=style).source
    # graphviz writes its own tabs and newlines between statements, never inside a label.
    for quoted in re.findall(r'label="((?:[^"\\]|\\.)*)"', source, flags=re.S):
        assert raw_controls(quoted) == [], quoted
    assert raw_controls(source, "\t\n") == []
    # The box reads the label with its escape (a backslash is doubled for dot).
    assert escaped(f"a{middle}a").replace("\\", "\\\\") in source


def test_a_summary_box_named_by_a_group_key_escapes_it_too():
    pytest.importorskip("graphviz")
    a, b = Value(2.0, label="g\x00.a"), Value(3.0, label="g\x00.b")
    c = Value(4.0, label="h\n.c")
    o = a * b + c
    source = draw(o, summarize=True).source
    assert raw_controls(source, "\t\n") == []
    assert "g\\\\x00" in source


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_dot_draws_every_awkward_label_into_well_formed_svg():
    pytest.importorskip("graphviz")
    middle = "".join(AWKWARD)
    svg = draw(graph(middle), edge_labels=True, renderer="dot").pipe("svg").decode("utf-8")
    ET.fromstring(svg)  # an XML parser refuses control characters: none is left
    texts = "".join(t.text or "" for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text"))
    assert escaped(f"a{middle}a") in texts
