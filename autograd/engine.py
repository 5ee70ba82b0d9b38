"""The engine: a scalar ``Value`` that remembers how it was computed.

Every operation on Values returns a new Value that records three things:

- ``op``: the name of the operation (``"*"``, ``"tanh"``, ...),
- ``inputs``: the Values it was computed from, in argument order,
- a *local derivative rule*: a small function that gives d(out)/d(input)
  for each input, written right next to the forward computation.

``backward()`` walks the graph from the output back to the leaves and applies
the chain rule on every edge::

    dL/d(input) += dL/d(out) * d(out)/d(input)
                   upstream     local derivative

Each rule is written once, with ordinary arithmetic, so that it works on
plain floats (the fast path of ``backward()``) and on Values (the path of
``autograd.grad(..., create_graph=True)``, whose gradients can be
differentiated again).

A rule is one function per operation, shared by every node of that
operation, not a closure made for each node. So a node refers only to its
inputs, never back to itself: graphs hold no reference cycles and are freed
the moment the last reference to their output goes, without waiting for the
garbage collector.
"""

from __future__ import annotations

import builtins
import itertools
import math
import numbers
import traceback
from collections.abc import Callable, Iterable
from functools import lru_cache, partial
from typing import Any, Union

from .graph import topological_order

__all__ = [
    "Value",
    "AnomalyError",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "is_anomaly_enabled",
    "sum",
]

Real = Union[int, float, numbers.Real]
Operand = Union["Value", int, float, numbers.Real]

_next_serial = itertools.count().__next__
_add_floats = builtins.sum  # this module's own sum() adds Values

# Recording switches. `_fast` is true in the common case (recording on, anomaly
# checks off), so that every operation tests a single global.
_recording = True
_anomaly = False
_fast = True
# While anomaly mode is on: where each Value was created (a stack summary).
_created_at: dict[Value, list[traceback.FrameSummary]] = {}


def _set_modes(recording: bool, anomaly: bool) -> None:
    global _recording, _anomaly, _fast
    _recording, _anomaly = recording, anomaly
    _fast = recording and not anomaly
    if not anomaly:
        _created_at.clear()


class AnomalyError(FloatingPointError):
    """A NaN appeared while ``detect_anomaly()`` was on."""


