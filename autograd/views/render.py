"""Rendering a drawing: the ``Drawing`` object, and the programs that lay it out.

A drawing is DOT text (Graphviz's language for graphs). Turning it into a
picture needs a layout program: Graphviz's own ``dot``, or the pip package
``graphviz-pure``, which ships a compatible one; or, where no program can be
started (the browser playground), a function registered with
``register_renderer``. ``find_renderer`` says which one is used.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from ..checks import real_number
from ..files import write_file
from .pdf import png_to_pdf

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "Drawing",
    "RendererNotFoundError",
    "RenderTimeoutError",
    "RENDERERS",
    "RENDERER_ENV",
    "DEFAULT_TIMEOUT",
    "find_renderer",
    "register_renderer",
    "import_graphviz",
    "check_timeout",
    "fit_width",
]

RENDERERS = ("dot", "graphviz-pure")
RENDERER_ENV = "CHAINRULE_RENDERER"
# Seconds a renderer may run before it is stopped. The drawings of lessons take
# well under a second; anything that takes this long is a layout gone wrong.
DEFAULT_TIMEOUT = 60.0


# What each renderer writes itself. graphviz-pure 0.2 has no PDF output: its
# PDFs are PNGs rendered at _PDF_DPI and put on a page (see autograd.pdf).
_PDF_DPI = 192
_FORMATS = {
    "dot": ("png", "svg", "pdf", "jpg", "jpeg", "gif"),
    "graphviz-pure": ("png", "svg", "jpg", "jpeg"),
}
# Written as DOT text, no renderer needed.
_SOURCE_SUFFIXES = ("dot", "gv")


class RendererNotFoundError(RuntimeError):
    """No ``dot`` program was found; the message lists the ways to get one."""


class RenderTimeoutError(RuntimeError):
    """The renderer ran longer than its time limit and was stopped; the message says what to try."""


def _install_hint() -> str:
    return (
        "install one of: Graphviz's dot (apt install graphviz / brew install graphviz / "
        "conda install -c conda-forge graphviz), or the pip package graphviz-pure "
        '(pip install graphviz-pure, part of pip install "chainrule[draw]")'
    )


def _which(name: str) -> str | None:
    if name == "graphviz-pure":
        # pip puts the program next to the Python executable, which is on PATH
        # only when the virtual environment is activated.
        for folder in (Path(sys.executable).parent, Path(sys.prefix) / "bin", Path(sys.prefix) / "Scripts"):
            for exe in ("graphviz-pure", "graphviz-pure.exe"):
                candidate = folder / exe
                if candidate.is_file() and os.access(candidate, os.X_OK):
                    return str(candidate)
    return shutil.which(name)


def find_renderer(name: str | None = None) -> tuple[str, str]:
    """Return ``(renderer name, path of its program)``.

    Without ``name``: the one in the environment variable ``CHAINRULE_RENDERER``
    if set, otherwise Graphviz's ``dot`` if it is on PATH, otherwise
    ``graphviz-pure``. Raises ``RendererNotFoundError`` naming the ways to
    install one.
    """
    if name is None:
        name = os.environ.get(RENDERER_ENV) or None
    if name is not None:
        if name not in RENDERERS:
            raise ValueError(f"renderer: expected one of {', '.join(map(repr, RENDERERS))}, got {name!r}")
        path = _which(name)
        if path is None:
            raise RendererNotFoundError(f"the renderer {name!r} was not found; {_install_hint()}")
        return name, path
    for candidate in RENDERERS:
        path = _which(candidate)
        if path is not None:
            return candidate, path
    raise RendererNotFoundError(f"no Graphviz renderer found to draw the graph; {_install_hint()}")


# name -> a function turning DOT text and a format ("svg", "plain") into the
# rendered output, for places where no program can be run (see register_renderer).
_REGISTERED: dict[str, Callable[[str, str], Union[str, bytes]]] = {}


def register_renderer(name: str, render: Callable[[str, str], Union[str, bytes]] | None) -> None:
    """Lay drawings out with ``render(dot_text, format)`` instead of a ``dot`` program.

    For places where no program can be started: the browser playground
    registers Graphviz compiled to WebAssembly. ``render`` returns the SVG
    (as text or bytes) for ``format="svg"``, and may raise ``ValueError`` for a
    format it cannot write. While one is registered, drawings that name no
    renderer use it (the last registered one). ``render=None`` removes ``name``.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"register_renderer(name): expected a non-empty str, got {name!r:.60}")
    if render is None:
        _REGISTERED.pop(name, None)
        return
    if not callable(render):
        raise TypeError(f"register_renderer(render): expected a function (dot, format) -> output, "
                        f"got {type(render).__name__}")
    _REGISTERED.pop(name, None)
    _REGISTERED[name] = render  # last registered, last in order: the one used


