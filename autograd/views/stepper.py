"""A web page that replays forward, backward and one update, one step at a time.

``write_stepper(L, "steps.html")`` writes one self-contained HTML file: the
drawing of the graph (inline SVG), the steps, a table of every Value, and
buttons. It needs no network and no server: open it from disk in any
browser, in class, on a projector.

The steps, in order:

1. **Forward**, one operation at a time: the leaves are given, and each
   result's value appears as it is computed (``t1 = x1 * w1 = 2 · (-3) = -6``).
2. **The start of backward**, ``∂L/∂L = 1``.
3. **Backward**, one edge at a time, exactly the steps of ``explain(L)`` in
   its notation: ``∂L/∂a += ∂L/∂c · ∂c/∂a``, the local derivative written as
   its formula, then as a number. The arrow being used turns red and the
   gradient at its tail appears (or grows).
4. Optionally **one gradient-descent update**: every parameter
   ``w ← w − η·∂L/∂w`` with its numbers. ``lr=`` sets η (default None: no
   update step); the page has a field to change it, or to add the step.
   The parameters are the leaves that are ``autograd.Parameter`` (nn makes
   every weight and bias one), unless ``parameters=`` lists them.

**Next** (→ or space), **Previous** (←), **Start** (Home), **End** (End).
``steps.html#step=12`` opens at step 12 and the address follows the steps.
Click any box to see its whole chain-rule sum, ``∂L/∂a = Σ ∂L/∂c · ∂c/∂a``
over the operations that use it, with its numbers. The graph fills the
space it has: zoom with the + / − buttons, Ctrl+wheel or a pinch, drag to
pan, **Fit** to see it whole; F (or **Present**) switches to large text.

With ``quiz=True`` the page asks before it tells: before a value or a
gradient is revealed, the student types it. An answer within 1 % of the
true number, or within 0.001 of it when that is larger, counts as right.
A wrong answer gets a hint (the operation with its numbers, or the local
derivative's formula) and another try; **Reveal** gives the answer. The
score is shown as it goes and at the end.

Graphs whose labels are dotted (nn's ``layers.0.neurons.3.w.1``) can be
seen one box per neuron: a click on a box expands it in the full drawing,
and **Next neuron** applies all the steps of one neuron at once.

All numbers are the ones Python computed: after the last backward step
every gradient equals the one ``L.backward()`` computes, to the last bit.
Only a learning rate typed on the page is applied by the browser, with the
same double-precision arithmetic, ``w - η * grad``.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import os
import re
from collections.abc import Iterable
from pathlib import Path

from ..checks import number_format, real_number
from ..engine import Parameter, Value
from .draw import DEFAULT_TIMEOUT, GraphTooLargeError, draw, group_outputs, summary_groups
from .explain import explain
from .naming import expression, in_derivative, is_constant, number_text

__all__ = ["stepper_html", "stepper_fragment", "write_stepper", "QUIZ_REL_TOLERANCE", "QUIZ_ABS_TOLERANCE"]

#: In question mode an answer x is right when |x - truth| <= max(ABS, REL * |truth|).
QUIZ_REL_TOLERANCE = 1e-2
QUIZ_ABS_TOLERANCE = 1e-3

# Above this many Values a graph with groups opens one box per neuron.
_COLLAPSE_ABOVE = 40


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


def _factor(text: str) -> str:
    return f"({text})" if text.startswith("-") else text


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


def _role(v: Value, root: Value, parameters: set[Value]) -> str:
    if v is root:
        return "output"
    if v in parameters:
        return "parameter"
    if v.inputs:
        return "intermediate"
    if is_constant(v):
        return "constant"
    return "input"


def _lesson(root: Value, fmt: str | None, grad: float, max_nodes: int | None,
            lr: float | None, parameters: Iterable[Value] | None) -> tuple[dict, object, dict]:
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
    out = in_derivative(names[root])
    def number(x: float) -> str:
        return number_text(x, fmt)

    group = summary_groups(order, root)
    group_names = list(dict.fromkeys(g for g in group.values() if g is not None))
    group_index = {g: k for k, g in enumerate(group_names)}

    by_input: dict[Value, list] = {}
    for s in steps:
        by_input.setdefault(s.input, []).append(s)

    nodes = []
    for v in order:
        name = names[v]
        node = {
            "name": name,
            "data": v.data,
            "data_text": number(v.data),
            "grad": steps.gradients.get(v, 0.0),
            "inputs": [index[x] for x in v.inputs],
            "formula": f"{name} = {expression(v, names)}" if v.inputs else name,
            "role": _role(v, root, param_set),
            "group": group_index[group[v]] if group[v] is not None else None,
            "panel": _panel(v, root, steps, by_input.get(v, []), names, number, out),
        }
        nodes.append(node)

    lesson_steps: list[dict] = []
    shown = {v: number(v.data) for v in order}
    for v in order:
        if not v.inputs:
            continue
        with_numbers = {x: _factor(shown[x]) for x in v.inputs}
        with_numbers[v] = names[v]
        calculation = expression(v, with_numbers)
        lesson_steps.append({
            "kind": "forward",
            "node": index[v],
            "group": nodes[index[v]]["group"],
            "text": f"{names[v]} = {expression(v, names)} = {calculation} = {shown[v]}",
            "question": f"{names[v]} = {expression(v, names)} = ?",
            "hint": f"{expression(v, names)} = {calculation}",
            "answer": v.data,
            "answer_text": shown[v],
        })
    lesson_steps.append({
        "kind": "seed",
        "node": index[root],
        "group": None,
        "text": steps.text(header=True).splitlines()[0],
    })
    for s in steps:
        local_name = s.local_name or f"∂{in_derivative(s.names[1])}/∂{in_derivative(s.names[2])}"
        inp = in_derivative(s.names[2])
        formula = s.local_formula if s.local_formula else number(s.local)
        lesson_steps.append({
            "kind": "backward",
            "node": index[s.node],
            "input": index[s.input],
            "position": s.position,
            "group": nodes[index[s.node]]["group"],
            "text": s.format(fmt),
            "sum": s.sum_text(fmt),
            "total": s.total,
            "total_text": number(s.total),
            "question": f"∂{out}/∂{inp} += ∂{out}/∂{in_derivative(s.names[1])} · {local_name} = ?",
            "hint": (f"{local_name} = {formula}; multiply it by ∂{out}/∂{in_derivative(s.names[1])} "
                     f"= {number(s.upstream)}, already known"),
            "answer": s.contribution,
            "answer_text": number(s.contribution),
        })

    updates = [
        {
            "node": index[p],
            "name": names[p],
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
    lesson = {
        "output": index[root],
        "out": out,
        "seed": steps.seed,
        "seed_text": number(steps.seed),
        "start": steps.text(header=True).splitlines()[0],
        "fmt": ".4g" if fmt is None else fmt,  # None: as explain writes numbers, up to 4 digits
        "nodes": nodes,
        "steps": lesson_steps,
        "backward_count": len(steps),
        "updates": updates,
        "lr": lr,
        "lr_text": format(lr, "g") if lr is not None else "",
        "groups": group_names if len(group_names) >= 2 else [],
        "collapse": len(group_names) >= 2 and len(order) > _COLLAPSE_ABOVE,
        "tolerance": {"rel": QUIZ_REL_TOLERANCE, "abs": QUIZ_ABS_TOLERANCE},
    }
    return lesson, steps, group


def _panel(v: Value, root: Value, steps, uses: list, names: dict, number, out: str) -> list[str]:
    """The lines shown when a box is clicked: how ``v`` was computed and its whole chain-rule sum."""
    name = in_derivative(names[v])
    lines = []
    if v.inputs:
        lines.append(f"{names[v]} = {expression(v, names)} = {number(v.data)}")
    elif is_constant(v):
        return [f"the constant {names[v]}: a plain number, it gets no gradient "
                "(nobody asks how the output changes with it)"]
    else:
        lines.append(f"{names[v]} = {number(v.data)} (a leaf: given)")
    if v is root:
        lines.append(f"∂{out}/∂{out} = {number(steps.seed)}   (the output with respect to itself)")
        return lines
    if not uses:
        lines.append(f"∂{out}/∂{name} = 0: no path leads from {names[v]} to the output")
        return lines
    users = [in_derivative(names[s.node]) for s in uses]
    lines.append(f"{names[v]} is used by {', '.join(users)}: "
                 f"∂{out}/∂{name} = Σ ∂{out}/∂c · ∂c/∂{name} over them")
    symbolic = " + ".join(
        f"∂{out}/∂{in_derivative(s.names[1])} · {s.local_name or f'∂{in_derivative(s.names[1])}/∂{name}'}"
        for s in uses
    )
    numeric = " + ".join(f"{_factor(number(s.upstream))} · {_factor(number(s.local))}" for s in uses)
    lines.append(f"∂{out}/∂{name} = {symbolic}")
    lines.append(f"   = {numeric}")
    if len(uses) > 1:
        lines.append("   = " + " + ".join(_factor(number(s.contribution)) for s in uses))
    lines.append(f"   = {number(uses[-1].total)}")
    for s in uses:
        local_name = s.local_name or f"∂{in_derivative(s.names[1])}/∂{name}"
        if s.local_formula and s.local_formula != number(s.local):
            lines.append(f"where {local_name} = {s.local_formula} = {number(s.local)}   ({s.formula})")
        else:
            lines.append(f"where {local_name} = {number(s.local)}   ({s.formula})")
    return lines


def stepper_fragment(
    root: Value,
    *,
    fmt: str | None = None,
    rankdir: str = "LR",
    grad: float = 1.0,
    title: str | None = None,
    renderer: str | None = None,
    max_nodes: int | None = 150,
    timeout: float | None = DEFAULT_TIMEOUT,
    quiz: bool = False,
    lr: float | None = None,
    parameters: Iterable[Value] | None = None,
    height: str = "100vh",
) -> str:
    """The stepper as one ``<div>`` (with its style and program) to put into any HTML page.

    The same arguments as ``write_stepper``; ``height`` is the CSS height of
    the stepper's box. Any number of fragments, even identical ones, can
    share one document: each keeps to its own box (it uses no id), and the
    keys drive the stepper last clicked (the first one until then). The
    ``#step=`` address is followed only when the document holds one stepper.
    """
    if fmt is not None:
        number_format(fmt, "stepper(fmt=...)")
    if not isinstance(quiz, bool):
        raise TypeError(f"stepper(quiz=...): expected True or False, got {quiz!r:.60}")
    if lr is not None:
        lr = real_number(lr, "stepper(lr=...)", 0.0, open_low=True)
    if not isinstance(height, str) or not re.fullmatch(r"[\w.%() +-]+", height):
        raise ValueError(
            f"stepper(height=...): expected a CSS length such as '100vh' or '40em', got {height!r:.60}"
        )
    lesson, steps, groups = _lesson(root, fmt, grad, max_nodes, lr, parameters)
    order = steps.order
    params = [order[u["node"]] for u in lesson["updates"]]
    # The same Values as the lesson, already measured against max_nodes above.
    full = draw(root, rankdir=rankdir, fmt=fmt, edge_labels=True, grads=steps.gradients, parameters=params,
                max_nodes=None, renderer=renderer, element_ids=True, timeout=timeout)
    svgs = [_scoped_svg(full.svg(), "cr-svg cr-svg-full")]
    if lesson["groups"]:
        summary = draw(root, rankdir=rankdir, fmt=fmt, grads=steps.gradients, parameters=params,
                       group_by=groups.get, max_nodes=None, renderer=renderer, timeout=timeout)
        keys = {g: f'data-cr-group="{k}"' for k, g in enumerate(lesson["groups"])}
        for i, v in enumerate(order):
            if groups[v] is None and not is_constant(v):
                keys.setdefault(steps.names[v], f'data-cr-node="{i}"')
        svgs.append(_scoped_svg(_mark_boxes(summary.svg(), keys), "cr-svg cr-svg-groups"))
        members = [[i for i, v in enumerate(order) if groups[v] == g] for g in lesson["groups"]]
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
    lesson["quiz"] = quiz
    lesson["title"] = title or f"Forward and backward through {steps.names[root]}"
    rows = "\n".join(
        f'<tr data-node="{i}" class="cr-row"><td class="cr-name">{html.escape(n["name"])}</td>'
        f'<td class="cr-formula">{html.escape(n["formula"] if n["inputs"] else n["role"])}</td>'
        f'<td class="cr-num cr-data" data-value="">?</td>'
        f'<td class="cr-num cr-grad" data-grad="">?</td></tr>'
        for i, n in enumerate(lesson["nodes"])
    )
    digest = hashlib.sha1(_script_json(lesson).encode("utf-8")).hexdigest()[:8]
    return _FRAGMENT.format(
        title=html.escape(lesson["title"]),
        svgs="\n".join(svgs),
        rows=rows,
        lesson=_script_json(lesson),
        out=html.escape(lesson["out"]),
        height=height,
        css=_CSS,
        script=_SCRIPT,
        digest=digest,
        quiz_class=" cr-quiz-mode" if quiz else "",
    )


def stepper_html(
    root: Value,
    *,
    fmt: str | None = None,
    rankdir: str = "LR",
    grad: float = 1.0,
    title: str | None = None,
    renderer: str | None = None,
    max_nodes: int | None = 150,
    timeout: float | None = DEFAULT_TIMEOUT,
    quiz: bool = False,
    lr: float | None = None,
    parameters: Iterable[Value] | None = None,
) -> str:
    """Return the HTML text of the stepper page for ``root`` (see ``write_stepper``)."""
    fragment = stepper_fragment(root, fmt=fmt, rankdir=rankdir, grad=grad, title=title, renderer=renderer,
                                max_nodes=max_nodes, timeout=timeout, quiz=quiz, lr=lr,
                                parameters=parameters, height="100vh")
    title_text = html.escape(title or f"Forward and backward through {explain(root, grad=grad).names[root]}")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title_text}</title>\n<style>html, body {{ margin: 0; padding: 0; }}</style>\n"
        f"</head>\n<body>\n{fragment}\n</body>\n</html>\n"
    )


def write_stepper(
    root: Value,
    path: str | os.PathLike,
    *,
    fmt: str | None = None,
    rankdir: str = "LR",
    grad: float = 1.0,
    title: str | None = None,
    renderer: str | None = None,
    max_nodes: int | None = 150,
    timeout: float | None = DEFAULT_TIMEOUT,
    quiz: bool = False,
    lr: float | None = None,
    parameters: Iterable[Value] | None = None,
) -> Path:
    """Write the step-by-step page for ``root`` to ``path``; return the path.

    Args:
        root: the output (the loss ``L``).
        path: the HTML file to write (its folder must exist).
        fmt: the number format shown; None (the default) writes numbers as
            explain does, up to 4 significant digits (``".4f"`` for fixed decimals).
        rankdir: the drawing direction, ``"LR"`` or ``"TB"``.
        grad: the seed ∂L/∂L (1.0).
        title: the page's heading.
        renderer: ``"dot"`` or ``"graphviz-pure"``; the graph is drawn now,
            so a renderer is needed when writing, not when opening the page.
        max_nodes: graphs with more Values are refused, with the way out
            (a replay of thousands of steps teaches nothing); ``None`` insists.
        timeout: seconds the renderer may run (``None``: no limit).
        quiz: question mode: the student types each value and gradient
            before it is shown (right within 1 %, or 0.001 when larger).
        lr: the learning rate η of one gradient-descent update shown after
            backward (``None``: no update step; it can be added on the page).
        parameters: the leaves the update changes; by default every leaf that
            is an ``autograd.Parameter`` (nn's weights and biases).
    """
    from .files import check_folder, write_file  # here, so that the file's other imports stay as they are

    target = Path(path)
    check_folder(target.parent, who="write_stepper")
    text = stepper_html(root, fmt=fmt, rankdir=rankdir, grad=grad, title=title, renderer=renderer,
                        max_nodes=max_nodes, timeout=timeout, quiz=quiz, lr=lr, parameters=parameters)
    # Whole or not at all, and a link planted at the name is replaced, never followed.
    return write_file(target, text, who="write_stepper")


_FRAGMENT = """<div class="chainrule-stepper{quiz_class}" data-cr-lesson="{digest}" tabindex="-1"
 style="height: {height}">
<style>{css}</style>
<div class="cr-top">
  <h1 class="cr-title">{title}</h1>
  <div class="cr-controls">
    <button type="button" class="cr-start" title="Home">&#x25C0;&#x25C0; Start</button>
    <button type="button" class="cr-prev" title="Left arrow">&#x25C0; Previous</button>
    <button type="button" class="cr-next" title="Right arrow or space">Next &#x25B6;</button>
    <button type="button" class="cr-end" title="End">End &#x25B6;&#x25B6;</button>
    <button type="button" class="cr-prev-group" hidden title="The previous neuron">&#x25C0; neuron</button>
    <button type="button" class="cr-next-group" hidden
      title="All the steps of the next neuron">Next neuron &#x25B6;</button>
    <span class="cr-counter"></span>
    <span class="cr-spacer"></span>
    <button type="button" class="cr-zoom-out" title="Zoom out (-)">&minus;</button>
    <span class="cr-zoom-level">fit</span>
    <button type="button" class="cr-zoom-in" title="Zoom in (+, Ctrl+wheel or pinch)">+</button>
    <button type="button" class="cr-fit" title="The whole graph (0)">Fit</button>
    <button type="button" class="cr-view" hidden
      title="One box per neuron, or every value">Every value</button>
    <button type="button" class="cr-present" title="Large text (F)">Present</button>
  </div>
</div>
<div class="cr-main">
  <div class="cr-graph" title="Drag to pan; Ctrl+wheel or pinch to zoom; click a box for its chain rule">
{svgs}
  </div>
  <div class="cr-side">
   <div class="cr-side-a">
    <div class="cr-phase"></div>
    <div class="cr-current"></div>
    <div class="cr-ask" hidden>
      <label>Your answer: <input type="text" class="cr-answer" inputmode="decimal" autocomplete="off"
        spellcheck="false"></label>
      <button type="button" class="cr-check">Check</button>
      <button type="button" class="cr-reveal">Reveal</button>
      <div class="cr-feedback"></div>
    </div>
    <div class="cr-score" hidden></div>
   </div>
   <div class="cr-side-b">
    <div class="cr-lr-box"><label>Learning rate &eta; = <input type="text" class="cr-lr" size="7"
      inputmode="decimal" autocomplete="off"></label> <span class="cr-lr-note"></span></div>
    <div class="cr-panel" hidden><button type="button" class="cr-panel-close" title="Close">&times;</button>
      <div class="cr-panel-text"></div></div>
    <div class="cr-note"></div>
    <div class="cr-legend"></div>
    <details class="cr-details"><summary>Every value</summary>
      <table class="cr-values">
      <thead><tr><th>value</th><th>computed as</th><th>data</th><th>grad</th></tr></thead>
      <tbody>
{rows}
      </tbody>
      </table>
    </details>
    <details class="cr-details"><summary>Steps so far</summary><ol class="cr-steps"></ol></details>
   </div>
  </div>
</div>
<script type="application/json" class="cr-lesson">{lesson}</script>
<script>{script}</script>
</div>"""


_CSS = """
.chainrule-stepper { box-sizing: border-box; display: flex; flex-direction: column; min-height: 24em;
  font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #111827;
  background: #fff; font-size: 16px; padding: .5em .8em; outline: none; }
.chainrule-stepper * { box-sizing: border-box; }
.chainrule-stepper .cr-top { flex: none; }
.chainrule-stepper .cr-title { font-size: 1.15em; margin: 0 0 .3em 0; }
.chainrule-stepper .cr-controls { display: flex; gap: .4em; align-items: center; flex-wrap: wrap; }
.chainrule-stepper .cr-spacer { flex: 1; }
.chainrule-stepper button { font-size: .95em; padding: .3em .75em; border-radius: .4em;
  border: 1px solid #9ca3af;
  background: #f9fafb; cursor: pointer; color: inherit; }
.chainrule-stepper button:hover { background: #eef2ff; }
.chainrule-stepper button:disabled { opacity: .4; cursor: default; }
.chainrule-stepper button[hidden] { display: none; }
.chainrule-stepper .cr-counter { font-variant-numeric: tabular-nums; margin-left: .4em; }
.chainrule-stepper .cr-zoom-level { font-variant-numeric: tabular-nums; min-width: 3.2em; text-align: center;
  font-size: .9em; color: #4b5563; }
.chainrule-stepper .cr-main { flex: 1; min-height: 0; display: flex; gap: .8em; margin-top: .5em; }
.chainrule-stepper .cr-graph { flex: 1; min-width: 0; position: relative; overflow: hidden;
  border: 1px solid #e5e7eb;
  border-radius: .4em; touch-action: none; cursor: grab; background: #fff; }
.chainrule-stepper .cr-graph.cr-dragging { cursor: grabbing; }
.chainrule-stepper .cr-svg { position: absolute; left: 0; top: 0; width: 100%; height: 100%; display: block; }
.chainrule-stepper .cr-svg[hidden] { display: none; }
.chainrule-stepper .cr-svg .node { cursor: pointer; }
.chainrule-stepper .cr-side { flex: 0 0 27em; max-width: 45%; overflow-y: auto; display: flex;
  flex-direction: column;
  gap: .55em; font-size: .95em; }
.chainrule-stepper .cr-side-a, .chainrule-stepper .cr-side-b { display: flex; flex-direction: column;
  gap: .55em; }
.chainrule-stepper.cr-wide .cr-main { flex-direction: column; }
.chainrule-stepper.cr-wide .cr-side { flex: 0 0 auto; max-width: none; max-height: 40%;
  flex-direction: row; gap: 1em;
  overflow: hidden; }
.chainrule-stepper.cr-wide .cr-side-a { flex: 1 1 55%; overflow-y: auto; }
.chainrule-stepper.cr-wide .cr-side-b { flex: 1 1 45%; overflow-y: auto; }
.chainrule-stepper .cr-phase { font-weight: 600; color: #374151; }
.chainrule-stepper .cr-current, .chainrule-stepper .cr-panel-text { font-family: ui-monospace, Menlo,
  Consolas, monospace;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.chainrule-stepper .cr-current { background: #fef3c7; padding: .55em .75em; border-radius: .4em;
  min-height: 2.8em;
  font-size: 1.02em; line-height: 1.45; }
.chainrule-stepper .cr-current .cr-sum { display: block; margin-top: .3em; color: #92400e; }
.chainrule-stepper .cr-ask { background: #eff6ff; border-radius: .4em; padding: .5em .7em; }
.chainrule-stepper .cr-ask[hidden], .chainrule-stepper .cr-score[hidden],
  .chainrule-stepper .cr-panel[hidden] { display: none; }
.chainrule-stepper .cr-answer { font-size: 1em; width: 8em; font-family: ui-monospace, Menlo, Consolas,
  monospace; }
.chainrule-stepper .cr-feedback { margin-top: .35em; white-space: pre-wrap; }
.chainrule-stepper .cr-feedback.cr-right { color: #166534; font-weight: 600; }
.chainrule-stepper .cr-feedback.cr-wrong { color: #991b1b; }
.chainrule-stepper .cr-score { background: #ecfdf5; border-radius: .4em; padding: .45em .7em; }
.chainrule-stepper .cr-lr { font-family: ui-monospace, Menlo, Consolas, monospace; }
.chainrule-stepper .cr-lr-note { color: #6b7280; font-size: .9em; }
.chainrule-stepper .cr-panel { position: relative; border: 1px solid #c7d2fe; background: #eef2ff;
  border-radius: .4em;
  padding: .5em 2em .5em .7em; font-size: .95em; }
.chainrule-stepper .cr-panel-close { position: absolute; right: .3em; top: .3em; padding: 0 .4em; }
.chainrule-stepper .cr-note { color: #6b7280; font-size: .9em; }
.chainrule-stepper .cr-note:empty { display: none; }
.chainrule-stepper .cr-legend { display: flex; flex-wrap: wrap; gap: .25em .9em; font-size: .85em;
  color: #374151; }
.chainrule-stepper .cr-legend span { display: inline-flex; align-items: center; gap: .3em; }
.chainrule-stepper .cr-swatch { display: inline-block; width: 1.1em; height: .8em; border: 1px solid #6b7280;
  border-radius: .15em; }
.chainrule-stepper table { border-collapse: collapse; font-size: .9em; }
.chainrule-stepper td, .chainrule-stepper th { padding: .1em .5em; border-bottom: 1px solid #e5e7eb;
  text-align: left; }
.chainrule-stepper td.cr-num { text-align: right; font-family: ui-monospace, Menlo, Consolas, monospace; }
.chainrule-stepper tr.cr-updated td { background: #fee2e2; }
.chainrule-stepper ol.cr-steps { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85em;
  padding-left: 2.6em; margin: .3em 0; }
.chainrule-stepper ol.cr-steps li.cr-future { display: none; }
.chainrule-stepper ol.cr-steps li.cr-now { background: #fef3c7; font-weight: bold; }
.chainrule-stepper .edge.cr-active path { stroke: #dc2626; stroke-width: 3.5px; }
.chainrule-stepper .edge.cr-active polygon { stroke: #dc2626; fill: #dc2626; }
.chainrule-stepper .edge.cr-active text { fill: #dc2626; font-weight: bold; }
.chainrule-stepper .edge.cr-feeding path { stroke: #2563eb; stroke-width: 3px; }
.chainrule-stepper .edge.cr-feeding polygon { stroke: #2563eb; fill: #2563eb; }
.chainrule-stepper .node.cr-target polygon { stroke: #dc2626; stroke-width: 3.5px; }
.chainrule-stepper .node.cr-source polygon, .chainrule-stepper .node.cr-source ellipse { stroke: #d97706;
  stroke-width: 3.5px; }
.chainrule-stepper .node.cr-computing polygon,
  .chainrule-stepper .node.cr-computing ellipse { stroke: #2563eb; stroke-width: 3.5px; }
.chainrule-stepper .node.cr-updated polygon { stroke: #7c3aed; stroke-width: 3.5px; }
.chainrule-stepper .node.cr-selected polygon,
  .chainrule-stepper .node.cr-selected ellipse { stroke-dasharray: 5 3; stroke: #4338ca; stroke-width: 3px; }
.chainrule-stepper .node.cr-expanded polygon,
  .chainrule-stepper .node.cr-expanded ellipse { stroke: #4338ca; stroke-width: 2.5px; }
.chainrule-stepper input { font-size: inherit; }
.chainrule-stepper .node.cr-current-group polygon,
  .chainrule-stepper .node.cr-current-group path { stroke: #dc2626; stroke-width: 3.5px; }
.chainrule-stepper text.cr-unknown { fill: #9ca3af; }
.chainrule-stepper text.cr-new { fill: #7c3aed; font-weight: bold; }
.chainrule-stepper.cr-present { font-size: 24px; }
.chainrule-stepper.cr-present:not(.cr-wide) .cr-side { flex-basis: 24em; max-width: 50%; }
.chainrule-stepper.cr-present.cr-wide .cr-side { max-height: 50%; }
.chainrule-stepper.cr-present.cr-wide .cr-side-a { flex-basis: 70%; }
.chainrule-stepper.cr-present .cr-details, .chainrule-stepper.cr-present .cr-title { display: none; }
.chainrule-stepper.cr-present .cr-svg text { font-weight: 600; }
@media (max-width: 900px) {
  .chainrule-stepper .cr-main { flex-direction: column; }
  .chainrule-stepper .cr-side { flex: 0 0 auto; max-width: none; max-height: 45%; }
}
"""


_SCRIPT = r"""
(function (root) {
  "use strict";
  var lesson = JSON.parse(root.querySelector("script.cr-lesson").textContent);
  var nodes = lesson.nodes, quiz = lesson.quiz, fmt = lesson.fmt;
  var baseSteps = lesson.steps;
  function q(sel) { return root.querySelector(sel); }
  function num(x) { return typeof x === "string" ? Number(x) : x; }

  // ---- numbers written as Python's format(x, fmt) writes them (for a typed learning rate)
  function fmtNumber(x) {
    if (!isFinite(x)) return isNaN(x) ? "nan" : (x > 0 ? "inf" : "-inf");
    if (x === 0) x = 0;
    var m = /^([+ ]?)(?:\.(\d+))?([efg%]?)$/.exec(fmt) || ["", "", "6", "g"];
    var p = m[2] === undefined ? 6 : Number(m[2]), kind = m[3] || "g", text;
    if (kind === "f") text = x.toFixed(p);
    else if (kind === "e") text = x.toExponential(p).replace(/e([+-])(\d)$/, "e$10$2");
    else if (kind === "%") text = (100 * x).toFixed(p) + "%";
    else {
      var precise = p === 0 ? 1 : p, exp = x === 0 ? 0 : Math.floor(Math.log10(Math.abs(x)));
      if (exp < -4 || exp >= precise) {
        text = x.toExponential(precise - 1).replace(/\.?0+e/, "e").replace(/e([+-])(\d)$/, "e$10$2");
      } else {
        text = x.toFixed(Math.max(0, precise - 1 - exp));
        if (text.indexOf(".") >= 0) text = text.replace(/\.?0+$/, "");
      }
    }
    if (m[1] && x >= 0) text = m[1] + text;
    return text;
  }
  function factor(t) { return t.charAt(0) === "-" ? "(" + t + ")" : t; }

  // ---- the learning rate and the update step
  var lr = lesson.lr, updates = lesson.updates;
  function updateStep() {
    if (lr === null || !updates.length) return null;
    var typed = lr !== lesson.lr;
    var lrText = typed ? String(lr) : lesson.lr_text, lines = [], out = lesson.out;
    var items = updates.map(function (u) {
      var d = num(u.data), g = num(u.grad);
      var nw = typed ? d - lr * g : num(u["new"]);
      var nwText = typed ? fmtNumber(nw) : u.new_text;
      var nm = /^[A-Za-z_][A-Za-z_0-9]*$/.test(u.name) ? u.name : "(" + u.name + ")";
      lines.push(u.name + " \u2190 " + u.name + " \u2212 \u03b7\u00b7\u2202" + out + "/\u2202" + nm + " = " +
        u.data_text + " \u2212 " + lrText + " \u00b7 " + factor(u.grad_text) + " = " + nwText);
      return { node: u.node, name: u.name, value: nw, text: nwText,
        question: u.name + " \u2190 " + u.name + " \u2212 \u03b7\u00b7\u2202" + out + "/\u2202" + nm + " = ?",
        hint: u.name + " = " + u.data_text + ", \u03b7 = " + lrText + ", \u2202" + out + "/\u2202" + nm
          + " = " + u.grad_text };
    });
    return { kind: "update", node: null, group: null, items: items,
      text: "One step of gradient descent, \u03b7 = " + lrText + ":\n" + lines.join("\n") };
  }
  var steps, n;
  function rebuild() {
    steps = baseSteps.slice();
    var u = updateStep();
    if (u) steps.push(u);
    n = steps.length;
  }
  rebuild();

  // ---- the questions of a step (quiz mode): one per step, one per parameter for the update
  function questions(k) {
    var s = steps[k];
    if (s.kind === "seed") return [];
    if (s.kind === "update") return s.items.map(function (it) {
      return { prompt: it.question, answer: it.value, answer_text: it.text, hint: it.hint };
    });
    return [{ prompt: s.question, answer: num(s.answer), answer_text: s.answer_text, hint: s.hint }];
  }
  var answers = {};  // step index -> list of outcomes: "first", "hint", "revealed", "skipped"
  var tries = {};    // step index -> wrong tries on the question being asked
  function done(k) {
    if (!quiz) return true;
    var a = answers[k] || [];
    return a.length >= questions(k).length;
  }
  function skipThrough(from, to) {
    // Jumping over questions shows their answers, but they do not count as answered.
    for (var k = from; k < to; k++) {
      var a = answers[k] || (answers[k] = []);
      while (a.length < questions(k).length) a.push("skipped");
    }
  }

  // ---- the drawing
  var graph = q(".cr-graph");
  var svgFull = q(".cr-svg-full"), svgGroups = q(".cr-svg-groups");
  function el(svg, id) { return svg ? svg.querySelector('[data-cr-id="' + id + '"]') : null; }
  var boxes = nodes.map(function (_, i) { return el(svgFull, "n" + i); });
  var opsEls = nodes.map(function (_, i) { return el(svgFull, "op" + i); });
  function boxTexts(i) { var b = boxes[i]; return b ? b.getElementsByTagName("text") : []; }
  var rows = Array.prototype.map.call(root.querySelectorAll("tr.cr-row"), function (r) { return r; });
  var list = q(".cr-steps");

  function stepLines(k) {
    var s = steps[k];
    return s.text + (s.sum ? "\n" + s.sum : "");
  }

  function toggle(e, cls, on) { if (e) e.classList.toggle(cls, on); }
  var position = 0;

  function stateAt(p) {
    // What is known after p steps (the p-th one shown only if it is answered).
    var known = {}, grads = {}, fresh = {};
    nodes.forEach(function (nd, i) { if (!nd.inputs.length) known[i] = true; });
    for (var k = 0; k < p; k++) {
      if (k === p - 1 && !done(k)) break;
      var s = steps[k];
      if (s.kind === "forward") known[s.node] = true;
      else if (s.kind === "seed") grads[s.node] = [lesson.seed, lesson.seed_text];
      else if (s.kind === "backward") grads[s.input] = [s.total, s.total_text];
      else if (s.kind === "update") s.items.forEach(function (it) { fresh[it.node] = it; });
    }
    return { known: known, grads: grads, fresh: fresh };
  }

  function setField(texts, at, label, value, cls) {
    var t = texts[texts.length - at];
    if (!t) return;
    t.textContent = label + " " + value;
    t.classList.toggle("cr-unknown", cls === "unknown");
    t.classList.toggle("cr-new", cls === "new");
  }

  function render() {
    var st = stateAt(position), current = position > 0 ? steps[position - 1] : null;
    var answered = current ? done(position - 1) : true;
    nodes.forEach(function (nd, i) {
      var texts = boxTexts(i), fresh = st.fresh[i];
      var known = !!st.known[i];
      if (fresh) setField(texts, 2, "data", fresh.text, "new");
      else setField(texts, 2, "data", known ? nd.data_text : "?", known ? "" : "unknown");
      var g = st.grads[i];
      // A constant's box holds only its number; its grad is "—" in the table.
      if (nd.role !== "constant") setField(texts, 1, "grad", g ? g[1] : "?", g ? "" : "unknown");
      var row = rows[i], dataCell = row.querySelector(".cr-data"), gradCell = row.querySelector(".cr-grad");
      dataCell.textContent = fresh ? nd.data_text + " \u2192 " + fresh.text : (known ? nd.data_text : "?");
      dataCell.setAttribute("data-value", fresh ? String(fresh.value) : (known ? String(num(nd.data)) : ""));
      gradCell.textContent = g ? g[1] : (nd.role === "constant" ? "\u2014" : "?");
      gradCell.setAttribute("data-grad", g ? String(g[0]) : "");
      row.classList.remove("cr-updated");
      ["cr-target", "cr-source", "cr-computing", "cr-updated"].forEach(function (c) {
        toggle(boxes[i], c, false); toggle(opsEls[i], c, false);
      });
    });
    Array.prototype.forEach.call(root.querySelectorAll(".edge.cr-active, .edge.cr-feeding"), function (e) {
      e.classList.remove("cr-active"); e.classList.remove("cr-feeding");
    });
    var focus = [];
    if (current) {
      if (current.kind === "forward") {
        toggle(boxes[current.node], "cr-computing", true);
        toggle(opsEls[current.node], "cr-computing", true);
        nodes[current.node].inputs.forEach(function (_, p) {
          var e = el(svgFull, "e" + current.node + "_" + p);
          toggle(e, "cr-feeding", true); if (e) focus.push(e);
        });
        focus.push(boxes[current.node]);
        rows[current.node].classList.add("cr-updated");
      } else if (current.kind === "seed") {
        toggle(boxes[current.node], "cr-target", true);
        focus.push(boxes[current.node]);
      } else if (current.kind === "backward") {
        var edge = el(svgFull, "e" + current.node + "_" + current.position);
        toggle(edge, "cr-active", true);
        toggle(boxes[current.input], "cr-target", true);
        toggle(boxes[current.node], "cr-source", true);
        toggle(opsEls[current.node], "cr-source", true);
        rows[current.input].classList.add("cr-updated");
        focus.push(edge, boxes[current.input], opsEls[current.node]);
      } else if (current.kind === "update") {
        current.items.forEach(function (it) {
          toggle(boxes[it.node], "cr-updated", true); rows[it.node].classList.add("cr-updated");
        });
      }
    }
    renderGroups(st, current);
    // The step being shown, and the list of steps so far.
    var box = q(".cr-current");
    box.textContent = "";
    if (!current) {
      box.textContent = "The leaves are given. Press Next (\u2192) to compute the forward pass, " +
        "one operation at a time.";
    } else if (!answered) {
      box.textContent = askedPrompt(position - 1);
    } else {
      box.textContent = current.text.replace(/   \(/, "\n(");
      if (current.sum) {
        var sum = document.createElement("span"); sum.className = "cr-sum"; sum.textContent = current.sum;
        box.appendChild(sum);
      }
    }
    var f = baseSteps.filter(function (s) { return s.kind === "forward"; }).length;
    var phase = !current ? "Start" : current.kind === "forward" ? "Forward pass: operation "
      + (position) + " of " + f
      : current.kind === "seed" ? "Backward pass begins"
      : current.kind === "backward" ? "Backward pass: edge " + (position - f - 1) + " of "
        + lesson.backward_count
      : "Update";
    q(".cr-phase").textContent = phase;
    while (list.children.length < n) list.appendChild(document.createElement("li"));
    while (list.children.length > n) list.removeChild(list.lastChild);
    for (var j = 0; j < n; j++) {
      var li = list.children[j];
      li.textContent = j === position - 1 && !answered ? askedPrompt(j) : stepLines(j);
      li.className = j < position - 1 ? "cr-done" : (j === position - 1 ? "cr-now" : "cr-future");
    }
    q(".cr-counter").textContent = "step " + position + " of " + n;
    q(".cr-prev").disabled = position === 0;
    q(".cr-start").disabled = position === 0;
    q(".cr-next").disabled = position === n || !answered;
    q(".cr-end").disabled = position === n && answered;
    renderQuiz();
    follow(focus.filter(Boolean));
    if (selected !== null) showPanel(selected);
    writeAddress();
  }

  // ---- question mode
  function askedPrompt(k) {
    var qs = questions(k), a = answers[k] || [];
    var lines = [];
    for (var i = 0; i < qs.length; i++) {
      if (i < a.length) lines.push(qs[i].prompt.replace(/\?$/, qs[i].answer_text));
      else { lines.push(qs[i].prompt); break; }
    }
    return lines.join("\n");
  }
  function parseAnswer(text) {
    var t = text.trim().replace(/\u2212/g, "-").replace(/\s+/g, "");
    if (/^[+-]?\d+,\d+$/.test(t)) t = t.replace(",", ".");
    if (/^[+-]?(inf|infinity)$/i.test(t)) return t.charAt(0) === "-" ? -Infinity : Infinity;
    if (/^nan$/i.test(t)) return NaN;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return null;
    return Number(t);
  }
  function close(given, truth) {
    if (isNaN(truth)) return isNaN(given);
    if (!isFinite(truth)) return given === truth;
    var tol = Math.max(lesson.tolerance.abs, lesson.tolerance.rel * Math.abs(truth));
    return Math.abs(given - truth) <= tol;
  }
  function renderQuiz() {
    var ask = q(".cr-ask"), score = q(".cr-score");
    if (!quiz) { ask.hidden = true; score.hidden = true; return; }
    var k = position - 1, pending = position > 0 && !done(k);
    ask.hidden = !pending;
    if (!pending) q(".cr-feedback").textContent = "";
    var counts = { first: 0, hint: 0, revealed: 0, skipped: 0 }, total = 0;
    for (var j = 0; j < n; j++) total += questions(j).length;
    Object.keys(answers).forEach(function (key) {
      answers[key].forEach(function (o) { counts[o] += 1; });
    });
    var right = counts.first + counts.hint, asked = right + counts.revealed;
    var finished = position === n && done(n - 1);
    score.hidden = false;
    score.textContent = (finished ? "Final score: " : "Score so far: ") + right + " of " + asked
      + " right (" +
      counts.first + " at the first try, " + counts.hint + " after a hint), " + counts.revealed
        + " revealed" +
      (counts.skipped ? ", " + counts.skipped + " skipped" : "") + "; " + total + " questions in all.";
    score.setAttribute("data-right", String(right));
    score.setAttribute("data-asked", String(asked));
    score.setAttribute("data-final", finished ? "yes" : "no");
  }
  function answer(kind) {
    var k = position - 1;
    if (k < 0 || done(k)) return;
    var a = answers[k] || (answers[k] = []), qn = questions(k)[a.length];
    var fb = q(".cr-feedback"), input = q(".cr-answer");
    if (kind === "reveal") {
      a.push("revealed"); tries[k] = 0;
      fb.className = "cr-feedback"; fb.textContent = "The answer: " + qn.answer_text;
    } else {
      var given = parseAnswer(input.value);
      if (given === null) {
        fb.className = "cr-feedback cr-wrong";
        fb.textContent = "Type a number, such as -0.5 or 1.25e-3 (you typed \u201c" + input.value
          + "\u201d).";
        return;
      }
      if (close(given, qn.answer)) {
        a.push(tries[k] ? "hint" : "first"); tries[k] = 0;
        fb.className = "cr-feedback cr-right"; fb.textContent = "Right: " + qn.answer_text;
      } else {
        tries[k] = (tries[k] || 0) + 1;
        fb.className = "cr-feedback cr-wrong";
        fb.textContent = "Not quite (you wrote " + input.value.trim() + "). Hint: " + qn.hint +
          "\nTry again, or press Reveal.";
        input.select();
        return;
      }
    }
    input.value = "";
    var keep = fb.textContent, cls = fb.className;
    render();
    fb.textContent = keep; fb.className = cls;
    if (!done(k)) input.focus();
  }
  q(".cr-check").addEventListener("click", function () { answer("check"); });
  q(".cr-reveal").addEventListener("click", function () { answer("reveal"); });
  q(".cr-answer").addEventListener("keydown", function (e) {
    if (e.key === "Enter") { answer("check"); e.preventDefault(); }
  });

  // ---- moving through the steps
  function go(to) {
    to = Math.max(0, Math.min(n, to));
    if (quiz && to > position) {
      // Stepping on from an unanswered step (End, a link, Next neuron) skips its questions.
      skipThrough(Math.max(0, position - 1), to - 1);
    }
    position = to;
    render();
    if (quiz && position > 0 && !done(position - 1) && root.contains(document.activeElement)) {
      q(".cr-answer").focus();
    }
  }
  function next() {
    if (quiz && position > 0 && !done(position - 1)) { q(".cr-answer").focus(); return; }
    go(position + 1);
  }
  q(".cr-next").addEventListener("click", next);
  q(".cr-prev").addEventListener("click", function () { go(position - 1); });
  q(".cr-start").addEventListener("click", function () { go(0); });
  q(".cr-end").addEventListener("click", function () { go(n); });

  // One neuron at a time: the runs of consecutive steps inside one group.
  function groupOf(k) { return k >= 0 && k < n ? steps[k].group : undefined; }
  function nextGroup() {
    var k = position;  // the next step to apply
    if (k >= n) return;
    var g = groupOf(k);
    while (k + 1 < n && groupOf(k + 1) === g && g !== null) k++;
    go(k + 1);
  }
  function prevGroup() {
    var k = position - 2;
    if (k < 0) { go(0); return; }
    var g = groupOf(k);
    while (k - 1 >= 0 && groupOf(k - 1) === g && g !== null) k--;
    go(k);
  }
  q(".cr-next-group").addEventListener("click", nextGroup);
  q(".cr-prev-group").addEventListener("click", prevGroup);

  // ---- the learning rate field
  var lrInput = q(".cr-lr"), lrNote = q(".cr-lr-note");
  if (!updates.length) {
    q(".cr-lr-box").hidden = true;
  } else {
    lrInput.value = lesson.lr_text;
    lrNote.textContent = lr === null ? "(type one to add an update step)" : "";
    lrInput.addEventListener("change", function () {
      var t = lrInput.value.trim(), v = parseAnswer(t);
      if (t === "") { lr = null; lrNote.textContent = "(no update step)"; }
      else if (v === null || !(v > 0) || !isFinite(v)) {
        lrNote.textContent = "\u03b7 must be a positive number, such as 0.1"; return;
      } else { lr = v === lesson.lr ? lesson.lr : v; lrNote.textContent = ""; }
      var last = n - 1;
      if (answers[last] && steps[last].kind === "update") { delete answers[last]; delete tries[last]; }
      rebuild();
      if (position > n) position = n;
      render();
    });
    lrInput.addEventListener("keydown", function (e) { if (e.key === "Enter") lrInput.blur(); });
  }

  // ---- zoom and pan: each drawing keeps its own view box
  function viewOf(svg) {
    var b = svg.getAttribute("viewBox").split(/[\s,]+/).map(Number);
    return { svg: svg, base: b.slice(), box: b.slice() };
  }
  var views = [viewOf(svgFull)];
  if (svgGroups) views.push(viewOf(svgGroups));
  var view = views[0];
  function apply(v) {
    v.svg.setAttribute("viewBox", v.box.join(" "));
    var z = Math.max(v.base[2] / v.box[2], v.base[3] / v.box[3]);
    q(".cr-zoom-level").textContent = Math.abs(z - 1) < 1e-6 ? "fit" : Math.round(z * 100) + "%";
    v.svg.setAttribute("data-zoom", String(z));
  }
  function zoomAt(factor, cx, cy) {
    var b = view.box, z = view.base[2] / (b[2] / factor);
    if (z > 40 || z < 0.25) return;
    view.box = [cx - (cx - b[0]) / factor, cy - (cy - b[1]) / factor, b[2] / factor, b[3] / factor];
    apply(view);
  }
  function toView(clientX, clientY) {
    var m = view.svg.getScreenCTM();
    if (!m) return [view.box[0] + view.box[2] / 2, view.box[1] + view.box[3] / 2];
    var pt = new DOMPoint(clientX, clientY).matrixTransform(m.inverse());
    return [pt.x, pt.y];
  }
  function zoomCenter(factor) {
    var b = view.box; zoomAt(factor, b[0] + b[2] / 2, b[1] + b[3] / 2);
  }
  function fit() { view.box = view.base.slice(); apply(view); }
  function rectOf(elements) {
    var r = null;
    elements.forEach(function (e) {
      var c = e.getBoundingClientRect();
      if (!c.width && !c.height) return;
      var a = toView(c.left, c.top), b = toView(c.right, c.bottom);
      var box = [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
      r = r ? [Math.min(r[0], box[0]), Math.min(r[1], box[1]), Math.max(r[2], box[2]), Math.max(r[3],
        box[3])] : box;
    });
    return r;
  }
  function showRect(r, margin) {
    var w = r[2] - r[0] + 2 * margin, h = r[3] - r[1] + 2 * margin, base = view.base;
    var aspect = base[2] / base[3];
    if (w / h < aspect) w = h * aspect; else h = w / aspect;
    var cx = (r[0] + r[2]) / 2, cy = (r[1] + r[3]) / 2;
    view.box = [cx - w / 2, cy - h / 2, w, h];
    apply(view);
  }
  function follow(elements) {
    // When zoomed in, keep the step being shown on screen.
    if (!elements.length || view.svg !== svgFull || view.box[2] >= view.base[2] - 1e-9) return;
    var r = rectOf(elements);
    if (!r) return;
    var b = view.box;
    if (r[0] >= b[0] && r[1] >= b[1] && r[2] <= b[0] + b[2] && r[3] <= b[1] + b[3]) return;
    view.box = [(r[0] + r[2]) / 2 - b[2] / 2, (r[1] + r[3]) / 2 - b[3] / 2, b[2], b[3]];
    apply(view);
  }
  q(".cr-zoom-in").addEventListener("click", function () { zoomCenter(1.25); });
  q(".cr-zoom-out").addEventListener("click", function () { zoomCenter(0.8); });
  q(".cr-fit").addEventListener("click", fit);
  graph.addEventListener("wheel", function (e) {
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      var p = toView(e.clientX, e.clientY);
      zoomAt(Math.exp(-e.deltaY * 0.002), p[0], p[1]);
    } else if (view.box[2] < view.base[2] - 1e-9) {
      e.preventDefault();  // zoomed in: the wheel pans
      var m = view.svg.getScreenCTM(), s = m ? m.a : 1;
      view.box[0] += e.deltaX / s; view.box[1] += e.deltaY / s; apply(view);
    }
  }, { passive: false });
  var pointers = {}, drag = null, moved = false, pinch = null;
  graph.addEventListener("pointerdown", function (e) {
    pointers[e.pointerId] = [e.clientX, e.clientY];
    var ids = Object.keys(pointers);
    moved = false;
    if (ids.length === 2) {
      var a = pointers[ids[0]], b = pointers[ids[1]];
      pinch = { d: Math.hypot(a[0] - b[0], a[1] - b[1]), box: view.box.slice() };
      drag = null;
    } else {
      var m = view.svg.getScreenCTM();
      drag = { x: e.clientX, y: e.clientY, box: view.box.slice(), s: m ? m.a : 1 };
    }
  });
  graph.addEventListener("pointermove", function (e) {
    if (!(e.pointerId in pointers)) return;
    pointers[e.pointerId] = [e.clientX, e.clientY];
    var ids = Object.keys(pointers);
    if (pinch && ids.length === 2) {
      var a = pointers[ids[0]], b = pointers[ids[1]], d = Math.hypot(a[0] - b[0], a[1] - b[1]);
      if (pinch.d > 0 && d > 0) {
        var c = toView((a[0] + b[0]) / 2, (a[1] + b[1]) / 2), f = d / pinch.d;
        view.box = pinch.box.slice(); zoomAt(f, c[0], c[1]); moved = true;
      }
    } else if (drag) {
      var dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (!moved && Math.abs(dx) + Math.abs(dy) < 5) return;
      if (!moved) { graph.classList.add("cr-dragging"); try { graph.setPointerCapture(e.pointerId);
        } catch (err) {} }
      moved = true;
      view.box = [drag.box[0] - dx / drag.s, drag.box[1] - dy / drag.s, drag.box[2], drag.box[3]];
      apply(view);
    }
  });
  function lift(e) {
    delete pointers[e.pointerId];
    if (Object.keys(pointers).length < 2) pinch = null;
    drag = null; graph.classList.remove("cr-dragging");
  }
  graph.addEventListener("pointerup", lift);
  graph.addEventListener("pointercancel", lift);

  // ---- one box per neuron
  var viewButton = q(".cr-view");
  function showView(which) {
    var groups = which === "groups" && svgGroups;
    // An <svg> has no .hidden property: the attribute itself hides it.
    if (groups) svgFull.setAttribute("hidden", ""); else svgFull.removeAttribute("hidden");
    if (svgGroups) { if (groups) svgGroups.removeAttribute("hidden");
      else svgGroups.setAttribute("hidden", ""); }
    view = groups ? views[1] : views[0];
    apply(view);
    viewButton.textContent = groups ? "Every value" : "One box per neuron";
    root.setAttribute("data-cr-view", groups ? "groups" : "full");
  }
  function renderGroups(st, current) {
    if (!svgGroups) return;
    Array.prototype.forEach.call(svgGroups.querySelectorAll("[data-cr-group]"), function (g) {
      var k = Number(g.getAttribute("data-cr-group")), outs = lesson.group_outputs[k];
      var last = outs[outs.length - 1];
      for (var j = outs.length - 1; j >= 0; j--) { if (st.known[outs[j]]) { last = outs[j]; break; } }
      var texts = g.getElementsByTagName("text");
      // A box's numbers are its newest computed output's ("data …", "grad …"; "last
      // data …" in older drawings), shown once the steps have computed them.
      Array.prototype.forEach.call(texts, function (t) {
        var field = /^((?:last )?)(data|grad) /.exec(t.textContent);
        if (!field) return;
        if (field[2] === "data") {
          var fresh = st.fresh[last];
          t.textContent = field[1] + "data " + (st.known[last] ? (fresh ? fresh.text : nodes[last].data_text)
            : "?");
        } else {
          t.textContent = field[1] + "grad " + (st.grads[last] ? st.grads[last][1] : "?");
        }
      });
      var g2 = current ? current.group : null;
      g.classList.toggle("cr-current-group", g2 !== null && g2 !== undefined && g2 === k);
    });
    Array.prototype.forEach.call(svgGroups.querySelectorAll("[data-cr-node]"), function (b) {
      var i = Number(b.getAttribute("data-cr-node")), texts = b.getElementsByTagName("text");
      if (texts.length >= 3) {
        texts[texts.length - 2].textContent = "data " + (st.known[i] ? nodes[i].data_text : "?");
        texts[texts.length - 1].textContent = "grad " + (st.grads[i] ? st.grads[i][1] : "?");
      }
    });
  }
  function expandGroup(k) {
    showView("full");
    fit();
    var members = lesson.group_members[k], els = [];
    boxes.forEach(function (b) { toggle(b, "cr-expanded", false); });
    opsEls.forEach(function (b) { toggle(b, "cr-expanded", false); });
    members.forEach(function (i) {
      if (boxes[i]) { els.push(boxes[i]); toggle(boxes[i], "cr-expanded", true); }
      if (opsEls[i]) { els.push(opsEls[i]); toggle(opsEls[i], "cr-expanded", true); }
    });
    var r = rectOf(els);
    if (r) showRect(r, 20);
  }
  if (svgGroups) {
    viewButton.hidden = false;
    q(".cr-next-group").hidden = false;
    q(".cr-prev-group").hidden = false;
    viewButton.addEventListener("click", function () {
      showView(svgFull.hasAttribute("hidden") ? "full" : "groups");
    });
  }

  // ---- the chain rule of a clicked box
  var selected = null;
  function showPanel(i) {
    selected = i;
    boxes.forEach(function (b, j) { toggle(b, "cr-selected", j === i); });
    var panel = q(".cr-panel"), text = q(".cr-panel-text");
    panel.hidden = false;
    panel.setAttribute("data-node", String(i));
    var nd = nodes[i], st = stateAt(position);
    var complete = !quiz || nd.role === "constant" ||
      (st.grads[i] && (nd.inputs.length === 0 || st.known[i]) && gradComplete(i));
    text.textContent = complete ? nd.panel.join("\n")
      : nd.name + ": answer the steps that reach it first; " +
        "its chain rule is shown once its gradient is complete.";
  }
  function gradComplete(i) {
    // True once every backward step into i has been applied (and answered).
    for (var k = position; k < n; k++) if (steps[k].kind === "backward" && steps[k].input === i) return false;
    var c = position - 1;
    return !(c >= 0 && steps[c].input === i && !done(c));
  }
  q(".cr-panel-close").addEventListener("click", function () {
    selected = null; q(".cr-panel").hidden = true;
    boxes.forEach(function (b) { toggle(b, "cr-selected", false); });
  });
  graph.addEventListener("click", function (e) {
    if (moved) { moved = false; return; }
    var t = e.target.closest ? e.target.closest(".node") : null;
    if (!t) return;
    if (t.hasAttribute("data-cr-group")) { expandGroup(Number(t.getAttribute("data-cr-group"))); return; }
    if (t.hasAttribute("data-cr-node")) { showPanel(Number(t.getAttribute("data-cr-node"))); return; }
    var id = t.getAttribute("data-cr-id") || "", m = /^(?:n|op)(\d+)$/.exec(id);
    if (m) showPanel(Number(m[1]));
  });

  // ---- the legend: the drawing's own colours
  var roleNames = { input: "input (given)", parameter: "parameter (learned)", constant: "constant",
    intermediate: "intermediate result", output: "output" };
  var legend = q(".cr-legend"), seen = {};
  function swatch(colour, label, border) {
    var s = document.createElement("span"), c = document.createElement("i");
    c.className = "cr-swatch"; c.style.background = colour;
    if (border) { c.style.background = "#fff"; c.style.border = "3px solid " + border; }
    s.appendChild(c); s.appendChild(document.createTextNode(label)); legend.appendChild(s);
  }
  nodes.forEach(function (nd, i) {
    if (seen[nd.role] || !boxes[i]) return;
    var shape = boxes[i].querySelector("polygon, path");
    var fill = shape && shape.getAttribute("fill");
    if (!fill || fill === "none") return;
    seen[nd.role] = true;
    swatch(fill, roleNames[nd.role] || nd.role);
  });
  swatch("", "being computed", "#2563eb");
  swatch("", "passes its gradient back", "#d97706");
  swatch("", "receives a contribution", "#dc2626");
  if (updates.length) swatch("", "updated", "#7c3aed");

  // ---- notes for big graphs
  if (nodes.length > 40) {
    q(".cr-note").textContent = "This graph has " + nodes.length + " values. " + (svgGroups
      ? "It opens one box per neuron: click a box to expand it, " +
        "or press Next neuron to apply all of its steps."
      : "Zoom in (+, Ctrl+wheel or a pinch) and drag to read it: the view follows the current step.");
  }

  // ---- presentation mode and keys
  function present() { root.classList.toggle("cr-present"); setTimeout(function () { apply(view); }, 0); }
  q(".cr-present").addEventListener("click", present);
  function mine() {
    // Keys drive the stepper last used; until one is, the first of the document.
    var active = document.querySelector(".chainrule-stepper[data-cr-active]");
    return active ? active === root : document.querySelector(".chainrule-stepper") === root;
  }
  function activate() {
    Array.prototype.forEach.call(document.querySelectorAll(".chainrule-stepper[data-cr-active]"),
      function (s) {
      s.removeAttribute("data-cr-active");
    });
    root.setAttribute("data-cr-active", "");
  }
  root.addEventListener("pointerdown", activate, true);
  root.addEventListener("focusin", activate);
  document.addEventListener("keydown", function (event) {
    if (!mine() || event.altKey || event.ctrlKey || event.metaKey) return;
    var tag = event.target && event.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT") return;
    var key = event.key;
    if (key === "ArrowRight" || key === " ") next();
    else if (key === "ArrowLeft") go(position - 1);
    else if (key === "Home") go(0);
    else if (key === "End") go(n);
    else if (key === "f" || key === "F") present();
    else if (key === "Escape" && root.classList.contains("cr-present")) present();
    else if (key === "+" || key === "=") zoomCenter(1.25);
    else if (key === "-") zoomCenter(0.8);
    else if (key === "0") fit();
    else return;
    event.preventDefault();
  });

  // ---- the address: #step=12 (only when the document holds this one stepper)
  function alone() { return document.querySelectorAll(".chainrule-stepper").length === 1; }
  function readAddress() {
    var m = /^#step=(\d+)$/.exec(location.hash || "");
    return m ? Number(m[1]) : null;
  }
  function writeAddress() {
    if (!ready || !alone() || readAddress() === position) return;
    try { history.replaceState(null, "", "#step=" + position); } catch (err) { /* a sandboxed frame */ }
  }
  window.addEventListener("hashchange", function () {
    var to = alone() ? readAddress() : null;
    if (to !== null && to !== position) go(to);
  });

  // A drawing much wider than tall gets the whole width, the step below it.
  function layout() {
    var b = view.base, w = root.clientWidth, h = root.clientHeight;
    var wide = w > 0 && h > 0 && b[2] / b[3] > 2.4 * (w / h) / 1.78;
    if (wide !== root.classList.contains("cr-wide")) { root.classList.toggle("cr-wide", wide); apply(view); }
  }
  if (typeof ResizeObserver === "function") new ResizeObserver(layout).observe(root);
  showView(lesson.collapse ? "groups" : "full");
  layout();
  var ready = false;
  render();
  function opened() {
    // Only once the whole document is read is it known whether this stepper is alone in it.
    ready = true;
    var start = alone() ? readAddress() : null;
    if (start !== null) go(start);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", opened); else opened();
})(document.currentScript.parentNode);
"""
