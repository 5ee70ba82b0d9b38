"""The stepper's layer view: one sample through an MLP, a whole layer per step, as the lecture writes it.

Forward, one step per layer l = 1 … L (``a⁽⁰⁾ = x``)::

    z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾        a⁽ˡ⁾ = g(z⁽ˡ⁾)

then backward, one step per layer from the output, the delta rule::

    δ⁽ᴸ⁾ = ∇ₐL ⊙ g′(z⁽ᴸ⁾)        δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾ ⊙ g′(z⁽ˡ⁾)
    ∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ     ∂L/∂b⁽ˡ⁾ = δ⁽ˡ⁾

Every number is the engine's, read from the graph and its explanation: zᵢ⁽ˡ⁾
and aᵢ⁽ˡ⁾ are the neuron's Values, δᵢ⁽ˡ⁾ is the gradient of zᵢ⁽ˡ⁾, ∇ₐL and
(W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾ the gradients of the activations, g′(zᵢ⁽ˡ⁾) the local
derivative of the activation, ∂L/∂w each weight's gradient. Each δᵢ⁽ˡ⁾
expands into the scalar chain-rule steps that make it, from the δ's of the
layer above along the weights (the output's from the loss's slope), in the
lecture's names: δₖ⁽ˡ⁺¹⁾ · wₖᵢ⁽ˡ⁺¹⁾, summed, then times g′(zᵢ⁽ˡ⁾).

The layers come from the graph alone (nothing here imports nn): nn gives
every weight and bias a ``site = (layer, neuron, input)``, from which
``network.find_network`` finds each neuron's sum ``z`` and activation ``a``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..engine import Value
from . import markup
from .naming import in_derivative, shown_numbers
from .network import Network, NetworkNeuron, NotANetworkError, find_network

__all__ = ["LayerSteps", "layer_steps", "network_of", "tag_numbers"]

# How the lecture names the activations it writes by hand.
_G_NAMES = {"tanh": "tanh", "sigmoid": "σ", "relu": "relu"}


def network_of(root: Value) -> Network:
    """The MLP that computed ``root`` (see ``network.find_network``), or the layer view's own refusal.

    Raises ``NotANetworkError`` saying what was expected and what was found,
    and that the default stepper steps through any graph.
    """
    try:
        return find_network(root)
    except NotANetworkError as error:
        raise NotANetworkError(
            "stepper(layers=True): expected the loss of an nn MLP on one sample, such as "
            f"nn.mse_loss([model(x)], [y]), but {error}. The default stepper (layers=False) steps "
            "through any graph, one operation at a time"
        ) from None


# ----------------------------------------------------------------------
# Writing: each line once as text (Unicode scripts) and once as HTML (real sub- and superscripts)

class _Line:
    """One equation: symbols (in the label markup), plain words, and vectors and matrices of numbers."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.html: list[str] = []

    def sym(self, source: str) -> _Line:
        self.text.append(markup.unicode(source))
        self.html.append(f'<span class="cr-sym">{markup.html(source)}</span>')
        return self

    def word(self, text: str) -> _Line:
        self.text.append(text)
        self.html.append(html.escape(text))
        return self

    def equals(self) -> _Line:
        # A chunk that may go to the next line: equations wrap at their = signs.
        self.text.append(" = ")
        self.html.append('</span> <span class="cr-chunk">= ')
        return self

    def vec(self, numbers: Sequence[str]) -> _Line:
        self.text.append("[" + ", ".join(numbers) + "]")
        cells = "".join(f"<span>{html.escape(x)}</span>" for x in numbers)
        self.html.append(f'<span class="cr-vec">{cells}</span>')
        return self

    def mat(self, rows: Sequence[Sequence[str]]) -> _Line:
        self.text.append("[" + "; ".join(", ".join(r) for r in rows) + "]")
        columns = len(rows[0]) if rows else 1
        cells = "".join(f"<span>{html.escape(x)}</span>" for r in rows for x in r)
        self.html.append(f'<span class="cr-mat" style="grid-template-columns: repeat({columns}, auto)">'
                         f"{cells}</span>")
        return self

    def then(self, other: _Line) -> _Line:
        """``other``'s pieces after this line's."""
        self.text += other.text
        self.html += other.html
        return self

    def done(self) -> tuple[str, str]:
        body = "".join(self.html)
        return "".join(self.text), f'<div class="cr-eq"><span class="cr-chunk">{body}</span></div>'


def _g(units: Sequence[NetworkNeuron]) -> str | None:
    """The activation of a layer as the lecture writes it (None: linear, a = z)."""
    names = {u.activation for u in units}
    if names == {"linear"}:
        return None
    if len(names) == 1:
        name = names.pop()
        return _G_NAMES.get(name, name)
    return "g"


