"""Backward, one chain-rule step at a time, written as a teacher writes it.

Two kinds of derivative meet in every step, and they are kept apart:

- the *gradient* ``∂L/∂v``: how the output L changes with the Value v, in
  total, summed over every path from v to L. ``backward()`` computes it;
- the *local derivative* ``∂c/∂a``: how the output c of one operation
  changes with one of its inputs a, that operation alone. The table of
  operations knows it as a formula (``∂(a·b)/∂b = a``).

``backward()`` visits the operations from the output back to the leaves. When
it reaches an operation ``c``, the gradient ``∂L/∂c`` is complete, and for
each input ``a`` of ``c`` the chain rule adds one *contribution*::

    ∂L/∂c · ∂c/∂a
    upstream  local

to the gradient ∂L/∂a.

``explain(L)`` lists exactly those steps, in exactly the order ``backward()``
applies them, with its numbers; each local derivative is written first as
the formula, in the graph's own names, then as a number::

    >>> from autograd import Value, explain
    >>> x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    >>> p = x1 * w1; p.label = "p"
    >>> o = p * 0.5; o.label = "o"
    >>> print(explain(o))
    ∂o/∂p = ∂o/∂o · ∂(p · 0.5)/∂p = 1 · 0.5 = 0.5   (o = p · 0.5)
    ∂o/∂x1 = ∂o/∂p · ∂p/∂x1 = 0.5 · w1 = 0.5 · (−3) = −1.5   (p = x1 · w1)
    ∂o/∂w1 = ∂o/∂p · ∂p/∂w1 = 0.5 · x1 = 0.5 · 2 = 1   (p = x1 · w1)

At the output's own operation the local derivative is written with the
operation, ``∂(p · 0.5)/∂p``, because ``∂o/∂p`` already means the gradient.
When a Value receives several contributions (it is used more than once),
each is a line of its own that says which path it comes along (``via y:
∂f/∂y · ∂y/∂s = 6 · r = 6 · 2 = 12``), and a line after the last one adds
them up: ``∂f/∂s = 12 + 12 = 24``. Those sums are, bit for bit, the numbers
``backward()`` stores in ``.grad``.

The notation is the blackboard's: a true minus sign, powers as superscripts
(``t4²``), relu's slope as the case that holds (``1, since n = 0.5 > 0``),
and a number that is zero up to rounding written 0 (``naming.noise_free``;
the ``Step`` records keep the exact floats).

Constants, the plain numbers an operation lifted into the graph (the 0.5
above), get no step: nobody asks how L changes with 0.5. They are written as
themselves. ``explain`` reads and writes no ``.grad``: it keeps its own table.

Where relu or abs is evaluated exactly at its kink (input 0) the derivative
does not exist; ``backward()`` uses the subgradient 0, as PyTorch does, and
the step says so.

``explain(L).to_latex()`` and ``explain(L).to_markdown()`` give the same
steps for lecture notes and slides.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from numbers import Real
from typing import Any

from ..checks import number_format
from ..engine import Value, chain_rule, topological_order
from . import latex_lines
from .markup import latex as markup_latex
from .naming import (
    case_that_holds,
    expression,
    in_derivative,
    is_constant,
    latex_label,
    local_formula,
    local_name,
    node_names,
    noise_free,
    number_text,
    operand,
    shown_numbers,
    visible,
)
from .naming import typeset as typeset_label

__all__ = ["Step", "Explanation", "explain"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_OPERANDS = ("a", "b", "out")
# Past this width (pt) the output's own sum is written t₁ + ⋯ + tₙ in a local derivative's numerator.
_LONGEST_NUMERATOR = 100.0  # the names the table's formulas are written in


@dataclass(frozen=True)
class Step:
    """One application of the chain rule, on the edge ``input -> node``.

    Attributes:
        node: the Value whose gradient is being passed back (``c``).
        input: the input of ``node`` that receives a contribution (``a``).
        position: which argument of the operation ``input`` is (0, 1, ...).
        local: the local derivative ∂c/∂a as a number, from ``node.local_grads()``.
        upstream: the gradient ∂L/∂c, complete by the time this step runs.
        contribution: ``upstream * local``, added to ∂L/∂a.
        total: ∂L/∂a after this step (the running sum of its contributions).
        names: (output, node, input) names, as written in the text.
        formula: how ``node`` was computed, e.g. ``"c = a * b"``.
        fmt: the number format of the text; None writes numbers as a person
            does (up to 4 significant digits, no padding zeros).
        local_formula: the local derivative as a formula in the graph's names
            (``"x1"`` for ∂(x1·w1)/∂w1, ``"1 − o²"`` for tanh).
        local_name: how the local derivative is written: ``"∂p/∂w1"``, or
            ``"∂(x1 · w1)/∂w1"`` when ``node`` is the output itself.
        subgradient: when the operation was evaluated at its kink, the
            sentence saying which subgradient was chosen; else ``""``.
        sum_of: when this step completes a Value that receives several
            contributions, all of them in order (they add up to ``total``);
            else ``()``.
        via: for a Value that receives several contributions, the path this
            one comes along: the name of ``node`` (``"y"``), with the operand
            when ``node`` uses the Value twice (``"t1, 1st operand"``); else ``""``.
        shown: (upstream, local, contribution, total) as written: rounding
            noise made 0 (see ``naming.noise_free``); None: the exact numbers.
        shown_sum: ``sum_of`` as written.
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
    fmt: str | None = None
    local_formula: str = ""
    local_name: str = ""
    subgradient: str = ""
    sum_of: tuple[float, ...] = ()
    via: str = ""
    shown: tuple[float, float, float, float] | None = None
    shown_sum: tuple[float, ...] = ()

    def _shown(self) -> tuple[float, float, float, float]:
        return self.shown or (self.upstream, self.local, self.contribution, self.total)

    def rule(self) -> str:
        """The chain rule of the step, without numbers.

        ``∂o/∂w1 = ∂o/∂p · ∂p/∂w1``; for one of several contributions the
        path it comes along, ``via y: ∂f/∂y · ∂y/∂s``.
        """
        out, node, inp = (in_derivative(n) for n in self.names)
        chain = f"∂{out}/∂{node} · {self.local_name or f'∂{node}/∂{inp}'}"
        return f"via {self.via}: {chain}" if self.via else f"∂{out}/∂{inp} = {chain}"

    def format(self, fmt: str | None = None) -> str:
        """The step as a teacher writes it.

        ``∂o/∂w1 = ∂o/∂p · ∂p/∂w1 = 0.5 · x1 = 0.5 · 2 = 1   (p = x1 · w1)``,
        or for one of several contributions
        ``via y: ∂f/∂y · ∂y/∂s = 6 · r = 6 · 2 = 12   (y = r · s)``.
        """
        number = _numbers(fmt or self.fmt)
        upstream_x, local_x, contribution_x, _ = self._shown()
        upstream = _factor(number(upstream_x))
        local = number(local_x)
        text = f"{self.rule()} = "
        if self.local_formula and not _same_number(self.local_formula, local_x, local):
            text += f"{upstream} · {_group(self.local_formula)} = "
        text += f"{upstream} · {_factor(local)} = {number(contribution_x)}   ({self.formula}"
        if self.subgradient:
            text += f"; {self.subgradient}"
        return text + ")"

    def sum_text(self, fmt: str | None = None) -> str:
        """``∂f/∂s = 12 + 12 = 24`` when this step completes a sum of contributions, else ``""``."""
        if not self.sum_of:
            return ""
        number = _numbers(fmt or self.fmt)
        out, inp = in_derivative(self.names[0]), in_derivative(self.names[2])
        terms = self.shown_sum or self.sum_of
        return f"∂{out}/∂{inp} = {_sum(terms, number)} = {number(self._shown()[3])}"

    def __str__(self) -> str:
        return self.format()


