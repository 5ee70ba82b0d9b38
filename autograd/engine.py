"""The engine: a scalar ``Value`` that remembers how it was computed.

Every operation on Values returns a new Value that records two things:

- its *operation*: an entry of the table of operations below (``MUL``,
  ``TANH``, ...), which knows how to compute the output and the *local
  derivative* d(out)/d(input) of every input,
- its *inputs*: the Values it was computed from, in argument order.

``backward()`` walks the graph from the output back to the leaves and applies
the chain rule on every edge::

    ∂L/∂input += ∂L/∂out · ∂out/∂input
                 upstream   local derivative

The table of operations is the one place where an operation is defined. For
each one it holds the name, the symbol a drawing shows, the number of inputs,
the forward computation, and each local derivative twice: as a Python
expression over the operands ``a``, ``b`` and the output ``out`` (the engine
runs it; compiled replay writes it into generated code), and as a teacher
writes it on the board (``1 − out²``). The expressions use a few helpers
(``cos``, ``over``, ``power``...) that accept a float or a Value, so the same
rule gives a number in ``backward()`` and a recorded Value under
``autograd.grad(..., create_graph=True)``, whose gradients can be
differentiated again.

A node refers only to its inputs and to a shared table entry, never back to
itself: graphs hold no reference cycles and are freed the moment the last
reference to their output goes.
"""

from __future__ import annotations

import builtins
import math
import numbers
import sys
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from functools import lru_cache

# typing is only read by type checkers: importing it would double the time
# that `import autograd` takes.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Union

    Real = Union[int, float, numbers.Real]
    Operand = Union["Value", int, float, numbers.Real]
    Hook = Callable[["Value", int, "Value", Any, Any, Any], None]

__all__ = [
    "Value",
    "Constant",
    "Parameter",
    "Op",
    "OPS",
    "op_named",
    "power_op",
    "register_op",
    "NOT_SAID",
    "float_code",
    "AnomalyError",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "is_anomaly_enabled",
    "sum",
    "dot",
    "identity",
    "topological_order",
    "chain_rule",
]




class AnomalyError(FloatingPointError):
    """A NaN appeared while ``detect_anomaly()`` was on."""


def _to_float(x: Any, where: str, or_value: bool = False) -> float:
    """Convert a real number to float, or explain what was expected."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real):
        try:
            return float(x)
        except OverflowError:
            raise OverflowError(
                f"{where}: {x!r:.60} is too large for a float (the largest is about 1.8e308)"
            ) from None
    expected = "a Value or a real number" if or_value else "a real number"
    raise TypeError(f"{where}: expected {expected} (int, float, bool), got {type(x).__name__} ({x!r:.60})")


# ----------------------------------------------------------------------
# Grad modes, one per asyncio task and per thread.
#
# The modes live in a ContextVar. Each thread has a context of its own, and
# each asyncio task runs in a copy of the context that created it, so a
# no_grad() in one task (a Jupyter cell is one) leaves the other tasks
# recording, and a new thread records.
#
# Every operation asks "record this node, and check it for NaN?". Reading a
# ContextVar costs a good part of an operation, so the common case reads one
# global instead: `_changed` holds one entry per living _Modes that is not the
# default. While it is empty no context anywhere can be in another mode, and
# an operation records without asking. A context that holds a mode keeps that
# _Modes alive, a task's copy of it too, even after the `with` that made it
# has ended; its entry goes when the last context holding it does.


class _Modes:
    """(recording, anomaly) of one context, and the modes it replaced."""

    __slots__ = ("recording", "anomaly", "previous", "created_at")

    def __init__(self, recording: bool, anomaly: bool, previous: _Modes | None) -> None:
        self.recording, self.anomaly, self.previous = recording, anomaly, previous
        # Where each Value was made, while anomaly mode is on; nested modes share it.
        inherited = previous.created_at if previous is not None else None
        self.created_at: dict | None = (inherited if inherited is not None else {}) if anomaly else None
        if anomaly or not recording:
            _changed.append(None)  # list.append and list.pop are atomic: no lock needed

    def __del__(self) -> None:
        if self.anomaly or not self.recording:
            try:
                _changed.pop()
            except (AttributeError, TypeError, IndexError):  # pragma: no cover - interpreter shutdown
                pass


_changed: list[None] = []
_DEFAULT = _Modes(True, False, None)
_current = ContextVar("autograd_grad_modes", default=_DEFAULT)


class _GradMode:
    """Base of the switches: a context manager that is also a decorator.

    Each ``with`` puts the modes it sets in its context, remembering the modes
    they replace, so the same object can be entered twice (nested, or by two
    tasks or threads) and every exit restores what its own entry saw. As a
    decorator it covers the whole body of a function, of a generator (each
    time it runs, never the caller between two items) and of a coroutine.
    """

    __slots__ = ()
    _recording_inside: bool | None = None
    _anomaly_inside: bool | None = None

    def __new__(cls, func: Callable | None = None):
        self = super().__new__(cls)
        if func is None:
            return self
        if not callable(func):
            raise TypeError(
                f"{cls.__name__}(): expected no argument (or a function to decorate), "
                f"got {type(func).__name__}"
            )
        return self(func)  # @no_grad without parentheses, as PyTorch allows

    def __enter__(self) -> None:
        before = _current.get()
        recording = before.recording if self._recording_inside is None else self._recording_inside
        anomaly = before.anomaly if self._anomaly_inside is None else self._anomaly_inside
        _current.set(_Modes(recording, anomaly, before))

    def __exit__(self, *exc: object) -> None:
        previous = _current.get().previous
        _current.set(_DEFAULT if previous is None else previous)

    def __call__(self, func: Callable) -> Callable:
        import functools
        import inspect

        switch = type(self)
        if inspect.isasyncgenfunction(func):
            # Between two items the caller runs in the same context: an async
            # generator would need every step wrapped, and a half-covered body
            # is what a decorator must never give silently.
            raise TypeError(
                f"@{switch.__name__} cannot decorate the async generator {func.__qualname__!r}: "
                f"use `with {switch.__name__}():` inside its body instead"
            )
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator(*args, **kwargs):
                # The switch is on while the generator's own code runs, and off
                # while the caller has an item: each step is entered anew.
                gen = func(*args, **kwargs)
                try:
                    with switch():
                        item = gen.send(None)
                    while True:
                        try:
                            sent = yield item
                        except GeneratorExit:
                            with switch():
                                gen.close()
                            raise
                        except BaseException as error:
                            with switch():
                                item = gen.throw(error)
                        else:
                            with switch():
                                item = gen.send(sent)
                except StopIteration as stop:
                    return stop.value

            return generator
        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def coroutine(*args, **kwargs):
                # A coroutine runs in its task's context from start to end, so
                # this covers every await of its body and no other task.
                with switch():
                    return await func(*args, **kwargs)

            return coroutine

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with switch():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Stop recording: results made inside are leaves with no inputs.

    Use it where no gradient is needed (evaluation, optimizer updates) to save
    time and memory. A context manager and a decorator (``@no_grad`` or
    ``@no_grad()``; on a generator or a coroutine it covers the whole body).
    It applies to the thread or asyncio task that enters it only (and to the
    tasks that task starts inside it)::

        with autograd.no_grad():
            prediction = model(x)
    """

    __slots__ = ()
    _recording_inside = False


