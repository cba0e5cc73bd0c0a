"""Rank-normalised split R-hat, bulk and tail ESS, and E-BFMI, without importing ArviZ.

The estimators of Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021, Bayesian Analysis 16,
667-718) and the E-BFMI of Betancourt (2016), written here instead of calling ``az.rhat``,
``az.ess`` and ``az.bfmi`` for one reason: import cost. ``import arviz`` (0.23) takes 1-2 s
in a fresh process (it imports matplotlib, arviz-base/-stats/-plots and JIT-compiles a numba
ufunc), more than sampling a small model; a fit and its summary need only these few
functions. They follow ArviZ 0.23.4's NumPy branch operation for operation (``_rhat_rank``,
``_ess_bulk``, ``_ess_tail``, ``_bfmi``; ``Numba.numba_flag`` off), with the same
arithmetic as its SciPy helpers (``rankdata``, ``norm.ppf``, ``mquantiles``, written here
without importing ``scipy.stats``; ``next_fast_len``), so they return the same numbers bit
for bit: ``tests/test_warm_start_convergence.py`` checks them against
ArviZ on chains of several shapes, constant chains and NaNs included.

Every function takes the draws of one scalar quantity as an array of shape (chain, draw)
(a 1-d array is one chain); :func:`over_dataset` applies one to every element of every
variable of an ``xarray.Dataset`` with ``chain`` and ``draw`` dimensions.
"""

from __future__ import annotations

import warnings

import numpy as np


def _invalid(a: np.ndarray, min_chains: int | None = None, min_draws: int = 4) -> bool:
    """ArviZ's ``_not_valid``: any NaN, or (with ``min_chains``) too few chains or draws."""
    if np.isnan(a).any():
        return True
    if min_chains is None:
        return False
    shape = a.shape
    chain_error = (min_chains > 1 and len(shape) < 2) or shape[0] < min_chains
    draw_error = (len(shape) < 2 and shape[0] < min_draws) or (
        len(shape) > 1 and shape[1] < min_draws
    )
    return bool(chain_error or draw_error)


def _split_chains(a: np.ndarray) -> np.ndarray:
    """Each chain cut into its first and last halves: (2 chains, draws // 2)."""
    a = np.asarray(a)
    if a.ndim <= 1:
        a = np.atleast_2d(a)
    half = a.shape[1] // 2
    return np.vstack((a[:, :half], a[:, -half:]))


