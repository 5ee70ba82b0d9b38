"""``python -m autograd``: a chain-rule lesson from one line of the shell.

    python -m autograd "tanh(w1*x1 + w2*x2 + b)" --at x1=2 x2=0 w1=-3 w2=1 b=6.88

prints the value of the expression, the gradient with respect to every
variable, and every step of backward. ``--draw graph.png`` writes the picture
of the graph (PNG, SVG or PDF, from the extension), ``--html steps.html``
a page that replays backward one step at a time, in any browser, offline, and
``--frames DIR`` one picture per step (``--frames-format svg|png|pdf``; pdf
also writes DIR/frames.pdf, a page per step, for slides). ``--style slide``
draws for a projector. ``--html steps.html --lr 0.1 --params w1,w2,b`` ends
the page with one step of gradient descent on the parameters named, and on
nothing else: the data (x1, x2) keep their values. ``--derive w1,b`` writes
∂f/∂w1 and ∂f/∂b as the chain rule gives them, a sum over paths of products
of local derivatives, each with its update rule w1 ← w1 − η · ∂f/∂w1.

Exit status: 0 on success, 2 when the expression, the values or the options
are not acceptable (the message on stderr says why, in one line), 1 when a
file or the output itself cannot be written (for example no renderer
installed, a graph too large to draw, a full disk), or when --derive meets a
derivative with too many paths to write out. When one file fails the others
are still written, and each failure is reported.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import unicodedata
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import NoReturn

from ..checks import did_you_mean, number_format, real_number
from ..engine import Value
from ..files import check_folder
from ..replay import generate
from ..views.derive import derive
from ..views.draw import DEFAULT_TIMEOUT, GRAPH_STYLES, RENDERERS, draw
from ..views.explain import explain
from ..views.frames import FRAME_FORMATS, write_frames
from ..views.naming import in_derivative, number_text, shown_numbers, whole_expression
from ..views.stepper import StepperOptions, write_stepper
from .expr import ExpressionError, allowed, parse_expression

__all__ = ["main", "build_parser"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


MODULE_PROG = "python -m autograd"
SCRIPT_PROG = "chainrule"


# Every character at which str.splitlines breaks a line.
_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def _one_line(text: str) -> str:
    """``text`` with its line breaks written as escapes: an error is one line, whatever it quotes."""
    return "".join(repr(c)[1:-1] if c in _LINE_BREAKS else c for c in text)


def _error(message: object) -> None:
    try:
        sys.stdout.flush()  # the error comes after what has been printed so far
    except OSError:
        pass  # the output cannot be written; main reports that once
    print(f"error: {_one_line(str(message))}", file=sys.stderr)


def _silence_stdout() -> None:
    """Point stdout at the null device, so that Python's own flush at exit has nothing to complain of."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr, like every other error here."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"error: {_one_line(message)} (see {self.prog} --help)\n")


def _default_prog() -> str:
    """``chainrule`` when run as the console script, ``python -m autograd`` otherwise."""
    # The file name, with either kind of slash (chainrule.exe on Windows).
    name = sys.argv[0].replace("\\", "/").rsplit("/", 1)[-1] if sys.argv and sys.argv[0] else ""
    return SCRIPT_PROG if name.startswith(SCRIPT_PROG) else MODULE_PROG