class enable_grad(_GradMode):
    """Record again inside a ``no_grad`` block (a context manager and a decorator)."""

    __slots__ = ()
    _recording_inside = True


class detect_anomaly(_GradMode):
    """Find where a NaN first appears (a context manager and a decorator).

    Inside it, an operation whose output is NaN although none of its inputs
    is, or a backward step that turns a finite gradient into NaN, raises
    ``AnomalyError`` naming the operation, its numbers and where the Value was
    created. It is slow, and it keeps every Value made inside it alive (with
    the place it was made) until the block ends: use it for debugging only.
    """

    __slots__ = ()
    _anomaly_inside = True


def is_grad_enabled() -> bool:
    """True when this thread or task records operations (outside ``no_grad``)."""
    return _current.get().recording


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()`` in this thread or task."""
    return _current.get().anomaly


# ----------------------------------------------------------------------
# Helpers of the forward computations: the domain of each operation is
# checked here, and a number outside it gets an error that names the
# operation and the number.


def divide(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError(f"division by zero in '/': {a!r} / {b!r}")
    return a / b


def power(x, p):
    """x ** p. On floats, a negative base needs a whole-number p.

    Inside a local derivative (see ``base_slope``) a pole is not an error: it
    gives IEEE's answer, as PyTorch does (0 ** -0.5 is inf).
    """
    if type(x) is float and type(p) is float:
        if x < 0.0 and math.isfinite(p) and not p.is_integer():
            raise ValueError(
                f"'**' of a negative base to a non-integer power has no real value: {x!r} ** {p!r}"
            )
        try:
            return x**p
        except ZeroDivisionError:
            raise ZeroDivisionError(f"'**': 0 to a negative power is undefined: {x!r} ** {p!r}") from None
        except OverflowError:
            raise OverflowError(f"'**' overflow: {x!r} ** {p!r} is larger than the largest float") from None
    return x**p


def exp(x):
    if isinstance(x, Value):
        return x.exp()
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(
            f"exp overflow: exp({x!r}) is larger than the largest float (exp(709.78) is about the limit)"
        ) from None


def log(x):
    if isinstance(x, Value):
        return x.log()
    if x <= 0.0:
        raise ValueError(f"log is defined for x > 0 only, got log({x!r})")
    return math.log(x)


def sqrt(x: float) -> float:
    if x < 0.0:
        raise ValueError(f"sqrt is defined for x >= 0 only, got sqrt({x!r})")
    return math.sqrt(x)


def sigmoid(x: float) -> float:
    # Two forms, so that e**(big) is never computed: sigmoid(-1000) is 0.0.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _add_in_order(xs: Iterable[float]) -> float:
    total = 0.0
    for x in xs:
        total += x
    return total


# x1 + x2 + ... + xn from left to right, rounding after each addition as a
# chain of binary additions does. builtins.sum does exactly that for floats
# before Python 3.12, three times faster than a loop; from 3.12 on it
# compensates the rounding, which would not give the float that the same
# chain of + gives, so the loop does it there.
add_in_order: Callable[[Iterable[float]], float] = (
    builtins.sum if sys.version_info < (3, 12) else _add_in_order
)


# add_in_order of the Values' data, as a sum node computes its output; from
# 3.12 on, where add_in_order is a loop, one loop over the Values themselves.
if sys.version_info < (3, 12):
    def _add_data_in_order(xs: list[Value]) -> float:
        return add_in_order([x.data for x in xs])
else:
    def _add_data_in_order(xs: list[Value]) -> float:
        total = 0.0
        for x in xs:
            total += x.data
        return total


def relu(x: float) -> float:
    return 0.0 if x <= 0.0 else x


def sin(x):
    return x.sin() if isinstance(x, Value) else _finite_only(math.sin, x, "sin")


def cos(x):
    return x.cos() if isinstance(x, Value) else _finite_only(math.cos, x, "cos")


def _finite_only(f: Callable[[float], float], x: float, name: str) -> float:
    try:
        return f(x)
    except ValueError:
        raise ValueError(f"{name} is undefined for {x!r}") from None


# ----------------------------------------------------------------------
# Helpers of the local derivatives. Each accepts floats or Values, and the
# poles and kinks of the derivatives are defined here once, for both.


def over(n, d):
    """n / d, where d = 0 gives IEEE's ±inf (or NaN for 0/0) instead of an error.

    The slope of sqrt at 0 is 1/(2·0) = inf, as PyTorch says; a division by
    zero that a user writes stays an error.
    """
    try:
        return n / d
    except ZeroDivisionError:
        if not isinstance(n, Value) and not isinstance(d, Value):
            return _ieee_divide(n, d)
        n, d = _lift(n, "/"), _lift(d, "/")
        return _node(DIV, _ieee_divide(n.data, d.data), n, d)


def _ieee_divide(n: float, d: float) -> float:
    if n == 0.0 or math.isnan(n):
        return math.nan
    return math.copysign(math.inf, n) * math.copysign(1.0, d)


def _ieee_power(x: float, p: float) -> float:
    """x ** p where Python raises: 0 to a negative power, or an overflow, gives ±inf."""
    try:
        return x**p
    except (ZeroDivisionError, OverflowError):
        odd = p.is_integer() and p % 2 == 1
        return -math.inf if (odd and math.copysign(1.0, x) < 0.0) else math.inf


def base_slope(x, p):
    """∂(x^p)/∂x = p·x^(p−1): 0 when p = 0, inf at x = 0 when p < 1 (as PyTorch)."""
    if float(p) == 0.0:
        return 0.0
    q = p - 1.0
    try:
        return p * power(x, q)
    except (ZeroDivisionError, OverflowError):
        pass
    if isinstance(q, Value):
        x = _lift(x, "**")
        return p * _node(POW, _ieee_power(x.data, q.data), x, q)
    if isinstance(x, Value):
        return p * _node(power_op(q), _ieee_power(x.data, q), x)
    return p * _ieee_power(x, q)


def exponent_slope(out, x):
    """∂(x^p)/∂p = ln(x)·x^p for x > 0; 0 at x = 0; NaN for x < 0 (no real log)."""
    if x > 0.0:
        return log(x) * out
    if x < 0.0:
        return math.nan
    return 0.0


def step(x) -> float:
    """∂relu(x)/∂x: 1 where x > 0, else 0 (at the kink x = 0 the subgradient 0, as PyTorch)."""
    return 1.0 if x > 0.0 else 0.0


def sign(x) -> float:
    """∂|x|/∂x: the sign of x (at the kink x = 0 the subgradient 0, as PyTorch)."""
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0


def tanh_slope(a, out):
    """∂tanh(a)/∂a = 1 − out², computed so that it keeps its digits for every a.

    Once |out| passes 1/2, out² nears 1 and the subtraction 1 − out² loses
    digits; from |a| ≈ 19 on, tanh(a) rounds to ±1 and 1 − out² is 0 while
    the slope is about 4·e^(−2|a|). There the same number is computed as
    4e/(1 + e)² with e = e^(−2|a|), which has no subtraction.
    """
    if -0.5 <= out <= 0.5:
        return 1.0 - out * out
    e = exp(-2.0 * abs(a))
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


def sigmoid_slope(a, out):
    """∂σ(a)/∂a = out·(1 − out), computed so that it keeps its digits for every a.

    For a > 0, out nears 1 and 1 − out loses digits (σ(40) rounds to 1.0,
    and 1 − out to 0 while the slope is 4.2e−18); there 1 − out is
    computed as what it equals, σ(−a), which has no subtraction.
    """
    if a > 0.0:
        return out * (-a).sigmoid() if isinstance(a, Value) else out * sigmoid(-a)
    return out * (1.0 - out)


def every_slope_one(out: Any, *xs: Any) -> tuple[float, ...]:
    """The rule of an operation whose every local derivative is 1 (+, sum)."""
    return (1.0,) * len(xs)


def the_other_factor(out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    """The rule of a product: ∂(a·b)/∂a = b and ∂(a·b)/∂b = a."""
    return (b, a)


# The two most common rules are shared functions, which backward()'s float
# loop knows by identity and applies without a call; a rule put in the place
# of one of them is called like any other.
_SHARED_RULES: dict[tuple[str, ...], Callable] = {
    (): every_slope_one,
    ("1.0", "1.0"): every_slope_one,
    ("b", "a"): the_other_factor,
}


# The names a local derivative's code may use, and so the names that compiled
# replay must provide.
RULE_HELPERS: dict[str, Callable] = {
    "float": float,  # float("inf") and float("nan"): see float_code
    "over": over,
    "power": power,
    "base_slope": base_slope,
    "exponent_slope": exponent_slope,
    "step": step,
    "sign": sign,
    "tanh_slope": tanh_slope,
    "sigmoid_slope": sigmoid_slope,
    "cos": cos,
    "sin": sin,
    "log": log,
    "exp": exp,
}
FORWARD_HELPERS: dict[str, Callable] = {
    "float": float,
    "divide": divide,
    "power": power,
    "exp": exp,
    "log": log,
    "sqrt": sqrt,
    "sigmoid": sigmoid,
    "relu": relu,
    "add_in_order": add_in_order,
    "sin": sin,
    "cos": cos,
    "tanh": math.tanh,
    "abs": abs,
}


# ----------------------------------------------------------------------
# The table of operations


class _NotSaid:
    """What an Op's ``torch`` is when its maker did not say (None says "PyTorch has none")."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_SAID"


