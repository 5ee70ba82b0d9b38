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


def test_max_steps_is_the_last_count_whose_schedule_end_is_positive():
    # run_chainrule decays the rate to 1.0 - 0.9 * steps / 100, which linear_decay needs > 0.
    assert bench_nn.MAX_STEPS == max(n for n in range(1, 1000) if 1.0 - 0.9 * n / 100 > 0)


@pytest.mark.parametrize("steps", [0, bench_nn.MAX_STEPS + 1])
def test_a_step_count_the_demo_schedule_cannot_run_is_refused_by_name(steps, capsys):
    with pytest.raises(SystemExit):
        bench_nn.main(["--steps", str(steps)])
    assert f"--steps: expected 1..{bench_nn.MAX_STEPS}" in capsys.readouterr().err


def test_the_benchmark_says_what_it_runs_before_each_run(capsys, monkeypatch):
    seen = []

    def announced(name, run):
        def wrapper(X, y, steps):
            seen.append((name, capsys.readouterr().err))  # what stderr shows while the run works
            return run(X, y, steps)
        return wrapper

    for name in ("run_chainrule", "run_micrograd", "run_plain"):
        monkeypatch.setattr(bench_nn, name, announced(name, getattr(bench_nn, name)))
    bench_nn.main(["--steps", "1"])
    assert [name for name, _ in seen] == ["run_chainrule", "run_micrograd", "run_plain"]
    assert "running chainrule (nn.fit): 1 step ..." in seen[0][1]
    assert seen[1][1].startswith("done in ") and "running micrograd: 1 step ..." in seen[1][1]
    assert "running plain floats: 1 step ..." in seen[2][1]
    out = capsys.readouterr()
    assert "| chainrule (nn.fit) |" in out.out and "running" not in out.out
