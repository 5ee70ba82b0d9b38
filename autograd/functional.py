"""Gradients as return values: ``grad`` and ``gradcheck``.

``Value.backward()`` writes gradients into ``.grad``. The functions here
return them instead and leave every ``.grad`` untouched, which is what you
want for higher derivatives and for checking an implementation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from numbers import Real

from .engine import Value, chain_rule, no_grad, topological_order

__all__ = ["grad", "gradcheck", "GradcheckError"]



def grad(
    output: Value,
    inputs: Value | Sequence[Value],
    grad_output: float = 1.0,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> list:
    """Return [d output/d x for x in inputs], touching no ``.grad``.

    The chain rule runs exactly as in ``backward()``, but the upstream
    gradients are kept in a table of their own.

    With ``create_graph=True`` the gradients are Values whose own graph records
    how they were computed, so they can be differentiated again::

        x = Value(2.0)
        (dy,) = grad(x ** 3, [x], create_graph=True)   # 3x**2 = 12
        (d2y,) = grad(dy, [x])                         # 6x = 12

    An input that ``output`` does not depend on raises ``ValueError``, unless
    ``allow_unused=True``: then its gradient is 0.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad(output, ...): expected a Value, got {type(output).__name__}")
    single = isinstance(inputs, Value)
    wanted = [inputs] if single else list(inputs)
    for i, x in enumerate(wanted):
        if not isinstance(x, Value):
            raise TypeError(f"grad(..., inputs): item {i} should be a Value, got {type(x).__name__}")
    order = topological_order(output)
    reachable = set(order)
    unused = [i for i, x in enumerate(wanted) if x not in reachable]
    if unused and not allow_unused:
        raise ValueError(
            f"grad: output does not depend on inputs at positions {unused}; "
            "pass allow_unused=True to get 0 for them"
        )
    seed = _to_seed(grad_output)
    if create_graph:
        gradients = chain_rule(output, Value(seed), create_graph=True, order=order)
    else:
        gradients = chain_rule(output, seed, order=order)
    zero = Value(0.0) if create_graph else 0.0
    return [gradients.get(x, zero) for x in wanted]


def _to_seed(x: object) -> float:
    if not isinstance(x, Real):
        raise TypeError(f"grad(grad_output=...): expected a real number, got {type(x).__name__} ({x!r:.60})")
    return float(x)


class GradcheckError(AssertionError):
    """backward() and finite differences disagree; the message lists where."""


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Value],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check the gradients of ``f(*inputs)`` against central differences.

    For each input x, the numerical slope is::

        (f(x + eps) - f(x - eps)) / (2 eps)

    and it must agree with the engine's gradient within
    ``atol + rtol * |numerical|``. Returns True when every input agrees;
    otherwise raises ``GradcheckError`` listing each mismatch with both
    numbers. The inputs' ``.data`` is restored and no ``.grad`` is changed.
    """
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"gradcheck: input {i} should be a Value, got {type(x).__name__}")
    if eps <= 0:
        raise ValueError(f"gradcheck: eps must be positive, got {eps!r}")
    out = f(*inputs)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    analytic = grad(out, inputs, allow_unused=True)

    def evaluate() -> float:
        with no_grad():
            y = f(*inputs)
        return float(y)

    problems = []
    for i, x in enumerate(inputs):
        original = x.data
        try:
            x.data = original + eps
            above = evaluate()
            x.data = original - eps
            below = evaluate()
        finally:
            x.data = original
        numeric = (above - below) / (2.0 * eps)
        if not math.isclose(analytic[i], numeric, rel_tol=0.0, abs_tol=atol + rtol * abs(numeric)):
            name = f" ({x.label})" if x.label else ""
            problems.append(
                f"  input {i}{name} at {original!r}: backward gives {analytic[i]!r}, "
                f"finite differences give {numeric!r}"
            )
    if problems:
        raise GradcheckError("gradcheck failed for:\n" + "\n".join(problems))
    return True
