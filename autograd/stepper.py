"""A web page that replays backward one chain-rule step at a time.

``write_stepper(L, "steps.html")`` writes one self-contained HTML file: the
drawing of the graph (as inline SVG), the list of steps of ``explain(L)``, a
table of every Value, and buttons. It needs no network and no server: open
it from disk in any browser, in class, on a projector.

- **Next** (or the right arrow key, or space) applies one step: the arrow
  being used turns red, and the input at its tail receives its contribution
  ``dL/da += dL/dc * dc/da``; its gradient appears (or grows) in the drawing
  and in the table.
- **Previous** (left arrow) takes the step back; **Start** (Home) and
  **End** (End) jump to either end.

Before the first step only the output's gradient is known: dL/dL = 1. After
the last step every gradient equals the one ``L.backward()`` computes, to the
last bit (the page shows the numbers Python computed; it does no arithmetic).
"""

from __future__ import annotations

import html
import json
import math
import os
from pathlib import Path

from .draw import DEFAULT_TIMEOUT, GraphTooLargeError, draw
from .engine import Value
from .explain import explain
from .naming import in_derivative

__all__ = ["stepper_html", "write_stepper"]


def _svg_body(svg: str) -> str:
    """The ``<svg>`` element of a rendered file, without the XML prologue."""
    start = svg.find("<svg")
    if start < 0:
        raise RuntimeError("the renderer returned no <svg> element")
    return svg[start:]


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


