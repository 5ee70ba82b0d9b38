import math
import random
import sys

import pytest

from nn import (
    batches,
    load_digits,
    make_blobs,
    make_circles,
    make_gaussians,
    make_moons,
    make_spirals,
    make_xor,
    train_test_split,
)

# (generator, keyword arguments, expected label set)
DATASETS = [
    (make_moons, {"noise": 0.1}, {-1, 1}),
    (make_circles, {"noise": 0.05}, {-1, 1}),
    (make_xor, {"noise": 0.05}, {-1, 1}),
    (make_gaussians, {}, {-1, 1}),
    (make_blobs, {"centers": 4}, {0, 1, 2, 3}),
    (make_spirals, {"n_classes": 3}, {0, 1, 2}),
]
IDS = [d[0].__name__ for d in DATASETS]


@pytest.mark.parametrize("make, kwargs, labels", DATASETS, ids=IDS)
def test_shape_and_label_set(make, kwargs, labels):
    X, y = make(101, seed=0, **kwargs)
    assert len(X) == len(y) == 101
    assert all(len(x) == 2 and all(isinstance(v, float) for v in x) for x in X)
    assert set(y) == labels


@pytest.mark.parametrize("make, kwargs, labels", DATASETS, ids=IDS)
def test_same_seed_same_data_other_seed_other_data(make, kwargs, labels):
    assert make(50, seed=3, **kwargs) == make(50, seed=3, **kwargs)
    assert make(50, seed=3, **kwargs) != make(50, seed=4, **kwargs)


@pytest.mark.parametrize("make, kwargs, labels", DATASETS, ids=IDS)
def test_generators_leave_the_global_random_state_alone(make, kwargs, labels):
    random.seed(5)
    before = random.getstate()
    make(30, seed=1, **kwargs)
    make(30, **kwargs)
    assert random.getstate() == before


@pytest.mark.parametrize("make, kwargs, labels", DATASETS, ids=IDS)
def test_no_samples_is_an_error(make, kwargs, labels):
    with pytest.raises(ValueError, match=r"n_samples\): expected an int >= \d, got 0"):
        make(0, **kwargs)


@pytest.mark.parametrize("make", [make_moons, make_circles, make_xor, make_gaussians])
def test_binary_sets_take_the_label_convention(make):
    _, y = make(20, seed=0, labels=(0, 1))
    assert set(y) == {0, 1}


@pytest.mark.parametrize("labels", [(1, 1), (0,), "01"])
def test_bad_label_pairs_are_refused(labels):
    with pytest.raises(ValueError, match="two different numbers"):
        make_moons(10, labels=labels)


