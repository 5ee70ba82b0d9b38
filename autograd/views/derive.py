"""Derivations: ∂L/∂w written out as the chain rule gives it, path by path.

``derive(L, w)`` finds every path from ``w`` up to ``L`` in the graph. Along
one path the chain rule multiplies the local derivatives of the operations
it passes through; over several paths it adds those products::

    ∂L/∂w = Σ over paths  Π over the path's edges  ∂(output)/∂(input)

Each local derivative is the table's formula for its operation, written in
the graph's names (a Value without a label is written as the expression that
computed it, ``a − y``), so that a homework's update rule can be read off:

    >>> d = derive(L, w11)
    >>> print(d.text)
    ∂L/∂w11 = 2(a − y) · a(1 − a) · v1 · (1 − h1²) · x1

``d.code`` is the source of a Python function of the leaves' values that
evaluates the formula with ``math`` alone, to check the derivation at any
numbers; ``d.update_rule()`` writes ``w11 ← w11 − η · …``.
"""

from __future__ import annotations

import keyword
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from string import Template

from ..engine import Value
from ..graph import topological_order
from . import latex_lines
from .naming import (
    SCRIPT_CHARS,
    is_constant,
    is_word,
    latex_label,
    node_names,
    operand,
    powered_at,
    typeset,
    visible,
)

__all__ = ["Derivation", "TooManyPathsError", "derive", "MAX_PATHS"]

#: Past this many paths a sum of products teaches nothing; the layer view does.
MAX_PATHS = 64

# An unlabelled intermediate is written as its expression up to this length,
# beyond it by its name, with the expression in ``where``.
_INLINE_LENGTH = 32


class TooManyPathsError(ValueError):
    """The derivative has too many paths to write out as a sum of products."""


@dataclass(frozen=True)
class Derivation:
    """∂output/∂target as a sum, over the paths between them, of products of local derivatives.

    - ``output``, ``target``: the Values; ``names``: the names used;
    - ``paths``: one product per path, as text (``2(a − y) · a(1 − a) · x1``);
    - ``text``, ``latex``: the whole equation;
    - ``where``: definitions of the names that stand for long expressions;
    - ``code``: a Python function of the leaves that computes the formula.
    """

    output: Value
    target: Value
    lhs: str
    paths: tuple[str, ...]
    latex_paths: tuple[str, ...]
    where: tuple[str, ...]
    code: str
    function_name: str
    parameters: tuple[str, ...] = field(default=())
    target_name: str = ""
    # Each typeset name with sub- or superscripts (w⁽¹⁾₁₂) and its TeX (w_{12}^{(1)}).
    tex_names: tuple[tuple[str, str], ...] = field(default=())

    @property
    def formula(self) -> str:
        """The right-hand side: the sum of the paths' products (``0`` when no path joins them)."""
        return _sum(self.paths)

    @property
    def text(self) -> str:
        lines = [f"{self.lhs} = {self.formula}"]
        lines.extend(f"  where {w}" for w in self.where)
        return "\n".join(lines)

    @property
    def latex(self) -> str:
        r"""The equation in LaTeX math, to be set as a display (``\[ … \]``, ``equation*``).

        An equation wider than a default ``article``'s text width comes as an
        ``aligned`` block (amsmath) that TeX sets as it is: each path's
        product on a line of its own, starting ``+`` or ``−``, and a product
        too long for one line broken before a ``·``, set in past the sign.
        """
        lhs = _latex_fraction(self.lhs, self.tex_names)
        one_line = f"{lhs} = {_latex(self.formula, self.tex_names)}"
        if latex_lines.width(one_line) <= latex_lines.ROW_WIDTH:
            return one_line
        room = latex_lines.ROW_WIDTH - latex_lines.width(lhs)
        rows = []
        for k, path in enumerate(self.latex_paths):
            if k == 0:
                start = "&= " + path
            else:
                start = r"&\quad - " + path[1:] if path.startswith("-") else r"&\quad + " + path
            # The product's factors, filled into lines; its next lines are set in past its sign.
            factors = latex_lines.top_level_terms(start, (r" \cdot ",))
            lines = latex_lines.pack(factors, room - 30.0)
            rows.append(lines[0])
            rows.extend(rf"&\qquad\quad {line.strip()}" for line in lines[1:])
        rows[0] = f"{lhs} {rows[0]}"
        return "\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}"

    def update_rule(self, lr: str = "η") -> str:
        """One step of gradient descent on the target: ``w ← w − η · ∂L/∂w`` with the formula written in."""
        if not isinstance(lr, str) or not lr.strip():
            raise TypeError(
                f"update_rule(lr=...): expected the learning rate's name, such as 'η', got {lr!r:.40}"
            )
        w = self.target_name
        rhs = self.formula
        if _sum_or_negative(rhs):  # η multiplies the whole slope: η · (1 − f²), not η · 1 − f²
            rhs = f"({rhs})"
        return f"{w} ← {w} − {lr} · {rhs}"

    def __call__(self, **leaves: float) -> float:
        """Evaluate the formula at the given leaves' values (by the parameter names of ``code``)."""
        namespace: dict[str, object] = {}
        # The code is generated here from the table's own strings and the graph's
        # names made into identifiers; no user text becomes code.
        exec(compile(self.code, "<derivation>", "exec"), namespace)  # noqa: S102
        return namespace[self.function_name](**leaves)  # type: ignore[operator]

    def __str__(self) -> str:
        return self.text


