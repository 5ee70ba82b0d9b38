"""The command line's --params: the variables that --lr updates, and nothing else.

In ``w*x + b`` at x = 3 the data x is not learned: ``--lr 0.1 --params w,b``
updates w and b only, ``--lr`` alone is refused (it used to update the data
and the target too), and a name that is not a variable gets "did you mean".
"""

import re

import pytest
from stepper_graphs import lesson_data

from autograd import RendererNotFoundError
from autograd.cli import main
from autograd.cli.main import build_parser
from autograd.views.draw import find_renderer

EXPRESSION = "w*x + b"
AT = ["w=2", "x=3", "b=1"]


def lesson(path):
    return lesson_data(path.read_text(encoding="utf-8"))


def needs_a_renderer():
    """The page is drawn: skip without the graphviz package or a renderer."""
    pytest.importorskip("graphviz")
    try:
        find_renderer()
    except RendererNotFoundError:
        pytest.skip("no Graphviz renderer installed")


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as stop:  # argparse's own refusals
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("params", [["w,b"], ["w", "b"], ["b, w"], ["w,", "b"]])
def test_lr_updates_exactly_the_named_parameters(capsys, tmp_path, params):
    needs_a_renderer()
    page = tmp_path / "steps.html"
    code, _, err = run(capsys, EXPRESSION, "--at", *AT, "--html", str(page), "--lr", "0.1",
                       "--params", *params)
    assert code == 0, err
    data = lesson(page)
    news = {u["name"]: u["new"] for u in data["updates"]}
    w, x, b = 2.0, 3.0, 1.0
    # ∂f/∂w = x, ∂f/∂b = 1; x is data and keeps its value.
    assert news == pytest.approx({"w": w - 0.1 * x, "b": b - 0.1 * 1.0}, rel=1e-15)
    roles = {n["name"]: n["role"] for n in data["nodes"]}
    assert roles["w"] == roles["b"] == "parameter" and roles["x"] == "input"


def test_lr_without_params_is_refused_saying_so(capsys, tmp_path):
    page = tmp_path / "steps.html"
    code, out, err = run(capsys, EXPRESSION, "--at", *AT, "--html", str(page), "--lr", "0.1")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: --lr needs --params")
    assert "--params w,b" in err  # an example with the expression's own names
    assert not page.exists()


def test_lr_without_html_is_refused_saying_where_the_update_is_shown(capsys):
    code, out, err = run(capsys, EXPRESSION, "--at", *AT, "--lr", "0.1", "--params", "w")
    assert code == 2 and out == ""
    assert "--lr" in err and "--html" in err and err.count("\n") == 1


def test_quiz_without_html_is_refused_saying_where_the_quiz_is(capsys):
    code, out, err = run(capsys, EXPRESSION, "--at", *AT, "--quiz")
    assert code == 2 and out == ""
    assert err.startswith("error: --quiz") and "--html" in err and err.count("\n") == 1


@pytest.mark.parametrize("params, words", [
    ("w,bb", "'bb' is not a variable of the expression (its variables: w, x, b); did you mean 'b'?"),
    ("W", "'W' is not a variable of the expression (its variables: w, x, b); did you mean 'w'?"),
    ("weight", "'weight' is not a variable of the expression (its variables: w, x, b)"),
    ("w,w", "'w' is named twice"),
    (",", "expected the names of variables"),
])
def test_a_bad_name_in_params_is_refused_naming_it(capsys, tmp_path, params, words):
    page = tmp_path / "steps.html"
    code, out, err = run(capsys, EXPRESSION, "--at", *AT, "--html", str(page), "--lr", "0.1",
                         "--params", params)
    assert code == 2 and out == ""
    assert err.startswith("error: --params: ") and words in err, err
    assert err.count("\n") == 1
    assert not page.exists()


def test_params_names_are_read_as_the_expression_reads_names(capsys, tmp_path):
    needs_a_renderer()
    page = tmp_path / "steps.html"
    # ｗ (fullwidth) is w for Python's parser, so it is for --params too.
    code, _, err = run(capsys, "ｗ*x", "--at", "w=2", "x=3", "--html", str(page), "--lr", "0.5",
                       "--params", "ｗ")
    assert code == 0, err
    assert {u["name"]: u["new"] for u in lesson(page)["updates"]} == {"w": 2.0 - 0.5 * 3.0}


def test_params_without_lr_colours_the_parameters_and_updates_nothing(capsys, tmp_path):
    needs_a_renderer()
    page = tmp_path / "steps.html"
    code, _, err = run(capsys, EXPRESSION, "--at", *AT, "--html", str(page), "--params", "w,b")
    assert code == 0, err
    data = lesson(page)
    assert data["lr"] is None and all(u["new"] is None for u in data["updates"])
    roles = {n["name"]: n["role"] for n in data["nodes"]}
    assert (roles["w"], roles["x"], roles["b"]) == ("parameter", "input", "parameter")


def test_without_params_every_variable_is_an_input(capsys, tmp_path):
    needs_a_renderer()
    page = tmp_path / "steps.html"
    code, _, err = run(capsys, EXPRESSION, "--at", *AT, "--html", str(page))
    assert code == 0, err
    data = lesson(page)
    assert data["updates"] == []
    assert {n["name"]: n["role"] for n in data["nodes"] if not n["inputs"]} == {
        "w": "input", "x": "input", "b": "input"}


def test_params_colour_the_drawing_too(capsys, tmp_path):
    pytest.importorskip("graphviz")
    graph = tmp_path / "g.dot"
    code, _, err = run(capsys, EXPRESSION, "--at", *AT, "--draw", str(graph), "--params", "w")
    assert code == 0, err
    source = graph.read_text(encoding="utf-8")
    boxes = dict(re.findall(r'label="\{?\s*(\w+) \|[^"]*" fillcolor="(#[0-9a-f]{6})"', source))
    assert boxes["w"] != boxes["x"] and boxes["x"] == boxes["b"], boxes


def test_the_help_says_what_params_and_lr_do():
    text = " ".join(build_parser("chainrule").format_help().split())
    assert "--params NAMES" in text
    assert "the variables that --lr updates" in text
    assert "needs --params" in text
