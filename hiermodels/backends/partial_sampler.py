r"""NUTS on big Gaussian designs with the largest intercept-only factor integrated out.

The fully marginal path (:mod:`.marginal_sampler`) pays an O(R^3) dense Cholesky per
gradient, R the effects left after eliminating the largest factor; above
``MAX_DENSE_REST`` (e.g. InstEval: 1,128 lecturers + 14 fixed effects) that dominates.
Here only the largest intercept-only factor is integrated out
(:mod:`.kernels.partial_nb`, O(N) per gradient) and drawn exactly afterwards; the fixed
effects, the other factors' effects, the SDs and sigma are sampled as on the joint kernel.
"""

from __future__ import annotations

import numpy as np

from hiermodels.backends.kernels import _prior_arrays, by_name, initial_point, rejecting_nonfinite
from hiermodels.backends.kernels.partial_nb import draw_collapsed_effects, partial_logp
from hiermodels.backends.kernels.posterior import assemble, constrained, positive_values
from hiermodels.backends.nuts_runner import run_nuts
from hiermodels.model import names
from hiermodels.model.layout import make_layout


def partial_factor(model) -> int | None:
    """The factor to integrate out (the intercept-only one with the most levels), or None.

    Needs a Gaussian model (identity link) with a kernel-supported prior set and at least one
    factor with a single term that is the intercept.
    """
    from hiermodels.backends.kernels import supports

    if model.family.name != "gaussian" or model.family.link != "identity":
        return None
    if getattr(model.design, "weights", None) is not None or not supports(model):
        return None
    cands = [
        (g.n_levels, f)
        for f, g in enumerate(model.design.groups)
        if g.q == 1 and np.allclose(g.Z[:, 0], 1.0)
    ]
    return max(cands)[1] if cands else None


def partial_route(model) -> int | None:
    """The factor :func:`sample_partial` integrates out when ``model`` takes this path.

    With ``parameterization="auto"``: a Gaussian model that the fully marginal path does
    not take (dense rest above ``MAX_DENSE_REST``, or non-Normal fixed-effect priors) and
    the one-factor collapsed kernel does not take either, with an intercept-only factor.
    """
    if model.spec.parameterization != "auto" or model.collapsed or len(model.design.groups) < 2:
        return None
    return partial_factor(model)


def partial_parts(model, cfac: int):
    """(full joint layout with factor ``cfac`` centred, kernel data, indices of theta kept).

    The data are the sparse sufficient statistics of :func:`.kernels.partial_nb.partial_logp`:
    built once, O(N) time and memory.
    """
    import scipy.sparse as sp

    d = model.design
    choice = dict(getattr(model, "factor_parameterization", None) or {})
    centered = {k: v == "centered" for k, v in choice.items()}
    g = d.groups[cfac]
    centered[g.name] = True
    full = make_layout(model, collapsed=False, centered=centered)
    start, J = int(full.fz[cfac]), g.n_levels
    keep = np.r_[0:start, start + J : full.n_dim].astype(np.int64)
    fz = full.fz.copy()
    fz[fz > start] -= J
    fz[cfac] = -1
    slope_idx = [k for k, n in enumerate(d.fixed_names) if n != "Intercept"]
    Xc = d.X[:, slope_idx] - model._priors.xbar
    cols = ([np.ones((d.n, 1))] if full.has_int else []) + [Xc]
    blocks = [sp.csr_matrix(np.column_stack(cols)) if sum(c.shape[1] for c in cols) else None]
    goff = [full.has_int + full.P]
    for f, h in enumerate(d.groups):
        goff.append(goff[-1] + (0 if f == cfac else h.n_levels * h.q))
        if f == cfac:
            continue
        rows = np.repeat(np.arange(d.n), h.q)
        idx = (h.codes[:, None] * h.q + np.arange(h.q)[None, :]).ravel()
        blocks.append(sp.csr_matrix((h.Z.ravel(), (rows, idx)), shape=(d.n, h.n_levels * h.q)))
    W = sp.hstack([b for b in blocks if b is not None], format="csr")
    Zc = sp.csr_matrix((np.ones(d.n), (g.codes, np.arange(d.n))), shape=(J, d.n))
    y = d.y - (d.offset if d.offset is not None else 0.0)
    WtW = (W.T @ W).tocsr()
    M = (Zc @ W).tocsr()
    for m in (WtW, M):
        m.sum_duplicates()
        m.sort_indices()
    pa = _prior_arrays(model)
    i64 = lambda v: np.ascontiguousarray(v, dtype=np.int64)  # noqa: E731
    f64 = lambda v: np.ascontiguousarray(v, dtype=np.float64)  # noqa: E731
    data = {
        k: getattr(full, k)
        for k in (
            "fq",
            "fJ",
            "flogsd",
            "fcent",
            "bfac",
            "bstart",
            "bsize",
            "bcorr",
            "bcpc",
            "beta_eta",
        )
    }
    data.update(
        yty=float(y @ y),
        Wty=f64(W.T @ y),
        wtw_ptr=i64(WtW.indptr),
        wtw_idx=i64(WtW.indices),
        wtw_val=f64(WtW.data),
        Yc=f64(Zc @ y),
        m_ptr=i64(M.indptr),
        m_idx=i64(M.indices),
        m_val=f64(M.data),
        nlev=i64(np.bincount(g.codes, minlength=J)),
        goff=i64(goff),
        fz=i64(fz),
        pri_int=f64(pa["pri_int"]),
        pri_b=f64(np.asarray(pa["pri_b"]).reshape(-1, 4)),
        pri_sd=f64(np.asarray(pa["pri_sd"]).reshape(-1, 4)),
        pri_sigma=f64(np.asarray(pa["pri_aux"], dtype=float).reshape(-1, 4)[0]),
        has_int=full.has_int,
        P=full.P,
        sig_pos=full.aux_pos,
        cfac=cfac,
    )
    return full, data, keep


