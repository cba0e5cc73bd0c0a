"""Model adequacy for the verdict: do the quantile-residual tests fail, and what to try.

A fit can sample perfectly and still be the wrong model: epilepsy counts fitted as Poisson
are overdispersed (dispersion p = 0), sleepstudy's residuals are not uniform (KS
p = 0.004, heavy tails from a few subjects). The sampling diagnostics cannot see either,
so the verdict of ``print(fit)``, ``fit.diagnostics()`` and the report also runs the
simulation-based residual tests of :mod:`~hiermodels.derive.residuals` (DHARMa's
uniformity, dispersion, outlier and zero-inflation tests) and turns each failure into a
sentence with advice.

A test fails at p < :data:`ALPHA` (0.01: four tests per fit, so a correct model is flagged
about 4 % of the time, and the residuals conditional on the fitted clusters are slightly
conservative). The simulations use a fixed seed and at most :data:`MAX_DRAWS` draws, so the
verdict is reproducible and costs milliseconds for typical data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiermodels.derive.residuals import quantile_residuals

ALPHA = 0.01
MAX_DRAWS = 400
SEED = 20240601


def _advice(test: str, stat: float, p: float, family: str) -> str:
    ptxt = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    if test == "dispersion":
        if stat > 1:
            fix = {
                "poisson": "counts are overdispersed: try family='negbinomial', or an "
                "observation-level random intercept (1 | obs)",
                "binomial": "the proportions are overdispersed: add an observation-level "
                "random intercept (1 | obs), or a random slope for the varying predictor",
                "negbinomial": "more spread than NB2 allows: look for a missing predictor "
                "or group-level term",
            }.get(
                family,
                "the residual spread is larger than the model allows: look for a "
                "missing predictor, random slope or grouping factor",
            )
            return (
                f"Model check: dispersion ratio {stat:.2f} ({ptxt}): {fix}. See "
                "fit.residuals().tests() and fit.ppc()."
            )
        return (
            f"Model check: the data are underdispersed (ratio {stat:.2f}, {ptxt}): the model "
            "predicts more spread than observed; check the family (e.g. binomial trials) and "
            "the variance structure. See fit.residuals().tests()."
        )
    if test == "zero-inflation":
        more = "more" if stat > 1 else "fewer"
        fix = (
            "try family='negbinomial' (or a zero-inflated model)"
            if stat > 1
            else "check the family and the offset"
        )
        return (
            f"Model check: {more} zeros than the model predicts (ratio {stat:.2f}, {ptxt}): "
            f"{fix}. See fit.ppc(stats=['zeros'])."
        )
    if test == "outliers":
        return (
            f"Model check: {stat:.1%} of rows lie outside every simulation ({ptxt}): look at "
            "them (fit.residuals().to_frame()); heavy tails may need another family or a "
            "missing predictor."
        )
    return (
        f"Model check: the quantile residuals are not uniform (KS D = {stat:.3f}, {ptxt}): "
        "the family or the mean structure may be wrong (a missing predictor, slope or "
        "non-linearity). See fit.residuals() and hm.plots.quantile_residuals(fit)."
    )


def adequacy_checks(fit, alpha: float = ALPHA, max_draws: int = MAX_DRAWS) -> dict:
    """The residual tests of ``fit`` and a sentence of advice per failed test.

    Returns
    -------
    dict
        ``table`` (DataFrame: ``statistic``, ``p_value``, ``expected``, ``failed``) and
        ``warnings`` (list of str, empty when every test passes).
    """
    n = max(fit.design.n, 1)
    res = quantile_residuals(fit, seed=SEED, max_draws=min(max_draws, max(50, 2_000_000 // n)))
    tab = res.tests().copy()
    tab["failed"] = tab["p_value"] < alpha
    warnings = [
        _advice(str(test), float(row["statistic"]), float(row["p_value"]), fit.family.name)
        for test, row in tab[tab["failed"]].iterrows()
        if np.isfinite(row["statistic"])
    ]
    return {"table": pd.DataFrame(tab), "warnings": warnings}
