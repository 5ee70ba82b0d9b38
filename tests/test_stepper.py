"""The HTML stepper: a self-contained page replaying backward, checked as text and in a real browser."""

import json
import os
import re
import shutil

import pytest

pytest.importorskip("graphviz")

from autograd import RendererNotFoundError, Value, explain  # noqa: E402
from autograd.draw import find_renderer  # noqa: E402
from autograd.stepper import stepper_html, write_stepper  # noqa: E402

try:
    find_renderer()
except RendererNotFoundError:
    pytest.skip("no Graphviz renderer installed", allow_module_level=True)


def neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}


def fan_out():
    a = Value(-1.25, label="a")
    b = Value(0.5, label="b")
    L = (a * a + a * b).exp() - b / a
    L.label = "L"
    return L, {"a": a, "b": b}


def lesson_data(html_text):
    match = re.search(r'<script type="application/json" id="lesson">(.*?)</script>', html_text, re.S)
    return json.loads(match.group(1))


def test_page_is_self_contained():
    o, _ = neuron()
    page = stepper_html(o)
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page
    # No external resource of any kind: no scripts, styles, fonts or images from elsewhere.
    assert not re.search(r"<script[^>]+src=|<link|@import|url\(\s*['\"]?(https?:)?//", page)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink",
                    "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"}


def test_embedded_steps_are_explain_steps():
    L, _ = fan_out()
    data = lesson_data(stepper_html(L))
    steps = explain(L, fmt=".4f")  # the stepper's default format
    assert [s["text"] for s in data["steps"]] == [s.format() for s in steps]
    assert [s["total"] for s in data["steps"]] == [s.total for s in steps]


def test_the_starting_line_is_explains_header():
    x = Value(2.0, label="x")
    out = x * 3
    out.label = "layer.out"  # not an identifier: written d(layer.out)
    data = lesson_data(stepper_html(out, grad=2.0))
    assert data["start"] == explain(out, grad=2.0, fmt=".4f").text(header=True).splitlines()[0]
    assert data["start"].startswith("∂(layer.out)/∂(layer.out) = 2.0000")


def test_the_hint_writes_the_output_as_the_steps_do():
    x = Value(2.0, label="x")
    out = x * 3
    out.label = "layer.out"
    page = stepper_html(out)
    assert "<b>d(layer.out)/d(input) += d(layer.out)/d(node)" in page


def test_the_graph_has_an_element_for_every_edge_of_every_step():
    L, _ = fan_out()
    page = stepper_html(L)
    for s in lesson_data(page)["steps"]:
        assert f'id="e{s["node"]}_{s["position"]}"' in page


def test_labels_cannot_break_out_of_the_script():
    x = Value(1.0, label="</script><script>alert(1)</script>")
    page = stepper_html(x * 2)
    assert page.count("</script>") == 2  # the lesson data and the program
    assert lesson_data(page)["nodes"][0]["name"] == x.label


def test_write_stepper_writes_exactly_the_given_file(tmp_path):
    o, _ = neuron()
    target = write_stepper(o, tmp_path / "steps.html")
    assert target == tmp_path / "steps.html"
    assert os.listdir(tmp_path) == ["steps.html"]


def test_a_long_replay_is_refused_with_the_way_out():
    from autograd import GraphTooLargeError

    x = Value(0.5, label="x")
    y = x
    for _ in range(80):
        y = y * 1.01 + x
    with pytest.raises(GraphTooLargeError, match=r"241 values \(240 steps\).*max_nodes=None"):
        stepper_html(y)


def test_missing_folder_is_an_error(tmp_path):
    o, _ = neuron()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_stepper(o, tmp_path / "no" / "steps.html")


# ----------------------------------------------------------------------
# In a real browser: the system Chromium, driven by Playwright.

