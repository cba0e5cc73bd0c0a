"""Reference values from R, to cite in the hiermodels tests.

These numbers were produced by running R on the project's build machine on 2026-12-01 (Debian 12
"bookworm" packages from apt): R 4.2.2 (r-base-core 4.2.2.20221110-2), lme4 1.1-31,
glmmTMB 1.1.5, nlme 3.1-162, ordinal 2022.11-16, geepack 1.3.9, lmerTest 3.1-3, emmeans 1.8.4-1,
MASS 7.3-58.2. BLAS/LAPACK: reference netlib 3.11.0. Each dict's ``source`` gives the exact call.
The data were read with ``read.csv()`` from /work/shared/data (the same CSVs hiermodels ships),
with factor levels set as the ``source`` says: numeric-looking codes sorted numerically, text
levels sorted alphabetically, except Salamanders (spp ref "GP", mined levels c("yes","no")), as
in hiermodels.datasets. Keys such as ``sd_<group>_<term>``, ``cor_<group>_<term1>_<term2>`` and
``sigma`` are the variance-component SDs, correlations and residual SD from ``VarCorr()``;
``se`` are the Wald standard errors of the fixed effects; ``profile_ci_95`` rows follow lme4's
``confint(method="profile", oldNames=FALSE)`` names. Numbers are printed with 10 significant
digits (``sprintf("%.10g")``); trust about 6 of them for optimiser-dependent quantities.

They are facts about other software, written down to be cited: they are NOT outputs of
hiermodels, and neither R nor any R package is needed to run the tests (this module uses
nothing beyond the Python language). The R scripts that produced them are not part of the
project.

Caveats worth knowing before using them:
* lme4 1.1-31 reports ``logLik()`` on a different additive constant for nAGQ > 1 than for
  nAGQ = 1 (cbpp: -50.005 vs -92.027; epil: -282.45 vs -665.47). Compare ``deviance`` or the
  ``exact_marginal_logLik_at_estimates`` entries (CBPP_LOGIT_LOGLIK_SCALES,
  EPIL_POISSON_LOGLIK_SCALES), which integrate the full likelihood numerically.
* Dyestuff2 is a singular fit (batch SD exactly 0; method-of-moments variance negative).
* InstEval: lme4::InstEval's own ``dept`` factor has a non-sorted level order; here the levels
  are sorted numerically (reference dept "1"), so the dept coefficients differ from lme4's
  printed example although the fit is the same.
* geepack's binomial ``scale`` for a cbind() response is per trial (sum(size*r^2)/sum(size)).
* Timings were taken on a 2-core machine shared with other jobs (load average 5-10), so
  wall times are inflated; ``user_time_s`` (CPU time) is the steadier number.
* Case 10 (metafor BCG) is skipped on purpose: metafor values are already cited in the repo.
"""

# ----------------------------------------------------------------------------------------------
# Case 1: linear mixed models (lme4 lmer, REML) - pastes, penicillin, sleepstudy, radon, dyestuff(2)
# ----------------------------------------------------------------------------------------------

PASTES_LMER = {
    "source": 'lme4 1.1-31, R 4.2.2, lmer(strength ~ 1 + (1|batch/cask), data=read.csv("pastes.csv"), REML=TRUE)',
    "fixef": {
        "(Intercept)": 60.05333333,
    },
    "se": {
        "(Intercept)": 0.6768702151,
    },
    "sd_cask:batch_(Intercept)": 2.904077466,
    "sd_batch_(Intercept)": 1.287365881,
    "sigma": 0.8234075234,
    "reml_criterion": 246.9907459,
    "reml_logLik": -123.4953729,
    "isSingular": False,
    "nobs": 60,
    "ml_logLik": -123.9972329,
    "ml_fixef": {
        "(Intercept)": 60.05333333,
    },
    "ml_sd_cask:batch_(Intercept)": 2.904077609,
    "ml_sd_batch_(Intercept)": 1.095059545,
    "ml_sigma": 0.823407555,
    "profile_ci_95": {
        "rows": ["sd_(Intercept)|cask:batch", "sd_(Intercept)|batch", "sigma", "(Intercept)"],
        "lower": [2.157933708, 0, 0.6520233593, 58.66365038],
        "upper": [4.053588944, 2.946591097, 1.085448104, 61.44301637],
    },
}

PENICILLIN_LMER = {
    "source": 'lme4 1.1-31, R 4.2.2, lmer(diameter ~ 1 + (1|plate) + (1|sample), data=read.csv("penicillin.csv"), REML=TRUE)',
    "fixef": {
        "(Intercept)": 22.97222222,
    },
    "se": {
        "(Intercept)": 0.8085953614,
    },
    "sd_plate_(Intercept)": 0.8467025103,
    "sd_sample_(Intercept)": 1.931613792,
    "sigma": 0.5499226821,
    "reml_criterion": 330.860589,
    "reml_logLik": -165.4302945,
    "isSingular": False,
    "nobs": 144,
    "ml_logLik": -166.0941743,
    "ml_fixef": {
        "(Intercept)": 22.97222222,
    },
    "ml_sd_plate_(Intercept)": 0.8455721911,
    "ml_sd_sample_(Intercept)": 1.770646271,
    "ml_sigma": 0.5499321964,
    "profile_ci_95": {
        "rows": ["sd_(Intercept)|plate", "sd_(Intercept)|sample", "sigma", "(Intercept)"],
        "lower": [0.6335659669, 1.095789188, 0.4858454002, 21.26662738],
        "upper": [1.182103991, 3.556291637, 0.6294534785, 24.67781762],
    },
}

SLEEPSTUDY_LMER = {
    "source": 'lme4 1.1-31, R 4.2.2, lmer(Reaction ~ Days + (Days|Subject), data=read.csv("sleepstudy.csv"), REML=TRUE)',
    "fixef": {
        "(Intercept)": 251.4051048,
        "Days": 10.46728596,
    },
    "se": {
        "(Intercept)": 6.824596695,
        "Days": 1.545789644,
    },
    "sd_Subject_(Intercept)": 24.74065799,
    "sd_Subject_Days": 5.922137659,
    "cor_Subject_(Intercept)_Days": 0.06555123824,
    "sigma": 25.59179572,
    "reml_criterion": 1743.628272,
    "reml_logLik": -871.814136,
    "isSingular": False,
    "nobs": 180,
    "ml_logLik": -875.9696722,
    "ml_fixef": {
        "(Intercept)": 251.4051048,
        "Days": 10.46728596,
    },
    "ml_sd_Subject_(Intercept)": 23.78055853,
    "ml_sd_Subject_Days": 5.716837893,
    "ml_cor_Subject_(Intercept)_Days": 0.08131959786,
    "ml_sigma": 25.5918151,
    "profile_ci_95": {
        "rows": [
            "sd_(Intercept)|Subject",
            "cor_Days.(Intercept)|Subject",
            "sd_Days|Subject",
            "sigma",
            "(Intercept)",
            "Days",
        ],
        "lower": [14.38141816, -0.4815007583, 3.801164053, 22.89826688, 237.6806955, 7.358653275],
        "upper": [37.71599532, 0.6849862733, 8.753380753, 28.85799651, 265.1295147, 13.57591875],
    },
    "lmerTest_satterthwaite": {
        "source": 'lmerTest 3.1-3, R 4.2.2, summary(lmerTest::lmer(Reaction ~ Days + (Days|Subject), sleepstudy, REML=TRUE), ddf="Satterthwaite")',
        "df": {
            "(Intercept)": 16.99972629,
            "Days": 16.99998373,
        },
        "t": {
            "(Intercept)": 36.83808965,
            "Days": 6.771481489,
        },
        "p": {
            "(Intercept)": 1.171558111e-17,
            "Days": 3.26382447e-06,
        },
    },
    "lmerTest_kenward_roger": {
        "source": 'same fit, summary(..., ddf="Kenward-Roger") (needs pbkrtest)',
        "df": {
            "(Intercept)": 17,
            "Days": 17,
        },
        "se": {
            "(Intercept)": 6.824596695,
            "Days": 1.545789644,
        },
        "p": {
            "(Intercept)": 1.171003316e-17,
            "Days": 3.263808018e-06,
        },
    },
}

SLEEPSTUDY_LMER_CENTRED = {
    "source": 'lme4 1.1-31, R 4.2.2, lmer(Reaction ~ I(Days-4.5) + (I(Days-4.5)|Subject), data=read.csv("sleepstudy.csv"), REML=TRUE)',
    "fixef": {
        "(Intercept)": 298.5078917,
        "I(Days - 4.5)": 10.46728596,
    },
    "se": {
        "(Intercept)": 9.049734177,
        "I(Days - 4.5)": 1.545773762,
    },
    "sd_Subject_(Intercept)": 37.53217457,
    "sd_Subject_I(Days - 4.5)": 5.922060306,
    "cor_Subject_(Intercept)_I(Days - 4.5)": 0.7532215981,
    "sigma": 25.59184793,
    "reml_criterion": 1743.628272,
    "reml_logLik": -871.814136,
    "isSingular": False,
    "nobs": 180,
    "ml_logLik": -875.9696722,
    "ml_fixef": {
        "(Intercept)": 298.5078917,
        "I(Days - 4.5)": 10.46728596,
    },
    "ml_sd_Subject_(Intercept)": 36.42566024,
    "ml_sd_Subject_I(Days - 4.5)": 5.71683511,
    "ml_cor_Subject_(Intercept)_I(Days - 4.5)": 0.7593436584,
    "ml_sigma": 25.59181553,
}

