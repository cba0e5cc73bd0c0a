"""Every ``models/*.toml`` spec fits (small draws) and reports; spec errors are clear.

Reference values (each must lie inside the posterior interval of the small-draw fit):

- sleepstudy, pastes, penicillin, dyestuff2: lme4 REML (Bates et al. 2015, JSS 67(1);
  Bates 2010, *lme4: Mixed-effects modeling with R*, ch. 1-2);
- radon: lme4 1.1-31 REML (tests/reference_values.py, RADON_LMER); radon_uranium: lme4
  1.1-31 REML on the same bundled data (tests/reference_values.py, RADON_URANIUM_LMER);
- cbpp: lme4 ``glmer`` Laplace (see tests/test_glmm.py);
- epil: lme4 1.1-31 ``glmer`` (adaptive Gauss-Hermite, nAGQ = 25) and ``glmer.nb``
  (tests/reference_values.py, EPIL_GLMER_POISSON_AGQ25, EPIL_GLMER_NB);
- bcg, bcg_ablat: metafor 3.8-1 ``rma`` REML (see tests/test_meta_frequentist.py);
- eight_schools: REML / common-effect estimate of mu, sum(y/s^2)/sum(1/s^2) = 7.686.
"""

from __future__ import annotations

import warnings
from html import escape
from pathlib import Path

import pytest
from reference_values import (
    EPIL_GLMER_NB,
    EPIL_GLMER_POISSON_AGQ25,
    OVARY_GLS_AR1,
    RADON_LMER,
    RADON_URANIUM_LMER,
)

import hiermodels as hm
from hiermodels.errors import HiermodelsError, SpecError
from hiermodels.present.report import render
from hiermodels.specfile import fit_spec, load_spec, parse_tau_prior, read_spec

MODELS = Path(__file__).resolve().parents[1] / "models"
SPECS = sorted(MODELS.glob("*.toml"))
SMALL = {"draws": 200, "tune": 200, "chains": 2, "seed": 3}

REFS = {
    "sleepstudy": [("fixed_effects", "Days", 10.467), ("varcorr", "sd(Subject, Days)", 5.922)],
    "radon": [  # lme4 (RADON_LMER)
        ("fixed_effects", "floor", RADON_LMER["fixef"]["floor"]),
        ("varcorr", "sd(county, Intercept)", RADON_LMER["sd_county_(Intercept)"]),
    ],
    "radon_uranium": [  # lme4 REML on the bundled radon data (RADON_URANIUM_LMER)
        ("fixed_effects", "log_uranium", RADON_URANIUM_LMER["fixef"]["log_uranium"]),
        ("varcorr", "sd(county, Intercept)", RADON_URANIUM_LMER["sd_county_(Intercept)"]),
    ],
    "cbpp": [("fixed_effects", "period[2]", -0.992), ("varcorr", "sd(herd, Intercept)", 0.642)],
    "epil_poisson": [  # lme4 glmer, adaptive Gauss-Hermite (EPIL_GLMER_POISSON_AGQ25)
        ("fixed_effects", "lbase", EPIL_GLMER_POISSON_AGQ25["fixef"]["lbase"]),
        ("fixed_effects", "V4", EPIL_GLMER_POISSON_AGQ25["fixef"]["V4"]),
        ("varcorr", "sd(subject, Intercept)", EPIL_GLMER_POISSON_AGQ25["sd_subject_(Intercept)"]),
    ],
    "epil_negbinomial": [  # lme4 glmer.nb (EPIL_GLMER_NB); phi is NB2's theta
        ("fixed_effects", "lbase", EPIL_GLMER_NB["fixef"]["lbase"]),
        ("varcorr", "phi", EPIL_GLMER_NB["theta"]),
    ],
    "bcg": [("summary", "mu", -0.7145), ("summary", "tau", 0.5597)],
    "bcg_ablat": [("summary", "ablat", -0.0291)],
    "eight_schools": [("summary", "mu", 7.686)],
    "pastes": [
        ("fixed_effects", "Intercept", 60.053),
        ("varcorr", "sd(batch:cask, Intercept)", 2.904),
    ],
    "penicillin": [
        ("fixed_effects", "Intercept", 22.972),
        ("varcorr", "sd(plate, Intercept)", 0.847),
        ("varcorr", "sd(sample, Intercept)", 1.932),
    ],
    "dyestuff2": [("fixed_effects", "Intercept", 5.666), ("varcorr", "sigma", 3.716)],
    "ovary_ar1": [  # nlme gls + corAR1 (OVARY_GLS_AR1)
        ("varcorr", "phi", OVARY_GLS_AR1["phi"]),
        ("fixed_effects", "sin(2 * pi * Time)", OVARY_GLS_AR1["fixef"]["sin(2 * pi * Time)"]),
    ],
}


