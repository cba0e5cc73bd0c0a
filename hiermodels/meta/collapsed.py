r"""The collapsed meta-analysis posterior: log density, gradient and exact study effects.

Model (MATH.md section 2): y_i ~ N(theta_i, v_i), theta_i ~ N(x_i'beta, tau^2). Integrating
theta_i out gives the collapsed likelihood y_i ~ N(x_i'beta, tau^2 + v_i), written in the unconstrained space
(gamma, eta):

- gamma are the coefficients on the *centred* design (moderators minus their means when the
  model has an intercept), so the intercept prior is on the effect at the average moderator
  values and the posterior is close to uncorrelated; beta = T gamma reports the usual
  coefficients (``Intercept`` at x = 0);
- eta = log(tau) (or logit(tau / U) for a Uniform(0, U) prior), with the log-Jacobian
  eta (or log U + log s + log(1 - s), s = sigmoid(eta)) added.

    log p(gamma, eta | y) = sum_i [-1/2 log(2 pi V_i) - r_i^2 / (2 V_i)]
                            + sum_j log N(gamma_j | 0, s_j^2) + log p(tau) + log|dtau/deta|,
    V_i = tau^2 + v_i, r_i = y_i - xc_i'gamma.

Gradient: d/dgamma = Xc'(r / V) - gamma / s^2;
d/deta = [sum_i (r_i^2 / V_i^2 - 1 / V_i) tau + d log p(tau)/dtau] dtau/deta + dlogJ/deta.

The default sampler (:class:`WhitenedPosterior`) samples the same density after
whitening gamma given tau, which removes the funnel between tau and the coefficients;
:class:`CollapsedPosterior` is the direct form (``fit(parameterization="direct")``).

Given (beta, tau), each study's true effect has the exact Gaussian conditional
theta_i | y, beta, tau ~ N(B_i x_i'beta + (1 - B_i) y_i, (1 - B_i) v_i), B_i = v_i / (v_i + tau^2),
which is how the ``theta`` draws are made after sampling (one draw per posterior draw).
"""

from __future__ import annotations

import math

import numpy as np

from hiermodels.meta.tau_priors import TauPrior

_LOG_2PI = math.log(2 * math.pi)


def centre_design(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, int | None]:
    """Centre the non-intercept columns when there is an intercept column.

    Returns ``(Xc, T, intercept)`` with ``X @ (T @ gamma) == Xc @ gamma`` and ``intercept``
    the index of the all-ones column (``None`` if there is none).
    """
    X = np.asarray(X, dtype=float)
    p = X.shape[1]
    T = np.eye(p)
    ones = [j for j in range(p) if np.all(X[:, j] == 1.0)]
    if not ones:
        return X.copy(), T, None
    ic = ones[0]
    xbar = X.mean(axis=0)
    Xc = X - xbar
    Xc[:, ic] = 1.0
    for j in range(p):
        if j != ic:
            T[ic, j] = -xbar[j]
    return Xc, T, ic


