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
# # Crossed and nested: subjects x items, plates x samples, batches / casks
#
# **What this teaches.** Not every multilevel design is a simple hierarchy. When every
# respondent answers every item, respondents and items are **crossed**: a row belongs to
# one respondent *and* one item, and neither factor sits inside the other. When casks
# exist only within their batch, casks are **nested** in batches, and cask "a" of batch A
# has nothing to do with cask "a" of batch B. Both designs are written as sums of random
# intercepts, `(1 | id) + (1 | item)` and `(1 | batch/cask)`, and both split the variance
# into one share per level. We also see how hiermodels chooses the parameterisation of
# each factor and why the Gaussian models, whose group effects are integrated out, do not
# produce divergent transitions.
#
# **Seed concepts.** Seed 004 (crossed and three-level designs, random intercept syntax);
# seed 003 (nested structures, ICC per level); seed 000 (clustering and the ICC).
#
# **Key terms.** crossed random effects 交叉随机效应 · nested random effects 嵌套随机效应 ·
# three-level model 三水平模型 · variance decomposition 方差分解 · variance partition
# coefficient (VPC) 方差分配系数 · intraclass correlation (ICC) 组内相关系数 · item response
# model 项目反应模型 · centred / non-centred parameterisation 中心化/非中心化参数化 ·
# divergent transition 发散转移.
#
# Runs as a script (`python case_studies/crossed_and_nested.py`) or a notebook (jupytext).
# `HIERMODELS_DRAWS` sets the number of draws, `HIERMODELS_FIGURES` a folder for the
# figures.

# %%
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import hiermodels as hm

FIGURES = os.environ.get("HIERMODELS_FIGURES")
DRAWS = int(os.environ.get("HIERMODELS_DRAWS", "1000"))
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


def fit(model, seed=1):
    """Fit a ``hm.Model`` with the notebook's settings."""
    return model.fit(draws=DRAWS, tune=DRAWS, chains=4, seed=seed, progressbar=False)


# %% [markdown]
# ## Crossed: respondents x items (VerbAgg)
#
# De Boeck & Wilson (2004): 316 respondents rated 24 verbally aggressive reactions ("A bus
# fails to stop for me. I would want to curse.") as no / perhaps / yes; `r2` is 1 for
# perhaps or yes. The items vary by behaviour type (curse, scold, shout), by whether
# someone else or the respondent is to blame (`situ`) and by want vs do. Respondents
# differ in their propensity and items in their "difficulty", so
#
# $$ \mathrm{logit}\,P(y_{pi} = 1) = x_{pi}'\beta + u_p + v_i, \qquad
#    u_p \sim N(0, \tau_p^2),\ v_i \sim N(0, \tau_i^2), $$
#
# an explanatory item response model. To keep this notebook quick we fit a random subset
# of the respondents (all 24 items each); the subset size is printed below.

# %%
verbagg = hm.datasets.load("verbagg")
print(hm.datasets.citation("verbagg"))
rng = np.random.default_rng(14)
N_IDS = 80
ids = rng.choice(verbagg["id"].cat.categories, size=N_IDS, replace=False)
va = verbagg[verbagg["id"].isin(ids)].copy()
va["id"] = va["id"].cat.remove_unused_categories()
va["r2"] = (va["r2"] == "Y").astype(int)
print(
    f"all data: {verbagg['id'].nunique()} respondents x {verbagg['item'].nunique()} items; "
    f"this notebook: {va['id'].nunique()} respondents x {va['item'].nunique()} items = "
    f"{len(va)} responses, {va['r2'].mean():.0%} of them 'perhaps' or 'yes'"
)
m_va = hm.Model(
    "r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)", va, family="bernoulli"
)
fit_va = fit(m_va)
print(fit_va.fixed_effects()[["mean", "lower", "upper"]])
print(fit_va.varcorr()[["mean", "lower", "upper"]])

# %% [markdown]
# ## How the variance splits: respondents, items, the residual
#
# On the latent (logit) scale the residual variance of a Bernoulli model is fixed at
# $\pi^2/3 \approx 3.29$. The variance partition coefficients (VPCs) give each level's
# share; for crossed factors the ICC of one factor is the correlation of two responses
# that share *that* factor only (the same respondent on two items, or the same item
# answered by two respondents).

