"""Default priors, the priors table, overrides (no MCMC)."""

import numpy as np
import pytest

import hiermodels as hm
from hiermodels.errors import PriorError


def test_defaults_scaled_to_data(sleep):
    m = hm.Model("Reaction ~ Days + (Days | Subject)", sleep)
    t = m.priors
    s_y, s_x = sleep["Reaction"].std(ddof=0), sleep["Days"].std(ddof=0)
    assert list(t.index) == [
        "Intercept",
        "Days",
        "sd(Subject, Intercept)",
        "sd(Subject, Days)",
        "cor(Subject)",
        "sigma",
    ]
    assert t.loc["Intercept", "prior"] == f"Normal({sleep['Reaction'].mean():.4g}, {2.5 * s_y:.4g})"
    assert t.loc["Days", "prior"] == f"Normal(0, {2.5 * s_y / s_x:.4g})"
    assert t.loc["sd(Subject, Days)", "prior"] == f"HalfNormal({s_y / s_x:.4g})"
    assert t.loc["cor(Subject)", "prior"] == "LKJ(2)"
    assert "sd(Reaction)" in t.loc["sigma", "source"]
    assert not t["user"].any()


def test_overrides_by_class_and_term(sleep):
    m = hm.Model(
        "Reaction ~ Days + (Days | Subject)",
        sleep,
        priors={
            "b": "normal(0, 10)",
            "sd(Subject, Days)": hm.Prior("HalfNormal", sigma=3),
            "cor": 1,
            "sigma": "exponential(0.1)",
        },
    )
    t = m.priors
    assert t.loc["Days", "prior"] == "Normal(0, 10)"
    assert t.loc["sd(Subject, Days)", "prior"] == "HalfNormal(3)"
    assert t.loc["sd(Subject, Intercept)", "user"] == False  # noqa: E712
    assert t.loc["cor(Subject)", "prior"] == "LKJ(1)"
    assert m._priors.cor["Subject"] == 1.0
    assert t["user"].sum() == 4


def test_group_wide_sd_key_and_boundary_avoiding():
    df = hm.datasets.load("dyestuff2")
    m = hm.Model("Yield ~ 1 + (1 | Batch)", df, priors={"sd(Batch)": "boundary_avoiding"})
    p = m._priors.sd["Batch"]["Intercept"]
    assert p.dist == "Gamma" and p.params["alpha"] == 2.0
    assert np.isclose(1 / p.params["beta"], df["Yield"].std(ddof=0))
    assert np.isneginf(p.logpdf(0.0))  # zero density at the boundary


def test_unknown_key_is_an_error(sleep):
    with pytest.raises(PriorError, match=r"'Dayz' matches no parameter.*Did you mean 'Days'"):
        hm.Model("Reaction ~ Days + (Days | Subject)", sleep, priors={"Dayz": "normal(0, 1)"})


def test_wrong_support_is_an_error(sleep):
    with pytest.raises(PriorError, match="positive"):
        hm.Model("Reaction ~ Days + (1 | Subject)", sleep, priors={"sd": "normal(0, 1)"})
    with pytest.raises(PriorError):
        hm.Model("Reaction ~ Days + (1 | Subject)", sleep, priors={"b": "normal(0)"})
    with pytest.raises(PriorError):
        hm.Prior("Normal", mu=0)


def test_prior_text_round_trip():
    for text in [
        "normal(0, 10)",
        "student_t(3, 0, 2.5)",
        "half_normal(5)",
        "gamma(2, 0.1)",
        "exponential(0.5)",
        "lkj(2)",
        "half_cauchy(1)",
        "lognormal(0, 1)",
    ]:
        p = hm.Prior.parse(text)
        assert hm.Prior.parse(str(p)) == p
