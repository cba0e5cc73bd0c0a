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
# # Counts: overdispersion, negative binomial, subject-specific vs population-averaged
#
# **What this teaches.** Seizure counts of epilepsy patients: a Poisson GLMM, and why its
# simulation-based (DHARMa) residuals reject it; the negative binomial that fixes it; what
# a GLMM coefficient means (a subject-specific effect) versus what a GEE estimates (a
# population-averaged one), and why they coincide for a log link but not for a logit
# (Jensen's inequality); and how the marginal likelihood behind lme4's estimates is
# approximated (Laplace, adaptive quadrature), beside the posterior.
#
# **Seed concepts.** Seed 002 (link functions, overdispersion and the negative binomial,
# subject-specific vs population-averaged effects and the log-link exception, Laplace and
# adaptive Gauss-Hermite quadrature, DHARMa residuals); seed 003 (GLMM vs GEE).
#
# **Key terms.** link function 连接函数 · overdispersion 过度离散 · negative binomial 负二项
# 分布 · simulation-based residuals 基于模拟的残差 · subject-specific effect 个体特异效应 ·
# population-averaged (marginal) effect 总体平均（边际）效应 · generalised estimating
# equations (GEE) 广义估计方程 · Laplace approximation 拉普拉斯近似 · adaptive Gauss-Hermite
# quadrature 自适应高斯-埃尔米特积分.

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
FORMULA = "y ~ lbase * trt + lage + V4 + (1 | subject)"


def show(fig, name: str) -> None:
    """Save the figure into $HIERMODELS_FIGURES, or show it."""
    if FIGURES:
        Path(FIGURES).mkdir(parents=True, exist_ok=True)
        fig.savefig(Path(FIGURES) / f"{name}.png", dpi=100, bbox_inches="tight")
        plt.close(fig)
    else:
        plt.show()


def fit(formula, data, family, seed=1):
    """Fit with the notebook's settings."""
    return hm.Model(formula, data, family=family).fit(
        draws=DRAWS, tune=DRAWS, chains=4, seed=seed, progressbar=False
    )


# %% [markdown]
# ## The data
#
# Thall & Vail (1990): 59 epilepsy patients, seizure counts in four two-week periods,
# progabide or placebo; `lbase` is the centred log baseline count, `lage` the centred log
# age, `V4` marks the fourth visit (Breslow & Clayton 1993).

# %%
epil = hm.datasets.load("epil")
print(hm.datasets.citation("epil"))
print(
    f"{len(epil)} counts from {epil['subject'].nunique()} patients; mean {epil['y'].mean():.1f}, "
    f"variance {epil['y'].var():.1f}"
)

# %% [markdown]
# ## Poisson GLMM and its DHARMa residuals
#
# $\log \mu_{ij} = x_{ij}'\beta + u_j$, $y_{ij} \sim \mathrm{Poisson}(\mu_{ij})$. The
# Poisson variance equals the mean; simulation-based quantile residuals (Dunn & Smyth
# 1996; DHARMa) are uniform if the model is right. The dispersion test compares the
# spread of the data with the spread of replicated data.

# %%
fit_p = fit(FORMULA, epil, "poisson")
res_p = fit_p.residuals(seed=1, max_draws=300)
print(res_p.tests())
show(hm.plots.plot_quantile_residuals(fit_p, res_p), "01_residuals_poisson")
disp_p = res_p.tests().loc["dispersion"]

# %% [markdown]
# ## Negative binomial
#
# NB2 adds a gamma-distributed multiplicative noise per observation:
# $\mathrm{Var}(y) = \mu + \mu^2/\phi$.

# %%
fit_nb = fit(FORMULA, epil, "negbinomial", seed=2)
res_nb = fit_nb.residuals(seed=1, max_draws=300)
print(res_nb.tests())
disp_nb = res_nb.tests().loc["dispersion"]
print(fit_nb.varcorr()[["mean", "lower", "upper"]])
show(hm.plots.plot_quantile_residuals(fit_nb, res_nb), "02_residuals_negbinomial")
cmp = hm.compare({"poisson": fit_p, "negbinomial": fit_nb})
print(cmp[["elpd_loo", "p_loo", "elpd_diff", "dse"]])
print(
    f"\ndispersion ratio: Poisson {disp_p['statistic']:.2f} (p = {disp_p['p_value']:.3f}), "
    f"negative binomial {disp_nb['statistic']:.2f} (p = {disp_nb['p_value']:.3f})"
)

# %% [markdown]
# ## Subject-specific vs population-averaged: the log-link exception
#
# A GLMM coefficient is the effect for one patient (random effect held fixed). Averaging
# over patients, $E_u[e^{\eta + u}] = e^{\eta + \tau^2/2}$: for a log link with random
# intercepts the rate ratios are the same and only the baseline rate is inflated.

# %%
eff = fit_p.effects()
print(eff[["scale", "mean", "lower", "upper"]])
tau = fit_p.varcorr().iloc[0]["mean"]
base = eff.xs("baseline", level="term")["mean"]
print(
    f"\nbaseline rate: population / typical = {base['population-averaged'] / base['conditional']:.3f}"
    f", exp(tau^2/2) at the posterior mean tau = {np.exp(tau**2 / 2):.3f}"
)
show(hm.plots.plot_subject_curves(fit_p, "lbase"), "03_subject_curves_log")

