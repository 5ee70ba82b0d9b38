"""Names for the Values of a graph, shared by the printed and drawn lessons.

A teacher writes ``dL/da`` on the board, not ``dL/d<Value at 0x7f...>``. A
Value with a label is called by its label. The others get a name that is
stable (the same graph always gets the same names, because it follows the
creation order) and short:

- the output, if it has no label, is ``L`` (or ``out`` when ``L`` is taken,
  or the next ``L#k`` when both are);
- a constant, a plain number that an operation lifted into the graph
  (``2 * x``), is written as itself, ``2``: it gets no step and no gradient,
  so two constants 2 may share the name;
- any other unlabelled leaf is a variable: ``x1``, ``x2``, ...;
- an unlabelled intermediate result is ``t1``, ``t2``, ... in the order it
  was computed.

Two Values with the same label get ``#2``, ``#3``... after the label, so that
every name a gradient is written for points at one node. A control character
in a label (a NUL, a newline) is written as its escape, ``a\\nb``, in every view.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from string import Template
from typing import TYPE_CHECKING

from ..engine import Constant, op_named

if TYPE_CHECKING:
    from ..engine import Value

__all__ = [
    "node_names", "expression", "in_derivative", "op_symbol", "is_constant", "number_text", "local_name",
    "enclosed",
]



def is_constant(value: Value) -> bool:
    """True for a plain number that an operation lifted into the graph (``2 * x``)."""
    return isinstance(value, Constant) and not value.label


# The control characters (C0, DEL, C1), lone surrogates, and the line and paragraph separators.
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")


def visible(text: str) -> str:
    """``text`` with each control character written as its escape: ``a\\x00b``, ``a\\nb``.

    A label may hold any character; a NUL breaks dot, a blank line LaTeX, a
    newline a Markdown table or a line of explain's text. Written as its
    escape, the character is still seen, and each view stays well formed.
    """
    return _INVISIBLE.sub(lambda m: repr(m.group())[1:-1], text)


def node_names(order: Sequence[Value], root: Value | None = None) -> dict[Value, str]:
    """Give every Value of ``order`` (a topological order) a readable name, no two alike.

    A label is kept as it is the first time it is met; a later Value with the
    same label gets the first of ``label#2``, ``label#3``... that is neither a
    label of the graph nor a name already given, so that labels ``a``, ``a``
    and ``a#2`` become ``a``, ``a#3`` and ``a#2``. The names made up here
    (``L``, ``out``, ``t1``, ``x1``) avoid every label of the graph and each
    other the same way. Constants are written as their number: equal numbers
    share it, as they would on the board.
    """
    labels = {visible(v.label) for v in order if v.label}
    taken: set[str] = set()
    names: dict[Value, str] = {}
    counters = {"t": 0, "x": 0}

    def numbered(prefix: str) -> str:
        k = counters[prefix] + 1
        while f"{prefix}{k}" in labels or f"{prefix}{k}" in taken:
            k += 1
        counters[prefix] = k
        return f"{prefix}{k}"

    def fresh(base: str) -> str:
        # ``base`` itself if free, else the first free ``base#k``; a label is
        # never free for a made-up name, so a user's label always keeps its text.
        if base not in taken and base not in labels:
            return base
        k = 2
        while f"{base}#{k}" in taken or f"{base}#{k}" in labels:
            k += 1
        return f"{base}#{k}"

    for v in order:
        if v.label:
            label = visible(v.label)
            name = label if label not in taken else fresh(label)
        elif v is root:
            free = [n for n in ("L", "out") if n not in labels and n not in taken]
            name = free[0] if free else fresh("L")
        elif is_constant(v):
            number = _number(v.data)
            name = number if number not in labels else fresh(number)
        elif not v.inputs:
            name = numbered("x")
        else:
            name = numbered("t")
        taken.add(name)
        names[v] = name
    return names


def _number(x: float) -> str:
    text = f"{x:g}"
    return f"({text})" if text.startswith("-") else text


def expression(value: Value, names: dict[Value, str], latex: bool = False) -> str:
    """The formula that computed ``value``, in terms of its inputs' names.

    ``"a * b"``, ``"tanh(n)"``, ``"x ** 2"``, ``"-y"``, ``"w0 + w1 + b"``;
    with ``latex=True`` as the table writes it in LaTeX (``\\frac{a}{b}``),
    for names that are LaTeX already. A leaf has no formula: its expression
    is its own name.
    """
    args = [names[x] for x in value.inputs]
    operation = value.operation
    if not args or operation is None:
        return names[value]
    template = operation.latex if latex else operation.text
    if template is None:  # sum, of any number of inputs
        return " + ".join(args)
    return Template(template).substitute(a=args[0], b=args[-1])


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


def local_name(node: Value, x: Value, root: Value, names: dict[Value, str]) -> str:
    """``∂p/∂w1``; at the output's own operation ``∂(x1 * w1)/∂w1``, since ``∂L/∂w1`` is the gradient."""
    inp = in_derivative(names[x])
    if node is not root:
        return f"∂{in_derivative(names[node])}/∂{inp}"
    inputs = node.inputs
    if node.op == "sum" and len(inputs) > 4:
        what = f"{names[inputs[0]]} + … + {names[inputs[-1]]}"
    else:
        what = expression(node, names)
    if not re.fullmatch(r"[A-Za-z_]\w*\(.*\)", what) or not enclosed(what[what.index("("):]):
        what = f"({what})"
    return f"∂{what}/∂{inp}"


def enclosed(text: str) -> bool:
    """True when the whole text is one pair of parentheses: ``(-3)``, not ``(a)·(b)``."""
    if not (text.startswith("(") and text.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(text) - 1:
            return False
    return True
