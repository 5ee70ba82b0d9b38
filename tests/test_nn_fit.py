"""fit refuses bad data and bad parts before it changes anything, shuffles as it says,
and explains why a loss stopped being finite."""

import math

import pytest

import autograd
import nn
from autograd import Value
from nn import MLP, SGD, Module, Neuron, NonFiniteLossError, accuracy, fit, hinge_loss, mse_loss


@pytest.fixture
def line():
    """Eight samples of one feature with -1/+1 labels, and a model for them."""
    X = [[float(i) - 3.5] for i in range(8)]
    y = [1 if x[0] > 0 else -1 for x in X]
    return X, y, MLP(1, [3, 1], seed=0)


def _fit(model, X, y, **kwargs):
    kwargs.setdefault("optimizer", SGD(model.parameters(), lr=0.1))
    return fit(model, X, y, epochs=2, batch_size=2, shuffle=False, progress=False, **kwargs)


# ---------------------------------------------------------------- bad training data


@pytest.mark.parametrize(
    "where, bad, error, message",
    [
        ("y", 2, ValueError, r"fit: .*hinge_loss expects labels -1 or \+1, got 2 for sample 7"),
        ("y", math.nan, ValueError, "fit: target 7 contains nan"),
        ("X", [math.inf], ValueError, "fit: feature 0 of sample 7 is inf"),
        ("X", [-math.inf], ValueError, "fit: feature 0 of sample 7 is -inf"),
        ("X", ["1.0"], TypeError, "fit: feature 0 of sample 7 should be a number, got str"),
    ],
)
def test_bad_data_in_the_last_batch_is_refused_before_the_first_update(line, where, bad, error, message):
    X, y, model = line
    (X if where == "X" else y)[7] = bad
    before = model.state_dict()
    with pytest.raises(error, match=message):
        _fit(model, X, y)
    assert model.state_dict() == before


def test_bad_validation_features_are_refused_too(line):
    X, y, model = line
    with pytest.raises(ValueError, match=r"fit\(validation_data\): feature 0 of sample 1 is nan"):
        _fit(model, X, y, validation_data=([[0.0], [math.nan]], [1, -1]))


class Pair(Module):
    """Two outputs, w*x0 and w*x1: a model that declares its width through the Module contract."""

    nin = 2

    def __init__(self):
        self.w = [Value(0.5)]  # the name `w` alone once made fit guess one output

    @property
    def output_width(self):
        return 2

    def named_parameters(self):
        return [("w", self.w[0])]

    def __call__(self, x):
        return [self.w[0] * x[0], self.w[0] * x[1]]


def test_a_custom_model_declaring_its_output_width_gets_its_targets_checked():
    X = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    model = Pair()
    with pytest.raises(ValueError, match=r"fit: .*class index in 0\.\.1 \(2 logits\), got 5 for sample 2"):
        _fit(model, X, [0, 1, 5], loss="cross_entropy")
    assert model.w[0].data == 0.5


# ---------------------------------------------------------------- bad parts


def test_a_loss_returning_a_float_says_what_a_loss_must_return(line):
    X, y, model = line
    before = model.state_dict()
    with pytest.raises(TypeError, match=r"fit\(loss\): a loss must return a Value .* got float"):
        _fit(model, X, y, loss=lambda outputs, targets: float(hinge_loss(outputs, targets)))
    assert model.state_dict() == before


def test_an_optimizer_over_another_models_parameters_is_refused(line):
    X, y, model = line
    other = MLP(1, [3, 1], seed=1)
    before = model.state_dict(), other.state_dict()
    with pytest.raises(ValueError, match=r"fit\(optimizer\): .*none of them this model's"):
        _fit(model, X, y, optimizer=SGD(other.parameters(), lr=0.1))
    assert (model.state_dict(), other.state_dict()) == before


def test_an_optimizer_over_part_of_the_model_is_accepted(line):
    X, y, model = line
    last = model.layers[-1].parameters()
    frozen = model.layers[0].state_dict()
    _fit(model, X, y, optimizer=SGD(last, lr=0.1))
    assert model.layers[0].state_dict() == frozen


# ---------------------------------------------------------------- why the loss is not finite


def test_a_loss_not_finite_before_any_update_does_not_blame_the_learning_rate(line):
    X, y, model = line
    with pytest.raises(NonFiniteLossError, match="the learning rate is not the cause") as info:
        _fit(model, X, y, loss=lambda outputs, targets: hinge_loss(outputs, targets) * math.inf)
    assert (info.value.epoch, info.value.batch) == (0, 0)
    assert "smaller learning rate" not in str(info.value)


