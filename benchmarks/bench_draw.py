"""How long drawing a 1,000-node graph takes: building the DOT text, then rendering it.

Run: python -m benchmarks.bench_draw [--nodes 1000] [--no-render]

Prints a Markdown table. Building the DOT text is chainrule's own work (a walk
of the graph and one Graphviz statement per node and edge); rendering is the
layout program's (Graphviz's dot, or graphviz-pure), timed separately because
it depends on the program, not on chainrule. The goal for building: well
under a second for 1,000 nodes.
"""

from __future__ import annotations

import argparse
import time

import autograd
from autograd import RendererNotFoundError, Value, count_nodes, draw
from autograd.views.draw import RENDERERS, find_renderer


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000, help="graph size in Values (default 1000)")
    parser.add_argument("--repeats", type=int, default=5, help="timings kept: the best of this many")
    parser.add_argument("--no-render", action="store_true", help="time only the DOT text")
    args = parser.parse_args(argv)

    renderers = []
    if not args.no_render:
        for name in RENDERERS:
            try:
                find_renderer(name)
                renderers.append(name)
            except RendererNotFoundError:
                pass

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
