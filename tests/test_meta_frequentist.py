"""Effect sizes and frequentist meta-analysis (no MCMC): metafor reference values.

References: metafor 3.8-1 (R 4.2.2), ``dat.bcg`` with
``escalc(measure="RR", ai=tpos, bi=tneg, ci=cpos, di=cneg)`` (the yi/vi columns of the
bundled ``bcg`` dataset) and

- ``rma(yi, vi, data=dat)``: mu -0.7145 (se 0.1798), tau2 0.3132, I2 92.22 %, H2 12.86,
  Q 152.23 on 12 df, 95 % PI (-1.867, 0.438);
- ``rma(yi, vi, data=dat, method="DL")``: mu -0.7141, tau2 0.3088;
- ``rma(yi, vi, mods = ~ ablat, data=dat)``: slope -0.0291 (se 0.0072), tau2 0.0764.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import hiermodels as hm
from hiermodels.errors import DataError, HiermodelsError, HiermodelsWarning
from hiermodels.meta import effect_sizes, rma, typical_variance
from hiermodels.meta.frequentist import _P, _gen_q


# effect sizes ------------------------------------------------------------------------------
def test_rr_reproduces_bcg_escalc(bcg):
    es = effect_sizes(bcg, "RR", ai="tpos", bi="tneg", ci="cpos", di="cneg")
    np.testing.assert_allclose(es["yi"], bcg["yi"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(es["vi"], bcg["vi"], rtol=0, atol=1e-10)
    assert (es["cc"] == 0).all()
    # same with group sizes instead of non-event counts
    d = bcg.assign(n1=bcg.tpos + bcg.tneg, n2=bcg.cpos + bcg.cneg)
    es2 = effect_sizes(d, "RR", ai="tpos", n1i="n1", ci="cpos", n2i="n2")
    np.testing.assert_allclose(es2["yi"], bcg["yi"], atol=1e-10)


def test_or_and_rd_closed_forms(bcg):
    a, b, c, d = (bcg[k].to_numpy(float) for k in ("tpos", "tneg", "cpos", "cneg"))
    es = effect_sizes(bcg, "OR", ai="tpos", bi="tneg", ci="cpos", di="cneg")
    np.testing.assert_allclose(es["yi"], np.log(a * d / (b * c)), atol=1e-12)
    np.testing.assert_allclose(es["vi"], 1 / a + 1 / b + 1 / c + 1 / d, atol=1e-12)
    es = effect_sizes(bcg, "RD", ai="tpos", bi="tneg", ci="cpos", di="cneg")
    p1, p2 = a / (a + b), c / (c + d)
    np.testing.assert_allclose(es["yi"], p1 - p2, atol=1e-14)
    np.testing.assert_allclose(
        es["vi"], p1 * (1 - p1) / (a + b) + p2 * (1 - p2) / (c + d), atol=1e-14
    )


def test_md_smd_zcor_plo_closed_forms():
    d = pd.DataFrame(
        {
            "m1": [55.0, 10.0],
            "m2": [75.0, 8.0],
            "s1": [47.0, 2.0],
            "s2": [64.0, 3.0],
            "n1": [155, 12],
            "n2": [156, 10],
            "r": [0.5, -0.2],
            "n": [103, 20],
            "x": [10, 3],
        }
    )
    md = effect_sizes(d, "MD", m1i="m1", m2i="m2", sd1i="s1", sd2i="s2", n1i="n1", n2i="n2")
    np.testing.assert_allclose(md["yi"], [-20.0, 2.0])
    np.testing.assert_allclose(md["vi"], [47**2 / 155 + 64**2 / 156, 4 / 12 + 9 / 10])
    smd = effect_sizes(d, "SMD", m1i="m1", m2i="m2", sd1i="s1", sd2i="s2", n1i="n1", n2i="n2")
    for i, (m1, m2, s1, s2, n1, n2) in enumerate(
        [(55, 75, 47, 64, 155, 156), (10, 8, 2, 3, 12, 10)]
    ):
        m = n1 + n2 - 2
        sp = math.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / m)
        j = math.exp(special.gammaln(m / 2) - special.gammaln((m - 1) / 2)) / math.sqrt(m / 2)
        g = j * (m1 - m2) / sp
        assert smd["yi"][i] == pytest.approx(g, abs=1e-12)
        assert smd["vi"][i] == pytest.approx(1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2)), abs=1e-12)
        assert j == pytest.approx(1 - 3 / (4 * m - 1), abs=2e-4)  # Hedges' approximation
    z = effect_sizes(d, "ZCOR", ri="r", ni="n")
    np.testing.assert_allclose(z["yi"], np.arctanh([0.5, -0.2]))
    np.testing.assert_allclose(z["vi"], [1 / 100, 1 / 17])
    plo = effect_sizes(d, "PLO", xi="x", ni="n")
    np.testing.assert_allclose(plo["yi"], [np.log(10 / 93), np.log(3 / 17)])
    np.testing.assert_allclose(plo["vi"], [1 / 10 + 1 / 93, 1 / 3 + 1 / 17])


def test_zero_cells_corrected_only_where_needed_and_reported():
    d = pd.DataFrame({"a": [0, 4, 0], "b": [50, 119, 20], "c": [3, 11, 0], "d": [47, 128, 20]})
    with pytest.warns(HiermodelsWarning, match="rows \\[0, 2\\]"):
        es = effect_sizes(d, "OR", ai="a", bi="b", ci="c", di="d")
    np.testing.assert_array_equal(es["cc"], [0.5, 0.0, 0.5])
    assert es["yi"][0] == pytest.approx(np.log(0.5 * 47.5 / (50.5 * 3.5)))
    assert es["vi"][0] == pytest.approx(1 / 0.5 + 1 / 50.5 + 1 / 3.5 + 1 / 47.5)
    assert es["yi"][1] == pytest.approx(np.log(4 * 128 / (119 * 11)))  # untouched
    with pytest.warns(HiermodelsWarning):
        rr = effect_sizes(d, "RR", ai="a", bi="b", ci="c", di="d")
    assert rr["yi"][0] == pytest.approx(np.log((0.5 / 51) / (3.5 / 51)))
    with pytest.raises(DataError, match="undefined"):
        effect_sizes(d, "OR", ai="a", bi="b", ci="c", di="d", to="none")
    with pytest.warns(HiermodelsWarning):
        effect_sizes(pd.DataFrame({"x": [0, 5], "n": [10, 10]}), "PLO", xi="x", ni="n")


def test_effect_size_bad_input():
    d = pd.DataFrame({"a": [-1, 4], "b": [5, 6], "c": [3, 2], "d": [4, 4], "n": [3, 10]})
    with pytest.raises(DataError, match="negative"):
        effect_sizes(d, "RR", ai="a", bi="b", ci="c", di="d")
    with pytest.raises(DataError, match="'zz' is not a column"):
        effect_sizes(d, "RR", ai="zz", bi="b", ci="c", di="d")
    with pytest.raises(DataError, match=r"needs the argument n1i \(or bi\)"):
        effect_sizes(d.abs(), "RR", ai="a", ci="c", di="d")
    with pytest.raises(DataError, match="Negative non-event"):
        effect_sizes(d.abs(), "RR", ai="b", n1i="n", ci="c", di="d")
    with pytest.raises(DataError, match="Unknown measure"):
        effect_sizes(d, "HR", ai="a")
    with pytest.raises(DataError, match="strictly between"):
        effect_sizes(pd.DataFrame({"r": [1.0], "n": [10]}), "ZCOR", ri="r", ni="n")


# frequentist ----------------------------------------------------------------------------------
def test_reml_matches_metafor_bcg(bcg):
    f = rma(bcg["yi"], bcg["vi"], method="REML")
    assert f.beta[0] == pytest.approx(-0.7145, abs=1e-3)
    assert f.se[0] == pytest.approx(0.1798, abs=1e-3)
    assert f.tau2 == pytest.approx(0.3132, abs=1e-3)
    assert 100 * f.I2 == pytest.approx(92.22, abs=1e-2)
    assert f.H2 == pytest.approx(12.86, abs=1e-2)
    assert f.Q == pytest.approx(152.23, abs=1e-2) and f.Q_df == 12
    assert f.Q_pval == pytest.approx(stats.chi2.sf(152.23, 12), rel=1e-2)
    lo, hi = f.pi
    assert lo == pytest.approx(-1.867, abs=1e-3) and hi == pytest.approx(0.438, abs=1e-3)
    # the optimum is a stationary point of the restricted likelihood: tr(P) = y'PPy
    X, y, v = np.ones((13, 1)), bcg["yi"].to_numpy(), bcg["vi"].to_numpy()
    P = _P(1 / (f.tau2 + v), X)
    assert np.trace(P) == pytest.approx(y @ P @ P @ y, rel=1e-6)


def test_dl_and_pm_bcg(bcg):
    dl = rma(bcg["yi"], bcg["vi"], method="DL")
    assert dl.beta[0] == pytest.approx(-0.7141, abs=1e-3)
    assert dl.tau2 == pytest.approx(0.3088, abs=1e-3)
    # DL closed form (MATH.md 2)
    w = 1 / bcg["vi"].to_numpy()
    y = bcg["yi"].to_numpy()
    q = np.sum(w * (y - np.sum(w * y) / w.sum()) ** 2)
    assert dl.tau2 == pytest.approx((q - 12) / (w.sum() - (w**2).sum() / w.sum()), rel=1e-12)
    # PM solves the generalised Q equation Q(tau2) = k - p
    pm_ = rma(bcg["yi"], bcg["vi"], method="PM")
    assert _gen_q(pm_.tau2, y, bcg["vi"].to_numpy(), np.ones((13, 1))) == pytest.approx(
        12, abs=1e-8
    )
    assert dl.tau2 < pm_.tau2 < 0.35


def test_meta_regression_matches_metafor(bcg):
    meta = hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial", moderators="~ ablat")
    f = meta.frequentist("REML")
    assert f.terms == ("Intercept", "ablat")
    assert f.beta[1] == pytest.approx(-0.0291, abs=1e-4)
    assert f.se[1] == pytest.approx(0.0072, abs=1e-4)
    # metafor prints 0.0764; the exact maximiser is 0.07635 (metafor stops Fisher scoring
    # at a 1e-5 change), within the 1e-3 agreement the issue asks for.
    assert f.tau2 == pytest.approx(0.0764, abs=1e-3)
    assert f.Q_df == 11
    pred = f.predict(np.array([[1.0, 40.0]]))
    assert pred["pred"][0] == pytest.approx(f.beta[0] + 40 * f.beta[1])


def test_eight_schools_boundary(schools):
    for method in ("REML", "DL", "PM"):
        f = rma(schools["y"], schools["sigma"] ** 2, method=method)
        assert f.tau2 == 0.0
        assert f.I2 == 0.0 and f.H2 == 1.0


def test_typical_variance_higgins_thompson(bcg):
    v = bcg["vi"].to_numpy()
    w = 1 / v
    ht = 12 * w.sum() / (w.sum() ** 2 - (w**2).sum())
    assert typical_variance(v) == pytest.approx(ht, rel=1e-12)


def test_frequentist_errors(bcg):
    with pytest.raises(HiermodelsError, match="Unknown method"):
        rma(bcg["yi"], bcg["vi"], method="EB")
    with pytest.raises(HiermodelsError, match="more studies"):
        rma([1.0], [1.0])
    f = rma(bcg["yi"], bcg["vi"])
    table = f.summary()
    assert list(table.index) == ["mu", "tau", "tau2", "I2", "H2"]
    assert {"estimate", "se", "lower", "upper"} <= set(table.columns)
    assert "REML" in repr(f)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f.heterogeneity()