def test_every_spec_has_reference_values():
    assert {p.stem for p in SPECS} == set(REFS)


@pytest.mark.sampling
@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_spec_fits_and_reports(path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hm.HiermodelsWarning)
        fit = fit_spec(path, overrides=SMALL, progressbar=False)
    for method, row, ref in REFS[path.stem]:
        tab = getattr(fit, method)()
        assert tab.loc[row, "lower"] < ref < tab.loc[row, "upper"], (method, row, tab.loc[row])
    if path.stem == "dyestuff2":  # the boundary-avoiding prior keeps sd(Batch) off zero
        assert fit.varcorr().loc["sd(Batch, Intercept)", "lower"] > 0.05
    html = render(fit)
    spec = load_spec(path)
    assert escape(spec.title) in html and "could not be computed" not in html
    assert escape(hm.datasets.describe(spec.dataset)["citation"]) in html


# --------------------------------------------------------------------------- errors
def _write(tmp_path, body: str, name: str = "m.toml") -> Path:
    p = tmp_path / name
    p.write_text(body)
    return p


@pytest.mark.parametrize(
    "body,msg",
    [
        ('[model]\nformula = "y ~ x"\n', "needs 'data'"),
        ('[model]\ndata = "sleepstudy"\n', "needs 'formula'"),
        ('[model]\nformula = "y ~ x"\ndata = "sleepstudy"\nfamly = "x"\n', "Did you mean 'family'"),
        ('[modle]\nformula = "y ~ x"\n', "unknown section [modle]"),
        ('[model]\nformula = "y ~ x"\ndata = "sleepstudy"\n[fit]\ndraws = "many"\n', "integer"),
        ('[model]\nformula = 3\ndata = "sleepstudy"\n', "must be a string"),
        ('[model]\nformula = "y ~ x"\ndata = "sleepstudy"\ndropna = "yes"\n', "true or false"),
        ("[fit]\ndraws = 10\n", "exactly one of [model]"),
        ('[model]\nformula = "y ~ x"\ndata = "d"\n[meta]\nyi = "y"\ndata = "d"\n', "both"),
        ('[meta]\ndata = "bcg"\nyi = "yi"\n', "exactly one of 'vi'"),
        ('[meta]\ndata = "bcg"\nyi = "yi"\nvi = "vi"\n[priors]\nsd = "x"\n', "tau_prior"),
        ("[model\n", "not valid TOML"),
        ('model = "x"\n', "must be a section"),
    ],
)
def test_bad_specs(tmp_path, body, msg):
    with pytest.raises(SpecError) as err:
        read_spec(_write(tmp_path, body))
    assert msg in str(err.value)


