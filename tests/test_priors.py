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


def _scipy_logpdf(prior, x):
    """The prior's log density as ``scipy.stats`` gives it (the reference)."""
    from scipy import stats

    p, d = prior.params, prior.dist
    if d == "HalfStudentT":
        with np.errstate(divide="ignore"):
            t = stats.t.logpdf(x, p["nu"], 0, p["sigma"])
            return np.log(2) + t + np.log(np.asarray(x) >= 0)
    dist, args = {
        "Normal": (stats.norm, (p.get("mu"), p.get("sigma"))),
        "StudentT": (stats.t, (p.get("nu"), p.get("mu"), p.get("sigma"))),
        "Cauchy": (stats.cauchy, (p.get("alpha"), p.get("beta"))),
        "HalfNormal": (stats.halfnorm, (0, p.get("sigma"))),
        "HalfCauchy": (stats.halfcauchy, (0, p.get("beta"))),
        "Exponential": (stats.expon, (0, 1 / p.get("lam", 1.0))),
        "Gamma": (stats.gamma, (p.get("alpha"), 0, 1 / p.get("beta", 1.0))),
        "LogNormal": (stats.lognorm, (p.get("sigma"), 0, np.exp(p.get("mu", 0.0)))),
        "Uniform": (stats.uniform, (p.get("lower"), p.get("upper", 0) - p.get("lower", 0))),
    }[d]
    return dist.logpdf(x, *args)


_X = [
    np.array([-3.0, -1e-300, 0.0, 1e-300, 1e-5, 0.3, 1.0, 2.5, 10.0, 1e6, np.inf, -np.inf, np.nan]),
    0.0,
    1.7,
    -2.0,
    1.0,
]


@pytest.mark.parametrize(
    "text",
    [
        "normal(1, 2)",
        "student_t(3, -1, 2)",
        "cauchy(0.5, 2)",
        "half_normal(3)",
        "half_student_t(4, 2)",
        "half_cauchy(2.5)",
        "exponential(0.5)",
        "gamma(2, 0.1)",
        "gamma(0.5, 2)",
        "gamma(1, 2)",
        "lognormal(0.3, 0.7)",
        "uniform(-1, 3)",
    ],
)
def test_logpdf_is_scipy_stats_bit_for_bit(text):
    """Prior.logpdf (NumPy + scipy.special) gives scipy.stats' values, types and shapes:
    -inf off the support, NaN at NaN, a scalar for a scalar."""
    prior = hm.Prior.parse(text)
    for x in _X:
        got, ref = prior.logpdf(x), _scipy_logpdf(prior, x)
        assert type(got) is type(ref) and np.shape(got) == np.shape(ref), (x, got, ref)
        np.testing.assert_array_equal(got, ref)


def test_logpdf_imports_no_scipy_stats():
    """The prior densities every fit's small-cluster checks evaluate do not import
    scipy.stats (~0.5 s in a fresh process)."""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, hiermodels as hm\n"
        "for t in ['half_normal(3)', 'half_student_t(3, 2)', 'gamma(2, 1)', 'lognormal(0, 1)',\n"
        "          'normal(0, 1)', 'student_t(3, 0, 1)', 'cauchy(0, 1)', 'half_cauchy(1)',\n"
        "          'exponential(1)', 'uniform(0, 1)']:\n"
        "    hm.Prior.parse(t).logpdf(np.linspace(0, 3, 7))\n"
        "assert 'scipy.stats' not in sys.modules\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
