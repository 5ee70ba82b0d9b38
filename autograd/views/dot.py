"""The DOT builders: a computation graph as Graphviz boxes, circles and arrows.

``graph_dot`` draws one box per Value and one circle per operation;
``summary_dot`` one box per group (a neuron, a layer). Both take a ``Scene``
(what is drawn: the Values, their names, roles and numbers as every view
shows them, what is highlighted) and a ``Style`` (how: see ``draw.Style``).
``draw()`` puts the two together; these builders are its pieces.
"""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..engine import Parameter, Value
from ..graph import topological_order
from .grouping import depths, group_outputs, group_title, summary_groups
from .naming import (
    hover_text,
    html_name,
    in_derivative,
    is_constant,
    local_formula,
    node_names,
    noise_free,
    op_symbol,
    shown_numbers,
    visible,
)
from .render import import_graphviz
from .roles import value_role
from .style import Style, number_formatter

if TYPE_CHECKING:
    import graphviz

__all__ = [
    "Scene",
    "graph_dot",
    "summary_dot",
    "GraphTooLargeError",
    "COLOURS",
    "HIGHLIGHT_ATTRS",
    "LOOKS",
]

# Graphviz lays a long arrow out as a chain of hidden points, one per rank it
# crosses, and placing those points is what takes minutes when one value feeds
# dozens of operations far apart (x + x + ... + x). Past this many hidden
# points the arrows of such a value share one trunk (see _trunks), and if that
# is not enough the arrows are drawn straight.
_HIDDEN_POINT_BUDGET = 600

_COLOURS = {
    "input": "#dbeafe",
    "parameter": "#fde68a",
    "constant": "#f3f4f6",
    "intermediate": "#ffffff",
    "output": "#bbf7d0",
    "group": "#fef3c7",
    "op": "#f8fafc",
}
_HIGHLIGHT = "#dc2626"
_RED = {"color": _HIGHLIGHT, "penwidth": "2.5"}
_RANKDIRS = ("LR", "TB", "RL", "BT")
#: The colours of the roles, for pages that colour the same Values.
COLOURS = _COLOURS
#: The attributes of what is drawn red (a highlighted path, what has just changed).
HIGHLIGHT_ATTRS = _RED


class GraphTooLargeError(ValueError):
    """The graph has more nodes than ``max_nodes``; the message says how to draw it anyway."""




def _record_text(text: str) -> str:
    """Escape the characters that have a meaning inside a record label."""
    out = _edge_text(text)
    for c in '{}|<>"':
        out = out.replace(c, "\\" + c)
    return out


def _edge_text(text: str) -> str:
    """Escape a plain (non-record) label: a backslash starts an escape in DOT (``\\N``, ``\\l``).

    A control character is written as its escape (dot stops at a NUL, and SVG may hold none).
    """
    return visible(text).replace("\\", "\\\\")



def _on_path(order: list[Value], start: Value) -> set[Value]:
    """The Values on some path from ``start`` to the output (the end of ``order``)."""
    reached = {start}
    for v in order:
        if any(x in reached for x in v.inputs):
            reached.add(v)
    return reached


# A sub- or superscript's size against its letter's, as TeX sets them (7 pt scripts on 10 pt text).
SCRIPT_SCALE = 0.7


@dataclass(frozen=True)
class _Look:
    """Everything that differs between the styles of a drawing."""

    node_size: int
    edge_size: int
    op_size: int
    legend_size: int
    value_word: str
    grad_word: str  # "{out}" stands for the output's name, "{name}" for the box's own
    digits: str | None  # the default number format (None: number_text's 4 significant digits)
    formulas: bool  # edge labels show the local derivative's formula before its number
    stacked: bool  # a box's fields one under the other (narrow boxes: more ranks fit a slide's width)
    graph: tuple[tuple[str, str], ...] = ()


