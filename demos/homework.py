"""The first homework: a 2-2-1 network trained by the update rules derived by hand.

Run: python -m demos.homework [--out DIR] [--quick]

The homework's network has two inputs x1, x2, two tanh hidden units and one
sigmoid output, the probability of class 1, and is trained on squared error::

    h1 = tanh(w11·x1 + w12·x2)    h2 = tanh(w21·x1 + w22·x2)
    a = σ(v1·h1 + v2·h2)          L = (a − y)²

and asks for the update rule w ← w − η · ∂L/∂w of each of the six weights.
The demo derives the six with ``autograd.derive`` on that graph, built with
the lecture's names, checks them against backward's gradients, and trains by
them: one sample at a time, every weight moves by −η · ∂L/∂w (plain gradient
descent, no momentum).

The data: two classes of 100 points each, drawn from Gaussians whose clouds
overlap, split 80/20 into training and test points. Without bias, the score
v1·h1 + v2·h2 is an odd function of x, so a(−x) = 1 − a(x) and the boundary
a = ½ passes through the origin; both clouds lie on the same side of it, so
this network has to fight its own shape. With a bias in every neuron
(b1, b2 and b: three more rules) the boundary can go between the clouds.
Then a popular library trains the same architecture on the same points, as a
yardstick: scikit-learn's MLPClassifier (on cross-entropy: it has no squared
error), or, when scikit-learn is not installed, PyTorch on the same squared
error from the same starting weights, which must retrace our curves.
"""

from __future__ import annotations

import math
import random
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import autograd
from autograd import Value

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
    save_drawing,
)

DESCRIPTION = "The homework: derive a 2-2-1 network's update rules, then train by them without and with bias."

CENTERS = ((0.5, 0.5), (2.0, 2.0))
STD = 0.75
LEARNING_RATE = 0.05
SHUFFLE_SEED = 0

# The six weights of the homework, then the three biases of the network with bias.
WEIGHTS = ("w11", "w12", "w21", "w22", "v1", "v2")
BIASES = ("b1", "b2", "b")

Point = Sequence[float]


@dataclass
class Curves:
    """Per-epoch learning curves of one model; entry 0 is before training."""

    name: str
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    probability: Callable[[float, float], float] | None = None  # (x1, x2) -> P(class 1), for the boundary
    model: Any = None

    @property
    def final_test_accuracy(self) -> float:
        return self.test_accuracy[-1]

    def record(self, train: tuple[float, float], test: tuple[float, float]) -> None:
        """Append one epoch's (squared error, accuracy) on the training and the test points."""
        self.train_loss.append(train[0])
        self.train_accuracy.append(train[1])
        self.test_loss.append(test[0])
        self.test_accuracy.append(test[1])


# ----------------------------------------------------------------------
# the network, by the lecture's names


def network(bias: bool):
    """The homework's 2-2-1 network: two tanh hidden neurons, one sigmoid output."""
    from nn import MLP

    return MLP(2, [2, 1], activation="tanh", output_activation="sigmoid", bias=bias, seed=1)


def lecture_parameters(model) -> dict[str, Value]:
    """The model's parameters by the homework's names: w11 … w22, v1, v2 (and b1, b2, b with bias)."""
    hidden, output = model.layers
    named: dict[str, Value] = {}
    for i, neuron in enumerate(hidden.neurons, 1):
        for j, w in enumerate(neuron.w, 1):
            named[f"w{i}{j}"] = w
    for j, v in enumerate(output.neurons[0].w, 1):
        named[f"v{j}"] = v
    for name, neuron in zip(BIASES, [*hidden.neurons, output.neurons[0]]):
        if neuron.b is not None:
            named[name] = neuron.b
    return named


