"""Interpretation verbs of :class:`hiermodels.Fit` (a mixin: thin methods, no computation).

``predictions``, ``comparisons``, ``slopes`` (marginaleffects-style), ``emmeans`` and
``contrasts`` (emmeans-style), ``hypothesis`` (brms-style), ``conditional_effects``,
``kfold`` (grouped cross-validation), ``draws`` (tidy draws), ``update`` (refit with
changed pieces) and the plot accessor ``plot``. Each delegates to one module of
:mod:`hiermodels.derive` (or :mod:`hiermodels.present`) whose docstring states the math.
"""

from __future__ import annotations

import functools
import re
import warnings

import pandas as pd

from ..errors import HiermodelsError


def refit_model(data, model_cls, formula, family, link, priors, parameterization, dropna,
                fit_kwargs, zi=None, weights=None):  # fmt: skip
    """Fit the same specification to ``data`` (module level, so K-fold workers can pickle it).

    ``model_cls`` is the fit's model class (``type(fit.model)``), passed in so that this
    module needs no import of the Model facade (which imports the Fit).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = model_cls(formula, data, family=family, link=link, priors=priors,
                      parameterization=parameterization, dropna=dropna, zi=zi,
                      weights=weights)  # fmt: skip
        return model.fit(**fit_kwargs)


def _update_formula(old: str, new: str) -> str:
    """R's ``update.formula`` for the common cases: ``. ~ . + x`` and a full formula."""
    if "." not in re.sub(r"\w\.\w|\d\.\d", "", new):
        return new
    o_lhs, o_rhs = (s.strip() for s in old.split("~", 1))
    if "~" not in new:
        raise HiermodelsError(f"update(formula={new!r}) needs a '~', e.g. '. ~ . + x'.")
    n_lhs, n_rhs = (s.strip() for s in new.split("~", 1))
    lhs = o_lhs if n_lhs in (".", "") else n_lhs
    rhs = re.sub(r"(?<![\w.])\.(?![\w.])", o_rhs, n_rhs)
    return f"{lhs} ~ {rhs}"


