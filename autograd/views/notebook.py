"""Lessons inside Jupyter: the stepper in a cell, and sliders that redo the chain rule.

Two things a notebook can do that a printed page cannot:

- ``stepper(L)`` shows the step-by-step page of ``write_stepper`` right in
  the cell, with its buttons and keys. Each stepper lives in a frame of its
  own (an ``<iframe>``), so a notebook can hold several: stepping one leaves
  the others where they are. ``.save("steps.html")`` writes the same page to
  a file.
- ``interact(f, x=(-2, 2), w=(-3, 3))`` puts a slider under each input of a
  function of Values. Every move of a slider runs ``f`` forward again, calls
  ``backward()``, and redraws the graph and the table of gradients
  ``∂L/∂x``: drag ``w`` and watch ``∂L/∂x`` follow it.

The sliders need the package ``ipywidgets`` (``pip install
"chainrule[notebook]"``); it is imported when ``interact`` is called, never by
``import autograd``. ``stepper`` needs nothing beyond the stepper itself.
"""

from __future__ import annotations

import html
import inspect
import math
import numbers
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..checks import did_you_mean, positive_int, real_number
from ..engine import Value
from ..graph import topological_order
from .draw import RendererNotFoundError, RenderTimeoutError, draw
from .naming import in_derivative, node_names, number_text, shown_numbers
from .stepper import StepperOptions, stepper_html

__all__ = ["Stepper", "stepper", "Interaction", "interact"]

#: Pixels: tall enough for the controls, the current step and a small graph at once.
DEFAULT_HEIGHT = 640

_INSTALL = 'pip install "chainrule[notebook]"'


class Stepper:
    """The stepper page of one graph, shown inline in a notebook cell.

    Made by ``stepper(L)``. The page is built once, when the object is made,
    from the graph as it is then: training the model afterwards does not
    change what the stepper replays.

    - In Jupyter (JupyterLab, Notebook, and nbconvert's HTML export) it shows
      itself as the page, in a frame ``height`` pixels high.
    - ``.save(path)`` writes the page as a single HTML file, as
      ``write_stepper`` does; ``.html`` is its text.
    """

    def __init__(self, html_text: str, height: int = DEFAULT_HEIGHT) -> None:
        self.html = html_text
        self.height = positive_int(height, "stepper(height=...)")

    def __repr__(self) -> str:
        return f"<Stepper: {len(self.html)} characters of HTML; shown inline in Jupyter, .save('steps.html')>"

    def _repr_html_(self) -> str:
        # srcdoc makes the frame a document of its own: its element ids, its
        # styles and its key presses cannot reach another stepper's, nor the
        # notebook's. Escaping the whole page (quotes too) keeps it one attribute.
        return (
            f'<iframe class="chainrule-stepper" title="chain-rule stepper" '
            f'srcdoc="{html.escape(self.html, quote=True)}" '
            f'style="width: 100%; height: {self.height}px; border: 1px solid #d1d5db; '
            f'border-radius: 4px; background: white;"></iframe>'
        )

    def save(self, path: str | os.PathLike) -> Path:
        """Write the page to ``path`` (one self-contained HTML file); return the path."""
        target = Path(path)
        if not target.parent.is_dir():
            raise FileNotFoundError(
                f"Stepper.save({str(path)!r}): the folder {str(target.parent)!r} does not exist"
            )
        target.write_text(self.html, encoding="utf-8")
        return target


def stepper(
    root: Value, options: StepperOptions | None = None, *, height: int = DEFAULT_HEIGHT, **keywords: Any
) -> Stepper:
    """The step-by-step chain-rule page of ``root``, to show in a notebook cell.

    ``options`` and ``keywords`` are those of ``write_stepper`` (a
    ``StepperOptions``, or ``fmt=``, ``title=``, ``lr=``, ...); ``height``
    is the height of the frame in the cell, in pixels. Click inside the
    frame, then use its buttons or the arrow keys. ``stepper(L).save("steps.html")``
    writes the same page as ``write_stepper(L, "steps.html")``.
    """
    if not isinstance(root, Value):
        raise TypeError(f"stepper(root): expected a Value, got {type(root).__name__}")
    # Checked before any drawing is done: a misspelt option is named with the list of them.
    opts = StepperOptions.build(options, keywords, "stepper()", ("height",))
    return Stepper(stepper_html(root, opts), height)


# -- sliders -----------------------------------------------------------------


def _widgets() -> Any:
    try:
        import ipywidgets
    except ImportError:
        raise ImportError(
            f"interact needs the Python package 'ipywidgets' (and Jupyter); install it with {_INSTALL}"
        ) from None
    return ipywidgets


