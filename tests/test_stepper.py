"""The HTML stepper: a self-contained page replaying forward, backward and an update, checked as text.

The page in a real browser is tested in test_stepper_browser.py.
"""

import math
import os
import re

import pytest
from browser import require_renderer
from stepper_graphs import fan_out, lesson_data, neuron

pytest.importorskip("graphviz")

from autograd import Value, explain  # noqa: E402
from autograd.views.quiz import board_number  # noqa: E402
from autograd.views.stepper import stepper_fragment, stepper_html, write_stepper  # noqa: E402

require_renderer()


def of_kind(data, kind):
    return [s for s in data["steps"] if s["kind"] == kind]


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
    steps = explain(L)
    index = {v: i for i, v in enumerate(steps.order)}
    backward = of_kind(data, "backward")
    assert [(s["node"], s["input"], s["position"]) for s in backward] == [
        (index[s.node], index[s.input], s.position) for s in steps]
    assert [s["total"] for s in backward] == [s.total for s in steps]
    assert [s["questions"][0]["answer"] for s in backward] == [s.contribution for s in steps]
    # each step ends with the contribution, written as the board writes it
    assert [s["text"].split("   (")[0].rsplit(" = ", 1)[1] for s in backward] == [
        board_number(s.contribution) for s in steps]


def test_the_starting_line_is_explains_header():
    x = Value(2.0, label="x")
    out = x * 3
    out.label = "layer.out"  # not an identifier: written d(layer.out)
    data = lesson_data(stepper_html(out, grad=2.0))
    assert of_kind(data, "seed")[0]["text"] == data["start"]
    assert data["start"].startswith("∂(layer.out)/∂(layer.out) = 2   ")


def test_a_backward_question_writes_the_output_as_the_steps_do():
    x = Value(2.0, label="x")
    out = x * 3
    out.label = "layer.out"
    (step,) = of_kind(lesson_data(stepper_html(out)), "backward")
    assert step["questions"][0]["prompt"] == "∂(layer.out)/∂x = ∂(layer.out)/∂(layer.out) · ∂(x · 3)/∂x = ?"


def test_the_graph_has_an_element_for_every_edge_of_every_step():
    L, _ = fan_out()
    page = stepper_html(L)
    for s in of_kind(lesson_data(page), "backward"):
        assert f'data-cr-id="e{s["node"]}_{s["position"]}"' in page


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
    with pytest.raises(GraphTooLargeError, match=r"241 values \(240 backward steps\).*max_nodes=None"):
        stepper_html(y)


def test_missing_folder_is_an_error(tmp_path):
    o, _ = neuron()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        write_stepper(o, tmp_path / "no" / "steps.html")


def test_labels_a_a_and_a2_are_three_rows_of_the_table():
    a1, a2, a3 = Value(1.0, label="a"), Value(2.0, label="a"), Value(3.0, label="a#2")
    L = a1 * a2 * a3
    names = [n["name"] for n in lesson_data(stepper_html(L))["nodes"]]
    assert len(names) == len(set(names))
    assert {"a", "a#2"} <= set(names)


@pytest.mark.parametrize("op", ["+", "*"])
def test_a_value_used_by_sixty_operations_gets_a_page(tmp_path, op):
    from autograd.cli.expr import evaluate

    out, leaves = evaluate(op.join(["x"] * 61), {"x": 1.0})
    page = write_stepper(out, tmp_path / "steps.html").read_text(encoding="utf-8")
    backward = of_kind(lesson_data(page), "backward")
    assert len(backward) == 2 * 60
    for s in backward:
        assert f'data-cr-id="e{s["node"]}_{s["position"]}"' in page


