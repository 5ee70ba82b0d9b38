"""The stepper's layer view in Chromium: what a lecture hall sees at each step.

A whole layer per step on the network picture: the layer's neurons light up
(by their SVG ids), the picture's numbers appear as the steps compute them,
the equations are written with their numbers, each δᵢ opens into its scalar
steps (a click, its neuron, or its number key), and the equations are large
enough to read from the back at 1280×720 and 1920×1080.
"""

import statistics

import pytest
from browser import browser, require_renderer  # noqa: F401 (browser is a fixture)
from lecture_networks import delta_rule, homework

import nn

require_renderer()

from test_stepper_view_browser import open_page  # noqa: E402, F401 (a fixture)

from autograd.views.stepper import StepperOptions, _lesson  # noqa: E402

pytestmark = pytest.mark.browser

FIXTURES = {"homework": lambda: homework(bias=True), "delta rule": delta_rule}


def loss_and_lesson(which):
    model, x, y = FIXTURES[which]()
    L = nn.mse_loss([model(x)], [y])
    opts = StepperOptions(layers=True)
    lesson, explanation, _ = _lesson(L, None, 1.0, opts.max_nodes, None, None, True)
    return L, lesson, explanation


def marked(page, cls):
    return page.eval_on_selector_all(
        f".cr-svg-network .{cls}", "els => els.map(e => e.getAttribute('data-cr-id')).sort()")


PICTURE_NUMBERS = """() => Array.from(document.querySelectorAll(
  '.cr-svg-network text[data-cr-data], .cr-svg-network text[data-cr-grad]')).map(t => ({
    node: Number(t.getAttribute('data-cr-data') ?? t.getAttribute('data-cr-grad')),
    grad: t.hasAttribute('data-cr-grad'), text: t.textContent }))"""


@pytest.mark.parametrize("which", list(FIXTURES))
def test_each_step_lights_up_its_layer_and_writes_its_equations(open_page, which):  # noqa: F811 (the fixture imported above)
    L, lesson, explanation = loss_and_lesson(which)
    page = open_page(L, layers=True)
    order = explanation.order
    count = len(lesson["layers"])
    for k, step in enumerate(lesson["steps"], start=1):
        page.keyboard.press("ArrowRight")
        forward = step["kind"] == "layer_forward"
        assert marked(page, "node.cr-computing" if forward else "node.cr-target") == sorted(step["neurons"])
        assert marked(page, "node.cr-target" if forward else "node.cr-computing") == []
        assert marked(page, "edge.cr-feeding" if forward else "edge.cr-active") == sorted(step["edges"])
        phase = page.inner_text(".cr-phase")
        assert phase == (f"Forward pass: layer {step['layer']} of {count}" if forward else
                         f"Backward pass: layer {step['layer']} of {count}"
                         + (" (the output)" if step["layer"] == count else ""))
        shown = page.inner_text(".cr-current .cr-equations")
        if forward:
            assert f"z({step['layer']}) = W({step['layer']}) a({step['layer'] - 1})" in shown
            for z in step["z"]:
                assert explanation_number(z) in shown
        else:
            assert shown.startswith(f"δ({step['layer']}) = ")
            for d in step["deltas"]:
                assert d["value_text"] in shown
        # The picture shows a number once a step has computed it, "?" before.
        known = {i for s in lesson["steps"][:k] for i in s.get("known", [])}
        known |= {i for i, v in enumerate(order) if not v.inputs}
        graded = {g[0] for s in lesson["steps"][:k] for g in s.get("grads", [])}
        numbers = page.evaluate(PICTURE_NUMBERS)
        assert numbers, "the picture's numbers are tagged"
        for n in numbers:
            expected = n["node"] in (graded if n["grad"] else known)
            assert n["text"].rstrip().endswith("= ?") != expected, (k, n)


def explanation_number(x):
    from autograd.views.quiz import board_number

    return board_number(x, None)


