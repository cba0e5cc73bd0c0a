# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # How many clusters? Power and precision against the number of groups
#
# **What this teaches.** Before collecting multilevel data, ask how many *clusters*
# (schools, hospitals, subjects) the question needs. An effect of a cluster-level
# predictor is estimated from the clusters, not from the rows: its standard error falls
# with the number of clusters $K$, its $t$ test has about $K - 2$ degrees of freedom, and
# adding rows to each cluster helps only up to a ceiling set by the between-cluster
# variance. We compute a power curve over $K$ by simulation with `hm.study` (simulate,
# fit, count), check it against the closed form, and ask the same of the between-cluster
# SD $\tau$: how often REML says $\hat\tau = 0$, and how many clusters it takes before the
# posterior interval for $\tau$ is usefully narrow.
#
# **Seed concepts.** Seed 004 (the number of level-2 groups and power: "at least 10-20
# groups, otherwise the level-2 tests lack power"; 30-50 rows per group; level-2 degrees
# of freedom); seed 003 (the design effect).
#
# **Key terms.** statistical power 统计功效 (统计检验力) · number of clusters / level-2
# groups 群组数 (Level 2 组数量) · cluster size 组内样本量 · cluster-randomised trial 整群随机
# 试验 · design effect 设计效应 · simulation study 模拟研究 · Monte Carlo standard error
# 蒙特卡洛标准误 · noncentral t distribution 非中心 t 分布 · degrees of freedom 自由度 ·
# type I error 第一类错误 · singular fit 奇异拟合 · precision assurance 精度保证.
#
# Runs as a script (`python case_studies/power_number_of_groups.py`) or a notebook.
# `HIERMODELS_DRAWS` below 1000 (the tests use 100) switches to a quick version with fewer
# replicates and grid points (the full version runs for several minutes on one core);
# `HIERMODELS_FIGURES` names a folder for the figures. Needs
# the studies extra (`pip install 'hiermodels[studies]'`: Dask distributed, pyarrow).

# %%
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from distributed import Client
from scipy import stats

import hiermodels as hm

FIGURES = os.environ.get("HIERMODELS_FIGURES")
DRAWS = int(os.environ.get("HIERMODELS_DRAWS", "1000"))
QUICK = DRAWS < 1000  # fewer replicates and grid points (CI)
pd.set_option("display.width", 150, "display.precision", 3, "display.max_columns", 20)
warnings.filterwarnings("ignore", category=hm.HiermodelsWarning)


def show(fig, name: str) -> None:
    """Save the figure into $HIERMODELS_FIGURES, or show it."""
    if FIGURES:
        Path(FIGURES).mkdir(parents=True, exist_ok=True)
        fig.savefig(Path(FIGURES) / f"{name}.png", dpi=100, bbox_inches="tight")
        plt.close(fig)
    else:
        plt.show()


# %% [markdown]
# ## The design and the question
#
# A cluster-randomised trial: $K$ clusters, alternately treated ($x_j = 0/1$), $m$ rows
# each,
#
# $$ y_{ij} = \beta_0 + d\,x_j + u_j + e_{ij}, \qquad u_j \sim N(0, \tau^2), \quad
#    e_{ij} \sim N(0, \sigma^2), $$
#
# with $\tau = 0.5$, $\sigma = 1$ (ICC $= \tau^2/(\tau^2 + \sigma^2) = 0.2$) and a treatment
# effect $d = 0.8$ residual SDs. **How many clusters for 80 % power at the 5 % level?**
#
# ## The closed form: why clusters count and rows saturate
#
# With balanced arms the cluster means are independent with variance
# $\tau^2 + \sigma^2/m$, and the REML (= GLS) estimate of $d$ is the difference of the
# arms' mean cluster means:
#
# $$ \mathrm{Var}(\hat d) = (\tau^2 + \sigma^2/m)\left(\tfrac{1}{K_1} + \tfrac{1}{K_0}\right)
#    = \frac{4(\tau^2 + \sigma^2/m)}{K}. $$
#
# Its $t$ statistic has $K - 2$ degrees of freedom (the level-2 $df$ of seed 004:
# clusters minus cluster-level parameters) and, under the alternative, a noncentral $t$
# distribution with noncentrality $d/\mathrm{SE}(\hat d)$, so
# power $= P(|T'| > t_{K-2,\,0.975})$ (Donner & Klar 2000, ch. 5). More rows shrink only
# the $\sigma^2/m$ part: even $m = \infty$ leaves $4\tau^2/K$.

