"""Result objects print briefly: a bounded text repr with the key numbers, and HTML tables.

The objects are built from synthetic draws (no MCMC) so that each test checks the display
against numbers computed independently here; the last test wires them through a real fit.
"""

from __future__ import annotations

import re
import warnings

import arviz as az
import numpy as np
import pandas as pd
import pytest

import hiermodels as hm
from hiermodels.data.datasets.description import DatasetDescription
from hiermodels.derive.diagnostics import diagnose
from hiermodels.derive.predict import Prediction
from hiermodels.derive.residuals import QuantileResiduals, pit_residuals
from hiermodels.present.display_results import (
    ALPHA,
    HEAD_ROWS,
    ComparisonTable,
    Diagnostics,
    PredictionView,
    ResidualChecks,
    num,
    pareto_details,
)


def _rows_of_html_table(html: str) -> int:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.count("<tr")


# --------------------------------------------------------------------------- diagnostics
def _idata(rng, chains=2, draws=300, stuck=False):
    a = rng.normal(size=(chains, draws))
    if stuck:  # the second chain sits elsewhere: R-hat well above 1.01
        a[1] += 3.0
    div = np.zeros((chains, draws), bool)
    div[0, :3] = stuck
    return az.from_dict(
        posterior={"mu": a, "tau": np.abs(rng.normal(size=(chains, draws)))},
        sample_stats={"diverging": div, "energy": rng.normal(size=(chains, draws))},
    )


@pytest.mark.parametrize("stuck", [False, True])
def test_diagnostics_repr_is_short_and_states_the_numbers(stuck):
    raw = diagnose(_idata(np.random.default_rng(3), stuck=stuck), ["mu", "tau"])
    d = Diagnostics(raw)
    text = repr(d)
    assert d == raw and d["verdict"] == raw["verdict"]  # still the dict callers index
    assert text.startswith(f"Diagnostics: {raw['verdict']}")
    assert f"{raw['divergences']} divergences in {raw['draws']} draws" in text
    assert f"max R-hat {raw['max_rhat']:.3f}" in text
    assert f"min ESS bulk {num(raw['min_ess_bulk'], 0)}" in text
    assert text.count("! ") == len(raw["warnings"])
    assert len(text.splitlines()) <= 2 + 4 * len(raw["warnings"])
    assert len(text) < 600 + 450 * len(raw["warnings"])
    html = d._repr_html_()
    assert raw["verdict"] in html and "<table" in html
    assert _rows_of_html_table(html) == len(raw["table"])
    if stuck:
        assert raw["verdict"] == "problem" and "#c62828" in html


# --------------------------------------------------------------------------- residuals
def _residuals(n, overdispersed, seed=0):
    rng = np.random.default_rng(seed)
    mu = rng.uniform(2, 20, n)
    y = rng.negative_binomial(2, 2 / (2 + mu)) if overdispersed else rng.poisson(mu)
    yrep = rng.poisson(mu, size=(400, n))
    r = pit_residuals(y, yrep, rng)
    codes = {"site": (np.arange(n) % 10, [f"s{i}" for i in range(10)])}
    return QuantileResiduals(r, y.astype(float), yrep.mean(0), yrep, codes, True, seed)


@pytest.mark.parametrize("n", [60, 5000])
@pytest.mark.parametrize("overdispersed", [False, True])
def test_residual_repr_is_the_tests_not_the_arrays(n, overdispersed):
    res = ResidualChecks.of(_residuals(n, overdispersed))
    tab = res.tests()
    text = repr(res)
    assert len(text) < 900 and len(text.splitlines()) == len(tab) + 3  # bounded in n
    n_flag = int((tab["p_value"] < ALPHA).sum())
    assert f"{n_flag} of {len(tab)} tests flagged" in text
    assert text.count("<- flagged") == n_flag
    for name, row in tab.iterrows():
        line = next(ln for ln in text.splitlines() if ln.strip().startswith(name))
        assert num(row["statistic"]) in line and f"p {num(row['p_value'], 2)}" in line
    if overdispersed:  # NB data against Poisson simulations: dispersion must be flagged
        assert "<- flagged" in next(ln for ln in text.splitlines() if "dispersion" in ln)
    assert 'by_group("site")' in text
    html = res._repr_html_()
    assert _rows_of_html_table(html) == len(tab)
    assert ("check" if n_flag else "ok") in html
    np.testing.assert_array_equal(res.residuals, _residuals(n, overdispersed).residuals)