def derive(output: Value, target: Value, *, max_paths: int = MAX_PATHS) -> Derivation:
    """Write ∂output/∂target as the sum over paths of the products of local derivatives.

    Args:
        output: the Value differentiated (the loss ``L``).
        target: a Value it depends on (a weight ``w``).
        max_paths: more paths than this raise ``TooManyPathsError``: for a
            network, the layer view ``nn.deltas(model, x, y)`` writes the same
            sums layer by layer as δ⁽ˡ⁾.
    """
    if not isinstance(output, Value):
        raise TypeError(
            f"derive(output, target): expected a Value as the output, got {type(output).__name__}"
        )
    if not isinstance(target, Value):
        raise TypeError(
            f"derive(output, target): expected a Value as the target, got {type(target).__name__}"
        )
    order = topological_order(output)
    names = node_names(order, output)
    if target not in names:
        raise ValueError(
            f"derive: {output.label or 'the output'} does not depend on {target.label or 'the target'} "
            "(it is not in the output's graph)"
        )
    uses = _uses(order)
    count = _path_count(order, uses, target, output)
    if count > max_paths:
        raise TooManyPathsError(
            f"derive: ∂{names[output]}/∂{names[target]} has {count} paths (more than {max_paths}); "
            "a sum of that many products teaches nothing. For a network, use the layer view "
            "nn.deltas(model, x, y), which writes the same sums layer by layer as δ⁽ˡ⁾ = ∂L/∂z⁽ˡ⁾"
        )
    writer = _Writer(names)
    tex_names = tuple((names[v], tex) for v in order if (tex := latex_label(v)) is not None and not
                      is_constant(v) and names[v] == typeset(visible(v.label)))
    paths = _paths(uses, target, output)
    texts, latexes = [], []
    for path in paths:
        # From the output down to the target, as the chain rule is written on the board.
        factors = [writer.local(node, k) for node, k in reversed(path)]
        text, latex = _product(factors, tex_names)
        texts.append(text)
        latexes.append(latex)
    lhs = f"∂{_in_d(names[output])}/∂{_in_d(names[target])}"
    code, function_name, parameters = _code(order, names, output, target, paths)
    return Derivation(
        output=output, target=target, lhs=lhs, paths=tuple(texts), latex_paths=tuple(latexes),
        where=tuple(writer.where), code=code, function_name=function_name, parameters=parameters,
        target_name=names[target], tex_names=tex_names,
    )


# -- the graph ----------------------------------------------------------------------------------


def _uses(order: Sequence[Value]) -> dict[Value, list[tuple[Value, int]]]:
    """Each Value's uses: the operations that read it, with the input position."""
    uses: dict[Value, list[tuple[Value, int]]] = {v: [] for v in order}
    for node in order:
        for k, x in enumerate(node.inputs):
            uses[x].append((node, k))
    return uses


def _path_count(order: Sequence[Value], uses, target: Value, output: Value) -> int:
    counts: dict[Value, int] = {}
    for v in reversed(order):
        counts[v] = 1 if v is output else sum(counts[node] for node, _ in uses[v])
    return counts[target]


def _paths(uses, target: Value, output: Value) -> list[list[tuple[Value, int]]]:
    """Every path from ``target`` up to ``output``, as the list of (operation, input position) it passes."""
    found = []
    stack: list[tuple[Value, list[tuple[Value, int]]]] = [(target, [])]
    while stack:
        v, path = stack.pop()
        if v is output:
            found.append(path)
            continue
        for node, k in reversed(uses[v]):
            stack.append((node, [*path, (node, k)]))
    return found


def _in_d(name: str) -> str:
    return name if is_word(name) or re.fullmatch(r"\w+|\(.*\)", name) else f"({name})"


