"""Compiled replay (autograd.compile) against the graph path and hand-derived plain floats.

W2 again (benchmarks/bench_engine.py): an MLP 2-16-16-1 with tanh, MSE over
100 points, one training step. Here the per-sample loss is compiled once and
replayed for each of the 100 samples, the gradients summed, and the step
taken; the plain-float row is bench_engine's hand-derived code, imported.
Also: the time to trace and generate the code of that per-sample graph, the
memory the compiled branch keeps per operation, and micrograd's training demo
(benchmarks/bench_nn.py) with ``fit(compile=True)``.

Then the costs that must grow linearly: the first call of ``compile(f)`` for
a chain of 1k to 30k operations (seconds, and seconds per operation, which
stays flat when the cost is linear), and the memory that 30,000 compiles of
``x ** p`` with 30,000 different exponents leave behind once the compiled
functions are dropped (the module's caches, which are bounded).

    python -m benchmarks.bench_compile            # 20 steps, best of 5
    python -m benchmarks.bench_compile --steps 5 --repeat 3
    python -m benchmarks.bench_compile --only sizes,caches   # the two growth measurements alone
"""

from __future__ import annotations

import argparse
import gc
import platform
import time
import tracemalloc

import autograd
from autograd import Value
from autograd.replay import Replay
from nn import SGD, accuracy, fit, hinge_loss, linear_decay

from .bench_engine import (
    engine_model,
    engine_step,
    interleaved_best,
    make_mlp_weights,
    make_points,
    nary_adder,
    plain_step,
    steps_of,
    table,
)
from .bench_nn import ALPHA, demo_data, initial_model, layer_weights, run_chainrule, run_micrograd, run_plain


def per_sample_loss(model):
    """The per-sample loss of bench_engine's engine_step, as a function of the sample: (out − t)² / n."""
    last = len(model) - 1

    def loss(x0, x1, target):
        a = [x0, x1]
        for li, (W, b) in enumerate(model):
            z = [autograd.sum([w * ai for w, ai in zip(row, a)], start=bj) for row, bj in zip(W, b)]
            a = z if li == last else [v.tanh() for v in z]
        diff = a[0] - target
        return diff * diff * (1.0 / 100)

    return loss


def parameters(model):
    # engine_step's order: every weight, then every bias
    return [p for W, b in model for row in W for p in row] + [p for _, b in model for p in b]


def compiled_step(compiled, params, X, y, lr):
    """One step by replay: the compiled per-sample gradients, summed over the samples, then SGD."""
    total = [0.0] * len(params)
    loss = 0.0
    for (x0, x1), t in zip(X, y):
        value, grads = compiled(x0, x1, t)
        loss += value
        total = [s + g for s, g in zip(total, grads[3:])]
    for p, g in zip(params, total):
        p.data -= lr * g
    return loss


def run_w2(steps, repeat):
    X, y = make_points(1)
    plain_layers = make_mlp_weights(0)
    graph_model = engine_model(Value, make_mlp_weights(0))
    model = engine_model(Value, make_mlp_weights(0))
    params = parameters(model)
    compiled = autograd.compile(per_sample_loss(model), params=params)

    def replay():
        for _ in range(steps):
            compiled_step(compiled, params, X, y, 0.01)

    runs = [
        steps_of(plain_step, plain_layers, X, y, "tanh", steps),
        steps_of(engine_step, graph_model, X, y, "tanh", steps, adder=nary_adder),
        replay,
    ]
    times = interleaved_best(runs, repeat)
    # All three have taken the same number of steps from the same weights: they must agree.
    plain = [w for W, b in plain_layers for row in W for w in row] + [v for _, b in plain_layers for v in b]
    gap = max(abs(p.data - q) for p, q in zip(params, plain))
    gap_graph = max(abs(p.data - q.data) for p, q in zip(params, parameters(graph_model)))
    base = times[0] / steps
    rows = []
    for name, t in zip(("plain floats (hand-derived)", "graph + backward()", "compiled replay"), times):
        t /= steps
        rows.append([name, f"{t * 1e3:.2f}", f"{t / base:.2f}x"])
    text = table(["W2 2-16-16-1 tanh, 100 points", "ms/step", "ratio to plain"], rows)
    steps_run = steps * repeat
    text += (f"\n\nafter {steps_run} steps the parameters differ from the plain floats' by at most {gap:.1e}"
             f" and from the graph path's by at most {gap_graph:.1e}; traced {compiled.traces} time(s)")
    return text


def run_tracing(repeat):
    X, y = make_points(1)
    rows = []
    best_total = best_trace = best_code = float("inf")
    for _ in range(repeat):
        model = engine_model(Value, make_mlp_weights(0))
        params = parameters(model)
        f = per_sample_loss(model)
        gc.collect()
        start = time.perf_counter()
        leaves = [Value(v) for v in (*X[0], y[0])]
        out = f(*leaves)
        traced = time.perf_counter()
        branch = Replay(out, leaves, params)
        done = time.perf_counter()
        best_trace = min(best_trace, traced - start)
        best_code = min(best_code, done - traced)
        compiled = autograd.compile(f, params=params)
        start = time.perf_counter()
        compiled(*X[0], y[0])
        best_total = min(best_total, time.perf_counter() - start)
    rows.append(["trace: f on Values (the graph)", f"{best_trace * 1e3:.1f}"])
    rows.append(["generate the code and compile it", f"{best_code * 1e3:.1f}"])
    rows.append(["first call of autograd.compile(f) (trace, code, one replay)", f"{best_total * 1e3:.1f}"])
    text = table(["2-16-16-1 per-sample graph", f"ms (best of {repeat})"], rows)
    text += (f"\n\n{branch.n_operations} operations, {branch.n_edges} backward edges, "
             f"{len(branch.source.splitlines())} lines of code")
    return text, branch.n_operations, branch.n_edges


