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
    assert "forward: f = t1 · s = 36" in forward_last and "value 36" in forward_last
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
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(frames.pdf)
    assert len(reader.pages) == expected_count(f)
    # Page k is frame k's own PDF; the frames share one layout, so the pages one size.
    def size(page):
        return float(page.mediabox.width), float(page.mediabox.height)

    assert len({size(page) for page in reader.pages}) == 1
    for page, path in zip(reader.pages, frames.paths):
        [own] = pypdf.PdfReader(path).pages
        assert size(own) == size(page)
        assert page.get_contents().get_data() == own.get_contents().get_data()
    if (renderer or find_renderer(None)[0]) == "dot":
        assert not reader.pages[0].images  # a vector drawing, not a picture
    else:
        # graphviz-pure: the picture at 192 dpi, width · 72 / 192 points.
        width, height = reader.pages[0].images[0].image.size
        assert size(reader.pages[0]) == pytest.approx((width * 72 / 192, height * 72 / 192), abs=1e-3)


@pytest.mark.parametrize("library", ["pypdf", "PIL"])
def test_pdf_frames_without_their_libraries_name_the_extra_and_write_nothing(tmp_path, monkeypatch, library):
    import sys

    # Pillow is needed for graphviz-pure's pictures; pypdf with either renderer.
    try:
        find_renderer("graphviz-pure")
    except RendererNotFoundError:
        pytest.skip("graphviz-pure is not installed")
    monkeypatch.setitem(sys.modules, library, None)  # importing it now raises ImportError
    with pytest.raises(ImportError, match=r"chainrule\[draw\]"):
        write_frames(small_example(), tmp_path / "frames", "pdf", renderer="graphviz-pure")
    assert list(tmp_path.iterdir()) == []


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


def test_a_missing_folder_is_made_with_its_parents(tmp_path):
    # The README's own write_frames(o, "frames", "pdf") into a folder that is not there yet.
    folder = tmp_path / "lesson" / "frames"
    frames = write_frames(small_example(), folder, "svg")
    assert folder.is_dir() and sorted(folder.iterdir()) == frames.paths


def test_a_file_given_as_the_folder_is_called_a_file(tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me", encoding="utf-8")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        write_frames(small_example(), a_file)
    assert a_file.read_text(encoding="utf-8") == "keep me"
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        write_frames(small_example(), a_file / "frames")


def test_a_link_planted_at_a_frame_name_is_replaced_not_followed(tmp_path):
    elsewhere = tmp_path / "precious.txt"
    elsewhere.write_text("not a frame", encoding="utf-8")
    folder = tmp_path / "frames"
    folder.mkdir()
    (folder / "frame_000.pdf").symlink_to(elsewhere)
    (folder / "frames.pdf").symlink_to(elsewhere)
    frames = write_frames(small_example(), folder, "pdf")
    assert elsewhere.read_text(encoding="utf-8") == "not a frame"
    for path in [*frames.paths, frames.pdf]:
        assert not path.is_symlink() and path.read_bytes().startswith(b"%PDF-")
    # No temporary file stays behind.
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in [*frames.paths, frames.pdf])


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


def test_the_command_line_makes_a_missing_frames_folder(tmp_path, capsys):
    from autograd.cli import main

    folder = tmp_path / "new" / "frames"
    assert main(["x * 2", "--at", "x=2", "--frames", str(folder)]) == 0
    count = expected_count(Value(2.0, label="x") * 2)
    assert sorted(p.name for p in folder.iterdir()) == [f"frame_{k:03d}.svg" for k in range(count)]


