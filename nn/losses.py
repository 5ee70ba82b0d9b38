"""Loss functions: one number that says how wrong the model is.

Each loss takes the model's outputs for a batch of samples (Values) and the
targets (plain numbers) and returns one Value, the *mean* over the batch, so
that ``loss.backward()`` fills every parameter's ``.grad`` with
d(loss)/d(parameter). Because the mean is taken, the size of the gradient does
not grow with the batch, and the same learning rate works for any batch size.

Every loss also accepts a single sample (one output and one target).

The sums over the batch use ``autograd.sum``: one node with many inputs
instead of a long chain of additions.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, Union

import autograd
from autograd import Value
from autograd.checks import did_you_mean, real_number

from ._checks import is_number

__all__ = [
    "mse_loss",
    "hinge_loss",
    "binary_cross_entropy_with_logits",
    "bce_with_logits",
    "cross_entropy",
    "softmax_cross_entropy",
    "l2_penalty",
    "LOSSES",
    "get_loss",
]

Scalar = Union[Value, int, float]


def _pairs(outputs: Any, targets: Any, name: str) -> tuple[list[Any], list[Any]]:
    """Line up outputs and targets sample by sample, wrapping a single sample."""
    if is_number(outputs):
        outputs, targets = [outputs], [targets]
    if isinstance(targets, (str, bytes)) or not hasattr(targets, "__len__"):
        raise TypeError(f"{name}: expected a list of targets, got {type(targets).__name__}")
    outputs, targets = list(outputs), list(targets)
    if len(outputs) != len(targets):
        raise ValueError(f"{name}: got {len(outputs)} outputs but {len(targets)} targets; they must match")
    if not outputs:
        raise ValueError(f"{name}: got an empty batch (no outputs); expected at least one sample")
    return outputs, targets


def _one_score(out: Any, i: int, name: str) -> Value:
    if not is_number(out):
        width = f" of {len(out)}" if hasattr(out, "__len__") else ""
        raise ValueError(
            f"{name} expects one score per sample (a model with one output), "
            f"got {type(out).__name__}{width} for sample {i}"
        )
    return out if isinstance(out, Value) else Value(out)


def _real(t: Any, i: int, name: str) -> float:
    if isinstance(t, Value):
        return t.data
    if isinstance(t, bool) or not isinstance(t, numbers.Real):
        raise TypeError(f"{name}: target {i} should be a number, got {type(t).__name__} ({t!r:.40})")
    return float(t)


def _mean(terms: list[Value]) -> Value:
    """The mean of the per-sample terms, labelled L: the loss the lecture writes.

    One term is its own mean, so a single sample's loss has no ``÷ 1`` node.
    """
    loss = terms[0] if len(terms) == 1 else autograd.sum(terms) / len(terms)
    if not loss.label:
        loss.label = "L"
    return loss


def mse_loss(outputs: Any, targets: Any) -> Value:
    """Mean squared error: ``L = (1/N) * sum_i (out_i - t_i)**2``.

    dL/d(out_i) = 2 (out_i - t_i) / N: the error itself, scaled. For models
    with several outputs, each target is a list of the same width and the mean
    is over every number (as in PyTorch).
    """
    outputs, targets = _pairs(outputs, targets, "mse_loss")
    terms = []
    for i, (out, t) in enumerate(zip(outputs, targets)):
        if is_number(out):
            terms.append((out - _real(t, i, "mse_loss")) ** 2)
            continue
        if is_number(t) or len(out) != len(t):
            given = "a number" if is_number(t) else f"a list of {len(t)}"
            raise ValueError(f"mse_loss: sample {i} has {len(out)} outputs but its target is {given}")
        terms.extend((o - _real(tj, i, "mse_loss")) ** 2 for o, tj in zip(out, t))
    return _mean(terms)


def hinge_loss(scores: Any, labels: Any) -> Value:
    """Max-margin (hinge) loss: ``L = (1/N) * sum_i relu(1 - y_i * s_i)``.

    Labels are -1 or +1. A sample costs nothing once it is on the right side
    with a margin (y * s >= 1); otherwise the cost grows linearly, and
    dL/ds_i = -y_i / N pushes its score the right way. This is the loss of
    micrograd's demo.
    """
    scores, labels = _pairs(scores, labels, "hinge_loss")
    terms = []
    for i, (s, label) in enumerate(zip(scores, labels)):
        s = _one_score(s, i, "hinge_loss")
        y = _real(label, i, "hinge_loss")
        if y != 1.0 and y != -1.0:
            raise ValueError(
                f"hinge_loss expects labels -1 or +1, got {label!r} for sample {i}; "
                "for 0/1 labels use binary_cross_entropy_with_logits, or map them with y = 2*y - 1"
            )
        terms.append((1.0 - y * s).relu())
    return _mean(terms)


def _softplus(z: Scalar) -> Value:
    """log(1 + e**z), computed without overflow for any z.

    For z > 0 it is rewritten as z + log(1 + e**-z), so e is only ever raised
    to a power <= 0. Both forms are the same function, so the gradient,
    sigmoid(z), is exact on either side.
    """
    if not isinstance(z, Value):
        z = Value(z)
    if z.data > 0.0:
        return z + (1.0 + (-z).exp()).log()
    return (1.0 + z.exp()).log()


def binary_cross_entropy_with_logits(logits: Any, targets: Any) -> Value:
    """Binary cross-entropy on raw scores (logits), with targets 0 or 1.

    With p = sigmoid(z) the predicted probability of class 1::

        L = (1/N) * sum_i -[t_i log(p_i) + (1 - t_i) log(1 - p_i)]
          = (1/N) * sum_i [log(1 + e**z_i) - t_i z_i]

    The second line is the same number, but it never takes the log of a
    probability that rounded to 0, so it is stable for any z. Its gradient is
    simply dL/dz_i = (sigmoid(z_i) - t_i) / N. Targets may also be
    probabilities in [0, 1].
    """
    logits, targets = _pairs(logits, targets, "binary_cross_entropy_with_logits")
    terms = []
    for i, (z, target) in enumerate(zip(logits, targets)):
        z = _one_score(z, i, "binary_cross_entropy_with_logits")
        t = _real(target, i, "binary_cross_entropy_with_logits")
        if not 0.0 <= t <= 1.0:
            hint = "; for -1/+1 labels use hinge_loss, or map them with t = (y + 1) / 2" if t == -1.0 else ""
            raise ValueError(
                f"binary_cross_entropy_with_logits expects targets 0 or 1 (or a probability in [0, 1]), "
                f"got {target!r} for sample {i}{hint}"
            )
        terms.append(_softplus(z) - t * z if t else _softplus(z))
    return _mean(terms)


#: A short name for ``binary_cross_entropy_with_logits``.
bce_with_logits = binary_cross_entropy_with_logits


def _class_index(t: Any, nclasses: int, i: int | None) -> int:
    where = "" if i is None else f" for sample {i}"
    if isinstance(t, bool) or not isinstance(t, numbers.Integral):
        hint = f"; did you mean {int(t)}?" if isinstance(t, float) and t.is_integer() else ""
        raise TypeError(
            f"cross_entropy expects an integer class index in 0..{nclasses - 1}, "
            f"got {type(t).__name__} {t!r:.40}{where}{hint}"
        )
    if not 0 <= t < nclasses:
        raise ValueError(
            f"cross_entropy expects a class index in 0..{nclasses - 1} ({nclasses} logits), got {t!r}{where}"
        )
    return int(t)


def _cross_entropy_one(logits: Sequence[Scalar], target: Any, i: int | None) -> Value:
    if is_number(logits) or len(logits) < 2:
        raise ValueError(
            "cross_entropy expects a list of at least 2 logits per sample (one per class); "
            "for one score per sample use binary_cross_entropy_with_logits or hinge_loss"
        )
    k = _class_index(target, len(logits), i)
    # log-sum-exp with the largest logit taken out, so that exp never overflows:
    # log sum_j e**z_j = m + log sum_j e**(z_j - m). m is a plain float: the shift
    # cancels in the loss, so it carries no gradient.
    m = max(float(z) for z in logits)
    lse = autograd.sum(
        [(z - m).exp() if isinstance(z, Value) else Value(math.exp(z - m)) for z in logits]
    ).log()
    return lse + m - logits[k]


def cross_entropy(logits: Any, target: Any) -> Value:
    """Softmax cross-entropy of one sample: ``L = -log softmax(z)[k]``.

    ``logits`` are the raw scores z_0..z_{C-1} of the C classes and ``target``
    is the index k of the right class. With softmax(z)_j = e**z_j / sum e**z::

        L = log(sum_j e**z_j) - z_k

    computed as a *log-sum-exp* with the largest logit m taken out,
    m + log(sum_j e**(z_j - m)), which never overflows. The gradient is
    dL/dz_j = softmax(z)_j - [j == k]: the predicted probabilities minus the
    one-hot target.

    Given a batch (a list of logit lists and a list of targets) it returns
    the mean over the batch, like ``softmax_cross_entropy``.
    """
    if not is_number(logits) and len(logits) and not is_number(logits[0]):
        return softmax_cross_entropy(logits, target)
    return _cross_entropy_one(logits, target, None)


def softmax_cross_entropy(logits: Any, targets: Any) -> Value:
    """Mean softmax cross-entropy over a batch: ``(1/N) * sum_i cross_entropy(z_i, k_i)``.

    ``logits`` holds one list of C scores per sample (a model whose last
    layer has C neurons and a linear activation); ``targets`` the class
    indices 0..C-1.
    """
    if is_number(logits) or (len(logits) and is_number(logits[0])):
        raise ValueError(
            "softmax_cross_entropy expects one list of logits per sample (a batch); "
            "for a single sample use cross_entropy(logits, target)"
        )
    logits, targets = _pairs(logits, targets, "softmax_cross_entropy")
    terms = [_cross_entropy_one(z, t, i) for i, (z, t) in enumerate(zip(logits, targets))]
    return _mean(terms)


def l2_penalty(parameters: Sequence[Value], alpha: float = 1.0) -> Value:
    """L2 regularization: ``alpha * sum_p p**2`` over the given parameters.

    Added to a loss, it pulls every weight towards 0 by adding 2 * alpha * p
    to its gradient ("weight decay"), which keeps the network from relying on
    a few huge weights. micrograd's demo uses alpha = 1e-4 over all parameters.
    """
    params = list(parameters)
    if not params:
        raise ValueError("l2_penalty: got no parameters")
    alpha = real_number(alpha, "l2_penalty(alpha)", 0.0)
    return autograd.sum([p * p for p in params]) * alpha


#: The losses by name, for ``fit(loss="hinge")``.
LOSSES: dict[str, Callable[[Any, Any], Value]] = {
    "mse": mse_loss,
    "hinge": hinge_loss,
    "bce": binary_cross_entropy_with_logits,
    "cross_entropy": softmax_cross_entropy,
}


def get_loss(loss: str | Callable[[Any, Any], Value]) -> Callable[[Any, Any], Value]:
    """Return a loss function given itself or its name (see ``LOSSES``)."""
    if callable(loss):
        return loss
    if isinstance(loss, str) and loss in LOSSES:
        return LOSSES[loss]
    hint = did_you_mean(str(loss), LOSSES)
    raise ValueError(
        f"unknown loss {loss!r}: expected a function or one of {', '.join(map(repr, LOSSES))}{hint}"
    )
