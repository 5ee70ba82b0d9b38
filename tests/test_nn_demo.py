"""micrograd's demo: moons, MLP 2-16-16-1, hinge + 1e-4 L2, 100 SGD steps with lr from 1.0 to 0.1."""

import pytest

from nn import MLP, SGD, accuracy, fit, hinge_loss, linear_decay, make_moons


def _train_demo(seed):
    X, y = make_moons(100, noise=0.1, seed=1337)
    model = MLP(2, [16, 16, 1], activation="relu", seed=seed)
    history = fit(
        model,
        X,
        y,
        loss=hinge_loss,
        optimizer=SGD(model.parameters(), lr=1.0),
        epochs=100,
        l2=1e-4,
        schedule=linear_decay(1.0, 0.1),
        progress=False,
    )
    return model, history, X, y


def test_micrograd_demo_reaches_full_training_accuracy():
    model, history, X, y = _train_demo(seed=0)
    assert history.epochs == 100
    assert history.lr[0] == 1.0 and history.lr[-1] == pytest.approx(0.109)
    assert history.loss[-1] < 0.1 * history.loss[0]
    assert accuracy(model, X, y) == 1.0


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(10))
def test_micrograd_demo_reaches_97_percent_for_every_model_seed(seed):
    model, _, X, y = _train_demo(seed)
    assert accuracy(model, X, y) >= 0.97