RADON_URANIUM_LMER = {
    "source": 'lme4 1.1-31, R 4.2.2 Patched (2022-11-10 r83330), lmer(log_radon ~ floor + log_uranium + (1 | county), data=read.csv("radon.csv"), REML=TRUE)  # the bundled rstanarm radon data (919 rows); run by the integrator on 2026-12-01',
    "fixef": {"(Intercept)": 1.4961568, "floor": -0.6387778, "log_uranium": 0.6974987},
    "se": {"(Intercept)": 0.03624909, "floor": 0.06604730, "log_uranium": 0.08762699},
    "sd_county_(Intercept)": 0.1476661,
    "sigma": 0.7284578,
}

RADON_LMER = {
    "source": 'lme4 1.1-31, R 4.2.2, lmer(log_radon ~ floor + (1 + floor | county), data=read.csv("radon.csv"), REML=TRUE)  # floor numeric 0/1',
    "fixef": {
        "(Intercept)": 1.494522282,
        "floor": -0.6548079714,
    },
    "se": {
        "(Intercept)": 0.05195641575,
        "floor": 0.08388105645,
    },
    "sd_county_(Intercept)": 0.3370852771,
    "sd_county_floor": 0.3284835155,
    "cor_county_(Intercept)_floor": -0.37078954,
    "sigma": 0.7168169674,
    "reml_criterion": 2094.427973,
    "reml_logLik": -1047.213986,
    "isSingular": False,
    "nobs": 919,
    "ml_logLik": -1043.52134,
    "ml_fixef": {
        "(Intercept)": 1.494187427,
        "floor": -0.6561356616,
    },
    "ml_sd_county_(Intercept)": 0.3328414437,
    "ml_sd_county_floor": 0.3137435471,
    "ml_cor_county_(Intercept)_floor": -0.3745557436,
    "ml_sigma": 0.7169953541,
    "warnings": "",
}

DYESTUFF_LMER = {
    "source": 'lme4 1.1-31, R 4.2.2, lmer(Yield ~ 1 + (1|Batch), data=read.csv("dyestuff.csv"), REML=TRUE)',
    "fixef": {
        "(Intercept)": 1527.5,
    },
    "se": {
        "(Intercept)": 19.38341218,
    },
    "sd_Batch_(Intercept)": 42.00059531,
    "sigma": 49.51009997,
    "reml_criterion": 319.6542768,
    "reml_logLik": -159.8271384,
    "isSingular": False,
    "nobs": 30,
    "ml_logLik": -163.6635299,
    "ml_fixef": {
        "(Intercept)": 1527.5,
    },
    "ml_sd_Batch_(Intercept)": 37.26034553,
    "ml_sigma": 49.51009993,
    "anova": {
        "source": "stats (R 4.2.2): anova(lm(Yield ~ Batch, data)); balanced, n = 5 per batch, 6 batches",
        "MSA": 11271.5,
        "MSE": 2451.25,
        "df_A": 5,
        "df_E": 24,
        "n": 5,
        "sigma2_alpha_mom": 1764.05,
        "F": 4.598266191,
        "p": 0.004397531268,
    },
    "profile_ci_95": {
        "rows": ["sd_(Intercept)|Batch", "sigma", "(Intercept)"],
        "lower": [12.19853521, 38.22998488, 1486.4515],
        "upper": [84.06304671, 67.65769624, 1568.548494],
    },
}

DYESTUFF2_LMER = {
    "source": 'lme4 1.1-31, R 4.2.2, lmer(Yield ~ 1 + (1|Batch), data=read.csv("dyestuff2.csv"), REML=TRUE)',
    "fixef": {
        "(Intercept)": 5.6656,
    },
    "se": {
        "(Intercept)": 0.6783880312,
    },
    "sd_Batch_(Intercept)": 0,
    "sigma": 3.715684274,
    "reml_criterion": 161.8282778,
    "reml_logLik": -80.91413891,
    "isSingular": True,
    "nobs": 30,
    "ml_logLik": -81.43651833,
    "ml_fixef": {
        "(Intercept)": 5.6656,
    },
    "ml_sd_Batch_(Intercept)": 0,
    "ml_sigma": 3.653231351,
    "anova": {
        "source": "stats (R 4.2.2): anova(lm(Yield ~ Batch, data)); balanced, n = 5 per batch, 6 batches",
        "MSA": 8.33632576,
        "MSE": 14.9458896,
        "df_A": 5,
        "df_E": 24,
        "n": 5,
        "sigma2_alpha_mom": -1.321912768,
        "F": 0.5577671175,
        "p": 0.7310992306,
    },
    "profile_ci_95": {
        "rows": ["sd_(Intercept)|Batch", "sigma", "(Intercept)"],
        "lower": [0, 2.89283102, 4.312100217],
        "upper": [2.084043489, 4.815832552, 7.019092347],
    },
}


# ----------------------------------------------------------------------------------------------
# Case 2: InstEval at scale (crossed, 73421 rows) + peer timing
# ----------------------------------------------------------------------------------------------

INSTEVAL_LMER = {
    "source": 'lme4 1.1-31, R 4.2.2, lmer(y ~ service + dept + (1|s) + (1|d), data=read.csv("insteval.csv"), REML=TRUE); s, d, dept, service as factors with levels sorted numerically (reference dept "1", service "0"; NOTE lme4::InstEval itself has a non-sorted dept level order, so its published fixef differ)',
    "n_fixef": 15,
    "fixef": {
        "(Intercept)": 3.327201115,
        "service1": -0.09323085751,
        "dept2": -0.1175087455,
        "dept3": 0.00473605957,
        "dept4": 0.06661387311,
        "dept5": 0.05088373667,
        "dept6": -0.1388937479,
        "dept7": 0.02322785254,
        "dept8": 0.1399120112,
        "dept9": -0.1078455761,
        "dept10": -0.2328237773,
        "dept11": -0.1734568619,
        "dept12": -0.01982394486,
        "dept14": -0.100785008,
        "dept15": -0.01665327485,
    },
    "se": {
        "(Intercept)": 0.07346381309,
        "service1": 0.01347495349,
        "dept2": 0.1104187737,
        "dept3": 0.1024929125,
        "dept4": 0.0883643038,
        "dept5": 0.1072269239,
        "dept6": 0.09106685098,
        "dept7": 0.1037176275,
        "dept8": 0.09851146482,
        "dept9": 0.100935505,
        "dept10": 0.09477661828,
        "dept11": 0.1013954659,
        "dept12": 0.08856330946,
        "dept14": 0.1023793806,
        "dept15": 0.09594375551,
    },
    "sd_s_(Intercept)": 0.3259630764,
    "sd_d_(Intercept)": 0.514924697,
    "sigma": 1.177467739,
    "reml_criterion": 237752.8823,
    "nobs": 73421,
    "n_s": 2972,
    "n_d": 1128,
    "wall_time_s": 53.731,
    "user_time_s": 17.132,
    "uptime_before": " 19:20:36 up 6 min,  0 user,  load average: 4.81, 2.83, 1.20",
    "uptime_after": " 19:21:31 up 7 min,  0 user,  load average: 7.20, 3.83, 1.63",
    "timing_note": "system.time(lmer(...)) elapsed, single R process, 2-core machine, reference BLAS/LAPACK 3.11.0 (Debian libblas3/liblapack3); machine was shared with other jobs, so elapsed >> CPU time; user_time_s is the CPU time of the R process",
    "repeat_timing": {
        "wall_time_s": 60.008,
        "user_time_s": 18.437,
        "uptime_before": " 19:26:22 up 12 min,  0 user,  load average: 8.00, 6.14, 3.21",
        "uptime_after": " 19:27:22 up 13 min,  0 user,  load average: 9.57, 6.88, 3.64",
    },
}


# ----------------------------------------------------------------------------------------------
# Case 3: VerbAgg binary GLMM, crossed subjects x items
# ----------------------------------------------------------------------------------------------

