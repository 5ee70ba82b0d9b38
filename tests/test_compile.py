"""Compiled replay: the generated code gives backward()'s floats, bit for bit, and branches are guarded."""

from __future__ import annotations

import ast
import math
import os
import random
import re
import struct
import threading

import pytest
from ops_table import ALL

import autograd
from autograd import Value, engine
from autograd.replay import generate

GUARDED = ("__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__float__")
COMPARISONS = {name: Value.__dict__[name] for name in GUARDED}


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def same(x: float, y: float) -> bool:
    """The same float to the last bit (any NaN matches any NaN)."""
    return (math.isnan(x) and math.isnan(y)) or bits(x) == bits(y)


def graph_path(f, xs, params=()):
    """Value and gradients by building the graph and calling backward(): the truth compile must match."""
    leaves = [Value(x) for x in xs]
    for p in params:
        p.grad = 0.0
    out = f(*leaves)
    out.backward()
    return out.data, tuple(v.grad for v in leaves + list(params))


# ----------------------------------------------------------------------
# every operation, bit for bit and against the hand-derived derivatives


@pytest.mark.parametrize("op", ALL, ids=lambda op: op.name)
def test_every_operation_matches_backward_bit_for_bit(op):
    rng = random.Random(op.name)
    compiled = autograd.compile(op.apply)
    for _ in range(5):
        xs = [rng.uniform(*domain) for domain in op.domains]
        value, grads = compiled(*xs)
        truth_value, truth_grads = graph_path(op.apply, xs)
        assert bits(value) == bits(truth_value)
        assert [bits(g) for g in grads] == [bits(g) for g in truth_grads]
        assert value == pytest.approx(op.forward(*xs), rel=1e-12)
        assert grads == pytest.approx(op.derivatives(*xs), rel=1e-9)
    assert compiled.traces == 1


def _random_recipe(rng: random.Random, n_inputs: int, n_ops: int):
    """A random program: each step applies an operation of the table to earlier nodes."""
    names = sorted(engine.OPS)
    steps = []
    for _ in range(n_ops):
        name = rng.choice(names + ["**p"])
        k = len(steps) + n_inputs
        if name == "sum":
            operands = [rng.randrange(k) for _ in range(rng.randint(2, 5))]
        elif name == "**p":
            operands = [rng.randrange(k)]
            name = rng.choice(["**2", "**3", "**-1", "**0.5"])
        else:
            operands = [rng.randrange(k) for _ in range(engine.OPS[name].arity)]
        steps.append((name, operands))
    return steps


def _run_recipe(steps, xs):
    nodes = list(xs)
    for name, operands in steps:
        op = engine.op_named(name)
        args = [nodes[i] for i in operands]
        try:
            nodes.append(op(*args))
        except (ValueError, ZeroDivisionError, OverflowError):
            nodes.append(args[0])  # out of the domain: keep the graph going with an operand
    # Every node reaches the output, several of them by many paths.
    return autograd.sum(nodes[len(xs):]) * nodes[-1]


@pytest.mark.parametrize("seed", range(30))
def test_random_graphs_match_backward_bit_for_bit(seed):
    rng = random.Random(seed)
    steps = _random_recipe(rng, 3, rng.randint(3, 25))
    xs = [rng.uniform(0.2, 1.5) for _ in range(3)]
    trace_leaves = [Value(x) for x in xs]
    _run_recipe(steps, trace_leaves)  # decide here which steps fell out of the domain

    def f(a, b, c):
        return _run_recipe(steps, [a, b, c])

    compiled = autograd.compile(f)
    for point in (xs, [x * 1.0001 for x in xs], xs):
        try:
            truth = graph_path(f, point)
        except (ValueError, ZeroDivisionError, OverflowError) as error:
            with pytest.raises(type(error)):
                compiled(*point)
            continue
        value, grads = compiled(*point)
        assert same(value, truth[0])
        assert all(same(g, t) for g, t in zip(grads, truth[1]))


@pytest.mark.parametrize("x, y", [(3.0, -0.0), (-0.0, 2.0)])
def test_a_gradient_sum_starts_at_zero_as_in_backward(x, y):
    # 0.0 + (-0.0) is 0.0: backward() never leaves a gradient at -0.0.
    compiled = autograd.compile(lambda a, b: a * b)
    _, grads = compiled(x, y)
    assert [bits(g) for g in grads] == [bits(g) for g in graph_path(lambda a, b: a * b, [x, y])[1]]


