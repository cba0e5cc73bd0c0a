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
# # Meta-analysis as a level-2 model: the BCG vaccine trials
#
# **What this teaches.** A meta-analysis is a multilevel model whose level-1 data are
# each study's effect estimate with its known sampling variance; level 2 describes how
# the true study effects vary. The common-effect model assumes they do not; the
# random-effects model estimates their spread $\tau$, summarised by Q, I² and the
# prediction interval for a new study; a meta-regression explains part of the spread
# with a study-level predictor (a cross-level question in HLM terms).
#
# **Seed concepts.** Seed 004 (meta-analysis as "the poor man's HLM": the pooled effect
# is an average level-1 slope, fixed- vs random-effects meta-analysis, meta-regression);
# seed 003 (meta-analysis in medicine).
#
# **Key terms.** meta-analysis 元分析 · effect size 效应量 · common (fixed) effect 共同（固定）
# 效应 · random effects 随机效应 · heterogeneity 异质性 · I² · prediction interval 预测区间 ·
# meta-regression 元回归 · moderator 调节变量 · bubble plot 气泡图.

# %%
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import hiermodels as hm

FIGURES = os.environ.get("HIERMODELS_FIGURES")
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
# ## The data
#
# 13 trials of the BCG vaccine against tuberculosis (Colditz et al. 1994); `yi` is the
# log risk ratio (vaccinated vs not), `vi` its sampling variance, `ablat` the trial's
# absolute latitude.

# %%
bcg = hm.datasets.load("bcg")
print(hm.datasets.citation("bcg"))
print(bcg[["author", "year", "ablat", "yi", "vi"]])

# %% [markdown]
# ## Common effect vs random effects
#
# Common effect: $y_i \sim N(\mu, v_i)$, one true effect. Random effects:
# $y_i \sim N(\theta_i, v_i)$, $\theta_i \sim N(\mu, \tau^2)$.

# %%
common = hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial", model="common").fit(seed=1)
random = hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial").fit(seed=1)
print(common.summary().loc[["mu"], ["mean", "lower", "upper"]])
print(random.summary()[["mean", "lower", "upper"]])
freq = random.frequentist()
print(freq)
mu_c, mu_r = common.summary().loc["mu", "mean"], random.summary().loc["mu", "mean"]
print(
    f"\nrisk ratio: common effect {np.exp(mu_c):.2f}, random effects {np.exp(mu_r):.2f}; "
    f"Q = {freq.Q:.1f} on {freq.Q_df} df (p = {freq.Q_pval:.2g}), I^2 = {freq.I2:.2f}"
)
show(hm.plots.plot_meta_forest(random, xlabel="log risk ratio"), "01_forest")

# %% [markdown]
# The random-effects interval is wider: it admits that the trials estimate different
# true effects. The prediction interval is where a *new* trial's true effect would fall.

# %%
pi = random.prediction_interval()
print(pi)
print(
    f"a new trial's risk ratio: {np.exp(pi['lower'].iloc[0]):.2f} to "
    f"{np.exp(pi['upper'].iloc[0]):.2f} — it could even be harmful"
    if pi["upper"].iloc[0] > 0
    else f"a new trial's risk ratio: {np.exp(pi['lower'].iloc[0]):.2f} to "
    f"{np.exp(pi['upper'].iloc[0]):.2f}"
)

# %% [markdown]
# ## Meta-regression: latitude
#
# $\theta_i = \beta_0 + \beta_1\,\mathrm{ablat}_i + u_i$. Trials far from the equator found
# stronger protection (less exposure to environmental mycobacteria is one explanation).

# %%
reg = hm.MetaAnalysis(bcg, yi="yi", vi="vi", study="trial", moderators="~ ablat").fit(seed=1)
print(reg.summary()[["mean", "lower", "upper"]])
tau0 = random.summary().loc["tau", "mean"]
tau1 = reg.summary().loc["tau", "mean"]
print(
    f"\nresidual tau {tau1:.3f} vs {tau0:.3f} without the moderator: latitude explains about "
    f"{1 - tau1**2 / tau0**2:.0%} of the between-trial variance (posterior means)"
)
show(hm.plots.plot_meta_bubble(reg, "ablat", ylabel="log risk ratio"), "02_bubble")

# %% [markdown]
# ## Exercises
#
# 1. **Predicted risk ratio at latitude 50°.**
# 2. **Which trial pulls hardest on the common-effect estimate?** (largest weight $1/v_i$)
# 3. **How much does each trial borrow from the others?** (the pooling factor
#    $B_i = v_i / (v_i + \tau^2)$)
#
# ### Solutions

# %%
p50 = reg.prediction_interval(newmods=pd.DataFrame({"ablat": [50.0]}))
print(
    f"1. exp({p50['fitted_mean'].iloc[0]:.3f}) = {np.exp(p50['fitted_mean'].iloc[0]):.2f} "
    f"[{np.exp(p50['fitted_lower'].iloc[0]):.2f}, {np.exp(p50['fitted_upper'].iloc[0]):.2f}]"
)
w = 1 / bcg["vi"]
top = int(w.idxmax())
print(
    f"2. {bcg.loc[top, 'author']} ({bcg.loc[top, 'year']}): {w.max() / w.sum():.0%} of the weight."
)
se = random.study_effects()
print(
    f"3. pooling factors from {se['pooling'].min():.2f} ({se['pooling'].idxmin()}) to "
    f"{se['pooling'].max():.2f} ({se['pooling'].idxmax()}): small trials borrow most."
)

# %% [markdown]
# **References.** Colditz, G. et al. (1994), JAMA 271, 698-702. Viechtbauer, W. (2010),
# J. Stat. Softw. 36(3). Thompson, S. & Higgins, J. (2002), Stat. Med. 21, 1559-1573.
# Higgins, J., Thompson, S. & Spiegelhalter, D. (2009), JRSS A 172, 137-159.
