r"""The meta-analysis posterior by numerical integration over tau (no MCMC).

With a Gaussian prior on the coefficients, everything but tau is conjugate: for fixed tau,

    gamma | tau, y ~ N(m(tau), A(tau)^-1),  A = Xc'W Xc + S0^-1,  m = A^-1 Xc'W y,  W = diag(1/(tau^2 + v)),

and the marginal likelihood p(y | tau) = N(y | 0, diag(tau^2 + v) + Xc S0 Xc') is

    log p(y | tau) = -1/2 [sum log(2 pi V_i) + y'Wy - m'A m + log|A| + log|S0|].

So p(tau | y) ∝ p(tau) p(y | tau) is a one-dimensional density, evaluated here on a dense
grid (log-spaced over nine orders of magnitude around the data scale, plus tau = 0) and
normalised by the trapezoid rule; the posterior of any coefficient or of a new study's
effect is a Gaussian mixture over the grid. This is the "direct" approach of bayesmeta
(Röver 2020, J Stat Softw 93(6)) extended to meta-regression; hiermodels uses it for the
shrinkage trace, the tau density in plots, fast leave-one-out refits and as an
independent check of the MCMC.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize, stats

from hiermodels.meta.tau_priors import TauPrior, default_tau_scale
from hiermodels.options import resolve_prob

_LOG_2PI = math.log(2 * math.pi)


class ExactPosterior:
    """Grid-integrated posterior of the collapsed model.

    Parameters
    ----------
    y, v : ndarray (k,)
    Xc : ndarray (k, p)
        Centred design; ``T`` maps centred coefficients to reported ones (beta = T gamma).
    prior_sd : ndarray (p,)
        Prior SDs of the centred coefficients (mean 0).
    tau_prior : TauPrior or None
        ``None`` for the common-effect model (tau = 0).
    terms : list of str
    n_grid : int
        Number of grid points (log-spaced) besides tau = 0.
    """

    def __init__(self, y, v, Xc, T, prior_sd, tau_prior: TauPrior | None, terms, n_grid=3000):
        self.y = np.asarray(y, dtype=float)
        self.v = np.asarray(v, dtype=float)
        self.Xc = np.asarray(Xc, dtype=float)
        self.T = np.asarray(T, dtype=float)
        self.prior_sd = np.asarray(prior_sd, dtype=float)
        self.tau_prior = tau_prior
        self.terms = list(terms)
        if tau_prior is None:
            self.grid = np.zeros(1)
            self.weights = np.ones(1)
            self._log_norm = 0.0
        else:
            s = default_tau_scale(self.y, self.v)
            grid = np.concatenate([[0.0], np.geomspace(1e-6 * s, 1e3 * s, n_grid)])
            if math.isfinite(tau_prior.upper):
                grid = np.unique(np.append(grid[grid < tau_prior.upper], tau_prior.upper))
            lp = self.log_unnormalised(grid)
            top = float(np.max(lp))
            dens = np.exp(lp - top)
            z = float(np.trapezoid(dens, grid))
            self._log_norm = top + math.log(z)
            self.grid = grid
            self.pdf_grid = dens / z
            d = np.diff(grid)
            node = np.zeros_like(grid)
            node[:-1] += d / 2
            node[1:] += d / 2
            self.weights = self.pdf_grid * node
            self.weights /= self.weights.sum()
        self.m, self.cov = self._conditional(self.grid)

    # building blocks -----------------------------------------------------------------
    def _conditional(self, tau):
        """Conditional mean and covariance of beta = T gamma given each tau."""
        W = 1.0 / (np.asarray(tau)[:, None] ** 2 + self.v)
        A = np.einsum("gi,ij,ik->gjk", W, self.Xc, self.Xc) + np.diag(self.prior_sd**-2)
        b = (W * self.y) @ self.Xc
        gm = np.linalg.solve(A, b[..., None])[..., 0]
        Ainv = np.linalg.inv(A)
        return gm @ self.T.T, self.T @ Ainv @ self.T.T

    def log_marginal(self, tau) -> np.ndarray:
        """log p(y | tau), coefficients integrated out."""
        tau = np.atleast_1d(np.asarray(tau, dtype=float))
        V = tau[:, None] ** 2 + self.v
        W = 1.0 / V
        A = np.einsum("gi,ij,ik->gjk", W, self.Xc, self.Xc) + np.diag(self.prior_sd**-2)
        b = (W * self.y) @ self.Xc
        gm = np.linalg.solve(A, b[..., None])[..., 0]
        _, logdet = np.linalg.slogdet(A)
        quad = np.sum(W * self.y**2, axis=1) - np.sum(b * gm, axis=1)
        return -0.5 * (
            np.sum(_LOG_2PI + np.log(V), axis=1) + quad + logdet + 2 * np.sum(np.log(self.prior_sd))
        )

    def log_unnormalised(self, tau) -> np.ndarray:
        tau = np.atleast_1d(np.asarray(tau, dtype=float))
        with np.errstate(divide="ignore", invalid="ignore"):
            lp = np.asarray(self.tau_prior.logpdf(tau), dtype=float)
        lp = np.where(np.isfinite(lp), lp, -np.inf)
        return lp + self.log_marginal(tau)

    def tau_pdf(self, tau) -> np.ndarray:
        """Normalised posterior density of tau at ``tau``."""
        return np.exp(self.log_unnormalised(tau) - self._log_norm)

    def tau_quantile(self, q) -> np.ndarray:
        if self.tau_prior is None:
            return np.zeros_like(np.asarray(q, dtype=float))
        cdf = np.concatenate(
            [[0.0], np.cumsum(np.diff(self.grid) * (self.pdf_grid[1:] + self.pdf_grid[:-1]) / 2)]
        )
        cdf /= cdf[-1]
        keep = np.concatenate([[True], np.diff(cdf) > 0])
        return np.interp(q, cdf[keep], self.grid[keep])

    # summaries ------------------------------------------------------------------------
    def _mixture_row(self, mean, sd, prob) -> dict:
        w = self.weights
        mu = float(w @ mean)
        var = float(w @ (sd**2 + mean**2)) - mu**2
        out = {"mean": mu, "sd": math.sqrt(max(var, 0.0))}
        lo_hi = []
        for q in ((1 - prob) / 2, (1 + prob) / 2):
            a = float(np.min(mean - 12 * sd)) - 1e-12
            b = float(np.max(mean + 12 * sd)) + 1e-12

            def f(x, q=q):
                return float(w @ stats.norm.cdf((x - mean) / sd)) - q

            lo_hi.append(optimize.brentq(f, a, b, xtol=1e-12))
        out["lower"], out["upper"] = lo_hi
        return out

    def _transform_row(self, fn, prob) -> dict:
        vals = fn(self.grid)
        w = self.weights
        mean = float(w @ vals)
        sd = math.sqrt(max(float(w @ vals**2) - mean**2, 0.0))
        lo, hi = fn(self.tau_quantile([(1 - prob) / 2, (1 + prob) / 2]))
        return {"mean": mean, "sd": sd, "lower": float(lo), "upper": float(hi)}

    def summary(self, prob: float | None = None, s2: float | None = None) -> pd.DataFrame:
        """Rows: the coefficients, tau, tau2 and (given ``s2``) I2 and H2; new-study
        prediction ``theta_new`` without moderators. Columns mean, sd, lower, upper."""
        prob = resolve_prob(prob)
        rows = {}
        for j, name in enumerate(self.terms):
            rows[name] = self._mixture_row(self.m[:, j], np.sqrt(self.cov[:, j, j]), prob)
        rows["tau"] = self._transform_row(lambda t: np.asarray(t, dtype=float), prob)
        rows["tau2"] = self._transform_row(lambda t: np.asarray(t, dtype=float) ** 2, prob)
        if s2 is not None:
            rows["I2"] = self._transform_row(
                lambda t: np.asarray(t) ** 2 / (np.asarray(t) ** 2 + s2), prob
            )
            rows["H2"] = self._transform_row(lambda t: (np.asarray(t) ** 2 + s2) / s2, prob)
        if len(self.terms) == 1:
            sd = np.sqrt(self.cov[:, 0, 0] + self.grid**2)
            rows["theta_new"] = self._mixture_row(self.m[:, 0], np.maximum(sd, 1e-300), prob)
        return pd.DataFrame.from_dict(rows, orient="index")[["mean", "sd", "lower", "upper"]]

    def draw(self, chains: int, draws: int, rng: np.random.Generator):
        """Independent posterior draws: tau by inverting the grid CDF, then the centred
        coefficients from their Gaussian conditional. Returns (gamma, tau) arrays of shape
        (chains, draws, p) and (chains, draws)."""
        n = chains * draws
        tau = self.tau_quantile(rng.uniform(size=n)) if self.tau_prior is not None else np.zeros(n)
        W = 1.0 / (tau[:, None] ** 2 + self.v)
        A = np.einsum("gi,ij,ik->gjk", W, self.Xc, self.Xc) + np.diag(self.prior_sd**-2)
        b = (W * self.y) @ self.Xc
        m = np.linalg.solve(A, b[..., None])[..., 0]
        C = np.linalg.cholesky(A)
        z = rng.standard_normal(m.shape)
        gamma = m + np.linalg.solve(np.swapaxes(C, 1, 2), z[..., None])[..., 0]
        p = self.Xc.shape[1]
        return gamma.reshape(chains, draws, p), tau.reshape(chains, draws)

    def shrinkage_trace(self, tau, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """E[theta_i | tau, y] for each tau (rows) and study (columns), and E[x'beta | tau, y].

        E[theta_i | tau, y] = B_i x_i'E[beta | tau, y] + (1 - B_i) y_i, B_i = v_i/(v_i + tau^2):
        complete pooling at tau = 0, no pooling as tau -> infinity.
        """
        tau = np.atleast_1d(np.asarray(tau, dtype=float))
        m, _ = self._conditional(tau)
        lin = m @ np.asarray(X, dtype=float).T
        B = self.v / (self.v + tau[:, None] ** 2)
        return B * lin + (1 - B) * self.y, lin
