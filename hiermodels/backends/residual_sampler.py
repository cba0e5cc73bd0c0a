"""NUTS for Gaussian models with residual structures (``residual=`` / ``sigma=``).

The log density is :func:`hiermodels.backends.kernels.residual_nb.logp_grad` (random effects
integrated out per unit, analytic gradient), sampled by nutpie through its public callback
interface (:func:`hiermodels.backends.nuts.sample_logp`). Group effects are then drawn
exactly from their conditional Gaussian, one draw per posterior draw.
"""

from __future__ import annotations

import numpy as np

from hiermodels.backends.kernels import residual_nb as rk
from hiermodels.backends.kernels.priors_nb import KIND
from hiermodels.backends.kernels.priors_nb import encode as _encode
from hiermodels.errors import PriorError, SpecError
from hiermodels.model import names

_DATA_KEYS = ("meta", "lo", "y", "X", "Z", "codes", "order", "ptr", "tval", "slev")


def encode(prior) -> np.ndarray:
    """The kernel's row for ``prior``; a hiermodels error for a family it does not know.

    Positive parameters are sampled on the log scale here, so bounded priors (Uniform) are
    refused rather than mis-read.
    """
    try:
        if prior.dist not in KIND:
            raise KeyError(prior.dist)
        return _encode(prior)
    except (KeyError, TypeError, AttributeError):
        raise PriorError(
            f"The prior {prior} is not available for residual= models; use Normal, StudentT "
            "or Cauchy for coefficients and HalfNormal, HalfStudentT, HalfCauchy, "
            "Exponential, Gamma or LogNormal for SDs."
        ) from None


def residual_data(model) -> dict:
    """Arrays of the kernel for ``model`` (a :class:`hiermodels.Model` with ``residual``)."""
    d, pri, st = model.design, model._priors, model.residual
    X = np.array(d.X, dtype=float)
    slopes = [k for k, n in enumerate(d.fixed_names) if n != names.INTERCEPT]
    if d.has_intercept and slopes:
        X[:, slopes] -= pri.xbar
    y = np.asarray(d.y, float) - (0.0 if d.offset is None else np.asarray(d.offset, float))
    rows = [
        encode(pri.intercept) if n == names.INTERCEPT else encode(pri.b[n]) for n in d.fixed_names
    ]
    q, rec, Z, codes, pri_t, eta, nlev = (
        0,
        0,
        np.zeros((d.n, 0)),
        np.zeros(d.n, np.int64),
        [],
        2.0,
        0,
    )
    if d.groups:
        g = d.groups[0]
        q, Z, codes, nlev = g.q, np.asarray(g.Z, float), np.asarray(g.codes, np.int64), g.n_levels
        if len(g.blocks) == 1 and g.correlated[0]:
            rec = 1
        elif not all(len(b) == 1 for b in g.blocks):
            raise SpecError(
                f"residual= with {g.name!r}: the random effects must be all correlated "
                "(x | g) or all uncorrelated (x || g)."
            )
        pri_t = [encode(pri.sd[g.name][t]) for t in g.terms]
        eta = float(pri.cor.get(g.name, 2.0))
    nT = len(st.time_levels)
    p, K = len(d.fixed_names), len(st.sigma_levels)
    ncpc = q * (q - 1) // 2 if rec else 0
    meta = np.array([p, K, st.code, st.n_corr, nT, q, rec, ncpc], dtype=np.int64)
    return dict(
        meta=meta,
        lo=float(st.cs_lower),
        y=y,
        X=np.ascontiguousarray(X),
        Z=np.ascontiguousarray(Z),
        codes=codes,
        order=np.asarray(st.order, np.int64),
        ptr=np.asarray(st.ptr, np.int64),
        tval=np.asarray(st.tval, float),
        slev=np.asarray(st.slev, np.int64),
        pri_g=np.array(rows, dtype=float).reshape(p, 4),
        pri_s=encode(pri.aux["sigma"]),
        pri_t=np.array(pri_t, dtype=float).reshape(q, 4),
        eta=eta,
        nlev=nlev,
    )


