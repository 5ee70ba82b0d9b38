"""The notebook tour: committed clean, and it runs from top to bottom in a real Jupyter kernel."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "demos" / "tour.ipynb"


def test_tour_is_committed_without_outputs():
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    assert code, "the tour has no code cells"
    for cell in code:
        assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.fixture
def this_python_kernel(tmp_path, monkeypatch) -> str:
    """A kernelspec that starts a kernel with this very interpreter (sys.executable).

    ipykernel writes the spec; JUPYTER_PATH makes it the one Jupyter finds, so
    the kernel sees the same installed packages as the test.
    """
    kernelspec = pytest.importorskip("ipykernel.kernelspec")
    name = "chainrule-test-python"
    kernelspec.write_kernel_spec(tmp_path / "kernels" / name)
    spec = json.loads((tmp_path / "kernels" / name / "kernel.json").read_text())
    assert spec["argv"][0] == sys.executable
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    return name


@pytest.mark.slow
def test_tour_runs_in_a_real_kernel_without_errors(this_python_kernel, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name=this_python_kernel,
        timeout=600,
        # Run from the repository root, so that the notebook imports this checkout.
        resources={"metadata": {"path": str(ROOT)}},
    )
    client.execute()  # raises CellExecutionError, with the cell and traceback, on any error
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    # The drawings show inline, as SVG.
    assert any("image/svg+xml" in o.get("data", {}) for o in outputs)
