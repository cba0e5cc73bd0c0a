"""Rank-normalised split R-hat, bulk and tail ESS, and E-BFMI, without importing ArviZ.

The estimators of Vehtari, Gelman, Simpson, Carpenter & Bürkner (2021, Bayesian Analysis 16,
667-718) and the E-BFMI of Betancourt (2016), written here instead of calling ``az.rhat``,
``az.ess`` and ``az.bfmi`` for one reason: import cost. ``import arviz`` (0.23) takes 1-2 s
in a fresh process (it imports matplotlib, arviz-base/-stats/-plots and JIT-compiles a numba
ufunc), more than sampling a small model; a fit and its summary need only these few
functions. They follow ArviZ 0.23.4's NumPy branch operation for operation (``_rhat_rank``,
``_ess_bulk``, ``_ess_tail``, ``_bfmi``; ``Numba.numba_flag`` off), with the same
arithmetic as its SciPy helpers (``rankdata``, ``norm.ppf``, ``mquantiles``, written here
without importing ``scipy.stats``; :func:`next_fast_len`), so they return the same numbers bit
for bit: ``tests/test_warm_start_convergence.py`` checks them against
ArviZ on chains of several shapes, constant chains and NaNs included.

:func:`rhat`, :func:`ess_bulk` and :func:`ess_tail` take the draws of one scalar quantity
as an array of shape (chain, draw) (a 1-d array is one chain); :func:`many` computes them
for K quantities at once, (K, chain, draw), and :func:`over_dataset_many` for every element
of every variable of an ``xarray.Dataset`` with ``chain`` and ``draw`` dimensions. All
share one implementation (the one-quantity functions are K = 1): the Python loop over
elements cost about 1 ms per element and estimator, 14 s for InstEval's 4,118 quantities.
"""

from __future__ import annotations

import warnings

import numpy as np


def rhat(a) -> float:
    """Rank-normalised split R-hat: the larger of the bulk and the folded (tail) R-hat.

    NaN for fewer than 2 chains or 4 draws, or draws containing NaN.
    """
    return _one(a, "rhat")


def ess_bulk(a) -> float:
    """Bulk ESS: ESS of the rank-normalised split chains (NaN below 4 draws or with NaN)."""
    return _one(a, "ess_bulk")


def ess_tail(a) -> float:
    """Tail ESS: the smaller ESS of the indicators of the 5 % and 95 % quantiles."""
    return _one(a, "ess_tail")


def _one(a, name: str) -> float:
    """One estimator of one quantity (draws (chain, draw), or one chain as 1-d)."""
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(many(np.atleast_2d(np.asarray(a))[None], (name,))[name][0])


def bfmi(energy) -> np.ndarray:
    """E-BFMI per chain from the sampler's energy, shape (chain, draw)."""
    e = np.atleast_2d(np.asarray(energy))
    num = np.square(np.diff(e, axis=1)).mean(axis=1)
    return num / np.var(e, axis=1, ddof=1)


def over_dataset_many(ds, want: tuple[str, ...] = ("rhat", "ess_bulk", "ess_tail")) -> dict:
    """:func:`many` for every variable of ``ds`` (dims ``chain``, ``draw``, ...).

    Returns ``{estimator: {variable: ndarray}}``, each array of the variable's shape without
    ``chain`` and ``draw`` (0-d for a scalar), as ``az.rhat(ds)`` / ``az.ess(ds)`` give.
    """
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


# --- the implementation: K quantities at once ----------------------------------------------


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


def next_fast_len(target: int) -> int:
    """The smallest 5-smooth number (2^a 3^b 5^c) >= ``target``: ``scipy.fftpack.next_fast_len``.

    ArviZ pads the FFT of the autocovariance to this length. Importing ``scipy.fftpack``
    (which imports ``scipy.fft``) costs 0.07-0.1 s in a fresh process, paid by the first
    ESS of every fit; the number itself is a few multiplications.

    Parameters
    ----------
    target : int
        A positive length.

    Returns
    -------
    int
    """
    target = int(target)
    if target < 1:
        raise ValueError(f"next_fast_len needs a positive length, got {target}.")
    best = 1 << (target - 1).bit_length()  # the next power of two is 5-smooth
    p5 = 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            # the smallest power-of-two multiple of p35 that reaches target
            n = p35 << (-(-target // p35) - 1).bit_length()
            best = min(best, n)
            p35 *= 3
        p5 *= 5
    return best


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


def _valid(a: np.ndarray) -> np.ndarray:
    """ArviZ's ``_not_valid``, negated, per element of (K, chain, draw): no NaN, 4+ draws."""
    if a.shape[2] < 4:
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
    """R-hat, bulk ESS and tail ESS of each a[k], a: (K, chain, draw).

    Returns ``{name: ndarray (K,)}`` for the names in ``want`` (``"rhat"``, ``"ess_bulk"``,
    ``"ess_tail"``): ArviZ 0.23's numbers bit for bit, NaN where ArviZ gives NaN (draws with
    NaN, fewer than 4 draws, R-hat with one chain). The split chains are ranked once for
    the bulk R-hat and the bulk ESS (the same z-scores), and their sorted values give the
    median. Integer and boolean draws are taken as floats (the same ranks and quantiles).
    """
    a = np.asarray(a)
    if a.dtype.kind in "biu":
        a = a.astype(float)
    out = {w: np.full(a.shape[0], np.nan) for w in want}
    ok = _valid(a)
    sub = a[ok]
    if not len(sub):
        return out
    split = _split_many(sub)
    z, xs = _z_scale_sorted(split.reshape(len(sub), -1))
    z = z.reshape(split.shape)
    if "rhat" in want and a.shape[1] >= 2:
        bulk = _rhat_basic_many(z)
        m = xs.shape[1] // 2  # np.median of an even count: the two middle values
        med = np.mean(xs[:, m - 1 : m + 1], axis=1)
        fold = abs(split - med[:, None, None]).reshape(len(sub), -1)
        tail = _rhat_basic_many(_z_scale_sorted(fold)[0].reshape(split.shape))
        out["rhat"][ok] = np.where(tail > bulk, tail, bulk)  # Python's max(bulk, tail)
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
    return out


def _ess_const_aware(z: np.ndarray) -> np.ndarray:
    """:func:`_ess` of each z[k], constant elements included (they return their size)."""
    flat = z.reshape(z.shape[0], -1)
    const = (flat.max(1) - flat.min(1)) < np.finfo(float).resolution
    out = np.full(z.shape[0], float(flat.shape[1]))
    if (~const).any():
        out[~const] = _ess_many(z[~const])
    return out
