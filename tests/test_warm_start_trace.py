"""No ArviZ on the kernel fit path (issue 11), and nothing lost for it.

A fit, its checks and its summary read the InferenceData's groups from a ``Trace``;
``fit.idata`` builds the real ``arviz.InferenceData`` on first access, identical to the one
built eagerly before; nutpie is imported with ArviZ deferred, and its raw trace converted
into the Datasets nutpie's own conversion gives.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
import xarray as xr

import hiermodels as hm
from hiermodels.backends.trace import Trace

az = pytest.importorskip("arviz")


def _ds(name, rng, shape=(2, 5)):
    return xr.Dataset({name: (("chain", "draw"), rng.normal(size=shape))})


def test_trace_builds_the_inferencedata_the_eager_code_built():
    rng = np.random.default_rng(1)
    post, ss, rb, obs, pp, pp2, ll = (
        _ds(n, rng) for n in ("mu", "energy", "r", "y", "y", "y", "y")
    )
    empty = xr.Dataset()

    def steps(t):
        t.add_groups(observed_data=obs)
        t.add_groups({"posterior_predictive": pp, "nothing": empty})
        del t["posterior_predictive"]
        t.add_groups({"posterior_predictive": pp2})
        t.add_groups({"log_likelihood": ll, "prior": pp})
        del t.prior  # as del idata.prior
        t.sample_stats = ss  # replace a group
        return t

    eager = steps(az.InferenceData(posterior=post, sample_stats=ss, rao_blackwell=rb))
    lazy = steps(Trace(posterior=post, sample_stats=ss, rao_blackwell=rb))
    assert not lazy.built
    assert set(lazy.groups()) == set(eager.groups())
    assert lazy.posterior is post and lazy["posterior_predictive"] is pp2
    assert "nothing" not in lazy and "prior" not in lazy
    with pytest.raises(AttributeError):
        lazy.prior  # noqa: B018  (a missing group, without building the InferenceData)
    with pytest.raises(ValueError, match="already exists"):
        lazy.add_groups(observed_data=obs)
    assert not lazy.built
    built = lazy.to_arviz()
    assert isinstance(built, az.InferenceData) and lazy.built and lazy.to_arviz() is built
    assert built.groups() == eager.groups()  # same groups, same order
    for g in eager.groups():
        assert built[g] is eager[g]
    # from now on every operation goes to the InferenceData
    lazy.add_groups(prior=_ds("mu", rng))
    assert "prior" in built.groups() and lazy.prior is built.prior


def test_trace_forwards_anything_else_and_pickles():
    import pickle

    rng = np.random.default_rng(2)
    t = Trace(posterior=_ds("mu", rng))
    back = pickle.loads(pickle.dumps(t))
    assert not back.built and back.posterior.equals(t.posterior)
    assert t.copy().posterior.equals(t.posterior)  # an InferenceData method: builds it
    assert t.built and isinstance(Trace.of(t.to_arviz()).to_arviz(), az.InferenceData)


@pytest.mark.sampling
def test_kernel_fit_and_summary_import_no_arviz_and_idata_is_complete():
    """Fresh process: building the Model imports neither scipy.stats nor scipy.interpolate
    (formulae's is deferred); fit + summary + diagnostics on the kernel path import neither
    ArviZ, matplotlib nor scipy.stats (its checks' KS and binomial tests, KDE and
    quantiles are hiermodels' own, SciPy's numbers); ``fit.idata`` is then a complete
    InferenceData."""
    code = (
        "import sys, warnings, hiermodels as hm\n"
        "m = hm.Model('Reaction ~ Days + (Days | Subject)', hm.datasets.load('sleepstudy'))\n"
        "early = [k for k in ('scipy.stats', 'scipy.interpolate') if k in sys.modules]\n"
        "assert not early, early\n"
        "with warnings.catch_warnings():\n"
        "    warnings.simplefilter('ignore')\n"
        "    f = m.fit(draws=100, tune=100, chains=2, seed=1, progressbar=False)\n"
        "f.summary(); f.diagnostics()\n"
        "bad = [k for k in ('arviz', 'matplotlib', 'pymc', 'scipy.stats') if k in sys.modules]\n"
        "assert not bad, bad\n"
        "import arviz as az\n"
        "assert isinstance(f.idata, az.InferenceData), type(f.idata)\n"
        "want = ['posterior', 'sample_stats', 'observed_data', 'posterior_predictive',\n"
        "        'rao_blackwell']\n"
        "assert sorted(f.idata.groups()) == sorted(want), f.idata.groups()\n"
        "assert f.idata.posterior is f.posterior and f.trace.built\n"
        "assert sys.modules['nutpie.sample'].arviz.from_dict is az.from_dict\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]


@pytest.mark.sampling
def test_post_fit_checks_run_on_one_blas_thread(monkeypatch):
    """Model.fit runs its checks (posterior predictive, diagnostics, small-cluster and
    residual checks) with one BLAS thread: their arrays are small, and OpenBLAS' threads,
    woken for each tiny call, cost more than they save."""
    from threadpoolctl import threadpool_info

    seen = []
    warn = hm.Fit.warn_if_problems

    def spy(self):
        seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
        return warn(self)

    monkeypatch.setattr(hm.Fit, "warn_if_problems", spy)
    m = hm.Model("Reaction ~ Days + (Days | Subject)", hm.datasets.load("sleepstudy"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m.fit(draws=50, tune=50, chains=2, seed=1, progressbar=False)
    assert seen and set(seen) == {1}, seen


@pytest.mark.sampling
@pytest.mark.parametrize("native", [True, False])
def test_raw_trace_conversion_equals_nutpies(monkeypatch, native):
    """``trace_from_raw`` gives the Datasets nutpie's ``_arrow_to_arviz`` gives (native and
    callback paths, diagonal and low-rank mass matrix)."""
    from nutpie.sample import _arrow_to_arviz

    from hiermodels.backends import nutpie_adapter

    seen = []
    real = nutpie_adapter.trace_from_raw

    def both(results, settings, coords):
        import pandas as pd

        draws, stats = results.get_arrow_trace()
        ours = real(_Again(draws, stats), settings, coords)
        skip = [
            n for f, ns in nutpie_adapter._SKIPS.items() if not getattr(settings, f) for n in ns
        ]
        theirs = _arrow_to_arviz(
            draws,
            stats,
            skip_vars=skip,
            coords={k: pd.Index(v) for k, v in coords.items()},
            save_warmup=False,
        )
        seen.append((ours, theirs))
        return ours

    monkeypatch.setattr(nutpie_adapter, "trace_from_raw", both)
    m = hm.Model("Reaction ~ Days + (Days | Subject)", hm.datasets.load("sleepstudy"))
    from hiermodels.backends.kernel_sampler import sample_kernel

    kw = dict(draws=60, tune=60, chains=2, seed=3, target_accept=0.8, progressbar=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for mm in ("diag", "low_rank"):
            sample_kernel(m, native=native, mass_matrix=mm, **kw)
    assert len(seen) == 2
    for (post, stats), theirs in seen:
        for ours, group in ((post, theirs.posterior), (stats, theirs.sample_stats)):
            assert set(ours.attrs) == set(group.attrs)
            xr.testing.assert_identical(ours.drop_attrs(), group.drop_attrs())
            for v in ours.data_vars:
                assert ours[v].dtype == group[v].dtype


class _Again:
    """A raw trace whose Arrow batches can be read twice (nutpie's can be taken once)."""

    def __init__(self, draws, stats):
        self._b = (draws, stats)

    def get_arrow_trace(self):
        return self._b
