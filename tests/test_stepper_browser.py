"""The HTML stepper in a real browser: the system Chromium, driven by Playwright.

One browser serves the whole module; each test opens its own page.
"""

import math
import random

import pytest
from browser import browser, require_renderer, stepper_pages  # noqa: F401 (browser is a fixture)
from stepper_graphs import fan_out, neuron

pytest.importorskip("graphviz")

from autograd import Value, explain  # noqa: E402
from autograd.views.quiz import board_number as number_text  # noqa: E402
from autograd.views.stepper import stepper_fragment, stepper_html  # noqa: E402

require_renderer()

pytestmark = pytest.mark.browser


@pytest.fixture
def open_page(browser, tmp_path):  # noqa: F811 (the fixture imported above)
    # No animation: these tests read the view as it is after each step (the camera's motion
    # has its own tests in test_stepper_view_browser.py).
    yield from stepper_pages(browser, tmp_path)


def row(page, i):
    return page.locator(f".cr-values tr[data-node='{i}']")


def shown_grad(page, i):
    cell = row(page, i).locator(".cr-grad")  # the table is folded away: its text, not what is seen
    return cell.get_attribute("data-grad"), cell.text_content()


def shown_data(page, i):
    cell = row(page, i).locator(".cr-data")
    return cell.get_attribute("data-value"), cell.text_content()


def forward_count(root):
    return sum(1 for v in explain(root).order if v.inputs)


def counter(page):
    return page.inner_text(".cr-counter")


def go_to(page, k):
    page.keyboard.press("Home")
    for _ in range(k):
        page.keyboard.press("ArrowRight")


# ----------------------------------------------------------------------
# Forward, backward, the update


def test_forward_reveals_each_value_as_it_is_computed(open_page):
    o, _ = neuron()
    order = explain(o).order
    results = [v for v in order if v.inputs]
    page = open_page(o)
    assert shown_data(page, order.index(results[0])) == ("", "?")
    leaf = order.index(next(v for v in order if not v.inputs))
    assert float(shown_data(page, leaf)[0]) == order[leaf].data  # leaves are given
    for k, v in enumerate(results):
        i = order.index(v)
        assert shown_data(page, i)[0] == "", f"{v} before step {k + 1}"
        page.click(".cr-next")
        assert float(shown_data(page, i)[0]) == v.data
    assert math.isclose(float(shown_data(page, order.index(o))[0]), math.tanh(-6 + 6.8813735870195432))


def test_backward_reveals_a_leaf_gradient_equal_to_the_engines(open_page):
    o, leaves = neuron()
    steps = explain(o)
    w1 = leaves["w1"]
    last = max(k for k, s in enumerate(steps) if s.input is w1)
    before = forward_count(o) + 1  # forward, then the start of backward
    o.backward()
    page = open_page(o)
    i = steps.order.index(w1)
    go_to(page, before + last)
    assert shown_grad(page, i) == ("", "?")
    page.click(".cr-next")
    raw, text = shown_grad(page, i)
    assert float(raw) == w1.grad
    assert text == number_text(w1.grad)
    upstream = number_text(steps[last].upstream)
    assert page.inner_text(".cr-current").startswith(f"∂o/∂w1 = ∂o/∂t1 · ∂t1/∂w1 = {upstream}")


def test_a_fan_out_gradient_grows_one_contribution_at_a_time(open_page):
    L, leaves = fan_out()
    steps = explain(L)
    a = leaves["a"]
    page = open_page(L)
    go_to(page, forward_count(L) + 1)
    i = steps.order.index(a)
    for k, s in enumerate(steps):
        page.keyboard.press("ArrowRight")
        active = page.eval_on_selector_all(".edge.cr-active", "els => els.map(e => e.dataset.crId)")
        assert active == [f"e{steps.order.index(s.node)}_{s.position}"]
        if s.input is a:
            assert float(shown_grad(page, i)[0]) == s.total, f"after step {k + 1}"
    L.backward()
    assert float(shown_grad(page, i)[0]) == a.grad


def test_the_update_step_applies_gradient_descent(open_page):
    o, leaves = neuron()
    o.backward()
    page = open_page(o, lr=0.1)
    order = explain(o).order
    page.keyboard.press("End")
    assert "One step of gradient descent" in page.inner_text(".cr-current")
    for name in ("w1", "w2", "b"):
        p = leaves[name]
        assert float(shown_data(page, order.index(p))[0]) == p.data - 0.1 * p.grad, name
    x1 = leaves["x1"]  # an input, not a parameter: unchanged
    assert float(shown_data(page, order.index(x1))[0]) == x1.data


