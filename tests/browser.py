"""Headless Chromium for the browser tests: where it is, and how it is started."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator

import pytest

# As root, in a sandbox with no network: no sandboxing of its own, no GPU, and
# none of the background connections that the closed network would refuse.
BROWSER_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_path() -> str | None:
    """The Chromium to drive (CHAINRULE_CHROMIUM, or one on PATH), or None."""
    for candidate in (os.environ.get("CHAINRULE_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


@contextlib.contextmanager
def launched_chromium() -> Iterator:
    """A headless Chromium driven by Playwright; the test is skipped when either is missing."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_path()
    if executable is None:
        pytest.skip("no Chromium installed (set CHAINRULE_CHROMIUM to its path)")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=BROWSER_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def require_renderer() -> None:
    """Skip the calling test module unless Graphviz (the Python package and a renderer) is installed."""
    pytest.importorskip("graphviz")
    from autograd import RendererNotFoundError
    from autograd.views.draw import find_renderer

    try:
        find_renderer()
    except RendererNotFoundError:
        pytest.skip("no Graphviz renderer installed", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for a whole test module (import this fixture into the module)."""
    with launched_chromium() as chromium:
        yield chromium
