"""``hiermodels.spec.formulae_import``: formulae without scipy.interpolate at import."""

from __future__ import annotations

import subprocess
import sys


def _run(code: str) -> None:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]


def test_model_imports_no_scipy_interpolate_and_splev_still_works():
    """Building a Model imports neither scipy.interpolate nor scipy.optimize nor
    scipy.stats; afterwards ``import scipy.interpolate`` is the real package, and the
    ``splev`` formulae holds computes what SciPy's does."""
    _run(
        "import sys, numpy as np, hiermodels as hm\n"
        "m = hm.Model('Reaction ~ Days + (Days | Subject)', hm.datasets.load('sleepstudy'))\n"
        "bad = [k for k in ('scipy.interpolate', 'scipy.optimize', 'scipy.stats')\n"
        "       if k in sys.modules]\n"
        "assert not bad, bad\n"
        "assert 'formulae' in sys.modules\n"
        "import scipy.interpolate as si, formulae.transforms as ft\n"
        "assert hasattr(si, 'BSpline') and si.splev.__module__.startswith('scipy.')\n"
        "tck = si.splrep(np.arange(8.0), np.arange(8.0) ** 2)\n"
        "x = np.linspace(0, 7, 15)\n"
        "assert np.array_equal(ft.splev(x, tck), si.splev(x, tck))\n"
    )


def test_untested_formulae_version_is_imported_plainly():
    _run(
        "import sys, hiermodels.spec.formulae_import as F\n"
        "F.TESTED_VERSIONS = ()\n"
        "F.import_formulae()\n"
        "assert hasattr(sys.modules['scipy.interpolate'], 'BSpline')\n"
    )


def test_formulae_wanting_more_of_scipy_interpolate_is_imported_again_plainly():
    """If formulae imports a name the stand-in lacks, its half-imported modules are
    dropped and it is imported with the real scipy.interpolate."""
    _run(
        "import sys, types, hiermodels.spec.formulae_import as F\n"
        "class NoSplev(types.ModuleType):\n"
        "    def __setattr__(self, k, v):\n"
        "        if k != 'splev':\n"
        "            super().__setattr__(k, v)\n"
        "F.types = types.SimpleNamespace(ModuleType=NoSplev)\n"
        "fm = F.import_formulae()\n"
        "import scipy.interpolate as si, formulae.transforms as ft\n"
        "assert hasattr(si, 'BSpline') and ft.splev is si.splev\n"
        "assert fm is sys.modules['formulae'] and callable(fm.design_matrices)\n"
    )