def _z_scale(a: np.ndarray) -> np.ndarray:
    """Rank-normalise: average ranks, Blom's offset 3/8, the standard normal quantile.

    The same numbers as ArviZ's ``stats.rankdata(a, method="average")`` and
    ``stats.norm.ppf`` without their per-call overhead (about 0.7 ms a call, 4.5 s for the
    2,000 group effects of a big GLMM): average ranks are exact in floating point whichever
    way they are computed, and ``norm.ppf`` is ``scipy.special.ndtri`` inside (0, 1).
    Arrays with NaN (never passed here by the public functions) take SciPy's own path.
    """
    from scipy import special

    a = np.asarray(a)
    if np.isnan(a).any():
        from scipy import stats

        rank = stats.rankdata(a, method="average", nan_policy="omit")
        rank = (rank - 3 / 8) / (rank.size - 2 * (3 / 8) + 1)
        return stats.norm.ppf(rank).reshape(a.shape)
    rank = _average_ranks(a.ravel())
    rank = (rank - 3 / 8) / (rank.size - 2 * (3 / 8) + 1)
    return special.ndtri(rank).reshape(a.shape)


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties given their average (SciPy's ``rankdata(method="average")``)."""
    sorter = np.argsort(x, kind="mergesort")
    inv = np.empty(sorter.size, dtype=np.intp)
    inv[sorter] = np.arange(sorter.size, dtype=np.intp)
    xs = x[sorter]
    obs = np.r_[True, xs[1:] != xs[:-1]]
    dense = obs.cumsum()[inv]
    count = np.r_[np.nonzero(obs)[0], len(obs)]
    return 0.5 * (count[dense] + count[dense - 1] + 1)


def _rhat_basic(a: np.ndarray) -> float:
    """Classic R-hat of (chain, draw) draws (Gelman et al., BDA3)."""
    a = np.asarray(a, dtype=float)
    if _invalid(a):
        return np.nan
    n = a.shape[1]
    chain_mean = np.mean(a, axis=1)
    chain_var = np.var(a, axis=1, ddof=1)
    between = n * np.var(chain_mean, axis=None, ddof=1)
    within = np.mean(chain_var)
    return np.sqrt((between / within + n - 1) / n)


def _ess(a: np.ndarray) -> float:
    """ESS of (chain, draw) draws: Geyer's initial positive and monotone sequences
    (the one-element case of :func:`_ess_many`)."""
    a = np.asarray(a, dtype=float)
    if _invalid(a):
        return np.nan
    if (np.max(a) - np.min(a)) < np.finfo(float).resolution:
        return a.size
    if a.ndim < 2:
        a = np.atleast_2d(a)
    return float(_ess_many(a[None])[0])


def rhat(a) -> float:
    """Rank-normalised split R-hat: the larger of the bulk and the folded (tail) R-hat.

    NaN for fewer than 2 chains or 4 draws, or draws containing NaN.
    """
    a = np.atleast_2d(np.asarray(a))
    if _invalid(a, min_chains=2):
        return np.nan
    split = _split_chains(a)
    bulk = _rhat_basic(_z_scale(split))
    tail = _rhat_basic(_z_scale(abs(split - np.median(split))))
    return max(bulk, tail)


def ess_bulk(a) -> float:
    """Bulk ESS: ESS of the rank-normalised split chains (NaN below 4 draws or with NaN)."""
    a = np.atleast_2d(np.asarray(a))
    if _invalid(a, min_chains=1):
        return np.nan
    return _ess(_z_scale(_split_chains(a)))


def _mquantile(a: np.ndarray, p: float) -> float:
    """R's type-7 quantile as ArviZ computes it (``scipy.stats.mstats.mquantiles(a, p,
    alphap=1, betap=1)``: the same sort and arithmetic, without importing ``scipy.stats``)."""
    return _type7(np.sort(np.asarray(a).ravel())[None, :], p)[0]


def ess_tail(a, prob: tuple[float, float] = (0.05, 0.95)) -> float:
    """Tail ESS: the smaller ESS of the indicators of the 5 % and 95 % quantiles."""
    a = np.atleast_2d(np.asarray(a))
    if _invalid(a, min_chains=1):
        return np.nan
    out = []
    for p in prob:
        out.append(_ess(_split_chains(a <= _mquantile(a, p))))
    return min(out)


def bfmi(energy) -> np.ndarray:
    """E-BFMI per chain from the sampler's energy, shape (chain, draw)."""
    e = np.atleast_2d(np.asarray(energy))
    num = np.square(np.diff(e, axis=1)).mean(axis=1)
    return num / np.var(e, axis=1, ddof=1)


def over_dataset(ds, func) -> dict:
    """``func`` for every element of every variable of ``ds`` (dims ``chain``, ``draw``, ...).

    Returns ``{name: ndarray}`` of each variable's shape without ``chain`` and ``draw`` (a
    0-d array for a scalar), as ``az.rhat(ds)`` / ``az.ess(ds)`` give per variable.
    :func:`rhat`, :func:`ess_bulk` and :func:`ess_tail` run on all elements of a variable at
    once (see :func:`many`; the same numbers); any other ``func`` element by element.
    """
    name = {rhat: "rhat", ess_bulk: "ess_bulk", ess_tail: "ess_tail"}.get(func)
    if name is not None:
        return over_dataset_many(ds, (name,))[name]
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for var, da in ds.data_vars.items():
            arr = _chain_draw_last(da)
            res = np.empty(arr.shape[:-2])
            for idx in np.ndindex(res.shape):
                res[idx] = func(arr[idx])
            out[var] = res
    return out


def over_dataset_many(ds, want: tuple[str, ...] = ("rhat", "ess_bulk", "ess_tail")) -> dict:
    """:func:`many` for every variable of ``ds``: ``{estimator: {variable: ndarray}}``."""
    out = {w: {} for w in want}
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        for var, da in ds.data_vars.items():
            arr = _chain_draw_last(da)
            res = many(arr.reshape((-1, *arr.shape[-2:])), want)
            for w in want:
                out[w][var] = res[w].reshape(arr.shape[:-2])
    return out


def _chain_draw_last(da) -> np.ndarray:
    other = [d for d in da.dims if d not in ("chain", "draw")]
    return da.transpose(*other, "chain", "draw").values


# --- many elements at once ------------------------------------------------------------------
# The functions below take the draws of K scalar quantities as one array (K, chain, draw) and
# return K values equal, bit for bit, to calling the one-element functions above on each
# (``tests/test_convergence_many.py`` checks it; the one-element ESS is the K = 1 case of
# :func:`_ess_many`, checked against ArviZ in ``tests/test_warm_start_convergence.py``).
# They do the same floating-point operations on the same operands in the same order; only
# the Python loop over elements is gone (it cost about 1 ms per element and estimator: 14 s for InstEval's 4,118 quantities).
# Elements the batched path does not cover (NaN, too few chains or draws, a constant element
# in the ESS) go through the one-element functions.


def _z_scale_sorted(flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_z_scale` of each row of a 2-d array (no NaN), and the sorted rows."""
    from scipy import special

    rank, xs = _average_ranks_rows(flat)
    rank = (rank - 3 / 8) / (flat.shape[1] - 2 * (3 / 8) + 1)
    return special.ndtri(rank), xs


def _average_ranks_rows(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_average_ranks` of each row of a 2-d array, and the sorted rows.

    Tied values share the average of their positions, so the order a sort leaves ties in
    does not matter and NumPy's fastest (SIMD quicksort) argsort serves.
    """
    k, n = x.shape
    sorter = np.argsort(x, axis=1)
    xs = np.take_along_axis(x, sorter, axis=1)
    obs = np.ones((k, n), dtype=bool)
    obs[:, 1:] = xs[:, 1:] != xs[:, :-1]
    pos = np.arange(n)
    ranks = np.tile(pos + 1.0, (k, 1))  # no ties: position + 1
    tied = np.flatnonzero(~obs.all(axis=1))
    if len(tied):
        # A run of ties at sorted positions [s, e) gets (s + 1 + e) / 2 for each member, the
        # same number as 0.5 * (count[dense] + count[dense - 1] + 1) in the 1-d version.
        o = obs[tied]
        start = np.maximum.accumulate(np.where(o, pos, 0), axis=1)
        nxt = np.full(o.shape, n)
        nxt[:, :-1] = np.where(o[:, 1:], pos[1:], n)
        end = np.minimum.accumulate(nxt[:, ::-1], axis=1)[:, ::-1]
        ranks[tied] = 0.5 * (end + start + 1)
    out = np.empty((k, n))
    np.put_along_axis(out, sorter, ranks, axis=1)
    return out, xs


def _split_many(a: np.ndarray) -> np.ndarray:
    """:func:`_split_chains` of each a[k]: (K, 2 chains, draws // 2)."""
    half = a.shape[2] // 2
    return np.concatenate((a[:, :, :half], a[:, :, a.shape[2] - half :]), axis=1)


def _rhat_basic_many(a: np.ndarray) -> np.ndarray:
    n = a.shape[2]
    chain_mean = np.mean(a, axis=2)
    chain_var = np.var(a, axis=2, ddof=1)
    between = n * np.var(chain_mean, axis=1, ddof=1)
    within = np.mean(chain_var, axis=1)
    return np.sqrt((between / within + n - 1) / n)


def _ess_many(a: np.ndarray) -> np.ndarray:
    """:func:`_ess` of each a[k] (a: (K, chain, draw) float, no NaN, none constant)."""
    from scipy.fftpack import next_fast_len

    n_el, n_chain, n_draw = a.shape
    m = next_fast_len(2 * n_draw)
    c = a - a.mean(2, keepdims=True)
    f = np.fft.rfft(c, n=m, axis=2)
    f *= np.conjugate(f)
    acov = np.fft.irfft(f, n=m, axis=2)[:, :, :n_draw]
    acov /= n_draw
    chain_mean = a.mean(axis=2)
    mean_acov = _mean_over_chains(acov)  # (K, draw): np.mean(acov[:, t]) of each element
    mean_var = mean_acov[:, 0] * n_draw / (n_draw - 1.0)
    var_plus = mean_var * (n_draw - 1.0) / n_draw
    if n_chain > 1:
        var_plus += np.var(chain_mean, axis=1, ddof=1)
    big_r = 1.0 - (mean_var[:, None] - mean_acov) / var_plus[:, None]
    out = np.empty(n_el)
    for i in range(n_el):  # Geyer's sequences: a few Python floats per element
        out[i] = _geyer(big_r[i], n_chain, n_draw)
    return out


def _mean_over_chains(acov: np.ndarray) -> np.ndarray:
    """np.mean(acov[k, :, t]) for every k and t: each mean is a reduction over a contiguous
    row of chain values, the same summation NumPy does for the 1-d slice ``acov[:, t]``."""
    return np.mean(np.ascontiguousarray(acov.transpose(0, 2, 1)), axis=2)


def _geyer(big_r: np.ndarray, n_chain: int, n_draw: int) -> float:
    """ArviZ's ``_ess`` from the autocorrelations rho_t = big_r[t]: Geyer's initial positive
    sequence, then the monotone one, then tau and the ESS (the same branches and sums)."""
    rho = np.zeros(n_draw)
    rho_even = 1.0
    rho[0] = rho_even
    rho_odd = big_r[1]
    rho[1] = rho_odd
    t = 1
    while t < (n_draw - 3) and (rho_even + rho_odd) > 0.0:
        rho_even = big_r[t + 1]
        rho_odd = big_r[t + 2]
        if (rho_even + rho_odd) >= 0:
            rho[t + 1] = rho_even
            rho[t + 2] = rho_odd
        t += 2
    max_t = t - 2
    if rho_even > 0:
        rho[max_t + 1] = rho_even
    t = 1
    while t <= max_t - 2:
        if (rho[t + 1] + rho[t + 2]) > (rho[t - 1] + rho[t]):
            rho[t + 1] = (rho[t - 1] + rho[t]) / 2.0
            rho[t + 2] = rho[t + 1]
        t += 2
    ess = n_chain * n_draw
    tau = -1.0 + 2.0 * np.sum(rho[: max_t + 1]) + np.sum(rho[max_t + 1 : max_t + 2])
    tau = max(tau, 1 / np.log10(ess))
    ess = ess / tau
    if np.isnan(rho).any():
        ess = np.nan
    return ess


def _batchable(a: np.ndarray) -> np.ndarray:
    """Which elements of a (K, chain, draw) array the batched estimators take: float draws
    without NaN, at least 4 draws (the rest go through the one-element functions)."""
    if a.dtype.kind != "f" or a.shape[2] < 4:
        return np.zeros(len(a), bool)
    return ~np.isnan(a).any(axis=(1, 2))


def _type7(xs: np.ndarray, p: float) -> np.ndarray:
    """Each sorted row's ``scipy.stats.mstats.mquantiles(alphap=1, betap=1)`` at p."""
    n = xs.shape[1]
    pp = np.atleast_1d(np.asarray(p))
    aleph = n * pp + (1 + pp * (1.0 - 1 - 1))
    k = np.floor(aleph.clip(1, n - 1)).astype(int)
    gamma = (aleph - k).clip(0, 1)
    return ((1.0 - gamma) * xs[:, k - 1] + gamma * xs[:, k])[:, 0]


def many(a, want: tuple[str, ...] = ("rhat", "ess_bulk", "ess_tail")) -> dict:
    """:func:`rhat`, :func:`ess_bulk` and :func:`ess_tail` of each a[k], a: (K, chain, draw).

    Returns ``{name: ndarray (K,)}`` for the names in ``want``, equal bit for bit to calling
    the one-element functions on every a[k]. The split chains are ranked once for the bulk
    R-hat and the bulk ESS (the same z-scores), and their sorted values give the median.
    """
    a = np.asarray(a)
    n_el = a.shape[0]
    out = {w: np.empty(n_el) for w in want}
    ok = _batchable(a)
    sub = a[ok]
    if len(sub):
        split = _split_many(sub)
        z, xs = _z_scale_sorted(split.reshape(len(sub), -1))
        z = z.reshape(split.shape)
        if "rhat" in want:
            rh = np.full(len(sub), np.nan)
            if a.shape[1] >= 2:
                bulk = _rhat_basic_many(z)
                m = xs.shape[1] // 2  # np.median of an even count: the two middle values
                med = np.mean(xs[:, m - 1 : m + 1], axis=1)
                fold = abs(split - med[:, None, None]).reshape(len(sub), -1)
                tail = _rhat_basic_many(_z_scale_sorted(fold)[0].reshape(split.shape))
                rh = np.where(tail > bulk, tail, bulk)  # Python's max(bulk, tail)
            out["rhat"][ok] = rh
        if "ess_bulk" in want:
            out["ess_bulk"][ok] = _ess_const_aware(z)
        if "ess_tail" in want:
            if sub.shape[2] % 2:  # the quantiles are of all draws, the middle ones included
                xs = np.sort(sub.reshape(len(sub), -1), axis=1)
            res = [
                _ess_const_aware(_split_many((sub <= _type7(xs, p)[:, None, None]).astype(float)))
                for p in (0.05, 0.95)
            ]
            out["ess_tail"][ok] = np.where(res[1] < res[0], res[1], res[0])  # Python's min()
    one = {"rhat": rhat, "ess_bulk": ess_bulk, "ess_tail": ess_tail}
    for i in np.flatnonzero(~ok):
        for w in want:
            out[w][i] = one[w](a[i])
    return out


def _ess_const_aware(z: np.ndarray) -> np.ndarray:
    """:func:`_ess` of each z[k], constant elements included (they return their size)."""
    flat = z.reshape(z.shape[0], -1)
    const = (flat.max(1) - flat.min(1)) < np.finfo(float).resolution
    out = np.full(z.shape[0], float(flat.shape[1]))
    if (~const).any():
        out[~const] = _ess_many(z[~const])
    return out