# --------------------------------------------------------------------------- predictions
def test_prediction_repr_shows_head_and_shape():
    rng = np.random.default_rng(1)
    n, s = 1000, 200
    data = pd.DataFrame({"x": np.arange(n), "g": ["a", "b"] * (n // 2)})
    draws = rng.normal(np.arange(n) * 10.0, 1.0, size=(s, n))
    pred = PredictionView.of(Prediction(draws, data, "mean", {"g": "fitted"}))
    text = repr(pred)
    assert f"{n} rows × {s} draws" in text and "g: fitted" in text
    assert f"... {n - HEAD_ROWS} more rows" in text
    assert len(text.splitlines()) == HEAD_ROWS + 4 and len(text) < 1000
    first = text.splitlines()[2]
    assert num(draws[:, 0].mean()) in first
    assert str(n - 1) not in text.split("...")[0]  # the last row is not printed
    html = pred._repr_html_()
    assert _rows_of_html_table(html) == HEAD_ROWS
    pd.testing.assert_frame_equal(pred.summary(), Prediction(draws, data, "mean", {}).summary())


# --------------------------------------------------------------------------- comparison
def _loo_idata(rng, n=40, s=400, spike_rows=()):
    """Log-likelihood draws; rows in spike_rows get heavy right tails (high Pareto k)."""
    ll = rng.normal(-1.0, 0.1, size=(2, s // 2, n))
    for i in spike_rows:
        ll[..., i] = -1.0 - 8.0 * rng.pareto(1.2, size=(2, s // 2))
    y = np.zeros(n)
    return az.from_dict(
        posterior={"mu": rng.normal(size=(2, s // 2))},
        log_likelihood={"y": ll},
        observed_data={"y": y},
    )


def test_comparison_says_which_fit_and_which_pareto_k():
    rng = np.random.default_rng(7)
    idatas = {"good": _loo_idata(rng), "spiky": _loo_idata(rng, spike_rows=(3, 11, 29))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cmp = az.compare(idatas)
        loos = {k: az.loo(v, pointwise=True) for k, v in idatas.items()}
    tab = ComparisonTable.of(cmp, loos)
    assert isinstance(tab, pd.DataFrame) and list(tab.index) == list(cmp.index)
    assert type(tab.loc[["good"]]) is pd.DataFrame  # derived frames are plain
    k = np.asarray(loos["spiky"].pareto_k)
    bad = np.flatnonzero(k > loos["spiky"]["good_k"])
    assert len(bad) >= 1 and tab.pareto["spiky"]["rows"] == bad.tolist()
    assert tab.pareto["good"]["rows"] == []
    text = repr(tab)
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("spiky:"))
    assert f"{len(bad)} of 40 rows" in line and f"max k {num(k.max(), 2)}" in line
    assert str(bad[0]) in line
    assert not any(ln.strip().startswith("good:") for ln in text.splitlines())
    assert f"above {num(loos['spiky']['good_k'], 2)}" in " ".join(text.split())
    assert len(text) < 2000
    html = tab._repr_html_()
    assert _rows_of_html_table(html) == 2 and "spiky" in html


def test_pareto_details_without_warning():
    rng = np.random.default_rng(2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lo = az.loo(_loo_idata(rng), pointwise=True)
    d = pareto_details(lo)
    assert d["rows"] == [] and d["n"] == 40
    assert d["max_k"] == pytest.approx(float(np.max(lo.pareto_k)))


# --------------------------------------------------------------------------- datasets
@pytest.mark.parametrize("name", hm.datasets.names())
def test_dataset_description_prints_a_card(name):
    raw = hm.datasets.describe(name)
    d = DatasetDescription(raw)
    text = repr(d)
    assert d == raw
    assert text.splitlines()[0].startswith(f"{name}: {raw['title']} — {raw['rows']} rows")
    for col in raw["columns"]:
        assert re.search(rf"^  {re.escape(col)} ", text, re.M), col
    assert " ".join(raw["citation"].split())[:60] in " ".join(text.split())
    assert max(len(ln) for ln in text.splitlines()) <= 100
    assert len(text) < 2000
    html = d._repr_html_()
    assert html.split("<table>")[1].split("</table>")[0].count("<tr") == len(raw["columns"])


# --------------------------------------------------------------------------- wired in
@pytest.mark.sampling
def test_fit_methods_return_the_printable_results(sleep):
    kw = {"draws": 150, "tune": 150, "chains": 2, "seed": 3, "progressbar": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f1 = hm.Model("Reaction ~ Days + (1 | Subject)", sleep).fit(**kw)
        f2 = hm.Model("Reaction ~ 1 + (1 | Subject)", sleep).fit(**kw)
        cmp = hm.compare({"days": f1, "flat": f2})
    d = f1.diagnostics()
    assert isinstance(d, Diagnostics) and d["verdict"] in ("ok", "check", "problem")
    res = f1.residuals(seed=1)
    assert isinstance(res, ResidualChecks) and len(repr(res)) < 900
    pred = f1.predict()
    assert isinstance(pred, PredictionView) and f"{len(sleep)} rows × 300 draws" in repr(pred)
    assert isinstance(hm.datasets.describe("sleepstudy"), DatasetDescription)
    assert isinstance(cmp, ComparisonTable) and cmp.index[0] == "days"
    assert set(cmp.pareto) == {"days", "flat"}
    for name, p in cmp.pareto.items():
        assert (len(p["rows"]) > 0) == bool(cmp.loc[name, "warning"])
    assert "flat is" in repr(cmp) and "elpd below days" in repr(cmp)
