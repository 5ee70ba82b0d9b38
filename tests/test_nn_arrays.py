"""fit, accuracy, predict and evaluate take numpy arrays as they take lists, and train the same."""

import pytest

import nn

np = pytest.importorskip("numpy")


def _moons():
    return nn.make_moons(24, noise=0.1, seed=2)


def _train(X, y, compile_=False, **kwargs):
    model = nn.MLP(2, [4, 1], activation="tanh", seed=0)
    history = nn.fit(model, X, y, optimizer=nn.SGD(model.parameters(), lr=0.1), epochs=3, batch_size=8,
                     seed=1, progress=False, compile=compile_, **kwargs)
    return model.state_dict(), history.as_dict()


@pytest.mark.parametrize("compile_", [False, True], ids=["graph", "compiled"])
def test_fit_on_2d_and_1d_arrays_trains_exactly_as_on_lists(compile_):
    X, y = _moons()
    on_lists = _train(X, y, compile_, validation_data=(X[:5], y[:5]))
    on_arrays = _train(np.array(X), np.array(y), compile_, validation_data=(np.array(X[:5]), np.array(y[:5])))
    assert on_arrays == on_lists


def test_fit_on_a_list_of_rows_and_numpy_scalars_trains_exactly_as_on_lists():
    X, y = _moons()
    rows = [np.array(x) for x in X]
    labels = [np.int64(t) for t in y]
    assert _train(rows, labels) == _train(X, y)


def test_fit_on_one_feature_as_a_1d_array():
    X = [i / 4 - 1 for i in range(9)]  # exact in float32 too
    y = [2 * x + 0.5 for x in X]
    states = []
    for data in ((X, y), (np.array(X), np.array(y)), (np.array(X, dtype=np.float32), y)):
        model = nn.Neuron(1, activation="linear", seed=0)
        nn.fit(model, *data, loss="mse", epochs=5, progress=False)
        states.append(model.state_dict())
    assert states[1] == states[0] and states[2] == states[0]


def test_accuracy_predict_and_evaluate_take_arrays():
    X, y = _moons()
    model = nn.MLP(2, [4, 1], seed=0)
    Xa, ya = np.array(X), np.array(y)
    assert nn.accuracy(model, Xa, ya) == nn.accuracy(model, X, y)
    assert nn.predict(model, Xa) == nn.predict(model, X)
    assert nn.evaluate(model, Xa, ya) == nn.evaluate(model, X, y)


def test_a_bad_feature_in_an_array_is_named_by_its_sample():
    X, y = _moons()
    Xa = np.array(X)
    Xa[5, 1] = np.nan
    model = nn.MLP(2, [4, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match="fit: feature 1 of sample 5 is nan"):
        nn.fit(model, Xa, np.array(y), epochs=1, progress=False)
    assert model.state_dict() == before


def test_an_array_of_the_wrong_width_is_refused_clearly():
    X, y = _moons()
    with pytest.raises(ValueError, match="fit: sample 0 has 3 features, but the model takes 2 inputs"):
        nn.fit(nn.MLP(2, [4, 1], seed=0), np.zeros((24, 3)), np.array(y), epochs=1, progress=False)
