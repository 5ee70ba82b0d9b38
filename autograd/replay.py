"""Compiled replay: a traced graph written out as straight-line Python over floats.

``backward()`` walks a graph of Value objects every time. When a function
builds a graph of the same shape on every call (an MLP on one sample, one
expression), the walk can be done once and written down instead: one line of
forward code per operation, one line of backward code per edge of the chain
rule::

    v2 = v0 * v1                 # t1 = x * w
    ...
    g0 = 0.0 + g2 * v1           # ∂L/∂x += ∂L/∂t1 · ∂t1/∂x

``compile(f)`` traces ``f`` on Values once, generates that code, and runs it on
plain floats from then on: no Value is made and no graph is walked, so a call
costs about what the same arithmetic written by hand costs. The lines are made
only from the table of operations' code (``engine.OPS``) and from generated
names (``v3``, ``g3``, ``k0``); a label never becomes code, only a comment.

The results equal building the graph and calling ``backward()`` to the last
bit: the forward lines are the table's forward code, the backward lines
compute ``upstream * local`` with the table's local-derivative code and add
each node's contributions in the order ``engine.chain_rule`` adds them,
starting from 0.0.

Branches: while ``f`` is traced, every comparison and truth test of a Value
(``x > 0``, ``bool(v)``, ``max(a, b)``) and every ``float(v)`` is recorded with
its outcome, as a *guard*. The generated code checks the guards on each call;
when one comes out differently, the call takes the graph path instead and
``f`` is traced again for that branch (each branch's code is kept). A
``float(v)`` guard asks for the very float traced, bit for bit (−0.0 is not
0.0; any NaN passes for a NaN).

Errors: every operation of the trace is computed by the code, its result used
or not, so a domain error (log of −1) is raised where ``f`` raises it. An
operation that raised while ``f`` was traced, and that ``f`` caught
(try/except), is a branch no guard sees: that trace's code is not kept, and
numbers that take that branch always take the graph path.

What a trace cannot see: a Value's ``.data`` read directly, and Values made
under ``no_grad`` inside ``f``; both become constants of the trace.
"""

from __future__ import annotations

import ast
import builtins
import inspect
import keyword
import math
import numbers
import re
import struct
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

from . import engine
from .checks import count
from .engine import Value
from .views.naming import expression, in_derivative, local_name, node_names

__all__ = ["compile", "Compiled", "Replay", "generate"]

# The generated code's own names; no helper of the table may look like one.
_OWN_NAME = ("v", "g", "k", "c")
_MAX_COMMENT = 48


# ----------------------------------------------------------------------
# Templates: the table's code with its operand names made into format fields

# How many codes' templates are kept. Each power x ** p has codes of its own
# (power(a, 2.5)), so a program that compiles many exponents would otherwise
# keep every one of them for good; 1,024 holds every code of the fixed
# operations (fewer than 40) with room for a few hundred exponents at once.
TEMPLATE_CACHE_SIZE = 1024


@lru_cache(maxsize=TEMPLATE_CACHE_SIZE)
def _template(code: str, operands: tuple[str, ...]) -> tuple[str, frozenset[str]]:
    """``"a * b"`` -> ``"{a} * {b}"``, and the other names the code uses.

    The operand names are found by Python's own parser (``ast``), at the
    positions where they are names, so that an ``a`` inside another name or a
    string is never touched; everything else is kept, braces escaped.
    """
    tree = ast.parse(code, mode="eval")
    spots = []
    helpers = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id in operands:
                spots.append((node.col_offset, node.end_col_offset, node.id))
            else:
                helpers.add(node.id)
    if "\n" in code:
        raise ValueError(f"operation code {code!r} must be one line")
    spots.sort()
    parts, at = [], 0
    for start, end, name in spots:
        parts.append(code[at:start].replace("{", "{{").replace("}", "}}"))
        parts.append("{" + name + "}")
        at = end
    parts.append(code[at:].replace("{", "{{").replace("}", "}}"))
    return "".join(parts), frozenset(helpers)


@lru_cache(maxsize=TEMPLATE_CACHE_SIZE)
def _atomic(code: str) -> bool:
    """True for code that needs no parentheses after ``g *``: one name or one number."""
    node = ast.parse(code, mode="eval").body
    return isinstance(node, ast.Name) or (isinstance(node, ast.Constant) and not str(code).startswith("-"))