# %%
TAU, SIGMA, D = 0.5, 1.0, 0.8
ICC = TAU**2 / (TAU**2 + SIGMA**2)


def power_closed_form(K, m, d=D, tau=TAU, sigma=SIGMA, alpha=0.05):
    """Power of the two-sided t test of d on K - 2 df (m = np.inf: the ceiling)."""
    K1, K0 = K // 2, K - K // 2
    se = np.sqrt((tau**2 + sigma**2 / m) * (1 / K1 + 1 / K0))
    df, lam = K - 2, d / se
    crit = stats.t.ppf(1 - alpha / 2, df)
    return float(stats.nct.sf(crit, df, lam) + stats.nct.cdf(-crit, df, lam))


def clusters_needed(m, target=0.8, **kw):
    """Smallest even K with closed-form power >= target (None if above 400)."""
    return next((K for K in range(4, 401, 2) if power_closed_form(K, m, **kw) >= target), None)


CLUSTERS = [4, 8, 16, 24] if QUICK else [4, 6, 8, 12, 16, 24, 32]
ROWS = [5, 30]
closed = pd.DataFrame(
    {f"m = {m}": [power_closed_form(K, m) for K in CLUSTERS] for m in [*ROWS, np.inf]},
    index=pd.Index(CLUSTERS, name="clusters"),
)
closed["t crit (K-2 df)"] = [stats.t.ppf(0.975, K - 2) for K in CLUSTERS]
print(closed)
need = {m: clusters_needed(m) for m in [*ROWS, np.inf]}
print(
    f"\nclusters for 80 % power (closed form): {need[5]} with 5 rows each, {need[30]} with "
    f"30 rows each, {need[np.inf]} even with infinitely many rows per cluster"
)
deff = pd.concat([hm.design_effect_summary(ICC, m) for m in ROWS], ignore_index=True)
print(deff[["icc", "m", "design_effect", "se_inflation"]])
print(
    f"6 times the rows per cluster (5 -> 30) buys {deff['m'][1] / deff['design_effect'][1]:.1f} "
    f"instead of {deff['m'][0] / deff['design_effect'][0]:.1f} effective independent rows per "
    "cluster (m / Deff)"
)

# %% [markdown]
# With four clusters the test has 2 degrees of freedom and its critical value is far
# above 1.96 — the "too few groups" of seed 004, in one number.
#
# ## The power curve by simulation: `hm.study`
#
# A closed form exists only for simple designs. `hm.study` works for any model it can
# simulate: for each grid cell (here $K \times m$) it simulates `replications` data sets
# from the model with the given values, fits each, and counts how often the 95 % interval
# of $d$ excludes 0. `methods=("reml",)` fits by REML (statsmodels `MixedLM`) with $t$
# intervals on the between-within degrees of freedom ($K - 2$ here), which is fast; a
# Bayesian arm follows below. Studies run on Dask: `workers=8` starts local worker
# processes (from a script, put the call under `if __name__ == "__main__":`), or the
# command line runs a TOML spec (`hiermodels study spec.toml`, resumable). This notebook
# uses one in-process worker so that it runs anywhere.
#
# The figure is `res.plot_power()` (`hm.plots.plot_study_curve`): the simulated power
# with $\pm 2$ Monte Carlo SEs, $\sqrt{p(1-p)/R}$, for each number of rows; the dashed
# lines (drawn here, same colours) add the closed form.