def _version() -> str:
    from .. import __version__  # the package is loaded by now; read lazily all the same

    return __version__


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; ``prog`` is the command name shown in usage and examples."""
    prog = prog or _default_prog()
    parser = _Parser(
        prog=prog,
        description=(
            "Evaluate an expression, backpropagate through it and explain every chain-rule step. "
            f"Allowed: {allowed()}."
        ),
        epilog=(
            f'example: {prog} "tanh(w1*x1 + w2*x2 + b)" --at x1=2 x2=0 w1=-3 w2=1 b=6.88. '
            f'An expression that starts with "-" goes after "--": {prog} --at x=2 -- "-x**2". '
            "One step of gradient descent on the parameters, the data unchanged: "
            "... --html steps.html --lr 0.1 --params w1,w2,b"
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    parser.add_argument("expression", help='the expression, in quotes, e.g. "tanh(w*x + b)"')
    parser.add_argument(
        "--at", nargs="+", default=[], metavar="NAME=NUMBER",
        help="the value of each variable, e.g. --at x=2 w=-3 b=6.88 (commas also separate)",
    )
    parser.add_argument("--draw", metavar="PATH", help="write the graph to PATH (.png, .svg, .pdf or .dot)")
    parser.add_argument("--html", metavar="PATH", help="write the step-by-step lesson page to PATH")
    parser.add_argument("--quiz", action="store_true",
                        help="--html: the student types each value and gradient before it is shown")
    parser.add_argument("--lr", type=float, metavar="ETA",
                        help="--html: end with one gradient-descent step of rate ETA on the variables "
                             "named by --params (it needs --params: the data keep their values)")
    parser.add_argument("--params", nargs="+", metavar="NAMES",
                        help="the variables that --lr updates, e.g. --params w1,w2,b (commas also separate); "
                             "--draw and --html colour them as parameters")
    parser.add_argument("--derive", nargs="+", action="extend", metavar="NAMES",
                        help="write the derivative with respect to each variable named as the chain rule "
                             "gives it, with its update rule, e.g. --derive w1,b (commas also separate)")
    parser.add_argument("--frames", metavar="DIR",
                        help="write one picture per step of forward and backward into the folder DIR "
                             "(made when missing)")
    parser.add_argument("--frames-format", choices=FRAME_FORMATS, default="svg",
                        help="format of the --frames pictures (default svg; pdf also writes DIR/frames.pdf)")
    parser.add_argument("--style", choices=GRAPH_STYLES, default="default",
                        help="style of --draw: default (compact) or slide (large text, for a projector)")
    parser.add_argument("--format", default=None, metavar="SPEC",
                        help="number format, a Python format spec (default: up to 4 significant digits, "
                             "as explain writes them; .4f for fixed decimals, .17g for every digit)")
    parser.add_argument("--no-steps", action="store_true", help="print only the value and the gradients")
    parser.add_argument("--code", action="store_true",
                        help="also print the compiled Python of the forward and backward pass")
    parser.add_argument("--rankdir", choices=("LR", "TB"), default="LR",
                        help="drawing direction: left to right (default) or top to bottom")
    parser.add_argument("--renderer", choices=RENDERERS,
                        help="force a renderer for --draw and --html (default: dot if installed)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"stop a drawing that takes longer (default {DEFAULT_TIMEOUT:g}; 0: no limit)")
    return parser


def _parts(items: Sequence[str]) -> list[str]:
    """The items of an option that takes several, separated by spaces or commas."""
    return [part.strip() for item in items for part in item.split(",") if part.strip()]


def _name(text: str) -> str:
    # Python reads identifiers in NFKC form (ｘ is x), so the expression's
    # variables are; the names given on the command line must be read the same way.
    return unicodedata.normalize("NFKC", text.strip())


def _parse_values(items: Sequence[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for part in _parts(items):
        name, sep, number = part.partition("=")
        name, number = _name(name), number.strip()
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


def _parse_params(items: Sequence[str], variables: Collection[str], option: str = "--params") -> list[str]:
    """The names given to ``option`` (--params, --derive), each a variable of the expression, each once."""
    names: list[str] = []
    for part in _parts(items):
        name = _name(part)
        if name not in variables:
            hint = did_you_mean(name, variables, cutoff=0.5)
            same_letters = [v for v in variables if v.lower() == name.lower()]
            if not hint and same_letters:
                hint = f"; did you mean {same_letters[0]!r}?"
            raise ExpressionError(
                f"{option}: {name!r} is not a variable of the expression "
                f"(its variables: {', '.join(variables) or 'none'}){hint}"
            )
        if name in names:
            raise ExpressionError(f"{option}: {name!r} is named twice")
        names.append(name)
    if not names:
        raise ExpressionError(
            f"{option}: expected the names of variables, such as {option} w,b, got {' '.join(items)!r}"
        )
    return names


def _output_name(variables: Collection[str]) -> str:
    """``f``, or when a variable is called f the first of ``out``, ``out2``, ... that none is called."""
    if "f" not in variables:
        return "f"
    name, k = "out", 1
    while name in variables:
        k += 1
        name = f"out{k}"
    return name


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse an output path that cannot work before any work is done."""
    for option, path, example in (("--draw", args.draw, "graph.png"), ("--html", args.html, "steps.html")):
        if path is None:
            continue
        if not path.strip():
            raise ValueError(f"{option}: expected a file path such as {example}, got {path!r}")
        folder = Path(path).parent
        try:
            missing, is_folder = not folder.is_dir(), Path(path).is_dir()
        except (OSError, ValueError) as error:  # a name too long, a NUL byte...
            raise ValueError(f"{option}: cannot use the path {path!r:.80}: {error}") from None
        if missing:
            raise ValueError(f"{option} {path}: the folder {str(folder)!r} does not exist")
        if is_folder:
            raise ValueError(f"{option} {path}: that is a folder; give a file name inside it")
    if args.frames is not None:
        if not args.frames.strip():
            raise ValueError(f"--frames: expected a folder such as frames, got {args.frames!r}")
        try:  # a missing folder is made (with its parents) when the frames are written
            check_folder(args.frames, who="--frames", may_be_missing=True)
        except OSError as error:
            raise ValueError(str(error)) from None
    if args.draw and args.html and os.path.abspath(args.draw) == os.path.abspath(args.html):
        raise ValueError(f"--draw and --html are the same file {args.draw!r}; give each its own")
    if args.timeout != 0:
        real_number(args.timeout, "--timeout", 0.0, open_low=True)
    if args.lr is not None:
        real_number(args.lr, "--lr", 0.0, open_low=True)
        if not args.html:
            raise ValueError("--lr: the update step is shown on the step-by-step page; add --html steps.html")
    if args.quiz and not args.html:
        raise ValueError("--quiz: the quiz is the step-by-step page; add --html steps.html")


