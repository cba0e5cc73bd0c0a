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
# # Panel data: fixed effects, random effects, Hausman and Mundlak
#
# **What this teaches.** Econometricians facing panel data (units observed repeatedly)
# are taught a choice: the **fixed-effects** (within) estimator, which uses only the
# variation inside each unit and is safe when the unit effects are correlated with the
# predictors, or the **random-effects** estimator, which also uses the variation between
# units and is more efficient but biased under that correlation. The Hausman test
# arbitrates. The multilevel view (Mundlak 1978; Bell & Jones 2015) dissolves the
# dilemma: add each unit's mean of the predictor to the random-effects model and its
# coefficient on $x$ *is* the within (FE) effect, while the between effect, unit-level
# predictors and the unit variance are estimated too. The Bayesian posterior of the
# contextual effect then does the Hausman test's job, as an estimate instead of a verdict.
#
# **Seed concepts.** Seed 004 (panel data: fixed vs random effects, the Hausman test);
# seed 000 (fixed vs random effects; within vs between effects).
#
# **Key terms.** panel data 面板数据 · fixed-effects (within) estimator 固定效应（组内）估计量 ·
# random-effects estimator 随机效应估计量 · Hausman test 豪斯曼检验 · Mundlak model
# Mundlak 模型 · within effect 组内效应 · between effect 组间效应 · contextual effect
# 情境效应 · time-invariant predictor 不随时间变化的预测变量 · endogeneity 内生性.
#
# Runs as a script (`python case_studies/panel_fe_vs_re.py`) or a notebook (jupytext).
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
from hiermodels.derive.tables import fixed_draws

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


def fit(formula, data, seed=1):
    """Fit with the notebook's settings."""
    return hm.Model(formula, data).fit(
        draws=DRAWS, tune=DRAWS, chains=4, seed=seed, progressbar=False
    )


# %% [markdown]
# ## The data (simulated, so that we know the truth)
#
# 60 firms observed for 8 years. `training` (hours per employee) varies from year to year
# inside a firm; its true within effect on log productivity `y` is +0.30. Better-managed
# firms (a large unobserved firm effect $u_j$) also train more on average, so $u_j$ is
# correlated with the firm's mean training: the random-effects assumption
# $E[u_j \mid x_{j\cdot}] = 0$ fails. `export` (0/1) is constant within a firm, with true
# effect +0.5.
#
# $$ y_{jt} = \beta_0 + \beta_W x_{jt} + \gamma\, z_j + u_j + e_{jt}, \qquad
#    u_j = 0.8\,(\bar x_j - \bar x) + \eta_j. $$

# %%
rng = np.random.default_rng(404)
TRUE_WITHIN, TRUE_EXPORT = 0.30, 0.5
J, T = 60, 8
firm_level = rng.normal(0, 1, J)  # drives mean training
export = rng.binomial(1, 0.4, J)
u = 0.8 * firm_level + rng.normal(0, 0.5, J)  # correlated with mean training
firm = np.repeat(np.arange(J), T)
training = 2 + firm_level[firm] + rng.normal(0, 1, J * T)
y = 1 + TRUE_WITHIN * training + TRUE_EXPORT * export[firm] + u[firm] + rng.normal(0, 0.6, J * T)
panel = pd.DataFrame(
    {
        "y": y,
        "training": training,
        "export": export[firm],
        "firm": [f"f{j:02d}" for j in firm],
        "year": np.tile(np.arange(2015, 2015 + T), J),
    }
)
print(panel.head())
print(f"{len(panel)} firm-years: {panel['firm'].nunique()} firms x {T} years")
show(hm.plots.plot_within_between(panel, "y", "training", "firm"), "01_within_between")

# %% [markdown]
# ## Random effects, fixed effects and Hausman's test
#
# The random-intercept model `y ~ training + export + (1 | firm)` is the random-effects
# (RE) estimator. `fit.fe_vs_re()` puts beside it the fixed-effects (within) estimator —
# demean $y$ and $x$ by firm and run OLS — and Hausman's statistic
# $H = (\hat\beta_{FE} - \hat\beta_{RE})'[\hat V_{FE} - \hat V_{RE}]^{-1}
# (\hat\beta_{FE} - \hat\beta_{RE}) \sim \chi^2_k$ under "no correlation". `export` does not
# vary within firms, so the FE estimator cannot estimate it at all: it is absorbed by
# the firm dummies.

# %%
fit_re = fit("y ~ training + export + (1 | firm)", panel)
fr = fit_re.fe_vs_re()
print(fr)
h = fr.attrs["hausman"]
print(f"\nHausman H = {h['statistic']:.1f} on {h['df']} df, p = {h['p_value']:.2g}")
print(
    f"training: FE {fr.loc['training', 'fe']:.3f}, RE (REML) {fr.loc['training', 're']:.3f}, "
    f"posterior {fr.loc['training', 'mean']:.3f}; the truth is {TRUE_WITHIN:.3f}"
)

# %% [markdown]
# RE is pulled away from the truth because it blends the within slope with the between
# slope, which carries the firm effect's correlation with training. FE is right about
# training but silent about `export`.
#
# ## Mundlak: add the firm mean and keep the random effects
#
# `between(training, firm)` is the firm's mean training (remembered for new data). With it
# in the model, the coefficient of `training` is estimated from within-firm variation only
# — the FE answer — and the mean's coefficient is the contextual effect
# $\beta_B - \beta_W$. The firm effects stay random, so `export` is estimated too.

