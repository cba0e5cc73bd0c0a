"""Meta-analysis plots render to PNG and draw what the fit's methods return.

The fits use ``backend="exact"`` (independent draws from the grid-integrated posterior),
so these tests need no MCMC.
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.collections import PathCollection
from plothelp import save_png

import hiermodels as hm
from hiermodels.present.plots.meta_forest import plot_meta_forest
from hiermodels.present.plots.meta_funnel import plot_meta_funnel
from hiermodels.present.plots.meta_shrinkage_trace import plot_meta_shrinkage_trace
from hiermodels.present.plots.meta_tau_prior import plot_tau_prior_posterior


@pytest.fixture(scope="module")
def fits():
    bcg = hm.datasets.load("bcg")
    schools = hm.datasets.load("eight_schools")
    return {
        "bcg": hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial").fit(seed=1, backend="exact"),
        "reg": hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial", moderators="~ ablat").fit(
            seed=1, backend="exact"
        ),
        "schools": hm.MetaAnalysis(schools, yi="y", sei="sigma", study="school").fit(
            seed=1, backend="exact"
        ),
    }


def test_forest(fits, tmp_path):
    fit = fits["bcg"]
    fig = plot_meta_forest(fit, xlabel="log risk ratio")
    save_png(fig, tmp_path / "forest.png")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[:13] == [str(i) for i in range(1, 14)]
    assert labels[13:] == [r"pooled mean $\mu$", "new study (PI)"]
    assert ax.get_xlabel() == "log risk ratio"
    obs = next(ln for ln in ax.lines if ln.get_marker() == "s")
    np.testing.assert_allclose(obs.get_xdata(), fit.study_effects()["yi"])
    shr = next(ln for ln in ax.lines if ln.get_marker() == "o")
    np.testing.assert_allclose(shr.get_xdata(), fit.study_effects()["mean"])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any("prediction interval" in t for t in legend)
    # meta-regression: no pooled diamond, fitted targets instead
    fig = plot_meta_forest(fits["reg"])
    save_png(fig, tmp_path / "forest_reg.png")
    ax = fig.axes[0]
    assert len(ax.get_yticklabels()) == 13
    assert any(ln.get_marker() == "|" for ln in ax.lines)


def test_funnel(fits, tmp_path):
    fig = plot_meta_funnel(fits["bcg"])
    save_png(fig, tmp_path / "funnel.png")
    ax = fig.axes[0]
    pts = np.concatenate([c.get_offsets() for c in ax.collections if isinstance(c, PathCollection)])
    assert len(pts) == 13
    assert ax.get_ylabel() == "standard error"
    assert ax.yaxis_inverted()
    table = fits["bcg"].funnel()
    assert set(map(tuple, np.round(pts, 10))) == set(
        zip(np.round(table["x"], 10), np.round(table["sei"], 10), strict=True)
    )
    fig = plot_meta_funnel(fits["reg"])
    assert "residual" in fig.axes[0].get_xlabel()


def test_tau_prior_posterior(fits, tmp_path):
    fit = fits["schools"]
    fig = plot_tau_prior_posterior(fit)
    save_png(fig, tmp_path / "tau.png")
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[0] == "MCMC draws" and "posterior" in legend
    assert any(t.startswith("prior: HalfNormal") for t in legend)
    assert any("REML" in t and "= 0" in t for t in legend)  # eight schools: REML tau = 0
    post = next(ln for ln in ax.lines if ln.get_label() == "posterior")
    tab = fit.tau_prior_posterior()
    np.testing.assert_allclose(post.get_ydata(), tab["posterior"])
    # the exact density integrates to ~1 over the plotted range
    assert np.trapezoid(tab["posterior"], tab["tau"]) == pytest.approx(1.0, abs=0.01)


def test_shrinkage_trace(fits, tmp_path):
    fit = fits["schools"]
    fig = plot_meta_shrinkage_trace(fit)
    save_png(fig, tmp_path / "trace.png")
    top, bottom = fig.axes
    curves = [ln for ln in top.lines if len(ln.get_xdata()) > 2]
    assert len(curves) == 8 + 1  # eight schools and E[mu | tau, y]
    assert sorted(t.get_text() for t in top.texts) == list("ABCDEFGH")
    trace = fit.shrinkage_trace()
    # at tau = 0 every school sits at the pooled estimate, far out each at its own y
    assert np.ptp(trace.iloc[0, :8]) < 1e-9
    assert bottom.get_xlabel().startswith("between-study SD")
    fig = plot_meta_shrinkage_trace(fits["reg"])
    assert len([ln for ln in fig.axes[0].lines if len(ln.get_xdata()) > 2]) == 13
