"""Neurons, layers and multi-layer perceptrons made of ``Value``s.

A neuron computes ``act(w . x + b)``: a weighted sum of its inputs plus a
bias, passed through an activation. A layer is a list of neurons that all see
the same inputs. An MLP is a chain of layers. Every weight and bias is a
``Value`` leaf, so after ``loss.backward()`` each one holds d(loss)/d(itself)
in ``.grad``, ready for an optimizer.

Every parameter's ``label`` is its dotted name, the same string that
``named_parameters()`` and ``state_dict()`` use::

    layers.0.neurons.3.w.1     layer 0, neuron 3, weight for input 1
    layers.0.neurons.3.b       the bias of that neuron

so that a drawing of the graph can group nodes by layer and neuron.
"""

from __future__ import annotations

import math
import numbers
import os
import random
from collections.abc import Callable, Sequence
from typing import Any, Union

import autograd
from autograd import OPS, Constant, Parameter, Value
from autograd.checks import did_you_mean, positive_int

from ._checks import is_number, make_rng
from .saving import read_document, write_document

__all__ = ["ACTIVATIONS", "Module", "Neuron", "Layer", "MLP", "init_bound", "load_model"]

Number = Union[int, float]
Input = Union[Value, int, float]
Seed = Union[int, random.Random, None]

# What each name does to a pre-activation (None: leave it alone). The
# engine's table of operations says which of its functions are activations;
# the Value method is the faster way to apply one, the operation itself the
# way that always exists.
_ACTIVATE: dict[str, Callable[[Value], Value] | None] = {
    **{name: getattr(Value, name, op) for name, op in OPS.items() if op.kind == "activation"},
    "linear": None,
}

#: The activations a neuron can use, by name.
ACTIVATIONS: tuple[str, ...] = tuple(_ACTIVATE)

def _check_activation(name: Any, what: str = "activation") -> str:
    """Return a known activation name, or explain which names exist."""
    if name is None:
        return "linear"
    if not isinstance(name, str):
        raise TypeError(
            f"{what}: expected one of {', '.join(ACTIVATIONS)} (a str), got {type(name).__name__}"
        )
    key = name.lower()
    if key in _ACTIVATE:
        return key
    hint = did_you_mean(key, ACTIVATIONS)
    raise ValueError(f"unknown {what} {name!r}: expected one of {', '.join(map(repr, ACTIVATIONS))}{hint}")


def _check_bias(bias: Any, owner: str) -> bool:
    """A bias is on or off: a string such as "no" would be taken as True, so only a bool is accepted."""
    if not isinstance(bias, bool):
        raise TypeError(f"{owner}(bias): expected True or False, got {type(bias).__name__} {bias!r:.40}")
    return bias


def init_bound(activation: str, fan_in: int, fan_out: int) -> float:
    """The half-width of the uniform distribution initial weights are drawn from.

    - relu: He/Kaiming uniform, ``sqrt(6 / fan_in)``. A ReLU zeroes about half
      of its inputs, so the weights are made larger to keep the variance of
      the signal the same from layer to layer.
    - tanh, sigmoid, linear: Xavier/Glorot uniform,
      ``sqrt(6 / (fan_in + fan_out))``, which balances the variance of the
      signal going forward and of the gradient going backward.
    """
    if activation == "relu":
        return math.sqrt(6.0 / fan_in)
    return math.sqrt(6.0 / (fan_in + fan_out))


def _as_inputs(x: Any, nin: int, owner: str) -> list[Value]:
    """One sample's inputs, a sequence of nin numbers or Values, as Values.

    Each plain number becomes one constant that every neuron of the first
    layer reads, as the sample's one x1 is an input of all of them (lifted by
    each product instead, it would be a constant per neuron).
    """
    if is_number(x):
        x = (x,)
    elif isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
        raise TypeError(f"{owner} expects a list of {nin} numbers or Values, got {type(x).__name__}")
    if len(x) != nin:
        raise ValueError(
            f"{owner} expects inputs of width {nin} (a list of {nin} numbers or Values), got {len(x)}"
        )
    return [v if isinstance(v, Value) else _constant(v, i, owner) for i, v in enumerate(x)]


