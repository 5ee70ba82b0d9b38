"""chainrule's engine: scalar reverse-mode automatic differentiation.

>>> from autograd import Value
>>> x = Value(3.0, label="x")
>>> y = x * x + 2 * x
>>> y.backward()
>>> x.grad          # dy/dx = 2x + 2
8.0
"""

from .draw import Drawing, GraphTooLargeError, RendererNotFoundError, draw
from .engine import (
    AnomalyError,
    Value,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    sum,
)
from .explain import Explanation, Step, explain
from .functional import GradcheckError, grad, gradcheck
from .graph import ancestors, count_nodes, topological_order, zero_grad
from .replay import compile  # noqa: A004 -- autograd.compile, as the builtin is shadowed only here
from .stepper import write_stepper

__version__ = "0.1.0"

__all__ = [
    "Value",
    "compile",
    "AnomalyError",
    "Drawing",
    "Explanation",
    "GraphTooLargeError",
    "RendererNotFoundError",
    "Step",
    "GradcheckError",
    "ancestors",
    "count_nodes",
    "detect_anomaly",
    "draw",
    "enable_grad",
    "explain",
    "grad",
    "gradcheck",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "sum",
    "topological_order",
    "write_stepper",
    "zero_grad",
]
