"""A model's parameters carry their place in the network, and views group by it, not by labels."""

from __future__ import annotations

import pickle

from lecture_networks import delta_rule

from autograd import Parameter
from autograd.graph import topological_order
from autograd.views.draw import summary_groups
from nn import Layer
from nn.losses import mse_loss


def _graph():
    model, x, y = delta_rule()
    return model, mse_loss(model(x), y)


def test_sites_count_layers_neurons_and_inputs_from_one():
    model, _ = _graph()
    n = model.layers[1].neurons[2]
    assert [w.site for w in n.w] == [(2, 3, j) for j in (1, 2, 3, 4)]
    assert n.b.site == (2, 3, None)
    lone = Layer(2, 3, seed=0)
    assert lone.neurons[1].w[0].site == (None, 2, 1)
    assert Parameter(1.0).site is None


def test_renaming_labels_keeps_the_per_neuron_grouping():
    model, loss = _graph()
    order = topological_order(loss)
    before = summary_groups(order, loss)
    for k, p in enumerate(model.parameters()):
        p.label = f"theta{k}"
    after = summary_groups(order, loss)
    assert after == before
    groups = {g for g in after.values() if g is not None}
    assert len(groups) == 4 + 3 + 2  # one box per neuron


def test_site_survives_pickling():
    model, _ = _graph()
    w = pickle.loads(pickle.dumps(model.layers[0].neurons[1].w[2]))
    assert w.site == (1, 2, 3)
