"""Displayed LaTeX that fits the page: how wide a formula is set, and where to break it.

TeX breaks a paragraph into lines by itself, but not a row of ``align*``:
a row that is wider than the page simply runs into the margin. The views
that write displayed equations (``explain(L).to_latex()``, ``derive(L, w).latex``)
therefore break their rows themselves, after an ``=`` or before a ``·`` or a
``+``, and need to know, before TeX sets it, roughly how wide a piece of
math will come out.

``width(latex)`` estimates that: the width in points of the formula set in
display style at 10 pt in Computer Modern, the font of a default ``article``.
It reads the few commands these views write (``\\frac``, ``\\partial``,
``\\cdot``, ``\\text``, sub- and superscripts, ...) and knows TeX's spacing
around relations and binary operators. It errs on the wide side; the views
keep every row under ``TEXT_WIDTH`` (an article's 345 pt text width at
10 pt) by a margin.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["TEXT_WIDTH", "ROW_WIDTH", "width", "top_level_terms", "pack"]

#: ``\textwidth`` of ``\documentclass{article}`` at 10 pt (letter or A4 paper).
TEXT_WIDTH = 345.0
#: What a row may use of it: the estimate is rough, so a margin is kept.
ROW_WIDTH = 310.0

# Glyph widths (pt) of Computer Modern at 10 pt, rounded up a little.
_RELATION = 7.8 + 2 * 2.78  # =, <, \le: the glyph and a thick space either side
_BINARY = 7.8 + 2 * 2.22  # +, −, \odot: the glyph and a medium space either side
_DOT = 2.8 + 2 * 2.22  # \cdot
_LETTER = {**dict.fromkeys("mw", 8.7), **dict.fromkeys("MW", 11.0), **dict.fromkeys("ijlt", 3.9)}
_CAPITAL = 7.8
_LOWER = 5.6
_CHAR = {
    **dict.fromkeys("0123456789", 5.0), ".": 2.8, ",": 2.8 + 1.67, ";": 2.8 + 1.67, "(": 3.9, ")": 3.9,
    "[": 2.8, "]": 2.8, "|": 2.8, "/": 5.0, "!": 2.8, "'": 2.8, "*": 5.0, "?": 4.8,
}
_COMMAND = {
    "partial": 5.8, "infty": 10.0, "nabla": 8.4, "top": 7.8, "backslash": 5.0, "colon": 2.8 + 2.78,
    " ": 3.4, ",": 1.7, ";": 2.8, ":": 2.2, "quad": 10.0, "qquad": 20.0, "ln": 8.4, "exp": 15.6,
    "sin": 12.8, "cos": 13.4, "tanh": 21.2, "log": 13.4, "sigma": 5.8, "delta": 4.6, "#": 8.4, "$": 5.0,
    "%": 8.4, "&": 7.8, "{": 5.0, "}": 5.0, "_": 5.0, "dots": 13.4, "ldots": 13.4, "cdots": 13.4,
}
_BINARY_COMMAND = {"cdot": _DOT, "times": _BINARY, "odot": _BINARY, "pm": _BINARY}
_RELATION_COMMAND = {"le": _RELATION, "ge": _RELATION, "ne": _RELATION, "leftarrow": 10.0 + 5.56,
                     "gets": 10.0 + 5.56, "to": 10.0 + 5.56}
# Commands whose one argument is set as it is (its width is the argument's).
_WRAPPERS = {"text", "mathit", "mathrm", "mathbf", "mathsf", "textrm", "hphantom", "phantom", "boldsymbol"}
_TOKEN = re.compile(r"\\([A-Za-z]+|.)|([{}_^&])|(\s+)|(.)", re.S)

Token = tuple[str, str]  # (kind, text): kind "cmd", "open", "close", "script", "align", "space", "char"


def _tokens(latex: str) -> list[Token]:
    out: list[Token] = []
    for m in _TOKEN.finditer(latex):
        command, special, space, char = m.groups()
        if command is not None:
            out.append(("cmd", command))
        elif special in ("{", "}"):
            out.append(("open" if special == "{" else "close", special))
        elif special in ("_", "^"):
            out.append(("script", special))
        elif special == "&":
            out.append(("align", special))
        elif space is not None:
            out.append(("space", " "))
        else:
            out.append(("char", char))
    return out


class _Reader:
    """A recursive walk over the tokens that adds up their widths."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def _argument(self, size: float, script: bool) -> float:
        """The width of the next argument: a braced group or one token."""
        if self.i >= len(self.tokens):
            return 0.0
        kind, _ = self.tokens[self.i]
        if kind == "open":
            self.i += 1
            return self.sequence(size, script, until_close=True)
        return self._item(size, script, True)[0]

    def _skip_argument(self) -> None:
        if self.i < len(self.tokens) and self.tokens[self.i][0] == "open":
            depth = 0
            while self.i < len(self.tokens):
                kind = self.tokens[self.i][0]
                depth += kind == "open"
                depth -= kind == "close"
                self.i += 1
                if depth == 0:
                    return
        else:
            self.i += 1

    def sequence(self, size: float, script: bool, until_close: bool = False) -> float:
        total = 0.0
        operand = False  # whether what comes before is an operand, so that + and − are binary
        while self.i < len(self.tokens):
            kind, text = self.tokens[self.i]
            if kind == "close":
                self.i += 1
                if until_close:
                    return total
                continue
            if kind == "script":
                # Sub- and superscripts on one base stack: the wider of the two counts.
                scripts = {}
                while self.i < len(self.tokens) and self.tokens[self.i][0] == "script":
                    which = self.tokens[self.i][1]
                    self.i += 1
                    # Script letters are set at 7 pt, but drawn wider than 7/10 of 10 pt ones.
                    scripts[which] = self._argument(size * 0.8 if size > 6 else size, True)
                total += max(scripts.values(), default=0.0) + 0.5 * size / 10
                operand = True
                continue
            before = self.i
            w, is_operand = self._item(size, script, operand)
            if self.i == before:
                self.i += 1
            total += w
            operand = is_operand
        return total

    def _text(self, scale: float) -> float:
        """The width of a ``\\text{...}`` argument: roman letters and word spaces."""
        if self.i >= len(self.tokens) or self.tokens[self.i][0] != "open":
            return 0.0
        start = self.i
        self._skip_argument()
        total = 0.0
        for kind, _ in self.tokens[start + 1:self.i - 1]:
            total += 3.4 if kind == "space" else 5.0
        return total * scale

    def _item(self, size: float, script: bool, operand: bool) -> tuple[float, bool]:
        """The width of the item at the cursor, and whether it is an operand."""
        kind, text = self.tokens[self.i]
        scale = size / 10
        if kind == "open":
            self.i += 1
            return self.sequence(size, script, until_close=True), True
        if kind in ("align", "space"):
            self.i += 1
            return 0.0, operand
        if kind == "char":
            self.i += 1
            if text in "=<>:":
                glyph = 2.8 if text == ":" else 7.8
                return (glyph if script else glyph + 2 * 2.78) * scale, False
            if text in "+-−":
                if operand and not script:
                    return _BINARY * scale, False
                return 7.8 * scale, False
            if text in "([":
                return _CHAR[text] * scale, False
            if text.isalpha() and text.isascii():
                w = _LETTER.get(text, _CAPITAL if text.isupper() else _LOWER)
                return w * scale, True
            return _CHAR.get(text, 5.0) * scale, text not in ",;"
        # a command
        self.i += 1
        if text == "frac":
            top = self._argument(size, script)
            bottom = self._argument(size, script)
            return max(top, bottom) + 2.4 * scale, True
        if text in ("left", "right", "bigl", "bigr", "Bigl", "Bigr"):
            if self.i < len(self.tokens):
                self.i += 1  # the delimiter
            return 4.6 * scale, text in ("right", "bigr", "Bigr")
        if text == "operatorname":
            return self._argument(size, True) * 0.95 + 3.4 * scale, True
        if text in ("text", "textrm"):
            return self._text(scale), True
        if text in _WRAPPERS:
            return self._argument(size, script), True
        if text in ("tag", "label", "displaybreak", "intertext"):
            self._skip_argument()
            return 0.0, operand
        if text in _BINARY_COMMAND:
            return (_BINARY_COMMAND[text] if operand and not script else 7.8) * scale, False
        if text in _RELATION_COMMAND:
            return _RELATION_COMMAND[text] * scale, False
        if text in _COMMAND:
            return _COMMAND[text] * scale, text not in ("colon", " ", ",", ";", ":", "quad", "qquad")
        if text.startswith("text"):  # \textasciicircum and the like
            return 5.0 * scale, True
        return 6.4 * scale, True  # Greek letters and the rest