LOOKS = {
    "default": _Look(11, 9, 14, 9, "data", "grad", None, False, False),
    # A slide is wide and short, and the text must stay large: narrow boxes
    # (fields stacked) and ranks packed closer, so that a lesson's graph comes
    # near 16:9 without being scaled down.
    "slide": _Look(20, 17, 24, 16, "value", "∂{out}/∂{name} =", ".3g", True, True,
                   (("nodesep", "0.35"), ("ranksep", "0.4"), ("pad", "0.15"))),
}

# Binary operations whose inputs may not be swapped: their arrows say which
# operand each one is (a − b: 1st − 2nd; a ÷ b; a ^ b).
_ORDERED = frozenset(("-", "/", "**"))
_POSITION = ("1st", "2nd")
_ROLE_WORDS = {
    "input": "input", "parameter": "parameter", "constant": "constant", "intermediate": "result",
    "output": "output", "group": "group (one box for many values)",
}
_UNKNOWN = "?"


def _digraph(rankdir: str, look: _Look) -> graphviz.Digraph:
    graphviz = import_graphviz()
    g = graphviz.Digraph("chainrule", format="svg")
    g.attr(rankdir=rankdir, **dict(look.graph))
    g.attr("node", fontname="Helvetica", fontsize=str(look.node_size))
    g.attr("edge", fontname="Helvetica", fontsize=str(look.edge_size))
    return g


