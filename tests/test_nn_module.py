import json
import math
import random
from builtins import sum as builtins_sum

import pytest

import autograd
from autograd import Value
from nn import MLP, Layer, Neuron, load_model


def _tanh_layer_by_hand(weights, biases, x):
    return [math.tanh(sum(w * xi for w, xi in zip(row, x)) + b) for row, b in zip(weights, biases)]


# ---------------------------------------------------------------- initialisation


@pytest.mark.parametrize(
    "activation, nin, nout, bound",
    [
        # Sizes where He's and Xavier's bounds differ by a factor of 2 or more.
        ("relu", 2, 40, math.sqrt(6 / 2)),
        ("tanh", 3, 40, math.sqrt(6 / (3 + 40))),
        ("sigmoid", 3, 40, math.sqrt(6 / (3 + 40))),
        ("linear", 4, 20, math.sqrt(6 / (4 + 20))),
    ],
)
def test_layer_weights_follow_the_activations_uniform_rule(activation, nin, nout, bound):
    layer = Layer(nin, nout, activation=activation, seed=3)
    weights = [w.data for n in layer.neurons for w in n.w]
    assert all(-bound <= w <= bound for w in weights)
    # Drawn over the whole interval, not a smaller one: the extremes come close to the bound.
    assert max(weights) > 0.7 * bound and min(weights) < -0.7 * bound


def test_biases_start_at_zero():
    model = MLP(3, [4, 2], seed=0)
    assert [n.b.data for layer in model.layers for n in layer.neurons] == [0.0] * 6


def test_same_seed_gives_same_weights_and_another_seed_different_ones():
    a, b, c = MLP(2, [5, 1], seed=7), MLP(2, [5, 1], seed=7), MLP(2, [5, 1], seed=8)
    assert a.state_dict() == b.state_dict()
    assert a.state_dict() != c.state_dict()


@pytest.mark.parametrize("seed", [0, None])
def test_construction_leaves_the_global_random_state_alone(seed):
    random.seed(123)
    before = random.getstate()
    MLP(4, [8, 8, 3], seed=seed)
    assert random.getstate() == before


# ---------------------------------------------------------------- parameters and labels


def test_parameter_count_is_sum_of_nin_plus_one_times_nout():
    assert MLP(2, [16, 16, 1]).num_parameters() == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) * 1


def test_parameter_labels_use_the_lecture_notation_and_keys_stay_dotted():
    model = MLP(2, [3, 1], seed=0)
    named = model.named_parameters()
    assert [p.label for _, p in named[:3]] == ["w_{11}^{(1)}", "w_{12}^{(1)}", "b_{1}^{(1)}"]
    assert named[-2][1].label == "w_{13}^{(2)}"
    assert named[-1][1].label == "b_{1}^{(2)}"
    out = model([0.5, -1.0])
    assert out.label == "a_{1}^{(2)}"  # a linear output: its sum is its activation
    assert out.inputs[0].label == "b_{1}^{(2)}"
    tanh_out = MLP(2, [1], output_activation="tanh", seed=0)([0.5, -1.0])
    assert (tanh_out.label, tanh_out.inputs[0].label) == ("a_{1}^{(1)}", "z_{1}^{(1)}")
    assert named[0][0] == "layers.0.neurons.0.w.0"
    assert named[2][0] == "layers.0.neurons.0.b"
    assert named[-1][0] == "layers.1.neurons.0.b"


def test_layer_and_neuron_on_their_own_use_shorter_names():
    assert [n for n, _ in Neuron(2, seed=0).named_parameters()] == ["w.0", "w.1", "b"]
    assert Layer(2, 2, seed=0).named_parameters()[-1][0] == "neurons.1.b"


def test_no_bias_option_removes_every_b():
    model = MLP(2, [3, 1], bias=False, seed=0)
    assert not any(name.endswith(".b") for name, _ in model.named_parameters())
    assert model.num_parameters() == 2 * 3 + 3 * 1


def test_zero_grad_clears_every_parameter():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, -2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


# ---------------------------------------------------------------- forward


def test_mlp_output_matches_the_same_network_computed_by_hand():
    model = MLP(3, [4, 2], activation="tanh", output_activation="tanh", seed=5)
    x = [0.5, -1.5, 2.0]
    h = x
    for layer in model.layers:
        weights = [[w.data for w in n.w] for n in layer.neurons]
        biases = [n.b.data for n in layer.neurons]
        h = _tanh_layer_by_hand(weights, biases, h)
    out = model(x)
    assert [v.data for v in out] == pytest.approx(h, abs=1e-15)


@pytest.mark.parametrize(
    "activation, f",
    [
        ("relu", lambda z: max(0.0, z)),
        ("tanh", math.tanh),
        ("sigmoid", lambda z: 1 / (1 + math.exp(-z))),
        ("linear", lambda z: z),
    ],
)
def test_neuron_applies_its_activation_to_w_dot_x_plus_b(activation, f):
    n = Neuron(2, activation=activation, seed=1)
    n.b.data = 0.3
    x = [0.7, -0.2]
    z = n.w[0].data * 0.7 + n.w[1].data * -0.2 + 0.3
    assert n(x).data == pytest.approx(f(z), abs=1e-15)


