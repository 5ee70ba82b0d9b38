"""Handwritten 1s and 2s: a real classification task for a scalar engine.

Run: python -m demos.digits [--out DIR] [--quick]      (needs scikit-learn: the 8x8 digits)

The notes ask for MNIST, 1 against 2, with two hidden layers of 1000
neurons. This demo keeps the task and the shape (two hidden layers) but uses
the 8x8 digits that ship with scikit-learn and 16 neurons per layer, and it
prints why: in a scalar engine every weight of every example is a Python
object, so the cost grows with the number of weights, and the demo measures
how much that would be for the network of the notes.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Sequence

import autograd

from ._common import (
    MissingExtra,
    Result,
    figure_style,
    heading,
    parameter_count,
    parse_args,
    pyplot,
    run,
    save,
)

DESCRIPTION = "Classify 1 vs 2 from the 8x8 digits with an MLP 64-16-16-1; why not MNIST 784-1000-1000-1."

# MNIST's training set holds 6,742 images of 1 and 5,958 of 2 (a property of
# the data set, used only to scale the measured cost up to it).
MNIST_ONES_AND_TWOS = 6742 + 5958
MNIST_SIZES = [784, 1000, 1000, 1]
OUR_SIZES = [64, 16, 16, 1]


# What the picture of input gradients shows, in the figure and in the printed text.
INPUT_GRADIENTS_SENTENCE = (
    "More ink on a red pixel would push the model towards 2, on a blue one towards 1;\n"
    "white pixels barely change its answer."
)


def as_image(pixels: Sequence[float]) -> list[Sequence[float]]:
    """The 64 numbers of an 8x8 digit as 8 rows of 8, to be drawn as an image."""
    return [pixels[r * 8:(r + 1) * 8] for r in range(8)]


def ones_and_twos(seed: int = 0):
    """The 8x8 digits 1 (label 0) and 2 (label 1), pixels in [0, 1], split 80/20."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise MissingExtra(
            "this demo reads the 8x8 digits from scikit-learn, which is not installed; "
            "install it with: pip install 'chainrule[digits]'"
        ) from None
    from nn import load_digits, train_test_split

    X, y = load_digits()
    pairs = [(x, 0 if t == 1 else 1) for x, t in zip(X, y) if t in (1, 2)]
    return train_test_split([p[0] for p in pairs], [p[1] for p in pairs], test_size=0.2, seed=seed)