def test_moons_without_noise_lie_on_their_two_half_circles():
    X, y = make_moons(40, seed=0)
    for (a, b), label in zip(X, y):
        if label == -1:  # upper moon: unit circle around (0, 0), y >= 0
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:  # lower moon: unit circle around (1, 0.5), y <= 0.5
            assert math.hypot(a - 1, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12


def test_moons_are_half_and_half():
    _, y = make_moons(101, seed=0)
    assert (y.count(-1), y.count(1)) == (50, 51)


def test_moons_noise_has_the_requested_spread():
    clean, _ = make_moons(2000, seed=7)
    noisy, _ = make_moons(2000, noise=0.2, seed=7)
    # Same seed, same shuffle: the difference is the noise alone.
    deltas = [n - c for xn, xc in zip(noisy, clean) for n, c in zip(xn, xc)]
    std = math.sqrt(sum(d * d for d in deltas) / len(deltas))
    assert std == pytest.approx(0.2, rel=0.05)


def test_circles_without_noise_have_radius_one_and_factor():
    X, y = make_circles(30, factor=0.3, seed=0)
    radii = {label: {round(math.hypot(*x), 12) for x, lab in zip(X, y) if lab == label} for label in (-1, 1)}
    assert radii == {-1: {1.0}, 1: {0.3}}


def test_xor_labels_follow_the_quadrants():
    X, y = make_xor(200, seed=0)
    assert all(label == (1 if (a > 0) != (b > 0) else -1) for (a, b), label in zip(X, y))


def test_blobs_gather_around_the_given_centres():
    centres = [[-5.0, 0.0], [5.0, 5.0]]
    X, y = make_blobs(400, centers=centres, cluster_std=0.5, seed=0)
    for c, centre in enumerate(centres):
        points = [x for x, label in zip(X, y) if label == c]
        assert len(points) == 200
        mean = [sum(p[j] for p in points) / len(points) for j in range(2)]
        assert mean == pytest.approx(centre, abs=0.1)


def test_blobs_in_more_dimensions():
    X, _ = make_blobs(10, centers=2, n_features=5, seed=0)
    assert {len(x) for x in X} == {5}


def test_spirals_radius_grows_from_zero_to_one():
    X, _ = make_spirals(90, n_classes=3, noise=0.0, seed=0)
    radii = sorted(math.hypot(*x) for x in X)
    assert radii[0] == pytest.approx(0.0) and radii[-1] == pytest.approx(1.0)


def test_two_gaussians_are_centred_where_asked():
    X, y = make_gaussians(2000, centers=((0.0, 0.0), (3.0, -3.0)), std=0.5, seed=1)
    pos = [x for x, label in zip(X, y) if label == 1]
    assert [sum(p[j] for p in pos) / len(pos) for j in range(2)] == pytest.approx([3.0, -3.0], abs=0.05)


# ---------------------------------------------------------------- split and batches


def test_train_test_split_partitions_the_samples():
    X = [[float(i)] for i in range(20)]
    y = list(range(20))
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.25, seed=0)
    assert (len(X_tr), len(X_te)) == (15, 5)
    assert sorted(y_tr + y_te) == y
    assert all(x == [float(label)] for x, label in zip(X_tr + X_te, y_tr + y_te))


def test_train_test_split_is_reproducible_and_takes_a_count():
    X, y = make_moons(30, seed=0)
    assert train_test_split(X, y, test_size=7, seed=2) == train_test_split(X, y, test_size=7, seed=2)
    assert len(train_test_split(X, y, test_size=7, seed=2)[1]) == 7


@pytest.mark.parametrize("test_size", [0, 10, 1.0, -0.5])
def test_train_test_split_needs_both_parts(test_size):
    with pytest.raises(ValueError, match="test_size"):
        train_test_split([[0.0]] * 10, [0] * 10, test_size=test_size)


def test_train_test_split_refuses_an_empty_dataset():
    with pytest.raises(ValueError, match="empty"):
        train_test_split([], [])


def test_batches_cover_every_sample_once():
    X = [[float(i)] for i in range(10)]
    y = list(range(10))
    parts = list(batches(X, y, 4, seed=0))
    assert [len(b[1]) for b in parts] == [4, 4, 2]
    assert sorted(label for _, yb in parts for label in yb) == y


def test_batches_without_shuffle_keep_the_order():
    parts = list(batches([[0.0], [1.0], [2.0]], [0, 1, 2], 2, shuffle=False))
    assert parts == [([[0.0], [1.0]], [0, 1]), ([[2.0]], [2])]


def test_bad_batch_size_fails_at_the_call():
    with pytest.raises(ValueError, match=r"batch_size\): expected an int >= 1, got 0"):
        batches([[0.0]], [0], 0)


def test_batches_need_as_many_labels_as_samples():
    with pytest.raises(ValueError, match="X has 2 samples but y has 1"):
        batches([[0.0], [1.0]], [0], 1)


@pytest.mark.parametrize("split", [lambda X, y: list(batches(X, y, 1)), lambda X, y: train_test_split(X, y)])
def test_labels_given_as_a_string_are_refused_not_split_into_characters(split):
    with pytest.raises(TypeError, match="expected y as a list of labels, got str"):
        split([[0.0], [1.0]], "ab")


# ---------------------------------------------------------------- digits


def test_digits_have_1797_images_of_64_pixels_in_0_1():
    pytest.importorskip("sklearn")
    X, y = load_digits()
    assert len(X) == len(y) == 1797
    assert {len(x) for x in X} == {64}
    assert set(y) == set(range(10))
    assert min(min(x) for x in X) == 0.0 and max(max(x) for x in X) == 1.0


def test_digits_without_scikit_learn_name_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[digits\]'"):
        load_digits()