# %%
REPS = 40 if QUICK else 200
client = Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=":0")
res = hm.study(
    formula="y ~ x + (1 | g)",
    grid={"clusters": CLUSTERS, "rows": ROWS, "x": [D]},
    values={"sd(g, Intercept)": TAU, "sigma": SIGMA},
    methods=("reml",),
    replications=REPS,
    batch_size=REPS,
    seed=2004,
    client=client,
    progress=False,
)
px = res.table.query("parameter == 'x'").set_index(["clusters", "rows"])
px["closed_form"] = [power_closed_form(K, m) for K, m in px.index]
print(px[["n_fits", "errors", "power", "mcse_power", "closed_form", "coverage"]])
# agreement in units of the Monte Carlo SE of the closed-form power, sqrt(p (1 - p) / R)
z = (px["power"] - px["closed_form"]) / np.sqrt(
    px["closed_form"] * (1 - px["closed_form"]) / px["n_fits"]
)
print(
    f"\n{REPS} REML fits per cell, {res.facts['wall_seconds']:.0f} s; simulated minus closed "
    f"form: largest |difference| {np.max(np.abs(px['power'] - px['closed_form'])):.3f}, "
    f"{int((z.abs() <= 2).sum())} of {len(z)} cells within 2 Monte Carlo SEs"
)
for (K, m), zz in z[z.abs() > 2].items():
    print(
        f"K = {K}, {m} rows: simulated {px.loc[(K, m), 'power']:.3f} vs closed form "
        f"{px.loc[(K, m), 'closed_form']:.3f} ({zz:+.1f} MC SEs), interval coverage "
        f"{px.loc[(K, m), 'coverage']:.3f}"
    )
reach = px.query("power >= 0.8").reset_index()
for m in ROWS:
    ks = reach.loc[reach["rows"] == m, "clusters"]
    got = f"{ks.min()}" if len(ks) else f"more than {max(CLUSTERS)}"
    print(f"{m} rows per cluster: simulated power first reaches 0.8 at K = {got}")

fig = res.plot_power("x")
ax = fig.axes[0]
grid_k = np.arange(4, max(CLUSTERS) + 1, 2)
colors = {c.get_label(): c.lines[0].get_color() for c in ax.containers}
for m in ROWS:
    ax.plot(grid_k, [power_closed_form(K, m) for K in grid_k], ls="--", lw=1,
            color=colors.get(f"reml, rows={m}", "0.5"), label=f"closed form, rows={m}")  # fmt: skip
ax.axhline(0.8, color="0.8", lw=0.8)
ax.legend(frameon=False, fontsize=8, loc="lower right")
show(fig, "01_power")

# %% [markdown]
# Where simulation and formula part, it is at the fewest clusters: there REML's
# $\hat\tau^2$ is often at or near zero (next section), the $t$ interval is no longer the
# exact test the closed form describes, and its coverage rises above 95 % — the test is
# conservative and loses power. A simulation study shows such departures; the formula
# cannot.
#
# Read the figure along both axes. Going right (more clusters) raises power steadily;
# going from 5 to 30 rows per cluster (six times the data) lifts each point by less than
# doubling the clusters (twice the data) does, because the $\tau^2$ part of the variance
# does not shrink with $m$. Seed 004's advice — at least 10-20 groups, 30-50 per group —
# is a rule of thumb; the simulation gives the number for *your* effect size and ICC.

# %%
cf, sim = power_closed_form, px["power"]
print(
    f"from 8 clusters of 5 rows: 6x the rows -> power {cf(8, 5):.2f} -> {cf(8, 30):.2f}; "
    f"2x the clusters -> {cf(8, 5):.2f} -> {cf(16, 5):.2f} (closed form; simulated "
    f"{sim[(8, 5)]:.2f} -> {sim[(8, 30)]:.2f} and -> {sim[(16, 5)]:.2f})"
)