NOT_SAID = _NotSaid()


class Op:
    """One operation of the engine: how to compute it, and its local derivatives.

    Attributes:
        name: what ``Value.op`` says (``"*"``, ``"tanh"``, ``"**2"``).
        symbol: what a drawing shows in the operation's circle (``"×"``).
        arity: the number of inputs (0 for any number, as ``sum``).
        forward: Python code of the output over the inputs ``a``, ``b``
            (``"a * b"``); ``xs`` for the inputs of ``sum``.
        local: Python code of d(out)/d(input) for each input, over ``a``,
            ``b`` and ``out`` (``("b", "a")`` for ``*``).
        formulas: the same derivatives as a teacher writes them
            (``("b", "a")``; ``("1 − out²",)`` for tanh); a slope by cases
            as ``"1 when a > 0; 0 when a ≤ 0"``, of which the views write
            the case that holds (``1, since n = 0.5 > 0``).
        kind: ``"operator"`` (written with a symbol: ``a * b``), ``"function"``
            (called by name in expressions and on the command line:
            ``exp(x)``) or ``"activation"`` (a function that nn may also use
            as a neuron's activation).
        text, latex: how ``out`` is written in terms of its inputs, in plain
            text as on the board (``"$a · $b"``, ``"$a²"``, ``"tanh($a)"``) and in LaTeX
            (``r"\frac{$a}{$b}"``), as ``string.Template`` texts over ``$a`` and
            ``$b``; None for ``sum``, whose inputs are joined with ``+``.
        kink: for an operation with a kink, where its derivative does not
            exist and the rule chooses a subgradient: ``(where, slope on the
            left, slope on the right)``, such as ``(0.0, "0", "1")`` for relu.
        exponent: the constant p of an operation x ** p made by ``power_op``
            (exactly; the name rounds it), else None.
        torch: the name of the PyTorch function that computes the same on
            tensors (``torch.tanh``: ``"tanh"``; a ``torch.nn`` module of that
            name, in any case, serves too: ``nn.Tanh``), or None where PyTorch
            has none. ``register_op`` needs it said, even as None: nn's
            ``to_torch`` builds its activations from it.

    ``op(a, b)`` applies it to Values or numbers. ``op.rule(out, a, b)`` gives
    the local derivatives; it is the ``local`` code, compiled once here, so
    that the engine runs exactly the expression that compiled replay writes
    out and that explain describes. ``register_op`` adds a new one to the
    table, after checking it.
    """

    __slots__ = (
        "name", "symbol", "arity", "forward", "local", "formulas", "kind", "text", "latex", "kink",
        "evaluate", "rule", "exponent", "torch",
    )

    def __init__(
        self, name: str, symbol: str, arity: int, forward: str, local: Sequence[str],
        formulas: Sequence[str], kind: str = "operator", *, text: str | None = None,
        latex: str | None = None, kink: tuple[float, str, str] | None = None,
        helpers: dict[str, Any] | None = None, torch: str | None | _NotSaid = NOT_SAID,
    ) -> None:
        if arity and len(local) != arity or arity and len(formulas) != arity:
            raise ValueError(f"Op {name!r}: {arity} inputs need {arity} local derivatives and formulas")
        self.name, self.symbol, self.arity = name, symbol, arity
        self.forward, self.local, self.formulas = forward, tuple(local), tuple(formulas)
        if kind not in ("operator", "function", "activation"):
            raise ValueError(f"Op {name!r}: kind is 'operator', 'function' or 'activation', not {kind!r}")
        self.kind = kind
        # The usual ways of writing: a + b for an operator, f(a) for a function.
        infix = kind == "operator" and arity == 2
        default_text = f"$a {name} $b" if infix else f"{name}($a)" if arity == 1 else None
        self.text = default_text if text is None else text
        default_latex = f"$a {name} $b" if infix else rf"\operatorname{{{name}}}($a)" if arity == 1 else None
        self.latex = default_latex if latex is None else latex
        self.kink = kink
        self.exponent: float | None = None  # the constant p of x ** p (see power_op)
        self.torch = torch
        # Built from the table's own strings, never from user text.
        params = "xs" if arity == 0 else ", ".join("ab"[:arity])
        namespace = {**FORWARD_HELPERS, **(helpers or {})}
        self.evaluate = eval(f"lambda {params}: {forward}", namespace)  # noqa: S307
        if self.local in _SHARED_RULES:
            self.rule = _SHARED_RULES[self.local]
        else:
            namespace = {**RULE_HELPERS, **(helpers or {})}
            self.rule = eval(f"lambda out, {params}: ({', '.join(self.local)},)", namespace)  # noqa: S307

    def __call__(self, *args: Operand) -> Value:
        """Apply the operation to Values or plain numbers, recording a node."""
        if self.arity == 0:
            return sum(args)
        if len(args) != self.arity:
            raise TypeError(f"{self.name} takes {self.arity} input(s), got {len(args)}")
        xs = [_lift(x, self.name) for x in args]
        return _node(self, self.evaluate(*[x.data for x in xs]), *xs)

    def __repr__(self) -> str:
        return f"<Op {self.name}>"

    def __reduce__(self):
        # A pickled Value refers to its operation by name: the table is code, not data.
        # A power by its exact exponent: the name rounds it to 6 digits ("**2.5").
        if self.exponent is not None:
            return (power_op, (self.exponent,))
        return (op_named, (self.name,))