def test_a_delta_opens_into_its_scalar_steps_by_click_key_or_neuron(open_page):  # noqa: F811 (the fixture imported above)
    L, lesson, _ = loss_and_lesson("delta rule")
    page = open_page(L, layers=True)
    page.keyboard.press("End")  # the last step: backward into layer 1
    last = lesson["steps"][-1]
    assert last["kind"] == "layer_backward" and last["layer"] == 1
    panel = page.locator(".cr-panel")
    assert panel.is_hidden()
    toggles = page.locator(".cr-delta-toggle")
    assert toggles.count() == len(last["deltas"]) == 4
    toggles.nth(1).click()
    assert panel.is_visible() and panel.get_attribute("data-delta") == "2"
    # The steps typeset as the equations are (Python's HTML), ending at δ₂⁽¹⁾'s number.
    items = page.locator(".cr-panel ol.cr-delta-steps li")
    assert [items.nth(k).inner_html() for k in range(items.count())] == last["deltas"][1]["steps_html"]
    steps = items.all_inner_texts()
    assert steps[-1].startswith("δ2(1) = ∂L/∂a2(1)") and steps[-1].endswith(last["deltas"][1]["value_text"])
    assert toggles.nth(1).get_attribute("aria-expanded") == "true"
    assert marked(page, "node.cr-selected") == ["N1_2"]
    # The keyboard: a number opens that δ, the same number closes it.
    page.keyboard.press("3")
    assert panel.get_attribute("data-delta") == "3" and marked(page, "node.cr-selected") == ["N1_3"]
    page.keyboard.press("3")
    assert panel.is_hidden() and marked(page, "node.cr-selected") == []
    # A click on the neuron's circle opens its δ.
    page.locator('.cr-svg-network [data-cr-id="N1_1"]').click()
    assert panel.get_attribute("data-delta") == "1"
    assert items.count() == len(last["deltas"][0]["steps"])
    assert items.last.inner_text().endswith(last["deltas"][0]["value_text"])
    # Another step closes it.
    page.keyboard.press("ArrowLeft")
    assert panel.is_hidden()


EQUATION_TEXT = """(selector) => {
  // Each line of the equations' own text (not a sub- or superscript): its box's height and its font's
  // size, in px, as the view tests measure the drawing's text.
  const boxes = [], sizes = [];
  const walker = document.createTreeWalker(document.querySelector(selector),
    NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const t = walker.currentNode;
    if (!t.textContent.trim() || t.parentElement.closest('sub, sup')) continue;
    const range = document.createRange(); range.selectNodeContents(t);
    for (const r of range.getClientRects()) if (r.height) boxes.push(r.height);
    sizes.push(parseFloat(getComputedStyle(t.parentElement).fontSize));
  }
  return [boxes, sizes];
}"""


def equation_text(page, selector=".cr-current .cr-equations"):
    """The median height of the equations' text boxes and the median font size, in px."""
    boxes, sizes = page.evaluate(EQUATION_TEXT, selector)
    return statistics.median(boxes), statistics.median(sizes)


@pytest.mark.slow
@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
def test_the_equations_are_readable_from_the_back(open_page, width, height):  # noqa: F811 (the fixture imported above)
    L, lesson, _ = loss_and_lesson("delta rule")
    page = open_page(L, layers=True, width=width, height=height)
    sizes = {}
    for present in (False, True):
        if present:
            page.keyboard.press("f")
        page.keyboard.press("Home")
        for k in range(len(lesson["steps"])):
            page.keyboard.press("ArrowRight")
            sizes[present, k] = equation_text(page)
            # The step's equations are in view, not scrolled away.
            assert page.locator(".cr-current .cr-eq").first.is_visible()
            if lesson["steps"][k]["kind"] == "layer_backward":
                # δ₁ opened: its steps typeset as the equations are, and at least as large.
                page.keyboard.press("1")
                steps = equation_text(page, ".cr-panel ol.cr-delta-steps")
                assert steps[1] >= sizes[present, k][1] - 0.01 and steps[0] >= sizes[present, k][0] - 0.5, \
                    (steps, sizes[present, k])
                assert page.eval_on_selector(".cr-panel ol.cr-delta-steps li",
                                             "e => getComputedStyle(e).fontFamily") == \
                    page.eval_on_selector(".cr-current .cr-equations", "e => getComputedStyle(e).fontFamily")
                sizes["delta", present, k] = steps
                page.keyboard.press("1")
    deltas = {key[1:]: sizes.pop(key) for key in list(sizes) if key[0] == "delta"}
    box, font = (min(v[j] for (p, _), v in sizes.items() if not p) for j in (0, 1))
    present_box, present_font = (min(v[j] for (p, _), v in sizes.items() if p) for j in (0, 1))
    delta_font, present_delta_font = (min(v[1] for (p, _), v in deltas.items() if p is q)
                                      for q in (False, True))
    print(f"{width}x{height}: equation text {box:.1f} px tall (font {font:.1f} px), "
          f"Present {present_box:.1f} px (font {present_font:.1f} px); a δ's steps: font "
          f"{delta_font:.1f} px, Present {present_delta_font:.1f} px")
    assert box >= 16 and font >= 16
    assert present_box >= 18 and present_font >= 18 and present_box > 1.3 * box
    assert delta_font >= 16 and present_delta_font >= 18


