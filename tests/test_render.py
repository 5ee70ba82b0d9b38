"""Rendering drawings to files with both renderers: Graphviz's dot and graphviz-pure."""

import os
import re
import struct
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest.importorskip("graphviz")

from autograd import RendererNotFoundError, Value, draw  # noqa: E402
from autograd.views.draw import RENDERER_ENV, find_renderer  # noqa: E402


def renderer_or_skip(name):
    try:
        find_renderer(name)
    except RendererNotFoundError:
        pytest.skip(f"{name} is not installed")
    return name


@pytest.fixture(params=["dot", "graphviz-pure"])
def renderer(request):
    return renderer_or_skip(request.param)


def lesson():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    L = (a * b + b**2).tanh()
    L.label = "L"
    L.backward()
    return L


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_png_is_a_real_image_at_exactly_the_given_path(tmp_path, renderer):
    target = tmp_path / "graph.png"
    written = draw(lesson(), renderer=renderer).save(target)
    assert written == target
    width, height = png_size(target.read_bytes())
    assert width > 100 and height > 20
    assert sorted(os.listdir(tmp_path)) == ["graph.png"]  # no stray source file or double suffix


def test_png_grows_with_the_graph(tmp_path, renderer):
    small = Value(1.0, label="x") * 2
    draw(small, renderer=renderer).save(tmp_path / "small.png")
    draw(lesson(), renderer=renderer).save(tmp_path / "big.png")
    w_small, _ = png_size((tmp_path / "small.png").read_bytes())
    w_big, _ = png_size((tmp_path / "big.png").read_bytes())
    assert w_big > w_small


def test_svg_is_xml_showing_the_numbers(tmp_path, renderer):
    L = lesson()
    target = draw(L, renderer=renderer, edge_labels=True).save(tmp_path / "graph.svg")
    root = ET.parse(target).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert f"data {L.data:.4g}" in texts
    assert "grad 1" in texts
    assert "tanh" in texts


def test_pdf_with_dot(tmp_path):
    renderer_or_skip("dot")
    target = draw(lesson(), renderer="dot").save(tmp_path / "graph.pdf")
    data = target.read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]


def test_pdf_with_graphviz_pure_is_its_png_on_a_pdf_page(tmp_path):
    renderer_or_skip("graphviz-pure")
    d = draw(lesson(), renderer="graphviz-pure")
    data = d.save(tmp_path / "graph.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]
    assert b"/Subtype /Image" in data
    # The page has the proportions of the picture.
    w_px, h_px = png_size(d.pipe("png"))
    w_pt, h_pt = map(float, re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", data).groups())
    assert w_pt / h_pt == pytest.approx(w_px / h_px, rel=0.05)


def test_dot_suffix_saves_the_source_without_rendering(tmp_path):
    d = draw(lesson())
    target = d.save(tmp_path / "graph.dot")
    assert target.read_text(encoding="utf-8") == d.source


def test_unknown_extension_is_refused_with_the_choices(tmp_path):
    with pytest.raises(ValueError, match=r"\.png.*\.svg"):
        draw(lesson()).save(tmp_path / "graph.bmp")


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        draw(lesson()).save(tmp_path / "nowhere" / "graph.png")


def test_jupyter_gets_inline_svg(renderer):
    bundle = draw(lesson(), renderer=renderer)._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith(("<?xml", "<svg", "<!--"))
    assert "<svg" in bundle["image/svg+xml"]


def test_environment_variable_forces_a_renderer(monkeypatch):
    renderer_or_skip("graphviz-pure")
    monkeypatch.setenv(RENDERER_ENV, "graphviz-pure")
    name, path = find_renderer()
    assert name == "graphviz-pure" and Path(path).name.startswith("graphviz-pure")


def test_dot_is_preferred_when_both_are_installed(monkeypatch):
    renderer_or_skip("dot")
    monkeypatch.delenv(RENDERER_ENV, raising=False)
    assert find_renderer()[0] == "dot"


def test_unknown_renderer_names_the_choices():
    with pytest.raises(ValueError, match="'dot', 'graphviz-pure'"):
        find_renderer("cairo")


def hide_renderers(monkeypatch, tmp_path):
    monkeypatch.delenv(RENDERER_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(sys, "prefix", str(tmp_path))


def test_no_renderer_names_every_way_to_get_one(monkeypatch, tmp_path):
    hide_renderers(monkeypatch, tmp_path)
    with pytest.raises(RendererNotFoundError) as info:
        draw(lesson()).save(tmp_path / "graph.png")
    message = str(info.value)
    ways = ("apt install graphviz", "brew install graphviz", "conda install", "pip install graphviz-pure")
    for way in ways:
        assert way in message
    assert not (tmp_path / "graph.png").exists()


def test_no_renderer_still_gives_the_dot_source(monkeypatch, tmp_path):
    hide_renderers(monkeypatch, tmp_path)
    d = draw(lesson())
    assert "digraph" in d.source
    assert "cannot render" in d._repr_mimebundle_()["text/plain"]


@pytest.mark.parametrize("op", ["+", "*"])
def test_a_value_used_by_sixty_operations_is_drawn(tmp_path, renderer, op):
    from autograd.cli.expr import evaluate

    out, _ = evaluate(op.join(["x"] * 61), {"x": 1.0})
    target = draw(out, edge_labels=True, renderer=renderer).save(tmp_path / "fan.svg")
    texts = ["".join(t.itertext()) for t in ET.parse(target).getroot().iter("{http://www.w3.org/2000/svg}text")]
    assert sum(t.startswith("data ") for t in texts) == 1 + 60  # x and the 60 results
    assert texts.count(op.replace("*", "×")) == 60


def test_an_edge_label_with_backslashes_renders_as_written(renderer):
    L = lesson()
    svg = draw(L, edge_labels=True, fmt=lambda x: f"{x:.1f}\\", renderer=renderer).svg()
    texts = ["".join(t.itertext()) for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert f"{-3.0:.1f}\\" in texts  # d(a*b)/da = b = -3, with its backslash


def fake_renderer(tmp_path, monkeypatch, script):
    """Put a program called dot on PATH that runs ``script`` (a shell script) instead of Graphviz."""
    program = tmp_path / "dot"
    program.write_text("#!/bin/sh\n" + script)
    program.chmod(0o755)
    monkeypatch.delenv(RENDERER_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script stands in for dot")
def test_a_renderer_that_runs_too_long_is_stopped_with_the_ways_out(tmp_path, monkeypatch):
    from autograd.views.draw import RenderTimeoutError

    fake_renderer(tmp_path, monkeypatch, f'exec "{sys.executable}" -c "import time; time.sleep(30)"\n')
    with pytest.raises(RenderTimeoutError) as info:
        draw(lesson(), renderer="dot", timeout=0.5).save(tmp_path / "graph.svg")
    message = str(info.value)
    assert "0.5 s" in message and "timeout=" in message and "summarize=True" in message
    assert not (tmp_path / "graph.svg").exists()


def test_the_default_time_limit_applies(tmp_path, monkeypatch):
    from autograd.views.draw import DEFAULT_TIMEOUT

    assert draw(lesson()).timeout == DEFAULT_TIMEOUT
    d = draw(lesson(), timeout=None)
    assert d.timeout is None
