r"""REML for Gaussian models with residual structures, and its comparison with the posterior.

No Python library fits nlme's ``gls``/``lme`` with ``corAR1``, ``corCAR1``,
``corCompSymm``, ``corSymm`` and ``varIdent``, so hiermodels maximises the restricted
likelihood itself. With :math:`V_u(\theta)` the covariance of unit :math:`u` (see
:mod:`hiermodels.model.residual`), :math:`A = \sum_u X_u^\top V_u^{-1}X_u`,
:math:`\hat\beta = A^{-1}\sum_u X_u^\top V_u^{-1}y_u` and :math:`r_u = y_u - X_u\hat\beta`,

.. math::

    \ell_R(\theta) = -\tfrac12\Big[(N-p)\log 2\pi + \sum_u\log|V_u| + \log|A|
        + \sum_u r_u^\top V_u^{-1} r_u\Big]

(Harville 1974; the value nlme's ``logLik(..., REML = TRUE)`` reports, which has no
:math:`\tfrac12\log|X^\top X|` term; Pinheiro & Bates 2000, sec. 2.2.5). :math:`\theta` is optimised unconstrained (log SDs, :math:`\tanh^{-1}\phi`,
logit scales, CPCs) with L-BFGS; the fixed effects' standard errors are
:math:`\sqrt{\mathrm{diag}(A^{-1})}` at :math:`\hat\theta`. The ML log-likelihood is
reported too: :math:`\ell = -\tfrac12[N\log 2\pi + \sum_u\log|V_u| + \sum_u r_u^\top V_u^{-1}r_u]`
at its own maximum.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiermodels.errors import HiermodelsError
from hiermodels.model import names


def _pieces(x, data, p):
    """Per-unit covariances at covariance parameters ``x`` (the kernel's layout minus gamma)."""
    from hiermodels.backends.kernels import residual_nb as rk

    theta = np.concatenate([np.zeros(p), x])
    _, sd, par, Lr, _, Lam = rk.unpack(theta, data["meta"], data["lo"])
    Om, G = Lr @ Lr.T, Lam @ Lam.T
    ptr, order = data["ptr"], data["order"]
    args = (order, int(data["meta"][2]), par, Om, sd, data["slev"], data["tval"])
    return [
        (
            order[ptr[u] : ptr[u + 1]],
            rk.unit_cov(ptr[u], ptr[u + 1], *args, data["Z"], data["codes"], G)[1],
        )
        for u in range(len(ptr) - 1)
    ]


def restricted_loglik(x, data, X, y, reml=True):
    """(log-likelihood, beta_hat, A) at covariance parameters ``x`` (REML or ML)."""
    p = X.shape[1]
    A = np.zeros((p, p))
    bvec = np.zeros(p)
    logdet, fac = 0.0, []
    for rows, V in _pieces(x, data, p):
        try:
            L = np.linalg.cholesky(V)
        except np.linalg.LinAlgError:
            return -np.inf, None, None
        Xw = np.linalg.solve(L, X[rows])
        yw = np.linalg.solve(L, y[rows])
        A += Xw.T @ Xw
        bvec += Xw.T @ yw
        logdet += 2 * np.log(np.diag(L)).sum()
        fac.append((Xw, yw))
    beta = np.linalg.solve(A, bvec)
    quad = sum(float(np.sum((yw - Xw @ beta) ** 2)) for Xw, yw in fac)
    N = len(y)
    if not reml:
        return -0.5 * (N * np.log(2 * np.pi) + logdet + quad), beta, A
    ll = -0.5 * ((N - p) * np.log(2 * np.pi) + logdet + np.linalg.slogdet(A)[1] + quad)
    return ll, beta, A


def fit_reml(model, reml: bool = True, x0=None) -> dict:
    """Maximise the restricted (or full) likelihood of ``model``'s structure.

    Returns
    -------
    dict
        ``loglik``, ``beta`` and ``se`` (by fixed-effect name), ``params`` (table label ->
        estimate: ``sigma``, ``sigma(f=level)``, ``phi``/``rho``/``cor_residual(a, b)``,
        ``sd(g, term)``, ``cor(g, a, b)``), ``x`` (unconstrained optimum), ``converged``.
    """
    from scipy.optimize import minimize

    from hiermodels.backends.residual_sampler import (
        constrained,
        initial_point,
        n_dim,
        residual_data,
    )

    if model.residual is None:
        raise HiermodelsError("fit_reml() needs a model with residual= or sigma=.")
    data = residual_data(model)
    X, y = np.asarray(model.design.X, float), data["y"]
    p = X.shape[1]
    if x0 is None:
        x0 = initial_point(data, np.random.default_rng(0))[p:] * 0.0
        x0[0] = np.log(np.std(y - X @ np.linalg.lstsq(X, y, rcond=None)[0]))
        q = int(data["meta"][5])
        if q:
            k0 = n_dim(data) - p - q - int(data["meta"][7])
            x0[k0 : k0 + q] = x0[0] - np.log(2.0)

    def obj(x):
        v = restricted_loglik(x, data, X, y, reml)[0]
        return 1e300 if not np.isfinite(v) else -v

    res = minimize(obj, x0, method="L-BFGS-B", options={"maxiter": 2000, "gtol": 1e-7})
    ll, beta, A = restricted_loglik(res.x, data, X, y, reml)
    theta = np.concatenate([np.zeros(p), res.x])
    c = constrained(theta, data, model)
    return {
        "loglik": ll,
        "beta": dict(zip(model.design.fixed_names, beta, strict=True)),
        "se": dict(zip(model.design.fixed_names, np.sqrt(np.diag(np.linalg.inv(A))), strict=True)),
        "params": _labels(c, model),
        "x": res.x,
        "converged": bool(res.success),
    }


def _labels(c, model) -> dict:
    st, d = model.residual, model.design
    out = {"sigma": float(c["sigma"])}
    if names.SIGMA_RATIO in c:
        for lev, r in zip(st.sigma_levels, c[names.SIGMA_RATIO], strict=True):
            out[names.sigma_level_label(st.sigma_by, lev)] = float(c["sigma"] * r)
    var = names.residual_variable(st.kind)
    if st.kind == "unstructured":
        m = len(st.time_levels)
        for a in range(m):
            for b in range(a + 1, m):
                lab = names.residual_cor_label(st.time_levels[a], st.time_levels[b])
                out[lab] = float(c[var][a, b])
    elif var is not None:
        out[var] = float(c[var])
    for g in d.groups:
        for k, t in enumerate(g.terms):
            out[names.sd_label(g.name, t)] = float(c[names.sd(g)][k])
        if names.cor(g) in c:
            for a in range(g.q):
                for b in range(a + 1, g.q):
                    out[names.cor_label(g.name, g.terms[a], g.terms[b])] = float(
                        c[names.cor(g)][a, b]
                    )
    return out


def compare_reml(fit, prob=None) -> pd.DataFrame:
    """REML estimates beside the posterior (mean and interval), one row per parameter.

    Returns
    -------
    DataFrame
        Columns ``reml``, ``reml_se`` (fixed effects), ``mean``, ``lower``, ``upper``,
        ``inside`` (REML estimate within the posterior interval); ``attrs["reml_loglik"]``.
    """
    est = fit_reml(fit.model)
    post = pd.concat([fit.fixed_effects(prob), fit.varcorr(prob)])
    vals = {**est["beta"], **est["params"]}
    tab = pd.DataFrame({"reml": pd.Series(vals)})
    tab["reml_se"] = pd.Series(est["se"])
    tab = tab.join(post[["mean", "lower", "upper"]], how="left")
    tab["inside"] = (tab["reml"] >= tab["lower"]) & (tab["reml"] <= tab["upper"])
    tab.attrs.update(reml_loglik=est["loglik"], converged=est["converged"])
    return tab
