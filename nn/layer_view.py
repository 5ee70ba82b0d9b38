"""The layer view: backpropagation as the lecture writes it, one layer at a time.

For one sample ``x`` (so ``a⁽⁰⁾ = x``) an MLP computes, for l = 1 … L::

    z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾          a⁽ˡ⁾ = g(z⁽ˡ⁾)

and the chain rule, collected per layer, gives the errors ``δ⁽ˡ⁾ = ∂L/∂z⁽ˡ⁾``
and the gradients in four lines of linear algebra (the delta rule)::

    δ⁽ᴸ⁾ = ∇ₐL ⊙ g′(z⁽ᴸ⁾)                      (the output layer)
    δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾ ⊙ g′(z⁽ˡ⁾)          (one layer back)
    ∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ                    (an outer product)
    ∂L/∂b⁽ˡ⁾ = δ⁽ˡ⁾

``deltas(model, x, y, loss=...)`` computes them on plain lists of floats,
reading the model's weights: no graph is built for the network. Only the
loss's own slope ``∇ₐL`` (a handful of numbers) is taken from the engine, so
any loss of ``nn`` works. The result prints as those equations with their
numbers, layer by layer; its ``grad_W`` and ``grad_b`` equal what
``loss.backward()`` leaves in the parameters' ``.grad``, to rounding.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import autograd
from autograd import Value
from autograd.checks import number_format

from ._checks import is_number
from .losses import get_loss
from .module import Module

__all__ = ["LayerView", "deltas"]

Vector = list[float]
Matrix = list[list[float]]

# g′(z) for the activations whose slope the lecture writes by hand, from z
# and a = g(z); any other activation of the table is differentiated by the engine.
_SLOPES: dict[str, Callable[[float, float], float]] = {
    "linear": lambda z, a: 1.0,
    "tanh": lambda z, a: 1.0 - a * a,
    "sigmoid": lambda z, a: a * (1.0 - a),
    "relu": lambda z, a: 1.0 if z > 0 else 0.0,
}
_NAMES = {"linear": "", "tanh": "tanh", "sigmoid": "σ", "relu": "relu"}


def _activate(name: str, z: float) -> tuple[float, float]:
    """``g(z)`` and ``g′(z)`` for the activation called ``name``."""
    if name == "linear":
        return z, 1.0
    leaf = Value(z)
    out = getattr(leaf, name)()
    slope = _SLOPES.get(name)
    if slope is not None:
        return out.data, slope(z, out.data)
    (d,) = autograd.grad(out, [leaf])
    return out.data, float(d)


def _matvec(W: Matrix, v: Vector) -> Vector:
    return [math.fsum(w * x for w, x in zip(row, v)) for row in W]


def _sample(x: Any, nin: int) -> Vector:
    if is_number(x):
        x = [x]
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"deltas(x): expected one sample, a list of {nin} numbers, got {type(x).__name__}")
    if len(x) != nin:
        raise ValueError(f"deltas(x): the model takes {nin} inputs, got a sample of {len(x)}")
    values = []
    for j, v in enumerate(x):
        if not is_number(v):
            raise TypeError(f"deltas(x): expected numbers, got {type(v).__name__} ({v!r:.40}) as input {j}")
        values.append(float(v))
    return values


@dataclass(frozen=True)
class LayerView:
    """One sample's forward and backward pass through a network, layer by layer.

    Every field is a list over the layers l = 1 … L (index 0 is layer 1):

    - ``z[l]``, ``a[l]``: the weighted sums and activations (vectors);
    - ``delta[l]``: the errors δ⁽ˡ⁾ = ∂L/∂z⁽ˡ⁾;
    - ``grad_W[l]``: ∂L/∂W⁽ˡ⁾ (row i, column j: ∂L/∂w_{ij}⁽ˡ⁾);
    - ``grad_b[l]``: ∂L/∂b⁽ˡ⁾, or None for a layer without biases;
    - ``slope[l]``: g′(z⁽ˡ⁾), ``W[l]`` and ``b[l]`` the numbers used.

    ``x`` is the input a⁽⁰⁾, ``y`` the target, ``loss`` the value of L and
    ``grad_a`` the loss's slope ∇ₐL at the output.
    """

    x: Vector
    y: Any
    loss: float
    grad_a: Vector
    W: list[Matrix]
    b: list[Vector | None]
    activation: list[str]
    z: list[Vector]
    a: list[Vector]
    slope: list[Vector]
    delta: list[Vector]
    grad_W: list[Matrix]
    grad_b: list[Vector | None]
    fmt: str | None = None

    def __str__(self) -> str:
        return "\n".join(self._lines("text"))

    def to_markdown(self) -> str:
        """The equations, layer by layer, as Markdown with inline math."""
        return "\n".join(self._lines("markdown"))

    def to_latex(self) -> str:
        """The equations as a LaTeX ``align*`` block per layer (needs ``amsmath``)."""
        return "\n".join(self._lines("latex"))

    # -- writing ------------------------------------------------------------------------

    def _number(self, x: float) -> str:
        from autograd.views.naming import number_text

        return number_text(x, self.fmt)

    def _lines(self, kind: str) -> list[str]:
        w = _Writer(kind, self._number)
        L = len(self.z)
        lines = [w.heading("Forward, layer by layer")]
        lines.append(w.line(f"{w.sym('a', 0)} = x = {w.vec(self.x)}"))
        for l in range(L):
            n = l + 1
            bias = "" if self.b[l] is None else f" + {w.sym('b', n)}"
            lines.append(w.line(
                f"{w.sym('z', n)} = {w.sym('W', n)} {w.sym('a', n - 1)}{bias} = {w.vec(self.z[l])}"
            ))
            g = _NAMES.get(self.activation[l], self.activation[l])
            applied = f"{w.func(g)}({w.sym('z', n)})" if g else w.sym("z", n)
            lines.append(w.line(f"{w.sym('a', n)} = {applied} = {w.vec(self.a[l])}"))
        lines.append(w.line(f"L = {self._number(self.loss)}"))
        lines.append(w.heading("Backward, layer by layer"))
        for l in reversed(range(L)):
            n = l + 1
            d = w.sym("δ", n)
            gp = f"{w.gprime()}({w.sym('z', n)})"
            if n == L:
                lines.append(w.line(
                    f"{d} = {w.grad_a()} {w.odot()} {gp} = {w.vec(self.grad_a)} {w.odot()} "
                    f"{w.vec(self.slope[l])} = {w.vec(self.delta[l])}"
                ))
            else:
                back = _matvec([list(col) for col in zip(*self.W[l + 1])], self.delta[l + 1])
                lines.append(w.line(
                    f"{d} = ({w.sym('W', n + 1)}){w.T()} {w.sym('δ', n + 1)} {w.odot()} {gp} = "
                    f"{w.vec(back)} {w.odot()} {w.vec(self.slope[l])} = {w.vec(self.delta[l])}"
                ))
            outer = f"{d} ({w.sym('a', n - 1)}){w.T()}"
            lines.append(w.line(f"{w.partial('L', w.sym('W', n))} = {outer} = {w.mat(self.grad_W[l])}"))
            if self.grad_b[l] is not None:
                lines.append(w.line(f"{w.partial('L', w.sym('b', n))} = {d} = {w.vec(self.grad_b[l])}"))
        return w.finish(lines)


# What a page holds of a vector or a matrix in LaTeX: a wider layer is shown by its ends, the
# first numbers, ⋯ or ⋮, and the last (amsmath's bmatrix also stops at 10 columns). str() and the
# fields keep every number.
_LATEX_COLUMNS = 5
_LATEX_ROWS = 16


def _ends(items: Sequence[Any], limit: int, gap: Any) -> list[Any]:
    """``items`` when there are at most ``limit``, else the first ``limit − 2``, ``gap`` and the last."""
    if len(items) <= limit:
        return list(items)
    return [*items[:limit - 2], gap, items[-1]]


class _Writer:
    """The few symbols the layer view writes, in plain text (Unicode), Markdown or LaTeX."""

    _SUPER = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")

    def __init__(self, kind: str, number: Callable[[float], str]) -> None:
        self.kind = kind
        self.number = number

    def sym(self, name: str, layer: int) -> str:
        if self.kind == "latex":
            name = {"δ": r"\delta"}.get(name, name)
            return f"{name}^{{({layer})}}"
        return name + f"({layer})".translate(self._SUPER)

    def func(self, name: str) -> str:
        if self.kind == "latex":
            return {"σ": r"\sigma", "tanh": r"\tanh"}.get(name, rf"\operatorname{{{name}}}")
        return name

    def gprime(self) -> str:
        return "g'" if self.kind == "latex" else "g′"

    def grad_a(self) -> str:
        return r"\nabla_{a} L" if self.kind == "latex" else "∇ₐL"

    def odot(self) -> str:
        return r"\odot" if self.kind == "latex" else "⊙"

    def T(self) -> str:
        return r"^{\top}" if self.kind == "latex" else "ᵀ"

    def partial(self, top: str, bottom: str) -> str:
        if self.kind == "latex":
            return rf"\frac{{\partial {top}}}{{\partial {bottom}}}"
        return f"∂{top}/∂{bottom}"

    def num(self, x: float) -> str:
        # A true minus sign for a person to read; TeX makes its own from "-".
        text = self.number(x)
        return text.replace("−", "-") if self.kind == "latex" else text.replace("-", "−")

    def vec(self, v: Sequence[float]) -> str:
        if self.kind == "latex":
            cells = _ends(v, _LATEX_ROWS, r"\vdots")
            return r"\begin{bmatrix}" + r" \\ ".join(self.cell(x) for x in cells) + r"\end{bmatrix}"
        return "[" + ", ".join(self.num(x) for x in v) + "]"

    def mat(self, m: Sequence[Sequence[float]]) -> str:
        if self.kind == "latex":
            rows = [_ends(row, _LATEX_COLUMNS, r"\cdots") for row in m]
            if len(rows) > _LATEX_ROWS:
                gap = [r"\ddots" if c == r"\cdots" else r"\vdots" for c in rows[0]]
                rows = _ends(rows, _LATEX_ROWS, gap)
            body = r" \\ ".join(" & ".join(self.cell(x) for x in row) for row in rows)
            return r"\begin{bmatrix}" + body + r"\end{bmatrix}"
        return "[" + "; ".join(", ".join(self.num(x) for x in row) for row in m) + "]"

    def cell(self, x: float | str) -> str:
        return x if isinstance(x, str) else self.num(x)

    def heading(self, text: str) -> str:
        if self.kind == "markdown":
            return f"**{text}**\n"
        if self.kind == "latex":
            return rf"\paragraph{{{text}}}"
        return f"{text}:"

    def line(self, text: str) -> str:
        if self.kind == "markdown":
            return f"- {text}"
        if self.kind == "latex":
            return r"\[ " + text + r" \]"
        return "  " + text

    def finish(self, lines: list[str]) -> list[str]:
        return lines


def deltas(model: Module, x: Any, y: Any, *, loss: str | Callable[[Any, Any], Value] = "mse",
           fmt: str | None = None) -> LayerView:
    """Forward and backward for one sample by the delta rule, on plain lists of floats.

    Args:
        model: an nn ``MLP``, ``Layer`` or ``Neuron`` (its weights are read, not changed).
        x: one sample, a list of ``model.nin`` numbers.
        y: its target, as the loss takes it (a number, or a list for a wider output).
        loss: a loss of ``nn`` or its name (``"mse"``, ``"hinge"``, ...), called
            as ``loss([output], [y])`` on this one sample.
        fmt: the number format of the printed equations (default: up to 4
            significant digits, as ``explain``).

    Returns a ``LayerView`` with ``z``, ``a``, ``delta``, ``grad_W`` and ``grad_b``
    per layer. Nothing is accumulated anywhere: parameters' ``.grad`` are untouched.
    """
    if not isinstance(model, Module):
        raise TypeError(f"deltas(model): expected an nn MLP, Layer or Neuron, got {type(model).__name__}")
    if fmt is not None:
        number_format(fmt, "deltas(fmt=...)")
    loss_fn = get_loss(loss)
    layers = model.layer_weights()
    a_prev = _sample(x, len(layers[0][0][0]))
    x_values = list(a_prev)
    zs: list[Vector] = []
    acts: list[Vector] = []
    slopes: list[Vector] = []
    for W, b, act in layers:
        z = _matvec(W, a_prev)
        if b is not None:
            z = [zi + bi for zi, bi in zip(z, b)]
        pairs = [_activate(act, zi) for zi in z]
        zs.append(z)
        acts.append([p[0] for p in pairs])
        slopes.append([p[1] for p in pairs])
        a_prev = acts[-1]

    # ∇ₐL: the loss alone, differentiated by the engine at the output's numbers.
    outputs = [Value(v, label=f"a_{i + 1}") for i, v in enumerate(acts[-1])]
    value = loss_fn([outputs[0] if len(outputs) == 1 else outputs], [y])
    if not isinstance(value, Value):
        raise TypeError(f"deltas(loss=...): expected the loss to return a Value, got {type(value).__name__}")
    grad_a = [float(g) for g in autograd.grad(value, outputs)]

    L = len(layers)
    delta: list[Vector] = [[] for _ in range(L)]
    delta[L - 1] = [g * s for g, s in zip(grad_a, slopes[L - 1])]
    for l in range(L - 2, -1, -1):
        W_next = layers[l + 1][0]
        back = _matvec([list(col) for col in zip(*W_next)], delta[l + 1])
        delta[l] = [bk * s for bk, s in zip(back, slopes[l])]
    inputs = [x_values, *acts[:-1]]
    grad_W = [[[d * a for a in inputs[l]] for d in delta[l]] for l in range(L)]
    grad_b = [list(delta[l]) if layers[l][1] is not None else None for l in range(L)]
    return LayerView(
        x=x_values, y=y, loss=value.data, grad_a=grad_a,
        W=[[list(row) for row in W] for W, _, _ in layers],
        b=[None if b is None else list(b) for _, b, _ in layers],
        activation=[act for _, _, act in layers], z=zs, a=acts, slope=slopes, delta=delta,
        grad_W=grad_W, grad_b=grad_b, fmt=fmt,
    )