def _print_derivations(out: Value, variables: Sequence[Value]) -> int:
    """Print ∂out/∂v and v's update rule for each variable; a derivation too large is reported and skipped."""
    name = out.label
    print()
    print(f"derivations (the chain rule: one product of local derivatives per path from v up to {name}) "
          f"and update rules v ← v − η · ∂{name}/∂v:")
    status = EXIT_OK
    for v in variables:
        try:
            derivation = derive(out, v)
        except ValueError as error:  # too many paths to write out: the message points to the layer view
            _error(error)
            status = EXIT_FAILED
            continue
        for line in derivation.text.splitlines():
            print("  " + line)
        print("  " + derivation.update_rule())
    return status


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    """Run the command line; return the exit status.

    Output into a closed pipe (``python -m autograd ... | head``) ends quietly;
    output that cannot be written (a full disk) ends with one line on stderr, status 1.
    """
    try:
        status = _main(argv, prog)
        sys.stdout.flush()  # a closed pipe shows here, not in Python's flush at exit
        return status
    except BrokenPipeError:
        # The reader has gone: nothing more can be said to it.
        _silence_stdout()
        return EXIT_FAILED
    except OSError as error:
        # Files are written, and their errors reported, inside _main: this is stdout.
        _silence_stdout()
        _error(f"cannot write to standard output: {error.strerror or error}")
        return EXIT_FAILED


