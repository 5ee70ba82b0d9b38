"""The shared argument rules of autograd.checks, and the places that use them."""

import pytest

from autograd import Value, draw, explain
from autograd.checks import (
    MAX_FORMAT_PRECISION,
    MAX_FORMAT_WIDTH,
    count,
    did_you_mean,
    number_format,
    positive_int,
    real_number,
)
from autograd.cli import main


@pytest.mark.parametrize("spec", [".4f", ".3g", "", "+.2e", ">10.3f", "x^12.4g", ".17g", "%", ",.2f"])
def test_number_format_accepts_float_specs(spec):
    assert number_format(spec) == spec


@pytest.mark.parametrize("spec", ["abc", "d", "s", ".4f\n", "{}", ".4q"])
def test_number_format_refuses_what_is_not_a_float_spec(spec):
    with pytest.raises(ValueError, match="format spec"):
        number_format(spec)


@pytest.mark.parametrize(
    "spec, part",
    [("1000000000", "width"), (f"{MAX_FORMAT_WIDTH + 1}f", "width"), (".99999999999", "precision"),
     (f".{MAX_FORMAT_PRECISION + 1}g", "precision"), ("9" * 10_000, "width")],
)
def test_number_format_bounds_width_and_precision(spec, part):
    with pytest.raises(ValueError, match=f"the {part} in"):
        number_format(spec)


def test_number_format_names_the_argument():
    with pytest.raises(ValueError, match=r"^--format: "):
        number_format("1000000000", "--format")


def test_number_format_refuses_a_non_string():
    with pytest.raises(TypeError, match="got int"):
        number_format(4)


@pytest.mark.parametrize("use", [
    lambda fmt: explain(Value(1.0) * 2, fmt=fmt),
    lambda fmt: draw(Value(1.0) * 2, fmt=fmt),
])
def test_explain_and_draw_share_the_one_check(use):
    with pytest.raises(ValueError, match="the width in '1000000000' is too large"):
        use("1000000000")


@pytest.mark.parametrize("spec", ["1000000000", "99999999999", ".99999999999"])
def test_cli_refuses_a_huge_format_at_once(spec, capsys):
    assert main(["x*2", "--at", "x=1", "--format", spec]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --format: the ") and "too large" in err
    assert len(err.splitlines()) == 1


def test_count_and_positive_int():
    assert count(0, "n", minimum=0) == 0
    assert positive_int(3, "n") == 3
    for bad in (0, -1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="n: expected a positive int"):
            positive_int(bad, "n")
    with pytest.raises(ValueError, match="expected an int >= 2, got 1"):
        count(1, "n", minimum=2)


def test_real_number_ranges():
    assert real_number(0.5, "lr", 0, open_low=True) == 0.5
    with pytest.raises(ValueError, match=r"lr: expected a number > 0, got 0.0"):
        real_number(0, "lr", 0, open_low=True)
    with pytest.raises(ValueError, match=r"beta: expected a number >= 0 and < 1, got 1.0"):
        real_number(1, "beta", 0, 1)
    for bad in (float("nan"), float("inf"), "1", None, True):
        with pytest.raises(ValueError, match="expected a finite number"):
            real_number(bad, "x")


def test_did_you_mean():
    assert did_you_mean("tahn", ["tanh", "relu"]) == "; did you mean 'tanh'?"
    assert did_you_mean("zzzz", ["tanh", "relu"]) == ""