# %% [markdown]
# ## GLMM vs GEE
#
# A GEE with an exchangeable working correlation estimates the population-averaged
# model directly, with sandwich standard errors and no distribution for the patients.

# %%
gee = fit_p.compare_gee()
print(gee[["conditional", "population_averaged", "gee", "gee_lower", "gee_upper"]])
print(f"GEE working correlation {gee.attrs['working_correlation']:.2f}")
rel = (gee["gee"] / gee["population_averaged"] - 1).abs()
print(
    f"terms whose GEE rate ratio differs from the GLMM's by more than 20 %: {list(rel.index[rel > 0.2])}"
)

# %% [markdown]
# For a log link the two targets are the same rate ratios. Where they differ (listed
# above) the Poisson GLMM's assumptions — the overdispersion found earlier, a normal
# random intercept — bend its estimates, while the GEE stays consistent for the marginal
# mean whatever the within-patient correlation; its price is wider intervals and no
# statement about individual patients.
#
# ## The logit link: attenuation
#
# For a logit link averaging over clusters flattens the curve, so population-averaged
# odds ratios are closer to 1 than conditional ones. Simulated binary outcomes, 40
# clusters of 12, a continuous predictor:

# %%
rng = np.random.default_rng(5)
g = np.repeat(np.arange(40), 12)
x = rng.normal(size=g.size)
yb = rng.binomial(1, 1 / (1 + np.exp(-(-0.5 + 1.2 * x + rng.normal(0, 1.5, 40)[g]))))
binary = pd.DataFrame({"y": yb, "x": x, "cluster": g.astype(str)})
fit_b = fit("y ~ x + (1 | cluster)", binary, "bernoulli", seed=3)
eb = fit_b.effects().loc["x"]
print(eb[["scale", "mean", "lower", "upper"]])
print(
    f"\nconditional odds ratio {eb.loc['conditional', 'mean']:.2f} vs population-averaged "
    f"{eb.loc['population-averaged', 'mean']:.2f}"
)
show(hm.plots.plot_subject_curves(fit_b, "x"), "04_subject_curves_logit")

# %% [markdown]
# ## Marginal likelihood: Laplace, adaptive quadrature and the posterior
#
# lme4 maximises $\prod_j \int p(y_j \mid u)\,\phi(u; 0, \tau^2)\,du$. The Laplace
# approximation replaces each integrand by a Gaussian at its mode (nAGQ = 1); adaptive
# Gauss-Hermite quadrature adds nodes around the mode (nAGQ = 25). With counts this large
# the integrands are nearly Gaussian and the two agree; the Bayesian posterior integrates
# over $\tau$ as well.

# %%
ml = fit_p.compare_ml(nAGQ=25)
print(ml[["laplace", "agq", "mean", "lower", "upper"]])
diff = (ml["laplace"] - ml["agq"]).abs().max()
print(f"\nlargest |Laplace - AGQ| difference: {diff:.4f}")
show(hm.plots.plot_compare_ml(fit_p), "05_compare_ml")

# %% [markdown]
# ## Exercises
#
# 1. **Binary data with small clusters** are Laplace's worst case. Compare Laplace and AGQ
#    on the simulated binary data above.
# 2. **What rate ratio does progabide have** for a patient with average log baseline, and
#    does the population-averaged one differ?
# 3. **Attenuation by formula**: check Zeger's approximation
#    $\beta^{PA} \approx \beta / \sqrt{1 + c^2\tau^2}$, $c = 16\sqrt3/(15\pi)$.
#
# ### Solutions

# %%
mlb = fit_b.compare_ml(nAGQ=25)
print(mlb[["laplace", "agq", "mean"]])
d_sd = mlb.loc["sd(cluster, Intercept)", "agq"] - mlb.loc["sd(cluster, Intercept)", "laplace"]
print(
    f"1. sd(cluster): AGQ - Laplace = {d_sd:.3f}; Laplace underestimates the variance with "
    "binary data and a large tau."
)
rr = eff.loc[("trt[progabide]", "conditional"), "mean"]
rr_pa = eff.loc[("trt[progabide]", "population-averaged"), "mean"]
print(f"2. conditional {rr:.3f}, population-averaged {rr_pa:.3f}: the same (log link).")
c = 16 * np.sqrt(3) / (15 * np.pi)
tb = fit_b.varcorr().iloc[0]["mean"]
beta = fit_b.fixed_effects().loc["x", "mean"]
print(
    f"3. beta / sqrt(1 + c^2 tau^2) = {beta / np.sqrt(1 + c**2 * tb**2):.3f} vs the "
    f"log of the population-averaged OR {np.log(eb.loc['population-averaged', 'mean']):.3f}"
)

# %% [markdown]
# **References.** Thall, P. & Vail, S. (1990), Biometrics 46, 657-671. Breslow, N. &
# Clayton, D. (1993), JASA 88, 9-25. Zeger, S., Liang, K.-Y. & Albert, P. (1988),
# Biometrics 44, 1049-1060. Pinheiro, J. & Bates, D. (1995), JCGS 4, 12-35. Hartig, F.
# (2022), DHARMa. Liang, K.-Y. & Zeger, S. (1986), Biometrika 73, 13-22.