# %%
fit_m = fit("y ~ training + between(training, firm) + export + (1 | firm)", panel, seed=2)
mu = fit_m.within_between("training")
print(mu)
print(fit_m.fixed_effects().loc[["export"], ["mean", "lower", "upper"]])
w_m = mu.loc["within", "mean"]
print(
    f"\nMundlak's within coefficient {w_m:.3f} vs the FE estimate {fr.loc['training', 'fe']:.3f}; "
    f"export {fit_m.fixed_effects().loc['export', 'mean']:.2f} (true {TRUE_EXPORT}), which FE cannot estimate"
)

# %% [markdown]
# ## The Bayesian view: the contextual effect replaces the test
#
# Hausman's test asks "is $\beta_{FE} = \beta_{RE}$?". In Mundlak's model that is exactly
# "is the contextual effect zero?" (Mundlak 1978 showed the two tests coincide). Instead
# of a p-value that decides between two estimators, the posterior of the contextual effect
# says how large the difference between the within and between effects is, and the
# within effect is already the FE one. The choice becomes unnecessary: fit the model with
# the group mean and report both effects.

# %%
b_draws = fixed_draws(fit_m.posterior, fit_m.design)
ctx_draws = next(v for k, v in b_draws.items() if k.startswith("between")).ravel()
print(
    f"contextual effect {mu.loc['contextual', 'mean']:.2f} "
    f"[{mu.loc['contextual', 'lower']:.2f}, {mu.loc['contextual', 'upper']:.2f}], "
    f"P(contextual > 0) = {(ctx_draws > 0).mean():.3f}"
)
est = pd.DataFrame(
    {
        "estimate": [fr.loc["training", "fe"], fr.loc["training", "re"], w_m],
        "lower": [
            fr.loc["training", "fe"] - 1.96 * fr.loc["training", "fe_se"],
            fr.loc["training", "re"] - 1.96 * fr.loc["training", "re_se"],
            mu.loc["within", "lower"],
        ],
        "upper": [
            fr.loc["training", "fe"] + 1.96 * fr.loc["training", "fe_se"],
            fr.loc["training", "re"] + 1.96 * fr.loc["training", "re_se"],
            mu.loc["within", "upper"],
        ],
    },
    index=["FE (within)", "RE (REML)", "Mundlak (posterior)"],
)
print(est)
fig, ax = plt.subplots(figsize=(6.0, 2.6), layout="constrained")
ax.errorbar(
    est["estimate"],
    range(len(est)),
    xerr=[est["estimate"] - est["lower"], est["upper"] - est["estimate"]],
    fmt="o",
    capsize=3,
)
ax.axvline(TRUE_WITHIN, ls="--", color="grey", label="true within effect")
ax.set_yticks(range(len(est)), est.index)
ax.set_xlabel("effect of training on y")
fig.legend(loc="outside lower center", fontsize=8, frameon=False)  # clear of the intervals
ax.set_title("The training effect by three estimators (95 % intervals)", fontsize=10)
show(fig, "02_estimators")

# %% [markdown]
# ## Exercises
#
# 1. **Hausman by hand.** With one coefficient, $H = (b_{FE} - b_{RE})^2 /
#    (se_{FE}^2 - se_{RE}^2)$. Compute it from the `fe_vs_re()` table.
# 2. **No correlation.** Simulate the same panel with $u_j$ independent of training. What
#    do Hausman and the contextual effect say now?
# 3. **Why can FE not estimate `export`?** Demean `export` by firm and look at it.
#
# ### Solutions

# %%
row = fr.loc["training"]
H1 = (row["fe"] - row["re"]) ** 2 / (row["fe_se"] ** 2 - row["re_se"] ** 2)
print(f"1. H = {H1:.1f} (fe_vs_re(): {h['statistic']:.1f})")
u0 = rng.normal(0, np.std(u), J)  # same spread, no correlation
panel0 = panel.assign(y=panel["y"] - u[firm] + u0[firm])
fr0 = fit("y ~ training + export + (1 | firm)", panel0, seed=3).fe_vs_re()
mu0 = fit("y ~ training + between(training, firm) + export + (1 | firm)", panel0, seed=4)
wb0 = mu0.within_between("training")
print(
    f"2. Hausman p = {fr0.attrs['hausman']['p_value']:.2f}; contextual effect "
    f"{wb0.loc['contextual', 'mean']:.2f} [{wb0.loc['contextual', 'lower']:.2f}, "
    f"{wb0.loc['contextual', 'upper']:.2f}]; FE {fr0.loc['training', 'fe']:.3f}, RE "
    f"{fr0.loc['training', 're']:.3f} (RE se {fr0.loc['training', 're_se']:.3f} < FE se "
    f"{fr0.loc['training', 'fe_se']:.3f}: RE is the efficient one here)"
)
demeaned = panel["export"] - panel.groupby("firm")["export"].transform("mean")
print(
    f"3. max |export - firm mean| = {demeaned.abs().max():.1f}: nothing left after demeaning; "
    "the firm dummies absorb every firm-constant predictor."
)

# %% [markdown]
# **References.** Mundlak, Y. (1978), Econometrica 46, 69-85. Hausman, J. A. (1978),
# Econometrica 46, 1251-1271. Wooldridge, J. M. (2010), *Econometric Analysis of Cross
# Section and Panel Data*, 2nd ed., ch. 10. Bell, A. & Jones, K. (2015), Political Science
# Research and Methods 3, 133-153.