def lecture_graph(numbers: dict[str, float]) -> tuple[Value, dict[str, Value]]:
    """The homework's network built by hand from Values named as in the lecture; returns (L, leaves).

    ``numbers`` gives x1, x2, y and the parameters (with b1, b2 and b, the
    network has biases). The hidden units are h1, h2, the output a, the loss
    L = (a − y)², so that derive writes ∂L/∂w11 = 2(a − y) · a(1 − a) · …
    """
    leaves = {name: Value(x, label=name) for name, x in numbers.items()}
    x1, x2 = leaves["x1"], leaves["x2"]
    h = []
    for i in (1, 2):
        z = leaves[f"w{i}1"] * x1 + leaves[f"w{i}2"] * x2
        if f"b{i}" in leaves:
            z = z + leaves[f"b{i}"]
        hi = z.tanh()
        hi.label = f"h{i}"
        h.append(hi)
    z = leaves["v1"] * h[0] + leaves["v2"] * h[1]
    if "b" in leaves:
        z = z + leaves["b"]
    a = z.sigmoid()
    a.label = "a"
    L = (a - leaves["y"]) ** 2
    L.label = "L"
    return L, leaves


def numbers_at(model, x: Point, y: float) -> dict[str, float]:
    """The leaves' numbers of the lecture's graph: a sample and the model's current parameters."""
    return {"x1": x[0], "x2": x[1], **{n: p.data for n, p in lecture_parameters(model).items()}, "y": y}


def derivations(bias: bool) -> dict[str, autograd.Derivation]:
    """∂L/∂p for every parameter p of the network, derived on the lecture's graph (any numbers will do)."""
    L, leaves = lecture_graph(numbers_at(network(bias), (1.0, -1.0), 1.0))
    names = WEIGHTS + (BIASES if bias else ())
    return {name: autograd.derive(L, leaves[name]) for name in names}


def sample_loss(model, x: Point, y: float) -> Value:
    """The homework's loss on one sample: L = (a − y)²."""
    return (model(x) - y) ** 2


def gradient_step(model, x: Point, y: float, lr: float) -> float:
    """One step of plain gradient descent on one sample: every parameter w ← w − η · ∂L/∂w. Returns L."""
    L = sample_loss(model, x, y)
    parameters = model.parameters()
    for p in parameters:
        p.grad = 0.0
    L.backward()
    for p in parameters:
        p.data -= lr * p.grad
    return L.data


def largest_rule_difference(
    model, rules: dict[str, autograd.Derivation], X: Sequence[Point], y: Sequence[float]
) -> float:
    """max over samples and parameters of |derived rule − backward's gradient|, at the model's weights."""
    worst = 0.0
    named = lecture_parameters(model)
    for x, t in zip(X, y):
        for p in named.values():
            p.grad = 0.0
        sample_loss(model, x, t).backward()
        numbers = numbers_at(model, x, t)
        for name, rule in rules.items():
            worst = max(worst, abs(rule(**numbers) - named[name].grad))
    return worst


# ----------------------------------------------------------------------
# training


def shuffled_orders(n: int, epochs: int) -> list[list[int]]:
    """The order in which each epoch visits the training points (the same for every model)."""
    rng = random.Random(SHUFFLE_SEED)
    orders = []
    for _ in range(epochs):
        order = list(range(n))
        rng.shuffle(order)
        orders.append(order)
    return orders


def train_ours(bias: bool, data, orders: list[list[int]]) -> Curves:
    """The homework's network trained one sample at a time by w ← w − η · ∂L/∂w."""
    from nn import evaluate, mse_loss

    X_train, X_test, y_train, y_test = data
    model = network(bias)
    curves = Curves(f"ours, {'with' if bias else 'without'} bias ({model.num_parameters()} parameters)",
                    model=model)
    for epoch in range(len(orders) + 1):
        if epoch:  # epoch 0 is the network before training
            for i in orders[epoch - 1]:
                gradient_step(model, X_train[i], y_train[i], LEARNING_RATE)
        curves.record(evaluate(model, X_train, y_train, loss=mse_loss),
                      evaluate(model, X_test, y_test, loss=mse_loss))

    def probability(x1: float, x2: float) -> float:
        with autograd.no_grad():
            return model([x1, x2]).data

    curves.probability = probability
    return curves


