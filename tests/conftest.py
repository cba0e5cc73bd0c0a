import os
import sys

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest

import hiermodels as hm


@pytest.fixture(scope="session")
def sleep():
    return hm.datasets.load("sleepstudy")


@pytest.fixture(scope="session")
def radon():
    return hm.datasets.load("radon")


@pytest.fixture(scope="session")
def bcg():
    return hm.datasets.load("bcg")


@pytest.fixture(scope="session")
def schools():
    return hm.datasets.load("eight_schools")


@pytest.fixture(autouse=True)
def _close_figures():
    """Close matplotlib figures after each test (only if pyplot was ever imported)."""
    yield
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