class Explanation:
    """The ordered chain-rule steps of ``root.backward()``, ready to print.

    Iterate over it (or index it) for the ``Step`` records; ``print`` it for
    one line per step, and after the last contribution to a Value used more
    than once, the line that adds its contributions up. ``to_latex()`` and
    ``to_markdown()`` give the same lesson for notes and slides.

    ``steps`` are the steps shown: every edge of the graph except those into
    constants (unlabelled leaves, the plain numbers lifted into the graph).
    ``backward()`` computes those edges too, but nothing depends on them: the
    contributions of ``steps`` add up, bit for bit, to backward's gradient of
    every Value that is not a constant.

    ``gradients`` maps every Value of the graph, constants included, to the
    gradient ``chain_rule`` computed, which is what ``backward()`` adds to
    ``.grad`` (the output's is the seed, 1.0 by default).
    """

    def __init__(
        self, root: Value, seed: float, steps: list[Step], names: dict[Value, str],
        gradients: dict[Value, float], order: list[Value], fmt: str | None,
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
        """∂L/∂(value) as the chain rule computes it (0.0 for a Value outside the graph)."""
        return self.gradients.get(value, 0.0)

    def text(self, fmt: str | None = None, header: bool = False) -> str:
        """All steps, one per line, each completed sum on the line after its last step.

        With ``header=True`` the starting line ``∂L/∂L = 1`` comes first.
        """
        fmt = fmt or self.fmt
        lines = [self._start(fmt)] if header else []
        for s in self.steps:
            lines.append(s.format(fmt))
            if s.sum_of:
                lines.append(s.sum_text(fmt))
        return "\n".join(lines)

    def _start(self, fmt: str | None) -> str:
        out = in_derivative(self.names[self.root])
        return f"∂{out}/∂{out} = {_numbers(fmt)(self.seed)}   (start: the output with respect to itself)"

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        out = in_derivative(self.names[self.root])
        return f"<Explanation of ∂{out}: {len(self.steps)} steps over {len(self.order)} nodes>"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(self.text())

    def to_dict(self, fmt: str | None = None) -> dict:
        """A plain-data form (nodes, steps, numbers) for JSON, e.g. the HTML stepper.

        ``nodes`` are all the Values of the graph in topological order (a
        constant has ``"constant": True``); ``steps`` are the shown steps, each
        with its one-line ``text`` and, when it completes a sum, the line
        ``sum`` (else ``""``).
        """
        fmt = fmt or self.fmt
        index = {v: i for i, v in enumerate(self.order)}
        shown = shown_numbers(self.order, self.gradients)
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
                    # as every view writes them: rounding noise is 0 (naming.shown_numbers)
                    "shown_data": shown[v].data,
                    "shown_grad": shown[v].grad,
                    "inputs": [index[x] for x in v.inputs],
                    "formula": _formula(v, self.names),
                    "constant": is_constant(v) and v is not self.root,
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
                    "local_formula": s.local_formula,
                    "subgradient": s.subgradient,
                    "sum": s.sum_text(fmt),
                    "via": s.via,
                }
                for s in self.steps
            ],
        }

    # ------------------------------------------------------------------
    # for notes and slides

    def to_latex(self, fmt: str | None = None, header: bool = True) -> str:
        r"""The steps as a LaTeX ``align*`` block (it needs ``\usepackage{amsmath}``).

        Each step is a row aligned at ``=``, with the operation it passes
        through as the row's tag on the right, ``(p = x_1 \cdot w_1)``; a
        contribution of several starts ``\text{via } y``; each completed sum
        has a row of its own; with ``header=True`` (the default) the starting
        row ``∂L/∂L = 1`` comes first. Labels become symbols: ``w1`` is
        ``w_1``, ``w_{12}^{(1)}`` is set as TeX, ``xy`` is the word *xy*, and
        any other character of a label is escaped, so that the block compiles
        as it is.

        It fits the text width of a default ``article`` (345 pt) and breaks
        across pages. TeX cannot break a row of ``align*`` itself, so a step
        too wide for one line goes on after an ``=`` on the next line, and a
        product or sum too wide for a line of its own is broken before a
        ``·``, a ``+`` or a ``−``. Between two steps, ``\displaybreak[0]``
        lets a page end (a step and its continued lines stay together).
        """
        fmt = fmt or self.fmt
        number = _numbers(fmt)
        lnames = {v: _latex_name(v, self.names[v]) for v in self.order}
        out = lnames[self.root]
        # Each step as (left column, the pieces of its right column, its operation, more rows);
        # a completed sum is set with the step it completes.
        steps: list[list[tuple[str, list[str], str, list[str]]]] = []
        if header:
            steps.append([(_frac(out, out), [f"= {_latex_number(number(self.seed))}"], r"\text{start}", [])])
        for s in self.steps:
            steps.append([self._latex_step(s, lnames, number)])
            if s.sum_of:
                terms = _sum(s.shown_sum or s.sum_of, lambda x: _latex_number(number(x)), latex=True)
                total = _latex_number(number(s._shown()[3]))
                steps[-1].append((_frac(out, lnames[s.input]), [f"= {terms}", f" = {total}"], "", []))
        if not steps:
            return "\\begin{align*}\n\\end{align*}"
        # align* right-aligns the left column: every row has the widest left part before its right one.
        left = max(latex_lines.width(part[0]) for step in steps for part in step)
        room = latex_lines.ROW_WIDTH - left
        parts = [[_LatexPart.fill(*part, room) for part in step] for step in steps]
        # align* centres the block, and a tag is set flush right: it stays on its row when it fits
        # between the row's end and the margin.
        block = left + max(part.width() for step in parts for part in step)
        tag_room = latex_lines.TEXT_WIDTH - (latex_lines.TEXT_WIDTH - block) / 2 - left - _TAG_SEPARATION
        rows = [" \\\\\n".join(row for part in step for row in part.rows(tag_room)) for step in parts]
        return "\\begin{align*}\n" + " \\displaybreak[0] \\\\\n".join(rows) + "\n\\end{align*}"

    def _latex_step(
        self, s: Step, lnames: dict[Value, str], number: Callable[[float], str]
    ) -> tuple[str, list[str], str, list[str]]:
        """One step in LaTeX: its left column, the pieces of its right one, its operation, more rows."""
        out, node, inp = lnames[self.root], lnames[s.node], lnames[s.input]
        upstream_x, local_x, contribution_x, _ = s._shown()
        upstream = _latex_factor(number(upstream_x))
        local = number(local_x)
        local_top = node
        if s.node is self.root:
            # ∂L/∂a is the gradient: the output's own local derivative is written with its operation.
            local_top = expression(s.node, lnames, latex=True)
            terms = latex_lines.top_level_terms(local_top, (" + ",))
            if len(terms) > 3 and latex_lines.width(local_top) > _LONGEST_NUMERATOR:
                # A long sum, in full in the operation's tag, is shortened here as on the board.
                local_top = f"{terms[0]} + \\cdots{terms[-1]}"
            if len(s.node.inputs) != 1 or s.node.op == "neg" or s.node.op.startswith("**"):
                local_top = f"({local_top})"
        chain = f"{_frac(out, node)} \\cdot {_frac(local_top, inp)}"
        if s.via:
            # The chain starts where the other rows' chains start, after their "= ".
            left = f"\\text{{via }} {_latex_via(s, lnames)}\\colon"
            pieces = [f"\\hphantom{{{{}}={{}}}} {chain}"]
        else:
            left, pieces = _frac(out, inp), [f"= {chain}"]
        if s.local_formula and not _same_number(s.local_formula, local_x, local):
            latex = _latex_local(s, lnames, number)
            if _group(s.local_formula) != s.local_formula:
                latex = f"\\left({latex}\\right)"
            pieces.append(f" = {upstream} \\cdot {latex}")
        pieces.append(f" = {upstream} \\cdot {_latex_factor(local)}")
        pieces.append(f" = {_latex_number(number(contribution_x))}")
        where = f"{node} = {expression(s.node, lnames, latex=True)}"
        return left, pieces, where, _latex_subgradient(s, lnames) if s.subgradient else []

    def to_markdown(self, fmt: str | None = None) -> str:
        """The steps as a Markdown table (GitHub style), one row per step.

        Columns: the step number, the chain rule of the step, the local
        derivative as formula and number, the contribution, the gradient of
        the input so far (the sum written out where a Value's last
        contribution arrives) and the operation. Row 0 is the start, ∂L/∂L.
        A contribution of several to one Value says the path it comes along
        (``via y: ∂f/∂y · ∂y/∂s``).
        """
        fmt = fmt or self.fmt
        number = _numbers(fmt)
        out = in_derivative(self.names[self.root])
        head = ("#", "chain rule", "local derivative", "contribution", "gradient so far", "operation")
        rows = [head, ("---",) * len(head)]
        seed = number(self.seed)
        rows.append(("0", f"∂{out}/∂{out} = {seed}", "", "", f"∂{out}/∂{out} = {seed}", "start"))
        for i, s in enumerate(self.steps, 1):
            inp = in_derivative(s.names[2])
            _, local_x, contribution_x, total_x = s._shown()
            local = number(local_x)
            local_cell = local
            if s.local_formula and not _same_number(s.local_formula, local_x, local):
                local_cell = f"{s.local_formula} = {local}"
            total = f"∂{out}/∂{inp} = "
            if s.sum_of:
                total += f"{_sum(s.shown_sum or s.sum_of, number)} = {number(total_x)}"
            else:
                total += number(total_x) + (" so far" if s.via else "")
            operation = s.formula + (f"; {s.subgradient}" if s.subgradient else "")
            rows.append((str(i), s.rule(), local_cell, number(contribution_x), total, operation))
        return "\n".join("| " + " | ".join(_markdown(cell) for cell in row) + " |" for row in rows)


