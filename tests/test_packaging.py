"""The source distribution: built as pip would build it, it carries what its own tests need.

An unpacked sdist is a place where someone runs ``python -m pytest``: the
tests there import ``conftest.py`` and ``ops_table.py``, run the demos and the
notebook, import the benchmarks and look at the README's pictures. So each of
those files must be inside, and so must the LICENSE the metadata names.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What a checkout may hold besides the project's files: none of it belongs in an sdist, and
# copying it would only slow the build down.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", "__pycache__", "*.egg-info", "build", "dist", "out", ".venv",
    ".pytest_cache", ".hypothesis", ".ruff_cache", ".ipynb_checkpoints",
)

# Files named on purpose, so that an empty glob below cannot pass for a complete sdist.
REQUIRED = [
    "LICENSE",
    "README.md",
    "pyproject.toml",
    "setup.cfg",
    "tests/conftest.py",
    "tests/ops_table.py",
    "demos/tour.ipynb",
    "benchmarks/bench_nn.py",
]
# Every file of these kinds in the source tree is needed by some test.
NEEDED_GLOBS = ["tests/*.py", "demos/*.py", "demos/*.ipynb", "benchmarks/*.py", "docs/images/*"]


def build_backend() -> str:
    """The PEP 517 backend that pyproject.toml declares (what pip and `build` would call)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^build-backend\s*=\s*"([^"]+)"', text, flags=re.MULTILINE)
    assert match, "pyproject.toml declares no build-backend"
    return match.group(1)


def build(source: Path, dist: Path, kind: str) -> str:
    """Build an sdist or a wheel of ``source`` into ``dist`` as pip would (the PEP 517 backend); its name."""
    code = (
        "import importlib, sys\n"
        "backend = importlib.import_module(sys.argv[1])\n"
        f"print(backend.build_{kind}(sys.argv[2]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, build_backend(), str(dist)],
        cwd=source, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def unpacked_sdist(tmp_path_factory) -> Path:
    """Build the sdist from a copy of the source tree (the tree itself is left untouched), unpack it."""
    work = tmp_path_factory.mktemp("sdist")
    source, dist, unpacked = work / "source", work / "dist", work / "unpacked"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    dist.mkdir()
    archive_name = build(source, dist, "sdist")
    with tarfile.open(dist / archive_name) as archive:
        # The "data" filter (refuse absolute paths and links out of the folder) is in every Python
        # released since mid-2023; older ones extract without it.
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        archive.extractall(unpacked, **safe)
    (top,) = unpacked.iterdir()  # an sdist holds one folder, NAME-VERSION
    return top


def files_under(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


@pytest.mark.parametrize("name", REQUIRED)
def test_sdist_contains_the_file(unpacked_sdist, name):
    assert (unpacked_sdist / name).is_file(), f"{name} is missing from the sdist"


@pytest.mark.parametrize("pattern", NEEDED_GLOBS)
def test_sdist_contains_every_source_file_of_the_kind(unpacked_sdist, pattern):
    in_source = {path.relative_to(ROOT).as_posix() for path in ROOT.glob(pattern) if path.is_file()}
    assert in_source, f"the source tree has no {pattern}"
    missing = sorted(in_source - files_under(unpacked_sdist))
    assert not missing, f"missing from the sdist: {', '.join(missing)}"


def test_sdist_files_are_the_source_files(unpacked_sdist):
    # setup.cfg is left out: setuptools writes its own egg_info section into the sdist's copy.
    for name in (name for name in REQUIRED if name != "setup.cfg"):
        assert (unpacked_sdist / name).read_bytes() == (ROOT / name).read_bytes(), name


def test_sdist_metadata_names_the_mit_license_and_its_file(unpacked_sdist):
    metadata = (unpacked_sdist / "PKG-INFO").read_text(encoding="utf-8")
    assert re.search(r"^License(-Expression)?: MIT$", metadata, flags=re.MULTILINE)
    assert re.search(r"^License-File: LICENSE$", metadata, flags=re.MULTILINE)
    assert (unpacked_sdist / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")


@pytest.mark.slow
def test_pytest_collects_the_unpacked_sdist_without_errors(unpacked_sdist):
    # Collection imports every test module, and with them conftest.py, ops_table.py, the demos and
    # the benchmarks: a missing file is a collection error. cwd makes pytest use the sdist's own
    # configuration and import the sdist's own packages (pythonpath = ["."]).
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=unpacked_sdist, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert "error" not in result.stdout.splitlines()[-1].lower()


def extra(name: str) -> set[str]:
    """The distribution names an extra of setup.cfg installs (version bounds dropped)."""
    import configparser

    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    lines = config["options.extras_require"][name].split("\n")
    return {re.split(r"[<>=!~;\[ ]", line.strip(), maxsplit=1)[0].lower() for line in lines if line.strip()}


def test_notebook_extra_installs_jupyter_to_open_the_tour_in():
    # The README says: install [notebook], then open demos/tour.ipynb in Jupyter.
    assert "[all,notebook]" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "notebook" in extra("notebook")
    assert {"nbformat", "nbclient", "ipykernel"} <= extra("notebook")  # what runs it with a kernel


def test_test_extra_runs_the_notebook_without_a_jupyter_server():
    assert {"nbformat", "nbclient", "ipykernel"} <= extra("test")
    assert not extra("test") & {"notebook", "jupyterlab", "jupyter", "jupyter-server", "jupyter_server"}


def test_test_extra_has_the_backend_that_builds_the_sdist():
    assert build_backend().split(".")[0] in extra("test")


def test_test_extra_has_everything_the_build_requires():
    # The tests build the wheel in their own environment: a fresh venv's setuptools may be
    # too old to have bdist_wheel without the wheel package.
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    requires = re.search(r"^requires\s*=\s*\[([^\]]*)\]", text, flags=re.MULTILINE).group(1)
    names = {re.split(r"[<>=!~;\[ ]", r.strip().strip('"'), maxsplit=1)[0].lower()
             for r in requires.split(",") if r.strip()}
    assert names and names <= extra("test")


# The files a page is made of, read at run time with importlib.resources: a wheel without them
# imports fine and fails on the first stepper.
PACKAGE_DATA = ["autograd/views/page/stepper.html", "autograd/views/page/stepper.css",
                "autograd/views/page/stepper.js",
                *(f"autograd/playground/{name}" for name in (
                    "package.json", "package-lock.json", "page/index.html", "page/playground.css",
                    "page/playground.js", "page/worker.mjs", "page/runner.py", "page/examples/moons.py"))]


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    """The file names inside the wheel built from a copy of the source tree."""
    import zipfile

    work = tmp_path_factory.mktemp("wheel")
    source, dist = work / "source", work / "dist"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    dist.mkdir()
    with zipfile.ZipFile(dist / build(source, dist, "wheel")) as wheel:
        return set(wheel.namelist())


@pytest.mark.parametrize("name", PACKAGE_DATA + ["autograd/views/__init__.py", "autograd/cli/__init__.py"])
def test_wheel_contains_the_file(wheel_names, name):
    assert name in wheel_names, f"{name} is missing from the wheel"


@pytest.mark.parametrize("name", PACKAGE_DATA)
def test_sdist_contains_the_page_file(unpacked_sdist, name):
    assert (unpacked_sdist / name).read_bytes() == (ROOT / name).read_bytes()
