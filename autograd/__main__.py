"""``python -m autograd "expression" --at x=1 ...``: see ``autograd.cli.main``."""

import sys

from .cli import MODULE_PROG, main

if __name__ == "__main__":
    sys.exit(main(prog=MODULE_PROG))
