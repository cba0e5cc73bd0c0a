r"""Design + priors + family -> a readable ``pm.Model`` (a pure function).

For rows :math:`i` and grouping factors :math:`f` with level :math:`j = f[i]`:

.. math::

    \eta_i = \alpha_c + (x_i - \bar x)'\beta + o_i + \sum_f z_{fi}' r_{f,j}, \qquad
    r_{f,j} \sim N(0, \Sigma_f), \quad \Sigma_f = \mathrm{diag}(s_f)\,\Omega_f\,\mathrm{diag}(s_f)

with :math:`\Omega_f \sim \mathrm{LKJ}(\eta)` for correlated blocks (``pm.LKJCholeskyCov``)
and :math:`y_i \sim \mathrm{family}(g^{-1}(\eta_i), \ldots)`. Non-centred by default:
:math:`r_{f,j} = L_f u_{f,j}`, :math:`u_{f,j} \sim N(0, I)`, :math:`L_f` the Cholesky
factor of :math:`\Sigma_f`; ``centered`` samples :math:`r_{f,j}` directly.

Variables (names are the InferenceData's): ``Intercept_c`` (intercept at the predictor
means), ``Intercept`` (at x = 0), ``b`` (dim ``coef``), per factor ``sd_<f>`` (dim
``<f>__term``), ``cor_<f>`` (dims ``<f>__term, <f>__term_bis``), ``chol_<f>``, ``z_<f>``
(non-centred), ``r_<f>`` (deviations, dims ``<f>, <f>__term``), ``sigma``/``phi``/``nu``
(the family's positive auxiliary parameters), ``b_zi`` (dim ``zi_coef``: the uncentred
coefficients of the ``zi=`` formula, :math:`\eta^{zi} = X^{zi}\gamma`), ``threshold_c`` /
``threshold`` (ordinal: ordered thresholds, PyMC's ``ordered`` transform, at the predictor
means / at x = 0, :math:`c = c_c + \bar x'\beta`), and the response. No dimension is ever
called ``group``.

Observation weights :math:`w_i` (``weights=``): the log density is
:math:`\sum_i w_i \log p(y_i \mid \ldots)`, written as the observed node plus
``pm.Potential("weights_loglik", sum_i (w_i - 1) log p(y_i | ...))`` (data ``weights``); the observed node's own
pointwise log-likelihood stays unweighted.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from hiermodels.backends.pymc.likelihood import likelihood
from hiermodels.backends.pymc.priors import pymc_prior
from hiermodels.data.design import safe_name
from hiermodels.errors import PriorError
from hiermodels.model import names
from hiermodels.model.names import coords_of, response_name


def data_arrays(design) -> dict:
    """The values of the model's ``pm.Data`` containers (for refits with new data)."""
    out = {"response": design.y}
    slope_idx = [k for k, n in enumerate(design.fixed_names) if n != "Intercept"]
    if slope_idx:
        out["X"] = design.X[:, slope_idx]
    if design.offset is not None:
        out["offset"] = design.offset
    if design.trials is not None:
        out["trials"] = design.trials
    if getattr(design, "X_zi", None) is not None:
        out["X_zi"] = design.X_zi
    if getattr(design, "weights", None) is not None:
        out[names.WEIGHTS_DATA] = design.weights
    for g in design.groups:
        out[names.codes(g)] = g.codes
        out[names.zmatrix(g)] = g.Z
    return out


def _centered_for(parameterization, factor: str) -> bool:
    if isinstance(parameterization, dict):
        val = parameterization.get(factor, "noncentered")
    else:
        val = parameterization
    return val == "centered"


def build_model(design, family, priors, parameterization="noncentered"):
    """Build the ``pm.Model`` of a multilevel model.

    Parameters
    ----------
    design : hiermodels.design.Design
    family : hiermodels.families.Family
    priors : hiermodels.model.priors.ModelPriors
    parameterization : {"noncentered", "centered"} or dict factor -> one of them

    Returns
    -------
    pymc.Model
    """
    data = data_arrays(design)
    with pm.Model(coords=coords_of(design)) as model:
        eta = 0.0
        if "X" in data:
            X = pm.Data("X", data["X"], dims=("obs", "coef"))
            slopes = [n for n in design.fixed_names if n != "Intercept"]
            b = _vector_prior("b", [priors.b[n] for n in slopes], slopes, "coef")
            eta = eta + pt.dot(X - priors.xbar, b)
        if priors.threshold:
            thr = _thresholds(priors)
            shift = pt.dot(priors.xbar, b) if "X" in data else 0.0
            pm.Deterministic(names.THRESHOLD, thr + shift, dims=names.THRESHOLD_DIM)
        if priors.intercept is not None:
            icept_c = pymc_prior(priors.intercept, "Intercept_c")
            eta = eta + icept_c
            if "X" in data:
                pm.Deterministic("Intercept", icept_c - pt.dot(priors.xbar, b))
            else:
                pm.Deterministic("Intercept", icept_c)
        if "offset" in data:
            eta = eta + pm.Data("offset", data["offset"], dims="obs")
        for g in design.groups:
            r = _group_effects(g, priors, _centered_for(parameterization, g.name))
            codes = pm.Data(names.codes(g), data[names.codes(g)], dims="obs")
            Z = pm.Data(names.zmatrix(g), data[names.zmatrix(g)], dims=("obs", g.term_dim))
            eta = eta + (Z * r[codes]).sum(axis=1)
        aux = {k: pymc_prior(p, k) for k, p in priors.aux.items()}
        if "X_zi" in data:
            Xz = pm.Data("X_zi", data["X_zi"], dims=("obs", names.ZI_DIM))
            zn = list(design.zi_names)
            gamma = _vector_prior(names.ZI_COEF, [priors.zi[n] for n in zn], zn, names.ZI_DIM)
            aux["eta_zi"] = pt.dot(Xz, gamma)
        if priors.threshold:
            aux["threshold"] = thr
        trials = pm.Data("trials", data["trials"], dims="obs") if "trials" in data else None
        y = pm.Data("response", data["response"], dims="obs")
        if isinstance(eta, float):
            eta = pt.zeros(design.n) + eta
        obs = likelihood(family, response_name(design), eta, aux, y, trials=trials, dims="obs")
        if names.WEIGHTS_DATA in data:
            w = pm.Data(names.WEIGHTS_DATA, data[names.WEIGHTS_DATA], dims="obs")
            pointwise = model.logp(vars=[obs], sum=False)[0]
            pm.Potential("weights_loglik", pt.sum((w - 1.0) * pointwise))
    return model


