"""Formulas typed by a person, turned into a graph of Values, safely.

``parse_expression("tanh(w1*x1 + w2*x2 + b)")`` reads the text with Python's
own parser (``ast``) and then accepts only a small, fixed vocabulary:

- numbers (``2``, ``0.5``, ``1e-3``),
- variables (``x1``, ``w``, ``bias``: names that are not functions and do
  not start with ``_``),
- the operators ``+ - * / **`` and unary ``-`` (and ``+``),
- the engine's functions, called with one argument:
  ``exp log tanh sigmoid relu sin cos sqrt abs``.

Everything else (attribute access, other calls, ``__import__``, lambdas,
subscripts, comparisons, strings...) is refused with a message saying what
is allowed. Nothing is ever passed to ``eval``: the tree is walked here and
each node becomes an operation on ``Value``s, so the graph records it.

Sizes are capped so that a typo cannot make the computer work for minutes:
at most ``MAX_LENGTH`` characters, ``MAX_DEPTH`` levels of nesting, numbers up
to ``MAX_NUMBER`` and exponents up to ``MAX_EXPONENT`` in size.
"""

from __future__ import annotations

import ast
import math
import operator
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass

from ..checks import did_you_mean
from ..engine import OPS, Value

__all__ = [
    "functions",
    "allowed",
    "MAX_LENGTH",
    "MAX_DEPTH",
    "MAX_NUMBER",
    "MAX_EXPONENT",
    "ExpressionError",
    "Expression",
    "parse_expression",
    "evaluate",
]



def functions() -> tuple[str, ...]:
    """The functions an expression may call: those of the engine's table of operations."""
    return tuple(name for name, op in OPS.items() if op.kind != "operator")


def __getattr__(name: str) -> object:
    if name == "FUNCTIONS":  # read at each use, so that an op added to the table is callable at once
        return functions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

MAX_LENGTH = 500
MAX_DEPTH = 100
MAX_NUMBER = 1e15
MAX_EXPONENT = 100.0

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}
_REFUSED = {
    ast.Attribute: "attribute access ('.')",
    ast.Subscript: "subscripts ('[...]')",
    ast.Lambda: "lambda",
    ast.Compare: "comparisons",
    ast.BoolOp: "'and' / 'or'",
    ast.IfExp: "'... if ... else ...'",
    ast.Starred: "'*' unpacking",
    ast.FloorDiv: "'//' (use '/')",
    ast.Mod: "'%'",
    ast.MatMult: "'@'",
    ast.BitXor: "'^' (for powers write '**')",
    ast.BitAnd: "'&'",
    ast.BitOr: "'|'",
    ast.LShift: "'<<'",
    ast.RShift: "'>>'",
    ast.Not: "'not'",
    ast.Invert: "'~'",
    ast.NamedExpr: "':='",
}


def allowed() -> str:
    """What an expression may contain, in one line."""
    return "numbers, variables, + - * / ** and unary -, and the functions " + ", ".join(functions())



class ExpressionError(ValueError):
    """The text is not an expression chainrule can evaluate; the message says why."""


