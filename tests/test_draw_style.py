"""draw()'s Style object, and the titles of the boxes of a summary drawing."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("graphviz")

import nn  # noqa: E402
from autograd import Value, draw  # noqa: E402
from autograd.views.draw import Style  # noqa: E402
from autograd.views.grouping import group_title  # noqa: E402


def small_graph():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    L = a * b + b
    L.label = "L"
    L.backward()
    return L


def test_a_style_object_draws_what_its_keywords_draw():
    L = small_graph()
    by_object = draw(L, style=Style(slide=True, rankdir="TB", edge_labels=True)).source
    assert by_object == draw(L, style="slide", rankdir="TB", edge_labels=True).source


def test_a_keyword_overrides_the_named_style():
    assert Style.of("slide").replace(rankdir="TB") == Style(slide=True, rankdir="TB")


def test_an_unknown_style_name_suggests_the_close_one():
    with pytest.raises(ValueError, match=r"did you mean 'slide'"):
        draw(small_graph(), style="slid")


def test_a_misspelt_keyword_suggests_the_right_one():
    with pytest.raises(TypeError, match=r"argument 'edge_label'.*did you mean 'edge_labels'"):
        draw(small_graph(), edge_label=True)


@pytest.mark.parametrize("field, bad", [("rankdir", "up"), ("slide", "yes"), ("fmt", 3), ("summarize", "x")])
def test_a_bad_style_field_is_refused_by_name(field, bad):
    with pytest.raises((TypeError, ValueError), match=field):
        Style(**{field: bad})


def test_edge_label_pairs_given_as_a_generator_are_kept():
    L = small_graph()
    pairs = ((v, 0) for v in [L])
    style = Style(edge_labels=pairs)
    assert style.edge_labels == ((L, 0),)


def mlp_loss():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=1)
    L = nn.mse_loss([model([0.5, -1.0])], [1.0])
    L.backward()
    return model, L


def test_a_neurons_box_is_titled_by_its_place_in_the_model():
    model, _ = mlp_loss()
    neuron = model.layers[0].neurons[2]
    assert group_title("layers.0.neurons.2", [*neuron.w, neuron.b]) == "neuron 3, layer 1"


def test_a_layers_box_is_titled_by_its_layer():
    model, _ = mlp_loss()
    members = [p for n in model.layers[0].neurons for p in (*n.w, n.b)]
    assert group_title("layers.0", members) == "layer 1"


def test_a_group_of_ones_own_labels_keeps_its_key():
    assert group_title("block.3", [Value(1.0, label="block.3.w")]) == "block.3"


@pytest.mark.parametrize("summarize", [True, 2])
def test_no_summary_of_an_nn_model_shows_a_dotted_key(summarize):
    _, L = mlp_loss()
    source = draw(L, summarize=summarize).source
    assert not re.search(r"layers\.\d|neurons\.\d", source)
    assert ("neuron 1, layer 2" if summarize is True else "layer 2") in source


def one_sample_loss():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from lecture_networks import homework

    model, x, y = homework(bias=True)
    L = nn.mse_loss([model(x)], [y])
    L.backward()
    return L


@pytest.mark.parametrize("name, slide", [("network", False), ("network-slide", True)])
def test_the_network_styles_draw_the_network_picture(name, slide):
    from autograd.views.network import network_graph

    L = one_sample_loss()
    assert draw(L, style=name).source == network_graph(L, slide=slide).source


def test_the_network_style_takes_the_styles_keywords():
    from autograd.views.network import network_graph

    L = one_sample_loss()
    assert draw(L, style="network", slide=True).source == network_graph(L, slide=True).source
    assert "∂L/∂w" not in draw(L, style="network", show_grad=False).source


def test_the_network_style_refuses_a_graph_that_is_not_a_network():
    from autograd.views.draw import NotANetworkError

    with pytest.raises(NotANetworkError, match=r"draw\(L\)"):
        draw(small_graph(), style="network")


@pytest.mark.parametrize("option", [{"summarize": True}, {"rankdir": "TB"}, {"edge_labels": True}])
def test_graph_only_options_are_refused_by_the_network_style(option):
    (name,) = option
    with pytest.raises(ValueError, match=rf"draw\({name}=\.\.\.\) does not apply to the network picture"):
        draw(one_sample_loss(), style="network", **option)


def test_frames_draw_only_the_graph_styles(tmp_path):
    from autograd.views.frames import write_frames

    with pytest.raises(ValueError, match="expected one of 'default', 'slide'"):
        write_frames(small_graph(), tmp_path, style="network")


def test_the_network_picture_refuses_more_weights_than_a_slide_holds():
    from autograd.views.draw import NETWORK_MAX_WEIGHTS, GraphTooLargeError

    model = nn.MLP(2, [8, 8, 1], activation="tanh", seed=0)  # 16 + 64 + 8 = 88 weights
    L = nn.mse_loss([model([0.5, -1.0])], [1.0])
    assert sum(len(n.w) for layer in model.layers for n in layer.neurons) > NETWORK_MAX_WEIGHTS
    with pytest.raises(GraphTooLargeError, match=r"88 weights, more than 64.*max_nodes=None"):
        draw(L, style="network")
    assert "N3_1" in draw(L, style="network", max_nodes=None).source