@dataclass(frozen=True)
class LayerSteps:
    """The layer view's steps (plain data for the page) and the network they were read from."""

    steps: list[dict]
    network: Network


def layer_steps(explanation, number: Callable[[float], str], index: dict[Value, int]) -> LayerSteps:
    """The forward and backward steps of the layer view, one per layer each way.

    ``explanation`` is ``explain(root)``, ``number`` writes a number as the
    page does, ``index`` each Value's place in the page's list of Values.
    Each δᵢ opens into its scalar chain rule (``_delta_steps``).
    """
    root, order = explanation.root, explanation.order
    net = network_of(root)
    shown = shown_numbers(order, grads=explanation.gradients)
    count = len(net.layers)
    out = in_derivative(explanation.names[root])

    def data(v: Value) -> str:
        return number(shown[v].data)

    def grad(v: Value) -> str:
        return number(shown[v].grad)

    def slope(u: NetworkNeuron) -> float:
        return 1.0 if u.a is u.z else u.a.local_grads()[0]

    # The layer of every Value: a neuron's own, else the latest of its inputs' (the loss: L's).
    layer_of: dict[Value, int] = {}
    for l, units in enumerate(net.layers, start=1):
        for u in units:
            for v in (*u.weights, u.z, u.a, *((u.bias,) if u.bias is not None else ())):
                layer_of[v] = l
    for v in order:
        if v not in layer_of:
            layer_of[v] = max((layer_of[x] for x in v.inputs), default=0) if v.inputs else 0

    steps: list[dict] = []
    a_prev = [data(x) for x in net.inputs]
    for l, units in enumerate(net.layers, start=1):
        sym = f"^{{({l})}}"
        line = _Line()
        if l == 1:
            line.sym("a^{(0)}").word(" = x").equals().vec(a_prev)
            first = [line.done()]
            line = _Line()
        else:
            first = []
        has_bias = all(u.bias is not None for u in units)
        line.sym(f"z{sym}").word(" = ").sym(f"W{sym}").word(" ").sym(f"a^{{({l - 1})}}")
        if has_bias:
            line.word(" + ").sym(f"b{sym}")
        line.equals().mat([[data(w) for w in u.weights] for u in units]).word(" ").vec(a_prev)
        if has_bias:
            line.word(" + ").vec([data(u.bias) for u in units])
        line.equals().vec([data(u.z) for u in units])
        lines = [*first, line.done()]
        g = _g(units)
        line = _Line().sym(f"a{sym}").word(" = ")
        if g is None:
            line.sym(f"z{sym}")
        else:
            line.word(f"{g}(").sym(f"z{sym}").word(")")
        a_now = [data(u.a) for u in units]
        lines.append(line.equals().vec(a_now).done())
        if l == count and root not in {u.a for u in units}:
            lines.append(_Line().word(f"{explanation.names[root]} = {data(root)}").done())
        known = [index[v] for v in order if v.inputs and max(layer_of[v], 1) == l]
        steps.append({
            "kind": "layer_forward",
            "layer": l,
            "node": index[units[-1].a],
            "group": None,
            "text": "\n".join(t for t, _ in lines),
            "html": "".join(h for _, h in lines),
            "known": known,
            "neurons": [f"N{l}_{i}" for i in range(1, len(units) + 1)],
            "edges": _edges(l, units),
            # Also in view: the loss, once the last layer gives it its number.
            "focus": ["L"] if l == count else [],
            "z": [u.z.data for u in units],
            "a": [u.a.data for u in units],
        })
        a_prev = a_now

    for l in range(count, 0, -1):
        units = net.layers[l - 1]
        sym = f"^{{({l})}}"
        slopes = [slope(u) for u in units]
        line = _Line().sym(f"δ{sym}").word(" = ")
        if l == count:
            line.sym("∇_{a}").word(f"{out} ⊙ g′(").sym(f"z{sym}").word(")")
        else:
            line.word("(").sym(f"W^{{({l + 1})}}").word(")ᵀ ").sym(f"δ^{{({l + 1})}}")
            line.word(" ⊙ g′(").sym(f"z{sym}").word(")")
        line.equals().vec([grad(u.a) for u in units]).word(" ⊙ ").vec([number(s) for s in slopes])
        lines = [line.equals().vec([grad(u.z) for u in units]).done()]
        inputs = net.inputs if l == 1 else tuple(u.a for u in net.layers[l - 2])
        lines.append(
            _Line().word(f"∂{out}/∂").sym(f"W{sym}").word(" = ").sym(f"δ{sym}").word(" (")
            .sym(f"a^{{({l - 1})}}").word(")ᵀ").equals()
            .mat([[grad(w) for w in u.weights] for u in units]).done()
        )
        if all(u.bias is not None for u in units):
            lines.append(_Line().word(f"∂{out}/∂").sym(f"b{sym}").word(" = ").sym(f"δ{sym}").equals()
                         .vec([grad(u.bias) for u in units]).done())
        deltas = []
        for i, u in enumerate(units, start=1):
            made = _delta_steps(net, l, i, explanation.gradients, number, out)
            deltas.append({
                "i": i,
                "name": markup.unicode(f"δ_{{{i}}}{sym}"),
                "html": markup.html(f"δ_{{{i}}}{sym}"),
                # δᵢ⁽ˡ⁾ = ∂L/∂zᵢ⁽ˡ⁾ = −0.0672: the heading of its steps.
                "head": "".join(_Line().sym(f"δ_{{{i}}}{sym}").word(f" = ∂{out}/∂").sym(f"z_{{{i}}}{sym}")
                                .word(f" = {grad(u.z)}").html),
                "value": explanation.gradients[u.z],
                "value_text": grad(u.z),
                "node": index[u.z],
                # Each step once as text and once typeset as the equations are.
                "steps": [t for t, _ in made],
                "steps_html": [h for _, h in made],
            })
        grads = [[index[v], explanation.gradients[v], grad(v)] for v in order
                 if max(layer_of[v], 1) == l and v in explanation.gradients]
        feeding = _edges(l + 1, net.layers[l]) if l < count else []
        steps.append({
            "kind": "layer_backward",
            "layer": l,
            "node": index[units[0].z],
            "group": None,
            "text": "\n".join(t for t, _ in lines),
            "html": "".join(h for _, h in lines),
            "grads": grads,
            "neurons": [f"N{l}_{i}" for i in range(1, len(units) + 1)],
            "edges": feeding + _edges(l, units),
            # Also in view: the loss's box, where ∇ₐL is written, for the output layer's δ.
            "focus": ["L"] if l == count else [],
            "delta": [explanation.gradients[u.z] for u in units],
            "grad_W": [[explanation.gradients[w] for w in u.weights] for u in units],
            "grad_b": ([explanation.gradients[u.bias] for u in units]
                       if all(u.bias is not None for u in units) else None),
            "slope": slopes,
            "deltas": deltas,
            "inputs": [index[x] for x in inputs],
        })
    return LayerSteps(steps, net)