# ---------------------------------------------------------------- shuffling


class OrderRecorder(Module):
    """A linear neuron on one feature that records the first feature of every training sample it sees."""

    nin = 1

    def __init__(self):
        self.neuron = Neuron(1, activation="linear", seed=0)
        self.seen = []

    @property
    def output_width(self):
        return 1

    def named_parameters(self):
        return self.neuron.named_parameters()

    def __call__(self, x):
        if autograd.is_grad_enabled():
            self.seen.append(int(x[0]))
        return self.neuron(x)


def _orders(shuffle, seed, n=10, epochs=3):
    model = OrderRecorder()
    X, y = [[float(i)] for i in range(n)], [0.0] * n
    fit(model, X, y, loss=mse_loss, optimizer=SGD(model.parameters(), lr=1e-3), epochs=epochs,
        batch_size=3, shuffle=shuffle, seed=seed, progress=False)
    return [model.seen[k * n : (k + 1) * n] for k in range(epochs)]


def test_without_shuffling_every_epoch_sees_the_data_in_order():
    assert _orders(shuffle=False, seed=0) == [list(range(10))] * 3


def test_shuffling_changes_the_order_and_every_epoch_sees_each_sample_once():
    orders = _orders(shuffle=True, seed=0)
    assert all(sorted(order) == list(range(10)) for order in orders)
    assert list(range(10)) not in orders


def test_successive_epochs_see_different_orders():
    first, second, third = _orders(shuffle=True, seed=0)
    assert first != second and second != third and first != third


@pytest.mark.parametrize("seed", [0, 7])
def test_the_same_seed_gives_the_same_orders(seed):
    assert _orders(shuffle=True, seed=seed) == _orders(shuffle=True, seed=seed)


def test_different_seeds_give_different_orders():
    assert _orders(shuffle=True, seed=0) != _orders(shuffle=True, seed=1)


# ---------------------------------------------------------------- accuracy


@pytest.fixture
def sign_of_first():
    """A linear neuron whose score is the first input: class +1 exactly when x0 > 0."""
    n = Neuron(2, activation="linear", seed=0)
    n.w[0].data, n.w[1].data, n.b.data = 1.0, 0.0, 0.0
    return n


@pytest.mark.parametrize("labels", [[1, 0, 1, 1], [1, -1, 1, 1]])
def test_accuracy_counts_a_score_of_exactly_zero_as_the_negative_class(sign_of_first, labels):
    # Scores 1, -1, 2, 0: the last is not > 0, so it is predicted negative and is wrong.
    X = [[1.0, 0.0], [-1.0, 0.0], [2.0, 0.0], [0.0, 0.0]]
    assert accuracy(sign_of_first, X, labels) == 0.75


# ---------------------------------------------------------------- a finite loss whose gradient is not


def _root_distance(outputs, targets):
    """Σ √|o − t|: finite everywhere, but its slope at o = t is ∞ · 0 = NaN."""
    return autograd.sum([abs(o - t).sqrt() for o, t in zip(outputs, targets)])


def test_a_nan_gradient_under_a_finite_loss_stops_training_before_it_changes_anything():
    # Batch 0 (x = 1, t = 1) is an ordinary step; in batch 1 (x = 0, t = 0) the output w·0 is the
    # target exactly, so √|o − t| is 0 and ∂L/∂w is NaN.
    model = Neuron(1, activation="linear", bias=False, seed=0)
    states = []

    class Snapshot(nn.Adam):
        def step(self):
            super().step()
            states.append((model.state_dict(), self.t, list(self.m), list(self.v)))

    opt = Snapshot(model.parameters(), lr=0.01)
    where = r"gradient of the loss is not finite in epoch 0 of 0\.\.1, batch 1 of 0\.\.1.*'w\.0' \(nan\)"
    with pytest.raises(NonFiniteLossError, match=where) as info:
        fit(model, [[1.0], [0.0]], [1.0, 0.0], loss=_root_distance, optimizer=opt, epochs=2,
            batch_size=1, shuffle=False, progress=False)
    assert (info.value.epoch, info.value.batch, info.value.loss) == (0, 1, 0.0)
    assert info.value.parameters == ("w.0",)
    assert "w₁ = 'w.0' (nan)" in str(info.value)  # the lecture's name, then the code's key
    assert len(states) == 1
    assert (model.state_dict(), opt.t, opt.m, opt.v) == states[0]
    assert math.isfinite(model.w[0].data)


