"""Labels with sub- and superscripts: parsed once, written as Unicode, TeX and HTML."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from autograd.views import markup


@pytest.mark.parametrize(
    ("label", "text", "tex", "html"),
    [
        ("w_{12}^{(1)}", "w⁽¹⁾₁₂", "w_{12}^{(1)}", "w<sub>12</sub><sup>(1)</sup>"),
        ("a^{(2)}_1", "a⁽²⁾₁", "a^{(2)}_{1}", "a<sup>(2)</sup><sub>1</sub>"),
        ("x_1", "x₁", "x_{1}", "x<sub>1</sub>"),
        ("x_i", "xᵢ", "x_{i}", "x<sub>i</sub>"),
        ("b_i^{(l)}", "b⁽ˡ⁾ᵢ", "b_{i}^{(l)}", "b<sub>i</sub><sup>(l)</sup>"),
        ("δ_{2}^{(3)}", "δ⁽³⁾₂", "δ_{2}^{(3)}", "δ<sub>2</sub><sup>(3)</sup>"),
        ("x_{q}", "x_q", "x_{q}", "x<sub>q</sub>"),  # no subscript q in Unicode: the markup's own words
        ("t^{2}", "t²", "t^{2}", "t<sup>2</sup>"),
    ],
)
def test_markup_in_each_form(label, text, tex, html):
    assert markup.unicode(label) == text
    assert markup.latex(label) == tex
    assert markup.html(label) == html
    assert markup.has_markup(label)


@pytest.mark.parametrize("label", ["my_var", "w1", "layers.0.neurons.3.w.1", "_x", "a_", "x^", "loss", ""])
def test_a_label_without_markup_is_its_own_text(label):
    assert not markup.has_markup(label)
    assert markup.unicode(label) == label
    assert markup.html(label) == label.replace("&", "&amp;")


@pytest.mark.parametrize(
    ("label", "html"),
    [
        ("<b>x</b>_{<i>}", "&lt;b&gt;x&lt;/b&gt;<sub>&lt;i&gt;</sub>"),
        ('w_{"&}', "w<sub>&quot;&amp;</sub>"),
    ],
)
def test_hostile_labels_stay_text_in_html(label, html):
    assert markup.html(label) == html


def test_hostile_labels_stay_text_in_tex():
    assert markup.latex(r"\input{x}_{$}") == r"\backslash{}input\{x\}_{\$}"
    assert markup.latex("a%b_{#}") == r"a\%b_{\#}"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
def test_every_tex_form_compiles(tmp_path):
    labels = ["w_{12}^{(1)}", "a^{(2)}_1", r"\input{/etc/passwd}_{$}", "a%b_{#}", "x\x00y", "loss_{~^}"]
    body = "\n".join(f"$ {markup.latex(label)} $\\par" for label in labels)
    (tmp_path / "m.tex").write_text(
        "\\documentclass{article}\n\\begin{document}\n" + body + "\n\\end{document}\n", encoding="utf-8"
    )
    result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
                             "m.tex"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
