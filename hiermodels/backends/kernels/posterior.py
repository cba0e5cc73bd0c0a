"""Unconstrained kernel draws -> the named posterior of the PyMC graph (vectorised).

``r_<f>`` is the same variable whichever way factor f was sampled: read directly from a
centred block, ``z L'`` from a non-centred one, or drawn exactly (collapsed).
"""

from __future__ import annotations

import json

import numpy as np

from hiermodels.model import names
from hiermodels.model.names import coords_of


def constrained(model, lay, theta: np.ndarray) -> dict:
    """Named quantities for draws ``theta`` of shape (D, n_dim) (group effects excluded)."""
    from hiermodels.backends.kernels import _prior_arrays
    from hiermodels.backends.kernels.factor_draws_nb import factor_cholesky_draws

    d = model.design
    pa = _prior_arrays(model)
    theta = np.ascontiguousarray(theta, dtype=float)
    out = {}
    if lay.P:
        out["b"] = theta[:, lay.has_int : lay.has_int + lay.P]
    if lay.has_int:
        out["Intercept_c"] = theta[:, 0]
        out["Intercept"] = theta[:, 0] - (out["b"] @ model._priors.xbar if lay.P else 0.0)
    for f, g in enumerate(d.groups):
        L, Lc, sd = factor_cholesky_draws(  # one numba call for all D draws
            theta,
            f,
            lay.fq,
            lay.flogsd,
            lay.bfac,
            lay.bstart,
            lay.bsize,
            lay.bcorr,
            lay.bcpc,
            pa["pri_sd"],
        )
        out[names.sd(g)] = sd
        out[f"L_{g.dim}"] = L
        if any(g.correlated):
            out[names.cor(g)] = Lc @ np.swapaxes(Lc, 1, 2)
    for k, a in enumerate(model.family.aux):
        out[a] = positive_values(pa["pri_aux"][k], theta[:, lay.aux_pos + k])
    n_thr = len(model._priors.threshold)
    if n_thr:  # c_1 = u_1, c_k = c_{k-1} + exp(u_k); then from x = xbar to x = 0
        t0 = lay.aux_pos + len(model.family.aux)
        u = theta[:, t0 : t0 + n_thr]
        c = np.cumsum(np.concatenate([u[:, :1], np.exp(u[:, 1:])], axis=1), axis=1)
        out[names.THRESHOLD_C] = c
        shift = out["b"] @ model._priors.xbar if lay.P else 0.0
        out[names.THRESHOLD] = c + np.reshape(shift, (-1, 1))
    if lay.Pz:
        out[names.ZI_COEF] = theta[:, lay.zi_pos : lay.zi_pos + lay.Pz]
    return out


def positive_values(row, u):
    """The constrained value of a positive parameter (``exp``, or logit-interval for Uniform)."""
    from hiermodels.backends.kernels.priors_nb import UNIFORM

    if int(row[0]) == UNIFORM:
        from scipy.special import expit

        return row[1] + (row[2] - row[1]) * expit(u)
    return np.exp(u)


def _exact_draws(flat, lay, sigma, L, data, g, rng):
    """Exact draws of the group effects for every posterior draw (collapsed model).

    Returns the draws (D, J, q) and the Rao-Blackwellised posterior mean of the group
    effects, E[b_j | y] estimated by averaging the conditional means (J, q). One seed per
    posterior draw keeps the draws reproducible under numba's parallel loop.
    """
    from hiermodels.backends.kernels.collapsed_nb import draw_group_effects

    beta = np.ascontiguousarray(flat[:, : lay.has_int + lay.P])
    seeds = rng.integers(0, 2**31 - 1, flat.shape[0])
    out, cmean = draw_group_effects(
        beta, sigma, np.ascontiguousarray(L), data["ZtZ"], data["ZtX"], data["Zty"], seeds
    )
    return out, cmean.mean(axis=0)


def to_inferencedata(model, lay, data: dict, raw, rng: np.random.Generator):
    """Build the InferenceData: posterior with the graph's names + nutpie's sample_stats."""
    theta = raw.posterior["theta"].values  # (chain, draw, n_dim)
    C, S = theta.shape[:2]
    flat = theta.reshape(C * S, -1)
    vals = constrained(model, lay, flat)
    d = model.design
    rb_means = {}
    for f, g in enumerate(d.groups):
        L = vals.pop(f"L_{g.dim}")
        if lay.collapsed:
            r, rb_means[names.effects(g)] = _exact_draws(flat, lay, vals["sigma"], L, data, g, rng)
        else:
            z = flat[:, lay.fz[f] : lay.fz[f] + g.n_levels * g.q].reshape(C * S, g.n_levels, g.q)
            if lay.fcent[f]:  # r = gamma - T beta, gamma = C xi when whitened
                r = lay.gamma(flat, f) - lay.centring_shift(flat, f).reshape(z.shape)
            else:
                r = z @ np.swapaxes(L, 1, 2)
        vals[names.effects(g)] = r
    kinds = {
        g.name: "collapsed" if lay.collapsed else ("centered" if c else "noncentered")
        for g, c in zip(d.groups, lay.fcent, strict=True)
    }
    return assemble(model, vals, rb_means, raw.sample_stats, C, S, int(lay.collapsed), kinds)


def assemble(model, vals: dict, rb_means: dict, sample_stats, C: int, S: int, collapsed, kinds):
    """InferenceData from flat (C*S, ...) draws ``vals`` named as :mod:`hiermodels.model.names`
    says, Rao-Blackwellised group-effect means ``rb_means`` (may be empty), the sampler's
    statistics, and per factor how it was sampled (``kinds``).

    Returns a :class:`~hiermodels.backends.trace.Trace`: the InferenceData's groups, built
    into an ``arviz.InferenceData`` only when asked (importing ArviZ costs 1-2 s)."""
    import xarray as xr  # after the draws (imported while nutpie samples)

    from hiermodels.backends.trace import Trace

    d = model.design
    dims = {
        "b": ["coef"],
        names.ZI_COEF: [names.ZI_DIM],
        names.THRESHOLD: [names.THRESHOLD_DIM],
        names.THRESHOLD_C: [names.THRESHOLD_DIM],
    }
    for g in d.groups:
        dims.update(names.factor_dims(g))
    coords = {k: v for k, v in coords_of(d).items() if k != "obs"}
    coords.update(chain=np.arange(C), draw=np.arange(S))
    post = xr.Dataset(
        {
            k: (["chain", "draw", *dims.get(k, [])], v.reshape(C, S, *v.shape[1:]))
            for k, v in vals.items()
        },
        coords=coords,
    )
    post.attrs["collapsed"] = int(collapsed)
    post.attrs["parameterization"] = json.dumps(kinds)
    groups = {"posterior": post, "sample_stats": sample_stats}
    if rb_means:
        rb_coords = {k: v for k, v in coords.items() if k not in ("chain", "draw")}
        groups["rao_blackwell"] = xr.Dataset(
            {k: (dims[k], v) for k, v in rb_means.items()}, coords=rb_coords
        )
    return Trace(**groups)
