r"""Likelihood families and their links: one module per family, one registry.

Each family (a subclass of :class:`~hiermodels.families.base.Family`) checks a response,
and evaluates in NumPy, without compiling anything, pointwise log-likelihoods, CDFs,
replicated data, the conditional variance and the distribution-specific (latent)
variance; it also gives its default auxiliary priors and how ``describe()`` writes it.
These NumPy pieces power predictions, posterior-predictive checks, residuals, LOO, ICC
and R^2 directly from posterior draws.

=========== ========================================= ============ =========== ==================
family      model                                     link         auxiliary   module
=========== ========================================= ============ =========== ==================
gaussian    :math:`y \sim N(\mu, \sigma^2)`          identity     sigma       ``gaussian.py``
bernoulli   :math:`y \sim \mathrm{Bernoulli}(p)`      logit/probit             ``bernoulli.py``
binomial    :math:`y \sim \mathrm{Binomial}(n, p)`    logit/probit             ``binomial.py``
poisson     :math:`y \sim \mathrm{Poisson}(\lambda)`  log                      ``poisson.py``
negbinomial :math:`y \sim \mathrm{NB2}(\mu, \phi)`,   log          phi         ``negbinomial.py``
            :math:`\mathrm{Var}=\mu+\mu^2/\phi`
=========== ========================================= ============ =========== ==================

Further families, one module each (named as the family):

* ``student``: :math:`y \sim t_\nu(\mu, \sigma)`, identity link, auxiliary sigma and nu;
* ``zero_inflated_poisson``: :math:`\pi + (1 - \pi)\,\mathrm{Poisson}(\lambda)`, log link,
  :math:`\mathrm{logit}\,\pi` from the ``zi=`` formula.
* ``gamma``: :math:`y \sim \mathrm{Gamma}(\alpha, \alpha/\mu)`, log link, auxiliary shape;
* ``lognormal``: :math:`\log y \sim N(\mu, \sigma^2)`, identity link (log scale), auxiliary sigma;
* ``beta``: :math:`y \sim \mathrm{Beta}(\mu\phi, (1-\mu)\phi)`, logit link, auxiliary phi;
* ``beta_binomial``: ``trials(n)``, :math:`p \sim \mathrm{Beta}(\mu\phi, (1-\mu)\phi)`,
  logit link, auxiliary phi;
* ``bernoulli`` and ``binomial`` also take ``link="cloglog"``.
* ``zero_inflated_negbinomial``: :math:`\pi + (1 - \pi)\,\mathrm{NB2}(\mu, \phi)`, log link,
  auxiliary phi, :math:`\mathrm{logit}\,\pi` from ``zi=``;
* ``hurdle_poisson`` / ``hurdle_negbinomial``: :math:`P(y=0) = \pi` (logit from ``zi=``),
  positive counts zero-truncated Poisson / NB2 (auxiliary phi), log link.
* ``cumulative``: ordinal, :math:`P(y \le k) = F(c_k - \eta)` with ordered thresholds
  :math:`c_1 < \dots < c_{K-1}` (no intercept), logit or probit link.
"""

from __future__ import annotations

from hiermodels.errors import HiermodelsError
from hiermodels.families.base import Family
from hiermodels.families.bernoulli import Bernoulli
from hiermodels.families.beta import Beta
from hiermodels.families.beta_binomial import BetaBinomial
from hiermodels.families.binomial import Binomial
from hiermodels.families.cumulative import Cumulative
from hiermodels.families.gamma import Gamma
from hiermodels.families.gaussian import Gaussian
from hiermodels.families.hurdle_negbinomial import HurdleNegBinomial
from hiermodels.families.hurdle_poisson import HurdlePoisson
from hiermodels.families.lognormal import Lognormal
from hiermodels.families.negbinomial import NegBinomial
from hiermodels.families.poisson import Poisson
from hiermodels.families.student import Student
from hiermodels.families.zero_inflated_negbinomial import ZeroInflatedNegBinomial
from hiermodels.families.zero_inflated_poisson import ZeroInflatedPoisson

#: name -> family class; a new family is one line here (and its module).
FAMILIES: dict[str, type[Family]] = {
    "gaussian": Gaussian,
    "bernoulli": Bernoulli,
    "binomial": Binomial,
    "poisson": Poisson,
    "negbinomial": NegBinomial,
    "gamma": Gamma,
    "lognormal": Lognormal,
    "beta": Beta,
    "beta_binomial": BetaBinomial,
    "student": Student,
    "zero_inflated_poisson": ZeroInflatedPoisson,
    "zero_inflated_negbinomial": ZeroInflatedNegBinomial,
    "hurdle_poisson": HurdlePoisson,
    "hurdle_negbinomial": HurdleNegBinomial,
    "cumulative": Cumulative,
}
_ALIASES = {
    "normal": "gaussian",
    "negativebinomial": "negbinomial",
    "nb": "negbinomial",
    "nb2": "negbinomial",
    "logistic": "bernoulli",
    "studentt": "student",
    "t": "student",
    "zip": "zero_inflated_poisson",
    "zinb": "zero_inflated_negbinomial",
    "ordinal": "cumulative",
    "zeroinflatednb": "zero_inflated_negbinomial",
    "hurdlenb": "hurdle_negbinomial",
}

__all__ = ["FAMILIES", "Family", "get_family"]


def get_family(family: str | Family, link: str | None = None) -> Family:
    """Resolve ``family`` (+ optional ``link``) to a :class:`Family`.

    Parameters
    ----------
    family : str or Family
        A registry name or alias (``"normal"``, ``"nb"`` ...), or a family object
        (returned as is).
    link : str, optional
        Default: the family's first (canonical) link.

    Raises
    ------
    HiermodelsError
        For unknown families or links, listing the valid ones.
    """
    if isinstance(family, Family):
        return family
    key = str(family).lower().replace("_", "").replace("-", "")
    canonical = {k.replace("_", ""): k for k in FAMILIES}
    name = _ALIASES.get(key, canonical.get(key, key))
    if name not in FAMILIES:
        raise HiermodelsError(f"Unknown family {family!r}; choose one of {', '.join(FAMILIES)}.")
    cls = FAMILIES[name]
    link = cls.links[0] if link is None else str(link).lower()
    if link not in cls.links:
        raise HiermodelsError(
            f"Link {link!r} is not available for family {name!r}; use one of {cls.links}."
        )
    return cls(name, link)