VERBAGG_GLMER = {
    "source": 'lme4 1.1-31, R 4.2.2, glmer(r2 ~ Anger + Gender + btype + situ + (1|id) + (1|item), data=read.csv("verbagg.csv"), family=binomial)  # Laplace (nAGQ=1); r2 factor levels N,Y (models P(Y)); Gender ref F, btype ref curse, situ ref other',
    "fixef": {
        "(Intercept)": 0.1992474572,
        "Anger": 0.05741017214,
        "GenderM": 0.3206108168,
        "btypescold": -1.058653181,
        "btypeshout": -2.105068665,
        "situself": -1.055270394,
    },
    "se": {
        "(Intercept)": 0.4059035588,
        "Anger": 0.01679782723,
        "GenderM": 0.1915830087,
        "btypescold": 0.2570703008,
        "btypeshout": 0.2590462574,
        "situself": 0.2105324036,
    },
    "sd_id_(Intercept)": 1.339532895,
    "sd_item_(Intercept)": 0.4952398212,
    "logLik": -4075.700245,
    "AIC": 8167.40049,
    "nobs": 7584,
    "conv_messages": "",
    "wall_time_s": 9.108,
    "user_time_s": 4.073,
    "uptime_before": " 19:21:41 up 7 min,  0 user,  load average: 7.09, 3.92, 1.68",
    "uptime_after": " 19:21:50 up 7 min,  0 user,  load average: 6.84, 3.97, 1.73",
    "timing_note": "system.time(glmer(...)) elapsed, single R process on a 2-core machine shared with other jobs (load average 7-10), reference BLAS/LAPACK 3.11.0; elapsed >> CPU time, so user_time_s is the steadier figure",
    "repeat_timing": {
        "wall_time_s": 13.472,
        "user_time_s": 4.314,
        "uptime_after": " 19:27:36 up 13 min,  0 user,  load average: 9.29, 6.95, 3.72",
    },
}


# ----------------------------------------------------------------------------------------------
# Case 4: cbpp binomial GLMM: links, Laplace vs AGQ, emmeans
# ----------------------------------------------------------------------------------------------

CBPP_GLMER_LOGIT = {
    "source": 'lme4 1.1-31, R 4.2.2, glmer(cbind(incidence, size - incidence) ~ period + (1|herd), data=read.csv("cbpp.csv"), family=binomial(link="logit"))  # Laplace; period, herd factors',
    "fixef": {
        "(Intercept)": -1.398342864,
        "period2": -0.991924975,
        "period3": -1.128216216,
        "period4": -1.579745414,
    },
    "se": {
        "(Intercept)": 0.2312140481,
        "period2": 0.3031506445,
        "period3": 0.3228301532,
        "period4": 0.4220491594,
    },
    "sd_herd_(Intercept)": 0.6420699277,
    "logLik": -92.02656639,
    "AIC": 194.0531328,
    "deviance": 73.47428357,
    "isSingular": False,
    "conv_messages": "",
}

CBPP_GLMER_PROBIT = {
    "source": 'lme4 1.1-31, R 4.2.2, glmer(cbind(incidence, size - incidence) ~ period + (1|herd), data=read.csv("cbpp.csv"), family=binomial(link="probit"))  # Laplace; period, herd factors',
    "fixef": {
        "(Intercept)": -0.8354749296,
        "period2": -0.5280327397,
        "period3": -0.6168542982,
        "period4": -0.7995725981,
    },
    "se": {
        "(Intercept)": 0.126232826,
        "period2": 0.1605884103,
        "period3": 0.169457737,
        "period4": 0.2046812439,
    },
    "sd_herd_(Intercept)": 0.3379893465,
    "logLik": -92.62124257,
    "AIC": 195.2424851,
    "deviance": 74.80365843,
    "isSingular": False,
    "conv_messages": "",
}

CBPP_GLMER_CLOGLOG = {
    "source": 'lme4 1.1-31, R 4.2.2, glmer(cbind(incidence, size - incidence) ~ period + (1|herd), data=read.csv("cbpp.csv"), family=binomial(link="cloglog"))  # Laplace; period, herd factors',
    "fixef": {
        "(Intercept)": -1.525945457,
        "period2": -0.9163898997,
        "period3": -1.035220083,
        "period4": -1.483681247,
    },
    "se": {
        "(Intercept)": 0.2109226122,
        "period2": 0.2848897604,
        "period3": 0.3063105086,
        "period4": 0.4090456454,
    },
    "sd_herd_(Intercept)": 0.5867261957,
    "logLik": -91.80206466,
    "AIC": 193.6041293,
    "deviance": 72.69647952,
    "isSingular": False,
    "conv_messages": "",
}

CBPP_GLMER_LOGIT_AGQ25 = {
    "source": 'lme4 1.1-31, R 4.2.2, glmer(cbind(incidence, size - incidence) ~ period + (1|herd), data=read.csv("cbpp.csv"), family=binomial, nAGQ=25)  # adaptive Gauss-Hermite, 25 nodes',
    "fixef": {
        "(Intercept)": -1.399223728,
        "period2": -0.9914088838,
        "period3": -1.127809594,
        "period4": -1.579480951,
    },
    "se": {
        "(Intercept)": 0.233511378,
        "period2": 0.3067682008,
        "period3": 0.3267671626,
        "period4": 0.4275957098,
    },
    "sd_herd_(Intercept)": 0.6475199145,
    "logLik": -50.00501527,
    "AIC": 110.0100305,
    "laplace_logLik_for_comparison": -92.02656639,
}

CBPP_EMMEANS_LOGIT = {
    "source": "emmeans 1.8.4-1, lme4 1.1-31, R 4.2.2, emmeans(glmer(cbind(incidence, size-incidence) ~ period + (1|herd), cbpp, binomial), pairwise ~ period)  # link (logit) scale; contrasts Tukey-adjusted p; df = Inf (asymptotic)",
    "emmean": {
        "period1": -1.398342864,
        "period2": -2.390267839,
        "period3": -2.52655908,
        "period4": -2.978088278,
    },
    "emmean_se": {
        "period1": 0.2312140481,
        "period2": 0.3073938702,
        "period3": 0.3270801371,
        "period4": 0.4251646778,
    },
    "contrast": {
        "period1 - period2": 0.991924975,
        "period1 - period3": 1.128216216,
        "period1 - period4": 1.579745414,
        "period2 - period3": 0.136291241,
        "period2 - period4": 0.5878204387,
        "period3 - period4": 0.4515291977,
    },
    "contrast_se": {
        "period1 - period2": 0.3031506445,
        "period1 - period3": 0.3228301532,
        "period1 - period4": 0.4220491594,
        "period2 - period3": 0.3759034636,
        "period2 - period4": 0.4641111447,
        "period3 - period4": 0.4779483,
    },
    "contrast_z": {
        "period1 - period2": 3.272052997,
        "period1 - period3": 3.494767154,
        "period1 - period4": 3.743036512,
        "period2 - period3": 0.362569793,
        "period2 - period4": 1.266551009,
        "period3 - period4": 0.9447239329,
    },
    "contrast_p_tukey": {
        "period1 - period2": 0.005883568736,
        "period1 - period3": 0.002672957552,
        "period1 - period4": 0.001043498513,
        "period2 - period3": 0.9837001243,
        "period2 - period4": 0.5843188576,
        "period3 - period4": 0.7806739646,
    },
}


# ----------------------------------------------------------------------------------------------
# Case 4 (cont.): lme4 logLik constant for nAGQ>1 vs exact integrated marginal logLik
# ----------------------------------------------------------------------------------------------

CBPP_LOGIT_LOGLIK_SCALES = {
    "source": "lme4 1.1-31, R 4.2.2, logLik()/deviance() of glmer(cbind(incidence, size-incidence) ~ period + (1|herd), cbpp, binomial, nAGQ=q); exact_marginal_logLik = sum over herds of log integrate(prod dbinom(y|n, plogis(eta+b)) * dnorm(b,0,sd_herd), -Inf, Inf, rel.tol=1e-12) at that fit's estimates, full binomial likelihood incl. log choose(n,y)",
    "note": "lme4 1.1-31 reports logLik on a different constant for nAGQ>1 (-50.005) than for nAGQ=1 (-92.027) in this binomial model; the deviance() values and the exact integrated logLik are comparable across nAGQ. Sum of lchoose(size, incidence) = 185.4756597.",
    "nAGQ1": {
        "lme4_logLik": -92.02656639,
        "lme4_deviance": 73.47428357,
        "exact_marginal_logLik_at_estimates": -91.9838301,
    },
    "nAGQ25": {
        "lme4_logLik": -50.00501527,
        "lme4_deviance": 73.37300248,
        "exact_marginal_logLik_at_estimates": -91.98336904,
    },
}


# ----------------------------------------------------------------------------------------------
# Case 5: epil Poisson / negative-binomial GLMM and GEE (Breslow & Clayton 1993 covariates)
# ----------------------------------------------------------------------------------------------

EPIL_GLMER_POISSON_AGQ1 = {
    "source": 'lme4 1.1-31, R 4.2.2, glmer(y ~ lbase * trt + lage + V4 + (1|subject), data=read.csv("epil.csv") (trt factor, ref "placebo"; subject factor), family=poisson, nAGQ=1)',
    "fixef": {
        "(Intercept)": 1.832925207,
        "lbase": 0.8833873561,
        "trtprogabide": -0.3341207653,
        "lage": 0.4808375081,
        "V4": -0.1597707036,
        "lbase:trtprogabide": 0.338780562,
    },
    "se": {
        "(Intercept)": 0.1050956811,
        "lbase": 0.1306524248,
        "trtprogabide": 0.1473159186,
        "lage": 0.3455924901,
        "V4": 0.05431071216,
        "lbase:trtprogabide": 0.2023227981,
    },
    "sd_subject_(Intercept)": 0.5010989351,
    "logLik": -665.4747905,
    "deviance": 407.4460092,
    "AIC": 1344.949581,
    "conv_messages": "",
}

