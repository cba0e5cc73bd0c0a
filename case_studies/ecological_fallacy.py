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
# # The ecological fallacy: within-subject versus between-subject effects
#
# **What this teaches.** A relation between *group averages* can differ from — even have
# the opposite sign of — the relation *inside* each group. Reading one as the other is the
# ecological fallacy. A multilevel model separates the two by splitting the predictor
# into the subject's mean and the deviation from it, and estimates both effects and their
# difference (the contextual effect) at once. The same split (Mundlak's model) settles
# the econometricians' "fixed or random effects?" question.
#
# **Seed concepts.** Seed 000 (avoiding the ecological fallacy: within- vs between-subject
# effects, decomposing $x_{ij}$ into $\bar x_i$ and $x_{ij} - \bar x_i$); seed 004 (panel
# data: fixed-effects vs random-effects estimators, the Hausman test).
#
# **Key terms.** ecological fallacy 生态谬误 · within-subject effect 组内效应 ·
# between-subject effect 组间效应 · contextual effect 情境效应 · group-mean centring
# 组均值中心化 · fixed-effects (within) estimator 固定效应（组内）估计量 · Hausman test
# 豪斯曼检验 · Simpson's paradox 辛普森悖论.
#
# Runs as a script or a notebook; `HIERMODELS_DRAWS` and `HIERMODELS_FIGURES` as in the
# other case studies.

# %%
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import hiermodels as hm
from hiermodels.derive.within_between import simpson_lines

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


def fit(formula, data, chains=4, seed=1):
    """Fit with the notebook's settings."""
    return hm.Model(formula, data).fit(
        draws=DRAWS, tune=DRAWS, chains=chains, seed=seed, progressbar=False
    )


# %% [markdown]
# ## The data (simulated, so that we know the truth)
#
# Seed 000's example: how does the neural response change with stimulus intensity, trial
# by trial? Each of 20 subjects did 30 trials. Stimulus intensities were calibrated to
# each subject's threshold, so insensitive subjects got stronger stimuli on average —
# and, being insensitive, responded less. Within a subject a stronger stimulus gives a
# larger response (true within slope +0.8); across subjects the averages fall (true
# between slope −0.6).

# %%
rng = np.random.default_rng(2024)
J, n = 20, 30
threshold = rng.normal(0, 1.5, J)  # subject's insensitivity
subj = np.repeat(np.arange(J), n)
intensity = 5 + threshold[subj] + rng.normal(0, 1, J * n)
xbar = 5 + threshold
response = (
    10
    + 0.8 * (intensity - xbar[subj])
    - 0.6 * (xbar[subj] - 5)
    + rng.normal(0, 0.7, J)[subj]
    + rng.normal(0, 1, J * n)
)
trials = pd.DataFrame(
    {"response": response, "intensity": intensity, "subject": [f"s{k:02d}" for k in subj]}
)
print(trials.head())
print(f"{len(trials)} trials, {trials['subject'].nunique()} subjects")

# %% [markdown]
# ## Three least-squares lines on the same data
#
# The figure draws the pooled regression (ignores subjects), each subject's line with the
# common within slope, and the line through the 20 subject means.

# %%
lines = simpson_lines(trials, "response", "intensity", "subject")
print(
    f"pooled slope {lines['pooled'][1]:.2f}, between slope {lines['between'][1]:.2f}, "
    f"within slope {lines['within']:.2f}"
)
show(hm.plots.plot_within_between(trials, "response", "intensity", "subject"), "01_simpson")

# %% [markdown]
# Averaging first (one point per subject) answers a between-subject question; reading
# its slope as "a stronger stimulus lowers the response" is the ecological fallacy.
#
# ## The multilevel model that separates them
#
# `within(x, g)` is $x_{ij} - \bar x_j$ and `between(x, g)` is $\bar x_j$ (the group means
# are remembered for predictions on new data):
#
# $$ y_{ij} = \beta_0 + \beta_W (x_{ij} - \bar x_j) + \beta_B \bar x_j + u_j + e_{ij}. $$

