"""Pictures of the computation graph.

``draw(L)`` turns everything ``L`` depends on into a Graphviz graph:

- every Value is a box with its name, its number (``data``) and its gradient
  ``∂L/∂v`` (``grad``, the number ``backward()`` left there); a constant (a
  plain number lifted into the graph) is a grey box with its number alone;
- every operation is a small circle with its symbol (``+``, ``×``, ``tanh``),
  between the boxes of its inputs and the box of its result; the arrows into
  a two-input operation arrive on opposite sides (1st input on top), and for
  ``−``, ``÷`` and ``^`` they say which operand they are;
- with ``edge_labels=True`` each arrow into an operation carries the *local
  derivative* ∂(result)/∂(input), the factor the chain rule multiplies by on
  that edge.

Colours tell the roles apart, and a legend says which is which: inputs
(labelled leaves) blue, parameters (``autograd.Parameter``, as nn makes its
weights and biases, and any you pass as ``parameters=``) amber, constants
grey, the output green. ``highlight=x`` paints every path from ``x`` to the
output red: the paths along which ``∂L/∂x`` is collected. ``style="slide"``
draws for a projector.

How a drawing looks is one ``Style`` (its picture, size, direction, number
format, what the arrows say...), given by name (``style="slide"``) or as an
object, and any of its fields may be given as a keyword too:
``draw(L, style="slide", edge_labels=True)``. The pieces live in modules of
their own: ``grouping`` (which Values form a neuron's or a layer's box),
``dot`` (the DOT builders) and ``render`` (the ``Drawing`` and its renderers).

>>> from autograd import Value, draw
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> L = a * b + b; L.label = "L"
>>> L.backward()
>>> d = draw(L, edge_labels=True)
>>> d.save("graph.png")          # doctest: +SKIP
>>> print(d.source)              # doctest: +SKIP

Rendering needs a ``dot`` program: Graphviz's own (``apt install graphviz``,
``brew install graphviz``, ``conda install graphviz``), or the pip package
``graphviz-pure``, which ships a compatible renderer and is part of the
``draw`` extra (``pip install "chainrule[draw]"``).
"""


from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..engine import Value
from ..graph import topological_order
from .dot import GraphTooLargeError, Scene, graph_dot, scene, summary_dot
from .grouping import group_outputs, label_group, summary_groups
from .network import NotANetworkError, network_graph
from .render import (
    DEFAULT_TIMEOUT,
    RENDERER_ENV,
    RENDERERS,
    Drawing,
    RendererNotFoundError,
    RenderTimeoutError,
    check_timeout,
    find_renderer,
    fit_width,
    register_renderer,
)
from .style import GRAPH_STYLES, STYLES, Style, number_formatter

__all__ = [
    "draw",
    "Style",
    "Drawing",
    "GraphTooLargeError",
    "RendererNotFoundError",
    "RenderTimeoutError",
    "RENDERERS",
    "DEFAULT_TIMEOUT",
    "RENDERER_ENV",
    "find_renderer",
    "register_renderer",
    "fit_width",
    "label_group",
    "summary_groups",
    "group_outputs",
    "STYLES",
    "GRAPH_STYLES",
    "NotANetworkError",
    "NETWORK_MAX_WEIGHTS",
]

DEFAULT_MAX_NODES = 300


