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
# # Longitudinal covariance structures: CS, AR(1) and unstructured
#
# **What this teaches.** Repeated measurements of one unit are correlated, and the model
# has to say *how*. A random intercept implies compound symmetry (CS: every pair of
# occasions equally correlated); a serial process implies AR(1) (neighbours more alike
# than distant occasions); the unstructured (UN) matrix estimates every variance and
# correlation. The lesson of seed 003 is that **the mean model and the covariance model
# work together**: a seasonal mean leaves serially correlated residuals in the mare data,
# and the choice between CS, AR(1) and UN is made by the data (LOO by unit), by the
# residual autocorrelation, and by comparing the implied covariance with what we see.
#
# **Seed concepts.** Seed 003 (covariance structures CS, AR(1), unstructured; repeated
# measures); seed 001 (model-implied Cov(y_ij, y_ik)); seed 004 (REML beside the posterior).
#
# **Key terms.** repeated measures 重复测量 · covariance structure 协方差结构 · compound
# symmetry (CS) 复合对称 · first-order autoregressive AR(1) 一阶自回归 · unstructured (UN)
# 非结构化协方差 · residual autocorrelation 残差自相关 · heterogeneous variances 异质方差 ·
# leave-one-unit-out cross-validation 留一单位交叉验证 · REML 限制性极大似然.
#
# Runs as a script (`python case_studies/longitudinal_covariance.py`) or a notebook
# (jupytext). `HIERMODELS_DRAWS` sets the number of draws, `HIERMODELS_FIGURES` a folder for
# the figures.

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
SEASON = "follicles ~ sin(2*pi*Time) + cos(2*pi*Time)"


def show(fig, name: str) -> None:
    """Save the figure into $HIERMODELS_FIGURES, or show it."""
    if FIGURES:
        Path(FIGURES).mkdir(parents=True, exist_ok=True)
        fig.savefig(Path(FIGURES) / f"{name}.png", dpi=100, bbox_inches="tight")
        plt.close(fig)
    else:
        plt.show()


def fit(formula, data, seed=1, **structure):
    """Fit with the notebook's settings; ``structure``: ``residual=``, ``sigma=``."""
    return hm.Model(formula, data, **structure).fit(
        draws=DRAWS, tune=DRAWS, chains=4, seed=seed, progressbar=False
    )


# %% [markdown]
# ## The mare data: a seasonal mean
#
# Pierpaoli (1987), via Pinheiro & Bates (2000, §5.3): the number of large ovarian
# follicles in 11 mares, counted repeatedly over an oestrus cycle; `Time` is scaled so that
# 0 and 1 are ovulation days. The mean model is one sine wave per cycle,
#
# $$ y_{it} = \beta_0 + \beta_1 \sin(2\pi t) + \beta_2 \cos(2\pi t) + e_{it}. $$

# %%
ovary = hm.datasets.load("ovary")
print(hm.datasets.citation("ovary"))
per_mare = ovary.groupby("Mare", observed=True).size()
print(
    f"{len(ovary)} counts from {ovary['Mare'].nunique()} mares, "
    f"{per_mare.min()}-{per_mare.max()} per mare"
)

# %% [markdown]
# ## What the sine wave leaves behind: residual autocorrelation
#
# First fit the mean model with independent residuals. Consecutive residuals of one mare
# are far from independent: a mare with more follicles than the wave predicts today has
# more tomorrow too. That is serial correlation, which an AR(1) residual process models:
#
# $$ e_{it} = \phi\, e_{i,t-1} + \varepsilon_{it}, \qquad
#    \mathrm{Cor}(e_{it}, e_{it'}) = \phi^{|t - t'|}. $$
#
# `fit.residual_acf()` gives the autocorrelation of the raw residuals by lag and of the
# *normalised* ones (whitened by the fitted covariance): if the covariance model is right,
# the normalised residuals look like white noise (inside the band $\pm 2/\sqrt{n}$).

