import os

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
