"""Sub- and superscripts in labels: ``w_{12}^{(1)}`` as the board writes it, in every view.

A label may use TeX's ``_`` and ``^``: with braces for several characters
(``w_{12}^{(1)}``, ``a^{(2)}_1``), or before one character that ends the
name (``x_1``, ``x_i``). The markup is parsed here, never passed on as it is,
so a label cannot inject anything into LaTeX, HTML or a drawing: each view
asks for the form it writes.

- ``unicode(label)``: ``w⁽¹⁾₁₂``, with Unicode's sub- and superscript
  characters where every character has one; otherwise the script is kept
  in the markup's own words (``w_{q}``), which still reads right;
- ``latex(label)``: ``w_{12}^{(1)}``, every piece escaped for TeX;
- ``html(label)``: ``w<sub>12</sub><sup>(1)</sup>``, every piece escaped.

A label without the markup is its own text in every form (``my_var`` stays
``my_var``: one letter after ``_`` is a subscript only when the name ends
there).
"""

from __future__ import annotations

import html as _html
import re
from functools import lru_cache

__all__ = ["parse", "unicode", "latex", "html", "has_markup", "SUBSCRIPT_CHARS", "SUPERSCRIPT_CHARS"]

# (kind, text): kind is "", "sub" or "sup".
Piece = tuple[str, str]

_SUB = dict(zip("0123456789+-−=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ"))
_SUP = dict(zip(
    "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδθιφχ",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᶿᶥᵠᵡ",
))

#: The characters ``unicode`` writes a sub- or a superscript with.
SUBSCRIPT_CHARS = frozenset(_SUB.values())
SUPERSCRIPT_CHARS = frozenset(_SUP.values())

_SCRIPT = re.compile(r"([_^])(?:\{([^{}]*)\}|([A-Za-z0-9])(?![A-Za-z0-9]))")


@lru_cache(maxsize=4096)
def parse(label: str) -> tuple[Piece, ...]:
    """The label as pieces of plain text, subscript and superscript, in order."""
    pieces: list[Piece] = []
    at = 0
    for m in _SCRIPT.finditer(label):
        if m.start() == 0:
            continue  # a script needs something to sit on: a leading _ is plain text
        if m.start() > at:
            pieces.append(("", label[at:m.start()]))
        text = m.group(2) if m.group(2) is not None else m.group(3)
        pieces.append(("sub" if m.group(1) == "_" else "sup", text))
        at = m.end()
    if at < len(label):
        pieces.append(("", label[at:]))
    return tuple(pieces)


def has_markup(label: str) -> bool:
    """True when the label has a sub- or superscript."""
    return any(kind for kind, _ in parse(label))


def unicode(label: str) -> str:
    """``w_{12}^{(1)}`` → ``w⁽¹⁾₁₂``: superscripts first, as the lecture writes w⁽ˡ⁾ᵢⱼ."""
    out: list[str] = []
    pieces = list(parse(label))
    i = 0
    while i < len(pieces):
        kind, text = pieces[i]
        if not kind:
            out.append(text)
            i += 1
            continue
        # A run of scripts on one base: its superscripts, then its subscripts.
        run = []
        while i < len(pieces) and pieces[i][0]:
            run.append(pieces[i])
            i += 1
        for wanted in ("sup", "sub"):
            for kind, text in run:
                if kind == wanted:
                    out.append(_scripted(kind, text))
    return "".join(out)


def _scripted(kind: str, text: str) -> str:
    table = _SUP if kind == "sup" else _SUB
    if text and all(c in table for c in text):
        return "".join(table[c] for c in text)
    mark = "^" if kind == "sup" else "_"
    return f"{mark}{text}" if len(text) == 1 else f"{mark}{{{text}}}"


# Each TeX special as math mode can write it.
_TEX_SPECIAL = {
    "\\": r"\backslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "%": r"\%", "~": r"\sim{}", "^": r"\wedge{}", "_": r"\_",
}


def _tex_text(text: str) -> str:
    """Plain text made safe inside TeX math: specials escaped, letters kept, words upright."""
    escaped = "".join(_TEX_SPECIAL.get(c, c) for c in text)
    # A control character has no place in TeX; write it as its code.
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\mathrm{{U{{+}}{ord(m.group(0)):04X}}}", escaped)
    return escaped


def latex(label: str) -> str:
    """The label in TeX math: ``w_{12}^{(1)}``; a long word base is set upright (``\\mathrm{loss}``)."""
    out = []
    for kind, text in parse(label):
        body = _tex_text(text)
        if kind == "sub":
            out.append(f"_{{{body}}}")
        elif kind == "sup":
            out.append(f"^{{{body}}}")
        else:
            out.append(body if len(text) <= 1 or not text.isalpha() else rf"\mathrm{{{body}}}")
    return "".join(out)


def html(label: str, script_size: float | None = None) -> str:
    """The label as HTML (also Graphviz's HTML-like labels): ``w<sub>12</sub><sup>(1)</sup>``.

    ``script_size``: for Graphviz, the scripts' point size. Graphviz draws a
    script at its text's full size unless told, and lays the row out by that
    size; a browser then shows a script as large as its letter, far from it.
    """
    out = []
    for kind, text in parse(label):
        body = _html.escape(text, quote=True)
        if kind and script_size is not None:
            body = f'<font point-size="{script_size:g}">{body}</font>'
        out.append(f"<{kind}>{body}</{kind}>" if kind else body)
    return "".join(out)
