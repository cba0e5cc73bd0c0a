"""The ``mass_matrix`` fit setting: nutpie's diagonal or low-rank modified mass matrix.

Bad values are refused before anything samples; ``"low_rank"`` samples the same posterior
as ``"diag"`` (within Monte Carlo error from the measured ESS), the same seed gives the same
draws, and the public-callback fallback and the one-line progress display build the same
sampler as the native path and ``nutpie.sample`` (identical draws).
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest

import hiermodels as hm
from hiermodels.backends import sample
from hiermodels.errors import HiermodelsError, SamplingError
from hiermodels.spec.fit_settings import MASS_MATRICES, check_fit_settings

KW = dict(draws=300, tune=300, chains=2, seed=3, target_accept=0.8, progressbar=False)


@pytest.fixture(scope="module")
def cbpp():
    """A Binomial GLMM on the joint kernel (not the marginal Gaussian path)."""
    return hm.Model(
        "incidence | trials(size) ~ period + (1 | herd)",
        hm.datasets.load("cbpp"),
        family="binomial",
    )


@pytest.mark.parametrize("bad", ["dense", "Diag", "", None, 1, True, ("diag",)])
def test_bad_mass_matrix_is_refused_naming_the_choices(bad):
    with pytest.raises(SamplingError, match=r"mass_matrix must be one of 'diag', 'low_rank'"):
        check_fit_settings(mass_matrix=bad)


def test_fit_refuses_a_bad_mass_matrix_before_sampling(cbpp, monkeypatch):
    from hiermodels.backends import kernel_sampler

    def never(*a, **k):  # pragma: no cover - reached only if the check is missing
        raise AssertionError("sampled despite a bad mass_matrix")

    monkeypatch.setattr(kernel_sampler, "sample_kernel", never)
    with pytest.raises(SamplingError, match=r"mass_matrix.*'dense'"):
        cbpp.fit(mass_matrix="dense", **KW)


@pytest.mark.parametrize("sampler", ["pymc", "numpyro"])
def test_low_rank_is_refused_for_samplers_without_it(sampler):
    with pytest.raises(SamplingError, match=r"low_rank.*diagonal"):
        sample.check_settings(1000, 1000, 4, sampler, 0.8, mass_matrix="low_rank")


def test_low_rank_is_refused_for_residual_models():
    df = hm.datasets.load("sleepstudy")
    m = hm.Model("Reaction ~ Days + (1 | Subject)", df, residual="ar1(Subject)")
    with pytest.raises(HiermodelsError, match=r"low_rank.*residual"):
        m.fit(mass_matrix="low_rank", **KW)


def test_auto_rule(monkeypatch):
    assert set(MASS_MATRICES) == {"diag", "low_rank", "auto"}
    for n in (3, 20, 199, 2005, 10**6):  # measured: nothing to gain / the update too dear
        assert sample.resolve_mass_matrix("auto", n) == "diag"
    for n in (200, 348, 1145, 1500):  # verbagg, InstEval partial: the ridge needs it
        assert sample.resolve_mass_matrix("auto", n) == "low_rank"
    monkeypatch.setattr(sample, "AUTO_LOW_RANK_DIMS", (100, 120))
    assert sample.resolve_mass_matrix("auto", 99) == "diag"
    assert sample.resolve_mass_matrix("auto", 100) == "low_rank"
    assert sample.resolve_mass_matrix("diag", 10**6) == "diag"
    assert sample.resolve_mass_matrix("low_rank", 3) == "low_rank"
    with pytest.raises(SamplingError):
        sample.resolve_mass_matrix("full", 3)


def _kernel(model, **kw):
    from hiermodels.backends.kernel_sampler import sample_kernel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sample_kernel(model, **{**KW, **kw})


@pytest.mark.sampling
def test_low_rank_same_seed_same_draws_and_callback_path_agrees(cbpp):
    """Same seed -> identical draws; the public-callback path takes the same setting and,
    with the same density and seed, gives the same draws as the native path."""
    a = _kernel(cbpp, mass_matrix="low_rank", native=True)
    b = _kernel(cbpp, mass_matrix="low_rank", native=True)
    c = _kernel(cbpp, mass_matrix="low_rank", native=False)
    d = _kernel(cbpp, mass_matrix="diag", native=True)
    for v in ("Intercept", "b", "sd_herd"):
        np.testing.assert_array_equal(a.posterior[v].values, b.posterior[v].values)
        np.testing.assert_array_equal(a.posterior[v].values, c.posterior[v].values)
    # the setting reaches nutpie: the diagonal run is a different chain
    assert not np.array_equal(a.posterior["Intercept"].values, d.posterior["Intercept"].values)


@pytest.mark.sampling
def test_low_rank_posterior_agrees_with_diag_within_mcse(cbpp):
    """Posterior means of the fixed effects and the SD agree within 4 combined MCSEs
    (each from that run's measured ESS)."""
    from hiermodels.derive.summaries import summarize

    kw = dict(draws=500, tune=500, chains=4, seed=11)
    fits = {m: _kernel(cbpp, mass_matrix=m, **kw) for m in ("diag", "low_rank")}
    rows = {}
    for m, idata in fits.items():
        post = idata.posterior
        draws = {"Intercept": post["Intercept"].values}
        for v in ("b", "sd_herd"):
            a = post[v].values.reshape(post[v].shape[0], post[v].shape[1], -1)
            draws.update({f"{v}{k}": a[..., k] for k in range(a.shape[-1])})
        rows[m] = summarize(draws, 0.95)
    d, lr = rows["diag"], rows["low_rank"]
    assert (d["ess_bulk"] > 200).all() and (lr["ess_bulk"] > 200).all()
    mcse = np.sqrt(d["sd"] ** 2 / d["ess_bulk"] + lr["sd"] ** 2 / lr["ess_bulk"])
    z = (d["mean"] - lr["mean"]).abs() / mcse
    assert (z < 4).all(), z.to_dict()
    assert (d["r_hat"] < 1.02).all() and (lr["r_hat"] < 1.02).all()


@pytest.mark.sampling
def test_fit_passes_the_setting_through(cbpp):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = cbpp.fit(mass_matrix="low_rank", **KW)
    b = _kernel(cbpp, mass_matrix="low_rank")
    np.testing.assert_array_equal(a.posterior["Intercept"].values, b.posterior["Intercept"].values)


@pytest.mark.sampling
def test_line_progress_low_rank_equals_nutpie_sample(cbpp):
    """The one-line progress display builds the low-rank sampler exactly as
    ``nutpie.sample(low_rank_modified_mass_matrix=True)`` does (identical draws)."""
    nutpie = pytest.importorskip("nutpie")

    from hiermodels.backends.kernels import initial_point, kernel_data
    from hiermodels.backends.kernels.native import native_arrays
    from hiermodels.backends.kernels.native_glmm import glmm_cfunc
    from hiermodels.backends.nutpie_adapter import line_progress_sampler, native_model_from
    from hiermodels.backends.progress_line import LineProgress
    from hiermodels.model.layout import make_layout

    lay = make_layout(cbpp, collapsed=False)
    data = kernel_data(cbpp, lay)

    def start(s):
        return initial_point(cbpp, lay, np.random.default_rng(s))

    cm = native_model_from(native_arrays(data, False), glmm_cfunc.address, lay.n_dim, start)
    kw = {"draws": 100, "tune": 100, "chains": 2, "cores": 2, "seed": 7, "target_accept": 0.8}
    progress = LineProgress(io.StringIO())
    a = sample.wait_for(line_progress_sampler(cm, progress=progress, low_rank=True, **kw))
    progress.close()
    b = nutpie.sample(
        cm, save_warmup=False, progress_bar=False, low_rank_modified_mass_matrix=True, **kw
    )
    c = nutpie.sample(cm, save_warmup=False, progress_bar=False, **kw)
    np.testing.assert_array_equal(a.posterior["theta"].values, b.posterior["theta"].values)
    assert not np.array_equal(a.posterior["theta"].values, c.posterior["theta"].values)
