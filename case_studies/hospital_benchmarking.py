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
# # Hospital benchmarking: ICC, design effect, shrinkage, ranks and funnel plots
#
# **What this teaches.** Patients of one hospital resemble each other (ICC), so a
# patient-level analysis that ignores hospitals overstates its precision (design
# effect). League tables of raw mortality reward the small hospitals that were lucky:
# the multilevel model shrinks them toward the average, and posterior ranks with their
# intervals show how little a league position means. Funnel plots put every hospital
# against control limits that account for its size.
#
# **Seed concepts.** Seed 003 (nested structures, ICC and the design effect for hospital
# benchmarking, with its worked example of an ICC and a cluster size, and shrinkage
# of small units); seed 001 (shrinkage / empirical Bayes).
#
# **Key terms.** intraclass correlation (ICC) 组内相关系数 · design effect 设计效应 ·
# effective sample size 有效样本量 · shrinkage 收缩 · league table 排行榜 · posterior rank
# 后验排名 · funnel plot 漏斗图 · control limits 控制限.

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


# %% [markdown]
# ## The data (simulated)
#
# 40 hospitals of very different sizes treat patients with a risk score (case mix).
# 30-day mortality depends on the risk and on the hospital:
# $\mathrm{logit}\,P(\text{death}) = -2.2 + 0.8\,\text{risk} + u_h$, $u_h \sim N(0, 0.35^2)$.

# %%
rng = np.random.default_rng(3)
H = 40
size = np.clip(np.round(rng.lognormal(np.log(30), 0.8, H)), 5, 250).astype(int)
u = rng.normal(0, 0.35, H)
hosp = np.repeat(np.arange(H), size)
risk = rng.normal(0, 1, size.sum())
death = rng.binomial(1, 1 / (1 + np.exp(-(-2.2 + 0.8 * risk + u[hosp]))))
patients = pd.DataFrame({"death": death, "risk": risk, "hospital": [f"H{k:02d}" for k in hosp]})
print(
    f"{len(patients)} patients in {H} hospitals; patients per hospital from {size.min()} to "
    f"{size.max()} (mean {size.mean():.1f}); overall mortality {death.mean():.3f}"
)

# %%
fit = hm.Model("death ~ risk + (1 | hospital)", patients, family="bernoulli").fit(
    draws=DRAWS, tune=DRAWS, chains=4, seed=1, progressbar=False
)
print(fit.fixed_effects()[["mean", "lower", "upper"]])
print(fit.varcorr()[["mean", "lower", "upper"]])

# %% [markdown]
# ## How alike are patients of one hospital? The ICC
#
# On the latent (logit) scale the patient-level variance is $\pi^2/3$, so
# $\mathrm{ICC} = \tau^2 / (\tau^2 + \pi^2/3)$.

# %%
icc = fit.icc()
print(icc[["mean", "lower", "upper"]])
rho = icc.loc["ICC(hospital)", "mean"]

# %% [markdown]
# ## The design effect: what ignoring the hospitals costs
#
# $\mathrm{Deff} = 1 + ((CV^2 + 1)\bar m - 1)\,\mathrm{ICC}$; standard errors from an
# analysis that treats patients as independent are too small by $\sqrt{\mathrm{Deff}}$.
# First seed 003's worked example, then this data set.

# %%
seed = hm.design_effect_summary(0.057, 30).iloc[0]
print(
    f"Seed 003: ICC 0.057, 30 patients per hospital -> Deff {seed['design_effect']:.2f}, "
    f"SEs understated by a factor {seed['se_inflation']:.2f}"
)
sizes = patients.groupby("hospital").size()
ours = hm.design_effect_summary(rho, sizes.mean(), sizes.std(ddof=1) / sizes.mean(), len(patients))
print(ours.round(3))
print(fit.design_effect()[["mean", "lower", "upper", "m", "cv"]])

# %% [markdown]
# The naive logistic regression against the multilevel model. The intercept (a
# hospital-level quantity: the mortality of an average hospital) is understated most;
# `risk` varies within hospitals, so its naive SE is nearly right.

# %%
se = fit.se_comparison()
print(se)

