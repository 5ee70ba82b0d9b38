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

import html as html_module
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from ..checks import did_you_mean, number_format, real_number
from ..engine import Parameter, Value
from ..graph import topological_order
from .files import write_file
from .naming import (
    hover_text,
    html_name,
    in_derivative,
    is_constant,
    local_formula,
    node_names,
    noise_free,
    number_text,
    op_symbol,
    shown_numbers,
    visible,
)
from .pdf import png_to_pdf
from .roles import value_role

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "draw",
    "Drawing",
    "GraphTooLargeError",
    "RendererNotFoundError",
    "RenderTimeoutError",
    "RENDERERS",
    "DEFAULT_TIMEOUT",
    "RENDERER_ENV",
    "find_renderer",
    "register_renderer",
    "label_group",
    "summary_groups",
    "group_outputs",
    "STYLES",
]

NumberFormat = Union[str, Callable[[float], str]]

#: The looks of a drawing: ``"default"`` is compact, for a screen; ``"slide"``
#: is for a projector (large text, 3 significant digits, name, ``value`` and ``∂L/∂r = …`` stacked).
STYLES = ("default", "slide")

RENDERERS = ("dot", "graphviz-pure")
RENDERER_ENV = "CHAINRULE_RENDERER"
DEFAULT_MAX_NODES = 300
# Seconds a renderer may run before it is stopped. The drawings of lessons take
# well under a second; anything that takes this long is a layout gone wrong.
DEFAULT_TIMEOUT = 60.0
# Graphviz lays a long arrow out as a chain of hidden points, one per rank it
# crosses, and placing those points is what takes minutes when one value feeds
# dozens of operations far apart (x + x + ... + x). Past this many hidden
# points the arrows of such a value share one trunk (see _trunks), and if that
# is not enough the arrows are drawn straight.
_HIDDEN_POINT_BUDGET = 600

# What each renderer writes itself. graphviz-pure 0.2 has no PDF output: its
# PDFs are PNGs rendered at _PDF_DPI and put on a page (see autograd.pdf).
_PDF_DPI = 192
_FORMATS = {
    "dot": ("png", "svg", "pdf", "jpg", "jpeg", "gif"),
    "graphviz-pure": ("png", "svg", "jpg", "jpeg"),
}
# Written as DOT text, no renderer needed.
_SOURCE_SUFFIXES = ("dot", "gv")

_COLOURS = {
    "input": "#dbeafe",
    "parameter": "#fde68a",
    "constant": "#f3f4f6",
    "intermediate": "#ffffff",
    "output": "#bbf7d0",
    "group": "#fef3c7",
    "op": "#f8fafc",
}
_HIGHLIGHT = "#dc2626"
_RED = {"color": _HIGHLIGHT, "penwidth": "2.5"}
_RANKDIRS = ("LR", "TB", "RL", "BT")


class GraphTooLargeError(ValueError):
    """The graph has more nodes than ``max_nodes``; the message says how to draw it anyway."""


class RendererNotFoundError(RuntimeError):
    """No ``dot`` program was found; the message lists the ways to get one."""


class RenderTimeoutError(RuntimeError):
    """The renderer ran longer than its time limit and was stopped; the message says what to try."""


def _install_hint() -> str:
    return (
        "install one of: Graphviz's dot (apt install graphviz / brew install graphviz / "
        "conda install -c conda-forge graphviz), or the pip package graphviz-pure "
        '(pip install graphviz-pure, part of pip install "chainrule[draw]")'
    )


def _which(name: str) -> str | None:
    if name == "graphviz-pure":
        # pip puts the program next to the Python executable, which is on PATH
        # only when the virtual environment is activated.
        for folder in (Path(sys.executable).parent, Path(sys.prefix) / "bin", Path(sys.prefix) / "Scripts"):
            for exe in ("graphviz-pure", "graphviz-pure.exe"):
                candidate = folder / exe
                if candidate.is_file() and os.access(candidate, os.X_OK):
                    return str(candidate)
    return shutil.which(name)


def find_renderer(name: str | None = None) -> tuple[str, str]:
    """Return ``(renderer name, path of its program)``.

    Without ``name``: the one in the environment variable ``CHAINRULE_RENDERER``
    if set, otherwise Graphviz's ``dot`` if it is on PATH, otherwise
    ``graphviz-pure``. Raises ``RendererNotFoundError`` naming the ways to
    install one.
    """
    if name is None:
        name = os.environ.get(RENDERER_ENV) or None
    if name is not None:
        if name not in RENDERERS:
            raise ValueError(f"renderer: expected one of {', '.join(map(repr, RENDERERS))}, got {name!r}")
        path = _which(name)
        if path is None:
            raise RendererNotFoundError(f"the renderer {name!r} was not found; {_install_hint()}")
        return name, path
    for candidate in RENDERERS:
        path = _which(candidate)
        if path is not None:
            return candidate, path
    raise RendererNotFoundError(f"no Graphviz renderer found to draw the graph; {_install_hint()}")


# name -> a function turning DOT text and a format ("svg", "plain") into the
# rendered output, for places where no program can be run (see register_renderer).
_REGISTERED: dict[str, Callable[[str, str], Union[str, bytes]]] = {}


