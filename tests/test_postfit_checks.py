"""The post-fit path with less work and the same numbers: the FFT length without SciPy, each
SD's shape near zero computed once, densities without a DataFrame round trip, the linear
predictor updated in place, the trace's Datasets built in one call."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import xarray as xr
from explainfits import fake_fit

import hiermodels as hm
from hiermodels.derive import convergence, diagnostics, predict
from hiermodels.model import names


def test_next_fast_len_is_scipys():
    from scipy.fftpack import next_fast_len

    for n in [*range(1, 5001), 2**40 + 1, 3**25 - 7, 10**12 + 3, 5**17 + 1]:
        assert convergence.next_fast_len(n) == next_fast_len(n), n
    with pytest.raises(ValueError, match="positive"):
        convergence.next_fast_len(0)


def test_ess_imports_no_scipy_fft():
    code = (
        "import sys, numpy as np\n"
        "from hiermodels.derive import convergence\n"
        "x = np.random.default_rng(0).normal(size=(3, 4, 500)).cumsum(axis=2)\n"
        "convergence.many(x)\n"
        "assert 'scipy.fft' not in sys.modules and 'scipy.fftpack' not in sys.modules\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-2000:]


@pytest.fixture(scope="module")
def sleep_fake():
    """A fake sleepstudy fit: an intercept SD that piles up at zero, a slope SD that does
    not, random group effects (no MCMC)."""
    model = hm.Model("Reaction ~ Days + (Days | Subject)", hm.datasets.load("sleepstudy"))
    rng = np.random.default_rng(5)
    D = 2000
    sd = np.stack([np.abs(rng.normal(0, 20, D)), rng.gamma(20, 0.3, D)], axis=-1)[None]
    cor = np.broadcast_to(np.eye(2), (1, D, 2, 2)).copy()
    cor[..., 0, 1] = cor[..., 1, 0] = np.tanh(rng.normal(0, 0.3, D))
    values = {
        "Intercept": rng.normal(250, 5, (1, D)),
        "b": rng.normal(10, 1, (1, D, 1)),
        "sd_Subject": sd,
        "cor_Subject": cor,
        "sigma": rng.gamma(100, 0.25, (1, D)),
        "r_Subject": rng.normal(0, 10, (1, D, 18, 2)),
    }
    return fake_fit(model, values, draws=D)


def test_small_cluster_checks_compute_each_sd_shape_once(sleep_fake, monkeypatch):
    calls = []
    real = diagnostics.sd_at_zero

    def counted(x):
        calls.append(1)
        return real(x)

    monkeypatch.setattr(diagnostics, "sd_at_zero", counted)
    got = diagnostics.small_cluster_checks(sleep_fake, psense=False)
    assert len(calls) == 2  # two SDs, once each (it was twice each)
    again = diagnostics.boundary_warnings(sleep_fake.trace)  # computing them itself
    assert len(calls) == 4
    assert got["warnings"][: len(again)] == again
    assert any("sd(Subject, Intercept) piles up at zero" in w for w in again)
    assert not any("sd(Subject, Days) piles up" in w for w in again)
    tab = diagnostics.prior_posterior(sleep_fake, psense=False)
    assert got["table"].equals(tab)


def test_given_sd_shapes_are_used_and_the_rest_computed(sleep_fake):
    post = sleep_fake.posterior
    x = post["sd_Subject"].sel(Subject__term="Days").values
    forced = {"piles_at_zero": True, "density_at_zero": 1.0, "q05_over_median": 0.0}
    w = diagnostics.boundary_warnings(sleep_fake.trace, {("sd_Subject", "Days"): forced})
    assert any("sd(Subject, Days) piles up at zero" in s for s in w)  # as given
    assert any("sd(Subject, Intercept) piles up at zero" in s for s in w)  # computed
    assert not diagnostics.sd_at_zero(x)["piles_at_zero"]


def test_overlap_is_the_one_the_densities_table_gives(sleep_fake):
    """The table's overlap from the densities' arrays equals the one computed, as before,
    from the public densities DataFrame, bit for bit; the DataFrame keeps its layout."""
    dens = diagnostics.prior_posterior_densities(sleep_fake)
    assert list(dens.columns) == ["parameter", "x", "prior", "posterior"]
    assert len(dens) == 2 * 200 and set(dens.attrs["priors"]) == set(dens["parameter"])
    tab = diagnostics.prior_posterior(sleep_fake, psense=False)
    for label in tab.index:
        d = dens[dens["parameter"] == label]
        ovl = float(np.trapezoid(np.minimum(d["prior"], d["posterior"]), d["x"]))
        assert tab.loc[label, "overlap"] == min(ovl, 1.0)
    rng = np.random.default_rng(1)
    for g in sleep_fake.design.groups:  # the prior's quantiles, one np.quantile call each
        for term in g.terms:
            pdraw = diagnostics._prior_for(sleep_fake, g, term).draw(rng, 40000)
            x = sleep_fake.posterior[names.sd(g)].sel({g.term_dim: term}).values
            iqr = np.subtract(*np.quantile(x, [0.75, 0.25]))
            iqr_p = np.subtract(*np.quantile(pdraw, [0.75, 0.25]))
            label = names.sd_label(g.name, term)
            assert tab.loc[label, "contraction"] == float(1 - (iqr / iqr_p) ** 2)
            q10 = np.quantile(pdraw, 0.1)
            assert tab.loc[label, "near_zero_ratio"] == float(np.mean(x < q10) / 0.1)


def _eta_as_before(fit, modes, rng):
    """``linear_parts``' linear predictor written as it was (a new array per addition)."""
    design, post = fit.design, fit.posterior
    D = post.sizes["chain"] * post.sizes["draw"]
    eta = predict.fixed_matrix(post, design) @ design.X.T
    for g in design.groups:
        if modes[g.name] == "fitted":
            r = post[names.effects(g)].values.reshape(D, g.n_levels, g.q)
            for a in range(g.q):
                eta = eta + g.Z[:, a] * r[:, g.codes, a]
        elif modes[g.name] == "new":
            uniq, inv = np.unique(predict.factor_labels(design.data, g.name), return_inverse=True)
            G = predict.group_covariance(post, g)
            L = np.linalg.cholesky(G + 1e-12 * np.eye(g.q))
            b = np.einsum("dqr,dkr->dkq", L, rng.standard_normal((D, len(uniq), g.q)))
            for a in range(g.q):
                eta = eta + g.Z[:, a] * b[:, inv, a]
    return eta


