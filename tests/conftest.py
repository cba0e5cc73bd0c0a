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


def pytest_collection_modifyitems(config, items):
    """``@pytest.mark.slow`` tests are left out of the default run (as pyproject says): run
    them with ``-m slow`` or ``HIERMODELS_SLOW=1``."""
    expr = config.getoption("markexpr") or ""
    if os.environ.get("HIERMODELS_SLOW") or ("slow" in expr and "not slow" not in expr):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow or HIERMODELS_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