def _where(text: str, node: ast.AST) -> str:
    segment = ast.get_source_segment(text, node)
    col = getattr(node, "col_offset", None)
    if segment is None or col is None:
        return ""
    return f" at column {col + 1}: {segment!r}"


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, its syntax tree and its variables.

    ``variables`` lists the variable names in order of first appearance.
    """

    text: str
    tree: ast.Expression
    variables: tuple[str, ...]

    def evaluate(self, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
        """Build the graph at the given point; return (result, {name: leaf Value}).

        Each variable becomes one leaf Value labelled with its name (used as
        often as it appears), each number a constant, each operator and
        function an operation of the engine.
        """
        missing = [name for name in self.variables if name not in values]
        unused = [name for name in values if name not in self.variables]
        if unused:
            # A typo in --at shows up as one unknown name and one missing one.
            hint = did_you_mean(unused[0], missing or self.variables, cutoff=0.5)
            raise ExpressionError(
                f"{unused[0]!r} has a value but is not a variable of the expression "
                f"(its variables: {', '.join(self.variables) or 'none'}){hint}"
            )
        if missing:
            given = ", ".join(sorted(values)) or "none"
            raise ExpressionError(
                f"no value for {', '.join(map(repr, missing))}; give every variable a number "
                f"(e.g. --at {missing[0]}=1.0). Given: {given}"
            )
        leaves: dict[str, Value] = {}
        for name in self.variables:
            x = values[name]
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
                raise ExpressionError(f"the value of {name!r} must be a finite number, got {x!r}")
            leaves[name] = Value(float(x), label=name)
        return _lift(_Evaluator(self.text, leaves).run(self.tree.body)), leaves


def parse_expression(text: str) -> Expression:
    """Check ``text`` against the whitelist; return an ``Expression`` or raise ``ExpressionError``."""
    if not isinstance(text, str):
        raise ExpressionError(f"expected the expression as a str, got {type(text).__name__}")
    if not text.strip():
        raise ExpressionError("the expression is empty; write one such as 'tanh(w*x + b)'")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}")
    text = text.strip()
    _check_characters(text)
    try:
        with warnings.catch_warnings():
            # "1if x" or "0x1for" make the parser warn on stderr before it fails or
            # before the checks below refuse the text: the refusal is message enough.
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)
            tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        where = f" at column {error.offset}" if error.offset else ""
        raise ExpressionError(f"not a valid expression{where}: {error.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("the expression is nested too deeply to read") from None
    except ValueError as error:  # _check_characters leaves none that Python is known to raise
        raise ExpressionError(f"cannot read the expression: {error}") from None
    variables: list[str] = []
    # Walk the tree with an explicit stack, checking every node on the way.
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested more than {MAX_DEPTH} levels deep")
        children = _check(text, node, variables)
        stack.extend((child, depth + 1) for child in reversed(children))
    return Expression(text, tree, tuple(variables))


# Whitespace Python's parser reads as such; any other control character is refused.
_WHITESPACE = "\t\n\r\f"


def _check_characters(text: str) -> None:
    """Refuse a character that is not text, naming it and its column.

    A lone surrogate is how Python hands over a byte of the command line
    that is not UTF-8 (0xFF becomes U+DCFF); Python's parser cannot even
    read it, and a NUL stops it before it says where.
    """
    for column, ch in enumerate(text, 1):
        category = unicodedata.category(ch)
        if category == "Cs":
            undecodable = 0xDC80 <= ord(ch) <= 0xDCFF
            byte = f", the byte 0x{ord(ch) - 0xDC00:02X}, which is not UTF-8" if undecodable else ""
            raise ExpressionError(
                f"the expression holds U+{ord(ch):04X} at column {column}{byte}: a lone surrogate, not a "
                "character; type the expression again as plain text"
            )
        if category == "Cc" and ch not in _WHITESPACE:
            raise ExpressionError(
                f"the expression holds the control character U+{ord(ch):04X} at column {column}; remove it"
            )


def _check(text: str, node: ast.AST, variables: list[str]) -> list[ast.AST]:
    """Refuse ``node`` unless it is on the whitelist; return the children to check."""
    if isinstance(node, ast.Constant):
        x = node.value
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise ExpressionError(f"only numbers are allowed as constants, got {x!r}{_where(text, node)}")
        if abs(x) > MAX_NUMBER:
            raise ExpressionError(f"the number {x!r} is too large (the limit is {MAX_NUMBER:g})")
        return []
    if isinstance(node, ast.Name):
        name = node.id
        if name.startswith("_"):
            raise ExpressionError(f"names starting with '_' are not allowed: {name!r}{_where(text, node)}")
        if name in functions():
            raise ExpressionError(f"{name!r} is a function: call it, as in {name}(x){_where(text, node)}")
        if name not in variables:
            variables.append(name)
        return []
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise _refused(text, node.op, node)
        if isinstance(node.op, ast.Pow):
            p = _literal(node.right)
            if p is not None and abs(p) > MAX_EXPONENT:
                raise ExpressionError(
                    f"the exponent {p:g} is too large (the limit is {MAX_EXPONENT:g}){_where(text, node)}"
                )
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        if type(node.op) not in _UNARY:
            raise _refused(text, node.op, node)
        return [node.operand]
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise ExpressionError(
                f"only the functions {', '.join(functions())} can be called, by name, "
                f"as in tanh(x){_where(text, node)}"
            )
        name = node.func.id
        if name not in functions():
            raise ExpressionError(
                f"unknown function {name!r}{_where(text, node)}; allowed functions: "
                f"{', '.join(functions())}{did_you_mean(name, functions())}"
            )
        if node.keywords or len(node.args) != 1:
            raise ExpressionError(f"{name}() takes exactly one argument, as in {name}(x){_where(text, node)}")
        return [node.args[0]]
    raise _refused(text, node, node)


def _refused(text: str, what: ast.AST, node: ast.AST) -> ExpressionError:
    return ExpressionError(f"not allowed: {_describe(what)}{_where(text, node)}; allowed: {allowed()}")


def _describe(node: ast.AST) -> str:
    return _REFUSED.get(type(node), f"'{type(node).__name__}'")


def _literal(node: ast.AST) -> float | None:
    """The number of a literal such as ``3`` or ``-0.5``; None for anything else."""
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        sign = -sign if isinstance(node.op, ast.USub) else sign
        node = node.operand
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return sign * float(node.value)
    return None


def _lift(x: Value | float) -> Value:
    """A plain number (a constant, or arithmetic of constants) as a constant leaf of the graph."""
    return x if isinstance(x, Value) else Value(x)


class _Evaluator:
    """Turns a checked tree into engine operations (numbers stay plain floats)."""

    def __init__(self, text: str, leaves: dict[str, Value]) -> None:
        self.text = text
        self.leaves = leaves

    def run(self, node: ast.AST) -> Value | float:
        try:
            return self._eval(node)
        except (ValueError, ZeroDivisionError, OverflowError) as error:
            if isinstance(error, ExpressionError):
                raise
            raise ExpressionError(f"cannot evaluate the expression at this point: {error}") from None

    def _eval(self, node: ast.AST) -> Value | float:
        # The depth is capped at MAX_DEPTH, so this recursion stays shallow.
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return self.leaves[node.id]
        if isinstance(node, ast.UnaryOp):
            x = self._eval(node.operand)
            if isinstance(node.op, ast.UAdd):
                return x
            return -x
        if isinstance(node, ast.BinOp):
            power = isinstance(node.op, ast.Pow)
            if power:
                p = _literal(node.right)
                if p is not None:
                    return _lift(self._eval(node.left)) ** p
            a, b = self._eval(node.left), self._eval(node.right)
            if power:
                exponent = b.data if isinstance(b, Value) else b
                if abs(exponent) > MAX_EXPONENT:
                    raise ExpressionError(
                        f"the exponent {exponent:g} is too large (the limit is {MAX_EXPONENT:g})"
                        f"{_where(self.text, node)}"
                    )
            if not isinstance(b, Value):
                a = _lift(a)
            return _BINARY[type(node.op)](a, b)
        if isinstance(node, ast.Call):
            x = _lift(self._eval(node.args[0]))
            name = node.func.id
            return OPS[name](x)
        raise ExpressionError(f"not allowed: {_describe(node)}")  # unreachable after parse_expression


def evaluate(text: str, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """Parse ``text`` and build its graph at ``values``: ``(result, {name: leaf})``."""
    return parse_expression(text).evaluate(values)
