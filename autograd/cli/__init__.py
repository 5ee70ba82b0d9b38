"""chainrule's command line (``chainrule`` and ``python -m autograd``) and the
safe parser of the expressions it is given."""

from .main import MODULE_PROG, main

__all__ = ["MODULE_PROG", "main"]
