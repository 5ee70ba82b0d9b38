"""Small graphs with known gradients, shared by the stepper's tests."""

from __future__ import annotations

from autograd import Parameter, Value


def neuron():
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Parameter(-3.0, label="w1"), Parameter(1.0, label="w2")
    b = Parameter(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    return o, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b}


def fan_out():
    a = Value(-1.25, label="a")
    b = Value(0.5, label="b")
    L = (a * a + a * b).exp() - b / a
    L.label = "L"
    return L, {"a": a, "b": b}
