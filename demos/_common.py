"""What every demo shares: its command line, its output folder, matplotlib, and small helpers.

Each demo is ``python -m demos.NAME [--out DIR] [--quick]``. Its ``main(argv)``
prints what it shows, writes its pictures (PNG) into the output folder and
returns a :class:`Result` with the files it wrote, the figures it drew and the
numbers it measured, so that the test suite can run it in-process and check all
three.

Every matplotlib figure is drawn inside :func:`figure_style` and written by
:func:`save`: text of at least 10 pt, saved at 150 dpi, so that a projected
figure can be read from the back of a lecture room.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PLOT_EXTRA = "pip install 'chainrule[plot]'"
DRAW_EXTRA = "pip install 'chainrule[draw]'"

# Resolution of the saved PNGs, and the smallest text any figure may hold. A
# point is 1/72 inch, so at 150 dpi 10 pt text is about 21 pixels high.
FIGURE_DPI = 150
SMALLEST_FONT_PT = 10

# The one style of every demo figure (matplotlib rcParams). Sizes in points;
# nothing smaller than SMALLEST_FONT_PT.
FIGURE_STYLE: dict[str, Any] = {
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 11,
    "legend.title_fontsize": 11,
    "figure.titlesize": 14,
    "lines.linewidth": 2.0,
    "lines.markersize": 6,
    "savefig.dpi": FIGURE_DPI,
}


class MissingExtra(ImportError):
    """An optional library that a demo needs is not installed.

    The message names the library and the pip extra that installs it.
    """


@dataclass
class Options:
    """The parsed command line of a demo."""

    out: Path
    quick: bool


@dataclass
class Result:
    """What a demo produced: the files it wrote, its figures and the numbers it measured.

    ``figures`` maps a PNG's file name to the matplotlib Figure saved there
    (closed, but its text, axes and legends can still be read).
    """

    files: list[Path] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)


def parse_args(name: str, description: str, argv: Sequence[str] | None) -> Options:
    """Read ``--out DIR`` and ``--quick``, and create the output folder.

    ``argv`` is the list of arguments without the program name (``None``
    means ``sys.argv[1:]``, as in argparse).
    """
    parser = argparse.ArgumentParser(prog=f"python -m demos.{name}", description=description)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("out"),
        metavar="DIR",
        help="folder for the pictures, created if needed (default: out)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a smaller, faster run (the one the test suite runs)",
    )
    args = parser.parse_args(None if argv is None else list(argv))
    out: Path = args.out
    if out.exists() and not out.is_dir():
        parser.error(f"--out {out}: expected a folder, but that path is a file")
    out.mkdir(parents=True, exist_ok=True)
    return Options(out=out, quick=args.quick)


def pyplot() -> Any:
    """Import matplotlib's pyplot, drawing off-screen, or explain how to install it.

    The demos write files and never open windows, so matplotlib gets the
    "Agg" backend (it works without a display, on a server or in CI). If
    pyplot is already in use, in a notebook for instance, its backend is left
    alone.
    """
    try:
        import matplotlib
    except ImportError as error:
        raise MissingExtra(
            "this demo draws its plots with matplotlib, which is not installed; "
            f"install it with: {PLOT_EXTRA}"
        ) from error
    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@contextmanager
def figure_style() -> Iterator[Any]:
    """Draw figures in the demos' style (large text); yields pyplot.

    Create, fill and :func:`save` a figure inside the ``with`` block: text
    sizes are fixed when the text is made, and tick labels when the figure
    is drawn. Outside the block matplotlib's own settings are untouched.
    """
    plt = pyplot()
    with plt.rc_context(FIGURE_STYLE):
        yield plt


def save(fig: Any, options: Options, filename: str, result: Result) -> Path:
    """Write a matplotlib figure as PNG (150 dpi) into the output folder, and close it.

    The figure is kept in ``result.figures[filename]``, so that a test can read
    what it shows.
    """
    plt = pyplot()
    path = options.out / filename
    with plt.rc_context(FIGURE_STYLE):
        fig.savefig(path, dpi=FIGURE_DPI, bbox_inches="tight")
    plt.close(fig)
    result.files.append(path)
    result.figures[filename] = fig
    print(f"  wrote {path}")
    return path


def require_drawing() -> None:
    """Check that computation graphs can be rendered, or explain what to install.

    Drawing needs the Python package ``graphviz`` and a ``dot`` program
    (Graphviz's own, or the one of the pip package graphviz-pure). A demo
    calls this first, so that it stops before its work rather than after.
    """
    try:
        import graphviz  # noqa: F401
    except ImportError as error:
        raise MissingExtra(
            "this demo draws computation graphs with the Python package graphviz, which is not "
            f"installed; install it with: {DRAW_EXTRA}"
        ) from error
    from autograd.views.draw import RendererNotFoundError, find_renderer

    try:
        find_renderer()
    except RendererNotFoundError as error:
        raise MissingExtra(str(error)) from error


def save_drawing(drawing: Any, options: Options, filename: str, result: Result) -> Path:
    """Render a graph drawing (``autograd.draw(...)``) as PNG into the output folder."""
    path = drawing.save(options.out / filename)
    result.files.append(path)
    print(f"  wrote {path}")
    return path


def parameter_count(sizes: Sequence[int]) -> int:
    """Weights and biases of a fully connected network: sum over layers of (inputs + 1) * outputs."""
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))


def largest_difference(first: Any, second: Any) -> float:
    """max |first - second| over two numbers, or two (nested) lists of numbers of the same shape."""
    if isinstance(first, (int, float)):
        return abs(first - second)
    return max((largest_difference(p, q) for p, q in zip(first, second)), default=0.0)


def grid_around(
    X: Sequence[Sequence[float]], steps: int, margin: float = 0.5
) -> tuple[list[float], list[float]]:
    """Two axes of ``steps`` evenly spaced points covering the 2-D points X, plus a margin.

    The picture of a decision boundary evaluates a score at every (x, y) of
    these axes.
    """
    axes = []
    for i in (0, 1):
        lo, hi = min(x[i] for x in X) - margin, max(x[i] for x in X) + margin
        axes.append([lo + (hi - lo) * k / (steps - 1) for k in range(steps)])
    return axes[0], axes[1]


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and its noun, in the singular for exactly one: "1 step", "10 steps"."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def heading(text: str) -> None:
    """Print a section title, underlined, so that a long output reads as a lesson."""
    print()
    print(text)
    print("-" * len(text))


def run(main: Callable[[Sequence[str] | None], Result]) -> None:
    """Run a demo from ``python -m``: a missing optional library is one clear line, not a traceback."""
    try:
        main(None)
        sys.stdout.flush()  # a closed pipe shows here, not in Python's flush at exit
    except MissingExtra as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    except BrokenPipeError:
        # The reader has gone (python -m demos.moons | head): stop quietly, as a shell tool does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(1) from None
