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
    for text in (
        "919 homes in 85 counties",
        "mean pooling",
        "ICC adjusted",
        "new county",
        "small counties shrink toward the population intercept",
        "counties with one home: mean pooling factor",
    ):
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


# --------------------------------------------------------------------------- the other studies
#: study -> (sentences its output must contain, the figures it must write)
STUDIES = {
    "sleep_deprivation.py": (
        ["vertex t* =", "Cor(day 0, day 3) =", "centred at day 4.5", "Satterthwaite df for Days",
         "Shapiro-Wilk p"],
        ["01_pooling_lines", "02_variance_function", "03_covariance_heatmap", "04_shrinkage_2d",
         "05_re_qq"],
    ),
    "ecological_fallacy.py": (
        ["within slope", "contextual effect", "Hausman H =", "Mundlak's within coefficient"],
        ["01_simpson"],
    ),
    "hospital_benchmarking.py": (
        ["Seed 003: ICC 0.057, 30 patients per hospital -> Deff 2.65", "mean pooling factor",
         "median width of a rank interval", "outside the 95 % limits"],
        ["01_shrinkage_by_size", "02_ranks", "03_funnel"],
    ),
    "few_clusters.py": (
        ["is negative and is truncated at 0", "keeps weight", "P(tau > 5)"],
        ["01_anova_dyestuff", "02_anova_dyestuff2"],
    ),
    "meta_analysis_bcg.py": (
        ["risk ratio: common effect", "a new trial's risk ratio", "latitude explains about"],
        ["01_forest", "02_bubble"],
    ),
    "counts.py": (
        ["dispersion ratio: Poisson", "exp(tau^2/2)", "GEE working correlation",
         "largest |Laplace - AGQ| difference"],
        ["01_residuals_poisson", "02_residuals_negbinomial", "03_subject_curves_log",
         "04_subject_curves_logit", "05_compare_ml"],
    ),
    "longitudinal_covariance.py": (
        ["lag-1 autocorrelation of the residuals: raw", "best by LOO:", "CS: one correlation",
         "Cor of counts 1, 5 and 10 visits apart"],
        ["01_residual_acf", "02_covariance_ovary", "03_covariance_orthodont_un"],
    ),
    "crossed_and_nested.py": (
        ["this notebook: 80 respondents x 24 items", "respondents carry", "casks within batches carry",
         "divergences: marginal pastes fit 0"],
        ["01_variance_verbagg", "02_variance_pastes"],
    ),
    "power_number_of_groups.py": (
        ["clusters for 80 % power (closed form)", "cells within 2 Monte Carlo SEs",
         "P(REML puts sd(g) at 0)", "the 95 % interval for tau is narrower than", "1. tau = 0.25"],
        ["01_power", "02_tau_width"],
    ),
    "panel_fe_vs_re.py": (
        ["Hausman H =", "Mundlak's within coefficient", "P(contextual > 0)", "1. H ="],
        ["01_within_between", "02_estimators"],
    ),
}  # fmt: skip


def test_every_case_study_is_run_and_listed_in_the_readme():
    names = {p.name for p in CASES.glob("*.py")}
    assert names == {STUDY.name, *STUDIES}
    readme = (CASES / "README.md").read_text()
    for name in names:
        assert f"({name})" in readme, name


#: Runs every study in one interpreter (one import of hiermodels and the kernels, not six):
#: each study's output follows a "=== <name>" line; its figures go to <out>/<stem>/.
_RUNNER = """
import os, runpy, sys, traceback
out, cases = sys.argv[1], sys.argv[2]
for name in sys.argv[3:]:
    os.environ["HIERMODELS_FIGURES"] = os.path.join(out, name[:-3])
    print(f"=== {name}", flush=True)
    try:
        runpy.run_path(os.path.join(cases, name), run_name="__main__")
        print(f"=== {name} ok", flush=True)
    except Exception:
        traceback.print_exc(file=sys.stdout)
"""


@pytest.fixture(scope="module")
def study_runs(tmp_path_factory):
    out = tmp_path_factory.mktemp("studies")
    env = {**os.environ, "HIERMODELS_DRAWS": "100", "MPLBACKEND": "Agg"}
    cmd = [sys.executable, "-c", _RUNNER, str(out), str(CASES), *sorted(STUDIES)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    sections = {}
    for part in done.stdout.split("=== ")[1:]:
        head, _, body = part.partition("\n")
        sections.setdefault(head.split()[0], []).append((head, body))
    return out, sections, done.stderr


@pytest.mark.sampling
@pytest.mark.parametrize("name", sorted(STUDIES))
def test_case_study_runs_as_a_script(name, study_runs):
    out, sections, stderr = study_runs
    parts = sections.get(name, [])
    body = "".join(b for _, b in parts)
    assert any(h.endswith(" ok") for h, _ in parts), (body + stderr)[-3000:]
    texts, figures = STUDIES[name]
    for text in texts:
        assert text in body, text
    folder = out / name[:-3]
    assert sorted(p.stem for p in folder.glob("*.png")) == figures
    assert all((folder / f"{f}.png").stat().st_size > 10_000 for f in figures)
