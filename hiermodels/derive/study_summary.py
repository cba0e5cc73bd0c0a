r"""Operating characteristics of a study: the per-fit rows summarised per cell, method, parameter.

For :math:`R` successful fits of one cell with true value :math:`\theta`, estimates
:math:`\hat\theta_r` and intervals :math:`[l_r, u_r]`:

* ``bias`` :math:`= \bar{\hat\theta} - \theta`, ``mcse_bias`` :math:`= s_{\hat\theta}/\sqrt R`;
* ``rmse`` :math:`= \sqrt{R^{-1}\sum_r (\hat\theta_r - \theta)^2}`;
* ``coverage`` :math:`= R^{-1}\sum_r 1[l_r \le \theta \le u_r]`;
* ``width`` :math:`= R^{-1}\sum_r (u_r - l_r)`;
* ``power`` :math:`= R^{-1}\sum_r 1[0 \notin [l_r, u_r]]` (the rejection rate of
  :math:`\theta = 0`: the type-I error when :math:`\theta = 0`);
* ``power_prob`` :math:`= R^{-1}\sum_r 1[P(\theta > 0 \mid y_r) > c]` (Bayesian fits,
  directional, :math:`c` = the study's ``threshold``);
* ``boundary``: share of REML fits with a variance at zero (singular fit);
  ``divergent``: share of Bayesian fits with divergent transitions; ``warned``: share of
  fits that raised a hiermodels warning other than low ESS (Bayes) or a statsmodels
  convergence warning (REML).

Every share :math:`p` comes with its Monte Carlo SE :math:`\sqrt{p(1-p)/R}` (Morris, White
& Crowther 2019, *Stat. Med.* 38, 2074-2102, Table 6).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Columns of one per-fit row of a study (hiermodels.studies.fits.run_batch).
ROW_COLUMNS = [
    "cell",
    "rep",
    "method",
    "parameter",
    "true",
    "estimate",
    "lower",
    "upper",
    "p_gt0",
    "boundary",
    "divergences",
    "max_rhat",
    "min_ess",
    "warnings",
    "error",
    "seconds",
]


def _share(x) -> tuple[float, float]:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return np.nan, np.nan
    p = float(x.mean())
    return p, float(np.sqrt(p * (1 - p) / len(x)))


def summarise(
    fits: pd.DataFrame, threshold: float = 0.975, by: list[str] | None = None
) -> pd.DataFrame:
    """Tidy operating characteristics, one row per (cell, method, parameter).

    Parameters
    ----------
    fits : DataFrame
        Rows of :func:`hiermodels.studies.fits.run_batch`.
    threshold : float
        Posterior probability above which a Bayesian fit counts in ``power_prob``.
    by : list of str, optional
        Grid columns to carry (default: every column after the per-fit ones).
    """
    by = [c for c in fits.columns if c not in ROW_COLUMNS] if by is None else list(by)
    rows = []
    keys = ["cell", *by, "method", "parameter"]
    for key, grp in fits.groupby(keys, sort=False, dropna=False):
        ok = grp[grp["error"] == ""]
        est, true = ok["estimate"].to_numpy(float), ok["true"].to_numpy(float)
        lo, hi = ok["lower"].to_numpy(float), ok["upper"].to_numpy(float)
        have = np.isfinite(est)
        err = est[have] - true[have]
        R = int(have.sum())
        has_int = np.isfinite(lo) & np.isfinite(hi)
        cover = np.where(has_int, (lo <= true) & (true <= hi), np.nan)
        excl = np.where(has_int, (lo > 0) | (hi < 0), np.nan)
        pprob = np.where(np.isfinite(ok["p_gt0"]), ok["p_gt0"] > threshold, np.nan)
        row = dict(zip(keys, key, strict=True))
        cov, cov_se = _share(cover)
        # zero is the boundary of an SD, sigma or phi: "excludes 0" tests nothing there
        testable = not str(row["parameter"]).startswith("sd(") and row["parameter"] not in (
            "sigma",
            "phi",
        )
        pw, pw_se = _share(excl) if testable else (np.nan, np.nan)
        pp, pp_se = _share(pprob) if testable else (np.nan, np.nan)
        bnd, bnd_se = (
            _share(ok["boundary"]) if grp["method"].iloc[0] == "reml" else (np.nan, np.nan)
        )
        row.update(
            n_fits=R,
            errors=int((grp["error"] != "").sum()),
            true=float(np.mean(true)) if len(true) else np.nan,
            mean=float(est[have].mean()) if R else np.nan,
            bias=float(err.mean()) if R else np.nan,
            mcse_bias=float(err.std(ddof=1) / np.sqrt(R)) if R > 1 else np.nan,
            rmse=float(np.sqrt(np.mean(err**2))) if R else np.nan,
            coverage=cov,
            mcse_coverage=cov_se,
            width=float(np.mean((hi - lo)[has_int])) if has_int.any() else np.nan,
            power=pw,
            mcse_power=pw_se,
            power_prob=pp,
            mcse_power_prob=pp_se,
            boundary=bnd,
            mcse_boundary=bnd_se,
            divergent=float(np.mean(ok["divergences"] > 0)) if len(ok) else np.nan,
            warned=float(np.mean(ok["warnings"] > 0)) if len(ok) else np.nan,
        )
        rows.append(row)
    return pd.DataFrame(rows)


def assurance(
    fits: pd.DataFrame, parameter: str, width: float, method: str = "bayes"
) -> pd.DataFrame:
    r"""Precision assurance: per cell, the share of fits whose interval for ``parameter``
    is narrower than ``width`` (Kunzmann et al. 2021, *Am. Stat.* 75, 186-198, §3).

    "How many clusters until the 95 % interval for the slope is narrower than 0.5 with
    80 % probability?" is the smallest ``clusters`` whose ``assurance`` is >= 0.8.

    Returns
    -------
    DataFrame
        One row per cell: the grid columns, ``n_fits``, ``assurance`` and its Monte Carlo SE.
    """
    sel = fits[
        (fits["parameter"] == parameter) & (fits["method"] == method) & (fits["error"] == "")
    ]
    by = ["cell", *[c for c in fits.columns if c not in ROW_COLUMNS]]
    rows = []
    for key, grp in sel.groupby(by, sort=False):
        w = (grp["upper"] - grp["lower"]).to_numpy(float)
        p, se = _share(w < width)
        rows.append(
            {**dict(zip(by, key, strict=True)), "n_fits": len(w), "assurance": p, "mcse": se}
        )
    return pd.DataFrame(rows)