# %%
fit_iid = fit(SEASON, ovary, residual="iid(Mare)")
fit_ar1 = fit(SEASON, ovary, seed=2, residual="ar1(Mare)")
acf_iid = fit_iid.residual_acf(max_lag=5)
acf_ar1 = fit_ar1.residual_acf(max_lag=5)
print(acf_ar1)
phi = fit_ar1.varcorr().loc["phi", "mean"]
print(
    f"\nlag-1 autocorrelation of the residuals: raw {acf_ar1.loc[1, 'raw_mean']:.2f}; "
    f"after the AR(1) normalisation {acf_ar1.loc[1, 'norm_mean']:.2f} "
    f"(band +/- {acf_ar1.loc[1, 'band']:.2f}); phi = {phi:.2f}"
)
show(fit_ar1.plot.residual_acf(max_lag=5), "01_residual_acf")

# %% [markdown]
# AR(1) removes almost all of the serial correlation; the small negative lag-1 value left
# in the normalised residuals is why Pinheiro & Bates go on to an ARMA(1,1) process.
#
# The fixed effects barely move between the two fits, but their uncertainty does: with
# correlated rows there is less information than 308 independent counts would carry, so
# the iid fit is over-confident.

# %%
fe = pd.concat(
    {
        "iid": fit_iid.fixed_effects()[["mean", "sd"]],
        "AR(1)": fit_ar1.fixed_effects()[["mean", "sd"]],
    },
    axis=1,
)
print(fe)
ratio = fe[("AR(1)", "sd")] / fe[("iid", "sd")]
print(f"\nposterior SDs under AR(1) are {ratio.min():.2f}-{ratio.max():.2f} times the iid ones")

# %% [markdown]
# ## A random intercept *and* AR(1): the two work together
#
# Mares also differ in their overall level. A random intercept adds the same covariance
# $\tau^2$ to every pair of a mare's counts (compound symmetry); AR(1) adds a part that
# decays with the distance in time. The model-implied covariance of two counts of one mare
# is
#
# $$ \mathrm{Cov}(y_{it}, y_{it'}) = \tau^2 + \sigma^2 \phi^{|t - t'|}. $$
#
# `fit.within_covariance()` computes it for every pair of rows of one mare (draw by draw;
# the figure draws its correlations), and `fit.compare_reml()` puts the nlme-style REML
# estimates beside the posterior. `hm.plots.plot_covariance_heatmap` draws the table's
# posterior-mean correlations for the mare with the most visits.

# %%
fit_lme = fit(SEASON + " + (1 | Mare)", ovary, seed=3, residual="ar1(Mare)")
print(fit_lme.varcorr()[["mean", "lower", "upper"]])
print(fit_lme.compare_reml())
wc = fit_lme.within_covariance()
lag_cor = [wc.loc[(0, k), "cor_mean"] for k in (1, 5, 10)]
tau = fit_lme.varcorr().loc["sd(Mare, Intercept)", "mean"]
print(
    f"\nCor of counts 1, 5 and 10 visits apart: {lag_cor[0]:.2f}, {lag_cor[1]:.2f}, "
    f"{lag_cor[2]:.2f}: it decays with the lag but not to zero (the mare level, "
    f"sd {tau:.2f}, stays)"
)
show(hm.plots.plot_covariance_heatmap(fit_lme, "Mare", label="visit"), "02_covariance_ovary")

# %% [markdown]
# ## Which structure do the data support? Orthodont, by LOO
#
# Potthoff & Roy (1964): the distance (mm) from the pituitary to the pterygomaxillary
# fissure in 27 children at ages 8, 10, 12 and 14 — four balanced occasions, the textbook
# case for comparing structures. The mean model is a line in age per sex,
# `distance ~ age * Sex`. `hm.compare_residual_structures` fits it under iid, CS, AR(1)
# and UN and ranks them by PSIS-LOO *by child* (leave one child out: the rows of one child
# are dependent, so the log-likelihood is per child).

# %%
od = hm.datasets.load("orthodont")
print(hm.datasets.citation("orthodont"))
table, fits = hm.compare_residual_structures(
    "distance ~ age * Sex",
    od,
    unit="Subject",
    time="age",
    draws=DRAWS,
    tune=DRAWS,
    chains=2,
    seed=4,
)
print(table[["elpd_loo", "p_loo", "elpd_diff", "dse", "weight"]])
print(table.attrs["note"])
best, worst = table.index[0], table.index[-1]
print(
    f"\nbest by LOO: {best}; iid is {table.loc[table.index[table.index.str.startswith('iid')][0], 'elpd_diff']:.1f} "
    f"elpd behind it; worst: {worst}"
)