@pytest.mark.parametrize("compile_", [False, True], ids=["graph", "compiled"])
def test_an_overflowing_gradient_under_a_finite_loss_names_the_parameter(compile_):
    # o = 0 and t = 1e150: the loss (o − t)² = 1e300 is finite, but ∂L/∂w₀ = 2(o − t)·x₀ = −2e350
    # overflows to −inf, while ∂L/∂w₁ = −2e150 and ∂L/∂b = −2e150 are finite.
    model = Neuron(2, activation="linear", seed=0)
    model.load_state_dict({"w.0": 0.0, "w.1": 0.0, "b": 0.0})
    opt = nn.Adam(model.parameters(), lr=0.1)
    with pytest.raises(NonFiniteLossError, match=r"batch 0 of 0\.\.0.*'w\.0' \(-inf\)") as info:
        fit(model, [[1e200, 1.0]], [1e150], loss=mse_loss, optimizer=opt, epochs=1, progress=False,
            compile=compile_)
    assert info.value.parameters == ("w.0",)
    assert info.value.loss == pytest.approx(1e300)
    assert model.state_dict() == {"w.0": 0.0, "w.1": 0.0, "b": 0.0}
    assert (opt.t, opt.m, opt.v) == (0, [0.0] * 3, [0.0] * 3)


# ---------------------------------------------------------------- any sequence, never a one-shot iterator


def _three_classes():
    X = [[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0], [0.5, 0.5], [-0.5, 1.0], [1.0, -0.5]]
    return X, [0, 1, 2, 0, 1, 2]


def _trained(X, y):
    model = MLP(2, [3], activation="linear", seed=0)
    fit(model, X, y, loss="cross_entropy", epochs=3, batch_size=2, seed=0, progress=False)
    return model.state_dict()


def test_tuples_and_ranges_train_exactly_as_lists():
    X, y = _three_classes()
    assert _trained(tuple(tuple(x) for x in X), tuple(y)) == _trained(X, y)
    assert _trained(X[:3], range(3)) == _trained(X[:3], [0, 1, 2])


@pytest.mark.parametrize("which", ["X", "y"])
def test_a_generator_is_refused_saying_to_pass_a_list(which):
    X, y = _three_classes()
    model = MLP(2, [3], seed=0)
    before = model.state_dict()
    data = {"X": X, "y": y}
    data[which] = iter(data[which])
    message = rf"fit: {which} is a list_iterator, .*read only once.*list\({which}\)"
    with pytest.raises(TypeError, match=message):
        fit(model, data["X"], data["y"], loss="cross_entropy", epochs=1, progress=False)
    assert model.state_dict() == before


def test_a_set_or_a_dict_is_refused_as_not_a_sequence():
    X, y = _three_classes()
    with pytest.raises(TypeError, match=r"fit: y is a set; expected a sequence"):
        fit(MLP(2, [3], seed=0), X, set(y), loss="cross_entropy", epochs=1, progress=False)
    with pytest.raises(TypeError, match=r"fit: X is a dict; expected a sequence"):
        fit(MLP(2, [3], seed=0), dict(enumerate(X)), y, loss="cross_entropy", epochs=1, progress=False)


# ---------------------------------------------------------------- compiled training with Adam


def test_compiled_training_with_adam_agrees_with_the_graph_within_what_adam_can_magnify():
    # Both paths add the same per-sample terms in different orders, so a gradient that cancels
    # to about 0 can come out as 0.0 in one and ±7e-18 in the other (here the output bias in the
    # first step: −6.9e-18 against 0.0). SGD moves that by lr·7e-18; Adam's step lr·m̂/(√v̂ + ε)
    # is about lr·g/ε for |g| ≪ ε, so it moves by up to lr·1e-17/ε = 5e-11 per step instead.
    X, y = nn.make_moons(40, noise=0.1, seed=3)
    lr, eps, epochs = 0.05, 1e-8, 6
    finals = []
    for compile_ in (False, True):
        model = MLP(2, [8, 8, 1], activation="relu", seed=1)
        opt = nn.Adam(model.parameters(), lr=lr, eps=eps)
        fit(model, X, y, optimizer=opt, epochs=epochs, l2=1e-3, progress=False, compile=compile_)
        finals.append([p.data for p in model.parameters()])
    gap = max(abs(p - q) for p, q in zip(*finals))
    assert gap <= epochs * lr * 1e-17 / eps  # measured: 3.5e-11, where SGD's runs differ by <= 3e-15
