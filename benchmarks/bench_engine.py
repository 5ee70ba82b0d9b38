"""Speed and memory of the engine, as ratios against plain Python floats.

Run: python -m benchmarks.bench_engine [--quick]

Every workload is also written with plain floats and hand-derived gradients:
that is the bound for pure Python, and each chainrule time is reported as a
multiple of it. When the PyPI package `micrograd` is installed, the same
workloads run on it too (micrograd has no tanh, so its columns use relu where
the workload says tanh, and say so). Everything is measured in one run, with
Python's garbage collector left on.
"""

from __future__ import annotations

import argparse
import gc
import math
import platform
import random
import time
import tracemalloc

import autograd
from autograd import Value

try:  # benchmarks are the only place micrograd may be imported
    from micrograd.engine import Value as MicroValue
except ImportError:  # pragma: no cover - depends on the machine
    MicroValue = None


def best_time(fn, repeat=3):
    """The best of `repeat` runs of fn(), in seconds (fn returns nothing useful)."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


# ----------------------------------------------------------------------
# W1: a chain x -> (x*1.0001 + 0.5).tanh(), three operations per step


def w1_plain(n):
    def build():
        x, ts = 0.1, []
        for _ in range(n):
            x = math.tanh(x * 1.0001 + 0.5)
            ts.append(x)
        return ts

    def backward(ts):
        g = 1.0
        for t in reversed(ts):
            g *= (1.0 - t * t) * 1.0001
        return g

    return build, backward


def w1_engine(cls, n, activation):
    def build():
        x = cls(0.1)
        y = x
        for _ in range(n):
            y = getattr(y * 1.0001 + 0.5, activation)()
        return y

    def backward(y):
        y.backward()

    return build, backward


def measure_build_backward(build, backward, repeat=3):
    build_t = back_t = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        graph = build()
        mid = time.perf_counter()
        backward(graph)
        end = time.perf_counter()
        del graph
        build_t, back_t = min(build_t, mid - start), min(back_t, end - mid)
    return build_t, back_t


def run_w1(sizes):
    rows = []
    for n in sizes:
        ops = 3 * n
        repeat = 3 if n <= 100_000 else 1
        pb, pk = measure_build_backward(*w1_plain(n), repeat)
        cb, ck = measure_build_backward(*w1_engine(Value, n, "tanh"), repeat)
        row = [
            f"{n:,}",
            f"{pb / ops * 1e9:.0f}",
            f"{cb / ops * 1e9:.0f}",
            f"{cb / pb:.1f}x",
            f"{pk / ops * 1e9:.0f}",
            f"{ck / ops * 1e9:.0f}",
            f"{ck / pk:.1f}x",
        ]
        if MicroValue is not None:
            try:
                mb, mk = measure_build_backward(*w1_engine(MicroValue, n, "relu"), 1)
                row += [f"{mb / ops * 1e9:.0f}", f"{mk / ops * 1e9:.0f}"]
            except RecursionError:
                row += ["RecursionError", "RecursionError"]
        rows.append(row)
    headers = [
        "steps",
        "plain build ns/op",
        "chainrule build ns/op",
        "build ratio",
        "plain backward ns/op",
        "chainrule backward ns/op",
        "backward ratio",
    ]
    if MicroValue is not None:
        headers += ["micrograd build ns/op (relu)", "micrograd backward ns/op (relu)"]
    return table(headers, rows)


# ----------------------------------------------------------------------
# W2: MLP 2-16-16-1, MSE over 100 points, one full training step


def make_mlp_weights(seed, sizes=(2, 16, 16, 1)):
    rng = random.Random(seed)
    layers = []
    for nin, nout in zip(sizes, sizes[1:]):
        bound = math.sqrt(6 / (nin + nout))
        layers.append(([[rng.uniform(-bound, bound) for _ in range(nin)] for _ in range(nout)], [0.0] * nout))
    return layers


def make_points(seed, n=100):
    rng = random.Random(seed)
    X = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(n)]
    y = [math.sin(a) * math.cos(b) for a, b in X]
    return X, y


def plain_step(layers, X, y, lr, activation):
    """Forward, hand-derived backward, SGD update, with floats only."""
    act = math.tanh if activation == "tanh" else (lambda z: z if z > 0.0 else 0.0)
    grads = [([[0.0] * len(W[0]) for _ in W], [0.0] * len(b)) for W, b in layers]
    n = len(X)
    loss = 0.0
    last = len(layers) - 1
    for x, target in zip(X, y):
        acts = [x]
        for li, (W, b) in enumerate(layers):
            a = acts[-1]
            z = [bj + sum([w * ai for w, ai in zip(row, a)]) for row, bj in zip(W, b)]
            acts.append(z if li == last else [act(v) for v in z])
        out = acts[-1][0]
        diff = out - target
        loss += diff * diff
        delta = [2.0 * diff / n]
        for li in range(last, -1, -1):
            W, _ = layers[li]
            gW, gb = grads[li]
            a = acts[li]
            for j, dj in enumerate(delta):
                row = gW[j]
                for i, ai in enumerate(a):
                    row[i] += dj * ai
                gb[j] += dj
            if li:
                back = [sum([W[j][i] * delta[j] for j in range(len(delta))]) for i in range(len(a))]
                if activation == "tanh":
                    delta = [d * (1.0 - ai * ai) for d, ai in zip(back, a)]
                else:
                    delta = [d if ai > 0.0 else 0.0 for d, ai in zip(back, a)]
    for (W, b), (gW, gb) in zip(layers, grads):
        for row, grow in zip(W, gW):
            for i, g in enumerate(grow):
                row[i] -= lr * g
        for j, g in enumerate(gb):
            b[j] -= lr * g
    return loss / n


def engine_model(cls, layers):
    return [([[cls(w) for w in row] for row in W], [cls(v) for v in b]) for W, b in layers]


def engine_step(model, X, y, lr, activation, adder):
    """The same step written with Value operations; `adder` sums a list of Values."""
    params = [p for W, b in model for row in W for p in row] + [p for _, b in model for p in b]
    last = len(model) - 1
    losses = []
    for x, target in zip(X, y):
        a = x
        for li, (W, b) in enumerate(model):
            z = [adder([w * ai for w, ai in zip(row, a)], bj) for row, bj in zip(W, b)]
            a = z if li == last else [getattr(v, activation)() for v in z]
        diff = a[0] - target
        losses.append(diff * diff)
    loss = adder(losses, 0.0) * (1.0 / len(X))
    for p in params:
        p.grad = 0.0
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
    return loss.data


def chain_adder(values, start):
    total = start
    for v in values:
        total = total + v
    return total


def nary_adder(values, start):
    return autograd.sum(values, start=start)


def interleaved_best(runs, repeat):
    """Best time of each function, running them in turn `repeat` times.

    Taking turns spreads any drift of the machine's speed over all of them
    alike, so that their ratios stay fair.
    """
    best = [math.inf] * len(runs)
    for _ in range(repeat):
        for i, run in enumerate(runs):
            best[i] = min(best[i], best_time(run, 1))
    return best


def steps_of(step, model, X, y, activation, steps, **kwargs):
    def run():
        for _ in range(steps):
            step(model, X, y, 0.01, activation, **kwargs)

    return run


def nn_steps(X, y, activation, steps):
    """The same step with nn's own MLP, mse_loss and SGD (n-ary sums inside each neuron)."""
    import nn

    model = nn.MLP(2, [16, 16, 1], activation=activation, seed=0)
    optimizer = nn.SGD(model.parameters(), lr=0.01)

    def run():
        for _ in range(steps):
            optimizer.zero_grad()
            loss = nn.mse_loss([model(x) for x in X], y)
            loss.backward()
            optimizer.step()

    return run