def stepper_html(
    root: Value,
    *,
    fmt: str = ".4f",
    rankdir: str = "LR",
    grad: float = 1.0,
    title: str | None = None,
    renderer: str | None = None,
    max_nodes: int | None = 150,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> str:
    """Return the HTML text of the stepper for ``root`` (see ``write_stepper``)."""
    steps = explain(root, grad=grad, fmt=fmt)
    if max_nodes is not None and len(steps.order) > max_nodes:
        raise GraphTooLargeError(
            f"stepper: the graph has {len(steps.order)} values ({len(steps)} steps), more than "
            f"max_nodes={max_nodes}; a replay that long teaches little. Step through a smaller "
            "expression (one neuron), or pass max_nodes=None to write it anyway"
        )
    # The same Values as steps.order, already measured against max_nodes above.
    drawing = draw(root, rankdir=rankdir, fmt=fmt, edge_labels=True, grads=steps.gradients,
                   max_nodes=None, renderer=renderer, element_ids=True, timeout=timeout)
    svg = _svg_body(drawing.svg())
    lesson = steps.to_dict(fmt)
    for node in lesson["nodes"]:
        node["data_text"] = format(node["data"], fmt)
    for step in lesson["steps"]:
        step["total_text"] = format(step["total"], fmt)
    lesson["seed_text"] = format(steps.seed, fmt)
    out_name = steps.names[root]
    lesson["title"] = title or f"Backward through {out_name}"
    heading = html.escape(lesson["title"])
    rows = "\n".join(
        f'<tr id="row-{i}"><td class="name">{html.escape(n["name"])}</td>'
        f'<td class="formula">{html.escape(n["formula"] if n["inputs"] else "leaf")}</td>'
        f'<td class="num">{html.escape(n["data_text"])}</td>'
        f'<td class="num grad" id="grad-{i}" data-grad="">?</td></tr>'
        for i, n in enumerate(lesson["nodes"])
    )
    return _PAGE.format(
        title=heading,
        svg=svg,
        rows=rows,
        lesson=_script_json(lesson),
        count=len(steps),
        out=html.escape(out_name),
        d_out=html.escape(in_derivative(out_name)),
    )


def write_stepper(
    root: Value,
    path: str | os.PathLike,
    *,
    fmt: str = ".4f",
    rankdir: str = "LR",
    grad: float = 1.0,
    title: str | None = None,
    renderer: str | None = None,
    max_nodes: int | None = 150,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Path:
    """Write the step-by-step backward page for ``root`` to ``path``; return the path.

    ``fmt`` is the number format shown, ``rankdir`` the drawing direction,
    ``grad`` the seed dL/dL (1.0). The graph is drawn with Graphviz at write
    time, so a renderer is needed now, not when the page is opened. Graphs
    larger than ``max_nodes`` Values are refused (a step-by-step replay of
    thousands of steps teaches nothing); pass ``max_nodes=None`` to insist.
    ``timeout`` is how many seconds the renderer may run (``None``: no limit).
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(
            f"write_stepper({str(path)!r}): the folder {str(target.parent)!r} does not exist"
        )
    text = stepper_html(root, fmt=fmt, rankdir=rankdir, grad=grad, title=title, renderer=renderer,
                        max_nodes=max_nodes, timeout=timeout)
    target.write_text(text, encoding="utf-8")
    return target


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
  body {{ font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 1.2em;
         color: #111827; }}
  h1 {{ font-size: 1.3em; margin: 0 0 .4em 0; }}
  .controls {{ display: flex; gap: .5em; align-items: center; margin: .6em 0; flex-wrap: wrap; }}
  button {{ font-size: 1em; padding: .35em .9em; border-radius: .4em; border: 1px solid #9ca3af;
            background: #f9fafb; cursor: pointer; }}
  button:disabled {{ opacity: .4; cursor: default; }}
  #counter {{ font-variant-numeric: tabular-nums; margin-left: .6em; }}
  #current {{ font-family: ui-monospace, Menlo, Consolas, monospace; background: #fef3c7;
              padding: .5em .8em; border-radius: .4em; min-height: 1.4em; white-space: pre-wrap; }}
  #graph {{ overflow: auto; border: 1px solid #e5e7eb; border-radius: .4em; margin: .8em 0; padding: .4em; }}
  #graph svg {{ max-width: 100%; height: auto; }}
  .panes {{ display: flex; gap: 1.5em; flex-wrap: wrap; align-items: flex-start; }}
  table {{ border-collapse: collapse; font-size: .92em; }}
  td, th {{ padding: .15em .7em; border-bottom: 1px solid #e5e7eb; text-align: left; }}
  td.num {{ text-align: right; font-family: ui-monospace, Menlo, Consolas, monospace; }}
  tr.updated td {{ background: #fee2e2; }}
  ol#steps {{ font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .88em; padding-left: 2.5em;
              margin: 0; }}
  ol#steps li.future {{ display: none; }}
  ol#steps li.current {{ background: #fef3c7; font-weight: bold; }}
  .edge.active path {{ stroke: #dc2626; stroke-width: 3.5px; }}
  .edge.active polygon {{ stroke: #dc2626; fill: #dc2626; }}
  .edge.active text {{ fill: #dc2626; font-weight: bold; }}
  .node.target polygon {{ stroke: #dc2626; stroke-width: 3px; }}
  .node.source polygon, .node.source ellipse {{ stroke: #d97706; stroke-width: 3px; }}
  .hint {{ color: #6b7280; font-size: .9em; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="hint">Backward applies the chain rule on one edge at a time, from the output {out} back to the
leaves: <b>d{d_out}/d(input) += d{d_out}/d(node) &times; d(node)/d(input)</b>. Press <b>Next</b> or the right
arrow key ({count} steps).</p>
<div class="controls">
  <button id="start" title="Home">&#x25C0;&#x25C0; Start</button>
  <button id="prev" title="Left arrow">&#x25C0; Previous</button>
  <button id="next" title="Right arrow or space">Next &#x25B6;</button>
  <button id="end" title="End">End &#x25B6;&#x25B6;</button>
  <span id="counter"></span>
</div>
<div id="current"></div>
<div id="graph">
{svg}
</div>
<div class="panes">
<div>
<h2 style="font-size:1.05em">Values</h2>
<table>
<thead><tr><th>value</th><th>computed as</th><th>data</th><th>grad</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</div>
<div>
<h2 style="font-size:1.05em">Steps applied</h2>
<ol id="steps"></ol>
</div>
</div>
<script type="application/json" id="lesson">{lesson}</script>
<script>
(function () {{
  "use strict";
  var lesson = JSON.parse(document.getElementById("lesson").textContent);
  var steps = lesson.steps, nodes = lesson.nodes, n = steps.length;
  var position = 0;
  var list = document.getElementById("steps");
  steps.forEach(function (s, k) {{
    var li = document.createElement("li");
    li.textContent = s.text;
    li.id = "step-" + (k + 1);
    list.appendChild(li);
  }});
  function setSvgGrad(i, text) {{
    // A box's fields are name, data, grad, drawn in that order: the grad is
    // its last text, whatever the name says (a Value may be called "grad of x").
    var g = document.getElementById("n" + i);
    if (!g) return;
    var texts = g.getElementsByTagName("text");
    if (texts.length) texts[texts.length - 1].textContent = "grad " + text;
  }}
  function mark(id, cls, on) {{
    var el = document.getElementById(id);
    if (el) el.classList.toggle(cls, on);
  }}
  function render() {{
    // The state after `position` steps: the last total each Value received.
    var value = {{}}, shown = {{}};
    value[lesson.output] = lesson.seed;
    shown[lesson.output] = lesson.seed_text;
    for (var k = 0; k < position; k++) {{
      value[steps[k].input] = steps[k].total;
      shown[steps[k].input] = steps[k].total_text;
    }}
    for (var i = 0; i < nodes.length; i++) {{
      var cell = document.getElementById("grad-" + i);
      var known = shown[i] !== undefined;
      cell.textContent = known ? shown[i] : "?";
      cell.setAttribute("data-grad", known ? String(value[i]) : "");
      setSvgGrad(i, known ? shown[i] : "?");
      mark("row-" + i, "updated", false);
      mark("n" + i, "target", false);
      mark("n" + i, "source", false);
      mark("op" + i, "source", false);
    }}
    var edges = document.querySelectorAll(".edge.active");
    for (var e = 0; e < edges.length; e++) edges[e].classList.remove("active");
    var items = list.children;
    for (var j = 0; j < items.length; j++) {{
      items[j].className = j < position - 1 ? "done" : (j === position - 1 ? "current" : "future");
    }}
    var current = document.getElementById("current");
    if (position > 0) {{
      var s = steps[position - 1];
      mark("e" + s.node + "_" + s.position, "active", true);
      mark("n" + s.input, "target", true);
      mark("n" + s.node, "source", true);
      mark("op" + s.node, "source", true);
      mark("row-" + s.input, "updated", true);
      current.textContent = s.text;
    }} else {{
      current.textContent = lesson.start;
    }}
    document.getElementById("counter").textContent = "step " + position + " of " + n;
    document.getElementById("prev").disabled = position === 0;
    document.getElementById("start").disabled = position === 0;
    document.getElementById("next").disabled = position === n;
    document.getElementById("end").disabled = position === n;
  }}
  function go(to) {{
    position = Math.max(0, Math.min(n, to));
    render();
  }}
  document.getElementById("next").addEventListener("click", function () {{ go(position + 1); }});
  document.getElementById("prev").addEventListener("click", function () {{ go(position - 1); }});
  document.getElementById("start").addEventListener("click", function () {{ go(0); }});
  document.getElementById("end").addEventListener("click", function () {{ go(n); }});
  document.addEventListener("keydown", function (event) {{
    if (event.key === "ArrowRight" || event.key === " ") {{ go(position + 1); event.preventDefault(); }}
    else if (event.key === "ArrowLeft") {{ go(position - 1); event.preventDefault(); }}
    else if (event.key === "Home") {{ go(0); event.preventDefault(); }}
    else if (event.key === "End") {{ go(n); event.preventDefault(); }}
  }});
  render();
}})();
</script>
</body>
</html>
"""
