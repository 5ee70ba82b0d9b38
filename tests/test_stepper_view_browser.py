"""The stepper in Chromium as a lecture hall sees it: text heights while it follows the steps, Present
mode, Fit, the overview; one neuron after another; the update step with the loss before and after.

Driven as a student does, by the buttons' accessible names ("Next", "Present", "Fit", ...).
"""

import math
import statistics

import pytest
from browser import browser, require_renderer, stepper_pages  # noqa: F401 (browser is a fixture)
from stepper_graphs import delta_rule_neuron, network

pytest.importorskip("graphviz")

from autograd import explain  # noqa: E402

require_renderer()

pytestmark = pytest.mark.browser


@pytest.fixture
def open_page(browser, tmp_path):  # noqa: F811 (the fixture imported above)
    yield from stepper_pages(browser, tmp_path)


def button(page, name):
    return page.get_by_role("button", name=name, exact=True)


def press(page, name, times=1):
    for _ in range(times):
        button(page, name).click()


def forward_count(root):
    return sum(1 for v in explain(root).order if v.inputs)


# ----------------------------------------------------------------------
# Readable from the back of a hall: the view follows the step


TEXTS_IN_VIEW = """() => {
  const g = document.querySelector('.cr-graph').getBoundingClientRect();
  const heights = [];
  document.querySelectorAll('.cr-graph svg.cr-svg:not([hidden]) text').forEach(t => {
    const r = t.getBoundingClientRect();
    if (r.width && r.height && r.left >= g.left - 0.5 && r.right <= g.right + 0.5
        && r.top >= g.top - 0.5 && r.bottom <= g.bottom + 0.5) heights.push(r.height);
  });
  return heights;
}"""

IN_VIEW = """(els) => {
  const g = document.querySelector('.cr-graph').getBoundingClientRect();
  return els.map(e => { const r = e.getBoundingClientRect();
    return r.width > 0 && r.left >= g.left - 0.5 && r.right <= g.right + 0.5
      && r.top >= g.top - 0.5 && r.bottom <= g.bottom + 0.5; });
}"""


def texts_in_view(page):
    """How many of the drawing's texts are in view, and their median rendered height in px."""
    heights = page.evaluate(TEXTS_IN_VIEW)
    return len(heights), statistics.median(heights) if heights else 0.0


def active_edge_and_its_ends_in_view(page):
    """The red arrow, the box it leaves and the operation it enters: each wholly in view."""
    edge = page.locator(".cr-svg-full .edge.cr-active")
    assert edge.count() == 1
    ends = [edge, page.locator(".cr-svg-full .node.cr-target"), page.locator(".cr-svg-full .node.cr-source")]
    return [page.evaluate(IN_VIEW, [e.first.element_handle()])[0] for e in ends]


def backward_steps(page, root):
    """Go to the start of backward; yield after each backward step."""
    page.keyboard.press("Home")
    press(page, "Next ▶", forward_count(root) + 1)
    for k in range(len(explain(root))):
        press(page, "Next ▶")
        yield k


@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
def test_the_delta_rule_neuron_is_readable_at_every_backward_step(open_page, width, height):
    L, _ = delta_rule_neuron()
    page = open_page(L, lr=0.5, width=width, height=height)
    for k in backward_steps(page, L):
        count, median = texts_in_view(page)
        assert count >= 6 and median >= 14, f"backward step {k + 1}: {count} texts, median {median:.1f} px"
        assert all(active_edge_and_its_ends_in_view(page)), f"backward step {k + 1}"


