"""autograd.stepper and autograd.interact, through the public API, without a kernel.

The same objects in a real kernel, and the stepper inside nbconvert's HTML
export in a browser, are tested in test_notebook.py.
"""

from __future__ import annotations

import html
import math
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

import autograd
from autograd import Value

ROOT = Path(__file__).resolve().parent.parent


def run_python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            check=True)
    return result.stdout.strip()


def test_importing_autograd_imports_no_jupyter_package():
    out = run_python(
        "import sys, autograd\n"
        "autograd.stepper, autograd.Stepper, autograd.interact\n"  # resolving the names is not using them
        "print(sorted(m for m in ('ipywidgets', 'IPython', 'ipykernel') if m in sys.modules))"
    )
    assert out == "[]"


@pytest.mark.parametrize(
    "first", ["autograd.write_stepper", "import autograd.views.stepper", "autograd.stepper"]
)
def test_autograd_stepper_is_the_function_whatever_was_imported_first(first):
    # The module autograd/views/stepper.py has the same name; loading it must not hide the function.
    out = run_python(
        f"import autograd\n{first}\n"
        "from autograd.views.notebook import stepper\n"
        "print(autograd.stepper is stepper, callable(autograd.stepper))"
    )
    assert out == "True True"


# -- the stepper in a cell -----------------------------------------------------------------------

needs_renderer = pytest.mark.usefixtures("renderer")


@pytest.fixture
def renderer():
    pytest.importorskip("graphviz")
    from autograd.views.draw import find_renderer

    try:
        find_renderer()
    except autograd.RendererNotFoundError:
        pytest.skip("no Graphviz renderer installed")


def neuron() -> Value:
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + b).tanh()
    o.label = "o"
    return o


class Frames(HTMLParser):
    """Every <iframe> of an HTML text, with its attributes unescaped as a browser reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[dict[str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "iframe":
            self.frames.append(dict(attrs))


class Rows(HTMLParser):
    """The text of every table cell, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.in_cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.rows[-1].append("")
            self.in_cell = True

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.in_cell = False

    def handle_data(self, data):
        if self.in_cell:
            self.rows[-1][-1] += data


def rows_of(text: str) -> list[list[str]]:
    parser = Rows()
    parser.feed(text)
    parser.close()
    return parser.rows


def frames_of(text: str) -> Frames:
    parser = Frames()
    parser.feed(text)
    parser.close()
    return parser


@needs_renderer
def test_the_cell_shows_the_stepper_page_in_one_frame_of_its_own():
    from autograd.views.stepper import stepper_html

    shown = frames_of(autograd.stepper(neuron())._repr_html_())
    assert shown.tags == ["iframe"]  # nothing else: the page lives inside the frame only
    (frame,) = shown.frames
    assert frame["srcdoc"] == stepper_html(neuron())


@needs_renderer
@pytest.mark.parametrize("height", [300, 900])
def test_the_frame_has_the_height_asked_for(height):
    (frame,) = frames_of(autograd.stepper(neuron(), height=height)._repr_html_()).frames
    assert f"height: {height}px" in frame["style"]


@needs_renderer
def test_options_reach_the_page():
    from autograd.views.stepper import stepper_html

    page = autograd.stepper(neuron(), title="A neuron <by hand>", fmt=".2f").html
    assert page == stepper_html(neuron(), title="A neuron <by hand>", fmt=".2f")
    assert "A neuron &lt;by hand&gt;" in page


@needs_renderer
def test_save_writes_what_write_stepper_writes(tmp_path):
    saved = autograd.stepper(neuron()).save(tmp_path / "cell.html")
    written = autograd.write_stepper(neuron(), tmp_path / "file.html")
    assert saved == tmp_path / "cell.html"
    assert saved.read_bytes() == written.read_bytes()


