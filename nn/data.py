"""Small data sets in pure Python, splitting, and mini-batches.

Every generator returns ``(X, y)``: ``X`` a list of samples, each a list of
floats, and ``y`` a list of labels, one per sample. Give ``seed`` (an int) to
get the same data every time; the global ``random`` state is never touched.

Labels:
- the two-class sets (moons, circles, XOR, two Gaussians) use ``labels=(-1, 1)``
  by default, ready for ``hinge_loss`` as in micrograd's demo; pass
  ``labels=(0, 1)`` for ``binary_cross_entropy_with_logits``.
- the many-class sets (blobs, spirals, digits) use class indices 0..C-1,
  ready for ``softmax_cross_entropy``.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Iterator, Sequence
from typing import Any, Union

from autograd.checks import count, real_number

from ._checks import check_dataset, make_rng

__all__ = [
    "make_moons",
    "make_circles",
    "make_blobs",
    "make_xor",
    "make_spirals",
    "make_gaussians",
    "load_digits",
    "train_test_split",
    "batches",
]

Label = Union[int, float]
Dataset = tuple[list[list[float]], list[Any]]


def _labels(labels: Any, name: str) -> tuple[Label, Label]:
    if (
        not isinstance(labels, (tuple, list))
        or len(labels) != 2
        or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in labels)
        or labels[0] == labels[1]
    ):
        raise ValueError(
            f"{name}(labels): expected two different numbers such as (-1, 1) or (0, 1), got {labels!r}"
        )
    return labels[0], labels[1]


def _linspace(start: float, stop: float, n: int) -> list[float]:
    if n == 1:
        return [start]
    return [start + (stop - start) * i / (n - 1) for i in range(n)]


def _shuffled(X: list[list[float]], y: list[Any], rng: random.Random) -> Dataset:
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


def _jitter(X: list[list[float]], noise: float, rng: random.Random) -> list[list[float]]:
    if noise == 0.0:
        return X
    return [[v + rng.gauss(0.0, noise) for v in x] for x in X]


def make_moons(
    n_samples: int = 100, noise: float = 0.0, seed: int | None = None, labels: Sequence[Label] = (-1, 1)
) -> Dataset:
    """Two interleaving half circles (the data of micrograd's demo).

    The upper moon is centred at (0, 0), the lower one at (1, 0.5); each point
    then gets Gaussian noise of standard deviation ``noise`` on each
    coordinate. The upper moon has label ``labels[0]``, the lower
    ``labels[1]``; half of the points are in each (the lower moon gets the
    extra one when ``n_samples`` is odd). The samples are shuffled.
    """
    n = count(n_samples, "make_moons(n_samples)", 2)
    noise = real_number(noise, "make_moons(noise)", 0.0)
    low, high = _labels(labels, "make_moons")
    rng = make_rng(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    X = [[math.cos(t), math.sin(t)] for t in _linspace(0.0, math.pi, n_upper)]
    X += [[1.0 - math.cos(t), 0.5 - math.sin(t)] for t in _linspace(0.0, math.pi, n_lower)]
    y = [low] * n_upper + [high] * n_lower
    X, y = _shuffled(X, y, rng)
    return _jitter(X, noise, rng), y


def make_circles(
    n_samples: int = 100,
    noise: float = 0.0,
    factor: float = 0.5,
    seed: int | None = None,
    labels: Sequence[Label] = (-1, 1),
) -> Dataset:
    """A small circle inside a large one: not separable by any straight line.

    The outer circle has radius 1 and label ``labels[0]``; the inner one has
    radius ``factor`` (between 0 and 1) and label ``labels[1]``.
    """
    n = count(n_samples, "make_circles(n_samples)", 2)
    noise = real_number(noise, "make_circles(noise)", 0.0)
    factor = real_number(factor, "make_circles(factor)", 0.0, 1.0, open_low=True)
    low, high = _labels(labels, "make_circles")
    rng = make_rng(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    X = [[math.cos(t), math.sin(t)] for t in _angles(n_outer)]
    X += [[factor * math.cos(t), factor * math.sin(t)] for t in _angles(n_inner)]
    y = [low] * n_outer + [high] * n_inner
    X, y = _shuffled(X, y, rng)
    return _jitter(X, noise, rng), y


def _angles(n: int) -> list[float]:
    """n angles evenly around the circle (0 included, 2 pi left out so no point repeats)."""
    return [2.0 * math.pi * i / n for i in range(n)]


def make_blobs(
    n_samples: int = 100,
    centers: int | Sequence[Sequence[float]] = 3,
    n_features: int = 2,
    cluster_std: float = 1.0,
    center_box: tuple[float, float] = (-10.0, 10.0),
    seed: int | None = None,
) -> Dataset:
    """Gaussian clusters, one per class; labels are class indices 0..C-1.

    ``centers`` is either a number of clusters (their centres are then drawn
    uniformly from ``center_box`` in each of ``n_features`` coordinates) or
    the list of centres itself. Each class gets ``n_samples // C`` points, the
    first ones one more when it does not divide evenly.
    """
    n = count(n_samples, "make_blobs(n_samples)")
    std = real_number(cluster_std, "make_blobs(cluster_std)", 0.0)
    rng = make_rng(seed)
    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = count(centers, "make_blobs(centers)")
        d = count(n_features, "make_blobs(n_features)")
        lo, hi = center_box
        points = [[rng.uniform(lo, hi) for _ in range(d)] for _ in range(k)]
    else:
        points = [[float(v) for v in c] for c in centers]
        if not points or len({len(c) for c in points}) != 1 or not points[0]:
            raise ValueError(
                f"make_blobs(centers): expected a number of clusters or a list of points of one width, "
                f"got {centers!r}"
            )
        k = len(points)
    X: list[list[float]] = []
    y: list[int] = []
    for c, centre in enumerate(points):
        size = n // k + (1 if c < n % k else 0)
        X += [[v + rng.gauss(0.0, std) for v in centre] for _ in range(size)]
        y += [c] * size
    return _shuffled(X, y, rng)


def make_xor(
    n_samples: int = 100, noise: float = 0.0, seed: int | None = None, labels: Sequence[Label] = (-1, 1)
) -> Dataset:
    """The XOR problem: points in the square [-1, 1]**2, labelled by quadrant.

    A point gets ``labels[1]`` when exactly one of its coordinates is
    positive (x > 0 xor y > 0), ``labels[0]`` otherwise. No single straight
    line separates the classes; one hidden layer is enough. The label is
    decided before the Gaussian ``noise`` is added, so noise blurs the
    border.
    """
    n = count(n_samples, "make_xor(n_samples)")
    noise = real_number(noise, "make_xor(noise)", 0.0)
    low, high = _labels(labels, "make_xor")
    rng = make_rng(seed)
    X = [[rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)] for _ in range(n)]
    y = [high if (a > 0) != (b > 0) else low for a, b in X]
    return _jitter(X, noise, rng), y


def make_spirals(
    n_samples: int = 100, n_classes: int = 3, noise: float = 0.2, seed: int | None = None
) -> Dataset:
    """Interleaved spiral arms, one per class; labels are class indices 0..C-1.

    Arm c is the curve r(cos a, sin a) for r from 0 to 1 with the angle a
    going from 4c to 4c + 4 radians, plus Gaussian ``noise`` on the angle. The
    classic hard case for a linear model.
    """
    n = count(n_samples, "make_spirals(n_samples)")
    k = count(n_classes, "make_spirals(n_classes)", 2)
    noise = real_number(noise, "make_spirals(noise)", 0.0)
    rng = make_rng(seed)
    X: list[list[float]] = []
    y: list[int] = []
    for c in range(k):
        size = n // k + (1 if c < n % k else 0)
        for r, a in zip(_linspace(0.0, 1.0, size), _linspace(4.0 * c, 4.0 * c + 4.0, size)):
            a += rng.gauss(0.0, noise) if noise else 0.0
            X.append([r * math.cos(a), r * math.sin(a)])
            y.append(c)
    return _shuffled(X, y, rng)


def make_gaussians(
    n_samples: int = 100,
    centers: Sequence[Sequence[float]] = ((-1.0, -1.0), (1.0, 1.0)),
    std: float = 1.0,
    seed: int | None = None,
    labels: Sequence[Label] = (-1, 1),
) -> Dataset:
    """Two Gaussian classes: ``labels[0]`` around ``centers[0]``, ``labels[1]`` around ``centers[1]``.

    Each coordinate has standard deviation ``std``. When the clouds overlap
    no model can be right everywhere: a good place to watch a model with and
    without bias, or a linear one against a deep one.
    """
    n = count(n_samples, "make_gaussians(n_samples)", 2)
    s = real_number(std, "make_gaussians(std)", 0.0)
    low, high = _labels(labels, "make_gaussians")
    points = [[float(v) for v in c] for c in centers]
    if len(points) != 2 or len(points[0]) != len(points[1]) or not points[0]:
        raise ValueError(f"make_gaussians(centers): expected two points of the same width, got {centers!r}")
    rng = make_rng(seed)
    n0 = n // 2
    X = [[v + rng.gauss(0.0, s) for v in points[0]] for _ in range(n0)]
    X += [[v + rng.gauss(0.0, s) for v in points[1]] for _ in range(n - n0)]
    y = [low] * n0 + [high] * (n - n0)
    return _shuffled(X, y, rng)


def load_digits(normalize: bool = True) -> Dataset:
    """The 8x8 handwritten digits: 1797 images of 0..9, 64 pixels each.

    Read from scikit-learn (``pip install 'chainrule[digits]'``). Pixels are
    integers 0..16 in the original; with ``normalize`` (the default) they are
    divided by 16 so that inputs lie in [0, 1], which suits a freshly
    initialised network. Labels are the digits 0..9 (class indices).
    """
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise ImportError(
            "load_digits needs scikit-learn, which is not installed; "
            "install the extra with: pip install 'chainrule[digits]'"
        ) from None
    bunch = sklearn_digits()
    scale = 16.0 if normalize else 1.0
    X = [[float(v) / scale for v in row] for row in bunch.data.tolist()]
    y = [int(t) for t in bunch.target.tolist()]
    return X, y


def train_test_split(
    X: Sequence[Any],
    y: Sequence[Any],
    test_size: float | int = 0.25,
    seed: int | None = None,
    shuffle: bool = True,
) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
    """Split a data set into ``X_train, X_test, y_train, y_test`` (scikit-learn's order).

    ``test_size`` is a fraction of the samples (0 < f < 1, rounded up) or a
    number of samples. Both parts always get at least one sample. The samples
    are shuffled first unless ``shuffle=False``.
    """
    check_dataset(X, y, "train_test_split")
    n = len(X)
    if isinstance(test_size, numbers.Integral) and not isinstance(test_size, bool):
        n_test = int(test_size)
    elif isinstance(test_size, numbers.Real) and not isinstance(test_size, bool) and 0.0 < test_size < 1.0:
        n_test = math.ceil(test_size * n)
    else:
        raise ValueError(
            f"train_test_split(test_size): expected a fraction in (0, 1) or a count, got {test_size!r}"
        )
    if not 1 <= n_test <= n - 1:
        raise ValueError(
            f"train_test_split: test_size={test_size!r} gives {n_test} test samples out of {n}; "
            "both parts need at least one sample"
        )
    order = list(range(n))
    if shuffle:
        make_rng(seed).shuffle(order)
    test, train = order[:n_test], order[n_test:]
    return [X[i] for i in train], [X[i] for i in test], [y[i] for i in train], [y[i] for i in test]


def batches(
    X: Sequence[Any],
    y: Sequence[Any],
    batch_size: int,
    shuffle: bool = True,
    seed: int | random.Random | None = None,
) -> Iterator[tuple[list[Any], list[Any]]]:
    """Yield ``(X_batch, y_batch)`` pairs that cover the data set once (one epoch).

    Every batch has ``batch_size`` samples except perhaps the last, which has
    what is left. With ``shuffle`` the order is new each time (reproducible
    with ``seed``).
    """
    check_dataset(X, y, "batches")
    size = count(batch_size, "batches(batch_size)")
    order = list(range(len(X)))
    if shuffle:
        make_rng(seed).shuffle(order)
    # Checked above, generated below: a bad argument fails at the call, not at the first next().
    chunks = [order[k : k + size] for k in range(0, len(order), size)]
    return (([X[i] for i in chunk], [y[i] for i in chunk]) for chunk in chunks)
