"""NUTS on hiermodels' kernels: the native cfunc when nutpie allows it, else nutpie's public
callback interface; the draws become InferenceData with the standard names.
"""

from __future__ import annotations

import warnings

import numpy as np

from hiermodels.backends.kernels import initial_point, kernel_data, logp_function
from hiermodels.backends.kernels.posterior import to_inferencedata
from hiermodels.backends.nutpie_adapter import native_model, native_status
from hiermodels.backends.nuts import sample_logp
from hiermodels.backends.sample import nutpie_sample
from hiermodels.errors import HiermodelsWarning
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
):
    """Sample ``model`` with NUTS on the kernel and return InferenceData (standard names).

    ``native`` (default: when the nutpie adapter vouches for the installed nutpie) runs the
    cached numba ``cfunc`` with no Python per gradient; otherwise nutpie calls the kernel
    through its public Python-callback interface.
    """
    from hiermodels.backends.marginal_sampler import sample_marginal, uses_marginal

    if uses_marginal(model):  # Gaussian: fixed and group effects integrated out
        return sample_marginal(
            model,
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed,
            target_accept=0.95 if target_accept is None else target_accept,
            progressbar=progressbar,
            cores=cores,
            native=native,
        )
    target_accept = 0.8 if target_accept is None else target_accept
    lay = make_layout(model, collapsed=model.collapsed)
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
    )
    raw = _sample(lay, data, init, native, settings)
    seed_post = np.random.default_rng(None if seed is None else [int(seed), 7])
    return to_inferencedata(model, lay, data, raw, seed_post)


def _sample(lay, data, init, native, settings):
    """Native cfunc when the nutpie adapter vouches for this nutpie, else the public callback.

    ``native=None`` (default) falls back, with a one-line warning, on a nutpie version the
    adapter was not written for or when building the native sampler fails; ``True`` insists
    on the native path (errors propagate); ``False`` takes the callback path.
    """
    if native is False:
        return _sample_callback(lay, data, init, **settings)
    if native is None:
        ok, why = native_status()
        if not ok:
            _warn_fallback(why)
            return _sample_callback(lay, data, init, **settings)
        try:
            return _sample_native(lay, data, init, **settings)
        except (TypeError, AttributeError) as err:
            _warn_fallback(f"nutpie's native interface failed ({type(err).__name__}: {err})")
            return _sample_callback(lay, data, init, **settings)
    return _sample_native(lay, data, init, **settings)


def _warn_fallback(why: str) -> None:
    warnings.warn(
        f"{why}; sampling through nutpie's public Python-callback interface instead "
        "(same posterior, slower per gradient).",
        HiermodelsWarning,
        stacklevel=5,
    )


def _sample_callback(lay, data, init, **settings):
    return sample_logp(
        logp_function(lay),
        lay.n_dim,
        lambda x, **k: {"theta": x.copy()},
        {"theta": (lay.n_dim,)},
        data=data,
        init=init,
        **settings,
    )


def _sample_native(lay, data, init, **settings):
    nm = native_model(
        data,
        lay.collapsed,
        lay.n_dim,
        lambda s: np.asarray(init(np.random.default_rng(s)), dtype=float),
    )
    return nutpie_sample(nm, **settings)