def run_w2(runs):
    """W2 timed in runs of `steps` training steps, for each (steps, repeat) of `runs`.

    One step is W2 as defined: a graph built, backpropagated and used for an
    update. In a run of several steps, each step's graph stays alive until the
    next step's loss replaces it, as in a training loop: the collector's full
    collections then walk two graphs, and dropping the old one is part of the
    step.
    """
    X, y = make_points(1)
    rows = []
    for steps, repeat in runs:
        for activation in ("tanh", "relu"):
            variants = [("plain floats", steps_of(plain_step, make_mlp_weights(0), X, y, activation, steps))]
            for name, adder in (("autograd.sum", nary_adder), ("binary +", chain_adder)):
                model = engine_model(Value, make_mlp_weights(0))
                variants.append((name, steps_of(engine_step, model, X, y, activation, steps, adder=adder)))
            variants.append(("nn.MLP", nn_steps(X, y, activation, steps)))
            times = interleaved_best([run for _, run in variants], repeat)
            if MicroValue is not None and activation == "relu" and steps == 1:
                model = engine_model(MicroValue, make_mlp_weights(0))
                run = steps_of(engine_step, model, X, y, "relu", steps, adder=chain_adder)
                variants.append(("micrograd (binary +)", run))
                times.append(best_time(run, 3))
            plain = times[0] / steps
            for (name, _), t in zip(variants[1:], times[1:]):
                t /= steps
                row = [f"2-16-16-1 {activation}", str(steps), f"{plain * 1e3:.1f}", name, f"{t * 1e3:.1f}"]
                rows.append(row + [f"{t / plain:.1f}x"])
    headers = ["network", "steps per run", "plain ms/step", "engine", "engine ms/step", "ratio to plain"]
    return table(headers, rows)


