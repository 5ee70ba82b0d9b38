"""``python -m autograd``: a chain-rule lesson from one line of the shell.

    python -m autograd "tanh(w1*x1 + w2*x2 + b)" --at x1=2 x2=0 w1=-3 w2=1 b=6.88

prints the value of the expression, the gradient with respect to every
variable, and every step of backward. ``--draw graph.png`` writes the picture
of the graph (PNG, SVG or PDF, from the extension) and ``--html steps.html``
a page that replays backward one step at a time, in any browser, offline.

Exit status: 0 on success, 2 when the expression or the values are not
acceptable (the message on stderr says why), 1 when a file cannot be drawn
(for example no renderer installed).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Collection, Sequence

from .checks import number_format
from .draw import RENDERERS, GraphTooLargeError, RendererNotFoundError, draw
from .explain import explain
from .expr import FUNCTIONS, ExpressionError, parse_expression
from .replay import generate
from .stepper import write_stepper

__all__ = ["main", "build_parser"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograd",
        description=(
            "Evaluate an expression, backpropagate through it and explain every chain-rule step. "
            f"Allowed: numbers, variables, + - * / ** and unary -, and the functions {', '.join(FUNCTIONS)}."
        ),
        epilog=(
            'example: python -m autograd "tanh(w1*x1 + w2*x2 + b)" --at x1=2 x2=0 w1=-3 w2=1 b=6.88. '
            'An expression that starts with "-" goes after "--": python -m autograd --at x=2 -- "-x**2"'
        ),
    )
    parser.add_argument("expression", help='the expression, in quotes, e.g. "tanh(w*x + b)"')
    parser.add_argument(
        "--at", nargs="+", default=[], metavar="NAME=NUMBER",
        help="the value of each variable, e.g. --at x=2 w=-3 b=6.88 (commas also separate)",
    )
    parser.add_argument("--draw", metavar="PATH", help="write the graph to PATH (.png, .svg, .pdf or .dot)")
    parser.add_argument("--html", metavar="PATH", help="write the step-by-step backward page to PATH")
    parser.add_argument("--format", default=".4f", metavar="SPEC",
                        help="number format, a Python format spec (default .4f; .17g shows every digit)")
    parser.add_argument("--no-steps", action="store_true", help="print only the value and the gradients")
    parser.add_argument("--code", action="store_true",
                        help="also print the compiled Python of the forward and backward pass")
    parser.add_argument("--rankdir", choices=("LR", "TB"), default="LR",
                        help="drawing direction: left to right (default) or top to bottom")
    parser.add_argument("--renderer", choices=RENDERERS,
                        help="force a renderer for --draw and --html (default: dot if installed)")
    return parser


def _parse_values(items: Sequence[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for item in items:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            name, sep, number = part.partition("=")
            name, number = name.strip(), number.strip()
            if not sep or not name or not number:
                raise ExpressionError(f"--at: expected NAME=NUMBER, such as x=2.5, got {part!r}")
            if name in values:
                raise ExpressionError(f"--at: {name!r} is given twice")
            try:
                x = float(number)
            except ValueError:
                raise ExpressionError(
                    f"--at: the value of {name!r} must be a number, got {number!r}"
                ) from None
            if not math.isfinite(x):
                raise ExpressionError(f"--at: the value of {name!r} must be finite, got {number!r}")
            values[name] = x
    return values



def _output_name(variables: Collection[str]) -> str:
    """``f``, or when a variable is called f the first of ``out``, ``out2``, ... that none is called."""
    if "f" not in variables:
        return "f"
    name, k = "out", 1
    while name in variables:
        k += 1
        name = f"out{k}"
    return name

def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    fmt = args.format
    try:
        number_format(fmt, "--format")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        expression = parse_expression(args.expression)
        values = _parse_values(args.at)
        out, leaves = expression.evaluate(values)
    except ExpressionError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not out.label:  # a bare variable keeps its own name
        out.label = _output_name(leaves)
    steps = explain(out, fmt=fmt)
    name = out.label

    print(f"{name} = {expression.text}")
    if leaves:
        # .15g: every digit the user typed (a float holds about 15), without trailing zeros.
        print("at   " + ", ".join(f"{k} = {v.data:.15g}" for k, v in leaves.items()))
    print(f"{name} = {out.data:{fmt}}")
    if leaves:
        print()
        print("gradients (the chain rule, summed over every path):")
        width = max(len(k) for k in leaves)
        for k, v in leaves.items():
            print(f"  d{name}/d{k:<{width}} = {steps.grad(v):{fmt}}")
    if not args.no_steps and len(steps):
        print()
        print(f"backward, one step at a time: d{name}/d(input) += d{name}/d(node) * d(node)/d(input)")
        for line in steps.text(header=True).splitlines():
            print("  " + line)

    if args.code:
        print()
        print("compiled (autograd.compile): forward one line per operation, backward one line per edge")
        print(generate(out, list(leaves.values())).source, end="")

    status = EXIT_OK
    for option, path in (("--draw", args.draw), ("--html", args.html)):
        if not path:
            continue
        try:
            if option == "--draw":
                draw(out, rankdir=args.rankdir, fmt=fmt, edge_labels=True, grads=steps.gradients,
                     renderer=args.renderer).save(path)
            else:
                write_stepper(out, path, fmt=fmt, rankdir=args.rankdir, renderer=args.renderer,
                              title=f"{name} = {expression.text}")
        except (ValueError, FileNotFoundError, IsADirectoryError, GraphTooLargeError) as error:
            print(f"error: {option} {path}: {error}", file=sys.stderr)
            return EXIT_BAD_INPUT
        except (RendererNotFoundError, RuntimeError, ImportError, OSError) as error:
            print(f"error: {option} {path}: {error}", file=sys.stderr)
            status = EXIT_FAILED
            continue
        print(f"wrote {path}")
    return status