def _slider_range(name: str, spec: Any, default: Any) -> tuple[float, float, float, float]:
    """``(low, high)`` or ``(low, high, step)`` -> low, high, step, starting value."""
    what = f"interact({name}=...)"
    if not isinstance(spec, (tuple, list)) or len(spec) not in (2, 3):
        raise ValueError(f"{what}: expected a range (low, high) or (low, high, step), got {spec!r:.60}")
    low = real_number(spec[0], f"{what} low")
    high = real_number(spec[1], f"{what} high", low, open_low=True)
    if len(spec) == 3:
        step = real_number(spec[2], f"{what} step", 0.0, open_low=True)
    else:
        # A round step, about a hundredth of the range: (-2, 2) moves by 0.01.
        step = 10.0 ** math.floor(math.log10((high - low) / 100))
    if default is inspect.Parameter.empty:
        start = low + round((high - low) / 2 / step) * step
    else:
        if isinstance(default, bool) or not isinstance(default, numbers.Real) or not low <= default <= high:
            raise ValueError(
                f"{what}: the default of f's parameter {name!r} is {default!r:.60}, which is not a number "
                f"in the slider's range [{low:g}, {high:g}]"
            )
        start = float(default)
    return low, high, step, start


def _decimals(step: float) -> int:
    """The digits after the point that show every value of a slider moving by ``step``."""
    for digits in range(11):
        scaled = step * 10**digits
        if abs(scaled - round(scaled)) <= 1e-9 * scaled:
            return digits
    return 10


def _fitted_svg(svg: str) -> str:
    """The ``<svg>`` element, scaled down to the width of the cell when it is wider."""
    start = svg.find("<svg")
    body = svg[start:] if start >= 0 else svg
    return body.replace("<svg", '<svg style="max-width: 100%; height: auto;"', 1)


class Interaction:
    """Sliders for the inputs of ``f``, with its graph and gradients, redrawn on every change.

    Made by ``interact``. Shows itself in a notebook cell. For code (and tests):

    - ``.sliders``: name -> the ``ipywidgets.FloatSlider`` of that input;
      setting ``.value`` recomputes everything, as dragging it does;
    - ``.output``: the last output Value of ``f`` (after ``backward()``), or
      None when the last call failed; ``.inputs``: name -> its input Value;
    - ``.gradients``: name -> ``∂L/∂name`` of the last call (a float);
    - ``.error``: the message of the last call's failure, or None;
    - ``.table`` and ``.drawing``: HTML widgets holding the table of gradients
      and the graph; ``.html`` is both. A notebook shows them as plain HTML
      under the sliders, so a static copy of the executed notebook still has
      them, at the values the sliders had.
    """

    def __init__(self, f: Callable[..., Value], ranges: Mapping[str, Any]) -> None:
        widgets = _widgets()
        self.f = f
        self.sliders: dict[str, Any] = {}
        signature = _signature(f)
        for name, spec in ranges.items():
            parameter = signature.parameters.get(name)
            default = inspect.Parameter.empty if parameter is None else parameter.default
            low, high, step, start = _slider_range(name, spec, default)
            self.sliders[name] = widgets.FloatSlider(
                value=start, min=low, max=high, step=step, description=name,
                readout_format=f".{_decimals(step)}f", continuous_update=True,
            )
        self.table = widgets.HTML()
        self.drawing = widgets.HTML()
        # Only the sliders are a widget. The table and the graph are shown as plain
        # HTML output, replaced on every change: a static copy of the notebook
        # (nbconvert's HTML, a notebook viewer) cannot draw widgets, and keeps them.
        self.widget = widgets.VBox(list(self.sliders.values()))
        self._handles: list[Any] = []
        self.output: Value | None = None
        self.inputs: dict[str, Value] = {}
        self.gradients: dict[str, float] = {}
        self.error: str | None = None
        self._compute()
        for slider in self.sliders.values():
            slider.observe(self._changed, names="value")

    @property
    def values(self) -> dict[str, float]:
        """The sliders' current values, by name."""
        return {name: float(s.value) for name, s in self.sliders.items()}

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={number_text(v)}" for k, v in self.values.items())
        return f"<Interaction: f({shown}); .sliders, .gradients, .output>"

    @property
    def html(self) -> str:
        """The table of gradients and the drawing of the last call, as one piece of HTML."""
        return self.table.value + self.drawing.value

    def _ipython_display_(self) -> None:
        from IPython.display import HTML, display

        display(self.widget)
        self._handles.append(display(HTML(self.html), display_id=True))

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        # Outside IPython's display machinery: the sliders' view, with the
        # table and graph for whatever cannot draw widgets.
        bundle = dict(self.widget._repr_mimebundle_(**kwargs) or {})
        bundle["text/html"] = self.html
        bundle["text/plain"] = repr(self)
        return bundle

    def _changed(self, change: Any) -> None:
        self._compute()
        if self._handles:
            from IPython.display import HTML

            for handle in self._handles:
                handle.update(HTML(self.html))

    def _compute(self) -> None:
        values = self.values
        call = f"f({', '.join(f'{k}={number_text(v)}' for k, v in values.items())})"
        inputs = {name: Value(v, label=name) for name, v in values.items()}
        try:
            out = self.f(**inputs)
            if not isinstance(out, Value):
                raise TypeError(f"interact: f must return a Value, got {type(out).__name__}")
            out.backward()
        except Exception as error:
            # A slider reached a value where f is undefined (log of a negative, say),
            # or f has a mistake: say so where the student is looking (an exception
            # in a widget's callback shows nowhere), and keep the sliders working.
            self.output, self.inputs, self.gradients = None, {}, {}
            self.error = f"{call} raised {type(error).__name__}: {error}"
            self.table.value = f'<p style="color: #b91c1c;">{html.escape(self.error)}</p>'
            self.drawing.value = ""
            return
        self.output, self.inputs, self.error = out, inputs, None
        self.gradients = {name: x.grad for name, x in inputs.items()}
        names = node_names(topological_order(out), out)
        self.table.value = _gradient_table(out, inputs, names)
        try:
            svg = draw(out, edge_labels=True).svg()
        except (RendererNotFoundError, RenderTimeoutError, RuntimeError) as error:
            self.drawing.value = f"<p>(the graph cannot be drawn: {html.escape(str(error))})</p>"
        else:
            self.drawing.value = f'<div style="max-width: 100%; overflow-x: auto;">{_fitted_svg(svg)}</div>'