def register_renderer(name: str, render: Callable[[str, str], Union[str, bytes]] | None) -> None:
    """Lay drawings out with ``render(dot_text, format)`` instead of a ``dot`` program.

    For places where no program can be started: the browser playground
    registers Graphviz compiled to WebAssembly. ``render`` returns the SVG
    (as text or bytes) for ``format="svg"``, and may raise ``ValueError`` for a
    format it cannot write. While one is registered, drawings that name no
    renderer use it (the last registered one). ``render=None`` removes ``name``.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"register_renderer(name): expected a non-empty str, got {name!r:.60}")
    if render is None:
        _REGISTERED.pop(name, None)
        return
    if not callable(render):
        raise TypeError(f"register_renderer(render): expected a function (dot, format) -> output, "
                        f"got {type(render).__name__}")
    _REGISTERED.pop(name, None)
    _REGISTERED[name] = render  # last registered, last in order: the one used


def _import_graphviz():
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "drawing needs the Python package 'graphviz'; install it with "
            'pip install "chainrule[draw]" (it also installs the renderer graphviz-pure)'
        ) from None
    return graphviz


class Drawing:
    """A drawn graph: the ``graphviz.Digraph``, its DOT text, and ways to render it.

    - ``.graph``: the ``graphviz.Digraph`` (add attributes, or use its API);
    - ``.source``: the DOT text (the same graph always gives the same text);
    - ``.save(path)``: write PNG, SVG, PDF (or the DOT text for ``.dot``/``.gv``)
      to exactly ``path``, the format taken from its extension;
    - ``.pipe("svg")``: the rendered bytes;
    - in Jupyter it shows itself inline, as SVG.
    """

    def __init__(
        self, graph: graphviz.Digraph, node_count: int, summarized: bool, renderer: str | None,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> None:
        self.graph = graph
        self.node_count = node_count
        self.summarized = summarized
        self.renderer = renderer
        #: Seconds the renderer may run (``None``: no limit); ``save`` and ``pipe`` use it.
        self.timeout = _check_timeout(timeout, "Drawing(timeout=...)")

    @property
    def source(self) -> str:
        """The DOT text of the graph."""
        return self.graph.source

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        kind = "summary of " if self.summarized else ""
        return f"<Drawing: {kind}{self.node_count} values; .save('graph.png'), .source>"

    def pipe(self, format: str = "svg", dpi: float | None = None) -> bytes:  # noqa: A002 - graphviz's name
        """Render with ``dot`` (or graphviz-pure) and return the bytes of the image.

        ``dpi`` sets the resolution of a PNG (96 by default; 192 for a sharp slide).
        ``"plain"`` gives Graphviz's text description of the layout.
        """
        fmt = format.lower().lstrip(".")
        if self.renderer is None and _REGISTERED:
            name, render = list(_REGISTERED.items())[-1]
            out = render(self.source, fmt)
            return out.encode("utf-8") if isinstance(out, str) else bytes(out)
        name, exe = find_renderer(self.renderer)
        if dpi is not None:
            dpi = real_number(dpi, "pipe(dpi=...)", 0.0, open_low=True)
        if fmt == "pdf" and fmt not in _FORMATS[name]:
            # No PDF writer: a PNG at twice the usual resolution, on a PDF page.
            return png_to_pdf(self._run(name, exe, "png", f"-Gdpi={_PDF_DPI}"), dpi=_PDF_DPI)
        if fmt not in _FORMATS[name] and fmt != "plain":
            choices = ", ".join(_FORMATS[name])
            raise ValueError(f"the renderer {name!r} cannot write {fmt!r}; it writes {choices}")
        return self._run(name, exe, fmt, *((f"-Gdpi={dpi:g}",) if dpi is not None else ()))

    def _run(self, name: str, exe: str, fmt: str, *options: str) -> bytes:
        try:
            result = subprocess.run(
                [exe, f"-T{fmt}", *options], input=self.source.encode("utf-8"), capture_output=True,
                check=False, timeout=self.timeout,
            )
        except subprocess.TimeoutExpired:
            # subprocess.run has already killed the renderer.
            raise RenderTimeoutError(
                f"{name} did not finish drawing the graph ({self.node_count} values) within "
                f"{self.timeout:g} s and was stopped. Give it longer with draw(..., timeout=SECONDS) "
                "(or timeout=None; --timeout on the command line), or draw less: "
                "summarize=True, edge_labels=False, or a smaller expression"
            ) from None
        if result.returncode != 0 or not result.stdout:
            message = result.stderr.decode("utf-8", "replace").strip()
            raise RuntimeError(
                f"{name} failed to render the graph as {fmt} (exit {result.returncode}): {message}"
            )
        return result.stdout

    def save(self, path: str | os.PathLike) -> Path:
        """Write the drawing to ``path``; its extension picks the format.

        ``.png``, ``.svg``, ``.pdf``, ``.jpg`` are rendered images; ``.dot`` or
        ``.gv`` the DOT text. Returns the path written (exactly the one given).
        graphviz-pure has no PDF writer: its PDF is a page holding the picture
        at 192 dpi (sharp on slides, but not a vector drawing).
        """
        target = Path(path)
        suffix = target.suffix.lower().lstrip(".")
        known = sorted(set(_FORMATS["dot"]) | set(_SOURCE_SUFFIXES))
        if suffix not in known:
            raise ValueError(
                f"save({str(path)!r}): cannot tell the format from the extension "
                f"{target.suffix or '(none)'!r}; use one of {', '.join('.' + s for s in known)}"
            )
        if not target.parent.is_dir():
            raise FileNotFoundError(f"save({str(path)!r}): the folder {str(target.parent)!r} does not exist")
        data = self.source.encode("utf-8") if suffix in _SOURCE_SUFFIXES else self.pipe(suffix)
        # Whole or not at all, and a link planted at the name is replaced, never followed.
        write_file(target, data, who=f"save({str(path)!r})")
        return target

    def svg(self) -> str:
        """The rendered SVG, as text."""
        return self.pipe("svg").decode("utf-8")

    def fitted_svg(self) -> str:
        """The SVG scaled to the width of where it is shown (a notebook cell), never wider than drawn.

        ``width="100%"`` with the drawing's own ``viewBox``, so that a wide graph
        shrinks to fit instead of needing a horizontal scroll bar, and a small
        one keeps its size (``max-width``).
        """
        return fit_width(self.svg())

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        try:
            return {"image/svg+xml": self.fitted_svg()}
        except (RendererNotFoundError, RuntimeError) as error:
            return {"text/plain": f"{self!r}\n(cannot render: {error})"}

    def _repr_svg_(self) -> str:
        return self.fitted_svg()

    def _repr_html_(self) -> str:
        return self.fitted_svg()


_SVG_TAG = re.compile(r"<svg\b[^>]*>")
_SIZE_ATTR = re.compile(r'\s(width|height)="([^"]*)"')


def fit_width(svg: str) -> str:
    """An SVG text whose root element scales to 100% of the width it is given, up to its own.

    The ``viewBox`` stays (it is what keeps the proportions); the fixed width
    and height go, and the drawn width becomes the ``max-width``.
    """
    match = _SVG_TAG.search(svg)
    if match is None:
        raise ValueError("fit_width: the text holds no <svg> element")
    tag = match.group(0)
    sizes = dict(_SIZE_ATTR.findall(tag))
    new = _SIZE_ATTR.sub("", tag)
    if "viewBox" not in new and "width" in sizes and "height" in sizes:
        w, h = (re.sub(r"[a-z%]+$", "", sizes[k]) for k in ("width", "height"))
        new = new[:-1] + f' viewBox="0 0 {w} {h}">'
    style = "max-width: 100%; height: auto"
    if "width" in sizes:
        style = f"max-width: min(100%, {sizes['width']}); height: auto"
    new = new[:4] + f' width="100%" style="{style}"' + new[4:]
    return svg[: match.start()] + new + svg[match.end():]


def _formatter(fmt: NumberFormat | None) -> Callable[[float], str]:
    if fmt is None:
        return number_text
    if callable(fmt):
        return fmt
    if not isinstance(fmt, str):
        raise TypeError(f"fmt: expected a format spec such as '.4f' or a function, got {type(fmt).__name__}")
    number_format(fmt, "fmt")
    return lambda x: number_text(x, fmt)


def _record_text(text: str) -> str:
    """Escape the characters that have a meaning inside a record label."""
    out = _edge_text(text)
    for c in '{}|<>"':
        out = out.replace(c, "\\" + c)
    return out


def _edge_text(text: str) -> str:
    """Escape a plain (non-record) label: a backslash starts an escape in DOT (``\\N``, ``\\l``).

    A control character is written as its escape (dot stops at a NUL, and SVG may hold none).
    """
    return visible(text).replace("\\", "\\\\")


def _check_timeout(timeout: Any, what: str) -> float | None:
    return None if timeout is None else real_number(timeout, what, 0.0, open_low=True)


def label_group(label: str, depth: int | None = None) -> str | None:
    """The group of a dotted label, used by ``draw(..., summarize=...)``.

    With ``depth``, the first ``depth`` parts: ``label_group("layers.0.neurons.3.w.1", 2)``
    is ``"layers.0"``. Without it, the label minus its last part, and minus the
    name before a trailing index too: ``"layers.0.neurons.3.w.1"`` and
    ``"layers.0.neurons.3.b"`` both give ``"layers.0.neurons.3"`` (one neuron),
    ``"L1.N3.w0"`` gives ``"L1.N3"``. A label without a dot has no group.
    """
    parts = label.split(".")
    if len(parts) < 2:
        return None
    if depth is not None:
        return ".".join(parts[: max(1, min(depth, len(parts) - 1))])
    keep = len(parts) - 1
    if parts[-1].isdigit() and keep >= 2 and not parts[keep - 1].isdigit():
        keep -= 1
    return ".".join(parts[:keep])


def _default_group(v: Value, depth: int | None) -> str | None:
    """A Value's group by its model's structure (a Parameter's ``site``), else by its dotted label."""
    site = getattr(v, "site", None)
    if site is not None:
        layer, neuron, _ = site
        path = (f"layers.{layer - 1}." if layer is not None else "") + f"neurons.{neuron - 1}.p"
        return label_group(path, depth)
    return label_group(v.label, depth) if v.label else None


def _roles(order: list[Value], root: Value, parameters: set[Value]) -> dict[Value, str]:
    return {v: value_role(v, root, parameters) for v in order}


def _on_path(order: list[Value], start: Value) -> set[Value]:
    """The Values on some path from ``start`` to the output (the end of ``order``)."""
    reached = {start}
    for v in order:
        if any(x in reached for x in v.inputs):
            reached.add(v)
    return reached


@dataclass(frozen=True)
class _Look:
    """Everything that differs between the styles of a drawing."""

    node_size: int
    edge_size: int
    op_size: int
    legend_size: int
    value_word: str
    grad_word: str  # "{out}" stands for the output's name, "{name}" for the box's own
    digits: str | None  # the default number format (None: number_text's 4 significant digits)
    formulas: bool  # edge labels show the local derivative's formula before its number
    stacked: bool  # a box's fields one under the other (narrow boxes: more ranks fit a slide's width)
    graph: tuple[tuple[str, str], ...] = ()


_LOOKS = {
    "default": _Look(11, 9, 14, 9, "data", "grad", None, False, False),
    # A slide is wide and short, and the text must stay large: narrow boxes
    # (fields stacked) and ranks packed closer, so that a lesson's graph comes
    # near 16:9 without being scaled down.
    "slide": _Look(20, 17, 24, 16, "value", "∂{out}/∂{name} =", ".3g", True, True,
                   (("nodesep", "0.35"), ("ranksep", "0.4"), ("pad", "0.15"))),
}

# Binary operations whose inputs may not be swapped: their arrows say which
# operand each one is (a − b: 1st − 2nd; a ÷ b; a ^ b).
_ORDERED = frozenset(("-", "/", "**"))
_POSITION = ("1st", "2nd")
_ROLE_WORDS = {
    "input": "input", "parameter": "parameter", "constant": "constant", "intermediate": "result",
    "output": "output", "group": "group (one box for many values)",
}
_UNKNOWN = "?"


def _digraph(rankdir: str, look: _Look) -> graphviz.Digraph:
    graphviz = _import_graphviz()
    g = graphviz.Digraph("chainrule", format="svg")
    g.attr(rankdir=rankdir, **dict(look.graph))
    g.attr("node", fontname="Helvetica", fontsize=str(look.node_size))
    g.attr("edge", fontname="Helvetica", fontsize=str(look.edge_size))
    return g


def _html(text: str) -> str:
    text = visible(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _legend(g: graphviz.Digraph, roles: Iterable[str], look: _Look, red: str | None) -> None:
    """One small table of the colours used: a box per role, and red for a highlighted path."""
    cells = [
        f'<td bgcolor="{_COLOURS[role]}" border="1">{_ROLE_WORDS[role]}</td>'
        for role in _ROLE_WORDS if role in roles
    ]
    if red:
        font = f'<font color="{_HIGHLIGHT}">{_html(red)}</font>'
        cells.append(f'<td border="1" color="{_HIGHLIGHT}">{font}</td>')
    table = (
        '<<table border="0" cellborder="0" cellspacing="4" cellpadding="3">'
        f"<tr>{''.join(cells)}</tr></table>>"
    )
    g.node("legend", table, shape="plain", fontsize=str(look.legend_size), id="legend")


def _record(fields: list[str], stacked: bool, rankdir: str) -> str:
    """A record label: fields side by side, or stacked (records turn with rankdir, so braces flip)."""
    across = rankdir in ("LR", "RL")
    text = " | ".join(fields)
    return text if stacked == across else "{ " + text + " }"


def _unrecord(text: str) -> str:
    """A record field's text without the backslashes _record_text put before record specials."""
    return re.sub(r"\\(.)", r"\1", text)


def _html_text(text: str) -> str:
    return html_module.escape(text, quote=True)


def _html_record(cells: list[str], across: bool) -> str:
    """An HTML-like label that reads as a record: the cells side by side, or stacked."""
    if across:
        rows = "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
    else:
        rows = "".join(f"<tr><td>{c}</td></tr>" for c in cells)
    return f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="4">{rows}</table>>'


def _grad_field(grad_word: str, name: str) -> str:
    """The word before a box's gradient: ``grad``, or on a slide ``∂f/∂r =`` with the box's own name."""
    return grad_word.replace("{name}", in_derivative(name))


def _value_node(
    g: graphviz.Digraph, v: Value, i: int, role: str, name: str, number: Callable[[float], str],
    value_of: Callable[[Value], float | None], grad_of: Callable[[Value], float | None] | None,
    hot: dict[str, str], element_ids: bool, look: _Look, grad_word: str, rankdir: str,
    op_hot: dict[str, str] | None = None, tooltip: str | None = None,
) -> None:
    """Add the box of ``v`` and, for a result, its operation node and the arrow from it to the box.

    ``tooltip``: the exact numbers, for a box that shows a result as 0 up to rounding.
    """

    def shown(x: float | None) -> str:
        return _UNKNOWN if x is None else _record_text(number(x))

    if role == "constant":
        # A plain number is written as itself: it has no name and nobody asks for its gradient.
        fields = [shown(value_of(v))]
    else:
        fields = [_record_text(name), f"{look.value_word} {shown(value_of(v))}"]
        if grad_of is not None:
            fields.append(f"{_record_text(_grad_field(grad_word, name))} {shown(grad_of(v))}")
    attrs = {"shape": "record", "style": "filled", "fillcolor": _COLOURS[role], **hot}
    if tooltip:
        attrs["tooltip"] = tooltip
    if element_ids:
        attrs["id"] = f"n{i}"
    scripted = html_name(v, name) if role != "constant" else None
    if scripted is not None:
        # A record cannot hold <SUB>/<SUP>: the same box as an HTML-like table, which both
        # renderers (dot and graphviz-pure) draw with real sub- and superscripts.
        cells = [scripted] + [_html_text(_unrecord(f)) for f in fields[1:]]
        attrs["shape"], attrs["margin"] = "box", "0"
        g.node(f"v{i}", _html_record(cells, across=not look.stacked), **attrs)
    else:
        g.node(f"v{i}", _record(fields, look.stacked, rankdir), **attrs)
    if not v.inputs:
        return
    op_hot = hot if op_hot is None else op_hot
    symbol = op_symbol(v.op)
    op_attrs = {"shape": "circle" if len(symbol) <= 3 else "ellipse", "style": "filled",
                "fillcolor": _COLOURS["op"], "margin": "0.02", "fontsize": str(look.op_size), **op_hot}
    if element_ids:
        op_attrs["id"] = f"op{i}"
    g.node(f"v{i}op", symbol, **op_attrs)
    out_attrs = dict(op_hot)
    if element_ids:
        out_attrs["id"] = f"o{i}"
    g.edge(f"v{i}op", f"v{i}", **out_attrs)


def _edge_label(
    v: Value, position: int, x: Value, number: Callable[[float], str], local: float | None,
    names: dict[Value, str], look: _Look, visible: bool = True,
) -> str:
    """What the arrow from input ``x`` into ``v``'s operation says.

    The operand's place (1st/2nd) for − ÷ ^, and the local derivative ∂v/∂x:
    a number, and in the slide style its formula first (``x1 = 2``). Not
    ``visible``: the number is there but drawn in no colour, keeping its room
    (pictures of a pass half done keep the layout of the finished one).
    """
    place = _POSITION[position] if v.op in _ORDERED and len(v.inputs) == 2 else ""
    text = ""
    if local is not None and not is_constant(x):
        text = number(noise_free(local, (v.data, *(u.data for u in v.inputs))))
        if look.formulas:
            formula = local_formula(v, position, names, number=number)
            if ", since " in formula:  # the case that holds says its number itself
                text = formula
            elif formula != text:
                text = f"{formula} = {text}"
    if not text or visible:
        return _edge_text(": ".join(t for t in (place, text) if t))
    hidden = f'<font color="transparent">{_html(text)}</font>'
    return f"<{_html(place)}: {hidden}>" if place else f"<{hidden}>"


# Where the arrows into a two-input operation arrive: the 1st input on one
# side of the circle, the 2nd on the other, whatever the layout; so that the
# order of a − b is seen, and the two arrows (and their labels) run apart.
_PORTS = {"LR": ("n", "s"), "RL": ("n", "s"), "TB": ("w", "e"), "BT": ("w", "e")}


def _arrow_attrs(text: str, position: int, count: int, rankdir: str) -> dict[str, str]:
    """Where an arrow into an operation arrives, and its label.

    Into a two-input operation the arrows arrive on opposite sides of the
    circle (1st input on top, 2nd below; left and right top to bottom), so
    they run apart, and each label sits on its own arrow, where Graphviz keeps
    room for it. (Labels by the arrow heads were tried: they get no room of
    their own and land on the arrows and the boxes.)
    """
    attrs = {"headport": _PORTS[rankdir][position]} if count == 2 else {}
    if text:
        attrs["label"] = text
    return attrs


def draw(
    root: Value,
    *,
    style: str = "default",
    rankdir: str = "LR",
    fmt: NumberFormat | None = None,
    edge_labels: bool | Iterable[tuple[Value, int]] = False,
    highlight: Value | None = None,
    parameters: Iterable[Value] = (),
    show_grad: bool = True,
    grads: Mapping[Value, float] | None = None,
    values: Mapping[Value, float] | None = None,
    mark: Iterable[Value | tuple[Value, int]] = (),
    legend: bool = True,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    summarize: bool | int = False,
    group_by: Callable[[Value], str | None] | None = None,
    renderer: str | None = None,
    element_ids: bool = False,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Drawing:
    """Draw everything ``root`` depends on; return a ``Drawing``.

    Args:
        root: the output Value (usually the loss ``L``).
        style: ``"default"`` (compact, for a screen: each box reads
            ``name | data | grad``) or ``"slide"`` (for a projector: text of
            20 pt, edge labels of 17 pt, 3 significant digits, boxes
            stacking ``name``, ``value 2`` and ``∂L/∂name = 36``, local
            derivatives as formula and number, fitted to a 16:9 slide).
        rankdir: ``"LR"`` (inputs on the left, output on the right) or ``"TB"``
            (top to bottom); ``"RL"``/``"BT"`` also work.
        fmt: number format: a format spec such as ``".4f"`` or ``".3g"``, or
            a function float -> str. None: numbers as a person writes them,
            up to 4 significant digits (3 in the slide style), with a true
            minus sign, never ``−0``; a result that is zero up to rounding
            (``0.5 − 0.6 + 0.1``) reads 0, its exact float in the box's tooltip.
        edge_labels: write the local derivative ∂(result)/∂(input) on each
            arrow into an operation (``True``), or only on the arrows given
            as ``(result, input position)`` pairs (the others keep the room
            of theirs, so that pictures of a pass half done share one
            layout). Arrows from constants carry no number: a constant has
            no gradient.
        highlight: a Value of the graph; every path from it to the output is
            drawn in red.
        parameters: Values to colour as trainable parameters, besides the
            ``autograd.Parameter``s (nn's weights and biases), which always are.
        show_grad: show the gradient field (turn off before ``backward()``).
        grads: gradients to show instead of ``.grad`` (for example
            ``explain(L).gradients``, which needs no ``backward()``); a Value
            missing from it shows ``?``.
        values: values to show instead of ``.data``; a Value missing from
            it shows ``?`` (a forward pass half done).
        mark: Values and arrows (``(result, input position)``) to paint red:
            what has just changed (``write_frames`` uses it).
        legend: draw the small table of what the colours mean.
        max_nodes: refuse graphs with more Values than this, with a message
            (``None`` draws any size).
        summarize: draw one box per group of Values instead of one per Value:
            ``True`` groups by dotted label (``"layers.0.neurons.3.w.1"`` →
            ``"layers.0.neurons.3"``, one box per neuron); an int keeps that
            many parts of the label (``2`` → ``"layers.0"``, one box per layer).
            A neuron's products, sum and activation land in its box, and the
            box shows the value and gradient of its output (the one Value of
            the group used outside it); a loss stays outside the boxes;
            arrows between boxes say how many edges they stand for.
            ``highlight`` still works; ``edge_labels`` does not apply to boxes.
        group_by: a function Value -> group name (or None) to choose the
            groups yourself; implies ``summarize``.
        renderer: ``"dot"`` or ``"graphviz-pure"`` to force one (default:
            ``dot`` if installed, else graphviz-pure; or ``$CHAINRULE_RENDERER``).
        element_ids: give nodes and edges SVG ids (``n3``, ``op3``, ``e3_0``,
            ``o3``) so that a page can find them; used by the HTML stepper.
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
    if style not in _LOOKS:
        raise ValueError(
            f"draw(style=...): expected one of {', '.join(map(repr, STYLES))}, got {style!r}"
            f"{did_you_mean(str(style), STYLES)}"
        )
    look = _LOOKS[style]
    if rankdir not in _RANKDIRS:
        raise ValueError(f"draw(rankdir=...): expected one of {', '.join(_RANKDIRS)}, got {rankdir!r}")
    if renderer is not None and renderer not in RENDERERS:
        raise ValueError(
            f"draw(renderer=...): expected one of {', '.join(map(repr, RENDERERS))}, got {renderer!r}"
        )
    timeout = _check_timeout(timeout, "draw(timeout=...)")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"draw(max_nodes=...): expected a positive int or None, got {max_nodes!r}")
    if summarize is not False and not isinstance(summarize, (bool, int)):
        raise TypeError(f"draw(summarize=...): expected True/False or a depth (int), got {summarize!r}")
    number = _formatter(fmt if fmt is not None else look.digits)
    order = topological_order(root)
    parameter_set = set(parameters)
    for p in parameter_set:
        if not isinstance(p, Value):
            raise TypeError(f"draw(parameters=...): expected Values, got a {type(p).__name__}")
    if highlight is not None and not isinstance(highlight, Value):
        raise TypeError(f"draw(highlight=...): expected a Value of the graph, got {type(highlight).__name__}")
    index = {v: i for i, v in enumerate(order)}
    if highlight is not None and highlight not in index:
        raise ValueError("draw(highlight=...): that Value is not part of the graph of root")
    path = _on_path(order, highlight) if highlight is not None else set()
    marked_nodes, marked_edges = _marks(mark, index)
    labelled = _labelled_edges(edge_labels, index)
    summarized = bool(summarize) or group_by is not None
    if not summarized and max_nodes is not None and len(order) > max_nodes:
        raise GraphTooLargeError(
            f"draw: the graph has {len(order)} values, more than max_nodes={max_nodes}; a drawing that "
            "large is unreadable and slow to render. Draw it anyway with draw(root, max_nodes=None), "
            "or draw one box per group of values with draw(root, summarize=True) "
            "(groups from dotted labels such as 'layers.0.neurons.3.w.1', or your own group_by=...)"
        )
    roles = _roles(order, root, parameter_set)
    names = node_names(order, root)
    # The numbers as every view shows them: rounding noise is 0 (naming.shown_numbers).
    board = shown_numbers(order, grads, values)
    grad_of = (lambda v: board[v].grad) if show_grad else None
    value_of = lambda v: board[v].data  # noqa: E731
    grad_word = look.grad_word.replace("{out}", in_derivative(names[root]))
    red = None
    if highlight is not None:
        red = f"paths of ∂{names[root]}/∂{names[highlight]}"
    if summarized:
        depth = None if isinstance(summarize, bool) else int(summarize)
        g = _digraph(rankdir, look)
        drawn = _draw_summary(
            g, root, order, index, roles, names, rankdir, number, value_of, grad_of, parameter_set,
            max_nodes, depth, group_by, path, look, grad_word,
        )
        if legend:
            _legend(g, drawn, look, red)
        return Drawing(g, len(order), True, renderer, timeout)

    g = _digraph(rankdir, look)
    trunks, hidden = _trunks(order, index, labelled is not None)
    if hidden > _HIDDEN_POINT_BUDGET:
        # Long arrows that no trunk merges (many values, each used twice far
        # apart): straight arrows and a bounded placement are drawn in a second,
        # where curved ones take minutes.
        g.attr(splines="line", nslimit="1")
    for v in order:
        i = index[v]
        box_hot = _RED if v in path or v in marked_nodes else {}
        # A marked result is one just computed: its operation and its arrows in are part of the news.
        op_hot = _RED if v in path or v in marked_nodes else {}
        noisy = _rounded_to_zero(board[v].data, board[v].exact_data) or (
            show_grad and _rounded_to_zero(board[v].grad, board[v].exact_grad))
        _value_node(g, v, i, roles[v], names[v], number, value_of, grad_of, box_hot, element_ids, look,
                    grad_word, rankdir, op_hot, hover_text(names[v], board[v]) if noisy else None)
        if v in trunks:
            _trunk(g, i, trunks[v], v in path, path)
        if not v.inputs:
            continue
        locals_ = v.local_grads() if labelled is not None else (None,) * len(v.inputs)
        for position, x in enumerate(v.inputs):
            visible = labelled is True or (labelled is not None and (v, position) in labelled)
            label = _edge_label(v, position, x, number, locals_[position], names, look, visible)
            attrs = _arrow_attrs(label, position, len(v.inputs), rankdir)
            if (x in path and v in path) or (v, position) in marked_edges or v in marked_nodes:
                attrs.update(_RED)
                if "label" in attrs:
                    attrs["fontcolor"] = _HIGHLIGHT
            if element_ids:
                attrs["id"] = f"e{i}_{position}"
            tail = f"v{index[x]}"
            if x in trunks:
                tail = f"v{index[x]}j{trunks[x][v]}"
            g.edge(tail, f"v{i}op", **attrs)
    if legend:
        _legend(g, set(roles.values()), look, red)
    return Drawing(g, len(order), False, renderer, timeout)


def _rounded_to_zero(shown: float | None, exact: float | None) -> bool:
    return shown == 0.0 and exact is not None and exact != 0.0


def _marks(
    mark: Iterable[Value | tuple[Value, int]], index: dict[Value, int]
) -> tuple[set[Value], set[tuple[Value, int]]]:
    nodes: set[Value] = set()
    arrows: set[tuple[Value, int]] = set()
    for item in mark:
        if isinstance(item, Value):
            if item not in index:
                raise ValueError("draw(mark=...): a marked Value is not part of the graph of root")
            nodes.add(item)
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Value):
            node, position = item
            if node not in index or not isinstance(position, int) or not 0 <= position < len(node.inputs):
                raise ValueError(
                    f"draw(mark=...): ({position!r}) is not an input position of a result of the graph"
                )
            arrows.add((node, position))
        else:
            raise TypeError(
                "draw(mark=...): expected Values and (result, input position) pairs, "
                f"got {type(item).__name__}"
            )
    return nodes, arrows


def _labelled_edges(
    edge_labels: bool | Iterable[tuple[Value, int]], index: dict[Value, int]
) -> bool | set[tuple[Value, int]] | None:
    """True for every arrow, a set of (result, position) for some, None for none."""
    if edge_labels is True or edge_labels is False:
        return True if edge_labels else None
    chosen = set()
    for item in edge_labels:
        pair = isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Value)
        if not (pair and item[0] in index):
            raise TypeError(
                "draw(edge_labels=...): expected True/False or (result, input position) pairs of the graph, "
                f"got {item!r:.60}"
            )
        chosen.add(item)
    return chosen


def _trunks(
    order: list[Value], index: dict[Value, int], edge_labels: bool
) -> tuple[dict[Value, dict[Value, int]], int]:
    """The values whose arrows share a trunk, and the hidden points left.

    The first is {value: {user: which joint of the trunk it leaves from}}.

    Graphviz gives every operation a rank (a column, left to right) and lays
    an arrow that crosses k ranks out as a chain of k - 1 hidden points; the
    time to place them grows much faster than their number. Graphviz keeps
    arrows short, so a node sits as late as its users allow: the ranks here
    count back from the output (a result one rank after its operation, an
    operation one after the inputs that feed it, twice as far apart with edge
    labels). A value used by operations at ranks r1 <= ... <= rk costs
    sum(r - r1) hidden points with its own arrows, only rk - r1 with a trunk.
    While the whole graph would cost more than _HIDDEN_POINT_BUDGET points,
    the value that saves most gets a trunk. Graphs of a lesson's size stay
    under the budget and are drawn as before.
    """
    step = 2 if edge_labels else 1
    height: dict[Value, int] = {order[-1]: 0}  # ranks before the output
    users: dict[Value, list[tuple[int, Value]]] = {}
    for v in reversed(order):
        if not v.inputs:
            continue
        op_height = height[v] + step
        for x in dict.fromkeys(v.inputs):
            height[x] = max(height.get(x, 0), op_height + step)
            users.setdefault(x, []).append((-op_height, v))
    savings: list[tuple[int, int, Value]] = []
    total = 0
    for x, used in users.items():
        first = min(r for r, _ in used)
        own = sum(r - first for r, _ in used)
        total += own
        gain = own - (max(r for r, _ in used) - first)
        if gain > 0:
            savings.append((gain, -index[x], x))
    chosen: dict[Value, dict[Value, int]] = {}
    for gain, _, x in sorted(savings, reverse=True):
        if total <= _HIDDEN_POINT_BUDGET:
            break
        total -= gain
        # One joint per rank at which x is used; the users of a rank leave from its joint.
        ranks = sorted({r for r, _ in users[x]})
        joint = {r: k for k, r in enumerate(ranks)}
        chosen[x] = {v: joint[r] for r, v in users[x]}
    return chosen, total


def _trunk(g: graphviz.Digraph, i: int, joints: dict[Value, int], hot: bool, path: set[Value]) -> None:
    """Draw the trunk of value ``i``: a line through one small joint per rank of its users."""
    count = max(joints.values()) + 1
    # A segment is red when it leads on to a user that is on a highlighted path.
    last_hot = max((k for v, k in joints.items() if v in path), default=-1) if hot else -1
    colour = {"color": "#374151"}
    for k in range(count):
        g.node(f"v{i}j{k}", "", shape="point", width="0.06", **(_RED if k <= last_hot else colour))
        tail = f"v{i}" if k == 0 else f"v{i}j{k - 1}"
        g.edge(tail, f"v{i}j{k}", arrowhead="none", **(_RED if k <= last_hot else colour))


def _joins(v: Value, group: dict[Value, str | None], first_seen: dict[str, int]) -> str | None:
    """The group an unnamed result belongs to, or None: it stays out of every box.

    A result belongs with the group of a named leaf it uses directly (a
    neuron's product w·x joins the neuron of w, not the one that made x; its
    sum joins the neuron of its bias). Otherwise it belongs to a group only
    when it continues that group's own computation: an operation on two or
    more of the group's Values (w1·x1 + w2·x2), or an activation of one. A
    loss, ``(out − t)²`` or ``out / n``, only uses a neuron's output: it stays
    outside.
    """
    leaves = {group[x] for x in v.inputs if not x.inputs and not is_constant(x) and group.get(x) is not None}
    if leaves:
        return max(leaves, key=first_seen.__getitem__)
    used = [x for x in v.inputs if not is_constant(x)]
    groups = {group.get(x) for x in used}
    if len(groups) != 1 or None in groups:
        return None
    operation = v.operation
    if len(used) >= 2 or (operation is not None and operation.kind == "activation"):
        return groups.pop()
    return None


def _depths(order: list[Value]) -> dict[Value, int]:
    """How many operations lie between each Value and the leaves (the longest way)."""
    depth: dict[Value, int] = {}
    for v in order:
        depth[v] = 1 + max((depth[x] for x in v.inputs), default=-1)
    return depth


def summary_groups(
    order: list[Value], root: Value, group_by: Callable[[Value], str | None] | None = None,
    depth: int | None = None,
) -> dict[Value, str | None]:
    """The box of each Value of ``order`` in a summary drawing: a group name, or None to stand alone.

    A Value's group is ``group_by(v)``, or else ``label_group`` of its label
    (to ``depth`` parts); an unlabelled result joins a group as ``_joins``
    says (a neuron's products and sum join it, a loss stays outside). The
    output stands alone. A plain-number constant folds into the group of the
    operations using it when they are all of one group. The stepper's view of
    one box per neuron uses the same groups.
    """
    group: dict[Value, str | None] = {}
    first_seen: dict[str, int] = {}
    for v in order:
        key = group_by(v) if group_by is not None else _default_group(v, depth)
        if key is not None and not isinstance(key, str):
            raise TypeError(
                f"draw(group_by=...): expected a str or None for each Value, got {type(key).__name__}"
            )
        if key is None and v.inputs and v is not root:
            key = _joins(v, group, first_seen)
        if key is not None:
            first_seen.setdefault(key, len(first_seen))
        group[v] = key
    # The output is drawn as itself, and so are the constants it uses (a loss's divisor).
    group[root] = None
    # A sample's input that every neuron of a layer reads is drawn on its own,
    # with an arrow to each of them.
    users: dict[Value, set[str | None]] = {}
    for v in order:
        for x in v.inputs:
            if group[x] is None and is_constant(x):
                users.setdefault(x, set()).add(group[v])
    for x, groups in users.items():
        if len(groups) == 1 and None not in groups:
            (group[x],) = groups
    return group


def group_outputs(order: list[Value], group: dict[Value, str | None]) -> dict[str, list[Value]]:
    """Each group's outputs: its Values that a Value outside the group uses, in ``order``.

    A neuron's box has one output per sample it ran for (its activation); a
    box shows the numbers of its last one.
    """
    used = {x for v in order for x in v.inputs if group[x] is not None and group[x] != group[v]}
    outputs: dict[str, list[Value]] = {}
    for v in order:
        if v in used:
            outputs.setdefault(group[v], []).append(v)
    return outputs


def _draw_summary(
    g: graphviz.Digraph, root: Value, order: list[Value], index: dict[Value, int], roles: dict[Value, str],
    names: dict[Value, str], rankdir: str, number: Callable[[float], str],
    value_of: Callable[[Value], float | None], grad_of: Callable[[Value], float | None] | None,
    parameters: set[Value], max_nodes: int | None, depth: int | None,
    group_by: Callable[[Value], str | None] | None, path: set[Value], look: _Look, grad_word: str,
) -> set[str]:
    """One box per group: a neuron's weights, products, sum and activation become one box.

    Returns the roles drawn (for the legend): those of the Values drawn alone, and "group".
    """
    group = summary_groups(order, root, group_by=group_by, depth=depth)
    members: dict[str, list[Value]] = {}
    for v in order:
        if group[v] is not None:
            members.setdefault(group[v], []).append(v)
    singles = [v for v in order if group[v] is None]
    boxes = len(members) + len(singles)
    if max_nodes is not None and boxes > max_nodes:
        raise GraphTooLargeError(
            f"draw(summarize=...): even summarized, the graph has {boxes} boxes "
            f"({len(members)} groups and {len(singles)} ungrouped values), more than max_nodes={max_nodes}. "
            "Use fewer groups (summarize=2 keeps two parts of each label), a group_by=... that also "
            "groups the unlabelled values, or max_nodes=None"
        )
    outputs = group_outputs(order, group)
    known_roles = bool(parameters) or any(isinstance(v, Parameter) for v in order)
    ids = {key: f"g{i}" for i, key in enumerate(members)}

    def shown(x: float | None) -> str:
        return _UNKNOWN if x is None else _edge_text(number(x))

    for key, vs in members.items():
        out = outputs[key][-1] if key in outputs else vs[-1]
        if known_roles:
            n_params = sum(1 for v in vs if v in parameters or isinstance(v, Parameter))
        else:  # no roles given: the labelled leaves are the parameters (nn labels its own)
            n_params = sum(1 for v in vs if not v.inputs and v.label)
        what = op_symbol(out.op) if out.inputs else names[out]
        fields = [
            _edge_text(key),
            f"{len(vs)} values, {n_params} parameter{'' if n_params == 1 else 's'}",
            f"output {_edge_text(what)}",
            f"{look.value_word} {shown(value_of(out))}",
        ]
        if grad_of is not None:
            fields.append(f"{_edge_text(_grad_field(grad_word, names[out]))} {shown(grad_of(out))}")
        # One line per field in a plain box: Graphviz cannot keep boxes drawn as
        # records in a given order (see _stack_in_index_order).
        hot = _RED if any(v in path for v in vs) else {}
        g.node(ids[key], "\\n".join(fields), shape="box", style="filled,rounded", fillcolor=_COLOURS["group"],
               **hot)
    for v in singles:
        _value_node(g, v, index[v], roles[v], names[v], number, value_of, grad_of,
                    _RED if v in path else {}, False, look, grad_word, rankdir)
    # Edges between boxes, each drawn once with the number of arrows it stands for.
    counts: dict[tuple[str, str], int] = {}
    on_path: set[tuple[str, str]] = set()
    for v in order:
        dst = ids[group[v]] if group[v] is not None else f"v{index[v]}op"
        for x in v.inputs:
            src = ids[group[x]] if group[x] is not None else f"v{index[x]}"
            if group[x] is not None and group[x] == group[v]:
                continue
            counts[(src, dst)] = counts.get((src, dst), 0) + 1
            if x in path and v in path:
                on_path.add((src, dst))
    for (src, dst), n in counts.items():
        attrs = {"label": f"×{n}"} if n > 1 else {}
        if (src, dst) in on_path:
            attrs.update(_RED)
        g.edge(src, dst, **attrs)
    _stack_in_index_order(g, members, outputs, ids, order)
    return {roles[v] for v in singles} | ({"group"} if members else set())


def _stack_in_index_order(
    g: graphviz.Digraph, members: dict[str, list[Value]], outputs: dict[str, list[Value]],
    ids: dict[str, str], order: list[Value],
) -> None:
    """Neurons 0, 1, 2... of one layer one under the other, in that order.

    Siblings are groups named ``prefix.0``, ``prefix.1``... whose outputs are
    equally far from the leaves (the neurons of one layer; not the layers
    themselves). Invisible arrows between them keep Graphviz from reordering.
    """
    depth = _depths(order)
    siblings: dict[tuple[str, int], list[tuple[int, str]]] = {}
    for key, vs in members.items():
        prefix, _, last = key.rpartition(".")
        if prefix and last.isdigit():
            out = outputs[key][-1] if key in outputs else vs[-1]
            siblings.setdefault((prefix, depth[out]), []).append((int(last), key))
    for keys in siblings.values():
        if len(keys) < 2:
            continue
        keys.sort()
        with g.subgraph() as same:
            same.attr(rank="same")
            for _, key in keys:
                same.node(ids[key])
            for (_, a), (_, b) in zip(keys, keys[1:]):
                same.edge(ids[a], ids[b], style="invis")