def test_pre_activation_is_one_sum_node_over_bias_and_products():
    n = Neuron(3, activation="tanh", seed=0)
    out = n([1.0, 2.0, 3.0])
    (pre,) = out.inputs
    assert pre.op == "sum"
    assert len(pre.inputs) == 4
    assert pre.inputs[0] is n.b
    assert [x.op for x in pre.inputs[1:]] == ["*", "*", "*"]


def test_one_wide_last_layer_gives_a_value_and_wider_gives_a_list():
    assert isinstance(MLP(2, [4, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [4, 3], seed=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3 and all(isinstance(v, Value) for v in out)


def test_a_one_neuron_hidden_layer_works():
    model = MLP(2, [16, 1, 1], seed=0)
    assert isinstance(model([0.1, 0.2]), Value)


def test_inputs_may_be_values_and_receive_gradients():
    n = Neuron(2, activation="linear", seed=2)
    x0, x1 = Value(0.5), Value(-1.0)
    n([x0, x1]).backward()
    assert (x0.grad, x1.grad) == (n.w[0].data, n.w[1].data)


def test_every_first_layer_neuron_reads_one_constant_per_input_number():
    model = MLP(2, [3, 1], activation="linear", seed=0)
    out = model([0.5, -1.0])
    products = [p for p in autograd.topological_order(out) if p.op == "*" and not p.inputs[1].inputs]
    inputs = {p.inputs[1] for p in products}
    assert len(products) == 6 and len(inputs) == 2
    assert sorted(x.data for x in inputs) == [-1.0, 0.5]
    assert all(isinstance(x, autograd.Constant) for x in inputs)
    out.backward()
    # The one x1 gets the whole of ∂out/∂x1: a sum over the three neurons, here linear.
    w_out = model.layers[1].neurons[0].w
    for i, x in enumerate(sorted(inputs, key=lambda x: -x.data)):
        expected = builtins_sum(w_out[j].data * n.w[i].data for j, n in enumerate(model.layers[0].neurons))
        assert x.grad == pytest.approx(expected, rel=1e-12)


def test_relu_neuron_gradient_matches_hand_derivation():
    n = Neuron(2, activation="relu", seed=2)
    n.w[0].data, n.w[1].data, n.b.data = 0.5, -0.25, 0.1
    out = n([2.0, 1.0])  # pre = 1.0 - 0.25 + 0.1 > 0, so relu passes the gradient
    out.backward()
    assert [n.w[0].grad, n.w[1].grad, n.b.grad] == [2.0, 1.0, 1.0]


def test_layer_of_one_neuron_feeds_a_one_input_layer():
    first, second = Layer(2, 1, seed=0), Layer(1, 1, seed=1)
    assert isinstance(second(first([1.0, 1.0])), Value)


def test_evaluation_under_no_grad_records_nothing():
    model = MLP(2, [3, 1], seed=0)
    with autograd.no_grad():
        out = model([1.0, 2.0])
    assert out.inputs == ()


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("width", [1, 3])
def test_wrong_input_width_says_expected_and_given(width):
    with pytest.raises(ValueError, match=rf"width 2 .* got {width}"):
        MLP(2, [3, 1], seed=0)([0.0] * width)


def test_non_sequence_input_is_a_type_error():
    with pytest.raises(TypeError, match="expects a list of 2"):
        MLP(2, [3, 1], seed=0)("ab")


@pytest.mark.parametrize("bad", ["1", None, [1.0]], ids=["str", "None", "list"])
def test_an_input_that_is_not_a_number_is_named_with_its_place(bad):
    expected = rf"expects numbers or Values as inputs, got {type(bad).__name__} .* input 1"
    with pytest.raises(TypeError, match=expected):
        MLP(2, [3, 1], seed=0)([0.5, bad])


def test_an_input_too_large_for_a_float_is_named_with_its_place():
    with pytest.raises(OverflowError, match=r"MLP\(2, \[3, 1\]\): input 0 is too large for a float"):
        MLP(2, [3, 1], seed=0)([10**400, 0.5])


def test_unknown_activation_suggests_the_closest_name():
    with pytest.raises(ValueError, match=r"unknown activation 'rleu'.*did you mean 'relu'"):
        MLP(2, [3, 1], activation="rleu")


def test_unknown_output_activation_lists_the_choices():
    with pytest.raises(ValueError, match="'relu', 'tanh', 'sigmoid', 'linear'"):
        MLP(2, [3, 1], output_activation="softmax")


@pytest.mark.parametrize("nouts", [[], [3, 0], "16", [2.5]])
def test_bad_layer_sizes_are_rejected(nouts):
    with pytest.raises(ValueError, match="MLP"):
        MLP(2, nouts)


def test_seed_of_the_wrong_type_is_rejected():
    with pytest.raises(TypeError, match="seed"):
        MLP(2, [1], seed="zero")


# ---------------------------------------------------------------- state dict, save, load


def test_state_dict_round_trip_restores_outputs():
    a, b = MLP(2, [4, 1], seed=0), MLP(2, [4, 1], seed=1)
    b.load_state_dict(a.state_dict())
    assert b([0.3, -0.4]).data == a([0.3, -0.4]).data


def _shuffled_state(model, seed):
    """The model's names with distinct values (1, 2, 3, ... in the model's order), in a shuffled order."""
    names = [name for name, _ in model.named_parameters()]
    order = names[:]
    random.Random(seed).shuffle(order)
    assert order != names
    return {name: float(names.index(name) + 1) for name in order}


@pytest.mark.parametrize("seed", [0, 1])
def test_load_state_dict_assigns_by_name_whatever_the_order_of_the_dict(seed):
    model = MLP(2, [3, 2], seed=0)
    state = _shuffled_state(model, seed)
    model.load_state_dict(state)
    assert {name: p.data for name, p in model.named_parameters()} == state
    assert [p.data for p in model.parameters()] == [float(i + 1) for i in range(model.num_parameters())]


def test_a_file_with_its_keys_in_another_order_loads_by_name(tmp_path):
    path = tmp_path / "m.json"
    model = MLP(2, [3, 2], seed=0)
    model.save(str(path))
    document = json.loads(path.read_text())
    document["state"] = _shuffled_state(model, 2)
    path.write_text(json.dumps(document))
    for loaded in (load_model(str(path)), MLP(2, [3, 2], seed=5).load(str(path))):
        assert loaded.state_dict() == document["state"]
        assert [p.data for p in loaded.parameters()] == [float(i + 1) for i in range(model.num_parameters())]


def test_state_dict_from_another_architecture_is_refused_and_changes_nothing():
    model, other = MLP(2, [4, 1], seed=0), MLP(2, [5, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"does not fit MLP.*unexpected: layers\.0\.neurons\.4"):
        model.load_state_dict(other.state_dict())
    assert model.state_dict() == before


def test_state_dict_with_a_missing_entry_names_it():
    model = MLP(2, [1], seed=0)
    state = model.state_dict()
    del state["layers.0.neurons.0.b"]
    with pytest.raises(ValueError, match=r"missing: layers\.0\.neurons\.0\.b"):
        model.load_state_dict(state)


def test_state_dict_with_a_non_number_changes_nothing():
    model = MLP(2, [2], seed=0)
    before = model.state_dict()
    state = dict.fromkeys(before, 1.0)
    state["layers.0.neurons.1.w.0"] = "one"
    with pytest.raises(TypeError, match=r"'layers\.0\.neurons\.1\.w\.0' should be a number, got str"):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_save_then_load_gives_identical_outputs(tmp_path):
    path = tmp_path / "model.json"
    model = MLP(2, [8, 8, 1], activation="tanh", seed=4)
    model.save(str(path))
    other = MLP(2, [8, 8, 1], activation="tanh", seed=99)
    other.load(str(path))
    for x in ([0.0, 0.0], [1.5, -2.0], [-0.3, 0.9]):
        assert other(x).data == model(x).data


def test_load_model_rebuilds_architecture_and_weights(tmp_path):
    path = tmp_path / "model.json"
    model = MLP(3, [5, 2], activation="sigmoid", output_activation="tanh", bias=False, seed=4)
    model.save(str(path))
    rebuilt = load_model(str(path))
    assert rebuilt.config() == model.config()
    assert [v.data for v in rebuilt([1.0, 2.0, 3.0])] == [v.data for v in model([1.0, 2.0, 3.0])]


def test_saved_file_is_plain_json_with_every_parameter(tmp_path):
    path = tmp_path / "m.json"
    model = MLP(2, [2, 1], seed=0)
    model.save(str(path))
    document = json.loads(path.read_text())
    assert document["state"] == model.state_dict()
    assert document["config"]["nouts"] == [2, 1]


def test_loading_a_file_of_another_architecture_names_both(tmp_path):
    path = tmp_path / "m.json"
    MLP(2, [3, 1], seed=0).save(str(path))
    with pytest.raises(
        ValueError, match=r"holds MLP\(nin=2, nouts=\[3, 1\].*this model is MLP\(nin=2, nouts=\[4, 1\]"
    ):
        MLP(2, [4, 1], seed=0).load(str(path))


def test_loading_a_file_that_is_not_a_model_is_refused(tmp_path):
    path = tmp_path / "m.json"
    path.write_text('{"weights": [1, 2]}')
    with pytest.raises(ValueError, match="not a model saved"):
        load_model(str(path))


# ---------------------------------------------------------------- printing


def test_repr_shows_architecture_layer_by_layer():
    text = repr(MLP(2, [16, 16, 1], seed=0))
    assert "337 parameters" in text
    assert "(layers.0): Layer(nin=2, nout=16, activation='relu', bias=True)" in text
    assert "(layers.2): Layer(nin=16, nout=1, activation='linear', bias=True)" in text