def _signature(f: Callable[..., Value]) -> inspect.Signature:
    try:
        return inspect.signature(f)
    except (TypeError, ValueError):  # some builtins have none; their parameters cannot be checked
        return inspect.Signature()


def _gradient_table(out: Value, inputs: Mapping[str, Value], names: Mapping[Value, str]) -> str:
    """Each input's value and ``∂L/∂x``, under the output's value, in explain's notation."""
    top = names[out]
    d_top = in_derivative(top)
    shown = shown_numbers(topological_order(out))  # a result that is 0 up to rounding reads 0
    rows = [
        f"<tr><td>{html.escape(top)}</td><td style='text-align: right'>{number_text(shown[out].data)}</td>"
        f"<td></td><td></td></tr>"
    ]
    for x in inputs.values():
        name = names.get(x, x.label)
        grad = shown[x].grad if x in shown else x.grad
        rows.append(
            f"<tr><td>{html.escape(name)}</td><td style='text-align: right'>{number_text(x.data)}</td>"
            f"<td style='padding-left: 1.5em'>∂{html.escape(d_top)}/∂{html.escape(in_derivative(name))}"
            f"</td><td style='text-align: right'>{number_text(grad)}</td></tr>"
        )
    return (
        '<table class="chainrule-gradients" style="font-family: ui-monospace, Menlo, Consolas, monospace;">'
        "<tr><th style='text-align: left'>value</th><th></th>"
        "<th style='text-align: left; padding-left: 1.5em'>gradient</th><th></th></tr>"
        + "".join(rows) + "</table>"
    )


def interact(f: Callable[..., Value], /, **ranges: Any) -> Interaction:
    """Sliders for the inputs of ``f``; on every change, forward and backward again.

    ``f`` takes Values by keyword and returns a Value (the output L), for
    example ``lambda x, w: (x * w).tanh()``. Each keyword of ``interact``
    names one input and its slider's range: ``x=(-2, 2)``, or
    ``x=(-2, 2, 0.5)`` with a step. A slider starts at ``f``'s default for
    that parameter, if it has one, else in the middle of its range::

        def neuron(x=2.0, w=-3.0, b=6.88):
            return (x * w + b).tanh()

        autograd.interact(neuron, x=(-2, 2), w=(-3, 3), b=(-8, 8))

    Each change makes fresh input Values, runs ``f``, calls ``backward()``
    and redraws the graph and the table of ``∂L/∂x``: nothing adds up from
    one change to the next. Needs ``ipywidgets`` (``pip install
    "chainrule[notebook]"``).
    """
    _widgets()  # the message about installing comes before any other
    if not callable(f):
        raise TypeError(f"interact(f): expected a function of Values, got {type(f).__name__}")
    if not ranges:
        raise ValueError("interact(f): give at least one slider, such as x=(-2, 2)")
    signature = _signature(f)
    parameters = signature.parameters
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    by_keyword = [
        name for name, p in parameters.items()
        if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    ]
    if not takes_any and parameters:
        for name in ranges:
            if name not in by_keyword:
                raise TypeError(
                    f"interact: f has no parameter {name!r}{did_you_mean(name, by_keyword)} "
                    f"(its parameters are {', '.join(by_keyword) or 'none'})"
                )
    for name, p in parameters.items():
        required = p.default is inspect.Parameter.empty and p.kind in (
            inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY
        )
        if required and name not in ranges:
            raise TypeError(
                f"interact: f's parameter {name!r} has no default and no slider; give it a range, "
                f"such as {name}=(-2, 2)"
            )
    return Interaction(f, ranges)
