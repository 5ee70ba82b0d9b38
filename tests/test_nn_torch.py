"""PyTorch as an oracle: the same model, losses and optimizers, computed by torch in float64."""

import sys

import pytest

from autograd import Value
from nn import (
    MLP,
    SGD,
    Adam,
    Layer,
    Neuron,
    binary_cross_entropy_with_logits,
    hinge_loss,
    mse_loss,
    softmax_cross_entropy,
)

torch = pytest.importorskip("torch")

INPUTS = [[0.5, -1.0, 2.0], [0.0, 0.0, 0.0], [-1.5, 0.25, 0.75], [3.0, -2.0, 1.0]]


def _torch_grads_by_name(tmodel, model):
    """The torch parameter gradients, renamed to our dotted names."""
    linears = [m for m in tmodel if isinstance(m, torch.nn.Linear)]
    prefix_of = {MLP: lambda i: f"layers.{i}.", Layer: lambda i: "", Neuron: lambda i: ""}[type(model)]
    grads = {}
    for i, linear in enumerate(linears):
        for j in range(linear.out_features):
            neuron = f"{prefix_of(i)}neurons.{j}." if not isinstance(model, Neuron) else ""
            for k in range(linear.in_features):
                grads[f"{neuron}w.{k}"] = linear.weight.grad[j, k].item()
            if linear.bias is not None:
                grads[f"{neuron}b"] = linear.bias.grad[j].item()
    return grads


MODELS = [
    lambda: MLP(3, [5, 4, 1], seed=0),
    lambda: MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=1),
    lambda: MLP(3, [6, 1, 2], activation="sigmoid", bias=False, seed=2),
    lambda: Layer(3, 4, activation="tanh", seed=3),
    lambda: Neuron(3, activation="relu", seed=4),
]


@pytest.mark.parametrize("make", MODELS)
def test_to_torch_gives_the_same_outputs(make):
    model = make()
    tmodel = model.to_torch()
    for x in INPUTS:
        ours = model(x)
        ours = [ours.data] if isinstance(ours, Value) else [v.data for v in ours]
        theirs = tmodel(torch.tensor(x, dtype=torch.float64)).tolist()
        assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("make", MODELS)
def test_to_torch_gives_the_same_parameter_gradients(make):
    model = make()
    tmodel = model.to_torch()
    # A scalar that depends on every output: the sum of squares over a batch.
    outs = [model(x) for x in INPUTS]
    flat = [v for o in outs for v in (o if isinstance(o, list) else [o])]
    sum(v * v for v in flat).backward()
    t_out = tmodel(torch.tensor(INPUTS, dtype=torch.float64))
    (t_out**2).sum().backward()
    theirs = _torch_grads_by_name(tmodel, model)
    ours = {name: p.grad for name, p in model.named_parameters()}
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert ours[name] == pytest.approx(theirs[name], rel=1e-10, abs=1e-12), name


def test_to_torch_without_torch_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[torch\]'"):
        MLP(2, [1], seed=0).to_torch()


# ---------------------------------------------------------------- losses against torch.nn.functional

F = torch.nn.functional
SCORES = [0.3, -1.2, 2.5, -0.1, 40.0, -35.0]


def _ours_and_torch(scores):
    values = [Value(s) for s in scores]
    tensor = torch.tensor(scores, dtype=torch.float64, requires_grad=True)
    return values, tensor


def _assert_same(loss, values, tloss, tensor):
    loss.backward()
    tloss.backward()
    assert loss.data == pytest.approx(tloss.item(), rel=1e-12, abs=1e-15)
    assert [v.grad for v in values] == pytest.approx(tensor.grad.tolist(), rel=1e-10, abs=1e-15)


def test_bce_with_logits_matches_torch():
    targets = [1, 0, 0, 1, 0, 1]
    values, tensor = _ours_and_torch(SCORES)
    tloss = F.binary_cross_entropy_with_logits(tensor, torch.tensor(targets, dtype=torch.float64))
    _assert_same(binary_cross_entropy_with_logits(values, targets), values, tloss, tensor)


def test_hinge_matches_torch():
    labels = [1, -1, -1, 1, 1, -1]
    values, tensor = _ours_and_torch(SCORES)
    tloss = torch.relu(1 - torch.tensor(labels, dtype=torch.float64) * tensor).mean()
    _assert_same(hinge_loss(values, labels), values, tloss, tensor)


def test_mse_matches_torch():
    targets = [0.0, 1.0, 2.0, -1.0, 0.5, 0.0]
    values, tensor = _ours_and_torch(SCORES)
    tloss = F.mse_loss(tensor, torch.tensor(targets, dtype=torch.float64))
    _assert_same(mse_loss(values, targets), values, tloss, tensor)


def test_softmax_cross_entropy_matches_torch():
    values, tensor = _ours_and_torch(SCORES)
    targets = [2, 0]
    tloss = F.cross_entropy(tensor.view(2, 3), torch.tensor(targets))
    loss = softmax_cross_entropy([values[:3], values[3:]], targets)
    _assert_same(loss, values, tloss, tensor)


# ---------------------------------------------------------------- optimizers against torch.optim


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (
            lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
            lambda ts: torch.optim.SGD(ts, lr=0.1, momentum=0.9, weight_decay=0.01),
        ),
        (
            lambda ps: Adam(ps, lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1),
            lambda ts: torch.optim.Adam(ts, lr=0.05, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1),
        ),
    ],
    ids=["sgd", "adam"],
)
def test_optimizer_steps_match_torch(ours, theirs):
    start = [1.0, -2.0, 0.5]
    params = [Value(x) for x in start]
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in start]
    opt, topt = ours(params), theirs(tensors)
    for step in range(5):
        grads = [0.3 * step - 0.5, 1.0 / (step + 1), -0.2 * step]
        for p, t, g in zip(params, tensors, grads):
            p.grad = g
            t.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        topt.step()
    assert [p.data for p in params] == pytest.approx([t.item() for t in tensors], rel=1e-12, abs=1e-15)