OPS: dict[str, Op] = {}


def _table(op: Op) -> Op:
    """Add an operation to the table (``OPS``), under its name."""
    if op.name in OPS:
        raise ValueError(f"there is already an operation named {op.name!r}")
    OPS[op.name] = op
    return op


def op_named(name: str) -> Op:
    """The table's entry for an operation name (``"*"``, ``"tanh"``, ``"**2"``)."""
    if name in OPS:
        return OPS[name]
    if name.startswith("**"):
        try:
            return power_op(float(name[2:]))
        except ValueError:
            pass
    from .checks import did_you_mean

    raise KeyError(f"no operation named {name!r}{did_you_mean(name, OPS)}")


# The table. Each local derivative is written in the names of the
# operation's inputs (a, b) and of its output (out).
_F, _A = "function", "activation"
#                    name  drawn  n  forward          ∂out/∂a, ∂out/∂b as code         as a teacher writes them  # noqa: E501
ADD = _table(Op(    "+",   "+",   2, "a + b",         ("1.0", "1.0"),                  ("1", "1"),
                torch="add"))
SUB = _table(Op(    "-",   "−",   2, "a - b",         ("1.0", "-1.0"),                 ("1", "−1"),
                text="$a − $b", torch="sub"))
MUL = _table(Op(    "*",   "×",   2, "a * b",         ("b", "a"),                      ("b", "a"),
                text="$a · $b", latex=r"$a \cdot $b", torch="mul"))
DIV = _table(Op(    "/",   "÷",   2, "divide(a, b)",  ("over(1.0, b)", "-over(out, b)"), ("1/b", "−a/b²"),
                latex=r"\frac{$a}{$b}", torch="div"))
POW = _table(Op(    "**",  "^",   2, "power(a, b)",   ("base_slope(a, b)", "exponent_slope(out, a)"),
                                                      ("b·a^(b−1)", "ln(a)·out"), text="$a^$b",
                latex="{$a}^{$b}", torch="pow"))
NEG = _table(Op(    "neg", "−x",  1, "-a",            ("-1.0",),                       ("−1",),
                text="−$a", latex="-$a", torch="neg"))
ABS = _table(Op(    "abs", "|x|", 1, "abs(a)",        ("sign(a)",),                    ("sign(a)",), _F,
                latex=r"\lvert $a \rvert", kink=(0.0, "−1", "1"), torch="abs"))
EXP = _table(Op(    "exp", "exp", 1, "exp(a)",        ("out",),                        ("out",), _F,
                latex=r"\exp($a)", torch="exp"))
LOG = _table(Op(    "log", "log", 1, "log(a)",        ("over(1.0, a)",),               ("1/a",), _F,
                latex=r"\ln($a)", torch="log"))
SIN = _table(Op(    "sin", "sin", 1, "sin(a)",        ("cos(a)",),                     ("cos(a)",), _F,
                latex=r"\sin($a)", torch="sin"))
COS = _table(Op(    "cos", "cos", 1, "cos(a)",        ("-sin(a)",),                    ("−sin(a)",), _F,
                latex=r"\cos($a)", torch="cos"))
SQRT = _table(Op(   "sqrt", "sqrt", 1, "sqrt(a)",     ("over(0.5, out)",),             ("1/(2·out)",), _F,
                 latex=r"\sqrt{$a}", torch="sqrt"))
RELU = _table(Op(   "relu", "relu", 1, "relu(a)",     ("step(a)",),    ("1 when a > 0; 0 when a ≤ 0",), _A,
                 kink=(0.0, "0", "1"), torch="relu"))
TANH = _table(Op(   "tanh", "tanh", 1, "tanh(a)",     ("tanh_slope(a, out)",),         ("1 − out²",), _A,
                 latex=r"\tanh($a)", torch="tanh"))
SIGMOID = _table(Op("sigmoid", "sigmoid", 1, "sigmoid(a)", ("sigmoid_slope(a, out)",), ("out·(1 − out)",), _A,
                    latex=r"\sigma($a)", torch="sigmoid"))
# sum takes any number of inputs, and every ∂out/∂xi is 1.
SUM = _table(Op(    "sum", "Σ",   0, "add_in_order(xs)", (), (), torch="sum"))
# Another name for the same number (the lecture's x = r): no computation, slope 1.
# Not a function of the command line: a name is what it adds, and an expression names nothing.
IDENTITY = _table(Op("identity", "=", 1, "a",           ("1.0",),                        ("1",),
                     text="$a", latex="$a", torch=None))


@lru_cache(maxsize=256)
def power_op(p: float) -> Op:
    """The operation x ** p for one plain-number exponent p, named ``"**2"``.

    p is a fixed part of the operation, not an input, so no constant node
    gets a gradient (and never the NaN slope of a negative base's exponent).
    """
    p = float(p)
    text = float_code(p)
    op = Op(f"**{p:g}", f"^{_number_text(p)}", 1, f"power(a, {text})", (f"base_slope(a, {text})",),
            (_power_formula(p),), text=f"$a{_superscript(p)}", latex=f"{{$a}}^{{{p:g}}}", torch="pow")
    op.exponent = p
    return op


def float_code(x: float) -> str:
    """A float written as Python code that gives back exactly that float.

    ``repr`` is exact for every finite float (``2.5000001``, ``5e-324``), but
    it writes the others as ``inf`` and ``nan``, which are not Python names;
    they are written ``float("inf")``, ``float("-inf")`` and ``float("nan")``.
    """
    x = float(x)
    if math.isfinite(x):
        return repr(x)
    return f'float("{x!r}")'


def _power_formula(p: float) -> str:
    """p·a^(p−1) with the number p written in: ``2·a``, ``3·a²``, ``0.5·a^(−0.5)``, ``−a⁻²``."""
    if p == 0.0:
        return "0"
    q = p - 1.0
    coefficient = _number_text(p)
    if q == 0.0:
        return coefficient
    if q == 1.0:
        factor = "a"
    else:
        factor = f"a{_superscript(q)}"
    return factor if p == 1.0 else f"−{factor}" if p == -1.0 else f"{coefficient}·{factor}"


def _number_text(x: float) -> str:
    return f"{x:g}".replace("-", "−")



# ----------------------------------------------------------------------
# Adding an operation


