"""The network picture: a graph made by an nn model drawn as the lecture draws a network.

``network_graph(L)`` finds the network in the graph of a loss ``L`` (one
sample through an nn ``MLP`` or ``Layer``, then a loss) and draws the classic
diagram, left to right:

- the inputs x₁, x₂, … in a column on the left, each with its number;
- one circle per neuron, a column per layer, neuron 1 on top; each circle
  shows its weighted sum z_i^{(l)}, its activation a_i^{(l)} = g(z_i^{(l)}),
  after backward its error δ_i^{(l)} = ∂L/∂z_i^{(l)}, and its bias b_i^{(l)}
  with ∂L/∂b (which is δ itself when the bias feeds nothing else);
- one arrow per weight w_{ij}^{(l)}, from input (or neuron) j of the layer
  before to neuron i, labelled with its name, its number and ∂L/∂w; the
  arrows into one neuron share a colour, so a label is easily followed to
  its arrow;
- the loss L on the right, with an arrow from every output neuron; after
  backward its box also says ∂L/∂a for each output, the ∇ₐL that starts
  the delta rule;
- a small key under the loss: z = Σ w·a + b, a = g(z), δ = ∂L/∂z.

A network with several outputs (a 3-4-3-2 net under a mean squared error)
has all of its output neurons in the last column, each with its arrow into
the one loss box, which lists ∂L/∂a₁, ∂L/∂a₂, … one under the other.

With ``element_ids=True`` the SVG has stable ids, so a page can find and
highlight parts of the picture:

- ``N{l}_{i}``: the circle of neuron i of layer l (both from 1): ``N2_1``;
- ``X{j}``: input j (from 1): ``X1``;
- ``W{l}_{i}_{j}``: the arrow of the weight w_{ij}^{(l)}: ``W1_2_1``;
- ``L``: the loss.

The structure is read from the model, never from labels: nn gives every
weight and bias a ``site`` = (layer, neuron, input), and the drawing's
grouping (``summary_groups``) puts each neuron's products, sum and activation
in one group. ``find_network(L)`` returns what was found (a ``Network``),
which other views of the layers use too. A graph that is not one sample
through an nn network raises ``NotANetworkError``, saying what to draw instead.
"""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..engine import Parameter, Value
from ..graph import topological_order
from . import markup
from .dot import SCRIPT_SCALE, GraphTooLargeError
from .grouping import group_outputs, summary_groups
from .naming import hover_text, number_text, shown_numbers, typeset, visible
from .render import import_graphviz

if TYPE_CHECKING:
    import graphviz

__all__ = ["NotANetworkError", "Network", "NetworkNeuron", "find_network", "network_graph"]


class NotANetworkError(ValueError):
    """The graph is not one sample through an nn network; the message says what to draw instead."""


@dataclass(frozen=True)
class NetworkNeuron:
    """One neuron as found in the graph: where it sits and its Values.

    ``layer`` and ``index`` count from 1 (a lone ``nn.Layer`` is layer 1).
    ``z`` is the weighted sum, ``a`` the activation (``a is z`` for a linear
    neuron), ``weights[j - 1]`` the Parameter w_{ij}^{(l)} of input j,
    ``bias`` b_i^{(l)} or None, ``activation`` the operation's name
    (``"tanh"``, ``"sigmoid"``, ``"relu"``) or ``"linear"``.
    """

    layer: int
    index: int
    z: Value
    a: Value
    weights: tuple[Parameter, ...]
    bias: Parameter | None
    activation: str