EPIL_GLMER_POISSON_AGQ25 = {
    "source": 'lme4 1.1-31, R 4.2.2, glmer(y ~ lbase * trt + lage + V4 + (1|subject), data=read.csv("epil.csv") (trt factor, ref "placebo"; subject factor), family=poisson, nAGQ=25)',
    "fixef": {
        "(Intercept)": 1.832764494,
        "lbase": 0.8834008564,
        "trtprogabide": -0.3342543133,
        "lage": 0.4805752916,
        "V4": -0.1597756063,
        "lbase:trtprogabide": 0.3388027754,
    },
    "se": {
        "(Intercept)": 0.1055019417,
        "lbase": 0.131136929,
        "trtprogabide": 0.1479467375,
        "lage": 0.3470360921,
        "V4": 0.05458379781,
        "lbase:trtprogabide": 0.203193889,
    },
    "sd_subject_(Intercept)": 0.5023860405,
    "logLik": -282.4542303,
    "deviance": 407.3552667,
    "AIC": 578.9084605,
    "conv_messages": "",
}

EPIL_GLMER_NB = {
    "source": 'lme4 1.1-31, MASS 7.3-58.2, R 4.2.2, glmer.nb(y ~ lbase * trt + lage + V4 + (1|subject), data=read.csv("epil.csv") (trt factor, ref "placebo"; subject factor))  # Laplace; NB2 var = mu + mu^2/theta',
    "fixef": {
        "(Intercept)": 1.828230589,
        "lbase": 0.8823018055,
        "trtprogabide": -0.3339459258,
        "lage": 0.4788389368,
        "V4": -0.1164341345,
        "lbase:trtprogabide": 0.3372364608,
    },
    "se": {
        "(Intercept)": 0.1063577066,
        "lbase": 0.1301975485,
        "trtprogabide": 0.1470120815,
        "lage": 0.3449124019,
        "V4": 0.0865893803,
        "lbase:trtprogabide": 0.201700192,
    },
    "sd_subject_(Intercept)": 0.463783362,
    "theta": 7.416727396,
    "logLik": -624.8930183,
    "AIC": 1265.786037,
    "conv_messages": "",
}

EPIL_GLMMTMB_NBINOM2 = {
    "source": 'glmmTMB 1.1.5, R 4.2.2, glmmTMB(y ~ lbase * trt + lage + V4 + (1|subject), data=read.csv("epil.csv") (trt factor, ref "placebo"; subject factor), family=nbinom2)  # Laplace; theta = sigma(fit) = NB size',
    "fixef": {
        "(Intercept)": 1.840686132,
        "lbase": 0.8836808957,
        "trtprogabide": -0.3346211346,
        "lage": 0.4798020739,
        "V4": -0.1173115178,
        "lbase:trtprogabide": 0.3380498492,
    },
    "se": {
        "(Intercept)": 0.1065368585,
        "lbase": 0.1303830779,
        "trtprogabide": 0.1472318375,
        "lage": 0.3454317374,
        "V4": 0.08711677021,
        "lbase:trtprogabide": 0.2020049922,
    },
    "sd_subject_intercept": 0.4640052829,
    "logLik": -624.9571193,
    "AIC": 1265.914239,
    "pdHess": True,
    "theta": 7.418096708,
}

EPIL_GLMMTMB_POISSON = {
    "source": 'glmmTMB 1.1.5, R 4.2.2, glmmTMB(y ~ lbase * trt + lage + V4 + (1|subject), data=read.csv("epil.csv") (trt factor, ref "placebo"; subject factor), family=poisson)  # Laplace',
    "fixef": {
        "(Intercept)": 1.832834064,
        "lbase": 0.8834556009,
        "trtprogabide": -0.3342162754,
        "lage": 0.480915134,
        "V4": -0.159769948,
        "lbase:trtprogabide": 0.3389413906,
    },
    "se": {
        "(Intercept)": 0.1052864124,
        "lbase": 0.1308619615,
        "trtprogabide": 0.1476522268,
        "lage": 0.3463369181,
        "V4": 0.05458370782,
        "lbase:trtprogabide": 0.2027872368,
    },
    "sd_subject_intercept": 0.5011362108,
    "logLik": -665.4744261,
    "AIC": 1344.948852,
    "pdHess": True,
}

EPIL_GEE_EXCH = {
    "source": 'geepack 1.3.9, R 4.2.2, geeglm(y ~ lbase * trt + lage + V4, id=subject, data=read.csv("epil.csv") (sorted by subject, period), family=poisson, corstr="exchangeable")  # robust (sandwich) SEs, std.err="san.se"',
    "coef": {
        "(Intercept)": 1.894878168,
        "lbase": 0.9494701234,
        "trtprogabide": -0.3415015805,
        "lage": 0.8966305196,
        "V4": -0.1597696006,
        "lbase:trtprogabide": 0.562540379,
    },
    "robust_se": {
        "(Intercept)": 0.1122569667,
        "lbase": 0.09868447058,
        "trtprogabide": 0.1802489513,
        "lage": 0.2750990585,
        "V4": 0.06514075375,
        "lbase:trtprogabide": 0.1749234253,
    },
    "alpha": 0.3573492689,
    "scale": 4.304070956,
}


# ----------------------------------------------------------------------------------------------
# Case 5 (cont.): epil logLik scales
# ----------------------------------------------------------------------------------------------

EPIL_POISSON_LOGLIK_SCALES = {
    "source": "lme4 1.1-31, R 4.2.2, logLik()/deviance() of glmer(y ~ lbase*trt + lage + V4 + (1|subject), epil, poisson, nAGQ=q); exact_marginal_logLik = sum over subjects of log integrate(prod dpois(y | exp(eta + b)) * dnorm(b, 0, sd), -Inf, Inf, rel.tol=1e-12) at that fit's estimates (full Poisson likelihood incl. -log(y!))",
    "note": "As for cbpp: lme4 1.1-31 logLik() for nAGQ>1 is on a different constant than for nAGQ=1; compare deviance() or the exact integral.",
    "nAGQ1": {
        "lme4_logLik": -665.4747905,
        "lme4_deviance": 407.4460092,
        "exact_marginal_logLik_at_estimates": -665.4073133,
    },
    "nAGQ25": {
        "lme4_logLik": -282.4542303,
        "lme4_deviance": 407.3552667,
        "exact_marginal_logLik_at_estimates": -665.4070724,
    },
}


# ----------------------------------------------------------------------------------------------
# Case 6: grouseticks Poisson GLMM (Elston et al. 2001)
# ----------------------------------------------------------------------------------------------

GROUSETICKS_GLMER = {
    "source": 'lme4 1.1-31, R 4.2.2, glmer(TICKS ~ YEAR + scale(HEIGHT) + (1|BROOD) + (1|LOCATION), data=read.csv("grouseticks.csv"), family=poisson)  # Laplace; YEAR factor (ref "95"); no observation-level (1|INDEX) term',
    "height_scaling": "scale(HEIGHT) = (HEIGHT - 462.2406948) / 35.95649848  (mean and sample SD (n-1 denominator) over all 403 rows)",
    "height_mean": 462.2406948,
    "height_sd": 35.95649848,
    "fixef": {
        "(Intercept)": 0.4668622853,
        "YEAR96": 1.165582351,
        "YEAR97": -0.9779324918,
        "scale(HEIGHT)": -0.8466355994,
    },
    "se": {
        "(Intercept)": 0.1920216184,
        "YEAR96": 0.2297883767,
        "YEAR97": 0.2548216183,
        "scale(HEIGHT)": 0.124594366,
    },
    "sd_BROOD_(Intercept)": 0.7696510877,
    "sd_LOCATION_(Intercept)": 0.5741368746,
    "logLik": -987.9381569,
    "AIC": 1987.876314,
    "isSingular": False,
    "conv_messages": "",
}

GROUSETICKS_GLMER_WITH_INDEX = {
    "source": 'lme4 1.1-31, R 4.2.2, glmer(TICKS ~ YEAR + cHEIGHT + (1|BROOD) + (1|INDEX) + (1|LOCATION), data=read.csv("grouseticks.csv"), family=poisson)  # lme4 ?grouseticks model (which uses raw HEIGHT) with centred height cHEIGHT = HEIGHT - 462.2406948; (1|INDEX) = observation-level overdispersion, as in Elston et al. 2001',
    "fixef": {
        "(Intercept)": 0.3727978919,
        "YEAR96": 1.180401125,
        "YEAR97": -0.9786869809,
        "cHEIGHT": -0.02376040385,
    },
    "se": {
        "(Intercept)": 0.1963654392,
        "YEAR96": 0.2381222002,
        "YEAR97": 0.2627751718,
        "cHEIGHT": 0.003438330203,
    },
    "sd_INDEX_(Intercept)": 0.5415061017,
    "sd_BROOD_(Intercept)": 0.7500268407,
    "sd_LOCATION_(Intercept)": 0.5287263842,
    "logLik": -890.2713535,
    "AIC": 1794.542707,
    "isSingular": False,
    "conv_messages": "",
}