@pytest.mark.skipif(os.name == "nt", reason="a shell script stands in for dot")
def test_a_render_that_runs_too_long_is_stopped_and_no_page_is_written(tmp_path, monkeypatch):
    import sys

    from autograd.views.draw import RENDERER_ENV, RenderTimeoutError

    program = tmp_path / "dot"
    program.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "import time; time.sleep(30)"\n')
    program.chmod(0o755)
    monkeypatch.delenv(RENDERER_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    o, _ = neuron()
    with pytest.raises(RenderTimeoutError, match="within 0.5 s"):
        write_stepper(o, tmp_path / "steps.html", renderer="dot", timeout=0.5)
    assert not (tmp_path / "steps.html").exists()


# ----------------------------------------------------------------------
# Forward, the update, the panel, question mode: the data the page shows


def test_forward_has_one_step_per_operation_with_its_value():
    o, leaves = neuron()
    data = lesson_data(stepper_html(o))
    forward = of_kind(data, "forward")
    results = [v for v in explain(o).order if v.inputs]
    assert [s["questions"][0]["answer"] for s in forward] == [v.data for v in results]
    x1, w1 = leaves["x1"], leaves["w1"]
    first = forward[0]
    assert first["text"] == f"t1 = x1 · w1 = 2 · (−3) = {board_number(x1.data * w1.data)}"
    assert first["questions"][0]["prompt"] == "t1 = x1 · w1 = ?"


def test_the_steps_come_forward_then_seed_then_backward():
    L, _ = fan_out()
    kinds = [s["kind"] for s in lesson_data(stepper_html(L))["steps"]]
    f = kinds.count("forward")
    assert kinds == ["forward"] * f + ["seed"] + ["backward"] * len(explain(L))


def test_no_update_without_a_learning_rate():
    o, _ = neuron()
    data = lesson_data(stepper_html(o))
    assert data["lr"] is None
    assert all(u["new"] is None for u in data["updates"])


@pytest.mark.parametrize("lr", [0.1, 0.5])
def test_the_update_is_gradient_descent_with_the_hand_derived_gradient(lr):
    o, leaves = neuron()
    data = lesson_data(stepper_html(o, lr=lr))
    x1, x2 = leaves["x1"].data, leaves["x2"].data
    slope = 1 - o.data ** 2  # d tanh(n)/dn
    hand = {"w1": x1 * slope, "w2": x2 * slope, "b": slope}
    updates = {u["name"]: u for u in data["updates"]}
    assert set(updates) == {"w1", "w2", "b"}  # the Parameters; the inputs x1, x2 are not learned
    for name, g in hand.items():
        assert updates[name]["new"] == pytest.approx(leaves[name].data - lr * g, rel=1e-12, abs=1e-12)


def test_parameters_argument_chooses_what_the_update_changes():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    L = a * b
    data = lesson_data(stepper_html(L, lr=0.1, parameters=[b]))
    (u,) = data["updates"]
    assert u["name"] == "b"
    assert u["new"] == pytest.approx(3.0 - 0.1 * 2.0)  # dL/db = a


def test_a_learning_rate_without_parameters_says_how_to_give_them():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    with pytest.raises(ValueError, match=r"no parameters.*autograd.Parameter.*parameters="):
        stepper_html(a * b, lr=0.1)


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), "0.1", True])
def test_a_bad_learning_rate_is_refused(lr):
    o, _ = neuron()
    with pytest.raises(ValueError, match=r"stepper\(lr=\.\.\.\)"):
        stepper_html(o, lr=lr)


def test_a_parameter_outside_the_graph_is_refused():
    o, _ = neuron()
    with pytest.raises(ValueError, match="not part of the graph"):
        stepper_html(o, lr=0.1, parameters=[Value(1.0, label="elsewhere")])


