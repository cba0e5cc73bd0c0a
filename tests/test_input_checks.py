"""Checks of user values before anything samples (issue 15): prior parameters, fit
settings, and where a TOML spec may read its data from."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from hiermodels.errors import HiermodelsWarning, PriorError, SamplingError, SpecError
from hiermodels.spec.data_path import FLAG, resolve_data_path
from hiermodels.spec.fit_settings import MAX_DRAWS, check_fit_settings, warn_single_chain
from hiermodels.spec.prior_params import check_prior_params


# ----------------------------------------------------------------------------- priors
@pytest.mark.parametrize(
    ("dist", "params", "name"),
    [
        ("HalfNormal", {"sigma": -5}, "sigma"),
        ("Normal", {"mu": 0, "sigma": 0}, "sigma"),
        ("Exponential", {"lam": -1}, "lam"),
        ("Gamma", {"alpha": -2, "beta": 1}, "alpha"),
        ("Gamma", {"alpha": 2, "beta": 0}, "beta"),
        ("LKJ", {"eta": -1}, "eta"),
        ("LKJ", {"eta": 0}, "eta"),
        ("StudentT", {"nu": 0, "mu": 0, "sigma": 1}, "nu"),
        ("HalfCauchy", {"beta": -0.1}, "beta"),
        ("LogNormal", {"mu": 0, "sigma": -1}, "sigma"),
    ],
)
def test_nonpositive_scales_are_refused(dist, params, name):
    with pytest.raises(PriorError, match=rf"{dist}\({name}=.*must be > 0.*For example"):
        check_prior_params(dist, params)


def test_uniform_bounds_in_order():
    with pytest.raises(PriorError, match=r"lower must be below upper"):
        check_prior_params("Uniform", {"lower": 5, "upper": 1})
    with pytest.raises(PriorError, match=r"lower must be below upper"):
        check_prior_params("Uniform", {"lower": 1, "upper": 1})
    assert check_prior_params("Uniform", {"lower": 0, "upper": 2}) == {"lower": 0.0, "upper": 2.0}


@pytest.mark.parametrize("value", ["a", None, [1, 2], True, np.inf, np.nan, "1"])
def test_parameters_must_be_finite_numbers(value):
    with pytest.raises(PriorError, match=r"mu"):
        check_prior_params("Normal", {"mu": value, "sigma": 1})


def test_valid_priors_pass_as_floats():
    out = check_prior_params("StudentT", {"nu": np.int64(3), "mu": -2, "sigma": np.float32(0.5)})
    assert out == {"nu": 3.0, "mu": -2.0, "sigma": 0.5}
    assert all(type(v) is float for v in out.values())
    # locations may be negative or zero
    assert check_prior_params("Normal", {"mu": -100, "sigma": 1e-3})["mu"] == -100.0


# ----------------------------------------------------------------------------- fit settings
@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"draws": 0}, "draws"),
        ({"draws": True}, "draws"),
        ({"draws": 1.5}, "draws"),
        ({"draws": "100"}, "draws"),
        ({"draws": None}, "draws"),
        ({"draws": np.nan}, "draws"),
        ({"draws": 10**12}, "draws"),
        ({"tune": -1}, "tune"),
        ({"tune": False}, "tune"),
        ({"chains": 0}, "chains"),
        ({"chains": 10**6}, "chains"),
        ({"cores": 0}, "cores"),
        ({"cores": -1}, "cores"),
        ({"cores": "2"}, "cores"),
        ({"seed": -1}, "seed"),
        ({"seed": 2**70}, "seed"),
        ({"seed": 1.5}, "seed"),
        ({"seed": "abc"}, "seed"),
        ({"target_accept": 0}, "target_accept"),
        ({"target_accept": 1}, "target_accept"),
        ({"target_accept": np.nan}, "target_accept"),
        ({"target_accept": "0.9"}, "target_accept"),
        ({"target_accept": True}, "target_accept"),
        ({"progressbar": "yes"}, "progressbar"),
    ],
)
def test_bad_fit_settings(kwargs, name):
    with pytest.raises(SamplingError, match=rf"^{name} must"):
        check_fit_settings(**kwargs)


def test_good_fit_settings_are_normalised():
    out = check_fit_settings(
        draws=np.int64(200), tune=0, chains=2.0, cores=1, seed=np.uint32(7), progressbar=np.True_
    )
    assert out == {
        "draws": 200,
        "tune": 0,
        "chains": 2,
        "cores": 1,
        "seed": 7,
        "target_accept": 0.8,
        "progressbar": True,
    }
    assert check_fit_settings(draws=MAX_DRAWS)["draws"] == MAX_DRAWS
    assert check_fit_settings(seed=0)["seed"] == 0


def test_one_chain_warns_and_more_do_not():
    with pytest.warns(HiermodelsWarning, match=r"chains=1.*R-hat"):
        warn_single_chain(1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_single_chain(2)


# ----------------------------------------------------------------------------- data paths
@pytest.fixture
def layout(tmp_path):
    specs = tmp_path / "specs"
    (specs / "data").mkdir(parents=True)
    (specs / "data" / "ok.csv").write_text("y,g\n1,a\n")
    (specs / "notes.txt").write_text("x")
    (tmp_path / "secret.csv").write_text("password\nhunter2\n")
    (specs / "link.csv").symlink_to(tmp_path / "secret.csv")
    return specs


def test_relative_paths_inside_the_spec_folder(layout):
    assert resolve_data_path("data/ok.csv", layout) == (layout / "data" / "ok.csv").resolve()
    assert resolve_data_path("./data/../data/ok.csv", layout).name == "ok.csv"


@pytest.mark.parametrize("ref", ["../secret.csv", "data/../../secret.csv", "link.csv"])
def test_escapes_are_refused(layout, ref):
    with pytest.raises(SpecError, match=rf"outside the spec's folder.*{FLAG}"):
        resolve_data_path(ref, layout)


def test_absolute_paths_are_refused(layout):
    secret = layout.parent / "secret.csv"
    with pytest.raises(SpecError, match=rf"absolute path.*{FLAG}"):
        resolve_data_path(str(secret), layout)
    with pytest.raises(SpecError, match=r"absolute path"):
        resolve_data_path("/etc/passwd", layout)


def test_the_flag_allows_outside_csv_only(layout):
    secret = layout.parent / "secret.csv"
    assert resolve_data_path(str(secret), layout, allow_outside=True) == secret.resolve()
    assert resolve_data_path("../secret.csv", layout, allow_outside=True) == secret.resolve()
    with pytest.raises(SpecError, match=r"not a \.csv file"):
        resolve_data_path("/etc/passwd", layout, allow_outside=True)
    with pytest.raises(SpecError, match=r"not a \.csv file"):
        resolve_data_path("notes.txt", layout)


def test_missing_file_named(layout):
    with pytest.raises(SpecError, match=r"nope\.csv.*is not an existing CSV file"):
        resolve_data_path("nope.csv", layout)
    with pytest.raises(SpecError, match=r"neither a bundled dataset \(a, b\) nor an existing"):
        resolve_data_path("nope.csv", layout, names=("a", "b"))
