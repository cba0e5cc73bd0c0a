"""Teaching methods of :class:`hiermodels.Fit` (a mixin: thin methods, no computation).

The seed concepts that are questions about one fit: league tables and funnel plots
(``rank``, ``funnel``), within/between effects (``within_between``), fixed vs random
effects in panel data (``fe_vs_re``), centring (``centering``), normality of the group
effects (``re_qq``), naive vs multilevel standard errors (``se_comparison``), marginal
likelihood by Laplace and quadrature (``compare_ml``) and GLMM vs GEE
(``compare_gee``). Each delegates to one module of :mod:`hiermodels.derive` whose
docstring states the math.
"""

from __future__ import annotations

import pandas as pd


class TeachingMethods:
    """Mixin of :class:`hiermodels.Fit`; see the module docstring."""

    def rank(self, group: str, term: str = "Intercept", margin: float = 0.0, prob=None):
        """Posterior ranks, P(above/below the average by > margin), flags with/without shrinkage.

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.ranks.rank_table`.
        """
        from hiermodels.derive.ranks import rank_table

        return rank_table(self, group, term, margin, prob)

    def funnel(self, group: str, levels=(0.95, 0.998)):
        """Observed and shrunken unit rates with funnel control limits (Spiegelhalter 2005).

        Returns
        -------
        (DataFrame, DataFrame)
            See :func:`hiermodels.derive.funnel.funnel_data`.
        """
        from hiermodels.derive.funnel import funnel_data

        return funnel_data(self, group, levels)

    def within_between(self, x: str, prob=None) -> pd.DataFrame:
        """Within, between and contextual effect of ``x`` (``within()``/``between()`` terms).

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.within_between.within_between`.
        """
        from hiermodels.derive.within_between import within_between

        return within_between(self, x, prob)

    def fe_vs_re(self, prob=None) -> pd.DataFrame:
        """Fixed-effects (within) vs random-effects estimates and Hausman's test.

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.panel.fe_vs_re`.
        """
        from hiermodels.derive.panel import fe_vs_re

        return fe_vs_re(self, prob)

    def centering(self, group: str, term: str | None = None, at=None, prob=None):
        """Intercept SD and cor(Intercept, slope) with the slope's origin moved to ``at``.

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.centering.centering_table`.
        """
        from hiermodels.derive.centering import centering_table

        return centering_table(self, group, term, at, prob)

    def re_qq(self, group: str, term: str = "Intercept", prob=None) -> pd.DataFrame:
        """Normal QQ data of the standardised group effects.

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.re_qq.re_qq`.
        """
        from hiermodels.derive.re_qq import re_qq

        return re_qq(self, group, term, prob)

    def se_comparison(self, prob=None) -> pd.DataFrame:
        """Naive (independent rows) vs multilevel standard errors of the fixed effects.

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.design_effect.se_comparison`.
        """
        from hiermodels.derive.design_effect import se_comparison

        return se_comparison(self, prob)

    def compare_ml(self, nAGQ: int = 25, prob=None) -> pd.DataFrame:
        """Laplace, adaptive Gauss-Hermite quadrature (ML) and the posterior side by side.

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.ml_glmm.compare_ml`.
        """
        from hiermodels.derive.ml_glmm import compare_ml

        return compare_ml(self, nAGQ, prob)

    def compare_gee(self, prob=None) -> pd.DataFrame:
        """Conditional and population-averaged GLMM effects beside an exchangeable GEE.

        Returns
        -------
        DataFrame
            See :func:`hiermodels.derive.gee.compare_gee`.
        """
        from hiermodels.derive.gee import compare_gee

        return compare_gee(self, prob)