# What the yardstick line says for each library; scikit-learn is used when both are installed.
YARDSTICKS = {
    "scikit-learn": "the same 2-2-1 network with bias trained by scikit-learn's MLPClassifier, one sample at "
                    "a time by plain gradient descent (solver sgd, no momentum), but on cross-entropy: "
                    "MLPClassifier has no squared error. Its curves show the squared error of its "
                    "probabilities, as ours do",
    "PyTorch": "the same 2-2-1 network with bias trained by PyTorch (float64) on the same squared error, by "
               "plain gradient descent, from the same starting weights, over the samples in the same order "
               "(scikit-learn, the first choice, is not installed)",
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


def _squared_error_and_accuracy(probabilities: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    n = len(y)
    loss = sum((p - t) ** 2 for p, t in zip(probabilities, y)) / n
    return loss, sum((p > 0.5) == (t == 1) for p, t in zip(probabilities, y)) / n


def train_sklearn(data, epochs: int) -> Curves:
    """scikit-learn's MLPClassifier, 2 tanh hidden units, plain SGD on one sample at a time."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X_train, X_test, y_train, y_test = data
    clf = MLPClassifier(hidden_layer_sizes=(2,), activation="tanh", solver="sgd", momentum=0.0,
                        nesterovs_momentum=False, learning_rate="constant", learning_rate_init=LEARNING_RATE,
                        batch_size=1, alpha=0.0, random_state=1)
    curves = Curves("scikit-learn MLPClassifier (9 parameters)")

    def record() -> None:
        curves.record(_squared_error_and_accuracy(clf.predict_proba(X_train)[:, 1], y_train),
                      _squared_error_and_accuracy(clf.predict_proba(X_test)[:, 1], y_test))

    # Its weights exist only once it has trained: no point before training (NaN is not drawn).
    curves.record((math.nan, math.nan), (math.nan, math.nan))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(epochs):
            clf.partial_fit(X_train, y_train, classes=[0, 1])
            record()
    curves.probability = lambda x1, x2: float(clf.predict_proba([[x1, x2]])[0][1])
    curves.model = clf
    return curves


def train_torch(data, orders: list[list[int]]) -> Curves:
    """The same network in PyTorch (float64), from our starting weights, on (a − y)², by plain SGD."""
    import torch

    X_train, X_test, y_train, y_test = data
    start = network(bias=True)
    net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh(), torch.nn.Linear(2, 1),
                              torch.nn.Sigmoid()).double()
    with torch.no_grad():
        for layer, ours in zip((net[0], net[2]), start.layers):
            weights = [[w.data for w in n.w] for n in ours.neurons]
            layer.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            layer.bias.copy_(torch.tensor([n.b.data for n in ours.neurons], dtype=torch.float64))
    optimizer = torch.optim.SGD(net.parameters(), lr=LEARNING_RATE, momentum=0.0)
    Xt = torch.tensor(X_train, dtype=torch.float64)
    Xv = torch.tensor(X_test, dtype=torch.float64)
    curves = Curves("PyTorch (9 parameters)")

    def record() -> None:
        with torch.no_grad():
            curves.record(_squared_error_and_accuracy(net(Xt)[:, 0].tolist(), y_train),
                          _squared_error_and_accuracy(net(Xv)[:, 0].tolist(), y_test))

    record()
    for order in orders:
        for i in order:
            optimizer.zero_grad()
            loss = (net(Xt[i:i + 1])[0, 0] - float(y_train[i])) ** 2
            loss.backward()
            optimizer.step()
        record()

    def probability(x1: float, x2: float) -> float:
        with torch.no_grad():
            return net(torch.tensor([[x1, x2]], dtype=torch.float64)).item()

    curves.probability = probability
    curves.model = net
    return curves


# ----------------------------------------------------------------------
# pictures


CLASS_COLOURS = ("#1d4ed8", "#b91c1c")  # class 0 blue, class 1 red, on their light regions
# Training points are small filled discs, test points larger hollow diamonds: they
# differ in shape and fill, so they can be told apart without their colour.
POINT_STYLES = (
    ("training", "o", dict(s=36, edgecolors="white", linewidths=0.6)),
    ("test", "D", dict(s=70, facecolors="none", linewidths=2.0)),
)
MODEL_COLOURS = ("#d97706", "#047857", "#6d28d9")  # without bias, with bias, the library


def _draw_curves(plt, runs: list[Curves], options, result) -> None:
    epochs = range(len(runs[0].train_loss))
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 6.4))
    for r, colour in zip(runs, MODEL_COLOURS):
        name = r.name.partition(" (")[0]
        for what, style, loss, acc in (("training", "-", r.train_loss, r.train_accuracy),
                                       ("test", "--", r.test_loss, r.test_accuracy)):
            left.plot(epochs, loss, style, color=colour, label=f"{name}, {what}")
            right.plot(epochs, [100 * a for a in acc], style, color=colour, label=f"{name}, {what}")
    left.set(xlabel="epoch (0: before training)", ylabel="mean of (a − y)² over the points",
             title="Loss", ylim=(0, None))
    right.set(xlabel="epoch (0: before training)", ylabel="accuracy (%)", title="Accuracy", ylim=(40, 101))
    for ax in (left, right):
        ax.grid(True, alpha=0.3)
    # One legend for both panels, below them: a column per model, training above test.
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.legend(*left.get_legend_handles_labels(), loc="lower center", ncols=len(runs), columnspacing=2.0,
               handlelength=2.6, bbox_to_anchor=(0.5, 0.0))
    save(fig, options, "homework_learning_curves.png", result)


def _draw_boundaries(plt, runs: list[Curves], data, options, result) -> None:
    X_train, X_test, y_train, y_test = data
    xs, ys = grid_around(X_train + X_test, steps=40)
    fig, axes = plt.subplots(1, len(runs), figsize=(4.4 * len(runs), 5.6), squeeze=False)
    for ax, curves in zip(axes[0], runs):
        grid = [[curves.probability(x, y) for x in xs] for y in ys]
        ax.contourf(xs, ys, grid, levels=[-1.0, 0.5, 2.0], colors=["#bfdbfe", "#fecaca"], alpha=0.8)
        ax.contour(xs, ys, grid, levels=[0.5], colors="k", linewidths=1.2)
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
    # One legend for the three panels, below them, where it hides no point.
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    fig.legend(*axes[0][0].get_legend_handles_labels(), loc="lower center", ncols=4, columnspacing=1.5,
               handletextpad=0.3, bbox_to_anchor=(0.5, 0.0))
    save(fig, options, "homework_boundaries.png", result)


# ----------------------------------------------------------------------


def _draw_network(model, x: Point, y: float, options, result) -> None:
    """The trained network on one test point, drawn as the lecture draws it, for a slide."""
    from autograd.views.draw import RendererNotFoundError

    L = sample_loss(model, x, y)
    model.zero_grad()  # the last training step left its gradients in the parameters
    L.backward()
    try:
        save_drawing(autograd.draw(L, style="network-slide"), options, "homework_network.png", result)
    except (ImportError, RendererNotFoundError) as error:
        # The figures above need only matplotlib; the picture needs Graphviz too (the draw extra).
        print(f"  homework_network.png not drawn: {error}")
        return
    print("  (the trained network with bias on the first test point: z, a and δ in each neuron, w and ∂L/∂w")
    print("   on each arrow; write_stepper(L, 'layers.html', layers=True) steps through it layer by layer)")


def main(argv: Sequence[str] | None = None) -> Result:
    """Run the demo; ``argv`` as on the command line (None: sys.argv[1:])."""
    options = parse_args("homework", DESCRIPTION, argv)
    pyplot()  # fail now, not after the work, if matplotlib is missing
    library = popular_library()
    from nn import make_gaussians, train_test_split

    result = Result()
    epochs = 15 if options.quick else 40
    X, y = make_gaussians(200, centers=CENTERS, std=STD, seed=4, labels=(0, 1))
    data = train_test_split(X, y, test_size=0.2, seed=4)
    X_train, X_test, y_train, y_test = data
    heading("The data")
    print(f"  200 points: class 0 around {CENTERS[0]}, class 1 around {CENTERS[1]}, std {STD}")
    print(f"  split 80/20: {len(X_train)} training points, {len(X_test)} test points")
    gap = math.dist(*CENTERS)
    print(f"  the centres are {gap:.2f} apart, {gap / STD:.1f} standard deviations: the clouds overlap")

    heading("The update rules, derived by the chain rule (autograd.derive)")
    print("  h1 = tanh(w11·x1 + w12·x2), h2 = tanh(w21·x1 + w22·x2), a = σ(v1·h1 + v2·h2), L = (a − y)²")
    rules = derivations(bias=False)
    for d in rules.values():
        print(f"  {d.update_rule()}")
    rules_with_bias = derivations(bias=True)
    unchanged = all(rules_with_bias[n].text == rules[n].text for n in WEIGHTS)
    print("  With bias, h1 = tanh(w11·x1 + w12·x2 + b1), h2 = tanh(w21·x1 + w22·x2 + b2), "
          "a = σ(v1·h1 + v2·h2 + b):")
    print(f"  the six rules {'are unchanged' if unchanged else 'change'}, and three more:")
    for name in BIASES:
        print(f"  {rules_with_bias[name].update_rule()}")

    heading(f"Training: {epochs} epochs, one sample at a time, w ← w − η · ∂L/∂w with η = {LEARNING_RATE}")
    orders = shuffled_orders(len(X_train), epochs)
    runs = [train_ours(False, data, orders), train_ours(True, data, orders)]
    print(textwrap.fill(f"yardstick: {YARDSTICKS[library]}", width=100, initial_indent="  ",
                        subsequent_indent="    "))
    runs.append(train_sklearn(data, epochs) if library == "scikit-learn" else train_torch(data, orders))
    no_bias, with_bias, yardstick = runs
    if library == "PyTorch":
        gap = max(max(abs(p - q) for p, q in zip(getattr(with_bias, k), getattr(yardstick, k)))
                  for k in ("train_loss", "test_loss"))
        print(f"  PyTorch's losses differ from ours (with bias) by at most {gap:.1e} in {epochs} epochs")
        result.metrics["library_loss_difference"] = gap

    heading("The derived rules against backward")
    differences = {
        "without bias": largest_rule_difference(no_bias.model, rules, X_test, y_test),
        "with bias": largest_rule_difference(with_bias.model, rules_with_bias, X_test, y_test),
    }
    print("  Each rule's formula, evaluated by its code (Derivation.code) at the trained weights")
    print(f"  on each of the {len(X_test)} test points, against backward's gradient of L = (a − y)²:")
    for which, difference in differences.items():
        print(f"    {which}: largest difference {difference:.1e}")

    heading("Accuracy")
    width = max(len(r.name) for r in runs)
    print(f"  {'model':<{width}}  {'train loss':>10}  {'test loss':>9}  {'train':>6}  {'test':>6}")
    for r in runs:
        print(f"  {r.name:<{width}}  {r.train_loss[-1]:>10.4f}  {r.test_loss[-1]:>9.4f}  "
              f"{r.train_accuracy[-1]:>6.1%}  {r.test_accuracy[-1]:>6.1%}")
    print("  (loss: the mean of (a − y)² over the points; accuracy: a > ½ taken as class 1)")
    print("  Without bias the boundary a = ½ passes through the origin (a(−x) = 1 − a(x)), and the")
    print(f"  network reaches {no_bias.final_test_accuracy:.0%} on the test points; with bias it can move "
          f"the boundary between")
    print(f"  the clouds: {with_bias.final_test_accuracy:.0%}, against {yardstick.final_test_accuracy:.0%} "
          f"for {library} with the same architecture.")

    heading("Pictures")
    with figure_style() as plt:
        _draw_curves(plt, runs, options, result)
        _draw_boundaries(plt, runs, data, options, result)
    _draw_network(with_bias.model, X_test[0], y_test[0], options, result)

    result.metrics.update(
        library=library,
        epochs=epochs,
        runs=runs,
        derivations={"without bias": rules, "with bias": rules_with_bias},
        rule_differences=differences,
        test_accuracy_without_bias=no_bias.final_test_accuracy,
        test_accuracy_with_bias=with_bias.final_test_accuracy,
        test_accuracy_library=yardstick.final_test_accuracy,
        data=data,
    )
    return result


if __name__ == "__main__":
    run(main)