def test_the_command_line_refuses_a_file_as_the_frames_folder(tmp_path, capsys):
    from autograd.cli import main

    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me", encoding="utf-8")
    assert main(["x * 2", "--at", "x=2", "--frames", str(a_file)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert a_file.read_text(encoding="utf-8") == "keep me"


def svg_parts(path, kind):
    """[(is red, [(text, is shown)])] of the SVG's nodes or edges (kind "node" or "edge")."""
    ns = "{http://www.w3.org/2000/svg}"
    parts = []
    for g in ET.parse(path).getroot().iter(f"{ns}g"):
        if g.get("class") != kind:
            continue
        shapes = [e for e in g if e.tag in (f"{ns}path", f"{ns}polygon", f"{ns}ellipse", f"{ns}polyline")]
        red = any(e.get("stroke", "").lower() == "#dc2626" for e in shapes)
        # A label kept only for the layout is drawn in "transparent" (dot writes it as #fffffe).
        texts = [("".join(t.itertext()), t.get("fill", "").lower() not in ("#fffffe", "transparent"))
                 for t in g.iter(f"{ns}text")]
        parts.append((red, texts, g.findtext(f"{ns}title")))
    return parts


def test_a_backward_frame_marks_its_own_edge_and_that_edges_tail_only(tmp_path, renderer):
    # f = x·y·z with x = r, y = r·s, z = s: at the step ∂f/∂y the arrows r → × and s → × of
    # y = r·s have not been processed, and must not be red.
    f = notes_example()
    order = topological_order(f)
    frames = write_frames(f, tmp_path, "svg", renderer=renderer)
    steps = list(explain(f))
    first = frames.kinds.index("backward")
    for k, step in enumerate(steps):
        path = frames.paths[first + k]
        red_edges = [title for red, _, title in svg_parts(path, "edge") if red]
        red_nodes = [title for red, _, title in svg_parts(path, "node") if red]
        # One red arrow, into the operation of the step's node; one red box, the step's input.
        assert len(red_edges) == 1, (path.name, red_edges)
        assert red_edges[0].replace("->", " ").split()[-1].split(":")[0] == f"v{order.index(step.node)}op"
        assert red_nodes == [f"v{order.index(step.input)}"], (path.name, red_nodes)
    start = frames.paths[first - 1]
    assert [t for red, _, t in svg_parts(start, "edge") if red] == []
    assert [t for red, _, t in svg_parts(start, "node") if red] == [f"v{order.index(f)}"]


def test_a_frames_arrow_shows_the_local_derivative_of_its_own_step(tmp_path, renderer):
    from autograd.views.naming import number_text

    f = notes_example()
    frames = write_frames(f, tmp_path, "svg", renderer=renderer, fmt=".4g")
    steps = list(explain(f))
    first = frames.kinds.index("backward")
    for k, step in enumerate(steps):
        edges = svg_parts(frames.paths[first + k], "edge")
        shown = [texts for _, texts, _ in edges if any(visible for _, visible in texts)]
        # The arrows of the steps so far carry their local derivatives, and no other arrow does.
        assert len(shown) == k + 1, frames.paths[first + k].name
        [red] = [texts for red, texts, _ in edges if red]
        label = " ".join(text for text, visible in red if visible)
        # The red arrow is the step's own, and reads its local derivative ∂c/∂a now, not a frame later.
        assert label.rsplit("= ", 1)[-1] == number_text(step.local, ".4g"), (k, label)
    before = svg_parts(frames.paths[first - 1], "edge")
    assert not any(visible for _, texts, _ in before for _, visible in texts)


class _Stand_in:
    """A drawing that is never rendered: what write_frames keeps in memory is then its own."""

    class _Graph:
        def node(self, *args, **kwargs):
            pass

        def attr(self, *args, **kwargs):
            pass

    def __init__(self, *args, **kwargs):
        self.graph = self._Graph()

    def pipe(self, format="svg", dpi=None):  # noqa: A002 - the name of the real method's argument
        return b"graph 1 1 1\nstop\n" if format == "plain" else b"<svg/>"

    def save(self, path):
        with open(path, "wb") as file:
            file.write(self.pipe())


def wide_neuron(n):
    """w1·x1 + ... + wk·xk, about n Values: about 2n frames."""
    k = n // 3
    total = Value(0.0, label="w0")
    for i in range(1, k + 1):
        total = total + Value(0.01 * i, label=f"w{i}") * Value(1.0 - 0.01 * i, label=f"x{i}")
    return total


def frames_peak(tmp_path, n, monkeypatch):
    import tracemalloc

    import autograd.views.frames as frames_module

    monkeypatch.setattr(frames_module, "draw", _Stand_in)
    written = []
    monkeypatch.setattr(frames_module, "write_file", lambda path, data, **kwargs: written.append(path))
    root = wide_neuron(n)
    folder = tmp_path / str(n)
    folder.mkdir()
    tracemalloc.start()
    try:
        frames = write_frames(root, folder, "svg", max_nodes=None, progress=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(frames) == expected_count(root) and written == frames.paths
    return peak


def test_frames_are_streamed_so_memory_grows_with_the_graph_not_its_square(tmp_path, monkeypatch):
    # A plan holding every frame's state before drawing any takes memory n frames × n values:
    # twice the values, four times the memory. Streamed frames hold one state: about twice.
    small, large = frames_peak(tmp_path, 150, monkeypatch), frames_peak(tmp_path, 300, monkeypatch)
    assert large / small < 3, (small, large)


def test_progress_is_shown_on_request_and_not_by_default_off_a_terminal(tmp_path, monkeypatch, capsys):
    import sys

    import autograd.views.frames as frames_module

    monkeypatch.setattr(frames_module, "draw", _Stand_in)
    root = wide_neuron(60)  # more than 50 frames: long enough for a bar, were stderr a terminal
    count = expected_count(root)
    write_frames(root, tmp_path / "quiet", max_nodes=None)
    assert capsys.readouterr().err == ""  # pytest's stderr is not a terminal
    monkeypatch.setitem(sys.modules, "tqdm", None)  # without tqdm: a counter
    write_frames(root, tmp_path / "counted", max_nodes=None, progress=True)
    err = capsys.readouterr().err
    assert f"write_frames: {count}/{count} frames" in err and f"write_frames: 1/{count} frames" in err
    with pytest.raises(TypeError, match="progress"):
        write_frames(root, tmp_path / "bad", max_nodes=None, progress="yes")


def test_progress_uses_tqdm_when_installed(tmp_path, monkeypatch, capsys):
    pytest.importorskip("tqdm")
    import autograd.views.frames as frames_module

    monkeypatch.setattr(frames_module, "draw", _Stand_in)
    root = wide_neuron(30)
    write_frames(root, tmp_path, max_nodes=None, progress=True)
    err = capsys.readouterr().err
    count = expected_count(root)
    assert "write_frames" in err and f"{count}/{count}" in err and "frame/s" in err


def test_without_a_renderer_no_folder_is_made(tmp_path, monkeypatch):
    import autograd.views.frames as frames_module

    def missing(name=None):
        raise RendererNotFoundError("no dot program")

    monkeypatch.setattr(frames_module, "find_renderer", missing)
    with pytest.raises(RendererNotFoundError):
        write_frames(small_example(), tmp_path / "frames")
    assert list(tmp_path.iterdir()) == []
