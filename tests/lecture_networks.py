"""The lecture's networks, with fixed numbers, shared by the tests of the network views."""

from __future__ import annotations

import random

from nn import MLP


def set_weights(model: MLP, W: list[list[list[float]]], b: list[list[float]] | None = None) -> MLP:
    """Give ``model`` the weights W[l][i][j] (layer l from 0, neuron i, input j) and biases b[l][i]."""
    for l, layer in enumerate(model.layers):
        for i, neuron in enumerate(layer.neurons):
            for j, w in enumerate(neuron.w):
                w.data = W[l][i][j]
            if neuron.b is not None and b is not None:
                neuron.b.data = b[l][i]
    return model


def homework(bias: bool = False) -> tuple[MLP, list[float], float]:
    """The first homework's 2-2-1 network: tanh hidden units, a sigmoid output, squared error."""
    model = MLP(2, [2, 1], activation="tanh", output_activation="sigmoid", bias=bias, seed=0)
    set_weights(model, [[[0.5, -0.4], [0.3, 0.8]], [[1.1, -0.6]]], [[0.1, -0.2], [0.25]])
    return model, [1.5, -0.5], 1.0


def delta_rule() -> tuple[MLP, list[float], list[float]]:
    """The delta rule lecture's 3-4-3-2 tanh network, drawn as the delta_rule demo draws it."""
    rng = random.Random(7)
    sizes = [3, 4, 3, 2]
    model = MLP(sizes[0], sizes[1:], activation="tanh", output_activation="tanh", seed=0)
    W = [[[rng.uniform(-1, 1) for _ in range(n_in)] for _ in range(n_out)]
         for n_in, n_out in zip(sizes, sizes[1:])]
    b = [[rng.uniform(-1, 1) for _ in range(n_out)] for n_out in sizes[1:]]
    set_weights(model, W, b)
    x = [rng.uniform(-1, 1) for _ in range(sizes[0])]
    y = [rng.uniform(-1, 1) for _ in range(sizes[-1])]
    return model, x, y