@dataclass(frozen=True)
class Network:
    """The network found in a loss's graph (``find_network``); read-only.

    ``inputs`` are the Values the first layer reads (x₁, x₂, …, often plain
    numbers nn made constants of); ``layers[l - 1]`` are the neurons of
    layer l in order; ``loss`` is the root of the graph.
    """

    inputs: tuple[Value, ...]
    layers: tuple[tuple[NetworkNeuron, ...], ...]
    loss: Value

    @property
    def outputs(self) -> tuple[Value, ...]:
        """The activations of the last layer: the network's outputs, what the loss reads."""
        return tuple(n.a for n in self.layers[-1])

    @property
    def sizes(self) -> tuple[int, ...]:
        """The widths, inputs first: ``(2, 2, 1)`` for the homework's network."""
        return (len(self.inputs), *(len(layer) for layer in self.layers))

    def element_ids(self) -> dict[Value, str]:
        """The SVG id that ``network_graph(..., element_ids=True)`` gives each Value it draws.

        A neuron's z, a and bias map to its circle ``N{l}_{i}``, a weight to its
        arrow ``W{l}_{i}_{j}``, an input to ``X{j}``, the loss to ``L``: a page
        that follows a Value (the stepper) finds what to light up.
        """
        ids: dict[Value, str] = {x: f"X{j}" for j, x in enumerate(self.inputs, 1)}
        for layer in self.layers:
            for n in layer:
                for j, w in enumerate(n.weights, 1):
                    ids[w] = f"W{n.layer}_{n.index}_{j}"
                for v in (n.z, n.a, n.bias):
                    if v is not None:
                        ids[v] = f"N{n.layer}_{n.index}"
        ids[self.loss] = "L"
        return ids

    def neuron(self, layer: int, index: int) -> NetworkNeuron:
        """Neuron ``index`` of layer ``layer``, both counted from 1."""
        if not 1 <= layer <= len(self.layers) or not 1 <= index <= len(self.layers[layer - 1]):
            raise IndexError(
                f"Network.neuron({layer}, {index}): the network has layers 1 … {len(self.layers)} "
                f"of widths {', '.join(str(len(ly)) for ly in self.layers)}"
            )
        return self.layers[layer - 1][index - 1]


_ADVICE = "draw the graph as it is with draw(L), or one box per neuron with draw(L, summarize=True)"


def find_network(root: Value) -> Network:
    """The network that computed ``root``: its inputs, its neurons layer by layer, and the loss.

    Expects the loss of one sample through an nn ``MLP`` or ``Layer``
    (``L = nn.mse_loss(model(x), y)``). Raises ``NotANetworkError`` for a
    graph without nn's weights (no Parameter with a ``site``), a graph of
    several samples (the same neuron computed twice), and a root that is the
    network's output itself rather than a loss computed from it.
    """
    if not isinstance(root, Value):
        raise TypeError(f"find_network(root): expected a Value (a loss), got {type(root).__name__}")
    order = topological_order(root)
    sited = [v for v in order if isinstance(v, Parameter) and v.site is not None]
    if not sited:
        raise NotANetworkError(
            "the network picture needs a graph made by an nn model (a loss of an MLP or a Layer, whose "
            f"weights know their place in the network), but this graph of {len(order)} values has no such "
            f"weight; {_ADVICE}"
        )
    group = summary_groups(order, root)
    outputs = group_outputs(order, group)
    users: dict[Value, list[Value]] = {}
    for v in order:
        for x in v.inputs:
            users.setdefault(x, []).append(v)
    # Each neuron's group, found from its weights' sites (the group's name is not read).
    place_of_group: dict[str, tuple[int, int]] = {}
    params: dict[tuple[int, int], dict[int | None, Parameter]] = {}
    for p in sited:
        layer, i, j = p.site
        place = (1 if layer is None else layer, i)
        key = group[p]
        if key is None or place_of_group.setdefault(key, place) != place:
            raise NotANetworkError(
                f"the weights of neuron {i} of layer {place[0]} are not used as one neuron's weights "
                f"(a weighted sum and an activation); {_ADVICE}"
            )
        own = params.setdefault(place, {})
        if own.setdefault(j, p) is not p:
            raise NotANetworkError(
                f"two weights sit at the same place ({'bias' if j is None else f'input {j}'} of neuron {i} "
                f"of layer {place[0]}): this graph holds more than one model; the network picture draws one. "
                f"Draw each model's loss alone, or {_ADVICE}"
            )
    if root.operation is not None and root.operation.kind == "activation" and root.inputs[0] in group \
            and group[root.inputs[0]] in place_of_group:
        raise NotANetworkError(
            "the network picture draws a loss computed from the network's output "
            "(L = nn.mse_loss(model(x), y)), but the root is a neuron's own activation; "
            f"compute a loss first, or {_ADVICE}"
        )
    neurons: dict[tuple[int, int], NetworkNeuron] = {}
    for key, place in place_of_group.items():
        neurons[place] = _neuron(place, outputs.get(key, []), params[place], group, key)
    layers = _layers(neurons)
    inputs = _inputs(layers[0], users, group)
    _check_wiring(layers, users)
    return Network(inputs, layers, root)