BROWSER_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path():
    for candidate in (os.environ.get("CHAINRULE_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium installed (set CHAINRULE_CHROMIUM to its path)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser, tmp_path):
    pages = []

    def opener(root):
        path = write_stepper(root, tmp_path / "steps.html")
        page = browser.new_page()
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        pages.append((page, requests, errors))
        return page, requests, errors

    yield opener
    for page, requests, errors in pages:
        assert errors == [], errors
        assert all(url.startswith(("file:", "data:", "about:")) for url in requests), requests
        page.close()


def shown_grad(page, index):
    cell = page.locator(f"#grad-{index}")
    return cell.get_attribute("data-grad"), cell.inner_text()


def index_of(root, value):
    return explain(root).order.index(value)


@pytest.mark.browser
def test_next_reveals_a_leaf_gradient_equal_to_the_engines(open_page):
    o, leaves = neuron()
    steps = explain(o)
    w1 = leaves["w1"]
    last = max(k for k, s in enumerate(steps) if s.input is w1)  # w1's last (only) contribution
    o.backward()
    page, _, _ = open_page(o)
    i = index_of(o, w1)
    for _ in range(last):
        page.click("#next")
    assert shown_grad(page, i) == ("", "?")  # not reached yet
    page.click("#next")
    raw, text = shown_grad(page, i)
    assert float(raw) == w1.grad
    assert text == f"{w1.grad:.4f}"
    assert page.inner_text("#counter") == f"step {last + 1} of {len(steps)}"


@pytest.mark.browser
def test_before_the_first_step_the_page_shows_the_starting_line(open_page):
    L, _ = fan_out()
    L.label = "L.total"  # not an identifier: written d(L.total)
    page, _, _ = open_page(L)
    assert page.inner_text("#current") == explain(L, fmt=".4f").text(header=True).splitlines()[0]


@pytest.mark.browser
def test_arrow_keys_replay_all_of_backward(open_page):
    L, leaves = fan_out()
    n = len(explain(L))
    L.backward()
    page, _, _ = open_page(L)
    for _ in range(n + 3):  # extra presses stay at the end
        page.keyboard.press("ArrowRight")
    for name, leaf in leaves.items():
        raw, text = shown_grad(page, index_of(L, leaf))
        assert float(raw) == leaf.grad, name
        assert text == f"{leaf.grad:.4f}"
    assert page.inner_text("#counter") == f"step {n} of {n}"


@pytest.mark.browser
def test_a_fan_out_gradient_grows_one_contribution_at_a_time(open_page):
    L, leaves = fan_out()
    steps = explain(L)
    a = leaves["a"]
    page, _, _ = open_page(L)
    i = index_of(L, a)
    for k, s in enumerate(steps):
        page.keyboard.press("ArrowRight")
        if s.input is a:
            assert float(shown_grad(page, i)[0]) == s.total, f"after step {k + 1}"


@pytest.mark.browser
def test_previous_takes_a_step_back(open_page):
    L, leaves = fan_out()
    steps = explain(L)
    page, _, _ = open_page(L)
    page.click("#end")
    last = steps[-1]
    earlier = [s.total for s in steps[:-1] if s.input is last.input]
    page.click("#prev")
    raw, _ = shown_grad(page, index_of(L, last.input))
    assert (float(raw) if raw else None) == (earlier[-1] if earlier else None)
    page.keyboard.press("Home")
    assert page.inner_text("#counter") == f"step 0 of {len(steps)}"


@pytest.mark.browser
def test_the_edge_being_applied_is_highlighted(open_page):
    L, _ = fan_out()
    steps = explain(L)
    order = explain(L).order
    page, _, _ = open_page(L)
    for k in (1, 4, len(steps)):
        while page.inner_text("#counter") != f"step {k} of {len(steps)}":
            page.click("#next")
        s = steps[k - 1]
        active = page.eval_on_selector_all(".edge.active", "els => els.map(e => e.id)")
        assert active == [f"e{order.index(s.node)}_{s.position}"]
        assert page.inner_text("#current") == s.format(".4f")


@pytest.mark.browser
def test_the_drawing_shows_the_revealed_gradients(open_page):
    o, leaves = neuron()
    o.backward()
    page, _, _ = open_page(o)
    page.click("#end")
    i = index_of(o, leaves["x1"])
    texts = page.eval_on_selector_all(f"#n{i} text", "els => els.map(e => e.textContent)")
    assert f"grad {leaves['x1'].grad:.4f}" in texts


def test_labels_a_a_and_a2_are_three_rows_of_the_table():
    a1, a2, a3 = Value(1.0, label="a"), Value(2.0, label="a"), Value(3.0, label="a#2")
    L = a1 * a2 * a3
    names = [n["name"] for n in lesson_data(stepper_html(L))["nodes"]]
    assert len(names) == len(set(names))
    assert {"a", "a#2"} <= set(names)


@pytest.mark.parametrize("op", ["+", "*"])
def test_a_value_used_by_sixty_operations_gets_a_page(tmp_path, op):
    from autograd.expr import evaluate

    out, leaves = evaluate(op.join(["x"] * 61), {"x": 1.0})
    page = write_stepper(out, tmp_path / "steps.html").read_text(encoding="utf-8")
    data = lesson_data(page)
    assert len(data["steps"]) == 2 * 60
    for s in data["steps"]:
        assert f'id="e{s["node"]}_{s["position"]}"' in page


@pytest.mark.browser
@pytest.mark.parametrize("label", ["grad of x", "grad 2", "data x"])
def test_a_value_named_like_a_field_keeps_its_name_on_the_page(open_page, label):
    x = Value(2.0, label=label)
    y = Value(-1.5, label="y")
    out = x * y
    out.label = "out"
    out.backward()
    page, _, _ = open_page(out)
    page.click("#end")
    i = index_of(out, x)
    texts = page.eval_on_selector_all(f"#n{i} text", "els => els.map(e => e.textContent)")
    assert texts == [label, f"data {x.data:.4f}", f"grad {x.grad:.4f}"]


@pytest.mark.skipif(os.name == "nt", reason="a shell script stands in for dot")
def test_a_render_that_runs_too_long_is_stopped_and_no_page_is_written(tmp_path, monkeypatch):
    import sys

    from autograd.draw import RENDERER_ENV, RenderTimeoutError

    program = tmp_path / "dot"
    program.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "import time; time.sleep(30)"\n')
    program.chmod(0o755)
    monkeypatch.delenv(RENDERER_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    o, _ = neuron()
    with pytest.raises(RenderTimeoutError, match="within 0.5 s"):
        write_stepper(o, tmp_path / "steps.html", renderer="dot", timeout=0.5)
    assert not (tmp_path / "steps.html").exists()
