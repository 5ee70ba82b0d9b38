"""No view of an nn model shows a dotted key.

nn's keys (``layers.0.neurons.3.w.1``) are what ``named_parameters``,
``state_dict``, save and load use; what a person reads uses the lecture's
names (w⁽¹⁾₄₂, b⁽¹⁾₄, z, a, L) and box titles such as ``neuron 4, layer 1``.
Every view of every model below is rendered, and its text searched for a key.

Not views, and so not searched: ``repr(model)``, ``model.describe()``,
``named_parameters()``, ``state_dict()`` and the saved file (they are about the
code's names, and a reader of them indexes the model with those keys), and the
names in ``NonFiniteLossError.parameters``. The command line takes an
expression, never a model, so it has no nn view.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from lecture_networks import delta_rule, homework

import nn
from autograd import derive, explain
from autograd.views.derive import TooManyPathsError
from autograd.views.naming import typeset

# A key's parts: ``layers.0``, ``neurons.3``, and a lone neuron's ``w.1`` (its ``b`` is
# the lecture's name too). Not preceded by a letter, digit, _ or dot, so that a word
# such as ``hidden_layers.0`` in a path of the page's code is not taken for one.
DOTTED = re.compile(r"(?<![\w.])(?:layers|neurons)\.\d+|(?<![\w.])w\.\d+\b")

PAGE_SCRIPT = Path(__file__).resolve().parents[1] / "autograd" / "views" / "page" / "stepper.js"


def _fitted():
    """A 2-2-1 network after one epoch of plain gradient descent on two samples."""
    model = nn.MLP(2, [2, 1], activation="tanh", output_activation="sigmoid", seed=3)
    X, y = [[1.5, -0.5], [-1.0, 0.25]], [1.0, 0.0]
    nn.fit(model, X, y, loss="mse", optimizer=nn.SGD(model.parameters(), lr=0.5), epochs=1,
           progress=False, seed=0)
    return model, X[0], y[0]


def _two_samples():
    model = nn.MLP(2, [3, 1], seed=1)
    return model, [model([0.5, -1.0]), model([1.0, 2.0])], [1.0, -1.0]


CASES = {
    "homework 2-2-1": lambda: homework(bias=False),
    "homework 2-2-1 with bias": lambda: homework(bias=True),
    "delta rule 3-4-3-2": delta_rule,
    "MLP on two samples": _two_samples,
    "after a step of nn.fit": _fitted,
    "a lone layer": lambda: (nn.Layer(2, 2, activation="tanh", seed=0), [1.0, -2.0], [0.5, 0.25]),
    "a lone neuron": lambda: (nn.Neuron(3, activation="tanh", seed=0), [1.0, -2.0, 0.5], 0.5),
}
# One sample through a network of layers: what the network picture and the layer views draw.
ONE_SAMPLE_NETWORKS = {"homework 2-2-1", "homework 2-2-1 with bias", "delta rule 3-4-3-2",
                       "after a step of nn.fit", "a lone layer"}


class Case:
    """A model, its loss L (backward done) and, for one sample, that sample."""

    def __init__(self, name: str) -> None:
        self.name = name
        model, x, y = CASES[name]()
        self.model = model
        if name == "MLP on two samples":
            self.x = self.y = None
            self.L = nn.mse_loss(x, y)
        else:
            self.x, self.y = x, y
            self.L = nn.mse_loss([model(x)], [y])
        self.L.backward()


def leaks(text: str) -> list[str]:
    """Each dotted key in ``text``, with what stands around it."""
    return [text[max(0, m.start() - 50):m.end() + 30] for m in DOTTED.finditer(text)]


def assert_no_key(where: str, text: str) -> None:
    assert isinstance(text, str) and text, f"{where}: nothing was rendered"
    found = leaks(text)
    assert not found, f"{where} shows a dotted key: {found[:3]}"


def lesson_of(page: str) -> tuple[dict, str]:
    """The stepper page's lesson, and the page without it."""
    pattern = re.compile(r'<script type="application/json" class="cr-lesson">(.*?)</script>', re.S)
    match = pattern.search(page)
    assert match is not None, "the page has no lesson"
    return json.loads(match.group(1)), page[:match.start()] + page[match.end():]


def strings(data: object, path: str = "lesson"):
    """Every string in a piece of JSON, with where it is."""
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from strings(v, f"{path}.{k}")
    elif isinstance(data, list):
        for k, v in enumerate(data):
            yield from strings(v, f"{path}[{k}]")


# The lesson's ``groups`` are the keys of its boxes, which the page's program
# never reads (it finds a box by its index): see test_the_page_never_shows_its_group_keys.
INTERNAL = {"lesson.groups"}


def assert_page_clean(where: str, page: str) -> None:
    lesson, rest = lesson_of(page)
    assert_no_key(f"{where} (the page)", rest)
    for path, text in strings(lesson):
        if path.split("[")[0] not in INTERNAL and text:
            assert_no_key(f"{where} ({path})", text)


