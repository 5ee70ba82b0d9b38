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

import html as _html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from string import Template
from typing import TYPE_CHECKING, NamedTuple

from ..engine import Constant, op_named
from . import markup
from .markup import has_markup

if TYPE_CHECKING:
    from ..engine import Value

__all__ = [
    "node_names", "expression", "in_derivative", "op_symbol", "is_constant", "number_text", "local_name",
    "enclosed", "ROUNDING", "noise_free", "Shown", "shown_numbers", "local_formula",
    "case_that_holds", "hover_text", "typeset", "latex_label", "is_word", "html_name",
    "operand",
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


def typeset(label: str) -> str:
    """A label as every text view writes it: ``w_{12}^{(1)}`` → ``w⁽¹⁾₁₂`` (see views/markup.py).

    The one place where a label's sub- and superscripts become text; a label
    without the markup is returned as it is.
    """
    return markup.unicode(label) if has_markup(label) else label


def latex_label(value: Value) -> str | None:
    """The TeX of a Value's label when it has sub- or superscripts, else None."""
    label = visible(value.label) if value.label else ""
    return markup.latex(label) if label and has_markup(label) else None


def html_name(value: Value, name: str, script_size: float | None = None) -> str | None:
    """The HTML of a Value's name when its label has sub- or superscripts (``w<sub>12</sub>…``), else None.

    ``name`` is the one node_names gave; a repeated label's ``#2`` follows the scripts.
    ``script_size``: the scripts' point size in Graphviz (see ``markup.html``).
    """
    label = visible(value.label) if value.label else ""
    if not label or not has_markup(label) or not name.startswith(typeset(label)):
        return None
    return markup.html(label, script_size) + _html.escape(name[len(typeset(label)):], quote=True)


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
            if has_markup(label):
                # The raw label decides uniqueness; people read it typeset.
                taken.add(name)
                shown = typeset(label) + name[len(label):]
                name = shown if shown not in taken and shown not in labels else name
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
    text = number_text(x, "g")
    return f"({text})" if text.startswith("−") else text


def expression(value: Value, names: dict[Value, str], latex: bool = False) -> str:
    """The formula that computed ``value``, in terms of its inputs' names.

    ``"a · b"``, ``"tanh(n)"``, ``"x²"``, ``"−y"``, ``"w0 + w1 + b"``, as on the board;
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
        return " + ".join(_negative_in_parentheses(a) for a in args)
    if operation.kind == "operator":
        # A negative number among operators is written in parentheses: 2 · (−3), x − (−1);
        # first in a sum or a product it needs none: −3 · x, −0.5 + x.
        args = [_negative_in_parentheses(a) for a in args]
        if operation.name in _LEADS and _negative_number(args[0]):
            args[0] = args[0][1:-1]
    else:
        # A function has parentheses of its own: tanh(−0.21), not tanh((−0.21)).
        args = [a[1:-1] if enclosed(a) else a for a in args]
    if latex and template.startswith("{$a}^") and "^" in args[0]:
        args[0] = f"({args[0]})"  # (a_1^{(2)})^2: a layer superscript and a power apart
    elif not latex and template.startswith("$a") and powered_at(template, 2):
        args[0] = operand(args[0], powered=True)
    return Template(template).substitute(a=args[0], b=args[-1])


def _negative_in_parentheses(text: str) -> str:
    return f"({text})" if text.startswith(("−", "-")) else text


# The operations whose first operand may be a negative number without parentheses.
_LEADS = frozenset(("+", "-", "*", "/", "sum"))
_NEGATIVE_NUMBER = re.compile(r"\([−-][\d.]+(e[+−-]?\d+)?\)")


def _negative_number(text: str) -> bool:
    """``(−0.21)``: a negative number in its parentheses."""
    return _NEGATIVE_NUMBER.fullmatch(text) is not None


def in_derivative(name: str) -> str:
    """``a`` stays ``a`` in ``∂L/∂a``; ``2`` or ``layer.w.0`` read better as ``∂L/∂(2)``."""
    if is_word(name) or (name.startswith("(") and name.endswith(")")):
        return name
    return f"({name})"


#: The Unicode sub- and superscript characters that typeset labels use.
SCRIPT_CHARS = markup.SUBSCRIPT_CHARS | markup.SUPERSCRIPT_CHARS


def is_word(name: str) -> bool:
    """``a``, ``w1`` or a typeset ``w⁽¹⁾₁₂``: one name that needs no parentheses."""
    base = "".join(c for c in name if c not in SCRIPT_CHARS)
    # Letters, digits and _ only: Python's identifiers also take a middle dot, as in w·x.
    return base.isidentifier() and all(c.isalnum() or c == "_" for c in base)

def op_symbol(op: str) -> str:
    """The symbol drawn in an operation node: ``×`` for ``*``, ``^2`` for x², ``^−1`` for x⁻¹, ``^`` for xʸ.

    It is the ``symbol`` of the operation's entry in the engine's table.
    """
    try:
        return op_named(op).symbol
    except KeyError:
        return op


def number_text(x: float, fmt: str | None = None) -> str:
    """A number as a person writes it on the board: ``24``, ``0.501``, ``−3``, ``1e−05``.

    By default up to 4 significant digits without padding zeros (Python's
    ``.4g``); with ``fmt`` a format spec of your own (``".4f"``). Either way
    a minus is the true minus sign ``−`` (U+2212), as in the formulas, and
    zero is written ``0``, never ``−0``: the sign of a zero is a detail of
    floating point, not of the lesson. For a result that is zero up to
    rounding, clean the number with ``noise_free`` (or ``shown_numbers``) first.
    """
    if x == 0.0:
        x = 0.0
    text = format(x, ".4g" if fmt is None else fmt)
    # A format that rounds a tiny negative number to zero (".2f" of -0.001) writes "-0.00".
    if text.startswith("-") and not any(ch in "123456789" for ch in text.split("e")[0]):
        text = text[1:]
    return text.replace("-", "−")


# ----------------------------------------------------------------------
# Rounding noise: 0.5 − 0.6 + 0.1 is 2.776e−17 in floating point, and 0 on the board.

#: A result is zero up to rounding when its magnitude is at most this times
#: the largest magnitude among the numbers it was computed from.
ROUNDING = 1e-12


def noise_free(x: float, sources: Iterable[float] = ()) -> float:
    """``x`` as a person reads it: 0.0 when it is zero up to rounding, and never −0.0.

    ``sources`` are the numbers ``x`` was computed from (an operation's
    inputs, the contributions a gradient adds up). When ``|x|`` is at most
    ``ROUNDING`` (1e-12) times the largest of their magnitudes, ``x`` is the
    rounding error of a result that is 0, and 0.0 is returned: ``0.5 − 0.6 +
    0.1`` gives 2.776e−17 from 0.1 and −0.09999999999999998, and reads 0.
    A number computed from nothing (a leaf) is kept as it is. Only what is
    shown changes: ``.data`` and ``.grad`` keep the exact float, and the views
    show it on hover (``hover_text``).
    """
    if x == 0.0 or x != x:
        return 0.0 if x == 0.0 else x
    scale = 0.0
    for s in sources:
        if s is not None and abs(s) > scale:
            scale = abs(s)
    if scale != float("inf") and abs(x) <= ROUNDING * scale:
        return 0.0
    return x


class Shown(NamedTuple):
    """A Value's numbers as every view shows them (``shown_numbers``).

    ``data`` and ``grad`` are what to write (rounding noise made 0.0; None
    when not known, drawn ``?``); ``exact_data`` and ``exact_grad`` are the
    floats themselves, for a tooltip.
    """

    data: float | None
    grad: float | None
    exact_data: float | None
    exact_grad: float | None


def shown_numbers(
    order: Sequence[Value],
    grads: Mapping[Value, float] | None = None,
    values: Mapping[Value, float] | None = None,
) -> dict[Value, Shown]:
    """The data and gradient of every Value of ``order`` (a topological order) as a view shows them.

    This is the one rule of every view (explain, draw, frames, the stepper,
    the command line): a number is written as ``noise_free`` makes it, so
    that a result that is zero up to rounding reads 0.

    - data: read from ``values`` (a Value missing from it is None: not
      computed yet) or else ``.data``; computed from the data of its inputs
      (an input shown as 0 counts with the size of the numbers it came from);
    - gradient: read from ``grads`` (None when missing) or else ``.grad``;
      computed from its contributions, ∂L/∂u · ∂u/∂v for each use u of v
      (with the gradients of the uses that are known).

    Pass ``number_text`` the returned ``data``/``grad``; show the ``exact_``
    ones on hover (``hover_text``).
    """
    def data_of(v: Value) -> float | None:
        return v.data if values is None else values.get(v)

    def grad_of(v: Value) -> float | None:
        return v.grad if grads is None else grads.get(v)

    contributions: dict[Value, list[float]] = {}
    for v in order:
        if not v.inputs:
            continue
        g = grad_of(v)
        if g is None or g == 0.0:
            continue
        for x, local in zip(v.inputs, v.local_grads()):
            contributions.setdefault(x, []).append(g * local)
    shown: dict[Value, Shown] = {}
    # The size of the numbers behind each value: its own magnitude, or for a
    # value shown as 0 the size it was judged by, so that a sum of two noises
    # (z·a + sin(2a)·z with z = 0.5 − 0.6 + 0.1) is noise too.
    scale: dict[Value, float] = {}
    for v in order:
        d, g = data_of(v), grad_of(v)
        sources = [scale.get(x, 0.0) for x in v.inputs]
        clean_d = None if d is None else noise_free(d, sources)
        if d is not None:
            scale[v] = max(sources, default=0.0) if clean_d == 0.0 and d != 0.0 else abs(d)
        clean_g = None if g is None else noise_free(g, contributions.get(v, ()))
        shown[v] = Shown(clean_d, clean_g, d, g)
    return shown


def hover_text(name: str, numbers: Shown) -> str:
    """The tooltip of a Value: its exact floats, said to be 0 up to rounding where they are shown as 0."""
    parts = []
    pairs = (("data", numbers.data, numbers.exact_data), ("grad", numbers.grad, numbers.exact_grad))
    for word, clean, exact in pairs:
        if exact is None:
            continue
        text = f"{word} = {exact!r}"
        if clean == 0.0 and exact != 0.0:
            text += " (0 up to rounding)"
        parts.append(text)
    return f"{name}: " + ", ".join(parts) if parts else name


# ----------------------------------------------------------------------
# Formulas as on the board

_CASE = re.compile(r"\s*(.+?) when ([A-Za-z_]\w*) (>|<|≥|≤|=|≠) (\S+)\s*")
_TESTS = {
    ">": lambda x, y: x > y, "<": lambda x, y: x < y, "≥": lambda x, y: x >= y, "≤": lambda x, y: x <= y,
    "=": lambda x, y: x == y, "≠": lambda x, y: x != y,
}


def case_that_holds(
    formula: str, operands: Mapping[str, float], names: Mapping[str, str],
    number: Callable[[float], str] = number_text,
) -> str | None:
    """The case of a formula by cases that holds at these numbers, with its reason; None if not by cases.

    The table writes relu's slope as ``"1 when a > 0; 0 when a ≤ 0"``; at
    ``a = n = 0.5`` this gives ``"1, since n = 0.5 > 0"``, the case a teacher
    writes on the board. The conditions are the table's own text (an operand,
    a comparison, a number), read here, never evaluated as code.
    """
    if " when " not in formula:
        return None
    for case in formula.split(";"):
        match = _CASE.fullmatch(case)
        if match is None:
            raise ValueError(
                f"formula by cases: cannot read {case!r} (expected 'VALUE when OPERAND > NUMBER')"
            )
        value, operand, test, bound = match.groups()
        x = operands[operand]
        if _TESTS[test](x, float(bound.replace("−", "-"))):
            return f"{value}, since {names.get(operand, operand)} = {number(x)} {test} {bound}"
    return None


def local_formula(
    node: Value, position: int, names: Mapping[Value, str], wrap: Callable[[str], str] | None = None,
    number: Callable[[float], str] = number_text,
) -> str:
    """The table's formula of ∂node/∂(input ``position``), in the graph's names.

    ``x1`` for ∂(x1·w1)/∂w1, ``1 − o²`` for tanh, and for a formula by cases
    the case that holds (``1, since n = 0.5 > 0``). ``wrap`` writes a name as
    an operand (by default: a name that is not one word, a number or one
    pair of parentheses gets parentheses).
    """
    op = node.operation
    if op is None or not op.formulas:
        return "1"  # sum: every ∂out/∂xi is 1
    wrap = wrap or operand
    operands = {"out": node}
    if op.arity in (1, 2):
        operands.update(zip("ab", node.inputs))
    formula = op.formulas[position]
    case = case_that_holds(formula, {k: v.data for k, v in operands.items()},
                           {k: names[v] for k, v in operands.items()}, number)
    if case is not None:
        return case
    def written(m: re.Match) -> str:
        v = operands.get(m.group(0))
        if v is None:
            return m.group(0)
        if wrap is operand:
            return operand(names[v], powered=powered_at(formula, m.end()))
        return wrap(names[v])

    return _IDENTIFIER.sub(written, formula)


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")


_UNSIGNED_NUMBER = re.compile(r"\d+(\.\d+)?(e[+−-]?\d+)?")


def operand(text: str, powered: bool = False) -> str:
    """``text`` as an operand of a formula, in brackets unless it is one name, a number or one bracket.

    A name is an atom whatever its scripts: ``a⁽²⁾₁·(1 − a⁽²⁾₁)`` as the
    board writes it, never ``(a⁽²⁾₁)``; so is a name made unique with ``#k``
    (``a#2``). A negative number, a sum, a product or a dotted label gets
    brackets: ``(−3)``, ``(w1·x1)``, ``(layer.w.0)``. ``powered``: the operand
    is raised to a power, and a name that already carries a superscript gets
    brackets too, as the lecture writes ``1 − (a⁽¹⁾₁)²``, so that its
    ``(1)`` and the power are not read as one exponent.
    """
    word = is_word(re.sub(r"#\d+$", "", text))
    if word and powered and any(c in markup.SUPERSCRIPT_CHARS for c in text):
        return f"({text})"
    if word or _UNSIGNED_NUMBER.fullmatch(text) or enclosed(text):
        return text
    return f"({text})"


# What follows an operand raised to a power: a superscript number (x², b⁻¹) or ^ (x^0.5).
_POWER_MARKS = frozenset("⁰¹²³⁴⁵⁶⁷⁸⁹⁻^")


def powered_at(formula: str, end: int) -> bool:
    """True when what ends at ``end`` in ``formula`` is raised to a power (``out²``, ``b^(−1)``)."""
    return formula[end:end + 1] in _POWER_MARKS


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


# How tightly each kind of operation binds, for writing a whole expression on
# one line with only the parentheses it needs: a sum 1, a product 2, a power 4,
# a function call or a name 5. A negation binds as a sum when it is an operand
# (a · (−b)); its own operand needs a power or tighter: −x², −(a · b).
_BINDS = {"+": 1, "-": 1, "sum": 1, "neg": 1, "*": 2, "/": 2, "**": 4}


def _binds(v: Value, inline: Callable[[Value], bool]) -> int:
    if not inline(v):
        return 5
    if v.op == "identity":
        return _binds(v.inputs[0], inline)
    return _BINDS.get(v.op, 4 if v.op.startswith("**") else 5)


def whole_expression(root: Value, names: Mapping[Value, str]) -> str:
    """The formula of ``root`` on one line, every unlabelled result written out: ``tanh(w1 · x1 + b)``.

    Labelled Values and leaves are written by name. Powers are superscripts,
    products ``·``, a minus sign ``−``, with the parentheses the order of
    operations needs and no more (the command line prints ``f = x² − 3·x``
    as ``f = x² − 3 · x``, whatever the spacing typed).
    """
    def inline(v: Value) -> bool:
        return bool(v.inputs) and not v.label and v is not root or v is root and bool(v.inputs)

    texts: dict[Value, str] = {}
    # An explicit stack: a deep expression is no harder than a short one.
    stack = [root]
    while stack:
        v = stack[-1]
        if v in texts:
            stack.pop()
            continue
        if not inline(v):
            texts[v] = names[v]
            stack.pop()
            continue
        waiting = [x for x in v.inputs if x not in texts]
        if waiting:
            stack.extend(waiting)
            continue
        stack.pop()
        texts[v] = _write(v, texts, inline)
    return texts[root]


def _write(v: Value, texts: dict[Value, str], inline: Callable[[Value], bool]) -> str:
    op = v.operation
    own = _binds(v, inline)
    args = []
    for position, x in enumerate(v.inputs):
        text = texts[x]
        if position == 0 and op.name in _LEADS and _negative_number(text):
            args.append(text[1:-1])  # −0.21 · y; the whole then starts with a minus (see _binds)
            continue
        need = own
        if op.kind != "operator" or op.name == "identity":
            need = 0  # inside a function's own parentheses
        elif op.name == "neg":
            need = 4
        elif op.name in ("-", "/") and position == 1:
            need = own + 1  # a − (b − c), a / (b · c)
        elif op.name == "**" or op.name.startswith("**"):
            need = 5  # (a + b)², (−x)²
        binds = _binds(x, inline)
        if text.startswith("−"):
            # Written with a leading minus, it binds as a negation, and never follows
            # another sign: x + (−y), x + (−0.21 · y), (−0.21 · y) · x.
            binds = 0 if position > 0 and op.kind == "operator" else min(binds, 1)
        args.append(f"({text})" if binds < need and not enclosed(text) else text)
    if op.text is None:  # sum
        return " + ".join(args)
    return Template(op.text).substitute(a=args[0], b=args[-1])