def test_the_update_after_the_layers_brackets_a_negative_gradient(open_page):  # noqa: F811 (the fixture imported above)
    L, _, explanation = loss_and_lesson("homework")
    page = open_page(L, layers=True, lr=0.5)
    page.keyboard.press("End")
    assert page.inner_text(".cr-phase") == "Update"
    text = page.inner_text(".cr-current")
    b2 = next(v for v in explanation.order if v.label == "b_{1}^{(2)}")
    grad = explanation_number(explanation.gradients[b2])
    assert grad.startswith("−")
    assert f"0.25 − 0.5 · ({grad}) = " in text


SCRIPT_GAPS = """() => {
  // Each script of the picture: the gap from its letter (or the subscript before it), its size
  // against its letter's, and the gap to the "=" after it, all in units of the letter's font size.
  const out = [];
  document.querySelectorAll('.cr-svg-network text[baseline-shift]').forEach(s => {
    let letter = s.previousElementSibling;
    while (letter && letter.hasAttribute('baseline-shift')) letter = letter.previousElementSibling;
    const prev = s.previousElementSibling;
    const size = parseFloat(getComputedStyle(letter).fontSize);
    const before = prev.getBBox(), own = s.getBBox();
    const row = {text: letter.textContent + prev.textContent + s.textContent,
                 gap: (own.x - (before.x + before.width)) / size,
                 scale: parseFloat(getComputedStyle(s).fontSize) / size};
    const next = s.nextElementSibling;
    if (next && !next.hasAttribute('baseline-shift') && next.getAttribute('y') === s.getAttribute('y')
        && next.textContent.trim().startsWith('=')) {
      const at = next.textContent.indexOf('=');
      row.equals = (next.getStartPositionOfChar(at).x - (own.x + own.width)) / size;
    }
    out.push(row);
  });
  return out;
}"""


@pytest.mark.parametrize("present", [False, True])
def test_the_pictures_scripts_sit_tight_on_their_letter(open_page, present):  # noqa: F811 (the fixture imported above)
    L, _, _ = loss_and_lesson("homework")
    page = open_page(L, layers=True, width=1920, height=1080)
    if present:
        page.keyboard.press("f")
    page.keyboard.press("End")
    rows = page.evaluate(SCRIPT_GAPS)
    assert len(rows) >= 20
    for row in rows:
        # z₁⁽²⁾: the script touches its letter (a subscript's ⁽²⁾ follows the ₁), smaller than it.
        # (Graphviz's widths differ a little from the browser's font: up to 0.15 em, 0.22 em after
        # "∂L/∂a", whose ∂ it measures wider. Scripts laid out at full size and shrunk by the page
        # stood up to 0.41 em off, and the "=" 1.04 em.)
        assert -0.05 <= row["gap"] <= (0.22 if row["text"].startswith("∂") else 0.16), row
        assert 0.6 <= row["scale"] <= 0.8, row
    # "z₁⁽²⁾ = 1.05": one space's room before the "=", no more, no less.
    spaces = [row["equals"] for row in rows if "equals" in row]
    assert len(spaces) >= 10
    assert all(0.15 <= s <= 0.45 for s in spaces), spaces


