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
# # Few clusters: random-effects ANOVA, the REML boundary and the posterior
#
# **What this teaches.** With six batches, or eight schools, the between-cluster variance
# is barely identified. The classical random-effects ANOVA estimates it by the method of
# moments and can come out *negative*; REML then sits exactly at zero (lme4's "singular
# fit"), which a reader takes as "no variation". The posterior says instead "anything
# from none to a lot", and a boundary-avoiding prior keeps it off the edge. We also
# contrast batches as fixed and as random factors, and see why the Satterthwaite
# degrees of freedom matter with few clusters.
#
# **Seed concepts.** Seed 004 (fixed vs random factors, one-way random-effects ANOVA:
# MSA, MSE and $\hat\sigma_\alpha^2 = (MSA - MSE)/n$; the number of groups and power;
# degrees of freedom); seed 000 (fixed vs random effects); seed 003 (meta-analysis as a
# two-level model).
#
# **Key terms.** random-effects ANOVA 随机效应方差分析 · mean square 均方 · method of
# moments 矩估计 · variance component 方差成分 · boundary / singular fit 边界解/奇异拟合 ·
# fixed factor 固定因子 · random factor 随机因子 · boundary-avoiding prior 避免边界的先验 ·
# degrees of freedom 自由度.

# %%
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import hiermodels as hm
from hiermodels.derive.satterthwaite import satterthwaite

FIGURES = os.environ.get("HIERMODELS_FIGURES")
DRAWS = int(os.environ.get("HIERMODELS_DRAWS", "1000"))
pd.set_option("display.width", 150, "display.precision", 3, "display.max_columns", 20)
warnings.filterwarnings("ignore", category=hm.HiermodelsWarning)
ONE_WAY = "Yield ~ 1 + (1 | Batch)"


def show(fig, name: str) -> None:
    """Save the figure into $HIERMODELS_FIGURES, or show it."""
    if FIGURES:
        Path(FIGURES).mkdir(parents=True, exist_ok=True)
        fig.savefig(Path(FIGURES) / f"{name}.png", dpi=100, bbox_inches="tight")
        plt.close(fig)
    else:
        plt.show()


def fit(data, priors=None, seed=1):
    """The one-way model with the notebook's settings."""
    return hm.Model(ONE_WAY, data, priors=priors).fit(
        draws=DRAWS, tune=DRAWS, chains=4, seed=seed, progressbar=False
    )


# %% [markdown]
# ## Dyestuff: a textbook random-effects ANOVA
#
# Six batches of an intermediate product, five preparations each (Davies 1947). The
# ANOVA table gives the mean squares between batches (MSA) and within (MSE); since
# $E[MSA] = \sigma^2 + n\sigma_\alpha^2$ and $E[MSE] = \sigma^2$, the method of moments
# estimates $\sigma_\alpha^2 = (MSA - MSE)/n$.

# %%
dye = hm.datasets.load("dyestuff")
a1 = hm.anova_components(ONE_WAY, dye)
print(a1.attrs["table"])
print(a1)
print(a1.attrs["message"])
fit1 = fit(dye)
show(hm.plots.plot_anova_components(ONE_WAY, dye, fit1), "01_anova_dyestuff")

# %% [markdown]
# For balanced data a positive moment estimate equals REML exactly. With six batches the
# posterior of sd(Batch) is wide:

# %%
print(fit1.varcorr()[["mean", "lower", "upper"]])

# %% [markdown]
# ## Dyestuff2: the estimate goes negative
#
# Simulated data of the same shape (Box & Tiao 1973) in which the batches differ *less*
# than the preparations within them would make them differ by chance: MSA < MSE.

# %%
dye2 = hm.datasets.load("dyestuff2")
a2 = hm.anova_components(ONE_WAY, dye2)
print(a2.attrs["table"])
print(a2)
print(a2.attrs["message"])

# %% [markdown]
# REML puts sd(Batch) on the boundary; the posterior with the default half-normal prior
# (mode at zero) piles up near zero but keeps an upper tail; the boundary-avoiding
# Gamma(2, ·) prior (Chung et al. 2013) has density zero at zero, so the posterior
# cannot collapse.

