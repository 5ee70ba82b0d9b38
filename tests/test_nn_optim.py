import math

import pytest

from autograd import Value
from nn import SGD, Adam, constant, cosine_decay, linear_decay, step_decay

# Gradients fed to the optimizers step after step, one list per step.
GRADS = [[0.5, -1.0], [0.25, 2.0], [-1.5, 0.0]]
START = [1.0, -2.0]


def _run(optimizer_factory, grads=GRADS, start=START):
    params = [Value(x) for x in start]
    opt = optimizer_factory(params)
    trajectory = []
    for g in grads:
        for p, gi in zip(params, g):
            p.grad = gi
        opt.step()
        trajectory.append([p.data for p in params])
    return trajectory


def test_plain_sgd_moves_against_the_gradient():
    assert _run(lambda ps: SGD(ps, lr=0.1))[0] == [1.0 - 0.1 * 0.5, -2.0 - 0.1 * -1.0]


def test_sgd_with_momentum_and_weight_decay_matches_the_hand_formula():
    lr, mu, wd = 0.1, 0.9, 0.01
    got = _run(lambda ps: SGD(ps, lr=lr, momentum=mu, weight_decay=wd))
    # By hand, per parameter: g' = g + wd p; v = mu v + g'; p -= lr v.
    p, v = list(START), [0.0, 0.0]
    expected = []
    for grads in GRADS:
        for i, g in enumerate(grads):
            v[i] = mu * v[i] + (g + wd * p[i])
            p[i] -= lr * v[i]
        expected.append(list(p))
    assert [x for row in got for x in row] == pytest.approx([x for row in expected for x in row], abs=1e-15)


def test_sgd_first_momentum_step_written_out():
    # Step 1: v = g + wd p = 0.5 + 0.01 * 1.0 = 0.51, p = 1.0 - 0.1 * 0.51.
    # Step 2: v = 0.9 * 0.51 + (0.25 + 0.01 * 0.949) = 0.71849, p = 0.949 - 0.1 * 0.71849.
    got = _run(lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01))
    assert got[0][0] == pytest.approx(0.949, abs=1e-15)
    assert got[1][0] == pytest.approx(0.949 - 0.071849, abs=1e-15)


def test_adam_matches_the_bias_corrected_hand_formula():
    lr, b1, b2, eps = 0.01, 0.8, 0.99, 1e-8
    got = _run(lambda ps: Adam(ps, lr=lr, betas=(b1, b2), eps=eps))
    p, m, v = list(START), [0.0, 0.0], [0.0, 0.0]
    expected = []
    for t, grads in enumerate(GRADS, start=1):
        for i, g in enumerate(grads):
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g * g
            m_hat = m[i] / (1 - b1**t)
            v_hat = v[i] / (1 - b2**t)
            p[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
        expected.append(list(p))
    assert [x for row in got for x in row] == pytest.approx([x for row in expected for x in row], abs=1e-15)


def test_adam_first_step_moves_each_parameter_by_about_lr():
    # After one step m_hat = g and v_hat = g**2, so the step is lr * g / (|g| + eps).
    got = _run(lambda ps: Adam(ps, lr=0.01), grads=[[0.5, -1e-3]])
    assert got[0][0] == pytest.approx(1.0 - 0.01, abs=1e-9)
    assert got[0][1] == pytest.approx(-2.0 + 0.01, abs=1e-7)


def test_adam_weight_decay_adds_to_the_gradient():
    with_decay = _run(lambda ps: Adam(ps, lr=0.01, weight_decay=0.5), grads=[[0.0, 0.0]])
    # g' = 0.5 * p, so each parameter takes a full lr step towards 0.
    assert with_decay[0] == pytest.approx([1.0 - 0.01, -2.0 + 0.01], abs=1e-9)


def test_zero_grad_clears_every_parameter():
    params = [Value(1.0), Value(2.0)]
    params[0].grad, params[1].grad = 3.0, -4.0
    SGD(params, lr=0.1).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_learning_rate_can_be_changed_between_steps():
    params = [Value(1.0)]
    opt = SGD(params, lr=0.1)
    opt.lr = 0.5
    params[0].grad = 1.0
    opt.step()
    assert params[0].data == 0.5


@pytest.mark.parametrize(
    "factory, message",
    [
        (lambda ps: SGD(ps, lr=0.0), r"lr\): expected a number > 0, got 0.0"),
        (lambda ps: SGD(ps, lr=float("nan")), "finite number"),
        (lambda ps: SGD(ps, lr=0.1, momentum=-0.5), r"momentum\): expected a number >= 0"),
        (lambda ps: Adam(ps, betas=(0.9, 1.0)), r"betas\[1\]\): expected a number >= 0 and < 1, got 1.0"),
        (lambda ps: Adam(ps, betas=0.9), "pair"),
        (lambda ps: SGD([], lr=0.1), "empty list"),
        (lambda ps: SGD(ps + ps, lr=0.1), "more than once"),
    ],
)
def test_bad_hyper_parameters_are_refused(factory, message):
    with pytest.raises(ValueError, match=message):
        factory([Value(1.0)])


def test_repr_shows_every_hyper_parameter():
    params = [Value(1.0)]
    assert repr(SGD(params, lr=0.1, momentum=0.9, weight_decay=0.01)) == (
        "SGD(1 parameters, lr=0.1, momentum=0.9, weight_decay=0.01)"
    )
    assert repr(Adam(params, lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.5)) == (
        "Adam(1 parameters, lr=0.01, betas=(0.8, 0.99), eps=1e-06, weight_decay=0.5)"
    )


def test_parameters_must_be_values():
    with pytest.raises(TypeError, match="item 1 should be a Value, got float"):
        SGD([Value(1.0), 2.0], lr=0.1)


# ---------------------------------------------------------------- schedules


@pytest.mark.parametrize("k", [0, 1, 50, 99])
def test_linear_decay_is_micrograds_demo_rate(k):
    assert linear_decay(1.0, 0.1)(k, 100) == pytest.approx(1.0 - 0.9 * k / 100, abs=1e-15)


def test_step_decay_multiplies_every_few_epochs():
    s = step_decay(0.8, every=10, factor=0.5)
    assert [s(e, 40) for e in (0, 9, 10, 25, 39)] == [0.8, 0.8, 0.4, 0.2, 0.1]


def test_cosine_decay_starts_at_start_and_is_halfway_in_the_middle():
    s = cosine_decay(1.0, 0.2)
    assert s(0, 10) == 1.0
    assert s(5, 10) == pytest.approx(0.6, abs=1e-15)
    assert s(9, 10) == pytest.approx(0.2 + 0.8 * (1 + math.cos(math.pi * 0.9)) / 2, abs=1e-15)


def test_constant_schedule_never_changes():
    assert {constant(0.3)(e, 7) for e in range(7)} == {0.3}


def test_schedule_outside_its_epochs_is_an_error():
    with pytest.raises(ValueError, match="epoch=5, epochs=5"):
        linear_decay(1.0, 0.1)(5, 5)