def _neuron(
    place: tuple[int, int], outs: list[Value], weights: dict[int | None, Parameter],
    group: dict[Value, str | None], key: str,
) -> NetworkNeuron:
    layer, i = place
    # A neuron's output is its activation, or for a linear neuron its sum.
    candidates = [v for v in outs if _activation_of(v, group, key) is not None or v.op in ("sum", "+")]
    if len(candidates) > 1:
        raise NotANetworkError(
            f"the network picture shows one sample, but neuron {i} of layer {layer} is computed "
            f"{len(candidates)} times in this graph (a loss over {len(candidates)} samples); draw the "
            f"loss of one sample, nn.mse_loss(model(x), y), or {_ADVICE}"
        )
    if not candidates:
        raise NotANetworkError(
            f"neuron {i} of layer {layer} has no output that the rest of the graph uses (expected "
            f"its activation a, feeding the next layer or the loss); is the root the network's output "
            f"itself? Draw a loss computed from it, or {_ADVICE}"
        )
    a = candidates[0]
    activation = _activation_of(a, group, key)
    z = a.inputs[0] if activation is not None else a
    js = sorted(j for j in weights if j is not None)
    if js != list(range(1, len(js) + 1)):
        raise NotANetworkError(f"neuron {i} of layer {layer} has weights for inputs {js}, expected 1 … n")
    return NetworkNeuron(layer, i, z, a, tuple(weights[j] for j in js), weights.get(None),
                         activation or "linear")


def _activation_of(v: Value, group: dict[Value, str | None], key: str) -> str | None:
    operation = v.operation
    if operation is not None and operation.kind == "activation" and group.get(v.inputs[0]) == key:
        return operation.name
    return None


def _layers(neurons: dict[tuple[int, int], NetworkNeuron]) -> tuple[tuple[NetworkNeuron, ...], ...]:
    count = max(layer for layer, _ in neurons)
    layers = []
    for layer in range(1, count + 1):
        width = max((i for ly, i in neurons if ly == layer), default=0)
        missing = [i for i in range(1, width + 1) if (layer, i) not in neurons]
        if width == 0 or missing:
            raise NotANetworkError(
                f"the graph holds no neuron {missing[0] if missing else 1} of layer {layer}: the network "
                f"picture draws every neuron of every layer; {_ADVICE}"
            )
        layers.append(tuple(neurons[layer, i] for i in range(1, width + 1)))
    return tuple(layers)


def _product_partner(w: Parameter, users: dict[Value, list[Value]], group: dict[Value, str | None]) -> Value:
    """What ``w`` multiplies: the input (or activation before) that its weight scales."""
    for u in users.get(w, ()):
        if u.op == "*" and group.get(u) == group.get(w) and len(u.inputs) == 2:
            other = u.inputs[1] if u.inputs[0] is w else u.inputs[0]
            return other
    raise NotANetworkError(
        f"the weight {_said(w)} is not multiplied by an input in this graph (expected w·x); {_ADVICE}"
    )


def _said(w: Parameter) -> str:
    """A weight as an error message names it: ``w⁽²⁾₁₃ (layer 2, neuron 1, input 3)``."""
    layer, i, j = w.site
    name = typeset(visible(w.label)) + " " if w.label else ""
    return f"{name}(layer {layer or 1}, neuron {i}, input {j})"


def _inputs(
    first: tuple[NetworkNeuron, ...], users: dict[Value, list[Value]], group: dict[Value, str | None],
) -> tuple[Value, ...]:
    inputs = tuple(_product_partner(w, users, group) for w in first[0].weights)
    for n in first[1:]:
        theirs = tuple(_product_partner(w, users, group) for w in n.weights)
        if theirs != inputs:
            raise NotANetworkError(
                f"the neurons of the first layer read different inputs (neuron {n.index} does not read "
                f"what neuron 1 reads): this graph holds more than one sample; {_ADVICE}"
            )
    return inputs