def register_op(op: Op, *, at: Sequence[Sequence[float]] | None = None) -> Op:
    """Add ``op`` to the table of operations, after checking that it is whole.

    What the table says about an operation reaches backward, grad, explain,
    drawings, the command line, compiled replay, nn's activations and
    ``to_torch``; a mistake in it gives silently wrong numbers somewhere else.
    So before adding it, this tries it:

    - its name is new; a function or an activation is named as Python names
      are, and becomes a method of Value (``x.softplus()``) unless Value
      already has an attribute of that name (then it is refused);
    - its ``torch`` is said: the name of PyTorch's function, or None;
    - at a few points (``at``, or points it finds where the forward code
      runs: 0.7, 1.3, −0.6, ...) the forward code gives a real number, and the
      local derivatives given Values are Values with the same numbers as on
      floats, whose own derivatives agree with finite differences of the
      derivatives on floats. A helper that turns a Value into a float
      (``math.cosh``) would make every second derivative 0; it is caught here.

    A bad operation raises ``TypeError`` or ``ValueError`` naming the problem,
    and the table is left as it was. Returns ``op``, so that
    ``SOFTPLUS = register_op(Op(...))`` reads as the table's own entries do.
    """
    if not isinstance(op, Op):
        raise TypeError(f"register_op: expected an Op, got {type(op).__name__}")
    where = f"register_op(Op {op.name!r})"
    if not isinstance(op.name, str) or not op.name or op.name.startswith("**"):
        raise ValueError(f"{where}: the name must be a non-empty str not starting with '**' "
                         "(the powers x ** p are made by power_op)")
    if op.name in OPS:
        raise ValueError(f"{where}: there is already an operation named {op.name!r}")
    method = op.kind in ("function", "activation")
    if method:
        if not op.name.isidentifier() or op.name.startswith("_"):
            raise ValueError(f"{where}: a {op.kind} is called by its name (x.{op.name}(), {op.name}(x)), "
                             "so the name must be a Python name not starting with '_'")
        if op.arity != 1:
            raise ValueError(
                f"{where}: a {op.kind} takes one input, this one takes {op.arity or 'any number'}"
            )
        if hasattr(Value, op.name):
            raise ValueError(f"{where}: Value already has an attribute {op.name!r}; choose another name")
    if op.torch is NOT_SAID:
        raise ValueError(f"{where}: say which PyTorch function computes it, Op(..., torch='name') "
                         "for torch.name, or torch=None when PyTorch has none")
    if op.torch is not None and not (isinstance(op.torch, str)
                                     and all(part.isidentifier() for part in op.torch.split("."))):
        raise ValueError(f"{where}: torch should be the name of a PyTorch function (a str such as "
                         f"'tanh') or None, got {op.torch!r}")
    try:
        with enable_grad():
            _try_rules(op, where, at)
    except NameError as error:
        raise ValueError(f"{where}: its code uses {error.name!r}, which is none of the engine's helpers "
                         f"({', '.join(sorted(set(FORWARD_HELPERS) | set(RULE_HELPERS)))}); "
                         "give it with helpers={...}") from None
    OPS[op.name] = op
    if method:
        setattr(Value, op.name, _method_of(op))
    return op


def _method_of(op: Op) -> Callable[[Value], Value]:
    def method(self: Value) -> Value:
        return op(self)

    method.__name__ = method.__qualname__ = op.name
    method.__doc__ = f"out = {op.name}(a);   ∂out/∂a = {op.formulas[0]}"
    return method


_PROBES = (0.7, 1.3, -0.6, 2.1, 0.3, -1.7, 3.5, 0.05)


def _try_rules(op: Op, where: str, at: Sequence[Sequence[float]] | None) -> None:
    """Raise unless op's forward and rules work on floats and on Values at two points (see register_op)."""
    n = op.arity or 3
    if at is None:
        candidates = [tuple(_PROBES[(i + k) % len(_PROBES)] for k in range(n)) for i in range(len(_PROBES))]
    else:
        candidates = [tuple(_to_float(x, f"{where}: at") for x in point) for point in at]
        if any(len(point) != n for point in candidates):
            raise ValueError(f"{where}: each point of at= needs {n} numbers, got {list(at)!r}")
    tried = 0
    for xs in candidates:
        try:
            out = op.evaluate(*xs) if op.arity else op.evaluate(list(xs))
        except (ArithmeticError, ValueError):
            continue  # outside the domain: try the next point
        if not isinstance(out, numbers.Real):
            raise TypeError(f"{where}: its forward code {op.forward!r} gave {type(out).__name__} "
                            f"({out!r:.60}) at {xs}, not a real number")
        _try_rules_at(op, where, xs, float(out))
        tried += 1
        if tried == 2:
            return
    if not tried:
        raise ValueError(f"{where}: its forward code {op.forward!r} raised at every point tried "
                         f"({', '.join(map(str, candidates))}); "
                         "give points where it is defined with at=[...]")


def _try_rules_at(op: Op, where: str, xs: tuple[float, ...], out: float) -> None:
    on_floats = op.rule(out, *xs)
    if len(on_floats) != len(xs) or not all(isinstance(d, numbers.Real) for d in on_floats):
        raise TypeError(
            f"{where}: its rule should give {len(xs)} real numbers at {xs}, gave {on_floats!r:.80}"
        )
    values = [Value(x) for x in xs]
    node = op(*values)
    if node.data != out and not (math.isnan(node.data) and math.isnan(out)):
        raise ValueError(f"{where}: applied to Values it gives {node.data!r} at {xs}, "
                         f"its forward code gives {out!r}")
    on_values = op.rule(node, *values)
    for i, (d, df) in enumerate(zip(on_values, on_floats)):
        formula = op.formulas[i] if op.arity else "1"
        name = f"∂out/∂{'ab'[i]}" if op.arity else f"∂out/∂x{i + 1}"
        if not isinstance(d, (Value, numbers.Real)):
            raise TypeError(f"{where}: its rule gave {type(d).__name__} for {name} when given Values")
        if not math.isclose(float(d), float(df), rel_tol=1e-12, abs_tol=1e-300):
            raise ValueError(f"{where}: {name} = {formula} is {float(d)!r} on Values "
                             f"but {float(df)!r} on floats at {xs}")
        if isinstance(d, Value):
            slopes = chain_rule(d)  # the one walk; an input d does not use has slope 0
            seconds = [float(slopes.get(v, 0.0)) for v in values]
        else:
            seconds = [0.0] * len(xs)
        for j, second in enumerate(seconds):
            h = 1e-6 * max(1.0, abs(xs[j]))
            moved = [[x + s * h if k == j else x for k, x in enumerate(xs)] for s in (1.0, -1.0)]
            try:
                up, down = (float(op.rule(_forward(op, m), *m)[i]) for m in moved)
            except (ArithmeticError, ValueError):
                continue  # at the edge of the domain: nothing to compare
            numeric = (up - down) / (2.0 * h)
            if not math.isclose(float(second), numeric, rel_tol=1e-4, abs_tol=1e-6):
                raise ValueError(
                    f"{where}: {name} = {formula} does not differentiate right: given Values it has "
                    f"slope {float(second)!r} in input {j + 1} at {xs}, finite differences of the rule "
                    f"give {numeric!r}. Its code {op.local[i] if op.arity else '1.0'!r} must accept "
                    "Values (use the engine's helpers exp, log, sin, cos, over, power, ..., not math's)"
                )