# ----------------------------------------------------------------------------------------------
# Case 7: Salamanders zero-inflated / hurdle GLMMs (glmmTMB; Brooks et al. 2017, The R Journal 9(2):378-400)
# ----------------------------------------------------------------------------------------------

SALAMANDERS_ZIP = {
    "source": 'glmmTMB 1.1.5, R 4.2.2, glmmTMB(count ~ spp + mined + (1|site), ziformula = ~ spp + mined, family=poisson)  # data=read.csv("salamanders.csv") with spp levels c("GP","PR","DM","EC-A","EC-L","DES-L","DF") and mined levels c("yes","no") as in glmmTMB::Salamanders',
    "paper": "Brooks, M. E., Kristensen, K., van Benthem, K. J., Magnusson, A., Berg, C. W., Nielsen, A., Skaug, H. J., Maechler, M. and Bolker, B. M. (2017). glmmTMB balances speed and flexibility among packages for zero-inflated generalized linear mixed modeling. The R Journal 9(2), 378-400.",
    "cond_fixef": {
        "(Intercept)": -0.3114611589,
        "sppPR": -0.5597164685,
        "sppDM": 0.2471698595,
        "sppEC-A": -0.1969026736,
        "sppEC-L": 0.6599994431,
        "sppDES-L": 0.6017391731,
        "sppDF": 0.0581774036,
        "minedno": 1.241678334,
    },
    "cond_se": {
        "(Intercept)": 0.2854675118,
        "sppPR": 0.2883173211,
        "sppDM": 0.1420664662,
        "sppEC-A": 0.2011804409,
        "sppEC-L": 0.1306928465,
        "sppDES-L": 0.1287437969,
        "sppDF": 0.158828192,
        "minedno": 0.2724709888,
    },
    "zi_fixef": {
        "(Intercept)": 0.9749738727,
        "sppPR": 1.519008803,
        "sppDM": -0.3219650021,
        "sppEC-A": 1.125536625,
        "sppEC-L": -0.1123543317,
        "sppDES-L": -0.4378856796,
        "sppDF": -0.502686151,
        "minedno": -1.91560238,
    },
    "zi_se": {
        "(Intercept)": 0.4201763151,
        "sppPR": 0.5056324542,
        "sppDM": 0.4252192377,
        "sppEC-A": 0.4412190847,
        "sppEC-L": 0.4038382697,
        "sppDES-L": 0.4156521714,
        "sppDF": 0.4720521324,
        "minedno": 0.3147209833,
    },
    "sd_site_intercept": 0.3178556286,
    "logLik": -875.7468802,
    "AIC": 1785.49376,
    "df": 17,
    "pdHess": True,
}

SALAMANDERS_ZINB2 = {
    "source": 'glmmTMB 1.1.5, R 4.2.2, glmmTMB(count ~ spp + mined + (1|site), ziformula = ~ spp + mined, family=nbinom2)  # data=read.csv("salamanders.csv") with spp levels c("GP","PR","DM","EC-A","EC-L","DES-L","DF") and mined levels c("yes","no") as in glmmTMB::Salamanders',
    "paper": "Brooks, M. E., Kristensen, K., van Benthem, K. J., Magnusson, A., Berg, C. W., Nielsen, A., Skaug, H. J., Maechler, M. and Bolker, B. M. (2017). glmmTMB balances speed and flexibility among packages for zero-inflated generalized linear mixed modeling. The R Journal 9(2), 378-400.",
    "cond_fixef": {
        "(Intercept)": -0.6103772331,
        "sppPR": -0.9637019035,
        "sppDM": 0.170683408,
        "sppEC-A": -0.3870563402,
        "sppEC-L": 0.4879481655,
        "sppDES-L": 0.5894868538,
        "sppDF": -0.1132663376,
        "minedno": 1.429350382,
    },
    "cond_se": {
        "(Intercept)": 0.4051948155,
        "sppPR": 0.6435972082,
        "sppDM": 0.2353346553,
        "sppEC-A": 0.3424437284,
        "sppEC-L": 0.2383224302,
        "sppDES-L": 0.2277576798,
        "sppDF": 0.2438713564,
        "minedno": 0.3665982304,
    },
    "zi_fixef": {
        "(Intercept)": 0.9100389403,
        "sppPR": 1.16140501,
        "sppDM": -0.9393237312,
        "sppEC-A": 1.0424293,
        "sppEC-L": -0.5623148753,
        "sppDES-L": -0.8929958225,
        "sppDF": -2.539814268,
        "minedno": -2.563026443,
    },
    "zi_se": {
        "(Intercept)": 0.6279090551,
        "sppPR": 1.334637106,
        "sppDM": 0.800528534,
        "sppEC-A": 0.7139840387,
        "sppEC-L": 0.7263064621,
        "sppDES-L": 0.7535322927,
        "sppDF": 2.181725289,
        "minedno": 0.604533,
    },
    "sd_site_intercept": 0.379926967,
    "nb_size_theta": 1.511653788,
    "logLik": -817.1495062,
    "AIC": 1670.299012,
    "df": 18,
    "pdHess": True,
}

SALAMANDERS_POISSON_NOZI = {
    "source": 'glmmTMB 1.1.5, R 4.2.2, glmmTMB(count ~ spp + mined + (1|site), family=poisson)  # data=read.csv("salamanders.csv") with spp levels c("GP","PR","DM","EC-A","EC-L","DES-L","DF") and mined levels c("yes","no") as in glmmTMB::Salamanders',
    "paper": "Brooks, M. E., Kristensen, K., van Benthem, K. J., Magnusson, A., Berg, C. W., Nielsen, A., Skaug, H. J., Maechler, M. and Bolker, B. M. (2017). glmmTMB balances speed and flexibility among packages for zero-inflated generalized linear mixed modeling. The R Journal 9(2), 378-400.",
    "cond_fixef": {
        "(Intercept)": -1.624895192,
        "sppPR": -1.386262064,
        "sppDM": 0.2305356971,
        "sppEC-A": -0.7701037343,
        "sppEC-L": 0.6211849838,
        "sppDES-L": 0.6791791592,
        "sppDF": 0.08005413144,
        "minedno": 2.264436003,
    },
    "cond_se": {
        "(Intercept)": 0.240477964,
        "sppPR": 0.2151642343,
        "sppDM": 0.1288887506,
        "sppEC-A": 0.1710541326,
        "sppEC-L": 0.1193084146,
        "sppDES-L": 0.1181277974,
        "sppDF": 0.133440557,
        "minedno": 0.2802573755,
    },
    "sd_site_intercept": 0.575853466,
    "logLik": -972.4037328,
    "AIC": 1962.807466,
    "df": 9,
    "pdHess": True,
}

SALAMANDERS_HURDLE_TRUNCPOIS = {
    "source": 'glmmTMB 1.1.5, R 4.2.2, glmmTMB(count ~ spp + mined + (1|site), ziformula = ~ spp + mined, family=truncated_poisson)  # hurdle: zi part models P(count == 0)  # data=read.csv("salamanders.csv") with spp levels c("GP","PR","DM","EC-A","EC-L","DES-L","DF") and mined levels c("yes","no") as in glmmTMB::Salamanders',
    "paper": "Brooks, M. E., Kristensen, K., van Benthem, K. J., Magnusson, A., Berg, C. W., Nielsen, A., Skaug, H. J., Maechler, M. and Bolker, B. M. (2017). glmmTMB balances speed and flexibility among packages for zero-inflated generalized linear mixed modeling. The R Journal 9(2), 378-400.",
    "cond_fixef": {
        "(Intercept)": -0.06702285711,
        "sppPR": -0.5209270768,
        "sppDM": 0.2245754017,
        "sppEC-A": -0.195484159,
        "sppEC-L": 0.6467223774,
        "sppDES-L": 0.6051370142,
        "sppDF": 0.0460247611,
        "minedno": 1.014465928,
    },
    "cond_se": {
        "(Intercept)": 0.206046194,
        "sppPR": 0.2787249572,
        "sppDM": 0.1448453111,
        "sppEC-A": 0.2012171527,
        "sppEC-L": 0.1322880257,
        "sppDES-L": 0.1302650603,
        "sppDF": 0.1539669156,
        "minedno": 0.1872361418,
    },
    "zi_fixef": {
        "(Intercept)": 1.755589976,
        "sppPR": 1.678472401,
        "sppDM": -0.4269123357,
        "sppEC-A": 1.104552513,
        "sppEC-L": -0.4269123357,
        "sppDES-L": -0.671587746,
        "sppDF": -0.4269123357,
        "minedno": -2.403796744,
    },
    "zi_se": {
        "(Intercept)": 0.2833314219,
        "sppPR": 0.3964239403,
        "sppDM": 0.3502416463,
        "sppEC-A": 0.3684069181,
        "sppEC-L": 0.3502416463,
        "sppDES-L": 0.3518647669,
        "sppDF": 0.3502416463,
        "minedno": 0.2088846146,
    },
    "sd_site_intercept": 0.230606399,
    "logLik": -878.0834372,
    "AIC": 1790.166874,
    "df": 17,
    "pdHess": True,
}