@pytest.mark.parametrize(
    "body,msg",
    [
        ('[model]\nformula = "y ~ x"\ndata = "nope.csv"\n', "neither a bundled dataset"),
        ('[model]\nformula = "y ~ x"\ndata = "."\n', "neither a bundled dataset"),
        (
            '[model]\nformula = "Reaction ~ Days + (1 | Subject)"\ndata = "sleepstudy"\n'
            'family = "weibull"\n',
            "Unknown family",
        ),
        (
            '[model]\nformula = "Reaction ~ Dayz + (1 | Subject)"\ndata = "sleepstudy"\n',
            "Dayz",
        ),
        ('[meta]\ndata = "bcg"\nyi = "yi"\nvi = "vj"\n', "'vj'"),
        ('[meta]\ndata = "bcg"\nyi = "yi"\nvi = "vi"\ntau_prior = "half-banana"\n', "tau prior"),
        (
            '[meta]\ndata = "bcg"\nyi = "yi"\nvi = "vi"\n[fit]\nsampler = "hiermodels"\n',
            "meta-analysis backend",
        ),
        (
            '[model]\nformula = "Reaction ~ Days + (1 | Subject)"\ndata = "sleepstudy"\n'
            '[fit]\nsampler = "stan"\n',
            "not a sampler",
        ),
        (
            '[model]\nformula = "Reaction ~ Days + (1 | Subject)"\ndata = "sleepstudy"\n'
            '[priors]\nsdd = "normal(0, 1)"\n',
            "sdd",
        ),
    ],
)
def test_bad_models_in_specs_are_hiermodels_errors(tmp_path, body, msg):
    with pytest.raises(HiermodelsError) as err:
        fit_spec(_write(tmp_path, body), overrides={"draws": 10, "tune": 10, "chains": 1})
    assert msg in str(err.value)


def test_formula_and_moderators_cannot_run_code(tmp_path, monkeypatch):
    """pwn() writes a file and sits in the namespaces that build the design matrices, so
    without the safety gate and the restricted namespace it would run (see
    test_formula.test_payload_is_live_so_the_gate_is_what_stops_it)."""
    import formulae
    from formulae.environment import Environment

    import hiermodels.data.design as design
    import hiermodels.meta.design as meta_design

    target = tmp_path / "pwned"

    def pwn(x):
        target.write_text("code ran")
        return x

    for mod in (design, meta_design):
        monkeypatch.setattr(mod, "pwn", pwn, raising=False)
    bcg = hm.datasets.load("bcg")
    formulae.design_matrices("pwn(ablat)", bcg, env=Environment([vars(meta_design)]))
    assert target.exists()  # live payload
    target.unlink()
    bodies = [
        '[model]\nformula = "Reaction ~ Days + pwn(Days)"\ndata = "sleepstudy"\n',
        '[meta]\ndata = "bcg"\nyi = "yi"\nvi = "vi"\nmoderators = "~ ablat + pwn(ablat)"\n',
    ]
    for body in bodies:
        with pytest.raises(HiermodelsError, match=r"pwn"):
            fit_spec(_write(tmp_path, body), overrides={"draws": 10, "tune": 10, "chains": 1})
        assert not target.exists()


def test_csv_data_relative_to_the_spec(tmp_path):
    sub = tmp_path / "analysis"
    sub.mkdir()
    hm.datasets.load("dyestuff").to_csv(sub / "dye.csv", index=False)
    path = _write(sub, '[model]\nformula = "Yield ~ 1 + (1 | Batch)"\ndata = "dye.csv"\n')
    spec = load_spec(path)
    assert spec.dataset is None and spec.report_info()["data_file"] == "dye.csv"
    from hiermodels.specfile import build

    assert build(spec).design.n == 30


def test_tau_prior_text():
    from hiermodels.meta import Gamma, HalfCauchy, HalfNormal, Uniform

    assert parse_tau_prior("half-normal") == "half-normal"
    assert parse_tau_prior("half-normal(0.5)") == HalfNormal(0.5)
    assert parse_tau_prior("Half-Cauchy(1)") == HalfCauchy(1.0)
    assert parse_tau_prior("uniform(0, 5)") == Uniform(5.0)
    assert parse_tau_prior("gamma(2, 4)") == Gamma(2.0, 4.0)
    for bad in ("gamma(2)", "half-normal(-1)", "half-normal(x)", "lognormal(1, 2)", "((("):
        with pytest.raises(SpecError):
            parse_tau_prior(bad)