def _constant(v: Any, i: int, owner: str) -> Value:
    try:
        return Constant(v)
    except TypeError:
        raise TypeError(
            f"{owner} expects numbers or Values as inputs, got {type(v).__name__} ({v!r}) as input {i}"
        ) from None
    except OverflowError:
        raise OverflowError(f"{owner}: input {i} is too large for a float ({v!r})") from None


class Module:
    """The base of everything with parameters: a neuron, a layer, a network.

    A subclass says which Values are its parameters (``named_parameters``)
    and how it computes its output (``__call__``); the base gives the rest:
    ``parameters()``, ``zero_grad()``, ``state_dict()``/``load_state_dict()``
    and ``save()``/``load()`` as JSON.

    ``fit``, ``accuracy`` and ``predict`` read three more things, which a
    subclass declares when it knows them:

    - ``nin``: how many numbers one sample has (None: any; the data are then
      not checked against it);
    - ``output_width``: how many numbers the model returns per sample (None:
      unknown, and ``fit`` cannot check the targets before training);
    - ``output_activation``: the activation of the output, one of
      ``ACTIVATIONS``; after "sigmoid" a score means a probability, so the
      class switches at 0.5 instead of 0.
    """

    #: How many inputs one sample has; None when the model does not say.
    nin: int | None = None

    @property
    def output_width(self) -> int | None:
        """How many numbers the model returns per sample; None when unknown."""
        return None

    @property
    def output_activation(self) -> str:
        """The activation applied to the output ("linear": a raw score)."""
        return "linear"

    def __call__(self, x: Any) -> Any:
        """Compute the output for one sample; every subclass defines it."""
        raise NotImplementedError(f"{type(self).__name__} does not define __call__")

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Return ``(dotted name, Value)`` for every parameter, in a fixed order."""
        return []

    def parameters(self) -> list[Value]:
        """Return every parameter (the Values an optimizer updates)."""
        return [p for _, p in self.named_parameters()]

    def num_parameters(self) -> int:
        """How many numbers the model learns."""
        return len(self.named_parameters())

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0.

        ``backward()`` *adds* to ``.grad``, so gradients from the previous step
        must be cleared before the next one.
        """
        for p in self.parameters():
            p.grad = 0.0

    def config(self) -> dict[str, Any]:
        """The constructor arguments that describe the architecture."""
        return {}

    def layer_weights(self) -> list[tuple[list[list[float]], list[float] | None, str]]:
        """Each layer as plain numbers: (W, b, activation), W's row i the weights of neuron i.

        b is None for a layer without biases. What the matrix form of a network
        reads (``nn.deltas``, ``to_torch``); a model that is not layered says so.
        """
        raise TypeError(
            f"{type(self).__name__} is not made of layers of neurons (an MLP, Layer or Neuron is)"
        )

    # -- saving and loading --------------------------------------------

    def state_dict(self) -> dict[str, float]:
        """Return ``{dotted name: number}`` for every parameter (a copy of the numbers)."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Number]) -> None:
        """Set every parameter from ``state`` (as made by ``state_dict()``).

        The names must match this model's exactly; otherwise nothing is
        changed and the error lists what is missing and what is unexpected.
        """
        if not isinstance(state, dict):
            raise TypeError(f"load_state_dict: expected a dict of name -> number, got {type(state).__name__}")
        named = self.named_parameters()
        names = [name for name, _ in named]
        known = set(names)
        missing = [n for n in names if n not in state]
        unexpected = [n for n in state if n not in known]
        if missing or unexpected:
            parts = [
                f"load_state_dict: the state dict does not fit {self.describe()} "
                f"({len(names)} parameters; the state dict has {len(state)} entries)"
            ]
            if missing:
                parts.append(f"missing: {_preview(missing)}")
            if unexpected:
                parts.append(f"unexpected: {_preview(unexpected)}")
            raise ValueError("; ".join(parts))
        values = []
        for name in names:
            v = state[name]
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(
                    f"load_state_dict: {name!r} should be a number, got {type(v).__name__} ({v!r:.40})"
                )
            values.append(_finite(v, name, "load_state_dict"))
        # Assign only after everything has been checked: a bad entry changes nothing.
        for (_, p), v in zip(named, values):
            p.data = v

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the architecture and every parameter to ``path`` as JSON.

        Floats are written with all their digits, so loading gives back the
        very same numbers. The file is first written in full under a temporary
        name in the same folder and then renamed over ``path`` in one step, so
        a write that fails half-way (a full disk) leaves the old file as it
        was, and no half-written file behind. A save killed outright leaves
        its temporary ``.NAME.PID.XXXXXXXX.chainrule-tmp``, which the next save
        of ``NAME`` removes. A symbolic link at ``path`` is replaced by the
        new file; the file it points to is never written.
        """
        for name, p in self.named_parameters():
            # JSON has no NaN or infinity, and a model holding one cannot be loaded again.
            _finite(p.data, name, "save")
        write_document(os.fspath(path), type(self).__name__, self.config(), self.state_dict())

    def load(self, path: str | os.PathLike[str]) -> Module:
        """Read parameters saved by ``save(path)`` into this model; return the model.

        The file must describe the same architecture. (To rebuild a model from
        a file without making it first, use ``nn.load_model(path)``.)
        """
        document = read_document(path)
        model, config = document["model"], document["config"]
        if model != type(self).__name__ or config != self.config():
            raise ValueError(
                f"load({os.fspath(path)!r}): the file holds {_describe(model, config):.200}, "
                f"but this model is {self.describe()}"
            )
        try:
            self.load_state_dict(document["state"])
        except (TypeError, ValueError) as e:
            raise ValueError(f"load({os.fspath(path)!r}): {e}") from None
        return self

    # -- printing and conversion ----------------------------------------

    def describe(self) -> str:
        """A one-line description of the architecture, like its constructor call."""
        return _describe(type(self).__name__, self.config())

    def __repr__(self) -> str:
        return self.describe()

    def to_torch(self, dtype: Any = None) -> Any:
        """Return an equivalent ``torch.nn.Module`` holding the same weights.

        For when a model outgrows a scalar engine. The outputs are the same
        numbers (in float64, the default ``dtype``); a one-output model gives a
        tensor of shape ``(1,)`` where this one gives a single Value. Needs
        PyTorch (``pip install 'chainrule[torch]'``). The same as
        ``nn.to_torch(model)``.
        """
        # Imported here, not at the top: torch_bridge reads this module's classes.
        from .torch_bridge import to_torch

        return to_torch(self, dtype=dtype)

    def _label_parameters(self) -> None:
        sites = self._sites()
        if not sites:  # a lone neuron: w_j and b
            for name, p in self.named_parameters():
                kind, _, j = name.partition(".")
                p.label = f"w_{{{int(j) + 1}}}" if j else kind
            return
        for site, p in sites:
            p.site = site
            p.label = _lecture_label(site)
        for layer_no, i, neuron in self._placed_neurons():
            neuron._place = (layer_no, i)

    def _placed_neurons(self) -> list[tuple[int | None, int, Neuron]]:
        """Each neuron with its layer and place in it, counted from 1 (layer None for a lone layer)."""
        layers = getattr(self, "layers", None)
        neurons = getattr(self, "neurons", None)
        if layers is not None:
            return [
                (li + 1, i + 1, n) for li, layer in enumerate(layers) for i, n in enumerate(layer.neurons)
            ]
        if neurons is not None:
            return [(None, i + 1, n) for i, n in enumerate(neurons)]
        return []

    def _sites(self) -> list[tuple[tuple[int | None, int, int | None], Value]]:
        """Each parameter's (layer, neuron, input) counted from 1, for views to group by."""
        sites = []
        for layer_no, i, n in self._placed_neurons():
            sites += [((layer_no, i, j + 1), w) for j, w in enumerate(n.w)]
            if n.b is not None:
                sites.append(((layer_no, i, None), n.b))
        return sites


