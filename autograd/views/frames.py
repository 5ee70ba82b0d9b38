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
a page per frame, ready to present: vector drawings with Graphviz's ``dot``,
192-dpi pictures with graphviz-pure (which has no PDF writer).

The frames are made, drawn and written one at a time, each file whole or not
at all (see ``files``), so that a film of thousands of frames needs the
memory of one.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..engine import Value
from ..files import check_folder, make_folder, open_atomic, remove_stale, write_file
from ..graph import topological_order
from .dot import HIGHLIGHT_ATTRS
from .draw import DEFAULT_TIMEOUT, GRAPH_STYLES, RENDERERS, Drawing, draw, find_renderer
from .explain import explain
from .naming import expression, node_names, number_text, shown_numbers
from .pdf import PdfMerger

__all__ = ["write_frames", "Frames", "FRAME_FORMATS"]

FRAME_FORMATS = ("svg", "png", "pdf")
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
    """One picture: what is known, what is red, and what it says.

    ``values``, ``grads`` and ``labelled`` are the lesson's running state,
    shared from one frame to the next (a frame is drawn before the next is
    made), so that a lesson of n steps holds one state, not n copies of it.
    """

    kind: str
    caption: str
    values: dict[Value, float]
    grads: dict[Value, float]
    mark: list  # Values drawn red with their operation and arrows in, and arrows (result, position)
    labelled: set
    boxes: list = field(default_factory=list)  # Values whose box alone is red