def network_or_message(case: Case, make):
    """What ``make()`` renders, or for a graph that is not one sample through a network,
    the message of its NotANetworkError (a person reads that too)."""
    from autograd.views.network import NotANetworkError

    if case.name in ONE_SAMPLE_NETWORKS:
        return make()
    with pytest.raises(NotANetworkError) as caught:
        make()
    return str(caught.value)


# ----------------------------------------------------------------------
# The views


def view_explain(case: Case):
    e = explain(case.L)
    yield "str(explain(L))", str(e)
    yield "explain(L).text(header=True)", e.text(header=True)
    yield "explain(L).to_markdown()", e.to_markdown()
    yield "explain(L).to_latex()", e.to_latex()
    yield "explain(L).to_dict()", json.dumps(e.to_dict(), ensure_ascii=False)
    yield "each step", "\n".join(s.format() + s.rule() + s.sum_text() for s in e)


def _renderer_or_skip() -> None:
    from autograd.views.draw import RendererNotFoundError, find_renderer

    try:
        find_renderer(None)
    except RendererNotFoundError:
        pytest.skip("no Graphviz renderer is installed")


DRAWINGS = {
    "draw(L)": {},
    "draw(L, style='slide', edge_labels=True)": {"style": "slide", "edge_labels": True},
    "draw(L, summarize=True)": {"summarize": True},
    "draw(L, summarize=1)": {"summarize": 1},
    "draw(L, summarize=2)": {"summarize": 2},
}


def view_draw_source(case: Case):
    pytest.importorskip("graphviz")
    from autograd import draw

    for where, options in DRAWINGS.items():
        d = draw(case.L, max_nodes=None, **options)
        yield f"{where}.source", d.source
        yield f"repr({where})", repr(d)
    for style in ("network", "network-slide"):
        yield f"draw(L, style={style!r}).source", network_or_message(
            case, lambda s=style: draw(case.L, style=s).source)


def view_draw_svg(case: Case):
    pytest.importorskip("graphviz")
    _renderer_or_skip()
    from autograd import draw

    for where, options in DRAWINGS.items():
        yield f"{where}.svg()", draw(case.L, max_nodes=None, **options).svg()
    for style in ("network", "network-slide"):
        yield f"draw(L, style={style!r}).svg()", network_or_message(
            case, lambda s=style: draw(case.L, style=s).svg())


STEPPERS = {
    "stepper_html(L)": {},
    "stepper_html(L, quiz=True)": {"quiz": True},
    "stepper_html(L, lr=0.1)": {"lr": 0.1},
}


def view_stepper(case: Case):
    pytest.importorskip("graphviz")
    _renderer_or_skip()
    from autograd.views.stepper import stepper_html

    for where, options in STEPPERS.items():
        yield where, stepper_html(case.L, max_nodes=None, **options)
    for options in ({"layers": True}, {"layers": True, "lr": 0.1}):
        shown = ", ".join(f"{k}={v}" for k, v in options.items())
        if case.name in ONE_SAMPLE_NETWORKS:
            yield f"stepper_html(L, {shown})", stepper_html(case.L, **options)
        else:  # the layer view is for one sample through a network: the message says so
            from autograd.views.network import NotANetworkError

            with pytest.raises(NotANetworkError) as caught:
                stepper_html(case.L, **options)
            yield f"stepper_html(L, {shown}) refused", str(caught.value)


def view_notebook(case: Case):
    pytest.importorskip("graphviz")
    _renderer_or_skip()
    from autograd.views.notebook import stepper

    # The cell holds the page in an attribute: unescaped, it is the page.
    yield "stepper(L)._repr_html_()", html.unescape(stepper(case.L)._repr_html_())


def view_interact(case: Case):
    pytest.importorskip("ipywidgets")
    pytest.importorskip("graphviz")
    _renderer_or_skip()
    if case.x is None:
        pytest.skip("interact slides the inputs of one sample")
    from autograd.views.notebook import interact

    model, x, y = case.model, case.x, case.y

    def loss(x1=x[0], x2=x[1]):
        return nn.mse_loss([model([x1, x2, *x[2:]])], [y])

    yield "interact(...).html", interact(loss, x1=(-2, 2), x2=(-2, 2)).html


def view_frames(case: Case, tmp_path: Path):
    pytest.importorskip("graphviz")
    _renderer_or_skip()
    from autograd import write_frames

    frames = write_frames(case.L, tmp_path, "svg", max_nodes=None)
    yield "write_frames(...).captions", "\n".join(frames.captions)
    for path in frames.paths:
        yield path.name, path.read_text(encoding="utf-8")


def view_derive(case: Case):
    for p in case.model.parameters():
        where = f"derive(L, {p.label})"
        try:
            d = derive(case.L, p)
        except TooManyPathsError as error:
            yield f"{where} refused", str(error)
            continue
        yield f"{where}.text", d.text
        yield f"{where}.latex", d.latex
        yield f"{where}.update_rule()", d.update_rule()
        yield f"{where}.code", d.code
        yield f"{where}.paths", "\n".join(d.paths)


