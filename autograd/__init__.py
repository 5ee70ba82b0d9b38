"""chainrule's engine: scalar reverse-mode automatic differentiation.

>>> from autograd import Value
>>> x = Value(3.0, label="x")
>>> y = x * x + 2 * x
>>> y.backward()
>>> x.grad          # dy/dx = 2x + 2
8.0

The engine, its table of operations, the graph walks and ``grad`` load with
``import autograd``. Seeing the graph (``draw``, ``explain``,
``write_stepper``) loads on first use, so that a script that only computes
gradients does not pay for the drawing code.
"""

from __future__ import annotations

from .engine import (
    NOT_SAID,
    OPS,
    AnomalyError,
    Constant,
    Op,
    Parameter,
    Value,
    chain_rule,
    detect_anomaly,
    dot,
    enable_grad,
    identity,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    register_op,
    sum,
)
from .functional import GradcheckError, grad, gradcheck
from .graph import ancestors, count_nodes, topological_order, zero_grad

TYPE_CHECKING = False
if TYPE_CHECKING:
    from .replay import compile
    from .views.derive import Derivation, derive
    from .views.draw import Drawing, GraphTooLargeError, RendererNotFoundError, RenderTimeoutError, draw
    from .views.explain import Explanation, Step, explain
    from .views.frames import Frames, write_frames
    from .views.notebook import Interaction, Stepper, interact, stepper
    from .views.stepper import write_stepper

__version__ = "0.1.0"

# name -> the module that defines it, imported the first time the name is used
_LAZY = {
    "Drawing": "views.draw",
    "GraphTooLargeError": "views.draw",
    "RendererNotFoundError": "views.draw",
    "RenderTimeoutError": "views.draw",
    "draw": "views.draw",
    "Explanation": "views.explain",
    "Step": "views.explain",
    "explain": "views.explain",
    "write_stepper": "views.stepper",
    "Stepper": "views.notebook",
    "stepper": "views.notebook",
    "Interaction": "views.notebook",
    "interact": "views.notebook",
    "compile": "replay",
    "derive": "views.derive",
    "Derivation": "views.derive",
    "write_frames": "views.frames",
    "Frames": "views.frames",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'autograd' has no attribute {name!r}")
    value = getattr(__import__(f"{__name__}.{module}", fromlist=[name]), name)
    globals()[name] = value  # later uses find it directly
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Value",
    "Constant",
    "Parameter",
    "Op",
    "OPS",
    "NOT_SAID",
    "register_op",
    "compile",
    "AnomalyError",
    "Derivation",
    "Drawing",
    "Explanation",
    "Interaction",
    "Stepper",
    "GraphTooLargeError",
    "RendererNotFoundError",
    "RenderTimeoutError",
    "Step",
    "GradcheckError",
    "ancestors",
    "chain_rule",
    "count_nodes",
    "detect_anomaly",
    "derive",
    "dot",
    "draw",
    "enable_grad",
    "explain",
    "grad",
    "gradcheck",
    "identity",
    "interact",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "stepper",
    "sum",
    "topological_order",
    "write_stepper",
    "write_frames",
    "Frames",
    "zero_grad",
]
