r"""Shrinkage: how far each cluster's estimate moved from its own data toward the population.

For a grouping factor with terms :math:`z` (e.g. ``Intercept``, ``Days``), cluster
:math:`j`'s coefficient of term :math:`t` is estimated three ways:

* **no pooling** — the cluster's own estimate: least squares (Gaussian) or the GLM
  maximum-likelihood estimate (IRLS) of :math:`y_j` on its group-level columns
  :math:`Z_j`, with everything else (fixed effects not in :math:`z`, other factors' effects,
  the model offset) held at its posterior mean as an offset. Equivalent to the model with
  :math:`G \to \infty`. NaN with the reason when it does not exist: fewer rows than
  coefficients, a slope that does not vary in the cluster, or no finite MLE (all-zero
  counts, all failures or all successes, separation);
* **complete pooling** — the pooled regression of :math:`y` on :math:`X` ignoring the
  groups (OLS or GLM MLE), the same value for every cluster;
* **partial pooling** — the posterior of the fixed effect plus the cluster's deviation,
  :math:`\beta_t + b_{jt}` (its mean is Rao-Blackwellised for collapsed fits).

**Pooling factor.** Given the hyperparameters, the conditional posterior of :math:`b_j`
(Gaussian, or its Laplace approximation for GLMMs) has mean
:math:`(I - \Lambda_j)\hat b_j^{\mathrm{np}}` with

.. math::

    \Lambda_j = (I_q + G\,\mathcal I_j)^{-1}, \qquad
    \mathcal I_j = \textstyle\sum_{i \in j} w_i z_i z_i',

the cluster's Fisher information with GLM weights
:math:`w_i = (\partial\mu_i/\partial\eta_i)^2/\mathrm{Var}(y_i)` (Gaussian :math:`1/\sigma^2`,
Poisson :math:`\mu`, NB2 :math:`\mu/(1+\mu/\phi)`, binomial logit :math:`n p(1-p)`). For a
Gaussian random intercept this is exactly the closed form
:math:`\lambda_j = (\sigma^2/n_j) / (\sigma^2/n_j + \tau^2)` (Gelman & Hill 2007, eq. 12.16;
Gelman & Pardoe 2006). ``pooling`` is :math:`[\Lambda_j]_{tt}` averaged over the posterior
(0 = no pooling, 1 = complete pooling; with several correlated terms
:math:`\Lambda_j` is not symmetric and a diagonal element can slightly exceed 1, since one
term is also pulled through its correlation with the others); ``pooling_empirical`` is the observed ratio
(no-pool − partial) / (no-pool − population mean), the population mean being the posterior
mean of the fixed effect, which is what the model shrinks toward. (The complete-pooling
regression weights clusters by size, the population mean by precision
1/(sigma^2/n_j + tau^2), so the two differ: a partial-pooling estimate always lies between
its no-pooling estimate and the population mean, not always between no and complete
pooling.)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from hiermodels.derive.predict import group_covariances, linear_parts
from hiermodels.derive.summaries import summarize
from hiermodels.derive.tables import fixed_draws
from hiermodels.errors import HiermodelsError
from hiermodels.model import names

POOLING_DRAWS = 400  # evenly spaced draws used for the pooling factor (bounded, low MC error)


# --------------------------------------------------------------------------- GLM pieces
def mean_derivative(family, eta, trials=None):
    """d E[y] / d eta (per observation; counts for binomial): the family's method."""
    return family.mean_derivative(eta, trials)


def fisher_weights(family, eta, aux: dict, trials=None):
    """GLM working weights w = (d mu / d eta)^2 / Var(y); Gaussian 1/sigma^2."""
    d = mean_derivative(family, eta, trials)
    v = family.variance(eta, aux, trials)
    return d**2 / np.maximum(v, 1e-300)


