"""The chain rule, worked by hand and by the engine, step by step.

Run: python -m demos.chain_rule [--out DIR] [--quick]

Five worked examples. For each one the engine computes the gradient,
``autograd.explain`` writes out every step of ``backward()`` the way it
would be written on a blackboard (∂L/∂a = ∂L/∂c · ∂c/∂a, the local
derivative ∂c/∂a first as its formula, then as a number; a Value used twice
gets one line per path, "via y: ...", and then their sum), the result is
compared with the derivative worked out by hand, and the graph is drawn with
the local derivative on every edge.

1. f = x y z with x = r, y = r s, z = s (x and z made with
   ``autograd.identity``, so they are drawn and explained as the notes'
   variables). The variable s reaches f along two paths (through y and
   through z), so its gradient is a sum of two products: ∂f/∂s = x·y +
   x·z·r = 2 r² s; explain writes each path and then the sum
   (at r = 2, s = 3: via y 12, via z 12, ∂f/∂s = 12 + 12 = 24).
2. d/dx sin(x²) = cos(x²) · 2x: the derivative of the outer function at
   the inner one, times the derivative of the inner one.
3. One neuron, tanh(w1 x1 + w2 x2 + b): the gradient of every weight is
   (1 − out²) times the input it multiplies.
4. Subgradients: relu(w·x + b) exactly at w·x + b = 0, where relu has a kink
   and no derivative. Every slope from 0 to 1 is a subgradient there;
   backward chooses 0 (as PyTorch does), and explain says so.
5. The hinge loss max(0, 1 − y·s) of a sample exactly on the margin
   (y·s = 1): the same kink, inside a loss. With the subgradient 0 the
   sample pushes nothing; the other choice, −y·x, would push it further out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from autograd import Value, draw, explain, identity
from autograd.replay import generate
from autograd.views.naming import number_text

from ._common import Options, Result, heading, parse_args, require_drawing, run, save_drawing

DESCRIPTION = "Worked chain-rule examples: the engine's steps, the hand-derived formulas, the graphs."


@dataclass
class Example:
    """A worked example: its output, and for each leaf the hand-derived gradient."""

    title: str
    output: Value
    by_hand: list[tuple[Value, str, float]]  # (leaf, formula as written, its value)
    highlight: Value | None = None
    parameters: tuple[Value, ...] = ()
    note: str = ""
    show_code: bool = False  # also print the chain rule as generated code (autograd.compile)


def product_with_shared_variables(r: float = 2.0, s: float = 3.0) -> Example:
    """f = x y z with x = r, y = r s, z = s: r and s each reach f along two paths."""
    rv, sv = Value(r, label="r"), Value(s, label="s")
    # The notes' own variables: x and z are other names for r and s (slope 1), each a node of its own.
    x = identity(rv, label="x")
    y = rv * sv
    y.label = "y"
    z = identity(sv, label="z")
    xy = x * y
    xy.label = "xy"
    f = xy * z
    f.label = "f"
    return Example(
        "f = x·y·z with x = r, y = r·s, z = s",
        f,
        [(sv, "∂f/∂s = 2 r² s", 2 * r * r * s), (rv, "∂f/∂r = 2 r s²", 2 * r * s * s)],
        highlight=sv,
        note="x = identity(r) and z = identity(s) are the notes' x and z, with ∂x/∂r = ∂z/∂s = 1:\n"
        "  f = r·(r·s)·s = r² s², so by hand ∂f/∂s = 2 r² s, collected along y and along z.",
    )


def sine_of_square(x: float = 1.5) -> Example:
    """f = sin(x²): the outer derivative at the inner value, times the inner derivative."""
    xv = Value(x, label="x")
    u = xv**2
    u.label = "u"
    f = u.sin()
    f.label = "f"
    return Example("f = sin(x²)", f, [(xv, "∂f/∂x = cos(x²) · 2x", math.cos(x * x) * 2 * x)])


def neuron(
    x1: float = 2.0, x2: float = 0.0, w1: float = -3.0, w2: float = 1.0, b: float = 6.8813735870195432
) -> Example:
    """out = tanh(w1 x1 + w2 x2 + b); with these numbers n = 0.8814 and out = 0.7071."""
    leaves = {name: Value(v, label=name) for name, v in dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b).items()}
    w1x1 = leaves["w1"] * leaves["x1"]
    w1x1.label = "w1x1"
    w2x2 = leaves["w2"] * leaves["x2"]
    w2x2.label = "w2x2"
    n = w1x1 + w2x2 + leaves["b"]
    n.label = "n"
    out = n.tanh()
    out.label = "out"
    slope = 1.0 - math.tanh(w1 * x1 + w2 * x2 + b) ** 2
    return Example(
        "out = tanh(w1·x1 + w2·x2 + b)",
        out,
        [
            (leaves["w1"], "∂out/∂w1 = (1 − out²) · x1", slope * x1),
            (leaves["w2"], "∂out/∂w2 = (1 − out²) · x2", slope * x2),
            (leaves["x1"], "∂out/∂x1 = (1 − out²) · w1", slope * w1),
            (leaves["x2"], "∂out/∂x2 = (1 − out²) · w2", slope * w2),
            (leaves["b"], "∂out/∂b  = (1 − out²)", slope),
        ],
        parameters=(leaves["w1"], leaves["w2"], leaves["b"]),
        show_code=True,
    )


def relu_at_its_kink(w: float = 2.0, x: float = 1.5, b: float = -3.0) -> Example:
    """out = relu(w x + b) with w x + b = 0 exactly: the kink, where a subgradient is chosen."""
    wv, xv, bv = Value(w, label="w"), Value(x, label="x"), Value(b, label="b")
    wx = wv * xv
    wx.label = "wx"
    n = wx + bv
    n.label = "n"
    out = n.relu()
    out.label = "out"
    # By hand: ∂out/∂n = 1 if n > 0, 0 if n < 0, and at n = 0 any slope in [0, 1]; backward takes 0.
    chosen = 1.0 if w * x + b > 0 else 0.0
    return Example(
        "out = relu(w·x + b) at w·x + b = 0",
        out,
        [
            (wv, "∂out/∂w = (0 at the kink) · x", chosen * x),
            (xv, "∂out/∂x = (0 at the kink) · w", chosen * w),
            (bv, "∂out/∂b = (0 at the kink)", chosen),
        ],
        parameters=(wv, bv),
        note="relu(n) = max(0, n) has slope 0 left of n = 0 and 1 right of it; at n = 0 it has no\n"
        "  derivative, and every slope from 0 to 1 is a subgradient. backward() chooses 0, as PyTorch does.",
    )


def hinge_on_the_margin(w: float = 0.5, x: float = 2.0, y: float = 1.0) -> Example:
    """loss = max(0, 1 − y·s) with s = w x and y·s = 1: a sample exactly on the margin."""
    wv, xv, yv = Value(w, label="w"), Value(x, label="x"), Value(y, label="y")
    score = wv * xv
    score.label = "s"
    ys = yv * score
    ys.label = "ys"
    margin = 1.0 - ys
    margin.label = "m"
    loss = margin.relu()
    loss.label = "loss"
    # By hand: ∂loss/∂w = −y·x while y·s < 1, 0 once y·s > 1; at y·s = 1 any value between is a subgradient.
    chosen = -y * x if y * w * x < 1 else 0.0
    return Example(
        "loss = max(0, 1 − y·s), s = w·x, on the margin y·s = 1",
        loss,
        [(wv, "∂loss/∂w = (0 at the kink) · (−y·x)", chosen)],
        parameters=(wv,),
        note="the hinge is relu(1 − y·s): on the margin the relu sits on its kink. With the subgradient 0\n"
        "  a sample on the margin pushes nothing; the other extreme, −y·x, would push it further out.",
    )


EXAMPLES: list[tuple[str, Callable[[], Example]]] = [
    ("chain_rule_product.png", product_with_shared_variables),
    ("chain_rule_sine.png", sine_of_square),
    ("chain_rule_neuron.png", neuron),
    ("chain_rule_relu_kink.png", relu_at_its_kink),
    ("chain_rule_hinge_margin.png", hinge_on_the_margin),
]


def work_through(example: Example, options: Options, filename: str, result: Result) -> float:
    """Print, check and draw one example; return the largest |engine - by hand|."""
    out = example.output
    heading(example.title)
    if example.note:
        print(f"  {example.note}")
    print(f"  forward: {out.label} = {out.data:.4f}")
    print("  backward, one chain-rule step per edge (in the order backward() applies them):")
    steps = explain(out)
    for line in steps.text(header=True).splitlines():
        print(f"    {line}")
    out.backward()
    print("  the engine's gradients beside the hand-derived formulas:")
    worst = 0.0
    for leaf, formula, value in example.by_hand:
        difference = abs(leaf.grad - value)
        worst = max(worst, difference)
        name = f"{leaf.label}.grad"
        print(f"    {name:>7} = {_signed(leaf.grad)}    {formula} = {_signed(value)}    "
              f"|difference| {difference:.1e}")
    shared = example.highlight
    if shared is not None:
        uses = [step for step in steps if step.input is shared]
        print(f"  {shared.label} is used {len(uses)} times ("
              + ", ".join(step.formula for step in uses)
              + "); each use sends back one contribution, and they add up:")
        print(f"    {uses[-1].sum_text()}")
        print(f"  (the drawing paints red every path from {shared.label} to {out.label})")
    if example.show_code:
        worst = max(worst, three_ways(example, steps))
    picture = draw(out, edge_labels=True, highlight=shared, parameters=example.parameters)
    save_drawing(picture, options, filename, result)
    return worst


def three_ways(example: Example, steps) -> float:
    """Print the example's chain rule as the code autograd.compile runs, and its gradients
    beside explain's and the hand-derived ones; return the largest |code - by hand|."""
    leaves = [leaf for leaf, _, _ in example.by_hand]
    replay = generate(example.output, leaves)
    print("  the same chain rule as a program (what autograd.compile generates and runs):")
    for line in replay.source.splitlines():
        print(f"    {line}")
    _, grads = replay(*[leaf.data for leaf in leaves])
    print("  the same numbers, three ways: the generated code, explain's steps, the formulas by hand:")
    worst = 0.0
    for (leaf, formula, value), grad in zip(example.by_hand, grads):
        worst = max(worst, abs(grad - value))
        told = steps.grad(leaf)
        print(f"    ∂{example.output.label}/∂{leaf.label:<3} code {_signed(grad)}   explain {_signed(told)}"
              f"   {formula} = {_signed(value)}")
    return worst


def _signed(x: float) -> str:
    """``+24.000000``, ``−1.884521``: six decimals and a sign, the minus a true one, for columns."""
    return number_text(x, "+.6f")


def main(argv: Sequence[str] | None = None) -> Result:
    """Run the demo; ``argv`` as on the command line (None: sys.argv[1:])."""
    options = parse_args("chain_rule", DESCRIPTION, argv)
    require_drawing()
    result = Result()
    worst = 0.0
    for filename, make in EXAMPLES:
        worst = max(worst, work_through(make(), options, filename, result))
    heading("Summary")
    print(f"  largest difference between the engine and the hand-derived derivatives: {worst:.1e}")
    result.metrics["largest_difference"] = worst
    return result


if __name__ == "__main__":
    run(main)
