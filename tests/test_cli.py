"""python -m autograd: value, gradients and steps of an expression; pictures on request."""

import math
import subprocess
import sys
from pathlib import Path

import pytest

from autograd.cli import main
from autograd.views.naming import number_text

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
    # By default numbers as explain writes them: up to 4 significant digits.
    assert f"f = {math.tanh(n):.4g}" in lines
    assert f"  ∂f/∂x1 = {number_text(slope * -3.0)}" in lines
    assert f"  ∂f/∂w1 = {slope * 2.0:.4g}" in lines
    assert f"  ∂f/∂b  = {slope:.4g}" in lines
    step = f"  ∂f/∂x1 = ∂f/∂t1 · ∂t1/∂x1 = {slope:.4g} · w1 = {slope:.4g} · (−3) = {number_text(slope * -3.0)}   (t1 = w1 · x1)"  # noqa: E501
    assert step in lines
    assert "backward, one step at a time: ∂f/∂a = ∂f/∂c · ∂c/∂a" in out
    assert "df/d" not in out and "d(node)" not in out


def test_a_fixed_format_is_still_accepted(capsys):
    code, out, _ = run(capsys, NEURON, "--at", *AT, "--format", ".4f")
    n = -3.0 * 2.0 + 1.0 * 0.0 + 6.88
    slope = 1 - math.tanh(n) ** 2
    assert code == 0
    assert f"  ∂f/∂x1 = {number_text(slope * -3.0, '.4f')}" in out.splitlines()
    assert f"∂f/∂x1 = ∂f/∂t1 · ∂t1/∂x1 = {slope:.4f} · w1 = {slope:.4f} · (−3.0000)" in out


def test_every_digit_with_a_format(capsys):
    code, out, _ = run(capsys, "x * y", "--at", "x=0.1", "y=3", "--format", ".17g", "--no-steps")
    assert code == 0
    assert f"  ∂f/∂x = {3.0:.17g}" in out.splitlines()
    assert f"  ∂f/∂y = {0.1:.17g}" in out.splitlines()
    assert "one step at a time" not in out


def test_commas_also_separate_values(capsys):
    code, out, _ = run(capsys, "a - b", "--at", "a=1,b=5")
    assert code == 0 and "f = −4" in out.splitlines()


def test_a_bare_variable_is_its_own_output(capsys):
    code, out, _ = run(capsys, "x", "--at", "x=4")
    assert code == 0 and "  ∂x/∂x = 1" in out.splitlines()


def test_a_variable_named_f_keeps_its_name(capsys):
    code, out, _ = run(capsys, "f * 2", "--at", "f=3")
    assert code == 0 and "  ∂out/∂f = 2" in out.splitlines()


def test_the_output_takes_a_name_no_variable_has(capsys):
    code, out, _ = run(capsys, "f * out", "--at", "f=2", "out=3", "--no-steps")
    lines = out.splitlines()
    assert code == 0 and "out2 = f · out" in lines
    assert "  ∂out2/∂f   = 3" in lines and "  ∂out2/∂out = 2" in lines


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
    assert "  ∂f/∂x = 6" in result.stdout.splitlines()


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


def test_at_names_are_read_as_the_expression_reads_its_names(capsys):
    # Python reads the full-width ｘ of the expression as x (NFKC); so must --at.
    code, out, err = run(capsys, "x * x", "--at", "\uff58=3", "--no-steps")
    assert code == 0, err
    assert "  ∂f/∂x = 6" in out.splitlines()


def test_at_names_in_another_form_still_meet_the_expression(capsys):
    code, out, err = run(capsys, "\uff58 + y", "--at", "x=1", "\uff59=2", "--no-steps")
    assert code == 0, err
    assert "f = 3" in out.splitlines()


@pytest.mark.parametrize("option", ["--draw", "--html"])
@pytest.mark.parametrize("path", ["", "   "])
def test_an_empty_output_path_is_refused_before_any_work(capsys, tmp_path, option, path):
    code, out, err = run(capsys, "x * 2", "--at", "x=1", option, path)
    assert code == 2 and out == ""
    assert err.startswith(f"error: {option}: expected a file path") and err.count("\n") == 1


def test_a_folder_as_output_is_refused(capsys, tmp_path):
    code, out, err = run(capsys, "x * 2", "--at", "x=1", "--draw", str(tmp_path))
    assert code == 2 and "is a folder" in err and out == ""


def test_when_the_drawing_fails_the_page_is_still_written(capsys, tmp_path):
    pytest.importorskip("graphviz")
    page = tmp_path / "steps.html"
    code, out, err = run(capsys, NEURON, "--at", *AT, "--draw", str(tmp_path / "g.bmp"), "--html", str(page))
    if "renderer" in err and "not found" in err:
        pytest.skip("no renderer installed")
    assert code == 1
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert f"wrote {page}" in out
    assert err.startswith(f"error: --draw {tmp_path / 'g.bmp'}: ") and "extension" in err