def run_collector(steps):
    """What the collector does during `steps` W2 steps of nn.MLP in a row: collections and time per step."""
    X, y = make_points(1)
    run = nn_steps(X, y, "tanh", steps)
    run()  # the first run builds the caches a training loop has after its first step
    count, spent, started, walked, counting = [0, 0, 0], [0.0, 0.0, 0.0], [0.0], [], [0.0]

    def watch(phase, info):
        if phase == "start":
            if info["generation"] == 2:  # how many objects the full collection walks (not timed)
                before = time.perf_counter()
                walked.append(len(gc.get_objects()))
                counting[0] += time.perf_counter() - before
            started[0] = time.perf_counter()
        else:
            count[info["generation"]] += 1
            spent[info["generation"]] += time.perf_counter() - started[0]

    gc.collect()
    gc.callbacks.append(watch)
    try:
        start = time.perf_counter()
        run()
        total = time.perf_counter() - start - counting[0]
    finally:
        gc.callbacks.remove(watch)
    rows = [[f"generation {g}" + (" (full)" if g == 2 else ""), f"{count[g] / steps:.2f}",
             f"{spent[g] / steps * 1e3:.1f}", f"{spent[g] / total:.0%}"] for g in range(3)]
    rows.append(["all", f"{sum(count) / steps:.2f}", f"{sum(spent) / steps * 1e3:.1f}",
                 f"{sum(spent) / total:.0%}"])
    headers = ["collections", "per step", "ms per step", f"share of the step ({total / steps * 1e3:.1f} ms)"]
    walks = f"{min(walked):,} to {max(walked):,}" if walked else "none"
    return table(headers, rows) + f"\n\ntracked objects walked by each full collection: {walks}"


def run_loops(repeat):
    """backward() against the chain_rule() it specialises, on one W2 step's graph (nn.MLP).

    Each is timed on a graph just built, whose gradients are all 0.0, as in a
    training step after zero_grad(); the time of topological_order, which
    both walk first, is taken out of the loops' times.
    """
    import nn

    X, y = make_points(1)
    rows = []
    for activation in ("tanh", "relu"):
        model = nn.MLP(2, [16, 16, 1], activation=activation, seed=0)
        best = {"walk": math.inf, "backward": math.inf, "chain_rule": math.inf}
        for _ in range(repeat):
            for name, run in (("walk", autograd.topological_order), ("backward", Value.backward),
                              ("chain_rule", autograd.chain_rule)):
                model.zero_grad()
                loss = nn.mse_loss([model(x) for x in X], y)
                start = time.perf_counter()
                run(loss)
                best[name] = min(best[name], time.perf_counter() - start)
        nodes = len(autograd.topological_order(loss))
        rows.append([
            f"2-16-16-1 {activation}", f"{nodes:,}", f"{best['walk'] / nodes * 1e9:.0f}",
            f"{(best['backward'] - best['walk']) / nodes * 1e9:.0f}",
            f"{(best['chain_rule'] - best['walk']) / nodes * 1e9:.0f}",
        ])
    headers = ["network", "nodes", "topological_order ns/node", "backward() loop ns/node",
               "chain_rule() loop ns/node"]
    return table(headers, rows)