@pytest.mark.parametrize("x", [0.0, 1.0, -2.0])
def test_kinks_and_poles_give_what_backward_gives(x):
    def f(a):
        return a.relu() + abs(a) + (a * a).sqrt()

    value, grads = autograd.compile(f)(x)
    truth = graph_path(f, [x])
    assert same(value, truth[0]) and same(grads[0], truth[1][0])


def test_an_unused_argument_has_gradient_zero_and_a_bare_argument_one():
    value, grads = autograd.compile(lambda a, b: a)(4.0, 5.0)
    assert (value, grads) == (4.0, (1.0, 0.0))


# ----------------------------------------------------------------------
# params: Values f uses without taking them as arguments


def test_params_are_read_at_each_call_and_get_gradients():
    w = Value(3.0, label="w")
    compiled = autograd.compile(lambda x: (w * x).tanh(), params=[w])
    for w_data, x in ((3.0, 0.5), (-1.25, 2.0)):
        w.data = w_data
        value, (dx, dw) = compiled(x)
        t = math.tanh(w_data * x)
        assert value == t
        assert dx == pytest.approx((1 - t * t) * w_data, rel=1e-12)
        assert dw == pytest.approx((1 - t * t) * x, rel=1e-12)
        assert (value, (dx, dw)) == graph_path(lambda v: (w * v).tanh(), [x], [w])
    assert compiled.traces == 1


# ----------------------------------------------------------------------
# guards


def test_the_branch_example_of_the_issue():
    compiled = autograd.compile(lambda x: x * x if x > 0 else -3 * x)
    assert compiled(2) == (4.0, (4.0,))
    assert compiled(-1) == (3.0, (-3.0,))
    assert compiled(5) == (25.0, (10.0,))
    assert compiled.traces == 2  # the third call replays the first branch
    assert len(compiled.sources) == 2


@pytest.mark.parametrize(
    "f, points",
    [
        (lambda a, b: max(a, b) * 2, [(1.0, 3.0), (4.0, 2.0), (0.5, 0.25)]),
        (lambda a, b: min(a, b).exp(), [(1.0, 3.0), (4.0, 2.0)]),
        (lambda a, b: a * b if a - b else a + b, [(1.0, 1.0), (2.0, 1.0), (3.0, 3.0)]),
        (lambda a, b: a.log() if a >= 1 else b <= a and a * 0.5 or a * b,
         [(2.0, 1.0), (0.5, 0.1), (0.5, 0.9)]),
        (lambda a, b: a * float(b), [(2.0, 1.0), (2.0, 5.0), (3.0, 1.0)]),
    ],
    ids=["max", "min", "bool", "chained", "float"],
)
def test_every_kind_of_branch_is_guarded(f, points):
    compiled = autograd.compile(f)
    for xs in points * 2:
        value, grads = compiled(*xs)
        truth_value, truth_grads = graph_path(f, xs)
        assert value == truth_value
        # float(b) is a constant to the graph too: no gradient through it, in both paths.
        assert grads == truth_grads


def test_a_branch_whose_code_fails_on_other_numbers_is_traced_again():
    def f(x):
        a = x * x - 1.0
        if x + 0.0 > 2:  # decided after log(a) is computed in the first branch's code
            return a.log()
        return a

    compiled = autograd.compile(f)
    assert compiled(3.0) == (math.log(8.0), (2 * 3.0 / 8.0,))
    assert compiled(0.5) == (-0.75, (1.0,))
    assert compiled.traces == 2


def test_a_real_domain_error_is_the_engines():
    compiled = autograd.compile(lambda x: x.log())
    compiled(2.0)
    with pytest.raises(ValueError, match="log is defined for x > 0 only"):
        compiled(-1.0)


def test_beyond_max_branches_calls_take_the_graph_path():
    compiled = autograd.compile(lambda x: x * float(x), max_branches=2)
    for x in (1.0, 2.0, 3.0, 4.0, 2.0):
        assert compiled(x) == (x * x, (x,))
    assert len(compiled.sources) == 2
    assert compiled.traces == 4  # 1 and 2 are kept; 3 and 4 are traced each time