# %%
fit2 = fit(dye2)
fit2b = fit(dye2, priors={"sd": "boundary_avoiding"}, seed=2)
rml = fit2.compare_reml()
print(rml[["reml", "mean", "lower", "upper", "boundary"]])
side = pd.DataFrame(
    {
        "REML": [rml.loc["sd(Batch, Intercept)", "reml"]],
        "default prior": [fit2.varcorr().loc["sd(Batch, Intercept)", "mean"]],
        "default upper": [fit2.varcorr().loc["sd(Batch, Intercept)", "upper"]],
        "boundary-avoiding": [fit2b.varcorr().loc["sd(Batch, Intercept)", "mean"]],
        "b-a lower": [fit2b.varcorr().loc["sd(Batch, Intercept)", "lower"]],
        "b-a upper": [fit2b.varcorr().loc["sd(Batch, Intercept)", "upper"]],
    },
    index=["sd(Batch)"],
)
print(side)
show(hm.plots.plot_anova_components(ONE_WAY, dye2, fit2b), "02_anova_dyestuff2")

# %% [markdown]
# ## Fixed or random batches?
#
# As a *fixed* factor each batch gets its own mean (no pooling): right if these six
# batches are all we care about. As a *random* factor the batches are a sample from a
# population of batches, their means are shrunk toward the grand mean, and we learn
# about batches not yet made. The shrinkage table shows both.

# %%
sh = fit1.shrinkage("Batch")
print(sh[["n", "no_pool", "mean", "population", "pooling"]])
print(f"\nEach Dyestuff batch mean keeps weight {1 - sh['pooling'].mean():.2f} on its own data.")

# %% [markdown]
# ## Degrees of freedom with few clusters
#
# The grand mean's standard error comes from the batch means, so its t statistic has
# about $J - 1$ degrees of freedom, not $N - 1$ (Satterthwaite gives exactly $J - 1$ here);
# a normal approximation would be over-confident. At the boundary (Dyestuff2) the
# variance component drops out and the rows count as independent ($N - 1$).

# %%
s1 = satterthwaite(fit1.design)
s2 = satterthwaite(fit2.design)
print(pd.concat({"Dyestuff": s1, "Dyestuff2": s2}))

# %% [markdown]
# ## Eight schools: the same story as a meta-analysis
#
# Rubin (1981): coaching effects in eight schools with known standard errors. A
# random-effects meta-analysis is a two-level model with the level-1 variance known.
# REML, DerSimonian-Laird and Paule-Mandel all estimate $\tau = 0$; the posterior does not.

# %%
schools = hm.datasets.load("eight_schools")
mfit = hm.MetaAnalysis(schools, yi="y", sei="sigma", study="school").fit(seed=1)
print(mfit.side_by_side().loc[["mu", "tau"]])

# %% [markdown]
# ## Exercises
#
# 1. **Compute Dyestuff's $\hat\sigma_\alpha^2$ by hand** from the ANOVA table.
# 2. **What would MSA have to be** for Dyestuff2's moment estimate to be zero?
# 3. **Eight schools:** what is the posterior probability that $\tau > 5$?
#
# ### Solutions

# %%
t1 = a1.attrs["table"]
print(
    f"1. ({t1['MS'].iloc[0]:.2f} - {t1['MS'].iloc[1]:.2f}) / 5 = "
    f"{(t1['MS'].iloc[0] - t1['MS'].iloc[1]) / 5:.2f}, sd {a1.loc['sd(Batch, Intercept)', 'anova']:.2f}"
)
t2 = a2.attrs["table"]
print(f"2. MSA = MSE = {t2['MS'].iloc[1]:.3f} (it was {t2['MS'].iloc[0]:.3f}).")
tau_draws = mfit.idata.posterior["tau"].values.ravel()
print(f"3. P(tau > 5) = {(tau_draws > 5).mean():.2f}: far from 'no heterogeneity'.")

# %% [markdown]
# **References.** Davies, O. L. (1947), *Statistical Methods in Research and Production*.
# Box, G. & Tiao, G. (1973), *Bayesian Inference in Statistical Analysis*, §5.1. Searle,
# S., Casella, G. & McCulloch, C. (1992), *Variance Components*, ch. 3. Chung, Y. et al.
# (2013), Psychometrika 78, 685-709. Rubin, D. (1981), J. Educ. Stat. 6, 377-401.