def _formula(v: Value, names: dict[Value, str]) -> str:
    return f"{names[v]} = {expression(v, names)}" if v.inputs else names[v]


def explain(root: Value, grad: float = 1.0, fmt: str | None = None) -> Explanation:
    """List the chain-rule steps ``root.backward(grad)`` applies, in its order.

    For every operation node ``c``, from the output back to the leaves (newest
    first), and for every input ``a`` of ``c`` in argument order, one ``Step``:
    ``∂L/∂a = ∂L/∂c · ∂c/∂a``. A Value used twice gets one step per use,
    each written with the path it comes along (``via y: ∂f/∂y · ∂y/∂s``): the
    contributions add up, which is the multivariable chain rule, and the text
    writes the sum out after the last one. Edges into constants (unlabelled
    leaves: the plain numbers of ``x * 2``) get no step; label a leaf to see
    its gradient.

    ``fmt`` is the number format of the text: None (the default) writes up to
    4 significant digits without padding zeros (``24``, ``0.501``, ``1e-05``);
    a format spec such as ``".4f"`` or ``".6g"`` is used as given. The
    numbers in the ``Step`` records are exact floats. ``.grad`` is neither
    needed nor changed.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain(root): expected a Value, got {type(root).__name__}")
    if fmt is not None:
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
    # Every contribution, exact and as written, for the rule of rounding noise.
    exact: dict[Value, list[float]] = {}
    written: dict[Value, list[float]] = {}
    number = _numbers(fmt)

    def record(node: Value, position: int, x: Value, upstream: float, local: float, contribution: float):
        # The chain rule calls this at every edge, just before it adds the
        # contribution; the sums here are added in the same order as its own.
        # Constants get no step, but their contributions are kept all the same.
        upstream_shown = _total_shown(upstream, exact.get(node, ()), written.get(node, ()))
        local_shown = noise_free(local, (node.data, *(v.data for v in node.inputs)))
        contribution_shown = 0.0 if upstream_shown == 0.0 or local_shown == 0.0 else noise_free(
            contribution, (upstream, local))
        exact.setdefault(x, []).append(contribution)
        written.setdefault(x, []).append(contribution_shown)
        if is_constant(x):
            return
        totals[x] = totals.get(x, 0.0) + contribution
        shown = (upstream_shown, local_shown, contribution_shown,
                 _total_shown(totals[x], exact[x], written[x]))
        steps.append(Step(
            node, x, position, local, upstream, contribution, totals[x], (out, names[node], names[x]),
            _formula(node, names), fmt, local_formula(node, position, names, operand, number),
            local_name(node, x, root, names), _subgradient(node, x, names), shown=shown,
        ))

    gradients = chain_rule(root, seed, order=order, on_step=record)
    return Explanation(root, seed, _mark_sums(steps), names, gradients, order, fmt)


def _total_shown(total: float, exact: Iterable[float], written: Iterable[float]) -> float:
    """A gradient as written: 0 when every contribution is written 0, or when it is 0 up to rounding."""
    written = list(written)
    if written and not any(written):
        return 0.0
    return noise_free(total, exact)


def _mark_sums(steps: list[Step]) -> list[Step]:
    """Mark each contribution to a Value used more than once with its path; give the last the list of all."""
    into: dict[Value, list[int]] = {}
    for i, s in enumerate(steps):
        into.setdefault(s.input, []).append(i)
    for where in into.values():
        if len(where) < 2:
            continue
        nodes = [steps[i].node for i in where]
        for i in where:
            s = steps[i]
            via = s.names[1] if nodes.count(s.node) == 1 else f"{s.names[1]}, {_ORDINAL[s.position]} operand"
            steps[i] = dataclasses.replace(s, via=via)
        last = steps[where[-1]]
        steps[where[-1]] = dataclasses.replace(
            last, sum_of=tuple(steps[i].contribution for i in where),
            shown_sum=tuple(steps[i]._shown()[2] for i in where),
        )
    return steps


_ORDINAL = ("1st", "2nd")


# ----------------------------------------------------------------------
# The local derivative of one edge, in the graph's names


def _substitute(formula: str, names: dict[str, str]) -> str:
    """Put the graph's names for the operands ``a``, ``b``, ``out`` into a formula.

    Whole identifiers only, in one pass, so that ``sign(a)`` keeps its ``sign``
    and a name that itself contains an ``a`` is not replaced again.
    """
    return _IDENTIFIER.sub(lambda m: names.get(m.group(0), m.group(0)), formula)


def _operand_names(node: Value, names: dict[Value, str], wrap: Callable[[str], str]) -> dict[str, str]:
    inputs = node.inputs
    operands = {"out": wrap(names[node])}
    if node.operation is not None and node.operation.arity in (1, 2):
        for symbol, x in zip("ab", inputs):
            operands[symbol] = wrap(names[x])
    return operands


def _subgradient(node: Value, x: Value, names: dict[Value, str]) -> str:
    # The table says where an operation has a kink; its rule chooses 0 there, as PyTorch does.
    kink = None if node.operation is None else node.operation.kink
    if kink is None or x.data != kink[0]:
        return ""
    at, left, right = kink
    return (
        f"{node.op} has no derivative at its kink {names[x]} = {number_text(at)}: every slope from "
        f"{left} to {right} is a subgradient there, and backward chooses 0, as PyTorch does"
    )


def _group(formula: str) -> str:
    """Parenthesize a formula that is a sum or a sentence, so that ``0.5 · (1 − o²)`` reads right."""
    depth = 0
    for i, ch in enumerate(formula):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and (ch in " +" or ch in "-−" and i == 0):
            return f"({formula})"
    return formula


# ----------------------------------------------------------------------
# Numbers


def _numbers(fmt: str | None) -> Callable[[float], str]:
    return lambda x: number_text(x, fmt)


def _factor(text: str) -> str:
    """A negative number in a product gets parentheses: ``0.5 · (−3)``."""
    return f"({text})" if text.startswith(("−", "-")) else text


def _same_number(formula: str, value: float, text: str) -> bool:
    """True when the formula is just the number itself (``1``), so it is written once."""
    if formula == text:
        return True
    try:
        return float(formula.replace("−", "-").strip("()")) == value
    except ValueError:
        return False


def _sum(terms: tuple[float, ...], number: Callable[[float], str], latex: bool = False) -> str:
    """``12 + 12``, ``12 − 3``: each term after the first with its own sign, written once.

    Never ``12 - -3`` nor, with a format that writes a plus sign, ``12 + +3``.
    """
    text = number(terms[0])
    minus = "-" if latex else "−"
    for t in terms[1:]:
        written = number(t)
        if written.startswith(("−", "-")):
            text += f" {minus} {written[1:]}"
        else:
            text += f" + {written.lstrip('+ ')}"
    return text


# ----------------------------------------------------------------------
# LaTeX

_LATEX_SPECIAL = {
    "#": r"\#", "$": r"\$", "%": r"\%", "&": r"\&", "_": r"\_", "{": r"\{", "}": r"\}",
    "\\": r"\backslash{}", "^": r"\text{\textasciicircum}", "~": r"\text{\textasciitilde}",
    " ": r"\ ", '"': r"\text{''}", "`": r"\text{\textasciigrave}",
}
# The words of the table's formulas that LaTeX has a command for.
_LATEX_WORDS = {"ln": r"\ln", "sin": r"\sin", "cos": r"\cos", "exp": r"\exp"}
_GREEK_SPELLING = {"lamda": "lambda"}
_GREEK_AS_LATIN = dict(zip(
    ("alpha", "beta", "epsilon", "zeta", "eta", "iota", "kappa", "mu", "nu", "omicron", "rho", "tau", "chi"),
    "ABEZHIKMNOPTX",
))


def _latex_name(v: Value, name: str) -> str:
    """``w1`` → ``w_1``, ``x12`` → ``x_{12}``, ``x`` → ``x``, ``out`` → ``\\mathit{out}``.

    A constant is written as its number.
    """
    if is_constant(v):
        return _latex_factor(number_text(v.data, ".6g"))
    typeset = latex_label(v)
    if typeset is not None:
        # The label's own sub- and superscripts, parsed and escaped by markup.latex.
        # A repeated label keeps its ``#2`` after the scripts, escaped the same way.
        suffix = name[len(typeset_label(visible(v.label))):] if "#" in name else ""
        return typeset + markup_latex(suffix)
    match = re.fullmatch(r"([A-Za-z]+)_?(\d+)", name)
    if match:
        digits = match.group(2)
        return f"{_latex_word(match.group(1))}_" + (digits if len(digits) == 1 else f"{{{digits}}}")
    if re.fullmatch(r"[A-Za-z]+", name):
        return _latex_word(name)
    return r"\mathit{" + "".join(_latex_char(ch) for ch in name) + "}"


def _latex_word(word: str) -> str:
    return word if len(word) == 1 else rf"\mathit{{{word}}}"


def _latex_char(ch: str) -> str:
    if ch in _LATEX_SPECIAL:
        return _LATEX_SPECIAL[ch]
    if ch.isascii():
        return ch
    name = unicodedata.name(ch, "")
    for prefix, case in (("GREEK SMALL LETTER ", str.lower), ("GREEK CAPITAL LETTER ", str.capitalize)):
        if name.startswith(prefix) and " " not in name[len(prefix):]:
            word = name[len(prefix):].lower()
            word = _GREEK_SPELLING.get(word, word)
            # Capital Greek letters that look Latin (A, B, E...) have no command of their own.
            if case is str.capitalize and word in _GREEK_AS_LATIN:
                return _GREEK_AS_LATIN[word]
            if word == "omicron":
                return "o"
            return "\\" + case(word) + "{}"
    superscripts = {"²": "^{2}", "³": "^{3}", "¹": "^{1}"}
    if ch in superscripts:
        return superscripts[ch]
    # Anything else is written by its code point: it compiles with any LaTeX.
    return rf"\text{{U+{ord(ch):04X}}}"


def _latex_number(text: str) -> str:
    """A formatted number in math mode: ``1e-05`` → ``1 \\times 10^{-5}``, ``inf`` → ``\\infty``."""
    text = text.replace("−", "-")  # in math mode LaTeX sets a hyphen as the minus sign
    special = {"inf": r"\infty", "-inf": r"-\infty", "+inf": r"+\infty", "nan": r"\mathrm{NaN}"}
    if text.lower() in special:
        return special[text.lower()]
    match = re.fullmatch(r"([+-]?[\d.,_]+)[eE]([+-]?)0*(\d+)", text)
    if match:
        mantissa, sign, exponent = match.groups()
        power = f"10^{{{'-' if sign == '-' else ''}{exponent}}}"
        return power if mantissa in ("1", "+1") else f"{_latex_plain(mantissa)} \\times {power}"
    return _latex_plain(text)


def _latex_plain(text: str) -> str:
    return text.replace("%", r"\%").replace(",", "{,}").replace("_", r"\_")


def _latex_factor(text: str) -> str:
    latex = _latex_number(text)
    return f"({latex})" if latex.startswith("-") else latex


def _latex_via(s: Step, lnames: dict[Value, str]) -> str:
    """The path of a contribution in LaTeX: ``y``, or ``t_1`` with its operand."""
    node = lnames[s.node]
    return node if s.via == s.names[1] else rf"{node}\text{{, {_ORDINAL[s.position]} operand}}"


def _frac(top: str, bottom: str) -> str:
    return f"\\frac{{\\partial {top}}}{{\\partial {bottom}}}"


def _latex_subgradient(s: Step, lnames: dict[Value, str]) -> list[str]:
    """The sentence of a subgradient chosen at a kink, in LaTeX, in pieces that may start a row."""
    at, left, right = s.node.operation.kink
    return [
        rf"\text{{subgradient at the kink }} {lnames[s.input]} = {_latex_number(number_text(at))}\text{{: }}",
        rf"\text{{any slope from }} {{{left.replace('−', '-')}}} \text{{ to }} {right}\text{{ is one; }}",
        r"\text{0 is chosen, as in PyTorch}",
    ]


# The least room between a row's end and its tag (amsmath's is half an em), with a margin.
_TAG_SEPARATION = 12.0


@dataclass
class _LatexPart:
    """One equation of a step in LaTeX: its left column, its right column broken into lines, its tag.

    The first row is ``left &= …``; the next ones go on after ``&``: with
    the piece's own ``=``, or, for a product or sum broken in the middle,
    set a \\qquad in, before its ``·``, ``+`` or ``−``. ``where`` (the
    operation) is the tag of the last row, which may be the result alone,
    or else a row of its own; ``more`` (a subgradient's sentence) fills
    rows of its own.
    """

    left: str
    units: list[str]
    lines: list[str]
    where: str
    more: list[str]
    room: float

    @classmethod
    def fill(cls, left: str, pieces: list[str], where: str, more: list[str], room: float) -> _LatexPart:
        """The pieces filled into lines of ``room`` points; a piece too wide for a line is cut first."""
        units: list[str] = []
        for piece in pieces:
            units.extend(latex_lines.top_level_terms(piece) if latex_lines.width(piece) > room else [piece])
        if len(units) > len(pieces):
            room -= 20.0  # the lines that go on in the middle of a product are set a \qquad in
        more_lines = latex_lines.pack(more, room - 20.0) if more else []
        return cls(left, units, latex_lines.pack(units, room), where, more_lines, room)

    def width(self) -> float:
        """The widest row's right column, in points (the rows of ``more`` start a \\qquad in)."""
        return max([*map(latex_lines.width, self.lines), *(20.0 + latex_lines.width(m) for m in self.more)])

    def rows(self, tag_room: float) -> list[str]:
        """The rows; a row takes the tag when it and the tag fit in ``tag_room`` points."""
        width = latex_lines.width
        lines, tag_at = self.lines, None
        if self.where:
            tag = width(f"({self.where})")
            alone = width(self.units[-1]) + tag <= tag_room
            if width(lines[-1]) + tag > tag_room and len(self.units) > 1 and alone:
                # The result goes down a row of its own, where the tag fits beside it.
                lines = [*latex_lines.pack(self.units[:-1], self.room), self.units[-1]]
            if width(lines[-1]) + tag <= tag_room:
                tag_at = len(lines) - 1
        rows = []
        for k, line in enumerate(lines):
            line = line.strip()
            if k == 0:
                row = f"{self.left} &{line}"
            else:
                row = f"&{line}" if line.startswith("=") else rf"&\qquad {line}"
            # \ensuremath, not $…$: the only $ in the block is a label's, escaped.
            rows.append(row + (rf" \tag*{{\ensuremath{{({self.where})}}}}" if k == tag_at else ""))
        if self.where and tag_at is None:
            # Too wide for a tag: rows of its own, a long sum broken before its + and −.
            terms = latex_lines.top_level_terms(self.where, (" + ", " - ", r" \cdot "))
            lines = latex_lines.pack(["(", *terms, ")"], self.room - 20.0)
            rows.extend(rf"&\qquad {line.strip()}" for line in lines)
        rows.extend(rf"&\qquad {line}" for line in self.more)
        return rows


_RAISED = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-"))
_FORMULA_TOKEN = re.compile(r"\s+|[A-Za-z_][A-Za-z_0-9]*|\d+(?:\.\d+)?|.")


def _latex_local(s: Step, lnames: dict[Value, str], number: Callable[[float], str] = number_text) -> str:
    """The table's formula of one edge in LaTeX, in the graph's symbols."""
    op = s.node.operation
    if op is None or not op.formulas:
        return "1"
    operands = _operand_names(s.node, lnames, lambda name: f"{{{name}}}")
    formula = op.formulas[s.position]
    if " when " in formula:
        values = {"out": s.node.data, **dict(zip("ab", (x.data for x in s.node.inputs)))}
        case = case_that_holds(formula, values, operands, lambda x: _latex_number(number(x)))
        value, _, reason = (case or "").partition(", since ")
        reason = reason.replace("≤", r"\le").replace("≥", r"\ge").replace("≠", r"\ne")
        return rf"{value},\ \text{{since }} {reason}"
    tokens = _FORMULA_TOKEN.findall(formula)
    out: list[str] = []
    closers: list[str] = []  # for each open parenthesis, what closes it: ")" or "}" after ^(
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t in operands:
            powered = i + 1 < len(tokens) and (tokens[i + 1] in _RAISED or tokens[i + 1] == "^")
            # A name with a superscript of its own, raised to a power: (a_2^{(1)})^2, as the lecture has it.
            scripted = powered and "^" in operands[t]
            out.append(f"({operands[t]})" if scripted else operands[t])
        elif t in _LATEX_WORDS:
            out.append(_LATEX_WORDS[t])
        elif _IDENTIFIER.fullmatch(t):
            out.append(rf"\operatorname{{{t}}}")
        elif t == "^" and i + 1 < len(tokens) and tokens[i + 1] == "(":
            out.append("^{")
            closers.append("}")
            i += 1
        elif t == "^" and i + 1 < len(tokens):
            out.append(f"^{{{tokens[i + 1]}}}")
            i += 1
        elif t == "(":
            out.append("(")
            closers.append(")")
        elif t == ")":
            out.append(closers.pop() if closers else ")")
        elif t in _RAISED:
            raised = ""
            while i < len(tokens) and tokens[i] in _RAISED:
                raised += _RAISED[tokens[i]]
                i += 1
            out.append(f"^{{{raised}}}")
            continue
        else:
            out.append({"−": "-", "·": r" \cdot "}.get(t, t))
        i += 1
    return "".join(out).strip()


# ----------------------------------------------------------------------
# Markdown

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_|<>\[\]])")


def _markdown(cell: str) -> str:
    """A table cell: the characters Markdown would read as markup are escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", cell)