def import_graphviz():
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "drawing needs the Python package 'graphviz'; install it with "
            'pip install "chainrule[draw]" (it also installs the renderer graphviz-pure)'
        ) from None
    return graphviz


class Drawing:
    """A drawn graph: the ``graphviz.Digraph``, its DOT text, and ways to render it.

    - ``.graph``: the ``graphviz.Digraph`` (add attributes, or use its API);
    - ``.source``: the DOT text (the same graph always gives the same text);
    - ``.save(path)``: write PNG, SVG, PDF (or the DOT text for ``.dot``/``.gv``)
      to exactly ``path``, the format taken from its extension;
    - ``.pipe("svg")``: the rendered bytes;
    - in Jupyter it shows itself inline, as SVG.
    """

    def __init__(
        self, graph: graphviz.Digraph, node_count: int, summarized: bool, renderer: str | None,
        timeout: float | None = DEFAULT_TIMEOUT,
    ) -> None:
        self.graph = graph
        self.node_count = node_count
        self.summarized = summarized
        self.renderer = renderer
        #: Seconds the renderer may run (``None``: no limit); ``save`` and ``pipe`` use it.
        self.timeout = check_timeout(timeout, "Drawing(timeout=...)")

    @property
    def source(self) -> str:
        """The DOT text of the graph."""
        return self.graph.source

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        kind = "summary of " if self.summarized else ""
        return f"<Drawing: {kind}{self.node_count} values; .save('graph.png'), .source>"

    def pipe(self, format: str = "svg", dpi: float | None = None) -> bytes:  # noqa: A002 - graphviz's name
        """Render with ``dot`` (or graphviz-pure) and return the bytes of the image.

        ``dpi`` sets the resolution of a PNG (96 by default; 192 for a sharp slide).
        ``"plain"`` gives Graphviz's text description of the layout.
        """
        fmt = format.lower().lstrip(".")
        if self.renderer is None and _REGISTERED:
            name, render = list(_REGISTERED.items())[-1]
            out = render(self.source, fmt)
            return out.encode("utf-8") if isinstance(out, str) else bytes(out)
        name, exe = find_renderer(self.renderer)
        if dpi is not None:
            dpi = real_number(dpi, "pipe(dpi=...)", 0.0, open_low=True)
        if fmt == "pdf" and fmt not in _FORMATS[name]:
            # No PDF writer: a PNG at twice the usual resolution, on a PDF page.
            return png_to_pdf(self._run(name, exe, "png", f"-Gdpi={_PDF_DPI}"), dpi=_PDF_DPI)
        if fmt not in _FORMATS[name] and fmt != "plain":
            choices = ", ".join(_FORMATS[name])
            raise ValueError(f"the renderer {name!r} cannot write {fmt!r}; it writes {choices}")
        return self._run(name, exe, fmt, *((f"-Gdpi={dpi:g}",) if dpi is not None else ()))

    def _run(self, name: str, exe: str, fmt: str, *options: str) -> bytes:
        try:
            result = subprocess.run(
                [exe, f"-T{fmt}", *options], input=self.source.encode("utf-8"), capture_output=True,
                check=False, timeout=self.timeout,
            )
        except subprocess.TimeoutExpired:
            # subprocess.run has already killed the renderer.
            raise RenderTimeoutError(
                f"{name} did not finish drawing the graph ({self.node_count} values) within "
                f"{self.timeout:g} s and was stopped. Give it longer with draw(..., timeout=SECONDS) "
                "(or timeout=None; --timeout on the command line), or draw less: "
                "summarize=True, edge_labels=False, or a smaller expression"
            ) from None
        if result.returncode != 0 or not result.stdout:
            message = result.stderr.decode("utf-8", "replace").strip()
            raise RuntimeError(
                f"{name} failed to render the graph as {fmt} (exit {result.returncode}): {message}"
            )
        return result.stdout

    def save(self, path: str | os.PathLike) -> Path:
        """Write the drawing to ``path``; its extension picks the format.

        ``.png``, ``.svg``, ``.pdf``, ``.jpg`` are rendered images; ``.dot`` or
        ``.gv`` the DOT text. Returns the path written (exactly the one given).
        graphviz-pure has no PDF writer: its PDF is a page holding the picture
        at 192 dpi (sharp on slides, but not a vector drawing).
        """
        target = Path(path)
        suffix = target.suffix.lower().lstrip(".")
        known = sorted(set(_FORMATS["dot"]) | set(_SOURCE_SUFFIXES))
        if suffix not in known:
            raise ValueError(
                f"save({str(path)!r}): cannot tell the format from the extension "
                f"{target.suffix or '(none)'!r}; use one of {', '.join('.' + s for s in known)}"
            )
        if not target.parent.is_dir():
            raise FileNotFoundError(f"save({str(path)!r}): the folder {str(target.parent)!r} does not exist")
        data = self.source.encode("utf-8") if suffix in _SOURCE_SUFFIXES else self.pipe(suffix)
        # Whole or not at all, and a link planted at the name is replaced, never followed.
        write_file(target, data, who=f"save({str(path)!r})")
        return target

    def svg(self) -> str:
        """The rendered SVG, as text."""
        return self.pipe("svg").decode("utf-8")

    def fitted_svg(self) -> str:
        """The SVG scaled to the width of where it is shown (a notebook cell), never wider than drawn.

        ``width="100%"`` with the drawing's own ``viewBox``, so that a wide graph
        shrinks to fit instead of needing a horizontal scroll bar, and a small
        one keeps its size (``max-width``).
        """
        return fit_width(self.svg())

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        try:
            return {"image/svg+xml": self.fitted_svg()}
        except (RendererNotFoundError, RuntimeError) as error:
            return {"text/plain": f"{self!r}\n(cannot render: {error})"}

    def _repr_svg_(self) -> str:
        return self.fitted_svg()

    def _repr_html_(self) -> str:
        return self.fitted_svg()


