"""Full batch, mini-batches, single samples: the same descent, three step sizes of data.

Run: python -m demos.batching [--out DIR] [--quick]

Gradient descent needs dL/dp, where L is the mean loss over the training
data. Three ways to spend one epoch (one pass over the 100 points):

- full batch: the exact gradient over all 100 points, then one step;
- mini-batches of 10: a gradient estimated from 10 points, one step each,
  10 steps per epoch;
- single samples (stochastic gradient descent): one point, one step,
  100 steps per epoch.

Every strategy starts from the same weights and uses the same learning rate,
and after every epoch the loss over *all* the points is measured. Plotted
against epochs (the same amount of forward and backward work), the small
batches go further, because they take more steps. Plotted against gradient
evaluations (one backward pass and one update each), the full batch goes
furthest per step, because each of its steps follows the exact gradient.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from ._common import Result, counted, figure_style, heading, parse_args, pyplot, run, save

DESCRIPTION = "Full-batch, mini-batch and single-sample gradient descent: loss per epoch and per step."

LEARNING_RATE = 0.1


@dataclass
class Run:
    """The loss over all points, measured after each epoch and at chosen step counts."""

    name: str
    batch_size: int
    steps_per_epoch: int
    loss: list[float] = field(default_factory=list)  # index e: after e epochs (0: before training)
    accuracy: list[float] = field(default_factory=list)
    loss_at_step: dict[int, float] = field(default_factory=dict)  # gradient evaluations -> loss
    seconds: float = 0.0


def checkpoints(last: int, per_decade: int = 8) -> set[int]:
    """Step counts spread evenly on a log scale from 1 to ``last`` (and ``last`` itself)."""
    marks, k = {last}, 0
    while True:
        step = round(10 ** (k / per_decade))
        if step > last:
            return marks
        marks.add(step)
        k += 1


def train(name: str, batch_size: int, X, y, epochs: int, measure_at: int) -> Run:
    """Train a fresh copy of the same model with one batch size, one step per batch.

    Each step is one call of ``fit`` on one batch: a forward pass over the
    batch, one ``backward()`` (one gradient evaluation) and one update. The
    loss over all points is measured after every epoch, at steps spread on a
    log scale, and after ``measure_at`` steps.
    """
    from nn import MLP, SGD, batches, evaluate, fit, hinge_loss

    model = MLP(2, [16, 16, 1], activation="relu", seed=0)
    optimizer = SGD(model.parameters(), lr=LEARNING_RATE)
    steps_per_epoch = -(-len(X) // batch_size)
    record = Run(name, batch_size, steps_per_epoch)
    marks = checkpoints(epochs * steps_per_epoch) | {measure_at}
    loss, acc = evaluate(model, X, y, hinge_loss)
    record.loss.append(loss)
    record.accuracy.append(acc)
    record.loss_at_step[0] = loss
    step = 0
    start = time.perf_counter()
    for epoch in range(epochs):
        for X_batch, y_batch in batches(X, y, batch_size, shuffle=True, seed=epoch):
            fit(model, X_batch, y_batch, loss=hinge_loss, optimizer=optimizer, epochs=1, progress=False)
            step += 1
            if step in marks:
                record.loss_at_step[step] = evaluate(model, X, y, hinge_loss)[0]
        loss, acc = evaluate(model, X, y, hinge_loss)
        record.loss.append(loss)
        record.accuracy.append(acc)
    record.seconds = time.perf_counter() - start
    return record


def main(argv: Sequence[str] | None = None) -> Result:
    """Run the demo; ``argv`` as on the command line (None: sys.argv[1:])."""
    options = parse_args("batching", DESCRIPTION, argv)
    pyplot()  # fail now, not after the work, if matplotlib is missing
    from nn import make_moons

    result = Result()
    epochs = 6 if options.quick else 40
    X, y = make_moons(100, noise=0.1, seed=1337)
    heading(f"MLP 2-16-16-1 on 100 moons points, hinge loss, plain SGD (lr {LEARNING_RATE}), "
            f"{counted(epochs, 'epoch')}")
    runs = []
    steps = epochs  # the full batch's number of steps, the fewest: every run is measured there
    for name, batch_size in (("full batch (100)", len(X)), ("mini-batches of 10", 10), ("single samples", 1)):
        r = train(name, batch_size, X, y, epochs, measure_at=steps)
        runs.append(r)
        print(f"  {name:<18} {counted(r.steps_per_epoch, 'step'):>9} per epoch   loss {r.loss[0]:.4f} -> "
              f"{r.loss[-1]:.4f}   accuracy {r.accuracy[-1]:.0%}   {r.seconds:.1f} s (with the measurements)")

    heading("The same work, and the same number of steps")
    times = "once" if epochs == 1 else f"{epochs} times"
    print(f"  after {counted(epochs, 'epoch')} (every strategy processed the 100 points {times}):")
    for r in runs:
        taken = counted(epochs * r.steps_per_epoch, "step")
        print(f"    {r.name:<18} loss {r.loss[-1]:.4f}   after {taken:>11}")
    print(f"  after {counted(steps, 'step')} (gradient evaluations):")
    for r in runs:
        used = steps * r.batch_size
        print(f"    {r.name:<18} loss {r.loss_at_step[steps]:.4f}   having used {counted(used, 'point'):>12}")
    print("  Per epoch, small batches win: more steps for the same work. Per step, the full batch wins:")
    print("  its gradient is exact, the others' are noisy estimates from fewer points. Mini-batches are")
    print("  the usual middle way (on vector hardware a batch of 10 costs little more than a batch of 1;")
    print("  in a scalar engine like this one, it costs 10 times as much).")

    heading("Pictures")
    with figure_style() as plt:
        fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6))
        for r, style in zip(runs, ("o-", "s-", "^-")):
            left.plot(range(len(r.loss)), r.loss, style, markersize=5, label=r.name)
            marks = sorted(r.loss_at_step)
            right.plot([max(m, 0.8) for m in marks], [r.loss_at_step[m] for m in marks], style,
                       markersize=5, label=r.name)
        left.set(xlabel="epoch (passes over the 100 points)", ylabel="hinge loss over all points",
                 title="Against epochs: the same work")
        right.set(xscale="log", xlabel="gradient evaluations = steps (start drawn at 0.8)",
                  ylabel="hinge loss over all points", title="Against steps: the same number of updates")
        for ax in (left, right):
            ax.grid(True, which="both", alpha=0.3)
            ax.legend()
        fig.tight_layout()
        save(fig, options, "batching_loss.png", result)

    result.metrics.update(epochs=epochs, runs={r.batch_size: r for r in runs})
    return result


if __name__ == "__main__":
    run(main)
