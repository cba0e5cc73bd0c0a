"""Plots: one per module, each drawing only what a computational method returns.

Every function returns a ``matplotlib.figure.Figure``. Importing this package does not
import matplotlib; each plot loads on first use.
"""

from __future__ import annotations

import importlib

_PLOTS = {
    "plot_meta_forest": "meta_forest",
    "plot_meta_funnel": "meta_funnel",
    "plot_meta_shrinkage_trace": "meta_shrinkage_trace",
    "plot_tau_prior_posterior": "meta_tau_prior",
    # explanation plots of multilevel fits (each draws what a Fit method returns)
    "plot_shrinkage_by_size": "shrinkage_size",
    "plot_shrinkage_2d": "shrinkage_2d",
    "plot_pooling_lines": "pooling_lines",
    "plot_caterpillar": "caterpillar",
    "plot_variance_decomposition": "variance_decomposition",
    "plot_variance_function": "variance_function",
    "plot_ppc_density": "ppc_density",
    "plot_ppc_statistics": "ppc_statistics",
    "plot_quantile_residuals": "quantile_residuals",
    "plot_prior_posterior": "prior_posterior",
    "plot_efron_morris": "efron_morris",
    # teaching plots (issue 14): each draws what one hiermodels.derive function returns
    "plot_anova_components": "anova",
    "plot_ranks": "ranks",
    "plot_funnel": "ranks",
    "plot_within_between": "within_between",
    "plot_subject_curves": "subject_curves",
    "plot_compare_ml": "compare_ml",
    "plot_re_qq": "re_qq",
    "plot_covariance_heatmap": "covariance_heatmap",
    "plot_meta_bubble": "meta_bubble",
    # interpretation (issue 16): draws hiermodels.derive.conditional.conditional_effects
    "plot_conditional_effects": "conditional_effects",
    # longitudinal residual structures (issue 13): draws hiermodels.derive.residual_acf
    "plot_residual_acf": "residual_acf",
    # simulation studies and SBC (hiermodels.studies)
    "plot_study_curve": "study_curves",
    "plot_sbc_ecdf": "sbc_ecdf",
}

__all__ = sorted(_PLOTS)


def __getattr__(name: str):
    if name in _PLOTS:
        func = getattr(importlib.import_module(f"{__name__}.{_PLOTS[name]}"), name)
        globals()[name] = func
        return func
    raise AttributeError(f"module 'hiermodels.plots' has no attribute {name!r}")


def __dir__():
    return __all__
