"""Runnable lessons: ``python -m demos.NAME [--out DIR] [--quick]``.

Each demo prints what it shows and writes its pictures (PNG) into a folder
(``out/`` unless ``--out DIR`` says otherwise). ``--quick`` is a smaller,
faster run, the one the test suite runs. The plots need matplotlib
(``pip install 'chainrule[plot]'``), the graph drawings Graphviz
(``pip install 'chainrule[draw]'``).

- ``moons``: train an MLP 2-16-16-1 on two moons; decision boundary, curves,
  the graph of one neuron.
- ``chain_rule``: worked chain-rule examples, step by step, checked against
  the hand-derived derivatives and drawn.
- ``delta_rule``: backprop as matrix algebra, beside the engine's gradients.
- ``why_backprop``: the operations a full gradient costs, counted three ways.
- ``homework``: two Gaussian classes, a 2-2-1 network with and without bias,
  and scikit-learn (or PyTorch) as a yardstick.
- ``batching``: full-batch, mini-batch and single-sample gradient descent.
- ``digits``: 1 against 2 on the 8x8 digits, and why not MNIST at full size.

The notebook ``demos/tour.ipynb`` walks through the same ideas interactively.
"""

from ._common import MissingExtra, Options, Result

__all__ = ["MissingExtra", "Options", "Result"]
