"""Labels with TeX sub- and superscripts (``w_{12}^{(1)}``) are typeset in the text and LaTeX views."""

import re
import shutil
import subprocess

import pytest

from autograd import RendererNotFoundError, Value, derive, draw
from autograd.engine import topological_order
from autograd.views.draw import find_renderer
from autograd.views.explain import explain
from autograd.views.naming import node_names


def _graph(w_label="w_{12}^{(1)}", x_label="x_1", a_label="a^{(2)}_1"):
    w = Value(0.5, label=w_label)
    x = Value(2.0, label=x_label)
    a = (w * x).tanh()
    a.label = a_label
    loss = a * a
    loss.backward()
    return loss


def test_text_writes_unicode_scripts():
    text = explain(_graph()).text()
    assert "∂L/∂w⁽¹⁾₁₂ = ∂L/∂t1 · ∂t1/∂w⁽¹⁾₁₂ = 0.6397 · x₁" in text
    assert "a⁽²⁾₁" in text
    assert "_{" not in text and "^{" not in text


def test_latex_writes_tex_scripts():
    tex = explain(_graph()).to_latex()
    assert r"\frac{\partial L}{\partial w_{12}^{(1)}}" in tex
    assert r"\partial a^{(2)}_{1}" in tex
    assert "₁" not in tex and "⁽" not in tex


def test_label_without_markup_is_unchanged():
    loss = _graph("my_var", "x", "act")
    names = set(node_names(topological_order(loss), loss).values())
    assert {"my_var", "x", "act"} <= names


def test_raw_label_stays_the_key_for_uniqueness():
    a, b = Value(1.0, label="x_1"), Value(2.0, label="x_1")
    out = a * b
    names = node_names(topological_order(out), out)
    assert sorted([names[a], names[b]]) == ["x₁", "x₁#2"]
    tex = explain(out).to_latex()
    assert r"x_{1}\#2" in tex


@pytest.mark.parametrize("label", ["<script>", r"\input{x}", "}{", r"w_{\input{x}}", "a^{}{"])
def test_hostile_label_stays_text(label):
    tex = explain(_graph(w_label=label)).to_latex()
    assert r"\input" not in tex.replace(r"\backslash{}input", "")
    # Braces in a label are escaped: the block's braces still balance.
    unescaped = tex.replace(r"\{", "").replace(r"\}", "")
    assert unescaped.count("{") == unescaped.count("}")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_with_scripts_compiles(tmp_path):
    body = explain(_graph()).to_latex()
    doc = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
    doc += body + "\n\\end{document}\n"
    (tmp_path / "d.tex").write_text(doc)
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "d.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout[-2000:]


def test_derive_typesets_scripts_in_text_and_latex():
    loss = _graph()
    w = next(v for v in topological_order(loss) if v.label == "w_{12}^{(1)}")
    d = derive(loss, w)
    # A name is an atom, whatever its scripts; squared, a layer superscript is bracketed: (a⁽²⁾₁)².
    assert d.text.startswith("∂L/∂w⁽¹⁾₁₂ = a⁽²⁾₁ · (1 − (a⁽²⁾₁)²) · x₁")
    assert d.latex.startswith(r"\frac{\partial L}{\partial {w_{12}^{(1)}}} = {a^{(2)}_{1}} \cdot")
    assert "⁽" not in d.latex and "₁" not in d.latex
    # The derivation's code still evaluates to backward's gradient.
    assert d(**dict(zip(d.parameters, (0.5, 2.0)))) == pytest.approx(w.grad, rel=1e-12)


def test_dot_writes_real_sub_and_superscripts():
    source = draw(_graph()).source
    # Each script at 8 pt on the box's 11 pt (Graphviz would set it at 11 pt unless told).
    small = '<font point-size="8">{}</font>'.format
    assert f"<td>w<sub>{small('12')}</sub><sup>{small('(1)')}</sup></td>" in source
    assert f"<td>x<sub>{small('1')}</sub></td>" in source
    assert f"<td>a<sup>{small('(2)')}</sup><sub>{small('1')}</sub></td>" in source


def test_hostile_scripted_label_is_escaped_in_dot():
    source = draw(_graph(w_label="<script>_{<b>}")).source
    assert '&lt;script&gt;<sub><font point-size="8">&lt;b&gt;</font></sub>' in source
    assert "<script>" not in source


@pytest.mark.parametrize("renderer", ["dot", "graphviz-pure"])
def test_both_renderers_draw_the_scripts(renderer, tmp_path):
    pytest.importorskip("graphviz")
    try:
        find_renderer(renderer)
    except RendererNotFoundError:
        pytest.skip(f"{renderer} is not installed")
    path = draw(_graph(), renderer=renderer).save(tmp_path / "g.svg")
    svg = path.read_text()
    assert re.search(r'baseline-shift="sub"[^>]*>12<', svg)
    assert re.search(r'baseline-shift="super"[^>]*>\(1\)<', svg)
    # A script is smaller than its letter (TeX's 7 pt on 10), in the SVG itself: laid out at the
    # letter's size, a browser shows it as large as the letter and far from it.
    texts = re.findall(r'<text\b([^>]*)>([^<]*)</text>', svg)
    sizes = [float(re.search(r'font-size="([\d.]+)"', a).group(1)) for a, _ in texts]
    scripted = [k for k, (a, _) in enumerate(texts) if "baseline-shift" in a]
    assert scripted
    for k in scripted:
        letter = max(j for j in range(k) if "baseline-shift" not in texts[j][0])
        assert sizes[k] == round(0.7 * sizes[letter]), (texts[letter][1], texts[k][1], sizes[k])


def test_stepper_page_shows_the_typeset_names():
    from autograd.views.stepper import stepper_html

    page = stepper_html(_graph())
    # Step texts and table in the Unicode form; the drawing's SVG has the real sub/superscript.
    assert "w⁽¹⁾₁₂" in page and "w_{12}" not in page
    assert 'baseline-shift="sub"' in page


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_network_latex_breaks_across_pages_without_a_blank_page(tmp_path):
    import nn

    model = nn.MLP(2, [2, 1])
    out = model([0.5, -1.0])
    loss = nn.mse_loss([out[0] if isinstance(out, list) else out], [1.0])
    loss.backward()
    body = explain(loss).to_latex()
    # align* breaks across pages only where it is told it may: between the steps.
    assert r"\displaybreak[0]" in body
    doc = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"
    (tmp_path / "d.tex").write_text(doc + body + "\n\\end{document}\n")
    subprocess.run(["pdflatex", "-interaction=nonstopmode", "d.tex"], cwd=tmp_path, capture_output=True,
                   timeout=60)
    log = (tmp_path / "d.log").read_text(errors="replace")
    # One unbreakable block taller than a page: LaTeX ships an empty page and reports an overfull \vbox.
    assert "Overfull \\vbox" not in log
    assert "Output written on d.pdf" in log
