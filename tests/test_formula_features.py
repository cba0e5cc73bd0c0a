"""Formula features (issue 12, part 3): I(), poly(), bs(), contrasts, category order as the
reference level, and the safety gate in front of each of them (no MCMC).

Every design matrix is compared with an independent computation: NumPy (R's QR
algorithm for poly, least-squares group means for contrasts), SciPy's ``BSpline`` class
for bs(), pandas group means for within()/between().
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.interpolate import BSpline

import hiermodels as hm
from hiermodels.data.design import make_design
from hiermodels.errors import DataError, FormulaError

RNG = np.random.default_rng(12)
N = 40
DF = pd.DataFrame(
    {
        "y": RNG.normal(size=N),
        "x": RNG.uniform(0, 10, N),
        "z": RNG.normal(size=N),
        "g": np.repeat(list("abcd"), N // 4),
    }
)
NEW = pd.DataFrame({"x": [0.5, 3.3, 7.1, 9.2], "z": [0.1, -1.0, 2.0, 0.3], "g": list("dcba")})


def _col(d, name):
    return d.X[:, d.fixed_names.index(name)]


def r_poly(x, degree):
    """R's ``poly(x, degree)`` (stats:::poly): QR of the centred Vandermonde matrix, each
    column the part of x^k orthogonal to the lower powers, scaled to unit length."""
    xc = x - x.mean()
    V = np.vander(xc, degree + 1, increasing=True)
    Q, R = np.linalg.qr(V)
    raw = Q * np.diag(R)
    return (raw / np.sqrt((raw**2).sum(axis=0)))[:, 1:]


# --------------------------------------------------------------------------- I()
def test_identity_arithmetic_matches_numpy():
    d = make_design("y ~ I(x**2) + I(x * z + 1) + I(x / 2 - z)", DF)
    x, z = DF["x"].to_numpy(), DF["z"].to_numpy()
    np.testing.assert_allclose(_col(d, "I(x ** 2)"), x**2)
    np.testing.assert_allclose(_col(d, "I(x * z + 1)"), x * z + 1)
    np.testing.assert_allclose(_col(d, "I(x / 2 - z)"), x / 2 - z)
    new = d.new_data(NEW)["X"]
    np.testing.assert_allclose(new[:, 1], NEW["x"] ** 2)


# --------------------------------------------------------------------------- poly()
def test_poly_is_r_orthogonal_polynomial():
    d = make_design("y ~ poly(x, 3)", DF)
    P = d.X[:, 1:]
    np.testing.assert_allclose(P, r_poly(DF["x"].to_numpy(), 3), atol=1e-10)
    np.testing.assert_allclose(P.T @ P, np.eye(3), atol=1e-10)  # orthonormal
    np.testing.assert_allclose(P.sum(axis=0), 0, atol=1e-10)  # orthogonal to the intercept


def test_poly_published_values():
    """R: ``poly(1:10, 2)`` first rows -0.49543369, -0.38533732 and 0.52223297, 0.17407766."""
    df = pd.DataFrame({"y": np.arange(10.0) ** 0.5, "x": np.arange(1.0, 11.0)})
    P = make_design("y ~ poly(x, 2)", df).X[:, 1:]
    np.testing.assert_allclose(P[:2, 0], [-0.49543369, -0.38533732], atol=1e-8)
    np.testing.assert_allclose(P[:2, 1], [0.52223297, 0.17407766], atol=1e-8)


def test_poly_coefficients_are_reused_on_new_data():
    """Like R's predict(poly): new rows use the fitted data's centring and norms. The
    basis is a fixed polynomial map, recovered exactly from the training rows."""
    d = make_design("y ~ poly(x, 2) + (1 | g)", DF)
    x = DF["x"].to_numpy()
    V = np.vander(x, 3, increasing=True)
    A, *_ = np.linalg.lstsq(V, d.X[:, 1:], rcond=None)  # training map powers -> basis
    new = d.new_data(NEW)["X"][:, 1:]
    np.testing.assert_allclose(new, np.vander(NEW["x"].to_numpy(), 3, increasing=True) @ A)
    # and not the basis recomputed on the new rows alone
    assert not np.allclose(new, r_poly(NEW["x"].to_numpy(), 2))


def test_poly_in_a_group_term_reuses_coefficients():
    d = make_design("y ~ poly(x, 2) + (poly(x, 2) | g)", DF)
    g = d.groups[0]
    assert g.terms == ["Intercept", "poly(x, 2)[0]", "poly(x, 2)[1]"]
    new = d.new_data(NEW)
    np.testing.assert_allclose(new["groups"]["g"]["Z"][:, 1:], new["X"][:, 1:])


# --------------------------------------------------------------------------- bs()
def test_bspline_basis_matches_scipy_and_keeps_knots():
    d = make_design("y ~ bs(x, df=5)", DF)
    x = DF["x"].to_numpy()
    inner = np.quantile(x, [1 / 3, 2 / 3])  # df 5, cubic, no intercept: 2 inner knots
    t = np.r_[[x.min()] * 4, inner, [x.max()] * 4]

    def basis(v, extrapolate=False):
        return np.column_stack(
            [BSpline(t, np.eye(6)[k], 3, extrapolate=extrapolate)(v) for k in range(6)]
        )

    B = d.X[:, 1:]
    full = np.nan_to_num(basis(x))
    full[x == x.max(), -1] = 1.0  # the right end point belongs to the last basis function
    np.testing.assert_allclose(B, full[:, 1:], atol=1e-10)  # first column dropped
    new = NEW["x"].to_numpy()  # 0.5 lies below the fitted range: extrapolated, as R's bs()
    assert new.min() < x.min()
    np.testing.assert_allclose(d.new_data(NEW)["X"][:, 1:], basis(new, True)[:, 1:], atol=1e-10)


# --------------------------------------------------------------------------- contrasts
def _ls(d, y):
    return dict(zip(d.fixed_names, np.linalg.lstsq(d.X, y, rcond=None)[0], strict=True))


def test_sum_contrast_is_effect_against_the_grand_mean():
    d = make_design("y ~ C(g, Sum)", DF)
    assert d.fixed_names == ["Intercept", "C(g, Sum)[a]", "C(g, Sum)[b]", "C(g, Sum)[c]"]
    g = DF["g"].to_numpy()
    for lev in "abc":  # +1 in its level, -1 in the last level, 0 elsewhere
        expect = (g == lev).astype(float) - (g == "d")
        np.testing.assert_array_equal(_col(d, f"C(g, Sum)[{lev}]"), expect)
    means = DF.groupby("g")["y"].mean()
    b = _ls(d, DF["y"].to_numpy())
    assert b["Intercept"] == pytest.approx(means.mean())
    assert b["C(g, Sum)[b]"] == pytest.approx(means["b"] - means.mean())


def test_treatment_contrast_with_reference():
    d = make_design('y ~ C(g, Treatment("c"))', DF)
    assert [n.rsplit("[", 1)[1] for n in d.fixed_names[1:]] == ["a]", "b]", "d]"]
    means = DF.groupby("g")["y"].mean()
    b = _ls(d, DF["y"].to_numpy())
    assert b["Intercept"] == pytest.approx(means["c"])
    assert b['C(g, Treatment("c"))[a]'] == pytest.approx(means["a"] - means["c"])


@pytest.mark.parametrize("ordered", [False, True])
def test_pandas_category_order_sets_the_reference(ordered):
    df = DF.assign(
        g=pd.Categorical(DF["g"], categories=["c", "a", "b", "d", "unused"], ordered=ordered)
    )
    d = make_design("y ~ g + (1 | g)", df)
    assert d.fixed_names == ["Intercept", "g[a]", "g[b]", "g[d]"]  # no column for 'unused'
    b = _ls(d, DF["y"].to_numpy())
    assert b["Intercept"] == pytest.approx(DF.loc[DF.g == "c", "y"].mean())
    X = d.new_data(NEW)["X"]  # new rows d, c, b, a
    np.testing.assert_array_equal(X[:, 1:], [[0, 0, 1], [0, 0, 0], [0, 1, 0], [1, 0, 0]])
    assert df["g"].dtype.ordered is ordered  # the user's frame is left alone


def test_salamanders_has_glmmtmb_reference_levels():
    """glmmTMB (Brooks et al. 2017, R Journal 9(2)) reports sppPR ... sppDF and minedno:
    reference species GP and reference mined = yes."""
    sal = hm.datasets.load("salamanders")
    d = make_design("count ~ spp + mined + (1 | site)", sal)
    assert d.fixed_names == [
        "Intercept",
        "spp[PR]",
        "spp[DM]",
        "spp[EC-A]",
        "spp[EC-L]",
        "spp[DES-L]",
        "spp[DF]",
        "mined[no]",
    ]
    np.testing.assert_array_equal(_col(d, "mined[no]"), (sal["mined"] == "no").to_numpy(float))
    np.testing.assert_array_equal(_col(d, "spp[DF]"), (sal["spp"] == "DF").to_numpy(float))


# --------------------------------------------------------------------------- group means
def test_within_between_reuse_fitted_group_means_on_new_data():
    d = make_design("y ~ within(x, g) + between(x, g) + (1 | g)", DF)
    means = DF.groupby("g")["x"].mean()
    new = d.new_data(NEW)["X"]
    np.testing.assert_allclose(new[:, 1], NEW["x"] - NEW["g"].map(means))
    np.testing.assert_allclose(new[:, 2], NEW["g"].map(means))
    np.testing.assert_allclose(_col(d, "between(x, g)"), DF["g"].map(means))


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "term,msg",
    [
        ("foo(x)", r"Unknown function foo\(\)"),
        ("cr(x, df=3)", r"cr\(\).*not provided by formulae"),
        ("ns(x, df=3)", r"ns\(\).*bs\(x, df=k\)"),
        ("C(g, Helmert)", r"Unknown contrast 'Helmert' in C\(\)"),
        ("splines.ns(x)", r"Unknown function splines.ns\(\)"),
    ],
)
def test_unknown_function_is_named(term, msg):
    with pytest.raises(FormulaError, match=msg):
        hm.Model(f"y ~ x + {term}", DF)


def test_keyword_arguments_are_not_columns():
    assert len(make_design("y ~ bs(x, df=4, degree=2)", DF).fixed_names) == 1 + 4
    d = make_design("y ~ poly(x, degree=2, raw=True)", DF)
    np.testing.assert_allclose(_col(d, "poly(x, degree=2, raw=True)[1]"), DF["x"] ** 2)
    with pytest.raises(DataError, match="'w' used in the formula"):
        make_design("y ~ I(x * w)", DF)


# --------------------------------------------------------------------------- the gate
PAYLOADS = [
    "I(pwn(x))",
    "{pwn(x)}",
    "poly(pwn(x), 2)",
    "bs(pwn(x), df=4)",
    "bs(x, df=pwn(4))",
    "C(pwn(g), Sum)",
    'C(g, Treatment(pwn("a")))',
]


@pytest.mark.parametrize("term", PAYLOADS)
def test_payload_through_each_new_function_never_runs(tmp_path, monkeypatch, term):
    """The payload is live (formulae runs it when given a namespace holding ``pwn``), and
    the gate refuses it before anything is evaluated, naming it."""
    import formulae
    from formulae.environment import Environment

    import hiermodels.data.design as design

    target = tmp_path / "pwned"

    def pwn(v):
        target.write_text("code ran")
        return v

    monkeypatch.setattr(design, "pwn", pwn, raising=False)
    try:
        formulae.design_matrices(f"0 + {term}", DF, env=Environment([vars(design)]))
    except Exception:  # formulae may reject the result; the call has happened
        pass
    assert target.exists(), "the payload must be live for this test to prove anything"
    target.unlink()
    for formula in (f"y ~ x + {term}", f"y ~ x + ({term} | g)"):
        with pytest.raises(FormulaError, match="pwn"):
            hm.Model(formula, DF)
    assert not Path(target).exists()


@pytest.mark.parametrize(
    "term",
    ["I(os.system('touch {p}'))", "poly(np.load('{p}'), 2)", "C(g, Treatment(open('{p}')))"],
)
def test_module_calls_inside_new_functions_are_refused(tmp_path, term):
    target = tmp_path / "pwned"
    with pytest.raises(hm.HiermodelsError):
        hm.Model(f"y ~ x + {term.format(p=target)}", DF)
    assert not target.exists()
