r"""Panel data: the fixed-effects (within) estimator beside random effects, and Hausman's test.

With units :math:`j` observed repeatedly, :math:`y_{jt} = x_{jt}'\beta + u_j + e_{jt}`.

* **Fixed effects (FE, within)**: subtract each unit's means,
  :math:`\tilde y_{jt} = y_{jt} - \bar y_j`, :math:`\tilde x_{jt} = x_{jt} - \bar x_j`, and
  regress :math:`\tilde y` on :math:`\tilde x` by OLS; :math:`\hat\sigma^2 =
  RSS / (N - J - k)`. Consistent whatever :math:`u_j` is correlated with, but uses only
  within-unit variation (unit-constant predictors drop out).
* **Random effects (RE)**: GLS with :math:`V = \tau^2 J + \sigma^2 I` per unit (REML
  variances). Efficient, but biased when :math:`u_j` is correlated with :math:`x`.

Hausman (1978): under "no correlation" both are consistent and RE efficient, so
:math:`H = (\hat\beta_{FE} - \hat\beta_{RE})'\,[\widehat V_{FE} - \widehat V_{RE}]^{-1}
(\hat\beta_{FE} - \hat\beta_{RE}) \sim \chi^2_k`. A large :math:`H` says the two disagree.
The multilevel alternative (Mundlak 1978; Bell & Jones 2015) makes the choice
unnecessary: add ``between(x, g)`` to the RE model and its ``x`` coefficient *is* the
within (FE) effect, while the between effect is estimated too
(:mod:`hiermodels.derive.within_between`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from hiermodels.errors import HiermodelsError


def within_estimator(y, X, codes) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """FE estimates and covariance for the columns of X that vary within units.

    Returns
    -------
    (beta, cov, cols)
        ``cols``: indices of the columns of X used (unit-constant ones are dropped).
    """
    y, X, codes = np.asarray(y, float), np.asarray(X, float), np.asarray(codes)
    J = int(codes.max()) + 1
    cnt = np.bincount(codes, minlength=J)

    def demean(v):
        return v - (np.bincount(codes, v, J) / cnt)[codes]

    Xt = np.column_stack([demean(X[:, k]) for k in range(X.shape[1])])
    cols = [k for k in range(X.shape[1]) if np.sum(Xt[:, k] ** 2) > 1e-10 * len(y)]
    if not cols:
        raise HiermodelsError(
            "No predictor varies within units: the within (FE) estimator is empty."
        )
    Xt = Xt[:, cols]
    yt = demean(y)
    XtX = Xt.T @ Xt
    beta = np.linalg.solve(XtX, Xt.T @ yt)
    rss = float(np.sum((yt - Xt @ beta) ** 2))
    s2 = rss / (len(y) - J - len(cols))
    return beta, s2 * np.linalg.inv(XtX), cols


def hausman(b_fe, V_fe, b_re, V_re) -> dict:
    """Hausman statistic, df and p-value (pseudo-inverse when V_FE - V_RE is not PD)."""
    d = np.asarray(b_fe, float) - np.asarray(b_re, float)
    D = np.atleast_2d(V_fe) - np.atleast_2d(V_re)
    ev = np.linalg.eigvalsh(D)
    pd_ok = bool(np.all(ev > 0))
    H = float(d @ (np.linalg.inv(D) if pd_ok else np.linalg.pinv(D)) @ d)
    k = len(d) if pd_ok else int(np.sum(ev > 1e-12 * max(abs(ev).max(), 1e-300)))
    return {
        "statistic": H,
        "df": k,
        "p_value": float(stats.chi2.sf(H, k)) if k else np.nan,
        "positive_definite": pd_ok,
    }


def fe_vs_re(fit, prob=None) -> pd.DataFrame:
    """FE (within), RE (REML GLS) and the Bayesian RE posterior for each time-varying term.

    Returns
    -------
    DataFrame
        Index: fixed effects that vary within units; columns ``fe``, ``fe_se``, ``re``,
        ``re_se`` (REML), ``mean, sd, lower, upper`` (posterior), ``difference``
        (fe - re). ``attrs["hausman"]``: :func:`hausman`'s dict.
    """
    from hiermodels.derive.satterthwaite import _Reml

    d = fit.design
    if fit.family.name != "gaussian" or len(d.groups) != 1 or d.groups[0].q != 1:
        raise HiermodelsError(
            "fe_vs_re() compares linear models with one random intercept (1 | unit); "
            f"this fit is {fit.family.name} with {len(d.groups)} factor(s)."
        )
    y = d.y - (0.0 if d.offset is None else d.offset)
    b_fe, V_fe, cols = within_estimator(y, d.X, d.groups[0].codes)
    m = _Reml(d)
    C, b_re_all = m.cov_beta(m.fit())
    b_re, V_re = b_re_all[cols], C[np.ix_(cols, cols)]
    names = [d.fixed_names[k] for k in cols]
    post = fit.fixed_effects(prob).loc[names, ["mean", "sd", "lower", "upper"]]
    tab = pd.DataFrame(
        {"fe": b_fe, "fe_se": np.sqrt(np.diag(V_fe)), "re": b_re, "re_se": np.sqrt(np.diag(V_re))},
        index=names,
    ).join(post)
    tab["difference"] = tab["fe"] - tab["re"]
    tab.attrs["hausman"] = hausman(b_fe, V_fe, b_re, V_re)
    return tab
