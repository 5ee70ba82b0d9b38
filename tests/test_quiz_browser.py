"""The quiz in a real browser, driven as a student does: by the answer box and the buttons' names.

The numbers the page must not show are computed here from the engine: the
forward values, the contributions and totals of backward, and the local
derivatives of the arrows, of every question not yet answered.
"""

import re

import pytest
from browser import browser, require_renderer, stepper_pages  # noqa: F401 (browser is a fixture)
from lecture_graphs import abs_kink, network_221, relu_kink, sigmoid_neuron, sin_square, xyz

require_renderer()

from autograd import Constant, explain  # noqa: E402

pytestmark = pytest.mark.browser


@pytest.fixture
def open_page(browser, tmp_path):  # noqa: F811 (the fixture imported above)
    yield from stepper_pages(browser, tmp_path, reduced_motion=False)


def answer_box(page):
    return page.get_by_label("Your answer")


def check(page, text):
    answer_box(page).fill(text)
    page.get_by_role("button", name="Check").click()
    return feedback(page)


def feedback(page):
    box = page.locator(".cr-feedback")
    return box.inner_text() if box.is_visible() else ""


def press_next(page):
    page.get_by_role("button", name="Next").first.click()


def asking(page):
    return answer_box(page).is_visible()


# ----------------------------------------------------------------------
# What a student sees, and what it must not contain

_NUMBER = re.compile(r"(?<![\w.])[−-]?\d+(?:\.\d+)?(?:e[−+-]?\d+)?(?![\w.])")

# The places of the page that write numbers of the lesson (the counters and the score count steps).
_SHOWN = """root => {
  const out = [];
  for (const sel of [".cr-current", ".cr-feedback", ".cr-panel-text", ".cr-values", ".cr-steps", ".cr-ask"]) {
    const e = root.querySelector(sel);
    if (e && e.offsetParent !== null) out.push(e.innerText);
  }
  for (const svg of root.querySelectorAll("svg.cr-svg:not([hidden])")) {
    for (const t of svg.querySelectorAll("text, title")) out.push(t.textContent);
  }
  return out.join("\\n");
}"""


def shown_numbers(page):
    text = page.locator(".chainrule-stepper").evaluate(_SHOWN)
    return {m.replace("−", "-") for m in _NUMBER.findall(text)}


def written(x):
    """The ways the page may write x: up to 4 significant digits, or 0 for rounding noise."""
    texts = {format(0.0 if x == 0 else x, ".4g")}
    if abs(x) < 1e-12:
        texts.add("0")
    return texts


class Lecture:
    """The questions of a lesson in the page's order, with what each answer makes known (from the engine)."""

    def __init__(self, root):
        steps = explain(root)
        self.questions = []  # (answer, numbers it makes known)
        order = steps.order
        for v in order:
            if v.inputs:
                constants = [g for x, g in zip(v.inputs, v.local_grads())
                             if isinstance(x, Constant) and not x.label]
                self.questions.append((v.data, [v.data, *constants]))
        uses = {}
        for s in steps:
            uses.setdefault(s.input, []).append(s)
        for s in steps:
            self.questions.append((s.contribution, [s.contribution, s.local, s.total]))
            if len(uses[s.input]) > 1 and s is uses[s.input][-1]:
                self.questions.append((s.total, [s.total]))
        self.given = [v.data for v in order if not v.inputs] + [steps.seed]

    def forbidden(self, k):
        """The written forms of numbers that answer question k or a later one, minus what is known by then."""
        known = set()
        for x in self.given:
            known |= written(x)
        for _, numbers in self.questions[:k]:
            for x in numbers:
                known |= written(x)
        pending = set()
        for _, numbers in self.questions[k:]:
            for x in numbers:
                pending |= written(x)
        return pending - known


