"""The command line's --derive: ∂f/∂v written out by the chain rule, and its update rule.

For ``f = tanh(w1*x1 + b)``, with u = w1·x1 + b: ∂f/∂u = 1 − tanh(u)² = 1 − f²,
∂u/∂w1 = x1 and ∂u/∂b = 1, so by hand

    ∂f/∂w1 = (1 − f²) · x1        w1 ← w1 − η · (1 − f²) · x1
    ∂f/∂b  = 1 − f²               b ← b − η · (1 − f²)
"""

import math

import pytest

from autograd.cli import main

NEURON = "tanh(w1*x1 + b)"
AT = ["w1=0.5", "x1=2", "b=-0.25"]
HEADER = ("derivations (the chain rule: one product of local derivatives per path from v up to f) "
          "and update rules v ← v − η · ∂f/∂v:")


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as stop:  # argparse's own refusals
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def derivations(out: str) -> list[str]:
    """The lines of the derivations section, from its header to the next blank line."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("derivations ("))
    end = lines.index("", start) if "" in lines[start:] else len(lines)
    return lines[start + 1:end]


@pytest.mark.parametrize("names", [["w1,b"], ["w1", "b"], ["w1", "--derive", "b"], [" w1 ,", "b"]])
def test_derive_prints_each_derivation_and_its_update_rule(capsys, names):
    code, out, err = run(capsys, NEURON, "--at", *AT, "--no-steps", "--derive", *names)
    assert code == 0 and err == ""
    assert derivations(out) == [
        "  ∂f/∂w1 = (1 − f²) · x1",
        "  w1 ← w1 − η · (1 − f²) · x1",
        "  ∂f/∂b = 1 − f²",
        "  b ← b − η · (1 − f²)",
    ]


def test_the_derived_formula_is_the_gradient_printed_above(capsys):
    code, out, _ = run(capsys, NEURON, "--at", *AT, "--derive", "w1", "--format", ".17g")
    assert code == 0
    f = math.tanh(0.5 * 2 - 0.25)
    lines = out.splitlines()
    first = lines.index("gradients ∂f/∂v (the chain rule, summed over every path):") + 1
    gradients = lines[first:lines.index("", first)]
    printed = {line.split("=")[0].strip(): float(line.split("=")[1]) for line in gradients}
    assert printed["∂f/∂w1"] == pytest.approx((1 - f * f) * 2, rel=1e-15)  # (1 − f²) · x1 at x1 = 2
    assert printed["∂f/∂b"] == pytest.approx(1 - f * f, rel=1e-15)
    # The steps still follow, after the derivations.
    assert lines.index(HEADER) < lines.index(next(x for x in lines if x.startswith("backward, one step")))


def test_a_variable_used_twice_has_one_product_per_path(capsys):
    # f = x·y + x: x reaches f through the product and directly, so ∂f/∂x = y + 1.
    code, out, _ = run(capsys, "x*y + x", "--at", "x=2", "y=3", "--derive", "x")
    assert code == 0
    assert derivations(out) == ["  ∂f/∂x = y + 1", "  x ← x − η · (y + 1)"]


def test_the_output_keeps_the_name_the_cli_gives_it(capsys):
    code, out, _ = run(capsys, "f * g", "--at", "f=2", "g=5", "--derive", "f")
    assert code == 0
    assert derivations(out) == ["  ∂out/∂f = g", "  f ← f − η · g"]


def test_an_unknown_name_gets_did_you_mean_and_nothing_is_printed(capsys):
    code, out, err = run(capsys, NEURON, "--at", *AT, "--derive", "w")
    assert code == 2 and out == ""
    assert err == ("error: --derive: 'w' is not a variable of the expression "
                   "(its variables: w1, x1, b); did you mean 'w1'?\n")


def test_a_name_given_twice_is_refused(capsys):
    code, out, err = run(capsys, NEURON, "--at", *AT, "--derive", "b,w1", "b")
    assert code == 2 and out == ""
    assert "--derive: 'b' is named twice" in err


def test_too_many_paths_say_so_point_to_the_layer_view_and_exit_1(capsys):
    # x + x + ... + x: 65 uses of x, one path each, one more than derive writes out.
    expression = " + ".join(["x"] * 65)
    code, out, err = run(capsys, f"{expression} + y", "--at", "x=1", "y=2", "--no-steps",
                         "--derive", "x,y")
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert "∂f/∂x has 65 paths (more than 64)" in err and "nn.deltas(model, x, y)" in err
    # The value, the gradients and the other derivation are still printed.
    assert "  ∂f/∂x = 65" in out.splitlines()
    assert derivations(out) == ["  ∂f/∂y = 1", "  y ← y − η · 1"]
