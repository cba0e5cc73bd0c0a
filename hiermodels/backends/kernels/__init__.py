"""hiermodels' own NUTS target: the model's log density in numba, no graph compilation.

The numba functions are compiled once per machine (``cache=True``) and serve every
dataset and formula, so a first fit costs no PyMC/pytensor compilation and a refit with
new data costs nothing extra. The model is exactly the PyMC graph of
:func:`hiermodels.backends.pymc.graph.build_model` (same priors, same likelihood); the tests check the
log density against independent SciPy computations, the gradient against finite
differences, and the posterior against nutpie on the PyMC graph.

Two targets:

* **collapsed** (Gaussian, one grouping factor): group effects integrated out
  (:mod:`.collapsed_nb`), drawn exactly after sampling;
* **group effects sampled** (every family, canonical or probit link, any number of nested
  or crossed factors, each factor centred or non-centred as
  :mod:`hiermodels.model.parameterization` chooses): :mod:`.glmm_nb`.

Priors: every one the PyMC graph takes (``Uniform`` on SDs, sigma and phi through the
logit-interval transform, on the sampled-effects path). The PyMC graph is sampled only
when a user asks for it (``fit(sampler="nutpie" | "pymc" | "numpyro")``).
"""

from __future__ import annotations

import numpy as np

from hiermodels.backends.compile_cache import drop_stale_cache
from hiermodels.backends.kernels.priors_nb import BOUNDED, KIND, encode
from hiermodels.model.layout import Layout

# numba compiles (and reads its cache) at a kernel's first call, so this still runs first
drop_stale_cache()

_FAMILY_CODE = {
    ("gaussian", "identity"): 0,
    ("bernoulli", "logit"): 1,
    ("binomial", "logit"): 2,
    ("poisson", "log"): 3,
    ("negbinomial", "log"): 4,
    ("bernoulli", "probit"): 5,
    ("binomial", "probit"): 6,
    ("student", "identity"): 9,
    ("zero_inflated_poisson", "log"): 14,
    ("bernoulli", "cloglog"): 7,
    ("binomial", "cloglog"): 8,
    ("gamma", "log"): 10,
    ("lognormal", "identity"): 11,
    ("beta", "logit"): 12,
    ("beta_binomial", "logit"): 13,
    ("zero_inflated_negbinomial", "log"): 15,
    ("hurdle_poisson", "log"): 16,
    ("hurdle_negbinomial", "log"): 17,
    ("cumulative", "logit"): 18,
    ("cumulative", "probit"): 19,
}


def supports(model) -> bool:
    """Whether the kernel covers ``model`` (else only the PyMC graph can sample it)."""
    if (model.family.name, model.family.link) not in _FAMILY_CODE:
        return False
    pri = model._priors
    fixed = [*pri.b.values()] + ([pri.intercept] if pri.intercept is not None else [])
    fixed += [*pri.zi.values(), *pri.threshold]
    scales = [*pri.aux.values()] + [p for g in pri.sd.values() for p in g.values()]
    if not all(p.dist in KIND for p in fixed):
        return False
    if model.collapsed:  # the collapsed kernel maps positive parameters through exp only
        return all(p.dist in KIND for p in scales)
    return all(p.dist in KIND or p.dist in BOUNDED for p in scales)


def _prior_arrays(model) -> dict:
    pri = model._priors
    d = model.design
    slopes = [n for n in d.fixed_names if n != "Intercept"]
    zero = np.zeros(4)
    sd_rows = [encode(pri.sd[g.name][t]) for g in d.groups for t in g.terms]
    # the aux block in the layout's order: family.aux (positive), then thresholds (real)
    aux_rows = [encode(pri.aux[a]) for a in model.family.aux]
    aux_rows += [encode(p) for p in pri.threshold]
    zi_rows = [encode(pri.zi[n]) for n in d.zi_names] if d.X_zi is not None else []
    return {
        "pri_int": encode(pri.intercept) if pri.intercept is not None else zero,
        "pri_b": np.array([encode(pri.b[n]) for n in slopes]).reshape(len(slopes), 4),
        "pri_sd": np.array(sd_rows).reshape(len(sd_rows), 4),
        "pri_aux": np.array(aux_rows or [zero]).reshape(-1, 4),
        "pri_zi": np.array(zi_rows or [zero]).reshape(-1, 4),
    }


def _layout_arrays(lay: Layout) -> dict:
    keys = ("fq", "flogsd", "bfac", "bstart", "bsize", "bcorr", "bcpc", "beta_eta", "aux_kind")
    return {k: getattr(lay, k) for k in keys}