def test_a_learning_rate_typed_on_the_page_adds_the_update(open_page):
    o, leaves = neuron()
    o.backward()
    page = open_page(o)  # no lr: no update step
    n = forward_count(o) + 1 + len(explain(o))
    page.keyboard.press("End")
    assert counter(page) == f"step {n} of {n}"
    page.fill(".cr-lr", "0.25")
    page.press(".cr-lr", "Enter")
    page.click(".cr-next")
    assert counter(page) == f"step {n + 1} of {n + 1}"
    w1 = leaves["w1"]
    assert float(shown_data(page, explain(o).order.index(w1))[0]) == w1.data - 0.25 * w1.grad


# ----------------------------------------------------------------------
# Question mode


def small():
    x, y = Value(3.0, label="x"), Value(-2.0, label="y")
    out = x * y
    out.label = "out"
    return out


def test_a_wrong_answer_gets_the_formula_as_a_hint_and_a_right_one_is_revealed(open_page):
    out = small()
    # Past the product and the start of backward, at ∂out/∂x = y: asked, not shown.
    page = open_page(out, quiz=True, address="#step=3")
    assert page.inner_text(".cr-current").endswith("= ?")
    assert shown_grad(page, 0) == ("", "?")
    assert page.locator(".cr-next").is_disabled()
    page.fill(".cr-answer", "3")  # x, not y
    page.click(".cr-check")
    feedback = page.inner_text(".cr-feedback")
    assert "Not quite" in feedback and "∂(x · y)/∂x = y" in feedback
    assert shown_grad(page, 0) == ("", "?")
    page.fill(".cr-answer", "-2.001")  # within the tolerance
    page.press(".cr-answer", "Enter")
    assert "Right" in page.inner_text(".cr-feedback")
    assert float(shown_grad(page, 0)[0]) == -2.0
    assert not page.locator(".cr-next").is_disabled()


def test_the_score_counts_first_tries_hints_and_reveals(open_page):
    out = small()
    out.backward()
    page = open_page(out, quiz=True)
    page.click(".cr-next")
    page.fill(".cr-answer", str(3.0 * -2.0))  # the forward value, at the first try
    page.click(".cr-check")
    page.click(".cr-next")  # the start: nothing to ask
    page.click(".cr-next")
    page.fill(".cr-answer", "7")
    page.click(".cr-check")
    page.fill(".cr-answer", str(out.inputs[0].grad))  # after a hint
    page.click(".cr-check")
    page.click(".cr-next")
    page.click(".cr-reveal")
    score = page.locator(".cr-score")
    assert score.get_attribute("data-final") == "yes"
    assert (score.get_attribute("data-right"), score.get_attribute("data-asked")) == ("2", "3")
    assert "1 at the first try, 1 after a hint), 1 revealed" in score.inner_text()


def test_a_word_is_not_an_answer(open_page):
    page = open_page(small(), quiz=True)
    page.click(".cr-next")
    page.fill(".cr-answer", "six")
    page.click(".cr-check")
    assert "Type a number" in page.inner_text(".cr-feedback")
    assert page.locator(".cr-score").get_attribute("data-asked") == "0"


# ----------------------------------------------------------------------
# The drawing: zoom, fit, the panel of a clicked box, the legend


def zoom(page):
    return float(page.get_attribute(".cr-svg-full", "data-zoom"))


def test_zoom_in_zoom_out_and_fit(open_page):
    o, _ = neuron()
    page = open_page(o)
    assert zoom(page) == 1 and page.inner_text(".cr-zoom-level") == "fit"
    page.click(".cr-zoom-in")
    page.click(".cr-zoom-in")
    assert zoom(page) == pytest.approx(1.25 ** 2)
    page.click(".cr-zoom-out")
    assert zoom(page) == pytest.approx(1.25)
    page.click(".cr-fit")
    assert zoom(page) == 1


def test_ctrl_wheel_zooms_and_dragging_pans(open_page):
    o, _ = neuron()
    page = open_page(o)
    box = page.locator(".cr-graph").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.keyboard.down("Control")
    page.mouse.wheel(0, -300)
    page.keyboard.up("Control")
    page.wait_for_function("document.querySelector('.cr-svg-full').dataset.zoom > 1")
    before = page.get_attribute(".cr-svg-full", "viewBox")
    page.mouse.down()
    page.mouse.move(cx + 80, cy + 30, steps=4)
    page.mouse.up()
    after = page.get_attribute(".cr-svg-full", "viewBox")
    assert after != before
    assert [float(t) for t in after.split()][2:] == [float(t) for t in before.split()][2:]  # same zoom


