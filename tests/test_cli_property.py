"""The command line never ends in a traceback: whatever it is given, an exit code and at most one line."""

import contextlib
import io
import os
import subprocess
import sys
import warnings
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd.cli import main
from autograd.cli.expr import FUNCTIONS, MAX_LENGTH

ROOT = Path(__file__).resolve().parents[1]

# Pieces of the expression language, and near misses of it.
TOKENS = (
    ["x", "y", "w1", "b", "f", "out", "\uff58", "_x", "x1", "2", "0", "0.5", "3.", "1e308", "1e-320", "1e15",
     "1e16", "+", "-", "*", "/", "**", "//", "%", "(", ")", " ", ",", ".", "=", "[", "]", "'", "lambda", "if"]
    + [f"{name}(" for name in FUNCTIONS]
    + ["exp", "__import__(", "open("]
)
NAMES = ["x", "y", "w1", "b", "f", "\uff58", "X", "x ", " y", "x=1", ""]
NUMBERS = ["1", "-2.5", "0", "1e308", "-1e308", "1e-320", "nan", "inf", "-inf", "1e999", "0x10", "1_000",
           "abc", "", " 3 ", "\uff11"]
FORMATS = [".4f", ".17g", ".3e", "+.2f", "", "g", "%", ".0f", ">20.3f", "\\<9", ".30f", ".31f", "101f",
           "d", "%d", "{}", ".4f\\"]


def expressions():
    from_language = st.lists(st.sampled_from(TOKENS), max_size=160).map("".join)
    anything = st.text(max_size=MAX_LENGTH + 20)
    return st.one_of(from_language, anything).map(lambda text: text[: MAX_LENGTH + 20])


def at_items():
    item = st.builds(lambda n, v: f"{n}={v}", st.one_of(st.sampled_from(NAMES), st.text(max_size=8)),
                     st.one_of(st.sampled_from(NUMBERS), st.floats().map(repr), st.text(max_size=8)))
    return st.lists(st.one_of(item, st.text(max_size=12)), max_size=6)


def formats():
    return st.one_of(st.sampled_from(FORMATS), st.text(max_size=12))


def run_in_process(argv):
    """main(argv) with stdout and stderr as a terminal has them (stdout strict UTF-8)."""
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="backslashreplace")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            code = main(argv)
        except SystemExit as exit_:  # argparse: --help, --version and usage mistakes
            code = exit_.code
        # Outside pytest, Python would print each warning on stderr.
        for w in caught:
            err.write(warnings.formatwarning(w.message, w.category, w.filename, w.lineno))
        out.flush()
        err.flush()
    return code, out.buffer.getvalue().decode("utf-8"), err.buffer.getvalue().decode("utf-8")


def check_outcome(code, out, err):
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err and "Traceback" not in out
    if code == 0:
        assert err == ""
    else:
        assert err.startswith("error: "), err
        assert err.count("\n") == 1 and err.endswith("\n"), err


def argv_of(expression, items, fmt, steps):
    argv = ["--format", fmt]
    if items:
        argv += ["--at", *items]
    if not steps:
        argv.append("--no-steps")
    return [*argv, "--", expression]


COMMON = {"suppress_health_check": [HealthCheck.too_slow]}


@settings(max_examples=150, deadline=None, **COMMON)
@given(expression=expressions(), items=at_items(), fmt=formats(), steps=st.booleans())
def test_any_arguments_end_with_an_exit_code_and_at_most_one_line(expression, items, fmt, steps):
    check_outcome(*run_in_process(argv_of(expression, items, fmt, steps)))


@settings(max_examples=150, deadline=None, **COMMON)
@given(expression=st.lists(st.sampled_from(TOKENS), max_size=160).map("".join),
       values=st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=5, max_size=5),
       fmt=st.sampled_from(FORMATS))
def test_expressions_at_every_variable_end_with_an_exit_code(expression, values, fmt):
    items = [f"{name}={value!r}" for name, value in zip(["x", "y", "w1", "b", "f"], values)]
    check_outcome(*run_in_process(argv_of(expression, items, fmt, True)))


@settings(max_examples=100, deadline=None, **COMMON)
@given(argv=st.lists(st.one_of(st.sampled_from(["--at", "--format", "--draw", "--html", "--no-steps",
                                                "--rankdir", "--renderer", "--timeout", "--", "-x", "x"]),
                               st.text(max_size=10)), max_size=8))
def test_any_argument_vector_ends_with_an_exit_code(argv, tmp_path_factory):
    # Outputs land in a fresh folder, never in the project.
    cwd = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("cli"))
    try:
        check_outcome(*run_in_process(argv))
    finally:
        os.chdir(cwd)


@pytest.mark.slow
@settings(max_examples=3000, deadline=timedelta(seconds=20), **COMMON)
@given(expression=expressions(), items=at_items(), fmt=formats(), steps=st.booleans())
def test_many_more_arguments_end_quickly_with_an_exit_code(expression, items, fmt, steps):
    check_outcome(*run_in_process(argv_of(expression, items, fmt, steps)))


@pytest.mark.parametrize("argv", [
    [b"x\xff + 1", b"--at", b"x=1"],            # bytes that are not UTF-8 (surrogate escapes)
    ["\uff58 * \uff58", "--at", "\uff58=2"],      # full-width names
    ["+".join(["x"] * 250)[:MAX_LENGTH], "--at", "x=1"],
    ["x", "--at", "x=1", "--format", "9" * 5000],
    ["--bogus"],
    ["1if x else 2", "--at", "x=1"],              # the parser warns before the check refuses it
    ["0x1for", "--at", "x=1"],
])
def test_as_a_program_too(argv):
    result = subprocess.run([sys.executable, "-m", "autograd", *argv], capture_output=True, cwd=ROOT,
                            timeout=120)
    err = result.stderr.decode("utf-8", "replace")
    check_outcome(result.returncode, result.stdout.decode("utf-8", "replace"), err)