def kernel_data(model, lay: Layout) -> dict:
    """Arrays passed to the numba log density."""
    from hiermodels.backends.kernels.collapsed_nb import sufficient_stats

    d = model.design
    slope_idx = [k for k, n in enumerate(d.fixed_names) if n != "Intercept"]
    Xc = d.X[:, slope_idx] - model._priors.xbar
    offset = d.offset if d.offset is not None else np.zeros(d.n)
    base = {
        **_prior_arrays(model),
        **_layout_arrays(lay),
        "has_int": lay.has_int,
        "aux_pos": lay.aux_pos,
    }
    if lay.collapsed:
        g = d.groups[0]
        X1 = np.column_stack([np.ones(d.n), Xc]) if lay.has_int else Xc
        y = d.y - offset
        ZtZ, ZtX, Zty = sufficient_stats(
            np.ascontiguousarray(X1), y, g.codes, np.ascontiguousarray(g.Z), g.n_levels
        )
        return {
            **base,
            "pri_aux": base["pri_aux"][0],  # the collapsed kernel: sigma only
            "XtX": X1.T @ X1,
            "Xty": X1.T @ y,
            "yty": float(y @ y),
            "ZtZ": ZtZ,
            "ZtX": ZtX,
            "Zty": Zty,
            "N": d.n,
        }
    from hiermodels.backends.kernels.links_nb import loglik_const
    from hiermodels.backends.kernels.row_blocks import row_blocks, sort_factor

    fzcol = np.cumsum([0] + [g.q for g in d.groups])[:-1]
    family = _FAMILY_CODE[(model.family.name, model.family.link)]
    trials = d.trials.astype(float) if d.trials is not None else np.ones(d.n)
    w = d.weights.astype(float) if d.weights is not None else np.ones(d.n)
    Xz = d.X_zi if d.X_zi is not None else np.zeros((d.n, 0))
    codes = np.array([g.codes for g in d.groups], dtype=np.int64).reshape(-1, d.n)
    Z = np.column_stack([g.Z for g in d.groups]) if d.groups else np.zeros((d.n, 0))
    fs = sort_factor([g.n_levels for g in d.groups])
    order, runs, run_level, blocks = row_blocks(codes[fs] if fs >= 0 else None, d.n)

    def rows(a):  # the kernel's row order; a row of each column contiguous
        return np.ascontiguousarray(np.asarray(a, dtype=float)[order].T)

    return {
        **base,
        "y": rows(d.y),
        "trials": rows(trials),
        "w": rows(w),
        "Xzt": rows(Xz),
        "zi_pos": lay.zi_pos,
        "Xct": rows(Xc),
        "offset": rows(offset) if np.any(offset != 0) else np.zeros(0),
        "codes": np.ascontiguousarray(codes[:, order]),
        "Zt": rows(Z),
        "zone": np.all(Z == 1.0, axis=0).astype(np.int64),
        "runs": runs,
        "run_level": run_level,
        "blocks": blocks,
        "fs": fs,
        "fJ": lay.fJ,
        "fzcol": np.asarray(fzcol, dtype=np.int64),
        "fz": lay.fz,
        "fcent": lay.fcent,
        "hc": np.ascontiguousarray(lay.hc, dtype=float),
        "hk": lay.hk,
        "wc": np.ascontiguousarray(lay.wc, dtype=float),
        "fwhite": lay.fwhite,
        "family": family,
        # + the whitening map's constant log-Jacobian (model/level_whitening.py)
        "lconst": loglik_const(family, d.y, trials, d.weights) + lay.wlogdet,
    }


def logp_function(lay: Layout):
    """``f(theta, **data) -> (logp, grad)`` for nutpie (non-finite -> -inf: step rejected)."""
    return rejecting_nonfinite(_raw_logp(lay))


def rejecting_nonfinite(raw):
    """``raw(x, **data)`` with a non-finite value or gradient turned into ``-inf`` (nutpie
    then rejects the step): the callback form of every kernel."""

    def logp(x, **k):
        lp, grad = raw(x, **k)
        if not (np.isfinite(lp) and np.all(np.isfinite(grad))):
            return -np.inf, np.zeros_like(x)
        return lp, grad

    return logp


def by_name(kernel):
    """A numba kernel ``kernel(theta, *args)`` as ``f(theta, **data)``: its arguments are
    looked up in ``data`` by parameter name."""
    import inspect

    names = list(inspect.signature(kernel.py_func).parameters)[1:]  # after theta

    def logp(x, **k):
        return kernel(x, *[k[n] for n in names])

    return logp