def _check_wiring(layers: tuple[tuple[NetworkNeuron, ...], ...], users: dict[Value, list[Value]]) -> None:
    """Each layer reads the activations of the one before, weight j scaling neuron j's a."""
    for before, layer in zip(layers, layers[1:]):
        for n in layer:
            if len(n.weights) != len(before):
                raise NotANetworkError(
                    f"neuron {n.index} of layer {n.layer} has {len(n.weights)} weights, but layer "
                    f"{n.layer - 1} has {len(before)} neurons; {_ADVICE}"
                )
            for w, prev in zip(n.weights, before):
                if not any(u.op == "*" and w in u.inputs and prev.a in u.inputs for u in users.get(w, ())):
                    raise NotANetworkError(
                        f"the weight {_said(w)} does not scale the activation of neuron {prev.index} of "
                        f"layer {prev.layer}; {_ADVICE}"
                    )


# ----------------------------------------------------------------------
# The picture

@dataclass(frozen=True)
class _Look:
    node_size: int
    edge_size: int
    title_size: int
    digits: str | None
    graph: tuple[tuple[str, str], ...]


_LOOKS = {
    False: _Look(12, 11, 12, None, (("nodesep", "0.12"), ("ranksep", "0.25"))),
    # A projector: large text, 3 digits, the drawing stretched (never shrunk) to 16:9.
    True: _Look(20, 20, 22, ".3g", (("nodesep", "0.1"), ("ranksep", "0.3"), ("ratio", "0.5625"),
                                    ("pad", "0.05"))),
}

_INPUT = "#dbeafe"
_NEURON = "#fef3c7"
_LOSS = "#bbf7d0"
_HIGHLIGHT = "#dc2626"
_RED = {"color": _HIGHLIGHT, "penwidth": "3"}
# One colour per neuron for the arrows into it (none of them red, the highlight's colour).
_PALETTE = ("#1d4ed8", "#047857", "#7c3aed", "#b45309", "#0e7490", "#a21caf", "#4d7c0f", "#475569")
_UNKNOWN = "?"
_DIGIT = re.compile(r"[0-9]")


def _pending(final: str) -> str:
    """``?`` for a number not known yet, holding the room of ``final``, the number it will be.

    The rest of the room is an invisible ``0.000``-like text of the same
    shape (every digit a 0: the number itself is not given away), so that the
    pictures of a pass half done keep the layout of the finished one.
    """
    final = _esc(final)
    # "?" stands in for a digit, as wide as any in Helvetica; a minus sign keeps its own width
    # (Graphviz measures "−" as wider than a digit), as "?−.0000" for −0.0672.
    rest = "−" + _DIGIT.sub("0", final[2:]) if final.startswith("−") else _DIGIT.sub("0", final[1:])
    return _UNKNOWN + (f'<font color="transparent">{rest}</font>' if rest else "")


def _esc(text: str) -> str:
    return html_module.escape(visible(text), quote=True)


def _script(label: str) -> str:
    """A label as Graphviz's HTML-like text, with real sub- and superscripts."""
    return markup.html(visible(label))


def _unit(letter: str, n: NetworkNeuron) -> str:
    return f"{letter}<sub>{n.index}</sub><sup>({n.layer})</sup>"


_SCRIPTED = re.compile(r"<(sub|sup)>(.*?)</\1>")
_AFTER_SCRIPT = re.compile(r"(</su[bp]>) ")


def _typeset_scripts(text: str, size: int) -> str:
    """Sub- and superscripts at ``SCRIPT_SCALE`` of the text's ``size``, and a space after one that stays.

    Graphviz lays a row out piece by piece at the sizes it is given, one SVG
    text per piece; a script at full size stands apart from its letter. A
    piece's leading space is dropped by a browser (SVG collapses it), so the
    space after a script is a no-break space: ``z₁⁽²⁾ = 1.05``, not ``z₁⁽²⁾= 1.05``.
    """
    small = round(SCRIPT_SCALE * size)  # Graphviz reads a whole point size
    text = _SCRIPTED.sub(lambda m: f'<{m[1]}><font point-size="{small}">{m[2]}</font></{m[1]}>', text)
    return _AFTER_SCRIPT.sub(r"\1&#160;", text)


def _rows(rows: list[str], size: int) -> str:
    """HTML-like rows, one under the other, centred; ``size`` is their text's point size."""
    table = "".join(f"<tr><td>{_typeset_scripts(r, size)}</td></tr>" for r in rows)
    return f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">{table}</table>>'