def test_clicking_a_box_shows_its_chain_rule_sum(open_page):
    L, leaves = fan_out()
    steps = explain(L)
    a = leaves["a"]
    i = steps.order.index(a)
    page = open_page(L)
    page.click(f".cr-svg-full [data-cr-id='n{i}']")
    # At the start its gradient is not known yet: the panel does not tell it.
    assert page.inner_text(".cr-panel-text").split("\n") == [
        "a = −1.25 (a leaf: given)", "∂L/∂a = ?   (known once the backward steps reach a)"]
    page.click(".cr-end")
    text = page.inner_text(".cr-panel-text")
    assert "Σ ∂L/∂c · ∂c/∂a" in text
    # the complete gradient, the sum of every use
    uses = sum(1 for s in steps if s.input is a)
    assert text.split("\n")[-1].endswith(f" = {number_text(steps.grad(a))}")
    assert text.count("via ") == uses


def test_the_legend_shows_the_drawings_colours(open_page):
    o, _ = neuron()
    page = open_page(o)
    legend = page.inner_text(".cr-legend")
    for word in ("input", "parameter", "output", "receives a contribution"):
        assert word in legend
    i = explain(o).order.index(o)
    fill = page.get_attribute(f".cr-svg-full [data-cr-id='n{i}'] polygon", "fill")
    swatches = page.eval_on_selector_all(".cr-legend .cr-swatch", "els => els.map(e => e.style.background)")
    rgb = "rgb({}, {}, {})".format(*(int(fill[k:k + 2], 16) for k in (1, 3, 5)))
    assert rgb in swatches


def test_f_switches_to_presentation_mode(open_page):
    o, _ = neuron()
    page = open_page(o)
    size = page.eval_on_selector(".cr-current", "e => parseFloat(getComputedStyle(e).fontSize)")
    page.keyboard.press("f")
    assert "cr-present" in page.get_attribute(".chainrule-stepper", "class")
    bigger = page.eval_on_selector(".cr-current", "e => parseFloat(getComputedStyle(e).fontSize)")
    assert bigger > 1.3 * size


@pytest.mark.parametrize("width, height", [(1280, 720), (1920, 1080)])
def test_the_step_and_the_graph_are_both_on_screen(open_page, width, height):
    page = open_page(fan_out()[0], width=width, height=height, address="#step=9")
    for part in (".cr-current", ".cr-graph", ".cr-next"):
        box = page.locator(part).bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, part
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, part


# ----------------------------------------------------------------------
# The address and the keys


def test_a_step_link_opens_at_that_step_and_the_address_follows(open_page):
    L, _ = fan_out()
    n = forward_count(L) + 1 + len(explain(L))
    page = open_page(L, address="#step=6")
    assert counter(page) == f"step 6 of {n}"
    page.keyboard.press("ArrowRight")
    assert page.evaluate("location.hash") == "#step=7"
    page.keyboard.press("End")
    assert page.evaluate("location.hash") == f"#step={n}"
    page.evaluate("location.hash = '#step=2'")
    page.wait_for_function("document.querySelector('.cr-counter').textContent.startsWith('step 2 ')")


def test_keys_home_end_space_and_left(open_page):
    L, leaves = fan_out()
    n = forward_count(L) + 1 + len(explain(L))
    L.backward()
    page = open_page(L)
    page.keyboard.press("End")
    assert counter(page) == f"step {n} of {n}"
    for name, leaf in leaves.items():
        assert float(shown_grad(page, explain(L).order.index(leaf))[0]) == leaf.grad, name
    page.keyboard.press("ArrowLeft")
    assert counter(page) == f"step {n - 1} of {n}"
    page.keyboard.press("Home")
    page.keyboard.press(" ")
    assert counter(page) == f"step 1 of {n}"


# ----------------------------------------------------------------------
# Two steppers in one document; a network one neuron at a time


def test_two_identical_steppers_in_one_document_keep_apart(open_page):
    o, _ = neuron()
    fragment = stepper_fragment(o, height="30em")
    doc = f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{fragment}{fragment}</body></html>"
    page = open_page(html=doc)
    first, second = page.locator(".chainrule-stepper").nth(0), page.locator(".chainrule-stepper").nth(1)
    second.locator(".cr-next").click()
    second.locator(".cr-next").click()
    assert first.locator(".cr-counter").inner_text().startswith("step 0 ")
    assert second.locator(".cr-counter").inner_text().startswith("step 2 ")
    page.keyboard.press("ArrowRight")  # the keys follow the stepper last clicked
    assert second.locator(".cr-counter").inner_text().startswith("step 3 ")
    assert first.locator(".cr-counter").inner_text().startswith("step 0 ")
    before = [s.locator(".cr-svg-full").get_attribute("viewBox") for s in (first, second)]
    first.locator(".cr-zoom-in").click()
    assert first.locator(".cr-svg-full").get_attribute("viewBox") != before[0]
    assert second.locator(".cr-svg-full").get_attribute("viewBox") == before[1]
    assert page.evaluate("location.hash") == ""  # two steppers: the address is left alone


