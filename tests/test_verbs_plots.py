"""Conditional effects (table against closed forms) and the ``fit.plot`` accessor."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from scipy.special import expit

import hiermodels as hm
from hiermodels.derive.conditional import conditional_effects
from hiermodels.present.plot_accessor import FIT_PLOTS, PlotAccessor

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
SMALL = {"draws": 200, "tune": 300, "chains": 2, "progressbar": False}


@pytest.fixture(scope="module")
def sleep_fit(sleep):
    return hm.Model("Reaction ~ Days + (Days | Subject)", sleep).fit(seed=4, **SMALL)


@pytest.fixture(scope="module")
def cbpp_fit():
    cbpp = hm.datasets.load("cbpp")
    model = hm.Model("incidence | trials(size) ~ period + (1 | herd)", cbpp, family="binomial")
    return model.fit(seed=4, **SMALL)


@pytest.mark.sampling
def test_conditional_effects_tables(sleep_fit, cbpp_fit):
    tab = conditional_effects(sleep_fit, "Days", n_points=10)
    assert set(tab["curve"]) == {"conditional"}  # identity link: one curve
    b0 = sleep_fit.posterior["Intercept"].values.reshape(-1)
    b1 = sleep_fit.posterior["b"].sel(coef="Days").values.reshape(-1)
    expected = [np.mean(b0 + b1 * x) for x in tab["Days"]]
    np.testing.assert_allclose(tab["mean"], expected, rtol=1e-12)
    assert tab["Days"].min() == 0 and tab["Days"].max() == 9
    ce = conditional_effects(cbpp_fit, "period")
    assert list(ce["curve"].unique()) == ["conditional", "population-averaged"]
    cond = ce[ce["curve"] == "conditional"].set_index("period")["mean"]
    c0 = cbpp_fit.posterior["Intercept"].values.reshape(-1)
    assert cond.loc["1"] == pytest.approx(np.mean(expit(c0)), rel=1e-12)
    pa = ce[ce["curve"] == "population-averaged"].set_index("period")["mean"]
    assert np.all(pa.to_numpy() > cond.to_numpy())  # Jensen below 0.5
    with pytest.raises(hm.HiermodelsError, match="facet"):
        conditional_effects(sleep_fit, "Days", facet="Days")
    with pytest.raises(hm.HiermodelsError, match="not a predictor"):
        conditional_effects(sleep_fit, "Hours")


@pytest.mark.sampling
def test_plot_accessor_lists_every_fit_plot_and_returns_closed_figures(sleep_fit, cbpp_fit):
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    acc = sleep_fit.plot
    assert isinstance(acc, PlotAccessor)
    for name in [*FIT_PLOTS, "conditional_effects"]:
        method = getattr(acc, name)
        assert method.__doc__ and "Returns" in method.__doc__, name
        assert "fit" not in inspect.signature(method).parameters
    plt.close("all")
    fig = acc.caterpillar("Subject", "Days")
    assert isinstance(fig, Figure) and plt.get_fignums() == []  # shown once in Jupyter
    fig = PlotAccessor(cbpp_fit).conditional_effects("period")
    assert isinstance(fig, Figure) and plt.get_fignums() == []
    ax = fig.axes[0]
    assert len(ax.containers) == 2  # conditional and population-averaged error bars
    fig = acc.conditional_effects("Days", n_points=20)
    assert len(fig.axes[0].lines) == 1
    assert "caterpillar" in repr(acc)


def test_verbs_are_listed_in_help_of_fit():
    import pydoc

    text = pydoc.render_doc(hm.Fit, renderer=pydoc.plaintext)
    for verb in ("predictions", "comparisons", "slopes", "emmeans", "contrasts", "hypothesis",
                 "conditional_effects", "kfold", "draws", "update", "plot"):  # fmt: skip
        assert f"{verb}(" in text or f"{verb}\n" in text, verb
    for name in FIT_PLOTS:
        assert getattr(PlotAccessor, name).__doc__
