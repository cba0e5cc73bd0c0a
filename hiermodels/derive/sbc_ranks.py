r"""Simulation-based calibration statistics: thinned ranks, uniformity tests, ECDF bands.

Pure computations on posterior draws and rank tables (the runs are in
:mod:`hiermodels.studies.calibration`). Talts, Betancourt, Simpson, Vehtari & Gelman
(2018, arXiv:1804.06788): for a true value :math:`\tilde\theta` drawn from the prior and
:math:`L` posterior draws thinned to be nearly independent, the rank
:math:`r = \#\{\ell : \theta^{(\ell)} < \tilde\theta\}` is uniform on
:math:`\{0, \dots, L\}` when the model and the sampler are right.

Tests per parameter, each at level :math:`\alpha / (2 m)` for :math:`m` parameters (so a
verdict built from all of them has false-alarm rate at most :math:`\alpha`):

* Pearson's :math:`\chi^2` on :math:`B` equal bins of the ranks (:math:`B` divides
  :math:`L + 1`, at least 5 expected per bin), :math:`B - 1` degrees of freedom;
* the ECDF of :math:`u = (r + 1)/(L + 1)` against simultaneous bands for the uniform ECDF
  (Säilynoja, Bürkner & Vehtari 2022, *Stat. Comput.* 32:32, the "optimized" band,
  computed by ``arviz.stats.ecdf_utils.ecdf_confidence_band``). With eval points
  :math:`z_k = k/(L+1)`, :math:`F_n(z_k) = n^{-1}\#\{r < k\}` has expectation
  :math:`z_k` exactly under uniform ranks.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from hiermodels.errors import HiermodelsError


def thinned_rank(draws: np.ndarray, true: float, L: int) -> dict:
    """Rank of ``true`` among ``L`` draws taken evenly from (chain, draw) ``draws``.

    Returns ``rank``, ``ess`` (min of bulk and tail ESS), ``ess_short`` (fewer than ``L``
    effective draws: the kept draws are closer than one autocorrelation time) and ``mean``.
    """
    import arviz as az

    draws = np.atleast_2d(draws)
    with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
        warnings.simplefilter("ignore")
        ess = float(min(az.ess(draws, method="bulk"), az.ess(draws, method="tail")))
    flat = draws.reshape(-1)
    S = len(flat)
    if S < L:
        raise HiermodelsError(f"SBC needs at least L={L} posterior draws; the fit has {S}.")
    idx = np.round(np.linspace(0, S - 1, L)).astype(int)
    kept = flat[idx]
    return {
        "rank": int(np.sum(kept < true)),
        "ess": ess,
        "ess_short": bool(not np.isfinite(ess) or ess < L),
        "mean": float(flat.mean()),
    }


def n_bins(n: int, L: int, max_bins: int = 20) -> int:
    """Largest divisor B of L + 1 with B <= max_bins and n / B >= 5 (at least 2)."""
    best = 2
    for B in range(2, max_bins + 1):
        if (L + 1) % B == 0 and n / B >= 5:
            best = B
    return best


def ecdf_difference(ranks: pd.DataFrame, prob: float = 0.95) -> pd.DataFrame:
    """ECDF of the scaled ranks minus the uniform CDF, with simultaneous ``prob`` bands.

    Returns
    -------
    DataFrame
        Per parameter and evaluation point ``z``: ``ecdf_diff`` = F_n(z) - z and the band
        ``lower``, ``upper`` (also as differences from z). Under calibration the whole
        curve stays inside the band with probability ``prob``.
    """
    from arviz.stats.ecdf_utils import ecdf_confidence_band

    out = []
    for name, grp in ranks.dropna(subset=["rank"]).groupby("parameter", sort=False):
        r = grp["rank"].to_numpy(int)
        L, n = int(grp["L"].iloc[0]), len(r)
        K = min(L, max(n, 20))
        ks = np.unique(np.round(np.linspace(1, L, K)).astype(int))
        z = ks / (L + 1)
        F = np.array([np.mean(r < k) for k in ks])
        lo, hi = ecdf_confidence_band(n, z, z, prob=prob, method="optimized")
        out.append(
            pd.DataFrame(
                {"parameter": name, "z": z, "ecdf_diff": F - z, "lower": lo - z, "upper": hi - z}
            )
        )
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def sbc_table(ranks: pd.DataFrame, alpha: float = 0.01) -> pd.DataFrame:
    """Per parameter: chi-square test of uniform ranks, ECDF band test, ESS shortfall, verdict."""
    ok = ranks.dropna(subset=["rank"])
    m = max(ok["parameter"].nunique(), 1)
    level = alpha / (2 * m)
    band = ecdf_difference(ok, prob=1 - level)
    rows = []
    for name, grp in ok.groupby("parameter", sort=False):
        r = grp["rank"].to_numpy(int)
        L, n = int(grp["L"].iloc[0]), len(r)
        B = n_bins(n, L)
        counts = np.bincount(r * B // (L + 1), minlength=B)
        chi2, p = stats.chisquare(counts)
        b = band[band["parameter"] == name]
        outside = bool(
            np.any((b["ecdf_diff"] < b["lower"] - 1e-12) | (b["ecdf_diff"] > b["upper"] + 1e-12))
        )
        rows.append(
            {
                "parameter": name,
                "n": n,
                "L": L,
                "bins": B,
                "chi2": float(chi2),
                "df": B - 1,
                "p_value": float(p),
                "ecdf_outside": outside,
                "ess_short": float(grp["ess_short"].mean()),
                "mean_rank": float(r.mean() / L),
                "calibrated": bool(p >= level and not outside),
            }
        )
    return pd.DataFrame(rows).set_index("parameter")
