"""Every explanation plot renders to PNG and draws what its computation returned.

Checks are on content (axes, labels, number of drawn objects), not pixels. Fits are the
cached sampled fits of ``explainfits``.
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from explainfits import fit_of
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.patches import Ellipse, Rectangle
from plothelp import save_png

import hiermodels as hm
from hiermodels.present import plots

pytestmark = pytest.mark.sampling

RADON = ("radon", "log_radon ~ floor + (1 | county)")
SLOPES = ("sleepstudy", "Reaction ~ Days + (Days | Subject)")
CBPP = ("cbpp", "incidence | trials(size) ~ period + (1 | herd)", "binomial")


def _points(ax) -> int:
    return sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))


def test_registry_lists_every_plot():
    for name in plots.__all__:
        assert callable(getattr(plots, name))
    assert "plot_shrinkage_by_size" in plots.__all__ and "plot_efron_morris" in plots.__all__


def test_shrinkage_by_size(tmp_path):
    fit = fit_of(*RADON)
    axes = save_png(plots.plot_shrinkage_by_size(fit, "county"), tmp_path / "size.png")
    assert len(axes) == 2
    for ax in axes:
        assert ax.get_xscale() == "log" and "county" in ax.get_xlabel()
        assert _points(ax) == 85
        assert len(ax.lines) == 2  # population mean and complete pooling
    assert "No pooling" in axes[0].get_title(loc="left")
    assert [t.get_text() for t in axes[1].get_legend().get_texts()] == [
        "estimate",
        "population mean",
        "complete pooling",
    ]


def test_shrinkage_2d(tmp_path):
    fit = fit_of(*SLOPES)
    axes = save_png(plots.plot_shrinkage_2d(fit, "Subject", label_top=2), tmp_path / "2d.png")
    ax = axes[0]
    assert sum(isinstance(p, Ellipse) for p in ax.patches) == 2
    arrows = [t for t in ax.texts if getattr(t, "arrow_patch", None) is not None]
    assert len(arrows) == 18
    assert ax.get_xlabel().startswith("Intercept") and ax.get_ylabel().startswith("Days")


def test_pooling_lines(tmp_path):
    fit = fit_of(*SLOPES)
    fig = plots.plot_pooling_lines(fit, "Subject", "Days", levels=["308", "309", "310"])
    axes = save_png(fig, tmp_path / "lines.png")
    assert len(axes) == 3
    for ax in axes:
        assert len(ax.lines) == 3 and _points(ax) == 10
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["complete pooling", "no pooling", "partial pooling"]


def test_caterpillar(tmp_path):
    fit = fit_of(*SLOPES)
    axes = save_png(plots.plot_caterpillar(fit, "Subject", "Days"), tmp_path / "cat.png")
    ax = axes[0]
    assert len(ax.get_yticklabels()) == 18
    seg = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(seg[0].get_segments()) == 18
    means = fit.group_effects("Subject").xs("Days", level="term")["total_mean"]
    assert np.allclose(np.sort(_offsets_x(ax)), np.sort(means.to_numpy()))


def _offsets_x(ax):
    return np.concatenate(
        [c.get_offsets()[:, 0] for c in ax.collections if isinstance(c, PathCollection)]
    )


def test_variance_decomposition(tmp_path):
    fit = fit_of("pastes", "strength ~ 1 + (1 | batch/cask)")
    axes = save_png(plots.plot_variance_decomposition(fit), tmp_path / "vd.png")
    ax = axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == 3
    widths = sorted(b.get_width() for b in bars)
    assert np.allclose(widths, np.sort(fit.variance_decomposition()["mean"].to_numpy()))
    ticks = [t.get_text().split("\n")[0] for t in ax.get_yticklabels()]
    assert ticks == ["batch", "batch:cask", "residual"]
    assert "ICC" in ax.get_xlabel()


def test_variance_function(tmp_path):
    fit = fit_of(*SLOPES)
    axes = save_png(plots.plot_variance_function(fit, "Subject"), tmp_path / "vf.png")
    assert len(axes) == 2
    assert axes[0].get_title(loc="left").startswith("Fan-out")
    assert axes[1].get_ylim() == (0, 1)


def test_ppc_density_continuous_and_discrete(tmp_path):
    fit = fit_of(*SLOPES)
    axes = save_png(plots.plot_ppc_density(fit, n_draws=20, seed=1), tmp_path / "d.png")
    assert len(axes[0].lines) == 21
    fitc = fit_of(*CBPP)
    axes = save_png(plots.plot_ppc_density(fitc, n_draws=20, seed=1), tmp_path / "c.png")
    ax = axes[0]
    assert len(ax.patches) >= 10 and _points(ax) == 20 * len(ax.patches)
    assert ax.get_ylabel() == "share of rows"


def test_ppc_statistics(tmp_path):
    fit = fit_of(*CBPP)
    axes = save_png(plots.plot_ppc_statistics(fit, group="herd", seed=1), tmp_path / "s.png")
    assert len(axes) == 6  # mean, sd, min, max, zeros + per-herd means
    assert axes[0].get_title(loc="left").startswith("mean")
    assert len(axes[-1].get_yticklabels()) == 15


def test_quantile_residuals(tmp_path):
    fit = fit_of(*CBPP)
    res = fit.residuals(seed=1)
    fig = plots.plot_quantile_residuals(fit, residuals=res, group="herd")
    axes = save_png(fig, tmp_path / "r.png")
    assert len(axes) == 3
    assert _points(axes[0]) == fit.design.n and _points(axes[2]) == 15
    assert any("uniformity (KS)" in t.get_text() for t in axes[0].texts)
    assert len(axes[1].lines) >= 3


def test_prior_posterior(tmp_path):
    fit = fit_of("dyestuff2", "Yield ~ 1 + (1 | Batch)")
    axes = save_png(plots.plot_prior_posterior(fit), tmp_path / "pp.png")
    assert len(axes) == 1
    assert any("piles up at zero" in t.get_text() for t in axes[0].texts)
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert labels[0] == "posterior" and labels[1].startswith("prior HalfNormal")
    fit = fit_of(*SLOPES)
    assert len(save_png(plots.plot_prior_posterior(fit), tmp_path / "pp2.png")) == 2


def test_efron_morris(tmp_path):
    fit = fit_of("bball1970", "Hits | trials(AB) ~ 1 + (1 | Player)", "binomial")
    b = hm.datasets.load("bball1970")
    truth = pd.Series(
        (b["RemainingHits"] / b["RemainingAB"]).to_numpy(), index=b["Player"].astype(str)
    )
    axes = save_png(plots.plot_efron_morris(fit, "Player", truth=truth), tmp_path / "em.png")
    ax = axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["observed\n(no pooling)", "partial\npooling", "truth /\nhold-out"]
    connectors = [ln for ln in ax.lines if len(ln.get_xdata()) == 3]
    assert len(connectors) == 18
    assert _points(ax) == 3 * 18
