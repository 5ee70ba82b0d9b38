"""The benchmark's three trainings compute the same numbers (its timings are never asserted)."""

import pytest

from benchmarks import bench_nn


def test_chainrule_training_matches_hand_derived_gradients_in_plain_floats():
    X, y = bench_nn.demo_data()
    _, loss_ours, acc_ours, ours = bench_nn.run_chainrule(X, y, steps=3)
    _, loss_plain, acc_plain, plain = bench_nn.run_plain(X, y, steps=3)
    assert bench_nn.flat_weights(ours) == pytest.approx(bench_nn.flat_weights(plain), abs=1e-12)
    assert loss_ours == pytest.approx(loss_plain, abs=1e-12)
    assert acc_ours == acc_plain