def width(latex: str) -> float:
    """The estimated width, in points, of ``latex`` set as displayed math at 10 pt.

    ``width(r"\\frac{\\partial L}{\\partial w_1}")`` is the width of the wider
    of ∂L and ∂w₁; ``&`` takes no room. The estimate is meant to be a little
    wide rather than narrow.
    """
    return _Reader(_tokens(latex)).sequence(10.0, False)


def top_level_terms(latex: str, operators: Iterable[str] = (r" \cdot ", " + ", " - ")) -> list[str]:
    """``latex`` cut before each of ``operators`` that stands outside every bracket and brace.

    ``a \\cdot (b + c) \\cdot d`` → ``["a", r" \\cdot (b + c)", r" \\cdot d"]``:
    each piece after the first starts with its operator, so that the pieces
    joined again are the text.
    """
    operators = tuple(operators)
    pieces: list[str] = []
    depth = 0
    start = 0
    i = 0
    while i < len(latex):
        ch = latex[i]
        if ch == "\\" and latex.startswith(("\\left", "\\right"), i):
            # \left( and \right) open and close like brackets.
            depth += 1 if latex.startswith("\\left", i) else -1
            i += 6 if latex.startswith("\\right", i) else 5
            i += 1  # the delimiter
            continue
        if ch == "\\":
            i += 2
            continue
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        elif depth == 0 and i > start:
            for op in operators:
                if latex.startswith(op, i):
                    pieces.append(latex[start:i])
                    start = i
                    break
        i += 1
    pieces.append(latex[start:])
    return [p for p in pieces if p]


def pack(pieces: Iterable[str], room: float, first_room: float | None = None) -> list[str]:
    """Join ``pieces`` into lines, each as wide as ``room`` allows (the first: ``first_room``).

    Greedy, as a person fills a line: a piece goes on the current line if it
    still fits, else it starts the next one. A piece wider than a line on its
    own gets a line of its own (the caller breaks such a piece first).
    """
    lines: list[str] = []
    current = ""
    limit = room if first_room is None else first_room
    for piece in pieces:
        if current and width(current + piece) > limit:
            lines.append(current)
            current = piece
            limit = room
        else:
            current += piece
    if current or not lines:
        lines.append(current)
    return lines