# %%
vd_va = fit_va.variance_decomposition()
icc_va = fit_va.icc()
print(vd_va)
print(vd_va.attrs["scale"])
print(icc_va[["mean", "lower", "upper"]])
print(
    f"\nrespondents carry {vd_va.loc['id', 'mean']:.0%} of the latent variance, items "
    f"{vd_va.loc['item', 'mean']:.0%}: two answers of one respondent correlate "
    f"{icc_va.loc['ICC(id)', 'mean']:.2f}, two answers to one item {icc_va.loc['ICC(item)', 'mean']:.2f}"
)
show(hm.plots.plot_variance_decomposition(fit_va), "01_variance_verbagg")

# %% [markdown]
# ## Crossed and Gaussian: penicillin plates x samples
#
# Davies & Goldsmith (1972): six penicillin samples, each tested on each of 24 agar plates;
# the response is the diameter (mm) of the zone where growth was inhibited. Plates and
# samples are fully crossed, `diameter ~ 1 + (1 | plate) + (1 | sample)`.

# %%
pen = hm.datasets.load("penicillin")
print(hm.datasets.citation("penicillin"))
m_pen = hm.Model("diameter ~ 1 + (1 | plate) + (1 | sample)", pen)
fit_pen = fit(m_pen, seed=2)
vd_pen = fit_pen.variance_decomposition()
print(vd_pen)
print(
    f"\nsamples {vd_pen.loc['sample', 'mean']:.0%}, plates {vd_pen.loc['plate', 'mean']:.0%}, "
    f"residual {vd_pen.loc['residual', 'mean']:.0%} of the variance"
)

# %% [markdown]
# ## Nested: three levels in the pastes data
#
# Davies & Goldsmith (1972): the strength of a chemical paste; 10 delivery batches, 3
# casks sampled from each batch, 2 assays per cask. Cask "a" of batch A and cask "a" of
# batch B are different casks, so casks are nested in batches: `(1 | batch/cask)` expands
# to `(1 | batch) + (1 | batch:cask)`, 10 batch effects and 30 cask effects.
#
# $$ y_{ijk} = \mu + u_i + w_{ij} + e_{ijk}, \qquad \mathrm{ICC(batch)} =
#    \frac{\tau_b^2}{\tau_b^2 + \tau_c^2 + \sigma^2}, \quad
#    \mathrm{ICC(batch:cask)} = \frac{\tau_b^2 + \tau_c^2}{\tau_b^2 + \tau_c^2 + \sigma^2}. $$
#
# Two assays of one cask share the batch *and* the cask; two casks of one batch share the
# batch only.

# %%
pastes = hm.datasets.load("pastes")
print(hm.datasets.citation("pastes"))
m_pa = hm.Model("strength ~ 1 + (1 | batch/cask)", pastes)
fit_pa = fit(m_pa, seed=3)
vd_pa = fit_pa.variance_decomposition()
icc_pa = fit_pa.icc()
print(vd_pa)
print(icc_pa[["mean", "lower", "upper"]])
cask = next(k for k in vd_pa.index if k not in ("batch", "residual"))
print(
    f"\ncasks within batches carry {vd_pa.loc[cask, 'mean']:.0%} of the variance, batches "
    f"{vd_pa.loc['batch', 'mean']:.0%}, assays {vd_pa.loc['residual', 'mean']:.0%}: two assays "
    f"of one cask correlate {icc_pa.loc[f'ICC({cask})', 'mean']:.2f}, two casks of one batch "
    f"{icc_pa.loc['ICC(batch)', 'mean']:.2f}"
)
print(fit_pa.compare_reml()[["reml", "mean", "lower", "upper", "boundary"]])
show(hm.plots.plot_variance_decomposition(fit_pa), "02_variance_pastes")

