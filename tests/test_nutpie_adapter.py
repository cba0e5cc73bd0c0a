"""The nutpie adapter: version check, fallback to the public path, and lazy imports."""

import subprocess
import sys
import warnings

import numpy as np
import pytest

import hiermodels as hm
from hiermodels.backends import nutpie_adapter


def test_installed_nutpie_is_a_tested_version():
    ok, why = nutpie_adapter.native_status()
    assert ok, why


def test_unknown_nutpie_version_is_refused(monkeypatch):
    import nutpie

    nutpie_adapter.native_status.cache_clear()
    monkeypatch.setattr(nutpie, "__version__", "0.16.9")
    try:
        ok, why = nutpie_adapter.native_status()
    finally:
        nutpie_adapter.native_status.cache_clear()
    assert not ok
    assert "0.16.9" in why and "0.16.8" in why


@pytest.mark.sampling
def test_version_mismatch_falls_back_to_public_path_with_same_draws(monkeypatch):
    """On a nutpie the adapter does not know, a default fit warns once and samples the
    public callback path; the draws equal the native path's (same density, same seed)."""
    from hiermodels.backends import kernel_sampler, nuts_runner

    m = hm.Model("Reaction ~ Days + (Days | Subject)", hm.datasets.load("sleepstudy"))
    kw = dict(draws=100, tune=100, chains=2, seed=5, target_accept=0.8, progressbar=False)
    native = kernel_sampler.sample_kernel(m, native=True, **kw)
    monkeypatch.setattr(nuts_runner, "native_status", lambda: (False, "nutpie 9.9 is new"))
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fallback = kernel_sampler.sample_kernel(m, **kw)
    msgs = [str(w.message) for w in rec if issubclass(w.category, hm.HiermodelsWarning)]
    assert len(msgs) == 1 and "nutpie 9.9 is new" in msgs[0] and "callback" in msgs[0]
    np.testing.assert_array_equal(native.posterior["b"].values, fallback.posterior["b"].values)


@pytest.mark.sampling
def test_native_failure_falls_back(monkeypatch):
    """If nutpie's private API changed shape (TypeError on construction), fall back."""
    from hiermodels.backends import kernel_sampler, nuts_runner

    def broken(*args, **kwargs):
        raise TypeError("_make_sampler() takes 5 positional arguments but 6 were given")

    monkeypatch.setattr(nuts_runner, "native_model_from", broken)
    m = hm.Model("Reaction ~ Days + (1 | Subject)", hm.datasets.load("sleepstudy"))
    with pytest.warns(hm.HiermodelsWarning, match="TypeError"):
        idata = kernel_sampler.sample_kernel(
            m, draws=50, tune=50, chains=1, seed=1, target_accept=0.8, progressbar=False
        )
    assert idata.posterior["Intercept"].shape == (1, 50)


@pytest.mark.sampling
def test_kernel_path_imports_no_pymc():
    """A fresh process that fits on the kernel path never imports PyMC or pytensor."""
    code = (
        "import sys, hiermodels as hm\n"
        "m = hm.Model('Reaction ~ Days + (Days | Subject)', hm.datasets.load('sleepstudy'))\n"
        "f = m.fit(draws=50, tune=50, chains=1, seed=1, progressbar=False)\n"
        "f.summary()\n"
        "bad = [k for k in ('pymc', 'pytensor') if k in sys.modules]\n"
        "sys.exit(str(bad) if bad else 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
