"""NUTS on a hand-written log density through nutpie, with no per-model compilation.

A PyMC graph costs 10-40 s of compilation on this class of machine, while sampling a
small multilevel model takes about a second. For models whose log density and gradient
hiermodels writes itself (numba with ``cache=True``, or plain NumPy), this module hands
them to nutpie's NUTS directly, so a first fit pays no graph compilation and a refit
pays nothing at all.

The contract of ``logp_grad(x, **data) -> (logp, grad)``: ``x`` is the unconstrained
parameter vector, ``logp`` the log posterior density in that space (log-Jacobians
included), ``grad`` its gradient. ``expand(x, **data) -> dict`` maps ``x`` to the named,
constrained quantities stored in the posterior.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from hiermodels.backends.sample import nutpie_sample


def sample_logp(
    logp_grad: Callable,
    n_dim: int,
    expand: Callable,
    var_shapes: Mapping[str, tuple[int, ...]],
    *,
    data: Mapping[str, np.ndarray] | None = None,
    dims: Mapping[str, tuple[str, ...]] | None = None,
    coords: Mapping[str, list] | None = None,
    init: Callable[[np.random.Generator], np.ndarray] | None = None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    cores: int | None = None,
    seed: int | None = None,
    target_accept: float = 0.8,
    progressbar: bool | None = None,
):
    """Run nutpie NUTS on ``logp_grad`` and return an ``arviz.InferenceData``.

    Parameters
    ----------
    logp_grad : callable
        ``logp_grad(x, **data) -> (float, ndarray)``.
    n_dim : int
        Length of the unconstrained vector.
    expand : callable
        ``expand(x, **data) -> dict[name, ndarray]`` with the shapes in ``var_shapes``.
    var_shapes : mapping
        Name -> shape of every quantity ``expand`` returns (in that order).
    data : mapping, optional
        Arrays passed as keyword arguments to ``logp_grad`` and ``expand``.
    dims, coords : mapping, optional
        Dimension names per variable and coordinate values per dimension.
    init : callable, optional
        ``init(rng) -> ndarray`` initial point; default uniform(-1, 1) like Stan.
    draws, tune, chains, cores, seed, target_accept, progressbar
        As in :func:`hiermodels.backends.sample.sample_pymc`.
    """
    from hiermodels.backends.nutpie_adapter import import_nutpie

    import_nutpie()  # nutpie without ArviZ until a trace is converted (see the adapter)
    from nutpie.compiled_pyfunc import from_pyfunc

    data = dict(data or {})
    names = list(var_shapes)

    def make_logp():
        return logp_grad

    def make_expand(seed1, seed2, chain):
        return expand

    def make_init(s):
        rng = np.random.default_rng(s)
        if init is None:
            return rng.uniform(-1, 1, n_dim)
        return np.asarray(init(rng), dtype=float)

    model = from_pyfunc(
        n_dim,
        make_logp,
        make_expand,
        [np.dtype("float64")] * len(names),
        [tuple(var_shapes[n]) for n in names],
        names,
        coords={k: list(v) for k, v in (coords or {}).items()},
        dims={k: tuple(v) for k, v in (dims or {}).items()},
        shared_data=data,
        make_initial_point_fn=make_init,
    )
    return nutpie_sample(
        model,
        draws=draws,
        tune=tune,
        chains=chains,
        cores=cores,
        seed=seed,
        target_accept=target_accept,
        progressbar=progressbar,
    )