# %% [markdown]
# ## Estimating $\tau$ with few clusters: REML at the boundary
#
# The same design must also estimate $\tau$. For balanced data REML equals the ANOVA
# estimate truncated at zero, $\hat\tau^2 = \max\{0, (MSA - MSE)/m\}$ (Searle, Casella &
# McCulloch 1992, §4.7), where $MSA$ has $K - 2$ degrees of freedom (cluster means about
# their arm's mean) and $MSE$ has $K(m - 1)$. Since
# $MSA/MSE \sim (1 + m\tau^2/\sigma^2)\,F_{K-2,\,K(m-1)}$, REML reports $\hat\tau = 0$
# (lme4's singular fit) with probability
#
# $$ P(\hat\tau = 0) = P\!\left(F_{K-2,\,K(m-1)} < \frac{1}{1 + m\tau^2/\sigma^2}\right), $$
#
# although the true $\tau$ is 0.5: with few clusters "no between-cluster variation" is a
# likely *result* even when the variation is real.

# %%
p_zero = pd.DataFrame(
    {
        f"m = {m}": [
            stats.f.cdf(1 / (1 + m * TAU**2 / SIGMA**2), K - 2, K * (m - 1)) for K in CLUSTERS
        ]
        for m in ROWS
    },
    index=pd.Index(CLUSTERS, name="clusters"),
)
print("P(REML puts sd(g) at 0):")
print(p_zero)
print(
    f"\nshare of singular REML fits at K = {CLUSTERS[0]}: {p_zero.iloc[0, 0]:.2f} (5 rows), "
    f"{p_zero.iloc[0, 1]:.2f} (30 rows); at K = {CLUSTERS[-1]}: {p_zero.iloc[-1, 0]:.3f} and "
    f"{p_zero.iloc[-1, 1]:.3f}"
)

# %% [markdown]
# ## The Bayesian view: how many clusters until the interval for $\tau$ is narrow?
#
# A Bayesian analysis does not test $\tau = 0$; it reports an interval. The design
# question becomes *precision assurance* (Kunzmann et al. 2021): the share of future
# studies whose 95 % interval for $\tau$ is narrower than a target. The target here is
# $2\tau = 1$ (roughly: the interval can tell $\tau = 0.5$ from 0). The Bayesian arm fits
# every replicate with hiermodels' default priors, so it is slower; the figure is the
# mean interval width against $K$ (`hm.plots.plot_study_curve(res_b.table, ..., "width")`,
# the target drawn dashed), and `res_b.assurance(...)` the share below the target. Unlike
# REML, the posterior of $\tau$ never sits exactly at zero.

# %%
REPS_B = 16 if QUICK else 50
res_b = hm.study(
    formula="y ~ x + (1 | g)",
    grid={"clusters": CLUSTERS, "rows": [5], "x": [D]},
    values={"sd(g, Intercept)": TAU, "sigma": SIGMA},
    methods=("bayes",),
    replications=REPS_B,
    batch_size=REPS_B,
    draws=min(DRAWS, 500),
    tune=min(DRAWS, 500),
    chains=2,
    seed=2004,
    client=client,
    progress=False,
)
client.close()
WIDTH = 2 * TAU
ab = res_b.assurance("sd(g, Intercept)", width=WIDTH).set_index("clusters")
tb = res_b.table.query("parameter == 'sd(g, Intercept)'").set_index("clusters")
bx = res_b.table.query("parameter == 'x'").set_index("clusters")
print(
    pd.DataFrame(
        {
            "tau: mean width": tb["width"],
            "tau: coverage": tb["coverage"],
            f"assurance width < {WIDTH:g}": ab["assurance"],
            "x: Bayes power": bx["power"],
            "x: REML power": px.xs(5, level="rows")["power"],
            "divergent fits": tb["divergent"],
        }
    )
)
ok = ab.index[ab["assurance"] >= 0.8]
print(
    f"\n{REPS_B} Bayesian fits per cell, {res_b.facts['wall_seconds']:.0f} s; the 95 % interval "
    f"for tau is narrower than {WIDTH:g} in 80 % of studies from K = "
    + (f"{ok.min()}" if len(ok) else f"beyond {max(CLUSTERS)}")
    + " clusters of 5 rows on; detecting d needs "
    + (f"{need[5]}" if need[5] else "more")
    + " (closed form)"
)
fig = hm.plots.plot_study_curve(res_b.table, "sd(g, Intercept)", "width")
fig.axes[0].axhline(WIDTH, color="0.6", ls="--", lw=1, label=f"target width {WIDTH:g}")
fig.axes[0].legend(frameon=False, fontsize=8)
show(fig, "02_tau_width")

