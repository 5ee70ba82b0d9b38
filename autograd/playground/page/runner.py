"""What runs a program in the playground's Web Worker, inside Pyodide.

The engine and nn are chainrule's own, unchanged. This file only connects
them to the page:

- drawings are laid out by viz-js (Graphviz compiled to WebAssembly) through
  ``autograd.views.draw.register_renderer``;
- ``nn.fit``'s progress goes to the page (a bar and a live loss curve)
  through a small stand-in for ``tqdm``, the progress bar fit uses when it
  is installed;
- ``autograd.interact`` gets a stand-in for ``ipywidgets``: its sliders
  become HTML range inputs, and moving one sets the slider's value here,
  which reruns the function exactly as in Jupyter;
- the value of the program's last expression, and anything passed to
  ``display(...)``, is shown as what it is: a drawing, the stepper, sliders,
  generated code, or its text.

The page (a worker) provides two functions: ``chainrule_render(dot, format)``
and ``chainrule_post(json_text)``.
"""

from __future__ import annotations

import ast
import json
import linecache
import sys
import traceback
import types

import js  # the worker's global scope, provided by Pyodide

PROGRAM = "<program>"
_interactions: dict[int, object] = {}


def _post(kind: str, **fields: object) -> None:
    js.chainrule_post(json.dumps({"type": kind, **fields}))


# -- drawings: viz-js instead of a dot program -------------------------------


def _render(dot: str, fmt: str) -> str:
    if fmt not in ("svg", "plain", "dot", "json", "xdot"):
        raise ValueError(f"in the playground drawings are laid out by viz-js, which writes svg, not {fmt!r}")
    try:
        return str(js.chainrule_render(dot, fmt))
    except Exception as error:  # a JavaScript error, with Graphviz's message
        raise RuntimeError(f"viz-js could not lay the graph out: {error}") from None


# -- stand-ins for tqdm and ipywidgets ---------------------------------------


class _Bar:
    """The little of ``tqdm.auto.tqdm`` that fit uses, reporting to the page."""

    def __init__(self, iterable=None, total=None, desc="", unit="it", leave=True, **_ignored) -> None:
        self.iterable = iterable
        if total is None and iterable is not None and hasattr(iterable, "__len__"):
            total = len(iterable)
        self.total, self.desc, self.n, self.status = total, desc, 0, ""
        _post("progress", n=0, total=total, desc=desc, status="")

    def set_postfix_str(self, s: str = "", refresh: bool = True) -> None:
        self.status = str(s)

    def update(self, n: int = 1) -> None:
        self.n += n
        _post("progress", n=self.n, total=self.total, desc=self.desc, status=self.status)

    def close(self) -> None:
        _post("progress-end", n=self.n, total=self.total, status=self.status)

    def __iter__(self):
        for item in self.iterable:
            yield item
            self.update(1)
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Widget:
    def __init__(self, **traits) -> None:
        self._observers = []
        for name, value in traits.items():
            object.__setattr__(self, name, value)

    def observe(self, handler, names=None) -> None:
        self._observers.append(handler)

    def __setattr__(self, name: str, value: object) -> None:
        old = self.__dict__.get(name)
        object.__setattr__(self, name, value)
        if name == "value" and value != old:
            for handler in list(getattr(self, "_observers", ())):
                handler({"name": "value", "old": old, "new": value, "owner": self})


class FloatSlider(_Widget):
    pass


class HTML(_Widget):
    def __init__(self, value: str = "", **traits) -> None:
        super().__init__(value=value, **traits)


class VBox(_Widget):
    def __init__(self, children=(), **traits) -> None:
        super().__init__(children=list(children), **traits)


def _install_stand_ins() -> None:
    tqdm = types.ModuleType("tqdm")
    tqdm.__doc__ = "The playground's progress bar: fit's progress shown in the page."
    tqdm.tqdm = _Bar
    auto = types.ModuleType("tqdm.auto")
    auto.tqdm = _Bar
    tqdm.auto = auto
    widgets = types.ModuleType("ipywidgets")
    widgets.__doc__ = "The playground's sliders: HTML range inputs in the page."
    widgets.FloatSlider, widgets.HTML, widgets.VBox = FloatSlider, HTML, VBox
    sys.modules.update({"tqdm": tqdm, "tqdm.auto": auto, "ipywidgets": widgets})


# -- showing a result ---------------------------------------------------------


def _kind(value: object) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def display(*values: object) -> None:
    """Show each value in the page: a drawing as a picture, the stepper, sliders, code, or its text."""
    for value in values:
        _show(value)


def _show(value: object) -> None:
    kind = _kind(value)
    if kind == "autograd.views.render.Drawing":
        _post("svg", svg=value.fitted_svg(), nodes=value.node_count)
    elif kind == "autograd.views.notebook.Stepper":
        _post("stepper", html=value.html, height=value.height)
    elif kind == "autograd.views.notebook.Interaction":
        key = len(_interactions) + 1
        _interactions[key] = value
        sliders = []
        for name, s in value.sliders.items():
            digits = s.readout_format.strip(".f")
            sliders.append({"name": name, "min": s.min, "max": s.max, "step": s.step, "value": s.value,
                            "decimals": int(digits) if digits.isdigit() else 2})
        _post("interact", id=key, sliders=sliders, html=value.html)
    elif kind == "autograd.replay.Compiled" and value.sources:  # traced: it has code to show
        _post("code", text=value.source, title="compiled code (.source)")
    elif kind == "nn.train.History" and value.loss:
        _post("text", text=repr(value))
        _post("curve", loss=list(value.loss))
    else:
        text = str(value) if kind in ("autograd.views.explain.Explanation", "nn.layer_view.LayerView") \
            else repr(value)
        _post("text", text=text)


def slide(key: int, name: str, value: float) -> None:
    """A slider moved in the page: set it (which reruns f) and send back the new table and drawing."""
    interaction = _interactions.get(int(key))
    if interaction is None or name not in interaction.sliders:
        return
    interaction.sliders[name].value = float(value)
    _post("interact-update", id=int(key), html=interaction.html)


# -- running a program --------------------------------------------------------


def _program_traceback(error: BaseException) -> str:
    """Python's traceback, from the program's first frame on (this file's frames are not the student's)."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


def run(code: str) -> bool:
    """Run ``code`` in a fresh namespace; show its last expression. True when it finished without error."""
    lines = code.splitlines(keepends=True)
    linecache.cache[PROGRAM] = (len(code), None, lines, PROGRAM)  # so tracebacks quote the program
    namespace = {"__name__": "__main__", "display": display}
    try:
        tree = ast.parse(code, PROGRAM, "exec")
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        # The learner's own program, in their own browser: running it is the point of the page.
        exec(compile(tree, PROGRAM, "exec"), namespace)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), PROGRAM, "eval"), namespace)
            if value is not None:
                _show(value)
    except BaseException as error:  # KeyboardInterrupt from Stop included: the page says what happened
        _post("error", text=_program_traceback(error), name=type(error).__name__)
        return False
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return True


def setup() -> None:
    """Connect drawing, progress and sliders to the page; import the engine once so runs start fast."""
    _install_stand_ins()
    from autograd.views.draw import register_renderer

    register_renderer("viz-js", _render)
    import autograd  # noqa: F401
    import nn  # noqa: F401