# ----------------------------------------------------------------------
# W3: pairwise sum of n products, backward per node


def w3_plain(xs, ys):
    def build():
        levels = [[a * b for a, b in zip(xs, ys)]]
        while len(levels[-1]) > 1:
            lv = levels[-1]
            nxt = [lv[i] + lv[i + 1] for i in range(0, len(lv) - 1, 2)]
            if len(lv) % 2:
                nxt.append(lv[-1])
            levels.append(nxt)
        return levels

    def backward(levels):
        g = [1.0]
        for lv in reversed(levels[:-1]):
            ng = [0.0] * len(lv)
            for i, gi in enumerate(g):
                ng[2 * i] += gi
                if 2 * i + 1 < len(lv):
                    ng[2 * i + 1] += gi
            g = ng
        return [gi * b for gi, b in zip(g, ys)], [gi * a for gi, a in zip(g, xs)]

    return build, backward


def w3_engine(cls, xs, ys):
    def build():
        vx, vy = [cls(a) for a in xs], [cls(b) for b in ys]
        level = [a * b for a, b in zip(vx, vy)]
        while len(level) > 1:
            nxt = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                nxt.append(level[-1])
            level = nxt
        return level[0]

    def backward(root):
        root.backward()

    return build, backward


def run_w3(sizes):
    rows = []
    for n in sizes:
        rng = random.Random(n)
        xs = [rng.random() for _ in range(n)]
        ys = [rng.random() for _ in range(n)]
        nodes = 4 * n - 1  # leaves, products and sums
        _, pk = measure_build_backward(*w3_plain(xs, ys))
        _, ck = measure_build_backward(*w3_engine(Value, xs, ys))
        row = [f"{n:,}", f"{nodes:,}", f"{pk / nodes * 1e9:.0f}", f"{ck / nodes * 1e9:.0f}"]
        row.append(f"{ck / pk:.1f}x")
        if MicroValue is not None:
            try:
                _, mk = measure_build_backward(*w3_engine(MicroValue, xs, ys), 1)
                row += [f"{mk / nodes * 1e9:.0f}"]
            except RecursionError:
                row += ["RecursionError"]
        rows.append(row)
    headers = ["products", "nodes", "plain ns/node", "chainrule ns/node", "ratio"]
    if MicroValue is not None:
        headers.append("micrograd ns/node")
    return table(headers, rows)


# ----------------------------------------------------------------------
# W4: memory per node and across build/drop cycles


def w4_graph(cls, n):
    """The W3 graph (shallow, so that recursive engines can walk it), after backward."""
    rng = random.Random(4)
    build, backward = w3_engine(cls, [rng.random() for _ in range(n)], [rng.random() for _ in range(n)])
    root = build()
    backward(root)
    return root


def bytes_per_node(cls, n):
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    graph = w4_graph(cls, n)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del graph
    return (after - before) / (4 * n - 1)


def cycles(cls, n, times=5):
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    after = []
    for _ in range(times):
        graph = w4_graph(cls, n)
        del graph
        after.append(tracemalloc.get_traced_memory()[0] - start)
    gc.collect()
    collected = tracemalloc.get_traced_memory()[0] - start
    tracemalloc.stop()
    return after, collected


