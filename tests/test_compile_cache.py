"""The first run talks: a cold kernel cache is announced, the cache folder is configurable,
and ``hiermodels warmup`` fills it ahead of the first fit."""

import os
import subprocess
import sys

import pytest

from hiermodels.backends import compile_cache


def test_cold_cache_is_announced_once(tmp_path, monkeypatch, capsys):
    kernels = tmp_path / "kernels"
    kernels.mkdir()
    for src, _ in compile_cache._PROBES:
        (kernels / src).write_text("# stand-in source: nothing compiled for it yet\n")
    monkeypatch.setattr(compile_cache, "_KERNELS", kernels)
    monkeypatch.setattr(compile_cache, "_announced", False)
    assert not compile_cache.is_warm()
    assert compile_cache.announce_compile(estimate_s=40)
    err = capsys.readouterr().err
    assert "compiling its sampling kernels once for this machine" in err
    assert "hiermodels warmup" in err
    assert not compile_cache.announce_compile()  # once per process
    assert capsys.readouterr().err == ""


@pytest.mark.sampling
def test_warm_cache_is_silent(monkeypatch, capsys):
    """Once the kernels are compiled (warmup), the real cache is warm: no message."""
    from hiermodels.warmup import warmup

    warmup(verbose=False)
    monkeypatch.setattr(compile_cache, "_announced", False)
    assert compile_cache.is_warm()
    assert not compile_cache.announce_compile()
    assert capsys.readouterr().err == ""


def test_hiermodels_cache_dir_sets_numba_cache_dir(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["HIERMODELS_CACHE_DIR"] = str(tmp_path / "cache")
    code = "import os, hiermodels; print(os.environ.get('NUMBA_CACHE_DIR'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(tmp_path / "cache")
    code = (
        "import hiermodels.backends.compile_cache as c; "
        "print(all(str(d).startswith(__import__('os').environ['NUMBA_CACHE_DIR']) "
        "for d in c.cache_dirs()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "True", out.stderr


@pytest.mark.sampling
def test_warmup_command_leaves_a_warm_cache(capsys):
    from hiermodels.cli import main

    assert main(["warmup"]) == 0
    out = capsys.readouterr().out
    assert "cache warm" in out
    for family in ("gaussian", "bernoulli", "binomial", "poisson", "negbinomial"):
        assert family in out
    assert compile_cache.is_warm()


def test_drop_stale_cache_follows_every_kernel_source(tmp_path, monkeypatch):
    """numba keys a cache entry on its own file only; the fingerprint covers all kernel
    sources, so editing a file a kernel calls into (links_nb) invalidates every entry."""
    from hiermodels.backends import compile_cache as cc

    src = tmp_path / "kernels"
    src.mkdir()
    (src / "glmm_nb.py").write_text("x = 1\n")
    (src / "links_nb.py").write_text("y = 1\n")
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setattr(cc, "_KERNELS", src)
    monkeypatch.setattr(cc, "cache_dirs", lambda: [cache])

    def entries():
        for name in ("glmm_nb.glmm_logp-1.py311.nbi", "glmm_nb.glmm_logp-1.py311.1.nbc"):
            (cache / name).write_text("compiled")
        (cache / "other_module.f-1.py311.nbi").write_text("not ours")

    entries()
    assert cc.drop_stale_cache() == 2  # no fingerprint yet: entries of unknown age dropped
    assert (cache / "other_module.f-1.py311.nbi").exists()
    entries()
    assert cc.drop_stale_cache() == 0  # sources unchanged: the cache is kept
    assert (cache / "glmm_nb.glmm_logp-1.py311.nbi").exists()
    (src / "links_nb.py").write_text("y = 2\n")  # a file glmm_nb calls into changes
    assert cc.drop_stale_cache() == 2
    assert not (cache / "glmm_nb.glmm_logp-1.py311.nbi").exists()
    assert cc.drop_stale_cache() == 0
