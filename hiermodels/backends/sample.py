"""NUTS backends for a PyMC model: nutpie (default), PyMC (NUMBA mode) and numpyro.

Measured on the 2-core reference machine (see ``benchmarks/RESULTS.md``): PyMC's
default C backend is the slowest; nutpie and PyMC's NUMBA mode are several times
faster. Every backend runs ``chains`` chains on both cores and returns an
``arviz.InferenceData`` with the model's variable names and coordinates.

Compiled nutpie models are cached in-process by a structural key, so refitting a
model of the same structure with new data of the same shapes reuses the compiled
function (``CompiledModel.with_data``) instead of recompiling.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections import OrderedDict

from hiermodels.errors import SamplingError
from hiermodels.optional import require
from hiermodels.spec.fit_settings import check_fit_settings

SAMPLERS = ("nutpie", "pymc", "numpyro")
_COMPILED: OrderedDict = OrderedDict()
_CACHE_SIZE = 16


def default_cores(chains: int) -> int:
    """Use every core, never more than there are chains (PyMC's default is half)."""
    return max(1, min(chains, os.cpu_count() or 1))


def interactive() -> bool:
    """True in a notebook/IPython session or when stderr is a terminal."""
    if "ipykernel" in sys.modules:
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def check_settings(
    draws: int,
    tune: int,
    chains: int,
    sampler: str,
    target_accept: float,
    cores=None,
    seed=None,
    progressbar=None,
    mass_matrix="auto",
) -> None:
    """Raise a :class:`SamplingError` naming the bad setting (see ``spec/fit_settings``)."""
    check_fit_settings(draws, tune, chains, cores, seed, target_accept, progressbar, mass_matrix)
    if not isinstance(sampler, str) or sampler not in SAMPLERS:
        raise SamplingError(f"Unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}.")
    if sampler != "nutpie" and mass_matrix == "low_rank":
        raise SamplingError(
            f"mass_matrix='low_rank' is nutpie's; sampler={sampler!r} adapts a diagonal mass "
            "matrix. Use the default sampler (or sampler='nutpie'), or leave mass_matrix at "
            "'auto'."
        )
    if sampler == "numpyro":  # optional: jax, jaxlib and numpyro come with the extra
        require("numpyro", "sampler='numpyro'")


#: ``mass_matrix="auto"`` takes nutpie's low-rank modified mass matrix for this many
#: sampled dimensions (inclusive window; see :func:`resolve_mass_matrix` for why).
AUTO_LOW_RANK_DIMS: tuple[int, int] = (200, 1500)


def resolve_mass_matrix(mass_matrix: str, n_dim: int) -> str:
    """``"diag"`` or ``"low_rank"`` for a posterior of ``n_dim`` unconstrained dimensions.

    ``"auto"`` is ``"low_rank"`` for ``AUTO_LOW_RANK_DIMS`` = 200-1500 dimensions and
    ``"diag"`` otherwise. Measured (``benchmarks/mass_matrix.py``, same seed, same process,
    2 shared cores), judged by effective draws per CPU second and R-hat:

    - marginal Gaussian path (3-10 dims: sleepstudy, pastes, radon) and cbpp (joint, ~20
      dims): same gradients per draw and ESS within noise; nothing to gain;
    - verbagg, crossed centred Bernoulli (348 dims), 4 x 1000: same 15 gradients per draw,
      +53 % CPU (148.6 vs 97.0 s), but min bulk ESS of Intercept/b/SDs 5023 vs 399 (8x
      the effective draws per CPU second) and max R-hat 1.002 vs 1.016 (at 2 x 300: +36 %
      CPU, ESS 602 vs 93): low rank;
    - InstEval on the partially collapsed path (1,145 dims), 2 x 300: diag left the
      intercept at bulk ESS 16, R-hat 1.07 (its ridge with dept and lecturer effects); low
      rank: ESS 343, R-hat 1.00 at the same 15 gradients per draw: low rank;
    - Poisson ``y ~ x + (x | g)``, 1e5 rows x 1e3 groups, centred (2005 dims), 2 x 1000:
      same 26.6 gradients per draw, R-hat 1.010 instead of 1.033, but 2,502 s instead of
      ~380 s: nutpie 0.16.8's low-rank update costs far more than the gradient there.

    Below 200 dimensions the diagonal matrix already mixes the few correlated directions;
    above ~2000 nutpie 0.16.8's low-rank update costs more than it saves.

    The joint kernel's sampler asks for ``"diag"`` instead of ``"auto"`` when every centred
    factor is hierarchically centred (:mod:`hiermodels.model.hierarchical_centring`): the
    ridge the low-rank matrix learned is then gone. verbagg, both factors centred on the
    fixed effects they absorb, 4 x 1000 at load ~4.5: 15 gradients per draw with either
    matrix, 0 divergences, max R-hat 1.007 (diag) and 1.008 (low rank), min bulk ESS of the
    SDs 4,385 and 4,910, diag 102 s and low rank 142 s of wall.
    """
    from hiermodels.spec.fit_settings import check_mass_matrix

    mass_matrix = check_mass_matrix(mass_matrix)
    if mass_matrix != "auto":
        return mass_matrix
    lo, hi = AUTO_LOW_RANK_DIMS
    return "low_rank" if lo <= n_dim <= hi else "diag"


def new_seed() -> int:
    """A fresh random seed, used when the user gives none (and recorded by the backends)."""
    import numpy as np

    return int(np.random.SeedSequence().generate_state(1)[0])


def nutpie_sample(
    compiled,
    *,
    draws,
    tune,
    chains,
    cores,
    seed,
    target_accept,
    progressbar,
    mass_matrix="diag",
    arviz=True,
):
    """Validate the settings and run ``nutpie.sample`` on any compiled nutpie model.

    The one place where user settings become nutpie's arguments, shared by the PyMC-graph,
    Python-callback and native-kernel paths. ``mass_matrix`` is ``"diag"`` or
    ``"low_rank"`` (``"auto"`` is resolved by the caller, :func:`resolve_mass_matrix`;
    here it means ``"diag"``). ``arviz=False`` returns a
    :class:`~hiermodels.backends.trace.Trace` (posterior and sample_stats, the same
    Datasets) instead of nutpie's ``arviz.InferenceData``, without importing ArviZ when
    the nutpie adapter knows this nutpie (:func:`.nutpie_adapter.trace_from_raw`).
    """
    from .nutpie_adapter import import_nutpie, native_status

    nutpie = import_nutpie()
    check_settings(
        draws, tune, chains, "nutpie", target_accept, cores, seed, progressbar, mass_matrix
    )
    low_rank = mass_matrix == "low_rank"
    settings = {
        "draws": int(draws),
        "tune": int(tune),
        "chains": int(chains),
        "cores": default_cores(int(chains)) if cores is None else int(cores),
        "seed": new_seed() if seed is None else int(seed),
        "target_accept": target_accept,
    }
    raw = not arviz and native_status()[0]
    show = interactive() if progressbar is None else bool(progressbar)
    if show and "ipykernel" not in sys.modules:  # a terminal: one line, not nutpie's table
        from .nutpie_adapter import line_progress_sampler
        from .progress_line import LineProgress

        progress = LineProgress()
        sampler = line_progress_sampler(
            compiled, progress=progress, low_rank=low_rank, raw=raw, **settings
        )
        if sampler is not None:
            try:
                return _result(wait_for(sampler, import_while_sampling), sampler, raw, arviz)
            finally:
                progress.close()
    sampler = nutpie.sample(
        compiled,
        progress_bar=show,
        save_warmup=False,
        blocking=False,
        low_rank_modified_mass_matrix=low_rank,
        return_raw_trace=raw,
        **settings,
    )
    return _result(wait_for(sampler, import_while_sampling), sampler, raw, arviz)


def import_while_sampling() -> None:
    """Import, while nutpie's threads sample, what every fit imports right after.

    A fresh process pays ~0.2 s for dask (xarray imports it when it builds its first index,
    as the trace's Datasets do). nutpie samples in its own threads without the GIL, so doing
    this meanwhile, instead of after the draws, hides part of it on a machine with a core to
    spare (on a busy one it costs the same). It changes no result. ``scipy.stats`` (0.6-1 s)
    is no longer imported by a fit on the kernel path: the checks' KS and binomial tests
    (:mod:`hiermodels.derive.kolmogorov`, :mod:`hiermodels.derive.binomial_test`), the
    density of an SD near zero (:mod:`hiermodels.derive.kde`) and the quantiles of the tail
    ESS are hiermodels' own, with SciPy's numbers. The version string the trace's attributes
    record (:func:`.nutpie_adapter.arviz_version`, ~0.01 s: it parses package metadata) is
    read here too, the :class:`.trace.Trace` module imported, and every function of
    :data:`IMPORT_HOOKS` called (the modules of a fit's checks, which the backends may not
    import themselves: :func:`hiermodels.api.fit.import_fit_checks`).
    """
    import numpy as np
    import xarray as xr

    from . import trace  # noqa: F401 - every kernel fit returns a Trace
    from .nutpie_adapter import arviz_version

    xr.IndexVariable(("i",), np.arange(1))  # xarray's first index: its dask check
    arviz_version()
    for hook in IMPORT_HOOKS:
        hook()


#: Functions :func:`import_while_sampling` calls: imports of the layers above the backends
#: (see :func:`register_import_hook`).
IMPORT_HOOKS: list = []


def register_import_hook(hook) -> None:
    """Have :func:`import_while_sampling` call ``hook()`` (once registered, further calls
    with the same function change nothing).

    For the layers above the backends: what a fit imports right after the draws (its
    checks' modules) is imported while nutpie samples instead. ``hook`` must only import:
    it may change no result.

    Parameters
    ----------
    hook : callable
        Called with no arguments during every sampling run; its return value is ignored.
    """
    if hook not in IMPORT_HOOKS:
        IMPORT_HOOKS.append(hook)


def _result(out, sampler, raw: bool, arviz: bool):
    """What :func:`nutpie_sample` returns: nutpie's InferenceData, or a ``Trace``."""
    if arviz:
        return out
    from .trace import Trace

    if raw:
        from .nutpie_adapter import sampler_trace

        post, stats = sampler_trace(sampler, out)
        return Trace(posterior=post, sample_stats=stats)
    return Trace.of(out)


def wait_for(sampler, meanwhile=None):
    """The finished trace of a non-blocking nutpie sampler; Ctrl-C stops it cleanly.

    ``meanwhile()``, when given, runs first, while the sampler's threads draw.
    ``nutpie.sample`` itself turns Ctrl-C into a silently truncated trace (``abort()``),
    which later fails as "array must not contain infs or NaNs". Here the sampler is
    cancelled (also on a Ctrl-C during ``meanwhile``), its draws are discarded and the
    ``KeyboardInterrupt`` propagates.
    """
    try:
        if meanwhile is not None:
            try:
                meanwhile()
            except Exception:  # no sampler left running behind the error
                sampler.cancel()
                raise
        return sampler.wait()
    except KeyboardInterrupt:
        sampler.cancel()
        raise KeyboardInterrupt("sampling interrupted (Ctrl-C); no draws were kept") from None


def sample_pymc(
    pm_model,
    *,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    cores: int | None = None,
    seed: int | None = None,
    sampler: str = "nutpie",
    target_accept: float = 0.8,
    progressbar: bool | None = None,
    cache_key=None,
    data: dict | None = None,
    mass_matrix: str = "auto",
):
    """Sample a ``pm.Model`` with NUTS and return an ``arviz.InferenceData``.

    Parameters
    ----------
    pm_model : pymc.Model
    draws, tune, chains : int
        Kept draws per chain, tuning steps per chain, number of chains.
    cores : int, optional
        Parallel chains; default all cores (at most ``chains``).
    seed : int, optional
        Same seed, same draws (on the same machine and backend).
    sampler : {"nutpie", "pymc", "numpyro"}
    target_accept : float
        NUTS target acceptance; raise it (0.9-0.99) when there are divergences.
    progressbar : bool, optional
        Default: on in interactive use.
    cache_key : hashable, optional
        Structural key of the model: nutpie reuses a compiled model with the same key
        and swaps in ``data`` (the values of the model's ``pm.Data`` containers).
    data : dict, optional
        Current values of the ``pm.Data`` containers (needed with ``cache_key``).
    mass_matrix : {"auto", "diag", "low_rank"}
        nutpie's mass matrix (:func:`resolve_mass_matrix`); PyMC and numpyro adapt a
        diagonal one, so ``"low_rank"`` is refused for them.
    """
    check_settings(
        draws, tune, chains, sampler, target_accept, cores, seed, progressbar, mass_matrix
    )
    if sampler == "nutpie":
        compiled = compiled_nutpie(pm_model, cache_key, data)
        return nutpie_sample(
            compiled,
            draws=draws,
            tune=tune,
            chains=chains,
            cores=cores,
            seed=seed,
            target_accept=target_accept,
            progressbar=progressbar,
            mass_matrix=resolve_mass_matrix(mass_matrix, compiled.n_dim),
        )
    draws, tune, chains = int(draws), int(tune), int(chains)
    cores = default_cores(chains) if cores is None else int(cores)
    progressbar = interactive() if progressbar is None else bool(progressbar)
    import pymc as pm

    kwargs = {}
    if sampler == "pymc":
        kwargs["compile_kwargs"] = {"mode": "NUMBA"}
    else:
        kwargs["nuts_sampler"] = "numpyro"
        kwargs["nuts_sampler_kwargs"] = {"chain_method": "parallel"}
    with pm_model, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*There were .* divergences.*")
        warnings.filterwarnings("ignore", message=".*rhat statistic.*")
        warnings.filterwarnings("ignore", message=".*effective sample size.*")
        return pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            cores=cores,
            random_seed=seed,
            target_accept=target_accept,
            progressbar=progressbar,
            **kwargs,
        )


