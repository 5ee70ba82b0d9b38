"""Optimizers (how to change the parameters) and learning-rate schedules.

After ``loss.backward()`` every parameter p holds dL/dp in ``p.grad``: the
direction in which the loss grows fastest. An optimizer moves each parameter
a small step the other way. The updates change ``p.data`` directly, on plain
floats: they are not part of any graph and need no gradient of their own.

A schedule gives the learning rate for each epoch; ``fit`` sets
``optimizer.lr = schedule(epoch, epochs)`` at the start of every epoch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value
from autograd.checks import positive_int, real_number

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "Schedule",
    "constant",
    "linear_decay",
    "step_decay",
    "cosine_decay",
]


class Optimizer:
    """The base of the optimizers: holds the parameters and the learning rate.

    Args:
        params: the Values to update, usually ``model.parameters()``.
        lr: the learning rate, the size of the step. It can be changed between
            steps (``optimizer.lr = 0.1``); schedules do exactly that.
    """

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        if isinstance(params, Value):
            raise TypeError(f"{type(self).__name__}(params): expected a list of Values, got a single Value")
        self.params: list[Value] = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}(params): got an empty list of parameters")
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(
                    f"{type(self).__name__}(params): item {i} should be a Value, got {type(p).__name__}"
                )
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError(f"{type(self).__name__}(params): a parameter appears more than once")
        self.lr = lr

    @property
    def lr(self) -> float:
        """The learning rate used by the next ``step()``."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = real_number(value, f"{type(self).__name__}(lr)", 0.0, open_low=True)

    def zero_grad(self) -> None:
        """Set ``.grad`` of every parameter to 0.0 (``backward()`` adds to it)."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update every parameter from its ``.grad``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.params)} parameters, lr={self.lr!r})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum and weight decay.

    For every parameter p with gradient g, one ``step()`` does::

        g = g + weight_decay * p          (pull the weight towards 0)
        v = momentum * v + g              (velocity; v starts at 0)
        p = p - lr * v

    With momentum 0 this is the plain rule p -= lr * dL/dp. With momentum
    (0.9 is usual) the steps keep going in directions that stay the same from
    step to step and cancel in directions that flip. The same rule as PyTorch's
    ``torch.optim.SGD`` (without dampening and Nesterov).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        self.momentum = real_number(momentum, "SGD(momentum)", 0.0)
        self.weight_decay = real_number(weight_decay, "SGD(weight_decay)", 0.0)
        self.velocity: list[float] = [0.0] * len(self.params)

    def step(self) -> None:
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        if mu == 0.0 and wd == 0.0:
            for p in self.params:
                p.data -= lr * p.grad
            return
        velocity = self.velocity
        for i, p in enumerate(self.params):
            g = p.grad + wd * p.data
            v = mu * velocity[i] + g
            velocity[i] = v
            p.data -= lr * v

    def __repr__(self) -> str:
        return (
            f"SGD({len(self.params)} parameters, lr={self.lr!r}, momentum={self.momentum!r}, "
            f"weight_decay={self.weight_decay!r})"
        )


class Adam(Optimizer):
    """Adam: a step scaled for each parameter by its recent gradients.

    For every parameter p with gradient g, step number t (1, 2, ...) does::

        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g          (running mean of g)
        v = beta2 * v + (1 - beta2) * g**2       (running mean of g**2)
        m_hat = m / (1 - beta1**t)               (m and v start at 0, so early
        v_hat = v / (1 - beta2**t)                averages are too small: undo it)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    m_hat / sqrt(v_hat) is about +-1 for a steady gradient, so every parameter
    moves about lr per step whatever the scale of its gradient. The same rule
    as PyTorch's ``torch.optim.Adam``.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam(betas): expected a pair (beta1, beta2), got {betas!r}")
        self.betas = (
            real_number(betas[0], "Adam(betas[0])", 0.0, 1.0),
            real_number(betas[1], "Adam(betas[1])", 0.0, 1.0),
        )
        self.eps = real_number(eps, "Adam(eps)", 0.0)
        self.weight_decay = real_number(weight_decay, "Adam(weight_decay)", 0.0)
        self.t = 0
        self.m: list[float] = [0.0] * len(self.params)
        self.v: list[float] = [0.0] * len(self.params)

    def step(self) -> None:
        self.t += 1
        lr, (b1, b2), eps, wd = self.lr, self.betas, self.eps, self.weight_decay
        correction1 = 1.0 - b1**self.t
        correction2 = 1.0 - b2**self.t
        m, v = self.m, self.v
        for i, p in enumerate(self.params):
            g = p.grad + wd * p.data
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= lr * (m[i] / correction1) / (math.sqrt(v[i] / correction2) + eps)

    def __repr__(self) -> str:
        return (
            f"Adam({len(self.params)} parameters, lr={self.lr!r}, betas={self.betas!r}, eps={self.eps!r}, "
            f"weight_decay={self.weight_decay!r})"
        )