def grouped_glm(family, y, Z, codes, J, offset, aux, trials=None, max_iter=100, tol=1e-9):
    """Per-cluster GLM fits of ``y`` on ``Z`` (IRLS, vectorised over clusters).

    Returns
    -------
    coef : ndarray (J, q)
        NaN where the estimate does not exist.
    cov : ndarray (J, q, q)
        Inverse Fisher information at the estimate.
    reason : list of str
        Empty where the estimate exists, else why not.
    """
    q = Z.shape[1]
    n = np.bincount(codes, minlength=J)
    reason = [""] * J
    eta = family.start_eta(y, trials)
    coef = np.zeros((J, q))
    ok = np.ones(J, bool)
    converged = np.zeros(J, bool)
    for it in range(max_iter):
        w = fisher_weights(family, eta, aux, trials)
        if family.name == "gaussian":
            work = y - offset
        else:
            work = (
                eta - offset + (y - family.mean(eta, trials)) / mean_derivative(family, eta, trials)
            )
        A = np.zeros((J, q, q))
        np.add.at(A, codes, w[:, None, None] * Z[:, :, None] * Z[:, None, :])
        bvec = np.zeros((J, q))
        np.add.at(bvec, codes, (w * work)[:, None] * Z)
        if it == 0:
            scale = np.maximum(np.einsum("jkk->jk", A).max(axis=1), 1e-300)
            eig = np.linalg.eigvalsh(A / scale[:, None, None]) if q else np.zeros((J, 0))
            rank_ok = (eig.min(axis=1) > 1e-9) if q else np.ones(J, bool)
            ok &= rank_ok
        new = np.full((J, q), np.nan)
        new[ok] = np.linalg.solve(A[ok], bvec[ok][..., None])[..., 0]
        step = np.abs(new - coef)
        coef = np.where(ok[:, None], new, coef)
        eta = np.einsum("nq,nq->n", Z, np.nan_to_num(coef[codes])) + offset
        if family.name == "gaussian":
            converged[:] = True
            break
        eta = np.clip(eta, -50, 50)
        converged = np.all(step <= tol * (1 + np.abs(coef)), axis=1)
        if np.all(converged | ~ok):
            break
    w = fisher_weights(family, eta, aux, trials)
    A = np.zeros((J, q, q))
    np.add.at(A, codes, w[:, None, None] * Z[:, :, None] * Z[:, None, :])
    cov = np.full((J, q, q), np.nan)
    finite = ok & converged & np.all(np.abs(coef) < 1e6, axis=1)
    if family.link != "identity":  # a coefficient running off to +-infinity
        finite &= np.all(np.abs(np.nan_to_num(coef)) < 25, axis=1)
    cov[finite] = np.linalg.inv(A[finite])
    for j in range(J):
        if n[j] < q:
            reason[j] = f"{n[j]} row(s) for {q} coefficient(s)"
        elif not ok[j]:
            reason[j] = "a group-level predictor does not vary within this level"
        elif not finite[j]:
            reason[j] = family.degenerate_reason(
                y[codes == j], None if trials is None else trials[codes == j]
            )
    coef[~finite] = np.nan
    return coef, cov, reason


# --------------------------------------------------------------------------- posterior pieces
def _posterior_means(fit) -> tuple[np.ndarray, dict]:
    """Posterior mean of the fixed effects (in design order) and of every factor's r."""
    post = fit.posterior
    fx = fixed_draws(post, fit.design)
    beta = np.array([fx[n].mean() for n in fit.design.fixed_names])
    rmeans = {}
    groups = fit.trace  # the InferenceData's groups, without building it (importing ArviZ)
    rb = groups.rao_blackwell if "rao_blackwell" in groups.groups() else None
    for g in fit.design.groups:
        name = names.effects(g)
        if rb is not None and name in rb:
            rmeans[g.name] = rb[name].values
        else:
            rmeans[g.name] = post[name].values.mean(axis=(0, 1))
    return beta, rmeans


def _check_glm(fam) -> None:
    """No-pooling fits are GLMs by IRLS: families with a second linear predictor or ordered
    thresholds are not GLMs in one predictor."""
    if fam.second_predictor is not None or getattr(fam, "ordinal", False):
        raise HiermodelsError(
            f"Shrinkage tables need a GLM family (one linear predictor, no thresholds); "
            f"{fam.name} is not one. fit.group_effects() gives the partial-pooling estimates."
        )
    if fam.name == "lognormal":  # its mean needs sigma; on the log scale it is Gaussian
        raise HiermodelsError(
            "Shrinkage tables are not available for lognormal fits: on the log scale the model "
            "is Gaussian, so fit family='gaussian' to a column holding log(y) (e.g. "
            "df.assign(log_y=np.log(df.y))) for the shrinkage table; fit.group_effects() gives "
            "the partial-pooling estimates of this fit."
        )


