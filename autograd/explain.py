"""Backward, one chain-rule step at a time.

``backward()`` visits the nodes from the output back to the leaves. At each
node ``c`` it knows the *upstream gradient* ``dL/dc`` (everything the nodes
after ``c`` have sent back) and, for each input ``a`` of ``c``, the *local
derivative* ``dc/da`` (a fact about one operation alone). The chain rule then
adds one *contribution* to the input's gradient::

    dL/da += dL/dc * dc/da

``explain(L)`` lists exactly those steps, in exactly the order ``backward()``
applies them, with the numbers it uses::

    >>> from autograd import Value, explain
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b; c.label = "c"
    >>> print(explain(c))
    dc/da += dc/dc * dc/da = 1.0000 * -3.0000 = -3.0000   (c = a * b)
    dc/db += dc/dc * dc/db = 1.0000 * 2.0000 = 2.0000   (c = a * b)

Adding up the contributions that reach a Value gives its gradient, bit for
bit the number ``backward()`` stores in ``.grad``. ``explain`` itself reads
and writes no ``.grad``: it keeps its own table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from numbers import Real
from typing import Any

from .checks import number_format
from .engine import Value, chain_rule, topological_order
from .naming import expression, in_derivative, node_names

__all__ = ["Step", "Explanation", "explain"]


@dataclass(frozen=True)
class Step:
    """One application of the chain rule, on the edge ``input -> node``.

    Attributes:
        node: the Value whose gradient is being passed back (``c``).
        input: the input of ``node`` that receives a contribution (``a``).
        position: which argument of the operation ``input`` is (0, 1, ...).
        local: the local derivative d(node)/d(input), from ``node.local_grads()``.
        upstream: dL/d(node), complete by the time this step runs.
        contribution: ``upstream * local``, added to dL/d(input).
        total: dL/d(input) after this step (the running sum).
        names: (output, node, input) names, as written in the text.
        formula: how ``node`` was computed, e.g. ``"c = a * b"``.
        fmt: the number format of the text.
    """

    node: Value
    input: Value
    position: int
    local: float
    upstream: float
    contribution: float
    total: float
    names: tuple[str, str, str]
    formula: str
    fmt: str = ".4f"

    def format(self, fmt: str | None = None) -> str:
        """The step as a teacher writes it: ``dL/da += dL/dc * dc/da = ...``."""
        fmt = fmt or self.fmt
        out, node, inp = (in_derivative(n) for n in self.names)
        return (
            f"d{out}/d{inp} += d{out}/d{node} * d{node}/d{inp} = "
            f"{self.upstream:{fmt}} * {self.local:{fmt}} = {self.contribution:{fmt}}   ({self.formula})"
        )

    def __str__(self) -> str:
        return self.format()


class Explanation:
    """The ordered chain-rule steps of ``root.backward()``.

    Iterate over it (or index it) for the ``Step`` records; ``print`` it for
    one line per step. ``gradients`` maps every Value of the graph to the
    gradient the steps add up to (the output's is the seed, 1.0 by default).
    """

    def __init__(
        self, root: Value, seed: float, steps: list[Step], names: dict[Value, str],
        gradients: dict[Value, float], order: list[Value], fmt: str,
    ) -> None:
        self.root = root
        self.seed = seed
        self.steps = steps
        self.names = names
        self.gradients = gradients
        self.order = order
        self.fmt = fmt

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __getitem__(self, i: int) -> Step:
        return self.steps[i]

    def grad(self, value: Value) -> float:
        """dL/d(value) as the steps compute it (0.0 for a Value outside the graph)."""
        return self.gradients.get(value, 0.0)

    def text(self, fmt: str | None = None, header: bool = False) -> str:
        """All steps, one per line; with ``header=True`` the starting line first."""
        fmt = fmt or self.fmt
        lines = [s.format(fmt) for s in self.steps]
        if header:
            lines.insert(0, self._start(fmt))
        return "\n".join(lines)

    def _start(self, fmt: str) -> str:
        out = in_derivative(self.names[self.root])
        return f"d{out}/d{out} = {self.seed:{fmt}}   (start: the output with respect to itself)"

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        out = self.names[self.root]
        return f"<Explanation of d{out}: {len(self.steps)} steps over {len(self.order)} nodes>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.text())

    def to_dict(self, fmt: str | None = None) -> dict:
        """A plain-data form (nodes, steps, numbers) for JSON, e.g. the HTML stepper."""
        fmt = fmt or self.fmt
        index = {v: i for i, v in enumerate(self.order)}
        return {
            "output": index[self.root],
            "seed": self.seed,
            "start": self._start(fmt),
            "nodes": [
                {
                    "name": self.names[v],
                    "op": v.op,
                    "data": v.data,
                    "grad": self.gradients.get(v, 0.0),
                    "inputs": [index[x] for x in v.inputs],
                    "formula": _formula(v, self.names),
                }
                for v in self.order
            ],
            "steps": [
                {
                    "node": index[s.node],
                    "input": index[s.input],
                    "position": s.position,
                    "local": s.local,
                    "upstream": s.upstream,
                    "contribution": s.contribution,
                    "total": s.total,
                    "text": s.format(fmt),
                }
                for s in self.steps
            ],
        }


def _formula(v: Value, names: dict[Value, str]) -> str:
    return f"{names[v]} = {expression(v, names)}" if v.inputs else names[v]


def explain(root: Value, grad: float = 1.0, fmt: str = ".4f") -> Explanation:
    """List the chain-rule steps ``root.backward(grad)`` applies, in its order.

    For every operation node ``c``, from the output back to the leaves (newest
    first), and for every input ``a`` of ``c`` in argument order, one ``Step``:
    ``dL/da += dL/dc * dc/da``. A Value used twice gets one step per use: the
    contributions add up, which is the multivariable chain rule.

    ``fmt`` is the number format of the text (a format spec such as ``".4f"``
    or ``".6g"``); the numbers in the ``Step`` records are exact floats.
    ``.grad`` is neither needed nor changed.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain(root): expected a Value, got {type(root).__name__}")
    number_format(fmt, "explain(fmt=...)")
    # The same numbers backward(grad) accepts: a string such as "2" is refused, not parsed.
    if not isinstance(grad, Real):
        raise TypeError(
            f"explain(grad=...): expected a real number, got {type(grad).__name__} ({grad!r:.60})"
        )
    seed = float(grad)
    order = topological_order(root)
    names = node_names(order, root)
    out = names[root]
    steps: list[Step] = []
    totals: dict[Value, float] = {}

    def record(node: Value, position: int, x: Value, upstream: float, local: float, contribution: float):
        # The chain rule calls this at every edge, just before it adds the contribution.
        totals[x] = totals.get(x, 0.0) + contribution
        who = (out, names[node], names[x])
        formula = _formula(node, names)
        steps.append(Step(node, x, position, local, upstream, contribution, totals[x], who, formula, fmt))

    gradients = chain_rule(root, seed, order=order, on_step=record)
    return Explanation(root, seed, steps, names, gradients, order, fmt)
