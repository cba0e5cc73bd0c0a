r"""The family protocol: everything any layer needs to know about one likelihood.

A family is a frozen dataclass ``(name, link)``; each concrete family is a subclass in its
own module (``gaussian.py``, ``poisson.py`` ...) that sets the class attributes and
implements the NumPy methods marked *family-specific* below. The kernel log-likelihood
(``backends/kernels/``) and the PyMC likelihood (``backends/pymc/likelihood.py``) live
in the backends layer, keyed by ``name``.

Adding a family: subclass :class:`Family` in a new module, list it in
``families/__init__.py``'s registry, and add its likelihood to the backends (see
ARCHITECTURE.md, "where new things go").
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from hiermodels.errors import DataError
from hiermodels.families import links as _links
from hiermodels.spec.prior import Prior


@dataclass(frozen=True)
class Family(ABC):
    r"""A likelihood family with its link function.

    Parameters
    ----------
    name : str
        The registry name (``"gaussian"``, ``"poisson"`` ...).
    link : str
        One of the class's :attr:`links`; the first is the default (canonical) one.

    Class attributes (set by each family)
    -------------------------------------
    links : tuple of str
        Available links, the default first.
    aux : tuple of str
        Names of the auxiliary (non-location) parameters, e.g. ``("sigma",)``.
    needs_trials : bool
        Whether the response needs ``trials()`` (binomial).
    discrete : bool
        Whether the response is a count / class (randomised quantile residuals).
    gaussian_scale : bool
        Whether priors are scaled to the response SD (observation scale) instead of the
        unit link scale.
    mean_symbol : str
        The symbol of the mean in ``describe()`` (``mu_i``, ``p_i``, ``lambda_i``).
    likelihood_text : str
        How ``describe()`` writes the likelihood, e.g. ``"Normal(mu_i, sigma)"``.
    second_predictor : str or None
        ``"zi"`` for zero-inflated / hurdle families: a second linear predictor
        :math:`\eta^{zi}_i = x^{zi\prime}_i \gamma` (logit of the zero-inflation or
        hurdle probability) from the model's ``zi=`` formula (default ``"~ 1"``, as
        brms). The NumPy methods receive it as ``aux["eta_zi"]`` (shape of ``eta``).
    ordinal : bool
        Ordered-category response: K - 1 ordered thresholds replace the intercept; the
        NumPy methods receive them as ``aux["threshold"]`` (shape ``(..., K - 1)``, last
        axis the thresholds) and :meth:`prepare_response` codes the response.

    Every name in :attr:`aux` is a positive parameter; the NumPy methods receive each by
    name (``aux["sigma"]``, ``aux["nu"]``).
    """

    name: str
    link: str

    links: ClassVar[tuple[str, ...]] = ()
    aux: ClassVar[tuple[str, ...]] = ()
    needs_trials: ClassVar[bool] = False
    discrete: ClassVar[bool] = True
    gaussian_scale: ClassVar[bool] = False
    mean_symbol: ClassVar[str] = "mu_i"
    likelihood_text: ClassVar[str] = ""
    second_predictor: ClassVar[str | None] = None
    ordinal: ClassVar[bool] = False

    # ------------------------------------------------------------------ metadata
    @property
    def identity(self) -> bool:
        return self.link == "identity"

    def __str__(self) -> str:
        return f"{self.name}({self.link})"

    def link_text(self) -> str:
        """``g(mean)`` as ``describe()`` writes it, e.g. ``logit(p_i)``."""
        return _links.LINK_TEXT[self.link].format(m=self.mean_symbol)

    # ------------------------------------------------------------------ links
    def inverse_link(self, eta):
        """Mean of the response (per trial for binomial) from the linear predictor."""
        return _links.inverse_link(self.link, eta)

    def link_fn(self, mu):
        """Link function g(mu)."""
        return _links.link_fn(self.link, mu)

    def mean_derivative(self, eta, trials=None):
        """d E[y] / d eta per observation (counts for binomial)."""
        n = 1.0 if trials is None else trials
        if self.link in ("identity", "log"):
            return _links.inverse_link_derivative(self.link, eta)
        if self.link == "logit":
            p = _links.inverse_link(self.link, eta)
            return n * p * (1 - p)
        return n * np.exp(-0.5 * eta**2) / np.sqrt(2 * np.pi)

    # ------------------------------------------------------------------ validation
    def validate(self, y: np.ndarray, trials: np.ndarray | None, response: str) -> None:
        """Raise a :class:`DataError` naming the response when it cannot come from this family."""
        if not np.all(np.isfinite(y)):
            raise DataError(f"The response {response!r} has non-finite values.")
        self.check_support(y, trials, response)

    @abstractmethod
    def check_support(self, y, trials, response: str) -> None:
        """Raise a :class:`DataError` naming ``response`` for values outside the support."""

    def _check_counts(self, y, response: str) -> None:
        if np.any(y < 0) or np.any(y != np.round(y)):
            bad = sorted({float(v) for v in y[(y < 0) | (y != np.round(y))]})[:5]
            raise DataError(
                f"The {self.name} response {response!r} must be non-negative integers; found {bad}."
            )

    # ------------------------------------------------------------------ moments
    def mean(self, eta, trials=None, aux: dict | None = None):
        """E[y | eta] on the response scale (counts for binomial).

        ``aux`` (the posterior's auxiliary values, ``eta_zi``, thresholds) is needed only by
        families whose mean is not the inverse link (zero-inflated, hurdle, ordinal).
        """
        p = self.inverse_link(eta)
        return p * trials if self.needs_trials else p

    @abstractmethod
    def variance(self, eta, aux: dict, trials=None):
        """Var[y | eta] (the observation-level conditional variance)."""

    @abstractmethod
    def latent_variance(self, eta_mean, var_random, aux: dict):
        r"""Distribution-specific variance :math:`\sigma_d^2` (Nakagawa, Johnson &
        Schielzeth 2017; MATH.md section 3), per draw.

        ``eta_mean``: mean fixed linear predictor; ``var_random``: total group-level
        variance; ``aux``: auxiliary parameter draws. Both enter only for log links.
        """

    @abstractmethod
    def latent_variance_text(self) -> str:
        """:math:`\\sigma_d^2` in words, for table notes (e.g. ``"pi^2/3"``)."""

    def _link_latent_variance(self, var_random):
        """Logit pi^2/3 and probit 1, broadcast like ``var_random``."""
        zero = 0 * np.asarray(var_random, float)
        return (np.pi**2 / 3 if self.link == "logit" else 1.0) + zero

    # ------------------------------------------------------------------ densities
    @abstractmethod
    def logpdf(self, y, eta, aux: dict, trials=None):
        """Pointwise log-likelihood; broadcasts over leading draw axes."""

    @abstractmethod
    def cdf(self, y, eta, aux: dict, trials=None):
        """P(Y <= y | eta) (used by randomised quantile residuals)."""

    @abstractmethod
    def draw(self, rng: np.random.Generator, eta, aux: dict, trials=None):
        """Replicated responses y_rep ~ p(y | eta, aux)."""

    # ------------------------------------------------------------------ response coding
    def prepare_response(self, values, response: str):
        """Ordinal families: the response column -> ``(codes, labels)``.

        ``codes`` are floats 0..K-1 in category order, ``labels`` the K category labels
        (their order is the response's order: a pandas ordered categorical's categories,
        else sorted values). Only called when :attr:`ordinal` is True.
        """
        raise NotImplementedError(f"family {self.name!r} is not ordinal")

    # ------------------------------------------------------------------ priors and starts
    def default_aux_priors(self, s_y: float, y_name: str) -> dict[str, tuple[Prior, str]]:
        """Default prior of each auxiliary parameter and where its scale comes from."""
        return {}

    def aux_starts(self, y) -> dict[str, float]:
        """Sampler starting values of positive auxiliary parameters (by name) whose prior
        centre is a poor start; the rest start near ``exp(0)``, jittered."""
        return {}

    @abstractmethod
    def intercept_location(self, y, trials=None, offset=None) -> float:
        """Centre of the default Intercept prior: g(mean of y), on the link scale."""

    @abstractmethod
    def start_eta(self, y, trials=None):
        """A finite starting linear predictor for IRLS (per row)."""

    def degenerate_reason(self, y, trials=None) -> str:
        """Why a cluster's GLM estimate does not exist (for tables)."""
        return "no finite MLE (separation)"
