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
# # Sleep deprivation: random slopes, the G matrix, fan-out and centring
#
# **What this teaches.** Each person reacts to sleep loss at their own pace. A model with
# a random intercept *and* a random slope per subject describes that: every subject gets
# a line, the lines are shrunk toward the average line, and the spread of the lines is
# summarised by a 2 x 2 covariance matrix **G**. From G follow the variance of the lines
# at each day (fan-in / fan-out), the model-implied covariance of two measurements of
# one subject, and the surprise that the intercept-slope correlation depends on where
# day 0 is (centring).
#
# **Seed concepts.** Seed 001 (LMMs in medicine: per-patient trajectories, the G matrix,
# fan-in/fan-out and Cov(y_ij, y_ik), shrinkage/BLUP, centring time); seed 000 (random
# slopes and their covariance); seed 004 (degrees of freedom, Satterthwaite).
#
# **Key terms.** random intercept 随机截距 · random slope 随机斜率 · covariance matrix of
# the random effects G 随机效应协方差矩阵 · fan-out / fan-in 扇出/扇入 · shrinkage 收缩 ·
# BLUP (best linear unbiased prediction) 最佳线性无偏预测 · centring 中心化 ·
# degrees of freedom 自由度.
#
# Runs as a script (`python case_studies/sleep_deprivation.py`) or a notebook (jupytext).
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


# %% [markdown]
# ## The data
#
# Belenky et al. (2003): 18 truck drivers were kept to 3 hours of sleep a night; their
# mean reaction time (ms) was measured every day. Day 0 is the baseline.

# %%
sleep = hm.datasets.load("sleepstudy")
print(hm.datasets.citation("sleepstudy"))
n_subj, n_days = sleep["Subject"].nunique(), sleep["Days"].nunique()
print(
    f"{len(sleep)} rows: {n_subj} subjects x {n_days} days ({sleep['Days'].min()}-{sleep['Days'].max()})"
)

# %% [markdown]
# ## One line per subject, shrunk toward the average line
#
# $$ y_{ij} = (\beta_0 + b_{0j}) + (\beta_1 + b_{1j})\,t_{ij} + e_{ij}, \qquad
#    \begin{pmatrix} b_{0j} \\ b_{1j} \end{pmatrix} \sim N\!\left(0,\ G =
#    \begin{pmatrix} \tau_0^2 & \tau_{01} \\ \tau_{01} & \tau_1^2 \end{pmatrix}\right). $$
#
# The panels show each subject's own least-squares line (no pooling), the common line
# (complete pooling) and the multilevel line (partial pooling, the Bayesian analogue of
# the BLUP).

# %%
fit = hm.Model("Reaction ~ Days + (Days | Subject)", sleep).fit(
    draws=DRAWS, tune=DRAWS, chains=4, seed=1, progressbar=False
)
print(fit)
show(hm.plots.plot_pooling_lines(fit, "Subject", "Days"), "01_pooling_lines")

# %% [markdown]
# ## The G matrix
#
# From the posterior means of the two SDs and their correlation:

# %%
vc = fit.varcorr()["mean"]
t0, t1 = vc["sd(Subject, Intercept)"], vc["sd(Subject, Days)"]
rho = vc["cor(Subject, Intercept, Days)"]
G = np.array([[t0**2, rho * t0 * t1], [rho * t0 * t1, t1**2]])
print(pd.DataFrame(G, index=["Intercept", "Days"], columns=["Intercept", "Days"]).round(1))
print(
    f"\nSubjects' baselines vary with SD {t0:.1f} ms, their daily slowing with SD {t1:.1f} "
    f"ms/day around the average {fit.fixed_effects().loc['Days', 'mean']:.1f} ms/day; "
    f"the correlation of baseline and slope is {rho:.2f}."
)

# %% [markdown]
# ## Fan-out: the lines spread apart over the days
#
# The variance of subject lines at day $t$ is
# $\mathrm{Var}(b_0 + b_1 t) = \tau_0^2 + 2\tau_{01}t + \tau_1^2 t^2$, a parabola with its
# minimum at $t^* = -\tau_{01}/\tau_1^2$. If $t^*$ lies before the data the lines fan out,
# after the data they fan in.

# %%
vf = fit.variance_function("Subject")
print(f"vertex t* = {vf.attrs['vertex']:.2f}; pattern: {vf.attrs['pattern']}")
print(vf.iloc[[0, 20, 40]][["mean", "lower", "upper", "icc_mean"]])
show(hm.plots.plot_variance_function(fit, "Subject"), "02_variance_function")

# %% [markdown]
# ## Two measurements of one subject: Cov(y_it, y_it')
#
# $\mathrm{Cov}(y_{it}, y_{it'}) = \tau_0^2 + (t + t')\tau_{01} + t t' \tau_1^2$. Unlike
# compound symmetry (random intercept only), the correlation is not the same for every
# pair: with fan-out, late days are more alike than early ones.

# %%
wc = fit.within_covariance("Subject", x=[0, 3, 6, 9])
print(wc[["mean", "cor_mean"]].unstack("t2").round(2))
early = wc.loc[(0.0, 3.0), "cor_mean"]
late = wc.loc[(6.0, 9.0), "cor_mean"]
print(f"\nCor(day 0, day 3) = {early:.2f} but Cor(day 6, day 9) = {late:.2f}")
show(hm.plots.plot_covariance_heatmap(fit, "Subject"), "03_covariance_heatmap")