def test_present_mode_enlarges_the_graph_itself(open_page):
    L, _ = delta_rule_neuron()
    page = open_page(L, lr=0.5)
    steps = backward_steps(page, L)
    for _ in range(len(explain(L)) // 2):
        next(steps)
    normal = texts_in_view(page)[1]
    press(page, "Present")
    assert button(page, "Present").get_attribute("aria-pressed") == "true"
    for k in steps:
        count, median = texts_in_view(page)
        assert count >= 6 and median >= 20, f"Present, backward step {k + 1}: {count} texts, {median:.1f} px"
        assert median > 1.3 * normal
        assert all(active_edge_and_its_ends_in_view(page))


@pytest.mark.parametrize("hidden", [2, pytest.param(4, marks=pytest.mark.slow)])
def test_a_network_is_readable_value_by_value(open_page, hidden):
    L, _ = network(hidden)
    page = open_page(L, lr=0.5, max_nodes=None)
    if page.get_attribute(".chainrule-stepper", "data-cr-view") == "groups":
        press(page, "Every value")
    for k in backward_steps(page, L):
        count, median = texts_in_view(page)
        assert count >= 6 and median >= 14, f"backward step {k + 1}: {count} texts, median {median:.1f} px"
        assert all(active_edge_and_its_ends_in_view(page)), f"backward step {k + 1}"


def view_box(page):
    return [float(t) for t in page.get_attribute(".cr-svg-full", "viewBox").split()]


def test_fit_shows_everything_until_the_next_step_and_follow_comes_back(open_page):
    L, _ = delta_rule_neuron()
    page = open_page(L, lr=0.5)
    press(page, "Next ▶", forward_count(L) + 3)
    followed = view_box(page)
    press(page, "Fit")
    base = page.evaluate("document.querySelector('.cr-svg-full').viewBox.baseVal.width")
    assert view_box(page)[2] > followed[2] and page.inner_text(".cr-zoom-level") == "fit"
    assert button(page, "Follow").get_attribute("aria-pressed") == "false"
    # Everything is in view: every text of the drawing.
    total = page.locator(".cr-svg-full text").count()
    assert texts_in_view(page)[0] == total and view_box(page)[2] == pytest.approx(base)
    assert page.locator(".cr-overview").is_hidden()  # nothing outside the view: no overview
    press(page, "Follow")
    assert view_box(page) == followed
    press(page, "Fit")
    press(page, "Next ▶")  # the next step follows again
    assert button(page, "Follow").get_attribute("aria-pressed") == "true"
    assert view_box(page)[2] == followed[2]
    assert all(active_edge_and_its_ends_in_view(page))


def test_the_overview_frames_the_part_in_view(open_page):
    L, _ = delta_rule_neuron()
    page = open_page(L, lr=0.5)
    press(page, "Next ▶", forward_count(L) + 3)
    overview = page.locator(".cr-overview")
    assert overview.is_visible()
    frame = [float(overview.locator("rect.cr-overview-frame").get_attribute(a))
             for a in ("x", "y", "width", "height")]
    assert frame == pytest.approx(view_box(page))
    # The frame sits where the view is: its share of the overview is the view's share of the drawing.
    base = page.evaluate("(() => { const s = document.querySelector('.cr-overview-svg');"
                         " return s.getAttribute('viewBox').split(' ').map(Number); })()")
    assert frame[2] < base[2]
    # A click on the overview's far right shows that end of the drawing.
    box = overview.bounding_box()
    page.mouse.click(box["x"] + box["width"] - 3, box["y"] + box["height"] / 2)
    moved = view_box(page)
    assert moved[0] + moved[2] == pytest.approx(base[0] + base[2], abs=1)
    assert button(page, "Follow").get_attribute("aria-pressed") == "false"


CAMERA_STATES = """() => { window.crStates = [];
  new MutationObserver(() => window.crStates.push(
    document.querySelector('.chainrule-stepper').getAttribute('data-cr-camera')))
  .observe(document.querySelector('.chainrule-stepper'), { attributes: true,
    attributeFilter: ['data-cr-camera'] }); }"""


@pytest.mark.slow
def test_the_camera_moves_smoothly_and_not_at_all_under_reduced_motion(open_page):
    L, _ = delta_rule_neuron()
    still = open_page(L, lr=0.5)
    smooth = open_page(L, lr=0.5, reduced_motion=False)
    for page in (still, smooth):
        page.evaluate(CAMERA_STATES)
        press(page, "Next ▶", forward_count(L) + 8)
    smooth.wait_for_function("document.querySelector('.chainrule-stepper').dataset.crCamera === 'still'")
    assert "moving" in smooth.evaluate("window.crStates")
    assert "moving" not in still.evaluate("window.crStates")
    assert view_box(smooth) == pytest.approx(view_box(still))


# ----------------------------------------------------------------------
# The update step: the forward pass again, the loss before and after


def sigmoid_neuron_loss(w1, w2, b, x1=1.0, x2=0.5, y=1.0):
    """½(σ(w1·x1 + w2·x2 + b) − y)², by hand."""
    a = 1.0 / (1.0 + math.exp(-(w1 * x1 + w2 * x2 + b)))
    return 0.5 * (a - y) ** 2


def loss_cell(page, root):
    i = explain(root).order.index(root)
    cell = page.locator(f".cr-values tr[data-node='{i}'] .cr-data")
    return cell.get_attribute("data-value"), cell.text_content()


@pytest.mark.parametrize("lr, typed", [(0.5, None), (0.5, "2"), (None, "0.75")])
def test_the_update_runs_forward_again_and_shows_the_loss_before_and_after(open_page, lr, typed):
    L, leaves = delta_rule_neuron()
    L.backward()
    page = open_page(L, lr=lr)
    if typed is not None:
        page.fill(".cr-lr", typed)
        page.press(".cr-lr", "Enter")
    eta = float(typed) if typed is not None else lr
    page.keyboard.press("End")
    new = {k: leaves[k].data - eta * leaves[k].grad for k in ("w1", "w2", "b")}
    truth = sigmoid_neuron_loss(**new)
    raw, text = loss_cell(page, L)
    assert math.isclose(float(raw), truth, rel_tol=1e-12)
    assert float(raw) < L.data  # one step downhill
    before = text.split(" → ")[0]
    current = page.inner_text(".cr-current")
    assert f"L: {before} → {text.split(' → ')[1]}" in current
    assert "forward pass again" in current
    # The output's box shows the new loss too.
    i = explain(L).order.index(L)
    assert page.locator(f".cr-svg-full [data-cr-id='n{i}'] text.cr-new").count() == 1


# ----------------------------------------------------------------------
# One box per neuron, layer by layer


def marked(page, cls):
    """The names of the boxes of the neuron view drawn in the legend's colour ``cls``."""
    return page.eval_on_selector_all(
        f".cr-svg-groups .node.{cls}", "els => els.map(e => e.querySelector('text').textContent)")


@pytest.mark.parametrize("hidden", [2, 4])
def test_next_neuron_goes_layer_by_layer_forward_and_back(open_page, hidden):
    L, model = network(hidden)
    page = open_page(L, lr=0.1, max_nodes=None)
    if page.get_attribute(".chainrule-stepper", "data-cr-view") == "full":  # a small network opens whole
        press(page, "One box per neuron")
    hidden_names = [f"neuron {k + 1}, layer 1" for k in range(hidden)]
    forward, backward = [], []
    while not button(page, "Next ▶").is_disabled():
        press(page, "Next neuron ▶")
        phase = page.inner_text(".cr-phase")
        if phase.startswith("Forward"):
            forward += marked(page, "cr-computing")
        elif phase.startswith("Backward pass:"):
            backward += marked(page, "cr-source")
    # Forward: the first layer's neurons one after another, then the output neuron (then the loss).
    assert forward[:hidden + 1] == [*hidden_names, "neuron 1, layer 2"]
    # Backward: the output neuron, then the first layer's neurons.
    neurons = [name for name in backward if name.startswith("neuron ")]
    assert neurons == ["neuron 1, layer 2", *reversed(hidden_names)]
    # Each press applied one whole neuron: no neuron came back after another one.
    assert len(set(neurons)) == len(neurons)


def test_the_neuron_being_computed_has_the_legends_being_computed_colour(open_page):
    L, _ = network(2)
    page = open_page(L, lr=0.1, max_nodes=None)
    press(page, "One box per neuron")
    press(page, "Next neuron ▶")
    box = page.locator(".cr-svg-groups .node.cr-computing path").first
    stroke = box.evaluate("e => getComputedStyle(e).stroke")
    legend = page.eval_on_selector_all(
        ".cr-legend span", "els => els.map(e => [e.textContent, e.firstChild.style.borderColor])")
    assert dict(legend)["being computed"] == stroke
    assert dict(legend)["receives a contribution"] != stroke


def test_the_steps_of_a_network_keep_every_gradient_of_the_engine(open_page):
    L, model = network(4)
    L.backward()
    page = open_page(L, max_nodes=None)
    press(page, "End ▶▶")
    order = explain(L).order
    for p in model.parameters():
        i = order.index(p)
        assert float(page.get_attribute(f".cr-values tr[data-node='{i}'] .cr-grad", "data-grad")) == p.grad