def test_the_panel_sums_every_use_and_agrees_with_finite_differences():
    a, b = Value(-1.25, label="a"), Value(0.5, label="b")

    def f(av):
        return math.exp(av * av + av * 0.5) - 0.5 / av

    L = (a * a + a * b).exp() - b / a
    L.label = "L"
    data = lesson_data(stepper_html(L, fmt=".6f"))
    node = next(n for n in data["nodes"] if n["name"] == "a")
    panel = node["panel"]["gradient"]
    assert "Σ ∂L/∂c · ∂c/∂a" in panel[0]
    uses = sum(1 for s in explain(L) if s.input is a)
    assert sum(line.startswith("via ") for line in panel) == uses  # one line per path
    h = 1e-6
    numeric = (f(a.data + h) - f(a.data - h)) / (2 * h)
    final = panel[-1]
    assert final.startswith("∂L/∂a = ") and final.count(" + ") + final.count(" − ") == uses - 1
    assert float(final.rsplit(" = ", 1)[1].replace("−", "-")) == pytest.approx(numeric, abs=1e-5)


def test_a_constant_has_no_gradient_in_the_panel():
    x = Value(2.0, label="x")
    data = lesson_data(stepper_html(x * 3))
    constant = next(n for n in data["nodes"] if n["role"] == "constant")
    assert "no gradient" in constant["panel"]["value"][0] and constant["panel"]["gradient"] == []


def test_quiz_mode_is_written_into_the_page():
    o, _ = neuron()
    assert lesson_data(stepper_html(o, quiz=True))["quiz"] is True
    assert lesson_data(stepper_html(o))["quiz"] is False


def test_quiz_must_be_a_bool():
    o, _ = neuron()
    with pytest.raises(TypeError, match="quiz"):
        stepper_html(o, quiz="yes")


def test_the_page_uses_no_fixed_ids():
    # Two steppers in one document must not clash: nothing has an id, and the
    # program looks everything up inside its own box.
    o, _ = neuron()
    fragment = stepper_fragment(o)
    assert not re.search(r"\sid=", fragment)
    assert "getElementById" not in fragment


def test_a_network_gets_one_box_per_neuron():
    import random

    import nn

    random.seed(1)
    model = nn.MLP(2, [4, 1])
    y = model([Value(1.0, label="x0"), Value(-0.5, label="x1")])
    L = (y - 1.0) ** 2
    page = stepper_html(L, lr=0.05)
    data = lesson_data(page)
    assert sorted(data["groups"]) == [f"layers.0.neurons.{k}" for k in range(4)] + ["layers.1.neurons.0"]
    assert data["collapse"] is True  # 43 values open one box per neuron
    for k in range(len(data["groups"])):
        assert f'data-cr-group="{k}"' in page
    assert len(data["updates"]) == len(model.parameters())


# ----------------------------------------------------------------------
# The command line


@pytest.mark.parametrize("extra, quiz, lr", [([], False, None), (["--quiz"], True, None),
                                             (["--lr", "0.1", "--params", "w,b"], False, 0.1)])
def test_the_cli_writes_quiz_and_update_pages(tmp_path, extra, quiz, lr, capsys):
    from autograd.cli import main

    path = tmp_path / "steps.html"
    status = main(["w*x + b", "--at", "w=2", "x=3", "b=1", "--html", str(path), *extra])
    assert status == 0
    data = lesson_data(path.read_text(encoding="utf-8"))
    assert data["quiz"] is quiz
    assert data["lr"] == lr
    if lr is not None:
        news = {u["name"]: u["new"] for u in data["updates"]}
        # --params names what is learned: the data x keeps its value.
        assert news == pytest.approx({"w": 2 - 0.1 * 3, "b": 1 - 0.1 * 1})


@pytest.mark.parametrize("value", ["0", "-1", "nan", "abc"])
def test_the_cli_refuses_a_bad_learning_rate(tmp_path, value, capsys):
    from autograd.cli import main

    try:
        status = main(["w*x", "--at", "w=2", "x=3", "--html", str(tmp_path / "s.html"), f"--lr={value}",
                       "--params", "w"])
    except SystemExit as stop:  # argparse itself refuses what is not a number
        status = stop.code
    assert status == 2
    assert "--lr" in capsys.readouterr().err
    assert not (tmp_path / "s.html").exists()
