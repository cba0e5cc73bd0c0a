r"""Hypothesis tests on any posterior quantity, in the manner of brms ``hypothesis()``.

A hypothesis compares an expression of parameters with another, e.g. ``"Days > 5"``,
``"Intercept + period[2] = 0"``, ``"sd(Subject, Days) < 10"`` or
``"r_Subject[308, Days] > 0"``; names are those of :mod:`hiermodels.derive.draws` (fixed
effects by term, VarCorr names, group effects ``r_<factor>[level, term]``) or the
posterior variable names (``b[Days]``, ``sd_Subject[Days]``). The text goes through the
safe parser :mod:`hiermodels.derive.expression` — nothing is ever ``eval``-ed.

For each draw :math:`s` the difference :math:`\delta_s = \mathrm{lhs}_s - \mathrm{rhs}_s`
is computed; the table reports its posterior mean, sd and interval, and

* one-sided (``>``, ``>=``, ``<``, ``<=``): the posterior probability
  :math:`P = \frac1S\sum_s 1[\delta_s > 0]` (or :math:`< 0`) and the evidence ratio
  :math:`P/(1-P)` (infinite when every draw agrees);
* point (``=``): the **Savage-Dickey density ratio** (Dickey 1971; Wagenmakers et al.
  2010, Cogn. Psychol. 60, 158-189) :math:`BF_{01} = p(\delta = 0 \mid y) / p(\delta = 0)`,
  valid because every hiermodels prior is proper. The posterior density at 0 is a
  Gaussian kernel density estimate of the draws (Scott's bandwidth; reflected at the
  point when all draws lie on one side of it, e.g. an SD at 0). The prior density is
  exact where it has a closed form — a linear combination of fixed effects with normal
  priors (normal; the intercept prior is stated for centred predictors, so
  :math:`\beta_0 = \alpha - \bar x'\beta` enters with its covariance), or one parameter
  with a scalar prior — and otherwise a kernel density estimate of draws from the
  model's priors. ``post_prob`` is then :math:`BF_{01}/(1+BF_{01})`, the posterior
  probability of the point null under prior odds 1. The column ``method`` says which.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import HiermodelsError
from ..model import names
from ..spec.formula import suggest
from .draws import parameter_draws
from .expression import evaluate, parse_hypothesis
from .summaries import summarize

#: draws from the priors for a prior density by KDE
PRIOR_DRAWS = 20_000


def _norm(label: str) -> str:
    return "".join(str(label).split())


def name_resolver(draws: dict, design) -> dict:
    """Normalised name -> documented name, with the posterior-variable aliases."""
    out = {_norm(k): k for k in draws}
    for n in design.fixed_names:
        if n != "Intercept":
            out[_norm(f"b[{n}]")] = n
    for g in design.groups:
        for t in g.terms:
            out[_norm(f"{names.sd(g)}[{t}]")] = names.sd_label(g.name, t)
            if g.q == 1:
                out[_norm(f"sd({g.name})")] = names.sd_label(g.name, t)
        for a in g.terms:
            for b in g.terms:
                key = names.cor_label(g.name, a, b)
                if key in draws:
                    for alias in (names.cor_label(g.name, b, a), f"{names.cor(g)}[{a}, {b}]",
                                  f"{names.cor(g)}[{b}, {a}]"):  # fmt: skip
                        out[_norm(alias)] = key
        if g.q == 1:
            for lev in g.levels:
                out[_norm(f"{names.effects(g)}[{lev}]")] = (
                    f"{names.effects(g)}[{lev}, {g.terms[0]}]"
                )
    return out


def _lookup(draws: dict, resolver: dict, design):
    def get(name: str):
        key = resolver.get(_norm(name))
        if key is None:
            known = [k for k in draws if not k.startswith("r_")]
            example = next((k for k in draws if k.startswith("r_")), None)
            raise HiermodelsError(
                f"Unknown parameter {name!r} in the hypothesis. Names: {known}"
                + (f" and group effects such as {example!r}" if example else "")
                + f".{suggest(name, list(draws))} Quote names with ':' in backticks."
            )
        return np.asarray(draws[key], dtype=float).reshape(-1)

    return get


def _kde_at(x: np.ndarray, point: float, reflect: bool) -> tuple[float, str]:
    """Gaussian KDE of ``x`` at ``point``; reflected there when it bounds the support."""
    from scipy import stats

    x = x[np.isfinite(x)]
    if x.size < 10 or np.ptp(x) == 0:
        return np.nan, "too few distinct draws"
    if x.size > 8000:
        x = np.sort(x)[np.linspace(0, x.size - 1, 8000).astype(int)]
    if reflect:
        return float(2 * stats.gaussian_kde(np.r_[x, 2 * point - x])(point)[0]), "reflected KDE"
    return float(stats.gaussian_kde(x)(point)[0]), "KDE"


def _linear(h, names: list[str], resolver: dict):
    """(c0, c) if lhs - rhs is c0 + sum_k c_k theta_k in ``names``, else None."""

    def f(vals):
        def look(n):
            return vals[names.index(resolver[_norm(n)])]

        with np.errstate(all="ignore"):
            return float(evaluate(h.lhs, look) - evaluate(h.rhs, look))

    k = len(names)
    c0 = f(np.zeros(k))
    c = np.array([f(np.eye(k)[i]) - c0 for i in range(k)])
    rng = np.random.default_rng(0)
    for _ in range(3):
        v = rng.normal(size=k)
        if not np.isclose(f(v), c0 + c @ v, rtol=1e-9, atol=1e-9):
            return None
    return c0, c


def _prior_density_closed(model, h, resolver) -> tuple[float, str, bool] | None:
    """Exact prior density of lhs - rhs at 0 (and whether 0 bounds its support), or None."""
    from scipy import stats

    pri, design = model._priors, model.design
    names = sorted({resolver[_norm(n)] for n in h.names()})
    lin = _linear(h, names, resolver)
    if lin is None:
        return None
    c0, c = lin
    fixed = design.fixed_names
    if all(n in fixed for n in names):
        slopes = [n for n in fixed if n != "Intercept"]
        priors = ([pri.intercept] if design.has_intercept else []) + [pri.b[n] for n in slopes]
        if all(p is not None and p.dist == "Normal" for p in priors):
            m = np.array([p.params["mu"] for p in priors])
            s2 = np.array([p.params["sigma"] ** 2 for p in priors])
            A = np.eye(len(priors))
            if design.has_intercept:
                A[0, 1:] = -np.asarray(pri.xbar)  # beta_0 = alpha - xbar' b
            coef = np.array([c[names.index(n)] if n in names else 0.0 for n in fixed])
            mean, var = c0 + coef @ A @ m, coef @ A @ np.diag(s2) @ A.T @ coef
            return float(stats.norm.pdf(0.0, mean, np.sqrt(var))), "normal (exact)", False
    if len(names) == 1 and c[0] != 0:
        prior = _scalar_prior(model, names[0])
        if prior is not None:
            x = -c0 / c[0]
            boundary = prior.support == "positive" and abs(x) < 1e-12
            return float(np.exp(prior.logpdf(x)) / abs(c[0])), f"{prior} (exact)", boundary
    return None


def _scalar_prior(model, name: str):
    pri, design = model._priors, model.design
    if name == "Intercept" and not np.any(pri.xbar):
        return pri.intercept
    if name in pri.b:
        return pri.b[name]
    if name in pri.aux:
        return pri.aux[name]
    for g in design.groups:
        for t in g.terms:
            if name == names.sd_label(g.name, t):
                return pri.sd[g.name][t]
    return None


def prior_parameter_draws(model, n: int, seed=0) -> dict:
    """Draws of every scalar parameter from the model's priors, by documented name."""
    import xarray as xr

    from .checks import _prior_draws

    d = model.design
    par = _prior_draws(model, int(n), np.random.default_rng(seed))
    coords = {"chain": [0], "draw": np.arange(n), **names.coords_of(d)}
    coords.pop(names.OBS_DIM)
    dims = {names.SLOPES: [names.COEF_DIM]}
    for g in d.groups:
        dims.update(names.factor_dims(g))
    ds = xr.Dataset(
        {k: (("chain", "draw", *dims.get(k, [])), v[None]) for k, v in par.items()},
        coords=coords,
    )
    return parameter_draws(ds, d, model.family)