# %% [markdown]
# ## CS against UN with heterogeneous variances
#
# Compound symmetry needs two numbers (a variance and one correlation). The unstructured
# model with one residual SD per age (`sigma="~ 0 + C(age)"`, nlme's `varIdent`) needs
# 4 + 6 = 10. Do the extra eight buy anything? Put the two implied correlation matrices
# side by side.

# %%
fit_cs = fit("distance ~ age * Sex", od, seed=5, residual="cs(Subject)")
fit_un = fit(
    "distance ~ age * Sex",
    od,
    seed=6,
    residual="unstructured(age | Subject)",
    sigma="~ 0 + C(age)",
)
rho = fit_cs.varcorr().loc["rho", "mean"]
vc_un = fit_un.varcorr()
ages = ["8", "10", "12", "14"]
un_cor = pd.DataFrame(np.eye(4), index=ages, columns=ages)
for k, a in enumerate(ages):
    for b in ages[k + 1 :]:
        un_cor.loc[a, b] = un_cor.loc[b, a] = vc_un.loc[f"cor_residual({a}, {b})", "mean"]
print("UN correlations:\n", un_cor.round(2))
sds = [vc_un.loc[f"sigma(age={a})", "mean"] for a in ages]
print(
    f"\nCS: one correlation {rho:.2f}; UN: correlations from {un_cor.where(un_cor < 1).min().min():.2f} "
    f"to {un_cor.where(un_cor < 1).max().max():.2f}, SDs by age "
    + ", ".join(f"{s:.2f}" for s in sds)
)
print(fit_un.compare_reml())
show(hm.plots.plot_covariance_heatmap(fit_un, "Subject", label="age"), "03_covariance_orthodont_un")

# %% [markdown]
# With 27 children, ten covariance parameters are estimated loosely: the UN intervals are
# wide, and LOO weighs that cost against the better fit. The mean model and the
# covariance model are chosen together — a richer mean (a random slope per child, say)
# would leave less structure for the residual covariance to explain.
#
# ## Exercises
#
# 1. **The AR(1) correlation at lag 3** of the mare data: compute $\phi^3$ from the
#    posterior (draw by draw) and compare it with the raw residual ACF at lag 3.
# 2. **A random intercept is CS.** Fit `distance ~ age * Sex + (1 | Subject)` and compare
#    its implied correlation of two ages with the CS fit's $\rho$.
# 3. **How many covariance parameters** does UN have with $T$ occasions, and how many
#    does CS or AR(1)? For $T = 4$ and $T = 10$?
#
# ### Solutions

# %%
phi_draws = fit_ar1.posterior["phi"].values.ravel()
print(
    f"1. E[phi^3] = {np.mean(phi_draws**3):.2f} (phi^3 from the mean phi: {phi**3:.2f}); "
    f"raw residual ACF at lag 3: {acf_iid.loc[3, 'raw_mean']:.2f}, higher: without a random "
    "intercept the raw residuals also carry each mare's level, which never decays"
)
fit_ri = fit("distance ~ age * Sex + (1 | Subject)", od, seed=7)
wri = fit_ri.within_covariance("Subject")
off = wri[wri.index.get_level_values(0) != wri.index.get_level_values(1)]
print(
    f"2. random intercept: the same correlation {off['cor_mean'].iloc[0]:.2f} for every pair "
    f"(spread {np.ptp(off['cor_mean']):.1e}); CS rho = {rho:.2f}"
)
for T in (4, 10):
    print(f"3. T = {T}: UN {T * (T + 1) // 2}, CS 2, AR(1) 2 covariance parameters")

# %% [markdown]
# **References.** Pinheiro, J. C. & Bates, D. M. (2000), *Mixed-Effects Models in S and
# S-PLUS*, §5.3 (Ovary, Orthodont). Potthoff, R. F. & Roy, S. N. (1964), Biometrika 51,
# 313-326. Diggle, P., Heagerty, P., Liang, K.-Y. & Zeger, S. (2002), *Analysis of
# Longitudinal Data*, 2nd ed., ch. 5. Vehtari, A., Gelman, A. & Gabry, J. (2017),
# Statistics and Computing 27, 1413-1432.