def draw(
    root: Value,
    *,
    style: str | Style = "default",
    highlight: Value | None = None,
    parameters: Iterable[Value] = (),
    grads: Mapping[Value, float] | None = None,
    values: Mapping[Value, float] | None = None,
    mark: Iterable[Value | tuple[Value, int]] = (),
    max_nodes: int | None = DEFAULT_MAX_NODES,
    renderer: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
    **options: Any,
) -> Drawing:
    """Draw everything ``root`` depends on; return a ``Drawing``.

    Args:
        root: the output Value (usually the loss ``L``).
        style: how it looks: a name (``"default"``, ``"slide"``, ``"network"``,
            ``"network-slide"``) or a
            ``Style``. Its fields may also be given as keywords, which win:
            ``rankdir``, ``fmt``, ``edge_labels``, ``show_grad``, ``legend``,
            ``summarize``, ``group_by``, ``element_ids``, ``slide``, ``network``
            (see ``Style``). The network styles raise ``NotANetworkError``
            for a graph that is not one sample through an nn model.
        highlight: a Value of the graph; every path from it to the output is
            drawn in red.
        parameters: Values to colour as trainable parameters, besides the
            ``autograd.Parameter``s (nn's weights and biases), which always are.
        grads: gradients to show instead of ``.grad`` (for example
            ``explain(L).gradients``, which needs no ``backward()``); a Value
            missing from it shows ``?``.
        values: values to show instead of ``.data``; a Value missing from
            it shows ``?`` (a forward pass half done).
        mark: Values and arrows (``(result, input position)``) to paint red:
            what has just changed (``write_frames`` uses it).
        max_nodes: refuse graphs with more Values than this, with a message
            (``None`` draws any size); the network picture refuses more than
            ``NETWORK_MAX_WEIGHTS`` (64) weights unless it is ``None``.
        renderer: ``"dot"`` or ``"graphviz-pure"`` to force one (default:
            ``dot`` if installed, else graphviz-pure; or ``$CHAINRULE_RENDERER``).
        timeout: seconds the renderer may run when the drawing is saved or
            shown (``None``: no limit); past it, ``RenderTimeoutError``.

    For ``a − b``, ``a ÷ b`` and ``a ^ b`` each arrow says which operand it
    is (``1st``, ``2nd``), with or without edge labels.

    A value that feeds many operations far apart (``x + x + ... + x``) has
    its arrows drawn as one trunk with a branch to each operation: each
    branch still carries its own local derivative, and Graphviz lays it out
    in a second instead of minutes.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw(root): expected a Value, got {type(root).__name__}")
    look = Style.of(style).replace(**options)
    if renderer is not None and renderer not in RENDERERS:
        raise ValueError(
            f"draw(renderer=...): expected one of {', '.join(map(repr, RENDERERS))}, got {renderer!r}"
        )
    timeout = check_timeout(timeout, "draw(timeout=...)")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"draw(max_nodes=...): expected a positive int or None, got {max_nodes!r}")
    if look.network:
        number = number_formatter(look.fmt) if look.fmt is not None else None
        g = network_graph(root, slide=look.slide, number=number, show_grad=look.show_grad, legend=look.legend,
                          element_ids=look.element_ids, grads=grads, values=values, highlight=highlight,
                          mark=mark, max_weights=None if max_nodes is None else NETWORK_MAX_WEIGHTS)
        return Drawing(g, len(topological_order(root)), False, renderer, timeout)
    s = scene(root, look, highlight=highlight, parameters=parameters, grads=grads, values=values, mark=mark)
    if look.summarize is not False or look.group_by is not None:
        return Drawing(summary_dot(s, look, max_nodes), len(s.order), True, renderer, timeout)
    _check_size(s, max_nodes)
    return Drawing(graph_dot(s, look), len(s.order), False, renderer, timeout)


#: Above this many weights the network picture is refused unless max_nodes=None: each weight is
#: an arrow with a label: a 2-16-16-1 net's 304 took 24 s to draw (dot, a 2-core machine), unreadable.
NETWORK_MAX_WEIGHTS = 64


def _check_size(s: Scene, max_nodes: int | None) -> None:
    if max_nodes is not None and len(s.order) > max_nodes:
        raise GraphTooLargeError(
            f"draw: the graph has {len(s.order)} values, more than max_nodes={max_nodes}; a drawing that "
            "large is unreadable and slow to render. Draw it anyway with draw(root, max_nodes=None), "
            "or draw one box per neuron with draw(root, summarize=True) "
            "(groups from an nn model's neurons or dotted labels, or your own group_by=...)"
        )
