"""Turn a chainrule model into an equivalent PyTorch module.

For users who outgrow a scalar engine: the same architecture and the same
weights as a ``torch.nn.Module``, so training can go on with tensors.
PyTorch is imported only when a conversion is asked for, so ``import nn``
stays light. It reads a model through its public ``layer_weights()`` and
imports nothing of ``nn.module``, which imports it when ``to_torch`` is called.
"""

from __future__ import annotations

from typing import Any

from autograd import OPS

__all__ = ["to_torch"]


def _import_torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            "to_torch needs PyTorch, which is not installed; install the extra with: "
            "pip install 'chainrule[torch]'"
        ) from None
    return torch


def _activation_module(torch: Any, name: str) -> Any:
    """The torch module of an activation, from the ``torch`` name its operation gives.

    ``torch.nn``'s module of that name in any case (``"tanh"``: ``nn.Tanh``),
    else a module that applies the function ``torch.<name>``. An activation
    that PyTorch cannot compute is an error: leaving it out would build a
    different model.
    """
    op = OPS.get(name)
    if op is None or op.kind != "activation":
        raise ValueError(f"to_torch: unknown activation {name!r}: no activation of that name in autograd.OPS")
    if not isinstance(op.torch, str):
        raise ValueError(
            f"to_torch: the activation {name!r} has no PyTorch equivalent (its operation's torch is "
            f"{op.torch!r}); give it Op(..., torch='name') to convert this model"
        )
    modules = {n.lower(): m for n, m in vars(torch.nn).items() if isinstance(m, type)}
    module = modules.get(op.torch.lower())
    if module is not None and issubclass(module, torch.nn.Module):
        return module()
    function: Any = torch
    for part in op.torch.split("."):
        function = getattr(function, part, None)
    if not callable(function):
        raise ValueError(
            f"to_torch: the activation {name!r} names torch.{op.torch}, which PyTorch does not have"
        )

    class Activation(torch.nn.Module):
        def forward(self, x: Any) -> Any:
            return function(x)

        def extra_repr(self) -> str:
            return f"torch.{op.torch}"

    return Activation()


def to_torch(model: Any, dtype: Any = None) -> Any:
    """Return a ``torch.nn.Sequential`` of ``Linear`` and activation modules.

    Each layer becomes ``torch.nn.Linear(nin, nout, bias=...)`` whose weight
    row j holds the weights of neuron j, followed by its activation: ``ReLU``,
    ``Tanh``, ``Sigmoid``, or the PyTorch function that the activation's
    operation names (nothing for a linear layer; an activation PyTorch does not
    have is a ``ValueError``). ``dtype`` defaults to
    ``torch.float64``, the precision of a Value, so both give the same
    numbers. The torch module's output always has shape ``(nout,)`` for one
    sample, even for one output.
    """
    torch = _import_torch()
    dtype = torch.float64 if dtype is None else dtype
    modules = []
    layer_weights = getattr(model, "layer_weights", None)
    if not callable(layer_weights):
        raise TypeError(f"to_torch: expected a Neuron, Layer or MLP, got {type(model).__name__}")
    layers = layer_weights()
    activations = [None if a == "linear" else _activation_module(torch, a) for _, _, a in layers]
    for (weights, biases, _), activation in zip(layers, activations):
        nout, nin = len(weights), len(weights[0])
        linear = torch.nn.Linear(nin, nout, bias=biases is not None, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weights, dtype=dtype))
            if biases is not None:
                linear.bias.copy_(torch.tensor(biases, dtype=dtype))
        modules.append(linear)
        if activation is not None:
            modules.append(activation)
    return torch.nn.Sequential(*modules)
