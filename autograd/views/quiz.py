"""The stepper's lesson as the board writes it, and the questions its quiz asks.

The page shows each step in the teacher's notation: ``y = r · s = 2 · 3 = 6``
forward; backward, for a Value used once,
``∂L/∂b = ∂L/∂z · ∂z/∂b = (−0.125) · 1 = −0.125``, and for a Value used
more than once one line per path, ``via y: ∂f/∂y · ∂y/∂s = 6 · 2 = 12``,
then their sum ``∂f/∂s = 12 + 12 = 24``. No ``+=``, ``**``, ``if … else`` or
hyphen for a minus sign: powers are superscripts, relu's slope is the case
that holds, numbers carry a true minus sign.

The quiz asks one question per step (and, after the last contribution to a
Value used more than once, the sum of its contributions). Each question
carries what the page needs to judge an answer without guessing:

- ``answer`` and ``accept``: the right number, and the interval of right
  numbers (at a kink every subgradient is right: any slope in [0, 1] for
  relu at 0, in [−1, 1] for abs at 0);
- ``wrong``: the usual mistakes as numbers, most telling first, each with
  the sentence that says what went wrong: a wrong sign, the upstream
  gradient without the local factor, the local derivative alone, a product
  of the wrong factors, the total over all paths where one path's
  contribution is asked, one contribution where the total is asked. Two
  mistakes that give the same number (a local derivative of 1, say) are
  told apart by keeping only the first, and none is a right answer.

An answer x counts as the number t when ``|x − t| <= max(ABS, REL·|t|)``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from ..engine import Value
from .naming import enclosed, in_derivative, is_constant, noise_free, number_text, operand, powered_at

__all__ = [
    "QUIZ_REL_TOLERANCE", "QUIZ_ABS_TOLERANCE", "zero_up_to_rounding", "board_number", "board_factor",
    "board_names", "board_expression", "board_local_name", "board_local_formula", "kink_slopes",
    "Lesson", "matches",
]

#: In question mode an answer x is right when |x - truth| <= max(ABS, REL * |truth|).
QUIZ_REL_TOLERANCE = 1e-2
QUIZ_ABS_TOLERANCE = 1e-3

_MINUS = "\u2212"
_SUPERSCRIPT = str.maketrans("0123456789-−", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁻")


def matches(given: float, truth: float) -> bool:
    """True when ``given`` counts as ``truth`` in the quiz (the page's own rule)."""
    if math.isnan(truth):
        return math.isnan(given)
    if not math.isfinite(truth):
        return given == truth
    return abs(given - truth) <= max(QUIZ_ABS_TOLERANCE, QUIZ_REL_TOLERANCE * abs(truth))


def _near(a: float, b: float) -> bool:
    """True when some answer could count as both ``a`` and ``b``."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return a == b
    def tol(x: float) -> float:
        return max(QUIZ_ABS_TOLERANCE, QUIZ_REL_TOLERANCE * abs(x))

    return abs(a - b) <= tol(a) + tol(b)


# ----------------------------------------------------------------------
# Numbers and formulas as the board writes them


def zero_up_to_rounding(x: float, among: Sequence[float]) -> bool:
    """True when ``x`` is zero up to rounding, by the one rule every view uses (``naming.noise_free``).

    ``0.5 − 0.6 + 0.1`` is 2.776e-17 in floating point; computed from numbers
    near 0.5, it is 0 on the board. The exact float stays in ``.data``.
    """
    return x == 0.0 or (math.isfinite(x) and noise_free(x, among) == 0.0)


def board_number(x: float, fmt: str | None = None, among: Sequence[float] = ()) -> str:
    """``-0.125`` as ``−0.125``: up to 4 significant digits (or ``fmt``), a true minus, never −0.

    With ``among`` (the numbers ``x`` was computed from, for a sum or a
    difference) a result that is zero up to rounding is written 0.
    """
    if among and zero_up_to_rounding(x, among):
        x = 0.0
    return number_text(x, fmt).replace("-", _MINUS)


def board_factor(text: str) -> str:
    """A negative number as a factor gets parentheses: ``6 · (−3)``."""
    return f"({text})" if text.startswith((_MINUS, "-")) else text


def board_names(names: dict[Value, str]) -> dict[Value, str]:
    """The graph's names with a constant's number written with a true minus: ``(−3)``."""
    return {v: name.replace("-", _MINUS) if is_constant(v) else name for v, name in names.items()}


def _power_text(p: float) -> str:
    """The exponent ``p`` as a superscript when it is an integer (``²``, ``⁻¹``), else ``^0.5``."""
    if p.is_integer() and abs(p) < 1e6:
        return format(int(p), "d").translate(_SUPERSCRIPT)
    return "^" + operand(board_number(p, ".6g"))


# How each operation is written on the board; $a and $b are its inputs. The
# functions (exp, tanh, ...) are written as the table writes them, f($a).
_BOARD = {"+": "$a + $b", "-": "$a − $b", "*": "$a · $b", "/": "$a / $b", "**": "$a^$b", "neg": "−$a",
          "abs": "|$a|", "sigmoid": "σ($a)"}


def _template(v: Value) -> str | None:
    op = v.operation
    if op is None or op.text is None:
        return None
    if op.name.startswith("**") and op.name != "**":
        return "$a" + _power_text(float(op.name[2:]))
    return _BOARD.get(op.name, op.text)


def board_expression(v: Value, names: dict[Value, str], operands: dict[Value, str] | None = None) -> str:
    """How ``v`` was computed, on the board: ``r · s``, ``x²``, ``σ(z)``, ``0.5 − 0.6 + 0.1``.

    ``operands`` writes some inputs otherwise (their numbers, for the
    calculation); an operand that is not a single word is put in parentheses
    unless the operation already encloses it (``σ(−0.21)``, never ``σ((−0.21))``).
    """
    operands = operands or {}
    args = [operands.get(x, names[x]) for x in v.inputs]
    template = _template(v)
    if not args:
        return names[v]
    if template is None:  # sum, of any number of inputs
        text = args[0]
        for a in args[1:]:
            text += f" − {a[1:]}" if a.startswith(_MINUS) else f" + {a}"
        return text
    # A function encloses its argument; a sum or difference needs no parentheses for its first term.
    enclosing = template.endswith("($a)") or template == "|$a|" or template.startswith(("$a + ", "$a − "))
    a = args[0] if enclosing else operand(args[0], powered=powered_at(template, 2))
    if template == "$a + $b" and args[-1].startswith(_MINUS):  # 0.5 − 0.6, not 0.5 + (−0.6)
        return f"{a} − {operand(args[-1][1:])}"
    return template.replace("$a", a).replace("$b", operand(args[-1]))


def board_local_name(node: Value, x: Value, root: Value, names: dict[Value, str]) -> str:
    """``∂y/∂s``; at the output's own operation ``∂(t · s)/∂s``, since ``∂f/∂s`` is the gradient."""
    inp = in_derivative(names[x])
    if node is not root:
        return f"∂{in_derivative(names[node])}/∂{inp}"
    what = board_expression(node, names)
    function = re.fullmatch(r"[\wσ]+\(.*\)", what) and enclosed(what[what.index("("):])
    if not function and not re.fullmatch(r"\|[^|]*\|", what):
        what = f"({what})"
    return f"∂{what}/∂{inp}"


def kink_slopes(node: Value, position: int) -> tuple[float, float] | None:
    """At an operation's kink, the least and greatest subgradient (relu at 0: (0, 1)); else None."""
    op = node.operation
    kink = None if op is None else op.kink
    if kink is None or node.inputs[position].data != kink[0]:
        return None
    return float(kink[1].replace(_MINUS, "-")), float(kink[2].replace(_MINUS, "-"))


def kink_note(node: Value, position: int, names: dict[Value, str]) -> str:
    """The sentence about a kink that comes with its question."""
    low, high = kink_slopes(node, position)
    x = names[node.inputs[position]]
    return (f"{node.op} has no derivative at its kink {x} = {board_number(node.operation.kink[0])}: "
            f"every slope from {board_number(low)} to {board_number(high)} is a subgradient there, "
            f"and each one counts.")


def board_local_formula(node: Value, position: int, names: dict[Value, str], number: Callable) -> str:
    """The local derivative of one edge as a formula in the graph's names, or ``""`` when it is a number.

    ``r`` for ∂(r·s)/∂s, ``1 − o²`` for tanh, ``2·x`` for x²; relu's slope
    is the case that holds, ``1, since n = 0.5 > 0``.
    """
    op = node.operation
    if op is None or not op.formulas:
        return ""
    x = node.inputs[position]
    if op.name == "relu":
        if kink_slopes(node, position) is not None:
            return ""
        side = ">" if x.data > 0 else "<"
        return f"{1 if x.data > 0 else 0}, since {names[x]} = {number(x.data)} {side} 0"
    formula = op.formulas[position]
    if " if " in formula:  # a case the table writes as code: the number says it
        return ""
    formula = re.sub(r"\^\(?([−-]?\d+)\)?(?![\d.])", lambda m: m.group(1).translate(_SUPERSCRIPT), formula)
    operands = {"out": names[node]}
    if op.arity in (1, 2):
        operands.update(zip("ab", (names[v] for v in node.inputs)))
    def written(m: re.Match) -> str:
        name = operands.get(m.group(0))
        return m.group(0) if name is None else operand(name, powered=powered_at(formula, m.end()))

    formula = re.sub(r"[A-Za-z_][A-Za-z_0-9]*", written, formula)
    return formula.replace("-", _MINUS)


def _board_sum(terms: Sequence[str]) -> str:
    """``12 + 12``, ``−3 − 1.5``: each term after the first with its own sign."""
    text = terms[0]
    for t in terms[1:]:
        text += f" − {t[1:]}" if t.startswith(_MINUS) else f" + {t}"
    return text


# ----------------------------------------------------------------------
# The lesson: the text of each step and its questions


def _wrong(candidates: list[tuple[float, str]], low: float, high: float) -> list[dict]:
    """The mistakes worth telling apart: none right, none a number an earlier one already explains."""
    kept: list[dict] = []
    for value, why in candidates:
        if not math.isfinite(value):
            continue
        if low - 1e-300 <= value <= high or _near(value, low) or _near(value, high):
            continue
        if any(_near(value, k["value"]) for k in kept):
            continue
        kept.append({"value": value, "why": why})
    return kept


def _question(prompt: str, answer: float, answer_text: str, hint: str, wrong: list[tuple[float, str]],
              accept: tuple[float, float] | None = None, right_note: str = "") -> dict:
    low, high = accept if accept is not None else (answer, answer)
    return {
        "prompt": prompt,
        "answer": answer,
        "answer_text": answer_text,
        "accept": [low, high] if accept is not None else None,
        "hint": hint,
        "wrong": _wrong(wrong, low, high),
        "right_note": right_note,
    }


class Lesson:
    """The board texts and questions of one explanation, for the stepper's page.

    ``explanation`` is ``explain(root)``; ``number`` writes a number as the
    board does (``board_number`` with the page's format).
    """

    def __init__(self, explanation, number: Callable[[float], str]) -> None:
        self.steps = explanation
        self.root = explanation.root
        self.names = board_names(explanation.names)
        self.number = number
        self.out = in_derivative(self.names[self.root])
        self.uses: dict[Value, list] = {}
        for s in explanation:
            self.uses.setdefault(s.input, []).append(s)

    def value_text(self, v: Value) -> str:
        """``v``'s number; the result of a sum or difference that is zero up to rounding is 0."""
        among = [x.data for x in v.inputs] if v.op in ("+", "-", "sum") else ()
        if among and zero_up_to_rounding(v.data, among):
            return self.number(0.0)
        return self.number(v.data)

    def formula(self, v: Value) -> str:
        """``y = r · s`` (a leaf: its name)."""
        return f"{self.names[v]} = {board_expression(v, self.names)}" if v.inputs else self.names[v]

    # ---- forward

    def forward(self, v: Value) -> tuple[str, dict]:
        """``y = r · s = 2 · 3 = 6`` and its question ``y = r · s = ?``."""
        names = self.names
        calculation = board_expression(v, names, {x: self.value_text(x) for x in v.inputs})
        result = self.value_text(v)
        symbolic = board_expression(v, names)
        text = f"{names[v]} = {symbolic} = {calculation} = {result}"
        wrong = [(-v.data, "The sign is wrong: the size is right.")]
        question = _question(f"{names[v]} = {symbolic} = ?", v.data, result, f"{symbolic} = {calculation}",
                             wrong)
        return text, question

    # ---- backward

    def seed(self) -> str:
        out = self.out
        return f"∂{out}/∂{out} = {self.number(self.steps.seed)}   (start: the output with respect to itself)"

    def _local_parts(self, s) -> tuple[str, str, str]:
        """The local derivative's name, its formula ("" when it is a number) and its number."""
        local_name = board_local_name(s.node, s.input, self.root, self.names)
        formula = board_local_formula(s.node, s.position, self.names, self.number)
        local = self.number(s.local)
        if formula in (local, board_factor(local)):  # a constant's slope, (−0.5), is said once
            formula = ""
        return local_name, formula, local

    def _users(self, uses: list) -> str:
        """``f and y``; ``t1, t2 and t3``: the operations that use a Value, each once."""
        users = list(dict.fromkeys(in_derivative(self.names[u.node]) for u in uses))
        return users[0] if len(users) == 1 else ", ".join(users[:-1]) + " and " + users[-1]

    def _via(self, s) -> str:
        """``via y`` (with which input when the operation uses the Value twice)."""
        node = in_derivative(self.names[s.node])
        if sum(1 for x in s.node.inputs if x is s.input) > 1:
            return f"via {node}, input {s.position + 1}"
        return f"via {node}"

    def backward(self, s) -> tuple[str, str, list[dict]]:
        """The step's text, its sum line ("" unless it completes a sum) and its questions."""
        names, number, out = self.names, self.number, self.out
        node, inp = in_derivative(names[s.node]), in_derivative(names[s.input])
        uses = self.uses[s.input]
        local_name, formula, local = self._local_parts(s)
        upstream = board_factor(number(s.upstream))
        product = f"∂{out}/∂{node} · {local_name}"
        several = len(uses) > 1
        head = f"{self._via(s)}: {product}" if several else f"∂{out}/∂{inp} = {product}"
        calculation = f"{upstream} · {_grouped(formula)} = " if formula else ""
        contribution = number(s.contribution)
        where = f"{names[s.node]} = {board_expression(s.node, names)}"
        slopes = kink_slopes(s.node, s.position)
        if slopes is not None:
            where += (f"; at the kink {names[s.input]} = {number(s.input.data)} every slope from "
                      f"{number(slopes[0])} to {number(slopes[1])} is a subgradient, and backward "
                      f"uses {local}, as PyTorch does")
        text = f"{head} = {calculation}{upstream} · {board_factor(local)} = {contribution}   ({where})"

        # The question of this edge.
        k = next(i for i, u in enumerate(uses) if u is s)
        lines = []
        if slopes is not None:
            lines.append(kink_note(s.node, s.position, names))
        if several:
            lines.append(f"{names[s.input]} is used {_times(len(uses))} (by {self._users(uses)}): "
                         f"its contribution via {node}, {k + 1} of {len(uses)}.")
        lines.append(f"{head} = ?")
        hint_local = f"{local_name} = {formula}" if formula else f"{local_name}: the slope of {where}"
        hint = f"{hint_local}; multiply it by ∂{out}/∂{node} = {number(s.upstream)}, already known"
        accept = None
        right_note = ""
        if slopes is not None:
            ends = sorted((s.upstream * slopes[0], s.upstream * slopes[1]))
            accept = (ends[0], ends[1])
            right_note = (f"Every slope from {number(slopes[0])} to {number(slopes[1])} is a subgradient at "
                          f"the kink; backward uses {local}, as PyTorch does, and the next steps go on "
                          f"with it: "
                          f"{product} = {upstream} · {board_factor(local)} = {contribution}.")
        wrong = []
        if several:
            wrong.append((uses[-1].total,
                          f"That is ∂{out}/∂{inp}, the total over {_all_paths(len(uses))}. This step asks "
                          f"for the contribution via {node} alone: {product}."))
        wrong.append((s.upstream, f"That is ∂{out}/∂{node} = {number(s.upstream)}, the upstream gradient "
                                  f"alone: multiply it by the local derivative {local_name}."))
        wrong.append((s.local, f"That is the local derivative {local_name} alone: multiply it by the "
                               f"upstream gradient ∂{out}/∂{node} = {number(s.upstream)}."))
        wrong.extend(self._wrong_factors(s, local_name, formula))
        wrong.append((-s.contribution, "The sign is wrong: the size is right. Check the sign of the local "
                                       f"derivative {local_name} and of ∂{out}/∂{node}."))
        question = _question("\n".join(lines), s.contribution, contribution, hint, wrong, accept, right_note)
        questions = [question]

        sum_line = ""
        if several and s is uses[-1]:
            terms = [number(u.contribution) for u in uses]
            total = number(s.total)
            sum_line = f"∂{out}/∂{inp} = {_board_sum(terms)} = {total}"
            questions.append(self._sum_question(s, uses, terms))
        return text, sum_line, questions

    def _wrong_factors(self, s, local_name: str, formula: str) -> list[tuple[float, str]]:
        """The upstream gradient times a factor that is not this edge's local derivative."""
        names, out = self.names, self.out
        node = in_derivative(names[s.node])
        right = f"{local_name} = {formula}" if formula else f"{local_name} = {self.number(s.local)}"
        found: list[tuple[float, str]] = []
        locals_ = s.node.local_grads()
        for j, other in enumerate(s.node.inputs):
            if j == s.position or other is s.input or is_constant(other):
                continue
            other_name = board_local_name(s.node, other, self.root, names)
            found.append((s.upstream * locals_[j],
                          f"That is ∂{out}/∂{node} · {other_name}, the local derivative for "
                          f"{names[other]}, a product of the wrong factors: here {right}."))
        found.append((s.upstream * s.input.data,
                       f"That is ∂{out}/∂{node} · {names[s.input]}, a product of the wrong factors: "
                       f"the local derivative is not {names[s.input]} itself; {right}."))
        found.append((s.upstream * s.node.data,
                       f"That is ∂{out}/∂{node} · {names[s.node]}, a product of the wrong factors: "
                       f"the local derivative is not {names[s.node]} itself; {right}."))
        return found

    def _sum_question(self, s, uses: list, terms: list[str]) -> dict:
        out, inp = self.out, in_derivative(self.names[s.input])
        total = s.total
        among = [u.contribution for u in uses]
        total_text = self.number(0.0 if zero_up_to_rounding(total, among) else total)
        low = high = 0.0
        for u in uses:
            slopes = kink_slopes(u.node, u.position)
            if slopes is None:
                low += u.contribution
                high += u.contribution
            else:
                ends = sorted((u.upstream * slopes[0], u.upstream * slopes[1]))
                low += ends[0]
                high += ends[1]
        accept = (low, high) if low != high else None
        wrong = []
        for u in uses:
            # Equal contributions are one mistake: it names every path it could be.
            paths = " or ".join(self._via(w) for w in uses if _near(w.contribution, u.contribution))
            wrong.append((u.contribution, f"That is one path's contribution ({paths}) alone: ∂{out}/∂{inp} "
                                          f"adds up the contributions of {_all_paths(len(uses))}."))
        product = math.prod(u.contribution for u in uses)
        wrong.append((product, "That is their product: the contributions of the paths add up."))
        wrong.append((-total, "The sign is wrong: the size is right."))
        hint = f"add up the contributions of {_all_paths(len(uses))}: {_board_sum(terms)}"
        return _question(f"∂{out}/∂{inp} = {_board_sum(terms)} = ?", total, total_text, hint, wrong, accept)

    # ---- the panel of a clicked box

    def panel(self, v: Value) -> dict:
        """What a click on ``v``'s box shows: how it was computed, then (once known) its gradient."""
        names, number, out = self.names, self.number, self.out
        name = in_derivative(names[v])
        waiting = {
            "value_unknown": f"{names[v]} = {board_expression(v, names)} = ?   (computed forward)",
            "gradient_unknown": f"∂{out}/∂{name} = ?   (known once the backward steps reach {names[v]})",
        }
        if is_constant(v) and v is not self.root:
            return {"value": [f"the constant {names[v]}: a plain number, it gets no gradient "
                              "(nobody asks how the output changes with it)"], "gradient": [], **waiting}
        if v.inputs:
            value = [f"{names[v]} = {board_expression(v, names)} = {self.value_text(v)}"]
        else:
            value = [f"{names[v]} = {self.value_text(v)} (a leaf: given)"]
        if v is self.root:
            return {"value": value, "gradient": [f"∂{out}/∂{out} = {number(self.steps.seed)}   "
                                                 "(the output with respect to itself)"], **waiting}
        uses = self.uses.get(v, [])
        if not uses:
            unused = f"∂{out}/∂{name} = 0: no path leads from {names[v]} to the output"
            return {"value": value, "gradient": [unused], **waiting}
        gradient = []
        if len(uses) > 1:
            gradient.append(f"{names[v]} is used by {self._users(uses)}: "
                            f"∂{out}/∂{name} = Σ ∂{out}/∂c · ∂c/∂{name} over them")
        for u in uses:
            text, sum_line, _ = self.backward(u)
            gradient.append(text.replace("   (", "\n   (", 1))
            if sum_line:
                gradient.append(sum_line)
        return {"value": value, "gradient": gradient, **waiting}


def _times(k: int) -> str:
    return "twice" if k == 2 else f"{k} times"


def _all_paths(k: int) -> str:
    return "both paths" if k == 2 else f"all {k} paths"


def _grouped(formula: str) -> str:
    """A formula that is a sum or a sentence, as a factor: ``0.5 · (1 − o²)``."""
    depth = 0
    for i, ch in enumerate(formula):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and (ch in " +" or (ch in "-−" and i == 0)):
            return f"({formula})"
    return formula
