"""Backpropagation as a sequence of pictures, one per step, for slides.

``write_frames(L, "frames")`` draws the graph of ``L`` once per step of the
lesson and writes the pictures so that they sort in order
(``frame_000.svg``, ``frame_001.svg``, ...):

1. the leaves: the numbers the computation starts from;
2. the forward pass, one operation at a time: the result just computed is
   red, with its operation and the arrows into it; values not computed yet
   read ``?``;
3. the start of backward, ``∂L/∂L = 1``;
4. backward, one chain-rule step at a time, exactly the steps of
   ``explain(L)``: the arrow just applied is red and shows its local
   derivative, the Value that received the contribution is red and shows
   its gradient so far; gradients not reached yet read ``?``.

Every picture carries its step as a caption, and all of them share one
layout (boxes keep the size of the finished picture), so that flipping from
one slide to the next moves nothing but the numbers and the red.

With ``format="pdf"`` the frames are PDFs, and ``frames.pdf`` holds them all,
a page per frame (each page a 192-dpi picture), ready to present.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..engine import Value
from ..graph import topological_order
from .draw import DEFAULT_TIMEOUT, RENDERERS, STYLES, Drawing, draw
from .explain import explain
from .naming import expression, node_names, number_text, shown_numbers
from .pdf import pngs_to_pdf

__all__ = ["write_frames", "Frames", "FRAME_FORMATS"]

FRAME_FORMATS = ("svg", "png", "pdf")
# The pages of frames.pdf: sharp on a projector, and the same for both renderers.
_PDF_DPI = 192
_PLAIN_NODE = re.compile(r"^node (\S+) \S+ \S+ (\S+) (\S+) ", re.M)


@dataclass
class Frames:
    """What ``write_frames`` wrote: the frames in order, their captions, and the PDF of all of them."""

    paths: list[Path]
    captions: list[str]
    pdf: Path | None = None
    kinds: list[str] = field(default_factory=list)  # "leaves", "forward", "start", "backward" per frame

    def __len__(self) -> int:
        return len(self.paths)


@dataclass
class _Frame:
    kind: str
    caption: str
    values: dict[Value, float]
    grads: dict[Value, float]
    mark: list
    labelled: set


def _plan(root: Value, grad: float, fmt: str | None) -> list[_Frame]:
    """Every picture of the lesson: what is known, what is red, and what it says.

    The backward frames are explain's steps, one each, in its order.
    """
    order = topological_order(root)
    names = node_names(order, root)
    steps = explain(root, grad=grad, fmt=fmt)
    lesson = steps.to_dict(fmt)

    def number(x: float) -> str:
        return number_text(x, fmt)

    board = shown_numbers(order)  # rounding noise reads 0, as in the boxes
    values: dict[Value, float] = {}
    leaves = [v for v in order if not v.inputs]
    for v in leaves:
        values[v] = v.data
    shown = ", ".join(f"{names[v]} = {number(v.data)}" for v in leaves if v.label or v is root)
    frames = [_Frame("leaves", f"forward: the leaves{': ' + shown if shown else ''}", dict(values), {},
                     [v for v in leaves], set())]
    for v in order:
        if not v.inputs:
            continue
        values[v] = v.data
        caption = f"forward: {names[v]} = {expression(v, names)} = {number(board[v].data)}"
        frames.append(_Frame("forward", caption, dict(values), {}, [v], set()))
    grads: dict[Value, float] = {root: steps.seed}
    frames.append(_Frame("start", f"backward: {lesson['start']}", values, dict(grads), [root], set()))
    labelled: set[tuple[Value, int]] = set()
    for s, record in zip(steps, lesson["steps"]):
        grads[s.input] = s.total
        labelled.add((s.node, s.position))
        # The operation the step goes through on a line of its own: one line would be too wide for a slide.
        text, _, where = record["text"].partition("   (")
        caption = f"backward: {text}"
        if where:
            caption += f"\n({where}"
        if record["sum"]:
            caption += f"\n{record['sum']}"
        frames.append(_Frame("backward", caption, values, dict(grads), [(s.node, s.position), s.input],
                             set(labelled)))
    return frames


def write_frames(
    root: Value,
    folder: str | os.PathLike,
    format: str = "svg",  # noqa: A002 - the word a user writes
    *,
    style: str = "slide",
    rankdir: str = "LR",
    fmt: str | None = None,
    grad: float = 1.0,
    renderer: str | None = None,
    max_nodes: int | None = 150,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> Frames:
    """Write one picture per step of forward and backward through ``root`` into ``folder``.

    Args:
        root: the output Value (``L``); ``.grad`` is neither needed nor changed.
        folder: where to write (it must exist); ``frame_000.<format>``,
            ``frame_001...``, so that the names sort in order.
        format: ``"svg"``, ``"png"`` or ``"pdf"``; ``"pdf"`` also writes
            ``frames.pdf``, every frame a page.
        style: ``"slide"`` (the default: large text) or ``"default"``.
        rankdir, fmt, renderer, timeout: as for ``draw``.
        grad: the seed ∂L/∂L of backward, as for ``explain``.
        max_nodes: refuse graphs with more Values (a frame per step of a large
            graph teaches nothing); ``None`` to insist.

    The frames are: the leaves, one per operation of the forward pass, the
    start of backward, then one per step of ``explain(root, grad)``. Returns
    a ``Frames`` with the paths, the captions and the PDF (or None).
    """
    if not isinstance(root, Value):
        raise TypeError(f"write_frames(root): expected a Value, got {type(root).__name__}")
    fmt_name = format.lower().lstrip(".") if isinstance(format, str) else format
    if fmt_name not in FRAME_FORMATS:
        raise ValueError(
            f"write_frames(format=...): expected one of {', '.join(map(repr, FRAME_FORMATS))}, got {format!r}"
        )
    if style not in STYLES:
        raise ValueError(
            f"write_frames(style=...): expected one of {', '.join(map(repr, STYLES))}, got {style!r}"
        )
    if renderer is not None and renderer not in RENDERERS:
        raise ValueError(
            f"write_frames(renderer=...): expected one of {', '.join(map(repr, RENDERERS))}, got {renderer!r}"
        )
    target = Path(folder)
    if not target.is_dir():
        raise FileNotFoundError(f"write_frames({str(folder)!r}): the folder does not exist")
    order_size = len(topological_order(root))
    if max_nodes is not None and order_size > max_nodes:
        from .draw import GraphTooLargeError

        raise GraphTooLargeError(
            f"write_frames: the graph has {order_size} values, more than max_nodes={max_nodes}; a frame "
            "per step of it would be a long film. Draw a smaller expression (one neuron), or pass "
            "max_nodes=None to write them anyway"
        )
    # The captions write numbers as the boxes do: 3 significant digits on a slide.
    plan = _plan(root, grad, fmt if fmt is not None or style != "slide" else ".3g")

    def picture(frame: _Frame) -> Drawing:
        return draw(root, style=style, rankdir=rankdir, fmt=fmt, edge_labels=frame.labelled,
                    values=frame.values, grads=frame.grads, mark=frame.mark, max_nodes=None,
                    renderer=renderer, timeout=timeout)

    # The finished picture fixes every box's size, and the widest caption the width:
    # the frames then share its layout.
    full = draw(root, style=style, rankdir=rankdir, fmt=fmt, edge_labels=True, values=plan[-1].values,
                grads=plan[-1].grads, max_nodes=None, renderer=renderer, timeout=timeout)
    sizes = _node_sizes(full)
    widest = max(len(line) for f in plan for line in f.caption.split("\n"))
    paths, pngs = [], []
    digits = max(3, len(str(len(plan) - 1)))
    for k, frame in enumerate(plan):
        d = picture(frame)
        for node, (w, h) in sizes.items():
            d.graph.node(node, width=w, height=h)
        _caption(d, frame.caption, widest, style)
        path = target / f"frame_{k:0{digits}d}.{fmt_name}"
        d.save(path)
        paths.append(path)
        if fmt_name == "pdf":
            pngs.append(d.pipe("png", dpi=_PDF_DPI))
    pdf = None
    if fmt_name == "pdf":
        pdf = target / "frames.pdf"
        pdf.write_bytes(pngs_to_pdf(pngs, dpi=_PDF_DPI))
    return Frames(paths, [f.caption for f in plan], pdf, [f.kind for f in plan])


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _node_sizes(drawing: Drawing) -> dict[str, tuple[str, str]]:
    """{node id: (width, height)} in inches, as the renderer laid the finished picture out."""
    plain = drawing.pipe("plain").decode("utf-8")
    return {name: (w, h) for name, w, h in _PLAIN_NODE.findall(plain) if name != "legend"}


def _caption(drawing: Drawing, text: str, widest: int, style: str) -> None:
    """Write the step above the graph, in a box as wide as the widest caption of the lesson."""
    size = 18 if style == "slide" else 12
    lines = [_html(line) for line in text.split("\n")]
    # Helvetica's characters average about half an em: the box is made for the widest caption.
    width = int(widest * size * 0.52) + 16
    rows = "".join(f'<tr><td align="left">{line}</td></tr>' for line in lines)
    height = len(lines)  # up to 3: the step, its operation, a completed sum
    label = (
        f'<<table border="0" cellpadding="2" cellspacing="0" width="{width}">'
        f"{rows}{'<tr><td> </td></tr>' * (3 - height)}</table>>"
    )
    drawing.graph.attr(label=label, labelloc="t", labeljust="l", fontsize=str(size), fontname="Helvetica")
