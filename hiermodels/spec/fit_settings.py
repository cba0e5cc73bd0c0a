"""Check sampler settings before anything compiles or samples.

Unchecked, ``cores=0`` hangs, ``draws=10**12`` aborts the interpreter (it tries to
allocate the draws), ``seed=-1`` overflows inside the sampler and ``draws=True`` (a bool is
an int in Python) divides by zero. :func:`check_fit_settings` refuses each with a
:class:`~hiermodels.errors.SamplingError` naming the argument and its allowed range, and
:func:`warn_single_chain` says why one chain cannot show non-convergence.
"""

from __future__ import annotations

import math
import numbers
import warnings

from hiermodels.errors import HiermodelsWarning, SamplingError

#: Upper limits: far above any useful run, far below what exhausts memory or overflows.
MAX_DRAWS = 10_000_000
MAX_CHAINS = 1_000
MAX_CORES = 1_024
MAX_SEED = 2**63 - 1
#: NUTS mass matrices: nutpie's diagonal one, its low-rank modified one, or chosen per path.
MASS_MATRICES = ("diag", "low_rank", "auto")


def _integer(name: str, value, low: int, high: int, hint: str = "") -> int:
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok and isinstance(value, numbers.Real) and not isinstance(value, bool):
        ok = math.isfinite(float(value)) and float(value).is_integer()
    if not ok:
        raise SamplingError(
            f"{name} must be a whole number between {low} and {high:,}, got {value!r} "
            f"({type(value).__name__}).{hint}"
        )
    n = int(value)
    if not low <= n <= high:
        raise SamplingError(f"{name} must be between {low} and {high:,}, got {n:,}.{hint}")
    return n


def check_fit_settings(
    draws=1000,
    tune=1000,
    chains=4,
    cores=None,
    seed=None,
    target_accept=0.8,
    progressbar=None,
    mass_matrix="auto",
) -> dict:
    """Validate the settings of a fit; return them as plain Python values.

    Raises
    ------
    SamplingError
        Naming the argument and the allowed values.
    """
    out = {
        "draws": _integer("draws", draws, 1, MAX_DRAWS, " Try draws=1000."),
        "tune": _integer("tune", tune, 0, MAX_DRAWS, " Try tune=1000."),
        "chains": _integer("chains", chains, 1, MAX_CHAINS, " Try chains=4."),
    }
    out["cores"] = (
        None
        if cores is None
        else _integer("cores", cores, 1, MAX_CORES, " Leave it out to use every core.")
    )
    out["seed"] = (
        None
        if seed is None
        else _integer("seed", seed, 0, MAX_SEED, " A seed is a non-negative integer.")
    )
    if isinstance(target_accept, bool) or not isinstance(target_accept, numbers.Real):
        raise SamplingError(
            f"target_accept must be a number in (0, 1), got {target_accept!r} "
            f"({type(target_accept).__name__})."
        )
    if not 0 < float(target_accept) < 1:
        raise SamplingError(
            f"target_accept must be in (0, 1), e.g. 0.9 (0.95-0.99 against divergences), "
            f"got {target_accept!r}."
        )
    out["target_accept"] = float(target_accept)
    if progressbar is not None and not isinstance(progressbar, bool):
        try:
            import numpy as np

            is_bool = isinstance(progressbar, np.bool_)
        except ImportError:  # pragma: no cover
            is_bool = False
        if not is_bool:
            raise SamplingError(f"progressbar must be True, False or None, got {progressbar!r}.")
    out["progressbar"] = None if progressbar is None else bool(progressbar)
    check_mass_matrix(mass_matrix)  # checked; not in ``out`` (callers pass it on as given)
    return out


def check_mass_matrix(mass_matrix) -> str:
    """``mass_matrix`` as one of :data:`MASS_MATRICES`, or a :class:`SamplingError` naming it."""
    if not isinstance(mass_matrix, str) or mass_matrix not in MASS_MATRICES:
        raise SamplingError(
            f"mass_matrix must be one of {', '.join(repr(m) for m in MASS_MATRICES)}, got "
            f"{mass_matrix!r}. Leave it at 'auto' (hiermodels picks per sampler path); "
            "'low_rank' adapts to correlated directions of the posterior, 'diag' to scales only."
        )
    return mass_matrix


def warn_single_chain(chains: int, stacklevel: int = 3) -> None:
    """Warn that one chain gives no R-hat (the verdict cannot say 'ok')."""
    if chains == 1:
        warnings.warn(
            "chains=1: R-hat needs at least two chains, so non-convergence cannot be "
            "detected and the diagnostics verdict will be 'check'. Use chains=4.",
            HiermodelsWarning,
            stacklevel=stacklevel,
        )