# -- writing the local derivatives --------------------------------------------------------------

_SUPERSCRIPTS = str.maketrans("0123456789−", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
# a, b and out as whole names (not the a of "abs"); "out²" is out squared, although "²" is a digit to \w.
_SYMBOL = re.compile(r"(?<![A-Za-z0-9_])(a|b|out|xs)(?![A-Za-z0-9_])")
_SCRIPTS = re.escape("".join(sorted(SCRIPT_CHARS)))
_TIMES_BRACKET = re.compile(rf"(?<![\w.{_SCRIPTS}])(\d+(?:\.\d+)?|[A-Za-z][{_SCRIPTS}]*)·\(")


class _Writer:
    """The local derivatives' formulas in the graph's names."""

    def __init__(self, names: dict[Value, str]) -> None:
        self.names = names
        self.where: list[str] = []
        self._shown: dict[Value, str] = {}

    def show(self, v: Value) -> str:
        """How a Value is written: its name, its number, or (unlabelled) the expression that made it."""
        if v in self._shown:
            return self._shown[v]
        if is_constant(v):
            shown = _number(v.data)
        elif v.label or not v.inputs:
            shown = self.names[v]
        else:
            shown = self._expression(v)
            if len(shown) > _INLINE_LENGTH:
                self.where.append(f"{self.names[v]} = {shown}")
                shown = self.names[v]
        self._shown[v] = shown
        return shown

    def _expression(self, v: Value) -> str:
        op = v.operation
        shown = [self.show(x) for x in v.inputs]
        if op.text is None:
            return " + ".join(_atom(x) for x in shown).replace("+ −", "− ")
        # An argument alone in a function's brackets needs no more: tanh(q·x + 2), not tanh((q·x + 2)).
        template = op.text.replace("($a)", "(${raw_a})").replace("($b)", "(${raw_b})")
        text = Template(template).substitute(a=_atom(shown[0]), b=_atom(shown[-1]),
                                             raw_a=shown[0], raw_b=shown[-1])
        text = re.sub(r" \*\* (\S+)$", lambda m: m.group(1).translate(_SUPERSCRIPTS) if re.fullmatch(
            r"−?\d+", m.group(1).replace("-", "−")) else "^" + m.group(1), text.replace("-", "−"))
        # Inside a factor a product is written tight (r·y), so that " · " separates the factors.
        return text.replace(" * ", "·").replace(" · ", "·").replace(" / ", "/")

    def local(self, node: Value, k: int) -> str:
        """∂node/∂(its input k), written out; a number when every name in it is a constant."""
        op = node.operation
        inputs = node.inputs
        if op.arity == 0:  # sum: every slope is 1
            return "1"
        formula = op.formulas[k]
        symbols = {"a": inputs[0], "b": inputs[-1], "out": node}
        used = set(_SYMBOL.findall(formula))
        if all(is_constant(symbols[s]) for s in used):
            slope = op.rule(node.data, *(x.data for x in inputs))[k]
            return _number(float(slope))
        if op.kink is not None and (op.kink[1], op.kink[2]) == ("0", "1"):
            # A slope that is 1 on one side of the kink and 0 on the other: the indicator 𝟙[z > 0].
            return f"𝟙[{self.show(inputs[0])} > {_number(op.kink[0])}]"

        def name_of(match: re.Match) -> str:
            shown = self.show(symbols[match.group(1)])
            before, after = formula[match.start() - 1:match.start()], formula[match.end():match.end() + 1]
            alone = formula == match.group(0) or (before, after) == ("(", ")")
            # A name is an atom whatever its scripts; a/b over a product, a power of a sum get brackets.
            return shown if alone else operand(shown, powered=powered_at(formula, match.end()))

        text = _SYMBOL.sub(name_of, formula)
        # Superscripts for whole-number powers written with ^: x^2 → x², (a − y)^(−1) → (a − y)⁻¹.
        text = re.sub(r"\^\(?(−?\d+)\)?", lambda m: m.group(1).translate(_SUPERSCRIPTS), text)
        # A number or a one-letter name (with its scripts) times a bracket reads as on the board:
        # 2(a − y), a(1 − a), a⁽²⁾₁(1 − a⁽²⁾₁).
        text = _TIMES_BRACKET.sub(r"\1(", text)
        # And a number times a name: 2x, 3x².
        text = re.sub(r"(?<![\w.])(\d+(?:\.\d+)?)·(?=[A-Za-z])", r"\1", text)
        return text


def _number(x: float) -> str:
    if x == 0.0:
        return "0"
    if math.isinf(x) or math.isnan(x):
        return {math.inf: "∞", -math.inf: "−∞"}.get(x, "NaN")
    text = format(x, ".4g").replace("-", "−")
    return text


def _atom(text: str) -> str:
    """``text`` as one factor: bracketed when it is a sum, a difference or negative."""
    return f"({text})" if _sum_or_negative(text) else text


def _sum_or_negative(text: str) -> bool:
    """Whether ``text`` needs brackets as a factor: a sum or difference outside brackets, or a leading −."""
    depth = 0
    for i, ch in enumerate(text):
        depth += ch in "(["
        depth -= ch in ")]"
        if depth == 0 and (ch == "−" and i == 0 or ch in "+−" and text[i - 1:i] == " "):
            return True
    return False


def _product(factors: list[str], tex_names: Sequence[tuple[str, str]] = ()) -> tuple[str, str]:
    """The factors of one path as a product, in text and LaTeX; 1s left out, −1s as a sign."""
    sign = 1
    kept = []
    for f in factors:
        if f == "1":
            continue
        if f == "−1":
            sign = -sign
            continue
        kept.append(f)
    if not kept:
        text = "1"
    else:
        text = " · ".join(_atom(f) if len(kept) > 1 else f for f in kept)
    if sign < 0:
        text = f"−{text}"  # a product binds tighter than the minus in front of it
    return text, _latex(text, tex_names)


def _sum(terms: Sequence[str]) -> str:
    """Terms joined with + and −: ``a · b − c``, not ``a · b + −c``."""
    if not terms:
        return "0"
    out = terms[0]
    for t in terms[1:]:
        out += f" − {t[1:]}" if t.startswith("−") else f" + {t}"
    return out


# -- LaTeX ---------------------------------------------------------------------------------------

_LATEX_SUPER = {c: str(i) for i, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")}


def _latex_name(match: re.Match) -> str:
    word = match.group(0)
    m = re.fullmatch(r"([A-Za-z]+)(\d+)", word)
    if m:
        return f"{m.group(1)}_{{{m.group(2)}}}"
    if word in ("tanh", "sin", "cos", "exp", "log", "ln"):
        return "\\" + word
    if len(word) > 1:
        return r"\mathrm{" + word + "}"
    return word


def _latex(text: str, tex_names: Sequence[tuple[str, str]] = ()) -> str:
    # A name with sub- or superscripts is set aside as a private-use character
    # while the rest is rewritten, then put back as markup.latex wrote it.
    held = {}
    for k, (name, tex) in enumerate(sorted(tex_names, key=lambda nt: -len(nt[0]))):
        mark = chr(0xE000 + k)
        held[mark] = tex
        text = text.replace(name, mark)
    out = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+", lambda m: "^{" + "".join(
        _LATEX_SUPER.get(c, "-") for c in m.group(0)) + "}", text)
    out = re.sub(r"[A-Za-z]+\d*", _latex_name, out)
    out = out.replace("#", r"\#").replace("_{", "_{").replace("−", "-").replace(" · ", r" \cdot ")
    out = out.replace("·", r" \cdot ").replace("∞", r"\infty").replace("𝟙", r"\mathbf{1}")
    for mark, tex in held.items():
        out = out.replace(mark, "{" + tex + "}")
    return out


def _latex_fraction(lhs: str, tex_names: Sequence[tuple[str, str]] = ()) -> str:
    top, bottom = lhs[1:].split("/∂", 1)
    return rf"\frac{{\partial {_latex(top, tex_names)}}}{{\partial {_latex(bottom, tex_names)}}}"


# -- the code ------------------------------------------------------------------------------------

# What the table's code strings call, defined on floats with math alone, so
# that a derivation's code runs with nothing but the standard library.
_HELPERS = {
    "power": "def power(x, p):\n    return x ** p\n",
    "divide": "def divide(a, b):\n    return a / b\n",
    "over": (
        "def over(n, d):\n"
        "    if d != 0.0:\n"
        "        return n / d\n"
        "    return math.nan if n == 0.0 else math.copysign(math.inf, n) * math.copysign(1.0, d)\n"
    ),
    "base_slope": "def base_slope(x, p):\n    return 0.0 if p == 0.0 else p * x ** (p - 1.0)\n",
    "exponent_slope": (
        "def exponent_slope(out, x):\n"
        "    return math.log(x) * out if x > 0.0 else math.nan if x < 0.0 else 0.0\n"
    ),
    "step": "def step(x):\n    return 1.0 if x > 0.0 else 0.0\n",
    "sign": "def sign(x):\n    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0\n",
    "sigmoid": (
        "def sigmoid(x):\n"
        "    if x >= 0.0:\n"
        "        return 1.0 / (1.0 + math.exp(-x))\n"
        "    e = math.exp(x)\n"
        "    return e / (1.0 + e)\n"
    ),
    "relu": "def relu(x):\n    return x if x > 0.0 else 0.0\n",
    # The engine's slopes of tanh and sigmoid, written so that they keep their digits far from 0.
    "tanh_slope": (
        "def tanh_slope(a, out):\n"
        "    if -0.5 <= out <= 0.5:\n"
        "        return 1.0 - out * out\n"
        "    e = math.exp(-2.0 * abs(a))\n"
        "    return 4.0 * e / ((1.0 + e) * (1.0 + e))\n"
    ),
    "sigmoid_slope": (
        "def sigmoid_slope(a, out):\n"
        "    if a > 0.0:\n"
        "        e = math.exp(-a)\n"
        "        return out * (e / (1.0 + e))\n"
        "    return out * (1.0 - out)\n"
    ),
    "add_in_order": (
        "def add_in_order(xs):\n"
        "    total = 0.0\n"
        "    for x in xs:\n"
        "        total += x\n"
        "    return total\n"
    ),
    "exp": "exp = math.exp\n",
    "log": "log = math.log\n",
    "sin": "sin = math.sin\n",
    "cos": "cos = math.cos\n",
    "sqrt": "sqrt = math.sqrt\n",
    "tanh": "tanh = math.tanh\n",
}


def _identifier(name: str, taken: set[str]) -> str:
    # NFKC first: a typeset w⁽¹⁾₁₂ becomes w(1)12, whose digits Python accepts in a name.
    normal = unicodedata.normalize("NFKC", name)
    base = "".join(c if ("a" + c).isidentifier() else "_" for c in normal) or "v"
    if base[0].isdigit() or keyword.iskeyword(base) or base in _HELPERS or base in ("math", "abs"):
        base = f"v_{base}"
    ident, k = base, 2
    while ident in taken:
        ident, k = f"{base}_{k}", k + 1
    taken.add(ident)
    return ident


def _float(x: float) -> str:
    if math.isnan(x):
        return "math.nan"
    if math.isinf(x):
        return "math.inf" if x > 0 else "-math.inf"
    return repr(float(x))


def _code(order, names, output, target, paths) -> tuple[str, str, tuple[str, ...]]:
    taken: set[str] = set()
    ident: dict[Value, str] = {}
    parameters = []
    for v in order:
        if is_constant(v):
            ident[v] = f"({_float(v.data)})"
        elif not v.inputs:
            ident[v] = _identifier(names[v], taken)
            parameters.append(ident[v])
    function_name = _identifier(f"d{names[output]}_d{names[target]}", taken)
    body = []
    used_helpers: set[str] = set()

    def fill(code: str, node: Value) -> str:
        inputs = node.inputs
        mapping = {"a": ident[inputs[0]] if inputs else "", "b": ident[inputs[-1]] if inputs else "",
                   "out": ident.get(node, ""), "xs": "[" + ", ".join(ident[x] for x in inputs) + "]"}
        used_helpers.update(h for h in re.findall(r"\b([A-Za-z_]\w*)\(", code) if h in _HELPERS)
        return _SYMBOL.sub(lambda m: mapping[m.group(1)], code)

    for v in order:
        if v.inputs and v not in ident:
            ident[v] = _identifier(names[v], taken)
            body.append(f"    {ident[v]} = {fill(v.operation.forward, v)}")
    terms = []
    for path in paths:
        factors = [f"({fill(node.operation.local[k], node)})" for node, k in reversed(path)
                   if node.operation.arity != 0]  # a sum's slopes are all 1
        terms.append(" * ".join(factors) if factors else "1.0")
    body.append(f"    return {' + '.join(terms) if terms else '0.0'}")
    unknown = {h for v in order if v.inputs for h in re.findall(r"\b([A-Za-z_]\w*)\(",
               v.operation.forward + " ".join(v.operation.local))} - set(_HELPERS) - {"abs", "float"}
    if unknown:
        raise ValueError(
            f"derive: the operations' code calls {', '.join(sorted(unknown))}, which a derivation's code "
            "cannot define with math alone"
        )
    helpers = "".join(_HELPERS[h] for h in sorted(used_helpers))
    source = (
        "import math\n\n"
        + (helpers + "\n" if helpers else "")
        + f"def {function_name}({', '.join(parameters)}):\n"
        + f'    """∂{names[output]}/∂{names[target]}: the sum over paths, at these numbers."""\n'
        + "\n".join(body) + "\n"
    )
    return source, function_name, tuple(parameters)