def _aux_means(fit) -> dict:
    return {a: float(fit.posterior[a].values.mean()) for a in fit.family.aux}


def _no_pool(fit, g, beta, rmeans):
    """Joint per-cluster estimates of all of ``g``'s terms (see the module docstring)."""
    d, fam = fit.design, fit.family
    in_z = [k for k, n in enumerate(d.fixed_names) if n in g.terms]
    other = [k for k in range(len(d.fixed_names)) if k not in in_z]
    offset = d.X[:, other] @ beta[other] if other else np.zeros(d.n)
    if d.offset is not None:
        offset = offset + d.offset
    for h in d.groups:
        if h is not g:
            offset = offset + np.einsum("nq,nq->n", h.Z, rmeans[h.name][h.codes])
    return grouped_glm(fam, d.y, g.Z, g.codes, g.n_levels, offset, _aux_means(fit), d.trials)


def _complete_pool(fit) -> dict:
    d, fam = fit.design, fit.family
    off = np.zeros(d.n) if d.offset is None else d.offset
    coef, _, _ = grouped_glm(
        fam, d.y, d.X, np.zeros(d.n, dtype=np.int64), 1, off, _aux_means(fit), d.trials
    )
    return dict(zip(d.fixed_names, coef[0], strict=True))


def pooling_factors(G, info) -> np.ndarray:
    r"""Pooling matrices :math:`\Lambda_j = (I + G\,\mathcal I_j)^{-1}`, per draw and cluster.

    Parameters
    ----------
    G : ndarray (D, q, q)
        Group-effect covariance per draw.
    info : ndarray (D, J, q, q) or (J, q, q)
        Each cluster's Fisher information per draw.

    Returns
    -------
    ndarray (D, J, q, q)
        For q = 1 and Gaussian data (info = n_j / sigma^2) this is
        (sigma^2/n_j) / (sigma^2/n_j + tau^2).
    """
    G = np.asarray(G, float)
    info = np.asarray(info, float)
    if info.ndim == 3:
        info = info[None]
    q = G.shape[-1]
    M = np.eye(q) + np.einsum("dqr,djrs->djqs", G, info)
    return np.linalg.inv(M)


def _cluster_information(fit, g, idx) -> np.ndarray:
    """(D', J, q, q) Fisher information of each cluster at each used draw."""
    d, fam = fit.design, fit.family
    if fam.name == "gaussian":
        ZtZ = np.zeros((g.n_levels, g.q, g.q))
        np.add.at(ZtZ, g.codes, g.Z[:, :, None] * g.Z[:, None, :])
        sigma = fit.posterior["sigma"].values.reshape(-1)[idx]
        return ZtZ[None] / sigma[:, None, None, None] ** 2
    modes = {h.name: "fitted" for h in d.groups}
    eta, _, _, used = linear_parts(fit, None, modes, np.random.default_rng(0), len(idx))
    aux = {a: fit.posterior[a].values.reshape(-1)[used][:, None] for a in fam.aux}
    w = fisher_weights(fam, eta, aux, d.trials)  # (D', n)
    out = np.zeros((w.shape[0], g.n_levels, g.q, g.q))
    zz = g.Z[:, :, None] * g.Z[:, None, :]
    for k in range(w.shape[0]):
        np.add.at(out[k], g.codes, w[k][:, None, None] * zz)
    return out


def _pooling(fit, g) -> np.ndarray:
    """Posterior draws of the diagonal of Lambda_j: (D', J, q)."""
    post = fit.posterior
    D = post.sizes["chain"] * post.sizes["draw"]
    idx = np.linspace(0, D - 1, min(D, POOLING_DRAWS)).astype(int)
    G = group_covariances(post, fit.design)[g.name][idx]
    lam = pooling_factors(G, _cluster_information(fit, g, idx))
    return np.einsum("djqq->djq", lam)