def _frames(root: Value, grad: float, fmt: str | None) -> Iterator[_Frame]:
    """Every picture of the lesson, one at a time, in order.

    The backward frames are explain's steps, one each, in its order. A
    backward frame marks its own arrow and the Value at its tail, which has
    just received a contribution; the arrows further back have not been
    processed yet and stay black.
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
    caption = f"forward: the leaves{': ' + shown if shown else ''}"
    yield _Frame("leaves", caption, values, {}, list(leaves), set())
    for v in order:
        if not v.inputs:
            continue
        values[v] = v.data
        caption = f"forward: {names[v]} = {expression(v, names)} = {number(board[v].data)}"
        yield _Frame("forward", caption, values, {}, [v], set())
    grads: dict[Value, float] = {root: steps.seed}
    labelled: set[tuple[Value, int]] = set()
    # The start of backward is news about the output's gradient only: no arrow has been processed.
    yield _Frame("start", f"backward: {lesson['start']}", values, grads, [], labelled, [root])
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
        yield _Frame("backward", caption, values, grads, [(s.node, s.position)], labelled, [s.input])


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
    progress: bool | None = None,
) -> Frames:
    """Write one picture per step of forward and backward through ``root`` into ``folder``.

    Args:
        root: the output Value (``L``); ``.grad`` is neither needed nor changed.
        folder: where to write, made (with its parents) when missing;
            ``frame_000.<format>``, ``frame_001...``, so that the names sort
            in order. Each file is written whole or not at all, and a link
            standing at one of these names is replaced, never followed.
        format: ``"svg"``, ``"png"`` or ``"pdf"``; ``"pdf"`` also writes
            ``frames.pdf``, every frame a page (this needs pypdf, and with
            graphviz-pure Pillow: both are in ``chainrule[draw]``).
        style: ``"slide"`` (the default: large text) or ``"default"``.
        rankdir, fmt, renderer, timeout: as for ``draw``.
        grad: the seed ∂L/∂L of backward, as for ``explain``.
        max_nodes: refuse graphs with more Values (a frame per step of a large
            graph teaches nothing); ``None`` to insist.
        progress: show how many frames are written, on stderr (with tqdm when
            it is installed). ``None``, the default: only for a film of more
            than 50 frames, and only when stderr is a terminal.

    The frames are: the leaves, one per operation of the forward pass, the
    start of backward, then one per step of ``explain(root, grad)``. They are
    made, drawn and written one at a time, so memory grows with the graph,
    not with the number of frames. Returns a ``Frames`` with the paths, the
    captions and the PDF (or None).
    """
    if not isinstance(root, Value):
        raise TypeError(f"write_frames(root): expected a Value, got {type(root).__name__}")
    fmt_name = format.lower().lstrip(".") if isinstance(format, str) else format
    if fmt_name not in FRAME_FORMATS:
        raise ValueError(
            f"write_frames(format=...): expected one of {', '.join(map(repr, FRAME_FORMATS))}, got {format!r}"
        )
    if style not in GRAPH_STYLES:
        raise ValueError(
            f"write_frames(style=...): expected one of {', '.join(map(repr, GRAPH_STYLES))}, got {style!r}"
        )
    if renderer is not None and renderer not in RENDERERS:
        raise ValueError(
            f"write_frames(renderer=...): expected one of {', '.join(map(repr, RENDERERS))}, got {renderer!r}"
        )
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(f"write_frames(progress=...): expected True, False or None, got {progress!r}")
    check_folder(folder, who="write_frames", may_be_missing=True)
    order = topological_order(root)
    if max_nodes is not None and len(order) > max_nodes:
        from .draw import GraphTooLargeError

        raise GraphTooLargeError(
            f"write_frames: the graph has {len(order)} values, more than max_nodes={max_nodes}; a frame "
            "per step of it would be a long film. Draw a smaller expression (one neuron), or pass "
            "max_nodes=None to write them anyway"
        )
    # What every frame needs, before the folder is made: a renderer, and for PDFs their libraries.
    renderer_name, _ = find_renderer(renderer)
    if fmt_name == "pdf":
        _check_pdf_libraries(renderer_name)
    target = make_folder(folder, who="write_frames")
    remove_stale(target)  # once here, not once per frame: a folder of n frames would take n² looks
    index = {v: i for i, v in enumerate(order)}
    # The captions write numbers as the boxes do: 3 significant digits on a slide.
    caption_fmt = fmt if fmt is not None or style != "slide" else ".3g"
    # A first walk through the lesson, keeping only its words: the widest caption
    # fixes the frames' width, and the last frame's state the boxes' sizes.
    kinds, captions = [], []
    last = None
    for frame in _frames(root, grad, caption_fmt):
        kinds.append(frame.kind)
        captions.append(frame.caption)
        last = frame
    assert last is not None  # the leaves' frame always exists
    # The finished picture fixes every box's size, and the widest caption the width:
    # the frames then share its layout.
    full = draw(root, style=style, rankdir=rankdir, fmt=fmt, edge_labels=True, values=last.values,
                grads=last.grads, max_nodes=None, renderer=renderer, timeout=timeout)
    sizes = _node_sizes(full)
    widest = max(len(line) for caption in captions for line in caption.split("\n"))
    digits = max(3, len(str(len(captions) - 1)))
    paths = [target / f"frame_{k:0{digits}d}.{fmt_name}" for k in range(len(captions))]
    pdf_path = target / "frames.pdf" if fmt_name == "pdf" else None
    pages = PdfMerger() if pdf_path is not None else None
    with contextlib.ExitStack() as stack:
        counter = stack.enter_context(_Progress(len(captions), progress))
        for path, frame in zip(paths, _frames(root, grad, caption_fmt)):
            d = draw(root, style=style, rankdir=rankdir, fmt=fmt, edge_labels=frame.labelled,
                     values=frame.values, grads=frame.grads, mark=frame.mark, max_nodes=None,
                     renderer=renderer, timeout=timeout)
            for node, (w, h) in sizes.items():
                d.graph.node(node, width=w, height=h)
            for v in frame.boxes:
                d.graph.node(f"v{index[v]}", **HIGHLIGHT_ATTRS)
            _caption(d, frame.caption, widest, style)
            picture = d.pipe(fmt_name)
            write_file(path, picture, who="write_frames", clean=False)
            if pages is not None:
                pages.add(picture)  # dot's PDF is a vector drawing; graphviz-pure's a 192-dpi picture
            counter.update()
    if pages is not None and pdf_path is not None:
        with open_atomic(pdf_path, who="write_frames", clean=False) as file:
            pages.write(file)
    return Frames(paths, captions, pdf_path, kinds)


def _check_pdf_libraries(renderer: str) -> None:
    """Before any work: frames.pdf needs pypdf, and graphviz-pure's PDFs Pillow (both in chainrule[draw])."""
    from .pdf import _pillow, _pypdf

    _pypdf()
    if renderer != "dot":  # graphviz-pure has no PDF writer: its PDF is a picture Pillow decodes
        _pillow()


class _Progress:
    """How many frames are written so far, on stderr: tqdm's bar when installed, else a counter."""

    _LONG = 50  # frames: below this a film is written in seconds, and a bar would only flicker

    def __init__(self, total: int, enabled: bool | None) -> None:
        if enabled is None:
            enabled = total > self._LONG and _is_terminal(sys.stderr)
        self.total, self.done, self.enabled, self._bar = total, 0, enabled, None
        if enabled:
            try:
                from tqdm import tqdm
            except ImportError:
                pass
            else:
                self._bar = tqdm(total=total, unit="frame", desc="write_frames", file=sys.stderr)

    def __enter__(self) -> _Progress:
        return self

    def update(self) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(1)
        elif self.enabled:
            end = "\n" if self.done == self.total else ""
            print(f"\rwrite_frames: {self.done}/{self.total} frames", end=end, file=sys.stderr, flush=True)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
        elif self.enabled and 0 < self.done < self.total:
            print(file=sys.stderr, flush=True)  # an interrupted counter does not leave the cursor mid-line


def _is_terminal(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):  # replaced by an object without isatty, or closed
        return False


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
