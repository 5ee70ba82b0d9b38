"""What shows a graph: drawings, explanations, the stepper and its page, frames,
notebook views, and the naming they share.

Nothing here is loaded by ``import autograd``; the public names (``draw``,
``explain``, ``write_stepper``, ...) are reached through ``autograd`` itself,
which imports the module that defines one the first time it is used.
"""