def logp_function():
    """``f(theta, **data) -> (logp, grad)`` for nutpie's callback path."""
    return rejecting_nonfinite(by_name(partial_logp))


def sample_partial(
    model,
    cfac,
    *,
    draws,
    tune,
    chains,
    seed,
    target_accept,
    progressbar,
    cores=None,
    native: bool | None = None,
    **extra,
):
    """Sample ``model`` with factor ``cfac`` integrated out; InferenceData with standard names."""
    full, data, keep = partial_parts(model, cfac)
    n_dim = len(keep)
    init = lambda rng: initial_point(model, full, rng)[keep]  # noqa: E731
    settings = dict(
        draws=draws,
        tune=tune,
        chains=chains,
        cores=cores,
        seed=seed,
        target_accept=target_accept,
        progressbar=progressbar,
        **extra,
    )
    # imported here: numba loads the cached cfunc at import, and most fits never come here
    from hiermodels.backends.kernels.partial_native import partial_cfunc, partial_native_arrays

    raw = run_nuts(
        n_dim,
        lambda: partial_native_arrays(data),
        partial_cfunc.address,
        logp_function(),
        data,
        init,
        native,
        settings,
    )
    theta = raw.posterior["theta"].values
    C, S = theta.shape[:2]
    flat = np.zeros((C * S, full.n_dim))
    flat[:, keep] = theta.reshape(C * S, -1)
    return _inferencedata(model, full, data, flat, cfac, raw, C, S, seed)


def _inferencedata(model, full, data, flat, cfac, raw, C, S, seed):
    d = model.design
    vals = constrained(model, full, flat)
    Ls = {f: vals.pop(f"L_{g.dim}") for f, g in enumerate(d.groups)}
    gams = [flat[:, : full.has_int + full.P]]
    for f, g in enumerate(d.groups):
        if f == cfac:
            continue
        z = flat[:, full.fz[f] : full.fz[f] + g.n_levels * g.q].reshape(-1, g.n_levels, g.q)
        r = z if full.fcent[f] else z @ np.swapaxes(Ls[f], 1, 2)
        vals[names.effects(g)] = r
        gams.append(r.reshape(len(flat), -1))
    rng = np.random.default_rng(None if seed is None else [int(seed), 7])
    g = d.groups[cfac]
    sig = positive_values(data["pri_sigma"], flat[:, full.aux_pos])
    r_c, cmean = draw_collapsed_effects(
        np.ascontiguousarray(np.concatenate(gams, axis=1)),
        np.ascontiguousarray(sig),
        np.ascontiguousarray(Ls[cfac][:, 0, 0]),
        data["Yc"],
        data["m_ptr"],
        data["m_idx"],
        data["m_val"],
        data["nlev"],
        rng.integers(0, 2**31 - 1, len(flat)),
    )
    vals[names.effects(g)] = r_c[:, :, None]
    kinds = {
        h.name: ("integrated" if f == cfac else ("centered" if full.fcent[f] else "noncentered"))
        for f, h in enumerate(d.groups)
    }
    rb = {names.effects(g): cmean.mean(axis=0)[:, None]}
    return assemble(model, vals, rb, raw.sample_stats, C, S, 0, kinds)