SALAMANDERS_HURDLE_TRUNCNB2 = {
    "source": 'glmmTMB 1.1.5, R 4.2.2, glmmTMB(count ~ spp + mined + (1|site), ziformula = ~ spp + mined, family=truncated_nbinom2)  # the paper\'s hnbm1 hurdle NB model  # data=read.csv("salamanders.csv") with spp levels c("GP","PR","DM","EC-A","EC-L","DES-L","DF") and mined levels c("yes","no") as in glmmTMB::Salamanders',
    "paper": "Brooks, M. E., Kristensen, K., van Benthem, K. J., Magnusson, A., Berg, C. W., Nielsen, A., Skaug, H. J., Maechler, M. and Bolker, B. M. (2017). glmmTMB balances speed and flexibility among packages for zero-inflated generalized linear mixed modeling. The R Journal 9(2), 378-400.",
    "cond_fixef": {
        "(Intercept)": -0.3361558052,
        "sppPR": -0.5101632089,
        "sppDM": 0.2327454807,
        "sppEC-A": -0.2120114337,
        "sppEC-L": 0.6620965052,
        "sppDES-L": 0.7056034694,
        "sppDF": 0.07277834276,
        "minedno": 1.085402848,
    },
    "cond_se": {
        "(Intercept)": 0.292472597,
        "sppPR": 0.4085641286,
        "sppDM": 0.2469006514,
        "sppEC-A": 0.3200549649,
        "sppEC-L": 0.2400215803,
        "sppDES-L": 0.2356561043,
        "sppDF": 0.2596121216,
        "minedno": 0.2189379304,
    },
    "zi_fixef": {
        "(Intercept)": 1.75562239,
        "sppPR": 1.678495293,
        "sppDM": -0.4269422831,
        "sppEC-A": 1.104525606,
        "sppEC-L": -0.4269426589,
        "sppDES-L": -0.671612276,
        "sppDF": -0.4269424496,
        "minedno": -2.403799588,
    },
    "zi_se": {
        "(Intercept)": 0.2833325046,
        "sppPR": 0.3964273267,
        "sppDM": 0.3502419453,
        "sppEC-A": 0.3684070552,
        "sppEC-L": 0.3502419471,
        "sppDES-L": 0.3518650812,
        "sppDF": 0.3502419461,
        "minedno": 0.2088851635,
    },
    "sd_site_intercept": 0.07449810468,
    "nb_size_theta": 1.51336304,
    "logLik": -819.807567,
    "AIC": 1675.615134,
    "df": 18,
    "pdHess": True,
}

SALAMANDERS_ZIP_SPP_X_MINED = {
    "source": 'glmmTMB 1.1.5, R 4.2.2, glmmTMB(count ~ spp * mined + (1|site), ziformula = ~ spp * mined, family=poisson)  # the paper\'s zipm3  # data=read.csv("salamanders.csv") with spp levels c("GP","PR","DM","EC-A","EC-L","DES-L","DF") and mined levels c("yes","no") as in glmmTMB::Salamanders',
    "paper": "Brooks, M. E., Kristensen, K., van Benthem, K. J., Magnusson, A., Berg, C. W., Nielsen, A., Skaug, H. J., Maechler, M. and Bolker, B. M. (2017). glmmTMB balances speed and flexibility among packages for zero-inflated generalized linear mixed modeling. The R Journal 9(2), 378-400.",
    "cond_fixef": {
        "(Intercept)": -0.1044554159,
        "sppPR": -0.2224083815,
        "sppDM": 0.4997581759,
        "sppEC-A": -0.6891024426,
        "sppEC-L": -1.119859491,
        "sppDES-L": 0.4317167651,
        "sppDF": 0.2604014569,
        "minedno": 1.040267646,
        "sppPR:minedno": -0.4251488695,
        "sppDM:minedno": -0.2919602265,
        "sppEC-A:minedno": 0.4978946003,
        "sppEC-L:minedno": 1.821543847,
        "sppDES-L:minedno": 0.168074207,
        "sppDF:minedno": -0.2613575988,
    },
    "cond_se": {
        "(Intercept)": 1.012105998,
        "sppPR": 1.190933724,
        "sppDM": 1.014551196,
        "sppEC-A": 1.367696366,
        "sppEC-L": 1.211439413,
        "sppDES-L": 1.005286925,
        "sppDF": 1.013322084,
        "minedno": 1.020894222,
        "sppPR:minedno": 1.229147465,
        "sppDM:minedno": 1.024402921,
        "sppEC-A:minedno": 1.382887332,
        "sppEC-L:minedno": 1.218432698,
        "sppDES-L:minedno": 1.014009303,
        "sppDF:minedno": 1.026304357,
    },
    "zi_fixef": {
        "(Intercept)": 3.222695568,
        "sppPR": -1.344174013,
        "sppDM": -2.219216528,
        "sppEC-A": -1.726610425,
        "sppEC-L": -4.544754946,
        "sppDES-L": -2.585106728,
        "sppDF": -2.970782807,
        "minedno": -4.896329084,
        "sppPR:minedno": 3.789281534,
        "sppDM:minedno": 2.600505856,
        "sppEC-A:minedno": 3.673303436,
        "sppEC-L:minedno": 5.095994887,
        "sppDES-L:minedno": 2.825692734,
        "sppDF:minedno": 3.672959913,
    },
    "zi_se": {
        "(Intercept)": 1.194224046,
        "sppPR": 1.441790609,
        "sppDM": 1.260431703,
        "sppEC-A": 1.633068804,
        "sppEC-L": 3.394127742,
        "sppDES-L": 1.260487652,
        "sppDF": 1.275172385,
        "minedno": 1.296263559,
        "sppPR:minedno": 1.587381229,
        "sppDM:minedno": 1.410839586,
        "sppEC-A:minedno": 1.742689043,
        "sppEC-L:minedno": 3.449503887,
        "sppDES-L:minedno": 1.411365761,
        "sppDF:minedno": 1.425484409,
    },
    "sd_site_intercept": 0.3211554051,
    "logLik": -860.044117,
    "AIC": 1778.088234,
    "df": 29,
    "pdHess": True,
}

SALAMANDERS_POISSON_NOZI_GLMER = {
    "source": 'lme4 1.1-31, R 4.2.2, glmer(count ~ spp + mined + (1|site), family=poisson)  # Laplace; data=read.csv("salamanders.csv") with spp levels c("GP","PR","DM","EC-A","EC-L","DES-L","DF") and mined levels c("yes","no") as in glmmTMB::Salamanders',
    "fixef": {
        "(Intercept)": -1.624107864,
        "sppPR": -1.38623461,
        "sppDM": 0.2304805056,
        "sppEC-A": -0.7701219424,
        "sppEC-L": 0.6211063895,
        "sppDES-L": 0.6791102702,
        "sppDF": 0.08003885881,
        "minedno": 2.263732982,
    },
    "se": {
        "(Intercept)": 0.238533867,
        "sppPR": 0.2141608524,
        "sppDM": 0.128290491,
        "sppEC-A": 0.170258995,
        "sppEC-L": 0.1187548226,
        "sppDES-L": 0.1175794248,
        "sppDF": 0.1328198072,
        "minedno": 0.2786920976,
    },
    "sd_site_(Intercept)": 0.5755881581,
    "logLik": -972.4040464,
    "AIC": 1962.808093,
}


# ----------------------------------------------------------------------------------------------
# Case 8: wine cumulative-link mixed model (ordinal::clmm; Christensen's clmm tutorial: temp 3.06, contact 1.83, judge SD 1.13)
# ----------------------------------------------------------------------------------------------

WINE_CLMM_LOGIT = {
    "source": 'ordinal 2022.11-16, R 4.2.2, clmm(rating ~ temp + contact + (1|judge), data=read.csv("wine.csv") (rating ordered 1<2<3<4<5; temp ref "cold", contact ref "no"), link="logit")  # Laplace (default nAGQ=1); P(Y<=j) = F(theta_j - x*beta - u_judge)',
    "thresholds": {
        "1|2": -1.623666924,
        "2|3": 1.513365183,
        "3|4": 4.228526688,
        "4|5": 6.088772558,
    },
    "threshold_se": {
        "1|2": 0.682441032,
        "2|3": 0.6037533304,
        "3|4": 0.8089660503,
        "4|5": 0.9724536542,
    },
    "fixef": {
        "tempwarm": 3.062996626,
        "contactyes": 1.834884922,
    },
    "se": {
        "tempwarm": 0.5953761831,
        "contactyes": 0.512529332,
    },
    "sd_judge": 1.131132578,
    "logLik": -81.56540929,
    "AIC": 177.1308186,
    "max_grad": 1.033392039e-05,
}