def coef_prior_sd(yi: np.ndarray, vi: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Default prior SDs of the centred coefficients: weakly informative, data-scaled.

    S = sqrt(mean(y_i^2) + median(v_i)) is the size of a typical observed effect. The
    intercept (effect at the mean moderator values) gets N(0, (10 S)^2) and a moderator
    column x_j gets N(0, (10 S / sd(x_j))^2), so a one-SD change of a moderator may move
    the effect by up to ~10 S: flat compared with the likelihood, but proper.
    """
    yi, vi, X = (np.asarray(a, dtype=float) for a in (yi, vi, X))
    S = math.sqrt(float(np.mean(yi**2)) + float(np.median(vi)))
    _, _, ic = centre_design(X)
    sd = np.empty(X.shape[1])
    for j in range(X.shape[1]):
        if j == ic:
            sd[j] = 10 * S
        else:
            spread = np.std(X[:, j]) if ic is not None else math.sqrt(np.mean(X[:, j] ** 2))
            sd[j] = 10 * S / spread
    return sd


class CollapsedPosterior:
    """Log posterior and gradient of the collapsed model in the unconstrained space.

    Parameters
    ----------
    y, v : ndarray (k,)
        Effect sizes and sampling variances.
    Xc : ndarray (k, p)
        Centred design (see :func:`centre_design`).
    prior_sd : ndarray (p,)
        Prior SDs of the centred coefficients (prior mean 0).
    tau_prior : TauPrior or None
        ``None`` for the common-effect model (tau = 0, no tau coordinate).
    """

    def __init__(self, y, v, Xc, prior_sd, tau_prior: TauPrior | None):
        self.y = np.asarray(y, dtype=float)
        self.v = np.asarray(v, dtype=float)
        self.Xc = np.asarray(Xc, dtype=float)
        self.prior_sd = np.asarray(prior_sd, dtype=float)
        self.tau_prior = tau_prior
        self.p = self.Xc.shape[1]
        self.n_dim = self.p + (0 if tau_prior is None else 1)
        self._prior_const = -0.5 * self.p * _LOG_2PI - float(np.sum(np.log(self.prior_sd)))

    # tau <-> eta ---------------------------------------------------------------------
    def tau_of(self, eta: float) -> tuple[float, float, float, float]:
        """(tau, dtau/deta, log|dtau/deta|, d log|dtau/deta| / deta)."""
        upper = self.tau_prior.upper
        if math.isinf(upper):
            tau = math.exp(min(eta, 300.0))
            return tau, tau, eta, 1.0
        s = 1.0 / (1.0 + math.exp(-eta)) if eta > -700 else 0.0
        tau = upper * s
        log_s = -math.log1p(math.exp(-eta)) if eta > -30 else eta
        log_1ms = -math.log1p(math.exp(eta)) if eta < 30 else -eta
        return tau, upper * s * (1 - s), math.log(upper) + log_s + log_1ms, 1.0 - 2.0 * s

    def eta_of(self, tau: float) -> float:
        """Inverse transform: the unconstrained coordinate of ``tau``."""
        upper = self.tau_prior.upper
        if math.isinf(upper):
            return math.log(tau)
        s = tau / upper
        return math.log(s) - math.log1p(-s)

    # density ------------------------------------------------------------------------
    def logp_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        """Log posterior (Jacobian included) and its gradient at ``x = (gamma, eta)``."""
        x = np.asarray(x, dtype=float)
        gamma = x[: self.p]
        r = self.y - self.Xc @ gamma
        grad = np.empty(self.n_dim)
        if self.tau_prior is None:
            V = self.v
        else:
            tau, dtau, logjac, dlogjac = self.tau_of(float(x[self.p]))
            V = tau * tau + self.v
        ratio = r / V
        lp = -0.5 * float(np.sum(_LOG_2PI + np.log(V) + r * ratio))
        z = gamma / self.prior_sd
        lp += self._prior_const - 0.5 * float(z @ z)
        grad[: self.p] = self.Xc.T @ ratio - z / self.prior_sd
        if self.tau_prior is not None:
            if tau <= 0.0 or not math.isfinite(tau):
                return -math.inf, np.zeros(self.n_dim)
            dl_dtau = float(np.sum(ratio * ratio - 1.0 / V)) * tau
            lp_tau = float(self.tau_prior.logpdf(tau))
            d_tau = float(self.tau_prior.dlogpdf(tau))
            lp += lp_tau + logjac
            grad[self.p] = (dl_dtau + d_tau) * dtau + dlogjac
        if not math.isfinite(lp):
            return -math.inf, np.zeros(self.n_dim)
        return lp, grad

    def logp(self, x: np.ndarray) -> float:
        return self.logp_grad(x)[0]

    def expand(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """Constrained quantities stored in the posterior: ``gamma`` and ``tau``."""
        x = np.asarray(x, dtype=float)
        tau = 0.0 if self.tau_prior is None else self.tau_of(float(x[self.p]))[0]
        return {"gamma": x[: self.p].copy(), "tau": np.asarray(tau)}

    def initial_point(self, rng: np.random.Generator, tau_start: float) -> np.ndarray:
        """A start near the weighted least-squares fit, jittered like Stan's (-1, 1)."""
        w = 1.0 / (tau_start**2 + self.v)
        WX = self.Xc * w[:, None]
        gamma = np.linalg.solve(self.Xc.T @ WX, WX.T @ self.y)
        scale = np.sqrt(np.diag(np.linalg.inv(self.Xc.T @ WX)))
        x = [gamma + scale * rng.uniform(-1, 1, self.p)]
        if self.tau_prior is not None:
            t = min(tau_start, 0.5 * self.tau_prior.upper)
            x.append([self.eta_of(t) + rng.uniform(-1, 1)])
        return np.concatenate(x)


class WhitenedPosterior(CollapsedPosterior):
    r"""The same posterior with the coefficients whitened given tau (the default sampler).

    Given tau the coefficients are exactly Gaussian, gamma | tau, y ~ N(m, A^-1) with
    A = Xc'W Xc + S0^-1, m = A^-1 Xc'W y, W = diag(1 / (tau^2 + v)). Writing
    gamma = m(tau) + C^-T z (A = C C') the joint density factorises,

        log p(z, eta | y) = log p(y | tau) + log p(tau) + log|dtau/deta| + log N(z | 0, I),

    so NUTS explores a standard normal times the one-dimensional marginal of eta: no
    funnel where tau -> 0 and the coefficients' posterior narrows. The marginal
    likelihood and its derivative (t = tau^2, f = Xc m, h_i = xc_i'A^-1 xc_i):

        log p(y | tau) = -1/2 [sum log(2 pi V_i) + y'Wy - b'm + log|A| + log|S0|],
        d log p(y | tau) / dt = 1/2 sum_i [W_i^2 ((y_i - f_i)^2 + h_i) - W_i].

    It equals :class:`CollapsedPosterior` at gamma(z, eta) plus log|dgamma/dz| = -log|C|.
    """

    def _moments(self, tau):
        """W, A^-1, log|A|, b and m = A^-1 b at ``tau`` (scalar arithmetic when p = 1)."""
        W = 1.0 / (tau * tau + self.v)
        if self.p == 1:
            x = self.Xc[:, 0]
            a = float(W @ (x * x)) + self.prior_sd[0] ** -2
            b = np.array([float(W @ (x * self.y))])
            return W, np.array([[1.0 / a]]), math.log(a), b, b / a
        A = (self.Xc.T * W) @ self.Xc + np.diag(self.prior_sd**-2)
        Ainv = np.linalg.inv(A)
        b = self.Xc.T @ (W * self.y)
        return W, Ainv, float(np.linalg.slogdet(A)[1]), b, Ainv @ b

    def logp_grad(self, x):
        x = np.asarray(x, dtype=float)
        z = x[: self.p]
        grad = np.empty(self.n_dim)
        grad[: self.p] = -z
        lp = -0.5 * self.p * _LOG_2PI - 0.5 * float(z @ z)
        if self.tau_prior is None:
            return lp, grad
        tau, dtau, logjac, dlogjac = self.tau_of(float(x[self.p]))
        if tau <= 0.0 or not math.isfinite(tau):
            return -math.inf, np.zeros(self.n_dim)
        W, Ainv, logdet, b, m = self._moments(tau)
        r = self.y - self.Xc @ m
        h = (
            np.einsum("ij,jk,ik->i", self.Xc, Ainv, self.Xc)
            if self.p > 1
            else Ainv[0, 0] * self.Xc[:, 0] ** 2
        )
        lml = (
            -0.5
            * (float(np.sum(_LOG_2PI - np.log(W))) + float(W @ (self.y * self.y) - b @ m) + logdet)
            + self._prior_const
            + 0.5 * self.p * _LOG_2PI
        )
        W2 = W * W
        dl_dt = 0.5 * float(W2 @ (r * r + h) - np.sum(W))
        lp_tau = float(self.tau_prior.logpdf(tau))
        d_tau = float(self.tau_prior.dlogpdf(tau))
        lp += lml + lp_tau + logjac
        grad[self.p] = (dl_dt * 2.0 * tau + d_tau) * dtau + dlogjac
        if not math.isfinite(lp):
            return -math.inf, np.zeros(self.n_dim)
        return lp, grad

    def gamma_of(self, x) -> np.ndarray:
        """The coefficients gamma = m(tau) + C^-T z at the unconstrained point ``x``."""
        x = np.asarray(x, dtype=float)
        tau = 0.0 if self.tau_prior is None else self.tau_of(float(x[self.p]))[0]
        _, Ainv, _, _, m = self._moments(tau)
        C = np.linalg.cholesky(np.linalg.inv(Ainv))
        return m + np.linalg.solve(C.T, x[: self.p])

    def expand(self, x):
        x = np.asarray(x, dtype=float)
        tau = 0.0 if self.tau_prior is None else self.tau_of(float(x[self.p]))[0]
        return {"gamma": self.gamma_of(x), "tau": np.asarray(tau)}

    def initial_point(self, rng, tau_start):
        x = [rng.uniform(-1, 1, self.p)]
        if self.tau_prior is not None:
            t = min(tau_start, 0.5 * self.tau_prior.upper)
            x.append([self.eta_of(t) + rng.uniform(-1, 1)])
        return np.concatenate(x)


def conditional_theta(y, v, linpred, tau):
    """Moments of theta_i | y, beta, tau (broadcast over leading draw axes).

    Returns ``(mean, var, B)`` with B_i = v_i / (v_i + tau^2) the pooling factor,
    mean = B x'beta + (1 - B) y and var = (1 - B) v = (1/v + 1/tau^2)^-1.
    """
    tau = np.asarray(tau, dtype=float)[..., None]
    B = v / (v + tau * tau)
    mean = B * linpred + (1.0 - B) * y
    var = (1.0 - B) * v
    return mean, var, B


def draw_theta(y, v, linpred, tau, rng: np.random.Generator) -> np.ndarray:
    """One exact draw of every theta_i per posterior draw of (beta, tau)."""
    mean, var, _ = conditional_theta(y, v, linpred, tau)
    return mean + np.sqrt(var) * rng.standard_normal(mean.shape)