def test_when_the_page_fails_the_drawing_is_still_written_and_each_failure_is_reported(capsys, tmp_path):
    pytest.importorskip("graphviz")
    # 160 values: small enough to draw (300), too long to step through (150).
    expression = "+".join(["x*x"] * 80)
    picture = tmp_path / "g.svg"
    code, out, err = run(capsys, expression, "--at", "x=1", "--no-steps", "--draw", str(picture),
                         "--html", str(tmp_path / "s.html"))
    if "renderer" in err and "not found" in err:
        pytest.skip("no renderer installed")
    assert code == 1
    assert picture.read_bytes().lstrip().startswith((b"<?xml", b"<svg"))
    assert f"wrote {picture}" in out
    assert err.count("\n") == 1 and err.startswith(f"error: --html {tmp_path / 's.html'}: stepper:")
    assert not (tmp_path / "s.html").exists()


def test_the_version_is_the_packages(capsys):
    import autograd

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.split() == ["python", "-m", "autograd", autograd.__version__]


@pytest.mark.parametrize("argv0, prog", [("/usr/local/bin/chainrule", "chainrule"),
                                         ("C:\\venv\\Scripts\\chainrule.exe", "chainrule"),
                                         ("/x/autograd/__main__.py", "python -m autograd")])
def test_usage_names_the_command_as_it_was_run(capsys, monkeypatch, argv0, prog):
    monkeypatch.setattr(sys, "argv", [argv0])
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert out.startswith(f"usage: {prog} ")
    assert f'example: {prog} "tanh(' in " ".join(out.split())


def test_python_dash_m_autograd_says_so_in_its_usage():
    result = subprocess.run([sys.executable, "-m", "autograd", "--help"], capture_output=True, text=True,
                            cwd=ROOT)
    assert result.returncode == 0 and result.stdout.startswith("usage: python -m autograd ")


@pytest.mark.parametrize("argv", [["x", "--bogus"], ["x", "--rankdir", "up"], ["--at"], []])
def test_a_usage_mistake_is_one_line(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    assert info.value.code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and "--help" in err


@pytest.mark.parametrize("timeout", ["-1", "nan", "inf"])
def test_a_bad_timeout_exits_2(capsys, timeout):
    code, out, err = run(capsys, "x", "--at", "x=1", "--timeout", timeout)
    assert code == 2 and "--timeout" in err and out == ""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_output_into_a_closed_pipe_ends_without_a_traceback():
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (head) has already gone
    try:
        result = subprocess.run([sys.executable, "-m", "autograd", NEURON, "--at", *AT], stdout=write_end,
                                stderr=subprocess.PIPE, text=True, cwd=ROOT)
    finally:
        os.close(write_end)
    assert "Traceback" not in result.stderr and "BrokenPipeError" not in result.stderr, result.stderr
    assert result.returncode == 1


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script stands in for dot")
def test_a_drawing_that_runs_too_long_is_stopped_and_the_page_still_tried(capsys, tmp_path, monkeypatch):
    pytest.importorskip("graphviz")
    program = tmp_path / "dot"
    program.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c "import time; time.sleep(30)"\n')
    program.chmod(0o755)
    monkeypatch.delenv("CHAINRULE_RENDERER", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    code, _, err = run(capsys, "x * 2", "--at", "x=1", "--renderer", "dot", "--timeout", "0.5",
                       "--draw", str(tmp_path / "g.svg"), "--html", str(tmp_path / "s.html"))
    assert code == 1
    lines = err.splitlines()
    assert [line.split(":")[0] for line in lines] == ["error", "error"]
    assert lines[0].startswith("error: --draw") and "--timeout" in lines[0]
    assert lines[1].startswith("error: --html") and "--timeout" in lines[1]


@pytest.mark.parametrize("argv", [
    ["--", "--at", "\n"],
    ["x\ny", "--at", "x=1"],
    ["x", "--at", "x=1", "--draw", "no\u2028dir/g.png"],
    ["x", "--at", "x=1", "--format", "\n"],
])
def test_an_error_quoting_a_line_break_is_still_one_line(capsys, argv):
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ")
    assert len(err.splitlines()) == 1 and err.endswith("\n")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX argv bytes")
def test_an_argument_that_is_not_utf8_is_refused_naming_the_byte():
    import os

    # Python hands a byte that is not UTF-8 over as a lone surrogate (x\udcff).
    result = subprocess.run([sys.executable, "-m", "autograd", os.fsencode("x\udcff"), "--at", "x=1"],
                            capture_output=True, text=True, errors="replace", cwd=ROOT,
                            env={**os.environ, "LC_ALL": "C.UTF-8"})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "U+DCFF" in result.stderr and "0xFF" in result.stderr and "column 2" in result.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("extra", [[], ["--no-steps"], ["--code"]])
def test_output_to_a_full_disk_is_one_line_on_stderr(extra):
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "autograd", NEURON, "--at", *AT, *extra], stdout=full,
                                stderr=subprocess.PIPE, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: cannot write to standard output")
    assert "No space left" in result.stderr