# ----------------------------------------------------------------------
# learning-rate schedules


class Schedule:
    """A learning rate for each epoch: ``schedule(epoch, epochs) -> lr``.

    ``epoch`` counts from 0 to ``epochs - 1``. Any function with that
    signature can serve as a schedule; these classes add a readable repr.
    """

    def __call__(self, epoch: int, epochs: int) -> float:
        raise NotImplementedError

    def _fraction(self, epoch: int, epochs: int) -> float:
        if epochs < 1 or not 0 <= epoch < epochs:
            raise ValueError(
                f"{self!r}: expected 0 <= epoch < epochs, got epoch={epoch!r}, epochs={epochs!r}"
            )
        return epoch / epochs


class constant(Schedule):
    """The same rate every epoch."""

    def __init__(self, lr: float) -> None:
        self.lr = real_number(lr, "constant(lr)", 0.0, open_low=True)

    def __call__(self, epoch: int, epochs: int) -> float:
        self._fraction(epoch, epochs)
        return self.lr

    def __repr__(self) -> str:
        return f"constant({self.lr!r})"


class linear_decay(Schedule):
    """From ``start`` down a straight line towards ``end``: ``start - (start - end) * epoch / epochs``.

    micrograd's demo uses ``1.0 - 0.9 * k / 100`` for step k of 100, which is
    ``linear_decay(1.0, 0.1)``.
    """

    def __init__(self, start: float, end: float) -> None:
        self.start = real_number(start, "linear_decay(start)", 0.0, open_low=True)
        self.end = real_number(end, "linear_decay(end)", 0.0, open_low=True)

    def __call__(self, epoch: int, epochs: int) -> float:
        return self.start - (self.start - self.end) * self._fraction(epoch, epochs)

    def __repr__(self) -> str:
        return f"linear_decay({self.start!r}, {self.end!r})"


class step_decay(Schedule):
    """Multiply the rate by ``factor`` every ``every`` epochs: ``start * factor ** (epoch // every)``."""

    def __init__(self, start: float, every: int, factor: float = 0.1) -> None:
        self.start = real_number(start, "step_decay(start)", 0.0, open_low=True)
        self.every = positive_int(every, "step_decay(every) (epochs)")
        self.factor = real_number(factor, "step_decay(factor)", 0.0, open_low=True)

    def __call__(self, epoch: int, epochs: int) -> float:
        self._fraction(epoch, epochs)
        return self.start * self.factor ** (epoch // self.every)

    def __repr__(self) -> str:
        return f"step_decay({self.start!r}, every={self.every!r}, factor={self.factor!r})"


class cosine_decay(Schedule):
    """Half a cosine from ``start`` to ``end``: ``end + (start - end) * (1 + cos(pi * epoch / epochs)) / 2``.

    The rate stays near ``start`` at first, falls fastest in the middle, and
    flattens out near ``end``.
    """

    def __init__(self, start: float, end: float = 0.0) -> None:
        self.start = real_number(start, "cosine_decay(start)", 0.0, open_low=True)
        self.end = real_number(end, "cosine_decay(end)", 0.0)

    def __call__(self, epoch: int, epochs: int) -> float:
        f = self._fraction(epoch, epochs)
        return self.end + (self.start - self.end) * (1.0 + math.cos(math.pi * f)) / 2.0

    def __repr__(self) -> str:
        return f"cosine_decay({self.start!r}, {self.end!r})"
