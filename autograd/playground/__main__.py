"""python -m autograd.playground build DIR | serve [DIR] [--host H] [--port P]"""

from __future__ import annotations

import argparse
import sys

from . import PlaygroundBuildError, build
from .server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autograd.playground",
        description="Build the chainrule playground (a static site) or serve it.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build", help="write the static site into DIR")
    b.add_argument("dir", metavar="DIR", help="the folder to write (created if needed)")
    s = commands.add_parser("serve", help="serve a built site over HTTP")
    s.add_argument("dir", metavar="DIR", nargs="?", default="playground-site",
                   help="the built site (default: playground-site)")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; 0.0.0.0 serves the room)")
    s.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            build(args.dir)
        else:
            serve(args.dir, args.host, args.port)
    except (PlaygroundBuildError, FileNotFoundError, ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
