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

import sys

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
    from .draw import Drawing, GraphTooLargeError, RendererNotFoundError, RenderTimeoutError, draw
    from .explain import Explanation, Step, explain
    from .frames import Frames, write_frames
    from .notebook import Interaction, Stepper, interact, stepper
    from .replay import compile
    from .stepper import write_stepper

__version__ = "0.1.0"

# name -> the module that defines it, imported the first time the name is used
_LAZY = {
    "Drawing": "draw",
    "GraphTooLargeError": "draw",
    "RendererNotFoundError": "draw",
    "RenderTimeoutError": "draw",
    "draw": "draw",
    "Explanation": "explain",
    "Step": "explain",
    "explain": "explain",
    "write_stepper": "stepper",
    "Stepper": "notebook",
    "stepper": "notebook",
    "Interaction": "notebook",
    "interact": "notebook",
    "compile": "replay",
    "write_frames": "frames",
    "Frames": "frames",
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


class _Package(type(sys)):
    """autograd's module object: ``autograd.draw`` stays the function ``draw``.

    Importing a submodule sets the package's attribute of the same name to the
    submodule (``import autograd.draw`` sets ``autograd.draw``); where a public
    name of the package is also the name of a submodule, keep the public
    object, as ``from .draw import draw`` in this file would.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, type(sys)) and name in _LAZY:
            if not hasattr(value, name):
                # The name belongs to another module: ``autograd.stepper`` is the
                # notebook's ``stepper()``, not the module stepper.py; __getattr__ finds it.
                return
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
    "dot",
    "draw",
    "enable_grad",
    "explain",
    "grad",
    "gradcheck",
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