def _helper_namespace(names: frozenset[str], base: dict[str, Any], fallback: dict[str, Any], op: engine.Op,
                      namespace: dict[str, Any]) -> dict[str, float]:
    """Add the helpers a template uses to ``namespace``, from the engine's dicts of helpers.

    Returns the helpers that are numbers (an exponent ``inf`` of ``x ** inf``):
    they are not added under their own name, the code gets a bound constant.
    """
    numbers_: dict[str, float] = {}
    for name in names:
        if name in base:
            obj = base[name]
        elif name in fallback:  # a helper the operation was built with (sum's add_in_order)
            obj = fallback[name]
        else:
            raise ValueError(f"operation {op.name!r} uses {name!r}, which is not one of the engine's helpers")
        if type(obj) is float:
            numbers_[name] = obj
            continue
        if name.startswith(_OWN_NAME) and name[1:].isdigit():
            raise ValueError(f"operation {op.name!r}: helper {name!r} looks like a generated name")
        if namespace.setdefault(name, obj) is not obj:
            raise ValueError(f"two operations mean different things by the helper {name!r}")
    return numbers_


def _code(code: str, operands: tuple[str, ...], base: dict[str, Any], fallback: dict[str, Any], op: engine.Op,
          namespace: dict[str, Any], constants: _Constants, fields: dict[str, str]) -> str:
    """The table's code with the operands' generated names in it, and numbers as literals or bound names."""
    text, helpers = _template(code, operands)
    numbers_ = _helper_namespace(helpers, base, fallback, op, namespace)
    if numbers_:
        text, _ = _template(code, operands + tuple(sorted(numbers_)))
        fields = {**fields, **{name: _float_text(x, constants) for name, x in numbers_.items()}}
    return text.format(**fields)


def _comment(text: str, limit: int = _MAX_COMMENT) -> str:
    """Text made safe for a comment: one line (no line break of any kind), printable, short."""
    if text.isprintable() and len(text) <= limit:  # the common case, checked in C
        return text
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _line(text: str) -> str:
    """A comment made of names already made safe and the table's text: kept whole, still one line."""
    return _comment(text, limit=1000)


class _Constants:
    """Numbers the code cannot write as a literal (inf, −inf, NaN), each bound once to a name c0, c1, ...

    ``repr(math.inf)`` is ``inf``, which is no name Python has: the code
    refers to such a number by a generated name bound to it instead.
    """

    __slots__ = ("namespace", "names")

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.namespace = namespace
        self.names: dict[bytes, str] = {}

    def name(self, x: float) -> str:
        key = struct.pack("<d", x)  # by its bits: −0.0 and 0.0, and NaNs, kept apart
        name = self.names.get(key)
        if name is None:
            name = self.names[key] = f"c{len(self.names)}"
            self.namespace[name] = x
        return name


def _float_text(x: float, constants: _Constants) -> str:
    """A float as code: its repr (exact) when finite, else a generated name bound to it."""
    if math.isfinite(x):
        return f"({x!r})" if x < 0 or (x == 0 and math.copysign(1.0, x) < 0) else repr(x)
    return constants.name(x)


# ----------------------------------------------------------------------
# Guards: comparisons and truth tests of Values, recorded while tracing

