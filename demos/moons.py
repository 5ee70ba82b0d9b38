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
from typing import Any

import autograd
from autograd import Value
from autograd.views.markup import unicode
from autograd.views.naming import number_text

from ._common import (
    Result,
    figure_style,
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


NEURON_NAMES = ("w1, w2 and b are the weights and the bias of neuron {number} of layer 1 "
                "({names} in the model), x1 and x2 the point; "
                "p1 = w1\N{MIDDLE DOT}x1, p2 = w2\N{MIDDLE DOT}x2, z = b + p1 + p2, out = relu(z)")
# In the words of the legend that draw() puts in the picture (input, parameter, result, output).
NEURON_LEGEND = ("amber: parameters, blue: inputs, white: results (of the operations, on the way to the "
                 "output), green: the output; circles: operations; on each arrow, the local derivative "
                 "of the operation")


def draw_neuron(out: Value, neuron: Any) -> Any:
    """Draw relu(b + w1*x1 + w2*x2) with short names, and a caption that explains its colours.

    The parameters of an MLP are named by their place in it, as the lecture
    names them (w⁽¹⁾₄₁ for neuron 4 of layer 1); one neuron on its own is
    drawn as the notes draw one, with w1, w2 and b, and the parameters get
    their own names back afterwards.
    """
    total = out.inputs[0]  # out = relu(total), total = sum(b, w1*x1, w2*x2)
    short = {w: f"w{i}" for i, w in enumerate(neuron.w, start=1)}
    short[neuron.b] = "b"
    short[total] = "z"
    products = [v for v in total.inputs if v.inputs]
    short.update({p: f"p{i}" for i, p in enumerate(products, start=1)})
    short[out] = "out"
    saved = {v: v.label for v in short}
    try:
        for v, name in short.items():
            v.label = name
        drawing = autograd.draw(out, edge_labels=True, fmt=".3g", parameters=neuron.parameters())
    finally:
        for v, label in saved.items():
            v.label = label
    # The legend of the colours, as a caption under the graph (with Graphviz's own API).
    drawing.graph.attr(label=f"{NEURON_LEGEND}", labelloc="b", fontname="Helvetica", fontsize="14")
    return drawing


def main(argv: Sequence[str] | None = None) -> Result:
    """Run the demo; ``argv`` as on the command line (None: sys.argv[1:])."""
    options = parse_args("moons", DESCRIPTION, argv)
    pyplot()  # fail now, not after the work, if matplotlib is missing
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
    with figure_style() as plt:
        fig, ax = plt.subplots(figsize=(5.5, 4.6))
        ax.contourf(xs, ys, scores, levels=[-1e9, 0.0, 1e9], colors=["#bfdbfe", "#fecaca"], alpha=0.8)
        ax.contour(xs, ys, scores, levels=[0.0], colors="k", linewidths=1.2)
        for label, colour, marker in ((-1, "#1d4ed8", "o"), (1, "#b91c1c", "s")):
            points = [x for x, t in zip(X, y) if t == label]
            ax.scatter([p[0] for p in points], [p[1] for p in points], c=colour, marker=marker, s=30,
                       edgecolors="white", linewidths=0.6, label=f"y = {label:+d}")
        ax.set(title=f"Decision boundary after {epochs} epochs\n(accuracy {final:.0%})",
               xlabel="x1", ylabel="x2")
        ax.legend(loc="upper left")
        save(fig, options, "moons_decision_boundary.png", result)

        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
        epochs_axis = range(1, history.epochs + 1)
        left.plot(epochs_axis, history.loss, color="#7c3aed")
        left.set(xlabel="epoch", ylabel="hinge loss + L2", title="Loss", yscale="log")
        right.plot(epochs_axis, [100 * a for a in history.accuracy], color="#059669")
        right.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy on the training points",
                  ylim=(0, 101))
        for ax in (left, right):
            ax.grid(True, alpha=0.3)
        fig.tight_layout()
        save(fig, options, "moons_training_curves.png", result)

    # One neuron of the first layer, on one point: small enough to read every number.
    sample = X[0]
    inputs = [Value(sample[0], label="x1"), Value(sample[1], label="x2")]
    layer = model.layers[0]
    with autograd.no_grad():
        active = [i for i, n in enumerate(layer.neurons) if n(sample).data > 0.0]
    index = active[0] if active else 0
    neuron = layer.neurons[index]
    out = neuron(inputs)
    # The last training step left its gradients in every parameter's .grad, and
    # backward() adds to .grad: clear them, so that the drawing shows ∂out/∂w alone.
    model.zero_grad()
    out.backward()
    slopes = ", ".join(f"∂out/∂w{i} = {number_text(w.grad)}" for i, w in enumerate(neuron.w, start=1))
    point = f"({number_text(sample[0])}, {number_text(sample[1])})"
    print(f"  neuron {index + 1} of layer 1 on the point {point}: out = {number_text(out.data)}; {slopes}")
    drawing = draw_neuron(out, neuron)
    names = [unicode(p.label) for p in (*neuron.w, neuron.b)]
    listed = ", ".join(names[:-1]) + " and " + names[-1]
    print(f"  in its drawing, {NEURON_NAMES.format(number=index + 1, names=listed)}")
    print(f"  colours: {NEURON_LEGEND}")
    save_drawing(drawing, options, "moons_neuron_graph.png", result)

    result.metrics.update(accuracy=final, accuracy_before=before, epochs=epochs,
                          first_loss=history.loss[0], last_loss=history.loss[-1], seconds=seconds,
                          neuron_input=sample, neuron_output=out.data,
                          neuron_grads=[w.grad for w in neuron.w], neuron_graph_source=drawing.source)
    return result


if __name__ == "__main__":
    run(main)