def run_memory(n_operations, n_edges):
    X, y = make_points(1)
    model = engine_model(Value, make_mlp_weights(0))
    params = parameters(model)
    f = per_sample_loss(model)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    compiled = autograd.compile(f, params=params)
    compiled(*X[0], y[0])  # the trace's graph is freed when the call returns; the code stays
    gc.collect()
    kept = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    source = len(compiled.source.encode())
    return (f"the compiled branch keeps {kept / 1024:.0f} KiB "
            f"({source / 1024:.0f} KiB of it the source text): "
            f"{kept / n_operations:.0f} bytes per operation, {kept / (n_operations + n_edges):.0f} bytes per "
            f"line of forward or backward code")


def chain(n_operations):
    """f(x): x -> tanh(x * 1.0001 + 0.5), repeated: three operations per step (bench_engine's W1)."""
    def f(x):
        for _ in range(n_operations // 3):
            x = (x * 1.0001 + 0.5).tanh()
        return x

    return f


def run_sizes(sizes):
    """The first call of compile(f) (trace, names, code, Python's compile, one replay) by graph size."""
    rows = []
    for n in sizes:
        compiled = autograd.compile(chain(n))
        gc.collect()
        start = time.perf_counter()
        compiled(0.3)
        seconds = time.perf_counter() - start
        ops = compiled._last.n_operations
        rows.append([f"{ops:,}", f"{seconds:.2f}", f"{seconds / ops * 1e6:.0f}"])
        del compiled
    return table(["operations", "first call, s", "µs per operation"], rows)


def run_caches(n):
    """Memory kept by the module once n compiled functions of x ** p, each p different, are dropped."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    for i in range(n):
        p = 1.0 + i / n
        autograd.compile(lambda x, p=p: x ** p)(1.5)
    seconds = time.perf_counter() - start
    gc.collect()
    kept = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return (f"{n:,} compiles of x ** p with {n:,} different p ({seconds:.1f} s): "
            f"{kept / 2**20:.2f} MiB still held after they are dropped ({kept / n:.0f} bytes per compile)")


def run_compiled_fit(X, y, steps):
    """bench_nn's run_chainrule with fit(compile=True): the same model, data, loss and schedule."""
    model = initial_model()
    start = time.perf_counter()
    history = fit(model, X, y, loss=hinge_loss, optimizer=SGD(model.parameters(), lr=1.0), epochs=steps,
                  l2=ALPHA, schedule=linear_decay(1.0, 1.0 - 0.9 * steps / 100), progress=False, compile=True)
    seconds = time.perf_counter() - start
    return seconds, history.loss[-1], accuracy(model, X, y), layer_weights(model)


def largest_difference(a, b):
    return max(abs(p - q) for (W, c), (V, d) in zip(a, b) for p, q in
               zip([w for row in W for w in row] + c, [v for row in V for v in row] + d))


def run_demo(steps, micrograd_steps):
    X, y = demo_data()
    graph = run_chainrule(X, y, steps)
    compiled = run_compiled_fit(X, y, steps)
    plain = run_plain(X, y, steps)
    rows = []
    for name, result in (("fit (graph)", graph), ("fit(compile=True)", compiled), ("plain floats", plain)):
        seconds = result[0] / steps
        difference = largest_difference(result[3], graph[3])
        rows.append([name, f"{seconds * 1e3:.1f}", f"{seconds / (plain[0] / steps):.2f}x",
                     f"{result[1]:.6f}", f"{result[2]:.0%}", f"{difference:.1e}"])
    micro = run_micrograd(X, y, micrograd_steps) if micrograd_steps else None
    headers = ["micrograd's demo, 2-16-16-1 relu, hinge + L2", "ms/step", "vs plain", "final loss",
               "accuracy", "max param difference to the graph"]
    text = table(headers, rows)
    if micro is not None:
        per_step = micro[0] / micrograd_steps
        text += (f"\n\nmicrograd: {per_step * 1e3:.0f} ms/step ({micrograd_steps} steps), "
                 f"{per_step / (compiled[0] / steps):.0f}x the time of fit(compile=True)")
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--demo-steps", type=int, default=100, help="steps of micrograd's demo")
    parser.add_argument("--micrograd-steps", type=int, default=10,
                        help="steps of the demo in micrograd itself (about 1 s each; 0 to skip)")
    parser.add_argument("--sizes", default="1000,3000,10000,30000",
                        help="graph sizes (operations) of the linear-growth sweep")
    parser.add_argument("--caches", type=int, default=30000, help="compiles of the cache measurement")
    parser.add_argument("--only", default="", help="comma-separated parts: w2,tracing,demo,sizes,caches")
    args = parser.parse_args(argv)
    parts = set(args.only.split(",")) if args.only else {"w2", "tracing", "demo", "sizes", "caches"}
    print(f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}\n")
    if "w2" in parts:
        print(run_w2(args.steps, args.repeat))
        print()
    if "tracing" in parts:
        text, n_operations, n_edges = run_tracing(args.repeat)
        print(text)
        print()
        print(run_memory(n_operations, n_edges))
        print()
    if "demo" in parts:
        print(run_demo(args.demo_steps, args.micrograd_steps))
        print()
    if "sizes" in parts:
        print(run_sizes([int(n) for n in args.sizes.split(",")]))
        print()
    if "caches" in parts:
        print(run_caches(args.caches))

if __name__ == "__main__":
    main()
