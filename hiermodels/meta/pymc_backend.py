"""Meta-analysis in PyMC: the readable graph, tau priors as PyMC variables, PyMC-distribution priors.

The meta-analysis slice's backend layer: the only module of :mod:`hiermodels.meta` that
imports PyMC or pytensor. The default path (:mod:`hiermodels.meta.collapsed`,
:mod:`hiermodels.meta.exact`) needs neither.

.. math::

    y_i \\sim N(x_i'\beta, \tau^2 + v_i), \\qquad \tau \\sim p(\tau)

(the collapsed form; study effects are drawn exactly afterwards).
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
from pymc.distributions.transforms import _default_transform

from hiermodels.errors import HiermodelsError
from hiermodels.meta import tau_priors as tp


class PyMCPrior(tp.TauPrior):
    """Any positive, scalar PyMC distribution, e.g. ``pm.Gamma.dist(2, 1)``.

    Models with this prior are sampled through the PyMC graph
    (:func:`hiermodels.backends.sample.sample_pymc`), which costs a graph compilation.
    """

    name = "PyMC distribution"
    has_gradient = False

    def __init__(self, dist):
        if getattr(dist, "ndim", None) != 0:
            raise HiermodelsError(
                "A PyMC tau prior must be a scalar distribution such as pm.Gamma.dist(2, 1)."
            )
        draws = np.asarray(pm.draw(dist, draws=200, random_seed=1), dtype=float)
        if np.any(draws <= 0) or not np.all(np.isfinite(draws)):
            raise HiermodelsError(
                f"The tau prior {self._op_name(dist)} puts mass on tau <= 0; use a distribution "
                "on the positive reals (HalfNormal, HalfCauchy, Gamma, LogNormal, ...)."
            )
        self.dist = dist
        self._logp_fn = None

    @staticmethod
    def _op_name(dist) -> str:
        op = getattr(getattr(dist, "owner", None), "op", None)
        return type(op).__name__.replace("RV", "") if op is not None else "distribution"

    def logpdf(self, tau):
        if self._logp_fn is None:
            value = pt.dvector("tau")
            self._logp_fn = pytensor.function(
                [value], pm.logp(self.dist, value), mode="FAST_COMPILE"
            )
        tau = np.asarray(tau, dtype=float)
        return np.asarray(self._logp_fn(np.atleast_1d(tau)), dtype=float).reshape(tau.shape)

    def dlogpdf(self, tau):
        raise HiermodelsError("PyMC priors are sampled through PyMC; no NumPy gradient.")

    def rvs(self, n, rng=None):
        seed = int(np.random.default_rng(rng).integers(2**31))
        return np.asarray(pm.draw(self.dist, draws=n, random_seed=seed), dtype=float)

    def __repr__(self):
        return f"PyMC {self._op_name(self.dist)}"

    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)


def tau_to_pymc(prior, name: str = "tau"):
    """Add ``prior`` on tau to the PyMC model on the context stack and return tau."""
    if isinstance(prior, PyMCPrior):  # register the user's own distribution as `name`
        rv = prior.dist.owner.clone().default_output()
        transform = _default_transform(rv.owner.op, rv)
        return pm.modelcontext(None).register_rv(rv, name, default_transform=transform)
    if isinstance(prior, tp.HalfNormal):
        return pm.HalfNormal(name, sigma=prior.scale)
    if isinstance(prior, tp.HalfCauchy):
        return pm.HalfCauchy(name, beta=prior.scale)
    if isinstance(prior, tp.Uniform):
        return pm.Uniform(name, lower=0.0, upper=prior.upper)
    if isinstance(prior, tp.Gamma):
        return pm.Gamma(name, alpha=prior.shape, beta=prior.rate)
    if isinstance(prior, tp.LogNormalTau2):
        return pm.LogNormal(name, mu=prior.mu / 2, sigma=prior.sigma / 2)
    if isinstance(prior, tp.LogT5Tau2):
        log_tau = pm.StudentT(
            f"log_{name}", nu=prior.df, mu=prior.location / 2, sigma=prior.scale / 2
        )
        return pm.Deterministic(name, pm.math.exp(log_tau))
    if hasattr(prior, "to_pymc"):  # a user's own TauPrior subclass
        return prior.to_pymc(name)
    raise HiermodelsError(
        f"The tau prior {prior!r} has no PyMC form; give the class a to_pymc(name) method."
    )


def pymc_graph(meta):
    """The meta-analysis ``meta`` as a readable PyMC graph (collapsed form)."""
    coords = {meta.study_dim: meta.labels}
    if meta.has_moderators:
        coords["term"] = meta.terms
    with pm.Model(coords=coords) as m:
        if meta.has_moderators:
            # coefficients on the centred moderators; beta = T gamma reports the usual ones
            gamma = pm.Normal("gamma", 0.0, meta.coef_sd, dims="term")
            pm.Deterministic("beta", pm.math.dot(meta.T, gamma), dims="term")
            linpred = pm.math.dot(meta.Xc, gamma)
        else:
            linpred = pm.Normal("mu", 0.0, float(meta.coef_sd[0]))
        if meta.tau_prior is None:
            sigma = np.sqrt(meta.v)
        else:
            tau = tau_to_pymc(meta.tau_prior, "tau")
            sigma = pm.math.sqrt(tau**2 + meta.v)
        pm.Normal("y", mu=linpred, sigma=sigma, observed=meta.y, dims=meta.study_dim)
    return m


def is_pymc_distribution(spec) -> bool:
    """Whether ``spec`` is a PyMC/pytensor distribution (a candidate :class:`PyMCPrior`)."""
    return type(spec).__module__.startswith("pytensor")