def test_two_pages_as_frames_of_one_document(open_page):
    import html as html_module

    o, _ = neuron()
    L, _ = fan_out()
    frames = "".join(
        f'<iframe srcdoc="{html_module.escape(stepper_html(root))}" width="900" height="500"></iframe>'
        for root in (o, L)
    )
    page = open_page(html=f"<!DOCTYPE html><html><body>{frames}</body></html>", width=1900, height=1100)
    page.wait_for_function("document.querySelectorAll('iframe').length === 2")
    one, two = (page.frame_locator("iframe").nth(k) for k in (0, 1))
    two.locator(".cr-next").click()
    assert two.locator(".cr-counter").inner_text().startswith("step 1 ")
    assert one.locator(".cr-counter").inner_text().startswith("step 0 ")


def test_a_constants_box_keeps_its_number_at_every_step(open_page):
    x = Value(3.0, label="x")
    y = x * 2.5 + 1
    y.backward()
    page = open_page(y)
    order = explain(y).order
    constants = {order.index(v): v.data for v in order if not v.inputs and not v.label}
    assert sorted(constants.values()) == [1.0, 2.5]
    for press in (None, ".cr-next", ".cr-end"):  # the start, a forward step, the end of the backward pass
        if press:
            page.click(press)
        for i, number in constants.items():
            shown = page.locator(f'.cr-svg-full [data-cr-id="n{i}"] text').all_text_contents()
            assert shown == [f"{number:g}"]


def mlp_loss():
    import nn

    random.seed(3)
    model = nn.MLP(2, [4, 1])
    y = model([Value(1.0, label="x0"), Value(-0.5, label="x1")])
    L = (y - 1.0) ** 2
    L.label = "L"
    return L, model


def test_a_network_opens_one_box_per_neuron_that_expands_on_click(open_page):
    L, _ = mlp_loss()
    page = open_page(L, lr=0.05)
    stepper = page.locator(".chainrule-stepper")
    assert stepper.get_attribute("data-cr-view") == "groups"
    page.click(".cr-svg-groups [data-cr-group='0']")
    assert stepper.get_attribute("data-cr-view") == "full"
    assert zoom(page) > 1.2  # zoomed onto that neuron


def test_a_neuron_box_shows_its_numbers_only_once_the_steps_computed_them(open_page):
    L, model = mlp_loss()
    L.backward()
    y = L.inputs[0].inputs[0]  # L = (y - 1)**2; y is the output neuron's sum
    page = open_page(L, lr=0.05)
    boxes = page.locator(".cr-svg-groups [data-cr-group]")
    texts = {b.locator("text").first.text_content(): b.locator("text") for b in boxes.all()}
    # Nothing is given away before the steps compute it.
    for t in texts.values():
        value, gradient = t.all_text_contents()[-2:]
        assert value == "value ?" and gradient.startswith("∂L/∂") and gradient.endswith(" = ?")
    page.click(".cr-end")
    value, gradient = texts["neuron 1, layer 2"].all_text_contents()[-2:]
    assert value == f"value {number_text(y.data)}"
    assert gradient.startswith("∂L/∂") and gradient.endswith(f" = {number_text(y.grad)}")


def test_a_neuron_box_shows_its_newest_computed_output_over_several_samples(open_page):
    import nn

    model = nn.MLP(2, [3, 1], activation="tanh", seed=2)
    L = nn.mse_loss([model(x) for x in ([1.0, -0.5], [0.3, 0.8])], [1.0, -1.0])
    L.backward()
    page = open_page(L)
    bias = model.layers[0].neurons[0].b
    # Neuron 0's activation for each sample, in the order of the walk.
    outputs = [v for v in explain(L).order if v.op == "tanh" and bias in v.inputs[0].inputs]
    assert len(outputs) == 2 and outputs[0].data != outputs[1].data
    box = next(b.locator("text") for b in page.locator(".cr-svg-groups [data-cr-group]").all()
               if b.locator("text").first.text_content() == "neuron 1, layer 1")
    page.click(".cr-next-group")  # the first neuron's steps: its output for the first sample
    assert box.all_text_contents()[-2] == f"value {number_text(outputs[0].data)}"
    page.click(".cr-end")
    value, gradient = box.all_text_contents()[-2:]
    assert value == f"value {number_text(outputs[1].data)}"
    assert gradient.endswith(f" = {number_text(outputs[1].grad)}")


def test_next_neuron_applies_all_the_steps_of_one_neuron(open_page):
    L, model = mlp_loss()
    L.backward()
    page = open_page(L, lr=0.05)
    presses = 0
    while not page.locator(".cr-next").is_disabled():
        page.click(".cr-next-group")
        presses += 1
    n = forward_count(L) + 1 + len(explain(L)) + 1
    assert counter(page) == f"step {n} of {n}"
    assert presses < n / 3
    order = explain(L).order
    for p in model.parameters():
        assert float(shown_data(page, order.index(p))[0]) == p.data - 0.05 * p.grad