_BLOCK = re.compile(r'<g id="([^"]+)" class="(?:node|edge)">')
_TEXT = re.compile(r"<text\b([^>]*)>([^<]*)</text>")
_NUMBER_AT_END = re.compile(r"=\s*\S+\s*$")


def tag_numbers(svg: str, net: Network, index: dict[Value, int]) -> str:
    """The network picture with each number's text tagged by the Value it shows, so that the page can
    write ``?`` until a step computes it: ``data-cr-data="7"`` (Value 7's number) or
    ``data-cr-grad="7"`` (its gradient).

    A circle's rows are z, a (one row for a linear neuron), δ, then b and ∂L/∂b; an arrow's
    w and ∂L/∂w; an input's x; the loss's L and ∂L/∂a per output. Each row ends in its number
    (``= 0.95``). A part drawn with other rows is left as it is: its numbers stay shown.
    """
    rows: dict[str, list[tuple[str, Value]]] = {f"X{j}": [("data", x)] for j, x in enumerate(net.inputs, 1)}
    for layer in net.layers:
        for n in layer:
            own = [("data", n.z), ("data", n.a)] if n.a is not n.z else [("data", n.a)]
            own.append(("grad", n.z))
            if n.bias is not None:
                own += [("data", n.bias), ("grad", n.bias)]
            rows[f"N{n.layer}_{n.index}"] = own
            for j, w in enumerate(n.weights, 1):
                rows[f"W{n.layer}_{n.index}_{j}"] = [("data", w), ("grad", w)]
    rows["L"] = [("data", net.loss)] + [("grad", n.a) for n in net.layers[-1]]

    def tag(name: str, body: str) -> str:
        wanted = rows.get(name)
        numbers = [t for t in _TEXT.finditer(body) if _NUMBER_AT_END.search(html.unescape(t.group(2)))]
        if wanted is None or len(numbers) != len(wanted):
            return body
        out, at = [], 0
        for t, (kind, v) in zip(numbers, wanted):
            out.append(body[at:t.start()])
            out.append(f'<text data-cr-{kind}="{index[v]}"{t.group(1)}>{t.group(2)}</text>')
            at = t.end()
        out.append(body[at:])
        return "".join(out)

    # A block runs to the next node or edge: its hover link nests <g>s inside it.
    starts = list(_BLOCK.finditer(svg))
    if not starts:
        return svg
    out = [svg[:starts[0].end()]]
    for k, start in enumerate(starts):
        end = starts[k + 1].start() if k + 1 < len(starts) else len(svg)
        out.append(tag(start.group(1), svg[start.end():end]))
        if k + 1 < len(starts):
            out.append(svg[end:starts[k + 1].end()])
    return "".join(out)