# --------------------------------------------------------------------------- the table
def shrinkage(fit, group: str, term: str | Sequence[str] = "Intercept", prob=None, scale="link"):
    """Per level of ``group``: no-, complete- and partial-pooling estimates and pooling.

    Parameters
    ----------
    fit : hiermodels.Fit
    group : str
        Grouping factor, e.g. ``"Subject"`` or ``"batch:cask"``.
    term : str or sequence of str
        A term of the factor (``"Intercept"``, ``"Days"``), or several for the joint
        table (e.g. intercept and slope; the no-pooling fit is always joint over all the
        factor's terms).
    prob : float, optional
        Interval probability (default from :mod:`hiermodels.options`).
    scale : {"link", "response"}
        ``"response"`` reports an intercept on the mean scale (a probability or rate for
        a row whose other predictors are 0), e.g. batting averages; pooling factors stay
        those of the link scale.

    Returns
    -------
    DataFrame
        Index: levels (or (level, term) for several terms). Columns ``n``, ``no_pool``,
        ``no_pool_se`` (from the cluster's Fisher information),
        ``no_pool_lower``, ``no_pool_upper`` (Wald interval), ``complete_pool``, ``population`` (posterior mean of the fixed
        effect: what the clusters shrink toward), ``mean, sd, lower, upper`` (partial
        pooling), ``pooling``, ``pooling_lower``, ``pooling_upper`` (model-based pooling
        factor, its interval), ``pooling_empirical`` (toward the population mean), ``moved`` (partial − no-pool),
        ``note`` (why a no-pooling estimate is missing). ``attrs`` hold ``group``,
        ``terms``, ``scale`` and, for several terms, ``center`` and ``covariance``
        (posterior means of the fixed effects and of G for those terms).
    """
    _check_glm(fit.family)
    d = fit.design
    g = d.group(group)
    terms = [term] if isinstance(term, str) else list(term)
    bad = [t for t in terms if t not in g.terms]
    if bad or not terms:
        raise HiermodelsError(
            f"{bad or terms} is not a term of {g.name!r}; its terms are {g.terms}."
        )
    if scale not in ("link", "response"):
        raise HiermodelsError(f"scale must be 'link' or 'response', got {scale!r}.")
    if scale == "response" and terms != ["Intercept"]:
        raise HiermodelsError("scale='response' is defined for the Intercept term only.")
    beta, rmeans = _posterior_means(fit)
    np_coef, np_cov, reason = _no_pool(fit, g, beta, rmeans)
    complete = _complete_pool(fit)
    lam = _pooling(fit, g)
    post = fit.posterior
    fixed = fixed_draws(post, d)
    r = post[names.effects(g)]
    lo_q, hi_q = _quantiles(prob)
    tables = []
    for t in terms:
        k = g.terms.index(t)
        f_draws = fixed.get(t, np.zeros((post.sizes["chain"], post.sizes["draw"])))
        tot = {lev: r.values[:, :, j, k] + f_draws for j, lev in enumerate(g.levels)}
        rb_mean = rmeans[g.name][:, k] + float(np.mean(f_draws))
        no_pool = np_coef[:, k]
        se = np.sqrt(np_cov[:, k, k])
        comp = complete.get(t, 0.0)
        popn = float(np.mean(f_draws))
        z = stats.norm.ppf(hi_q)
        np_lo, np_hi = no_pool - z * se, no_pool + z * se
        if scale == "response":
            inv = fit.family.inverse_link
            tot = {lev: inv(v) for lev, v in tot.items()}
            no_pool, comp, popn, se = inv(no_pool), float(inv(comp)), float(inv(popn)), np.nan
            np_lo, np_hi = inv(np_lo), inv(np_hi)
        tab = summarize(tot, prob, diagnostics=False)
        if scale == "link":
            tab["mean"] = rb_mean  # Rao-Blackwellised where available: lower MC error
        tab.insert(0, "population", popn)
        tab.insert(0, "complete_pool", comp)
        tab.insert(0, "no_pool_upper", np_hi)
        tab.insert(0, "no_pool_lower", np_lo)
        tab.insert(0, "no_pool_se", se)
        tab.insert(0, "no_pool", no_pool)
        tab.insert(0, "n", g.counts())
        tab["pooling"] = lam[:, :, k].mean(axis=0)
        tab["pooling_lower"] = np.quantile(lam[:, :, k], lo_q, axis=0)
        tab["pooling_upper"] = np.quantile(lam[:, :, k], hi_q, axis=0)
        denom = no_pool - popn
        with np.errstate(invalid="ignore", divide="ignore"):
            emp = (no_pool - tab["mean"].to_numpy()) / denom
        tiny = np.abs(denom) <= 1e-8 * (1 + np.abs(popn))
        tab["pooling_empirical"] = np.where(tiny, np.nan, emp)
        tab["moved"] = tab["mean"].to_numpy() - no_pool
        tab["note"] = reason
        tab.index = pd.Index(g.levels, name=g.name)
        if len(terms) > 1:
            tab.index = pd.MultiIndex.from_product([g.levels, [t]], names=[g.name, "term"])
        tables.append(tab)
    out = (
        pd.concat(tables).sort_index(level=0, sort_remaining=False) if len(terms) > 1 else tables[0]
    )
    if len(terms) > 1:
        out = out.loc[[(lev, t) for lev in g.levels for t in terms]]
        ks = [g.terms.index(t) for t in terms]
        Gm = group_covariances(post, d)[g.name].mean(axis=0)[np.ix_(ks, ks)]
        out.attrs["center"] = {t: float(np.mean(fixed[t])) if t in fixed else 0.0 for t in terms}
        out.attrs["covariance"] = Gm.tolist()
    out.attrs.update(group=g.name, terms=terms, scale=scale, family=str(fit.family))
    return out


