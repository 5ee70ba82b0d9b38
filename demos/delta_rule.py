"""Backprop in matrix form (the delta rule), checked against the engine.

Run: python -m demos.delta_rule [--out DIR] [--quick]

A layered network computes, for l = 1 .. L::

    z^l = W^l a^(l-1) + b^l        a^l = g(z^l)        (a^0 = x)

and a loss L(a^L). Writing delta^l = dL/dz^l (one number per neuron of layer
l), the chain rule gives the whole backward pass as four lines of linear
algebra::

    delta^L     = grad_a L  (.)  g'(z^L)                     (output layer)
    delta^(l-1) = (W^l)^T delta^l  (.)  g'(z^(l-1))          (one layer back)
    dL/dW^l     = delta^l (a^(l-1))^T                         (an outer product)
    dL/db^l     = delta^l

where (.) multiplies element by element. This demo computes them with plain
Python lists (no engine at all), then builds the same network out of
``Value``s and lets ``backward()`` find the same gradients one edge at a time,
and prints both side by side with their largest difference.

The picture (delta_rule_deltas.png) draws delta^l layer by layer, from the
output down: each entry as a bar, labelled with the two numbers whose product
it is, what comes back to the neuron times g'(z), so that any row can be
checked on paper.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

import autograd
from autograd import Value

from ._common import (
    Options,
    Result,
    figure_style,
    heading,
    largest_difference,
    parameter_count,
    parse_args,
    pyplot,
    run,
    save,
)

Matrix = list[list[float]]
Vector = list[float]

DESCRIPTION = "Backprop as matrix algebra (the delta rule) beside the engine's gradients."


# ----------------------------------------------------------------------
# linear algebra on lists: just enough for the four equations


def matvec(W: Matrix, v: Vector) -> Vector:
    """W v: row i of W dotted with v."""
    return [math.fsum(w * x for w, x in zip(row, v)) for row in W]


def transpose(W: Matrix) -> Matrix:
    """W^T: rows become columns."""
    return [list(column) for column in zip(*W)]


def outer(u: Vector, v: Vector) -> Matrix:
    """u v^T: the matrix whose entry (i, j) is u[i] * v[j]."""
    return [[ui * vj for vj in v] for ui in u]


def hadamard(u: Vector, v: Vector) -> Vector:
    """u (.) v: element-by-element product."""
    return [ui * vi for ui, vi in zip(u, v)]


# ----------------------------------------------------------------------
# the network


@dataclass
class Network:
    """Weights W[l] (rows: neurons of layer l+1) and biases b[l], tanh everywhere.

    The loss is L = 1/2 * sum_i (a^L_i - y_i)^2, so grad_a L = a^L - y, and
    g = tanh, so g'(z) = 1 - tanh(z)^2.
    """

    W: list[Matrix]
    b: list[Vector]

    @property
    def sizes(self) -> list[int]:
        return [len(self.W[0][0])] + [len(bl) for bl in self.b]

    @property
    def parameter_count(self) -> int:
        return parameter_count(self.sizes)


def random_network(sizes: Sequence[int], rng: random.Random) -> Network:
    """A network with the given layer sizes and weights drawn uniformly from [-1, 1]."""
    if len(sizes) < 2 or any(n < 1 for n in sizes):
        raise ValueError(f"sizes: expected at least two positive layer sizes, got {list(sizes)}")
    W = [
        [[rng.uniform(-1, 1) for _ in range(n_in)] for _ in range(n_out)]
        for n_in, n_out in zip(sizes, sizes[1:])
    ]
    b = [[rng.uniform(-1, 1) for _ in range(n_out)] for n_out in sizes[1:]]
    return Network(W, b)


@dataclass
class DeltaRuleGradients:
    """Everything the matrix form of backprop computes for one example."""

    loss: float
    z: list[Vector]  # z[l-1] is z^l
    a: list[Vector]  # a[l] is a^l, a[0] = x
    delta: list[Vector]  # delta[l-1] is delta^l
    dW: list[Matrix]
    db: list[Vector]


def delta_rule(net: Network, x: Vector, y: Vector) -> DeltaRuleGradients:
    """Forward pass, then the four backprop equations, all on plain lists."""
    a: list[Vector] = [list(x)]
    z: list[Vector] = []
    for Wl, bl in zip(net.W, net.b):
        zl = [s + bi for s, bi in zip(matvec(Wl, a[-1]), bl)]
        z.append(zl)
        a.append([math.tanh(v) for v in zl])
    loss = 0.5 * math.fsum((ai - yi) ** 2 for ai, yi in zip(a[-1], y))

    def g_prime(l: int) -> Vector:
        # tanh'(z) = 1 - tanh(z)^2, and tanh(z^l) is a^l: already computed.
        return [1.0 - ai * ai for ai in a[l]]

    L = len(net.W)
    grad_a = [ai - yi for ai, yi in zip(a[L], y)]
    delta: list[Vector] = [[] for _ in range(L)]
    delta[L - 1] = hadamard(grad_a, g_prime(L))
    for l in range(L, 1, -1):  # from delta^l to delta^(l-1)
        delta[l - 2] = hadamard(matvec(transpose(net.W[l - 1]), delta[l - 1]), g_prime(l - 1))
    dW = [outer(delta[l], a[l]) for l in range(L)]
    db = [list(d) for d in delta]
    return DeltaRuleGradients(loss, z, a, delta, dW, db)


def engine_gradients(net: Network, x: Vector, y: Vector) -> tuple[float, list[Matrix], list[Vector]]:
    """The same network made of Values; ``backward()`` finds dL/dW and dL/db."""
    W = [[[Value(w) for w in row] for row in Wl] for Wl in net.W]
    b = [[Value(v) for v in bl] for bl in net.b]
    activations: list = list(x)
    for Wl, bl in zip(W, b):
        activations = [
            autograd.sum([w * xi for w, xi in zip(row, activations)], start=bi).tanh()
            for row, bi in zip(Wl, bl)
        ]
    loss = 0.5 * autograd.sum([(ai - yi) ** 2 for ai, yi in zip(activations, y)])
    loss.backward()
    dW = [[[w.grad for w in row] for row in Wl] for Wl in W]
    db = [[v.grad for v in bl] for bl in b]
    return loss.data, dW, db


# ----------------------------------------------------------------------
# printing and drawing


def _format_matrix(M: Matrix, indent: str) -> list[str]:
    return [indent + " ".join(f"{v:+.5f}" for v in row) for row in M]


def _print_side_by_side(title_left: str, left: Matrix, title_right: str, right: Matrix) -> None:
    left_lines = _format_matrix(left, "    ")
    right_lines = _format_matrix(right, "")
    width = max(len(line) for line in left_lines) + 4
    print(f"    {title_left:<{width - 4}}{title_right}")
    for lhs, rhs in zip(left_lines, right_lines):
        print(f"{lhs:<{width}}{rhs}")


def _number(v: float) -> str:
    """4 significant digits, no padding zeros, never -0 (as a person writes them on a slide)."""
    text = f"{v:.4g}"
    return "0" if float(text) == 0.0 else text.replace("-", "\N{MINUS SIGN}")


def _draw(net: Network, ours: DeltaRuleGradients, y: Vector, options: Options, result: Result) -> None:
    """One panel per layer, the output's at the top: each entry of delta^l as a bar with its product.

    A neuron's delta is what comes back to its output times g'(its z). For the
    output layer what comes back is a^L - y; for a hidden layer it is entry i
    of (W^(l+1))^T delta^(l+1). The label of each bar shows both factors and
    their product, so that a student can redo any row on paper.
    """
    L = len(net.W)
    times = "\N{MULTIPLICATION SIGN}"
    with figure_style() as plt:
        # Heights in proportion to the neurons of each layer, so that every bar is as thick.
        heights = [n + 1.2 for n in reversed(net.sizes[1:])]
        fig, axes = plt.subplots(L, 1, figsize=(8.5, 1.3 + 0.62 * sum(heights)), squeeze=False,
                                 layout="constrained", gridspec_kw={"height_ratios": heights})
        for l in range(1, L + 1):
            ax = axes[L - l][0]  # read downwards, as the backward pass goes
            delta = ours.delta[l - 1]
            g_prime = [1.0 - a * a for a in ours.a[l]]  # tanh'(z) = 1 - tanh(z)^2 = 1 - a^2
            if l == L:
                back = [a - t for a, t in zip(ours.a[L], y)]
                what = f"(a^{{{l}}} - y)_i"
                ax.set_title(f"output layer {l}\n${what} \\times g'(z^{{{l}}}_i) = \\delta^{{{l}}}_i$")
            else:
                back = matvec(transpose(net.W[l]), ours.delta[l])
                what = f"((W^{{{l + 1}}})^T \\delta^{{{l + 1}}})_i"
                ax.set_title(f"layer {l}\n${what} \\times g'(z^{{{l}}}_i) = \\delta^{{{l}}}_i$")
            rows = range(len(delta))
            ax.barh(rows, delta, color=["#b91c1c" if d > 0 else "#1d4ed8" for d in delta], height=0.6)
            ax.set_yticks(rows, [f"{_number(b)} {times} {_number(g)} = {_number(d)}"
                                 for b, g, d in zip(back, g_prime, delta)])
            ax.set_ylim(len(delta) - 0.5, -0.5)  # neuron 1 at the top
            limit = 1.15 * max(abs(d) for d in delta)
            ax.set_xlim(-limit, limit)
            ax.axvline(0.0, color="black", lw=1.0)
            ax.set_xlabel(f"$\\delta^{{{l}}}_i$ (neuron i = 1 .. {len(delta)}, top down)")
            ax.tick_params(axis="y", length=0)
            ax.grid(True, axis="x", alpha=0.3)
        fig.suptitle("The deltas, from the output back: "
                     "$\\delta^{l-1} = (W^{l})^T \\delta^{l} \\odot g'(z^{l-1})$\n"
                     "with g = tanh, so g'(z) = 1 \N{MINUS SIGN} tanh(z)\N{SUPERSCRIPT TWO}; "
                     "each panel uses the one above it")
        save(fig, options, "delta_rule_deltas.png", result)


# ----------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> Result:
    """Run the demo; ``argv`` as on the command line (None: sys.argv[1:])."""
    options = parse_args("delta_rule", DESCRIPTION, argv)
    pyplot()  # fail now, not after the work, if matplotlib is missing
    result = Result()
    rng = random.Random(7)
    sizes = [3, 4, 3, 2]
    net = random_network(sizes, rng)
    x = [rng.uniform(-1, 1) for _ in range(sizes[0])]
    y = [rng.uniform(-1, 1) for _ in range(sizes[-1])]

    heading(f"A {'-'.join(map(str, sizes))} network, tanh in every layer, L = 1/2 |a^L - y|^2")
    print(f"  x = {[round(v, 4) for v in x]}, y = {[round(v, 4) for v in y]}")
    ours = delta_rule(net, x, y)
    loss, dW, db = engine_gradients(net, x, y)
    print(f"  loss: {ours.loss:.10f} (lists)   {loss:.10f} (engine)")

    heading("The deltas, from the output back (delta^l = dL/dz^l)")
    L = len(net.W)
    print(f"  delta^{L} = (a^{L} - y) (.) (1 - (a^{L})^2)")
    for l in range(L, 0, -1):
        if l < L:
            print(f"  delta^{l} = (W^{l + 1})^T delta^{l + 1} (.) (1 - (a^{l})^2)")
        print(f"         = {[round(v, 6) for v in ours.delta[l - 1]]}")

    heading("dL/dW^l = delta^l (a^(l-1))^T, beside W^l.grad from backward()")
    for l in range(L):
        print(f"  layer {l + 1}: W^{l + 1} is {len(net.W[l])}x{len(net.W[l][0])}")
        _print_side_by_side("delta rule", ours.dW[l], "engine", dW[l])
        print(f"    dL/db^{l + 1} = delta^{l + 1}: {[round(v, 5) for v in ours.db[l]]}")
        print(f"    b^{l + 1}.grad:          {[round(v, 5) for v in db[l]]}")
    difference = max(largest_difference(ours.dW, dW), largest_difference(ours.db, db))
    print(f"\n  largest difference over all {net.parameter_count} parameters: {difference:.3e}")

    # More networks of other shapes: the agreement is not a coincidence of one example.
    trials = 3 if options.quick else 40
    heading(f"{trials} more random networks and examples")
    worst = difference
    for _ in range(trials):
        shape = [rng.randint(1, 5) for _ in range(rng.randint(2, 5))]
        other = random_network(shape, rng)
        xs = [rng.uniform(-2, 2) for _ in range(shape[0])]
        ys = [rng.uniform(-1, 1) for _ in range(shape[-1])]
        mine = delta_rule(other, xs, ys)
        _, other_dW, other_db = engine_gradients(other, xs, ys)
        worst = max(worst, largest_difference(mine.dW, other_dW), largest_difference(mine.db, other_db))
    print(f"  largest difference between the delta rule and the engine: {worst:.3e}")
    print("  (rounding only: both apply the same chain rule, once as matrices, once edge by edge)")

    heading("Pictures")
    _draw(net, ours, y, options, result)
    result.metrics.update(largest_difference=difference, largest_difference_all=worst, trials=trials,
                          example=(net, x, y))
    return result


if __name__ == "__main__":
    run(main)
