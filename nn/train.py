"""The training loop, and helpers to evaluate a model.

One step of training is the whole of backpropagation::

    outputs = [model(x) for x in X_batch]        forward: build the graph
    L = loss(outputs, y_batch) + l2 penalty       one number
    optimizer.zero_grad(); L.backward()           dL/dp for every parameter p
    optimizer.step()                              p -= lr * dL/dp (or Adam's rule)

``fit`` repeats it over the data for a number of epochs and keeps a
``History`` of the loss and the accuracy.
"""

from __future__ import annotations

import gc
import math
import numbers
import sys
from collections.abc import Callable, Sequence
from typing import Any

import autograd
from autograd import Value

from ._checks import check_dataset, check_samples, is_number, positive_int
from .compiled import compiled_loss
from .data import batches
from .losses import get_loss, hinge_loss, l2_penalty
from .module import Module
from .optim import SGD, Optimizer

__all__ = ["fit", "History", "NonFiniteLossError", "accuracy", "predict", "evaluate"]


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite during ``fit``.

    Training stops before that batch changes any parameter. ``epoch`` and
    ``batch`` (both counted from 0) say where it happened; ``history`` holds
    the epochs completed before it.
    """

    def __init__(self, message: str, epoch: int, batch: int, loss: float, history: History) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.batch = batch
        self.loss = loss
        self.history = history


class History:
    """What happened during ``fit``, one entry per epoch.

    Attributes:
        loss: the training objective (the loss plus the L2 penalty), averaged
            over the epoch's batches (weighted by their sizes).
        accuracy: the fraction of training samples classified right, counted
            from the same forward passes that trained the model (so each batch
            is counted before its update); None when the targets are not classes.
        val_loss, val_accuracy: on the validation data (without the penalty),
            after the epoch; empty without validation data.
        lr: the learning rate used in each epoch.
        stopped_early: True if ``target_loss`` was reached before the last epoch.
    """

    def __init__(self) -> None:
        self.loss: list[float] = []
        self.accuracy: list[float | None] = []
        self.val_loss: list[float] = []
        self.val_accuracy: list[float | None] = []
        self.lr: list[float] = []
        self.stopped_early = False

    @property
    def epochs(self) -> int:
        """How many epochs were completed."""
        return len(self.loss)

    def __len__(self) -> int:
        return len(self.loss)

    def as_dict(self) -> dict[str, list]:
        """The per-epoch lists by name (as Keras' ``history.history``)."""
        names = ("loss", "accuracy", "val_loss", "val_accuracy", "lr")
        return {name: list(getattr(self, name)) for name in names}

    def __getitem__(self, name: str) -> list:
        return self.as_dict()[name]

    def __repr__(self) -> str:
        if not self.loss:
            return "History(0 epochs)"
        parts = [f"{self.epochs} epochs", f"loss {self.loss[-1]:.4g}"]
        if self.accuracy[-1] is not None:
            parts.append(f"accuracy {self.accuracy[-1]:.1%}")
        if self.val_loss:
            parts.append(f"val_loss {self.val_loss[-1]:.4g}")
        if self.stopped_early:
            parts.append("stopped early")
        return f"History({', '.join(parts)})"


# ----------------------------------------------------------------------
# deciding classes from outputs


def _threshold(model: Any) -> float:
    """Where a one-output model's score switches class: 0.5 after a sigmoid, else 0."""
    return 0.5 if getattr(model, "output_activation", "linear") == "sigmoid" else 0.0


def _argmax(xs: Sequence[Any]) -> int:
    best = 0
    for i in range(1, len(xs)):
        if float(xs[i]) > float(xs[best]):
            best = i
    return best


def _is_class_label(t: Any) -> bool:
    return is_number(t) and float(t) in (-1.0, 0.0, 1.0)


def _count_correct(outputs: Sequence[Any], targets: Sequence[Any], threshold: float) -> int | None:
    """How many outputs name the right class; None if the targets are not classes.

    One score per sample: the class is positive when score > threshold, and
    the label is positive when it is > 0 (so -1/+1 and 0/1 labels both work).
    Several scores: the class is the index of the largest, compared with an
    index target or with the largest entry of a one-hot target.
    """
    correct = 0
    for out, t in zip(outputs, targets):
        if is_number(out):
            if not _is_class_label(t):
                return None
            correct += (float(out) > threshold) == (float(t) > 0.0)
        elif isinstance(t, numbers.Integral) and not isinstance(t, bool):
            correct += _argmax(out) == t
        elif not is_number(t) and hasattr(t, "__len__") and len(t) == len(out):
            correct += _argmax(out) == _argmax(t)
        else:
            return None
    return correct


def _forward_all(model: Callable[[Any], Any], X: Sequence[Any]) -> list[Any]:
    with autograd.no_grad():
        return [model(x) for x in X]


def predict(model: Module, X: Sequence[Any], classes: Sequence[Any] = (-1, 1)) -> list[Any]:
    """The predicted class of every sample in ``X`` (computed under ``no_grad``).

    A model with one output predicts ``classes[1]`` where its score is above
    0 (above 0.5 after a sigmoid output) and ``classes[0]`` elsewhere; pass
    ``classes=(0, 1)`` for 0/1 labels. A model with several outputs predicts
    the index of the largest one.
    """
    check_samples(X, "predict")
    threshold = _threshold(model)
    out = []
    for o in _forward_all(model, X):
        if is_number(o):
            out.append(classes[1] if float(o) > threshold else classes[0])
        else:
            out.append(_argmax(o))
    return out


def accuracy(model: Module, X: Sequence[Any], y: Sequence[Any]) -> float:
    """The fraction of samples whose predicted class is the label (under ``no_grad``).

    Labels are -1/+1 or 0/1 for one-output models, class indices (or one-hot
    lists) for wider ones.
    """
    check_dataset(X, y, "accuracy")
    correct = _count_correct(_forward_all(model, X), y, _threshold(model))
    if correct is None:
        raise ValueError(
            "accuracy needs class labels: -1/+1 or 0/1 for a model with one output, "
            "class indices 0..C-1 for a model with C outputs"
        )
    return correct / len(y)


def evaluate(
    model: Module, X: Sequence[Any], y: Sequence[Any], loss: str | Callable[[Any, Any], Value] = hinge_loss
) -> tuple[float, float | None]:
    """Return ``(loss, accuracy)`` of the model on a data set, under ``no_grad``.

    The accuracy is None when the targets are not classes (a regression).
    """
    check_dataset(X, y, "evaluate")
    loss_fn = get_loss(loss)
    outputs = _forward_all(model, X)
    with autograd.no_grad():
        value = float(loss_fn(outputs, y))
    correct = _count_correct(outputs, y, _threshold(model))
    return value, None if correct is None else correct / len(y)


# ----------------------------------------------------------------------
# checks


def _check_targets(model: Any, y: Sequence[Any], loss_fn: Callable[[Any, Any], Value], name: str) -> None:
    """Let the loss refuse bad targets now, before any training step changes the model.

    The loss sees outputs of the model's width, all 0, in place of the model's
    own outputs, so the model itself is not run.
    """
    width = _output_width(model)
    if width is None:
        return
    with autograd.no_grad():
        zeros = [Value(0.0) if width == 1 else [Value(0.0) for _ in range(width)] for _ in y]
        try:
            loss_fn(zeros, y)
        except (TypeError, ValueError) as e:
            raise type(e)(f"{name}: {e}") from e


def _output_width(model: Any) -> int | None:
    """How many numbers the model returns per sample, when the model says."""
    if hasattr(model, "nouts"):
        return model.nouts[-1]
    if hasattr(model, "nout"):
        return model.nout
    return 1 if hasattr(model, "w") and hasattr(model, "nin") else None


def _check_widths(model: Any, X: Sequence[Any], name: str) -> None:
    nin = getattr(model, "nin", None)
    if nin is None:
        return
    for i, x in enumerate(X):
        width = 1 if is_number(x) else len(x) if hasattr(x, "__len__") else None
        if width != nin:
            given = f"{width} features" if width is not None else f"a {type(x).__name__}"
            raise ValueError(f"{name}: sample {i} has {given}, but the model takes {nin} inputs")


# ----------------------------------------------------------------------
# progress


class _TextProgress:
    """A progress report for when tqdm is not installed.

    On a terminal, one line rewritten in place; in a log or a captured
    stream, where a carriage return would pile the updates up on one line,
    about ten lines in all.
    """

    def __init__(self, total: int) -> None:
        self.total = total
        self.width = 0
        self.in_place = sys.stderr.isatty()
        self.every = 1 if self.in_place else max(1, total // 10)
        self.pending = ""

    def update(self, epoch: int, status: str) -> None:
        line = f"epoch {epoch}/{self.total}  {status}"
        self.pending = ""
        if self.in_place:
            sys.stderr.write("\r" + line.ljust(self.width))
            self.width = len(line)
        elif epoch % self.every == 0 or epoch == self.total:
            sys.stderr.write(line + "\n")
        else:
            self.pending = line
        sys.stderr.flush()

    def close(self) -> None:
        # The last epoch is always shown, also when training stopped early.
        if self.in_place:
            sys.stderr.write("\n")
        elif self.pending:
            sys.stderr.write(self.pending + "\n")
        sys.stderr.flush()


class _TqdmProgress:
    def __init__(self, total: int, tqdm: Any) -> None:
        self.bar = tqdm(total=total, desc="fit", unit="epoch", leave=True)

    def update(self, epoch: int, status: str) -> None:
        self.bar.set_postfix_str(status, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def _progress(total: int) -> _TextProgress | _TqdmProgress:
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is the optional extra 'progress'; a plain line does the job.
        return _TextProgress(total)
    return _TqdmProgress(total, tqdm)


def _status(history: History) -> str:
    parts = [f"loss {history.loss[-1]:.4f}"]
    if history.accuracy[-1] is not None:
        parts.append(f"acc {history.accuracy[-1]:.1%}")
    if history.val_loss:
        parts.append(f"val_loss {history.val_loss[-1]:.4f}")
        if history.val_accuracy[-1] is not None:
            parts.append(f"val_acc {history.val_accuracy[-1]:.1%}")
    return "  ".join(parts)


# ----------------------------------------------------------------------
# the loop


def _stopped(what: str, epoch: int, epochs: int, batch: int, n_batches: int, Xb: Sequence[Any]) -> str:
    bad = [
        i
        for i, x in enumerate(Xb)
        if any(math.isnan(float(v)) for v in (x if hasattr(x, "__len__") else [x]))
    ]
    if bad:
        hint = f"sample {bad[0]} of this batch has a NaN input: check the data"
    else:
        hint = "a smaller learning rate usually helps"
    return (
        f"the loss {what} in epoch {epoch} of 0..{epochs - 1}, batch {batch} of 0..{n_batches - 1}; "
        f"training stopped before this batch changed the parameters ({hint})"
    )


def fit(
    model: Module,
    X: Sequence[Any],
    y: Sequence[Any],
    loss: str | Callable[[Any, Any], Value] = hinge_loss,
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    l2: float = 0.0,
    schedule: Callable[[int, int], float] | None = None,
    validation_data: tuple[Sequence[Any], Sequence[Any]] | None = None,
    target_loss: float | None = None,
    monitor: str = "loss",
    shuffle: bool = True,
    seed: int | None = None,
    progress: bool = True,
    compile: bool = False,  # noqa: A002 -- the name the issue and autograd.compile use
) -> History:
    """Train ``model`` on ``(X, y)`` and return the ``History`` of every epoch.

    Args:
        model: a Module (``MLP``, ``Layer``, ``Neuron``).
        X, y: the samples (lists of numbers) and their targets.
        loss: a loss function ``loss(outputs, targets) -> Value`` or its name
            ("hinge", "mse", "bce", "cross_entropy"); hinge by default.
        optimizer: an ``SGD`` or ``Adam`` over ``model.parameters()``; by
            default ``SGD(model.parameters(), lr=0.1)``.
        epochs: how many passes over the data.
        batch_size: None for full-batch gradient descent (one step per epoch,
            over all samples), 1 for single-sample SGD, k for mini-batches of
            k samples (one step per batch, reshuffled every epoch).
        l2: alpha of the L2 penalty ``alpha * sum(p**2)`` added to the loss.
        schedule: ``schedule(epoch, epochs) -> lr`` applied at the start of
            every epoch (``linear_decay``, ``step_decay``, ``cosine_decay``);
            without one the optimizer's rate stays as it is.
        validation_data: ``(X_val, y_val)``, evaluated after every epoch.
        target_loss: stop as soon as an epoch's monitored loss is at or below it.
        monitor: "loss" (training) or "val_loss" (needs validation data).
        shuffle, seed: reshuffle mini-batches every epoch, reproducibly with seed.
        progress: a progress bar with loss and accuracy (tqdm when installed,
            otherwise a line of text on stderr); False prints nothing.
        compile: replay compiled per-sample code instead of building graphs
            (``nn.compiled``): the same training to about 1e-12, several times
            faster; for mse, hinge and bce (otherwise a warning, and the graph).

    Raises:
        NonFiniteLossError: the loss became NaN or infinite; it says in which
            epoch and batch, and that batch has changed nothing.

    Python's cyclic garbage collector is paused while training (and restored
    after, also on an error): the graphs hold no reference cycles, so reference
    counting frees them, and the collector would otherwise scan the thousands
    of fresh Values of every step over and over, for nothing (micrograd's moons
    demo trains 1.1 to 2.4 times faster without it, measured on a 2-core machine).
    """
    check_dataset(X, y, "fit")
    _check_widths(model, X, "fit")
    loss_fn = get_loss(loss)
    epochs = positive_int(epochs, "fit(epochs)")
    if batch_size is not None:
        batch_size = positive_int(batch_size, "fit(batch_size)")
    if isinstance(l2, bool) or not isinstance(l2, numbers.Real) or not (math.isfinite(l2) and l2 >= 0):
        raise ValueError(f"fit(l2): expected a number >= 0, got {l2!r}")
    if target_loss is not None and (
        isinstance(target_loss, bool) or not isinstance(target_loss, numbers.Real)
    ):
        raise ValueError(f"fit(target_loss): expected a number or None, got {target_loss!r}")
    if monitor not in ("loss", "val_loss"):
        raise ValueError(f"fit(monitor): expected 'loss' or 'val_loss', got {monitor!r}")
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("fit(validation_data): expected a pair (X_val, y_val)")
        check_dataset(*validation_data, "fit(validation_data)")
        _check_widths(model, validation_data[0], "fit(validation_data)")
        _check_targets(model, validation_data[1], loss_fn, "fit(validation_data)")
    elif monitor == "val_loss":
        raise ValueError("fit(monitor='val_loss') needs validation_data=(X_val, y_val)")
    if schedule is not None and not callable(schedule):
        raise TypeError(f"fit(schedule): expected a function schedule(epoch, epochs) -> lr, got {schedule!r}")
    if optimizer is None:
        optimizer = SGD(model.parameters(), lr=0.1)

    params = model.parameters()
    if compile:  # a target the loss refuses is found now, named by its index in y, not later in a trace
        _check_targets(model, y, loss_fn, "fit")
    replay = compiled_loss(model, loss_fn, params, l2, y) if compile else None
    n_batches = 1 if batch_size is None else math.ceil(len(X) / batch_size)
    threshold = _threshold(model)
    history = History()
    bar = _progress(epochs) if progress else None
    collecting = gc.isenabled()
    gc.disable()
    try:
        for epoch in range(epochs):
            if schedule is not None:
                optimizer.lr = schedule(epoch, epochs)
            lr = optimizer.lr
            if batch_size is None:
                epoch_batches: Any = [(X, y)]
            else:
                epoch_batches = batches(
                    X, y, batch_size, shuffle=shuffle, seed=None if seed is None else seed + epoch
                )
            total_loss = 0.0
            correct: int | None = 0
            for b, (Xb, yb) in enumerate(epoch_batches):
                try:
                    if replay is not None:  # sets every p.grad; no graph
                        value, outputs = replay.gradients(Xb, yb)
                    else:
                        outputs = [model(x) for x in Xb]
                        L = loss_fn(outputs, yb)
                        if l2:
                            L = L + l2_penalty(params, l2)
                        value = L.data
                except OverflowError as e:
                    # A diverging run overflows a float before it reaches NaN: the same failure.
                    where = f"overflowed ({e})"
                    raise NonFiniteLossError(
                        _stopped(where, epoch, epochs, b, n_batches, Xb), epoch, b, math.inf, history
                    ) from e
                if not math.isfinite(value):
                    where = f"became {value}"
                    raise NonFiniteLossError(
                        _stopped(where, epoch, epochs, b, n_batches, Xb), epoch, b, value, history
                    )
                if replay is None:
                    optimizer.zero_grad()
                    L.backward()
                optimizer.step()
                total_loss += value * len(Xb)
                if correct is not None:
                    c = _count_correct(outputs, yb, threshold)
                    correct = None if c is None else correct + c
                del outputs  # free this batch's graph before building the next one
                L = None
            # Recorded with the epoch's other entries, so a NonFiniteLossError's history
            # has the same number of entries in every list.
            history.lr.append(lr)
            history.loss.append(total_loss / len(X))
            history.accuracy.append(None if correct is None else correct / len(X))
            if validation_data is not None:
                val_loss, val_acc = evaluate(model, validation_data[0], validation_data[1], loss_fn)
                history.val_loss.append(val_loss)
                history.val_accuracy.append(val_acc)
            if bar is not None:
                bar.update(epoch + 1, _status(history))
            if target_loss is not None:
                watched = history.loss[-1] if monitor == "loss" else history.val_loss[-1]
                if watched <= target_loss:
                    history.stopped_early = epoch + 1 < epochs
                    break
    finally:
        if collecting:
            gc.enable()
        if bar is not None:
            bar.close()
    return history
