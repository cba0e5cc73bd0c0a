"""Simulation-based calibration of the families added with the family protocol.

Same design and verdict as tests/test_sbc.py (Talts et al. 2018; alpha = 0.01 over all
parameters and both uniformity tests, so a correct model fails with probability <= 0.01):
data simulated from each family's priors through its own ``draw``, refitted on the kernel;
a wrong sign or scale in a kernel likelihood, a transform or a ``draw`` shows as ranks piled
at one end. Slow (20 fits per family): ``-m slow`` or ``HIERMODELS_SLOW=1``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from daskhelp import shared_client

import hiermodels as hm
import hiermodels.studies as hs
from hiermodels.derive.simulate import parameter_names

N, L = 20, 19
# 300 draws (not 100 as in test_sbc.py): autocorrelated short chains give U-shaped ranks
FAST = dict(n=N, L=L, draws=300, tune=300, chains=2, batch_size=5, progress=False)


def _frame(family: str) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    K, m = 6, 5
    x = np.tile(np.linspace(-1, 1, m), K)
    g = np.repeat([f"c{k}" for k in range(K)], m)
    if family in ("gamma", "lognormal"):
        y = rng.gamma(2.0, 1.0, K * m)
    elif family == "beta":
        y = rng.uniform(0.05, 0.95, K * m)
    elif family == "student":
        y = rng.standard_t(5, K * m)
    elif family == "cumulative":
        y = pd.Categorical(rng.integers(0, 4, K * m), categories=[0, 1, 2, 3], ordered=True)
    else:
        y = rng.poisson(2, K * m).astype(float)
        if family == "bernoulli":
            y = (y > 1).astype(float)
    return pd.DataFrame({"y": y, "x": x, "g": g, "n": 10})


#: proper priors where the family's default (brms's vague Gamma(0.01, 0.01)) makes the prior
#: predictive degenerate (shapes of 1e-50: every simulated y underflows to 0)
PRIORS = {
    "gamma": {"shape": "gamma(2, 0.5)"},
    # and a mean inside logit +-3: Beta(mu phi, ...) draws at mu ~ 1e-5 round to exactly 0
    "beta": {"phi": "gamma(2, 0.1)", "Intercept": "normal(0, 1)", "x": "normal(0, 1)"},
    "beta_binomial": {"phi": "gamma(2, 0.1)"},
}


def _model(family: str):
    link = None
    if family == "bernoulli":
        link = "cloglog"
    f = "y | trials(n) ~ x + (1 | g)" if family == "beta_binomial" else "y ~ x + (1 | g)"
    return hm.Model(f, _frame(family), family=family, link=link, priors=PRIORS.get(family))


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("distributed")
    pytest.importorskip("pyarrow")
    return shared_client()


@pytest.mark.slow
@pytest.mark.sampling
@pytest.mark.parametrize(
    "family",
    [
        "student",
        "lognormal",
        "gamma",
        "beta",
        "beta_binomial",
        "bernoulli",  # with the cloglog link
        "zero_inflated_poisson",
        "zero_inflated_negbinomial",
        "hurdle_poisson",
        "hurdle_negbinomial",
        "cumulative",
    ],
)
def test_sbc_ranks_are_uniform_for_new_families(client, family):
    model = _model(family)
    res = hs.sbc(model, client=client, seed=31, **FAST)
    assert list(res.table.index) == parameter_names(model)
    errors = res.ranks.drop_duplicates("rep")["error"]
    if family == "cumulative":
        # a replicate whose simulated data leave a category empty cannot be fitted with the
        # same thresholds (a clear DataError); SBC then conditions on all categories seen
        # (a mild selection, allowed for at most 3 of 20 replicates)
        assert errors.str.contains("categor").sum() == (errors != "").sum() <= 3, errors
    else:
        assert (errors == "").all(), errors.unique()
    assert res.verdict.startswith("calibrated"), (res.verdict, res.table)
