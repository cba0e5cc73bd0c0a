r"""Funnel plots for institutional comparisons (Spiegelhalter 2005) with shrunken estimates.

Plot each unit's observed rate :math:`y_j / n_j` against its size :math:`n_j`, with the
target :math:`p_0` (the overall rate) and control limits that narrow as :math:`n` grows.
A unit outside the limits is "divergent" at that level; a unit inside is not
distinguishable from the target. For binomial data the exact limits interpolate the
binomial quantile (Spiegelhalter 2005, Stat. Med. 24, 1185-1202, appendix A.1.1): with
:math:`r_p` the smallest integer such that :math:`F(r_p) \ge p`,
:math:`F` the Binomial(:math:`n, p_0`) CDF,

.. math:: \alpha = \frac{F(r_p) - p}{F(r_p) - F(r_p - 1)}, \qquad
          \text{limit}_p(n) = (r_p - \alpha) / n,

clipped to [0, 1], which tends to :math:`p_0 \pm z_p \sqrt{p_0(1 - p_0)/n}` for large :math:`n`. For
Gaussian data the limits are :math:`\bar y \pm z_p\, \hat\sigma / \sqrt{n}`
(:math:`\hat\sigma` the pooled within-unit SD). Beside each observed rate the funnel
shows the unit's shrunken (multilevel posterior mean) rate: small units move toward
the target, and fewer of them fall outside the funnel by chance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from hiermodels.errors import HiermodelsError


def binomial_limit(n, p0: float, p: float) -> np.ndarray:
    """Spiegelhalter's interpolated exact binomial quantile of the proportion, per n."""
    n = np.atleast_1d(np.asarray(n, float))
    if not 0 < p0 < 1:
        raise HiermodelsError(f"The target proportion p0 must be in (0, 1), got {p0!r}.")
    r = stats.binom.ppf(p, n, p0)
    F_r = stats.binom.cdf(r, n, p0)
    F_r1 = stats.binom.cdf(r - 1, n, p0)
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = np.where(F_r > F_r1, (F_r - p) / (F_r - F_r1), 0.0)
    return np.clip((r - alpha) / n, 0.0, 1.0)


def normal_limit(n, target: float, sd: float, p: float) -> np.ndarray:
    """target + z_p sd / sqrt(n)."""
    n = np.atleast_1d(np.asarray(n, float))
    return target + stats.norm.ppf(p) * sd / np.sqrt(n)


def funnel_data(fit, group: str, levels=(0.95, 0.998), n_grid: int = 200):
    """Observed and shrunken rates per unit, and funnel control limits over the size.

    Parameters
    ----------
    fit : hiermodels.Fit
        A binomial, Bernoulli or Gaussian fit with a random intercept on ``group``.
    group : str
    levels : tuple of float
        Two-sided coverage of each pair of limits (0.95 ~ 2 SD, 0.998 ~ 3 SD).

    Returns
    -------
    (units, limits) : tuple of DataFrame
        ``units``: index the levels; columns ``n`` (trials or rows), ``observed`` (y/n or
        the mean), ``shrunken`` (posterior mean of the unit's fitted mean, response
        scale), ``outside_<level>`` ("high", "low" or ""; observed rate outside the limits)
        and ``shrunken_outside_<level>``. ``limits``: index ``n`` (a grid from the
        smallest to the largest unit), columns ``lower_<level>``, ``upper_<level>``;
        ``attrs["target"]``.
    """
    fam, d = fit.family, fit.design
    g = d.group(group)
    if fam.name not in ("binomial", "bernoulli", "gaussian"):
        raise HiermodelsError(
            f"funnel_data() handles binomial, Bernoulli and Gaussian fits; this one is "
            f"{fam.name}. For counts, compare rates with fit.rank('{g.name}')."
        )
    codes, J = g.codes, g.n_levels
    trials = d.trials if (fam.needs_trials and d.trials is not None) else np.ones(d.n)
    n = np.bincount(codes, trials, J)
    ysum = np.bincount(codes, d.y, J)
    observed = ysum / n
    target = float(ysum.sum() / n.sum())
    mu = fit.predict(groups="fitted", max_draws=1000).draws  # (draws, rows), mean scale
    shrunk = np.bincount(codes, mu.mean(axis=0) * trials, J) / n
    units = pd.DataFrame(
        {"n": n, "observed": observed, "shrunken": shrunk}, index=pd.Index(g.levels, name=g.name)
    )
    grid = np.unique(np.round(np.geomspace(max(n.min(), 1), n.max(), n_grid)))
    limits = pd.DataFrame(index=pd.Index(grid, name="n"))
    if fam.name == "gaussian":
        resid = d.y - np.bincount(codes, d.y, J)[codes] / np.bincount(codes, None, J)[codes]
        sd = float(np.sqrt(np.sum(resid**2) / (d.n - J)))
    for lev in levels:
        lo_p, hi_p = (1 - lev) / 2, 1 - (1 - lev) / 2
        if fam.name == "gaussian":
            lo_f = lambda m, q=lo_p: normal_limit(m, target, sd, q)  # noqa: E731
            hi_f = lambda m, q=hi_p: normal_limit(m, target, sd, q)  # noqa: E731
        else:
            lo_f = lambda m, q=lo_p: binomial_limit(np.round(m), target, q)  # noqa: E731
            hi_f = lambda m, q=hi_p: binomial_limit(np.round(m), target, q)  # noqa: E731
        limits[f"lower_{lev:g}"] = lo_f(grid)
        limits[f"upper_{lev:g}"] = hi_f(grid)
        lo_u, hi_u = lo_f(n), hi_f(n)
        for col, val in (("observed", observed), ("shrunken", shrunk)):
            name = f"outside_{lev:g}" if col == "observed" else f"shrunken_outside_{lev:g}"
            units[name] = np.where(val > hi_u, "high", np.where(val < lo_u, "low", ""))
    limits.attrs.update(target=target, group=g.name, levels=tuple(levels), family=fam.name)
    units.attrs.update(target=target, group=g.name)
    return units, limits
