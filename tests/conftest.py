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