def _on_white(text: str, size: int) -> str:
    """An arrow's label on a white ground: an arrow passing under it does not cross its text."""
    return (f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="0" bgcolor="white">'
            f"<tr><td>{_typeset_scripts(text, size)}</td></tr></table>>")


def _name(v: Value, fallback: str) -> str:
    """A Value's own label typeset (nn labels z, a, w and b as the lecture does), else ``fallback``."""
    return _script(v.label) if v.label else fallback


def network_graph(
    root: Value,
    *,
    slide: bool = False,
    number: Callable[[float], str] | None = None,
    show_grad: bool = True,
    legend: bool = True,
    element_ids: bool = False,
    grads: Mapping[Value, float] | None = None,
    values: Mapping[Value, float] | None = None,
    highlight: Value | None = None,
    mark: Iterable[Value | tuple[Value, int]] = (),
    max_weights: int | None = None,
) -> graphviz.Digraph:
    """Draw the network that computed the loss ``root`` as the lecture does; return a ``graphviz.Digraph``.

    Args:
        root: the loss of one sample through an nn model, ``nn.mse_loss(model(x), y)``.
        slide: the look for a projector: large text, 3 significant digits,
            the picture stretched to 16:9 (text never shrinks to fit).
        number: how to write a number (default: up to 4 significant digits,
            3 on a slide, a true minus sign, as every view writes them).
        show_grad: show δ and the gradients (turn off before ``backward()``).
        legend: a line under the picture saying what z, a, δ and the arrows are.
        element_ids: SVG ids ``N{l}_{i}``, ``X{j}``, ``W{l}_{i}_{j}`` and ``L``
            (see the module's docstring).
        grads, values: numbers to show instead of ``.grad`` and ``.data``
            (a Value missing from them shows ``?``), as ``draw`` takes them.
        highlight: a Value of the graph (a weight, a bias, an input, a neuron's
            z or a): every path from it to the loss is drawn in red.
        mark: Values to paint red, what has just changed: a neuron's z, a or
            bias (its circle), a weight or its product w·a (its arrow), an
            input, the loss or a step of it; a pair (result, input position),
            as ``draw`` takes it, marks its result.
        max_weights: refuse (``GraphTooLargeError``) a network of more weights
            than this, each an arrow with its label (None: any number).

    Raises ``NotANetworkError`` when the graph is not one sample through an
    nn network (see ``find_network``).
    """
    net = find_network(root)
    weights = sum(len(n.weights) for layer in net.layers for n in layer)
    if max_weights is not None and weights > max_weights:
        raise GraphTooLargeError(
            f"draw(style='network'): the network has {weights} weights, more than {max_weights}; "
            "each is an arrow with its label, which no slide can hold and Graphviz takes long to lay out. "
            "Draw it anyway with draw(L, style='network', max_nodes=None), or one box per neuron "
            "with draw(L, summarize=True)"
        )
    look = _LOOKS[bool(slide)]
    if number is None:
        number = (lambda x: number_text(x, look.digits)) if look.digits else number_text
    elif not callable(number):
        raise TypeError(
            f"network_graph(number=...): expected a function float -> str, got {type(number).__name__}"
        )
    order = topological_order(root)
    if highlight is not None and highlight not in set(order):
        raise ValueError("network_graph(highlight=...): that Value is not part of the graph of root")
    hot: set[Value] = set()
    if highlight is not None:  # every Value on a path from it to the loss
        hot = {highlight}
        for v in order:
            if any(x in hot for x in v.inputs):
                hot.add(v)
    picture = _Picture(net, look, number, shown_numbers(order, grads, values), show_grad, element_ids,
                       hot, _marked_elements(net, order, mark), order)
    columns = [picture.inputs(), *(picture.neurons(layer) for layer in net.layers), picture.loss(legend)]
    picture.weights()
    titles = ["inputs", *(f"layer {k + 1} · {_activation_word(layer[0].activation)}"
                          for k, layer in enumerate(net.layers)), "loss"]
    picture.columns(titles, columns)
    if legend:
        picture.legend()
    return picture.g


