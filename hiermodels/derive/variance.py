r"""Variance decomposition of a multilevel fit: VPC/ICC, R², variance functions, design effect.

Components per posterior draw (Nakagawa & Schielzeth 2013; Johnson 2014; Nakagawa, Johnson
& Schielzeth 2017, J. R. Soc. Interface 14: 20170213):

* fixed effects :math:`\sigma_f^2 = \mathrm{Var}_i(x_i'\beta) = \beta' S_X \beta` (S_X the
  covariance of the design columns, the offset excluded);
* each grouping factor :math:`\sigma_l^2 = \frac1N\sum_i z_i' G_l z_i = \mathrm{tr}(G_l Z_l'Z_l/N)`
  (random slopes included, averaged over the rows);
* the distribution-specific variance :math:`\sigma_d^2`: Gaussian :math:`\sigma^2`; logit
  :math:`\pi^2/3`; probit 1; Poisson log link :math:`\ln(1 + 1/\lambda)` and NB2
  :math:`\ln(1 + 1/\lambda + 1/\phi)` (log-normal approximation, as ``performance::icc``),
  :math:`\lambda = \exp(\bar\eta + \sum_l \sigma_l^2/2)`, :math:`\bar\eta` the mean fixed
  linear predictor (offset included; Nakagawa et al. use the null model's intercept — the
  two agree for centred predictors).

For GLMMs these are latent (link) scale shares. VPC of a level = its variance over
:math:`\sum_l\sigma_l^2 + \sigma_d^2` (Goldstein, Browne & Rasbash 2002); ICC of a level
= correlation of two rows sharing it (and therefore its parents when nested):
:math:`(\sigma^2_{batch} + \sigma^2_{cask})/\mathrm{total}` for two rows of one cask.
Adjusted ICC :math:`\sum\sigma_l^2/(\sum\sigma_l^2 + \sigma_d^2)`, conditional ICC
:math:`\sum\sigma_l^2/(\sigma_f^2 + \sum\sigma_l^2 + \sigma_d^2)`; marginal and conditional
:math:`R^2` likewise; Bayesian :math:`R^2` (Gelman, Goodrich, Gabry & Vehtari 2019, Am.
Stat. 73, 307-309) per draw :math:`\mathrm{Var}_i(\mu_i)/(\mathrm{Var}_i(\mu_i) +
\overline{\mathrm{Var}(y_i\mid\mu_i)})` with the fitted clusters' effects.

Random slopes: :math:`\mathrm{Var}(b_0 + b_1x) = \tau_0^2 + 2\tau_{01}x + \tau_1^2x^2` and
:math:`\mathrm{Cov}(y_{it}, y_{it'}) = \tau_0^2 + (t + t')\tau_{01} + tt'\tau_1^2` (+ the
residual variance when t = t'), minimal at :math:`x^* = -\tau_{01}/\tau_1^2` (fan-in
before, fan-out after; Snijders & Bosker 2012, §5.1; Goldstein 2011, §3.2).

Design effect (Kish 1965; unequal sizes Eldridge, Ashby & Kerry 2006):
:math:`1 + ((CV^2 + 1)\bar m - 1)\,\mathrm{ICC}`, :math:`\bar m` the mean cluster size and
CV the coefficient of variation of the sizes; effective sample size N / Deff.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiermodels.derive.predict import aux_draws, fitted_eta, group_covariances
from hiermodels.derive.summaries import summarize
from hiermodels.derive.tables import fixed_draws
from hiermodels.errors import HiermodelsError


# --------------------------------------------------------------------------- closed forms
def distribution_variance(family, eta_mean=None, var_random=0.0, phi=None):
    """Distribution-specific (latent-scale) variance sigma_d^2 of a GLMM (Nakagawa 2017).

    ``eta_mean`` and ``var_random`` (total group-level variance) enter only for log links.
    Families scaled to the response (Gaussian) need the residual variance directly
    (returns None). The formula is the family's :meth:`~hiermodels.families.base.Family.latent_variance`.
    """
    if family.gaussian_scale:
        return None
    return family.latent_variance(eta_mean, var_random, {"phi": phi})


def icc_from_variances(group_vars, residual_var, fixed_var=0.0) -> dict:
    """Adjusted and conditional ICC and the VPC of each level from component variances.

    Parameters
    ----------
    group_vars : dict name -> variance (arrays broadcast)
    residual_var : the distribution-specific variance sigma_d^2
    fixed_var : sigma_f^2 (for the conditional ICC)
    """
    total_random = sum(np.asarray(v, float) for v in group_vars.values())
    denom = total_random + residual_var
    out = {f"VPC({k})": np.asarray(v, float) / denom for k, v in group_vars.items()}
    out["adjusted"] = total_random / denom
    out["conditional"] = total_random / (denom + fixed_var)
    return out


def design_effect_formula(icc, m, cv=0.0):
    """Deff = 1 + ((cv^2 + 1) m - 1) icc (Eldridge et al. 2006; cv = 0 gives Kish's)."""
    return 1 + ((np.asarray(cv) ** 2 + 1) * np.asarray(m) - 1) * np.asarray(icc)


def slope_variance(tau0, tau1, cor, x):
    """Var(b0 + b1 x) = tau0^2 + 2 cor tau0 tau1 x + tau1^2 x^2."""
    return tau0**2 + 2 * cor * tau0 * tau1 * x + tau1**2 * x**2


def slope_covariance(tau0, tau1, cor, t, t2):
    """Cov(b0 + b1 t, b0 + b1 t') = tau0^2 + (t + t') tau01 + t t' tau1^2."""
    return tau0**2 + (t + t2) * cor * tau0 * tau1 + t * t2 * tau1**2


# --------------------------------------------------------------------------- components
def _flat(post, name):
    return post[name].values.reshape(post.sizes["chain"] * post.sizes["draw"], -1)


def component_draws(fit) -> dict:
    """Per draw: ``fixed``, each factor's mean z'Gz, and ``residual`` (sigma_d^2)."""
    d, fam, post = fit.design, fit.family, fit.posterior
    fx = fixed_draws(post, d)
    D = post.sizes["chain"] * post.sizes["draw"]
    beta = (
        np.column_stack([fx[n].reshape(-1) for n in d.fixed_names])
        if d.fixed_names
        else np.zeros((D, 0))
    )
    S = np.atleast_2d(np.cov(d.X, rowvar=False, bias=True)) if d.X.shape[1] else np.zeros((0, 0))
    out = {"fixed": np.einsum("dp,pq,dq->d", beta, S, beta)}
    covs = group_covariances(post, d)
    for g in d.groups:
        M = g.Z.T @ g.Z / d.n
        out[g.name] = np.einsum("dqr,rq->d", covs[g.name], M)
    total = sum(out[g.name] for g in d.groups) if d.groups else np.zeros(D)
    aux = {a: post[a].values.reshape(-1) for a in fam.aux}
    if fam.gaussian_scale:
        out["residual"] = fam.latent_variance(None, total, aux)
    else:
        eta_bar = beta @ d.X.mean(axis=0) + (0.0 if d.offset is None else d.offset.mean())
        out["residual"] = fam.latent_variance(eta_bar, total, aux) * np.ones(D)
    return out


def _scale_note(fam) -> str:
    if fam.gaussian_scale:
        return "observation scale"
    return f"latent (link) scale; distribution-specific variance {fam.latent_variance_text()}"


def conditioning_note(fit) -> str:
    """What the variance shares condition on (stated in ``attrs["conditioning"]``)."""
    st = getattr(fit.model, "residual", None)
    if st is None:
        return "residuals independent given the group effects"
    by = f" (the first level of {st.sigma_by}; levels differ)" if st.sigma_by else ""
    return (
        f"residual variance = sigma^2{by}; the residual structure {st.spec.text} adds "
        "within-unit correlation that is not a variance component: see fit.within_covariance()"
    )


def _draws(x, fit):
    post = fit.posterior
    return np.asarray(x).reshape(post.sizes["chain"], post.sizes["draw"])


def variance_decomposition(fit, prob=None, include_fixed: bool = False) -> pd.DataFrame:
    """Share of each variance component (VPC): every grouping factor and the residual.

    Returns
    -------
    DataFrame
        Index: factor names, ``residual`` (and ``fixed`` first with ``include_fixed``);
        columns ``variance`` (posterior mean of the component) and ``mean, sd, lower,
        upper`` of its share (fractions summing to 1 per draw). ``attrs["scale"]`` says
        which scale (latent for GLMMs).
    """
    comp = component_draws(fit)
    names = [g.name for g in fit.design.groups] + ["residual"]
    if include_fixed:
        names = ["fixed", *names]
    total = sum(comp[k] for k in names)
    tab = summarize({k: _draws(comp[k] / total, fit) for k in names}, prob, diagnostics=False)
    tab.insert(0, "variance", [float(np.mean(comp[k])) for k in names])
    tab.index.name = "component"
    tab.attrs["scale"] = _scale_note(fit.family)
    tab.attrs["conditioning"] = conditioning_note(fit)
    return tab


def _ancestors(design, g) -> list:
    out, cur = [g], g
    while cur.parent is not None:
        cur = next(h for h in design.groups if h.name == cur.parent)
        out.append(cur)
    return out


def icc_draws(fit) -> dict:
    """Per draw: ``ICC(<factor>)`` (rows sharing the level and its parents), adjusted, conditional."""
    comp = component_draws(fit)
    d = fit.design
    gv = {g.name: comp[g.name] for g in d.groups}
    base = icc_from_variances(gv, comp["residual"], comp["fixed"])
    denom = sum(gv.values()) + comp["residual"]
    out = {}
    for g in d.groups:
        out[f"ICC({g.name})"] = sum(comp[h.name] for h in _ancestors(d, g)) / denom
    out["ICC adjusted"] = base["adjusted"]
    out["ICC conditional"] = base["conditional"]
    return out


def icc(fit, prob=None) -> pd.DataFrame:
    """Intraclass correlations (fractions): per factor, adjusted and conditional.

    ``ICC(f)`` is the correlation of two rows that share a level of ``f`` (for nested
    factors also its parents; with one factor it equals the adjusted ICC). Random slopes
    enter through their row-averaged variance (Johnson 2014). GLMMs: latent scale.
    """
    tab = summarize({k: _draws(v, fit) for k, v in icc_draws(fit).items()}, prob, diagnostics=False)
    tab.attrs["scale"] = _scale_note(fit.family)
    tab.attrs["conditioning"] = conditioning_note(fit)
    return tab


def bayes_r2_draws(fit, max_draws: int = 2000) -> np.ndarray:
    """Gelman et al. (2019) R^2 per draw, conditional on the fitted clusters' effects."""
    d, fam = fit.design, fit.family
    eta, idx = fitted_eta(fit, max_draws)
    aux = aux_draws(fit, idx)
    mu = fam.mean(eta, d.trials, aux)
    var_fit = mu.var(axis=1)
    var_res = np.broadcast_to(fam.variance(eta, aux, d.trials), mu.shape).mean(axis=1)
    return var_fit / (var_fit + var_res)


def r2(fit, prob=None) -> pd.DataFrame:
    """Marginal and conditional R^2 (Nakagawa) and Bayesian R^2 (Gelman et al. 2019)."""
    comp = component_draws(fit)
    rand = sum((comp[g.name] for g in fit.design.groups), np.zeros_like(comp["fixed"]))
    total = comp["fixed"] + rand + comp["residual"]
    draws = {
        "marginal": _draws(comp["fixed"] / total, fit),
        "conditional": _draws((comp["fixed"] + rand) / total, fit),
    }
    tab = summarize(draws, prob, diagnostics=False)
    bayes = summarize({"bayes": bayes_r2_draws(fit)}, prob, diagnostics=False)
    tab = pd.concat([tab, bayes])
    tab.attrs["scale"] = (
        _scale_note(fit.family) + " (marginal, conditional); response scale (bayes)"
    )
    return tab


def design_effect(fit, prob=None) -> pd.DataFrame:
    """Design effect and effective sample size per grouping factor (ICC as in :func:`icc`).

    Returns
    -------
    DataFrame
        Index (factor, quantity) with quantity ``icc``, ``design_effect``,
        ``se_inflation`` (sqrt(Deff): how many times an analysis that ignores the factor
        understates the standard error of a cluster-level quantity), ``effective_n``;
        columns ``mean, sd, lower, upper`` and the cluster-size summaries ``m`` (mean
        size) and ``cv`` (coefficient of variation of the sizes). The naive vs
        multilevel SE of every fixed effect: :func:`hiermodels.derive.design_effect.se_comparison`.
    """
    d = fit.design
    iccs = icc_draws(fit)
    rows, extra = {}, {}
    for g in d.groups:
        sizes = g.counts()
        m = float(sizes.mean())
        cv = float(sizes.std(ddof=1) / m) if len(sizes) > 1 else 0.0
        rho = iccs[f"ICC({g.name})"]
        deff = design_effect_formula(rho, m, cv)
        quantities = (
            ("icc", rho),
            ("design_effect", deff),
            ("se_inflation", np.sqrt(deff)),
            ("effective_n", d.n / deff),
        )
        for q, v in quantities:
            rows[(g.name, q)] = _draws(v, fit)
            extra[(g.name, q)] = (m, cv)
    tab = summarize(rows, prob, diagnostics=False)
    tab.index = pd.MultiIndex.from_tuples(tab.index, names=["factor", "quantity"])
    tab["m"] = [extra[k][0] for k in tab.index]
    tab["cv"] = [extra[k][1] for k in tab.index]
    return tab


# --------------------------------------------------------------------------- random slopes
def _slope_parts(fit, group, term):
    d = fit.design
    g = d.group(group)
    if "Intercept" not in g.terms or g.q < 2:
        raise HiermodelsError(
            f"{g.name!r} has no random intercept and slope; the variance function needs "
            f"a term like (x | {g.name})."
        )
    slopes = [t for t in g.terms if t != "Intercept"]
    term = slopes[0] if term is None else term
    if term not in slopes:
        raise HiermodelsError(f"{term!r} is not a random slope of {g.name!r}: {slopes}.")
    i0, i1 = g.terms.index("Intercept"), g.terms.index(term)
    G = group_covariances(fit.posterior, d)[g.name]
    resid = component_draws(fit)["residual"]
    return g, term, G[:, i0, i0], G[:, i1, i1], G[:, i0, i1], resid, g.Z[:, i1]


def variance_function(fit, group: str, term: str | None = None, x=None, prob=None):
    """Between-cluster variance as a function of a random slope's predictor.

    Returns
    -------
    DataFrame
        Index ``x``; ``mean, sd, lower, upper`` of tau0^2 + 2 tau01 x + tau1^2 x^2 and
        ``icc_mean, icc_lower, icc_upper`` of its share V(x) / (V(x) + sigma_d^2).
        ``attrs``: ``vertex`` (posterior mean of x* = -tau01/tau1^2, where the spread
        is smallest), ``pattern`` (fan-out / fan-in / fan-in then fan-out over the data),
        ``x_range``.
    """
    g, term, v0, v1, c01, resid, z = _slope_parts(fit, group, term)
    xs = np.linspace(z.min(), z.max(), 41) if x is None else np.asarray(x, float)
    V = v0[:, None] + 2 * c01[:, None] * xs + v1[:, None] * xs**2
    tab = summarize({float(xx): _draws(V[:, k], fit) for k, xx in enumerate(xs)}, prob, False)
    share = summarize(
        {float(xx): _draws(V[:, k] / (V[:, k] + resid), fit) for k, xx in enumerate(xs)},
        prob,
        False,
    )
    tab["icc_mean"], tab["icc_lower"], tab["icc_upper"] = (
        share["mean"],
        share["lower"],
        share["upper"],
    )
    tab.index.name = term
    vertex = float(np.mean(-c01 / np.maximum(v1, 1e-300)))
    lo, hi = float(z.min()), float(z.max())
    if vertex <= lo:
        pattern = "fan-out (spread grows with x over the data)"
    elif vertex >= hi:
        pattern = "fan-in (spread shrinks with x over the data)"
    else:
        pattern = "fan-in then fan-out (smallest spread inside the data)"
    tab.attrs.update(group=g.name, term=term, vertex=vertex, pattern=pattern, x_range=(lo, hi))
    tab.attrs["scale"] = _scale_note(fit.family)
    return tab


def within_covariance(fit, group: str, x=None, term: str | None = None, prob=None):
    """Covariance and correlation of two rows of one cluster at predictor values t, t'.

    Cov = tau0^2 + (t + t') tau01 + t t' tau1^2, plus sigma_d^2 when t = t'.

    Returns
    -------
    DataFrame
        Index (t, t'); ``mean, sd, lower, upper`` of the covariance and ``cor_mean,
        cor_lower, cor_upper``.
    """
    g, term, v0, v1, c01, resid, z = _slope_parts(fit, group, term)
    if x is None:
        u = np.unique(z)
        x = u if len(u) <= 10 else np.quantile(z, np.linspace(0, 1, 6))
    x = np.asarray(x, float)
    tau0, tau1 = np.sqrt(v0), np.sqrt(v1)
    cor = c01 / np.maximum(tau0 * tau1, 1e-300)
    cov, corr = {}, {}
    for a in x:
        for b in x:
            c = slope_covariance(tau0, tau1, cor, a, b) + (resid if a == b else 0.0)
            va = slope_variance(tau0, tau1, cor, a) + resid
            vb = slope_variance(tau0, tau1, cor, b) + resid
            cov[(float(a), float(b))] = _draws(c, fit)
            corr[(float(a), float(b))] = _draws(c / np.sqrt(va * vb), fit)
    tab = summarize(cov, prob, diagnostics=False)
    cs = summarize(corr, prob, diagnostics=False)
    tab["cor_mean"], tab["cor_lower"], tab["cor_upper"] = cs["mean"], cs["lower"], cs["upper"]
    tab.index = pd.MultiIndex.from_tuples(tab.index, names=["t", "t2"])
    tab.attrs.update(group=g.name, term=term, scale=_scale_note(fit.family))
    return tab
