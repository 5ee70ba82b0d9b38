"""PyTorch (float64) as an independent oracle on random expressions."""

import random

import pytest

from autograd import Value, grad

torch = pytest.importorskip("torch")

# (name, arity, chainrule, torch): each guarded so the inputs stay in its domain.
UNARY = [
    ("tanh", lambda a: a.tanh(), torch.tanh),
    ("sigmoid", lambda a: a.sigmoid(), torch.sigmoid),
    ("exp", lambda a: (a * 0.3).exp(), lambda a: torch.exp(a * 0.3)),
    ("log", lambda a: (a * a + 1).log(), lambda a: torch.log(a * a + 1)),
    ("relu", lambda a: a.relu(), torch.relu),
    ("sin", lambda a: a.sin(), torch.sin),
    ("cos", lambda a: a.cos(), torch.cos),
    ("sqrt", lambda a: (a * a + 0.5).sqrt(), lambda a: torch.sqrt(a * a + 0.5)),
    ("neg", lambda a: -a, lambda a: -a),
    ("abs", lambda a: abs(a), torch.abs),
    ("square", lambda a: a**2, lambda a: a**2),
]
BINARY = [
    ("+", lambda a, b: a + b, lambda a, b: a + b),
    ("-", lambda a, b: a - b, lambda a, b: a - b),
    ("*", lambda a, b: a * b, lambda a, b: a * b),
    ("/", lambda a, b: a / (b * b + 1), lambda a, b: a / (b * b + 1)),
    ("**", lambda a, b: (a * a + 1) ** b.tanh(), lambda a, b: (a * a + 1) ** torch.tanh(b)),
]


def _random_expression(rng, leaves, steps):
    """Apply `steps` random operations, reusing earlier results (fan-out)."""
    program = []
    for _ in range(steps):
        if rng.random() < 0.4:
            program.append(("u", rng.randrange(len(UNARY)), rng.randrange(len(leaves) + len(program))))
        else:
            n = len(leaves) + len(program)
            program.append(("b", rng.randrange(len(BINARY)), rng.randrange(n), rng.randrange(n)))
    return program


def _run(program, leaves, which):
    values = list(leaves)
    for step in program:
        if step[0] == "u":
            fn = UNARY[step[1]][which]
            values.append(fn(values[step[2]]))
        else:
            fn = BINARY[step[1]][which]
            values.append(fn(values[step[2]], values[step[3]]))
    return values[-1]


@pytest.mark.parametrize("seed", range(40))
def test_random_expressions_match_pytorch(seed):
    rng = random.Random(seed)
    data = [rng.uniform(-1.5, 1.5) for _ in range(3)]
    program = _random_expression(rng, data, steps=rng.randrange(3, 12))

    ours = [Value(x) for x in data]
    out = _run(program, ours, 1)
    out.backward()

    theirs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in data]
    reference = _run(program, theirs, 2)
    reference.backward()

    assert out.data == pytest.approx(reference.item(), rel=1e-10, abs=1e-12)
    for mine, ref in zip(ours, theirs):
        expected = 0.0 if ref.grad is None else ref.grad.item()
        assert mine.grad == pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("seed", range(10))
def test_second_derivatives_match_pytorch(seed):
    rng = random.Random(1000 + seed)
    x0 = rng.uniform(-1.0, 1.0)
    program = _random_expression(rng, [x0], steps=rng.randrange(2, 7))

    x = Value(x0)
    (dy,) = grad(_run(program, [x], 1), [x], create_graph=True, allow_unused=True)
    (d2y,) = grad(dy, [x], allow_unused=True)

    t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    (tdy,) = torch.autograd.grad(_run(program, [t], 2), [t], create_graph=True, allow_unused=True)
    if tdy is None or not tdy.requires_grad:
        expected = 0.0
    else:
        (td2y,) = torch.autograd.grad(tdy, [t], allow_unused=True)
        expected = 0.0 if td2y is None else td2y.item()
    assert d2y == pytest.approx(expected, rel=1e-8, abs=1e-10)