def view_deltas(case: Case):
    if case.name not in ONE_SAMPLE_NETWORKS and case.name != "a lone neuron":
        pytest.skip("the layer view is of one sample")
    view = nn.deltas(case.model, case.x, case.y)
    yield "str(nn.deltas(...))", str(view)
    yield "nn.deltas(...).to_markdown()", view.to_markdown()
    yield "nn.deltas(...).to_latex()", view.to_latex()
    yield "repr(nn.deltas(...))", repr(view)


VIEWS = {
    "explain": view_explain,
    "draw (DOT)": view_draw_source,
    "draw (SVG)": view_draw_svg,
    "stepper page": view_stepper,
    "notebook stepper": view_notebook,
    "notebook sliders": view_interact,
    "derive": view_derive,
    "layer view": view_deltas,
}
PAGES = {"stepper page", "notebook stepper"}


@pytest.mark.parametrize("view", list(VIEWS))
@pytest.mark.parametrize("case", list(CASES))
def test_no_view_shows_a_dotted_key(case, view):
    c = Case(case)
    rendered = list(VIEWS[view](c))
    assert rendered, f"{view} rendered nothing for {case}"
    for where, text in rendered:
        if view in PAGES and "refused" not in where:
            assert_page_clean(f"{case}: {where}", text)
        else:
            assert_no_key(f"{case}: {where}", text)


@pytest.mark.parametrize("case", [
    "homework 2-2-1",
    pytest.param("MLP on two samples", marks=pytest.mark.slow),  # 5 s of frames
    pytest.param("delta rule 3-4-3-2", marks=pytest.mark.slow),  # 159 frames
])
def test_no_frame_shows_a_dotted_key(case, tmp_path):
    for where, text in view_frames(Case(case), tmp_path):
        assert_no_key(f"{case}: {where}", text)


# ----------------------------------------------------------------------
# The search itself


@pytest.mark.parametrize("case", list(CASES))
def test_the_search_finds_every_key_and_no_lecture_name(case):
    c = Case(case)
    keys = [k for k in c.model.state_dict() if "." in k]
    assert keys, "a model with no dotted key tests nothing"
    for k in keys:
        assert DOTTED.search(k), k
        assert DOTTED.search(f"∂L/∂({k}) = 0.5"), k
    for p in c.model.parameters():
        assert not DOTTED.search(p.label) and not DOTTED.search(typeset(p.label)), p.label


def test_the_search_would_see_a_key_a_view_shows():
    # A parameter relabelled with its key, as nn once labelled them: every view then shows it.
    model, x, y = homework(bias=False)
    for key, p in model.named_parameters():
        p.label = key
    L = nn.mse_loss([model(x)], [y])
    L.backward()
    assert leaks(str(explain(L)))
    assert leaks(derive(L, model.parameters()[0]).text)


def test_the_page_never_shows_its_group_keys():
    """The one exemption above: the lesson's ``groups`` keys are never read by the page's
    program, which finds a box by its number; the titles drawn on the boxes are the lecture's."""
    pytest.importorskip("graphviz")
    _renderer_or_skip()
    from autograd.views.stepper import stepper_html

    script = PAGE_SCRIPT.read_text(encoding="utf-8")
    assert not re.search(r"lesson\s*(?:\.\s*groups\b|\[\s*['\"]groups)", script)
    model, x, y = homework(bias=True)
    L = nn.mse_loss([model(x)], [y])
    lesson, rest = lesson_of(stepper_html(L))
    assert len(lesson["groups"]) == 3  # the page has one box per neuron
    for layer, neuron in [(1, 1), (1, 2), (2, 1)]:
        assert f"neuron {neuron}, layer {layer}" in rest



@pytest.mark.browser
@pytest.mark.parametrize("options", [{"lr": 0.1}, {"quiz": True}, {"layers": True}], ids=str)
def test_no_dotted_key_in_what_the_browser_shows(tmp_path, options):
    """The page as Chromium shows it after the last step, in each of its views: its text,
    and every tooltip (a title, in the page or in its drawings)."""
    pytest.importorskip("graphviz")
    _renderer_or_skip()
    from browser import launched_chromium

    from autograd.views.stepper import write_stepper

    c = Case("homework 2-2-1 with bias")
    path = write_stepper(c.L, tmp_path / "steps.html", **options)
    seen = []
    with launched_chromium() as chromium:
        page = chromium.new_page(viewport={"width": 1280, "height": 720}, reduced_motion="reduce")
        page.goto(path.as_uri())
        page.keyboard.press("End")
        views = 2 if page.is_visible(".cr-view") else 1
        for k in range(views):
            if k:
                page.click(".cr-view")
            seen.append(page.inner_text("body"))
            seen += page.eval_on_selector_all(
                "title, [title]", "els => els.map(e => e.getAttribute('title') || e.textContent)")
    for text in seen:
        if text:
            assert_no_key(f"the page with {options}, as shown", text)
