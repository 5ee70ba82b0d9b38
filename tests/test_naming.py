"""Every node of a lesson has a name of its own, whatever the labels say."""

import re

import pytest

from autograd import Value, explain
from autograd.views.naming import number_text


def graph(labels):
    """A product of leaves with the given labels (None: a constant 2), times an unlabelled 3."""
    leaves = [Value(float(k + 2), label=label) if label is not None else Value(2.0)
              for k, label in enumerate(labels)]
    out = leaves[0]
    for leaf in leaves[1:]:
        out = out * leaf
    return out * 3, leaves


CASES = [
    ["a", "a", "a#2"],
    ["a#2", "a", "a"],
    ["a", "a", "a#2", "a#3", "a"],
    ["t1", "t2", "x"],
    ["L", "out", "L#2", "x"],
    ["2", None, None, "x"],
    ["(2)", None, "3", "x"],
    ["x", "x", "t1", "L#2", "L", "out"],
]


@pytest.mark.parametrize("labels", CASES)
def test_explain_names_every_node_differently(labels):
    out, _ = graph(labels)
    steps = explain(out)
    assert len(set(steps.names.values())) == len(steps.order)


@pytest.mark.parametrize("labels", CASES)
def test_a_label_met_first_keeps_its_exact_text(labels):
    out, leaves = graph(labels)
    names = explain(out).names
    first = {}
    for leaf in leaves:
        if leaf.label:
            first.setdefault(leaf.label, leaf)
    for label, leaf in first.items():
        assert names[leaf] == label


def test_labels_a_a_and_a2_are_three_names_in_the_printed_steps():
    a1, a2, a3 = Value(1.0, label="a"), Value(2.0, label="a"), Value(3.0, label="a#2")
    L = a1 * a2 * a3
    L.label = "L"
    text = str(explain(L))
    # Each leaf receives exactly one step; read back who received which number.
    received = dict(re.findall(r"^∂L/∂\(?([^)\s]+)\)? = .* = (\S+)   \(", text, flags=re.M))
    assert received["a"] == number_text(2.0 * 3.0)
    assert received["a#2"] == number_text(1.0 * 2.0)
    assert received["a#3"] == number_text(1.0 * 3.0)


def test_two_equal_constants_are_both_written_as_their_number():
    x = Value(1.5, label="x")
    out = 2 * x + 2 * x
    text = str(explain(out))
    assert "(t1 = 2 · x)" in text and "(t2 = 2 · x)" in text


def test_unlabelled_variables_are_named_apart_from_constants():
    u, v = Value(2.0), Value(2.0)
    out = u * v * 2
    names = explain(out).names
    assert (names[u], names[v]) == ("x1", "x2")
    assert "(t1 = x1 · x2)" in str(explain(out))


def test_drawn_boxes_carry_distinct_names():
    pytest.importorskip("graphviz")
    from autograd import draw

    out, _ = graph(["a", "a", "a#2", "t1", "L"])
    out.label = ""
    source = draw(out).source
    # The first field of every box is the name of its Value (constants show no name).
    names = re.findall(r'label="\{ ([^|]+?) \| data', source)
    shown = [v for v in explain(out).order if v.inputs or v.label]
    assert len(names) == len(set(names)) == len(shown)