def _preview(names: list[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")


def _describe(model: str, config: dict[str, Any]) -> str:
    args = ", ".join(f"{k}={v!r}" for k, v in config.items())
    return f"{model}({args})"


class Neuron(Module):
    """One neuron: ``out = act(w[0]*x[0] + ... + w[n-1]*x[n-1] + b)``.

    Args:
        nin: how many inputs it takes.
        activation: "relu" (default), "tanh", "sigmoid" or "linear" (none).
        bias: False for a neuron without ``b`` (it then always passes through
            the origin: out = act(w . x)).
        seed: an int or a ``random.Random`` for reproducible initial weights;
            the global ``random`` state is never used.
        fan_out: the width of the layer it belongs to (used by the Xavier rule).

    The weights start uniform in ``[-bound, bound]`` (see ``init_bound``), the
    bias at 0. The weighted sum is ``autograd.dot``: one product per weight and a
    single ``autograd.sum`` node, so the graph has one node for the sum
    instead of a chain of n additions.
    """

    def __init__(
        self,
        nin: int,
        activation: str | None = "relu",
        bias: bool = True,
        seed: Seed = None,
        fan_out: int = 1,
    ) -> None:
        self.nin = positive_int(nin, "Neuron(nin)")
        self.activation = _check_activation(activation)
        bias = _check_bias(bias, "Neuron")
        fan_out = positive_int(fan_out, "Neuron(fan_out)")
        rng = make_rng(seed)
        bound = init_bound(self.activation, self.nin, fan_out)
        self.w: list[Value] = [Parameter(rng.uniform(-bound, bound)) for _ in range(self.nin)]
        self.b: Value | None = Parameter(0.0) if bias else None
        # (layer, place in it) counted from 1, set by the layer or model it joins: names z and a.
        self._place: tuple[int | None, int] | None = None
        self._label_parameters()

    @property
    def output_width(self) -> int:
        """A neuron gives one number."""
        return 1

    @property
    def output_activation(self) -> str:
        """The activation of the output (for deciding a class from it)."""
        return self.activation

    def __call__(self, x: Sequence[Input] | Input) -> Value:
        """Compute the neuron's output for one sample (a list of nin inputs)."""
        xs = _as_inputs(x, self.nin, f"Neuron({self.nin})")
        return _neuron_forward(self, xs, _ACTIVATE[self.activation])

    def named_parameters(self) -> list[tuple[str, Value]]:
        named = [(f"w.{i}", w) for i, w in enumerate(self.w)]
        if self.b is not None:
            named.append(("b", self.b))
        return named

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "activation": self.activation, "bias": self.b is not None}

    def layer_weights(self) -> list[tuple[list[list[float]], list[float] | None, str]]:
        return [_weights_of([self], self.activation)]


LayerWeights = tuple[list[list[float]], Union[list[float], None], str]


def _weights_of(neurons: Sequence[Neuron], activation: str) -> LayerWeights:
    weights = [[w.data for w in n.w] for n in neurons]
    biases = None if neurons[0].b is None else [n.b.data for n in neurons]
    return weights, biases, activation


def _lecture_label(site: tuple[int | None, int, int | None]) -> str:
    """``w_{ij}^{(l)}`` or ``b_i^{(l)}``, indices from 1 (a comma between them once one has two digits)."""
    layer, i, j = site
    top = "" if layer is None else f"^{{({layer})}}"
    if j is None:
        return f"b_{{{i}}}{top}"
    sep = "," if i > 9 or j > 9 else ""
    return f"w_{{{i}{sep}{j}}}{top}"


def _unit_label(letter: str, place: tuple[int | None, int]) -> str:
    layer, i = place
    return f"{letter}_{{{i}}}" + ("" if layer is None else f"^{{({layer})}}")


def _neuron_forward(n: Neuron, xs: Sequence[Input], act: Callable[[Value], Value] | None) -> Value:
    pre = autograd.dot(n.w, xs, start=0.0 if n.b is None else n.b)
    place = getattr(n, "_place", None)
    # A linear neuron's sum is its output: it is labelled a, what the next layer reads.
    if act is None:
        if place is not None and isinstance(pre, Value) and not pre.label:
            pre.label = _unit_label("a", place)
        return pre
    out = act(pre)
    if place is not None:
        if isinstance(pre, Value) and not pre.label:
            pre.label = _unit_label("z", place)
        out.label = _unit_label("a", place)
    return out


class Layer(Module):
    """``nout`` neurons that all read the same ``nin`` inputs.

    Calling a layer gives one Value per neuron, as a list; a layer with a
    single neuron gives that Value itself (as micrograd does).
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | None = "relu",
        bias: bool = True,
        seed: Seed = None,
    ) -> None:
        self.nin = positive_int(nin, "Layer(nin)")
        self.nout = positive_int(nout, "Layer(nout)")
        self.activation = _check_activation(activation)
        bias = _check_bias(bias, "Layer")
        rng = make_rng(seed)
        self.neurons = [
            Neuron(self.nin, self.activation, bias=bias, seed=rng, fan_out=self.nout)
            for _ in range(self.nout)
        ]
        self._label_parameters()

    @property
    def bias(self) -> bool:
        return self.neurons[0].b is not None

    @property
    def output_width(self) -> int:
        return self.nout

    @property
    def output_activation(self) -> str:
        return self.activation

    def __call__(self, x: Sequence[Input] | Input) -> Value | list[Value]:
        """Compute the layer's outputs for one sample."""
        xs = _as_inputs(x, self.nin, f"Layer({self.nin}, {self.nout})")
        out = _layer_forward(self, xs)
        return out[0] if len(out) == 1 else out

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"neurons.{i}.{name}", p) for i, n in enumerate(self.neurons) for name, p in n.named_parameters()
        ]

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nout": self.nout, "activation": self.activation, "bias": self.bias}

    def layer_weights(self) -> list[tuple[list[list[float]], list[float] | None, str]]:
        return [_weights_of(self.neurons, self.activation)]