def test_tracing_leaves_values_comparisons_as_they_were():
    compiled = autograd.compile(lambda x: x if x > 0 else -x)
    compiled(1.0)
    with pytest.raises(ZeroDivisionError):
        autograd.compile(lambda x: x / 0)(1.0)
    assert {name: Value.__dict__[name] for name in COMPARISONS} == COMPARISONS


def test_another_threads_comparisons_are_not_recorded():
    started, release = threading.Event(), threading.Event()

    def slow(x):
        started.set()
        release.wait(5)
        return x * 2

    compiled = autograd.compile(slow)
    worker = threading.Thread(target=compiled, args=(1.0,))
    worker.start()
    started.wait(5)
    assert (Value(1.0) > 0) is True  # compared while the other thread traces
    release.set()
    worker.join()
    assert compiled.source.count("guard") == 0


# ----------------------------------------------------------------------
# the source


def test_the_source_has_one_line_per_operation_and_per_edge():
    def neuron(x, w, b):
        return (w * x + b).tanh()

    compiled = autograd.compile(neuron)
    compiled(0.5, -2.0, 0.25)
    lines = compiled.executed.splitlines()
    forward = [line for line in lines if line.lstrip().startswith("v")]
    backward = [line for line in lines if line.lstrip().startswith("g") and "+" in line.split("#")[0]]
    assert len(forward) == 3  # *, +, tanh
    assert len(backward) == 5  # tanh: 1 edge, +: 2, *: 2
    assert "∂L/∂w += ∂L/∂t1 · ∂t1/∂w" in compiled.source
    assert "1 − out²" in compiled.source


def _renaming(executed: str, source: str) -> dict[str, str]:
    """The one-to-one renaming of generated names that turns `executed` into `source`, or fail."""
    pairs: dict[str, str] = {}
    ran, shown = executed.splitlines(), source.splitlines()
    assert len(ran) == len(shown)
    for a, b in zip(ran, shown):
        code_a, _, comment_a = a.partition("  #")
        code_b, _, comment_b = b.partition("  #")
        assert comment_a == comment_b  # the comments are the same text
        tokens_a, tokens_b = re.findall(r"\w+|\W", code_a), re.findall(r"\w+|\W", code_b)
        assert len(tokens_a) == len(tokens_b)
        for ta, tb in zip(tokens_a, tokens_b):
            if ta != tb:
                assert re.fullmatch(r"[vg]\d+", ta), (ta, tb)
                assert pairs.setdefault(ta, tb) == tb
    assert len(set(pairs.values())) == len(pairs)  # one to one
    return pairs


def test_the_source_names_values_and_gradients_by_their_labels():
    def neuron(x, w, b):
        return (w * x + b).tanh()

    x, w, b = Value(0.5, label="x"), Value(-2.0, label="w"), Value(0.25, label="b")
    replay = generate(neuron(x, w, b), [x, w, b])
    assert replay.source.startswith("def replay(x, w, b):")
    assert "    dw = 0.0 + dt1 * x  # " in replay.source
    pairs = _renaming(replay.executed, replay.source)
    assert pairs["v0"] == "x" and pairs["g1"] == "dw"


@pytest.mark.parametrize("labels", [("x", "x"), ("tanh", "abs"), ("v1", "g0"), ("class", "_x"), ("w", "dw")])
def test_labels_that_would_clash_keep_generated_names(labels):
    a, b = Value(1.5, label=labels[0]), Value(-0.5, label=labels[1])
    replay = generate((a * b).tanh(), [a, b])
    pairs = _renaming(replay.executed, replay.source)
    shown = set(pairs.values())
    assert not shown & {"tanh", "abs", "class", "_x", "v1", "g0"}
    if labels == ("w", "dw"):
        assert pairs["g0"] == "dw" and "v1" not in pairs  # dw is w's gradient, so the Value dw keeps v1
    value, grads = replay.function(1.5, -0.5)
    assert value == math.tanh(1.5 * -0.5)


