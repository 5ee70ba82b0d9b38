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
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import autograd
from autograd import Value
from autograd.checks import did_you_mean, positive_int, real_number

from ._checks import check_dataset, check_samples, is_number
from .data import batches
from .losses import get_loss, hinge_loss, l2_penalty
from .module import Module
from .optim import SGD, Optimizer

__all__ = ["fit", "History", "NonFiniteLossError", "accuracy", "predict", "evaluate"]


class NonFiniteLossError(FloatingPointError):
    """The loss, or the gradient of a finite loss, became NaN or infinite during ``fit``.

    Training stops before that batch changes any parameter or the optimizer's
    state. ``epoch`` and ``batch`` (both counted from 0) say where it happened;
    ``history`` holds the epochs completed before it; ``parameters`` names the
    parameters whose gradient was not finite (empty when the loss itself was not).
    """

    def __init__(self, message: str, epoch: int, batch: int, loss: float, history: History,
                 parameters: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.batch = batch
        self.loss = loss
        self.history = history
        self.parameters = parameters


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


def _as_sequence(data: Any, what: str, name: str) -> Sequence[Any]:
    """``data`` ready to be read by index, as often as needed.

    A list, a tuple, a range or any other sequence is used as it is. A numpy
    array (or anything else numpy can read: ``__array__``) becomes nested lists
    of Python numbers, row by row, so that a row is a list and no numpy truth
    value or scalar type reaches the checks. A one-shot iterator (a generator)
    is refused rather than copied: the data are read once to be checked and
    then once per epoch, and an endless generator would never end the copy.
    """
    if hasattr(data, "__array__") and not isinstance(data, (list, tuple, Value)):
        import numpy  # anything with __array__ was made for numpy, so numpy is installed

        return numpy.asarray(data).tolist()
    if isinstance(data, Iterator):
        raise TypeError(
            f"{name}: {what} is a {type(data).__name__}, which can be read only once, but the data are "
            f"read once per epoch; pass list({what}) (or a list, a tuple or a numpy array)"
        )
    if isinstance(data, Mapping) or (hasattr(data, "__len__") and not hasattr(data, "__getitem__")):
        raise TypeError(
            f"{name}: {what} is a {type(data).__name__}; expected a sequence read by position "
            "(a list, a tuple or a numpy array)"
        )
    return data


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
    X = _as_sequence(X, "X", "predict")
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
    X, y = _as_sequence(X, "X", "accuracy"), _as_sequence(y, "y", "accuracy")
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
    X, y = _as_sequence(X, "X", "evaluate"), _as_sequence(y, "y", "evaluate")
    check_dataset(X, y, "evaluate")
    loss_fn = get_loss(loss)
    outputs = _forward_all(model, X)
    with autograd.no_grad():
        value = float(loss_fn(outputs, y))
    correct = _count_correct(outputs, y, _threshold(model))
    return value, None if correct is None else correct / len(y)


# ----------------------------------------------------------------------
# checking the arguments and the data, before anything is trained


class _Plan(NamedTuple):
    """fit's arguments, checked and in the form the loop uses."""

    loss_fn: Callable[[Any, Any], Value]
    optimizer: Optimizer
    epochs: int
    batch_size: int | None
    l2: float
    schedule: Callable[[int, int], float] | None
    validation: tuple[Sequence[Any], Sequence[Any]] | None
    target_loss: float | None
    monitor: str
    shuffle: bool
    seed: int | None
    # fit(compile=True): a CompiledLoss that gives each batch's loss and sets
    # every p.grad without building a graph (nn.compiled); None trains by graphs.
    replay: Any = None


def _check_arguments(model: Module, **a: Any) -> _Plan:
    """Check every argument of fit except the data; return them ready for the loop."""
    batch_size = a["batch_size"]
    validation = a["validation_data"]
    monitor = a["monitor"]
    if monitor not in ("loss", "val_loss"):
        hint = did_you_mean(str(monitor), ("loss", "val_loss"))
        raise ValueError(f"fit(monitor): expected 'loss' or 'val_loss', got {monitor!r:.60}{hint}")
    if validation is not None and (not isinstance(validation, (tuple, list)) or len(validation) != 2):
        raise ValueError("fit(validation_data): expected a pair (X_val, y_val)")
    if validation is None and monitor == "val_loss":
        raise ValueError("fit(monitor='val_loss') needs validation_data=(X_val, y_val)")
    schedule = a["schedule"]
    if schedule is not None and not callable(schedule):
        raise TypeError(f"fit(schedule): expected a function schedule(epoch, epochs) -> lr, got {schedule!r}")
    target_loss = a["target_loss"]
    return _Plan(
        loss_fn=get_loss(a["loss"]),
        optimizer=_check_optimizer(model, a["optimizer"]),
        epochs=positive_int(a["epochs"], "fit(epochs)"),
        batch_size=None if batch_size is None else positive_int(batch_size, "fit(batch_size)"),
        l2=real_number(a["l2"], "fit(l2)", 0.0),
        schedule=schedule,
        validation=None if validation is None else (
            _as_sequence(validation[0], "X_val", "fit(validation_data)"),
            _as_sequence(validation[1], "y_val", "fit(validation_data)"),
        ),
        target_loss=None if target_loss is None else real_number(target_loss, "fit(target_loss)"),
        monitor=monitor,
        shuffle=a["shuffle"],
        seed=a["seed"],
    )


def _check_optimizer(model: Module, optimizer: Optimizer | None) -> Optimizer:
    """The optimizer to use: SGD with lr=0.1 by default, never one that trains none of the model."""
    if optimizer is None:
        return SGD(model.parameters(), lr=0.1)
    ours = {id(p) for p in model.parameters()}
    theirs = getattr(optimizer, "params", None)
    if ours and theirs is not None and not any(id(p) in ours for p in theirs):
        raise ValueError(
            f"fit(optimizer): the optimizer updates {len(theirs)} parameters, none of them this model's "
            f"(it was built over another model); build it over this one: "
            f"{type(optimizer).__name__}(model.parameters(), ...)"
        )
    return optimizer


def _numbers_of(item: Any) -> Sequence[Any]:
    """The numbers in one sample or target: itself when it is a number, else its entries."""
    if is_number(item):
        return (item,)
    if isinstance(item, (str, bytes)) or not hasattr(item, "__len__"):
        return ()
    return item


def _check_data(model: Any, X: Sequence[Any], y: Sequence[Any], loss_fn: Callable[[Any, Any], Value],
                name: str) -> None:
    """Refuse bad data before the first update, naming the sample by its index in the data set."""
    check_dataset(X, y, name)
    _check_features(model, X, name)
    for i, t in enumerate(y):
        for v in _numbers_of(t):
            if is_number(v) and not math.isfinite(float(v)):
                raise ValueError(
                    f"{name}: target {i} contains {float(v)}; every target must be a finite number"
                )
    _check_targets(model, y, loss_fn, name)


def _check_features(model: Any, X: Sequence[Any], name: str) -> None:
    nin = getattr(model, "nin", None)
    for i, x in enumerate(X):
        values = _numbers_of(x)
        if nin is not None and (len(values) != nin or (len(values) == 0 and not is_number(x))):
            width = len(values) if hasattr(x, "__len__") and not isinstance(x, (str, bytes)) else None
            given = f"{width} features" if width is not None else f"a {type(x).__name__}"
            raise ValueError(f"{name}: sample {i} has {given}, but the model takes {nin} inputs")
        for j, v in enumerate(values):
            if not is_number(v):
                raise TypeError(
                    f"{name}: feature {j} of sample {i} should be a number, got {type(v).__name__} {v!r:.40}"
                )
            if not math.isfinite(float(v)):
                raise ValueError(
                    f"{name}: feature {j} of sample {i} is {float(v)}; every feature must be a finite number "
                    "(a missing value, or one that overflowed when the data were made?)"
                )


def _check_targets(model: Any, y: Sequence[Any], loss_fn: Callable[[Any, Any], Value], name: str) -> None:
    """Let the loss refuse bad targets now, before any training step changes the model.

    The loss sees outputs of the model's width, all 0, in place of the model's
    own outputs, so the model itself is not run.
    """
    width = getattr(model, "output_width", None)
    if width is None:
        return
    with autograd.no_grad():
        zeros = [Value(0.0) if width == 1 else [Value(0.0) for _ in range(width)] for _ in y]
        try:
            loss_fn(zeros, y)
        except (TypeError, ValueError) as e:
            raise type(e)(f"{name}: {e}") from e


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
# one training step, and what to say when its loss is not finite


def _batch_loss(model: Module, Xb: Sequence[Any], yb: Sequence[Any], plan: _Plan,
                params: list[Value]) -> tuple[list[Any], Value]:
    """The forward pass of one batch: the outputs, and the loss plus the L2 penalty."""
    outputs = [model(x) for x in Xb]
    L = plan.loss_fn(outputs, yb)
    if not isinstance(L, Value):
        raise TypeError(
            f"fit(loss): a loss must return a Value (one number computed from the model's outputs, "
            f"so that backward() can reach every parameter), got {type(L).__name__} {L!r:.40}; "
            "build it from the outputs with Value operations (+, *, autograd.sum, ...), without float()"
        )
    if plan.l2:
        L = L + l2_penalty(params, plan.l2)
    return outputs, L


def _cause(X: Sequence[Any], y: Sequence[Any], indices: Sequence[int], updated: bool) -> str:
    """The most likely reason why a batch's loss is not finite, from what is known for sure."""
    size, where = 0.0, ""
    for i in indices:
        for kind, item in (("an input", X[i]), ("a target", y[i])):
            for v in _numbers_of(item):
                if is_number(v) and abs(float(v)) > size:
                    size, where = abs(float(v)), f"sample {i} of the data set has {kind} of {float(v):g}"
    if math.isinf(size * size):
        return f"{where}, so large that its square overflows a float: scale the data"
    if not updated:
        return (
            "no parameter had been updated yet, so the learning rate is not the cause: "
            "look at the loss function, the initial weights and the data"
        )
    return "a smaller learning rate usually helps"


def _stopped(what: str, epoch: int, batch: int, plan: _Plan, n_batches: int, hint: str) -> str:
    return (
        f"the loss {what} in epoch {epoch} of 0..{plan.epochs - 1}, batch {batch} of 0..{n_batches - 1}; "
        f"training stopped before this batch changed the parameters ({hint})"
    )


def _not_finite_gradients(params: Sequence[Value], names: dict[int, str]) -> list[tuple[str, str, float]]:
    """(key, label, ∂L/∂p) of every parameter whose gradient is NaN or infinite."""
    bad = []
    for i, p in enumerate(params):
        g = p.grad
        if not math.isfinite(g):
            bad.append((names.get(id(p)) or p.label or f"parameter {i} of the optimizer", p.label, g))
    return bad


def _said(key: str, label: str) -> str:
    """``w⁽¹⁾₂₁ = 'layers.0.neurons.1.w.0'``: the lecture's name, then the key the code uses."""
    if not label or label == key:
        return repr(key)
    from autograd.views.markup import unicode  # on this error's path only: import nn loads no view

    return f"{unicode(label)} = {key!r}"


def _gradient_stopped(bad: list[tuple[str, str, float]], value: float, epoch: int, batch: int, plan: _Plan,
                      n_batches: int) -> str:
    shown = ", ".join(f"{_said(key, label)} ({g})" for key, label, g in bad[:5])
    more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
    return (
        f"the gradient of the loss is not finite in epoch {epoch} of 0..{plan.epochs - 1}, "
        f"batch {batch} of 0..{n_batches - 1}, although the loss is ({value:.6g}): ∂L/∂p for "
        f"{len(bad)} parameter{'s' if len(bad) != 1 else ''}, {shown}{more}; training stopped before "
        "this batch changed the parameters or the optimizer's state (a function whose slope is infinite "
        "or undefined where it was evaluated, such as √u or |u|ᵖ with p < 1 at u = 0, or numbers so "
        "large that a product in the backward pass overflows)"
    )


# ----------------------------------------------------------------------
# the epoch loop


def _epoch_batches(n: int, plan: _Plan, epoch: int) -> list[list[int] | None]:
    """The indices of each batch of this epoch; None for one batch of the whole data set."""
    if plan.batch_size is None:
        return [None]
    order = list(range(n))
    seed = None if plan.seed is None else plan.seed + epoch
    return [chunk for chunk, _ in batches(order, order, plan.batch_size, shuffle=plan.shuffle, seed=seed)]


def _run_epoch(model: Module, X: Sequence[Any], y: Sequence[Any], plan: _Plan, epoch: int,
               history: History) -> tuple[float, int | None]:
    """One pass over the data, one step per batch: return (sum of loss x batch size, correct or None)."""
    params = model.parameters()
    # The optimizer may update only part of the model: its parameters are the ones whose
    # gradients must be finite before a step.
    stepped = getattr(plan.optimizer, "params", None) or params
    names = {id(p): name for name, p in model.named_parameters()}
    threshold = _threshold(model)
    chunks = _epoch_batches(len(X), plan, epoch)
    total_loss, correct = 0.0, 0
    for b, chunk in enumerate(chunks):
        if chunk is None:
            Xb, yb, indices = X, y, range(len(X))
        else:
            Xb, yb, indices = [X[i] for i in chunk], [y[i] for i in chunk], chunk
        updated = epoch > 0 or b > 0
        try:
            if plan.replay is not None:  # the loss, and every p.grad, with no graph
                value, outputs = plan.replay.gradients(Xb, yb)
            else:
                outputs, L = _batch_loss(model, Xb, yb, plan, params)
                value = L.data
        except OverflowError as e:
            # A diverging run overflows a float before it reaches NaN: the same failure.
            hint = _cause(X, y, indices, updated)
            message = _stopped(f"overflowed ({e})", epoch, b, plan, len(chunks), hint)
            raise NonFiniteLossError(message, epoch, b, math.inf, history) from e
        if not math.isfinite(value):
            message = _stopped(f"became {value}", epoch, b, plan, len(chunks), _cause(X, y, indices, updated))
            raise NonFiniteLossError(message, epoch, b, value, history)
        if plan.replay is None:
            plan.optimizer.zero_grad()
            L.backward()
        bad = _not_finite_gradients(stepped, names)
        if bad:
            message = _gradient_stopped(bad, value, epoch, b, plan, len(chunks))
            raise NonFiniteLossError(message, epoch, b, value, history, tuple(key for key, _, _ in bad))
        plan.optimizer.step()
        total_loss += value * len(Xb)
        if correct is not None:
            c = _count_correct(outputs, yb, threshold)
            correct = None if c is None else correct + c
        del outputs  # free this batch's graph before building the next one
        L = None
    return total_loss, correct


def _train(model: Module, X: Sequence[Any], y: Sequence[Any], plan: _Plan,
           bar: _TextProgress | _TqdmProgress | None) -> History:
    history = History()
    for epoch in range(plan.epochs):
        if plan.schedule is not None:
            plan.optimizer.lr = plan.schedule(epoch, plan.epochs)
        lr = plan.optimizer.lr
        total_loss, correct = _run_epoch(model, X, y, plan, epoch, history)
        # Recorded together after the epoch, so a NonFiniteLossError's history has the
        # same number of entries in every list.
        history.lr.append(lr)
        history.loss.append(total_loss / len(X))
        history.accuracy.append(None if correct is None else correct / len(X))
        if plan.validation is not None:
            val_loss, val_acc = evaluate(model, *plan.validation, plan.loss_fn)
            history.val_loss.append(val_loss)
            history.val_accuracy.append(val_acc)
        if bar is not None:
            bar.update(epoch + 1, _status(history))
        if _reached_target(history, plan):
            history.stopped_early = epoch + 1 < plan.epochs
            break
    return history


def _reached_target(history: History, plan: _Plan) -> bool:
    if plan.target_loss is None:
        return False
    watched = history.loss[-1] if plan.monitor == "loss" else history.val_loss[-1]
    return watched <= plan.target_loss


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
        X, y: the samples (lists of numbers) and their targets: lists, tuples,
            ranges, numpy arrays (one row per sample; a 1-D array for models
            with one input), or any other sequence; not a generator, which
            could be read only once.
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
        ValueError, TypeError: a bad argument, or bad data (a feature or a
            target that is not a finite number, a label the loss does not
            take); found before the first update, so the model is untouched,
            and named by its index in the data set.
        NonFiniteLossError: the loss became NaN or infinite, or the loss is
            finite but the gradient of some parameter is not (√u at u = 0);
            it says in which epoch and batch (and which parameters), and that
            batch has changed neither the parameters nor the optimizer's state.

    Python's cyclic garbage collector is paused while training (and restored
    after, also on an error): the graphs hold no reference cycles, so reference
    counting frees them, and the collector would otherwise scan the thousands
    of fresh Values of every step over and over, for nothing (micrograd's moons
    demo trains 1.1 to 2.4 times faster without it, measured on a 2-core machine).
    """
    plan = _check_arguments(
        model, loss=loss, optimizer=optimizer, epochs=epochs, batch_size=batch_size, l2=l2,
        schedule=schedule, validation_data=validation_data, target_loss=target_loss,
        monitor=monitor, shuffle=shuffle, seed=seed,
    )
    X, y = _as_sequence(X, "X", "fit"), _as_sequence(y, "y", "fit")
    _check_data(model, X, y, plan.loss_fn, "fit")
    if plan.validation is not None:
        _check_data(model, *plan.validation, plan.loss_fn, "fit(validation_data)")
    if compile:
        from .compiled import compiled_loss  # code generation loads only when asked for

        plan = plan._replace(replay=compiled_loss(model, plan.loss_fn, model.parameters(), plan.l2, y))
    bar = _progress(plan.epochs) if progress else None
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _train(model, X, y, plan, bar)
    finally:
        if collecting:
            gc.enable()
        if bar is not None:
            bar.close()