WINE_CLMM_PROBIT = {
    "source": 'ordinal 2022.11-16, R 4.2.2, clmm(rating ~ temp + contact + (1|judge), data=read.csv("wine.csv") (rating ordered 1<2<3<4<5; temp ref "cold", contact ref "no"), link="probit")  # Laplace (default nAGQ=1); P(Y<=j) = F(theta_j - x*beta - u_judge)',
    "thresholds": {
        "1|2": -0.9264796803,
        "2|3": 0.8894377761,
        "3|4": 2.467592736,
        "4|5": 3.536662181,
    },
    "threshold_se": {
        "1|2": 0.3881513554,
        "2|3": 0.3484765065,
        "3|4": 0.4468722535,
        "4|5": 0.5256159269,
    },
    "fixef": {
        "tempwarm": 1.800014411,
        "contactyes": 1.048205467,
    },
    "se": {
        "tempwarm": 0.3269399821,
        "contactyes": 0.2855452285,
    },
    "sd_judge": 0.6631531896,
    "logLik": -80.93060715,
    "AIC": 175.8612143,
    "max_grad": 3.23475291e-05,
}


# ----------------------------------------------------------------------------------------------
# Case 9: nlme gls / lme with residual correlation (Pinheiro & Bates 2000)
# ----------------------------------------------------------------------------------------------

OVARY_GLS_AR1 = {
    "source": 'nlme 3.1-162, R 4.2.2, gls(follicles ~ sin(2*pi*Time) + cos(2*pi*Time), data=read.csv("ovary.csv"), correlation=corAR1(form=~1|Mare), method="REML")  # Pinheiro & Bates (2000) sec 5.3; rows time-ordered within Mare',
    "fixef": {
        "(Intercept)": 12.21639818,
        "sin(2 * pi * Time)": -2.774712198,
        "cos(2 * pi * Time)": -0.8996047171,
    },
    "se": {
        "(Intercept)": 0.6646436511,
        "sin(2 * pi * Time)": 0.6450477782,
        "cos(2 * pi * Time)": 0.697538309,
    },
    "phi": 0.7532078892,
    "sigma": 4.616171573,
    "reml_logLik": -780.7272553,
    "reml_AIC": 1571.454511,
    "reml_BIC": 1590.056069,
    "ml_logLik": -782.1933917,
    "ml_AIC": 1574.386783,
}

OVARY_LME_AR1 = {
    "source": 'nlme 3.1-162, R 4.2.2, lme(follicles ~ sin(2*pi*Time) + cos(2*pi*Time), data=read.csv("ovary.csv"), random=~1|Mare, correlation=corAR1(), method="REML")  # corAR1 within Mare, observation order',
    "fixef": {
        "(Intercept)": 12.18958304,
        "sin(2 * pi * Time)": -2.947282762,
        "cos(2 * pi * Time)": -0.8807160123,
    },
    "se": {
        "(Intercept)": 0.9454458549,
        "sin(2 * pi * Time)": 0.5025895184,
        "cos(2 * pi * Time)": 0.5140323228,
    },
    "sd_(Intercept)": 2.80726779,
    "phi": 0.6074422772,
    "sigma": 3.665450126,
    "reml_logLik": -775.2233488,
    "reml_AIC": 1562.446698,
    "reml_BIC": 1584.768568,
    "ml_logLik": -776.5173109,
    "ml_AIC": 1565.034622,
}

BODYWEIGHT_LME_CAR1 = {
    "source": 'nlme 3.1-162, R 4.2.2, lme(weight ~ Time * Diet, data=read.csv("bodyweight.csv") (Diet factor ref "1"), random=~Time|Rat, correlation=corCAR1(form=~Time), method="REML")  # P&B (2000) fm2BW.lme; default lmeControl() unless noted',
    "fixef": {
        "(Intercept)": 251.5924468,
        "Time": 0.3602961096,
        "Diet2": 200.6889078,
        "Diet3": 252.3152042,
        "Time:Diet2": 0.6255177062,
        "Time:Diet3": 0.3109452113,
    },
    "se": {
        "(Intercept)": 13.11667968,
        "Time": 0.09046721882,
        "Diet2": 22.71875564,
        "Diet3": 22.71875564,
        "Time:Diet2": 0.1566938194,
        "Time:Diet3": 0.1566938194,
    },
    "sd_(Intercept)": 36.97451025,
    "sd_Time": 0.2434604638,
    "cor_random": -0.1489662506,
    "phi": 0.760381765,
    "sigma": 4.550126043,
    "reml_logLik": -566.0295901,
    "reml_AIC": 1154.05918,
    "reml_BIC": 1188.552963,
    "ml_logLik": -573.080438,
    "ml_AIC": 1168.160876,
}

ORTHODONT_GLS_UN = {
    "source": 'nlme 3.1-162, R 4.2.2, gls(distance ~ age * Sex, data=read.csv("orthodont.csv") (Sex levels sorted (ref "Female", as hiermodels sorts levels)), correlation=corSymm(form=~1|Subject), weights=varIdent(form=~1|age), method="REML")  # unstructured 4x4 covariance; rows age-ordered within Subject',
    "fixef": {
        "(Intercept)": 17.42536896,
        "age": 0.4763646897,
        "SexMale": -1.583086342,
        "age:SexMale": 0.3504389986,
    },
    "se": {
        "(Intercept)": 1.172642501,
        "age": 0.09915829349,
        "SexMale": 1.523307293,
        "age:SexMale": 0.1288104017,
    },
    "sigma": 2.329212596,
    "varIdent_ratios": {
        "8": 1,
        "10": 0.8788792706,
        "12": 1.07445964,
        "14": 0.9586878503,
    },
    "sd_by_age": {
        "age8": 2.329212596,
        "age10": 2.047096667,
        "age12": 2.502644928,
        "age14": 2.232987816,
    },
    "cor_matrix_ages_8_10_12_14": [
        [1, 0.5681970109, 0.6589493503, 0.5220392836],
        [0.5681970109, 1, 0.580606453, 0.7249210488],
        [0.6589493503, 0.580606453, 1, 0.739620748],
        [0.5220392836, 0.7249210488, 0.739620748, 1],
    ],
    "cov_matrix": [
        [5.425231317, 2.709233431, 3.841142341, 2.715180266],
        [2.709233431, 4.190604765, 2.974537487, 3.313716992],
        [3.841142341, 2.974537487, 6.263231637, 4.133278566],
        [2.715180266, 3.313716992, 4.133278566, 4.986234588],
    ],
    "reml_logLik": -212.2734001,
    "reml_AIC": 452.5468002,
    "reml_BIC": 489.5682728,
    "ml_logLik": -209.7385241,
    "ml_AIC": 447.4770481,
}

ORTHODONT_GLS_CS = {
    "source": 'nlme 3.1-162, R 4.2.2, gls(distance ~ age * Sex, data=read.csv("orthodont.csv") (Sex levels sorted (ref "Female", as hiermodels sorts levels)), correlation=corCompSymm(form=~1|Subject), method="REML")',
    "fixef": {
        "(Intercept)": 17.37272727,
        "age": 0.4795454545,
        "SexMale": -1.032102273,
        "age:SexMale": 0.3048295455,
    },
    "se": {
        "(Intercept)": 1.18350708,
        "age": 0.09346987958,
        "SexMale": 1.537420795,
        "age:SexMale": 0.1214209353,
    },
    "rho": 0.631838134,
    "sigma": 2.28488119,
    "reml_logLik": -216.8786246,
    "reml_AIC": 445.7572492,
    "reml_BIC": 461.6235946,
    "ml_logLik": -214.319529,
    "ml_AIC": 440.639058,
}

ORTHODONT_LME_RI = {
    "source": 'nlme 3.1-162, R 4.2.2, lme(distance ~ age * Sex, data=read.csv("orthodont.csv") (Sex levels sorted (ref "Female", as hiermodels sorts levels)), random=~1|Subject, method="REML")',
    "fixef": {
        "(Intercept)": 17.37272727,
        "age": 0.4795454545,
        "SexMale": -1.032102273,
        "age:SexMale": 0.3048295455,
    },
    "se": {
        "(Intercept)": 1.183507088,
        "age": 0.0934698494,
        "SexMale": 1.537420805,
        "age:SexMale": 0.1214208961,
    },
    "sd_Subject": 1.816214202,
    "sigma": 1.386381911,
    "implied_intraclass_cor": 0.6318388499,
    "reml_logLik": -216.8786246,
    "reml_AIC": 445.7572492,
    "reml_BIC": 461.6235946,
    "ml_logLik": -214.319529,
    "ml_AIC": 440.639058,
}

ORTHODONT_GLS_UN_SEXREF_MALE = {
    "source": 'nlme 3.1-162, R 4.2.2, same gls UN fit with Sex levels c("Male","Female") as in nlme::Orthodont (ref "Male")',
    "fixef": {
        "(Intercept)": 15.84228264,
        "age": 0.8268036892,
        "SexFemale": 1.583086315,
        "age:SexFemale": -0.3504389995,
    },
    "se": {
        "(Intercept)": 0.9723038166,
        "age": 0.08221771426,
        "SexFemale": 1.523307323,
        "age:SexFemale": 0.1288104028,
    },
}

