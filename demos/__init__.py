"""Runnable lessons: ``python -m demos.NAME [--out DIR] [--quick]``.

Each demo prints what it shows and writes its pictures (PNG) into a folder
(``out/`` unless ``--out DIR`` says otherwise). ``--quick`` is a smaller,
faster run, the one the test suite runs. The plots need matplotlib
(``pip install 'chainrule[plot]'``), the graph drawings Graphviz
(``pip install 'chainrule[draw]'``).

``DEMOS`` names them in the order to take them; ``python -m demos`` lists
them with what each one teaches (the ``DESCRIPTION`` of its module, the same
line its ``--help`` starts with).

The notebook ``demos/tour.ipynb`` walks through the same ideas interactively.
"""

from ._common import MissingExtra, Options, Result

# The one list of demos: each is the module demos.NAME, with a DESCRIPTION and a main(argv).
DEMOS: tuple[str, ...] = (
    "moons",
    "chain_rule",
    "delta_rule",
    "why_backprop",
    "homework",
    "batching",
    "digits",
)

__all__ = ["DEMOS", "MissingExtra", "Options", "Result"]
