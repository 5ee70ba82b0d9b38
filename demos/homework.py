"""The homework: two Gaussian classes, a 2-2-1 network, with and without bias.

Run: python -m demos.homework [--out DIR] [--quick]

Two classes of 100 points each, drawn from Gaussians whose clouds overlap
(so no line, and no model, can be right on every point), split 80/20 into
training and test points. The network: 2 inputs, 2 tanh hidden neurons and
one sigmoid output, the probability of class 1, trained with binary
cross-entropy. (The sigmoid is applied inside the loss, on the raw score:
the same model and the same loss, computed without ever taking the log of a
probability that rounded to 0.)

First without bias: every neuron computes act(w . x), so the score is an odd
function of x (score(-x) = -score(x)) and the boundary between the classes
must pass through the origin. Both clouds lie on the same side of the
origin here, so this network has to fight its own shape. Then with bias:
act(w . x + b) can put the boundary anywhere. Then a popular implementation
(scikit-learn's MLPClassifier, or PyTorch if scikit-learn is not installed)
trains the same architecture on the same points, as a yardstick.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import autograd

from ._common import (
    MissingExtra,
    Result,
    figure_style,
    grid_around,
    heading,
    parse_args,
    pyplot,
    run,
    save,
)

DESCRIPTION = "Two Gaussian classes, a 2-2-1 tanh/sigmoid network without and with bias, and a yardstick."

CENTERS = ((0.5, 0.5), (2.0, 2.0))
STD = 0.75
LEARNING_RATE = 0.05


@dataclass
class Curves:
    """Per-epoch learning curves and the final test accuracy of one model."""

    name: str
    train_loss: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    score: Callable[[float, float], float] | None = None  # (x0, x1) -> raw score, for the boundary

    @property
    def final_test_accuracy(self) -> float:
        return self.test_accuracy[-1]


def network(bias: bool):
    """The 2-2-1 network of this package: two tanh neurons, then a raw score (the sigmoid is in the loss)."""
    from nn import MLP

    return MLP(2, [2, 1], activation="tanh", output_activation=None, bias=bias, seed=1)


def train_ours(bias: bool, data, epochs: int) -> Curves:
    """The 2-2-1 network of this package, trained full-batch with Adam."""
    from nn import Adam, bce_with_logits, fit

    X_train, X_test, y_train, y_test = data
    model = network(bias)
    history = fit(model, X_train, y_train, loss=bce_with_logits,
                  optimizer=Adam(model.parameters(), lr=LEARNING_RATE), epochs=epochs,
                  validation_data=(X_test, y_test), progress=False)
    curves = Curves(f"ours, {'with' if bias else 'without'} bias ({model.num_parameters()} parameters)",
                    train_loss=history.loss, test_accuracy=history.val_accuracy)

    def score(x0: float, x1: float) -> float:
        with autograd.no_grad():
            return model([x0, x1]).data

    curves.score = score
    return curves


# What the yardstick line says for each library; scikit-learn is used when both are installed.
YARDSTICKS = {
    "scikit-learn": "the same 2-2-1 network trained by scikit-learn's MLPClassifier (full-batch Adam)",
    "PyTorch": "the same 2-2-1 network trained by PyTorch (full-batch Adam), "
               "because scikit-learn, the first choice, is not installed",
}


def popular_library() -> str:
    """Which yardstick is installed: "scikit-learn" or "PyTorch" (or MissingExtra)."""
    try:
        import sklearn  # noqa: F401

        return "scikit-learn"
    except ImportError:
        pass
    try:
        import torch  # noqa: F401

        return "PyTorch"
    except ImportError:
        raise MissingExtra(
            "this demo compares with scikit-learn's MLPClassifier or with PyTorch, and neither is "
            "installed; install one with: pip install 'chainrule[digits]' (scikit-learn) or "
            "pip install 'chainrule[torch]'"
        ) from None


def train_sklearn(data, epochs: int) -> Curves:
    """scikit-learn's MLPClassifier, 2 tanh hidden units, one full-batch Adam epoch per call."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X_train, X_test, y_train, y_test = data
    clf = MLPClassifier(hidden_layer_sizes=(2,), activation="tanh", solver="adam", alpha=0.0,
                        batch_size=len(X_train), learning_rate_init=LEARNING_RATE, random_state=1)
    curves = Curves("scikit-learn MLPClassifier (9 parameters)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(epochs):
            clf.partial_fit(X_train, y_train, classes=[0, 1])
            curves.train_loss.append(float(clf.loss_))
            curves.test_accuracy.append(float(clf.score(X_test, y_test)))
    curves.score = lambda x0, x1: float(clf.predict_proba([[x0, x1]])[0][1]) - 0.5
    return curves


def train_torch(data, epochs: int) -> Curves:
    """The same network in PyTorch (float64), full-batch Adam, BCE on the logit."""
    import torch

    X_train, X_test, y_train, y_test = data
    torch.manual_seed(1)
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1)).double()
    optimizer = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    Xt, yt = torch.tensor(X_train, dtype=torch.float64), torch.tensor(y_train, dtype=torch.float64)[:, None]
    Xv, yv = torch.tensor(X_test, dtype=torch.float64), torch.tensor(y_test)
    curves = Curves("PyTorch (9 parameters)")
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(net(Xt), yt)
        loss.backward()
        optimizer.step()
        curves.train_loss.append(loss.item())
        with torch.no_grad():
            curves.test_accuracy.append(((net(Xv)[:, 0] > 0).long() == yv).double().mean().item())

    def score(x0: float, x1: float) -> float:
        with torch.no_grad():
            return net(torch.tensor([[x0, x1]], dtype=torch.float64)).item()

    curves.score = score
    return curves


