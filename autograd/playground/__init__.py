"""The playground: chainrule in the browser, as a static site built from this checkout.

``python -m autograd.playground build DIR`` writes the site: ``index.html``,
its script and style, the Python program that runs in the page
(``runner.py``), chainrule's own packages (``autograd`` and ``nn``, as they
are in this checkout) in ``chainrule.zip``, the lesson examples, and under
``vendor/`` the three things it needs from the npm registry, pinned in this
folder's ``package.json`` and ``package-lock.json``:

- Pyodide, CPython compiled to WebAssembly, which runs the unchanged engine
  in a Web Worker (so the page stays responsive while a network trains);
- ``@viz-js/viz``, Graphviz compiled to WebAssembly, which lays the drawings
  out (Python hands it DOT text through ``register_renderer``: no ``dot``
  program is needed in the page);
- CodeMirror 5, the editor.

The site needs no network once built: any static web server will do, or
``python -m autograd.playground serve DIR``, which also sends the two headers
(``Cross-Origin-Opener-Policy`` and ``Cross-Origin-Embedder-Policy``) that
let the Stop button interrupt Python instead of restarting it.

The npm packages are installed with ``npm ci`` into a cache folder (not into
the source tree, which may be read-only), once per version of the lock file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

__all__ = ["build", "serve", "PlaygroundBuildError", "SITE_FILES", "PYODIDE_FILES"]

HERE = Path(__file__).resolve().parent
PAGE = HERE / "page"
#: The checkout's packages that run in the page.
CHECKOUT = HERE.parent.parent

#: Only the Pyodide files that loading Python needs (no packages beyond the standard library).
PYODIDE_FILES = (
    "pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json",
)
# site path under vendor/ -> path inside node_modules
_VENDOR = {
    **{f"pyodide/{name}": f"pyodide/{name}" for name in PYODIDE_FILES},
    "viz/viz.js": "@viz-js/viz/dist/viz.js",
    "codemirror/codemirror.js": "codemirror/lib/codemirror.js",
    "codemirror/codemirror.css": "codemirror/lib/codemirror.css",
    "codemirror/python.js": "codemirror/mode/python/python.js",
}
#: The page's own files, copied as they are.
SITE_FILES = ("index.html", "playground.css", "playground.js", "worker.mjs", "runner.py")
# The examples' order in the menu, by file name (the first line of each is its title).
EXAMPLES = ("xyz.py", "sin_x2.py", "neuron.py", "delta_rule.py", "network.py", "moons.py", "stepper.py",
            "sliders.py", "compile.py")

CACHE_ENV = "CHAINRULE_PLAYGROUND_CACHE"
_NPM_HINT = (
    "install Node.js (which brings npm), for example: apt install nodejs npm / brew install node / "
    "https://nodejs.org; then run the build again"
)


class PlaygroundBuildError(RuntimeError):
    """The site could not be built; the message says what is missing and how to get it."""


def _lock_key() -> str:
    lock = (HERE / "package-lock.json").read_bytes()
    return hashlib.sha256(lock + (HERE / "package.json").read_bytes()).hexdigest()[:12]


def cache_dir() -> Path:
    """Where ``npm ci`` installs the pinned packages: ``$CHAINRULE_PLAYGROUND_CACHE``, or a user cache."""
    root = os.environ.get(CACHE_ENV)
    if root:
        return Path(root)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "chainrule" / f"playground-npm-{_lock_key()}"


def node_modules(log=print) -> Path:
    """The ``node_modules`` folder with the pinned packages, installing them with ``npm ci`` if needed."""
    folder = cache_dir()
    modules = folder / "node_modules"
    stamp = modules / ".chainrule-lock"
    if stamp.is_file() and stamp.read_text() == _lock_key():
        return modules
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise PlaygroundBuildError(f"building the playground needs npm to fetch Pyodide, viz-js and "
                                   f"CodeMirror, and no npm was found; {_NPM_HINT}")
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(HERE / name, folder / name)
    log(f"npm ci in {folder} (Pyodide, viz-js, CodeMirror; about 25 MB, once)")
    result = subprocess.run(
        [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=folder, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise PlaygroundBuildError(
            "npm ci failed (it needs the npm registry once; after that the site builds offline): "
            + " | ".join(detail)
        )
    stamp.write_text(_lock_key())
    return modules


def _python_files(package: Path) -> list[Path]:
    return sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                  and (p.suffix == ".py" or p.parent.name == "page" and p.suffix in (".html", ".css", ".js")))


def _graphviz_package() -> Path:
    """The Python package ``graphviz`` (pure Python), which draw uses to write DOT text."""
    try:
        import graphviz
    except ImportError:
        raise PlaygroundBuildError(
            "the page draws with the Python package 'graphviz' (pure Python, copied into the site), "
            'which is not installed here; install it with pip install "chainrule[draw]"'
        ) from None
    return Path(graphviz.__file__).resolve().parent


def _write_zip(target: Path) -> list[str]:
    """autograd (without this playground package) and nn from the checkout, and graphviz, zipped."""
    names = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for package in (CHECKOUT / "autograd", CHECKOUT / "nn"):
            for path in _python_files(package):
                if HERE in path.parents:
                    continue
                name = path.relative_to(CHECKOUT).as_posix()
                z.write(path, name)
                names.append(name)
        graphviz_dir = _graphviz_package()
        for path in _python_files(graphviz_dir):
            z.write(path, "graphviz/" + path.relative_to(graphviz_dir).as_posix())
    return names


def _examples() -> list[dict[str, str]]:
    out = []
    for name in EXAMPLES:
        text = (PAGE / "examples" / name).read_text(encoding="utf-8")
        first, _, body = text.partition("\n")
        out.append({"title": first.lstrip("# ").strip(), "code": body.lstrip("\n")})
    return out


def build(target: str | os.PathLike, *, log=print) -> Path:
    """Write the playground site into ``target`` (created if needed); return its ``index.html``.

    Raises ``PlaygroundBuildError`` when npm is missing (or cannot reach the
    registry the first time) or the ``graphviz`` Python package is not installed.
    """
    out = Path(target)
    if out.exists() and not out.is_dir():
        raise PlaygroundBuildError(f"build: {str(out)!r} is a file, expected a folder for the site")
    modules = node_modules(log)
    out.mkdir(parents=True, exist_ok=True)
    for name in SITE_FILES:
        shutil.copyfile(PAGE / name, out / name)
    for site_path, module_path in _VENDOR.items():
        source = modules / module_path
        if not source.is_file():
            raise PlaygroundBuildError(f"{module_path} is missing from {modules}; delete that folder and "
                                       "build again to reinstall the pinned packages")
        (out / "vendor" / site_path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, out / "vendor" / site_path)
    files = _write_zip(out / "chainrule.zip")
    examples = json.dumps(_examples(), ensure_ascii=False, indent=1)
    (out / "examples.json").write_text(examples, encoding="utf-8")
    versions = {name: json.loads((modules / name / "package.json").read_text())["version"]
                for name in ("pyodide", "@viz-js/viz", "codemirror")}
    from autograd import __version__

    (out / "build-info.json").write_text(json.dumps(
        {"chainrule": __version__, "python_files": len(files), **versions}, indent=1), encoding="utf-8")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    log(f"wrote the playground to {out} ({size / 1e6:.1f} MB); serve it with: "
        f"{Path(sys.executable).name} -m autograd.playground serve {out}")
    return out / "index.html"


def serve(*args, **kwargs):
    """Serve a built site (see ``autograd.playground.server.serve``)."""
    from .server import serve as _serve

    return _serve(*args, **kwargs)