def test_the_command_line_prints_the_code(capsys):
    from autograd.cli import main

    assert main(["x * y + x", "--at", "x=2", "y=3", "--code"]) == 0
    out = capsys.readouterr().out
    assert "def replay(x, y):" in out
    assert "t1 = x * y" in out


def test_generate_replays_a_graph_already_built():
    x, y = Value(2.0, label="x"), Value(-1.5, label="y")
    out = (x * y).sigmoid() + x
    replay = generate(out, [x, y])
    out.backward()
    assert replay(2.0, -1.5) == (out.data, (x.grad, y.grad))


# ----------------------------------------------------------------------
# safety: user text never runs


HOSTILE = [
    "\n__import__('os').environ.__setitem__('CHAINRULE_PWNED', '1')",
    "x\r\nimport os; os.environ['CHAINRULE_PWNED'] = '1'  #",
    "'''\n\"\"\"\nos.environ['CHAINRULE_PWNED'] = '1'",
    "\u2028os.environ['CHAINRULE_PWNED']='1'\x00\x0c\x0b\x85",
]


@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_stay_in_comments(label):
    w = Value(2.0, label=label)

    def f(x):
        t = w * x
        t.label = label
        return t.tanh()

    compiled = autograd.compile(f, params=[w])
    value, grads = compiled(0.3)
    assert (value, grads) == graph_path(f, [0.3], [w])
    assert "CHAINRULE_PWNED" not in os.environ
    source = compiled.executed
    tree = ast.parse(source)  # one function, nothing else
    assert len(tree.body) == 1
    helpers = set(engine.FORWARD_HELPERS) | set(engine.RULE_HELPERS)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            assert node.id in helpers or (node.id[0] in "vgkc" and node.id[1:].isdigit()), node.id
        assert not isinstance(node, (ast.Import, ast.ImportFrom, ast.Subscript))
    for line in source.splitlines()[1:]:
        assert line.startswith("    ")
        code = line.split("#", 1)[0]
        assert "os" not in code.split() and "environ" not in code
    # What the reader sees differs from what runs only by renaming generated names.
    shown = _renaming(compiled.executed, compiled.source)
    assert all(name.isidentifier() and name.isascii() for name in shown.values())


# ----------------------------------------------------------------------
# bad input


@pytest.mark.parametrize(
    "args, words",
    [(("a",), "argument 0: expected a real number, got str"), ((1.0, 2.0), "takes 1 number"),
     ((Value(1.0),), "takes numbers, not Values")],
)
def test_bad_arguments_say_what_was_expected(args, words):
    compiled = autograd.compile(lambda x: x * 2)
    with pytest.raises(TypeError, match=words):
        compiled(*args)


def test_arguments_with_a_default_keep_it():
    compiled = autograd.compile(lambda x, scale=3.0: x * scale)
    assert compiled(2.0) == (6.0, (3.0,))


def test_values_returned_beside_the_output_come_back_as_numbers():
    compiled = autograd.compile(lambda x, y: ((x * y).exp(), x * y, y - x))
    for x, y in ((0.5, 2.0), (1.5, -1.0)):
        value, grads, (product, difference) = compiled(x, y)
        assert (value, grads) == graph_path(lambda a, b: (a * b).exp(), [x, y])
        assert (product, difference) == (x * y, y - x)


def test_f_must_return_a_value():
    with pytest.raises(TypeError, match="f must return a Value .*got float"):
        autograd.compile(lambda x: 2.0)(1.0)


@pytest.mark.parametrize(
    "f, params, words", [(3, (), "expected a function"), (abs, [1.0], "expected Values")]
)
def test_compile_checks_its_arguments(f, params, words):
    with pytest.raises(TypeError, match=words):
        autograd.compile(f, params=params)


def test_source_before_the_first_call_says_why_there_is_none():
    with pytest.raises(RuntimeError, match="call the compiled function once first"):
        _ = autograd.compile(lambda x: x).source



# ----------------------------------------------------------------------
# nn.fit(..., compile=True)


def _train(compile_, loss, labels=(-1, 1), batch_size=None, l2=0.0, activation="tanh", epochs=6):
    import nn

    X, y = nn.make_moons(40, noise=0.1, seed=3, labels=labels)
    model = nn.MLP(2, [8, 8, 1], activation=activation, seed=0)
    history = nn.fit(model, X, y, loss=loss, optimizer=nn.SGD(model.parameters(), lr=0.2), epochs=epochs,
                     batch_size=batch_size, l2=l2, seed=5, progress=False, compile=compile_)
    return [p.data for p in model.parameters()], history


