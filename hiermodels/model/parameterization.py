r"""Centred or non-centred, per grouping factor: the data rule behind ``parameterization="auto"``.

A group effect :math:`r_j \sim N(0, \tau^2)` seen through data with Fisher information
:math:`I_j` about level :math:`j`'s linear predictor has conditional posterior variance
:math:`(1/\tau^2 + I_j)^{-1}` and conditional **pooling factor**

.. math::

    \lambda_j = \frac{\tau^2}{\tau^2 + 1/I_j} \in [0, 1),

the share of the level's estimate that comes from its own data (Gelman & Hill 2007, sec.
12.5; the same ratio as MATH.md section 2). Sampling :math:`r_j` directly (**centred**)
is efficient when the likelihood pins each :math:`r_j` down (:math:`\lambda_j \to 1`: the
posterior of :math:`r_j` barely depends on :math:`\tau`); sampling :math:`z_j = r_j/\tau`
(**non-centred**) is efficient when the prior dominates (:math:`\lambda_j \to 0`: the funnel
of :math:`r_j` against :math:`\tau`). Papaspiliopoulos, Roberts & Sköld (2007, Statistical
Science 22, 59-73) show the two convergence rates are :math:`\lambda` and :math:`1 -
\lambda`; Betancourt & Girolami (2015) make the same point for HMC.

The rule (wherever group effects are sampled: every non-Gaussian model, and a Gaussian
one that the collapsed / marginal paths do not cover, e.g. with a ``Uniform`` SD prior;
Gaussian working weight :math:`1/\hat\sigma^2` from the pilot's residual variance, which
includes the between-level variance and so errs toward non-centring):

1. **Pilot fit**: the fixed-effects-only GLM (no group effects) by iteratively reweighted
   least squares, giving each row's mean :math:`\mu_i`, working weight
   :math:`w_i = (\partial\mu_i/\partial\eta_i)^2/\mathrm{Var}(y_i)` (Poisson :math:`\mu_i`,
   binomial logit :math:`n_i\mu_i(1-\mu_i)`, probit :math:`n_i\phi(\eta_i)^2/(\mu_i(1-\mu_i))`
   (cloglog likewise with :math:`\partial\mu/\partial\eta = e^{\eta - e^\eta}`; beta-binomial
   as binomial), gamma its shape, beta :math:`\mu(1-\mu)(1+\phi)` (shape / phi at a marginal
   moment estimate), lognormal the Gaussian weight of :math:`\log y`, cumulative a constant
   1/4 (logit) or 1/2 (probit),
   NB2 :math:`\mu_i/(1+\mu_i/\phi)` with a moment estimate of :math:`\phi`) and score
   :math:`s_i = (y_i - E y_i)\,(\partial\mu_i/\partial\eta_i)/\mathrm{Var}(y_i)`.
2. **Information per level and term**: :math:`I_{ja} = \sum_{i \in j} w_i z_{ia}^2`.
3. **Pilot SD per term**: one Fisher-scoring step per level, :math:`d_{ja} = \sum_{i\in j}
   s_i z_{ia} / I_{ja}`, has :math:`E d_{ja}^2 \approx \tau_a^2 + 1/I_{ja}`, so
   :math:`\hat\tau_a^2 = \max\{0, \mathrm{mean}_j(d_{ja}^2 - 1/I_{ja})\}` (a method-of-moments
   estimate; it is first order, so on a log or logit scale it overstates large SDs, e.g.
   about 0.6 for a true 0.5, and variation from other factors inflates it: both err toward
   centring only where clusters are informative, which is where centring is right).
4. **Decision**: factor :math:`f` is centred when, for every term :math:`a`, the median over
   levels of :math:`\lambda_{ja} = \hat\tau_a^2 I_{ja}/(\hat\tau_a^2 I_{ja} + 1)` exceeds
   0.5 (the data dominate for a typical level), non-centred otherwise.

``parameterization="centered"``, ``"noncentered"`` or ``{factor: ...}`` overrides the rule
(factors missing from the dict follow it). The choice is shown by ``model.describe()`` and
recorded in ``fit.diagnostics()["parameterization"]``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

#: Median pooling factor above which a factor is centred.
THRESHOLD = 0.5
#: ... and above which, at a low plausible SD, a centred term is reparameterised further
#: (hierarchical centring, per-level whitening): the data carry at least twice the prior's
#: weight for a typical level (tau^2 I > 2). See :func:`informative_terms`.
REPARAM_THRESHOLD = 2.0 / 3.0


def choose(design, family, parameterization, collapsed: bool) -> tuple[dict, pd.DataFrame]:
    """Per-factor choice (``"centered"``, ``"noncentered"``, ``"collapsed"``; a string such as
    ``"marginal"`` applies to every factor) and its evidence.

    Parameters
    ----------
    design : hiermodels.data.design.Design
    family : hiermodels.families.Family
    parameterization : {"auto", "centered", "noncentered", "collapsed"} or dict
    collapsed : bool
        Whether the group effects are integrated out (then every factor is ``"collapsed"``).

    Returns
    -------
    choice : dict
        factor name -> parameterisation.
    table : DataFrame
        One row per factor: ``choice``, ``source`` ("rule", "user", ...) and, where the rule
        ran, ``median_pooling`` (the smallest over terms) and ``pilot_sd`` (per term).
    """
    groups = design.groups
    if collapsed:
        return {g.name: "collapsed" for g in groups}, _table(groups, "collapsed", "collapsed")
    if isinstance(parameterization, str) and parameterization != "auto":
        return {g.name: parameterization for g in groups}, _table(groups, parameterization, "user")
    given = parameterization if isinstance(parameterization, dict) else {}
    choice, rows = {}, []
    todo = [g for g in groups if g.name not in given]
    stats = pooling_factors(design, family, todo) if todo else {}
    for g in groups:
        if g.name in given:
            choice[g.name] = given[g.name]
            rows.append({"factor": g.name, "choice": given[g.name], "source": "user"})
        elif g.name in stats:
            lam, tau, _ = stats[g.name]
            choice[g.name] = "centered" if lam > THRESHOLD else "noncentered"
            rows.append(
                {
                    "factor": g.name,
                    "choice": choice[g.name],
                    "source": "rule",
                    "median_pooling": lam,
                    "pilot_sd": tau,
                }
            )
        else:
            choice[g.name] = "noncentered"
            rows.append({"factor": g.name, "choice": "noncentered", "source": "default"})
    return choice, pd.DataFrame(rows).set_index("factor") if rows else pd.DataFrame()


def _table(groups, value, source) -> pd.DataFrame:
    rows = [{"factor": g.name, "choice": value, "source": source} for g in groups]
    return pd.DataFrame(rows).set_index("factor") if rows else pd.DataFrame()


def pooling_factors(design, family, groups, pilot=None) -> dict:
    """factor -> (min over terms of the median pooling factor, pilot SDs per term, median
    pooling factor per term at a low plausible SD). ``pilot``: :func:`working_weights`'s
    result when the caller already has it."""
    w, s = (pilot if pilot is not None else working_weights(design, family))[:2]
    out = {}
    for g in groups:
        lams, taus, lows = [], [], []
        for a in range(g.q):
            z = g.Z[:, a]
            info = np.bincount(g.codes, weights=w * z * z, minlength=g.n_levels)
            score = np.bincount(g.codes, weights=s * z, minlength=g.n_levels)
            ok = info > 0
            if not np.any(ok):
                lams, taus, lows = [*lams, 0.0], [*taus, 0.0], [*lows, 0.0]
                continue
            d = score[ok] / info[ok]
            tau2 = max(0.0, float(np.mean(d * d - 1.0 / info[ok])))
            lam = tau2 * info / (tau2 * info + 1.0)
            lams.append(float(np.median(lam)))
            taus.append(float(np.sqrt(tau2)))
            # at a low plausible SD (two standard errors down): see informative_terms
            se = float(np.sqrt(np.sum(2.0 * (tau2 + 1.0 / info[ok]) ** 2))) / int(ok.sum())
            tau2_lo = max(0.0, tau2 - 2.0 * se)
            lows.append(float(np.median(tau2_lo * info / (tau2_lo * info + 1.0))))
        out[g.name] = (min(lams, default=np.inf), taus, lows)
    return out


def informative_terms(design, family, centred, pilot=None) -> list[np.ndarray]:
    r"""Per factor, which terms are informative **even at a low plausible SD**; all False
    for factors not centred.

    The median pooling factor is evaluated at :math:`\tau_{lo}^2 = \max\{0, \hat\tau^2 -
    2\,\mathrm{se}\}`, :math:`\mathrm{se} = \sqrt{\sum_j 2(\hat\tau^2 + 1/I_j)^2}/J` (the
    variance of :math:`d_j^2` for Gaussian :math:`d_j`), and must exceed
    ``REPARAM_THRESHOLD`` = 2/3 (stricter than the centring rule's 0.5). The
    centred-factor reparameterisations (:mod:`~hiermodels.model.hierarchical_centring`,
    :mod:`~hiermodels.model.level_whitening`) act only on these terms: with few levels the
    posterior of :math:`\tau` reaches toward 0, and there centring the levels' coefficients
    on :math:`\beta` (or whitening them by a pilot that assumed :math:`\hat\tau`) turns the
    funnel into divergences. Measured on a Poisson ``(x | g)``, 10 levels x 40 rows, no
    slope variance but a pilot slope SD of 0.13 (centred by the rule): 17-68 divergences
    per 2 x 600 draws with both, 0-4 with plain deviations (what this gate leaves there).
    sleepstudy forced centred (18 subjects, low-SD pooling 0.52 and 0.55): 2-9 divergences
    per 4 x 500 draws with both (7 gradients per draw), 0 without (17 per draw); the
    models that gain pass easily (verbagg 0.76 and 0.80, epil 0.82, a Poisson ``(x | g)``
    with 1,000 levels 0.97).
    """
    todo = [g for g, c in zip(design.groups, centred, strict=True) if c]
    stats = pooling_factors(design, family, todo, pilot) if todo else {}
    return [
        np.asarray(stats[g.name][2]) > REPARAM_THRESHOLD if c else np.zeros(g.q, dtype=bool)
        for g, c in zip(design.groups, centred, strict=True)
    ]


def working_weights(design, family, iters: int = 30, full: bool = False) -> tuple:
    """Fisher weights ``w_i`` and scores ``s_i`` (w.r.t. eta) at the pilot fixed-effects GLM
    (``full``: also the pilot's linear predictor and NB / gamma / beta precision)."""
    y, n = pilot_response(design, family)
    off = design.offset if design.offset is not None else np.zeros_like(y)
    X = design.X if design.X.shape[1] else np.ones((len(y), 1))
    # start at the family's own starting linear predictor (log-link Fisher scoring from
    # beta = 0 overshoots by mean(y) and then crawls back one unit per step)
    eta0 = np.asarray(family.start_eta(design.y.astype(float), design.trials), dtype=float)
    if family.name == "lognormal":
        eta0 = y.copy()
    beta = np.linalg.lstsq(X, eta0 - off, rcond=None)[0] if np.all(np.isfinite(eta0)) else 0 * X[0]
    phi = np.inf
    lim = np.inf if family.link == "identity" else 30.0  # keep exp / expit finite
    if family.name in ("gamma", "beta"):  # their precision at a marginal moment estimate
        phi = float(next(iter(family.aux_starts(y).values())))
    for _ in range(iters):
        eta = np.clip(X @ beta + off, -lim, lim)
        w, s, _ = weights_scores(family, y, n, eta, phi)
        A = X.T @ (X * w[:, None]) + 1e-8 * np.eye(X.shape[1])
        step = np.linalg.solve(A, X.T @ s)
        beta = beta + step
        if family.name == "negbinomial":
            mu = np.exp(np.clip(X @ beta + off, -lim, lim))
            inv = np.sum((y - mu) ** 2 - mu) / np.sum(mu * mu)
            phi = 1.0 / inv if inv > 0 else np.inf
        if np.max(np.abs(step)) < 1e-8:
            break
    eta = np.clip(X @ beta + off, -lim, lim)
    w, s, _ = weights_scores(family, y, n, eta, phi)
    return (w, s, eta, phi) if full else (w, s)


def pilot_response(design, family) -> tuple[np.ndarray, np.ndarray]:
    """The response and trials the pilot works with (lognormal: log y, a Gaussian model)."""
    y = design.y.astype(float)
    if family.name == "lognormal":
        y = np.log(y)
    return y, design.trials.astype(float) if design.trials is not None else np.ones_like(y)


def weights_scores(family, y, n, eta, phi):
    """Per-row Fisher weight and score w.r.t. eta, and the mean of y."""
    name, link = family.name, family.link
    if name == "gaussian" or link == "identity":  # Student-t etc.: the Gaussian working weight
        r = y - eta
        s2 = max(float(np.var(r)), 1e-12)
        return np.full_like(y, 1.0 / s2), r / s2, eta
    if name == "gamma":  # Var = mu^2 / shape, d mu / d eta = mu: weight shape
        mu = np.exp(eta)
        return np.full_like(y, phi), phi * (y - mu) / mu, mu
    if name == "beta":  # Var = mu (1 - mu) / (1 + phi), d mu / d eta = mu (1 - mu)
        mu = special.expit(eta)
        return mu * (1 - mu) * (1 + phi), (y - mu) * (1 + phi), mu
    if name == "cumulative":  # no intercept to pilot; a latent-logistic row's information
        return np.full_like(y, 0.25 if link == "logit" else 0.5), np.zeros_like(y), eta
    if name in ("bernoulli", "binomial", "beta_binomial"):  # (beta-binomial: errs informative)
        if link == "probit":
            p = np.clip(special.ndtr(eta), 1e-12, 1 - 1e-12)
            dp = np.exp(-0.5 * eta * eta) / np.sqrt(2 * np.pi)
        elif link == "cloglog":  # p = 1 - exp(-e^eta)
            p = np.clip(-np.expm1(-np.exp(eta)), 1e-12, 1 - 1e-12)
            dp = np.exp(eta - np.exp(eta))
        else:
            p = special.expit(eta)
            dp = p * (1 - p)
        pq = np.maximum(p * (1 - p), 1e-300)  # E y = n p, Var y = n p (1 - p)
        return n * dp * dp / pq, (y - n * p) * dp / pq, n * p
    mu = np.exp(eta)
    if name == "negbinomial" and np.isfinite(phi):
        v = mu + mu * mu / phi
        return mu * mu / v, (y - mu) * mu / v, mu
    return mu, y - mu, mu
