"""How long drawing a 1,000-node graph takes: building the DOT text, then rendering it.

Run: python -m benchmarks.bench_draw [--nodes 1000] [--no-render]
     python -m benchmarks.bench_draw --frames-memory 500,2000
     python -m benchmarks.bench_draw --pdf-frames

Prints a Markdown table. Building the DOT text is chainrule's own work (a walk
of the graph and one Graphviz statement per node and edge); rendering is the
layout program's (Graphviz's dot, or graphviz-pure), timed separately because
it depends on the program, not on chainrule. The goal for building: well
under a second for 1,000 nodes.

``--frames-memory N,...`` measures the peak memory (tracemalloc: what Python
allocates, the renderer's process not included) of ``write_frames`` on the
wide neuron of N values, with the renderer replaced by one that returns a
tiny SVG at once, so that what is measured is chainrule's own bookkeeping of
the frames. A film of thousands of frames takes long to build even without a
renderer, so each run stops after ``--frames-limit`` frames have been written
(0: write them all); a plan made of every frame before the first is drawn has
reached its peak by then. The goal: memory that grows with the graph, not with
the graph times the number of frames.

``--pdf-frames`` times ``write_frames(neuron, folder, "pdf")`` for one tanh
neuron of two inputs (16 frames, and frames.pdf of 16 pages) with each
installed renderer: the goal is a few seconds.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
import tracemalloc
from pathlib import Path

import autograd
from autograd import RendererNotFoundError, Value, count_nodes, draw
from autograd.views.draw import RENDERERS, Drawing, find_renderer


def chain(n: int) -> Value:
    """x, tanh(x), tanh(tanh(x)), ...: n Values in a line."""
    y = Value(0.5, label="x")
    for _ in range(n - 1):
        y = y.tanh()
    return y


def wide(n: int) -> Value:
    """One big neuron: sum of w_i * x_i, about n Values."""
    k = (n - 1) // 3
    ws = [Value(0.01 * i, label=f"w{i}") for i in range(k)]
    xs = [Value(1.0 - 0.01 * i, label=f"x{i}") for i in range(k)]
    return autograd.sum([w * x for w, x in zip(ws, xs)])


def tree(n: int) -> Value:
    """A balanced tree of additions over n/2 leaves, then tanh."""
    level = [Value(0.001 * i, label=f"a{i}") for i in range(n // 2)]
    while len(level) > 1:
        pairs = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]
        level = pairs + ([level[-1]] if len(level) % 2 else [])
    return level[0].tanh()


SHAPES = {"chain": chain, "wide neuron": wide, "balanced tree": tree}


def best_of(repeats: int, work) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


class _Enough(Exception):
    """Raised by the stand-in renderer once the frames asked for are written."""


def frames_memory(values: int, limit: int) -> tuple[int, int, int]:
    """(frames written, peak bytes, Values) of write_frames on the wide neuron, renderer stubbed."""
    from autograd import write_frames

    root = wide(values)
    size = count_nodes(root)
    pictures = 0
    real_pipe = Drawing.pipe

    def pipe(self, format="svg", dpi=None):  # noqa: A002 - the stubbed method's own name
        nonlocal pictures
        if format == "plain":
            return b"graph 1 1 1\nstop\n"  # no node sizes: frames then keep the renderer's own
        pictures += 1
        if limit and pictures > limit:
            raise _Enough
        return b'<svg xmlns="http://www.w3.org/2000/svg"/>'

    Drawing.pipe = pipe
    try:
        with tempfile.TemporaryDirectory() as folder:
            tracemalloc.start()
            try:
                write_frames(root, folder, "svg", max_nodes=None)
            except _Enough:
                pass
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            written = len(list(Path(folder).glob("frame_*")))
    finally:
        Drawing.pipe = real_pipe
    return written, peak, size


def neuron() -> Value:
    """tanh(w1·x1 + w2·x2 + b): 16 frames (the leaves, 5 operations, the start, 9 steps)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2, b = Value(-3.0, label="w1"), Value(1.0, label="w2"), Value(6.88, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    return o


def pdf_frames(renderers: list[str]) -> None:
    from autograd import write_frames

    print("write_frames(neuron, folder, 'pdf'): one tanh neuron of two inputs, best of 1\n")
    print("| renderer | frames | pages of frames.pdf | seconds |")
    print("|---|---|---|---|")
    for name in renderers:
        with tempfile.TemporaryDirectory() as folder:
            start = time.perf_counter()
            frames = write_frames(neuron(), folder, "pdf", renderer=name)
            seconds = time.perf_counter() - start
            pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", frames.pdf.read_bytes()))
        print(f"| {name} | {len(frames)} | {pages} | {seconds:.2f} |")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000, help="graph size in Values (default 1000)")
    parser.add_argument("--repeats", type=int, default=5, help="timings kept: the best of this many")
    parser.add_argument("--no-render", action="store_true", help="time only the DOT text")
    parser.add_argument("--frames-memory", metavar="N,N,...",
                        help="peak memory of write_frames on wide neurons of these sizes (renderer stubbed)")
    parser.add_argument("--frames-limit", type=int, default=50,
                        help="--frames-memory: stop after this many frames (0: all; default 50)")
    parser.add_argument("--pdf-frames", action="store_true",
                        help="time the 16 PDF frames of one neuron with each renderer")
    args = parser.parse_args(argv)

    if args.frames_memory:
        limit = args.frames_limit or "all"
        print(f"Peak memory of write_frames (tracemalloc; renderer stubbed; up to {limit} "
              "frames)\n")
        print("| values | frames written | peak (MB) | peak per value (kB) |")
        print("|---|---|---|---|")
        for n in (int(part) for part in args.frames_memory.split(",")):
            written, peak, size = frames_memory(n, args.frames_limit)
            print(f"| {size} | {written} | {peak / 1e6:.1f} | {peak / size / 1e3:.1f} |")
        return

    renderers = []
    if not args.no_render:
        for name in RENDERERS:
            try:
                find_renderer(name)
                renderers.append(name)
            except RendererNotFoundError:
                pass

    if args.pdf_frames:
        pdf_frames(renderers)
        return

    header = ["graph", "values", "DOT text (ms)", "DOT + edge labels (ms)"]
    header += [f"render SVG, {name} (s)" for name in renderers]
    print(f"Drawing {args.nodes}-node graphs (best of {args.repeats}; rendering best of 1)\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for shape, make in SHAPES.items():
        root = make(args.nodes)
        root.backward()
        size = count_nodes(root)
        plain = best_of(args.repeats, lambda r=root: draw(r, max_nodes=None).source)
        labelled = best_of(args.repeats, lambda r=root: draw(r, max_nodes=None, edge_labels=True).source)
        row = [shape, str(size), f"{plain * 1e3:.1f}", f"{labelled * 1e3:.1f}"]
        drawing = draw(root, max_nodes=None, edge_labels=True)
        for name in renderers:
            drawing.renderer = name
            row.append(f"{best_of(1, lambda d=drawing: d.pipe('svg')):.2f}")
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