def _thresholds(priors):
    r"""Ordered thresholds ``threshold_c`` (dim ``threshold``) at the predictor means.

    PyMC's ``ordered`` transform (:math:`c_1`, then :math:`\log(c_k - c_{k-1})`, Jacobian
    included) is the kernel's; each threshold has its own real-line prior.
    """
    from pymc.distributions.transforms import ordered

    plist = priors.threshold
    K1 = len(plist)
    init = np.linspace(-1.0, 1.0, K1) if K1 > 1 else np.zeros(1)
    if len({p.dist for p in plist}) != 1:
        raise PriorError("All threshold priors must share one distribution family.")
    params = {k: np.array([p.params[k] for p in plist]) for k in plist[0].params}
    return getattr(pm, plist[0].dist)(
        names.THRESHOLD_C,
        **params,
        transform=ordered,
        initval=init,
        dims=names.THRESHOLD_DIM,
    )


def _vector_prior(name, plist, labels, dims):
    """One vector RV when all elements share a distribution family, else scalars stacked."""
    if len({p.dist for p in plist}) == 1:
        params = {k: np.array([p.params[k] for p in plist]) for k in plist[0].params}
        return getattr(pm, plist[0].dist)(name, **params, dims=dims)
    parts = [
        pymc_prior(p, f"{name}_{safe_name(lab)}") for p, lab in zip(plist, labels, strict=True)
    ]
    return pm.Deterministic(name, pt.stack(parts), dims=dims)


def _sd_dist(plist, label):
    """``sd_dist`` for ``pm.LKJCholeskyCov``: one family with per-term parameters."""
    dists = {p.dist for p in plist}
    if len(dists) != 1:
        raise PriorError(
            f"All SD priors inside the correlated term for {label!r} must share one "
            f"distribution family (got {sorted(dists)}); use the same family with different "
            "scales, or make the terms uncorrelated with '||'."
        )
    dist = plist[0].dist
    params = {k: np.array([p.params[k] for p in plist]) for k in plist[0].params}
    return getattr(pm, dist).dist(**params, shape=len(plist))


def _group_effects(g, priors, centered: bool):
    """Create sd/cor/chol and the deviations ``r_<f>`` (levels x terms) of one factor."""
    d, q = g.dim, g.q
    plist = [priors.sd[g.name][t] for t in g.terms]
    if not any(g.correlated):
        sd = _vector_prior(names.sd(g), plist, g.terms, g.term_dim)
        if centered:
            return pm.Normal(names.effects(g), 0.0, sd, dims=(d, g.term_dim))
        z = pm.Normal(names.std_effects(g), 0.0, 1.0, dims=(d, g.term_dim))
        return pm.Deterministic(names.effects(g), z * sd, dims=(d, g.term_dim))

    L = pt.zeros((q, q))
    sds = [None] * q
    for k, (block, corr) in enumerate(zip(g.blocks, g.correlated, strict=True)):
        idx = np.array(block)
        bl = [plist[i] for i in block]
        if corr:
            name = names.chol(g) if len(g.blocks) == 1 else names.chol(g, k)
            chol, _, s = pm.LKJCholeskyCov(
                name,
                n=len(block),
                eta=priors.cor[g.name],
                sd_dist=_sd_dist(bl, g.name),
                compute_corr=True,
                store_in_trace=False,
            )
            L = pt.set_subtensor(L[np.ix_(idx, idx)], chol)
            for j, i in enumerate(block):
                sds[i] = s[j]
        else:
            s = pymc_prior(bl[0], names.block_sd(g, g.terms[block[0]]))
            L = pt.set_subtensor(L[block[0], block[0]], s)
            sds[block[0]] = s
    sd = pm.Deterministic(names.sd(g), pt.stack(sds), dims=g.term_dim)
    Dinv = 1.0 / sd
    pm.Deterministic(
        names.cor(g),
        (L @ L.T) * Dinv[:, None] * Dinv[None, :],
        dims=(g.term_dim, f"{g.term_dim}_bis"),
    )
    if centered:
        return pm.MvNormal(names.effects(g), mu=pt.zeros(q), chol=L, dims=(d, g.term_dim))
    z = pm.Normal(names.std_effects(g), 0.0, 1.0, dims=(d, g.term_dim))
    return pm.Deterministic(names.effects(g), z @ L.T, dims=(d, g.term_dim))
