"""Shared fits and fakes for the explanation tests (shrinkage, variance, checks, plots).

Sampling fits are cached per session (each takes ~1-2 s), so the four test modules
share them. ``fake_fit`` builds a :class:`hiermodels.Fit` from synthetic posterior draws
(no MCMC), for tests against closed forms.
"""

from __future__ import annotations

import warnings
from functools import cache

import arviz as az
import numpy as np
import pandas as pd

import hiermodels as hm
from hiermodels.model.names import coords_of


@cache
def fit_of(dataset: str, formula: str, family: str = "gaussian", seed: int = 1, **kw):
    """A sampled fit of a bundled dataset (default 4 x 1000 draws), cached."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = hm.Model(formula, hm.datasets.load(dataset), family=family)
        return model.fit(seed=seed, progressbar=False, **kw)


def simulate_counts(seed: int, nb: bool = False, J: int = 40, n: int = 10, phi: float = 2.0):
    """Poisson (or NB2 with shape phi) GLMM: log mu = 0.5 + 0.4 x + u_j, u_j ~ N(0, 0.6^2)."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(J), n)
    x = rng.normal(size=J * n)
    u = rng.normal(0, 0.6, J)
    mu = np.exp(0.5 + 0.4 * x + u[g])
    y = rng.poisson(rng.gamma(phi, mu / phi)) if nb else rng.poisson(mu)
    return pd.DataFrame({"y": y, "x": x, "g": [f"c{k:02d}" for k in g]})


@cache
def count_fit(nb_data: bool, family: str = "poisson", seed: int = 3):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = simulate_counts(seed, nb=nb_data)
        return hm.Model("y ~ x + (1 | g)", df, family=family).fit(seed=1, progressbar=False)


def fake_fit(model, values: dict, draws: int = 200, chains: int = 1):
    """A Fit whose posterior holds ``values`` (arrays with leading (chain, draw) or scalars).

    Scalars and per-draw constants are broadcast; group effects ``r_<f>`` default to
    zeros. Dims follow the sampler's naming.
    """
    d = model.design
    shape = (chains, draws)
    post, dims = {}, {"b": ["coef"]}
    for k, v in values.items():
        v = np.asarray(v, float)
        post[k] = v if v.shape[:2] == shape else np.broadcast_to(v, shape + v.shape).copy()
    for g in d.groups:
        dims[f"sd_{g.dim}"] = [g.term_dim]
        dims[f"cor_{g.dim}"] = [g.term_dim, f"{g.term_dim}_bis"]
        dims[f"r_{g.dim}"] = [g.dim, g.term_dim]
        post.setdefault(f"r_{g.dim}", np.zeros((*shape, g.n_levels, g.q)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = az.from_dict(posterior=post, coords=coords_of(d), dims=dims)
    return hm.Fit(model, idata, sampler="fake")