def walk_and_scan(page, root):
    """Answer every question right; before each, no number it or a later one answers is on the screen."""
    lecture = Lecture(root)
    for summary in page.locator(".cr-details summary").all():
        summary.click()  # "Every value" and "Steps so far" open: they are scanned too
    k = 0
    output = page.locator(".cr-svg-full [data-cr-id^='n']").last
    output.dispatch_event("click")  # a box's panel open all along
    while True:
        if asking(page):
            leaked = shown_numbers(page) & lecture.forbidden(k)
            asked = page.inner_text(".cr-current")
            assert not leaked, f"question {k + 1} ({asked!r}): {sorted(leaked)} shown"
            answer, _ = lecture.questions[k]
            text = check(page, repr(answer))
            assert text.startswith("Right") or (text == "" and asking(page)), text
            k += 1
            continue
        if page.get_by_role("button", name="Next").first.is_disabled():
            break
        press_next(page)
    assert k == len(lecture.questions)


@pytest.mark.parametrize("lesson", [xyz, sin_square])
def test_no_number_is_shown_before_its_question_is_answered(open_page, lesson):
    root, _ = lesson()
    walk_and_scan(open_page(root, quiz=True), root)


@pytest.mark.slow
@pytest.mark.parametrize("lesson", [sigmoid_neuron, network_221])
def test_no_number_is_shown_before_its_question_is_answered_in_a_neuron_and_a_network(open_page, lesson):
    root, _ = lesson()
    walk_and_scan(open_page(root, quiz=True), root)


def test_the_quiz_asks_y_while_no_arrow_reads_6(open_page):
    # The issue's own case: "y = r · s = ?" asked while the arrow r → × already read 6.
    f, _ = xyz()
    page = open_page(f, quiz=True)
    press_next(page)
    assert page.inner_text(".cr-current") == "y = r · s = ?"
    labels = page.eval_on_selector_all(".cr-svg-full .edge text", "ts => ts.map(t => t.textContent)")
    assert labels and all(t == "" for t in labels)


def test_without_questions_an_arrow_shows_its_local_derivative_once_its_values_are_known(open_page):
    f, v = xyz()
    page = open_page(f)
    order = explain(f).order
    y = order.index(v["y"])

    def label(node, p):
        return page.locator(f".cr-svg-full [data-cr-id='e{node}_{p}'] text").last.text_content()

    assert label(y, 0) == ""  # ∂y/∂r = s is known only once y = r · s is computed
    press_next(page)
    assert (label(y, 0), label(y, 1)) == ("3", "2")  # ∂y/∂r = s = 3, ∂y/∂s = r = 2
    assert label(order.index(f), 0) == ""


# ----------------------------------------------------------------------
# Feedback that says what went wrong


def at_step_of(root, input_label, via_label):
    """The address of the backward step that passes ∂out/∂(via) back to the Value labelled input_label."""
    steps = explain(root)
    forward = sum(1 for v in steps.order if v.inputs)
    j = next(j for j, s in enumerate(steps) if s.input.label == input_label and s.node.label == via_label)
    return f"#step={forward + 1 + j + 1}"  # the forward steps, the start, then backward up to this one


MISTAKES = [
    ("-6", "The sign is wrong"),                                   # −(r·s)
    ("3", "That is ∂f/∂t = 3, the upstream gradient alone"),      # ∂f/∂t = s, no ∂t/∂y
    ("2", "That is the local derivative ∂t/∂y alone"),            # ∂t/∂y = r, no ∂f/∂t
    ("18", "∂f/∂t · ∂t/∂r, the local derivative for r"),          # s · y: the other input's factor
    ("7", "Hint: ∂t/∂y = r; multiply it by ∂f/∂t = 3"),           # nothing recognisable: the formula
]


def test_each_kind_of_mistake_gets_its_own_feedback(open_page):
    f, _ = xyz()
    page = open_page(f, quiz=True, address=at_step_of(f, "y", "t"))
    assert page.inner_text(".cr-current") == "∂f/∂y = ∂f/∂t · ∂t/∂y = ?"
    seen = set()
    for typed, says in MISTAKES:
        text = check(page, typed)
        assert text.startswith(f"Not quite (you wrote {typed}).") and says in text, text
        assert "Try again" in text
        seen.add(text)
    assert len(seen) == len(MISTAKES)
    assert check(page, "6") == "Right: 6"  # ∂f/∂y = x·z = r·s