@pytest.mark.parametrize("mode", ["fitted", "new", "typical", "population"])
def test_linear_predictor_in_place_is_the_same(sleep_fake, mode):
    modes = {"Subject": mode}
    eta, v, *_ = predict.linear_parts(sleep_fake, None, modes, np.random.default_rng(9))
    ref = _eta_as_before(sleep_fake, modes, np.random.default_rng(9))
    np.testing.assert_array_equal(eta, ref)
    assert v.dtype == eta.dtype and v.shape == eta.shape
    assert (np.any(v > 0)) == (mode == "population")
    fitted, _ = predict.fitted_eta(sleep_fake, max_draws=300)  # a subset of draws
    full, _ = predict.fitted_eta(sleep_fake)
    np.testing.assert_array_equal(fitted, full[np.linspace(0, 1999, 300).astype(int)])


def test_trace_datasets_are_arviz_dict_to_dataset():
    """``nutpie_adapter._dataset`` (one ``xr.Dataset`` call) gives ArviZ's Dataset:
    default and given dims and coordinates, a None dim, nutpie's ``chain``/``draw``
    statistics giving way to the coordinates."""
    azb = pytest.importorskip("arviz_base")
    from hiermodels.backends.nutpie_adapter import _dataset

    rng = np.random.default_rng(0)
    data = {
        "theta": rng.normal(size=(2, 5, 3)),
        "x": rng.normal(size=(2, 5)),
        "chain": np.zeros((2, 5), np.uint64),
        "draw": np.ones((2, 5), np.uint64),
        "m": rng.normal(size=(2, 5, 2, 2)),
        "flag": rng.normal(size=(2, 5)) > 0,
    }
    dims = {"theta": ["theta_dim_0"], "m": [None, "foo"], "x": []}
    coords = {"theta_dim_0": np.array([10, 20, 30])}
    ours = _dataset(data, dims, coords, {"a": 1})
    theirs = azb.dict_to_dataset(data, coords=coords, dims=dims, index_origin=0)
    xr.testing.assert_identical(ours.drop_attrs(), theirs.drop_attrs())
    assert ours.attrs == {"a": 1} and list(ours.data_vars) == ["theta", "x", "m", "flag"]
    assert ours["chain"].dtype == np.int64 and ours["flag"].dtype == bool
