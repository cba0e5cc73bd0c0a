"""``fit.plot``: every explanation plot of a multilevel fit, one method each.

``fit.plot.caterpillar("Subject")`` is ``hm.plots.plot_caterpillar(fit, "Subject")``;
``dir(fit.plot)`` and ``help(fit.plot)`` list them, each with the plot's own docstring.

Figures display once in Jupyter: each method closes its figure in pyplot's figure
manager before returning it, so the inline backend does not show it at the end of the
cell *and* again as the cell's value (the returned ``Figure`` still renders, saves with
``fig.savefig`` and can be re-shown with ``display(fig)``).
"""

from __future__ import annotations

import functools
import importlib
import inspect

#: method name -> (module under the plots package, function name)
FIT_PLOTS = {
    "caterpillar": ("caterpillar", "plot_caterpillar"),
    "shrinkage_size": ("shrinkage_size", "plot_shrinkage_by_size"),
    "shrinkage_2d": ("shrinkage_2d", "plot_shrinkage_2d"),
    "pooling_lines": ("pooling_lines", "plot_pooling_lines"),
    "efron_morris": ("efron_morris", "plot_efron_morris"),
    "variance_decomposition": ("variance_decomposition", "plot_variance_decomposition"),
    "variance_function": ("variance_function", "plot_variance_function"),
    "ppc_density": ("ppc_density", "plot_ppc_density"),
    "ppc_statistics": ("ppc_statistics", "plot_ppc_statistics"),
    "quantile_residuals": ("quantile_residuals", "plot_quantile_residuals"),
    "prior_posterior": ("prior_posterior", "plot_prior_posterior"),
    "ranks": ("ranks", "plot_ranks"),
    "funnel": ("ranks", "plot_funnel"),
    "subject_curves": ("subject_curves", "plot_subject_curves"),
    "compare_ml": ("compare_ml", "plot_compare_ml"),
    "re_qq": ("re_qq", "plot_re_qq"),
    "covariance_heatmap": ("covariance_heatmap", "plot_covariance_heatmap"),
    "residual_acf": ("residual_acf", "plot_residual_acf"),
}
_PLOTS_PACKAGE = "hiermodels.present.plots"


def detach(fig):
    """Close ``fig`` in pyplot's manager (no second display in Jupyter) and return it."""
    import sys

    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close(fig)
    return fig


def _method(name: str, module: str, func_name: str):
    func = getattr(importlib.import_module(f"{_PLOTS_PACKAGE}.{module}"), func_name)

    @functools.wraps(func)
    def method(self, *args, **kwargs):
        return detach(func(self._fit, *args, **kwargs))

    sig = inspect.signature(func)
    params = list(sig.parameters.values())
    method.__signature__ = sig.replace(
        parameters=[inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY), *params[1:]]
    )
    method.__name__ = method.__qualname__ = name
    return method


class PlotAccessor:
    """Plots of a fit: ``fit.plot.<name>(...)`` returns a ``matplotlib.figure.Figure``.

    Methods: caterpillar, shrinkage_size, shrinkage_2d, pooling_lines, efron_morris,
    variance_decomposition, variance_function, ppc_density, ppc_statistics,
    quantile_residuals, prior_posterior, ranks, funnel, subject_curves, compare_ml, re_qq,
    covariance_heatmap, conditional_effects. Each draws what one computation returns (e.g.
    ``caterpillar`` draws ``fit.group_effects``); plots of raw data or of a meta-analysis
    stay in :mod:`hiermodels.plots`.
    """

    def __init__(self, fit):
        self._fit = fit

    def conditional_effects(self, effect: str, by=None, facet=None, groups=None,
                            type: str = "response", n_points: int = 100, prob=None,
                            ncols: int = 3):  # fmt: skip
        """Prediction curves along ``effect`` (brms ``conditional_effects``).

        Draws :func:`hiermodels.derive.conditional.conditional_effects`: one panel per
        ``facet`` level, one colour per ``by`` level, the conditional curve (typical
        cluster, solid) and — for non-identity links — the population-averaged one
        (dashed), with interval bands.

        Returns
        -------
        matplotlib.figure.Figure
        """
        from ..derive.conditional import conditional_effects
        from .plots.conditional_effects import plot_conditional_effects

        tab = conditional_effects(self._fit, effect, by, facet, groups, type, n_points, prob)
        return detach(plot_conditional_effects(tab, ncols=ncols))

    def __repr__(self) -> str:
        return "fit.plot: " + ", ".join(sorted([*FIT_PLOTS, "conditional_effects"]))


for _name, (_module, _func) in FIT_PLOTS.items():
    setattr(PlotAccessor, _name, _method(_name, _module, _func))
