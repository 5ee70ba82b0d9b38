import math

import pytest

import autograd
import nn
from autograd import Value
from nn import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    get_loss,
    hinge_loss,
    l2_penalty,
    mse_loss,
    softmax_cross_entropy,
)


def _values(numbers):
    return [Value(x) for x in numbers]


def _sigmoid(z):
    return 1 / (1 + math.exp(-z))


# ---------------------------------------------------------------- gradients against finite differences


def test_mse_gradients_match_finite_differences():
    outs = _values([0.3, -1.2, 2.0])
    autograd.gradcheck(lambda *o: mse_loss(list(o), [0.0, 1.0, 1.5]), outs)


def test_mse_on_several_outputs_gradients_match_finite_differences():
    outs = _values([0.3, -1.2, 2.0, 0.1])
    autograd.gradcheck(lambda a, b, c, d: mse_loss([[a, b], [c, d]], [[1.0, 0.0], [0.0, 1.0]]), outs)


def test_hinge_gradients_match_finite_differences():
    # Scores kept away from the kink at y * s = 1, where relu has no derivative.
    scores = _values([0.2, -0.4, 1.7, -2.5])
    autograd.gradcheck(lambda *s: hinge_loss(list(s), [1, 1, -1, -1]), scores)


@pytest.mark.parametrize("z", [-30.0, -2.0, -1e-3, 0.5, 3.0, 40.0])
@pytest.mark.parametrize("t", [0, 1, 0.25])
def test_bce_gradients_match_finite_differences(z, t):
    autograd.gradcheck(lambda v: binary_cross_entropy_with_logits([v], [t]), [Value(z)])


def test_cross_entropy_gradients_match_finite_differences():
    logits = _values([1.0, -0.5, 2.5, 0.0])
    autograd.gradcheck(lambda *z: cross_entropy(list(z), 2), logits)


def test_softmax_cross_entropy_gradients_match_finite_differences():
    logits = _values([1.0, -0.5, 2.5, 0.0, 0.3, -1.0])
    autograd.gradcheck(lambda a, b, c, d, e, f: softmax_cross_entropy([[a, b, c], [d, e, f]], [0, 2]), logits)


def test_l2_penalty_gradients_match_finite_differences():
    params = _values([0.5, -2.0, 3.0])
    autograd.gradcheck(lambda *p: l2_penalty(list(p), 0.1), params)


# ---------------------------------------------------------------- values against formulas


def test_mse_value_is_mean_of_squared_errors():
    assert mse_loss(_values([1.0, 3.0]), [0.0, 1.0]).data == (1.0 + 4.0) / 2


@pytest.mark.parametrize(
    "outputs, targets",
    [
        ([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]], [[0.0, 1.0, 1.0], [1.0, 1.0, 0.0]]),
        ([[3.0, -2.0]], [[0.5, 0.5]]),
        ([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]]),
    ],
)
def test_mse_on_several_outputs_is_the_mean_over_every_output_of_every_sample(outputs, targets):
    # By hand: L = (1/(N*K)) * sum_ij (o_ij - t_ij)**2 and dL/do_ij = 2 (o_ij - t_ij) / (N*K).
    outs = [_values(row) for row in outputs]
    count = sum(len(row) for row in outputs)
    loss = mse_loss(outs, targets)
    loss.backward()
    errors = [o - t for row, trow in zip(outputs, targets) for o, t in zip(row, trow)]
    assert loss.data == pytest.approx(sum(e * e for e in errors) / count, rel=1e-15)
    grads = [v.grad for row in outs for v in row]
    assert grads == pytest.approx([2 * e / count for e in errors], rel=1e-15)


def test_hinge_value_is_mean_relu_of_one_minus_margin():
    loss = hinge_loss(_values([0.5, -2.0, 3.0]), [1, 1, -1])
    assert loss.data == pytest.approx((0.5 + 3.0 + 4.0) / 3)


@pytest.mark.parametrize("z, t", [(0.7, 1), (-1.3, 0), (2.0, 0.3)])
def test_bce_value_matches_the_probability_formula(z, t):
    p = _sigmoid(z)
    expected = -(t * math.log(p) + (1 - t) * math.log(1 - p))
    assert binary_cross_entropy_with_logits([Value(z)], [t]).data == pytest.approx(expected, rel=1e-12)


def test_bce_gradient_at_zero_is_sigmoid_minus_target():
    z = Value(0.0)
    binary_cross_entropy_with_logits([z, Value(1.0)], [1, 0]).backward()
    assert z.grad == pytest.approx((0.5 - 1) / 2, abs=1e-15)


