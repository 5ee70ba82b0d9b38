"""chainrule's neural networks: neurons, layers and MLPs made of ``Value``s.

Train a tiny network in a REPL and watch it learn::

    from nn import MLP, SGD, fit, make_moons, hinge_loss, linear_decay
    X, y = make_moons(100, noise=0.1, seed=1337)     # labels in {-1, +1}
    model = MLP(2, [16, 16, 1], activation="relu", seed=0)
    history = fit(model, X, y, loss=hinge_loss, optimizer=SGD(model.parameters(), lr=1.0),
                  epochs=100, l2=1e-4, schedule=linear_decay(1.0, 0.1), progress=True)
    model(X[0])              # a Value (a list of Values when the last layer is wider)

Everything is built on the public API of ``autograd``: a forward pass builds a
graph of Values, ``loss.backward()`` fills every parameter's ``.grad``, and an
optimizer moves each parameter against its gradient.
"""

from .data import (
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
from .layer_view import LayerView, deltas
from .losses import (
    LOSSES,
    bce_with_logits,
    binary_cross_entropy_with_logits,
    cross_entropy,
    get_loss,
    hinge_loss,
    l2_penalty,
    mse_loss,
    softmax_cross_entropy,
)
from .module import ACTIVATIONS, MLP, Layer, Module, Neuron, init_bound, load_model
from .optim import SGD, Adam, Optimizer, Schedule, constant, cosine_decay, linear_decay, step_decay
from .train import History, NonFiniteLossError, accuracy, evaluate, fit, predict

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "MLP",
    "SGD",
    "Adam",
    "History",
    "Layer",
    "LayerView",
    "Module",
    "Neuron",
    "NonFiniteLossError",
    "Optimizer",
    "Schedule",
    "accuracy",
    "batches",
    "bce_with_logits",
    "binary_cross_entropy_with_logits",
    "constant",
    "cosine_decay",
    "cross_entropy",
    "deltas",
    "evaluate",
    "fit",
    "get_loss",
    "hinge_loss",
    "init_bound",
    "l2_penalty",
    "linear_decay",
    "load_digits",
    "load_model",
    "make_blobs",
    "make_circles",
    "make_gaussians",
    "make_moons",
    "make_spirals",
    "make_xor",
    "mse_loss",
    "predict",
    "softmax_cross_entropy",
    "step_decay",
    "to_torch",
    "train_test_split",
]


def __getattr__(name: str) -> object:
    # nn.to_torch is loaded on first use, so that `import nn` reads no conversion code.
    if name == "to_torch":
        from .torch_bridge import to_torch

        return to_torch
    raise AttributeError(f"module 'nn' has no attribute {name!r}")
