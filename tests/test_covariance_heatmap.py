"""The covariance heat map draws what ``fit.within_covariance`` returns, for every model kind."""

import warnings

import numpy as np
import pytest

import hiermodels as hm

pytestmark = pytest.mark.sampling


def _drawn(fig):
    return np.asarray(fig.axes[0].images[0].get_array())


def test_heatmap_of_a_residual_structure_fit_is_the_table():
    """A CS residual structure: a symmetric matrix, ones on the diagonal, and every
    off-diagonal cell equal to the table's posterior-mean correlation of that pair."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = hm.Model("distance ~ age * Sex", hm.datasets.load("orthodont"), residual="cs(Subject)").fit(
            draws=150, tune=150, chains=2, seed=2, progressbar=False
        )  # fmt: skip
    tab = fit.within_covariance("Subject")
    M = _drawn(hm.plots.plot_covariance_heatmap(fit, "Subject"))
    assert M.shape == (4, 4)
    np.testing.assert_allclose(M, M.T)
    np.testing.assert_allclose(np.diag(M), 1.0)
    for (a, b), row in tab.iterrows():
        assert M[a, b] == pytest.approx(row["cor_mean"])


def test_heatmap_of_random_slopes_shows_the_full_table(sleep):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = hm.Model("Reaction ~ Days + (Days | Subject)", sleep).fit(
            draws=150, tune=150, chains=2, seed=2, progressbar=False
        )
    tab = fit.within_covariance("Subject")
    M = _drawn(hm.plots.plot_covariance_heatmap(fit, "Subject"))
    ts = sorted(set(tab.index.get_level_values(0)))
    for i, a in enumerate(ts):
        for j, b in enumerate(ts):
            assert M[i, j] == pytest.approx(tab.loc[(a, b), "cor_mean"])


def test_heatmap_labels_many_occasions_and_names_the_unit():
    """Over 12 occasions: about 8 labelled ticks, no cell text; ``label`` names the axes and
    the title names the unit whose table is drawn (a residual structure's is per unit)."""
    df = hm.datasets.load("ovary")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = hm.Model("follicles ~ 1", df, residual="ar1(Mare)").fit(
            draws=100, tune=100, chains=2, seed=3, progressbar=False
        )
    fig = hm.plots.plot_covariance_heatmap(fit, "Mare", label="visit")
    ax = fig.axes[0]
    n = _drawn(fig).shape[0]
    assert n > 12 and not ax.texts
    assert 6 <= len(ax.get_xticks()) <= 9
    assert ax.get_xlabel() == "visit (t')"
    unit = fit.within_covariance("Mare").attrs["unit"]
    assert f"within Mare {unit}" in ax.get_title(loc="left")
