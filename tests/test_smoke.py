import math

from autograd import Value


def test_one_neuron_matches_hand_derived_chain_rule():
    x, w, b = Value(2.0), Value(-3.0), Value(6.5)
    out = (x * w + b).tanh()
    out.backward()
    slope = 1 - math.tanh(2.0 * -3.0 + 6.5) ** 2
    assert x.grad == slope * -3.0
    assert w.grad == slope * 2.0
    assert b.grad == slope
