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
"""

from __future__ import annotations

from hiermodels.errors import HiermodelsError
from hiermodels.families.base import Family
from hiermodels.families.bernoulli import Bernoulli
from hiermodels.families.binomial import Binomial
from hiermodels.families.gaussian import Gaussian
from hiermodels.families.negbinomial import NegBinomial
from hiermodels.families.poisson import Poisson

#: name -> family class; a new family is one line here (and its module).
FAMILIES: dict[str, type[Family]] = {
    "gaussian": Gaussian,
    "bernoulli": Bernoulli,
    "binomial": Binomial,
    "poisson": Poisson,
    "negbinomial": NegBinomial,
}
_ALIASES = {
    "normal": "gaussian",
    "negativebinomial": "negbinomial",
    "nb": "negbinomial",
    "nb2": "negbinomial",
    "logistic": "bernoulli",
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
    name = str(family).lower().replace("_", "").replace("-", "")
    name = _ALIASES.get(name, name)
    if name not in FAMILIES:
        raise HiermodelsError(f"Unknown family {family!r}; choose one of {', '.join(FAMILIES)}.")
    cls = FAMILIES[name]
    link = cls.links[0] if link is None else str(link).lower()
    if link not in cls.links:
        raise HiermodelsError(
            f"Link {link!r} is not available for family {name!r}; use one of {cls.links}."
        )
    return cls(name, link)
