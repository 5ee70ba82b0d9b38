import gc
import math
import sys

import pytest

import autograd
from autograd import Value
from nn import (
    MLP,
    SGD,
    Adam,
    Module,
    Neuron,
    NonFiniteLossError,
    accuracy,
    evaluate,
    fit,
    hinge_loss,
    l2_penalty,
    linear_decay,
    make_blobs,
    make_gaussians,
    mse_loss,
    predict,
    step_decay,
)


@pytest.fixture
def easy():
    """Two well separated Gaussian classes with labels -1/+1."""
    return make_gaussians(40, centers=((-2.0, -2.0), (2.0, 2.0)), std=0.5, seed=0)


class CountingSGD(SGD):
    """SGD that counts its steps."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = 0

    def step(self):
        self.steps += 1
        super().step()


class Recorder(Module):
    """Wraps a model and records whether gradients were being recorded at each call."""

    def __init__(self, model):
        self.model = model
        self.nin = model.nin
        self.calls = []

    def named_parameters(self):
        return self.model.named_parameters()

    def __call__(self, x):
        self.calls.append(autograd.is_grad_enabled())
        return self.model(x)


def test_full_batch_fit_equals_the_loop_written_out(easy):
    X, y = easy
    model, twin = MLP(2, [4, 1], seed=0), MLP(2, [4, 1], seed=0)
    fit(
        model,
        X,
        y,
        loss=hinge_loss,
        optimizer=SGD(model.parameters(), lr=0.5),
        epochs=5,
        l2=1e-3,
        schedule=linear_decay(0.5, 0.1),
        progress=False,
    )
    params = twin.parameters()
    for k in range(5):
        lr = 0.5 - 0.4 * k / 5
        L = hinge_loss([twin(x) for x in X], y) + l2_penalty(params, 1e-3)
        twin.zero_grad()
        L.backward()
        for p in params:
            p.data -= lr * p.grad
    assert model.state_dict() == pytest.approx(twin.state_dict(), abs=1e-14)


@pytest.mark.parametrize("batch_size, steps_per_epoch", [(None, 1), (1, 40), (16, 3), (100, 1)])
def test_one_step_per_batch(easy, batch_size, steps_per_epoch):
    X, y = easy
    model = MLP(2, [3, 1], seed=0)
    opt = CountingSGD(model.parameters(), lr=0.1)
    fit(model, X, y, optimizer=opt, epochs=2, batch_size=batch_size, seed=0, progress=False)
    assert opt.steps == 2 * steps_per_epoch


@pytest.mark.parametrize("batch_size", [None, 1, 8])
def test_fit_learns_an_easy_problem(easy, batch_size):
    X, y = easy
    model = MLP(2, [4, 1], seed=1)
    history = fit(
        model,
        X,
        y,
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=20,
        batch_size=batch_size,
        seed=0,
        progress=False,
    )
    assert history.loss[-1] < history.loss[0]
    assert accuracy(model, X, y) == 1.0


def test_mini_batch_training_is_reproducible_with_a_seed(easy):
    X, y = easy
    states = []
    for _ in range(2):
        model = MLP(2, [3, 1], seed=0)
        fit(
            model,
            X,
            y,
            optimizer=SGD(model.parameters(), lr=0.1),
            epochs=3,
            batch_size=5,
            seed=11,
            progress=False,
        )
        states.append(model.state_dict())
    assert states[0] == states[1]


def test_history_has_one_entry_per_epoch_and_the_rates_used(easy):
    X, y = easy
    model = MLP(2, [3, 1], seed=0)
    h = fit(
        model,
        X,
        y,
        optimizer=SGD(model.parameters(), lr=1.0),
        epochs=6,
        schedule=step_decay(1.0, every=2, factor=0.5),
        progress=False,
    )
    assert (len(h.loss), len(h.accuracy), h.epochs) == (6, 6, 6)
    assert h.lr == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    assert h["loss"] == h.loss and h.val_loss == []


def test_without_a_schedule_the_rate_stays_constant(easy):
    X, y = easy
    model = MLP(2, [3, 1], seed=0)
    h = fit(model, X, y, optimizer=SGD(model.parameters(), lr=0.3), epochs=3, progress=False)
    assert h.lr == [0.3, 0.3, 0.3]


def test_history_accuracy_counts_the_training_forward_passes(easy):
    X, y = easy
    model = MLP(2, [3, 1], seed=0)
    before = accuracy(model, X, y)
    h = fit(model, X, y, optimizer=SGD(model.parameters(), lr=0.1), epochs=1, progress=False)
    # One full batch: the forward pass (before the step) is the untrained model's.
    assert h.accuracy == [before]


def test_validation_data_is_evaluated_under_no_grad(easy):
    X, y = easy
    model = Recorder(MLP(2, [3, 1], seed=0))
    h = fit(
        model,
        X,
        y,
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=2,
        validation_data=(X[:10], y[:10]),
        progress=False,
    )
    assert len(h.val_loss) == len(h.val_accuracy) == 2
    # Per epoch: 40 training calls recording the graph, then 10 validation calls without.
    assert model.calls == ([True] * 40 + [False] * 10) * 2
    assert h.val_loss[-1] == pytest.approx(evaluate(model, X[:10], y[:10])[0], abs=1e-15)


def test_early_stopping_on_a_target_loss(easy):
    X, y = easy
    model = MLP(2, [3, 1], seed=0)
    h = fit(
        model, X, y, optimizer=SGD(model.parameters(), lr=0.1), epochs=50, target_loss=10.0, progress=False
    )
    assert h.epochs == 1 and h.stopped_early


def test_early_stopping_can_watch_the_validation_loss(easy):
    X, y = easy
    model = MLP(2, [3, 1], seed=0)
    h = fit(
        model,
        X,
        y,
        optimizer=SGD(model.parameters(), lr=0.1),
        epochs=50,
        validation_data=(X, y),
        target_loss=10.0,
        monitor="val_loss",
        progress=False,
    )
    assert h.epochs == 1


def test_cross_entropy_training_on_blobs():
    X, y = make_blobs(60, centers=[[-3.0, 0.0], [3.0, 0.0], [0.0, 4.0]], cluster_std=0.5, seed=0)
    model = MLP(2, [8, 3], seed=0)
    h = fit(
        model,
        X,
        y,
        loss="cross_entropy",
        optimizer=Adam(model.parameters(), lr=0.05),
        epochs=15,
        batch_size=10,
        seed=0,
        progress=False,
    )
    assert h.loss[-1] < 0.5 * h.loss[0]
    assert accuracy(model, X, y) == 1.0


def test_regression_has_no_accuracy():
    X = [[0.1 * i] for i in range(10)]
    y = [0.3 * x[0] + 0.5 for x in X]
    model = MLP(1, [1], output_activation="linear", seed=0)
    h = fit(model, X, y, loss=mse_loss, optimizer=SGD(model.parameters(), lr=0.1), epochs=2, progress=False)
    assert h.accuracy == [None, None]


# ---------------------------------------------------------------- progress


def test_progress_false_prints_nothing(easy, capsys):
    fit(MLP(2, [2, 1], seed=0), *easy, epochs=2, progress=False)
    assert capsys.readouterr() == ("", "")


def test_progress_shows_loss_and_accuracy(easy, capsys):
    pytest.importorskip("tqdm")
    fit(MLP(2, [2, 1], seed=0), *easy, epochs=2, progress=True)
    err = capsys.readouterr().err
    assert "2/2" in err and "loss" in err and "acc" in err


def test_progress_without_tqdm_prints_a_line_of_text(easy, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    fit(MLP(2, [2, 1], seed=0), *easy, epochs=3, progress=True)
    err = capsys.readouterr().err
    assert "epoch 3/3" in err and "loss" in err and err.endswith("\n")


def test_progress_without_tqdm_shows_the_epoch_where_training_stopped(easy, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    fit(MLP(2, [2, 1], seed=0), *easy, epochs=50, target_loss=10.0, progress=True)
    assert capsys.readouterr().err.startswith("epoch 1/50  loss")


# ---------------------------------------------------------------- NaN and bad input


def test_a_nan_input_stops_training_before_any_step_naming_the_sample():
    X = [[float(i)] for i in range(8)]
    y = [0.0] * 8
    X[5] = [math.nan]
    model = MLP(1, [2, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="fit: feature 0 of sample 5 is nan"):
        fit(
            model,
            X,
            y,
            loss=mse_loss,
            optimizer=SGD(model.parameters(), lr=1e-3),
            epochs=3,
            batch_size=2,
            shuffle=False,
            progress=False,
        )
    assert model.state_dict() == before


def test_an_overflowing_loss_stops_training_with_epoch_batch_and_cause():
    X = [[float(i)] for i in range(8)]
    y = [0.0] * 8
    X[5] = [1e200]
    model = MLP(1, [1], seed=0)
    where = (
        "epoch 0 of 0..2, batch 2 of 0..3; .*sample 5 of the data set has an input of 1e\\+200, "
        "so large that its square overflows"
    )
    with pytest.raises(NonFiniteLossError, match=where) as info:
        fit(
            model,
            X,
            y,
            loss=mse_loss,
            optimizer=SGD(model.parameters(), lr=1e-3),
            epochs=3,
            batch_size=2,
            shuffle=False,
            progress=False,
        )
    assert (info.value.epoch, info.value.batch) == (0, 2)
    assert all(math.isfinite(p.data) for p in model.parameters())


def test_a_diverging_run_stops_before_the_nan_batch_changes_anything():
    X = [[1.0], [2.0], [3.0]]
    y = [1.0, 2.0, 3.0]
    model = MLP(1, [1], output_activation="linear", seed=0)
    states = []

    class Snapshot(SGD):
        def step(self):
            super().step()
            states.append(model.state_dict())

    opt = Snapshot(model.parameters(), lr=1e3)
    with pytest.raises(NonFiniteLossError, match="smaller learning rate") as info:
        fit(model, X, y, loss=mse_loss, optimizer=opt, epochs=1000, progress=False)
    assert info.value.epoch == len(states) and info.value.batch == 0
    assert model.state_dict() == states[-1]
    assert info.value.history.epochs == info.value.epoch
    assert {name: len(entries) for name, entries in info.value.history.as_dict().items()} == {
        "loss": info.value.epoch,
        "accuracy": info.value.epoch,
        "val_loss": 0,
        "val_accuracy": 0,
        "lr": info.value.epoch,
    }


def test_the_garbage_collector_is_restored_after_fit_even_on_error(easy):
    assert gc.isenabled()
    fit(MLP(2, [2, 1], seed=0), *easy, epochs=1, progress=False)
    assert gc.isenabled()
    with pytest.raises(ValueError):
        fit(MLP(2, [2, 1], seed=0), [[0.0, 0.0]], [5], epochs=1, progress=False)
    assert gc.isenabled()


def test_wrong_input_width_names_the_sample():
    with pytest.raises(ValueError, match="sample 1 has 3 features, but the model takes 2 inputs"):
        fit(MLP(2, [1], seed=0), [[0.0, 0.0], [1.0, 2.0, 3.0]], [1, -1], progress=False)


def test_an_empty_dataset_is_refused():
    with pytest.raises(ValueError, match="X is empty"):
        fit(MLP(2, [1], seed=0), [], [], progress=False)


def test_labels_the_loss_does_not_expect_are_refused_before_any_step():
    model = MLP(2, [1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"hinge_loss expects labels -1 or \+1, got 0"):
        fit(model, [[0.0, 0.0], [1.0, 1.0]], [0, 1], loss=hinge_loss, progress=False)
    assert model.state_dict() == before


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"epochs": 0}, r"epochs\): expected a positive int, got 0"),
        ({"batch_size": 0}, r"batch_size\): expected a positive int"),
        ({"l2": -1.0}, r"l2\): expected a number >= 0"),
        ({"monitor": "val_loss"}, "needs validation_data"),
        ({"loss": "hnge"}, "did you mean 'hinge'"),
    ],
)
def test_bad_fit_arguments(easy, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fit(MLP(2, [1], seed=0), *easy, progress=False, **kwargs)


# ---------------------------------------------------------------- predict and accuracy


@pytest.fixture
def sign_of_first():
    """A linear neuron whose score is the first input: class +1 exactly when x0 > 0."""
    n = Neuron(2, activation="linear", seed=0)
    n.w[0].data, n.w[1].data, n.b.data = 1.0, 0.0, 0.0
    return n


def test_predict_thresholds_a_single_score(sign_of_first):
    X = [[0.5, 9.0], [-0.5, 9.0], [2.0, -1.0]]
    assert predict(sign_of_first, X) == [1, -1, 1]
    assert predict(sign_of_first, X, classes=(0, 1)) == [1, 0, 1]


def test_predict_after_a_sigmoid_output_thresholds_at_one_half():
    model = MLP(1, [1], output_activation="sigmoid", seed=0)
    model.layers[0].neurons[0].w[0].data = 1.0
    assert predict(model, [[0.1], [-0.1]], classes=(0, 1)) == [1, 0]


def test_predict_with_several_outputs_is_the_argmax():
    model = MLP(2, [3], activation="linear", seed=0)
    for j, n in enumerate(model.layers[0].neurons):
        n.w[0].data, n.w[1].data = float(j == 0), float(j == 2)
    assert predict(model, [[5.0, 1.0], [1.0, 5.0], [-1.0, -1.0]]) == [0, 2, 1]


@pytest.mark.parametrize("labels", [[1, -1, -1, 1], [1, 0, 0, 1]])
def test_accuracy_is_the_fraction_right_for_both_label_conventions(sign_of_first, labels):
    X = [[1.0, 0.0], [-1.0, 0.0], [2.0, 0.0], [-2.0, 0.0]]
    assert accuracy(sign_of_first, X, labels) == 0.5


def test_accuracy_restores_recording():
    model = MLP(2, [1], seed=0)
    accuracy(model, [[0.0, 1.0]], [1])
    assert autograd.is_grad_enabled()
    assert isinstance(model([0.0, 1.0]).inputs[0], Value)


@pytest.mark.parametrize("helper", [lambda m, X, y: accuracy(m, X, y), lambda m, X, y: predict(m, X)])
def test_accuracy_and_predict_run_the_model_under_no_grad(easy, helper):
    X, y = easy
    model = Recorder(MLP(2, [3, 1], seed=0))
    helper(model, X, y)
    assert model.calls == [False] * len(X)


def test_bad_validation_labels_are_refused_before_any_training_step(easy):
    X, y = easy
    model = MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"fit\(validation_data\).*hinge_loss expects labels -1 or \+1"):
        fit(model, X, y, optimizer=SGD(model.parameters(), lr=0.1), epochs=2,
            validation_data=(X, [0] * len(X)), progress=False)
    assert model.state_dict() == before