def _edges(l: int, units: Sequence[NetworkNeuron]) -> list[str]:
    """The ids of the weights into layer ``l`` in the network picture: ``W{l}_{i}_{j}``."""
    return [f"W{l}_{i}_{j}" for i, u in enumerate(units, start=1) for j in range(1, len(u.weights) + 1)]


def _bracketed(text: str) -> str:
    """A negative number in a product, as the board writes it: ``(−0.5)``."""
    return f"({text})" if text.startswith("−") else text


# g′(z) as the lecture writes it, from the activation a = g(z): (the formula, or None for a case).
_SLOPES = {
    "tanh": lambda a: _Line().word("(1 − (").sym(a).word(")²)"),
    "sigmoid": lambda a: _Line().sym(a).word(" (1 − ").sym(a).word(")"),
}


def _delta_steps(net: Network, l: int, i: int, gradients: dict, number: Callable[[float], str],
                 out: str) -> list[tuple[str, str]]:
    """The scalar chain rule that gives δᵢ⁽ˡ⁾, each step as (text, HTML), in the lecture's names.

    Hidden layer: one step per neuron k of the layer above, along the weight that
    joins them (∂zₖ⁽ˡ⁺¹⁾/∂aᵢ⁽ˡ⁾ = wₖᵢ⁽ˡ⁺¹⁾), then their sum ∂L/∂aᵢ⁽ˡ⁾; the output
    layer starts from the loss's slope ∂L/∂aᵢ⁽ᴸ⁾. Then δᵢ⁽ˡ⁾ = ∂L/∂aᵢ⁽ˡ⁾ · g′(zᵢ⁽ˡ⁾).
    Every number is the engine's gradient or weight; each product is worked out from them.
    """
    u = net.layers[l - 1][i - 1]
    sym = f"^{{({l})}}"
    a, z = f"a_{{{i}}}{sym}", f"z_{{{i}}}{sym}"
    lines: list[tuple[str, str]] = []
    if l == len(net.layers):
        line = _Line().word(f"∂{out}/∂").sym(a).equals().word(number(gradients[u.a]))
        line.word(f"   (from {out}: its slope at the output, in ").sym("∇_{a}").word(f"{out})")
        lines.append(line.done())
    else:
        above = f"^{{({l + 1})}}"
        for k, v in enumerate(net.layers[l], start=1):
            zk, w = f"z_{{{k}}}{above}", v.weights[i - 1]
            line = _Line().word("via ").sym(zk).word(f": ∂{out}/∂").sym(zk).word(" · ∂").sym(zk)
            line.word("/∂").sym(a).equals().sym(f"δ_{{{k}}}{above}").word(" · ").sym(f"w_{{{k}{i}}}{above}")
            line.equals().word(f"{_bracketed(number(gradients[v.z]))} · {_bracketed(number(w.data))}")
            lines.append(line.equals().word(number(gradients[v.z] * w.data)).done())
        terms = [number(gradients[v.z] * v.weights[i - 1].data) for v in net.layers[l]]
        line = _Line().word(f"∂{out}/∂").sym(a)
        if len(terms) > 1:
            line.equals().word(" + ".join([terms[0], *(_bracketed(t) for t in terms[1:])]))
        lines.append(line.equals().word(number(gradients[u.a])).done())
    if u.a is u.z:  # a linear neuron: a = z, δ = ∂L/∂a
        lines.append(_Line().sym(f"δ_{{{i}}}{sym}").word(f" = ∂{out}/∂").sym(z).word(f" = ∂{out}/∂").sym(a)
                     .equals().word(number(gradients[u.z])).done())
        return lines
    slope = u.a.local_grads()[0]
    line = _Line().sym(f"δ_{{{i}}}{sym}").word(f" = ∂{out}/∂").sym(a).word(" · ∂").sym(a).word("/∂").sym(z)
    formula = _SLOPES.get(u.activation)
    line.equals().word(f"{_bracketed(number(gradients[u.a]))} · ")
    if formula is not None:
        line.then(formula(a))
    else:
        line.word(f"{u.activation}′(").sym(z).word(")")
    line.equals().word(f"{_bracketed(number(gradients[u.a]))} · ")
    line.word(_bracketed(number(slope)))
    lines.append(line.equals().word(number(gradients[u.z])).done())
    return lines