def _forward(op: Op, xs: list[float]) -> float:
    return op.evaluate(*xs) if op.arity else op.evaluate(xs)


_RAISED = str.maketrans("0123456789−", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _superscript(p: float) -> str:
    """A power as written on the board: ``²``, ``⁻¹``; ``^0.5`` or ``^(−0.5)`` when not whole."""
    text = _number_text(p)
    if p.is_integer() and "e" not in text:
        return text.translate(_RAISED)
    return f"^({text})" if p < 0 else f"^{text}"


# ----------------------------------------------------------------------
# Value


class Value:
    """A real number in a computation graph, with the gradient of an output.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b
    >>> c.backward()
    >>> a.grad, b.grad      # ∂c/∂a = b, ∂c/∂b = a
    (-3.0, 2.0)

    Attributes:
        data: the number, as a float.
        grad: ∂(output)/∂(this Value), filled in by ``backward()``; 0.0 before.
        label: a name for printing and drawing ("" if none).
        op: the name of the operation that produced this Value ("" for a leaf).
        inputs: the Values it was computed from, in argument order.
        operation: the table entry of ``op`` (an ``Op``), or None for a leaf.

    ``==`` and ``hash`` are by identity, so Values can be dict keys and set
    members. ``<``, ``<=``, ``>``, ``>=`` and ``bool()`` look at ``data``;
    they are not operations and are not recorded in the graph.
    """

    # The inputs of a one- or two-input operation are kept in two slots
    # rather than a tuple: a tuple per node would be a second object for the
    # garbage collector to track, and it doubled the time the collector took
    # while a graph was built. ``sum`` keeps its tuple of inputs in _a.
    __slots__ = ("data", "grad", "label", "_op", "_a", "_b")

    def __init__(self, data: Real, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError(
                "Value(data): expected a real number, got a Value; "
                "did you mean to use that Value directly (or Value(v.data) for a copy)?"
            )
        if not isinstance(label, str):
            raise TypeError(f"Value(label=...): expected a str, got {type(label).__name__}")
        self.data = _to_float(data, "Value(data)")
        self.grad = 0.0
        self.label = label
        self._op: Op | None = None
        self._a = self._b = None

    @property
    def op(self) -> str:
        return "" if self._op is None else self._op.name

    @property
    def operation(self) -> Op | None:
        return self._op

    @property
    def inputs(self) -> tuple[Value, ...]:
        op = self._op
        if op is None:
            return ()
        arity = op.arity
        return (self._a,) if arity == 1 else (self._a, self._b) if arity == 2 else self._a

    # ------------------------------------------------------------------
    # printing and conversions

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self) -> float:
        return self.data

    def __bool__(self) -> bool:
        return self.data != 0.0

    def __lt__(self, other: Operand) -> bool:
        return self.data < _data(other, "<")

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data(other, "<=")

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data(other, ">")

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data(other, ">=")

    def __copy__(self):
        raise TypeError(
            "a Value is a node of a graph and is not copied; "
            "use Value(v.data) for a new leaf with the same number"
        )

    __deepcopy__ = __copy__

    # ------------------------------------------------------------------
    # The operations. Each computes its output from the inputs' data and
    # records a node of its table entry (above), where its local derivatives
    # are written.

    def __add__(self, other: Operand) -> Value:
        """out = a + b;   ∂out/∂a = 1, ∂out/∂b = 1"""
        if type(other) is not Value:
            other = _lift(other, "+")
        return _node(ADD, self.data + other.data, self, other)

    def __sub__(self, other: Operand) -> Value:
        """out = a − b;   ∂out/∂a = 1, ∂out/∂b = −1"""
        if type(other) is not Value:
            other = _lift(other, "-")
        return _node(SUB, self.data - other.data, self, other)

    def __mul__(self, other: Operand) -> Value:
        """out = a · b;   ∂out/∂a = b, ∂out/∂b = a"""
        if type(other) is not Value:
            other = _lift(other, "*")
        return _node(MUL, self.data * other.data, self, other)

    def __truediv__(self, other: Operand) -> Value:
        """out = a / b, for b ≠ 0;   ∂out/∂a = 1/b, ∂out/∂b = −a/b² = −out/b"""
        if type(other) is not Value:
            other = _lift(other, "/")
        return _node(DIV, divide(self.data, other.data), self, other)

    def __pow__(self, other: Operand) -> Value:
        """out = a ** p (a negative a needs a whole-number p);   ∂out/∂a = p·a^(p−1)

        With a Value exponent, also ∂out/∂p = ln(a)·out. With a plain-number
        exponent the op is named after it (``"**2"``) and p is not a node.
        """
        if isinstance(other, Value):
            return _node(POW, power(self.data, other.data), self, other)
        p = _to_float(other, "'**' exponent", or_value=True)
        return _node(power_op(p), power(self.data, p), self)

    def __radd__(self, other: Operand) -> Value:
        return _lift(other, "+") + self

    def __rsub__(self, other: Operand) -> Value:
        return _lift(other, "-") - self

    def __rmul__(self, other: Operand) -> Value:
        return _lift(other, "*") * self

    def __rtruediv__(self, other: Operand) -> Value:
        return _lift(other, "/") / self

    def __rpow__(self, other: Operand) -> Value:
        return _lift(other, "**") ** self

    def __neg__(self) -> Value:
        """out = −a;   ∂out/∂a = −1"""
        return _node(NEG, -self.data, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        """out = |a|;   ∂out/∂a = sign(a), and 0 at the kink a = 0 (as PyTorch)"""
        return _node(ABS, abs(self.data), self)

    def exp(self) -> Value:
        """out = e^a;   ∂out/∂a = e^a = out"""
        return _node(EXP, exp(self.data), self)

    def log(self) -> Value:
        """out = ln(a), for a > 0;   ∂out/∂a = 1/a"""
        return _node(LOG, log(self.data), self)

    def tanh(self) -> Value:
        """out = tanh(a) = (e^a − e^−a) / (e^a + e^−a);   ∂out/∂a = 1 − out²"""
        return _node(TANH, math.tanh(self.data), self)

    def sigmoid(self) -> Value:
        """out = σ(a) = 1 / (1 + e^−a);   ∂out/∂a = out·(1 − out)"""
        return _node(SIGMOID, sigmoid(self.data), self)

    def relu(self) -> Value:
        """out = max(0, a);   ∂out/∂a = 1 where a > 0, else 0 (the subgradient 0 at a = 0)"""
        x = self.data
        return _node(RELU, 0.0 if x <= 0.0 else x, self)

    def sin(self) -> Value:
        """out = sin(a);   ∂out/∂a = cos(a)"""
        return _node(SIN, _finite_only(math.sin, self.data, "sin"), self)

    def cos(self) -> Value:
        """out = cos(a);   ∂out/∂a = −sin(a)"""
        return _node(COS, _finite_only(math.cos, self.data, "cos"), self)

    def sqrt(self) -> Value:
        """out = √a, for a ≥ 0;   ∂out/∂a = 1/(2√a) = 1/(2·out), infinite at 0 (as PyTorch)"""
        return _node(SQRT, sqrt(self.data), self)

    # ------------------------------------------------------------------
    # gradients

    def local_grads(self, create_graph: bool = False) -> tuple:
        """Return ∂self/∂input for each of ``self.inputs``, in order.

        These are the *local* derivatives written on the graph's edges. As
        floats by default; with ``create_graph=True`` as Values, recorded in
        the graph so that they can be differentiated again. A leaf has none.
        """
        op = self._op
        if op is None:
            return ()
        if create_graph:
            return op.rule(self, *self.inputs)
        return op.rule(self.data, *[x.data for x in self.inputs])

    def backward(self, grad: Real = 1.0) -> None:
        """Add ∂self/∂v · grad to ``.grad`` of every Value v that self depends on.

        The nodes are visited in reverse topological order, so that when a node
        is reached, every path from self to it has already contributed to its
        upstream gradient. Then each edge applies the chain rule::

            input.grad += node.grad · ∂node/∂input

        Gradients accumulate across calls, as in PyTorch: call
        ``autograd.zero_grad(self)`` (or an optimizer's ``zero_grad()``) first
        for fresh ones. It is all or nothing: if a step raises, every ``.grad``
        is as it was before the call.
        """
        seed = _to_float(grad, "backward(grad)")
        order = topological_order(self)
        if not _changed or not _current.get().anomaly:
            _backward_floats(order, seed)
            return
        gradients = chain_rule(self, seed, order=order, on_step=_check_step)
        for node in order:
            node.grad += gradients[node]


class Constant(Value):
    """A plain number that an operation lifted into the graph: the 2 of ``2 * x``.

    It is a leaf like any other for ``backward()``, but nobody asked for its
    gradient: explanations give it no step and drawings show it as a number.
    """

    __slots__ = ()


class Parameter(Value):
    """A Value that a model learns (a weight or a bias): nn makes its parameters so.

    It behaves exactly as a Value; drawings colour it as a parameter.

    ``site`` says where the parameter sits in a network, as the lecture counts:
    ``(layer, neuron, input)`` from 1, so ``w_{ij}^{(l)}`` is ``(l, i, j)`` and
    the bias ``b_i^{(l)}`` is ``(l, i, None)``; ``layer`` is None for a lone
    layer. None (the default) when it is not part of a model. Views group a
    drawing into neurons and layers by ``site``, never by parsing labels, so a
    parameter can be renamed freely.
    """

    __slots__ = ("site",)

    def __init__(
        self, data: Real, label: str = "",
        site: tuple[int | None, int, int | None] | None = None,
    ) -> None:
        super().__init__(data, label)
        self.site = site


# ----------------------------------------------------------------------
# Building a node: the one place where a Value is made by an operation.

_new_value = object.__new__


def _node(op: Op, data: float, a: Any, b: Any = None) -> Value:
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if not _changed:
        out._op = op
        out._a = a
        out._b = b
        return out
    modes = _current.get()
    if not modes.recording:
        out._op = out._a = out._b = None
        return out
    out._op = op
    out._a = a
    out._b = b
    if modes.anomaly:
        import traceback  # anomaly mode only: not worth loading for every import

        stack = traceback.extract_stack()[:-2]
        modes.created_at[out] = stack
        inputs = out.inputs
        if math.isnan(data) and not any(math.isnan(x.data) for x in inputs):
            raise AnomalyError(
                f"NaN produced by '{op.name}' from inputs {[x.data for x in inputs]}; created at:\n"
                + "".join(traceback.format_list(stack[-3:]))
            )
    return out


_NODE_TYPES = frozenset((Value, Constant, Parameter))


def _lift(x: Operand, op: str) -> Value:
    """Turn a plain number operand into a constant leaf Value."""
    if isinstance(x, Value):
        return x
    out = _new_value(Constant)
    out.data = x if type(x) is float else _to_float(x, f"'{op}' operand", or_value=True)
    out.grad = 0.0
    out.label = ""
    out._op = out._a = out._b = None
    return out


def _data(x: Operand, op: str) -> float:
    return x.data if isinstance(x, Value) else _to_float(x, f"'{op}' operand", or_value=True)


def sum(values: Iterable[Operand], start: Operand = 0.0) -> Value:  # noqa: A001
    """Add many numbers in one operation: out = start + x1 + x2 + ... + xn.

    ∂out/∂xi = 1 for every i. One node with n inputs instead of a chain of n
    additions: the same gradients, a smaller graph, a faster backward.
    """
    if isinstance(values, Value):
        raise TypeError("autograd.sum(values): expected an iterable of numbers, got one Value")
    xs = [x if type(x) is Value else _lift(x, "sum") for x in values]
    return _sum_node(xs, start, "sum")


def dot(weights: Iterable[Operand], inputs: Iterable[Operand], start: Operand = 0.0) -> Value:
    """A weighted sum, as a neuron computes it: out = start + w1·x1 + ... + wn·xn.

    It records n products and one ``sum`` node: the same graph, and the same
    floats, as ``sum([w * x for w, x in zip(weights, inputs)], start)`` (a
    plain number among the weights or inputs is lifted into a constant
    first), so ∂out/∂wi = xi and ∂out/∂xi = wi. It builds the products without going
    through ``*`` once per pair, which makes an MLP's forward pass faster;
    nn's neurons use it.
    """
    ws, xs = list(weights), list(inputs)
    if len(ws) != len(xs):
        raise ValueError(f"autograd.dot(weights, inputs): expected as many inputs as weights, "
                         f"got {len(ws)} weights and {len(xs)} inputs")
    products = [
        _node(MUL, w.data * x.data, w, x) if type(w) in _NODE_TYPES and type(x) in _NODE_TYPES
        else _lift(w, "dot") * _lift(x, "dot")
        for w, x in zip(ws, xs)
    ]
    return _sum_node(products, start, "dot")


def identity(value: Operand, label: str = "") -> Value:
    """A new node equal to ``value``, under a name of its own: out = a, ∂out/∂a = 1.

    The lecture's f = x·y·z with x = r and z = s has the variables x and z:
    ``x = identity(r, label="x")`` gives them a box of their own in drawings
    and a line ``x = r`` in explanations, and the gradient reaches r through
    x, ∂f/∂r = ∂f/∂x · 1. It computes nothing: ``compile`` writes it as a
    second name for the same float.
    """
    if not isinstance(label, str):
        raise TypeError(f"identity(label=...): expected a str, got {type(label).__name__}")
    a = _lift(value, "identity")
    out = _node(IDENTITY, a.data, a)
    out.label = label
    return out


def _sum_node(xs: list[Value], start: Operand, where: str) -> Value:
    """The sum node of ``start`` and the Values ``xs``; a start of exactly 0 is left out."""
    if not (type(start) in (int, float) and start == 0):
        xs.insert(0, _lift(start, where))
    if not xs:
        return _lift(0.0, where)
    if len(xs) == 1:
        return xs[0]
    return _node(SUM, _add_data_in_order(xs), tuple(xs))


# ----------------------------------------------------------------------
# The graph walk and the chain rule


def topological_order(root: Value) -> list[Value]:
    """Every Value ``root`` depends on, each after all of its inputs; root last.

    A depth-first walk with an explicit stack (never recursion, so a chain of
    a million operations is no harder than three), visiting inputs in
    argument order: the same graph always gives the same order, whichever
    process or thread built which part of it.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    # A node is pushed once per edge that reaches it and walked the first
    # time it is popped; then it is pushed again under a None, and when the
    # None comes off the stack every input of the node is in `order`.
    # A node whose inputs were all visited before goes into `order` at once,
    # and so does a leaf: in a graph without cycles, a visited input is one
    # that is already in `order` (were it still waiting under its None, it
    # would depend on the node it is an input of).
    stack: list[Value | None] = [root]
    push, pop, visit, emit = stack.append, stack.pop, visited.add, order.append
    while stack:
        node = pop()
        if node is None:
            emit(pop())
            continue
        if node in visited:
            continue
        visit(node)
        op = node._op
        if op is None:
            emit(node)
            continue
        arity = op.arity
        if arity == 1:
            a = node._a
            if a in visited:
                emit(node)
                continue
            push(node)
            push(None)
            push(a)
        elif arity == 2:
            a, b = node._a, node._b
            if a in visited and b in visited:
                emit(node)
                continue
            push(node)
            push(None)
            if b not in visited:
                push(b)
            if a not in visited:
                push(a)
        else:
            # A sum's first inputs that are ready (a leaf, or a node of one or
            # two visited inputs: a neuron's products) go into the order now,
            # in argument order; the walk waits from the first one that is not.
            inputs = node._a
            for first, x in enumerate(inputs):  # noqa: B007 - where the walk waits, after the loop
                if x in visited:
                    continue
                x_op = x._op
                if x_op is not None:
                    x_arity = x_op.arity
                    if x_arity == 0 or x._a not in visited or x_arity == 2 and x._b not in visited:
                        break
                visit(x)
                emit(x)
            else:
                emit(node)
                continue
            push(node)
            push(None)
            for x in reversed(inputs[first:]):
                if x not in visited:
                    push(x)
    return order


def chain_rule(
    root: Value,
    seed: Any = 1.0,
    *,
    create_graph: bool = False,
    on_step: Hook | None = None,
    order: list[Value] | None = None,
) -> dict[Value, Any]:
    """The chain rule over the whole graph: {v: ∂root/∂v} for every v root depends on.

    This is backpropagation, written once. For every node ``c`` from the
    output back to the leaves (reverse topological order), and for every
    input ``a`` of ``c`` in argument order::

        ∂L/∂a += ∂L/∂c · ∂c/∂a        (upstream · local)

    Each sum starts at 0.0, and the contributions are added in exactly this
    order, so ``backward()``, ``grad()`` and ``explain()`` give the same
    floats to the last bit. ``.grad`` is neither read nor written.

    - ``create_graph=True``: the local derivatives and the sums are Values,
      recorded in the graph (when recording is on), so the gradients can be
      differentiated again.
    - ``on_step(node, position, input, upstream, local, contribution)`` is
      called at every edge before its contribution is added; explain records
      the steps with it, anomaly mode checks them for NaN. If it raises, the
      walk stops and nothing has been written anywhere.
    """
    if order is None:
        order = topological_order(root)
    record = create_graph and _current.get().recording
    grads: dict[Value, Any] = {node: 0.0 for node in order}
    grads[root] = seed
    for node in reversed(order):
        op = node._op
        if op is None:
            continue
        g = grads[node]
        inputs = node.inputs
        if record:
            local = op.rule(node, *inputs)
        else:
            local = op.rule(node.data, *[x.data for x in inputs])
        for position, (x, d) in enumerate(zip(inputs, local)):
            contribution = g * d
            if on_step is not None:
                on_step(node, position, x, g, d, contribution)
            total = grads[x]
            # A Value sum starts from its first contribution, not from a 0.0 node.
            grads[x] = contribution if create_graph and type(total) is float and total == 0.0 else (
                total + contribution
            )
    return grads


def _backward_floats(order: list[Value], seed: float) -> None:
    """``chain_rule`` on floats, written into ``.grad`` directly (the loop of backward()).

    The same walk, the same rules and the same order of additions as
    ``chain_rule``, so the same floats; it keeps the running sums in the
    nodes' slots instead of a dict, and it applies the two most common rules
    (a product's, and every slope 1 for + and sum) without calling them.
    """
    # Fresh sums start at 0.0, exactly as chain_rule's do: set the earlier
    # gradients aside and add them back at the end, or on an error restore them.
    earlier = [(node, node.grad) for node in order if node.grad]
    for node, _ in earlier:
        node.grad = 0.0
    order[-1].grad = seed
    try:
        for node in reversed(order):
            op = node._op
            if op is None:
                continue
            g = node.grad
            arity = op.arity
            if arity == 2:
                a, b = node._a, node._b
                rule = op.rule
                if rule is the_other_factor:
                    a.grad += g * b.data
                    b.grad += g * a.data
                elif rule is every_slope_one:  # g · 1 is g, to the bit
                    a.grad += g
                    b.grad += g
                else:
                    da, db = rule(node.data, a.data, b.data)
                    a.grad += g * da
                    b.grad += g * db
            elif arity == 1:
                a = node._a
                (da,) = op.rule(node.data, a.data)
                a.grad += g * da
            elif op.rule is every_slope_one:
                for x in node._a:
                    x.grad += g
            else:
                inputs = node._a
                for x, dx in zip(inputs, op.rule(node.data, *[x.data for x in inputs])):
                    x.grad += g * dx
    except BaseException as error:
        failed, upstream = node, g  # the step that raised
        for node in order:
            node.grad = 0.0
        for node, g in earlier:
            node.grad = g
        if isinstance(error, (ArithmeticError, ValueError, TypeError)):
            numbers = ", ".join(repr(x.data) for x in failed.inputs)
            raise type(error)(
                f"backward() stopped at the local derivative of '{failed.op}' (inputs {numbers}, "
                f"output {failed.data!r}, upstream gradient {upstream!r}): {error}; every .grad is as before"
            ) from error
        raise
    for node, g in earlier:
        node.grad += g


def _check_step(node: Value, position: int, x: Value, g: Any, d: Any, contribution: Any) -> None:
    """Anomaly mode's hook: stop at the first edge that turns a finite gradient into NaN."""
    if math.isnan(contribution) and not math.isnan(g):
        import traceback

        where = (_current.get().created_at or {}).get(node)
        site = "".join(traceback.format_list(where[-3:])) if where else "  (before anomaly mode was on)\n"
        name = f" '{node.label}'" if node.label else ""
        raise AnomalyError(
            f"NaN gradient in backward of '{node.op}'{name} (data={node.data!r}) "
            f"for input {position} (data={x.data!r}): upstream {g!r} * local {d!r}; "
            f"the node was created at:\n{site}"
        )
