"""write_frames: one picture per step of forward and backward, and a PDF of them all."""

import re
import struct
import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("graphviz")

from autograd import RendererNotFoundError, Value, explain, write_frames  # noqa: E402
from autograd.graph import topological_order  # noqa: E402
from autograd.views.draw import find_renderer  # noqa: E402


@pytest.fixture(params=["dot", "graphviz-pure"])
def renderer(request):
    try:
        find_renderer(request.param)
    except RendererNotFoundError:
        pytest.skip(f"{request.param} is not installed")
    return request.param


def notes_example():
    """The notes' f = x·y·z with x = r, y = r·s, z = s, at r = 2, s = 3."""
    r, s = Value(2.0, label="r"), Value(3.0, label="s")
    y = r * s
    y.label = "y"
    f = r * y * s
    f.label = "f"
    return f


def expected_count(root):
    """The leaves, each operation, the start of backward, and each of explain's steps."""
    operations = sum(1 for v in topological_order(root) if v.inputs)
    return 1 + operations + 1 + len(explain(root))


def pdf_pages(data):
    return len(re.findall(rb"/Type /Page\b(?!s)", data))


def svg_texts(path):
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]


def png_size(path):
    data = path.read_bytes()
    return struct.unpack(">II", data[16:24])


def test_one_frame_per_step_named_to_sort(tmp_path, renderer):
    f = notes_example()
    frames = write_frames(f, tmp_path, "svg", renderer=renderer)
    assert len(frames) == expected_count(f) == 1 + 3 + 1 + 6
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [p.name for p in frames.paths] == [f"frame_{k:03d}.svg" for k in range(len(frames))]
    assert frames.kinds == ["leaves"] + ["forward"] * 3 + ["start"] + ["backward"] * 6


def test_the_backward_frames_are_explains_steps(tmp_path):
    f = notes_example()
    frames = write_frames(f, tmp_path, "svg", fmt=".4g")
    steps = explain(f, fmt=".4g")
    backward = [c for c, k in zip(frames.captions, frames.kinds) if k == "backward"]
    for caption, step in zip(backward, steps):
        text, _, where = step.format().partition("   (")
        assert caption.startswith(f"backward: {text}\n({where}")
    # The completed sums of the notes: ∂f/∂s = 12 + 12 = 24 and ∂f/∂r = 18 + 18 = 36 (2rs², r² s).
    assert any(c.endswith("∂f/∂s = 12 + 12 = 24") for c in backward)
    assert any(c.endswith("∂f/∂r = 18 + 18 = 36") for c in backward)


def test_each_frame_shows_its_caption_and_what_is_known_so_far(tmp_path):
    f = notes_example()
    frames = write_frames(f, tmp_path, "svg")
    first, forward_last, last = (svg_texts(frames.paths[k]) for k in (0, 3, len(frames) - 1))
    assert "forward: the leaves: r = 2, s = 3" in first
    assert "value ?" in first and "value 36" not in first  # f = 2·6·3 is not computed yet
    assert "forward: f = t1 * s = 36" in forward_last and "value 36" in forward_last
    assert "∂f/∂r = ?" in forward_last  # no gradient before backward
    assert "∂f/∂s = 24" in last and "∂f/∂r = 36" in last and not any(t.endswith("= ?") for t in last)


def test_what_changed_is_red(tmp_path):
    f = notes_example()
    frames = write_frames(f, tmp_path, "svg")
    for path in frames.paths:
        assert "#dc2626" in path.read_text(encoding="utf-8"), path.name


def test_every_frame_has_the_same_layout(tmp_path, renderer):
    frames = write_frames(notes_example(), tmp_path, "png", renderer=renderer)
    sizes = {png_size(p) for p in frames.paths}
    assert len(sizes) == 1


def small_example():
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    return x * y


def test_pdf_frames_and_one_pdf_with_a_page_per_frame(tmp_path):
    check_pdf_frames(tmp_path, small_example(), None)


@pytest.mark.slow
def test_pdf_frames_of_the_notes_example_with_each_renderer(tmp_path, renderer):
    check_pdf_frames(tmp_path, notes_example(), renderer)


def check_pdf_frames(tmp_path, f, renderer):
    frames = write_frames(f, tmp_path, "pdf", renderer=renderer)
    assert frames.pdf == tmp_path / "frames.pdf"
    data = frames.pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert pdf_pages(data) == expected_count(f)
    assert re.search(rb"/Count (\d+)", data).group(1) == str(expected_count(f)).encode()
    assert all(p.suffix == ".pdf" and p.read_bytes().startswith(b"%PDF-") for p in frames.paths)


def test_a_constant_gets_no_frame_of_its_own(tmp_path):
    x = Value(3.0, label="x")
    L = x * 2 + 3
    frames = write_frames(L, tmp_path, "svg")
    assert frames.kinds.count("backward") == len(explain(L)) == 2


@pytest.mark.parametrize("kwargs, error, words", [
    ({"format": "gif"}, ValueError, "'svg', 'png', 'pdf'"),
    ({"style": "big"}, ValueError, "'default', 'slide'"),
    ({"renderer": "neato"}, ValueError, "'dot', 'graphviz-pure'"),
])
def test_bad_options_are_refused_naming_the_choices(tmp_path, kwargs, error, words):
    with pytest.raises(error, match=words):
        write_frames(notes_example(), tmp_path, **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_frames(notes_example(), tmp_path / "nope")


def test_a_large_graph_is_refused(tmp_path):
    from autograd import GraphTooLargeError

    x = Value(1.0, label="x")
    y = x
    for _ in range(100):
        y = y * 1.01
    with pytest.raises(GraphTooLargeError, match="max_nodes"):
        write_frames(y, tmp_path)


def test_the_command_line_writes_frames(tmp_path, capsys):
    from autograd.cli import main

    folder = tmp_path / "frames"
    folder.mkdir()
    assert main(["x * y + x", "--at", "x=2", "y=3", "--frames", str(folder), "--frames-format", "png"]) == 0
    out = capsys.readouterr().out
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    count = expected_count(x * y + x)
    assert f"wrote {count} frames into {folder}" in out
    assert sorted(p.name for p in folder.iterdir()) == [f"frame_{k:03d}.png" for k in range(count)]


def test_the_command_line_refuses_a_missing_frames_folder(tmp_path, capsys):
    from autograd.cli import main

    assert main(["x * 2", "--at", "x=2", "--frames", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err
