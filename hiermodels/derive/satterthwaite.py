r"""REML fixed-effect tests with Satterthwaite degrees of freedom (as ``lmerTest``).

For a linear mixed model :math:`y = X\beta + Zb + e`, :math:`V(\theta) = ZGZ' + \sigma^2 I`,
the REML log-likelihood is

.. math:: \ell_R(\theta) = -\tfrac12\big[\log|V| + \log|X'V^{-1}X| + r'V^{-1}r\big],
          \qquad r = y - X\hat\beta(\theta),

and :math:`\hat\beta` has covariance :math:`C(\theta) = (X'V^{-1}X)^{-1}`. For a contrast
:math:`L` the statistic :math:`t = L'\hat\beta / \sqrt{L'CL}` is not exactly Student-t,
because :math:`L'CL` is itself estimated. Satterthwaite (1946) matches its first two
moments to a scaled :math:`\chi^2_\nu`:

.. math:: \nu = \frac{2\,(L'C L)^2}{g' A g}, \qquad g = \nabla_\theta (L'C(\theta) L),
          \qquad A = \big(-\nabla^2_\theta \ell_R\big)^{-1}

(Kuznetsova, Brockhoff & Christensen 2017, J. Stat. Softw. 82(13), eqs. 5-6). Here
:math:`\theta` = the free elements of :math:`G` and :math:`\sigma^2` (the degrees of
freedom do not depend on the parameterisation at the optimum), gradient and Hessian by
central differences. For a balanced one-way design :math:`\nu = J - 1` exactly. A
variance on the boundary (REML estimate 0) is held fixed at 0, as in the model without
that term (Dyestuff2's intercept then gets :math:`\nu = N - 1`, the one-sample t test).
One grouping factor; the likelihood uses per-cluster sufficient statistics (Z'Z, Z'X,
Z'y), never an N x N matrix.

A Bayesian posterior needs none of this: it integrates over the uncertainty in
:math:`\theta` instead of approximating the distribution of a plug-in statistic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, stats

from hiermodels.errors import HiermodelsError


class _Reml:
    """REML pieces of a one-factor LMM, computed cluster by cluster."""

    def __init__(self, design):
        if len(design.groups) != 1:
            raise HiermodelsError(
                "Satterthwaite degrees of freedom are computed for one grouping factor; "
                f"this model has {len(design.groups)}."
            )
        g = design.groups[0]
        self.X, self.q = design.X, g.q
        self.y = design.y - (0.0 if design.offset is None else design.offset)
        J, codes, Z, X, y = g.n_levels, g.codes, g.Z, self.X, self.y
        self.n_j = np.bincount(codes, minlength=J).astype(float)
        # per-cluster sufficient statistics: the likelihood never builds an n_j x n_j matrix
        self.ZtZ = np.zeros((J, g.q, g.q))
        np.add.at(self.ZtZ, codes, Z[:, :, None] * Z[:, None, :])
        self.ZtX = np.zeros((J, g.q, X.shape[1]))
        np.add.at(self.ZtX, codes, Z[:, :, None] * X[:, None, :])
        self.Zty = np.zeros((J, g.q))
        np.add.at(self.Zty, codes, Z * y[:, None])
        self.XtX, self.Xty, self.yty = X.T @ X, X.T @ y, float(y @ y)
        free = np.eye(g.q, dtype=bool)
        for block, corr in zip(g.blocks, g.correlated, strict=True):
            if corr:
                free[np.ix_(block, block)] = True
        self.pairs = [(i, j) for i in range(g.q) for j in range(i + 1) if free[i, j]]

    def G_sigma2(self, theta):
        G = np.zeros((self.q, self.q))
        for (i, j), v in zip(self.pairs, theta[:-1], strict=True):
            G[i, j] = G[j, i] = v
        return G, theta[-1]

    def parts(self, theta):
        """(log|V|, X'V^-1X, X'V^-1y, y'V^-1y) by the push-through identity.

        Per cluster V = s2 I + Z G Z', so V^-1 = (I - Z G W Z') / s2 with
        W = (s2 I + Z'Z G)^-1 (valid for singular G) and
        log|V| = (n - q) log s2 + log|s2 I + Z'Z G|.
        """
        G, s2 = self.G_sigma2(theta)
        if s2 <= 0:
            raise np.linalg.LinAlgError("sigma^2 <= 0")
        q = self.q
        M = s2 * np.eye(q) + self.ZtZ @ G  # (J, q, q)
        sign, logdetM = np.linalg.slogdet(M)
        if np.any(sign <= 0):
            raise np.linalg.LinAlgError("V is not positive definite")
        GW = G @ np.linalg.inv(M)  # (J, q, q): G W
        logdet = float(np.sum((self.n_j - q) * np.log(s2) + logdetM))
        XVX = (self.XtX - np.einsum("jqp,jqr,jrs->ps", self.ZtX, GW, self.ZtX)) / s2
        XVy = (self.Xty - np.einsum("jqp,jqr,jr->p", self.ZtX, GW, self.Zty)) / s2
        yVy = (self.yty - np.einsum("jq,jqr,jr->", self.Zty, GW, self.Zty)) / s2
        return logdet, XVX, XVy, float(yVy)

    def loglik(self, theta) -> float:
        try:
            logdet, XVX, XVy, yVy = self.parts(theta)
            beta = np.linalg.solve(XVX, XVy)
            rVr = yVy - XVy @ beta
            return -0.5 * (logdet + np.linalg.slogdet(XVX)[1] + rVr)
        except np.linalg.LinAlgError:
            return -np.inf

    def cov_beta(self, theta):
        _, XVX, XVy, _ = self.parts(theta)
        return np.linalg.inv(XVX), np.linalg.solve(XVX, XVy)

    def theta_from_chol(self, u):
        q = self.q
        Lm = np.zeros((q, q))
        k = 0
        for i, j in self.pairs:
            Lm[i, j] = np.exp(u[k]) if i == j else u[k]
            k += 1
        G = Lm @ Lm.T
        return np.array([G[i, j] for i, j in self.pairs] + [np.exp(u[-1])])

    def fit(self):
        u0 = np.array(
            [np.log(np.std(self.y) / 2) if i == j else 0.0 for i, j in self.pairs]
            + [2 * np.log(np.std(self.y))]
        )
        f = lambda u: -self.loglik(self.theta_from_chol(u))  # noqa: E731
        res = optimize.minimize(f, u0, method="BFGS", options={"gtol": 1e-8})
        res = optimize.minimize(
            f,
            res.x,
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 5000},
        )
        return self.theta_from_chol(res.x)


def _num_grad(f, x, h):
    E = np.eye(len(x)) * h
    return np.array([(f(x + E[i]) - f(x - E[i])) / (2 * h[i]) for i in range(len(x))])


def _num_hess(f, x, h):
    k = len(x)
    H = np.zeros((k, k))
    E = np.eye(k) * h
    for i in range(k):
        for j in range(i, k):
            H[i, j] = H[j, i] = (
                f(x + E[i] + E[j]) - f(x + E[i] - E[j]) - f(x - E[i] + E[j]) + f(x - E[i] - E[j])
            ) / (4 * h[i] * h[j])
    return H


def satterthwaite(design) -> pd.DataFrame:
    """REML estimates, SEs, Satterthwaite df, t and p for every fixed effect.

    Returns
    -------
    DataFrame
        Index: the fixed effects; columns ``estimate, se, df, t, p``. ``attrs``:
        ``theta`` (free G elements and sigma^2 at the REML optimum), ``boundary``.
    """
    m = _Reml(design)
    theta = m.fit()
    C, beta = m.cov_beta(theta)
    h = 1e-4 * np.maximum(np.abs(theta), 1e-3 * theta[-1])
    H = _num_hess(lambda t: m.loglik(t), theta, h)
    G, _ = m.G_sigma2(theta)
    tiny = np.diag(G) <= 1e-6 * theta[-1]
    boundary = bool(np.any(tiny))
    # variances on the boundary are held fixed at 0 (dropped from theta), as a fit
    # without that term would have them
    keep = np.array([not (tiny[i] or tiny[j]) for i, j in m.pairs] + [True])
    Hk = H[np.ix_(keep, keep)]
    try:
        A = np.linalg.inv(-Hk)
        ok = bool(np.all(np.linalg.eigvalsh(A) > 0))
    except np.linalg.LinAlgError:
        ok = False
    rows = []
    for k, name in enumerate(design.fixed_names):
        L = np.eye(len(beta))[k]
        var = float(L @ C @ L)
        if ok:
            gk = _num_grad(lambda t, L=L: float(L @ m.cov_beta(t)[0] @ L), theta, h)[keep]
            df = 2 * var**2 / float(gk @ A @ gk)
        else:
            df = np.nan
        t = beta[k] / np.sqrt(var)
        p = 2 * stats.t.sf(abs(t), df) if np.isfinite(df) else 2 * stats.norm.sf(abs(t))
        rows.append((name, beta[k], np.sqrt(var), df, t, p))
    tab = pd.DataFrame(rows, columns=["term", "estimate", "se", "df", "t", "p"]).set_index("term")
    tab.attrs.update(theta=theta.tolist(), boundary=boundary)
    return tab


def compare_reml_df(fit, prob=None) -> pd.DataFrame:
    """``fit.compare_reml()`` plus REML ``se``, Satterthwaite ``df``, ``t`` and ``p`` columns."""
    from hiermodels.derive.reml import compare_reml

    tab = compare_reml(fit, prob)
    s = satterthwaite(fit.design)
    for col, new in (("se", "reml_se"), ("df", "df"), ("t", "t"), ("p", "p")):
        tab[new] = s[col].reindex(tab.index)
    tab.attrs["satterthwaite_boundary"] = s.attrs["boundary"]
    return tab
