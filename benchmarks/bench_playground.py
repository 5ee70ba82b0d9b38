"""The playground in Chromium: first load to ready (cold and warm cache), and micrograd's demo step.

Run from the repository root (needs Node.js for the build, Playwright and a Chromium)::

    python -m benchmarks.bench_playground              # builds the site into a temporary folder
    python -m benchmarks.bench_playground --site DIR   # a site already built

"Ready" is the moment the page's worker has loaded Python, Graphviz and
chainrule (``window.playground.ready``), counted from the navigation. Cold: a
new browser profile each time (empty HTTP and code caches). Warm: the same
page opened again in the same profile. The step is micrograd's demo (see
``bench_nn``): the same program text is run in the page and here, in CPython,
and each prints its seconds per full-batch step.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import urllib.parse

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

STEP_PROGRAM = """\
import time
from nn import MLP, SGD, fit, hinge_loss, linear_decay, make_moons
X, y = make_moons(100, noise=0.1, seed=1337)
model = MLP(2, [16, 16, 1], activation="relu", seed=0)
steps = {steps}
start = time.perf_counter()
h = fit(model, X, y, loss=hinge_loss, optimizer=SGD(model.parameters(), lr=1.0), epochs=steps, l2=1e-4,
        schedule=linear_decay(1.0, 1.0 - 0.9 * steps / 100), progress=False, compile={compile})
print((time.perf_counter() - start) / steps, h.loss[-1])
"""


def _chromium():
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))
    from browser import BROWSER_ARGS, chromium_path

    return sync_playwright, chromium_path(), BROWSER_ARGS


def _load(page, url: str) -> float:
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function("window.playground && window.playground.ready", timeout=300_000, polling=50)
    return time.perf_counter() - start


def _run_in_page(page, base: str, code: str) -> str:
    page.goto(base + "index.html#code=" + urllib.parse.quote(code))
    page.wait_for_function("window.playground.lastRun && !window.playground.running", timeout=600_000)
    return page.inner_text("#output pre.stdout")


def _run_here(code: str) -> str:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<program>", "exec"), {"__name__": "__main__"})
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", help="a built site (default: build one into a temporary folder)")
    parser.add_argument("--loads", type=int, default=3, help="cold and warm loads each (default 3)")
    parser.add_argument("--steps", type=int, default=20, help="training steps timed (default 20)")
    args = parser.parse_args(argv)

    from autograd.playground import build
    from autograd.playground.server import serve

    site = args.site or tempfile.mkdtemp(prefix="chainrule-playground-")
    if not args.site:
        build(site, log=lambda *a: print(*a, file=sys.stderr))
    server = serve(site, "127.0.0.1", 0, background=True, quiet=True)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    sync_playwright, executable, browser_args = _chromium()
    cold, warm, steps = [], [], {}
    with sync_playwright() as p:
        for _ in range(args.loads):
            with tempfile.TemporaryDirectory() as profile:
                context = p.chromium.launch_persistent_context(profile, executable_path=executable,
                                                               args=browser_args)
                cold.append(_load(context.new_page(), base + "index.html"))
                page = context.new_page()  # the same profile: its caches are warm
                warm.append(_load(page, base + "index.html"))
                for compiled in (False, True):
                    code = STEP_PROGRAM.format(steps=args.steps, compile=compiled)
                    steps.setdefault(compiled, []).append(float(_run_in_page(page, base, code).split()[0]))
                context.close()
            print(f"cold {cold[-1]:.1f} s, warm {warm[-1]:.1f} s", file=sys.stderr, flush=True)
    here = {c: float(_run_here(STEP_PROGRAM.format(steps=args.steps, compile=c)).split()[0]) for c in steps}
    server.shutdown()

    print(f"chainrule playground, {platform.machine()}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}; CPython here {platform.python_version()}")
    print(f"first load to ready, cold cache: {', '.join(f'{t:.1f}' for t in cold)} s")
    print(f"first load to ready, warm cache: {', '.join(f'{t:.1f}' for t in warm)} s")
    for compiled, times in steps.items():
        what = "compile=True" if compiled else "graphs"
        best = min(times)
        print(f"micrograd demo step ({what}): page {best * 1e3:.0f} ms, "
              f"CPython {here[compiled] * 1e3:.0f} ms ({best / here[compiled]:.1f}x)")


if __name__ == "__main__":
    main()
