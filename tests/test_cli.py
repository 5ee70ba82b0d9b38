"""python -m autograd: value, gradients and steps of an expression; pictures on request."""

import math
import subprocess
import sys
from pathlib import Path

import pytest

from autograd.cli import main

NEURON = "tanh(w1*x1 + w2*x2 + b)"
AT = ["x1=2", "x2=0", "w1=-3", "w2=1", "b=6.88"]
ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_value_gradients_and_steps(capsys):
    code, out, err = run(capsys, NEURON, "--at", *AT)
    assert code == 0 and err == ""
    n = -3.0 * 2.0 + 1.0 * 0.0 + 6.88
    slope = 1 - math.tanh(n) ** 2
    lines = out.splitlines()
    assert f"f = {math.tanh(n):.4f}" in lines
    assert f"  df/dx1 = {slope * -3.0:.4f}" in lines
    assert f"  df/dw1 = {slope * 2.0:.4f}" in lines
    assert f"  df/db  = {slope:.4f}" in lines
    step = f"  ∂f/∂x1 += ∂f/∂t1 · ∂t1/∂x1 = {slope:.4f} · w1 = {slope:.4f} · (-3.0000) = {slope * -3.0:.4f}   (t1 = w1 * x1)"  # noqa: E501
    assert step in lines


def test_every_digit_with_a_format(capsys):
    code, out, _ = run(capsys, "x * y", "--at", "x=0.1", "y=3", "--format", ".17g", "--no-steps")
    assert code == 0
    assert f"  df/dx = {3.0:.17g}" in out.splitlines()
    assert f"  df/dy = {0.1:.17g}" in out.splitlines()
    assert "one step at a time" not in out


def test_commas_also_separate_values(capsys):
    code, out, _ = run(capsys, "a - b", "--at", "a=1,b=5")
    assert code == 0 and "f = -4.0000" in out.splitlines()


def test_a_bare_variable_is_its_own_output(capsys):
    code, out, _ = run(capsys, "x", "--at", "x=4")
    assert code == 0 and "  dx/dx = 1.0000" in out.splitlines()


def test_a_variable_named_f_keeps_its_name(capsys):
    code, out, _ = run(capsys, "f * 2", "--at", "f=3")
    assert code == 0 and "  dout/df = 2.0000" in out.splitlines()


def test_the_output_takes_a_name_no_variable_has(capsys):
    code, out, _ = run(capsys, "f * out", "--at", "f=2", "out=3", "--no-steps")
    lines = out.splitlines()
    assert code == 0 and "out2 = f * out" in lines
    assert "  dout2/df   = 3.0000" in lines and "  dout2/dout = 2.0000" in lines


@pytest.mark.parametrize("expression", [
    '__import__("os").system("echo pwned")',
    "x.__class__",
    "open('/etc/passwd')",
    "lambda: 1",
    "x[0]",
    "9 ** 9 ** 9",
    "x ** 100000",
    "exec('1')",
])
def test_hostile_expressions_exit_2_with_a_message(capsys, expression):
    code, out, err = run(capsys, expression, "--at", "x=1")
    assert code == 2
    assert err.startswith("error: ") and out == ""


@pytest.mark.parametrize("argv, words", [
    (["x + y", "--at", "x=1"], "no value for 'y'"),
    (["x + y", "--at", "x=1", "y=2", "z=3"], "'z' has a value"),
    (["x", "--at", "x=abc"], "must be a number"),
    (["x", "--at", "x"], "expected NAME=NUMBER"),
    (["x", "--at", "x=1", "x=2"], "given twice"),
    (["x", "--at", "x=nan"], "finite"),
    (["log(x)", "--at", "x=0"], "log is defined for x > 0"),
    (["x", "--at", "x=1", "--format", "%d"], "--format"),
])
def test_bad_input_exits_2_naming_the_problem(capsys, argv, words):
    code, out, err = run(capsys, *argv)
    assert code == 2 and words in err


def test_missing_expression_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2


def test_draw_writes_a_png(capsys, tmp_path):
    pytest.importorskip("graphviz")
    target = tmp_path / "graph.png"
    code, out, err = run(capsys, NEURON, "--at", *AT, "--draw", str(target), "--no-steps")
    if code == 1 and "renderer" in err:
        pytest.skip("no renderer installed")
    assert code == 0, err
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {target}" in out


def test_draw_into_a_missing_folder_exits_2(capsys, tmp_path):
    pytest.importorskip("graphviz")
    code, _, err = run(capsys, "x*2", "--at", "x=1", "--draw", str(tmp_path / "no" / "g.png"))
    assert code == 2 and "does not exist" in err


def test_html_writes_the_stepper(capsys, tmp_path):
    pytest.importorskip("graphviz")
    target = tmp_path / "steps.html"
    code, out, err = run(capsys, NEURON, "--at", *AT, "--html", str(target))
    if code == 1 and "renderer" in err:
        pytest.skip("no renderer installed")
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<svg" in text


def test_python_dash_m_autograd_runs_the_command_line():
    result = subprocess.run(
        [sys.executable, "-m", "autograd", "x * x + 1", "--at", "x=3", "--no-steps"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "  df/dx = 6.0000" in result.stdout.splitlines()


def test_python_dash_m_autograd_exits_2_on_a_hostile_expression():
    result = subprocess.run(
        [sys.executable, "-m", "autograd", '__import__("os").getcwd()'],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 2
    assert "error:" in result.stderr and result.stdout == ""


def test_the_inputs_are_echoed_with_every_digit_given(capsys):
    from autograd.cli import main

    assert main(["tanh(b)", "--at", "b=6.8813735870195432"]) == 0
    assert "b = 6.88137358701954" in capsys.readouterr().out
