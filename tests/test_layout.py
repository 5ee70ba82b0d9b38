"""The shape of the house: which module may import which, read from the source with ast.

The engine (the top of autograd/) imports no view and no command line; the
views import no command line; nothing in autograd imports nn; and no two
modules import each other, even inside a function.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path) -> set[str]:
    """Every module of the project that ``path`` imports, at the top or inside a function."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    modules = {module_name(p) for p in sources()}
    return {m for m in found if m in modules} - {module_name(path)}


def sources() -> list[Path]:
    # A page's files are data the browser reads (the playground's example programs), not modules.
    return sorted(p for folder in ("autograd", "nn") for p in (ROOT / folder).rglob("*.py")
                  if "page" not in p.relative_to(ROOT).parts)


GRAPH = {module_name(p): imports(p) for p in sources()}
# The engine: the modules at the top of autograd/ (its __main__ is the command line's door).
ENGINE = [m for m in GRAPH if m.count(".") == 1 and m.startswith("autograd.")
          and m not in ("autograd.views", "autograd.cli", "autograd.__main__")]


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_no_two_modules_import_each_other(module):
    for other in GRAPH[module]:
        if other.startswith(module + ".") or module.startswith(other + "."):
            continue  # a package and its own modules
        assert module not in GRAPH.get(other, set()), f"{module} and {other} import each other"


@pytest.mark.parametrize("module", sorted(ENGINE))
def test_the_engine_imports_no_view_and_no_command_line(module):
    # autograd/__init__ names the views lazily (by string), and replay writes names as explain does.
    allowed = {"autograd.views.naming"} if module == "autograd.replay" else set()
    reached = {m for m in GRAPH[module] if m.startswith(("autograd.views", "autograd.cli"))} - allowed
    assert not reached, f"{module} imports {sorted(reached)}"


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m.startswith("autograd.views")))
def test_the_views_import_no_command_line(module):
    assert not {m for m in GRAPH[module] if m.startswith("autograd.cli")}


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m.startswith("autograd")))
def test_autograd_imports_no_nn(module):
    assert not {m for m in GRAPH[module] if m == "nn" or m.startswith("nn.")}
