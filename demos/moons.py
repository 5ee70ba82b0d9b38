"""Train a small MLP to separate two moons: the whole of backprop, at work.

Run: python -m demos.moons [--out DIR] [--quick]

The data: 100 points on two interleaving half circles, labelled -1 and +1
(no straight line separates them). The model: an MLP with 2 inputs, two
hidden layers of 16 ReLU neurons and one output score, 337 parameters. The
objective: the max-margin (hinge) loss, mean(relu(1 - y * score)), plus a
small L2 penalty on the weights. Each epoch is one step of gradient descent:
forward over all 100 points (a graph of tens of thousands of Values), one
``backward()``, one update of every parameter, with a learning rate that
decays from 1.0 to 0.1.

Pictures: the decision boundary (where the score changes sign), the loss and
accuracy per epoch, and the computation graph of one neuron of the trained
model on one point, with every local derivative on its edge.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import autograd
from autograd import Value

from ._common import (
    Result,
    grid_around,
    heading,
    parse_args,
    pyplot,
    require_drawing,
    run,
    save,
    save_drawing,
)

DESCRIPTION = "Train an MLP 2-16-16-1 on two moons with hinge loss and L2; draw what it learned."


def decision_grid(
    model: Callable[[list[float]], Value], X: Sequence[Sequence[float]], steps: int, margin: float = 0.5
) -> tuple[list[float], list[float], list[list[float]]]:
    """The model's score on a steps x steps grid covering the data (no graph is recorded)."""
    xs, ys = grid_around(X, steps, margin)
    with autograd.no_grad():
        scores = [[model([x, y]).data for x in xs] for y in ys]
    return xs, ys, scores


def main(argv: Sequence[str] | None = None) -> Result:
    """Run the demo; ``argv`` as on the command line (None: sys.argv[1:])."""
    options = parse_args("moons", DESCRIPTION, argv)
    plt = pyplot()
    require_drawing()
    from nn import MLP, SGD, accuracy, fit, hinge_loss, linear_decay, make_moons

    result = Result()
    epochs = 20 if options.quick else 100
    X, y = make_moons(100, noise=0.1, seed=1337)
    model = MLP(2, [16, 16, 1], activation="relu", seed=0)

    heading("The model")
    print(f"  {model!r}".replace("\n", "\n  "))
    before = accuracy(model, X, y)
    print(f"  accuracy before training: {before:.0%} (a random start)")

    heading(f"Training: {epochs} epochs of full-batch gradient descent, hinge loss + 1e-4 * sum(w^2)")
    start = time.perf_counter()
    history = fit(
        model, X, y, loss=hinge_loss, optimizer=SGD(model.parameters(), lr=1.0), epochs=epochs,
        l2=1e-4, schedule=linear_decay(1.0, 0.1), progress=True,
    )
    seconds = time.perf_counter() - start
    final = accuracy(model, X, y)
    print(f"  {epochs} epochs in {seconds:.1f} s ({seconds / epochs * 1000:.0f} ms per epoch)")
    print(f"  loss: {history.loss[0]:.4f} in the first epoch, {history.loss[-1]:.4f} in the last")
    print(f"  final accuracy on the 100 points: {final:.0%}")

    heading("Pictures")
    steps = 30 if options.quick else 70
    xs, ys, scores = decision_grid(model, X, steps)
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    ax.contourf(xs, ys, scores, levels=[-1e9, 0.0, 1e9], colors=["#bfdbfe", "#fecaca"], alpha=0.8)
    ax.contour(xs, ys, scores, levels=[0.0], colors="k", linewidths=1.0)
    for label, colour, marker in ((-1, "#1d4ed8", "o"), (1, "#b91c1c", "s")):
        points = [x for x, t in zip(X, y) if t == label]
        ax.scatter([p[0] for p in points], [p[1] for p in points], c=colour, marker=marker, s=22,
                   edgecolors="white", linewidths=0.5, label=f"y = {label:+d}")
    ax.set(title=f"Decision boundary after {epochs} epochs (accuracy {final:.0%})", xlabel="x0", ylabel="x1")
    ax.legend(loc="upper right", fontsize=8)
    save(fig, options, "moons_decision_boundary.png", result)

    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    epochs_axis = range(1, history.epochs + 1)
    left.plot(epochs_axis, history.loss, color="#7c3aed")
    left.set(xlabel="epoch", ylabel="hinge loss + L2", title="Loss", yscale="log")
    right.plot(epochs_axis, [100 * a for a in history.accuracy], color="#059669")
    right.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy on the training points", ylim=(0, 101))
    for ax in (left, right):
        ax.grid(True, alpha=0.3)
    fig.tight_layout()
    save(fig, options, "moons_training_curves.png", result)

    # One neuron of the first layer, on one point: small enough to read every number.
    sample = X[0]
    inputs = [Value(sample[0], label="x0"), Value(sample[1], label="x1")]
    layer = model.layers[0]
    with autograd.no_grad():
        active = [i for i, n in enumerate(layer.neurons) if n(sample).data > 0.0]
    index = active[0] if active else 0
    neuron = layer.neurons[index]
    out = neuron(inputs)
    out.label = f"layers.0.neurons.{index} (relu)"
    # The last training step left its gradients in every parameter's .grad, and
    # backward() adds to .grad: clear them, so that the drawing shows d(output)/d(w) alone.
    model.zero_grad()
    out.backward()
    print(f"  neuron {index} of layer 0 on the point ({sample[0]:.3f}, {sample[1]:.3f}): "
          f"output {out.data:.4f}; d(output)/d(w) = {[round(w.grad, 4) for w in neuron.w]}")
    drawing = autograd.draw(out, edge_labels=True, parameters=neuron.parameters())
    save_drawing(drawing, options, "moons_neuron_graph.png", result)

    result.metrics.update(accuracy=final, accuracy_before=before, epochs=epochs,
                          first_loss=history.loss[0], last_loss=history.loss[-1], seconds=seconds,
                          neuron_input=sample, neuron_output=out.data,
                          neuron_grads=[w.grad for w in neuron.w])
    return result


if __name__ == "__main__":
    run(main)
