"""Frequentist random-effects meta-analysis (REML, DerSimonian-Laird, Paule-Mandel).

Conventions follow metafor's ``rma.uni`` (Viechtbauer 2010, J Stat Softw 36(3)) with its
defaults (``test="z"``), so results can be checked against it:

- weights w_i = 1 / (tau^2 + v_i); coefficients by weighted least squares,
  Var(beta_hat) = (X'WX)^-1; Wald z tests and normal-quantile confidence intervals;
- Cochran's Q from the common-effect weights 1/v_i, Q = sum (y - X b_FE)^2 / v_i on
  k - p degrees of freedom (the test of residual heterogeneity with moderators);
- typical within-study variance s^2 = (k - p) / tr(P), P = W0 - W0 X (X'W0 X)^-1 X'W0,
  W0 = diag(1/v_i) (Higgins & Thompson 2002 for p = 1); I^2 = tau^2 / (tau^2 + s^2) and
  H^2 = (tau^2 + s^2) / s^2 (hiermodels reports I^2 as a fraction, metafor in percent);
- prediction interval for a new study's true effect: mu_hat +- z sqrt(tau^2 + se^2).

tau^2 estimators:

- REML: maximises the restricted log-likelihood
  -1/2 [sum log(tau^2 + v_i) + log|X'WX| + (y - X b)'W(y - X b)] over tau^2 >= 0
  (scipy bounded scalar optimisation after a grid search; 0 when the boundary wins);
- DL (DerSimonian & Laird 1986, generalised to moderators): max(0, (Q - (k - p)) / tr(P));
- PM (Paule & Mandel 1982): the root of the generalised Q(tau^2) = y'P(tau^2)y = k - p
  (scipy brentq), 0 when Q(0) <= k - p.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from hiermodels.errors import HiermodelsError
from hiermodels.options import resolve_prob

METHODS = ("REML", "DL", "PM")


def typical_variance(vi: np.ndarray, X: np.ndarray | None = None) -> float:
    """Typical within-study variance s^2 = (k - p) / tr(P) (Higgins & Thompson 2002).

    Without moderators this is (k - 1) sum w / ((sum w)^2 - sum w^2), w = 1/v.
    """
    vi = np.asarray(vi, dtype=float)
    X = np.ones((vi.size, 1)) if X is None else np.asarray(X, dtype=float)
    k, p = X.shape
    return (k - p) / np.trace(_P(1.0 / vi, X))


def _P(w: np.ndarray, X: np.ndarray) -> np.ndarray:
    """P = W - W X (X'WX)^-1 X'W for diagonal W = diag(w)."""
    WX = X * w[:, None]
    return np.diag(w) - WX @ np.linalg.solve(X.T @ WX, WX.T)


def _wls(y, v, X, tau2):
    w = 1.0 / (tau2 + v)
    WX = X * w[:, None]
    vb = np.linalg.inv(X.T @ WX)
    b = vb @ (WX.T @ y)
    return b, vb, w


def _reml_loglik(tau2, y, v, X):
    b, _vb, w = _wls(y, v, X, tau2)
    r = y - X @ b
    _, logdet = np.linalg.slogdet(X.T @ (X * w[:, None]))
    return -0.5 * (np.sum(np.log(tau2 + v)) + logdet + np.sum(w * r * r))


def _tau2_reml(y, v, X):
    upper = 10.0 * max(float(np.var(y, ddof=1)) if y.size > 1 else 0.0, float(np.max(v)))
    grid = np.concatenate([[0.0], np.geomspace(upper * 1e-8, upper, 120)])
    ll = np.array([_reml_loglik(t, y, v, X) for t in grid])
    i = int(np.argmax(ll))
    if i == 0 and ll[1] <= ll[0]:
        lo, hi = 0.0, grid[1]
    else:
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    res = optimize.minimize_scalar(
        lambda t: -_reml_loglik(t, y, v, X),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-12 * max(hi, 1e-300), "maxiter": 500},
    )
    tau2 = float(res.x)
    converged = bool(res.success)
    if _reml_loglik(0.0, y, v, X) >= -res.fun:
        tau2 = 0.0
    return tau2, converged


def _gen_q(tau2, y, v, X):
    b, _, w = _wls(y, v, X, tau2)
    r = y - X @ b
    return float(np.sum(w * r * r))


def _tau2_pm(y, v, X):
    k, p = X.shape
    target = k - p
    if _gen_q(0.0, y, v, X) <= target:
        return 0.0, True
    hi = max(float(np.var(y, ddof=1)), float(np.max(v)))
    while _gen_q(hi, y, v, X) > target:
        hi *= 2.0
        if hi > 1e12:
            return math.nan, False
    root, info = optimize.brentq(
        lambda t: _gen_q(t, y, v, X) - target, 0.0, hi, xtol=1e-14, full_output=True
    )
    return float(root), bool(info.converged)


@dataclass(frozen=True)
class FrequentistFit:
    """Result of :func:`rma`: estimates, heterogeneity statistics and prediction.

    Attributes mirror metafor's ``rma`` object: ``beta``, ``se``, ``vcov``, ``tau2``,
    ``s2`` (typical within-study variance), ``I2`` (fraction), ``H2``, ``Q``, ``Q_df``,
    ``Q_pval``, ``k``, ``p``. ``summary()`` and ``predict()`` return DataFrames.
    """

    method: str
    terms: tuple[str, ...]
    beta: np.ndarray
    vcov: np.ndarray
    tau2: float
    s2: float
    Q: float
    Q_df: int
    k: int
    prob: float
    converged: bool = True

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.vcov))

    @property
    def p(self) -> int:
        return len(self.terms)

    @property
    def tau(self) -> float:
        return math.sqrt(self.tau2)

    @property
    def I2(self) -> float:
        return self.tau2 / (self.tau2 + self.s2)

    @property
    def H2(self) -> float:
        return (self.tau2 + self.s2) / self.s2

    @property
    def Q_pval(self) -> float:
        return float(stats.chi2.sf(self.Q, self.Q_df)) if self.Q_df > 0 else math.nan

    @property
    def z_crit(self) -> float:
        return float(stats.norm.ppf(0.5 + self.prob / 2))

    def summary(self) -> pd.DataFrame:
        """Coefficients (estimate, se, z, p, lower, upper) and tau, tau2, I2, H2 rows."""
        z = self.beta / self.se
        rows = pd.DataFrame(
            {
                "estimate": self.beta,
                "se": self.se,
                "z": z,
                "p_value": 2 * stats.norm.sf(np.abs(z)),
                "lower": self.beta - self.z_crit * self.se,
                "upper": self.beta + self.z_crit * self.se,
            },
            index=list(self.terms),
        )
        het = pd.DataFrame(
            {"estimate": [self.tau, self.tau2, self.I2, self.H2]},
            index=["tau", "tau2", "I2", "H2"],
        )
        return pd.concat([rows, het])

    def heterogeneity(self) -> pd.Series:
        """tau2, tau, I2, H2, s2 and Cochran's Q test (Q, df, p-value)."""
        return pd.Series(
            {
                "tau2": self.tau2,
                "tau": self.tau,
                "I2": self.I2,
                "H2": self.H2,
                "s2": self.s2,
                "Q": self.Q,
                "Q_df": self.Q_df,
                "Q_pval": self.Q_pval,
            },
            name=self.method,
        )

    def predict(self, X_new: np.ndarray | None = None) -> pd.DataFrame:
        """Predicted mean, its CI and the prediction interval for a new study's true effect.

        ``X_new`` rows are design rows (with the intercept column); default: the intercept
        only (the model without moderators).
        """
        if X_new is None:
            if self.p != 1:
                raise HiermodelsError(
                    "With moderators, pass the moderator values of the new study (X_new)."
                )
            X_new = np.ones((1, 1))
        X_new = np.atleast_2d(np.asarray(X_new, dtype=float))
        pred = X_new @ self.beta
        se = np.sqrt(np.einsum("ij,jk,ik->i", X_new, self.vcov, X_new))
        pi_sd = np.sqrt(se**2 + self.tau2)
        z = self.z_crit
        return pd.DataFrame(
            {
                "pred": pred,
                "se": se,
                "ci_lower": pred - z * se,
                "ci_upper": pred + z * se,
                "pi_lower": pred - z * pi_sd,
                "pi_upper": pred + z * pi_sd,
            }
        )

    @property
    def pi(self) -> tuple[float, float]:
        """Prediction interval (lower, upper) of the model without moderators."""
        row = self.predict().iloc[0]
        return float(row["pi_lower"]), float(row["pi_upper"])

    def __repr__(self) -> str:
        s = self.summary()
        lines = [
            f"Random-effects meta-analysis ({self.method}), k = {self.k}",
            f"tau^2 = {self.tau2:.4f} (tau = {self.tau:.4f}), I^2 = {100 * self.I2:.2f} %, "
            f"H^2 = {self.H2:.2f}",
            f"Q({self.Q_df}) = {self.Q:.2f}, p = {self.Q_pval:.3g}",
            s.loc[list(self.terms), ["estimate", "se", "lower", "upper"]].round(4).to_string(),
        ]
        if self.p == 1:
            lo, hi = self.pi
            lines.append(f"{100 * self.prob:g} % prediction interval: ({lo:.4f}, {hi:.4f})")
        return "\n".join(lines)


def rma(
    yi,
    vi,
    X: np.ndarray | None = None,
    method: str = "REML",
    prob: float | None = None,
    terms: tuple[str, ...] | None = None,
) -> FrequentistFit:
    """Fit the random-effects model y_i ~ N(x_i'beta, tau^2 + v_i) by REML, DL or PM.

    Parameters
    ----------
    yi, vi : array-like
        Effect sizes and their (known) sampling variances.
    X : ndarray, optional
        k x p design matrix (first column the intercept); default intercept only.
    method : {"REML", "DL", "PM"}
    prob : float, optional
        Confidence level of the intervals; default the package default (0.95).
    terms : tuple of str, optional
        Names of the columns of ``X``; default ``("mu",)`` without moderators.

    Returns
    -------
    FrequentistFit
    """
    m = str(method).upper()
    if m not in METHODS:
        raise HiermodelsError(f"Unknown method {method!r}; choose one of {', '.join(METHODS)}.")
    prob = resolve_prob(prob)
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    X = np.ones((y.size, 1)) if X is None else np.asarray(X, dtype=float)
    k, p = X.shape
    if terms is None:
        terms = ("mu",) if p == 1 else tuple(f"x{j}" for j in range(p))
    if k <= p:
        raise HiermodelsError(f"Need more studies (k = {k}) than coefficients (p = {p}).")
    w0 = 1.0 / v
    P0 = _P(w0, X)
    tr_p0 = float(np.trace(P0))
    Q = float(y @ P0 @ y)
    s2 = (k - p) / tr_p0
    converged = True
    if m == "DL":
        tau2 = max(0.0, (Q - (k - p)) / tr_p0)
    elif m == "REML":
        tau2, converged = _tau2_reml(y, v, X)
    else:
        tau2, converged = _tau2_pm(y, v, X)
    b, vb, _ = _wls(y, v, X, tau2)
    return FrequentistFit(
        method=m,
        terms=tuple(terms),
        beta=b,
        vcov=vb,
        tau2=float(tau2),
        s2=float(s2),
        Q=Q,
        Q_df=k - p,
        k=k,
        prob=prob,
        converged=converged,
    )