def n_dim(data) -> int:
    p, K, _, nc, _, q, _, ncpc = (int(v) for v in data["meta"])
    return p + K + nc + q + ncpc


def logp(theta, data) -> tuple[float, np.ndarray]:
    """Log posterior and gradient at unconstrained ``theta``."""
    keys = (*_DATA_KEYS, "pri_g", "pri_s", "pri_t", "eta")
    lp, g = rk.logp_grad(np.asarray(theta, float), *(data[k] for k in keys))
    return float(lp), g


def unit_loglik(theta, data) -> np.ndarray:
    """Per-unit marginal log-likelihood at ``theta``."""
    return rk.unit_loglik(np.asarray(theta, float), *(data[k] for k in _DATA_KEYS))


def var_shapes(model) -> tuple[dict, dict]:
    """(shapes, dims) of the variables :func:`expand` returns."""
    d, st = model.design, model.residual
    shapes, dims = {names.INTERCEPT: ()}, {}
    P = len([n for n in d.fixed_names if n != names.INTERCEPT])
    if not d.has_intercept:
        shapes = {}
    if P:
        shapes[names.SLOPES], dims[names.SLOPES] = (P,), (names.COEF_DIM,)
    shapes["sigma"] = ()
    if len(st.sigma_levels) > 1:
        shapes[names.SIGMA_RATIO] = (len(st.sigma_levels),)
        dims[names.SIGMA_RATIO] = (names.SIGMA_LEVEL_DIM,)
    var = names.residual_variable(st.kind)
    if st.kind == "unstructured":
        m = len(st.time_levels)
        shapes[var], dims[var] = (m, m), (names.RESID_TIME_DIM, f"{names.RESID_TIME_DIM}_bis")
    elif var is not None:
        shapes[var] = ()
    for g in d.groups:
        shapes[names.sd(g)], dims[names.sd(g)] = (g.q,), (g.term_dim,)
        if any(g.correlated) and g.q > 1:
            shapes[names.cor(g)] = (g.q, g.q)
            dims[names.cor(g)] = (g.term_dim, f"{g.term_dim}_bis")
    return shapes, dims


def constrained(theta, data, model) -> dict:
    """Named constrained values of one unconstrained vector."""
    d, st = model.design, model.residual
    meta, lo = data["meta"], data["lo"]
    gamma, sd, par, Lr, Lc, Lam = rk.unpack(np.asarray(theta, float), meta, lo)
    out = {}
    slopes = [k for k, n in enumerate(d.fixed_names) if n != names.INTERCEPT]
    b = gamma[slopes]
    if d.has_intercept:
        xb = float(b @ model._priors.xbar) if slopes else 0.0
        out[names.INTERCEPT] = np.float64(gamma[0] - xb)
    if slopes:
        out[names.SLOPES] = b.copy()
    out["sigma"] = np.float64(sd[0])
    if len(st.sigma_levels) > 1:
        out[names.SIGMA_RATIO] = sd / sd[0]
    var = names.residual_variable(st.kind)
    if st.kind == "unstructured":
        out[var] = Lr @ Lr.T
    elif var is not None:
        out[var] = np.float64(par)
    for g in d.groups:
        out[names.sd(g)] = np.sqrt(np.diag(Lam @ Lam.T))
        if any(g.correlated) and g.q > 1:
            out[names.cor(g)] = Lc @ Lc.T
    return out


def initial_point(data, rng) -> np.ndarray:
    """Start near least squares, scales from the residual SD, correlations near 0."""
    y, X = data["y"], data["X"]
    p, K, _, nc, _, q, _, _ncpc = (int(v) for v in data["meta"])
    beta = np.linalg.lstsq(X, y, rcond=None)[0] if p else np.zeros(0)
    s = float(np.std(y - X @ beta)) if p else float(np.std(y))
    s = max(s, 1e-6)
    x = rng.uniform(-0.5, 0.5, n_dim(data))
    sx = np.sqrt(np.maximum(np.diag(X.T @ X), 1e-12)) if p else np.ones(0)
    x[:p] = beta + x[:p] * s / sx
    x[p] = np.log(s / (np.sqrt(2.0) if q else 1.0)) + 0.2 * x[p]
    x[p + K + nc : p + K + nc + q] += np.log(s / 2.0)
    return x


