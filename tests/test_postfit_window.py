"""Work moved into the sampling window (imports, the ArviZ version string) and the
window's Ctrl-C and error handling."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib.metadata import version

import pytest

from hiermodels.backends import sample
from hiermodels.backends.nutpie_adapter import arviz_version


class _FakeSampler:
    def __init__(self):
        self.log = []

    def wait(self):
        self.log.append("wait")
        return "trace"

    def cancel(self):
        self.log.append("cancel")


def test_wait_for_runs_the_window_work_first():
    s = _FakeSampler()
    assert sample.wait_for(s, lambda: s.log.append("meanwhile")) == "trace"
    assert s.log == ["meanwhile", "wait"]
    assert sample.wait_for(_FakeSampler()) == "trace"  # nothing to do meanwhile


def test_wait_for_cancels_on_ctrl_c_or_error_in_the_window():
    s = _FakeSampler()

    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt, match="no draws were kept"):
        sample.wait_for(s, interrupted)
    assert s.log == ["cancel"]
    s = _FakeSampler()
    with pytest.raises(ZeroDivisionError):
        sample.wait_for(s, lambda: 1 / 0)
    assert s.log == ["cancel"]


def test_import_hooks_registered_once_and_called(monkeypatch):
    monkeypatch.setattr(sample, "IMPORT_HOOKS", [])
    calls = []

    def hook():
        calls.append(1)

    sample.register_import_hook(hook)
    sample.register_import_hook(hook)
    assert sample.IMPORT_HOOKS == [hook]
    sample.import_while_sampling()
    assert calls == [1]


def test_fit_checks_modules_imported_in_the_window():
    """``hm.Fit``'s module registers the checks' modules; the window imports them."""
    code = textwrap.dedent(
        """
        import sys
        import hiermodels.api.fit as F
        from hiermodels.backends import sample as S
        assert F.import_fit_checks in S.IMPORT_HOOKS
        S.import_while_sampling()
        mods = ["hiermodels.derive.adequacy", "hiermodels.derive.checks",
                "hiermodels.derive.convergence",
                "hiermodels.derive.diagnostics", "hiermodels.derive.kde",
                "hiermodels.backends.trace"]
        missing = [m for m in mods if m not in sys.modules]
        assert not missing, missing
        """
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]


def test_arviz_version_is_the_installed_one_read_once():
    pytest.importorskip("arviz")
    arviz_version.cache_clear()
    assert arviz_version() == version("arviz")
    assert arviz_version() == version("arviz")
    assert arviz_version.cache_info().hits >= 1


def test_nothing_before_sampling_imports_xarray():
    """xarray (and its dask check) is imported while nutpie samples, not before: building a
    model and importing the samplers of the kernel path leave it unimported."""
    code = textwrap.dedent(
        """
        import sys
        import hiermodels as hm
        m = hm.Model("Reaction ~ Days + (Days | Subject)", hm.datasets.load("sleepstudy"))
        m.default_sampler()
        import hiermodels.backends.kernel_sampler, hiermodels.backends.marginal_sampler
        import hiermodels.backends.kernels.marginal_native
        assert "xarray" not in sys.modules, [k for k in sys.modules if "xarray" in k][:3]
        """
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr[-3000:]
