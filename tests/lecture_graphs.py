"""The lecture notes' examples, shared by the quiz's tests (and pictures of them).

- ``xyz``: f = x·y·z with x = r, y = r·s, z = s at r = 2, s = 3, built without
  an identity node as y = r·s, t = r·y, f = t·s. r and s are each used twice,
  so ∂f/∂s = 12 + 12 = 24 and ∂f/∂r = 18 + 18 = 36.
- ``sin_square``: f = sin(x²) at x = 1.5.
- ``sigmoid_neuron``: z = x1·w1 + x2·w2 + b = 0.5 − 0.6 + 0.1 (zero up to
  rounding), a = σ(z), L = ½·(a − 1)²: the delta rule, δ = ∂L/∂z = −0.125.
- ``network_221``: two tanh neurons and a linear output, L = (out − 1)².
- ``relu_kink``, ``abs_kink``: the operation evaluated at its kink, 0.
"""

from __future__ import annotations

from autograd import Parameter, Value


def xyz():
    r, s = Value(2.0, label="r"), Value(3.0, label="s")
    y = r * s
    y.label = "y"
    t = r * y
    t.label = "t"
    f = t * s
    f.label = "f"
    return f, {"r": r, "s": s, "y": y, "t": t}


def sin_square():
    x = Value(1.5, label="x")
    u = x**2
    u.label = "u"
    f = u.sin()
    f.label = "f"
    return f, {"x": x, "u": u}


def sigmoid_neuron():
    x1, x2 = Value(1.0, label="x1"), Value(2.0, label="x2")
    w1, w2, b = Parameter(0.5, label="w1"), Parameter(-0.3, label="w2"), Parameter(0.1, label="b")
    z = x1 * w1 + x2 * w2 + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    L = 0.5 * (a - 1.0) ** 2
    L.label = "L"
    return L, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "z": z, "a": a}


def network_221():
    x1, x2 = Value(0.5, label="x1"), Value(-1.0, label="x2")
    w = {k: Parameter(v, label=k) for k, v in
         {"w11": 0.4, "w12": -0.2, "w21": 0.3, "w22": 0.8, "v1": 1.1, "v2": -0.7}.items()}
    b = {k: Parameter(v, label=k) for k, v in {"b1": 0.1, "b2": -0.1, "c": 0.2}.items()}
    h1 = (w["w11"] * x1 + w["w12"] * x2 + b["b1"]).tanh()
    h1.label = "h1"
    h2 = (w["w21"] * x1 + w["w22"] * x2 + b["b2"]).tanh()
    h2.label = "h2"
    out = w["v1"] * h1 + w["v2"] * h2 + b["c"]
    out.label = "out"
    L = (out - 1.0) ** 2
    L.label = "L"
    return L, {"x1": x1, "x2": x2, **w, **b, "h1": h1, "h2": h2, "out": out}


def relu_kink():
    a, b = Value(0.5, label="a"), Value(-0.5, label="b")
    n = a + b
    n.label = "n"
    o = n.relu()
    o.label = "o"
    return o, {"a": a, "b": b, "n": n}


def abs_kink():
    a, b = Value(0.5, label="a"), Value(-0.5, label="b")
    n = a + b
    n.label = "n"
    o = abs(n)
    o.label = "o"
    return o, {"a": a, "b": b, "n": n}
