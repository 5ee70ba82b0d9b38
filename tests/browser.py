"""Headless Chromium for the browser tests, and the Graphviz check every stepper-page test makes first."""

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


def stepper_pages(browser, folder, *, reduced_motion: bool = True) -> Iterator:
    """What an ``open_page`` fixture yields: a function that writes a stepper page and opens it.

    ``opener(root, **options)`` writes ``write_stepper(root, ..., **options)`` (or the given
    ``html=``) into ``folder`` and opens it at ``width`` × ``height``, with the browser's
    reduced-motion setting on or off; ``address`` is added to its URL (``#step=3``). When the test
    is over, no page may have raised an error or asked for anything outside the file (the page
    works offline, in a lecture hall).
    """
    from autograd.views.stepper import write_stepper

    pages = []
    default_motion = reduced_motion

    def opener(root=None, *, html=None, address="", width=1280, height=720, reduced_motion=None, **options):
        path = folder / f"steps{len(pages)}.html"
        if html is None:
            write_stepper(root, path, **options)
        else:
            path.write_text(html, encoding="utf-8")
        reduce = default_motion if reduced_motion is None else reduced_motion
        page = browser.new_page(viewport={"width": width, "height": height},
                                reduced_motion="reduce" if reduce else "no-preference")
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri() + address)
        pages.append((page, requests, errors))
        return page

    yield opener
    for page, requests, errors in pages:
        assert errors == [], errors
        assert all(url.startswith(("file:", "data:", "about:")) for url in requests), requests
        page.close()
