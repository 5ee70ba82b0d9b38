"""The stepper's page as data: its options, the roles of its Values, the order of a network's steps,
and the update step with its loss before and after. (The page in a browser: test_stepper_view_browser.py.)"""

import re

import pytest
from browser import require_renderer
from stepper_graphs import delta_rule_neuron, lesson_data, neuron

pytest.importorskip("graphviz")

import autograd  # noqa: E402
from autograd.cli.main import main  # noqa: E402
from autograd.views.dot import COLOURS  # noqa: E402
from autograd.views.stepper import StepperOptions, stepper_fragment, stepper_html, write_stepper  # noqa: E402

require_renderer()


def box_fill(html_text, i):
    """The fill of box n{i} in the full drawing."""
    block = re.search(rf'<g data-cr-id="n{i}" class="node">(.*?)</g>', html_text, re.S).group(1)
    return re.search(r'fill="([^"]+)"', block).group(1)


def table_role(html_text, i):
    return re.search(rf'<tr data-node="{i}" class="cr-row">.*?<td class="cr-formula">([^<]*)</td>',
                     html_text).group(1)


# ----------------------------------------------------------------------
# One role per Value, for the drawing and the table alike


def test_a_parameter_left_out_of_the_update_is_still_a_parameter_in_the_table_and_the_drawing():
    o, leaves = neuron()
    page = stepper_html(o, lr=0.1, parameters=[leaves["w1"]])
    data = lesson_data(page)
    names = [n["name"] for n in data["nodes"]]
    w1, w2, x1 = names.index("w1"), names.index("w2"), names.index("x1")
    assert [u["name"] for u in data["updates"]] == ["w1"]  # only w1 is updated
    # w2 is an autograd.Parameter: the drawing colours it as one, and the table says so too.
    assert box_fill(page, w2) == COLOURS["parameter"]
    assert table_role(page, w2) == data["nodes"][w2]["role"] == "parameter"
    assert table_role(page, w1) == "parameter" and box_fill(page, w1) == COLOURS["parameter"]
    assert table_role(page, x1) == "input" and box_fill(page, x1) == COLOURS["input"]


def test_a_plain_value_named_as_a_parameter_is_one_in_the_table_and_the_drawing():
    x, w = autograd.Value(2.0, label="x"), autograd.Value(3.0, label="w")
    y = x * w
    page = stepper_html(y, lr=0.1, parameters=[w])
    names = [n["name"] for n in lesson_data(page)["nodes"]]
    i = names.index("w")
    assert table_role(page, i) == "parameter" and box_fill(page, i) == COLOURS["parameter"]
    assert table_role(page, names.index("x")) == "input"


# ----------------------------------------------------------------------
# One options object for write_stepper, stepper_html, stepper_fragment, autograd.stepper and the CLI


def test_the_options_object_and_the_keywords_make_the_same_page(tmp_path):
    L, leaves = delta_rule_neuron()
    chosen = [leaves["w1"], leaves["b"]]
    options = StepperOptions(lr=0.5, fmt=".3f", title="The delta rule", parameters=chosen)
    assert options.parameters == (leaves["w1"], leaves["b"])  # made a tuple: the object cannot change
    keywords = dict(lr=0.5, fmt=".3f", title="The delta rule", parameters=[leaves["w1"], leaves["b"]])
    assert stepper_html(L, options) == stepper_html(L, **keywords)
    a = write_stepper(L, tmp_path / "a.html", options).read_text(encoding="utf-8")
    b = write_stepper(L, tmp_path / "b.html", **keywords).read_text(encoding="utf-8")
    assert a == b == stepper_html(L, options)
    assert autograd.stepper(L, options).html == a
    assert stepper_fragment(L, options) in a
    # Keywords on top of an object override it.
    assert stepper_html(L, options, lr=0.25) == stepper_html(L, **{**keywords, "lr": 0.25})


