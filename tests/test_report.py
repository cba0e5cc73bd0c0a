"""The HTML report: self-contained, complete, degrading gracefully, and rendered by Chromium.

The screenshot tests run Debian's headless ``chromium`` (installed by ``.ci/run``) with
the flags this machine needs (no sandbox as root, no background networking) and check
that the page at laptop (1280 px) and phone (390 px) widths is not blank.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import warnings

import numpy as np
import pytest

import hiermodels as hm

pytestmark = pytest.mark.sampling

SMALL = {"draws": 200, "tune": 200, "chains": 2, "seed": 5, "progressbar": False}
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", hm.HiermodelsWarning)
        return fn(*args, **kw)


@pytest.fixture(scope="module")
def sleep_fit():
    df = hm.datasets.load("sleepstudy")
    return _quiet(hm.Model("Reaction ~ Days + (Days | Subject)", df).fit, **SMALL)


@pytest.fixture(scope="module")
def sleep_report(sleep_fit, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.html"
    start = time.perf_counter()
    sleep_fit.report(path, citation="Belenky et al. (2003), J Sleep Res 12, 1-12.")
    return path, time.perf_counter() - start


@pytest.fixture(scope="module")
def schools_fit():
    df = hm.datasets.load("eight_schools")
    meta = _quiet(hm.MetaAnalysis, df, yi="y", sei="sigma", study="school")
    return _quiet(meta.fit, **SMALL)


def _self_contained(html: str) -> None:
    assert "<script" not in html.lower()
    assert not re.search(r"<link\b", html, re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", html, re.I)


def test_report_has_every_section(sleep_report):
    path, _ = sleep_report  # no wall-clock bound: timings belong in benchmarks/
    html = path.read_text()
    _self_contained(html)
    for heading in (
        "Model",
        "Priors",
        "Diagnostics",
        "Population-level effects",
        "Group-level SDs and correlations",
        "Shrinkage",
        "Variance decomposition",
        "Posterior-predictive checks",
        "Residuals",
        "LOO",
        "Priors against posteriors",
    ):
        assert f">{heading}</h" in html, heading
    assert "could not be computed" not in html
    assert html.count('src="data:image/png;base64,') >= 10
    assert "sd(Subject, Days)" in html and "Belenky et al. (2003)" in html
    assert 'name="viewport"' in html and "max-width:100%" in html and "overflow-x:auto" in html


def test_report_title_and_no_groups(sleep, tmp_path):
    fit = _quiet(hm.Model("Reaction ~ Days", sleep).fit, **SMALL)
    html = fit.report(tmp_path / "r.html", title="Pooled <regression>").read_text()
    assert "<title>Pooled &lt;regression&gt;</title>" in html
    assert ">Shrinkage</h2>" not in html and ">Variance decomposition</h2>" not in html
    assert ">Population-level effects</h2>" in html and "could not be computed" not in html


def test_failing_section_degrades_to_a_note(sleep_fit, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no LOO today")

    monkeypatch.setattr(type(sleep_fit), "loo", broken)
    html = sleep_fit.report(tmp_path / "r.html").read_text()
    assert "could not be computed: RuntimeError: no LOO today" in html
    assert ">Residuals</h2>" in html and ">Priors against posteriors</h2>" in html


def test_large_fit_skips_row_by_draw_simulations(tmp_path, monkeypatch):
    import hiermodels.derive.checks

    df = hm.datasets.load("dyestuff")
    fit = _quiet(hm.Model("Yield ~ 1 + (1 | Batch)", df).fit, **SMALL)
    del fit.idata.posterior_predictive
    monkeypatch.setattr(hiermodels.derive.checks, "AUTO_PPC_CELLS", 100)
    html = fit.report(tmp_path / "big.html").read_text()
    assert html.count("Skipped: 30 rows × 400 draws is too large") == 3  # PPC, residuals, LOO
    assert "could not be computed" not in html and ">Shrinkage</h2>" in html


def test_meta_report(schools_fit, tmp_path):
    html = schools_fit.report(tmp_path / "m.html", title="Eight schools").read_text()
    _self_contained(html)
    for heading in (
        "Model",
        "Diagnostics",
        "Summary",
        "Bayesian and frequentist estimates",
        "Study effects",
        "Funnel plot",
        "Heterogeneity",
        "Leave one study out",
    ):
        assert f">{heading}</h2>" in html, heading
    assert "could not be computed" not in html and "REML" in html
    assert html.count("<figure") == 4  # forest, funnel, tau, trace (2 panels: also split)


def test_common_effect_meta_report_skips_heterogeneity(tmp_path):
    bcg = hm.datasets.load("bcg")
    fit = _quiet(hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial", model="common").fit, **SMALL)
    html = fit.report(tmp_path / "c.html").read_text()
    assert ">Heterogeneity</h2>" not in html and ">Study effects</h2>" in html


def test_meta_fit_save_load_round_trip(schools_fit, tmp_path):
    path = tmp_path / "schools.nc"
    schools_fit.idata.posterior.attrs["hiermodels_report"] = '{"title": "Schools"}'
    schools_fit.save(path)
    back = hm.load(path)
    assert type(back).__name__ == "MetaFit"
    np.testing.assert_allclose(back.summary()["mean"], schools_fit.summary()["mean"])
    np.testing.assert_array_equal(
        back.idata.posterior["theta"].values, schools_fit.idata.posterior["theta"].values
    )
    assert back.spec.labels == schools_fit.spec.labels
    assert back.spec.tau_prior == schools_fit.spec.tau_prior
    assert "Schools" in back.report(tmp_path / "r.html").read_text()


def test_meta_regression_save_load_round_trip(tmp_path):
    bcg = hm.datasets.load("bcg")
    meta = hm.MetaAnalysis(bcg, yi="yi", vi="vi", moderators="~ ablat", tau_prior="half-cauchy")
    fit = _quiet(meta.fit, **SMALL)
    fit.save(tmp_path / "b.nc")
    back = hm.load(tmp_path / "b.nc")
    np.testing.assert_allclose(back.summary()["mean"], fit.summary()["mean"], rtol=1e-12)
    np.testing.assert_allclose(back.study_effects()["mean"], fit.study_effects()["mean"])
    assert back.spec.labels == fit.spec.labels  # study labels from the index


def test_meta_fit_with_a_pymc_tau_prior_cannot_be_saved():
    import pymc as pm

    from hiermodels.meta import PyMCPrior
    from hiermodels.meta.persist import _prior_to_json

    with pytest.raises(hm.HiermodelsError, match="cannot be saved"):
        _prior_to_json(PyMCPrior(pm.HalfNormal.dist(1.0)))


# --------------------------------------------------------------------------- Chromium
def _chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "Debian's chromium is required: apt-get install -y chromium (see .ci/run)"
    return exe


def _screenshot(html_path, png_path, width, height, profile):
    cmd = [
        _chromium(),
        *CHROMIUM_FLAGS,
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        f"--screenshot={png_path}",
        html_path.resolve().as_uri(),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert png_path.exists(), done.stderr[-2000:]


def _not_blank(png_path) -> dict:
    import matplotlib.image as mpimg

    img = mpimg.imread(png_path)[..., :3]
    grey = img.mean(axis=2)
    colours = np.unique((img * 255).astype(np.uint8).reshape(-1, 3), axis=0).shape[0]
    dark = float(np.mean(grey < 0.5))  # text, lines
    return {"std": float(grey.std()), "colours": colours, "dark": dark, "shape": img.shape}


@pytest.mark.parametrize("width", [1280, 390])
def test_report_renders_in_chromium(sleep_report, tmp_path, width):
    path, _ = sleep_report
    png = tmp_path / f"shot_{width}.png"
    profile = tmp_path / "profile"
    profile.mkdir()
    _screenshot(path, png, width, 2000, profile)
    stats = _not_blank(png)
    assert stats["shape"][1] == width
    assert stats["std"] > 0.05, stats
    assert stats["colours"] > 200, stats
    assert 0.002 < stats["dark"] < 0.5, stats


# --------------------------------------------------------------------------- layout (issue 18)
#: Measures the report inside an iframe of the given width (a real viewport of that width;
#: headless Chromium's own window is at least 500 px wide) and writes the result as JSON.
_MEASURE = """<script>addEventListener('load',function(){var f=document.getElementById('f'),
d=f.contentDocument,out={vw:d.documentElement.clientWidth,sw:d.documentElement.scrollWidth,
imgs:[],boxes:[]};d.querySelectorAll('img').forEach(function(i){var r=i.getBoundingClientRect(),
g=i.closest('figure'),b=g.getBoundingClientRect(),s=getComputedStyle(g).overflowX;
out.imgs.push({w:r.width,r:r.right,l:r.left,nw:i.naturalWidth,dpi:+i.dataset.dpi,
cls:i.className,fl:b.left,fr:b.right,scrolls:(s=='auto'||s=='scroll'),
panel:!!i.closest('.panels')});});
d.querySelectorAll('.tbl').forEach(function(t){var r=t.getBoundingClientRect();
out.boxes.push({l:r.left,r:r.right});});var p=document.createElement('pre');p.id='out';
p.textContent=JSON.stringify(out);document.body.appendChild(p);});</script>"""


def _layout(html_path, width, tmp_path) -> dict:
    import html as h
    import json

    host = tmp_path / f"host_{width}.html"
    host.write_text(
        f'<!DOCTYPE html><html><body style="margin:0"><iframe id="f" style="width:{width}px;'
        f'height:3000px;border:0" srcdoc="{h.escape(html_path.read_text())}"></iframe>'
        f"{_MEASURE}</body></html>"
    )
    cmd = [
        _chromium(),
        *CHROMIUM_FLAGS,
        f"--user-data-dir={tmp_path / f'profile_{width}'}",
        "--window-size=1400,3000",
        "--virtual-time-budget=10000",
        "--dump-dom",
        host.resolve().as_uri(),
    ]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=180).stdout
    found = re.search(r'<pre id="out">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    return json.loads(h.unescape(found.group(1)))


@pytest.mark.parametrize("width", [1280, 390])
def test_report_figures_fit_the_viewport_and_stay_legible(sleep_report, tmp_path, width):
    from hiermodels.present.report.panels import MIN_SCALE

    d = _layout(sleep_report[0], width, tmp_path)
    assert d["vw"] == width
    assert d["sw"] <= d["vw"], "the page itself scrolls sideways"
    shown = [i for i in d["imgs"] if i["w"] > 0]
    assert len(shown) >= 8
    for img in shown:
        assert img["fl"] >= 0 and img["fr"] <= d["vw"] + 0.5, img  # every figure box fits
        if img["r"] > d["vw"] + 0.5:  # a wide image only inside its own scrolling box
            assert width < 600 and img["scrolls"], img
        scale = img["w"] / img["nw"]
        # screen pixels per point of figure text: >= 0.52 x 100/72 = 0.72 (10 pt -> 7.2 px)
        assert scale * img["dpi"] / 72 >= MIN_SCALE * 100 / 72 - 0.01, img
    for box in d["boxes"]:  # wide tables scroll inside their own box
        assert box["l"] >= 0 and box["r"] <= d["vw"] + 0.5, box
    whole = [i for i in d["imgs"] if i["cls"] == "whole"]
    assert whole, "no multi-panel figure was split"
    if width < 600:  # the panels replace each multi-panel figure on a phone
        assert all(i["w"] == 0 for i in whole)
        assert sum(i["panel"] for i in shown) > len(whole)
    else:
        assert all(i["w"] > 0 for i in whole) and not any(i["panel"] for i in shown)
        assert all(i["r"] <= d["vw"] + 0.5 for i in shown)


def test_report_claims_match_the_data(sleep_fit, sleep_report):
    from html import escape

    from hiermodels.derive.shrink_moves import moves
    from hiermodels.present.report.failed_checks import ppc_failures, residual_failures

    html = sleep_report[0].read_text()
    m = moves(sleep_fit.shrinkage("Subject"))
    claim = "every level moves toward the population mean"
    if m["crossed"] or m["away"]:
        assert claim not in html
        for lev in (m["crossed"] + m["away"])[:4]:
            assert lev in html
        assert f"{len(m['toward'])} of {m['n']} Subject levels move toward" in html
    else:
        assert f"all {m['n']} Subject levels move toward the population mean" in html
    # the report's simulations use seed 1: the same failures, each with its advice
    fails = {
        **residual_failures(sleep_fit.residuals(seed=1).tests()),
        **ppc_failures(sleep_fit.ppc(seed=1)),
    }
    for advice in fails.values():
        assert escape(advice) in html
    assert html.count('<tr class="fail">') >= len([k for k in fails if k != "_levels"])