def _html(text: str) -> str:
    text = visible(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _legend(g: graphviz.Digraph, roles: Iterable[str], look: _Look, red: str | None) -> None:
    """One small table of the colours used: a box per role, and red for a highlighted path."""
    cells = [
        f'<td bgcolor="{_COLOURS[role]}" border="1">{_ROLE_WORDS[role]}</td>'
        for role in _ROLE_WORDS if role in roles
    ]
    if red:
        font = f'<font color="{_HIGHLIGHT}">{_html(red)}</font>'
        cells.append(f'<td border="1" color="{_HIGHLIGHT}">{font}</td>')
    table = (
        '<<table border="0" cellborder="0" cellspacing="4" cellpadding="3">'
        f"<tr>{''.join(cells)}</tr></table>>"
    )
    g.node("legend", table, shape="plain", fontsize=str(look.legend_size), id="legend")


def _record(fields: list[str], stacked: bool, rankdir: str) -> str:
    """A record label: fields side by side, or stacked (records turn with rankdir, so braces flip)."""
    across = rankdir in ("LR", "RL")
    text = " | ".join(fields)
    return text if stacked == across else "{ " + text + " }"


def _unrecord(text: str) -> str:
    """A record field's text without the backslashes _record_text put before record specials."""
    return re.sub(r"\\(.)", r"\1", text)


def _html_text(text: str) -> str:
    return html_module.escape(text, quote=True)


def _html_record(cells: list[str], across: bool) -> str:
    """An HTML-like label that reads as a record: the cells side by side, or stacked."""
    if across:
        rows = "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
    else:
        rows = "".join(f"<tr><td>{c}</td></tr>" for c in cells)
    return f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="4">{rows}</table>>'


def _grad_field(grad_word: str, name: str) -> str:
    """The word before a box's gradient: ``grad``, or on a slide ``∂f/∂r =`` with the box's own name."""
    return grad_word.replace("{name}", in_derivative(name))


def _value_node(
    g: graphviz.Digraph, v: Value, i: int, role: str, name: str, number: Callable[[float], str],
    value_of: Callable[[Value], float | None], grad_of: Callable[[Value], float | None] | None,
    hot: dict[str, str], element_ids: bool, look: _Look, grad_word: str, rankdir: str,
    op_hot: dict[str, str] | None = None, tooltip: str | None = None,
) -> None:
    """Add the box of ``v`` and, for a result, its operation node and the arrow from it to the box.

    ``tooltip``: the exact numbers, for a box that shows a result as 0 up to rounding.
    """

    def shown(x: float | None) -> str:
        return _UNKNOWN if x is None else _record_text(number(x))

    if role == "constant":
        # A plain number is written as itself: it has no name and nobody asks for its gradient.
        fields = [shown(value_of(v))]
    else:
        fields = [_record_text(name), f"{look.value_word} {shown(value_of(v))}"]
        if grad_of is not None:
            fields.append(f"{_record_text(_grad_field(grad_word, name))} {shown(grad_of(v))}")
    attrs = {"shape": "record", "style": "filled", "fillcolor": _COLOURS[role], **hot}
    if tooltip:
        attrs["tooltip"] = tooltip
    if element_ids:
        attrs["id"] = f"n{i}"
    scripted = html_name(v, name, round(SCRIPT_SCALE * look.node_size)) if role != "constant" else None
    if scripted is not None:
        # A record cannot hold <SUB>/<SUP>: the same box as an HTML-like table, which both
        # renderers (dot and graphviz-pure) draw with real sub- and superscripts.
        cells = [scripted] + [_html_text(_unrecord(f)) for f in fields[1:]]
        attrs["shape"], attrs["margin"] = "box", "0"
        g.node(f"v{i}", _html_record(cells, across=not look.stacked), **attrs)
    else:
        g.node(f"v{i}", _record(fields, look.stacked, rankdir), **attrs)
    if not v.inputs:
        return
    op_hot = hot if op_hot is None else op_hot
    symbol = op_symbol(v.op)
    op_attrs = {"shape": "circle" if len(symbol) <= 3 else "ellipse", "style": "filled",
                "fillcolor": _COLOURS["op"], "margin": "0.02", "fontsize": str(look.op_size), **op_hot}
    if element_ids:
        op_attrs["id"] = f"op{i}"
    g.node(f"v{i}op", symbol, **op_attrs)
    out_attrs = dict(op_hot)
    if element_ids:
        out_attrs["id"] = f"o{i}"
    g.edge(f"v{i}op", f"v{i}", **out_attrs)


def _edge_label(
    v: Value, position: int, x: Value, number: Callable[[float], str], local: float | None,
    names: dict[Value, str], look: _Look, visible: bool = True,
) -> str:
    """What the arrow from input ``x`` into ``v``'s operation says.

    The operand's place (1st/2nd) for − ÷ ^, and the local derivative ∂v/∂x:
    a number, and in the slide style its formula first (``x1 = 2``). Not
    ``visible``: the number is there but drawn in no colour, keeping its room
    (pictures of a pass half done keep the layout of the finished one).
    """
    place = _POSITION[position] if v.op in _ORDERED and len(v.inputs) == 2 else ""
    text = ""
    if local is not None and not is_constant(x):
        text = number(noise_free(local, (v.data, *(u.data for u in v.inputs))))
        if look.formulas:
            formula = local_formula(v, position, names, number=number)
            if ", since " in formula:  # the case that holds says its number itself
                text = formula
            elif formula not in (text, f"({text})"):  # a constant's number, (−0.5), is said once
                text = f"{formula} = {text}"
    if not text or visible:
        return _edge_text(": ".join(t for t in (place, text) if t))
    hidden = f'<font color="transparent">{_html(text)}</font>'
    return f"<{_html(place)}: {hidden}>" if place else f"<{hidden}>"


# Where the arrows into a two-input operation arrive: the 1st input on one
# side of the circle, the 2nd on the other, whatever the layout; so that the
# order of a − b is seen, and the two arrows (and their labels) run apart.
_PORTS = {"LR": ("n", "s"), "RL": ("n", "s"), "TB": ("w", "e"), "BT": ("w", "e")}


def _arrow_attrs(text: str, position: int, count: int, rankdir: str) -> dict[str, str]:
    """Where an arrow into an operation arrives, and its label.

    Into a two-input operation the arrows arrive on opposite sides of the
    circle (1st input on top, 2nd below; left and right top to bottom), so
    they run apart, and each label sits on its own arrow, where Graphviz keeps
    room for it. (Labels by the arrow heads were tried: they get no room of
    their own and land on the arrows and the boxes.)
    """
    attrs = {"headport": _PORTS[rankdir][position]} if count == 2 else {}
    if text:
        attrs["label"] = text
    return attrs




@dataclass
class Scene:
    """What a drawing shows: the graph's Values in order, and everything about them a box says."""

    root: Value
    order: list[Value]
    index: dict[Value, int]
    roles: dict[Value, str]
    names: dict[Value, str]
    board: dict  # Value -> its numbers as every view shows them (naming.shown_numbers)
    number: Callable[[float], str]
    value_of: Callable[[Value], float | None]
    grad_of: Callable[[Value], float | None] | None
    parameters: set[Value]
    path: set[Value]  # on a highlighted path
    red: str | None  # the legend's words for the highlighted paths
    marked_nodes: set[Value]
    marked_arrows: set[tuple[Value, int]]
    labelled: bool | set[tuple[Value, int]] | None  # which arrows carry their local derivative
    look: _Look
    grad_word: str


def scene(
    root: Value, style: Style, *, highlight: Value | None = None, parameters: Iterable[Value] = (),
    grads: Mapping[Value, float] | None = None, values: Mapping[Value, float] | None = None,
    mark: Iterable[Value | tuple[Value, int]] = (),
) -> Scene:
    """Everything ``draw`` needs to know about ``root``'s graph, its arguments checked against it."""
    look = LOOKS["slide" if style.slide else "default"]
    number = number_formatter(style.fmt if style.fmt is not None else look.digits)
    order = topological_order(root)
    parameter_set = set(parameters)
    for p in parameter_set:
        if not isinstance(p, Value):
            raise TypeError(f"draw(parameters=...): expected Values, got a {type(p).__name__}")
    if highlight is not None and not isinstance(highlight, Value):
        raise TypeError(f"draw(highlight=...): expected a Value of the graph, got {type(highlight).__name__}")
    index = {v: i for i, v in enumerate(order)}
    if highlight is not None and highlight not in index:
        raise ValueError("draw(highlight=...): that Value is not part of the graph of root")
    marked_nodes, marked_arrows = _marks(mark, index)
    names = node_names(order, root)
    # The numbers as every view shows them: rounding noise is 0 (naming.shown_numbers).
    board = shown_numbers(order, grads, values)
    return Scene(
        root=root, order=order, index=index,
        roles={v: value_role(v, root, parameter_set) for v in order}, names=names, board=board,
        number=number, value_of=lambda v: board[v].data,
        grad_of=(lambda v: board[v].grad) if style.show_grad else None,
        parameters=parameter_set,
        path=_on_path(order, highlight) if highlight is not None else set(),
        red=None if highlight is None else f"paths of ∂{names[root]}/∂{names[highlight]}",
        marked_nodes=marked_nodes, marked_arrows=marked_arrows,
        labelled=_labelled_edges(style.edge_labels, index), look=look,
        grad_word=look.grad_word.replace("{out}", in_derivative(names[root])),
    )


def graph_dot(s: Scene, style: Style) -> graphviz.Digraph:
    """One box per Value, one circle per operation, one arrow per input."""
    rankdir, look, index, path, board = style.rankdir, s.look, s.index, s.path, s.board
    g = _digraph(rankdir, look)
    trunks, hidden = _trunks(s.order, index, s.labelled is not None)
    if hidden > _HIDDEN_POINT_BUDGET:
        # Long arrows that no trunk merges (many values, each used twice far
        # apart): straight arrows and a bounded placement are drawn in a second,
        # where curved ones take minutes.
        g.attr(splines="line", nslimit="1")
    for v in s.order:
        i = index[v]
        # A marked result is one just computed: its operation and its arrows in are part of the news.
        hot = _RED if v in path or v in s.marked_nodes else {}
        noisy = _rounded_to_zero(board[v].data, board[v].exact_data) or (
            style.show_grad and _rounded_to_zero(board[v].grad, board[v].exact_grad))
        _value_node(g, v, i, s.roles[v], s.names[v], s.number, s.value_of, s.grad_of, hot, style.element_ids,
                    look, s.grad_word, rankdir, hot, hover_text(s.names[v], board[v]) if noisy else None)
        if v in trunks:
            _trunk(g, i, trunks[v], v in path, path)
        if v.inputs:
            _arrows_into(g, s, style, v, trunks)
    if style.legend:
        _legend(g, set(s.roles.values()), look, s.red)
    return g


def _arrows_into(g: graphviz.Digraph, s: Scene, style: Style, v: Value, trunks: dict) -> None:
    """The arrows from ``v``'s inputs into its operation, each with its local derivative if asked for."""
    i, labelled = s.index[v], s.labelled
    locals_ = v.local_grads() if labelled is not None else (None,) * len(v.inputs)
    for position, x in enumerate(v.inputs):
        shown = labelled is True or (labelled is not None and (v, position) in labelled)
        label = _edge_label(v, position, x, s.number, locals_[position], s.names, s.look, shown)
        attrs = _arrow_attrs(label, position, len(v.inputs), style.rankdir)
        if (x in s.path and v in s.path) or (v, position) in s.marked_arrows or v in s.marked_nodes:
            attrs.update(_RED)
            if "label" in attrs:
                attrs["fontcolor"] = _HIGHLIGHT
        if style.element_ids:
            attrs["id"] = f"e{i}_{position}"
        tail = f"v{s.index[x]}"
        if x in trunks:
            tail = f"v{s.index[x]}j{trunks[x][v]}"
        g.edge(tail, f"v{i}op", **attrs)

def _rounded_to_zero(shown: float | None, exact: float | None) -> bool:
    return shown == 0.0 and exact is not None and exact != 0.0


def _marks(
    mark: Iterable[Value | tuple[Value, int]], index: dict[Value, int]
) -> tuple[set[Value], set[tuple[Value, int]]]:
    nodes: set[Value] = set()
    arrows: set[tuple[Value, int]] = set()
    for item in mark:
        if isinstance(item, Value):
            if item not in index:
                raise ValueError("draw(mark=...): a marked Value is not part of the graph of root")
            nodes.add(item)
        elif isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Value):
            node, position = item
            if node not in index or not isinstance(position, int) or not 0 <= position < len(node.inputs):
                raise ValueError(
                    f"draw(mark=...): ({position!r}) is not an input position of a result of the graph"
                )
            arrows.add((node, position))
        else:
            raise TypeError(
                "draw(mark=...): expected Values and (result, input position) pairs, "
                f"got {type(item).__name__}"
            )
    return nodes, arrows


