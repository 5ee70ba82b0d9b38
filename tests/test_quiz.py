"""The stepper's lesson data: board notation, and the quiz's answers, mistakes and kinks, checked as data.

The same questions in a real browser are tested in test_quiz_browser.py.
"""

import itertools
import math
import re

import pytest
from browser import require_renderer
from lecture_graphs import abs_kink, network_221, relu_kink, sigmoid_neuron, sin_square, xyz
from stepper_graphs import lesson_data as page_lesson

pytest.importorskip("graphviz")

from autograd import Value, explain  # noqa: E402
from autograd.views.quiz import matches, zero_up_to_rounding  # noqa: E402
from autograd.views.stepper import stepper_html  # noqa: E402

require_renderer()

LESSONS = [xyz, sin_square, sigmoid_neuron, network_221, relu_kink, abs_kink]


def lesson_data(root, **options):
    return page_lesson(stepper_html(root, **options))


def texts(data):
    """Every line the page can show: steps, sums, questions, hints, feedback, panels, the table."""
    for s in data["steps"]:
        yield s["text"]
        yield s.get("sum", "")
        for q in s.get("questions", []):
            yield q["prompt"]
            yield q["hint"]
            yield q["answer_text"]
            yield q["right_note"]
            yield from (w["why"] for w in q["wrong"])
    for n in data["nodes"]:
        yield n["formula"]
        yield n["data_text"]
        for part in ("value", "gradient"):
            yield from n["panel"][part]
        yield n["panel"]["value_unknown"]
        yield n["panel"]["gradient_unknown"]
    yield from (e["text"] for e in data["edges"])


def question(data, prompt_end):
    return next(q for s in data["steps"] for q in s.get("questions", []) if q["prompt"].endswith(prompt_end))


def mistake(q, words):
    found = [w for w in q["wrong"] if words in w["why"]]
    assert len(found) == 1, (words, q["wrong"])
    return found[0]["value"]


# ----------------------------------------------------------------------
# Board notation


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda f: f.__name__)
def test_every_text_reads_as_the_board(lesson):
    L, _ = lesson()
    for line in texts(lesson_data(L)):
        assert "+=" not in line and "**" not in line and " if " not in line, line
        assert not re.search(r"\(\([^()]*\)\)", line), line  # tanh((−0.21))
        # A minus sign is the true one: no hyphen before a digit or a name.
        assert not re.search(r"(^|[\s(=·])-", line), line


def test_a_value_used_once_is_its_one_product():
    L, _ = sigmoid_neuron()
    data = lesson_data(L)
    step_b = next(s for s in data["steps"] if s["kind"] == "backward" and s["text"].startswith("∂L/∂b"))
    assert step_b["text"].split("   (")[0] == "∂L/∂b = ∂L/∂z · ∂z/∂b = (−0.125) · 1 = −0.125"
    assert step_b["sum"] == ""


def test_a_value_used_twice_has_a_line_per_path_then_their_sum():
    f, v = xyz()
    data = lesson_data(f)
    last_s = [s for s in data["steps"] if s["text"].startswith("via y: ∂f/∂y · ∂y/∂s")]
    assert len(last_s) == 1
    # ∂f/∂y = x·z = r·s = 6 and ∂y/∂s = r = 2, by hand
    assert last_s[0]["text"].split("   (")[0] == "via y: ∂f/∂y · ∂y/∂s = 6 · r = 6 · 2 = 12"
    assert last_s[0]["sum"] == "∂f/∂s = 12 + 12 = 24"  # 2·r²·s, by hand


def test_powers_are_superscripts_and_functions_enclose_their_number_once():
    f, _ = sin_square()
    lines = [s["text"] for s in lesson_data(f)["steps"]]
    assert lines[0] == "u = x² = 1.5² = 2.25"
    assert lines[1] == f"f = sin(u) = sin(2.25) = {math.sin(2.25):.4g}"
    neg = (Value(-0.21, label="n")).tanh()
    assert lesson_data(neg)["steps"][0]["text"].startswith("L = tanh(n) = tanh(−0.21) = −0.2")


def test_relus_slope_is_the_case_that_holds():
    n = Value(0.5, label="n")
    out = n.relu() * 2.0
    texts_ = [s["text"] for s in lesson_data(out)["steps"] if s["kind"] == "backward"]
    assert "1, since n = 0.5 > 0" in texts_[-1]


def test_rounding_noise_reads_zero_and_the_exact_float_stays():
    L, v = sigmoid_neuron()
    z = v["z"]
    assert z.data != 0.0 and abs(z.data) < 1e-16  # 0.5 − 0.6 + 0.1 in floating point
    data = lesson_data(L)
    node = next(n for n in data["nodes"] if n["name"] == "z")
    assert node["data_text"] == "0" and node["data"] == z.data
    assert zero_up_to_rounding(z.data, [0.5 - 0.6, 0.1])
    assert not zero_up_to_rounding(1e-20, [1e-20])  # a small number computed from small numbers is no noise


# ----------------------------------------------------------------------
# Questions, answers and the mistakes they recognise


def test_the_answers_are_the_engines_numbers():
    L, _ = network_221()
    data = lesson_data(L)
    steps = explain(L)
    backward = [s for s in data["steps"] if s["kind"] == "backward"]
    assert [s["questions"][0]["answer"] for s in backward] == [s.contribution for s in steps]
    L.backward()
    sums = [s["questions"][1] for s in backward if len(s["questions"]) == 2]
    sums_expected = [s.total for s in steps if s.sum_of]
    assert [q["answer"] for q in sums] == sums_expected
    # the gradient a student finishes with is backward's, to the last bit
    by_name = {steps.names[v]: v.grad for v in steps.order}
    for s in backward:
        if s["sum"]:
            name = s["sum"].split(" = ")[0].split("∂")[-1]
            assert s["questions"][-1]["answer"] == by_name[name]