def _raw_logp(lay: Layout):
    """The collapsed or joint kernel of ``lay`` as ``f(theta, **data)``."""
    if lay.collapsed:
        from hiermodels.backends.kernels.collapsed_nb import collapsed_logp as kernel
    else:
        from hiermodels.backends.kernels.glmm_nb import glmm_logp as kernel
    return by_name(kernel)


def initial_point(model, lay: Layout, rng: np.random.Generator) -> np.ndarray:
    """A dispersed start near the prior's centre (jittered), like Stan's but scaled.

    SDs start near half their prior's scale (a quarter into a ``Uniform`` prior's
    interval), group effects of a centred factor within +-1 such SD of zero.
    """
    pri = model._priors
    x = rng.uniform(-1, 1, lay.n_dim)
    if lay.has_int:
        x[0] = pri.intercept.params["mu"] + 0.1 * x[0] * pri.intercept.params["sigma"]
    sd_priors = [p for g in model.design.groups for p in pri.sd[g.name].values()]
    k = 0
    for f in range(len(lay.fq)):
        q, J = lay.fq[f], lay.fJ[f]
        start = np.empty(q)
        for a in range(q):
            p = sd_priors[k]
            start[a] = _start_value(p)
            x[lay.flogsd[f] + a] = _unconstrain(p, start[a]) + 0.5 * x[lay.flogsd[f] + a]
            k += 1
        if lay.fcent[f]:
            block = x[lay.fz[f] : lay.fz[f] + J * q].reshape(J, q)
            x[lay.fz[f] : lay.fz[f] + J * q] = (block * start).ravel()
    for f in np.flatnonzero(lay.fcent):  # hierarchical centring: a centred block holds r + T beta
        J, q = lay.fJ[f], lay.fq[f]
        gamma = x[lay.fz[f] : lay.fz[f] + J * q] + lay.centring_shift(x, f)
        if lay.fwhite[f]:  # ... as xi_j = C_j^-1 gamma_j
            gamma = np.linalg.solve(lay.level_roots(f), gamma.reshape(J, q, 1)).ravel()
        x[lay.fz[f] : lay.fz[f] + J * q] = gamma
    starts = model.family.aux_starts(model.design.y)
    for k, a in enumerate(model.family.aux):  # positive aux (family.aux order)
        p, i = pri.aux[a], lay.aux_pos + k
        if model.family.gaussian_scale and a == "sigma":
            v0 = 0.5 * np.std(model.design.y)
            if p.dist in BOUNDED:
                v0 = float(np.clip(v0, *_inside(p)))
            x[i] = _unconstrain(p, v0) + 0.5 * x[i]
        elif p.dist in BOUNDED:
            x[i] = _unconstrain(p, _start_value(p)) + 0.5 * x[i]
        elif a in starts:  # the family's own start (e.g. Student-t nu = 10)
            x[i] = _unconstrain(p, starts[a]) + 0.5 * x[i]
    n_thr = len(pri.threshold)
    if n_thr:  # thresholds: evenly spread logistic quantiles, jittered
        t0 = lay.aux_pos + len(model.family.aux)
        c = np.log(np.arange(1, n_thr + 1) / (n_thr + 1 - np.arange(1, n_thr + 1)))
        u = np.concatenate([c[:1], np.log(np.diff(c))]) if n_thr > 1 else c
        x[t0 : t0 + n_thr] = u + 0.1 * x[t0 : t0 + n_thr]
    if lay.Pz:  # zero-inflation coefficients near 0 (logit scale; pi about 0.5)
        x[lay.zi_pos : lay.zi_pos + lay.Pz] *= 0.5
    return x


def _inside(p) -> tuple[float, float]:
    lo, hi = p.params["lower"], p.params["upper"]
    return lo + 0.01 * (hi - lo), hi - 0.01 * (hi - lo)


def _start_value(p) -> float:
    if p.dist in BOUNDED:
        return p.params["lower"] + 0.25 * (p.params["upper"] - p.params["lower"])
    return 0.5 * p.params.get("sigma", p.params.get("beta", 1.0))


def _unconstrain(p, v: float) -> float:
    """The unconstrained value of a positive parameter ``v`` (log, or logit-interval)."""
    if p.dist in BOUNDED:
        lo, hi = p.params["lower"], p.params["upper"]
        t = (v - lo) / (hi - lo)
        return float(np.log(t) - np.log1p(-t))
    return float(np.log(v))
