"""Priors for the between-study standard deviation tau of a random-effects meta-analysis.

Every prior is an object with a log density on tau and its derivative (used by the
NumPy log posterior that NUTS samples), a sampler (for prior plots and checks), a
one-line description (for tables); :mod:`hiermodels.meta.pymc_backend` states the same
prior in a PyMC graph. Built-in priors:

- :class:`HalfNormal` (the default, with a data-derived scale, see
  :func:`default_tau_scale`), :class:`HalfCauchy`, :class:`Uniform`,
- :class:`Gamma` (shape 2: boundary-avoiding, Chung et al. 2013),
- :class:`LogNormalTau2`: log(tau^2) ~ N(m, s^2), the form of the empirical priors of
  Turner et al. (2015) for log odds ratios (:func:`turner_prior`),
- :class:`LogT5Tau2`: log(tau^2) ~ Student-t_5(location, scale), the form of the empirical
  priors of Rhodes et al. (2015) for standardised mean differences (:func:`rhodes_prior`),
- :class:`~hiermodels.meta.pymc_backend.PyMCPrior`: any positive scalar PyMC distribution
  (``pm.Gamma.dist(2, 1)``); models with such a prior are sampled through a compiled PyMC
  graph.

The tables of :func:`turner_prior` and :func:`rhodes_prior` live in
:mod:`hiermodels.meta.empirical_priors`.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np
from scipy import special, stats

from hiermodels.errors import HiermodelsError

_LOG2 = math.log(2.0)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


class TauPrior(ABC):
    """Base class: a proper prior density on tau > 0.

    Subclasses implement ``logpdf(tau)`` and ``dlogpdf(tau)`` (derivative in tau),
    and ``rvs(n, rng)``; :mod:`hiermodels.meta.pymc_backend` states each as a PyMC
    random variable. ``upper`` is the end of the support
    (``inf`` except for :class:`Uniform`); the sampler maps tau to the real line with a
    log transform, or a logit-interval transform when ``upper`` is finite.
    """

    name = "prior"
    upper = math.inf
    has_gradient = True

    @abstractmethod
    def logpdf(self, tau):
        """Log prior density at ``tau``."""

    @abstractmethod
    def dlogpdf(self, tau):
        """Derivative of :meth:`logpdf` in ``tau``."""

    def pdf(self, tau):
        """Prior density at ``tau`` (0 outside the support)."""
        tau = np.asarray(tau, dtype=float)
        out = np.zeros_like(tau)
        ok = (tau >= 0) & (tau <= self.upper)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[ok] = np.exp(self.logpdf(tau[ok]))
        return np.where(np.isfinite(out), out, 0.0)

    @abstractmethod
    def rvs(self, n: int, rng: np.random.Generator | None = None) -> np.ndarray:
        """``n`` draws from the prior."""

    def describe(self) -> str:
        """One line for tables, e.g. ``tau ~ HalfNormal(0.65)``."""
        return f"tau ~ {self!r}"

    def __eq__(self, other):
        return type(self) is type(other) and repr(self) == repr(other)

    def __hash__(self):
        return hash((type(self).__name__, repr(self)))


def _check_positive(**kw):
    for k, v in kw.items():
        if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
            raise HiermodelsError(f"The tau prior's {k} must be a positive number, got {v!r}.")


class HalfNormal(TauPrior):
    """tau ~ Half-Normal(scale): p(tau) = 2/scale phi(tau/scale), tau > 0."""

    name = "half-normal"

    def __init__(self, scale: float):
        _check_positive(scale=scale)
        self.scale = float(scale)

    def logpdf(self, tau):
        t = np.asarray(tau, dtype=float) / self.scale
        return _LOG2 - _HALF_LOG_2PI - math.log(self.scale) - 0.5 * t * t

    def dlogpdf(self, tau):
        return -np.asarray(tau, dtype=float) / self.scale**2

    def rvs(self, n, rng=None):
        rng = np.random.default_rng(rng)
        return np.abs(rng.normal(0.0, self.scale, n))

    def __repr__(self):
        return f"HalfNormal({self.scale:.4g})"


class HalfCauchy(TauPrior):
    """tau ~ Half-Cauchy(scale): p(tau) = 2 / (pi scale (1 + (tau/scale)^2)), tau > 0."""

    name = "half-Cauchy"

    def __init__(self, scale: float):
        _check_positive(scale=scale)
        self.scale = float(scale)

    def logpdf(self, tau):
        t = np.asarray(tau, dtype=float) / self.scale
        return _LOG2 - math.log(math.pi * self.scale) - np.log1p(t * t)

    def dlogpdf(self, tau):
        tau = np.asarray(tau, dtype=float)
        return -2.0 * tau / (self.scale**2 + tau * tau)

    def rvs(self, n, rng=None):
        rng = np.random.default_rng(rng)
        return np.abs(self.scale * rng.standard_cauchy(n))

    def __repr__(self):
        return f"HalfCauchy({self.scale:.4g})"


class Uniform(TauPrior):
    """tau ~ Uniform(0, upper)."""

    name = "uniform"

    def __init__(self, upper: float):
        _check_positive(upper=upper)
        self.upper = float(upper)

    def logpdf(self, tau):
        tau = np.asarray(tau, dtype=float)
        return np.where((tau >= 0) & (tau <= self.upper), -math.log(self.upper), -np.inf)

    def dlogpdf(self, tau):
        return np.zeros_like(np.asarray(tau, dtype=float))

    def rvs(self, n, rng=None):
        rng = np.random.default_rng(rng)
        return rng.uniform(0.0, self.upper, n)

    def __repr__(self):
        return f"Uniform(0, {self.upper:.4g})"


class Gamma(TauPrior):
    """tau ~ Gamma(shape, rate); with shape 2 the density is 0 at tau = 0 and linear near it.

    The boundary-avoiding choice of Chung, Rabe-Hesketh, Dorie, Gelman & Liu (2013,
    Psychometrika 78:685-709): the posterior mode of tau is never exactly 0.
    """

    name = "gamma"

    def __init__(self, shape: float = 2.0, rate: float = 1.0):
        _check_positive(shape=shape, rate=rate)
        self.shape, self.rate = float(shape), float(rate)

    def logpdf(self, tau):
        tau = np.asarray(tau, dtype=float)
        a, b = self.shape, self.rate
        return a * math.log(b) - special.gammaln(a) + (a - 1) * np.log(tau) - b * tau

    def dlogpdf(self, tau):
        tau = np.asarray(tau, dtype=float)
        return (self.shape - 1) / tau - self.rate

    def rvs(self, n, rng=None):
        rng = np.random.default_rng(rng)
        return rng.gamma(self.shape, 1.0 / self.rate, n)

    def __repr__(self):
        return f"Gamma({self.shape:.4g}, rate={self.rate:.4g})"


class LogNormalTau2(TauPrior):
    """log(tau^2) ~ Normal(mu, sigma^2), i.e. log(tau) ~ Normal(mu/2, (sigma/2)^2).

    Parameters are on the tau^2 scale, as published by Turner et al. (2015).
    """

    name = "log-normal (tau^2)"

    def __init__(self, mu: float, sigma: float, label: str | None = None):
        if not math.isfinite(mu):
            raise HiermodelsError(f"mu must be finite, got {mu!r}.")
        _check_positive(sigma=sigma)
        self.mu, self.sigma, self.label = float(mu), float(sigma), label

    def logpdf(self, tau):
        tau = np.asarray(tau, dtype=float)
        m, s = self.mu / 2, self.sigma / 2
        z = (np.log(tau) - m) / s
        return -_HALF_LOG_2PI - math.log(s) - np.log(tau) - 0.5 * z * z

    def dlogpdf(self, tau):
        tau = np.asarray(tau, dtype=float)
        m, s = self.mu / 2, self.sigma / 2
        return -(1.0 + (np.log(tau) - m) / s**2) / tau

    def rvs(self, n, rng=None):
        rng = np.random.default_rng(rng)
        return np.exp(rng.normal(self.mu / 2, self.sigma / 2, n))

    def describe(self):
        base = f"log(tau^2) ~ N({self.mu:.2f}, {self.sigma:.2f}^2)"
        return f"{base}; {self.label}" if self.label else base

    def __repr__(self):
        return f"LogNormalTau2(mu={self.mu:.4g}, sigma={self.sigma:.4g})"


class LogT5Tau2(TauPrior):
    """log(tau^2) ~ Student-t with 5 df, location and scale on the log(tau^2) scale.

    Equivalently log(tau) ~ t_5(location/2, scale/2). The form of Rhodes et al. (2015).
    """

    name = "log-t5 (tau^2)"
    df = 5.0

    def __init__(self, location: float, scale: float, label: str | None = None):
        if not math.isfinite(location):
            raise HiermodelsError(f"location must be finite, got {location!r}.")
        _check_positive(scale=scale)
        self.location, self.scale, self.label = float(location), float(scale), label

    def logpdf(self, tau):
        tau = np.asarray(tau, dtype=float)
        m, s = self.location / 2, self.scale / 2
        return stats.t.logpdf(np.log(tau), self.df, loc=m, scale=s) - np.log(tau)

    def dlogpdf(self, tau):
        tau = np.asarray(tau, dtype=float)
        m, s, nu = self.location / 2, self.scale / 2, self.df
        u = (np.log(tau) - m) / s
        return (-(nu + 1) * u / (s * (nu + u * u)) - 1.0) / tau

    def rvs(self, n, rng=None):
        rng = np.random.default_rng(rng)
        return np.exp(self.location / 2 + self.scale / 2 * rng.standard_t(self.df, n))

    def describe(self):
        base = f"log(tau^2) ~ t5({self.location:.2f}, {self.scale:.2f})"
        return f"{base}; {self.label}" if self.label else base

    def __repr__(self):
        return f"LogT5Tau2(location={self.location:.4g}, scale={self.scale:.4g})"


NAMES = {
    "half-normal": HalfNormal,
    "halfnormal": HalfNormal,
    "half_normal": HalfNormal,
    "half-cauchy": HalfCauchy,
    "halfcauchy": HalfCauchy,
    "half_cauchy": HalfCauchy,
    "uniform": Uniform,
    "gamma": Gamma,
}


def default_tau_scale(yi: np.ndarray, vi: np.ndarray) -> float:
    """Scale of the default tau prior: max(SD of the y_i, typical within-study SE).

    The observed effects spread as sqrt(tau^2 + v), so their SD bounds tau from above
    in expectation; the Higgins-Thompson typical within-study SE s (see
    :func:`hiermodels.meta.frequentist.typical_variance`) is the smallest heterogeneity
    the studies can tell apart from none. A half-normal with the larger of the two puts
    about 68 % of its mass below that value and is weakly informative on the scale
    of the data (in the spirit of rstanarm's autoscaling).
    """
    from hiermodels.meta.frequentist import typical_variance

    yi = np.asarray(yi, dtype=float)
    sd = float(np.std(yi, ddof=1)) if yi.size > 1 else 0.0
    s = math.sqrt(typical_variance(np.asarray(vi, dtype=float)))
    return max(sd, s)
