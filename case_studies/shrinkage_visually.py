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
# # Shrinkage, visually: radon in Minnesota homes
#
# Radon is a radioactive gas that seeps from the soil into houses. The Minnesota survey
# analysed by Gelman & Hill (2007, chapters 12-13) measured it in homes across the
# state's counties (the counts are printed below). Some counties have over a hundred
# homes, some have one. How should we estimate the radon level of each county?
#
# * **Complete pooling** ignores the counties: one estimate for the whole state.
#   Precise, but it pretends the counties are all alike.
# * **No pooling** estimates each county from its own homes alone. Honest about
#   differences, but a county with two homes gets a wild, noisy estimate.
# * **Partial pooling** — a multilevel model — estimates the spread between counties
#   from all of them and uses it to pull each county's estimate toward the state
#   average, by an amount that depends on how much data the county has.
#
# This notebook shows that compromise in pictures. It runs as a script
# (`python case_studies/shrinkage_visually.py`) or as a notebook (jupytext). Set
# `HIERMODELS_DRAWS` for fewer draws and `HIERMODELS_FIGURES` to a folder to save
# the figures instead of showing them.

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import hiermodels as hm

FIGURES = os.environ.get("HIERMODELS_FIGURES")
DRAWS = int(os.environ.get("HIERMODELS_DRAWS", "1000"))
SEED = 1
pd.set_option("display.width", 110, "display.precision", 3)


def show(fig, name: str) -> None:
    """Save the figure into $HIERMODELS_FIGURES, or show it."""
    if FIGURES:
        Path(FIGURES).mkdir(parents=True, exist_ok=True)
        fig.savefig(Path(FIGURES) / f"{name}.png", dpi=100, bbox_inches="tight")
        plt.close(fig)
    else:
        plt.show()


def fit(formula: str):
    """Fit a model of the radon data with the notebook's settings."""
    return hm.Model(formula, radon).fit(draws=DRAWS, tune=DRAWS, chains=4, seed=SEED)


# %% [markdown]
# ## The data
#
# `log_radon` is the log of the measured radon level; `floor` is 0 for a basement
# measurement and 1 for the first floor (radon comes from the ground, so basements read
# higher).

# %%
radon = hm.datasets.load("radon")
print(hm.datasets.citation("radon"))
homes = radon["county"].value_counts()
print(radon.head())
print(
    f"\n{len(radon)} homes in {homes.size} counties; homes per county: median "
    f"{homes.median():.0f}, from {homes.min()} to {homes.max()}; "
    f"{(homes <= 3).sum()} counties have 3 homes or fewer."
)

# %% [markdown]
# ## Complete, no and partial pooling, side by side
#
# The varying-intercept model lets each county have its own baseline and shares the
# floor effect:
#
# $$ y_i \sim N(\alpha_{j[i]} + \beta\,\mathrm{floor}_i,\ \sigma^2), \qquad
#    \alpha_j \sim N(\mu_\alpha, \tau^2). $$
#
# Below, eight counties from the smallest to the largest. The dashed line is complete
# pooling (the same for every county), the dotted line no pooling (the county's own
# least-squares fit), the solid line partial pooling. In large counties the solid line
# follows the county's own data. In small counties it is pulled toward the *population*
# line — the typical county, $\mu_\alpha + \beta\,\mathrm{floor}$ — which is not the
# complete-pooling line: complete pooling averages homes, so the big counties dominate
# it, while $\mu_\alpha$ is the centre of the distribution of counties. The two
# intercepts are printed below the figure.

# %%
fit_a = fit("log_radon ~ floor + (1 | county)")
print(fit_a)
show(hm.plots.plot_pooling_lines(fit_a, "county", "floor"), "01_pooling_lines")
centre = fit_a.shrinkage("county")
print(
    f"small counties shrink toward the population intercept mu_alpha = "
    f"{centre['population'].iloc[0]:.3f}, not toward the complete-pooling intercept "
    f"{centre['complete_pool'].iloc[0]:.3f}"
)

# %% [markdown]
# ## Shrinkage against county size
#
# For a Gaussian varying intercept the pull toward the state average has a closed form:
# county $j$ keeps the weight $1 - \lambda_j$ on its own mean, with the pooling factor
#
# $$ \lambda_j = \frac{\sigma^2 / n_j}{\sigma^2 / n_j + \tau^2}. $$
#
# When a county's own mean is noisier ($\sigma^2/n_j$ large) than the counties differ
# ($\tau^2$), it is mostly pooled. On the left each county's own estimate with its
# interval; on the right the multilevel estimates: the small counties on the left of
# each panel move most, and their intervals shrink.

# %%
shrink = fit_a.shrinkage("county")
show(hm.plots.plot_shrinkage_by_size(fit_a, "county"), "02_shrinkage_by_size")
by_size = shrink.groupby(pd.cut(shrink["n"], [0, 2, 5, 10, 25, 200]), observed=True)
print(by_size["pooling"].agg(["count", "mean"]).rename(columns={"mean": "mean pooling"}))
print(shrink.sort_values("n")[["n", "no_pool", "mean", "pooling"]].head(6))
one_home = shrink.loc[shrink["n"] == 1, "pooling"]
big_two = shrink.sort_values("n").tail(2)
print(
    f"\n{one_home.size} counties with one home: mean pooling factor {one_home.mean():.2f}; "
    + "; ".join(f"{k} ({r['n']:.0f} homes): {r['pooling']:.3f}" for k, r in big_two.iterrows())
)

