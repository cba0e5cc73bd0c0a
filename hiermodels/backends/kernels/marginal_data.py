"""Data, layout and pre-sampling checks for the fully marginal Gaussian path.

The kernel (:mod:`.marginal_nb`) samples only theta = (log sds, CPCs, log sigma): the
fixed effects (Normal priors) and all group effects are integrated out and drawn
exactly afterwards (:mod:`.marginal_draws_nb`). Sufficient statistics are computed once
here, in O(N) time and memory (sparse products; never an N x N matrix):

* the eliminated factor ``f0`` (largest J q): per level :math:`Z_{0j}'Z_{0j}`,
  :math:`Z_{0j}'X`, :math:`Z_{0j}'y` and its *pattern* (``pptr``, ``pcol``, ``P0``): the
  rest columns sharing rows with level j and :math:`Z_{0j}'[Z_R\\;X]` on them;
* the rest R = (other factors' effects, fixed effects): dense
  ``CRR`` :math:`= [Z_R\\;X]'[Z_R\\;X]` and ``cRy`` :math:`= [Z_R\\;X]'y`; ``rfac``,
  ``rterm`` give each R column's factor and term.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp

from hiermodels.backends.kernels import _layout_arrays, _prior_arrays
from hiermodels.backends.kernels.collapsed_nb import sufficient_stats
from hiermodels.backends.kernels.lapack_nb import lapack_addresses
from hiermodels.backends.kernels.priors_nb import KIND, NORMAL
from hiermodels.errors import DataError
from hiermodels.model.layout import make_layout


def marginal_supported(model) -> tuple[bool, str]:
    """Whether the fully marginal path applies to ``model``, and if not, why.

    It needs a Gaussian family with identity link, at least one grouping factor, Normal
    priors on the (centred) intercept and every slope, and kernel-supported SD/sigma
    priors. Non-Normal fixed-effect priors (e.g. Student-t) keep the fixed effects in the
    sampled vector (the existing collapsed / non-centred paths).
    """
    if model.family.name != "gaussian" or model.family.link != "identity":
        return False, "not a Gaussian model with identity link"
    if not model.design.groups:
        return False, "no grouping factor"
    pri = model._priors
    fixed = list(pri.b.items()) + ([("Intercept", pri.intercept)] if pri.intercept else [])
    for name, p in fixed:
        if p.dist != "Normal":
            return False, f"prior of {name!r} is {p.dist}, not Normal"
    scales = [p for g in pri.sd.values() for p in g.values()] + list(pri.aux.values())
    for p in scales:
        if p.dist not in KIND:
            return False, f"prior {p.dist} is not supported by the kernel"
    return True, ""


def eliminated_factor(Js, qs) -> int:
    """The factor eliminated block by block: the one with the most effects (J q)."""
    return int(np.argmax(np.asarray(Js) * np.asarray(qs)))


def marginal_layout(model):
    """The kernel :class:`Layout` with the fixed effects removed from theta.

    Positions (``flogsd``, ``bcpc``, ``aux_pos``) are shifted down by ``has_int + P``;
    ``has_int`` and ``P`` still describe the model (the fixed effects drawn afterwards).
    """
    lay = make_layout(model, collapsed=True)
    off = lay.has_int + lay.P
    return dataclasses.replace(
        lay,
        flogsd=lay.flogsd - off,
        bcpc=lay.bcpc - off,
        fz=lay.fz - off,
        aux_pos=lay.aux_pos - off,
        n_dim=lay.n_dim - off,
    )


def marginal_stats(X, y, codes, Zs, Js, f0) -> dict:
    """Sufficient statistics of y = X beta + sum_f Z_f b_f + e (see the module docstring).

    ``X`` (N, P1) the fixed-effect matrix (centred slopes, intercept column first),
    ``codes`` / ``Zs`` / ``Js`` per factor the level codes (N,), predictor columns
    (N, q_f) and number of levels; ``f0`` the factor to eliminate per level.
    """
    X = np.ascontiguousarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    N, P1 = X.shape
    F = len(codes)
    rest = [f for f in range(F) if f != f0]
    qs = [Zs[f].shape[1] for f in range(F)]
    roff, nR = {}, 0
    for f in rest:
        roff[f] = nR
        nR += Js[f] * qs[f]
    rfac = np.concatenate([np.full(Js[f] * qs[f], f) for f in rest] + [np.zeros(0)])
    rterm = np.concatenate([np.tile(np.arange(qs[f]), Js[f]) for f in rest] + [np.zeros(0)])
    if rest:
        rows = np.concatenate([np.repeat(np.arange(N), qs[f]) for f in rest])
        cols = np.concatenate(
            [(roff[f] + codes[f][:, None] * qs[f] + np.arange(qs[f])).ravel() for f in rest]
        )
        vals = np.concatenate([np.asarray(Zs[f], dtype=float).ravel() for f in rest])
        ZR = sp.csr_matrix((vals, (rows, cols)), shape=(N, nR))
        ZRtZR = (ZR.T @ ZR).toarray()
        ZRtX = np.asarray(ZR.T @ X)
        CRR = np.block([[ZRtZR, ZRtX], [ZRtX.T, X.T @ X]])
        cRy = np.concatenate([ZR.T @ y, X.T @ y])
    else:
        CRR, cRy = X.T @ X, X.T @ y
    c0 = np.ascontiguousarray(codes[f0], dtype=np.int64)
    Z0 = np.ascontiguousarray(Zs[f0], dtype=float)
    J0, q0 = Js[f0], qs[f0]
    ZtZ0, Z0tX, Z0ty = sufficient_stats(X, y, c0, Z0, J0)
    ent_j, ent_c, ent_v = [], [], []
    for f in rest:  # co-occurring (level j of f0, level k of f): whole q_f-column blocks
        keys = c0 * Js[f] + codes[f]
        uniq, inv = np.unique(keys, return_inverse=True)
        blk = np.zeros((len(uniq), q0, qs[f]))
        np.add.at(blk, inv, Z0[:, :, None] * np.asarray(Zs[f], dtype=float)[:, None, :])
        jj, kk = uniq // Js[f], uniq % Js[f]
        ent_j.append(np.repeat(jj, qs[f]))
        ent_c.append((roff[f] + kk[:, None] * qs[f] + np.arange(qs[f])).ravel())
        ent_v.append(blk.transpose(0, 2, 1).reshape(-1, q0))
    ent_j.append(np.repeat(np.arange(J0), P1))
    ent_c.append(np.tile(nR + np.arange(P1), J0))
    ent_v.append(Z0tX.transpose(0, 2, 1).reshape(-1, q0))
    ej, ec, ev = np.concatenate(ent_j), np.concatenate(ent_c), np.concatenate(ent_v)
    order = np.lexsort((ec, ej))
    pptr = np.concatenate([[0], np.cumsum(np.bincount(ej, minlength=J0))])
    i64 = lambda a: np.ascontiguousarray(a, dtype=np.int64)  # noqa: E731
    return {
        "yty": float(y @ y),
        "N": N,
        "ZtZ0": ZtZ0,
        "Z0tX": Z0tX,
        "Z0ty": Z0ty,
        "pptr": i64(pptr),
        "pcol": i64(ec[order]),
        "P0": np.ascontiguousarray(ev[order]),
        "CRR": np.ascontiguousarray(CRR, dtype=float),
        "cRy": np.ascontiguousarray(cRy, dtype=float),
        "rfac": i64(rfac),
        "rterm": i64(rterm),
        "f0": int(f0),
        "lapack": lapack_addresses(),
    }


def fixed_design(model) -> np.ndarray:
    """The fixed-effect matrix of the kernel: intercept column, then centred slopes."""
    d = model.design
    slope_idx = [k for k, n in enumerate(d.fixed_names) if n != "Intercept"]
    Xc = d.X[:, slope_idx] - model._priors.xbar
    return np.column_stack([np.ones(d.n), Xc]) if d.has_intercept else Xc


def marginal_data(model, lay) -> dict:
    """Arguments of :func:`.marginal_nb.marginal_logp` (after theta) for ``model``."""
    d = model.design
    pa = _prior_arrays(model)
    fixed = ([pa["pri_int"]] if lay.has_int else []) + list(pa["pri_b"])
    fixed = np.array(fixed, dtype=float).reshape(-1, 4)
    if np.any(fixed[:, 0] != NORMAL):
        raise ValueError("the marginal path needs Normal fixed-effect priors")
    y = d.y - (d.offset if d.offset is not None else 0.0)
    Js = [g.n_levels for g in d.groups]
    f0 = eliminated_factor(Js, [g.q for g in d.groups])
    stats = marginal_stats(
        fixed_design(model), y, [g.codes for g in d.groups], [g.Z for g in d.groups], Js, f0
    )
    mvec = np.ascontiguousarray(fixed[:, 1])
    return {
        **stats,
        **level_last(stats, mvec),
        "mvec": mvec,
        "svec": np.ascontiguousarray(fixed[:, 2]),
        **_layout_arrays(lay),
        "pri_sd": pa["pri_sd"],
        "pri_aux": pa["pri_aux"][0],  # sigma's row (Gaussian)
        "aux_pos": lay.aux_pos,
    }


def level_last(stats: dict, mvec: np.ndarray) -> dict:
    """The eliminated factor's statistics with the level index last (for
    :mod:`.marginal_one_nb`): ``zz[a, b, j]`` = (Z_j'Z_j)_ab, ``zx[a, t, j]`` = (Z_j'X)_at,
    ``e0[a, j]`` = (Z_j'(y - Xm))_a, with m the prior means of the fixed effects."""
    ZtZ0, Z0tX, Z0ty = stats["ZtZ0"], stats["Z0tX"], stats["Z0ty"]
    return {
        "zz": np.ascontiguousarray(ZtZ0.transpose(1, 2, 0)),
        "zx": np.ascontiguousarray(Z0tX.transpose(1, 2, 0)),
        "e0": np.ascontiguousarray((Z0ty - Z0tX @ mvec).T),
    }


def check_marginal_identifiable(model, rtol: float = 1e-9) -> None:
    """Raise :class:`~hiermodels.errors.DataError` for a factor confounded with X.

    When every column of a factor's Z lies in the column space of X (e.g. ``y ~ g +
    (1 | g)``: the levels duplicate fixed effects), the data cannot tell the group effects
    from the fixed effects; the marginal precision of (beta, b) without the prior is
    singular and the factor's SD is identified by its prior alone. Test: the residual
    sum of squares of Z_f after projection on X, tr(Z_f'Z_f) - tr(Z_f'X (X'X)^+ X'Z_f),
    is ~0 relative to tr(Z_f'Z_f). Costs O(N q P) per factor, from sufficient statistics.
    """
    X = fixed_design(model)
    XtX_pinv = np.linalg.pinv(X.T @ X) if X.shape[1] else np.zeros((0, 0))
    for g in model.design.groups:
        Z = np.asarray(g.Z, dtype=float)
        total = float(np.sum(Z * Z))
        ZtX = np.zeros((g.n_levels, g.q, X.shape[1]))
        np.add.at(ZtX, g.codes, Z[:, :, None] * X[:, None, :])
        ZtX = ZtX.reshape(-1, X.shape[1])
        explained = float(np.einsum("kp,pr,kr->", ZtX, XtX_pinv, ZtX))
        if total <= 0 or total - explained <= rtol * total:
            raise DataError(
                f"The group effects of {g.name!r} duplicate fixed effects: every column of "
                f"its design ({', '.join(g.terms)}) lies in the span of the fixed effects "
                f"{model.design.fixed_names}, so the data cannot separate them. Remove "
                f"{g.name!r} from the fixed part of the formula or drop the term "
                f"(1 | {g.name})."
            )


def stack_cholesky(lay, theta: np.ndarray) -> np.ndarray:
    """Cholesky factors (D, F, qmax, qmax) of every G_f for draws ``theta`` (D, n_dim)."""
    from hiermodels.backends.kernels.factor_draws_nb import stack_factor_cholesky

    theta = np.ascontiguousarray(np.atleast_2d(theta), dtype=float)
    args = (lay.fq, lay.flogsd, lay.bfac, lay.bstart, lay.bsize, lay.bcorr, lay.bcpc)
    return stack_factor_cholesky(theta, *args)  # one numba call for all draws
