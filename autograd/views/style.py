"""How a drawing looks: one ``Style``, given to ``draw`` by name or as an object."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Union

from ..checks import did_you_mean, number_format
from ..engine import Value
from .naming import number_text

__all__ = ["Style", "STYLES", "GRAPH_STYLES", "NumberFormat", "number_formatter"]

NumberFormat = Union[str, Callable[[float], str]]

_RANKDIRS = ("LR", "TB", "RL", "BT")


def number_formatter(fmt: NumberFormat | None) -> Callable[[float], str]:
    """How a drawing writes a number: by a format spec (``".4f"``), a function, or as every view (None)."""
    if fmt is None:
        return number_text
    if callable(fmt):
        return fmt
    if not isinstance(fmt, str):
        raise TypeError(f"fmt: expected a format spec such as '.4f' or a function, got {type(fmt).__name__}")
    number_format(fmt, "fmt")
    return lambda x: number_text(x, fmt)




@dataclass(frozen=True)
class Style:
    """How a drawing looks. ``draw(L, style=...)`` takes one, or the name of one (``STYLES``).

    Fields:
        network: draw the network that computed the loss, as the lecture
            draws it (a circle per neuron with its z, a and δ, an arrow per
            weight with its name, value and gradient; see ``network.py``),
            for the loss of one sample through an nn model. ``rankdir``,
            ``edge_labels``, ``summarize`` and ``group_by`` do not apply to it.
        slide: draw for a projector: text of 20 pt, edge labels of 17 pt,
            3 significant digits, boxes stacking ``name``, ``value 2`` and
            ``∂L/∂name = 36``, local derivatives as formula and number, fitted
            to a 16:9 slide. False: compact, for a screen (``name | data | grad``).
        rankdir: ``"LR"`` (inputs on the left, output on the right) or ``"TB"``
            (top to bottom); ``"RL"``/``"BT"`` also work.
        fmt: number format: a format spec such as ``".4f"`` or ``".3g"``, or
            a function float -> str. None: numbers as a person writes them,
            up to 4 significant digits (3 on a slide), with a true minus
            sign, never ``−0``; a result that is zero up to rounding
            (``0.5 − 0.6 + 0.1``) reads 0, its exact float in the box's tooltip.
        edge_labels: write the local derivative ∂(result)/∂(input) on each
            arrow into an operation (``True``), or only on the arrows given
            as ``(result, input position)`` pairs (the others keep the room
            of theirs, so that pictures of a pass half done share one
            layout). Arrows from constants carry no number: a constant has
            no gradient.
        show_grad: show the gradient field (turn off before ``backward()``).
        legend: draw the small table of what the colours mean.
        summarize: draw one box per group of Values instead of one per Value:
            ``True`` one box per neuron of an nn model (or per dotted label,
            ``"layers.0.neurons.3.w.1"`` → ``"layers.0.neurons.3"``); an int
            keeps that many parts of the group (``2``: one box per layer).
            A neuron's products, sum and activation land in its box, titled
            ``neuron 3, layer 1``, and the box shows the value and gradient of
            its output (the one Value of the group used outside it); a loss
            stays outside the boxes; arrows between boxes say how many edges
            they stand for. ``edge_labels`` does not apply to boxes.
        group_by: a function Value -> group name (or None) to choose the
            groups yourself; implies ``summarize``.
        element_ids: give nodes and edges SVG ids (``n3``, ``op3``, ``e3_0``,
            ``o3``) so that a page can find them; used by the HTML stepper.
    """

    network: bool = False
    slide: bool = False
    rankdir: str = "LR"
    fmt: NumberFormat | None = None
    edge_labels: bool | Iterable[tuple[Value, int]] = False
    show_grad: bool = True
    legend: bool = True
    summarize: bool | int = False
    group_by: Callable[[Value], str | None] | None = None
    element_ids: bool = False

    def __post_init__(self) -> None:
        for name in ("network", "slide", "show_grad", "legend", "element_ids"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"Style({name}=...): expected True or False, got {getattr(self, name)!r:.60}")
        if self.rankdir not in _RANKDIRS:
            raise ValueError(
                f"draw(rankdir=...): expected one of {', '.join(_RANKDIRS)}, got {self.rankdir!r:.60}"
            )
        if not isinstance(self.summarize, (bool, int)):
            raise TypeError(
                f"draw(summarize=...): expected True/False or a depth (int), got {self.summarize!r:.60}"
            )
        if self.group_by is not None and not callable(self.group_by):
            raise TypeError(f"draw(group_by=...): expected a function Value -> str or None, "
                            f"got {type(self.group_by).__name__}")
        number_formatter(self.fmt)  # a bad format is told now, not at the first number
        if self.network:
            graph_only = {"rankdir": self.rankdir != "LR", "edge_labels": self.edge_labels is not False,
                          "summarize": self.summarize is not False, "group_by": self.group_by is not None}
            for name, given in graph_only.items():
                if given:
                    raise ValueError(
                        f"draw({name}=...) does not apply to the network picture (style='network'), which "
                        "always runs left to right with its weights on the arrows; draw the graph itself "
                        f"with draw(L, {name}=...)"
                    )
        if not isinstance(self.edge_labels, bool):
            # Pairs given once as any iterable (a generator too), kept as a tuple.
            object.__setattr__(self, "edge_labels", tuple(self.edge_labels))

    @classmethod
    def of(cls, style: str | Style) -> Style:
        """The Style called ``style`` (one of ``STYLES``), or ``style`` itself."""
        if isinstance(style, Style):
            return style
        if isinstance(style, str) and style in _NAMED:
            return _NAMED[style]
        raise ValueError(
            f"draw(style=...): expected one of {', '.join(map(repr, STYLES))} or a Style, got {style!r:.60}"
            f"{did_you_mean(str(style), STYLES)}"
        )

    def replace(self, **changes: Any) -> Style:
        """A copy with some fields changed: ``Style.of("slide").replace(rankdir="TB")``."""
        fields = [f.name for f in dataclasses.fields(self)]
        for name in changes:
            if name not in fields:
                raise TypeError(
                    f"draw() got an unexpected keyword argument {name!r}{did_you_mean(name, fields)}"
                )
        return dataclasses.replace(self, **changes) if changes else self


_NAMED = {
    "default": Style(),
    "slide": Style(slide=True),
    "network": Style(network=True),
    "network-slide": Style(network=True, slide=True),
}
#: The names ``draw(style=...)`` knows: ``"default"`` is compact, for a screen;
#: ``"slide"`` is for a projector (large text, 3 significant digits, name,
#: ``value`` and ``∂L/∂r = …`` stacked); ``"network"`` and ``"network-slide"``
#: draw an nn model's network as the lecture does, for a screen and a projector.
STYLES = tuple(_NAMED)
#: The styles that draw the computation graph itself (write_frames and the command line draw these).
GRAPH_STYLES = tuple(name for name, style in _NAMED.items() if not style.network)
