"""Names for the Values of a graph, shared by the printed and drawn lessons.

A teacher writes ``dL/da`` on the board, not ``dL/d<Value at 0x7f...>``. A
Value with a label is called by its label. The others get a name that is
stable (the same graph always gets the same names, because it follows the
creation order) and short:

- the output, if it has no label, is ``L`` (or ``out`` when ``L`` is taken,
  or the next ``L#k`` when both are);
- an unlabelled leaf is a constant that came from a plain number in the
  expression (``2 * x``), so it is called by its number, ``2``;
- an unlabelled intermediate result is ``t1``, ``t2``, ... in the order it
  was computed.

Two Values with the same label get ``#2``, ``#3``... after the label, so that
every name on the board points at one node.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .engine import Constant, op_named

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["node_names", "expression", "in_derivative", "op_symbol", "is_constant", "number_text"]



def is_constant(value: Value) -> bool:
    """True for a plain number that an operation lifted into the graph (``2 * x``)."""
    return isinstance(value, Constant) and not value.label


def node_names(order: Sequence[Value], root: Value | None = None) -> dict[Value, str]:
    """Give every Value of ``order`` (a topological order) a readable name."""
    labels = {v.label for v in order if v.label}
    seen: dict[str, int] = {}
    names: dict[Value, str] = {}
    counter = 0
    for v in order:
        if v.label:
            k = seen.get(v.label, 0) + 1
            seen[v.label] = k
            names[v] = v.label if k == 1 else f"{v.label}#{k}"
        elif v is root:
            # The root comes last in ``order``, so ``seen`` has counted every label by now.
            free = [n for n in ("L", "out") if n not in labels]
            names[v] = free[0] if free else f"L#{seen['L'] + 1}"
        elif not v.inputs:
            names[v] = _number(v.data)
        else:
            counter += 1
            while f"t{counter}" in labels:
                counter += 1
            names[v] = f"t{counter}"
    return names


def _number(x: float) -> str:
    text = f"{x:g}"
    return f"({text})" if text.startswith("-") else text


def expression(value: Value, names: dict[Value, str]) -> str:
    """The formula that computed ``value``, in terms of its inputs' names.

    ``"a * b"``, ``"tanh(n)"``, ``"x ** 2"``, ``"-y"``, ``"w0 + w1 + b"``.
    A leaf has no formula: its expression is its own name.
    """
    op, args = value.op, [names[x] for x in value.inputs]
    if not args:
        return names[value]
    operation = value.operation
    if operation is not None and operation.kind == "operator" and operation.arity == 2:
        return f"{args[0]} {op} {args[1]}"
    if op == "neg" and len(args) == 1:
        return f"-{args[0]}"
    if op.startswith("**") and len(args) == 1:
        return f"{args[0]} ** {op[2:]}"
    if op == "sum":
        return " + ".join(args)
    return f"{op}({', '.join(args)})"



def in_derivative(name: str) -> str:
    """``a`` stays ``a`` in ``dL/da``; ``2`` or ``layer.w.0`` read better as ``dL/d(2)``."""
    if name.isidentifier() or (name.startswith("(") and name.endswith(")")):
        return name
    return f"({name})"

def op_symbol(op: str) -> str:
    """The symbol drawn in an operation node: ``×`` for ``*``, ``^2`` for ``x ** 2``, ``^`` for ``x ** y``.

    It is the ``symbol`` of the operation's entry in the engine's table.
    """
    try:
        return op_named(op).symbol
    except KeyError:
        return op


def number_text(x: float, fmt: str | None = None) -> str:
    """A number as a person writes it on the board: ``24``, ``0.501``, ``-3``, ``1e-05``.

    By default up to 4 significant digits without padding zeros (Python's
    ``.4g``); with ``fmt`` a format spec of your own (``".4f"``). Either way
    zero is written ``0``, never ``-0``: the sign of a zero is a detail of
    floating point, not of the lesson.
    """
    if x == 0.0:
        x = 0.0
    return format(x, ".4g" if fmt is None else fmt)