class _Picture:
    """The network picture as it is drawn: one method per part (inputs, neurons, loss, weights)."""

    def __init__(
        self, net: Network, look: _Look, number: Callable[[float], str], board: dict, show_grad: bool,
        element_ids: bool, hot: set[Value], marked: set[str], order: list[Value],
    ) -> None:
        self.net, self.look, self.number, self.board = net, look, number, board
        self.show_grad, self.element_ids, self.hot, self.marked = show_grad, element_ids, hot, marked
        weights = {w for layer in net.layers for n in layer for w in n.weights}
        # Each weight's product w·a: on a highlighted path exactly when the arrow is.
        self.products = {x: v for v in order if v.op == "*" for x in v.inputs if x in weights}
        g = import_graphviz().Digraph("network", format="svg")
        g.attr(rankdir="LR", newrank="true", outputorder="edgesfirst", **dict(look.graph))
        g.attr("node", fontname="Helvetica", fontsize=str(look.node_size))
        g.attr("edge", fontname="Helvetica", fontsize=str(look.edge_size))
        self.g = g

    def exact(self, *vs: tuple[Value | None, str]) -> dict[str, str]:
        """The exact floats on hover (a slide shows 3 digits): each Value by its label, else ``name``."""
        texts = [hover_text(typeset(visible(v.label)) if v.label else name, self.board[v]) for v, name in vs
                 if v is not None]
        return {"tooltip": "; ".join(texts)}

    def data(self, v: Value) -> str:
        shown = self.board[v].data
        return _pending(self.number(v.data)) if shown is None else _esc(self.number(shown))

    def grad(self, v: Value) -> str:
        shown = self.board[v].grad
        return _pending(self.number(v.grad)) if shown is None else _esc(self.number(shown))

    def attrs(self, element: str, red: bool, **attrs: str) -> dict[str, str]:
        """``attrs``, with the element's SVG id if asked for, and red when it is highlighted or marked."""
        if self.element_ids:
            attrs["id"] = element
        if red or element in self.marked:
            attrs.update(_RED)
        return attrs

    def inputs(self) -> list[str]:
        """The inputs' circles: name over number (a narrower circle, a narrower column)."""
        column = []
        for j, x in enumerate(self.net.inputs, 1):
            rows = [_name(x, f"x<sub>{j}</sub>"), f"= {self.data(x)}"]
            self.g.node(f"X{j}", _rows(rows, self.look.node_size), **self.attrs(
                f"X{j}", x in self.hot, shape="circle", style="filled", fillcolor=_INPUT, margin="0.02",
                **self.exact((x, f"x{j}"))))
            column.append(f"X{j}")
        return column

    def neurons(self, layer: tuple[NetworkNeuron, ...]) -> list[str]:
        """One circle per neuron: z, a = g(z), δ = ∂L/∂z, and the bias with its gradient."""
        column = []
        for n in layer:
            if n.a is not n.z:
                rows = [f"{_name(n.z, _unit('z', n))} = {self.data(n.z)}",
                        f"{_name(n.a, _unit('a', n))} = {self.data(n.a)}"]
            else:  # linear: the sum is the output, and nn labels it a
                rows = [f"{_unit('z', n)} = {_name(n.a, _unit('a', n))}", f"= {self.data(n.a)}"]
            if self.show_grad:
                rows.append(f"δ<sub>{n.index}</sub><sup>({n.layer})</sup> = {self.grad(n.z)}")
            if n.bias is not None:
                rows.append(f"{_name(n.bias, _unit('b', n))} = {self.data(n.bias)}")
                if self.show_grad:
                    rows.append(f"∂L/∂b = {self.grad(n.bias)}")
            node = f"N{n.layer}_{n.index}"
            self.g.node(node, _rows(rows, self.look.node_size), **self.attrs(
                node, n.z in self.hot or n.a in self.hot, shape="circle", style="filled", fillcolor=_NEURON,
                margin="0", **self.exact((n.z, "z"), (n.a if n.a is not n.z else None, "a"), (n.bias, "b"))))
            column.append(node)
        return column

    def loss(self, legend: bool) -> list[str]:
        """The loss, and after backward its slope at each output, ∇ₐL, where the delta rule starts.

        (In the box rather than on the arrows: a column of arrow labels would cost a slide's width.)
        """
        root = self.net.loss
        rows = [f"{_name(root, 'L')} = {self.data(root)}"]
        if self.show_grad:
            rows += [f"∂L/∂{_name(n.a, _unit('a', n))} = {self.grad(n.a)}" for n in self.net.layers[-1]]
        self.g.node("L", _rows(rows, self.look.node_size), **self.attrs(
            "L", root in self.hot, shape="box", style="filled,rounded", fillcolor=_LOSS, penwidth="2",
            margin="0.08", **self.exact((root, "L"))))
        return ["L", "legend"] if legend else ["L"]

    def weights(self) -> None:
        """An arrow per weight, from the Value it scales (an input, an activation), in its neuron's colour."""
        sources = [f"X{j}" for j in range(1, len(self.net.inputs) + 1)]
        for layer in self.net.layers:
            for n in layer:
                colour = _PALETTE[(n.index - 1) % len(_PALETTE)]
                for j, (w, src) in enumerate(zip(n.weights, sources), 1):
                    text = f"{_name(w, f'w<sub>{n.index}{j}</sub><sup>({n.layer})</sup>')} = {self.data(w)}"
                    if self.show_grad:
                        text += f"<br/>∂L/∂w = {self.grad(w)}"
                    element = f"W{n.layer}_{n.index}_{j}"
                    attrs = self.attrs(element, self.products.get(w) in self.hot,
                                       label=_on_white(text, self.look.edge_size), color=colour,
                                       fontcolor=colour, **self.exact((w, "w")))
                    if attrs["color"] == _HIGHLIGHT:
                        attrs["fontcolor"] = _HIGHLIGHT
                    self.g.edge(src, f"N{n.layer}_{n.index}", **attrs)
            sources = [f"N{n.layer}_{n.index}" for n in layer]
        for n in self.net.layers[-1]:  # and the outputs' arrows into the loss
            self.g.edge(f"N{n.layer}_{n.index}", "L", **(_RED if n.a in self.hot else {}))

    def columns(self, titles: list[str], columns: list[list[str]]) -> None:
        """Each column with its title on top and its nodes in index order below."""
        for k, (title, column) in enumerate(zip(titles, columns)):
            with self.g.subgraph() as same:
                same.attr(rank="same")
                same.node(f"title{k}", _esc(title), shape="plaintext", fontsize=str(self.look.title_size))
                chain = [f"title{k}", *column]
                for a, b in zip(chain, chain[1:]):
                    same.edge(a, b, style="invis")

    def legend(self) -> None:
        """A node of the last column, under the loss: a graph label would fall outside the 16:9 ratio."""
        lines = ["z = Σ w·a + b", "a = g(z)"]
        lines += ["δ = ∂L/∂z", "arrow: w, ∂L/∂w"] if self.show_grad else ["arrow: a weight w"]
        self.g.node("legend", "<" + "<br/>".join(_esc(t) for t in lines) + ">", shape="box", style="rounded",
                    color="#9ca3af", fontsize=str(self.look.edge_size), margin="0.1")