def _quantiles(prob):
    from hiermodels.options import resolve_prob

    p = resolve_prob(prob)
    return (1 - p) / 2, 1 - (1 - p) / 2


def pooling_lines(fit, group: str, x: str, levels=None, n_points: int = 2) -> pd.DataFrame:
    """Per-cluster regression lines in ``x`` under complete, no and partial pooling.

    Coefficients come from :func:`shrinkage` (intercept and, when ``x`` varies by
    cluster, the slope; otherwise the common slope: the pooled OLS/GLM slope for complete
    pooling and the posterior mean for the other two). Other predictors are at 0; lines
    are on the link scale (Gelman & Hill 2007, figure 12.4).

    Returns
    -------
    DataFrame
        Columns ``level, x, complete_pool, no_pool, partial_pool``; ``attrs["data"]``
        holds the observed points (columns ``level, x, y``; for non-Gaussian families y
        is on the response scale and not drawn against the link-scale lines).
    """
    d = fit.design
    g = d.group(group)
    if x not in d.fixed_names:
        raise HiermodelsError(
            f"x={x!r} is not a fixed-effect column; choose one of {d.fixed_names}."
        )
    if "Intercept" not in g.terms:
        raise HiermodelsError(f"{g.name!r} has no random intercept; pooling lines need one.")
    terms = ["Intercept", x] if x in g.terms else ["Intercept"]
    tab = shrinkage(fit, group, terms if len(terms) > 1 else "Intercept")
    levels = list(g.levels if levels is None else [str(v) for v in levels])
    fixed = fixed_draws(fit.posterior, d)
    complete = _complete_pool(fit)
    xv = d.X[:, d.fixed_names.index(x)]
    grid = np.linspace(xv.min(), xv.max(), n_points)
    rows = []
    for lev in levels:
        if len(terms) > 1:
            a, s = tab.loc[(lev, "Intercept")], tab.loc[(lev, x)]
            slope = {"c": s["complete_pool"], "n": s["no_pool"], "p": s["mean"]}
        else:
            a = tab.loc[lev]
            bm = float(np.mean(fixed[x]))
            slope = {"c": complete[x], "n": bm, "p": bm}
        for xx in grid:
            rows.append(
                {
                    "level": lev,
                    "x": xx,
                    "complete_pool": a["complete_pool"] + slope["c"] * xx,
                    "no_pool": a["no_pool"] + slope["n"] * xx,
                    "partial_pool": a["mean"] + slope["p"] * xx,
                }
            )
    out = pd.DataFrame(rows)
    labels = np.asarray(g.levels, dtype=object)[g.codes]
    keep = np.isin(labels, levels)
    out.attrs["data"] = pd.DataFrame({"level": labels[keep], "x": xv[keep], "y": d.y[keep]})
    out.attrs.update(group=g.name, x=x, response=d.response, link=fit.family.link)
    return out
