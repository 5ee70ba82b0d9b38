"""Why backprop: count the arithmetic that a full gradient costs, three ways.

Run: python -m demos.why_backprop [--out DIR] [--quick]

A network with P parameters has a gradient of P numbers. Three ways to get it:

- finite differences: nudge each parameter up and down and run the network
  again, (L(p + h) - L(p - h)) / 2h: two forward passes per parameter;
- forward mode: carry, next to every number, its derivative with respect to
  one parameter (a "dual number"); one pass per parameter;
- reverse mode (backprop): one forward pass that records the graph, then one
  backward pass that sends dL/d(node) from the loss to every node once.

The first two redo almost all of the work for each parameter: the part of
the network after a parameter is traversed again and again, once per
parameter, although dL/d(that part) is the same every time. Backprop computes
each dL/d(node) once and reuses it for everything upstream of that node.

Nothing here is a formula: every +, -, *, / and tanh on a number goes
through a small counting number type (``Counted``), and the demo reports how
many operations each method really performed. All three gradients are also
compared with the engine's ``backward()``.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Union

from autograd import Value, ancestors

from ._common import (
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

DESCRIPTION = "Count the operations of finite differences, forward mode and backprop for growing MLPs."


# ----------------------------------------------------------------------
# a number that counts what is done with it


class Tally:
    """How many arithmetic operations were performed, by kind ("+", "*", "tanh", ...)."""

    def __init__(self) -> None:
        self.by_kind: Counter[str] = Counter()

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def number(self, value: float) -> Counted:
        """A number whose arithmetic is counted in this tally (making it costs nothing)."""
        return Counted(value, self)


class Counted:
    """A float that adds one to its tally for every operation performed on it.

    Operations with plain floats are counted too (``w * 0.5`` is one
    multiplication); a result is a Counted of the same tally.
    """

    __slots__ = ("v", "tally")

    def __init__(self, v: float, tally: Tally) -> None:
        self.v = float(v)
        self.tally = tally

    def _result(self, kind: str, value: float) -> Counted:
        self.tally.by_kind[kind] += 1
        return Counted(value, self.tally)

    def __add__(self, other: Number) -> Counted:
        return self._result("+", self.v + _float(other))

    __radd__ = __add__

    def __sub__(self, other: Number) -> Counted:
        return self._result("-", self.v - _float(other))

    def __rsub__(self, other: Number) -> Counted:
        return self._result("-", _float(other) - self.v)

    def __mul__(self, other: Number) -> Counted:
        return self._result("*", self.v * _float(other))

    __rmul__ = __mul__

    def __truediv__(self, other: Number) -> Counted:
        return self._result("/", self.v / _float(other))

    def tanh(self) -> Counted:
        return self._result("tanh", math.tanh(self.v))

    def __repr__(self) -> str:
        return f"Counted({self.v!r})"


Number = Union[Counted, float]


def _float(x: Number) -> float:
    return x.v if isinstance(x, Counted) else float(x)


# ----------------------------------------------------------------------
# forward mode: dual numbers


class Dual:
    """A value and its derivative with respect to one chosen parameter.

    Every operation applies the chain rule *forwards*: the derivative of the
    result is computed from the derivatives of the inputs, right away.
    """

    __slots__ = ("v", "d")

    def __init__(self, v: Any, d: Any) -> None:
        self.v = v
        self.d = d

    def __add__(self, other: Dual | float) -> Dual:
        if isinstance(other, Dual):
            return Dual(self.v + other.v, self.d + other.d)
        return Dual(self.v + other, self.d)  # a constant does not change the derivative

    __radd__ = __add__

    def __sub__(self, other: Dual | float) -> Dual:
        if isinstance(other, Dual):
            return Dual(self.v - other.v, self.d - other.d)
        return Dual(self.v - other, self.d)

    def __mul__(self, other: Dual | float) -> Dual:
        if isinstance(other, Dual):  # (uv)' = u'v + uv'
            return Dual(self.v * other.v, self.d * other.v + self.v * other.d)
        return Dual(self.v * other, self.d * other)

    __rmul__ = __mul__

    def tanh(self) -> Dual:
        t = self.v.tanh()
        return Dual(t, (1.0 - t * t) * self.d)  # tanh' = 1 - tanh^2


# ----------------------------------------------------------------------
# reverse mode: a tape and one backward sweep


class Tape:
    """The record of a forward pass: for each node, its inputs and local derivatives."""

    def __init__(self) -> None:
        self.edges: list[list[tuple[int, Any]]] = []

    def leaf(self, value: Any) -> Var:
        return self.node(value, [])

    def node(self, value: Any, edges: list[tuple[int, Any]]) -> Var:
        self.edges.append(edges)
        return Var(value, len(self.edges) - 1, self)

    def backward(self, output: Var, seed: Any) -> list[Any]:
        """dL/d(node) for every node, by the chain rule applied from the output back.

        Each node is visited once, after everything that uses it, and passes
        its gradient to its inputs: input_grad += node_grad * local derivative.
        """
        grads: list[Any] = [None] * len(self.edges)
        grads[output.i] = seed
        for i in range(len(self.edges) - 1, -1, -1):
            g = grads[i]
            if g is None:
                continue
            for j, local in self.edges[i]:
                contribution = g * local
                grads[j] = contribution if grads[j] is None else grads[j] + contribution
        return grads


class Var:
    """A number recorded on a tape (a tiny version of the engine's Value)."""

    __slots__ = ("v", "i", "tape")

    def __init__(self, v: Any, i: int, tape: Tape) -> None:
        self.v = v
        self.i = i
        self.tape = tape

    def __add__(self, other: Var | float) -> Var:
        if isinstance(other, Var):
            return self.tape.node(self.v + other.v, [(self.i, 1.0), (other.i, 1.0)])
        return self.tape.node(self.v + other, [(self.i, 1.0)])

    __radd__ = __add__

    def __sub__(self, other: Var | float) -> Var:
        if isinstance(other, Var):
            return self.tape.node(self.v - other.v, [(self.i, 1.0), (other.i, -1.0)])
        return self.tape.node(self.v - other, [(self.i, 1.0)])

    def __mul__(self, other: Var | float) -> Var:
        if isinstance(other, Var):
            return self.tape.node(self.v * other.v, [(self.i, other.v), (other.i, self.v)])
        return self.tape.node(self.v * other, [(self.i, other)])

    __rmul__ = __mul__

    def tanh(self) -> Var:
        t = self.v.tanh()
        return self.tape.node(t, [(self.i, 1.0 - t * t)])


# ----------------------------------------------------------------------
# one network, written once, run on any of these number types


def mlp_loss(params: Sequence[Any], sizes: Sequence[int], x: Sequence[float], y: Sequence[float]) -> Any:
    """Squared error of an MLP (tanh hidden layers, linear output) on one example.

    ``params`` is flat: for each neuron, its weights then its bias. It works
    for floats, Counted, Dual, Var and Value alike, because it only uses
    ``+``, ``-``, ``*`` and ``.tanh()``.
    """
    if len(params) != parameter_count(sizes):
        raise ValueError(
            f"mlp_loss: a {'-'.join(map(str, sizes))} network has {parameter_count(sizes)} parameters, "
            f"got {len(params)}"
        )
    it = iter(params)
    activations: list[Any] = list(x)
    for layer, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        last = layer == len(sizes) - 2
        outputs = []
        for _ in range(n_out):
            weights = [next(it) for _ in range(n_in)]
            total = next(it)  # the bias
            for w, a in zip(weights, activations):
                total = total + w * a
            outputs.append(total if last else total.tanh())
        activations = outputs
    loss = None
    for a, target in zip(activations, y):
        d = a - target
        loss = d * d if loss is None else loss + d * d
    return loss


@dataclass
class Measured:
    """A gradient and the operations spent on it."""

    gradient: list[float]
    operations: int
    forward_operations: int = 0  # reverse mode only: the part spent in the forward pass


def one_forward_pass(params: Sequence[float], sizes, x, y) -> int:
    """Operations in one evaluation of the loss: the unit of cost."""
    tally = Tally()
    mlp_loss([tally.number(p) for p in params], sizes, x, y)
    return tally.total


def by_finite_differences(params: Sequence[float], sizes, x, y, h: float = 1e-6) -> Measured:
    """Central differences: two forward passes for every parameter."""
    tally = Tally()
    values = [tally.number(p) for p in params]
    width = 2.0 * h
    gradient = []
    for i in range(len(values)):
        up, down = list(values), list(values)
        up[i] = values[i] + h
        down[i] = values[i] - h
        slope = (mlp_loss(up, sizes, x, y) - mlp_loss(down, sizes, x, y)) / width
        gradient.append(slope.v)
    return Measured(gradient, tally.total)


def by_forward_mode(params: Sequence[float], sizes, x, y) -> Measured:
    """Dual numbers: one pass for every parameter, following d/d(that parameter)."""
    tally = Tally()
    values = [tally.number(p) for p in params]
    zero, one = tally.number(0.0), tally.number(1.0)
    gradient = []
    for i in range(len(values)):
        duals = [Dual(v, one if j == i else zero) for j, v in enumerate(values)]
        gradient.append(mlp_loss(duals, sizes, x, y).d.v)
    return Measured(gradient, tally.total)


def by_reverse_mode(params: Sequence[float], sizes, x, y) -> Measured:
    """Backprop: one forward pass that records a tape, one backward sweep."""
    tally = Tally()
    tape = Tape()
    leaves = [tape.leaf(tally.number(p)) for p in params]
    loss = mlp_loss(leaves, sizes, x, y)
    forward = tally.total
    grads = tape.backward(loss, tally.number(1.0))
    return Measured([grads[leaf.i].v for leaf in leaves], tally.total, forward)


def by_engine(params: Sequence[float], sizes, x, y) -> tuple[list[float], int, int]:
    """The engine's gradient, and the size of its graph (nodes, edges)."""
    leaves = [Value(p) for p in params]
    loss = mlp_loss(leaves, sizes, x, y)
    loss.backward()
    nodes = ancestors(loss)
    return [v.grad for v in leaves], len(nodes), sum(len(n.inputs) for n in nodes)


# ----------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> Result:
    """Run the demo; ``argv`` as on the command line (None: sys.argv[1:])."""
    options = parse_args("why_backprop", DESCRIPTION, argv)
    pyplot()  # fail now, not after the work, if matplotlib is missing
    result = Result()
    widths = (1, 2, 4) if options.quick else (1, 2, 4, 8, 12, 16, 24)
    rng = random.Random(0)
    x, y = [0.5, -1.0], [0.25]

    heading("Operations for one full gradient of the loss of 2-h-h-1 MLPs (tanh, squared error)")
    print("  counted: every +, -, *, / and tanh performed on a number, as the code runs")
    print(f"  {'h':>3} {'P':>5} {'1 forward':>10} {'finite diff.':>13} {'forward mode':>13} {'backprop':>10}"
          f"   {'(fwd + bwd)':>13}   {'|grad - engine|: fd / fwd / bp':>30}")
    rows = []
    for h in widths:
        sizes = [2, h, h, 1]
        params = [rng.uniform(-1, 1) for _ in range(parameter_count(sizes))]
        forward = one_forward_pass(params, sizes, x, y)
        fd = by_finite_differences(params, sizes, x, y)
        fm = by_forward_mode(params, sizes, x, y)
        rm = by_reverse_mode(params, sizes, x, y)
        engine, nodes, edges = by_engine(params, sizes, x, y)
        errors = [largest_difference(m.gradient, engine) for m in (fd, fm, rm)]
        rows.append(dict(h=h, P=len(params), forward=forward, fd=fd.operations, fm=fm.operations,
                         rm=rm.operations, rm_forward=rm.forward_operations, nodes=nodes, edges=edges,
                         error_fd=errors[0], error_fm=errors[1], error_rm=errors[2]))
        backward = rm.operations - rm.forward_operations
        print(f"  {h:>3} {len(params):>5} {forward:>10,} {fd.operations:>13,} {fm.operations:>13,} "
              f"{rm.operations:>10,}   {rm.forward_operations:>6,}+{backward:<6,}"
              f"   {errors[0]:>10.0e} / {errors[1]:.0e} / {errors[2]:.0e}")

    heading("In units of one forward pass")
    for row in rows:
        print(f"  P = {row['P']:>5}:  finite differences {row['fd'] / row['forward']:8.1f}   "
              f"forward mode {row['fm'] / row['forward']:8.1f}   backprop {row['rm'] / row['forward']:5.2f}")
    last = rows[-1]
    print(f"""
  Finite differences and forward mode cost a number of forward passes that
  grows with P: for every parameter they run the whole network again, and
  recompute how the rest of the network depends on it, although that part is
  the same for every parameter. Backprop costs a fixed small multiple of one
  forward pass, whatever P: going backwards, dL/d(node) is computed once per
  node and reused for every parameter upstream of it.
  For the largest network (P = {last['P']}) backprop needed {last['fd'] / last['rm']:.0f} times fewer
  operations than finite differences and {last['fm'] / last['rm']:.0f} times fewer than forward mode.
  (The engine's graph for that loss has {last['nodes']:,} nodes and {last['edges']:,} edges; its
  backward() visits each edge once.)
  Finite differences are also approximate (largest error above: {max(r['error_fd'] for r in rows):.0e});
  forward mode and backprop are exact up to rounding.""")

    heading("Pictures")
    P = [row["P"] for row in rows]
    methods = (("fd", "finite differences", "o-"), ("fm", "forward mode (dual numbers)", "s-"),
               ("rm", "backprop (forward + backward)", "^-"))
    # One panel above the other, sharing the axis of P: narrow enough that the
    # README shows it at its own size, where the text stays at 10 pt or more.
    with figure_style() as plt:
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(6.4, 8), sharex=True, layout="constrained")
        for key, name, style in methods:
            top.plot(P, [row[key] for row in rows], style, label=name)
            bottom.plot(P, [row[key] / row["forward"] for row in rows], style, label=name)
        top.plot(P, [row["forward"] for row in rows], "k--", label="one forward pass")
        top.set(xscale="log", yscale="log", ylabel="operations counted", title="Cost of one full gradient")
        bottom.set(xscale="log", yscale="log", xlabel="parameters P", ylabel="cost in forward passes",
                   title="The same cost, in forward passes")
        for ax in (top, bottom):
            ax.grid(True, which="both", alpha=0.3)
        # Below both panels, where it hides no line, whatever the sizes measured.
        fig.legend(*top.get_legend_handles_labels(), loc="outside lower center", ncols=2)
        save(fig, options, "why_backprop_costs.png", result)

    result.metrics.update(rows=rows)
    return result


if __name__ == "__main__":
    run(main)