def _marked_elements(
    net: Network, order: list[Value], mark: Iterable[Value | tuple[Value, int]],
) -> set[str]:
    """The ids of the parts of the picture to paint red for ``mark``.

    A Value drawn in the picture marks its part (a neuron's z, a or bias its
    circle; a weight its arrow); a product w·a, drawn as the weight's arrow,
    marks that arrow; any other Value is part of the loss. A pair (result,
    input position), as ``draw(mark=...)`` takes it, marks the result's part.
    """
    ids = net.element_ids()
    for v in order:
        if v.op == "*" and v not in ids:
            weights = [ids[x] for x in v.inputs if isinstance(x, Parameter) and x in ids]
            if weights:
                ids[v] = weights[0]
    known = set(order)
    marked: set[str] = set()
    for item in mark:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Value):
            item = item[0]
        if not isinstance(item, Value) or item not in known:
            got = "a Value of another graph" if isinstance(item, Value) else type(item).__name__
            raise ValueError(
                "network_graph(mark=...): expected Values of the graph of root (or (result, input "
                f"position) pairs), got {got}"
            )
        marked.add(ids.get(item, "L"))
    return marked


_ACTIVATION_WORDS = {"sigmoid": "σ", "linear": "linear"}


def _activation_word(name: str) -> str:
    return _ACTIVATION_WORDS.get(name, name)