# %% [markdown]
# Precision about a variance needs more clusters than a test of a mean difference of this
# size: each cluster contributes one noisy look at $u_j$. This is why seed 004 warns that
# with fewer than about ten groups one should consider treating the groups as fixed
# (dummy variables, ANCOVA) rather than as a sample from a population whose spread must
# be estimated — or, in a Bayesian analysis, say what the prior on $\tau$ brings (see
# the few-clusters case study).
#
# ## Exercises
#
# 1. **A smaller ICC.** With $\tau = 0.25$ (ICC $\approx 0.06$) instead of 0.5, how many
#    clusters of 5 rows give 80 % power for $d = 0.8$? And of 30 rows?
# 2. **Ignoring the degrees of freedom.** With $K = 4$ clusters and no effect ($d = 0$),
#    what is the type I error of a test that compares $\hat d/\mathrm{SE}$ with 1.96
#    instead of $t_{2,\,0.975}$?
# 3. **A stricter precision target.** From the Bayesian study already run, what share of
#    intervals for $\tau$ is narrower than $\tau = 0.5$ itself at the largest $K$?
#
# ### Solutions

# %%
n5, n30 = clusters_needed(5, tau=0.25), clusters_needed(30, tau=0.25)
print(
    f"1. tau = 0.25: K = {n5} clusters of 5 rows, K = {n30} of 30 rows (tau = 0.5: "
    f"{need[5]} and {need[30]}); with a small ICC, rows per cluster matter more"
)
t1 = 2 * stats.t.sf(1.96, 2)
print(
    f"2. T ~ t(2) under H0, so P(|T| > 1.96) = {t1:.3f} instead of 0.05; "
    f"t(2, 0.975) = {stats.t.ppf(0.975, 2):.2f} is the right critical value"
)
a3 = res_b.assurance("sd(g, Intercept)", width=TAU).set_index("clusters")["assurance"]
print(
    f"3. K = {max(CLUSTERS)}: {a3.loc[max(CLUSTERS)]:.2f} of the intervals are narrower than "
    f"{TAU:g} (vs {ab['assurance'].loc[max(CLUSTERS)]:.2f} below {WIDTH:g})"
)

# %% [markdown]
# **References.** Donner, A. & Klar, N. (2000), *Design and Analysis of Cluster
# Randomization Trials in Health Research*, ch. 5. Snijders, T. A. B. & Bosker, R. J.
# (2012), *Multilevel Analysis*, 2nd ed., ch. 11 (designing multilevel studies). Pinheiro,
# J. C. & Bates, D. M. (2000), *Mixed-Effects Models in S and S-PLUS*, §2.4.2 (between-
# within df). Morris, T. P., White, I. R. & Crowther, M. J. (2019), Stat. Med. 38,
# 2074-2102 (Monte Carlo SEs). Kunzmann, K. et al. (2021), Am. Stat. 75, 186-198
# (assurance). Green, P. & MacLeod, C. J. (2016), Methods Ecol. Evol. 7, 493-498 (simr).