# %% [markdown]
# A county with one home is pooled most of the way toward the population mean (the
# pooling factors printed above); the two largest counties barely move.
#
# ## Two dimensions: varying intercepts and slopes
#
# Now let the floor effect vary by county too, correlated with the intercept:
#
# $$ (\alpha_j, \beta_j) \sim N\big((\mu_\alpha, \mu_\beta),\ G\big). $$
#
# Each open circle is a county's own (intercept, slope) fit; the arrow points to its
# partial-pooling estimate. The ellipses hold 50 % and 95 % of the estimated
# population distribution $N(\mu, G)$. Counties move toward the centre, and they move
# most in the direction their own data say least about: most homes were measured in
# the basement, so a county's own floor slope rests on a handful of first-floor
# measurements and is pulled a long way (the arrows are mostly vertical). Counties
# with no first-floor home have no own slope at all and are not drawn.

# %%
fit_ab = fit("log_radon ~ floor + (floor | county)")
print(fit_ab.varcorr()[["mean", "lower", "upper"]])
show(hm.plots.plot_shrinkage_2d(fit_ab, "county", label_top=4), "03_shrinkage_2d")

# %% [markdown]
# ## How much of the variation lies between counties? The ICC
#
# The intraclass correlation is the share of the variance that lies between counties,
# $\tau^2 / (\tau^2 + \sigma^2)$: the correlation between two homes of the same county.

# %%
print(fit_a.icc())
show(hm.plots.plot_variance_decomposition(fit_a), "04_variance_decomposition")
icc_a = fit_a.icc().loc["ICC adjusted", "mean"]
print(f"between counties: {icc_a:.2f} of the variance (about 1 in {1 / icc_a:.0f})")

# %% [markdown]
# Only a small share of the variance in log radon lies between counties (printed above)
# — most of it is between homes — yet that share is enough to make the county estimates
# matter.
# A county-level predictor explains part of it: adding the county's log soil uranium
# (Gelman & Hill, section 12.6) shrinks the between-county SD and the ICC, so counties
# are pooled toward a uranium-specific line instead of one state average.

# %%
fit_u = fit("log_radon ~ floor + log_uranium + (1 | county)")
compare = pd.DataFrame(
    {
        "without uranium": [
            fit_a.varcorr().loc["sd(county, Intercept)", "mean"],
            fit_a.icc().loc["ICC adjusted", "mean"],
        ],
        "with uranium": [
            fit_u.varcorr().loc["sd(county, Intercept)", "mean"],
            fit_u.icc().loc["ICC adjusted", "mean"],
        ],
    },
    index=["sd(county)", "ICC"],
)
print(compare)

# %% [markdown]
# ## What does a new county look like?
#
# The model also describes counties it has not seen. For a basement measurement we
# compare the expected log radon of Hennepin (one of the two largest counties), of Wilkin (one
# home), of a
# *typical* county (county effect at zero) and of a *new* county drawn from the
# population of counties; and, last, a single new home in a new county, which adds the
# home-to-home variation.

# %%
rows = pd.DataFrame({"floor": 0, "county": ["HENNEPIN", "WILKIN", "HENNEPIN"]})
known = fit_a.predict(rows.iloc[:2], groups="fitted", seed=SEED).summary()
typical = fit_a.predict(rows.iloc[:1], groups="typical", seed=SEED).summary()
new_row = pd.DataFrame({"floor": [0], "county": ["A NEW COUNTY"]})
new = fit_a.predict(new_row, groups="new", seed=SEED).summary()
home = fit_a.predict(new_row, groups="new", kind="response", seed=SEED).summary()
table = pd.concat([known, typical, new, home], ignore_index=True)
table.index = [
    f"Hennepin ({homes['HENNEPIN']} homes)",
    f"Wilkin ({homes['WILKIN']} home{'s' if homes['WILKIN'] != 1 else ''})",
    "typical county",
    "new county",
    "a home in a new county",
]
print(table)

fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
y = np.arange(len(table))[::-1]
ax.hlines(y, table["lower"], table["upper"], color="#1b9e77", lw=2.5)
ax.plot(table["mean"], y, "o", color="#1b9e77")
ax.set_yticks(y, table.index)
ax.set_xlabel("log radon, basement (posterior mean and 95 % interval)")
ax.set_title("Known, typical and new counties", loc="left")
show(fig, "05_new_county")

# %% [markdown]
# The new county's interval is much wider than the typical county's: it carries the
# between-county spread $\tau$, which the typical county (whose effect is fixed at
# zero) does not. Wilkin, with one home, is almost a new county: its single
# measurement pulls it only part of the way from the population mean toward its own
# value and narrows its interval only a little, while Hennepin's many homes pin its
# level down. A single new home adds the within-county variation $\sigma$ on top.
#
# **Reference.** Gelman, A. and Hill, J. (2007). *Data Analysis Using Regression and
# Multilevel/Hierarchical Models*. Cambridge University Press, chapters 12-13.