def whitening(data) -> tuple[np.ndarray, np.ndarray]:
    """(T, T^-1): NUTS samples T gamma, T = R / s from X = QR, s the OLS residual SD.

    Under iid errors the posterior covariance of gamma is about s^2 (X'X)^-1 = s^2
    R^-1 R^-T, so T gamma is roughly uncorrelated with unit scale: a diagonal mass matrix
    then fits (the QR reparameterisation of the Stan User's Guide). A linear map: no
    Jacobian term.
    """
    X, y = data["X"], data["y"]
    p = X.shape[1]
    if p == 0:
        return np.zeros((0, 0)), np.zeros((0, 0))
    R = np.linalg.qr(X, mode="r")
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    s = max(float(np.std(y - X @ beta)), 1e-8)
    T = R / s
    return T, np.linalg.inv(T)


def sample_residual(model, *, draws, tune, chains, seed, target_accept, progressbar, cores=None):
    """Sample ``model``; return InferenceData with the standard names and exact group effects."""
    from hiermodels.backends.nuts import sample_logp

    data = residual_data(model)
    shapes, dims = var_shapes(model)
    st = model.residual
    coords = {k: v for k, v in names.coords_of(model.design).items() if k != names.OBS_DIM}
    if len(st.sigma_levels) > 1:
        coords[names.SIGMA_LEVEL_DIM] = list(st.sigma_levels)
    if st.kind == "unstructured":
        coords[names.RESID_TIME_DIM] = list(st.time_levels)
        coords[f"{names.RESID_TIME_DIM}_bis"] = list(st.time_levels)

    T, Tinv = whitening(data)
    p = T.shape[0]

    def to_theta(x):
        th = np.array(x, dtype=np.float64)
        th[:p] = Tinv @ th[:p]
        return th

    def lp(x, **_):
        v, g = logp(to_theta(x), data)
        g[:p] = Tinv.T @ g[:p]
        return v, g

    def expand(x, **_):
        th = to_theta(x)
        c = constrained(th, data, model)
        out = {k: np.array(c[k], dtype=np.float64) for k in shapes}
        return {names.RESIDUAL_THETA: th, **out}

    def init(rng):
        x = initial_point(data, rng)
        x[:p] = T @ x[:p]
        return x

    all_shapes = {names.RESIDUAL_THETA: (n_dim(data),), **shapes}
    idata = sample_logp(
        lp,
        n_dim(data),
        expand,
        all_shapes,
        dims={**dims, names.RESIDUAL_THETA: ("theta_dim",)},
        coords={**coords, "theta_dim": [str(i) for i in range(n_dim(data))]},
        init=init,
        draws=draws,
        tune=tune,
        chains=chains,
        cores=cores,
        seed=seed,
        target_accept=target_accept,
        progressbar=progressbar,
    )
    post = idata.posterior
    if model.design.groups:
        rng = np.random.default_rng(None if seed is None else [int(seed), 7])
        g = model.design.groups[0]
        th = post[names.RESIDUAL_THETA].values
        C, D = th.shape[:2]
        r = np.empty((C, D, g.n_levels, g.q))
        keys = (*_DATA_KEYS, "nlev")
        for c in range(C):
            for k in range(D):
                z = rng.standard_normal((g.n_levels, g.q))
                r[c, k] = rk.draw_effects(th[c, k], *(data[key] for key in keys), z)
        post[names.effects(g)] = (("chain", "draw", g.dim, g.term_dim), r)
        post = post.assign_coords({g.dim: list(g.levels), g.term_dim: list(g.terms)})
    post.attrs["collapsed"] = 1
    post.attrs[names.RESIDUAL_ATTR] = st.spec.text
    post.attrs[names.RESIDUAL_ATTR + "_sigma_by"] = str(st.sigma_by or "")
    idata.posterior = post
    return idata