def _labelled_edges(
    edge_labels: bool | Iterable[tuple[Value, int]], index: dict[Value, int]
) -> bool | set[tuple[Value, int]] | None:
    """True for every arrow, a set of (result, position) for some, None for none."""
    if edge_labels is True or edge_labels is False:
        return True if edge_labels else None
    chosen = set()
    for item in edge_labels:
        pair = isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], Value)
        if not (pair and item[0] in index):
            raise TypeError(
                "draw(edge_labels=...): expected True/False or (result, input position) pairs of the graph, "
                f"got {item!r:.60}"
            )
        chosen.add(item)
    return chosen


def _trunks(
    order: list[Value], index: dict[Value, int], edge_labels: bool
) -> tuple[dict[Value, dict[Value, int]], int]:
    """The values whose arrows share a trunk, and the hidden points left.

    The first is {value: {user: which joint of the trunk it leaves from}}.

    Graphviz gives every operation a rank (a column, left to right) and lays
    an arrow that crosses k ranks out as a chain of k - 1 hidden points; the
    time to place them grows much faster than their number. Graphviz keeps
    arrows short, so a node sits as late as its users allow: the ranks here
    count back from the output (a result one rank after its operation, an
    operation one after the inputs that feed it, twice as far apart with edge
    labels). A value used by operations at ranks r1 <= ... <= rk costs
    sum(r - r1) hidden points with its own arrows, only rk - r1 with a trunk.
    While the whole graph would cost more than _HIDDEN_POINT_BUDGET points,
    the value that saves most gets a trunk. Graphs of a lesson's size stay
    under the budget and are drawn as before.
    """
    step = 2 if edge_labels else 1
    height: dict[Value, int] = {order[-1]: 0}  # ranks before the output
    users: dict[Value, list[tuple[int, Value]]] = {}
    for v in reversed(order):
        if not v.inputs:
            continue
        op_height = height[v] + step
        for x in dict.fromkeys(v.inputs):
            height[x] = max(height.get(x, 0), op_height + step)
            users.setdefault(x, []).append((-op_height, v))
    savings: list[tuple[int, int, Value]] = []
    total = 0
    for x, used in users.items():
        first = min(r for r, _ in used)
        own = sum(r - first for r, _ in used)
        total += own
        gain = own - (max(r for r, _ in used) - first)
        if gain > 0:
            savings.append((gain, -index[x], x))
    chosen: dict[Value, dict[Value, int]] = {}
    for gain, _, x in sorted(savings, reverse=True):
        if total <= _HIDDEN_POINT_BUDGET:
            break
        total -= gain
        # One joint per rank at which x is used; the users of a rank leave from its joint.
        ranks = sorted({r for r, _ in users[x]})
        joint = {r: k for k, r in enumerate(ranks)}
        chosen[x] = {v: joint[r] for r, v in users[x]}
    return chosen, total