def compiled_nutpie(pm_model, cache_key=None, data: dict | None = None):
    """Return a nutpie compiled model, reusing an in-process compile when possible."""
    from .nutpie_adapter import import_nutpie

    nutpie = import_nutpie()

    if cache_key is not None and cache_key in _COMPILED:
        _COMPILED.move_to_end(cache_key)
        cm = _COMPILED[cache_key]
        return cm.with_data(**data) if data else cm
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cm = nutpie.compile_pymc_model(pm_model, initial_points=_initial_points(pm_model))
    if cache_key is not None:
        _COMPILED[cache_key] = cm
        while len(_COMPILED) > _CACHE_SIZE:
            _COMPILED.popitem(last=False)
    return cm


def _initial_points(pm_model) -> dict:
    """PyMC's initial point, in the random variables' space.

    nutpie 0.16.8 compiles its own initial-point function with numba, whose random draws
    fail on read-only arrays for some distributions (e.g. the ``sd_dist`` of
    ``LKJCholeskyCov``: "cannot set WRITEABLE flag"). Handing it explicit starting values
    avoids those draws; nutpie still jitters them.
    """
    import pytensor

    ip = pm_model.initial_point()
    outs = pm_model.replace_rvs_by_values(pm_model.free_RVs)
    fn = pytensor.function(pm_model.value_vars, outs, on_unused_input="ignore")
    vals = fn(**{v.name: ip[v.name] for v in pm_model.value_vars})
    return {rv.name: v for rv, v in zip(pm_model.free_RVs, vals, strict=True)}
