"""Which Values belong together in a picture: one box per neuron, one per layer.

``draw(L, summarize=True)`` and the stepper's neuron-by-neuron view show a
network one box per neuron. The boxes come from the model's structure: nn
gives each weight and bias a ``site`` (layer, neuron, input), and a neuron's
products, sum and activation join the group of its parameters. Values from
elsewhere are grouped by their dotted labels (``"layers.0.neurons.3.w.1"``),
or by a function of your own.
"""

from __future__ import annotations

from collections.abc import Callable

from ..engine import Value
from .naming import is_constant

__all__ = ["label_group", "site_group", "group_title", "summary_groups", "depths", "group_outputs"]


def label_group(label: str, depth: int | None = None) -> str | None:
    """The group of a dotted label, used by ``draw(..., summarize=...)``.

    With ``depth``, the first ``depth`` parts: ``label_group("layers.0.neurons.3.w.1", 2)``
    is ``"layers.0"``. Without it, the label minus its last part, and minus the
    name before a trailing index too: ``"layers.0.neurons.3.w.1"`` and
    ``"layers.0.neurons.3.b"`` both give ``"layers.0.neurons.3"`` (one neuron),
    ``"L1.N3.w0"`` gives ``"L1.N3"``. A label without a dot has no group.
    """
    parts = label.split(".")
    if len(parts) < 2:
        return None
    if depth is not None:
        return ".".join(parts[: max(1, min(depth, len(parts) - 1))])
    keep = len(parts) - 1
    if parts[-1].isdigit() and keep >= 2 and not parts[keep - 1].isdigit():
        keep -= 1
    return ".".join(parts[:keep])


def site_group(v: Value, depth: int | None = None) -> str | None:
    """A Value's group by its model's structure (a Parameter's ``site``), else by its dotted label."""
    site = getattr(v, "site", None)
    if site is not None:
        layer, neuron, _ = site
        path = (f"layers.{layer - 1}." if layer is not None else "") + f"neurons.{neuron - 1}.p"
        return label_group(path, depth)
    return label_group(v.label, depth) if v.label else None


def group_title(key: str, members: list[Value]) -> str:
    """The title a person reads on a group's box: ``neuron 3, layer 1`` for nn's neurons.

    A group of a model's parameters is named from their ``site`` (layers and
    neurons counted from 1, as the lecture counts them), never by its key
    (``layers.0.neurons.2``, the name the code uses). A group of your own
    (dotted labels, ``group_by``) is called by its key.
    """
    sites = [site for site in (getattr(v, "site", None) for v in members) if site is not None]
    if not sites:
        return key
    layers = sorted({layer for layer, _, _ in sites if layer is not None})
    neurons = {(layer, neuron) for layer, neuron, _ in sites}
    if len(neurons) == 1:
        ((layer, neuron),) = neurons
        return f"neuron {neuron}" + ("" if layer is None else f", layer {layer}")
    if len(layers) == 1:
        return f"layer {layers[0]}"
    return f"layers {layers[0]}–{layers[-1]}" if layers else "all neurons"


def _joins(v: Value, group: dict[Value, str | None], first_seen: dict[str, int]) -> str | None:
    """The group an unnamed result belongs to, or None: it stays out of every box.

    A result belongs with the group of a named leaf it uses directly (a
    neuron's product w·x joins the neuron of w, not the one that made x; its
    sum joins the neuron of its bias). Otherwise it belongs to a group only
    when it continues that group's own computation: an operation on two or
    more of the group's Values (w1·x1 + w2·x2), or an activation of one. A
    loss, ``(out − t)²`` or ``out / n``, only uses a neuron's output: it stays
    outside.
    """
    leaves = {group[x] for x in v.inputs if not x.inputs and not is_constant(x) and group.get(x) is not None}
    if leaves:
        return max(leaves, key=first_seen.__getitem__)
    used = [x for x in v.inputs if not is_constant(x)]
    groups = {group.get(x) for x in used}
    if len(groups) != 1 or None in groups:
        return None
    operation = v.operation
    if len(used) >= 2 or (operation is not None and operation.kind == "activation"):
        return groups.pop()
    return None


def depths(order: list[Value]) -> dict[Value, int]:
    """How many operations lie between each Value and the leaves (the longest way)."""
    depth: dict[Value, int] = {}
    for v in order:
        depth[v] = 1 + max((depth[x] for x in v.inputs), default=-1)
    return depth


def summary_groups(
    order: list[Value], root: Value, group_by: Callable[[Value], str | None] | None = None,
    depth: int | None = None,
) -> dict[Value, str | None]:
    """The box of each Value of ``order`` in a summary drawing: a group name, or None to stand alone.

    A Value's group is ``group_by(v)``, or else ``label_group`` of its label
    (to ``depth`` parts); an unlabelled result joins a group as ``_joins``
    says (a neuron's products and sum join it, a loss stays outside). The
    output stands alone. A plain-number constant folds into the group of the
    operations using it when they are all of one group. The stepper's view of
    one box per neuron uses the same groups.
    """
    group: dict[Value, str | None] = {}
    first_seen: dict[str, int] = {}
    for v in order:
        key = group_by(v) if group_by is not None else site_group(v, depth)
        if key is not None and not isinstance(key, str):
            raise TypeError(
                f"draw(group_by=...): expected a str or None for each Value, got {type(key).__name__}"
            )
        if key is None and v.inputs and v is not root:
            key = _joins(v, group, first_seen)
        if key is not None:
            first_seen.setdefault(key, len(first_seen))
        group[v] = key
    # The output is drawn as itself, and so are the constants it uses (a loss's divisor).
    group[root] = None
    # A sample's input that every neuron of a layer reads is drawn on its own,
    # with an arrow to each of them.
    users: dict[Value, set[str | None]] = {}
    for v in order:
        for x in v.inputs:
            if group[x] is None and is_constant(x):
                users.setdefault(x, set()).add(group[v])
    for x, groups in users.items():
        if len(groups) == 1 and None not in groups:
            (group[x],) = groups
    return group


def group_outputs(order: list[Value], group: dict[Value, str | None]) -> dict[str, list[Value]]:
    """Each group's outputs: its Values that a Value outside the group uses, in ``order``.

    A neuron's box has one output per sample it ran for (its activation); a
    box shows the numbers of its last one.
    """
    used = {x for v in order for x in v.inputs if group[x] is not None and group[x] != group[v]}
    outputs: dict[str, list[Value]] = {}
    for v in order:
        if v in used:
            outputs.setdefault(group[v], []).append(v)
    return outputs


