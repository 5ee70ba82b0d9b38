"""The README's code runs, and the output it shows is what that code prints.

The README is the first thing a newcomer runs. Its code blocks are taken out
of README.md itself and run in a fresh interpreter, in a scratch folder (the
explain example writes a drawing and a stepper page).
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ELISION = "..."


def python_blocks(text: str) -> list[str]:
    """The ```python fenced blocks of a Markdown text, in order."""
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def section(text: str, title: str) -> str:
    """The text of a '## ' section, from its title to the next '## ' title."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, flags=re.MULTILINE | re.DOTALL)
    assert match, f"README.md has no section '## {title}'"
    return match.group(1)


def indented_sample_after(text: str, lead_in: str) -> list[str]:
    """The 4-space indented block that follows the paragraph ending with ``lead_in``."""
    start = text.index(lead_in) + len(lead_in)
    match = re.match(r"\n+((?:    .*\n?)+)", text[start:])
    assert match, f"no indented sample after {lead_in!r}"
    return [line[4:].rstrip() for line in match.group(1).splitlines()]


def run_python(code: str, cwd: Path) -> str:
    """Run code in a fresh interpreter that imports this checkout's packages; return its stdout."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, f"the README's code failed:\n{result.stderr[-3000:]}"
    return result.stdout


def matches_with_elisions(sample: list[str], output: list[str]) -> bool:
    """Does the output read as the sample, where a line '...' stands for any number of lines?

    The lines between two '...' must follow one another in the output, in the sample's
    order; a sample that does not start (end) with '...' starts (ends) where the output does.
    """
    runs: list[list[str]] = [[]]
    for line in sample:
        if line == ELISION:
            runs.append([])
        else:
            runs[-1].append(line)
    first, *middle = runs
    if output[: len(first)] != first:
        return False
    position = len(first)
    if not middle:
        return position == len(output)
    *middle, last = middle
    for run in middle:
        for start in range(position, len(output) - len(run) + 1):
            if output[start : start + len(run)] == run:
                position = start + len(run)
                break
        else:
            return False
    return len(output) - len(last) >= position and output[len(output) - len(last) :] == last


@pytest.mark.parametrize(
    "sample, output, expected",
    [
        (["a", "b"], ["a", "b"], True),
        (["a", "b"], ["a", "c"], False),
        (["a", "...", "d"], ["a", "b", "c", "d"], True),
        (["a", "c", "...", "d"], ["a", "b", "c", "d"], False),  # 'c' is not the second line
        (["a", "...", "c", "...", "e"], ["a", "b", "c", "d", "e"], True),
        (["a", "...", "b"], ["a"], False),  # 'a' cannot be both the first and the last line
        (["...", "c"], ["a", "b", "c"], True),
        (["a", "..."], ["a", "b"], True),
        (["a"], ["a", "b"], False),
    ],
)
def test_matches_with_elisions(sample, output, expected):
    assert matches_with_elisions(sample, output) is expected


def test_first_code_sample_prints_the_hand_derived_gradients(tmp_path):
    code = python_blocks(README)[0]
    assert "from autograd import Value" in code
    printed = run_python(code, tmp_path).split()
    a_grad, b_grad = (float(word) for word in printed)
    # L = tanh(u), u = a*b + b^2 at a = 2, b = -3: dL/da = (1 - tanh(u)^2) * b,
    # dL/db = (1 - tanh(u)^2) * (a + 2b).
    a, b = 2.0, -3.0
    slope = 1.0 - math.tanh(a * b + b * b) ** 2
    assert a_grad == pytest.approx(slope * b, rel=1e-12)
    assert b_grad == pytest.approx(slope * (a + 2 * b), rel=1e-12)


def test_explain_sample_is_what_the_explain_example_prints(tmp_path):
    pytest.importorskip("graphviz")  # the example also draws the graph ([draw])
    text = section(README, "Seeing backpropagation")
    (code,) = python_blocks(text)[:1]
    assert "print(explain(o))" in code
    sample = indented_sample_after(text, "`explain` prints what you would write on the board:")
    assert len([line for line in sample if line != ELISION]) >= 2
    output = run_python(code, tmp_path).splitlines()
    assert matches_with_elisions(sample, output), (
        "README.md's explain sample:\n" + "\n".join(sample) + "\n\nwhat explain prints:\n" + "\n".join(output)
    )


def test_explain_example_writes_the_files_it_names(tmp_path):
    pytest.importorskip("graphviz")
    (code,) = python_blocks(section(README, "Seeing backpropagation"))[:1]
    run_python(code, tmp_path)
    for name in re.findall(r'"(\w+\.(?:png|html))"', code):
        assert (tmp_path / name).stat().st_size > 0, f"the example wrote no {name}"
