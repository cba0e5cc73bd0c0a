r"""Conditional (subject-specific) versus population-averaged fixed effects.

For a non-identity link the two differ. Take the reference row :math:`x_0` (every
predictor at its mean; a 0/1 dummy at 0) and :math:`x_1 = x_0` with predictor :math:`k`
raised by one unit (the dummy set to 1); group-level predictors follow the same rows.

* **conditional** effect: for a typical cluster (:math:`b = 0`), the odds ratio
  :math:`\exp(\beta_k)` (logit) or rate ratio (log link), i.e. the change *within* a
  cluster;
* **population-averaged** effect: the same ratio of the *population* means
  :math:`\bar\mu(x) = E_b[g^{-1}(x'\beta + z'b)]` at :math:`x_1` and :math:`x_0`, i.e. the
  change in the whole population (what a GEE or a marginal model estimates).

Logit: the population-averaged odds ratio is attenuated toward 1 (Jensen's inequality;
approximately :math:`\beta/\sqrt{1 + c^2\tau^2}`, :math:`c = 16\sqrt3/(15\pi)`, Zeger, Liang
& Albert 1988). Log link with random intercepts only: :math:`E[e^{\eta + u}] =
e^{\eta + \tau^2/2}`, so the rate ratios coincide and only the baseline rate is inflated
by :math:`e^{\tau^2/2}`. Both are computed for every posterior draw, so the intervals carry
the uncertainty in :math:`\beta` and in the random-effect covariance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiermodels.derive.predict import group_covariances, population_mean
from hiermodels.derive.summaries import summarize
from hiermodels.derive.tables import fixed_matrix

_SCALE = {
    "logit": "odds ratio",
    "probit": "ratio of odds",
    "cloglog": "hazard ratio",
    "log": "rate ratio",
    "identity": "difference",
}


def _reference_rows(design, k):
    X = design.X
    x0 = X.mean(axis=0)
    binary = np.all(np.isin(X[:, k], (0.0, 1.0)))
    x0[k] = 0.0 if binary else x0[k]
    x1 = x0.copy()
    x1[k] += 1.0
    return x0, x1


def _z_rows(design, x):
    """Group-level predictor values matching the fixed row ``x`` (by term name)."""
    names = design.fixed_names
    out = {}
    for g in design.groups:
        z = g.Z.mean(axis=0)
        for a, t in enumerate(g.terms):
            if t == "Intercept":
                z[a] = 1.0
            elif t in names:
                z[a] = x[names.index(t)]
        out[g.name] = z
    return out


def _ratio(link, m1, m0):
    if link in ("logit", "probit"):
        return (m1 / (1 - m1)) / (m0 / (1 - m0))
    if link == "cloglog":  # log(-log(1 - p)) is linear: exp(beta) = log(1 - p1) / log(1 - p0)
        return np.log1p(-m1) / np.log1p(-m0)
    if link == "log":
        return m1 / m0
    return m1 - m0


def effects_table(fit, prob=None) -> pd.DataFrame:
    """Conditional and population-averaged effect of each fixed effect, side by side.

    Returns
    -------
    DataFrame
        Index (term, effect) with effect in {"conditional", "population-averaged"};
        columns ``scale``, ``mean``, ``sd``, ``lower``, ``upper``. The row
        ``baseline`` gives the mean response at the reference row (probability or rate):
        a typical cluster's versus the population's.
    """
    design, post, fam = fit.design, fit.posterior, fit.family
    beta = fixed_matrix(post, design)
    covs = group_covariances(post, design)

    def means(x):
        eta = beta @ x
        v = np.zeros_like(eta)
        for g in design.groups:
            z = _z_rows(design, x)[g.name]
            v = v + np.einsum("q,dqr,r->d", z, covs[g.name], z)
        return fam.inverse_link(eta), population_mean(fam, eta, v)

    rows, scales = {}, {}
    x_ref = design.X.mean(axis=0)
    cond0, pop0 = means(x_ref)
    base_scale = (
        "probability"
        if fam.link in ("logit", "probit", "cloglog")
        else ("rate" if fam.link == "log" else "mean")
    )
    rows[("baseline", "conditional")] = cond0
    rows[("baseline", "population-averaged")] = pop0
    scales["baseline"] = base_scale
    for k, name in enumerate(design.fixed_names):
        if name == "Intercept":
            continue
        x0, x1 = _reference_rows(design, k)
        c0, p0 = means(x0)
        c1, p1 = means(x1)
        rows[(name, "conditional")] = _ratio(fam.link, c1, c0)
        rows[(name, "population-averaged")] = _ratio(fam.link, p1, p0)
        scales[name] = _SCALE[fam.link]
    tab = summarize({k: v[None, :] for k, v in rows.items()}, prob, diagnostics=False)
    tab.index = pd.MultiIndex.from_tuples(tab.index, names=["term", "effect"])
    tab.insert(0, "scale", [scales[t] for t, _ in tab.index])
    return tab
