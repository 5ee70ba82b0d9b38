"""What part a Value plays in its graph: one answer for every view.

The drawing colours each box by its role, the stepper's table names it, and
the legend of both says what the colours mean; they all ask ``value_role``.
"""

from __future__ import annotations

from collections.abc import Collection

from ..engine import Parameter, Value
from .naming import is_constant

__all__ = ["ROLES", "value_role"]

#: The roles, in the order a legend lists them.
ROLES = ("input", "parameter", "constant", "intermediate", "output")


def value_role(v: Value, root: Value, parameters: Collection[Value] = ()) -> str:
    """The role of ``v`` in the graph of ``root``: one of ``ROLES``.

    ``output`` for the root itself; ``parameter`` for a leaf that training
    changes: an ``autograd.Parameter`` (nn's weights and biases), or one of
    the ``parameters`` given; ``intermediate`` for any other result of an
    operation; ``constant`` for a plain number folded into the graph; and
    ``input`` for every other leaf (data given to the computation).

    Naming some Values as parameters adds to the ``Parameter``s, it does not
    demote them: an update step may change only ``w1`` while ``w2`` is still
    a weight, coloured and listed as one.
    """
    if v is root:
        return "output"
    if v in parameters or isinstance(v, Parameter):
        return "parameter"
    if v.inputs:
        return "intermediate"
    if is_constant(v):
        return "constant"
    return "input"
