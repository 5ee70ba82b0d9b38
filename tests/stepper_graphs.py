"""Small graphs with known gradients, shared by the stepper's tests, and the lesson a page carries."""

from __future__ import annotations

import json
import re

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


def delta_rule_neuron(y=1.0):
    """The lecture's neuron: z = w1·x1 + w2·x2 + b, a = σ(z), with the squared loss L = ½(a − y)²."""
    x1, x2 = Value(1.0, label="x1"), Value(0.5, label="x2")
    w1, w2 = Parameter(0.5, label="w1"), Parameter(-0.3, label="w2")
    b = Parameter(0.1, label="b")
    z = w1 * x1 + w2 * x2 + b
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    L = 0.5 * (a - y) ** 2
    L.label = "L"
    return L, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "z": z, "a": a}


def network(hidden, seed=0):
    """nn.MLP(2, [hidden, 1]) of sigmoid neurons on one sample, with the squared loss L = (y − 1)²."""
    import nn

    model = nn.MLP(2, [hidden, 1], activation="sigmoid", seed=seed)
    y = model([Value(1.0, label="x0"), Value(-0.5, label="x1")])
    L = (y - 1.0) ** 2
    L.label = "L"
    return L, model


def lesson_data(html_text: str) -> dict:
    """The lesson (steps, nodes, numbers) a stepper page carries as JSON for its script."""
    match = re.search(r'<script type="application/json" class="cr-lesson">(.*?)</script>', html_text, re.S)
    assert match is not None, "the page has no lesson"
    return json.loads(match.group(1))