def _trunk(g: graphviz.Digraph, i: int, joints: dict[Value, int], hot: bool, path: set[Value]) -> None:
    """Draw the trunk of value ``i``: a line through one small joint per rank of its users."""
    count = max(joints.values()) + 1
    # A segment is red when it leads on to a user that is on a highlighted path.
    last_hot = max((k for v, k in joints.items() if v in path), default=-1) if hot else -1
    colour = {"color": "#374151"}
    for k in range(count):
        g.node(f"v{i}j{k}", "", shape="point", width="0.06", **(_RED if k <= last_hot else colour))
        tail = f"v{i}" if k == 0 else f"v{i}j{k - 1}"
        g.edge(tail, f"v{i}j{k}", arrowhead="none", **(_RED if k <= last_hot else colour))



def summary_dot(s: Scene, style: Style, max_nodes: int | None) -> graphviz.Digraph:
    """One box per group: a neuron's weights, products, sum and activation become one box.

    The legend names the roles drawn: those of the Values drawn alone, and "group".
    """
    g = _digraph(style.rankdir, s.look)
    drawn = _summary_boxes(g, s, style, max_nodes)
    if style.legend:
        _legend(g, drawn, s.look, s.red)
    return g


def _summary_boxes(g: graphviz.Digraph, s: Scene, style: Style, max_nodes: int | None) -> set[str]:
    root, order, index, roles, names, number = s.root, s.order, s.index, s.roles, s.names, s.number
    value_of, grad_of, parameters, path, look, grad_word = (
        s.value_of, s.grad_of, s.parameters, s.path, s.look, s.grad_word)
    depth = None if isinstance(style.summarize, bool) else int(style.summarize)
    group = summary_groups(order, root, group_by=style.group_by, depth=depth)
    members: dict[str, list[Value]] = {}
    for v in order:
        if group[v] is not None:
            members.setdefault(group[v], []).append(v)
    singles = [v for v in order if group[v] is None]
    boxes = len(members) + len(singles)
    if max_nodes is not None and boxes > max_nodes:
        raise GraphTooLargeError(
            f"draw(summarize=...): even summarized, the graph has {boxes} boxes "
            f"({len(members)} groups and {len(singles)} ungrouped values), more than max_nodes={max_nodes}. "
            "Use fewer groups (summarize=2 keeps two parts of each label), a group_by=... that also "
            "groups the unlabelled values, or max_nodes=None"
        )
    outputs = group_outputs(order, group)
    known_roles = bool(parameters) or any(isinstance(v, Parameter) for v in order)
    ids = {key: f"g{i}" for i, key in enumerate(members)}

    def shown(x: float | None) -> str:
        return _UNKNOWN if x is None else _edge_text(number(x))

    for key, vs in members.items():
        out = outputs[key][-1] if key in outputs else vs[-1]
        if known_roles:
            n_params = sum(1 for v in vs if v in parameters or isinstance(v, Parameter))
        else:  # no roles given: the labelled leaves are the parameters (nn labels its own)
            n_params = sum(1 for v in vs if not v.inputs and v.label)
        what = op_symbol(out.op) if out.inputs else names[out]
        fields = [
            _edge_text(group_title(key, vs)),
            f"{len(vs)} values, {n_params} parameter{'' if n_params == 1 else 's'}",
            f"output {_edge_text(what)}",
            f"{look.value_word} {shown(value_of(out))}",
        ]
        if grad_of is not None:
            fields.append(f"{_edge_text(_grad_field(grad_word, names[out]))} {shown(grad_of(out))}")
        # One line per field in a plain box: Graphviz cannot keep boxes drawn as
        # records in a given order (see _stack_in_index_order).
        hot = _RED if any(v in path for v in vs) else {}
        g.node(ids[key], "\\n".join(fields), shape="box", style="filled,rounded", fillcolor=_COLOURS["group"],
               **hot)
    for v in singles:
        _value_node(g, v, index[v], roles[v], names[v], number, value_of, grad_of,
                    _RED if v in path else {}, False, look, grad_word, style.rankdir)
    # Edges between boxes, each drawn once with the number of arrows it stands for.
    counts: dict[tuple[str, str], int] = {}
    on_path: set[tuple[str, str]] = set()
    for v in order:
        dst = ids[group[v]] if group[v] is not None else f"v{index[v]}op"
        for x in v.inputs:
            src = ids[group[x]] if group[x] is not None else f"v{index[x]}"
            if group[x] is not None and group[x] == group[v]:
                continue
            counts[(src, dst)] = counts.get((src, dst), 0) + 1
            if x in path and v in path:
                on_path.add((src, dst))
    for (src, dst), n in counts.items():
        attrs = {"label": f"×{n}"} if n > 1 else {}
        if (src, dst) in on_path:
            attrs.update(_RED)
        g.edge(src, dst, **attrs)
    _stack_in_index_order(g, members, outputs, ids, order)
    return {roles[v] for v in singles} | ({"group"} if members else set())


def _stack_in_index_order(
    g: graphviz.Digraph, members: dict[str, list[Value]], outputs: dict[str, list[Value]],
    ids: dict[str, str], order: list[Value],
) -> None:
    """Neurons 0, 1, 2... of one layer one under the other, in that order.

    Siblings are groups named ``prefix.0``, ``prefix.1``... whose outputs are
    equally far from the leaves (the neurons of one layer; not the layers
    themselves). Invisible arrows between them keep Graphviz from reordering.
    """
    depth = depths(order)
    siblings: dict[tuple[str, int], list[tuple[int, str]]] = {}
    for key, vs in members.items():
        prefix, _, last = key.rpartition(".")
        if prefix and last.isdigit():
            out = outputs[key][-1] if key in outputs else vs[-1]
            siblings.setdefault((prefix, depth[out]), []).append((int(last), key))
    for keys in siblings.values():
        if len(keys) < 2:
            continue
        keys.sort()
        with g.subgraph() as same:
            same.attr(rank="same")
            for _, key in keys:
                same.node(ids[key])
            for (_, a), (_, b) in zip(keys, keys[1:]):
                same.edge(ids[a], ids[b], style="invis")

