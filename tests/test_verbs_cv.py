"""Grouped cross-validation, tidy draws, update, conditional effects and the plot accessor.

K-fold evidence: leave-one-subject-out on six sleepstudy subjects equals an independent
exact computation (refits written out here, the held-out subject's rows scored with
SciPy's multivariate normal N(X beta, sd^2 11' + sigma^2 I) per draw) within Monte Carlo
error from the measured ESS; the Monte Carlo integral over a new cluster's effects (the
path used for non-Gaussian families) agrees with the Gaussian closed form.
"""

from __future__ import annotations

import functools

import arviz as az
import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

import hiermodels as hm
from hiermodels.api.verbs import _update_formula, refit_model
from hiermodels.derive.kfold import fold_assignment, heldout_log_density, kfold

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
SMALL = {"draws": 300, "tune": 300, "chains": 2, "progressbar": False}
FORMULA = "Reaction ~ Days + (1 | Subject)"


@pytest.fixture(scope="module")
def six(sleep):
    keep = sleep["Subject"].astype(str).isin(sorted(sleep["Subject"].astype(str).unique())[:6])
    return sleep[keep].reset_index(drop=True)


def _refit(seed):
    return functools.partial(
        refit_model, model_cls=hm.Model, formula=FORMULA, family="gaussian", link=None, priors=None,
        parameterization="auto", dropna=False, fit_kwargs={**SMALL, "seed": seed},
    )  # fmt: skip


def _mcse_log_mean(lp: np.ndarray, chains: int) -> float:
    """Delta-method MCSE of log mean_s exp(lp_s), with the ESS of exp(lp) measured."""
    w = np.exp(lp - lp.max())
    ess = float(az.ess(w.reshape(chains, -1)))
    return float(w.std(ddof=1) / (w.mean() * np.sqrt(ess)))


def test_fold_assignment_keeps_clusters_together(sleep):
    units, folds, k = fold_assignment(sleep, 4, "Subject", seed=1)
    assert k == 4
    for u in np.unique(units):
        assert len(set(folds[units == u])) == 1
    sizes = np.bincount([folds[units == u][0] for u in np.unique(units)])
    assert sizes.max() - sizes.min() <= 1  # 18 subjects over 4 folds: 5, 5, 4, 4
    _, folds, k = fold_assignment(sleep, None, "Subject")
    assert k == 18
    with pytest.raises(hm.HiermodelsError, match="k="):
        fold_assignment(sleep, 1, "Subject")


@pytest.mark.sampling
def test_kfold_leave_one_subject_out_matches_exact(six):
    fit = _refit(11)(six)
    res = kfold(fit, _refit(11), k=None, by="Subject")
    assert res["n_data_points"] == 6 and "leave-one-out by Subject" in res["cv"]
    ref, var = 0.0, 0.0
    for subj in sorted(six["Subject"].astype(str).unique()):
        test = six["Subject"].astype(str) == subj
        f = _refit(99)(six[~test].reset_index(drop=True))  # an independent run
        post = f.posterior
        b0 = post["Intercept"].values.reshape(-1)
        b1 = post["b"].sel(coef="Days").values.reshape(-1)
        sd = post["sd_Subject"].values.reshape(-1)
        sigma = post["sigma"].values.reshape(-1)
        days, y = six.loc[test, "Days"].to_numpy(float), six.loc[test, "Reaction"].to_numpy()
        m = len(y)
        lp = np.array([
            stats.multivariate_normal(b0[s] + b1[s] * days,
                                      sd[s] ** 2 * np.ones((m, m)) + sigma[s] ** 2 * np.eye(m)).logpdf(y)
            for s in range(len(b0))
        ])  # fmt: skip
        ref += logsumexp(lp) - np.log(len(lp))
        var += _mcse_log_mean(lp, post.sizes["chain"]) ** 2
    # the K-fold run has the same draws per refit: its MCSE is taken equal to this run's
    tol = 4 * np.sqrt(2 * var)
    assert abs(res["elpd_loo"] - ref) < tol, (res["elpd_loo"], ref, tol)


@pytest.mark.sampling
def test_monte_carlo_new_cluster_integral_matches_gaussian_closed_form(six):
    test = six["Subject"].astype(str) == sorted(six["Subject"].astype(str).unique())[0]
    fit = _refit(5)(six[~test].reset_index(drop=True))
    args = (fit, six[test], six.loc[test, "Reaction"].to_numpy(), None)
    exact, _ = heldout_log_density(*args, units=np.zeros(test.sum()))
    mc1, _ = heldout_log_density(*args, units=np.zeros(test.sum()), n_mc=2000, seed=1, exact=False)
    mc2, _ = heldout_log_density(*args, units=np.zeros(test.sum()), n_mc=2000, seed=2, exact=False)
    d1, d12 = (mc1 - exact)[:, 0], (mc1 - mc2)[:, 0]
    sd1 = d12.std(ddof=1) / np.sqrt(2)  # the Monte Carlo error of one run, per draw
    assert abs(d1.mean()) < 4 * sd1 / np.sqrt(len(d1)) + sd1**2  # + the O(1/M) log bias
    assert d1.std(ddof=1) < 1.3 * sd1


@pytest.mark.sampling
def test_fit_kfold_is_accepted_by_compare(six):
    fits = {
        "intercepts": _refit(3)(six),
        "slopes": hm.Model("Reaction ~ Days + (Days || Subject)", six).fit(seed=3, **SMALL),
    }
    cv = {k: f.kfold(k=3, by="Subject", seed=1) for k, f in fits.items()}
    assert all(len(r["fold_seconds"]) == 3 for r in cv.values())
    tab = hm.compare(cv)
    assert set(tab.index) == set(fits) and "elpd_kfold" in str(cv["slopes"])
    with pytest.raises(hm.HiermodelsError, match="K-fold results"):
        hm.compare({"a": cv["slopes"], "b": fits["slopes"]})


# --------------------------------------------------------------------------- draws, update
@pytest.mark.sampling
def test_tidy_draws_and_update(six):
    fit = _refit(1)(six)
    tab = fit.draws()
    post = fit.posterior
    assert len(tab) == post.sizes["chain"] * post.sizes["draw"]
    assert list(tab.columns[:6]) == [
        "chain", "draw", "Intercept", "Days", "sd(Subject, Intercept)", "sigma"
    ]  # fmt: skip
    np.testing.assert_array_equal(tab["Days"], post["b"].sel(coef="Days").values.reshape(-1))
    lev = str(post["Subject"].values[0])
    np.testing.assert_array_equal(
        tab[f"r_Subject[{lev}, Intercept]"], post["r_Subject"].values[:, :, 0, 0].reshape(-1)
    )
    new = fit.update(formula=". ~ . + (0 + Days | Subject)", priors={"b": "normal(0, 20)"},
                     seed=2, tune=300, progressbar=False)  # fmt: skip
    assert new.model.formula == "Reaction ~ Days + (1 | Subject) + (0 + Days | Subject)"
    assert new.model.priors.loc["Days", "prior"] == "Normal(0, 20)"
    assert new.posterior.sizes["draw"] == 300


def test_update_formula_rules():
    old = "Reaction ~ Days + (Days | Subject)"
    assert _update_formula(old, ". ~ . + x") == "Reaction ~ Days + (Days | Subject) + x"
    assert _update_formula(old, "log(Reaction) ~ .") == "log(Reaction) ~ Days + (Days | Subject)"
    assert _update_formula(old, "y ~ 1 + (1 | g)") == "y ~ 1 + (1 | g)"
    assert _update_formula(old, "y ~ x.1 + (1 | g)") == "y ~ x.1 + (1 | g)"