def _main(argv: Sequence[str] | None, prog: str | None) -> int:
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    fmt = args.format
    try:
        if fmt is not None:
            number_format(fmt, "--format")
        _check_outputs(args)
    except ValueError as error:
        _error(error)
        return EXIT_BAD_INPUT
    timeout = args.timeout or None
    try:
        expression = parse_expression(args.expression)
        values = _parse_values(args.at)
        out, leaves = expression.evaluate(values)
        params = None if args.params is None else [leaves[n] for n in _parse_params(args.params, leaves)]
        derived = [] if args.derive is None else _parse_params(args.derive, leaves, "--derive")
        if args.lr is not None and params is None:
            raise ExpressionError(
                "--lr needs --params: name the variables that the update changes, e.g. --params w,b "
                f"(this expression's variables: {', '.join(leaves) or 'none'}); the others, such as "
                "the data, keep their values"
            )
    except ExpressionError as error:
        _error(error)
        return EXIT_BAD_INPUT
    if not out.label:  # a bare variable keeps its own name
        out.label = _output_name(leaves)
    steps = explain(out, fmt=fmt)
    name = out.label
    # The numbers as every view writes them: a result that is 0 up to rounding reads 0.
    shown = shown_numbers(steps.order, steps.gradients)

    # The expression as written on the board (x², a · b, −x), not as typed.
    print(f"{name} = {whole_expression(out, steps.names)}")
    if leaves:
        # .15g: every digit the user typed (a float holds about 15), without trailing zeros.
        print("at   " + ", ".join(f"{k} = {number_text(v.data, '.15g')}" for k, v in leaves.items()))
    print(f"{name} = {number_text(shown[out].data, fmt)}")
    if leaves:
        print()
        print(f"gradients ∂{name}/∂v (the chain rule, summed over every path):")
        width = max(len(in_derivative(k)) for k in leaves)
        for k, v in leaves.items():
            grad = shown[v].grad if v in shown else 0.0
            print(f"  ∂{name}/∂{in_derivative(k):<{width}} = {number_text(grad, fmt)}")
    status = EXIT_OK
    if derived:
        status = _print_derivations(out, [leaves[n] for n in derived])
    if not args.no_steps and len(steps):
        print()
        print(f"backward, one step at a time: ∂{name}/∂a = ∂{name}/∂c · ∂c/∂a "
              "(upstream gradient · local derivative, for each input a of each operation c); "
              f"a value used more than once gets one line per path (via c) and then their sum")
        for line in steps.text(header=True).splitlines():
            print("  " + line)

    if args.code:
        print()
        print("compiled (autograd.compile): forward one line per operation, backward one line per edge")
        print(generate(out, list(leaves.values())).source, end="")

    for option, path in (("--draw", args.draw), ("--html", args.html), ("--frames", args.frames)):
        if not path:
            continue
        try:
            if option == "--draw":
                draw(out, style=args.style, rankdir=args.rankdir, fmt=fmt, edge_labels=True,
                     grads=steps.gradients, parameters=params or (), renderer=args.renderer,
                     timeout=timeout).save(path)
            elif option == "--frames":
                frames = write_frames(out, path, args.frames_format, rankdir=args.rankdir, fmt=fmt,
                                      renderer=args.renderer, timeout=timeout)
                path = f"{len(frames)} frames into {path}" + (f" and {frames.pdf}" if frames.pdf else "")
            else:
                options = StepperOptions(fmt=fmt, rankdir=args.rankdir, renderer=args.renderer,
                                         title=f"{name} = {whole_expression(out, steps.names)}",
                                         timeout=timeout, quiz=args.quiz, lr=args.lr,
                                         parameters=None if params is None else tuple(params))
                write_stepper(out, path, options)
        except (ValueError, RuntimeError, ImportError, OSError) as error:
            # Renderer missing or stopped, graph too large, disk full...: say so
            # and go on with the next file.
            _error(f"{option} {path}: {error}")
            status = EXIT_FAILED
            continue
        print(f"wrote {path}")
    return status
