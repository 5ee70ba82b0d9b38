"""The notebook tour: committed clean, and it runs from top to bottom in a real Jupyter kernel."""

from __future__ import annotations

import json
import math
import os
import re
import sys
from pathlib import Path

import pytest
from browser import launched_chromium

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "demos" / "tour.ipynb"


def test_tour_is_committed_without_outputs():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    assert code, "the tour has no code cells"
    for cell in code:
        assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.fixture
def this_python_kernel(tmp_path, monkeypatch) -> str:
    """A kernelspec that starts a kernel with this very interpreter (sys.executable).

    ipykernel writes the spec; JUPYTER_PATH makes it the one Jupyter finds, so
    the kernel sees the same installed packages as the test.
    """
    kernelspec = pytest.importorskip("ipykernel.kernelspec")
    name = "chainrule-test-python"
    kernelspec.write_kernel_spec(tmp_path / "kernels" / name)
    spec = json.loads((tmp_path / "kernels" / name / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    return name


@pytest.mark.slow
def test_tour_runs_in_a_real_kernel_without_errors(this_python_kernel, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name=this_python_kernel,
        timeout=600,
        # Run from the repository root, so that the notebook imports this checkout.
        resources={"metadata": {"path": str(ROOT)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    # The drawings show inline, as SVG.
    assert any("image/svg+xml" in o.get("data", {}) for o in outputs)


def run_in_kernel(kernel_name: str, cells: list[str]):
    """Execute ``cells`` in a fresh kernel started from the repository root; return the notebook."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbclient.NotebookClient(
        notebook, kernel_name=kernel_name, timeout=120, resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    return notebook


def printed(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


def test_interact_in_a_real_kernel_follows_the_sliders(this_python_kernel):
    pytest.importorskip("ipywidgets")
    pytest.importorskip("graphviz")
    setup = (
        "import json, autograd\n"
        "print(autograd.__file__)\n"
        "def neuron(x=2.0, w=-3.0, b=6.88):\n"
        "    return (x * w + b).tanh()\n"
        "knobs = autograd.interact(neuron, x=(-2, 2), w=(-3, 3), b=(-8, 8))\n"
        "knobs"
    )
    report = "print(json.dumps({'values': knobs.values, 'out': knobs.output.data, 'grads': knobs.gradients,"
    report += " 'table': knobs.table.value, 'svg': knobs.drawing.value.count('<svg')}))"
    moves = [{"x": 0.5}, {"w": 1.25, "b": -0.5}, {"x": -2.0}]
    cells = [setup, report]
    for move in moves:
        cells.append("".join(f"knobs.sliders[{k!r}].value = {v!r}\n" for k, v in move.items()) + report)
    notebook = run_in_kernel(this_python_kernel, cells)

    assert printed(notebook.cells[0]).strip() == str(ROOT / "autograd" / "__init__.py")  # this checkout
    # The cell shows the sliders as a widget, and the table and graph as plain HTML under them.
    bundles = [o.get("data", {}) for o in notebook.cells[0].outputs if o.get("output_type") == "display_data"]
    assert ["application/vnd.jupyter.widget-view+json" in b for b in bundles] == [True, False]
    assert 'class="chainrule-gradients"' in bundles[1]["text/html"]

    point = {"x": 2.0, "w": -3.0, "b": 6.88}
    seen = []
    for cell, move in zip(notebook.cells[1:], [{}, *moves]):
        point.update(move)
        result = json.loads(printed(cell))
        o = math.tanh(point["x"] * point["w"] + point["b"])  # by hand: ∂o/∂x = (1 − o²)·w, ...
        assert result["values"] == point
        assert result["out"] == pytest.approx(o, rel=1e-12)
        assert result["grads"] == pytest.approx(
            {"x": (1 - o * o) * point["w"], "w": (1 - o * o) * point["x"], "b": 1 - o * o}, rel=1e-12
        )
        assert "∂L/∂w" in result["table"] and result["svg"] == 1
        seen.append(result["table"])
    assert len(set(seen)) == len(seen)  # every change redrew the table


def exported_html(notebook) -> str:
    """The notebook as nbconvert's HTML exporter writes it, with the <script> elements taken out.

    What is left is what a reader of the static copy sees without the widgets'
    JavaScript, which comes from the network and draws nothing offline.
    """
    nbconvert = pytest.importorskip("nbconvert")
    body, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    return re.sub(r"<script\b.*?</script>", "", body, flags=re.DOTALL)


def gradient_rows(page: str) -> list[list[str]]:
    """The cells of each row of the first table of gradients in ``page``."""
    table = page[page.index('class="chainrule-gradients"'):]
    table = table[: table.index("</table>")]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", table) if "<td" in row
    ]


@pytest.mark.parametrize("moves", [{}, {"x": 0.5, "w": 1.25}])
def test_interact_in_a_static_export_shows_the_table_and_graph(this_python_kernel, moves):
    pytest.importorskip("ipywidgets")
    pytest.importorskip("graphviz")
    from autograd.views.naming import number_text

    cells = [
        "import autograd\n"
        "knobs = autograd.interact(lambda x=2.0, w=-3.0: x * w, x=(-2, 2), w=(-3, 3))\n"
        "knobs",
        "".join(f"knobs.sliders[{k!r}].value = {v!r}\n" for k, v in moves.items()) or "pass",
    ]
    page = exported_html(run_in_kernel(this_python_kernel, cells))
    # The copy shows the last values the sliders had (f = x·w: ∂f/∂x = w, ∂f/∂w = x, by hand).
    x, w = moves.get("x", 2.0), moves.get("w", -3.0)
    rows = gradient_rows(page)
    assert [row[1] for row in rows] == [number_text(x * w), number_text(x), number_text(w)]
    assert [row[3] for row in rows[1:]] == [number_text(w), number_text(x)]
    assert page.count('class="chainrule-gradients"') == 1 and "<svg" in page


# -- the tour, executed, exported to HTML by nbconvert, and opened in a browser --------------------

@pytest.fixture(scope="module")
def exported_tour(tmp_path_factory) -> dict:
    """The tour executed in a real kernel and exported as nbconvert's HTML page, with its cell outputs."""
    for module in ("nbformat", "nbclient", "nbconvert", "ipykernel.kernelspec", "ipywidgets", "graphviz"):
        pytest.importorskip(module)
    import nbclient
    import nbconvert
    import nbformat
    from ipykernel.kernelspec import write_kernel_spec

    folder = tmp_path_factory.mktemp("tour")
    name = "chainrule-test-python"
    write_kernel_spec(folder / "kernels" / name)
    saved = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(folder)
    try:
        notebook = nbformat.read(NOTEBOOK, as_version=4)
        nbclient.NotebookClient(
            notebook, kernel_name=name, timeout=600, resources={"metadata": {"path": str(ROOT)}}
        ).execute()
    finally:
        if saved is None:
            del os.environ["JUPYTER_PATH"]
        else:
            os.environ["JUPYTER_PATH"] = saved
    body, _ = nbconvert.HTMLExporter().from_notebook_node(notebook)
    page = folder / "tour.html"
    page.write_text(body, encoding="utf-8")
    return {"notebook": notebook, "page": page}


@pytest.mark.slow
def test_the_tour_prints_the_gradients_the_chain_rule_gives(exported_tour):
    cells = [c for c in exported_tour["notebook"].cells if c.cell_type == "code"]
    text = "\n".join(printed(c) for c in cells)
    # L = (a·b + c)·f at a = 2, b = -3, c = 10, f = -2: ∂L/∂a = b·f, ∂L/∂b = a·f, ∂L/∂c = f, ∂L/∂f = a·b + c.
    assert "∂L/∂a = 6.0, ∂L/∂b = -4.0, ∂L/∂c = -2.0, ∂L/∂f = 4.0" in text
    # The neuron: ∂out/∂w1 = (1 − out²)·x1 with x1 = 2.
    out = math.tanh(2.0 * -3.0 + 0.0 * 1.0 + 6.8813735870195432)
    assert f"∂out/∂w1 = {(1 - out**2) * 2:.4f}" in text
    # After training, the lesson's backward() starts from zeroed gradients: .grad equals what
    # grad() computes without reading .grad (fit's leftovers would have added in).
    match = re.search(r"∂score/∂w = (\S+); grad\(\), which never reads \.grad, says (\S+)", text)
    assert match and float(match.group(1)) == float(match.group(2)) != 0.0


@pytest.mark.slow
@pytest.mark.browser
def test_the_steppers_in_the_html_export_step_each_on_its_own(exported_tour):
    with launched_chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        # The export loads its MathJax and widget scripts from the web: stay offline.
        page.route(re.compile(r"^https?://"), lambda route: route.abort())
        page.goto(exported_tour["page"].as_uri())
        frames = page.locator("iframe.chainrule-stepper")
        assert frames.count() == 2  # the tour's stepper of L and of the neuron
        first, second = (frames.nth(k).element_handle().content_frame() for k in (0, 1))

        def state(frame):
            return frame.inner_text(".cr-counter"), frame.inner_text(".cr-current")

        start = [state(first), state(second)]
        assert start[0] != start[1]  # two different lessons
        first.click(".cr-next")
        one = state(first)
        assert one != start[0] and state(second) == start[1]
        # Keys reach the frame that has the focus, and only that one.
        second.click(".cr-counter")
        page.keyboard.press("ArrowRight")
        assert state(second) != start[1] and state(first) == one
        page.keyboard.press("ArrowLeft")
        assert state(second) == start[1] and state(first) == one
        first.click(".cr-prev")
        assert state(first) == start[0]
        assert errors == [], errors