@needs_renderer
def test_save_into_a_missing_folder_says_which(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        autograd.stepper(neuron()).save(tmp_path / "nowhere" / "steps.html")


@needs_renderer
def test_a_misspelt_option_is_named_with_the_right_one():
    with pytest.raises(TypeError, match=r"unknown option 'titel'; did you mean 'title'\?"):
        autograd.stepper(neuron(), titel="x")


@pytest.mark.parametrize("height", [0, -5, 2.5, "600"])
def test_a_height_that_is_no_positive_int_is_refused(height, renderer):
    with pytest.raises(ValueError, match=r"stepper\(height=...\): expected a positive int"):
        autograd.stepper(neuron(), height=height)


def test_stepper_of_something_else_than_a_value_is_refused():
    with pytest.raises(TypeError, match="expected a Value, got float"):
        autograd.stepper(1.5)


# -- sliders -----------------------------------------------------------------------------------------


def test_interact_without_ipywidgets_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # what `import ipywidgets` sees when it is missing
    with pytest.raises(ImportError, match=r'pip install "chainrule\[notebook\]"'):
        autograd.interact(lambda x: x * 2, x=(-2, 2))


@pytest.fixture
def widgets():
    return pytest.importorskip("ipywidgets")


def tanh_neuron(x=2.0, w=-3.0, b=6.88):
    n = x * w + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def expected(x, w, b):
    """Hand-derived: o = tanh(x·w + b); ∂o/∂x = (1 − o²)·w, ∂o/∂w = (1 − o²)·x, ∂o/∂b = 1 − o²."""
    o = math.tanh(x * w + b)
    return o, {"x": (1 - o * o) * w, "w": (1 - o * o) * x, "b": 1 - o * o}


@pytest.mark.usefixtures("widgets", "renderer")
def test_sliders_start_at_the_functions_defaults():
    knobs = autograd.interact(tanh_neuron, x=(-2, 2), w=(-3, 3), b=(-8, 8))
    assert knobs.values == {"x": 2.0, "w": -3.0, "b": 6.88}
    o, grads = expected(2.0, -3.0, 6.88)
    assert knobs.output.data == pytest.approx(o, rel=1e-12)
    assert knobs.gradients == pytest.approx(grads, rel=1e-12)


@pytest.mark.usefixtures("widgets", "renderer")
@pytest.mark.parametrize("moves", [{"x": 0.5}, {"w": 1.25, "b": -0.5}, {"x": -2.0, "w": 3.0, "b": 0.0}])
def test_moving_sliders_recomputes_the_gradients(moves):
    knobs = autograd.interact(tanh_neuron, x=(-2, 2), w=(-3, 3), b=(-8, 8))
    for name, value in moves.items():
        knobs.sliders[name].value = value
    point = {"x": 2.0, "w": -3.0, "b": 6.88, **moves}
    o, grads = expected(**point)
    assert knobs.values == point
    assert knobs.output.data == pytest.approx(o, rel=1e-12)
    # Fresh Values on every change: nothing is left over from the earlier positions.
    assert knobs.gradients == pytest.approx(grads, rel=1e-12, abs=1e-15)


@pytest.mark.usefixtures("widgets", "renderer")
def test_the_table_and_the_drawing_follow_the_sliders():
    knobs = autograd.interact(lambda x, w: x * w, x=(-2, 2), w=(-3, 3))
    knobs.sliders["x"].value = 1.5
    knobs.sliders["w"].value = -2.0
    # ∂L/∂x = w and ∂L/∂w = x for L = x·w, in explain's notation and number style.
    assert rows_of(knobs.table.value)[1:] == [
        ["L", "−3", "", ""],
        ["x", "1.5", "∂L/∂x", "−2"],
        ["w", "−2", "∂L/∂w", "1.5"],
    ]
    drawing = knobs.drawing.value
    assert drawing.count("<svg") == 1 and "max-width: 100%" in drawing
    numbers = {float(n) for t in re.findall(r">([^<]*)</text>", drawing)
               for n in re.findall(r"−?\d+(?:\.\d+)?", html.unescape(t))
               for n in [n.replace("−", "-")]}  # a number is negative only with a true minus sign
    assert {-3.0, 1.5, -2.0} <= numbers  # L's value and the new gradients, drawn


@pytest.mark.usefixtures("widgets", "renderer")
def test_a_slider_where_f_is_undefined_shows_the_error_and_recovers():
    knobs = autograd.interact(lambda x: x.log(), x=(-1, 1))  # starts at 0: log(0) is undefined
    assert knobs.output is None and knobs.gradients == {}
    assert "raised ValueError: log is defined for x > 0 only" in knobs.error
    assert "log is defined for x &gt; 0 only" in knobs.table.value
    knobs.sliders["x"].value = 0.5
    assert knobs.error is None
    assert knobs.gradients == {"x": 2.0}  # ∂(log x)/∂x = 1/x


@pytest.mark.usefixtures("widgets", "renderer")
@pytest.mark.parametrize(
    "ranges, message",
    [
        ({"xx": (-2, 2)}, r"f has no parameter 'xx'; did you mean 'x'\?"),
        ({"w": (-2, 2)}, r"parameter 'x' has no default and no slider; give it a range, such as x=\(-2, 2\)"),
        ({"x": 3}, r"interact\(x=...\): expected a range \(low, high\) or \(low, high, step\), got 3"),
        ({"x": (2, -2)}, r"interact\(x=...\) high: expected a number > 2"),
        ({"x": (-2, 2, 0)}, r"interact\(x=...\) step: expected a number > 0"),
        ({"x": (-2, float("nan"))}, r"expected a finite number, got nan"),
    ],
)
def test_bad_sliders_are_refused_with_what_was_expected(ranges, message):
    with pytest.raises((TypeError, ValueError), match=message):
        autograd.interact(lambda x, w=1.0: x * w, **ranges)


@pytest.mark.usefixtures("widgets", "renderer")
def test_a_default_outside_the_range_is_refused():
    with pytest.raises(ValueError, match=r"the default of f's parameter 'x' is 5.0, which is not a number"):
        autograd.interact(lambda x=5.0: x * 2, x=(-2, 2))


@pytest.mark.usefixtures("widgets", "renderer")
@pytest.mark.parametrize("spec, step, digits", [((-2, 2), 0.01, "2f"), ((0, 1000), 10.0, "0f"),
                                                ((-1, 1, 0.25), 0.25, "2f")])
def test_a_slider_moves_by_a_round_step(spec, step, digits):
    knobs = autograd.interact(lambda x: x * 2, x=spec)
    assert knobs.sliders["x"].step == step
    assert knobs.sliders["x"].readout_format == "." + digits


@pytest.mark.usefixtures("widgets", "renderer")
def test_f_that_returns_no_value_says_so():
    knobs = autograd.interact(lambda x: 3.0, x=(-2, 2))
    assert knobs.error.endswith("raised TypeError: interact: f must return a Value, got float")


@pytest.mark.usefixtures("widgets", "renderer")
def test_a_viewer_without_widgets_gets_the_last_table_and_graph():
    knobs = autograd.interact(lambda x, w: x * w, x=(-2, 2), w=(-3, 3))
    knobs.sliders["w"].value = 2.5
    bundle = knobs._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/html"] == knobs.table.value + knobs.drawing.value
    assert ["w", "2.5", "∂L/∂w", "0"] in rows_of(bundle["text/html"])  # ∂(x·w)/∂w = x = 0
