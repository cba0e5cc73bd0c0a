"""NUTS on hiermodels' kernels: the native cfunc when nutpie allows it, else nutpie's public
callback interface; the draws become InferenceData with the standard names.
"""

from __future__ import annotations

import numpy as np

from hiermodels.backends.kernels import initial_point, kernel_data, logp_function
from hiermodels.backends.kernels.native import native_arrays
from hiermodels.backends.kernels.posterior import to_inferencedata
from hiermodels.backends.nuts_runner import run_nuts
from hiermodels.model.layout import make_layout


def sample_kernel(
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
    """Sample ``model`` with NUTS on the kernel and return InferenceData (standard names).

    ``native`` (default: when the nutpie adapter vouches for the installed nutpie) runs the
    cached numba ``cfunc`` with no Python per gradient; otherwise nutpie calls the kernel
    through its public Python-callback interface.
    """
    from hiermodels.backends.marginal_sampler import sample_marginal, uses_marginal
    from hiermodels.backends.partial_sampler import partial_route, sample_partial

    if uses_marginal(model):  # Gaussian: fixed and group effects integrated out
        return sample_marginal(
            model,
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed,
            target_accept=0.99 if target_accept is None else target_accept,
            progressbar=progressbar,
            cores=cores,
            native=native,
            mass_matrix=mass_matrix,
        )
    target_accept = 0.8 if target_accept is None else target_accept
    cfac = partial_route(model)
    if cfac is not None:  # big Gaussian design: the largest intercept-only factor integrated
        return sample_partial(
            model,
            cfac,
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed,
            target_accept=target_accept,
            progressbar=progressbar,
            cores=cores,
            native=native,
            mass_matrix=mass_matrix,
        )
    lay = make_layout(model, collapsed=model.collapsed, hierarchical=True)
    if mass_matrix == "auto" and np.array_equal(lay.fhier, lay.fcent):
        # every centred factor is hierarchically centred: the intercept / mean-effect ridge
        # that the low-rank mass matrix learns is gone (verbagg, 348 dims: 15 gradients per
        # draw and R-hat <= 1.008 with either; diag costs less per step)
        mass_matrix = "diag"
    data = kernel_data(model, lay)
    init = lambda rng: initial_point(model, lay, rng)  # noqa: E731
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
    raw = _sample(lay, data, init, native, settings)
    seed_post = np.random.default_rng(None if seed is None else [int(seed), 7])
    return to_inferencedata(model, lay, data, raw, seed_post)


def _sample(lay, data, init, native, settings):
    """The joint or one-factor collapsed kernel through :func:`run_nuts`."""
    if lay.collapsed:  # imported here: numba loads a cached cfunc at import
        from hiermodels.backends.kernels.native_collapsed import collapsed_cfunc as cfunc
    else:
        from hiermodels.backends.kernels.native_glmm import glmm_cfunc as cfunc
    address = cfunc.address
    return run_nuts(
        lay.n_dim,
        lambda: native_arrays(data, lay.collapsed),
        address,
        logp_function(lay),
        data,
        init,
        native,
        settings,
    )
