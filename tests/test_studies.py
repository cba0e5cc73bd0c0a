"""Simulation studies on Dask: reproducible across worker counts, resumable, and right.

The power check uses a closed form. Balanced cluster-randomised design: K clusters (K/2 per
arm), m rows each, y_ij = b0 + d x_j + u_j + e_ij, u_j ~ N(0, tau^2), e_ij ~ N(0, sigma^2).
The cluster means are independent N(b0 + d x_j, tau^2 + sigma^2/m), so the GLS (= REML)
estimate of d is the difference of the arms' mean cluster means with
Var = 4 (tau^2 + sigma^2/m) / K = Var_naive x Deff, Deff = 1 + (m - 1) ICC (Donner & Klar
2000, Design and Analysis of Cluster Randomization Trials, ch. 5). Its t statistic on
K - 2 df is noncentral t with ncp d / SE, so
power = P(|T'| > t_{K-2, 0.975}), T' ~ t'_{K-2}(d / SE). REML with between-within df
(Pinheiro & Bates 2000, §2.4.2) is exactly this test whenever the REML tau^2 is positive
(balanced one-way ANOVA: REML = ANOVA estimates; Searle, Casella & McCulloch 1992, §4.7),
which for tau = sigma = 1, m = 5 fails with negligible probability.
Tolerances: 4 Monte Carlo SEs, sqrt(p (1 - p) / R), of the closed-form p.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from daskhelp import shared_client, worker_addresses
from scipy import stats

import hiermodels.studies as hs
from hiermodels.derive.study_summary import ROW_COLUMNS, assurance, summarise
from hiermodels.errors import HiermodelsError
from hiermodels.studies.fits import between_within_df

SMALL = dict(
    formula="y ~ x + (1 | g)",
    grid={"clusters": [4, 8], "rows": [4], "x": [0.5]},
    values={"sd(g, Intercept)": 0.5, "sigma": 1.0},
    replications=4,
    batch_size=2,
    draws=100,
    tune=100,
    chains=2,
    seed=5,
)


def _numbers(fits: pd.DataFrame) -> pd.DataFrame:
    return fits.drop(columns="seconds").reset_index(drop=True)


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("distributed")  # the "studies" extra (also in "test")
    pytest.importorskip("pyarrow")
    return shared_client()


@pytest.fixture(scope="module")
def two_workers(client):
    return hs.study(client=client, progress=False, **SMALL)


@pytest.mark.sampling
def test_one_and_two_workers_give_the_same_table(client, two_workers):
    one = hs.study(
        client=client, progress=False, _worker_pool=worker_addresses(client)[:1], **SMALL
    )
    assert two_workers.facts["workers"] == 2 and one.facts["workers"] == 1
    assert (
        len(two_workers.facts["ran_on"]) == 2
        and one.facts["ran_on"] == worker_addresses(client)[:1]
    )
    assert len(two_workers.fits) == 2 * 4 * 2 * 4  # cells x reps x methods x parameters
    assert (two_workers.fits["error"] == "").all()
    pd.testing.assert_frame_equal(_numbers(one.fits), _numbers(two_workers.fits))
    pd.testing.assert_frame_equal(one.table, two_workers.table)


@pytest.mark.sampling
def test_resumed_study_equals_uninterrupted(client, two_workers, tmp_path):
    part = hs.study(client=client, progress=False, out=tmp_path, stop_after=1, **SMALL)
    assert part.facts["ran"] == 1 and len(list((tmp_path / "parts").glob("*.parquet"))) == 1
    assert not (tmp_path / "table.csv").exists()  # an interrupted study writes no table
    full = hs.study(client=client, progress=False, out=tmp_path, **SMALL)
    assert full.facts["resumed"] == 1 and full.facts["ran"] == 3
    pd.testing.assert_frame_equal(_numbers(full.fits), _numbers(two_workers.fits))
    assert (tmp_path / "table.csv").exists() and (tmp_path / "fits.parquet").exists()
    # a different study in the same folder is refused instead of mixed in
    with pytest.raises(HiermodelsError, match="different study"):
        hs.study(client=client, progress=False, out=tmp_path, **{**SMALL, "seed": 6})


@pytest.mark.sampling
def test_reml_power_matches_noncentral_t(client):
    K, m, tau, sigma, d, R = 10, 5, 1.0, 1.0, 1.6, 150
    res = hs.study(
        client=client,
        progress=False,
        grid={"clusters": [K], "rows": [m], "x": [0.0, d]},
        values={"sd(g, Intercept)": tau, "sigma": sigma, "Intercept": 2.0},
        methods=("reml",),
        replications=R,
        batch_size=75,
        seed=11,
    )
    tab = res.table[res.table["parameter"] == "x"].set_index("x")
    se = np.sqrt(4 * (tau**2 + sigma**2 / m) / K)
    crit = stats.t.ppf(0.975, K - 2)
    for delta in (0.0, d):
        lam = delta / se
        power = stats.nct.sf(crit, K - 2, lam) + stats.nct.cdf(-crit, K - 2, lam)
        mc = np.sqrt(power * (1 - power) / R)
        got = tab.loc[delta, "power"]
        assert abs(got - power) < 4 * mc, (delta, got, power)
        assert tab.loc[delta, "n_fits"] == R
    assert 0.3 < tab.loc[d, "power"] < 0.8  # the design sits where power discriminates
    # coverage of the t interval is nominal (exact test), 4 MC SEs of 0.95
    cov = tab["coverage"].to_numpy()
    assert np.all(np.abs(cov - 0.95) < 4 * np.sqrt(0.95 * 0.05 / R))
    assert (res.table.query("parameter == 'x'")["boundary"] < 0.05).all()


def test_summary_by_hand_and_assurance():
    rows = []
    for rep, (est, lo, hi, p) in enumerate(
        [(1.0, 0.2, 1.8, 0.99), (0.0, -1.0, 1.0, 0.5), (2.0, 1.5, 2.5, 1.0)]
    ):
        rows.append(
            dict(
                zip(
                    ROW_COLUMNS,
                    [0, rep, "bayes", "x", 0.5, est, lo, hi, p, False, 0, 1.0, 500.0, 0, "", 0.1],
                    strict=True,
                )
            )
            | {"clusters": 4}
        )
    fits = pd.DataFrame(rows)
    t = summarise(fits, threshold=0.975).iloc[0]
    assert t["bias"] == pytest.approx(0.5)  # mean(1, 0, 2) - 0.5
    assert t["rmse"] == pytest.approx(np.sqrt((0.25 + 0.25 + 2.25) / 3))
    assert t["coverage"] == pytest.approx(2 / 3)  # 0.5 in the first two intervals
    assert t["power"] == pytest.approx(2 / 3) and t["power_prob"] == pytest.approx(2 / 3)
    assert t["width"] == pytest.approx((1.6 + 2.0 + 1.0) / 3)
    assert t["mcse_coverage"] == pytest.approx(np.sqrt(2 / 9 / 3))
    a = assurance(fits, "x", width=1.7)
    assert a["assurance"].iloc[0] == pytest.approx(2 / 3)


def test_between_within_degrees_of_freedom():
    import hiermodels as hm

    K, m = 6, 4
    g = np.repeat([f"c{k}" for k in range(K)], m)
    df = pd.DataFrame(
        {
            "y": np.arange(K * m, dtype=float) % 5,
            "g": g,
            "t": np.repeat(np.arange(K) % 2, m),
            "w": np.tile(np.arange(m), K),
        }
    )
    dfs = between_within_df(hm.Model("y ~ t + w + (1 | g)", df).design)
    assert dfs == {"Intercept": K - 2, "t": K - 2, "w": K * m - K - 1}
    dfs = between_within_df(hm.Model("y ~ t + w + (w | g)", df).design)  # random slope: K level
    assert dfs["w"] == K - 3


def test_bad_study_specs_raise():
    with pytest.raises(HiermodelsError, match="needs 'clusters'"):
        hs.StudySpec(grid={"rows": [5]})
    with pytest.raises(
        HiermodelsError, match=r"does not have.*\['slope'\]|\['slope'\].*does not have"
    ):
        hs.study(
            grid={"clusters": [4], "rows": [3], "slope": [1.0]},
            values={"x": 1.0, "sd(g, Intercept)": 1.0},
        )
    with pytest.raises(HiermodelsError, match="missing"):
        hs.study(grid={"clusters": [4], "rows": [3]})  # x and sd(g, Intercept) not given
    with pytest.raises(HiermodelsError, match="methods"):
        hs.StudySpec(methods=("ml",))


def test_study_plots_draw_the_table():
    from hiermodels.present.plots.study_curves import plot_study_curve

    tab = pd.DataFrame(
        {
            "cell": [0, 1, 0, 1],
            "clusters": [4, 8, 4, 8],
            "method": ["bayes", "bayes", "reml", "reml"],
            "parameter": "x",
            "power": [0.2, 0.5, 0.3, 0.6],
            "mcse_power": 0.05,
        }
    )
    fig = plot_study_curve(tab, "x", "power")
    lines = fig.axes[0].get_lines()
    ys = sorted(tuple(np.round(ln.get_ydata(), 3)) for ln in lines if ln.get_marker() == "o")
    assert ys == [(0.2, 0.5), (0.3, 0.6)]
    xs = sorted(tuple(ln.get_xdata()) for ln in lines if ln.get_marker() == "o")
    assert np.allclose(np.mean(xs, axis=0), [4, 8])  # dodged symmetrically around K
    with pytest.raises(HiermodelsError, match="No 'power' rows"):
        plot_study_curve(tab, "sigma", "power")


@pytest.mark.sampling
def test_study_command_writes_table_figures_and_html(client, tmp_path):
    from hiermodels.studies.command import read_study_spec, run_study_file

    spec = tmp_path / "tiny.toml"
    spec.write_text(
        '[study]\ntitle = "Tiny"\nformula = "y ~ x + (1 | g)"\nreplications = 2\nmethods = ["reml"]\n'
        "batch_size = 2\n[grid]\nclusters = [4, 6]\nrows = [3]\nx = [1.0]\n"
        '[values]\n"sd(g, Intercept)" = 0.5\n'
    )
    out = tmp_path / "out"
    res = run_study_file(spec, out, scheduler=client.scheduler.address, progress=False)
    for name in (
        "table.csv",
        "fits.parquet",
        "power.png",
        "coverage.png",
        "boundary.png",
        "summary.html",
    ):
        assert (out / name).exists(), name
    html = (out / "summary.html").read_text()
    assert "Operating characteristics for x" in html and "data:image/png;base64" in html
    assert len(pd.read_csv(out / "table.csv")) == len(res.table) == 2 * 4  # cells x parameters
    # the real few-cluster spec parses
    real, info = read_study_spec("models/studies/few_clusters_study.toml")
    assert real.grid["clusters"] == [4, 6, 10, 20, 30] and info["parameter"] == "x"
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[study]\nformula = "y ~ x + (1 | g)"\nreplicates = 3\n[grid]\nclusters = [4]\nrows = [2]\n'
    )
    with pytest.raises(HiermodelsError, match=r"unknown keys.*replicates"):
        read_study_spec(bad)
