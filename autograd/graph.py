"""Walks over a computation graph.

A graph is made of Values; each Value knows the Values it was computed from
(``value.inputs``). Every walk here is a loop over an explicit stack, never a
recursive call, so a chain of a million operations is no harder than a chain
of three.

A *topological order* lists every Value after everything it depends on.
Backpropagation walks that order backwards, so that a Value's gradient is
complete before it is passed on to its inputs. The engine's depth-first walk
gives it (``topological_order``); the same graph always gives the same order.
"""

from __future__ import annotations

from .engine import Value
from .engine import topological_order as _one_root_order

__all__ = ["ancestors", "topological_order", "zero_grad", "count_nodes"]


def ancestors(*roots: Value) -> set[Value]:
    """Return the set of Values the roots depend on, the roots included."""
    seen = set(roots)
    stack = list(seen)
    pop, push, add = stack.pop, stack.append, seen.add
    while stack:
        for parent in pop().inputs:
            if parent not in seen:
                add(parent)
                push(parent)
    return seen


def topological_order(*roots: Value) -> list[Value]:
    """Return every Value the roots depend on, each after all of its inputs.

    The roots themselves are included; with one root it comes last. The order
    is deterministic: a depth-first walk from each root in turn, visiting
    inputs in argument order.
    """
    if len(roots) == 1:
        return _one_root_order(roots[0])
    order: list[Value] = []
    seen: set[Value] = set()
    for root in roots:
        for v in _one_root_order(root):
            if v not in seen:
                seen.add(v)
                order.append(v)
    return order


def count_nodes(*roots: Value) -> int:
    """Return how many Values the roots depend on, the roots included."""
    return len(ancestors(*roots))


def zero_grad(*roots: Value) -> None:
    """Set ``.grad`` to 0.0 on every Value the roots depend on.

    Gradients accumulate (``+=``) across calls to ``backward()``, as in PyTorch,
    so reset them before computing fresh ones from the same leaves.
    """
    for node in ancestors(*roots):
        node.grad = 0.0