class FitVerbs:
    """Mixin of the interpretation verbs; ``self`` is a :class:`hiermodels.Fit`."""

    # ------------------------------------------------------------------ marginal effects
    def predictions(self, grid="typical", type="response", groups="typical", by=None,
                    prob=None, seed=None) -> pd.DataFrame:  # fmt: skip
        """Posterior predictions on a data grid (marginaleffects ``predictions``).

        ``grid``: ``"typical"`` (numbers at their means, factors at their mode), a dict
        ``{column: values}`` (crossed), ``"observed"`` or a DataFrame; ``type``:
        ``"response"`` (expected response) or ``"link"``; ``groups``: ``"typical"``,
        ``"population"`` (averaged over the random effects), ``"fitted"``, ``"new"``;
        ``by``: average per draw over rows (``True``) or within columns.
        See :mod:`hiermodels.derive.marginal`.
        """
        from ..derive.marginal import predictions

        return predictions(self, grid, type, groups, by, prob, seed)

    def comparisons(self, variable: str, grid="typical", type="response", groups="typical",
                    by=None, values=None, delta: float = 1.0, comparison="difference",
                    prob=None, seed=None) -> pd.DataFrame:  # fmt: skip
        """Change of the prediction when ``variable`` changes (marginaleffects ``comparisons``).

        Factor: each level against the first (or ``values=(lo, hi)``); number: ``+delta``.
        Columns ``term, contrast``, the grid/``by`` columns, ``mean, sd, lower, upper,
        p_gt_0``. See :mod:`hiermodels.derive.marginal`.
        """
        from ..derive.marginal import comparisons

        return comparisons(self, variable, grid, type, groups, by, values, delta, comparison,
                           prob, seed)  # fmt: skip

    def slopes(self, variable: str, grid="typical", type="response", groups="typical",
               by=None, eps=None, prob=None, seed=None) -> pd.DataFrame:  # fmt: skip
        """Derivative of the prediction with respect to a numeric ``variable`` (``slopes``).

        See :mod:`hiermodels.derive.marginal`.
        """
        from ..derive.marginal import slopes

        return slopes(self, variable, grid, type, groups, by, eps, prob, seed)

    # ------------------------------------------------------------------ emmeans
    def emmeans(self, factor: str, scale: str = "link", at=None, prob=None) -> pd.DataFrame:
        """Estimated marginal means of ``factor`` (emmeans): equal weights over other factors.

        See :mod:`hiermodels.derive.emmeans`.
        """
        from ..derive.emmeans import emmeans

        return emmeans(self, factor, scale, at, prob)

    def contrasts(self, factor: str, method: str = "pairwise", scale: str = "link", at=None,
                  prob=None) -> pd.DataFrame:  # fmt: skip
        """Contrasts of estimated marginal means with intervals and P(contrast > 0).

        ``method``: ``"pairwise"``, ``"trt_vs_ctrl"`` or ``"sequential"``. See
        :mod:`hiermodels.derive.emmeans`.
        """
        from ..derive.emmeans import contrasts

        return contrasts(self, factor, method, scale, at, prob)

    # ------------------------------------------------------------------ hypotheses
    def hypothesis(self, hypotheses, prob=None, seed=0) -> pd.DataFrame:
        """brms-style hypothesis tests, e.g. ``"Days > 5"``, ``"Intercept + period[2] = 0"``.

        Names: fixed effects by term, ``sd(g, term)``, ``cor(g, t1, t2)``, ``sigma``,
        group effects ``r_<g>[level, term]``. One-sided: posterior probability; point:
        Savage-Dickey density ratio. Parsed safely (no ``eval``). See
        :mod:`hiermodels.derive.hypothesis`.
        """
        from ..derive.hypothesis import hypothesis

        return hypothesis(self, hypotheses, prob, seed)

    def conditional_effects(self, effect: str, by=None, facet=None, groups=None,
                            type="response", n_points: int = 100, prob=None,
                            plot: bool = True):  # fmt: skip
        """brms-style conditional-effects figure (``plot=False``: the table it draws).

        See :mod:`hiermodels.derive.conditional`.
        """
        if plot:
            return self.plot.conditional_effects(effect, by, facet, groups, type, n_points, prob)
        from ..derive.conditional import conditional_effects

        return conditional_effects(self, effect, by, facet, groups, type, n_points, prob)

    # ------------------------------------------------------------------ cross-validation
    def kfold(self, k: int | None = 10, by: str | None = None, seed: int = 0, workers: int = 1,
              draws: int | None = None, tune: int | None = None, chains: int | None = None,
              n_mc: int = 500):  # fmt: skip
        """Grouped K-fold / leave-one-cluster-out elpd (``k=None``: one fold per level of ``by``).

        Each fold refits the same specification on the training rows (sequentially and
        reusing the compiled kernel by default; ``workers > 1`` runs folds in processes).
        Sampling settings default to this fit's draws and chains. The result is an
        ``arviz.ELPDData`` that ``hm.compare`` / ``arviz.compare`` accept. See
        :mod:`hiermodels.derive.kfold`.
        """
        from ..derive.kfold import kfold

        post = self.posterior
        draws = int(draws or post.sizes["draw"])
        fit_kwargs = {
            "draws": draws,
            "tune": int(tune or max(draws, 300)),
            "chains": int(chains or post.sizes["chain"]),
            "seed": seed,
            "progressbar": False,
        }
        if self.sampler:
            fit_kwargs["sampler"] = self.sampler
        s = self.model.spec
        refit = functools.partial(refit_model, model_cls=type(self.model), formula=s.formula, family=s.family, link=s.link,
                                  priors=s.priors or None, parameterization=s.parameterization,
                                  dropna=s.dropna, fit_kwargs=fit_kwargs, zi=s.zi,
                                  weights=s.weights)  # fmt: skip
        return kfold(self, refit, k, by, seed, workers, n_mc)

    # ------------------------------------------------------------------ draws, update, plots
    def draws(self, group_effects: bool = True) -> pd.DataFrame:
        """Tidy posterior draws: ``chain``, ``draw`` and one column per scalar parameter.

        Columns use the documented names (``Intercept``, ``Days``, ``sd(Subject, Days)``,
        ``cor(Subject, Intercept, Days)``, ``sigma``, ``r_Subject[308, Days]``). See
        :mod:`hiermodels.derive.draws`.
        """
        from ..derive.draws import tidy_draws

        return tidy_draws(self.posterior, self.design, self.family, group_effects)

    def update(self, formula: str | None = None, data=None, priors=None, family=None,
               link=None, **fit_kwargs):  # fmt: skip
        """Refit with changed pieces (R's ``update``); unchanged pieces are kept.

        Parameters
        ----------
        formula : str, optional
            A new formula, or R's ``". ~ . + x"`` (``.`` = the old side).
        data : DataFrame, optional
        priors : dict, optional
            Merged into the old overrides (``{"b": "normal(0, 5)"}``).
        family, link : str, optional
        **fit_kwargs
            ``draws``, ``tune``, ``chains``, ``seed``, ``sampler``... (default: this
            fit's draws and chains).

        Returns
        -------
        hiermodels.Fit
        """
        s = self.model.spec
        new_priors = {**(s.priors or {}), **(priors or {})}
        fam = family or s.family
        model = type(self.model)(
            _update_formula(s.formula, formula) if formula else s.formula,
            self.model.data if data is None else data,
            family=fam,
            link=link or (s.link if fam == s.family else None),
            priors=new_priors or None,
            parameterization=s.parameterization,
            dropna=s.dropna,
            residual=s.residual,
            sigma=s.sigma,
            zi=s.zi if fam == s.family else None,
            weights=s.weights,
        )
        post = self.posterior
        kwargs = {"draws": post.sizes["draw"], "chains": post.sizes["chain"], **fit_kwargs}
        return model.fit(**kwargs)

    @property
    def plot(self):
        """Plot accessor: ``fit.plot.caterpillar("Subject")``, ``fit.plot.ppc_density()``...

        ``dir(fit.plot)`` lists every plot; each returns a Figure shown once in Jupyter.
        """
        from ..present.plot_accessor import PlotAccessor

        return PlotAccessor(self)
