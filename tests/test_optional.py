"""Optional extras: a missing one is a clear error naming the extra; present, the path runs.

CI installs ``.[test,numpyro]`` so that the numpyro smoke test runs there; without the
extra it is skipped (and the error test still runs).
"""

from __future__ import annotations

import importlib.util
import warnings

import pytest

import hiermodels as hm
from hiermodels import optional
from hiermodels.optional import EXTRAS, MissingExtraError, require


def _hide(monkeypatch, *modules):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name in modules else real(name, *a)
    )


@pytest.mark.parametrize("extra", sorted(EXTRAS))
def test_require_names_the_extra(monkeypatch, extra):
    _hide(monkeypatch, *EXTRAS[extra])
    with pytest.raises(MissingExtraError) as err:
        require(extra, "this path")
    msg = str(err.value)
    assert f"pip install 'hiermodels[{extra}]'" in msg
    assert all(m in msg for m in EXTRAS[extra])
    assert isinstance(err.value, hm.HiermodelsError) and isinstance(err.value, ImportError)


def test_require_passes_when_installed(monkeypatch):
    _hide(monkeypatch)  # nothing hidden: every module of a fake extra exists
    monkeypatch.setitem(EXTRAS, "fake", ("json", "csv"))
    require("fake", "json")
    assert optional.missing("fake") == []


def test_numpyro_sampler_without_the_extra_is_a_clear_error(monkeypatch, sleep):
    _hide(monkeypatch, "jax", "numpyro")
    model = hm.Model("Reaction ~ Days + (1 | Subject)", sleep)
    with pytest.raises(MissingExtraError, match=r"hiermodels\[numpyro\]"):
        model.fit(draws=10, tune=10, chains=1, sampler="numpyro", progressbar=False)


@pytest.mark.sampling
def test_numpyro_sampler_runs_when_installed(sleep):
    pytest.importorskip("numpyro")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = hm.Model("Reaction ~ Days + (1 | Subject)", sleep).fit(
            draws=150, tune=150, chains=2, seed=1, sampler="numpyro", progressbar=False
        )
    assert fit.sampler == "numpyro"
    fe = fit.fixed_effects()
    # lme4: lmer(Reaction ~ Days + (1 | Subject), sleepstudy): Days 10.467 (SE 0.804)
    # tolerance: a quarter posterior sd (weak prior vs ML) plus 4 Monte Carlo standard errors
    sd, ess = fe.loc["Days", "sd"], fe.loc["Days", "ess_bulk"]
    assert abs(fe.loc["Days", "mean"] - 10.467) < 0.25 * sd + 4 * sd / ess**0.5
    assert fit.posterior.sizes["draw"] == 150
