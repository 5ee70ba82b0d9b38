"""Walks over a computation graph.

A graph is made of Values; each Value knows the Values it was computed from
(``value.inputs``). Every walk here is a loop over an explicit stack, never a
recursive call, so a chain of a million operations is no harder than a chain
of three.

A Value's ``serial`` is the order in which it was created, and a Value is
always created after its inputs. So sorting the Values of a graph by serial
gives a *topological order*: every Value comes after everything it depends on.
Backpropagation walks that order backwards.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .engine import Value

__all__ = ["ancestors", "topological_order", "zero_grad", "count_nodes"]

_serial = attrgetter("serial")


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
    is deterministic: it is the order in which the Values were created.
    """
    return sorted(ancestors(*roots), key=_serial)


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
