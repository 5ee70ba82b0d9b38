"""Training by compiled replay: ``fit(..., compile=True)``.

The built-in losses (mse, hinge, bce) are means over the samples, so the
gradient of a batch's loss is the mean of the per-sample gradients. The
per-sample computation, ``loss(model(x), t)``, builds the same graph for every
sample with the same target, so it is compiled once per distinct target
(``autograd.compile``, with the model's parameters read at each call) and
replayed for every sample of every batch: no Value is made while training.

It applies when the model's shape stays fixed during training and the loss is
one of mse, hinge or bce with at most ``MAX_TARGETS`` distinct targets (class
labels, or a few target values). Otherwise ``fit`` says so in a warning and
trains by building the graph, as without ``compile``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from operator import add
from typing import Any

import autograd
from autograd import Value
from autograd.replay import Compiled

from .losses import binary_cross_entropy_with_logits, hinge_loss, l2_penalty, mse_loss
from .module import Module

__all__ = ["CompiledLoss", "compiled_loss", "MAX_TARGETS"]

MAX_TARGETS = 32
_SEPARABLE = (mse_loss, hinge_loss, binary_cross_entropy_with_logits)


def _key(t: Any) -> Any:
    return tuple(float(v) for v in t) if hasattr(t, "__len__") else float(t)


class CompiledLoss:
    """A batch's loss and ``.grad`` of every parameter, by replaying compiled per-sample code.

    ``gradients(Xb, yb)`` returns ``(loss, outputs)`` (the outputs as floats,
    for accuracy) and sets ``p.grad`` = ∂loss/∂p for each of ``params``: what
    ``zero_grad()`` and ``loss.backward()`` give, to about 1e-16 relative.
    """

    def __init__(self, model: Module, loss_fn: Any, params: Sequence[Value], l2: float = 0.0) -> None:
        self.model, self.loss_fn, self.params = model, loss_fn, list(params)
        self._per_target: dict[Any, Compiled] = {}
        self._l2 = autograd.compile(lambda: l2_penalty(self.params, l2), params=self.params) if l2 else None

    def _for(self, target: Any) -> Compiled:
        key = _key(target)
        compiled = self._per_target.get(key)
        if compiled is None:
            model, loss_fn = self.model, self.loss_fn

            def per_sample(*x: Value) -> tuple[Value, ...]:
                out = model(list(x))
                outs = (out,) if isinstance(out, Value) else tuple(out)
                return (loss_fn([out], [target]), *outs)

            compiled = self._per_target[key] = autograd.compile(per_sample, params=self.params)
        return compiled

    def gradients(self, Xb: Sequence[Any], yb: Sequence[Any]) -> tuple[float, list[Any]]:
        n_params = len(self.params)
        total = [0.0] * n_params
        losses, outputs = [], []
        for x, t in zip(Xb, yb):
            value, grads, outs = self._for(t)(*x)
            losses.append(value)
            # map(add, ...) adds in C, in the same order as the loop it replaces.
            total = list(map(add, total, grads[len(grads) - n_params:]))
            outputs.append(outs[0] if len(outs) == 1 else list(outs))
        # The batch's loss is the mean of the per-sample losses, added in the same order.
        loss = sum(losses) / len(losses)
        scale = 1.0 / len(losses)
        grads = [g * scale for g in total]
        if self._l2 is not None:
            penalty, l2_grads = self._l2()
            loss = loss + penalty
            grads = [g + d for g, d in zip(grads, l2_grads)]
        for p, g in zip(self.params, grads):
            p.grad = g
        return loss, outputs


def compiled_loss(model: Module, loss_fn: Any, params: Sequence[Value], l2: float,
                  y: Sequence[Any]) -> CompiledLoss | None:
    """The compiled training of ``fit(compile=True)``, or None (with a warning) where it does not apply."""
    if loss_fn not in _SEPARABLE:
        name = getattr(loss_fn, "__name__", type(loss_fn).__name__)
        reason = f"the loss {name} is not one of mse, hinge, bce (a mean of per-sample terms)"
    elif len({_key(t) for t in y}) > MAX_TARGETS:
        reason = f"the targets take more than {MAX_TARGETS} distinct values (each needs its own trace)"
    else:
        return CompiledLoss(model, loss_fn, params, l2)
    warnings.warn(f"fit(compile=True): training by the graph instead: {reason}", stacklevel=3)
    return None
