"""A web page that replays forward, backward and one update, one step at a time.

``write_stepper(L, "steps.html")`` writes one self-contained HTML file: the
drawing of the graph (inline SVG), the steps, a table of every Value, and
buttons. It needs no network and no server: open it from disk in any
browser, in class, on a projector.

The steps, in order:

1. **Forward**, one operation at a time: the leaves are given, and each
   result's value appears as it is computed (``t1 = x1 · w1 = 2 · (−3) = −6``).
2. **The start of backward**, ``∂L/∂L = 1``.
3. **Backward**, one edge at a time, exactly the steps of ``explain(L)``,
   written as the board writes them (see ``quiz.py``): a Value used once,
   ``∂L/∂b = ∂L/∂z · ∂z/∂b = (−0.125) · 1 = −0.125``; a Value used more than
   once, one line per path, ``via y: ∂f/∂y · ∂y/∂s = 6 · r = 6 · 2 = 12``,
   then ``∂f/∂s = 12 + 12 = 24``. The local derivative is written as its
   formula, then as a number. The arrow being used turns red and the
   gradient at its tail appears (or grows). An arrow shows its local
   derivative only once the values it uses are computed.
4. Optionally **one gradient-descent update**: every parameter
   ``w ← w − η·∂L/∂w`` with its numbers, then the forward pass again with
   the new parameters and the loss before and after (``L: 0.0758 → 0.06658``).
   ``lr=`` sets η (default None: no update step); the page has a field to
   change it, or to add the step.
   The parameters are the leaves that are ``autograd.Parameter`` (nn makes
   every weight and bias one), unless ``parameters=`` lists them.

**Next** (→ or space), **Previous** (←), **Start** (Home), **End** (End).
``steps.html#step=12`` opens at step 12 and the address follows the steps.
Click any box to see its whole chain-rule sum, ``∂L/∂a = Σ ∂L/∂c · ∂c/∂a``
over the operations that use it, with its numbers, once they are known. The boxes are drawn in
draw's slide style (name, value and ``∂L/∂a =`` stacked, large text).

The view follows the steps, for a lecture hall: at each step it zooms to a
size where the drawing's text is readable from the back (about 18 px tall,
27 px in Present mode) and pans, smoothly (at once under the browser's
reduced-motion setting), so that the step's arrow and both its ends are in
view; a graph that is readable whole is shown whole. While part of the
graph is out of view, a small overview of all of it frames the part shown;
a click on it goes there. **Fit** (0) shows everything; it, a zoom (+ / −,
Ctrl+wheel, a pinch) or a drag keep the view where it was put until the next
step, or until **Follow**. F (or **Present**) enlarges the text and the graph.

With ``quiz=True`` the page asks before it tells: before a value or a
gradient is revealed, the student types it, and no number that answers
this question or a later one is on the page (arrows, boxes, tooltips, the
table, the list of steps, a clicked box's panel) until it is answered.
After the contributions of a Value used more than once, the quiz asks for
their sum. An answer within 1 % of the true number, or within 0.001 of it
when that is larger, counts as right; at a kink every subgradient does.
A wrong answer is told what went wrong when it is a usual mistake (a wrong
sign, a missing factor, the wrong factors, a total for a contribution or
the other way round), else it gets a hint, and another try; **Reveal**
gives the answer. The score is shown as it goes and at the end.

Graphs whose labels are dotted (nn's ``layers.0.neurons.3.w.1``) can be
seen one box per neuron: a click on a box expands it in the full drawing,
and **Next neuron** applies all the steps of one neuron at once. Their
steps go one neuron after another, layer by layer: forward the first
layer's neurons, then the next layer's; backward the other way.

With ``layers=True`` a graph made by an nn MLP on one sample (its loss,
``nn.mse_loss([model(x)], [y])``) is stepped through as the lecture writes
it, a whole layer per step, on the network picture (``network_graph``'s
circles and arrows): forward ``z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾``
and ``a⁽ˡ⁾ = g(z⁽ˡ⁾)`` for l = 1 … L, then backward by the delta rule,
``δ⁽ᴸ⁾ = ∇ₐL ⊙ g′(z⁽ᴸ⁾)``, ``δ⁽ˡ⁾ = (W⁽ˡ⁺¹⁾)ᵀ δ⁽ˡ⁺¹⁾ ⊙ g′(z⁽ˡ⁾)``, with
``∂L/∂W⁽ˡ⁾ = δ⁽ˡ⁾ (a⁽ˡ⁻¹⁾)ᵀ`` and ``∂L/∂b⁽ˡ⁾ = δ⁽ˡ⁾``, each with its numbers
(see ``layers.py``). The layer's neurons light up, and the picture's
numbers appear as the steps compute them. A click on δᵢ (on its neuron, or
its number key 1–9) shows the scalar chain rule that makes it, typeset as the
equations are: δₖ⁽ˡ⁺¹⁾ · wₖᵢ⁽ˡ⁺¹⁾ from each neuron k of the layer above (the
output's from the loss's slope), their sum ∂L/∂aᵢ⁽ˡ⁾, then times g′(zᵢ⁽ˡ⁾).

All numbers are the ones Python computed: after the last backward step
every gradient equals the one ``L.backward()`` computes, to the last bit.
Only a learning rate typed on the page is applied by the browser, with the
same double-precision arithmetic, ``w - η * grad``, and the forward pass
after it too (each operation as the engine computes it; the browser's exp
and tanh may differ from Python's in the last bit).

The options of every entry point (``write_stepper``, ``stepper_html``,
``stepper_fragment``, ``autograd.stepper``, the CLI's ``--html``) are one
``StepperOptions``, given as an object or as keywords.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import math
import numbers
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..checks import did_you_mean, number_format, real_number
from ..engine import Parameter, Value
from .draw import DEFAULT_TIMEOUT, RENDERERS, Drawing, GraphTooLargeError, draw, group_outputs, summary_groups
from .explain import explain
from .grouping import group_title
from .layers import layer_steps, network_of, tag_numbers
from .naming import in_derivative, is_constant, number_text
from .quiz import QUIZ_ABS_TOLERANCE, QUIZ_REL_TOLERANCE, Lesson, board_number
from .roles import value_role

__all__ = [
    "StepperOptions", "stepper_html", "stepper_fragment", "write_stepper", "QUIZ_REL_TOLERANCE",
    "QUIZ_ABS_TOLERANCE",
]

# Above this many Values a graph with groups opens one box per neuron.
_COLLAPSE_ABOVE = 40


_RANKDIRS = ("LR", "TB", "RL", "BT")


@dataclass(frozen=True)
class StepperOptions:
    """How a stepper page is made: the one list of options of ``write_stepper``,
    ``stepper_html``, ``stepper_fragment``, ``autograd.stepper`` and the CLI's ``--html``.

    Each of them takes these as keywords (``write_stepper(L, path, lr=0.1)``)
    or as one object (``write_stepper(L, path, StepperOptions(lr=0.1))``);
    the values are checked here, once, when the object is made.

    Attributes:
        fmt: the number format shown; None writes numbers as explain does,
            up to 4 significant digits (``".4f"`` for fixed decimals).
        rankdir: the drawing direction, ``"LR"`` or ``"TB"`` (``"RL"``, ``"BT"``).
        grad: the seed ∂L/∂L (1.0).
        title: the page's heading (None: "Forward and backward through L").
        renderer: ``"dot"`` or ``"graphviz-pure"`` (None: the one installed);
            the graph is drawn when the page is written, not when it is opened.
        max_nodes: graphs with more Values are refused, with the way out
            (a replay of thousands of steps teaches nothing); None insists.
        timeout: seconds the renderer may run (None: no limit).
        quiz: question mode: the student types each value and gradient
            before it is shown (right within 1 %, or 0.001 when larger).
        lr: the learning rate η of one gradient-descent update shown after
            backward (None: no update step; it can be added on the page).
        parameters: the leaves the update changes (a tuple); None: every leaf
            that is an ``autograd.Parameter`` (nn's weights and biases).
        layers: the layer view, for the loss of an nn MLP on one sample: one
            step per layer forward (``z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾``, ``a⁽ˡ⁾ = g(z⁽ˡ⁾)``),
            then one per layer backward by the delta rule (δ⁽ˡ⁾, ∂L/∂W⁽ˡ⁾,
            ∂L/∂b⁽ˡ⁾), each with its numbers, on the network picture; each
            δᵢ⁽ˡ⁾ opens into the scalar chain-rule steps that make it. Any
            other graph is refused, with the way back to the default steps.
    """

    fmt: str | None = None
    rankdir: str = "LR"
    grad: float = 1.0
    title: str | None = None
    renderer: str | None = None
    max_nodes: int | None = 150
    timeout: float | None = DEFAULT_TIMEOUT
    quiz: bool = False
    lr: float | None = None
    parameters: tuple[Value, ...] | None = None
    layers: bool = False

    def __post_init__(self) -> None:
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        if self.fmt is not None:
            number_format(self.fmt, "stepper(fmt=...)")
        if self.rankdir not in _RANKDIRS:
            raise ValueError(
                f"stepper(rankdir=...): expected one of {', '.join(_RANKDIRS)}, got {self.rankdir!r:.60}"
            )
        put("grad", real_number(self.grad, "stepper(grad=...)"))
        if self.title is not None and not isinstance(self.title, str):
            raise TypeError(f"stepper(title=...): expected a str or None, got a {type(self.title).__name__}")
        if self.renderer is not None and self.renderer not in RENDERERS:
            raise ValueError(
                f"stepper(renderer=...): expected one of {', '.join(map(repr, RENDERERS))} or None, "
                f"got {self.renderer!r:.60}"
            )
        if self.max_nodes is not None and (
            isinstance(self.max_nodes, bool) or not isinstance(self.max_nodes, numbers.Integral)
            or self.max_nodes < 1
        ):
            raise ValueError(
                f"stepper(max_nodes=...): expected a positive int or None, got {self.max_nodes!r:.60}"
            )
        if self.timeout is not None:
            put("timeout", real_number(self.timeout, "stepper(timeout=...)", 0.0, open_low=True))
        if not isinstance(self.quiz, bool):
            raise TypeError(f"stepper(quiz=...): expected True or False, got {self.quiz!r:.60}")
        if not isinstance(self.layers, bool):
            raise TypeError(f"stepper(layers=...): expected True or False, got {self.layers!r:.60}")
        if self.layers and self.quiz:
            raise ValueError(
                "stepper(layers=True, quiz=True): the layer view asks no questions yet; "
                "pass quiz=True without layers for a quiz on every scalar step"
            )
        if self.lr is not None:
            put("lr", real_number(self.lr, "stepper(lr=...)", 0.0, open_low=True))
        if self.parameters is not None:
            if isinstance(self.parameters, Value) or not isinstance(self.parameters, Iterable):
                raise TypeError(
                    "stepper(parameters=...): expected a list of Values such as [w1, w2, b], "
                    f"got a {type(self.parameters).__name__}"
                )
            chosen = tuple(self.parameters)
            for p in chosen:
                if not isinstance(p, Value):
                    raise TypeError(f"stepper(parameters=...): expected Values, got a {type(p).__name__}")
            put("parameters", chosen)

    @classmethod
    def build(cls, options: StepperOptions | None, keywords: Mapping[str, Any], where: str,
              extra: Iterable[str] = ()) -> StepperOptions:
        """The options of one call: ``options`` (or the defaults) with ``keywords`` on top.

        A keyword that is no option is named, with the closest one; ``extra``
        lists the caller's own keywords, for that message.
        """
        if options is not None and not isinstance(options, StepperOptions):
            raise TypeError(f"{where}: expected a StepperOptions, got a {type(options).__name__}")
        accepted = [f.name for f in dataclasses.fields(cls)]
        for name in keywords:
            if name not in accepted:
                every = [*extra, *accepted]
                raise TypeError(
                    f"{where}: unknown option {name!r}{did_you_mean(name, every)} "
                    f"(the options are {', '.join(every)})"
                )
        if options is None:
            return cls(**keywords)
        return dataclasses.replace(options, **keywords) if keywords else options


@cache
def _page_file(name: str) -> str:
    """One file of the page (its HTML, style or program), shipped in the package beside this module."""
    return resources.files(__package__).joinpath("page", name).read_text(encoding="utf-8").rstrip("\n")


def _svg_body(svg: str) -> str:
    """The ``<svg>`` element of a rendered file, without the XML prologue."""
    start = svg.find("<svg")
    if start < 0:
        raise RuntimeError("the renderer returned no <svg> element")
    return svg[start:]


def _scoped_svg(svg: str, css_class: str) -> str:
    """An SVG that can appear any number of times in one document.

    Its ids become ``data-cr-id`` attributes, which the page looks up inside
    its own stepper only (two steppers in one document share no id); its
    fixed size becomes the size of its box, and its tooltips (the renderer's
    internal node names) go.
    """
    body = _svg_body(svg)
    body = re.sub(r"<title>.*?</title>\s*", "", body, flags=re.S)
    body = re.sub(r'\bid="([^"]*)"', r'data-cr-id="\1"', body)
    head_end = body.index(">")
    head = body[:head_end]
    head = re.sub(r'\s(width|height)="[^"]*"', "", head)
    head += f' class="{css_class}" preserveAspectRatio="xMidYMid meet"'
    return head + body[head_end:]


def _mark_boxes(svg: str, keys: dict[str, str]) -> str:
    """Tag the boxes of a summary drawing whose first text is one of ``keys``.

    ``keys`` maps the text a box starts with (a group's name, or a single
    Value's name) to the attributes to add to its ``<g class="node">``.
    """
    def tag(match: re.Match) -> str:
        block = match.group(0)
        first = re.search(r"<text[^>]*>(.*?)</text>", block, re.S)
        if not first:
            return block
        attrs = keys.get(html.unescape(first.group(1)).strip())
        if attrs is None:
            return block
        return block.replace('class="node"', f'class="node" {attrs}', 1)

    return re.sub(r'<g [^>]*class="node".*?</g>', tag, svg, flags=re.S)


def _finite(data: object) -> object:
    """JSON has no inf or NaN: write them as the strings Python's float() reads back."""
    if isinstance(data, float) and not math.isfinite(data):
        return repr(data)
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_finite(v) for v in data]
    return data


def _script_json(data: object) -> str:
    # Inside <script>, "</script>" or "<!--" in a label must not end the block.
    text = json.dumps(_finite(data), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _parameters(order: list[Value], parameters: Iterable[Value] | None) -> list[Value]:
    if parameters is None:
        return [v for v in order if isinstance(v, Parameter)]
    chosen = list(parameters)
    in_graph = set(order)
    for p in chosen:
        if not isinstance(p, Value):
            raise TypeError(f"stepper(parameters=...): expected Values, got a {type(p).__name__}")
        if p not in in_graph:
            raise ValueError(
                f"stepper(parameters=...): {p!r} (label {p.label!r}) is not part of the graph of the output"
            )
        if p.inputs:
            raise ValueError(
                f"stepper(parameters=...): {p.label or p!r} is computed by an operation; "
                "only leaves (weights, biases) can be updated"
            )
    wanted = set(chosen)
    return [v for v in order if v in wanted]


def _lesson(root: Value, fmt: str | None, grad: float, max_nodes: int | None,
            lr: float | None, parameters: Iterable[Value] | None,
            layers: bool = False) -> tuple[dict, object, dict]:
    """Everything the page shows, as plain data, the explanation it came from, and each Value's box."""
    steps = explain(root, grad=grad, fmt=fmt)
    order = steps.order
    if max_nodes is not None and len(order) > max_nodes:
        raise GraphTooLargeError(
            f"stepper: the graph has {len(order)} values ({len(steps)} backward steps), more than "
            f"max_nodes={max_nodes}; a replay that long teaches little. Step through a smaller "
            "expression (one neuron, or a small network on one sample: nn.MLP(2, [4, 1]) on one "
            "sample has 43 values), or pass max_nodes=None to write it anyway (a graph with dotted "
            "labels opens one box per neuron)"
        )
    names = steps.names
    index = {v: i for i, v in enumerate(order)}
    params = _parameters(order, parameters)
    if lr is not None and not params:
        raise ValueError(
            f"stepper(lr={lr:g}): the graph has no parameters to update. Make the weights "
            "autograd.Parameter(...) (nn does), or list them with parameters=[w1, w2, b]"
        )
    param_set = set(params)
    def number(x: float) -> str:
        return board_number(x, fmt)

    board = Lesson(steps, number)
    out = board.out

    group = summary_groups(order, root)
    group_names = list(dict.fromkeys(g for g in group.values() if g is not None))
    group_index = {g: k for k, g in enumerate(group_names)}

    nodes = []
    for v in order:
        node = {
            "name": names[v],
            "data": v.data,
            "data_text": board.value_text(v),
            "grad": steps.gradients.get(v, 0.0),
            "inputs": [index[x] for x in v.inputs],
            "formula": board.formula(v),
            "role": value_role(v, root, param_set),
            "group": group_index[group[v]] if group[v] is not None else None,
            "panel": board.panel(v),
        }
        nodes.append(node)

    lesson_steps: list[dict] = []
    for v in order:
        if not v.inputs:
            continue
        text, question = board.forward(v)
        lesson_steps.append({
            "kind": "forward",
            "node": index[v],
            "group": nodes[index[v]]["group"],
            "text": text,
            "questions": [question],
        })
    lesson_steps.append({
        "kind": "seed",
        "node": index[root],
        "group": None,
        "text": board.seed(),
    })
    # The label of every arrow: the local derivative, shown once the step that uses it is.
    edges = []
    for v in order:
        if v.inputs:
            locals_ = v.local_grads()
            edges.extend({"node": index[v], "position": p, "text": number(locals_[p]), "step": None}
                         for p in range(len(v.inputs)))
    edge_at = {(e["node"], e["position"]): e for e in edges}
    for s in steps:
        text, sum_line, questions = board.backward(s)
        edge_at[index[s.node], s.position]["step"] = len(lesson_steps)
        edge_at[index[s.node], s.position]["text"] = number(s.local)
        lesson_steps.append({
            "kind": "backward",
            "node": index[s.node],
            "input": index[s.input],
            "position": s.position,
            "group": nodes[index[s.node]]["group"],
            "text": text,
            "sum": sum_line,
            "total": s.total,
            "total_text": questions[-1]["answer_text"] if sum_line else number(s.total),
            "questions": questions,
        })

    layered = None
    if layers:
        layered = layer_steps(steps, number, index)
        lesson_steps = layered.steps
        edges = []
        group_names = []
    elif len(group_names) >= 2:
        lesson_steps = _neuron_by_neuron(lesson_steps, order, [n["group"] for n in nodes])

    updates = [
        {
            "node": index[p],
            "name": names[p],
            "d_name": in_derivative(names[p]),  # as ∂L/∂ writes it: w⁽¹⁾₁₁, (2)
            "data": p.data,
            "data_text": number(p.data),
            "grad": steps.gradients.get(p, 0.0),
            "grad_text": number(steps.gradients.get(p, 0.0)),
            # The new value for the lr given in Python; the page recomputes it when η is edited.
            "new": p.data - lr * steps.gradients.get(p, 0.0) if lr is not None else None,
            "new_text": number(p.data - lr * steps.gradients.get(p, 0.0)) if lr is not None else None,
        }
        for p in params
    ]
    # The forward pass again, with the parameters after the update: the loss it gives.
    after = _forward_again(order, {order[u["node"]]: u["new"] for u in updates}) if lr is not None else None
    lesson = {
        "output": index[root],
        "out": out,
        "seed": steps.seed,
        "seed_text": number(steps.seed),
        "start": board.seed(),
        "edges": edges,
        "fmt": ".4g" if fmt is None else fmt,  # None: as explain writes numbers, up to 4 digits
        "nodes": nodes,
        "steps": lesson_steps,
        "backward_count": len(steps),
        "updates": updates,
        "lr": lr,
        "lr_text": format(lr, "g").replace("-", "−") if lr is not None else "",
        # What the page needs to run the forward pass again for an η typed on it.
        "ops": [_forward_op(v) for v in order],
        "loss_before": root.data,
        "loss_before_text": number(root.data),
        "loss_after": after,
        "loss_after_text": number(after) if after is not None else None,
        "groups": group_names if len(group_names) >= 2 else [],
        "collapse": len(group_names) >= 2 and len(order) > _COLLAPSE_ABOVE,
        "tolerance": {"rel": QUIZ_REL_TOLERANCE, "abs": QUIZ_ABS_TOLERANCE},
        "layers": [len(units) for units in layered.network.layers] if layered else None,
    }
    return lesson, steps, group


def _group_layers(
    order: list[Value], group: list[int | None]
) -> tuple[dict[int, int], list[set[int]]] | None:
    """The layer of each group (0 for those fed by leaves only, then 1 + the layer of any group
    feeding it, through ungrouped Values too), and the groups that feed each Value.

    None when groups feed each other in a circle: then they have no layers.
    """
    index = {v: i for i, v in enumerate(order)}
    feeds: list[set[int]] = []
    before: dict[int, set[int]] = {g: set() for g in group if g is not None}
    for i, v in enumerate(order):
        feed: set[int] = set()
        for x in v.inputs:
            j = index[x]
            feed |= {group[j]} if group[j] is not None else feeds[j]
        g = group[i]
        if g is None:
            feeds.append(feed)
        else:
            feeds.append({g})
            before[g] |= feed - {g}
    layer: dict[int, int] = {}
    while len(layer) < len(before):
        ready = [g for g in before if g not in layer and before[g] <= layer.keys()]
        if not ready:
            return None
        for g in ready:
            layer[g] = 1 + max((layer[h] for h in before[g]), default=-1)
    return layer, feeds


def _neuron_by_neuron(lesson_steps: list[dict], order: list[Value], group: list[int | None]) -> list[dict]:
    """The steps of a network one neuron after another, layer by layer.

    The walk of the graph computes a neuron's inputs as soon as it can, so
    that the output neuron's first product comes between two hidden neurons.
    Here forward takes every neuron of the first layer, one whole neuron at a
    time, then the next layer's; backward goes through the layers the other
    way. Each step still comes after the steps it needs, and the
    contributions to any one Value keep the engine's order, so every running
    total is the one the engine adds up; were that impossible, backward keeps
    the engine's order.
    """
    found = _group_layers(order, group)
    if found is None:
        return lesson_steps
    layer, feeds = found
    index = {v: i for i, v in enumerate(order)}

    def depth(i: int) -> int:
        g = group[i]
        return layer[g] if g is not None else max((layer[h] for h in feeds[i]), default=-1)

    # One run of a neuron: its operations for one sample (they are linked to each other; the
    # same neuron on another sample shares only its weights, which are leaves).
    run = list(range(len(order)))

    def find(i: int) -> int:
        while run[i] != i:
            run[i] = run[run[i]]
            i = run[i]
        return i

    for i, v in enumerate(order):
        for x in v.inputs:
            j = index[x]
            if x.inputs and group[i] is not None and group[j] == group[i]:
                run[find(j)] = find(i)

    def instance(s: dict) -> int | None:
        return find(s["node"]) if group[s["node"]] is not None else None

    forward = [s for s in lesson_steps if s["kind"] == "forward"]
    backward = [s for s in lesson_steps if s["kind"] == "backward"]
    rest = [s for s in lesson_steps if s["kind"] not in ("forward", "backward")]
    known = {i for i, v in enumerate(order) if not v.inputs}
    forward = _one_group_at_a_time(
        forward,
        lambda s: all(index[x] in known for x in order[s["node"]].inputs),
        lambda s: known.add(s["node"]),
        lambda s: depth(s["node"]), instance,
    )
    # A backward step passes on its Value's gradient once every contribution to it is in.
    waiting: dict[int, int] = {}
    for s in backward:
        waiting[s["input"]] = waiting.get(s["input"], 0) + 1

    def received(s: dict) -> None:
        waiting[s["input"]] -= 1

    layered = _one_group_at_a_time(
        backward, lambda s: waiting.get(s["node"], 0) == 0, received, lambda s: -depth(s["node"]), instance
    )
    engine_position = {id(s): k for k, s in enumerate(backward)}
    last: dict[int, int] = {}
    for s in layered:
        k = engine_position[id(s)]
        if last.get(s["input"], -1) > k:
            layered = backward  # a Value's contributions would come in another order
            break
        last[s["input"]] = k
    return forward + rest + layered


def _one_group_at_a_time(steps: list[dict], ready, done, depth, instance) -> list[dict]:
    """``steps`` again, each once it is ``ready``: the rest of the current neuron's run (its
    ``instance``) first, else the ready step of the smallest ``depth`` (the first of them in the
    given order)."""
    remaining = list(steps)
    out: list[dict] = []
    current = None
    while remaining:
        candidates = [s for s in remaining if ready(s)]
        if not candidates:  # cannot happen in the order of a graph; keep what is left as it was
            out.extend(remaining)
            break
        same = [s for s in candidates if current is not None and instance(s) == current]
        chosen = same[0] if same else min(candidates, key=depth)
        remaining.remove(chosen)
        out.append(chosen)
        done(chosen)
        current = instance(chosen)
    return out


def _forward_op(v: Value) -> object:
    """How the page computes ``v`` again: None for a leaf, the operation's name, or ``["**", p]``
    for a power with the exponent p written into the operation (its name rounds p)."""
    if not v.inputs:
        return None
    fixed = re.fullmatch(r"power\(a, (.+)\)", v.operation.forward)
    return ["**", float(fixed.group(1))] if fixed else v.op


def _forward_again(order: list[Value], changed: dict[Value, float]) -> float | None:
    """The output of the graph computed again with the leaves in ``changed`` at their new values.

    Each operation applies the engine's own forward function, so that this is
    the float a new forward pass gives; None when a new value lies outside an
    operation's domain (a log of a negative number).
    """
    data: dict[Value, float] = {}
    for v in order:
        if not v.inputs:
            data[v] = changed.get(v, v.data)
            continue
        op = v.operation
        xs = [data[x] for x in v.inputs]
        try:
            data[v] = op.evaluate(xs) if op.arity == 0 else op.evaluate(*xs)
        except (ArithmeticError, ValueError):
            return None
    return data[order[-1]]


def stepper_fragment(
    root: Value, options: StepperOptions | None = None, *, height: str = "100vh", **keywords: Any
) -> str:
    """The stepper as one ``<div>`` (with its style and program) to put into any HTML page.

    The options of ``write_stepper`` (a ``StepperOptions``, or its fields as
    keywords); ``height`` is the CSS height of the stepper's box. Any number
    of fragments, even identical ones, can share one document: each keeps to
    its own box (it uses no id), and the keys drive the stepper last clicked
    (the first one until then). The ``#step=`` address is followed only when
    the document holds one stepper.
    """
    opts = StepperOptions.build(options, keywords, "stepper_fragment()", ("height",))
    if not isinstance(height, str) or not re.fullmatch(r"[\w.%() +-]+", height):
        raise ValueError(
            f"stepper(height=...): expected a CSS length such as '100vh' or '40em', got {height!r:.60}"
        )
    return _fragment(root, opts, height)


def _fragment(root: Value, opts: StepperOptions, height: str) -> str:
    fmt, rankdir, renderer, timeout, title = opts.fmt, opts.rankdir, opts.renderer, opts.timeout, opts.title
    lesson, steps, groups = _lesson(root, fmt, opts.grad, opts.max_nodes, opts.lr, opts.parameters,
                                    opts.layers)
    order = steps.order
    params = [order[u["node"]] for u in lesson["updates"]]
    # The same Values as the lesson, already measured against max_nodes above.
    # The slide style (large text, a box's name, value and gradient stacked), with the numbers
    # written as the page writes them, so that each box is as wide as the text the page puts in.
    # The page has a legend of its own, which also says what its outlines mean.
    def number(x: float) -> str:
        return number_text(x, fmt)

    look = dict(style="slide", fmt=number, legend=False)
    if opts.layers:
        # The layer view steps through the network picture: one circle per neuron, one arrow per weight.
        picture = _network_svg(root, steps, number, renderer, timeout)
        svgs = [_scoped_svg(picture, "cr-svg cr-svg-full cr-svg-network")]
    else:
        full = draw(root, rankdir=rankdir, edge_labels=True, grads=steps.gradients, parameters=params,
                    max_nodes=None, renderer=renderer, element_ids=True, timeout=timeout, **look)
        svgs = [_scoped_svg(full.svg(), "cr-svg cr-svg-full")]
    if lesson["groups"]:
        summary = draw(root, rankdir=rankdir, grads=steps.gradients, parameters=params,
                       group_by=groups.get, max_nodes=None, renderer=renderer, timeout=timeout, **look)
        members = [[i for i, v in enumerate(order) if groups[v] == g] for g in lesson["groups"]]
        # A box is found by the title drawn on it (neuron 3, layer 1), as group_title writes it.
        keys = {group_title(g, [order[i] for i in m]): f'data-cr-group="{k}"'
                for k, (g, m) in enumerate(zip(lesson["groups"], members))}
        for i, v in enumerate(order):
            if groups[v] is None and not is_constant(v):
                keys.setdefault(steps.names[v], f'data-cr-node="{i}"')
        svgs.append(_scoped_svg(_mark_boxes(summary.svg(), keys), "cr-svg cr-svg-groups"))
        # A box's numbers are those of its newest output computed so far: a
        # neuron's activation for each sample, in the order of the samples
        # (its last Value when nothing outside the box uses it).
        outputs = group_outputs(order, groups)
        index = {v: i for i, v in enumerate(order)}
        lesson["group_outputs"] = [
            [index[v] for v in outputs[g]] if g in outputs else [m[-1]]
            for g, m in zip(lesson["groups"], members)
        ]
        lesson["group_members"] = members
    lesson["quiz"] = opts.quiz
    lesson["title"] = title or f"Forward and backward through {steps.names[root]}"
    rows = "\n".join(
        f'<tr data-node="{i}" class="cr-row"><td class="cr-name">{html.escape(n["name"])}</td>'
        f'<td class="cr-formula">{html.escape(n["formula"] if n["inputs"] else n["role"])}</td>'
        f'<td class="cr-num cr-data" data-value="">?</td>'
        f'<td class="cr-num cr-grad" data-grad="">?</td></tr>'
        for i, n in enumerate(lesson["nodes"])
    )
    digest = hashlib.sha1(_script_json(lesson).encode("utf-8")).hexdigest()[:8]
    return _page_file("stepper.html").format(
        title=html.escape(lesson["title"]),
        svgs="\n".join(svgs),
        rows=rows,
        lesson=_script_json(lesson),
        out=html.escape(lesson["out"]),
        height=height,
        css=_page_file("stepper.css"),
        script=_page_file("stepper.js"),
        digest=digest,
        quiz_class=(" cr-quiz-mode" if opts.quiz else "") + (" cr-layers" if opts.layers else ""),
    )


def _network_svg(root: Value, explanation, number, renderer: str | None, timeout: float | None) -> str:
    """The network picture at slide size, with the ids the layer view lights up (``N{l}_{i}`` for a
    neuron, ``W{l}_{i}_{j}`` for a weight) and each number tagged with its Value, to be shown once computed.

    Its numbers are the engine's (the explanation's gradients: backward need not have run),
    written as the equations beside it write them.
    """
    from .network import network_graph

    graph = network_graph(root, slide=True, element_ids=True, number=number, grads=explanation.gradients)
    svg = Drawing(graph, len(explanation.order), False, renderer, timeout).svg()
    index = {v: i for i, v in enumerate(explanation.order)}
    return tag_numbers(svg, network_of(root), index)


def stepper_html(root: Value, options: StepperOptions | None = None, **keywords: Any) -> str:
    """Return the HTML text of the stepper page for ``root`` (see ``write_stepper``)."""
    opts = StepperOptions.build(options, keywords, "stepper_html()")
    fragment = _fragment(root, opts, "100vh")
    title_text = html.escape(
        opts.title or f"Forward and backward through {explain(root, grad=opts.grad).names[root]}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title_text}</title>\n<style>html, body {{ margin: 0; padding: 0; }}</style>\n"
        f"</head>\n<body>\n{fragment}\n</body>\n</html>\n"
    )


def write_stepper(
    root: Value, path: str | os.PathLike, options: StepperOptions | None = None, **keywords: Any
) -> Path:
    """Write the step-by-step page for ``root`` to ``path``; return the path.

    Args:
        root: the output (the loss ``L``).
        path: the HTML file to write (its folder must exist).
        options: a ``StepperOptions``; or its fields as keywords, alone or on
            top of it: ``fmt=``, ``rankdir=``, ``grad=``, ``title=``,
            ``renderer=``, ``max_nodes=``, ``timeout=``, ``quiz=``, ``lr=``
            (one gradient-descent update after backward, with its loss before
            and after), ``parameters=`` (the leaves it updates) and
            ``layers=`` (the layer view of an MLP on one sample); see
            ``StepperOptions`` for what each one does.
    """
    from ..files import check_folder, write_file  # here, so that the file's other imports stay as they are

    opts = StepperOptions.build(options, keywords, "write_stepper()")
    target = Path(path)
    check_folder(target.parent, who="write_stepper")
    text = stepper_html(root, opts)
    # Whole or not at all, and a link planted at the name is replaced, never followed.
    return write_file(target, text, who="write_stepper")
