"""``python -m demos``: list the demos and what each one teaches.

The list is ``demos.DEMOS``, and each line is the ``DESCRIPTION`` of the
demo's own module, so that nothing here can fall out of step with the demos.
Importing a demo is cheap: the libraries it plots or draws with are imported
only when it runs.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

from . import DEMOS


def lessons() -> list[tuple[str, str]]:
    """Each demo's name and what it teaches, in the order of ``DEMOS``."""
    return [(name, importlib.import_module(f"{__package__}.{name}").DESCRIPTION) for name in DEMOS]


def main(argv: Sequence[str] | None = None) -> None:
    """Print the demos, one a line, and how to run one."""
    parser = argparse.ArgumentParser(
        prog="python -m demos", description="List the demos and what each one teaches."
    )
    parser.parse_args(None if argv is None else list(argv))
    rows = lessons()
    width = max(len(name) for name, _ in rows)
    print("The demos, in the order to take them. Run one with: python -m demos.NAME [--out DIR] [--quick]")
    print()
    for name, teaches in rows:
        print(f"  {name:<{width}}  {teaches}")
    print()
    print("Each prints what it shows and writes its pictures (PNG) to out/ (--out DIR to choose);")
    print("--quick is a smaller, faster run. python -m demos.NAME --help tells more about one.")
    print("The notebook demos/tour.ipynb walks through the same ideas interactively.")


if __name__ == "__main__":
    main()
