"""micrograd's training demo, run side by side in micrograd, chainrule and plain floats.

The recipe of micrograd's demo notebook: 100 points of moons (noise 0.1),
an MLP 2-16-16-1 with ReLU hidden layers, the hinge loss relu(1 - y*score)
averaged over all points plus 1e-4 * sum(p**2), and 100 full-batch steps of
gradient descent with the learning rate 1.0 - 0.9*k/100 at step k.

All three runs start from the same weights (chainrule's He initialisation
with seed 0, copied into the others) and see the same data, so they compute
the same numbers; the table shows how long each takes per training step, and
how far apart their final parameters are (rounding only).

Run from the repository root::

    python -m benchmarks.bench_nn            # or: python benchmarks/bench_nn.py
    python -m benchmarks.bench_nn --steps 20 # quicker (micrograd takes ~1 s per step)

It says on stderr what it runs as it goes; the table goes to stdout.

micrograd (``pip install micrograd``) is optional: without it its row is left out.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from nn import MLP, SGD, accuracy, fit, hinge_loss, linear_decay, make_moons  # noqa: E402

ALPHA = 1e-4
SIZES = [2, 16, 16, 1]
# run_chainrule decays the rate towards 1.0 - 0.9*steps/100, which linear_decay needs
# to be positive: more steps than this have no schedule.
MAX_STEPS = 111


def demo_data():
    return make_moons(100, noise=0.1, seed=1337)


def initial_model():
    return MLP(2, SIZES[1:], activation="relu", seed=0)


def layer_weights(model):
    """[(rows of weights, biases)] per layer, as plain floats (chainrule's MLP or micrograd's)."""
    return [
        ([[w.data for w in n.w] for n in layer.neurons], [n.b.data for n in layer.neurons])
        for layer in model.layers
    ]


# ---------------------------------------------------------------- chainrule


def run_chainrule(X, y, steps):
    model = initial_model()
    start = time.perf_counter()
    history = fit(
        model,
        X,
        y,
        loss=hinge_loss,
        optimizer=SGD(model.parameters(), lr=1.0),
        epochs=steps,
        l2=ALPHA,
        schedule=linear_decay(1.0, 1.0 - 0.9 * steps / 100),
        progress=False,
    )
    seconds = time.perf_counter() - start
    return seconds, history.loss[-1], accuracy(model, X, y), layer_weights(model)


# ---------------------------------------------------------------- micrograd


def run_micrograd(X, y, steps):
    """The loop of micrograd's demo notebook, on micrograd's own Value and MLP."""
    try:
        from micrograd.engine import Value
        from micrograd.nn import MLP as MicroMLP
    except ImportError:
        return None
    model = MicroMLP(2, SIZES[1:])
    for layer, (rows, biases) in zip(model.layers, layer_weights(initial_model())):
        for neuron, row, b in zip(layer.neurons, rows, biases):
            for w, value in zip(neuron.w, row):
                w.data = value
            neuron.b.data = b

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        return data_loss + reg_loss

    start = time.perf_counter()
    for k in range(steps):
        total_loss = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        if (k + 1) % 10 == 0 and k + 1 < steps:  # about 10 s apart: show that it is moving
            print(f"{k + 1}", end=" ", file=sys.stderr, flush=True)
    seconds = time.perf_counter() - start
    scores = [model(list(map(Value, x))).data for x in X]
    acc = sum((yi > 0) == (s > 0) for yi, s in zip(y, scores)) / len(y)
    return seconds, total_loss.data, acc, layer_weights(model)


# ---------------------------------------------------------------- plain floats, gradients by hand


def _forward(weights, x):
    """Activations of every layer for one sample: [x, h1, h2, [score]], and the pre-activations."""
    acts, pres = [x], []
    last = len(weights) - 1
    for i, (rows, biases) in enumerate(weights):
        z = [sum(w * a for w, a in zip(row, acts[-1])) + b for row, b in zip(rows, biases)]
        pres.append(z)
        acts.append(z if i == last else [v if v > 0.0 else 0.0 for v in z])
    return acts, pres


def run_plain(X, y, steps):
    """The same training with floats and the chain rule applied by hand."""
    weights = layer_weights(initial_model())
    n = len(X)
    start = time.perf_counter()
    for k in range(steps):
        grads = [([[0.0] * len(r) for r in rows], [0.0] * len(b)) for rows, b in weights]
        data_loss = 0.0
        for x, yi in zip(X, y):
            acts, pres = _forward(weights, x)
            margin = 1.0 - yi * acts[-1][0]
            if margin <= 0.0:
                continue  # relu(1 - y*s) is flat here: no gradient
            data_loss += margin
            delta = [-yi / n]  # dL/d(score)
            for i in range(len(weights) - 1, -1, -1):
                rows, _ = weights[i]
                g_rows, g_b = grads[i]
                a = acts[i]
                for j, d in enumerate(delta):
                    g_b[j] += d
                    g_row = g_rows[j]
                    for m, am in enumerate(a):
                        g_row[m] += d * am
                if i:
                    # back through W and the relu of the layer below
                    below = pres[i - 1]
                    delta = [
                        sum(delta[j] * rows[j][m] for j in range(len(delta))) if below[m] > 0.0 else 0.0
                        for m in range(len(a))
                    ]
        reg = 0.0
        lr = 1.0 - 0.9 * k / 100
        for (rows, biases), (g_rows, g_b) in zip(weights, grads):
            for row, g_row in zip(rows, g_rows):
                for m, w in enumerate(row):
                    reg += w * w
                    row[m] = w - lr * (g_row[m] + 2.0 * ALPHA * w)
            for j, b in enumerate(biases):
                reg += b * b
                biases[j] = b - lr * (g_b[j] + 2.0 * ALPHA * b)
        total_loss = data_loss / n + ALPHA * reg
    seconds = time.perf_counter() - start
    correct = sum((yi > 0) == (_forward(weights, x)[0][-1][0] > 0) for x, yi in zip(X, y))
    return seconds, total_loss, correct / n, weights


def flat_weights(weights):
    """The numbers of ``layer_weights`` in one list: every weight, then every bias."""
    return [v for rows, _ in weights for row in rows for v in row] + [v for _, bs in weights for v in bs]


def _max_difference(a, b):
    return max(abs(p - q) for p, q in zip(flat_weights(a), flat_weights(b)))


def _timed(name, run, X, y, steps):
    """``run(X, y, steps)``, saying on stderr what runs and, when it ends, how long it took."""
    plural = "s" if steps != 1 else ""
    print(f"running {name}: {steps} step{plural} ...", end=" ", file=sys.stderr, flush=True)
    start = time.perf_counter()
    outcome = run(X, y, steps)
    said = "not installed, skipped" if outcome is None else f"done in {time.perf_counter() - start:.1f} s"
    print(said, file=sys.stderr, flush=True)
    return outcome


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100, help="training steps (the demo uses 100)")
    args = parser.parse_args(argv)
    steps = args.steps
    if not 1 <= steps <= MAX_STEPS:
        parser.error(
            f"--steps: expected 1..{MAX_STEPS} (the demo's learning rate 1.0 - 0.9*k/100 "
            f"must stay positive), got {steps}"
        )
    X, y = demo_data()
    # Progress goes to stderr, a line per run as it starts and ends, so that the table on stdout
    # stays clean and a run of several minutes (micrograd's) never looks like a hang.
    print(f"{steps} training step{'s' if steps != 1 else ''} per implementation "
          "(micrograd, when installed, takes about 1 s per step)", file=sys.stderr, flush=True)
    results = {"chainrule (nn.fit)": _timed("chainrule (nn.fit)", run_chainrule, X, y, steps)}
    micro = _timed("micrograd", run_micrograd, X, y, steps)
    if micro is not None:
        results["micrograd 0.1.0"] = micro
    results["plain floats, gradients by hand"] = _timed("plain floats", run_plain, X, y, steps)

    ours = results["chainrule (nn.fit)"]
    print(
        f"micrograd's demo: moons(100, noise=0.1), MLP 2-16-16-1, hinge + {ALPHA:g} L2, "
        f"{steps} full-batch steps"
    )
    print(f"Python {platform.python_version()} on {platform.machine()} ({platform.system()})\n")
    print(
        "| implementation | s / step | time vs chainrule | final loss | final accuracy "
        "| max param difference |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, (seconds, final_loss, acc, weights) in results.items():
        ratio = seconds / ours[0]
        if name.startswith("chainrule"):
            versus = "1"
        elif ratio >= 1:
            versus = f"{ratio:.1f}x slower"
        else:
            versus = f"{1 / ratio:.1f}x faster"
        diff = _max_difference(weights, ours[3])
        print(f"| {name} | {seconds / steps:.4f} | {versus} | {final_loss:.6f} | {acc:.0%} | {diff:.1e} |")
    if micro is not None:
        print(f"\nchainrule is {micro[0] / ours[0]:.1f}x faster than micrograd on this training.")
    else:
        print("\n(micrograd is not installed: pip install micrograd to add its row)")
    print(
        "All runs start from the same weights; 'max param difference' is the largest difference between a "
        "final parameter and chainrule's (rounding only: the three compute the same numbers)."
    )


if __name__ == "__main__":
    main()