@pytest.mark.parametrize(
    "loss, labels, batch_size, l2, activation",
    [("hinge", (-1, 1), None, 1e-3, "relu"), ("hinge", (-1, 1), 8, 0.0, "tanh"),
     ("mse", (-1, 1), 8, 0.0, "tanh"), ("bce", (0, 1), None, 1e-2, "sigmoid")],
)
def test_fit_compiled_trains_as_the_graph_does(loss, labels, batch_size, l2, activation, monkeypatch):
    import nn.compiled

    calls = []
    replay = nn.compiled.CompiledLoss.gradients
    def counted(self, *args):
        calls.append(1)
        return replay(self, *args)

    monkeypatch.setattr(nn.compiled.CompiledLoss, "gradients", counted)
    graph, graph_history = _train(False, loss, labels, batch_size, l2, activation)
    assert not calls
    compiled, compiled_history = _train(True, loss, labels, batch_size, l2, activation)
    assert len(calls) == sum(1 if batch_size is None else math.ceil(40 / batch_size) for _ in range(6))
    assert max(abs(p - q) for p, q in zip(graph, compiled)) < 1e-12
    assert compiled_history.loss == pytest.approx(graph_history.loss, abs=1e-12)
    assert compiled_history.accuracy == graph_history.accuracy


def _custom_hinge(outputs, targets):
    import nn

    return nn.hinge_loss(outputs, targets)


def test_fit_compiled_with_a_loss_of_its_own_trains_by_the_graph():
    with pytest.warns(UserWarning, match="the loss _custom_hinge is not one of mse, hinge, bce"):
        compiled, _ = _train(True, _custom_hinge)
    graph, _ = _train(False, _custom_hinge)
    assert compiled == graph


def _blobs():
    import nn

    return nn.make_blobs(30, centers=3, seed=1)


def _many_targets():
    X = [[i / 50, 1 - i / 50] for i in range(50)]
    return X, [x0 * 0.5 - x1 for x0, x1 in X]


@pytest.mark.parametrize(
    "data, sizes, loss, warning",
    [(_blobs, [4, 3], "cross_entropy", "softmax_cross_entropy is not one of"),
     (_many_targets, [4, 1], "mse", "more than 32 distinct values")],
    ids=["cross-entropy", "many-targets"],
)
def test_fit_compiled_where_it_does_not_apply_warns_and_trains_by_the_graph(data, sizes, loss, warning):
    import nn

    X, y = data()
    results = []
    for compile_ in (True, False):
        model = nn.MLP(2, sizes, seed=0)
        if compile_:
            with pytest.warns(UserWarning, match=warning):
                nn.fit(model, X, y, loss=loss, epochs=2, progress=False, compile=True)
        else:
            nn.fit(model, X, y, loss=loss, epochs=2, progress=False)
        results.append([p.data for p in model.parameters()])
    assert results[0] == results[1]


def test_fit_compiled_refuses_a_bad_target_naming_its_sample():
    import nn

    X, y = nn.make_moons(10, seed=0)
    y[7] = 0
    model = nn.MLP(2, [4, 1], seed=0)
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match="fit: hinge_loss expects labels -1 or \\+1, got 0 for sample 7"):
        nn.fit(model, X, y, epochs=1, progress=False, compile=True)
    assert [p.data for p in model.parameters()] == before


# ----------------------------------------------------------------------
# the lesson: one neuron's code beside explain's steps and the formulas


def test_the_chain_rule_demo_shows_the_neurons_code_with_the_same_numbers(capsys):
    from demos.chain_rule import neuron, three_ways

    example = neuron(x1=0.5, x2=-1.0, w1=0.25, w2=2.0, b=0.1)
    worst = three_ways(example, autograd.explain(example.output))
    printed = capsys.readouterr().out
    assert worst < 1e-15
    assert "out = tanh(n)  # out = tanh(n)" in printed
    assert "∂out/∂x1 += ∂out/∂w1x1 · ∂w1x1/∂x1" in printed