# %% [markdown]
# ## Shrinkage of small hospitals
#
# A hospital with a handful of patients can show a raw mortality far from the average
# by luck alone. The model pulls each hospital's estimate toward the population mean by
# the pooling factor $\lambda_h$, large when the hospital is small.

# %%
sh = fit.shrinkage("hospital")
show(hm.plots.plot_shrinkage_by_size(fit, "hospital"), "01_shrinkage_by_size")
small, large = sh["n"] <= 15, sh["n"] >= 60
print(
    f"mean pooling factor: {sh.loc[small, 'pooling'].mean():.2f} for the {small.sum()} "
    f"hospitals with <= 15 patients, {sh.loc[large, 'pooling'].mean():.2f} for the "
    f"{large.sum()} with >= 60"
)

# %% [markdown]
# ## League tables with honest uncertainty: posterior ranks
#
# In every posterior draw the hospitals are ranked (1 = lowest mortality); the interval of
# a hospital's rank says where it could plausibly stand. We flag a hospital when its
# effect is credibly more than 20 % in odds away from the average (margin log 1.2).

# %%
ranks = fit.rank("hospital", margin=np.log(1.2))
print(
    ranks[
        [
            "n",
            "effect",
            "rank_mean",
            "rank_lower",
            "rank_upper",
            "p_above",
            "flag",
            "raw_rank",
            "flag_no_pool",
        ]
    ].tail(8)
)
width = (ranks["rank_upper"] - ranks["rank_lower"]).median()
print(
    f"\nmedian width of a rank interval: {width:.0f} places out of {H}; flagged with "
    f"shrinkage: {ranks.attrs['n_flagged']}, from raw rates: {ranks.attrs['n_flagged_no_pool']}"
)
show(hm.plots.plot_ranks(fit, "hospital", margin=np.log(1.2)), "02_ranks")

# %% [markdown]
# ## Funnel plot (Spiegelhalter 2005)
#
# Observed mortality against hospital size, with exact binomial control limits around
# the overall rate at 95 % and 99.8 %. Small hospitals scatter widely *and so do the
# limits*; the arrows show where shrinkage moves each hospital.

# %%
units, limits = fit.funnel("hospital")
out95 = (units["outside_0.95"] != "").sum()
print(
    f"target {limits.attrs['target']:.3f}; {out95} of {H} hospitals outside the 95 % limits "
    f"(about {0.05 * H:.0f} expected by chance alone)"
)
show(hm.plots.plot_funnel(fit, "hospital"), "03_funnel")

# %% [markdown]
# ## Exercises
#
# 1. **Effective sample size.** How many independent patients is this study worth?
# 2. **Which hospital would a raw league table put last, and where does the model put it?**
# 3. **Seed 003 with 100 patients per hospital.** What design effect, same ICC?
#
# ### Solutions

# %%
print(
    f"1. N / Deff = {len(patients)} / {ours['design_effect'].iloc[0]:.2f} = "
    f"{ours['effective_n'].iloc[0]:.0f} patients."
)
worst = ranks["raw_rank"].idxmax()
print(
    f"2. {worst} ({ranks.loc[worst, 'n']:.0f} patients): raw rank {ranks.loc[worst, 'raw_rank']:.0f}; "
    f"posterior rank {ranks.loc[worst, 'rank_mean']:.1f} "
    f"[{ranks.loc[worst, 'rank_lower']:.0f}, {ranks.loc[worst, 'rank_upper']:.0f}]."
)
d100 = hm.design_effect_summary(0.057, 100).iloc[0]
print(
    f"3. 1 + 99 x 0.057 = {d100['design_effect']:.2f}: SEs too small by {d100['se_inflation']:.2f}. "
    "Bigger clusters make the same small ICC costlier."
)

# %% [markdown]
# **References.** Kish, L. (1965), *Survey Sampling*. Goldstein, H. & Spiegelhalter, D.
# (1996), JRSS A 159, 385-443. Spiegelhalter, D. (2005), Stat. Med. 24, 1185-1202.
# Eldridge, S., Ashby, D. & Kerry, S. (2006), Int. J. Epidemiol. 35, 1292-1300.