def test_a_single_path_question_names_each_kind_of_mistake():
    f, v = xyz()
    r, s = v["r"].data, v["s"].data
    q = question(lesson_data(f), "∂f/∂y = ∂f/∂t · ∂t/∂y = ?")
    assert q["answer"] == r * s  # ∂f/∂y = x·z = r·s
    assert mistake(q, "the upstream gradient alone") == s  # ∂f/∂t = s
    assert mistake(q, "local derivative ∂t/∂y alone") == r  # ∂t/∂y = r
    assert mistake(q, "sign is wrong") == -r * s
    assert mistake(q, "∂f/∂t · ∂t/∂r") == s * (r * s)  # ∂t/∂r = y = r·s, the other input's factor


def test_a_contribution_question_names_the_total_and_the_sum_question_one_contribution():
    f, v = xyz()
    r, s = v["r"].data, v["s"].data
    data = lesson_data(f)
    q = question(data, "via y: ∂f/∂y · ∂y/∂s = ?")
    assert "s is used twice (by f and y)" in q["prompt"]
    assert q["answer"] == r * s * r  # ∂f/∂y · ∂y/∂s = (r·s)·r
    assert mistake(q, "the total over both paths") == 2 * r * r * s
    total = question(data, "∂f/∂s = 12 + 12 = ?")
    assert total["answer"] == 2 * r * r * s
    assert mistake(total, "one path's contribution (via f or via y) alone") == r * r * s
    assert mistake(total, "their product") == (r * r * s) ** 2


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda f: f.__name__)
def test_mistakes_are_told_apart_and_none_is_right(lesson):
    L, _ = lesson()
    for s in lesson_data(L)["steps"]:
        for q in s.get("questions", []):
            low, high = q["accept"] or (q["answer"], q["answer"])
            values = [w["value"] for w in q["wrong"]]
            for x in values:
                assert not (low <= x <= high), (q["prompt"], x)
                assert not matches(x, low) and not matches(x, high), (q["prompt"], x)
            for x, y in itertools.combinations(values, 2):
                # no typed number counts as two mistakes
                assert not matches(x, y) and not matches(y, x), (q["prompt"], x, y)


def test_when_two_mistakes_give_one_number_the_most_telling_is_kept():
    # At ∂f/∂t the upstream gradient is ∂f/∂f = 1: the local derivative alone is the right answer,
    # and the local of the other input (t) is ∂f/∂f · t: one mistake, named as the wrong factor.
    f, v = xyz()
    q = question(lesson_data(f), "∂f/∂t = ∂f/∂f · ∂(t · s)/∂t = ?")
    assert not any("local derivative ∂(t · s)/∂t alone" in w["why"] for w in q["wrong"])
    assert mistake(q, "∂(t · s)/∂s, the local derivative for s") == v["t"].data
    assert not any("∂f/∂f · s," in w["why"] for w in q["wrong"])  # s is the right answer here
    # Where the local derivative is −1, the upstream alone is also the wrong sign:
    # the missing factor is named.
    a, b = Value(2.0, label="a"), Value(5.0, label="b")
    d = a - b
    d.label = "d"
    out = d * 3.0
    out.label = "out"
    q = question(lesson_data(out), "∂out/∂b = ∂out/∂d · ∂d/∂b = ?")
    assert q["answer"] == -3.0
    assert mistake(q, "the upstream gradient alone") == 3.0
    assert not any("sign is wrong" in w["why"] for w in q["wrong"])


@pytest.mark.parametrize("lesson, slopes", [(relu_kink, (0.0, 1.0)), (abs_kink, (-1.0, 1.0))],
                         ids=["relu", "abs"])
def test_at_a_kink_every_subgradient_counts_and_the_note_comes_with_the_question(lesson, slopes):
    o, v = lesson()
    data = lesson_data(o)
    q = question(data, f"∂o/∂n = ∂o/∂o · ∂{'relu(n)' if lesson is relu_kink else '|n|'}/∂n = ?")
    assert q["accept"] == list(slopes)  # upstream ∂o/∂o = 1
    assert "no derivative at its kink n = 0" in q["prompt"] and "each one counts" in q["prompt"]
    assert q["answer"] == 0.0  # backward's own choice, as PyTorch's
    assert "backward uses 0" in q["right_note"]
    # upstream 2: the interval scales with it
    twice = lesson()[0] * 2.0
    q2 = question(lesson_data(twice), "/∂n = ?")
    assert q2["accept"] == sorted([2 * slopes[0], 2 * slopes[1]])


def test_a_forward_question_names_a_wrong_sign():
    f, _ = xyz()
    q = question(lesson_data(f), "y = r · s = ?")
    assert q["answer"] == 6.0 and mistake(q, "sign is wrong") == -6.0


# ----------------------------------------------------------------------
# What the arrows carry


def test_every_arrow_has_its_local_derivative_and_the_step_that_asks_it():
    L, _ = sigmoid_neuron()
    data = lesson_data(L)
    steps = explain(L)
    index = {v: i for i, v in enumerate(steps.order)}
    edges = {(e["node"], e["position"]): e for e in data["edges"]}
    assert len(edges) == sum(len(v.inputs) for v in steps.order)
    for k, s in enumerate(data["steps"]):
        if s["kind"] == "backward":
            assert edges[s["node"], s["position"]]["step"] == k
    for v in steps.order:
        for p, local in enumerate(v.local_grads()):
            assert edges[index[v], p]["text"] == format(local, ".4g").replace("-", "−")