_state = threading.local()
_patch_lock = threading.Lock()
_tracers = 0
_GUARDED = ("__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__float__")
_ORIGINAL = {name: Value.__dict__[name] for name in _GUARDED}
_SYMBOL = {"__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">="}


def _recording(name: str, original: Callable) -> Callable:
    def method(self, *other):
        result = original(self, *other)
        guards = getattr(_state, "guards", None)
        if guards is not None:
            guards.append((name, self, other[0] if other else None, result))
        return result

    method.__name__ = name
    method.__doc__ = original.__doc__
    return method


_RECORDING = {name: _recording(name, _ORIGINAL[name]) for name in _GUARDED}

# The engine's functions that check a domain (log of x <= 0, division by zero...) and so may
# raise on one number and not on another: f may catch their error and take another branch.
_CHECKING = ("divide", "power", "exp", "log", "sqrt", "_finite_only")
_ENGINE_ORIGINAL = {name: getattr(engine, name) for name in (*_CHECKING, "_node")}
_OP_CALL = engine.Op.__call__


def _raise_seen(original: Callable) -> Callable:
    def checked(*args, **kwargs):
        try:
            return original(*args, **kwargs)
        except Exception:
            raised = getattr(_state, "raised", None)
            if raised is not None:
                raised.append(original.__name__)
            raise

    checked.__name__ = original.__name__
    checked.__doc__ = original.__doc__
    return checked


def _creating(original: Callable) -> Callable:
    def node(*args):
        out = original(*args)
        created = getattr(_state, "created", None)
        if created is not None and out._op is not None:
            created.append(out)
        return out

    return node


_ENGINE_RECORDING = {name: _raise_seen(_ENGINE_ORIGINAL[name]) for name in _CHECKING}
_ENGINE_RECORDING["_node"] = _creating(_ENGINE_ORIGINAL["_node"])
_OP_CALL_RECORDING = _raise_seen(_OP_CALL)


class _Trace:
    """What one trace saw: the guards, every operation made, and the domain errors raised."""

    __slots__ = ("guards", "created", "raised")

    def __init__(self) -> None:
        self.guards: list[tuple] = []
        self.created: list[Value] = []
        self.raised: list[str] = []


class _Tracing:
    """While any thread traces, Value's comparisons also report to the tracing thread.

    The engine is not changed: the comparison methods, the function that
    makes a node and the functions that check a domain are swapped for
    recording ones only while a trace runs (so the engine pays nothing the
    rest of the time), and a thread that is not tracing records nothing.
    """

    def __enter__(self) -> _Trace:
        global _tracers
        if getattr(_state, "guards", None) is not None:
            raise RuntimeError("compile: a compiled function was traced inside another trace")
        with _patch_lock:
            if _tracers == 0:
                for name in _GUARDED:
                    setattr(Value, name, _RECORDING[name])
                for name, function in _ENGINE_RECORDING.items():
                    setattr(engine, name, function)
                engine.Op.__call__ = _OP_CALL_RECORDING
            _tracers += 1
        trace = _Trace()
        _state.guards, _state.created, _state.raised = trace.guards, trace.created, trace.raised
        return trace

    def __exit__(self, *exc: object) -> None:
        global _tracers
        _state.guards = _state.created = _state.raised = None
        with _patch_lock:
            _tracers -= 1
            if _tracers == 0:
                for name in _GUARDED:
                    setattr(Value, name, _ORIGINAL[name])
                for name, function in _ENGINE_ORIGINAL.items():
                    setattr(engine, name, function)
                engine.Op.__call__ = _OP_CALL


# ----------------------------------------------------------------------
# Code generation


def _forward_order(roots: Sequence[Value]) -> list[Value]:
    """Every Value the roots depend on, inputs before the nodes made from them.

    The first root's part is ``engine.topological_order`` exactly, so that
    the backward lines add each gradient's terms in ``chain_rule``'s order.
    The other roots (guards, values returned beside the output, every
    operation of the trace) add only what is not there yet: one walk with one
    set of visited nodes, so the cost grows with the graph, not with the
    number of roots times the graph.
    """
    if not roots:
        return []
    order = engine.topological_order(roots[0])
    seen = set(order)
    stack: list[Value | None] = []
    for root in roots[1:]:
        if root in seen:
            continue
        stack.append(root)
        while stack:
            node = stack.pop()
            if node is None:
                order.append(stack.pop())
                continue
            if node in seen:
                continue
            seen.add(node)
            fresh = [x for x in node.inputs if x not in seen]
            if fresh:
                stack.append(node)
                stack.append(None)
                stack.extend(reversed(fresh))
            else:
                order.append(node)
    return order


_GENERATED = re.compile(r"\b([vg])(\d+)\b")


def readable_names(names: Sequence[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """{generated name: the reader's name}: ``v3 -> w1`` and ``g3 -> dw1`` when the third Value is w1.

    ``names`` are the Values' names in the order of the generated ones (as
    explain names them: labels, t1, t2...). A name is used only when it is a
    plain ASCII identifier that is not a keyword, a builtin, a helper of the
    generated code or a generated name, and when neither it nor its ``d``
    name is taken by another Value.
    """
    reserved = set(taken) | set(dir(builtins)) | set(engine.RULE_HELPERS) | set(engine.FORWARD_HELPERS)
    labels = list(names)
    count_of = Counter(labels)
    chosen: dict[str, str] = {}
    used: set[str] = set()
    for i, label in enumerate(labels):
        value, grad = label, f"d{label}"
        usable = (
            label.isascii() and label.isidentifier() and not keyword.iskeyword(label)
            and not label.startswith("_") and count_of[label] == 1
        )
        # Membership one name at a time: a union of the two sets per Value made this quadratic.
        if not usable or value in reserved or grad in reserved or value in used or grad in used \
                or _GENERATED.fullmatch(value) or _GENERATED.fullmatch(grad):
            continue
        chosen[f"v{i}"], chosen[f"g{i}"] = value, grad
        used.add(value)
        used.add(grad)
    return chosen


def _with_labels(code: str, names: dict[str, str]) -> str:
    """The generated code with its names replaced by the reader's, in the code only, not in comments."""
    out = []
    for line in code.splitlines(keepends=True):
        body, hash_, comment = line.partition("  #")
        body = _GENERATED.sub(lambda m: names.get(m.group(0), m.group(0)), body)
        out.append(body + hash_ + comment)
    return "".join(out)


class Replay:
    """The generated code of one graph (one branch), and the function compiled from it.

    ``replay(*floats)`` returns ``(value, gradients)`` for new numbers in the
    inputs, or None when a guard fails (the numbers take another branch).
    ``executed`` is the code as it runs, with generated names only (``v3``
    for a value, ``g3`` for its gradient). ``source`` is the same code with
    each of those names written as its Value's label where the label is a
    usable name (``w1`` and ``dw1``); the two differ by that renaming alone.
    """

    __slots__ = ("executed", "function", "n_inputs", "n_operations", "n_edges", "n_guards",
                 "_labels", "_taken", "_source")

    def __init__(self, output: Value, inputs: Sequence[Value], wanted: Sequence[Value] = (),
                 guards: Sequence[tuple] = (), name: str = "replay",
                 extras: Sequence[Value] | None = None, traced: Sequence[Value] = ()) -> None:
        inputs = list(inputs)
        wanted = list(wanted)
        for v in inputs + wanted + list(extras or ()):
            if not isinstance(v, Value):
                raise TypeError(f"compile: the inputs must be Values, got {type(v).__name__}")
        if len(set(inputs)) != len(inputs):
            raise ValueError("compile: an input is given twice")
        guard_values = [x for _, s, o, _ in guards for x in (s, o) if isinstance(x, Value)]
        # Every operation of the trace is computed, its result used or not, so that its domain
        # error (log of a negative number) is raised where f raised it.
        order = _forward_order([output, *guard_values, *(extras or ()), *inputs, *wanted, *traced])
        # The arguments first, so that they are v0, v1, ... (leaves depend on nothing).
        input_set = set(inputs)
        order = inputs + [v for v in order if v not in input_set]
        index = {v: i for i, v in enumerate(order)}
        # User text is made safe once, here: every comment below is built from these names.
        readable = node_names(order, output)
        names = {v: _comment(n) for v, n in readable.items()}
        namespace: dict[str, Any] = {}
        constants = _Constants(namespace)
        live: list[Value] = []

        # Which gradients are needed: those of the nodes with a path to an input asked about.
        targets = set(inputs) | set(wanted)
        needed: set[Value] = set()
        for v in order:
            if v in targets or any(x in needed for x in v.inputs):
                needed.add(v)

        args = ", ".join(f"v{index[v]}" for v in inputs)
        lines = [f"def {name}({args}):", "    # forward: one line per operation"]
        pending = {}  # guards to write as soon as the last of their operands is computed
        for kind, this, other, outcome in guards:
            last = max(index[x] for x in (this, other) if isinstance(x, Value))
            pending.setdefault(last, []).append((kind, this, other, outcome))
        n_ops = 0
        for i, v in enumerate(order):
            op = v.operation
            if v in input_set:
                pass
            elif op is None:
                lines.append(f"    v{i} = k{len(live)}.data  # {names[v]}, read at each call")
                namespace[f"k{len(live)}"] = v
                live.append(v)
            elif op is engine.IDENTITY:
                # Another name for the same float (the lecture's x = r): an alias, no operation.
                alias = f"v{index[v.inputs[0]]}"
                lines.append(f"    v{i} = {alias}  # {_line(names[v] + ' = ' + expression(v, names))}")
            else:
                n_ops += 1
                code = _code(op.forward, ("a", "b", "xs"), engine.FORWARD_HELPERS, op.evaluate.__globals__,
                             op, namespace, constants, self._fields(v, index))
                lines.append(f"    v{i} = {code}  # {_line(names[v] + ' = ' + expression(v, names))}")
            for kind, this, other, outcome in pending.get(i, ()):
                lines.append(self._guard_line(kind, this, other, outcome, index, names, namespace, constants))

        root = in_derivative(names[output])
        lines.append(f"    # backward: one line per edge, ∂{root}/∂input += ∂{root}/∂node · ∂node/∂input")
        started: set[int] = set()
        n_edges = 0
        r = index[output]
        lines.append(f"    g{r} = 1.0  # ∂{root}/∂{root} = 1")
        started.add(r)
        for v in reversed(order):
            op = v.operation
            if op is None or v not in needed or index[v] not in started:
                continue
            i = index[v]
            fields = self._fields(v, index)
            local = op.local if op.arity else ("1.0",) * len(v.inputs)
            for position, x in enumerate(v.inputs):
                if x not in needed:
                    continue
                j = index[x]
                code = local[position]
                if code == "1.0":  # g * 1.0 is g, and g * -1.0 is -g, exactly, in IEEE arithmetic
                    term = f"g{i}"
                elif code == "-1.0":
                    term = f"-g{i}"
                else:
                    text = _code(code, ("a", "b", "out"), engine.RULE_HELPERS, op.rule.__globals__, op,
                                 namespace, constants, {"out": f"v{i}", **fields})
                    term = f"g{i} * {text}" if _atomic(code) else f"g{i} * ({text})"
                if op.arity:
                    formula = f"∂out/∂{'ab'[position]} = {op.formulas[position]}"
                else:
                    formula = "∂out/∂xi = 1"
                here, there = in_derivative(names[v]), in_derivative(names[x])
                written = local_name(v, x, output, names)  # the local derivative, as explain writes it
                step = f"∂{root}/∂{there} += ∂{root}/∂{here} · {written}   [{op.name}: {formula}]"
                if j in started:
                    lines.append(f"    g{j} += {term}  # {_line(step)}")
                else:
                    # A sum starts at 0.0, as in backward(): 0.0 + (-0.0) is 0.0.
                    lines.append(f"    g{j} = 0.0 + {term}  # {_line(step)}")
                    started.add(j)
                n_edges += 1
        grads = [f"g{index[v]}" if index[v] in started else "0.0" for v in inputs + wanted]
        trailing = "," if len(grads) == 1 else ""
        if extras is None:
            lines.append(f"    return v{r}, ({', '.join(grads)}{trailing})")
        else:
            also = "".join(f"v{index[v]}, " for v in extras)
            lines.append(f"    return v{r}, ({', '.join(grads)}{trailing}), ({also})")
        self.executed = "\n".join(lines) + "\n"
        # What runs is made of the table's code, generated names and comments only:
        # no label ever reaches exec. The labels are for the reader, in `source`.
        scope: dict[str, Any] = {"__builtins__": {}}
        scope.update(namespace)
        exec(builtins.compile(self.executed, f"<autograd.compile {name}>", "exec"), scope)  # noqa: S102
        # `source` is written when first asked for: most compiled functions never print theirs.
        self._labels = [readable[v] for v in order]
        self._taken = frozenset(namespace)
        self._source: str | None = None
        self.function = scope[name]
        self.n_inputs = len(inputs)
        self.n_operations = n_ops
        self.n_edges = n_edges
        self.n_guards = len(guards)

    @property
    def source(self) -> str:
        """``executed`` with each generated name written as its Value's label where that is a usable name."""
        if self._source is None:
            self._source = _with_labels(self.executed, readable_names(self._labels, self._taken))
            self._labels = self._taken = None
        return self._source

    @staticmethod
    def _fields(v: Value, index: dict[Value, int]) -> dict[str, str]:
        xs = v.inputs
        if v.operation.arity == 0:
            return {"xs": "[" + ", ".join(f"v{index[x]}" for x in xs) + "]"}
        fields = {"a": f"v{index[xs[0]]}"}
        if len(xs) > 1:
            fields["b"] = f"v{index[xs[1]]}"
        return fields

    @staticmethod
    def _guard_line(kind, this, other, outcome, index, names, namespace, constants) -> str:
        left = f"v{index[this]}"
        if kind == "__float__":
            # The same float, bit for bit: == alone lets −0.0 pass for 0.0 (and copysign tells
            # them apart), and no NaN == NaN (any NaN passes for a NaN).
            if math.isnan(outcome):
                test = f"{left} != {left}"
            elif outcome == 0.0:
                namespace["copysign"] = math.copysign
                test = f"{left} == 0.0 and copysign(1.0, {left}) == {math.copysign(1.0, outcome)!r}"
            else:
                test = f"{left} == {_float_text(outcome, constants)}"
            shown = f"float({names[this]}) is {outcome!r}"
            outcome = True
        elif kind == "__bool__":
            test, shown = f"{left} != 0.0", f"bool({names[this]})"
        else:
            if isinstance(other, Value):
                right, right_name = f"v{index[other]}", names[other]
            else:
                number = float(other)
                right, right_name = _float_text(number, constants), repr(number)
            test = f"{left} {_SYMBOL[kind]} {right}"
            shown = f"{names[this]} {_SYMBOL[kind]} {right_name}"
        check = f"not ({test})" if outcome else test
        return f"    if {check}: return None  # guard: {_line(shown)} was {bool(outcome)} when traced"

    def __call__(self, *args: Any) -> tuple[float, tuple[float, ...]] | None:
        return self.function(*_floats(args, self.n_inputs, "replay"))


def generate(output: Value, inputs: Sequence[Value], wanted: Sequence[Value] = ()) -> Replay:
    """The code of an existing graph: ``output`` as a function of ``inputs``.

    Used by the command line's ``--code``. Other leaves of the graph are read
    from their Values at each call; ``wanted`` are leaves whose gradients are
    returned too, after the inputs'. There are no guards: a graph already
    built has no branches left to record.
    """
    if not isinstance(output, Value):
        raise TypeError(f"generate(output): expected a Value, got {type(output).__name__}")
    return Replay(output, inputs, wanted)


def _floats(args: Sequence[Any], n: int, where: str, names: Sequence[str] = ()) -> list[float]:
    if len(args) != n:
        raise TypeError(f"{where}: takes {n} number(s) (one per argument of f), got {len(args)}")
    out = []
    for i, x in enumerate(args):
        if type(x) is float:
            out.append(x)
        elif isinstance(x, numbers.Real) and not isinstance(x, Value):
            try:
                out.append(float(x))
            except OverflowError:
                name = f" ({names[i]!r})" if i < len(names) else ""
                raise OverflowError(
                    f"{where}: argument {i}{name} is {_magnitude(x)}, too large for a float "
                    f"(the largest is about 1.8·10^308)"
                ) from None
        else:
            hint = " (a compiled function takes numbers, not Values)" if isinstance(x, Value) else ""
            raise TypeError(f"{where}: argument {i}: expected a real number, got {type(x).__name__}{hint}")
    return out


def _magnitude(x: numbers.Real) -> str:
    """``about 10^400`` for a number too large for a float, computed without making it a float."""
    sign = "−" if x < 0 else ""
    try:
        if isinstance(x, numbers.Rational):
            exponent = math.log10(abs(x.numerator)) - math.log10(x.denominator)
        else:
            exponent = math.log10(abs(x))
    except (OverflowError, ValueError, TypeError):
        return f"a {type(x).__name__} beyond the floats"
    return f"about {sign}10^{math.floor(exponent)}"


# ----------------------------------------------------------------------
# compile


class Compiled:
    """``f`` compiled: call it with numbers, get ``(value, gradients)``.

    ``gradients`` holds ∂f/∂x for each argument x in order, then ∂f/∂p for
    each of ``params``. The first call traces ``f`` (runs it once on Values);
    later calls run the generated code. See the module's docstring for the
    guards that send a call back to a new trace.

    Attributes:
        source: the generated code of the branch the last call ran, with the
            Values' names (labels, t1, t2...) where they are usable names.
        executed: the same code as it runs, with generated names only.
        sources: the code of every branch traced so far.
        traces: how many times ``f`` has been traced.
    """

    def __init__(self, f: Callable[..., Value], params: Sequence[Value] = (), max_branches: int = 16) -> None:
        if not callable(f):
            raise TypeError(f"compile(f): expected a function, got {type(f).__name__}")
        params = list(params)
        for p in params:
            if not isinstance(p, Value):
                raise TypeError(f"compile(params=...): expected Values, got {type(p).__name__}")
        self.f = f
        self.params = params
        self.max_branches = count(max_branches, "compile(max_branches)")
        try:
            parameters = inspect.signature(f).parameters.values()
            # One number per argument without a default; a parameter with a default keeps it.
            self._names = [p.name for p in parameters
                           if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
            variadic = any(p.kind is p.VAR_POSITIONAL for p in parameters)
            self._n = None if variadic else len(self._names)
        except (TypeError, ValueError):
            self._names, self._n = [], None
        self._branches: list[Replay] = []
        self._last: Replay | None = None
        self.traces = 0

    @property
    def source(self) -> str:
        if self._last is None:
            raise RuntimeError("compile: call the compiled function once first; tracing needs numbers")
        return self._last.source

    @property
    def executed(self) -> str:
        """The code that runs: ``source`` with generated names only (no label is ever code)."""
        if self._last is None:
            raise RuntimeError("compile: call the compiled function once first; tracing needs numbers")
        return self._last.executed

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(b.source for b in self._branches)

    def __call__(self, *args: Any) -> tuple[float, tuple[float, ...]]:
        n = self._n if self._n is not None else len(args)
        xs = _floats(args, n, "compiled function", self._names)
        for branch in self._branches:
            try:
                result = branch.function(*xs)
            except Exception:  # noqa: BLE001 -- another branch's code may fail where this one does not
                result = None
            if result is not None:
                self._last = branch
                return result
        return self._trace(xs)

    def _trace(self, xs: list[float]) -> tuple[float, tuple[float, ...]]:
        names = self._names if len(self._names) == len(xs) else [f"x{i}" for i in range(len(xs))]
        leaves = [Value(x, label=name) for x, name in zip(xs, names)]
        with engine.enable_grad(), _Tracing() as trace:
            out = self.f(*leaves)
        extras = None
        if isinstance(out, tuple) and out and all(isinstance(v, Value) for v in out):
            out, extras = out[0], out[1:]
        if not isinstance(out, Value):
            raise TypeError(
                f"compile(f): f must return a Value (or a tuple of Values: the output, then values "
                f"to return beside it), got {type(out).__name__}"
            )
        self.traces += 1
        grads = engine.chain_rule(out)
        result: tuple = (out.data, tuple(grads.get(v, 0.0) for v in leaves + self.params))
        if extras is not None:
            result += (tuple(v.data for v in extras),)
        # An operation raised and f went on: f caught the error (try/except), a branch that no
        # guard sees. That trace is not kept, so those numbers always take the graph path; a
        # kept branch computes the operation and raises there, and the call comes back here.
        if not trace.raised and len(self._branches) < self.max_branches:
            branch = Replay(out, leaves, self.params, trace.guards, extras=extras, traced=trace.created)
            self._last = branch
            replayed = branch.function(*xs)
            if replayed is not None:  # a branch that cannot pass its own guards is not kept
                self._branches.append(branch)
                return replayed
        return result

    def __repr__(self) -> str:
        name = getattr(self.f, "__qualname__", type(self.f).__name__)
        return f"<compiled {name}: {len(self._branches)} branch(es), traced {self.traces} time(s)>"


def compile(f: Callable[..., Value], params: Sequence[Value] = (), *, max_branches: int = 16) -> Compiled:  # noqa: A001
    """Compile ``f``: trace it once on Values, then replay its chain rule as Python over floats.

    >>> import autograd
    >>> g = autograd.compile(lambda x, y: x * y + y.tanh())
    >>> value, (dx, dy) = g(2.0, 0.0)
    >>> value, dx, dy          # x·y + tanh(y); ∂/∂x = y, ∂/∂y = x + 1 − tanh²(y)
    (0.0, 0.0, 3.0)

    ``f`` takes Values and returns a Value; the compiled function takes
    numbers and returns ``(value, gradients)``, the same floats, bit for bit,
    as building the graph and calling ``backward()``. If ``f`` returns a
    tuple of Values, the first is differentiated and the others' numbers come
    back as a third item (a model's outputs beside its loss). ``params`` are Values
    that ``f`` uses without taking them as arguments (a model's weights):
    their ``.data`` is read at every call and their gradients follow the
    arguments'. ``print(g.source)`` shows the generated code.

    A branch of ``f`` on a Value (``if x > 0``, ``max(a, b)``) is recorded;
    a call that would take another branch is traced again, and up to
    ``max_branches`` branches are kept (beyond, calls take the graph path).
    """
    return Compiled(f, params, max_branches)
