"""Runnable lessons: ``python -m demos.NAME [--out DIR] [--quick]``.

Each demo prints what it shows and writes its pictures (PNG) into a folder
(``out/`` unless ``--out DIR`` says otherwise). ``--quick`` is a smaller,
faster run, the one the test suite runs.

- ``delta_rule``: backprop as matrix algebra, beside the engine's gradients.
- ``why_backprop``: the operations a full gradient costs, counted three ways.
"""

from ._common import MissingExtra, Options, Result

__all__ = ["MissingExtra", "Options", "Result"]