@pytest.mark.parametrize("z, t, expected", [(1000.0, 1, 0.0), (1000.0, 0, 1000.0), (-1000.0, 0, 0.0)])
def test_bce_is_finite_for_huge_logits(z, t, expected):
    assert binary_cross_entropy_with_logits([Value(z)], [t]).data == pytest.approx(expected, abs=1e-12)


def test_cross_entropy_value_is_minus_log_softmax():
    z = [1.0, -0.5, 2.5]
    expected = -math.log(math.exp(z[1]) / sum(math.exp(v) for v in z))
    assert cross_entropy(_values(z), 1).data == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    z = _values([0.2, 1.0, -0.7])
    cross_entropy(z, 0).backward()
    total = sum(math.exp(v.data) for v in z)
    expected = [math.exp(v.data) / total - (i == 0) for i, v in enumerate(z)]
    assert [v.grad for v in z] == pytest.approx(expected, abs=1e-15)


def test_cross_entropy_is_stable_for_huge_logits():
    assert cross_entropy(_values([1000.0, 0.0]), 0).data == 0.0
    assert cross_entropy(_values([1000.0, 0.0]), 1).data == 1000.0


def test_cross_entropy_on_a_batch_is_the_mean():
    a, b = [1.0, 2.0], [0.5, -0.5]
    batch = cross_entropy([_values(a), _values(b)], [0, 1]).data
    assert batch == pytest.approx((cross_entropy(_values(a), 0).data + cross_entropy(_values(b), 1).data) / 2)


def test_l2_penalty_is_alpha_times_sum_of_squares():
    assert l2_penalty(_values([1.0, -2.0]), 1e-4).data == pytest.approx(1e-4 * 5.0)


def test_a_single_sample_is_accepted():
    assert hinge_loss(Value(0.25), 1).data == 0.75


def test_losses_by_name():
    assert get_loss("hinge") is hinge_loss
    with pytest.raises(ValueError, match="did you mean 'hinge'"):
        get_loss("hnge")


# ---------------------------------------------------------------- labels outside what the loss expects


@pytest.mark.parametrize("label", [0, 2, 0.5])
def test_hinge_wants_plus_or_minus_one(label):
    with pytest.raises(ValueError, match=rf"labels -1 or \+1, got {label!r} for sample 1"):
        hinge_loss(_values([0.1, 0.2]), [1, label])


def test_bce_wants_zero_or_one_and_suggests_a_mapping_for_minus_one():
    with pytest.raises(ValueError, match=r"targets 0 or 1 .* got -1 for sample 0; for -1/\+1 labels"):
        binary_cross_entropy_with_logits(_values([0.1]), [-1])


def test_cross_entropy_wants_a_class_in_range():
    with pytest.raises(ValueError, match=r"class index in 0\.\.2 \(3 logits\), got 3"):
        cross_entropy(_values([0.1, 0.2, 0.3]), 3)


def test_cross_entropy_wants_an_integer_class():
    with pytest.raises(TypeError, match="did you mean 1"):
        cross_entropy(_values([0.1, 0.2]), 1.0)


def test_hinge_rejects_a_model_with_several_outputs():
    with pytest.raises(ValueError, match="one score per sample"):
        hinge_loss([_values([0.1, 0.2])], [1])


def test_outputs_and_targets_must_have_the_same_length():
    with pytest.raises(ValueError, match="3 outputs but 2 targets"):
        mse_loss(_values([1.0, 2.0, 3.0]), [1.0, 2.0])


def test_an_empty_batch_is_refused():
    with pytest.raises(ValueError, match="empty batch"):
        hinge_loss([], [])


@pytest.mark.parametrize(
    ("loss", "target"),
    [(nn.mse_loss, 0.25), (nn.hinge_loss, -1.0), (nn.binary_cross_entropy_with_logits, 1.0)],
)
def test_a_one_sample_loss_is_its_own_term_labelled_l(loss, target):
    # The lecture's L = (a − y)² for one sample: no ÷ 1 node, and the loss is called L.
    out = Value(0.75, label="a")
    L = loss([out], [target])
    assert L.label == "L" and L.op != "/"
    assert L.data == pytest.approx(loss([out, out], [target, target]).data, rel=1e-15)


def test_a_mean_over_samples_is_labelled_l_and_divides():
    out = [Value(0.75), Value(-0.5)]
    L = nn.mse_loss(out, [0.25, 0.5])
    assert L.label == "L" and L.op == "/"
    assert L.data == pytest.approx(((0.75 - 0.25) ** 2 + (-0.5 - 0.5) ** 2) / 2, rel=1e-15)