def measure_graph(model, X: Sequence[Sequence[float]]) -> tuple[int, float, float]:
    """Measure one example's graph: (Values in it, bytes per Value, seconds for forward + backward).

    The time is the mean over the given examples, taken as ``fit`` trains:
    with Python's cyclic garbage collector paused, and without the memory
    tracer (which slows Python down); the memory is traced on the first one.
    The graph also holds the model's parameters, which existed before the
    forward pass and so are not in the traced memory: the bytes are divided
    by the Values that the forward pass created.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for x in X:
            model(x).backward()
        seconds = (time.perf_counter() - start) / len(X)
    finally:
        if collecting:
            gc.enable()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        out = model(X[0])
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    nodes = autograd.count_nodes(out)
    created = nodes - model.num_parameters()
    model.zero_grad()  # these backward() calls were measurements, not training
    return nodes, used / created, seconds


def main(argv: Sequence[str] | None = None) -> Result:
    """Run the demo; ``argv`` as on the command line (None: sys.argv[1:])."""
    options = parse_args("digits", DESCRIPTION, argv)
    pyplot()  # fail now, not after the work, if matplotlib is missing
    X_train, X_test, y_train, y_test = ones_and_twos()
    from nn import MLP, Adam, accuracy, bce_with_logits, fit

    result = Result()
    if options.quick:
        X_train, y_train = X_train[:100], y_train[:100]
    epochs = 4 if options.quick else 8
    heading("The data")
    print("  8x8 images of the digits 1 (class 0) and 2 (class 1), 64 pixels in [0, 1]")
    print(f"  {len(X_train)} training images, {len(X_test)} test images")

    model = MLP(OUR_SIZES[0], OUR_SIZES[1:], activation="tanh", seed=0)
    heading(f"Training an MLP {'-'.join(map(str, OUR_SIZES))} ({model.num_parameters():,} parameters): "
            f"{epochs} epochs, mini-batches of 16, Adam, binary cross-entropy")
    start = time.perf_counter()
    history = fit(model, X_train, y_train, loss=bce_with_logits, optimizer=Adam(model.parameters(), lr=0.01),
                  epochs=epochs, batch_size=16, seed=0, validation_data=(X_test, y_test), progress=True)
    seconds = time.perf_counter() - start
    test_accuracy = accuracy(model, X_test, y_test)
    print(f"  {seconds:.1f} s; training accuracy {history.accuracy[-1]:.1%}, "
          f"test accuracy {test_accuracy:.1%}")

    heading("Why 8x8 digits and 16 neurons, not MNIST and 1000")
    ours, mnist = parameter_count(OUR_SIZES), parameter_count(MNIST_SIZES)
    assert ours == model.num_parameters()  # the formula counts what the model really holds
    nodes, bytes_per_value, example_seconds = measure_graph(model, X_train[:20])
    scale = mnist / ours
    print(f"  parameters: ours {'-'.join(map(str, OUR_SIZES))}: {ours:,};"
          f" the notes' {'-'.join(map(str, MNIST_SIZES))}: {mnist:,} ({scale:,.0f} times more)")
    print(f"  measured here, for one example: {nodes:,} Values in the graph, about {bytes_per_value:.0f} "
          f"bytes each, {example_seconds * 1000:.1f} ms for forward + backward")
    print("  In a scalar engine every product of a weight and an input is a Python object, so the graph")
    print("  of one example grows with the number of weights. Scaled up to the notes' network:")
    gigabytes = nodes * scale * bytes_per_value / 1e9
    print(f"    about {nodes * scale:,.0f} Values ({gigabytes:.1f} GB) for one example,")
    print(f"    about {example_seconds * scale:.1f} s per example, so about "
          f"{example_seconds * scale * MNIST_ONES_AND_TWOS / 3600:.0f} hours per epoch over MNIST's "
          f"{MNIST_ONES_AND_TWOS:,} training 1s and 2s.")
    print("  A tensor library does the same arithmetic as a few matrix products in compiled code. The chain")
    print("  rule is the same; the 8x8 task keeps it small enough to watch.")

    heading("Pictures")
    shown = {label: [x for x, t in zip(X_test, y_test) if t == label][:8] for label in (0, 1)}
    with figure_style() as plt:
        fig, axes = plt.subplots(2, 8, figsize=(10, 3.4), layout="constrained")
        with autograd.no_grad():
            for row, label in enumerate((0, 1)):
                for ax, x in zip(axes[row], shown[label]):
                    ax.imshow(as_image(x), cmap="gray_r", vmin=0, vmax=1)
                    guess = 2 if model(x).data > 0 else 1
                    ax.set_title(f"says {guess}", color="black" if guess == label + 1 else "red")
                    ax.axis("off")
        fig.suptitle("Test images and the model's answers (red: wrong)")
        save(fig, options, "digits_test_images.png", result)

        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
        axis = range(1, history.epochs + 1)
        left.plot(axis, history.loss, "o-", label="training")
        left.plot(axis, history.val_loss, "s-", label="test")
        left.set(xlabel="epoch", ylabel="binary cross-entropy", title="Loss")
        right.plot(axis, [100 * a for a in history.accuracy], "o-", label="training")
        right.plot(axis, [100 * a for a in history.val_accuracy], "s-", label="test")
        right.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
        for ax in (left, right):
            ax.grid(True, alpha=0.3)
            ax.legend()
            ax.xaxis.get_major_locator().set_params(integer=True)  # whole epochs only
        fig.tight_layout()
        save(fig, options, "digits_learning_curves.png", result)

        # Backprop reaches the inputs too: d(score)/d(pixel) says which pixels push towards "2".
        examples = shown[0][:3] + shown[1][:3]
        slopes = []
        for x in examples:
            pixels = [autograd.Value(p) for p in x]
            slopes.append(autograd.grad(model(pixels), pixels))
        # One scale for all six, so that the colours can be compared across images.
        limit = max(abs(g) for gradient in slopes for g in gradient) or 1.0
        fig, axes = plt.subplots(2, 6, figsize=(10, 4.6), layout="constrained")
        for column, (x, gradient) in enumerate(zip(examples, slopes)):
            ink = axes[0][column].imshow(as_image(x), cmap="gray_r", vmin=0, vmax=1)
            image = axes[1][column].imshow(as_image(gradient), cmap="RdBu_r", vmin=-limit, vmax=limit)
            axes[0][column].axis("off")
            axes[1][column].axis("off")
        fig.colorbar(ink, ax=axes[0, :], shrink=0.9, pad=0.02).set_label("ink")
        bar = fig.colorbar(image, ax=axes[1, :], shrink=0.9, pad=0.02)
        bar.set_label("\N{PARTIAL DIFFERENTIAL}score / \N{PARTIAL DIFFERENTIAL}pixel")
        fig.suptitle("Top: test images. Bottom: \N{PARTIAL DIFFERENTIAL}score/\N{PARTIAL DIFFERENTIAL}pixel, "
                     "by backprop down to the inputs.\n" + INPUT_GRADIENTS_SENTENCE)
        save(fig, options, "digits_input_gradients.png", result)
    print("  The input gradients: " + INPUT_GRADIENTS_SENTENCE.replace("\n", " "))

    result.metrics.update(test_accuracy=test_accuracy, train_accuracy=history.accuracy[-1],
                          parameters=ours, mnist_parameters=mnist, nodes_per_example=nodes)
    return result


if __name__ == "__main__":
    run(main)