def _layer_forward(layer: Layer, xs: Sequence[Input]) -> list[Value]:
    act = _ACTIVATE[layer.activation]
    return [_neuron_forward(n, xs, act) for n in layer.neurons]


class MLP(Module):
    """A multi-layer perceptron: layers of sizes ``nouts`` after ``nin`` inputs.

    ``MLP(2, [16, 16, 1])`` has two hidden layers of 16 neurons using
    ``activation`` and one output neuron using ``output_activation`` (None:
    linear, a raw score, as losses on logits expect).

    Calling it on one sample gives a Value when the last layer has a single
    neuron, and a list of Values when it is wider::

        model = MLP(2, [16, 16, 1], seed=0)
        score = model([0.5, -1.0])        # a Value
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | None = "relu",
        output_activation: str | None = None,
        bias: bool = True,
        seed: Seed = None,
    ) -> None:
        self.nin = positive_int(nin, "MLP(nin)")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or len(nouts) == 0:
            raise ValueError(
                f"MLP(nouts): expected a non-empty list of layer sizes such as [16, 16, 1], got {nouts!r}"
            )
        self.nouts = [positive_int(n, f"MLP(nouts[{i}])") for i, n in enumerate(nouts)]
        self.activation = _check_activation(activation)
        self._output_activation = _check_activation(output_activation, "output_activation")
        bias = _check_bias(bias, "MLP")
        rng = make_rng(seed)
        sizes = [self.nin, *self.nouts]
        last = len(self.nouts) - 1
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                self._output_activation if i == last else self.activation,
                bias=bias,
                seed=rng,
            )
            for i in range(len(self.nouts))
        ]
        self._label_parameters()

    @property
    def output_width(self) -> int:
        return self.nouts[-1]

    @property
    def output_activation(self) -> str:
        return self._output_activation

    @property
    def bias(self) -> bool:
        return self.layers[0].bias

    def __call__(self, x: Sequence[Input] | Input) -> Value | list[Value]:
        """Run one sample through every layer; one Value if the last layer has one neuron."""
        xs: Sequence[Input] = _as_inputs(x, self.nin, f"MLP({self.nin}, {self.nouts})")
        for layer in self.layers:
            xs = _layer_forward(layer, xs)
        return xs[0] if len(xs) == 1 else list(xs)

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [
            (f"layers.{i}.{name}", p)
            for i, layer in enumerate(self.layers)
            for name, p in layer.named_parameters()
        ]

    def config(self) -> dict[str, Any]:
        return {
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self.activation,
            "output_activation": self._output_activation,
            "bias": self.bias,
        }

    def layer_weights(self) -> list[tuple[list[list[float]], list[float] | None, str]]:
        return [_weights_of(layer.neurons, layer.activation) for layer in self.layers]

    def __repr__(self) -> str:
        lines = [f"{self.describe()}: {self.num_parameters()} parameters"]
        for i, layer in enumerate(self.layers):
            lines.append(f"  (layers.{i}): {layer.describe()}")
        return "\n".join(lines)


_MODELS: dict[str, type[Module]] = {"Neuron": Neuron, "Layer": Layer, "MLP": MLP}


def _finite(v: Number, name: str, where: str) -> float:
    """``v`` as a float, or an error naming the parameter that is not a finite number."""
    try:
        x = float(v)
    except OverflowError:
        x = math.inf
    if not math.isfinite(x):
        shown = f"{v!r:.40}" if isinstance(v, float) else f"an int of {len(str(abs(v)))} digits"
        raise ValueError(f"{where}: {name!r} is {shown}; every parameter must be a finite float")
    return x


def _implied_parameters(name: str, config: dict[str, Any]) -> int:
    """How many parameters the architecture in ``config`` has, computed without building it."""
    bias = _check_bias(config.get("bias", True), name)
    nin = positive_int(config.get("nin"), f"{name}(nin)")
    if name == "Neuron":
        return nin + bias
    if name == "Layer":
        return positive_int(config.get("nout"), "Layer(nout)") * (nin + bias)
    nouts = config.get("nouts")
    if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or len(nouts) == 0:
        raise ValueError(f"MLP(nouts): expected a non-empty list of layer sizes, got {nouts!r:.60}")
    sizes = [nin] + [positive_int(n, f"MLP(nouts[{i}])") for i, n in enumerate(nouts)]
    return sum(n_out * (n_in + bias) for n_in, n_out in zip(sizes, sizes[1:]))


def load_model(path: str | os.PathLike[str]) -> Module:
    """Rebuild a model saved with ``model.save(path)``: architecture and weights.

    The number of parameters the saved architecture implies is checked
    against the saved weights before anything is built, so a file naming a
    huge network is refused at once instead of filling the memory.
    """
    shown = repr(os.fspath(path))
    document = read_document(path)
    name, config, state = document["model"], document["config"], document["state"]
    cls = _MODELS.get(name)
    if cls is None:
        raise ValueError(f"{shown}: unknown model type {name!r:.60}; expected one of {', '.join(_MODELS)}")
    try:
        implied = _implied_parameters(name, config)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{shown}: the saved config does not describe a valid {name}: {e}") from None
    if implied != len(state):
        raise ValueError(
            f"{shown}: the config describes {_describe(name, config):.200} with {implied:,} parameters, "
            f"but the file holds {len(state):,} weights; the file is damaged or was edited"
        )
    try:
        model = cls(**config, seed=0)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{shown}: the saved config does not fit {name}: {e}") from None
    try:
        model.load_state_dict(state)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{shown}: {e}") from None
    return model