# %%
fit_wb = fit(
    "response ~ within(intensity, subject) + between(intensity, subject) + (1 | subject)", trials
)
wb = fit_wb.within_between("intensity")
print(wb)
w, b, ctx = wb.loc["within", "mean"], wb.loc["between", "mean"], wb.loc["contextual", "mean"]
print(f"\nwithin {w:.2f}, between {b:.2f}: the contextual effect b - w = {ctx:.2f}")

# %% [markdown]
# ## Mundlak's form: the same model, another parameterisation
#
# Put the raw $x$ and its group mean in the model: $x$'s coefficient is the within effect
# and the mean's coefficient is the contextual effect directly.

# %%
fit_m = fit("response ~ intensity + between(intensity, subject) + (1 | subject)", trials, seed=2)
mu = fit_m.within_between("intensity")
print(mu)

# %% [markdown]
# ## What goes wrong with x alone
#
# A random-intercept model with only `intensity` forces one slope on both levels. Its
# estimate is a precision-weighted blend of the within and the between slope — an answer
# to neither question. With 30 trials per subject the within information dominates, so
# the blend sits near the within slope, but it is biased toward the between slope, and
# the bias grows as the subjects' data shrink.

# %%
fit_x = fit("response ~ intensity + (1 | subject)", trials, seed=3)
one = fit_x.fixed_effects().loc["intensity"]
print(
    f"single slope {one['mean']:.3f} [{one['lower']:.3f}, {one['upper']:.3f}]; within "
    f"{w:.3f}, between {b:.3f}: pulled {w - one['mean']:.3f} from the within slope toward "
    "the between slope"
)

# %% [markdown]
# ## Econometrics: fixed effects, random effects and Hausman's test
#
# The fixed-effects (within) estimator demeans everything by subject and uses only
# within-subject variation; the random-effects estimator (GLS) also uses the between
# variation and is biased when the subject effects correlate with $x$, as here. Hausman's
# statistic compares the two.

# %%
fr = fit_x.fe_vs_re()
print(fr)
h = fr.attrs["hausman"]
print(f"\nHausman H = {h['statistic']:.1f} on {h['df']} df, p = {h['p_value']:.2g}")
print(
    f"Mundlak's within coefficient {mu.loc['within', 'mean']:.3f} vs the FE estimate "
    f"{fr['fe'].iloc[0]:.3f}: the multilevel model with the group mean gives the FE answer "
    "and the between effect too, so the choice is unnecessary."
)

# %% [markdown]
# ## Exercises
#
# 1. **Predict for new trials** of subject s00 at intensity 4 and 6: what difference does
#    the model predict, and which coefficient is it?
# 2. **No between variation.** If every subject had the same mean intensity, what would
#    the within and single-slope models give?
# 3. **Aggregated data only.** With only the 20 subject means, which effect can you
#    estimate?
#
# ### Solutions

# %%
new = pd.DataFrame({"intensity": [4.0, 6.0], "subject": ["s00", "s00"]})
pred = fit_wb.predict(new).summary()["mean"].to_numpy()
print(
    f"1. {pred[1] - pred[0]:.2f} = 2 x the within slope ({2 * w:.2f}): inside one subject only "
    "the deviation from the subject's mean changes."
)
balanced = trials.assign(
    intensity=trials["intensity"] - trials.groupby("subject")["intensity"].transform("mean") + 5
)
lb = simpson_lines(balanced, "response", "intensity", "subject")
print(
    f"2. With equal means the between slope is undefined and the pooled slope "
    f"{lb['pooled'][1]:.2f} equals the within slope {lb['within']:.2f}: no confounding left."
)
print(
    f"3. Only the between slope ({lines['between'][1]:.2f}); the within effect "
    f"({lines['within']:.2f}) is invisible in averages."
)

# %% [markdown]
# **References.** Robinson, W. S. (1950), Am. Sociol. Rev. 15, 351-357. Mundlak, Y. (1978),
# Econometrica 46, 69-85. Hausman, J. A. (1978), Econometrica 46, 1251-1271. Bell, A. &
# Jones, K. (2015), Political Science Research and Methods 3, 133-153. Raudenbush, S. &
# Bryk, A. (2002), *Hierarchical Linear Models*, §5.2.