# %% [markdown]
# ## The parameterisation table, and why the Gaussian fits have no divergences
#
# For each factor, `model.parameterization_table` says how its effects are sampled and
# why. In a Gaussian model with Normal priors on the fixed effects, hiermodels integrates
# the fixed *and* the group effects out exactly ($y \sim N(X\beta_0, V(\theta))$ with
# $V$ built from the variance components): NUTS then samples only the three SDs. The
# funnel between an SD near zero and its group effects — the geometry behind divergent
# transitions in a joint sampler — is not in the sampled space at all, so the marginal
# path has nothing to diverge on; the group effects are drawn afterwards, exactly, from
# their conditional normal. Forcing a joint, centred sampler (`parameterization=
# "centered"`) puts the funnel back: whether it diverges then depends on the data and
# the seed (the counts are printed below), whereas the marginal fits cannot. The Bernoulli
# model has no closed-form marginal, so its group effects are sampled; the data rule
# chooses a centred or non-centred form per factor from the typical pooling factor (the
# `median_pooling` column).

# %%
print("pastes:\n", m_pa.parameterization_table)
print("verbagg:\n", m_va.parameterization_table)
m_joint = hm.Model("strength ~ 1 + (1 | batch/cask)", pastes, parameterization="centered")
fit_joint = fit(m_joint, seed=4)
div = {
    "pastes, marginal": fit_pa.diagnostics()["divergences"],
    "pastes, centred joint": fit_joint.diagnostics()["divergences"],
    "penicillin, marginal": fit_pen.diagnostics()["divergences"],
    "verbagg, joint": fit_va.diagnostics()["divergences"],
}
print(pd.Series(div, name="divergences"))
print(
    f"\ndivergences: marginal pastes fit {div['pastes, marginal']}, the same model sampled "
    f"jointly and centred {div['pastes, centred joint']}; "
    f"max R-hat {fit_pa.diagnostics()['max_rhat']:.3f} (marginal) vs "
    f"{fit_joint.diagnostics()['max_rhat']:.3f} (joint)"
)

# %% [markdown]
# ## Exercises
#
# 1. **Pastes by hand.** From the posterior means of the three variances, compute the ICC
#    of two assays of one cask and compare it with `fit.icc()`.
# 2. **Forgetting the nesting.** Fit `strength ~ 1 + (1 | batch) + (1 | cask)` with the
#    cask labels a/b/c reused across batches. How many cask effects does it estimate, and
#    what happens to the cask variance?
# 3. **One respondent, one item.** In VerbAgg, what is the latent correlation of two
#    responses sharing *neither* respondent nor item?
#
# ### Solutions

# %%
v = vd_pa["variance"]
by_hand = (v["batch"] + v[cask]) / v.sum()
print(
    f"1. ({v['batch']:.2f} + {v[cask]:.2f}) / {v.sum():.2f} = {by_hand:.2f}; fit.icc(): "
    f"{icc_pa.loc[f'ICC({cask})', 'mean']:.2f} (the mean of the ratio, not the ratio of means)"
)
fit_wrong = fit(hm.Model("strength ~ 1 + (1 | batch) + (1 | cask)", pastes), seed=5)
vw = fit_wrong.varcorr()["mean"]
print(
    f"2. {pastes['cask'].nunique()} cask effects instead of {pastes[['batch', 'cask']].drop_duplicates().shape[0]}; "
    f"sd(cask) {vw['sd(cask, Intercept)']:.2f} vs sd(batch:cask) "
    f"{fit_pa.varcorr().loc[f'sd({cask}, Intercept)', 'mean']:.2f}, sigma {vw['sigma']:.2f} vs "
    f"{fit_pa.varcorr().loc['sigma', 'mean']:.2f}, sd(batch) {vw['sd(batch, Intercept)']:.2f} vs "
    f"{fit_pa.varcorr().loc['sd(batch, Intercept)', 'mean']:.2f}: 'cask a' now pools ten "
    "different casks, so their differences must go elsewhere"
)
print(
    "3. Zero: with only crossed random intercepts, responses that share no factor are "
    "independent given the fixed effects."
)

# %% [markdown]
# **References.** De Boeck, P. & Wilson, M. (2004), *Explanatory Item Response Models*,
# Springer. Davies, O. L. & Goldsmith, P. L. (1972), *Statistical Methods in Research and
# Production*, 4th ed. Baayen, R. H., Davidson, D. J. & Bates, D. M. (2008), J. Mem. Lang.
# 59, 390-412. Bates, D. et al. (2015), J. Stat. Softw. 67(1). Betancourt, M. & Girolami,
# M. (2015), in *Current Trends in Bayesian Methodology*, CRC (centred vs non-centred).