_SVG_TAG = re.compile(r"<svg\b[^>]*>")
_SIZE_ATTR = re.compile(r'\s(width|height)="([^"]*)"')


def fit_width(svg: str) -> str:
    """An SVG text whose root element scales to 100% of the width it is given, up to its own.

    The ``viewBox`` stays (it is what keeps the proportions); the fixed width
    and height go, and the drawn width becomes the ``max-width``.
    """
    match = _SVG_TAG.search(svg)
    if match is None:
        raise ValueError("fit_width: the text holds no <svg> element")
    tag = match.group(0)
    sizes = dict(_SIZE_ATTR.findall(tag))
    new = _SIZE_ATTR.sub("", tag)
    if "viewBox" not in new and "width" in sizes and "height" in sizes:
        w, h = (re.sub(r"[a-z%]+$", "", sizes[k]) for k in ("width", "height"))
        new = new[:-1] + f' viewBox="0 0 {w} {h}">'
    style = "max-width: 100%; height: auto"
    if "width" in sizes:
        style = f"max-width: min(100%, {sizes['width']}); height: auto"
    new = new[:4] + f' width="100%" style="{style}"' + new[4:]
    return svg[: match.start()] + new + svg[match.end():]




def check_timeout(timeout: Any, what: str) -> float | None:
    return None if timeout is None else real_number(timeout, what, 0.0, open_low=True)