LAYER_TEXT = """() => {
  // The median height (px) of the texts in the circles of the step's own layer, and how many there are.
  const hs = [];
  document.querySelectorAll('.cr-svg-network .node.cr-computing text, .cr-svg-network .node.cr-target text')
    .forEach(t => { if (!t.hasAttribute('baseline-shift')) hs.push(t.getBoundingClientRect().height); });
  hs.sort((a, b) => a - b);
  return [hs[Math.floor(hs.length / 2)], hs.length];
}"""


@pytest.mark.slow
@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
def test_the_steps_layer_is_framed_large_enough_to_read(open_page, width, height):  # noqa: F811 (the fixture imported above)
    L, lesson, _ = loss_and_lesson("delta rule")
    page = open_page(L, layers=True, width=width, height=height)
    for present in (False, True):
        if present:
            page.keyboard.press("f")
        page.keyboard.press("Home")
        seen = []
        for step in lesson["steps"]:
            page.keyboard.press("ArrowRight")
            px, count = page.evaluate(LAYER_TEXT)
            assert count >= 3 * len(step["neurons"])
            seen.append(px)
            # A layer's arrows span three columns; its own circles come first, at 16 px (22 px in
            # Present) where they fit. Before: 14-19 px in Present at 1280×720.
            if not present:
                assert px >= 14, (step["kind"], step["layer"], px)
            elif width >= 1920 or len(step["neurons"]) <= 2:
                assert px >= 20, (step["kind"], step["layer"], px)
            else:
                # At 1280×720, three or four circles of five rows are taller than the view at 20 px:
                # the whole column is kept in view, at the size that fits.
                assert px >= 14, (step["kind"], step["layer"], px)
        print(f"{width}x{height}{' Present' if present else ''}: the step's layer's text", seen)


@pytest.mark.parametrize("typed", ["0.5", "2e-7", None])
def test_a_learning_rate_writes_the_update_with_true_minus_signs(open_page, typed):  # noqa: F811 (the fixture imported above)
    L, _, explanation = loss_and_lesson("homework")
    eta = 2e-7 if typed is None else float(typed)
    page = open_page(L, layers=True, lr=eta if typed is None else None)
    if typed is not None:  # typed on the page: the update is computed in JS
        page.fill(".cr-lr", typed)
        page.press(".cr-lr", "Enter")
    page.keyboard.press("End")
    assert page.inner_text(".cr-phase") == "Update"
    text = page.inner_text(".cr-current")
    b2 = next(v for v in explanation.order if v.label == "b_{1}^{(2)}")
    new = b2.data - eta * explanation.gradients[b2]
    # As Python writes the same numbers (board_number): −0.08243, 1e−07, never a hyphen.
    assert f" = {explanation_number(new)}" in text, text
    assert explanation_number(eta) in text
    assert "-" not in text and "−" in text, text


OVERVIEW_OVERLAP = """(ids) => {
  // The step's elements (by their ids in the picture) that the overview covers, if it is shown.
  const o = document.querySelector('.cr-overview');
  if (o.hidden) return null;
  const r = o.getBoundingClientRect();
  return ids.filter(id => {
    const c = document.querySelector(`.cr-svg-network [data-cr-id="${id}"]`).getBoundingClientRect();
    return c.right > r.left && c.left < r.right && c.bottom > r.top && c.top < r.bottom;
  });
}"""


@pytest.mark.slow
@pytest.mark.parametrize("which", list(FIXTURES))
def test_the_overview_covers_nothing_the_step_shows(open_page, which):  # noqa: F811 (the fixture imported above)
    L, lesson, _ = loss_and_lesson(which)
    shown = 0
    for width, height in [(1280, 720), (1920, 1080)]:
        page = open_page(L, layers=True, width=width, height=height)
        for present in (False, True):
            if present:
                page.keyboard.press("f")
            page.keyboard.press("Home")
            for step in lesson["steps"]:
                page.keyboard.press("ArrowRight")
                covered = page.evaluate(OVERVIEW_OVERLAP, step["neurons"] + step["focus"])
                assert not covered, (width, present, step["kind"], step["layer"], covered)
                shown += covered is not None
    # It is still there to say where the view is, when a part of the picture is off screen.
    assert shown >= len(lesson["steps"])