@pytest.mark.parametrize("keywords, error, message", [
    (dict(lr=0), ValueError, r"stepper\(lr=\.\.\.\)"),
    (dict(lr="fast"), (TypeError, ValueError), r"stepper\(lr=\.\.\.\)"),
    (dict(quiz="yes"), TypeError, r"stepper\(quiz=\.\.\.\): expected True or False"),
    (dict(rankdir="up"), ValueError, r"stepper\(rankdir=\.\.\.\): expected one of LR, TB"),
    (dict(renderer="neato"), ValueError, r"stepper\(renderer=\.\.\.\): expected one of 'dot'"),
    (dict(max_nodes=0), ValueError, r"stepper\(max_nodes=\.\.\.\): expected a positive int"),
    (dict(fmt="%%"), ValueError, r"stepper\(fmt=\.\.\.\)"),
    (dict(parameters=3), TypeError, r"stepper\(parameters=\.\.\.\): expected a list of Values"),
    (dict(parameters=[1.5]), TypeError, r"stepper\(parameters=\.\.\.\): expected Values, got a float"),
])
def test_bad_options_are_refused_in_one_place_by_every_entry_point(tmp_path, keywords, error, message):
    L, _ = delta_rule_neuron()
    with pytest.raises(error, match=message):
        StepperOptions(**keywords)
    for call in (lambda: stepper_html(L, **keywords), lambda: autograd.stepper(L, **keywords),
                 lambda: write_stepper(L, tmp_path / "x.html", **keywords)):
        with pytest.raises(error, match=message):
            call()
    assert not (tmp_path / "x.html").exists()


def test_a_misspelt_option_is_named_with_the_closest_one(tmp_path):
    L, _ = delta_rule_neuron()
    with pytest.raises(TypeError, match=r"write_stepper\(\): unknown option 'learning_rate'"):
        write_stepper(L, tmp_path / "x.html", learning_rate=0.1)
    with pytest.raises(TypeError, match=r"unknown option 'titel'; did you mean 'title'\?"):
        stepper_html(L, titel="x")
    with pytest.raises(TypeError, match=r"expected a StepperOptions, got a dict"):
        stepper_html(L, {"lr": 0.1})


def test_the_cli_builds_the_same_options(tmp_path, capsys):
    path = tmp_path / "cli.html"
    args = ["x*y", "--at", "x=2,y=3", "--html", str(path), "--lr", "0.1", "--params", "y", "--no-steps"]
    assert main(args) == 0
    data = lesson_data(path.read_text(encoding="utf-8"))
    assert data["lr"] == 0.1 and data["title"] == "f = x · y"
    assert [u["name"] for u in data["updates"]] == ["y"]  # --params names what the update changes


# ----------------------------------------------------------------------
# The update step runs the forward pass again


def test_the_update_step_carries_the_loss_of_a_new_forward_pass():
    from autograd import Parameter, Value

    L, leaves = delta_rule_neuron()
    L.backward()
    data = lesson_data(stepper_html(L, lr=0.5))
    new = {u["name"]: u["new"] for u in data["updates"]}
    assert new == {k: leaves[k].data - 0.5 * leaves[k].grad for k in ("w1", "w2", "b")}
    # The same graph built again on the new parameters: the engine's forward pass.
    w1, w2, b = Parameter(new["w1"]), Parameter(new["w2"]), Parameter(new["b"])
    again = 0.5 * ((w1 * Value(1.0) + w2 * Value(0.5) + b).sigmoid() - 1.0) ** 2
    assert data["loss_after"] == again.data
    assert data["loss_before"] == L.data and again.data < L.data
    assert data["loss_after_text"] == f"{again.data:.4g}"


def test_no_loss_after_without_a_learning_rate():
    L, _ = delta_rule_neuron()
    data = lesson_data(stepper_html(L))
    assert data["loss_after"] is None and data["loss_before"] == L.data


# ----------------------------------------------------------------------
# A network's steps: one neuron after another, layer by layer


def runs(data, kind):
    """The neurons of the steps of one kind, one entry per run of consecutive steps of one neuron."""
    names = [data["groups"][s["group"]] if s["group"] is not None else None
             for s in data["steps"] if s["kind"] == kind]
    return [g for k, g in enumerate(names) if g is not None and (k == 0 or names[k - 1] != g)]


@pytest.mark.parametrize("hidden", [2, 4])
def test_a_networks_steps_go_neuron_by_neuron_and_layer_by_layer(hidden):
    from stepper_graphs import network

    L, model = network(hidden)
    L.backward()
    data = lesson_data(stepper_html(L, max_nodes=None))
    first = [f"layers.0.neurons.{k}" for k in range(hidden)]
    assert runs(data, "forward") == [*first, "layers.1.neurons.0"]
    assert runs(data, "backward") == ["layers.1.neurons.0", *reversed(first)]
    # The running totals are still the engine's: the last one of each Value is its gradient.
    names = [n["name"] for n in data["nodes"]]
    totals = {s["input"]: s["total"] for s in data["steps"] if s["kind"] == "backward"}
    from autograd.views.naming import typeset

    for p in model.parameters():
        assert totals[names.index(typeset(p.label))] == p.grad  # names are shown typeset: w⁽¹⁾₁₁