def test_the_total_where_a_contribution_is_asked_then_the_sum_is_asked(open_page):
    f, v = xyz()
    f.backward()
    page = open_page(f, quiz=True, address=at_step_of(f, "s", "y"))
    assert "s is used twice (by f and y)" in page.inner_text(".cr-current")
    text = check(page, "24")  # ∂f/∂s, the total over both paths
    assert "That is ∂f/∂s, the total over both paths" in text
    s_row = page.locator(".cr-values tr").filter(has=page.locator("td.cr-name", has_text=re.compile("^s$")))
    assert s_row.locator(".cr-grad").text_content() == "12"  # the contribution via f, so far
    check(page, "12")
    # the contribution is right: the sum is asked next, and the feedback of the last answer is gone
    assert page.inner_text(".cr-current").endswith("∂f/∂s = 12 + 12 = ?")
    assert feedback(page) == ""
    assert "via y: ∂f/∂y · ∂y/∂s = 12   ✓" in page.inner_text(".cr-current")
    assert s_row.locator(".cr-grad").text_content() == "12"  # not yet the sum
    text = check(page, "12")  # one contribution where the total is asked
    assert "That is one path's contribution (via f or via y) alone" in text
    assert "Right: 24" in check(page, "24")
    assert s_row.locator(".cr-grad").text_content() == "24" == format(v["s"].grad, "g")


def test_the_feedback_of_a_question_is_gone_when_the_next_is_asked(open_page):
    f, _ = xyz()
    page = open_page(f, quiz=True)
    press_next(page)
    assert check(page, "6") == "Right: 6"
    press_next(page)
    assert page.inner_text(".cr-current") == "t = r · y = ?"
    assert feedback(page) == ""
    assert check(page, "5").startswith("Not quite")
    page.get_by_role("button", name="Reveal").click()
    assert feedback(page) == "The answer: 12"
    press_next(page)
    assert feedback(page) == ""


@pytest.mark.parametrize("lesson, right, wrong", [
    (relu_kink, ["0", "0.5", "1"], ["1.5", "-0.5"]), (abs_kink, ["-1", "0.3", "1"], ["-1.2"]),
], ids=["relu", "abs"])
def test_at_a_kink_every_subgradient_counts(open_page, lesson, right, wrong):
    o, _ = lesson()
    page = open_page(o, quiz=True, address=at_step_of(o, "n", "o"))
    for k, typed in enumerate(right + wrong):
        if k:
            page.reload()  # the same question, unanswered again
        prompt = page.inner_text(".cr-current")
        assert prompt.endswith("/∂n = ?")
        assert "no derivative at its kink n = 0" in prompt and "each one counts" in prompt
        # the arrow of the kink carries no 0 before the question is answered
        assert page.locator(".cr-svg-full .edge.cr-active text").last.text_content() == ""
        text = check(page, typed)
        if typed in right:
            assert text.startswith("Right: " + typed.replace("-", "−")) and "backward uses 0" in text
            assert page.locator(".cr-svg-full .edge.cr-active text").last.text_content() == "0"
        else:
            assert text.startswith("Not quite"), text


def test_a_tooltip_says_no_more_than_its_element_shows(tmp_path, browser):  # noqa: F811
    # A drawing may carry tooltips (<title>) with exact numbers: they wait as the labels do.
    from autograd.views.stepper import stepper_html

    f, v = xyz()
    order = explain(f).order
    y = order.index(v["y"])
    text = stepper_html(f, quiz=True)
    for element, kind, tip in ((f"e{y}_0", "edge", "3.0"), (f"n{y}", "node", "6.0")):  # ∂y/∂r = s, y = r·s
        head = f'data-cr-id="{element}" class="{kind}">'
        text = text.replace(head, f"{head}<title>{tip}</title>", 1)
    path = tmp_path / "titles.html"
    path.write_text(text, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        page.goto(path.as_uri())

        def titles():
            return [page.locator(f".cr-svg-full [data-cr-id='{i}'] > title").text_content()
                    for i in (f"e{y}_0", f"n{y}")]

        assert titles() == ["", ""]
        press_next(page)
        assert titles() == ["", ""]  # asked, not answered
        check(page, "6")
        assert titles() == ["", ""]  # y is known, its gradient and ∂y/∂r are not yet
        page.get_by_role("button", name="End").click()
        assert titles() == ["3.0", "6.0"]
    finally:
        page.close()
