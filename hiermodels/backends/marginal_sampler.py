r"""NUTS on the fully marginal Gaussian posterior, then exact draws of every effect.

For a Gaussian model with Normal priors on the fixed effects, any number of grouping
factors (nested, crossed, correlated slopes), :mod:`.kernels.marginal_nb` evaluates

.. math::

    p(\sigma, \{G_f\} \mid y) \propto N\!\big(y \mid Xm,\; X D^2 X' + Z G Z' + \sigma^2 I\big)\,
        p(\sigma)\, \prod_f p(G_f),

so NUTS samples only the log-SDs, the correlations (CPCs) and log sigma: a space of a
handful of dimensions with no funnel between the intercept and tau (the cause of the
divergences with few clusters) and no group effects to mix. For each posterior draw the
fixed and all group effects are then drawn exactly from their joint Gaussian conditional
(:func:`.kernels.marginal_draws_nb.draw_effects`); their Rao-Blackwellised means (averages
of the conditional means) are stored in the ``rao_blackwell`` group.

Used by default (``parameterization="auto"``) whenever
:func:`.kernels.marginal_data.marginal_supported` says the model qualifies; otherwise the
one-factor collapsed kernel or the joint kernel samples it as before.
"""

from __future__ import annotations

import numpy as np

from hiermodels.backends.kernels import _prior_arrays, by_name, initial_point, rejecting_nonfinite
from hiermodels.backends.kernels.marginal_data import (
    check_marginal_identifiable,
    marginal_data,
    marginal_layout,
    marginal_supported,
    stack_cholesky,
)
from hiermodels.backends.kernels.marginal_draws_nb import draw_effects
from hiermodels.backends.kernels.marginal_native import marginal_cfunc, marginal_native_arrays
from hiermodels.backends.kernels.marginal_nb import marginal_logp
from hiermodels.backends.kernels.posterior import assemble, constrained, positive_values
from hiermodels.backends.nuts_runner import run_nuts
from hiermodels.model import names
from hiermodels.model.layout import make_layout

# Largest dense Schur complement (effects left after eliminating the largest factor, plus the
# fixed effects) for which the marginal path is the default: its Cholesky and inverse cost
# O(R^3) per gradient (InstEval, R = 1143: ~90 ms), while the joint kernel's gradient costs
# O(N) and NUTS on many well-informed effects stays cheap.
MAX_DENSE_REST = 400


def dense_rest(model) -> int:
    """Size R of the dense part of the marginal precision for ``model``."""
    d = model.design
    sizes = [g.n_levels * g.q for g in d.groups]
    return int(sum(sizes) - max(sizes, default=0)) + len(d.fixed_names)


def uses_marginal(model) -> bool:
    """Whether ``model`` is sampled on the fully marginal path (``parameterization="auto"``).

    Gaussian models with Normal fixed-effect priors whose dense rest R is at most
    ``MAX_DENSE_REST``; larger crossed designs sample the effects jointly instead.
    """
    if model.spec.parameterization != "auto" or not model.design.groups:
        return False
    if getattr(model.design, "weights", None) is not None:  # weighted: the joint kernel
        return False
    return bool(marginal_supported(model)[0]) and dense_rest(model) <= MAX_DENSE_REST


def _initial(model, full, off):
    def init(rng):
        return initial_point(model, full, rng)[off:]

    return init


def sample_marginal(
    model,
    *,
    draws,
    tune,
    chains,
    seed,
    target_accept,
    progressbar,
    cores=None,
    native: bool | None = None,
    mass_matrix: str = "auto",
):
    """Sample the variance parameters of ``model`` by NUTS and draw every effect exactly.

    Returns InferenceData with the standard names (:mod:`hiermodels.model.names`).
    """
    from threadpoolctl import threadpool_limits

    check_marginal_identifiable(model)
    lay = marginal_layout(model)
    full = make_layout(model, collapsed=True)
    off = full.has_int + full.P
    data = marginal_data(model, lay)
    init = _initial(model, full, off)
    settings = dict(
        draws=draws,
        tune=tune,
        chains=chains,
        cores=cores,
        seed=seed,
        target_accept=target_accept,
        progressbar=progressbar,
        mass_matrix=mass_matrix,
    )
    # parallel chains each call LAPACK: one BLAS thread per chain (else they spin and fight)
    with threadpool_limits(1):
        raw = _sample(lay, data, init, native, settings)
        theta = raw.posterior["theta"].values
        C, S = theta.shape[:2]
        flat = theta.reshape(C * S, -1)
        rng = np.random.default_rng(None if seed is None else [int(seed), 7])
        Ls = stack_cholesky(lay, flat)
        pa = _prior_arrays(model)
        sigma = positive_values(pa["pri_aux"][0], flat[:, lay.aux_pos])
        eff = draw_effects(data, Ls, sigma, rng)
    return _inferencedata(model, full, flat, eff, raw, C, S)


def _sample(lay, data, init, native, settings):
    return run_nuts(
        lay.n_dim,
        lambda: marginal_native_arrays(data),
        marginal_cfunc.address,
        rejecting_nonfinite(by_name(marginal_logp)),
        data,
        init,
        native,
        settings,
    )


def _inferencedata(model, full, flat, eff, raw, C, S):
    """The posterior with the graph's names; fixed effects prepended to the sampled theta."""
    vals = constrained(model, full, np.concatenate([eff["beta"], flat], axis=1))
    rb = {}
    for f, g in enumerate(model.design.groups):
        vals.pop(f"L_{g.dim}", None)
        vals[names.effects(g)] = eff["r"][f]
        rb[names.effects(g)] = eff["r_mean"][f].mean(axis=0)
    kinds = {g.name: "marginal" for g in model.design.groups}
    return assemble(model, vals, rb, raw.sample_stats, C, S, 1, kinds)
