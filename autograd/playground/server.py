"""Serve a built playground with the standard library's HTTP server, for a room or for tests."""

from __future__ import annotations

import functools
import http.server
import os
import socket
import sys
import threading
from pathlib import Path

__all__ = ["Handler", "make_server", "serve", "addresses"]

# Types that older mimetypes tables do not know (or get wrong): the browser
# refuses to compile WebAssembly or run a module script served as anything else.
_TYPES = {
    ".wasm": "application/wasm",
    ".mjs": "text/javascript",
    ".js": "text/javascript",
    ".json": "application/json",
    ".py": "text/plain; charset=utf-8",
    ".zip": "application/zip",
    ".css": "text/css",
    ".html": "text/html; charset=utf-8",
}


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, with the headers that make the page cross-origin isolated.

    ``Cross-Origin-Opener-Policy: same-origin`` with
    ``Cross-Origin-Embedder-Policy: require-corp`` gives the page
    ``SharedArrayBuffer``, which Pyodide's interrupt buffer needs for Stop to
    raise ``KeyboardInterrupt`` in the running program. Everything the page
    loads comes from this server, so the policy blocks nothing.
    """

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **_TYPES}

    def end_headers(self) -> None:
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        if getattr(self.server, "quiet", False):
            return
        super().log_message(format, *args)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    quiet = False

    def handle_error(self, request, client_address) -> None:
        # A browser that closes a page mid-download (a reload, Stop's restart) is no error of ours.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def make_server(directory: str | os.PathLike, host: str = "127.0.0.1", port: int = 8000,
                quiet: bool = False) -> http.server.ThreadingHTTPServer:
    """An HTTP server for the site in ``directory`` (port 0: any free port), not yet started."""
    folder = Path(directory)
    if not (folder / "index.html").is_file():
        raise FileNotFoundError(
            f"serve: no index.html in {str(folder)!r}; build the site first with "
            f"python -m autograd.playground build {folder}"
        )
    if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
        raise ValueError(f"serve(port=...): expected a port number from 0 to 65535, got {port!r}")
    handler = functools.partial(Handler, directory=str(folder))
    server = _Server((host, port), handler)
    server.quiet = quiet
    return server


def addresses(host: str, port: int) -> list[str]:
    """The addresses to type into a browser: this machine's network address too when serving to all."""
    if host not in ("0.0.0.0", "::", ""):
        shown = f"[{host}]" if ":" in host else host
        return [f"http://{shown}:{port}/"]
    found = [f"http://localhost:{port}/"]
    try:
        # A UDP "connection" sends nothing; it only picks the interface a packet would leave by.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("10.255.255.255", 1))
            found.append(f"http://{s.getsockname()[0]}:{port}/")
    except OSError:
        pass
    return found


def serve(directory: str | os.PathLike = "playground-site", host: str = "127.0.0.1", port: int = 8000,
          *, background: bool = False, quiet: bool = False):
    """Serve the site until Ctrl+C (or, with ``background=True``, in a thread; returns the server)."""
    server = make_server(directory, host, port, quiet=quiet)
    port = server.server_address[1]
    if background:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server
    urls = addresses(host, port)
    print(f"Serving the chainrule playground from {directory} at {urls[0]}", flush=True)
    for other in urls[1:]:
        print(f"  on the network: {other} (Stop restarts Python there: browsers isolate only "
              "localhost and https pages)", flush=True)
    print("Press Ctrl+C to stop.", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()
    return server