CLASS_COLOURS = ("#1d4ed8", "#b91c1c")  # class 0 blue, class 1 red, on their light regions
# Training points are small filled discs, test points larger hollow diamonds: they
# differ in shape and fill, so they can be told apart without their colour.
POINT_STYLES = (
    ("training", "o", dict(s=36, edgecolors="white", linewidths=0.6)),
    ("test", "D", dict(s=70, facecolors="none", linewidths=2.0)),
)


def _draw_boundaries(plt, runs: list[Curves], data, options, result) -> None:
    X_train, X_test, y_train, y_test = data
    xs, ys = grid_around(X_train + X_test, steps=40)
    fig, axes = plt.subplots(1, len(runs), figsize=(4.1 * len(runs), 5.6), squeeze=False)
    for ax, curves in zip(axes[0], runs):
        grid = [[curves.score(x, y) for x in xs] for y in ys]
        ax.contourf(xs, ys, grid, levels=[-1e9, 0.0, 1e9], colors=["#bfdbfe", "#fecaca"], alpha=0.8)
        ax.contour(xs, ys, grid, levels=[0.0], colors="k", linewidths=1.2)
        for (X, y), (what, marker, style) in zip(((X_train, y_train), (X_test, y_test)), POINT_STYLES):
            for label, colour in enumerate(CLASS_COLOURS):
                pts = [x for x, t in zip(X, y) if t == label]
                colours = {"edgecolors": colour} if style.get("facecolors") == "none" else {"c": colour}
                ax.scatter([p[0] for p in pts], [p[1] for p in pts], marker=marker, **colours, **style,
                           label=f"class {label}, {what}")
        ax.axhline(0, color="grey", lw=0.8)
        ax.axvline(0, color="grey", lw=0.8)
        name, _, parameters = curves.name.partition(" (")
        ax.set_title(f"{name}\n({parameters}\ntest accuracy {curves.final_test_accuracy:.0%}")
        ax.set(xlabel="x1", ylabel="x2", xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]))
        # Below the panel, where it hides no point.
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=2, columnspacing=0.8,
                  handletextpad=0.3)
    fig.tight_layout()
    save(fig, options, "homework_boundaries.png", result)


def main(argv: Sequence[str] | None = None) -> Result:
    """Run the demo; ``argv`` as on the command line (None: sys.argv[1:])."""
    options = parse_args("homework", DESCRIPTION, argv)
    pyplot()  # fail now, not after the work, if matplotlib is missing
    library = popular_library()
    from nn import make_gaussians, train_test_split

    result = Result()
    epochs = 60 if options.quick else 300
    X, y = make_gaussians(200, centers=CENTERS, std=STD, seed=4, labels=(0, 1))
    data = train_test_split(X, y, test_size=0.2, seed=4)
    X_train, X_test, y_train, y_test = data
    heading("The data")
    print(f"  200 points: class 0 around {CENTERS[0]}, class 1 around {CENTERS[1]}, std {STD}")
    print(f"  split 80/20: {len(X_train)} training points, {len(X_test)} test points")
    gap = math.dist(*CENTERS)
    print(f"  the centres are {gap:.2f} apart, {gap / STD:.1f} standard deviations: the clouds overlap")

    heading(f"Training, {epochs} epochs of full-batch Adam (lr {LEARNING_RATE}) on binary cross-entropy")
    runs = [train_ours(False, data, epochs), train_ours(True, data, epochs)]
    print(f"  yardstick: {YARDSTICKS[library]}")
    runs.append(train_sklearn(data, epochs) if library == "scikit-learn" else train_torch(data, epochs))

    heading("Test accuracy")
    width = max(len(r.name) for r in runs)
    print(f"  {'model':<{width}}  {'final train loss':>16}  {'test accuracy':>13}")
    for r in runs:
        print(f"  {r.name:<{width}}  {r.train_loss[-1]:>16.4f}  {r.final_test_accuracy:>13.1%}")
    no_bias, with_bias, yardstick = runs
    print("  Without bias the boundary must pass through the origin (the score is an odd function of x),")
    print(f"  and it reaches {no_bias.final_test_accuracy:.0%}; with bias the network can move it "
          f"between the clouds: {with_bias.final_test_accuracy:.0%},")
    print(f"  against {yardstick.final_test_accuracy:.0%} for {library} with the same architecture.")

    heading("Pictures")
    with figure_style() as plt:
        fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5.2))
        for r in runs:
            left.plot(range(1, epochs + 1), r.train_loss, label=r.name)
            right.plot(range(1, epochs + 1), [100 * a for a in r.test_accuracy], label=r.name)
        left.set(xlabel="epoch", ylabel="binary cross-entropy (training)", title="Learning curves")
        right.set(xlabel="epoch", ylabel="test accuracy (%)", title="Test accuracy", ylim=(0, 101))
        for ax in (left, right):
            ax.grid(True, alpha=0.3)
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17))
        fig.tight_layout()
        save(fig, options, "homework_learning_curves.png", result)
        _draw_boundaries(plt, runs, data, options, result)

    result.metrics.update(
        library=library,
        test_accuracy_without_bias=runs[0].final_test_accuracy,
        test_accuracy_with_bias=runs[1].final_test_accuracy,
        test_accuracy_library=runs[2].final_test_accuracy,
    )
    return result


if __name__ == "__main__":
    run(main)