ORTHODONT_GLS_CS_SEXREF_MALE = {
    "source": 'nlme 3.1-162, R 4.2.2, gls(distance ~ age * Sex, data=read.csv("orthodont.csv") (Sex levels c("Male","Female") as in nlme::Orthodont (ref "Male")), correlation=corCompSymm(form=~1|Subject), method="REML")',
    "fixef": {
        "(Intercept)": 16.340625,
        "age": 0.784375,
        "SexFemale": 1.032102273,
        "age:SexFemale": -0.3048295455,
    },
    "se": {
        "(Intercept)": 0.9813122302,
        "age": 0.07750112993,
        "SexFemale": 1.537420795,
        "age:SexFemale": 0.1214209353,
    },
}

ORTHODONT_LME_RI_SEXREF_MALE = {
    "source": 'nlme 3.1-162, R 4.2.2, lme(distance ~ age * Sex, data=read.csv("orthodont.csv") (Sex levels c("Male","Female") as in nlme::Orthodont (ref "Male")), random=~1|Subject, method="REML")',
    "fixef": {
        "(Intercept)": 16.340625,
        "age": 0.784375,
        "SexFemale": 1.032102273,
        "age:SexFemale": -0.3048295455,
    },
    "se": {
        "(Intercept)": 0.9813122367,
        "age": 0.07750110492,
        "SexFemale": 1.537420805,
        "age:SexFemale": 0.1214208961,
    },
}


# ----------------------------------------------------------------------------------------------
# Case 11: GLMM vs GEE teaching toy on cbpp
# ----------------------------------------------------------------------------------------------

CBPP_GEE_EXCH = {
    "source": 'geepack 1.3.9, R 4.2.2, geeglm(cbind(incidence, size - incidence) ~ period, id=herd, data=read.csv("cbpp.csv") (sorted by herd), family=binomial, corstr="exchangeable")  # logit; robust sandwich SEs',
    "coef": {
        "(Intercept)": -1.27029516,
        "period2": -1.155804147,
        "period3": -1.284081028,
        "period4": -1.754181381,
    },
    "robust_se": {
        "(Intercept)": 0.2755987741,
        "period2": 0.4357336423,
        "period3": 0.490855021,
        "period4": 0.3752540811,
    },
    "alpha": 0.04137603795,
    "scale": 0.1341574883,
    "note": "Population-averaged (marginal) log-odds. NOT attenuated relative to CBPP_GLMER_LOGIT here: GEE period2..4 = -1.156, -1.284, -1.754 vs GLMM conditional -0.992, -1.128, -1.580; the GEE/GLM weighting by herd size differs from the GLMM (compare glmm_implied_marginal below, which is attenuated as theory says). geepack reports scale on a per-trial convention: scale = sum(size*r^2)/sum(size) with Pearson residuals r of the proportions (0.134 here; quasibinomial glm dispersion is 2.19); alpha is geepack's moment estimate on that convention, so treat alpha with care when comparing to another GEE implementation.",
    "glmm_implied_marginal": {
        "source": "from CBPP_GLMER_LOGIT (Laplace) estimates: p_k = integrate(plogis(eta_k + b) * dnorm(b, 0, sd_herd)), marginal log-odds qlogis(p_k); coefficients = differences from period 1",
        "marginal_prob": {
            "period1": 0.2161131245,
            "period2": 0.09708517571,
            "period3": 0.08616009053,
            "period4": 0.05733480027,
        },
        "coef": {
            "(Intercept)": -1.288462724,
            "period2": -0.9415768068,
            "period3": -1.072985595,
            "period4": -1.511340685,
        },
    },
    "independence": {
        "source": 'same call with corstr="independence"',
        "coef": {
            "(Intercept)": -1.269023489,
            "period2": -1.170762725,
            "period3": -1.301405334,
            "period4": -1.782278635,
        },
        "robust_se": {
            "(Intercept)": 0.2750260647,
            "period2": 0.4395696429,
            "period3": 0.4956500889,
            "period4": 0.3879608922,
        },
    },
}


# ----------------------------------------------------------------------------------------------
# wine, adaptive Gauss-Hermite clmm (exact marginal likelihood; added for the cumulative family)
# ----------------------------------------------------------------------------------------------

WINE_CLMM_AGQ = {
    "source": 'ordinal 2022.11-16, R 4.2.2 Patched (2022-11-10 r83330), run 2026-12-01: d <- read.csv("wine.csv"); d$rating <- factor(d$rating, levels=1:5, ordered=TRUE); temp levels c("cold","warm"), contact c("no","yes"), judge factor(); clmm(rating ~ temp + contact + (1|judge), data=d, link=LINK, nAGQ=10)  # adaptive Gauss-Hermite, 10 nodes; nAGQ=25 agrees to 9 digits (logLik identical to 10 digits). The Laplace fits (nAGQ=1) are WINE_CLMM_LOGIT / WINE_CLMM_PROBIT, reproduced exactly in this run.',
    "logit": {
        "thresholds": {
            "1|2": -1.623487452,
            "2|3": 1.512796039,
            "3|4": 4.227053455,
            "4|5": 6.08615228,
        },
        "fixef": {"tempwarm": 3.061890993, "contactyes": 1.833433365},
        "sd_judge": 1.134783298,
        "logLik": -81.53246071,
    },
    "probit": {
        "thresholds": {
            "1|2": -0.9263254407,
            "2|3": 0.8893514232,
            "3|4": 2.467333457,
            "4|5": 3.536355954,
        },
        "fixef": {"tempwarm": 1.799872197, "contactyes": 1.048114176},
        "sd_judge": 0.6630288199,
        "logLik": -80.93129462,
    },
}

# ----------------------------------------------------------------------------------------------
# Salamanders zero-inflated NB2 / hurdle fits WITHOUT random effects (exact likelihood at the MLE;
# added for the zero_inflated_negbinomial, hurdle_poisson and hurdle_negbinomial families)
# ----------------------------------------------------------------------------------------------

SALAMANDERS_FIXED_ZI_HURDLE = {
    "source": 'glmmTMB 1.1.5, R 4.2.2 Patched (2022-11-10 r83330), run 2026-12-01: d <- read.csv("salamanders.csv"); d$spp <- factor(d$spp, levels=c("GP","PR","DM","EC-A","EC-L","DES-L","DF")); d$mined <- factor(d$mined, levels=c("yes","no")); glmmTMB(count ~ spp + mined, ziformula = ~ spp + mined, family=FAMILY, data=d) for FAMILY in nbinom2 (zero-inflated), truncated_poisson and truncated_nbinom2 (hurdle: zi models P(count == 0)); fixef(f)$cond, fixef(f)$zi, sigma(f) (NB2 size theta), logLik(f); all converged (convergence 0, pdHess TRUE). No random effects, so logLik is the exact log-likelihood at the MLE.',
    "coef_names": [
        "(Intercept)",
        "sppPR",
        "sppDM",
        "sppEC-A",
        "sppEC-L",
        "sppDES-L",
        "sppDF",
        "minedno",
    ],
    "nbinom2": {
        "cond": [
            -0.2066635962,
            -0.6255230922,
            0.1538740016,
            -0.3213832962,
            0.5729499046,
            0.6116958785,
            -0.07678958511,
            1.059501647,
        ],
        "zi": [
            1.182086877,
            1.587458386,
            -0.8262264695,
            1.074290241,
            -0.3919176778,
            -0.7145328469,
            -1.634781995,
            -2.680129162,
        ],
        "theta": 1.589327149,
        "logLik": -820.0716385,
    },
    "truncated_poisson": {
        "cond": [
            0.01063850947,
            -0.4509936922,
            0.1815131371,
            -0.1664290623,
            0.6229374566,
            0.6103978615,
            0.05057092806,
            0.9746139363,
        ],
        "zi": [
            1.755595969,
            1.678503844,
            -0.4269248804,
            1.104537388,
            -0.4269248804,
            -0.6715942445,
            -0.4269248804,
            -2.403789057,
        ],
        "logLik": -887.8779909,
    },
    "truncated_nbinom2": {
        "cond": [
            -0.3425935182,
            -0.5027243511,
            0.2318248086,
            -0.2096783934,
            0.6724071109,
            0.7114264592,
            0.08185562323,
            1.08636931,
        ],
        "zi": [
            1.755591264,
            1.678520451,
            -0.4269181645,
            1.104545227,
            -0.4269181645,
            -0.6715758818,
            -0.4269181645,
            -2.403800438,
        ],
        "theta": 1.481484365,
        "logLik": -819.8292924,
    },
}


# A boundary REML fit that statsmodels MixedLM misses (it stops at sd 0.153, "failed to
# converge"): 4 clusters x 5 rows from a power study cell (tests/data/reml_boundary.csv).
REML_BOUNDARY_LMER = {
    "source": 'lme4 1.1-31, R 4.2.2, lmer(y ~ x + (1|g), data=read.csv("reml_boundary.csv"), REML=TRUE)',
    "fixef": {"(Intercept)": -0.7861802078, "x": 0.9856005382},
    "se": {"(Intercept)": 0.3078053114, "x": 0.4353024460},
    "sd_g_(Intercept)": 0.0,
    "sigma": 0.9733658599,
    "reml_logLik": -27.3575640969,
    "isSingular": True,
}
