r"""Likelihood families and their links.

Each family knows how to check a response, build its PyMC likelihood, and (in NumPy,
without compiling anything) evaluate pointwise log-likelihoods, draw replicated data and
give the conditional variance. These NumPy pieces power predictions, posterior-predictive
checks, residuals and LOO directly from posterior draws.

========== ========================================= ============ ===========
family     model                                     link         auxiliary
========== ========================================= ============ ===========
gaussian   :math:`y \sim N(\mu, \sigma^2)`          identity     sigma
bernoulli  :math:`y \sim \mathrm{Bernoulli}(p)`      logit/probit
binomial   :math:`y \sim \mathrm{Binomial}(n, p)`    logit/probit
poisson    :math:`y \sim \mathrm{Poisson}(\lambda)`  log
negbinomial :math:`y \sim \mathrm{NB2}(\mu, \phi)`,  log          phi
           :math:`\mathrm{Var}=\mu+\mu^2/\phi`
========== ========================================= ============ ===========
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from hiermodels.errors import DataError, HiermodelsError

_LINKS = {
    "gaussian": ("identity",),
    "bernoulli": ("logit", "probit"),
    "binomial": ("logit", "probit"),
    "poisson": ("log",),
    "negbinomial": ("log",),
}


@dataclass(frozen=True)
class Family:
    """A likelihood family with its link function.

    Parameters
    ----------
    name : {"gaussian", "bernoulli", "binomial", "poisson", "negbinomial"}
    link : str, optional
        Default: the canonical link (probit is the alternative for binary data).
    """

    name: str
    link: str

    # ------------------------------------------------------------------ metadata
    @property
    def aux(self) -> tuple[str, ...]:
        """Names of the auxiliary (non-location) parameters."""
        return {"gaussian": ("sigma",), "negbinomial": ("phi",)}.get(self.name, ())

    @property
    def identity(self) -> bool:
        return self.link == "identity"

    @property
    def needs_trials(self) -> bool:
        return self.name == "binomial"

    @property
    def discrete(self) -> bool:
        return self.name != "gaussian"

    def __str__(self) -> str:
        return f"{self.name}({self.link})"

    # ------------------------------------------------------------------ links
    def inverse_link(self, eta):
        """Mean of the response (per trial for binomial) from the linear predictor (NumPy)."""
        if self.link == "identity":
            return eta
        if self.link == "log":
            return np.exp(eta)
        if self.link == "logit":
            return special.expit(eta)
        return special.ndtr(eta)

    def link_fn(self, mu):
        """Link function g(mu) (NumPy)."""
        mu = np.asarray(mu, dtype=float)
        if self.link == "identity":
            return mu
        if self.link == "log":
            return np.log(mu)
        if self.link == "logit":
            return special.logit(mu)
        return special.ndtri(mu)

    # ------------------------------------------------------------------ validation
    def validate(self, y: np.ndarray, trials: np.ndarray | None, response: str) -> None:
        """Raise a :class:`DataError` naming the response when it cannot come from this family."""
        if not np.all(np.isfinite(y)):
            raise DataError(f"The response {response!r} has non-finite values.")
        if self.name == "gaussian":
            if np.ptp(y) == 0:
                raise DataError(
                    f"The response {response!r} is constant; there is nothing to model."
                )
            return
        if self.name == "bernoulli":
            if not np.all(np.isin(y, (0.0, 1.0))):
                bad = sorted(set(y[~np.isin(y, (0.0, 1.0))]))[:5]
                raise DataError(
                    f"A Bernoulli response must be 0/1 (or boolean, or a two-level column); "
                    f"{response!r} has {bad}. For counts out of n use 'y | trials(n) ~ ...' "
                    "with family='binomial'."
                )
            return
        if np.any(y < 0) or np.any(y != np.round(y)):
            bad = sorted(set(y[(y < 0) | (y != np.round(y))]))[:5]
            raise DataError(
                f"The {self.name} response {response!r} must be non-negative integers; found {bad}."
            )
        if self.name == "binomial":
            if trials is None:
                raise DataError(
                    f"family='binomial' needs the number of trials: write "
                    f"'{response} | trials(n) ~ ...' with n a column of trial counts."
                )
            if np.any(trials <= 0) or np.any(trials != np.round(trials)):
                raise DataError("trials() must be positive integers; fix or drop rows with n <= 0.")
            if np.any(y > trials):
                k = int(np.sum(y > trials))
                raise DataError(
                    f"{k} rows have more successes ({response!r}) than trials; check the columns."
                )

    # ------------------------------------------------------------------ NumPy
    def mean(self, eta, trials=None):
        """E[y | eta] on the response scale (counts for binomial)."""
        p = self.inverse_link(eta)
        return p * trials if self.name == "binomial" else p

    def variance(self, eta, aux: dict, trials=None):
        """Var[y | eta] (the 'distribution-specific' residual variance)."""
        mu = self.inverse_link(eta)
        if self.name == "gaussian":
            return np.broadcast_to(np.asarray(aux["sigma"]) ** 2, np.shape(mu))
        if self.name == "bernoulli":
            return mu * (1 - mu)
        if self.name == "binomial":
            return trials * mu * (1 - mu)
        if self.name == "poisson":
            return mu
        return mu + mu**2 / aux["phi"]

    def logpdf(self, y, eta, aux: dict, trials=None):
        """Pointwise log-likelihood; broadcasts over leading draw axes."""
        mu = self.inverse_link(eta)
        if self.name == "gaussian":
            return stats.norm.logpdf(y, mu, aux["sigma"])
        if self.name == "bernoulli":
            if self.link == "logit":
                return -np.logaddexp(0, np.where(y > 0.5, -eta, eta))
            return np.where(y > 0.5, special.log_ndtr(eta), special.log_ndtr(-eta))
        if self.name == "binomial":
            if self.link == "logit":
                log_p, log_q = -np.logaddexp(0, -eta), -np.logaddexp(0, eta)
            else:
                log_p, log_q = special.log_ndtr(eta), special.log_ndtr(-eta)
            return (
                special.gammaln(trials + 1)
                - special.gammaln(y + 1)
                - special.gammaln(trials - y + 1)
                + y * log_p
                + (trials - y) * log_q
            )
        if self.name == "poisson":
            return y * eta - mu - special.gammaln(y + 1)
        phi = aux["phi"]
        return (
            special.gammaln(y + phi)
            - special.gammaln(phi)
            - special.gammaln(y + 1)
            + phi * (np.log(phi) - np.logaddexp(np.log(phi), eta))
            + y * (eta - np.logaddexp(np.log(phi), eta))
        )

    def cdf(self, y, eta, aux: dict, trials=None):
        """P(Y <= y | eta) (used by randomised quantile residuals)."""
        mu = self.inverse_link(eta)
        if self.name == "gaussian":
            return stats.norm.cdf(y, mu, aux["sigma"])
        if self.name == "bernoulli":
            return np.where(y >= 1, 1.0, 1 - mu)
        if self.name == "binomial":
            return stats.binom.cdf(y, trials, mu)
        if self.name == "poisson":
            return stats.poisson.cdf(y, mu)
        phi = aux["phi"]
        return stats.nbinom.cdf(y, phi, phi / (phi + mu))

    def draw(self, rng: np.random.Generator, eta, aux: dict, trials=None):
        """Replicated responses y_rep ~ p(y | eta, aux)."""
        mu = self.inverse_link(eta)
        if self.name == "gaussian":
            return rng.normal(mu, aux["sigma"])
        if self.name == "bernoulli":
            return (rng.random(np.shape(mu)) < mu).astype(float)
        if self.name == "binomial":
            return rng.binomial(np.broadcast_to(trials, np.shape(mu)).astype(np.int64), mu).astype(
                float
            )
        if self.name == "poisson":
            return rng.poisson(mu).astype(float)
        phi = np.broadcast_to(aux["phi"], np.shape(mu))
        return rng.poisson(rng.gamma(phi, mu / phi)).astype(float)


def get_family(family: str | Family, link: str | None = None) -> Family:
    """Resolve ``family`` (+ optional ``link``) to a :class:`Family`.

    Raises
    ------
    HiermodelsError
        For unknown families or links, listing the valid ones.
    """
    if isinstance(family, Family):
        return family
    name = str(family).lower().replace("_", "").replace("-", "")
    name = {
        "normal": "gaussian",
        "negativebinomial": "negbinomial",
        "nb": "negbinomial",
        "nb2": "negbinomial",
        "logistic": "bernoulli",
    }.get(name, name)
    if name not in _LINKS:
        raise HiermodelsError(f"Unknown family {family!r}; choose one of {', '.join(_LINKS)}.")
    link = _LINKS[name][0] if link is None else str(link).lower()
    if link not in _LINKS[name]:
        raise HiermodelsError(
            f"Link {link!r} is not available for family {name!r}; use one of {_LINKS[name]}."
        )
    return Family(name, link)