# %% [markdown]
# ## Centring: the intercept and its correlation move with day 0
#
# Moving the origin to $c$ turns the intercept into the subject's value at day $c$:
# $\tau_0'^2 = \tau_0^2 + 2c\tau_{01} + c^2\tau_1^2$ and $\tau_{01}' = \tau_{01} + c\tau_1^2$.
# Same model, same predictions — a different question: "how different are subjects at the
# start?" versus "in the middle of the study?".

# %%
ct = fit.centering("Subject")
print(ct.round(3))
c = ct.attrs["at"]
r0 = ct.loc["cor(Subject, Intercept, Days)", "origin 0"]
rc = ct.loc["cor(Subject, Intercept, Days)", "origin c"]
print(
    f"\nWith day 0 as origin cor(Intercept, Days) = {r0:.2f}; centred at day {c:g} it is "
    f"{rc:.2f}. Intercept and slope are uncorrelated with the origin at day "
    f"{ct.attrs['decorrelating_origin']:.2f}."
)

# %% [markdown]
# ## The frequentist view: REML with Satterthwaite degrees of freedom
#
# A REML fit estimates G and then tests the fixed effects with a t statistic whose
# degrees of freedom must be approximated (Satterthwaite, as in lmerTest), because the
# standard error is itself estimated from 18 subjects. The posterior needs no such
# approximation: it averages over the uncertainty in G directly, and its interval for
# `Days` already carries that uncertainty.

# %%
rt = fit.compare_reml(df=True)
print(rt[["reml", "reml_se", "df", "t", "p", "mean", "lower", "upper"]].round(4))
df_days = rt.loc["Days", "df"]
print(f"\nSatterthwaite df for Days = {df_days:.2f} (= subjects - 1 in this balanced design)")

# %% [markdown]
# ## Shrinkage in two dimensions
#
# Each open circle is a subject's own (intercept, slope); the arrow points to its
# multilevel estimate.

# %%
show(hm.plots.plot_shrinkage_2d(fit, "Subject", label_top=3), "04_shrinkage_2d")
sh = fit.shrinkage("Subject", ["Intercept", "Days"])
moved = sh.xs("Days", level="term")["moved"].abs()
print(f"Largest change of a subject's slope: {moved.max():.2f} ms/day (subject {moved.idxmax()})")

# %% [markdown]
# ## Are the subject effects normal?
#
# The model assumes $(b_{0j}, b_{1j})$ normal. A QQ plot of the standardised posterior
# means of the slopes against normal quantiles checks the shape (the means are shrunk,
# so read the shape, not the slope of the points; seed 000's note on assumptions: the
# fixed effects are robust to moderate non-normality, the individual predictions less so).

# %%
qq = fit.re_qq("Subject", "Days")
print(f"Shapiro-Wilk p on the slope means: {qq.attrs['shapiro_p']:.2f}")
show(hm.plots.plot_re_qq(fit, "Subject", "Days"), "05_re_qq")

# %% [markdown]
# ## Exercises
#
# 1. **At which day are subjects most alike?** Use the variance function.
# 2. **Centre at the last day.** What is cor(Intercept, Days) with day 9 as origin, and why?
# 3. **Random intercept only.** Fit `Reaction ~ Days + (1 | Subject)`; what does the
#    Cov(y_it, y_it') matrix look like then?
#
# ### Solutions

# %%
lo, hi = vf.attrs["x_range"]
where = "before" if vf.attrs["vertex"] < lo else ("after" if vf.attrs["vertex"] > hi else "inside")
print(
    f"1. Var(b0 + b1 t) is smallest at t* = -tau01/tau1^2 = {vf.attrs['vertex']:.2f}, {where} "
    f"the observed days {lo:g}-{hi:g}: {vf.attrs['pattern']}. Subjects are most alike at "
    f"day {min(max(vf.attrs['vertex'], lo), hi):g}."
)
c9 = fit.centering("Subject", at=9).loc["cor(Subject, Intercept, Days)", "origin c"]
print(
    f"2. cor at day 9 = {c9:.2f}: far from the vertex the intercept variance is mostly "
    "slope variance (c^2 tau1^2), so intercept and slope move together."
)
fit_ri = hm.Model("Reaction ~ Days + (1 | Subject)", sleep).fit(
    draws=DRAWS, tune=DRAWS, chains=2, seed=2, progressbar=False
)
vc_ri = fit_ri.varcorr()["mean"]
icc_ri = vc_ri.iloc[0] ** 2 / (vc_ri.iloc[0] ** 2 + vc_ri["sigma"] ** 2)
print(
    f"3. Compound symmetry: every pair of days correlates tau0^2/(tau0^2 + sigma^2) = "
    f"{icc_ri:.2f}, whatever the days."
)

# %% [markdown]
# **References.** Belenky, G. et al. (2003), J. Sleep Res. 12, 1-12. Bates, D., Mächler,
# M., Bolker, B. & Walker, S. (2015), J. Stat. Softw. 67(1). Snijders, T. & Bosker, R.
# (2012), *Multilevel Analysis*, 2nd ed., ch. 5. Kuznetsova, A., Brockhoff, P. &
# Christensen, R. (2017), J. Stat. Softw. 82(13).