def _to_float(x: Any, where: str, or_value: bool = False) -> float:
    """Convert a real number to float, or explain what was expected."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real):
        return float(x)
    expected = "a Value or a real number" if or_value else "a real number"
    raise TypeError(f"{where}: expected {expected} (int, float, bool), got {type(x).__name__} ({x!r:.60})")


class Value:
    """A real number in a computation graph, with the gradient of an output.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b
    >>> c.backward()
    >>> a.grad, b.grad      # dc/da = b, dc/db = a
    (-3.0, 2.0)

    Attributes:
        data: the number, as a float.
        grad: d(output)/d(this Value), filled in by ``backward()``; 0.0 before.
        label: a name for printing and drawing ("" if none).
        op: the operation that produced this Value ("" for a leaf).
        inputs: the Values it was computed from, in argument order.
        serial: creation order; inputs always have smaller serials.

    ``==`` and ``hash`` are by identity, so Values can be dict keys and set
    members. ``<``, ``<=``, ``>``, ``>=`` and ``bool()`` look at ``data``;
    they are not operations and are not recorded in the graph.
    """

    __slots__ = ("data", "grad", "label", "op", "inputs", "serial", "_rule")

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
        self.op = ""
        self.inputs: tuple[Value, ...] = ()
        self._rule: Callable[..., tuple] | None = None
        self.serial = _next_serial()

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
    # The operations. Each one computes its output and hands _make() the
    # rule for its local derivatives, written right below it:
    #     rule(out, *inputs) -> (d out/d input, ...)
    # backward() calls a rule with floats; autograd.grad(create_graph=True)
    # calls it with Values, so the same line also builds the graph of the
    # derivative (and second derivatives come for free).

    def __add__(self, other: Operand) -> Value:
        """out = a + b"""
        if type(other) is not Value:
            other = _lift(other, "+")
        return _make(self.data + other.data, "+", (self, other), self._add_local)

    @staticmethod
    def _add_local(out, a, b):
        return (1.0, 1.0)  # d out/da = 1, d out/db = 1

    def __sub__(self, other: Operand) -> Value:
        """out = a - b"""
        if type(other) is not Value:
            other = _lift(other, "-")
        return _make(self.data - other.data, "-", (self, other), self._sub_local)

    @staticmethod
    def _sub_local(out, a, b):
        return (1.0, -1.0)  # d out/da = 1, d out/db = -1

    def __mul__(self, other: Operand) -> Value:
        """out = a * b"""
        if type(other) is not Value:
            other = _lift(other, "*")
        return _make(self.data * other.data, "*", (self, other), self._mul_local)

    @staticmethod
    def _mul_local(out, a, b):
        return (b, a)  # d out/da = b, d out/db = a

    def __truediv__(self, other: Operand) -> Value:
        """out = a / b, for b != 0"""
        if type(other) is not Value:
            other = _lift(other, "/")
        if other.data == 0.0:
            raise ZeroDivisionError(f"division by zero in '/': {self.data!r} / {other.data!r}")
        return _make(self.data / other.data, "/", (self, other), self._div_local)

    @staticmethod
    def _div_local(out, a, b):
        return (1.0 / b, -out / b)  # d out/da = 1/b, d out/db = -a/b**2 = -out/b

    def __pow__(self, other: Operand) -> Value:
        """out = x ** p (a negative x needs a whole-number p)

        With a plain-number exponent, the op is named after it ("**2") and p
        is not a node of the graph.
        """
        if isinstance(other, Value):
            data = _power(self.data, other.data)
            return _make(data, "**", (self, other), self._pow_local)
        p = _to_float(other, "'**' exponent", or_value=True)
        return _make(_power(self.data, p), _pow_name(p), (self,), _pow_const_local(p))

    @staticmethod
    def _pow_local(out, x, p):
        # d out/dx = p * x**(p-1), d out/dp = ln(x) * x**p
        return (_pow_base_slope(x, p), _pow_exponent_slope(out, x, p))

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
        """out = -x"""
        return _make(-self.data, "neg", (self,), self._neg_local)

    @staticmethod
    def _neg_local(out, x):
        return (-1.0,)  # d out/dx = -1

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        """out = |x|"""
        return _make(abs(self.data), "abs", (self,), self._abs_local)

    @staticmethod
    def _abs_local(out, x):
        # d out/dx = sign(x); 0 at the kink x = 0, as in PyTorch
        return (1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0,)

    def exp(self) -> Value:
        """out = e**x"""
        try:
            data = math.exp(self.data)
        except OverflowError:
            raise OverflowError(
                f"exp overflow: exp({self.data!r}) is larger than the largest float "
                "(exp(709.78) is about the limit)"
            ) from None
        return _make(data, "exp", (self,), self._exp_local)

    @staticmethod
    def _exp_local(out, x):
        return (out,)  # d out/dx = e**x = out

    def log(self) -> Value:
        """out = ln(x), for x > 0"""
        x = self.data
        if x <= 0.0:
            raise ValueError(f"log is defined for x > 0 only, got log({x!r})")
        return _make(math.log(x), "log", (self,), self._log_local)

    @staticmethod
    def _log_local(out, x):
        return (1.0 / x,)  # d out/dx = 1/x

    def tanh(self) -> Value:
        """out = tanh(x) = (e**x - e**-x) / (e**x + e**-x)"""
        return _make(math.tanh(self.data), "tanh", (self,), self._tanh_local)

    @staticmethod
    def _tanh_local(out, x):
        return (1.0 - out * out,)  # d out/dx = 1 - tanh(x)**2 = 1 - out**2

    def sigmoid(self) -> Value:
        """out = 1 / (1 + e**-x)"""
        x = self.data
        # Two forms, so that e**(big) is never computed: sigmoid(-1000) is 0.0.
        if x >= 0.0:
            data = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            data = e / (1.0 + e)
        return _make(data, "sigmoid", (self,), self._sigmoid_local)

    @staticmethod
    def _sigmoid_local(out, x):
        return (out * (1.0 - out),)  # d out/dx = sigmoid(x) * (1 - sigmoid(x))

    def relu(self) -> Value:
        """out = max(0, x)"""
        x = self.data
        return _make(0.0 if x <= 0.0 else x, "relu", (self,), self._relu_local)

    @staticmethod
    def _relu_local(out, x):
        return (1.0 if x > 0.0 else 0.0,)  # d out/dx = 1 where x > 0, else 0

    def sin(self) -> Value:
        """out = sin(x)"""
        return _make(_math1(math.sin, self.data, "sin"), "sin", (self,), self._sin_local)

    @staticmethod
    def _sin_local(out, x):
        return (x.cos() if type(x) is Value else math.cos(x),)  # d out/dx = cos(x)

    def cos(self) -> Value:
        """out = cos(x)"""
        return _make(_math1(math.cos, self.data, "cos"), "cos", (self,), self._cos_local)

    @staticmethod
    def _cos_local(out, x):
        return (-(x.sin() if type(x) is Value else math.sin(x)),)  # d out/dx = -sin(x)

    def sqrt(self) -> Value:
        """out = sqrt(x), for x >= 0"""
        x = self.data
        if x < 0.0:
            raise ValueError(f"sqrt is defined for x >= 0 only, got sqrt({x!r})")
        return _make(math.sqrt(x), "sqrt", (self,), self._sqrt_local)

    @staticmethod
    def _sqrt_local(out, x):
        # d out/dx = 1 / (2 sqrt(x)) = 0.5 / out; infinite at 0, as in PyTorch
        if type(out) is float and out == 0.0:
            return (math.inf,)
        return (0.5 / out,)

    # ------------------------------------------------------------------
    # gradients

    def local_grads(self, create_graph: bool = False) -> tuple:
        """Return d(self)/d(input) for each of ``self.inputs``, in order.

        These are the *local* derivatives written on the graph's edges. As
        floats by default; with ``create_graph=True`` as Values, recorded in
        the graph so that they can be differentiated again. A leaf has none.
        """
        rule = self._rule
        if rule is None:
            return ()
        if create_graph:
            return rule(self, *self.inputs)
        return rule(self.data, *[x.data for x in self.inputs])

    def backward(self, grad: Real = 1.0) -> None:
        """Add d(self)/d(node) * grad to ``.grad`` of every node self depends on.

        The nodes are visited in reverse topological order, so that when a node
        is reached, every path from self to it has already contributed to its
        upstream gradient. Then each edge applies the chain rule::

            input.grad += node.grad * d(node)/d(input)

        Gradients accumulate across calls, as in PyTorch: call
        ``autograd.zero_grad(self)`` (or an optimizer's ``zero_grad()``) first
        for fresh ones.
        """
        seed = _to_float(grad, "backward(grad)")
        order = topological_order(self)
        # This pass must add exactly seed * d(self)/d(node) to each node, even if
        # an earlier backward() left gradients behind: set those aside first.
        earlier = [(node, node.grad) for node in order if node.grad]
        for node, _ in earlier:
            node.grad = 0.0
        self.grad = seed
        try:
            if _anomaly:
                _backward_checked(order)
            else:
                _apply_chain_rule(order)
        finally:
            for node, g in earlier:
                node.grad += g


def _apply_chain_rule(order: list[Value]) -> None:
    """The loop of backward(): every edge, from the output back to the leaves."""
    for node in reversed(order):
        rule = node._rule
        if rule is None:
            continue
        g = node.grad
        inputs = node.inputs
        if len(inputs) == 1:
            (a,) = inputs
            (da,) = rule(node.data, a.data)
            a.grad += g * da
        elif len(inputs) == 2:
            a, b = inputs
            da, db = rule(node.data, a.data, b.data)
            a.grad += g * da
            b.grad += g * db
        else:
            for x, dx in zip(inputs, rule(node.data, *[x.data for x in inputs])):
                x.grad += g * dx


# ----------------------------------------------------------------------
# derivative helpers shared by the rules above


def _pow_base_slope(x, p):
    """d/dx x**p = p * x**(p-1); infinite at x = 0 when p < 1 (as in PyTorch)."""
    if float(p) == 0.0:
        return 0.0
    if type(x) is float and x == 0.0 and p < 1.0:
        return math.inf
    return p * x ** (p - 1.0)


def _pow_exponent_slope(out, x, p):
    """d/dp x**p = ln(x) * x**p for x > 0; 0 at x = 0 (p > 0); NaN for x < 0."""
    if x > 0.0:
        return (x.log() if type(x) is Value else math.log(x)) * out
    if x < 0.0:
        return math.nan
    return 0.0


def _pow_with_constant_exponent(p, out, x):
    return (_pow_base_slope(x, p),)  # d out/dx = p * x**(p-1)


@lru_cache(maxsize=256)
def _pow_const_local(p: float) -> Callable[..., tuple]:
    """The rule of x ** p for one plain-number p (shared by all such nodes)."""
    return partial(_pow_with_constant_exponent, p)


@lru_cache(maxsize=256)
def _pow_name(p: float) -> str:
    return f"**{p:g}"


# ----------------------------------------------------------------------
# helpers


def _make(data: float, op: str, inputs: tuple, rule: Callable[..., tuple]) -> Value:
    """Create the result of an operation (skipping the checks of Value())."""
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.op = op
    out.serial = _next_serial()
    if _fast:
        out.inputs = inputs
        out._rule = rule
    else:
        _make_slowly(out, inputs, rule)
    return out


_new_value = object.__new__


def _make_slowly(out: Value, inputs: tuple, rule: Callable[..., tuple]) -> None:
    if not _recording:
        out.op = ""
        out.inputs = ()
        out._rule = None
        return
    out.inputs = inputs
    out._rule = rule
    if _anomaly:
        stack = traceback.extract_stack()[:-3]
        _created_at[out] = stack
        if math.isnan(out.data) and not any(math.isnan(x.data) for x in inputs):
            raise AnomalyError(
                f"NaN produced by '{out.op}' from inputs "
                f"{[x.data for x in inputs]}; created at:\n" + "".join(traceback.format_list(stack[-3:]))
            )


def _backward_checked(order: list[Value]) -> None:
    """backward() with a check for NaN on every edge (anomaly mode)."""
    for node in reversed(order):
        if node._rule is None:
            continue
        g = node.grad
        for i, (x, dx) in enumerate(zip(node.inputs, node.local_grads())):
            contribution = g * dx
            if math.isnan(contribution) and not math.isnan(g):
                where = _created_at.get(node)
                site = (
                    "".join(traceback.format_list(where[-3:]))
                    if where
                    else "  (before anomaly mode was on)\n"
                )
                name = f" '{node.label}'" if node.label else ""
                raise AnomalyError(
                    f"NaN gradient in backward of '{node.op}'{name} (data={node.data!r}) "
                    f"for input {i} (data={x.data!r}): upstream {g!r} * local {dx!r}; "
                    f"the node was created at:\n{site}"
                )
            x.grad += contribution


def _lift(x: Operand, op: str) -> Value:
    """Turn a plain number operand into a constant leaf Value."""
    if isinstance(x, Value):
        return x
    if type(x) is float:
        return _make(x, "", (), None)
    return _make(_to_float(x, f"'{op}' operand", or_value=True), "", (), None)


def _data(x: Operand, op: str) -> float:
    return x.data if isinstance(x, Value) else _to_float(x, f"'{op}' operand", or_value=True)


def _power(x: float, p: float) -> float:
    if x < 0.0 and math.isfinite(p) and not p.is_integer():
        raise ValueError(
            f"'**' of a negative base to a non-integer power has no real value: "
            f"{x!r} ** {p!r}"
        )
    try:
        return x**p
    except ZeroDivisionError:
        raise ZeroDivisionError(f"'**': 0 to a negative power is undefined: {x!r} ** {p!r}") from None
    except OverflowError:
        raise OverflowError(f"'**' overflow: {x!r} ** {p!r} is larger than the largest float") from None


def _math1(f: Callable[[float], float], x: float, op: str) -> float:
    try:
        return f(x)
    except ValueError:
        raise ValueError(f"{op} is undefined for {x!r}") from None


def sum(values: Iterable[Operand], start: Operand = 0.0) -> Value:  # noqa: A001
    """Add many numbers in one operation: out = start + x1 + x2 + ... + xn.

    d out/dxi = 1 for every i. One node with n inputs instead of a chain of n
    additions: the same gradients, a smaller graph, a faster backward.
    """
    if isinstance(values, Value):
        raise TypeError("autograd.sum(values): expected an iterable of numbers, got one Value")
    xs = tuple([x if type(x) is Value else _lift(x, "sum") for x in values])
    if not (type(start) in (int, float) and start == 0):
        xs = (_lift(start, "sum"),) + xs
    if not xs:
        return _make(0.0, "", (), None)
    if len(xs) == 1:
        return xs[0]
    # Left to right, as a chain of binary additions would round.
    return _make(_add_floats([x.data for x in xs]), "sum", xs, _sum_local)


def _sum_local(out, *xs):
    return (1.0,) * len(xs)  # d out/dxi = 1 for every i


class _GradMode:
    """Base of the switches: a context manager that is also a decorator."""

    __slots__ = ("_saved",)
    _recording_inside: bool | None = None
    _anomaly_inside: bool | None = None

    def __enter__(self) -> None:
        self._saved = (_recording, _anomaly)
        recording = _recording if self._recording_inside is None else self._recording_inside
        anomaly = _anomaly if self._anomaly_inside is None else self._anomaly_inside
        _set_modes(recording, anomaly)

    def __exit__(self, *exc: object) -> None:
        _set_modes(*self._saved)

    def __call__(self, func: Callable) -> Callable:
        import functools

        switch = type(self)

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with switch():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Stop recording: results made inside are leaves with no inputs.

    Use it where no gradient is needed (evaluation, optimizer updates) to save
    time and memory. A context manager and a decorator::

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
    """True when operations are being recorded (outside ``no_grad``)."""
    return _recording


def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()``."""
    return _anomaly