def hypothesis(fit, hypotheses, prob=None, seed=0) -> pd.DataFrame:
    """Test one or more hypotheses on the posterior.

    Parameters
    ----------
    fit : hiermodels.Fit
    hypotheses : str or list of str
        e.g. ``"Days > 5"``, ``"Intercept + period[2] = 0"``, ``"sd(Subject, Days) > 5"``.
    prob : float, optional
        Interval probability (default: the package option).
    seed : int
        Seed of the prior draws (only when a prior density needs them).

    Returns
    -------
    DataFrame
        Index: the hypotheses; columns ``mean, sd, lower, upper`` (of lhs - rhs),
        ``post_prob``, ``evid_ratio``, ``method``.

    Raises
    ------
    HiermodelsError
        For unsafe or malformed text, or an unknown parameter name.
    """
    texts = [hypotheses] if isinstance(hypotheses, str) else list(hypotheses)
    design = fit.design
    has_r = any("r_" in t for t in texts)
    draws = parameter_draws(fit.posterior, design, fit.family, group_effects=has_r)
    resolver = name_resolver(draws, design)
    get = _lookup(draws, resolver, design)
    prior = None
    rows, deltas = [], {}
    for text in texts:
        h = parse_hypothesis(text)
        delta = evaluate(h.lhs, get) - evaluate(h.rhs, get)
        delta = np.broadcast_to(
            delta, (fit.posterior.sizes["chain"] * fit.posterior.sizes["draw"],)
        )
        deltas[h.text] = delta
        if h.op in (">", ">="):
            p, method = float(np.mean(delta > 0)), "share of draws"
        elif h.op in ("<", "<="):
            p, method = float(np.mean(delta < 0)), "share of draws"
        else:
            closed = _prior_density_closed(fit.model, h, resolver)
            if closed is None:
                if prior is None:
                    prior = prior_parameter_draws(fit.model, PRIOR_DRAWS, seed)
                pget = _lookup(prior, name_resolver(prior, design), design)
                pd_ = np.broadcast_to(evaluate(h.lhs, pget) - evaluate(h.rhs, pget), (PRIOR_DRAWS,))
                boundary = bool(np.all(pd_ >= 0) or np.all(pd_ <= 0))
                prior_d, prior_how = _kde_at(pd_, 0.0, boundary)
                prior_how = f"{prior_how} of {PRIOR_DRAWS} prior draws"
            else:
                prior_d, prior_how, boundary = closed
            post_d, post_how = _kde_at(delta, 0.0, boundary)
            bf = post_d / prior_d if prior_d > 0 else np.inf
            p = bf / (1 + bf) if np.isfinite(bf) else 1.0
            rows.append(
                (
                    h.text,
                    p,
                    bf,
                    f"Savage-Dickey: posterior density {post_how}; prior density {prior_how}",
                )
            )
            continue
        ratio = p / (1 - p) if p < 1 else np.inf
        rows.append((h.text, p, ratio, method))
    tab = summarize(deltas, prob, diagnostics=False)
    tab["post_prob"] = [r[1] for r in rows]
    tab["evid_ratio"] = [r[2] for r in rows]
    tab["method"] = [r[3] for r in rows]
    tab.index.name = "hypothesis"
    return tab
