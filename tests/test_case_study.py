"""The case studies run as scripts (small draws) and open as notebooks (jupytext)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CASES = Path(__file__).resolve().parents[1] / "case_studies"
STUDY = CASES / "shrinkage_visually.py"


@pytest.mark.sampling
def test_shrinkage_case_study_runs_as_a_script(tmp_path):
    env = {
        **os.environ,
        "HIERMODELS_DRAWS": "150",
        "HIERMODELS_FIGURES": str(tmp_path),
        "MPLBACKEND": "Agg",
    }
    done = subprocess.run(
        [sys.executable, str(STUDY)], capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for text in ("919 homes in 85 counties", "mean pooling", "ICC adjusted", "new county"):
        assert text in out, text
    figures = sorted(p.name for p in tmp_path.glob("*.png"))
    assert figures == [
        "01_pooling_lines.png",
        "02_shrinkage_by_size.png",
        "03_shrinkage_2d.png",
        "04_variance_decomposition.png",
        "05_new_county.png",
    ]
    assert all((tmp_path / f).stat().st_size > 10_000 for f in figures)


def test_case_studies_open_as_notebooks(tmp_path):
    import jupytext  # in the test extra

    for path in sorted(CASES.glob("*.py")):
        nb = jupytext.read(path)
        kinds = [c.cell_type for c in nb.cells]
        assert kinds.count("markdown") >= 5 and kinds.count("code") >= 5, path.name
        assert nb.cells[0].cell_type == "markdown"
        assert nb.cells[0].source.startswith("# "), path.name  # a title
        out = tmp_path / f"{path.stem}.ipynb"
        cmd = [sys.executable, "-m", "jupytext", "--to", "notebook", "--output", str(out), path]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert '"nbformat": 4' in out.read_text()