def run_w4(n):
    rows = []
    engines = [("chainrule", Value)] + ([("micrograd (relu)", MicroValue)] if MicroValue else [])
    for name, cls in engines:
        per_node = bytes_per_node(cls, n)
        after, collected = cycles(cls, n)
        rows.append(
            [name, f"{per_node:.0f}", " / ".join(f"{b / 1024:.0f}" for b in after), f"{collected / 1024:.0f}"]
        )
    headers = [
        "engine",
        "bytes per node",
        "KiB held after each of 5 build/drop cycles (no gc.collect)",
        "KiB after gc.collect()",
    ]
    return table(headers, rows)


def rss_per_node(n):
    """Bytes of resident memory per node of a W3 graph, measured in a fresh process.

    The resident set is read from /proc/self/statm (Linux). Not ru_maxrss: a
    child started from a big parent inherits the parent's high-water mark.
    """
    import subprocess
    import sys

    code = (
        "import gc, os\n"
        "from benchmarks.bench_engine import w4_graph\n"
        "from autograd import Value\n"
        "def rss():\n"
        "    with open('/proc/self/statm') as f:\n"
        "        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')\n"
        f"n = {n}\n"
        "gc.collect(); before = rss()\n"
        "graph = w4_graph(Value, n)\n"
        "print((rss() - before) / (4 * n - 1))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def import_times(repeat=15):
    """`import autograd` and `import nn` in fresh processes: the best of `repeat`, in ms.

    Read from ``python -X importtime`` (the cumulative time of the package's own
    line), so that the interpreter's start-up is not counted. Bytecode is
    cached, as after any installation, in a folder of its own (the first run
    writes it and is not counted).
    """
    import os
    import subprocess
    import sys
    import tempfile

    rows = []
    cache = tempfile.mkdtemp(prefix="chainrule-pycache-")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    for package in ("autograd", "nn"):
        best = math.inf
        subprocess.run([sys.executable, "-c", f"import {package}"], env=env, check=True)
        for _ in range(repeat):
            err = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {package}"],
                                 capture_output=True, text=True, check=True, env=env).stderr
            for line in err.splitlines():
                parts = [p.strip() for p in line.split("|")]
                if len(parts) == 3 and parts[2] == package:
                    best = min(best, int(parts[1]) / 1e3)
        rows.append([f"import {package}", f"{best:.1f}"])
    return table(["statement", f"ms (python -X importtime, best of {repeat})"], rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    args = parser.parse_args(argv)
    quick = args.quick
    print(f"Python {platform.python_version()} on {platform.machine()}, gc enabled: {gc.isenabled()}")
    print(f"micrograd: {'installed' if MicroValue else 'not installed'}\n")
    print("W1: chain x -> (x*1.0001 + 0.5).tanh() (3 operations per step)\n")
    print(run_w1([1_000, 10_000] if quick else [1_000, 10_000, 100_000, 1_000_000]))
    print("\nW2: a training step (forward, backward, SGD update), MSE over 100 points; timed alone "
          "(W2 as defined) and in runs of 10 steps, each graph alive until the next loss replaces it\n")
    print(run_w2([(1, 3), (3, 2)] if quick else [(1, 15), (10, 4)]))
    print(f"\nW2 with nn.MLP: the garbage collector over {5 if quick else 20} steps in a row\n")
    print(run_collector(5 if quick else 20))
    print("\nW2's graph: backward()'s float loop against chain_rule() (each minus the topological order)\n")
    print(run_loops(2 if quick else 7))
    print("\nW3: pairwise sum of products, backward only\n")
    print(run_w3([1_000] if quick else [10_000, 100_000]))
    print("\nW4: memory (tracemalloc) of a W3 graph after backward\n")
    print(run_w4(1_000 if quick else 20_000))
    n = 10_000 if quick else 250_000
    print(f"\nW4 by resident memory (a fresh process): {rss_per_node(n):.0f} bytes per node "
          f"of a {4 * n - 1:,}-node W3 graph")
    print("\nImport time\n")
    print(import_times(3 if quick else 15))


if __name__ == "__main__":
    main()
