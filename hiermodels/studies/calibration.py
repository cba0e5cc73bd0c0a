r"""Simulation-based calibration (SBC) of a model and its priors, on Dask distributed.

Talts, Betancourt, Simpson, Vehtari & Gelman (2018, arXiv:1804.06788), Algorithm 2: for
:math:`n` replicates draw :math:`\tilde\theta \sim p(\theta)` from the priors and
:math:`\tilde y \sim p(y \mid \tilde\theta)` (:func:`hiermodels.derive.simulate.simulate`),
fit the model to :math:`\tilde y`, keep :math:`L` posterior draws thinned to be nearly
independent (spacing at least :math:`S / \mathrm{ESS}` for :math:`S` draws and the
smaller of bulk and tail ESS) and record the rank
:math:`r = \#\{\ell : \theta^{(\ell)} < \tilde\theta\} \in \{0, \dots, L\}`. If the
sampler and the model are right, :math:`r` is uniform on :math:`\{0, \dots, L\}` for every
parameter, because :math:`\int p(\theta \mid y)\,p(y \mid \tilde\theta)\,p(\tilde\theta)
\,dy\,d\tilde\theta = p(\theta)`.

Tests per parameter, each at level :math:`\alpha / (2 m)` for :math:`m` parameters (so the
verdict's false-alarm rate is at most :math:`\alpha`):

* Pearson's :math:`\chi^2` on :math:`B` equal bins of the ranks (:math:`B` divides
  :math:`L + 1`, at least 5 expected per bin), :math:`B - 1` degrees of freedom;
* the ECDF of :math:`u = (r + 1)/(L + 1)` against simultaneous bands for the uniform ECDF
  (Säilynoja, Bürkner & Vehtari 2022, *Stat. Comput.* 32:32, the "optimized" band,
  computed by ``arviz.stats.ecdf_utils.ecdf_confidence_band``).

A deliberately wrong prior (data generated from one prior, fitted with another: pass
``generator=``) shows up as ranks piling at the ends (posterior too narrow or shifted) or
in the middle (too wide).
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from hiermodels.derive.sbc_ranks import ecdf_difference, sbc_table, thinned_rank
from hiermodels.derive.simulate import parameter_names, simulate, with_response
from hiermodels.errors import HiermodelsError

from .engine import check_out_dir, run_tasks


def run_sbc_batch(model, generator, settings: dict, reps: list[int]) -> pd.DataFrame:
    """Replicates ``reps``: prior draw, simulated data, fit, thinned ranks (one row per parameter)."""
    from hiermodels.derive.tables import fixed_draws, varcorr_draws

    names = parameter_names(model)
    L = int(settings["L"])
    rows = []
    for rep in reps:
        sim_seq, fit_seq = np.random.SeedSequence(settings["seed"], spawn_key=(rep,)).spawn(2)
        sim = simulate(generator, None, draws=1, seed=np.random.default_rng(sim_seq))
        truth = sim.params.iloc[0].to_dict()
        start = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = with_response(model, sim.y[0]).fit(
                    draws=settings["draws"],
                    tune=settings["tune"],
                    chains=settings["chains"],
                    seed=int(fit_seq.generate_state(1)[0]),
                    progressbar=False,
                    cores=1,
                )
            post = fit.posterior
            draws = fixed_draws(post, fit.design) | varcorr_draws(post, fit.design, fit.family)
            draws |= _second_predictor_and_threshold_draws(post, fit.design)
            div = int(fit.trace.sample_stats["diverging"].values.sum())
            err = ""
        except Exception as exc:
            draws, div = {}, 0
            err = "".join(traceback.format_exception_only(exc)).strip()[:300]
        sec = time.perf_counter() - start
        for name in names:
            row = {"rep": rep, "parameter": name, "true": float(truth[name]), "L": L}
            if name in draws:
                row.update(thinned_rank(np.asarray(draws[name]), truth[name], L))
            row.update(divergences=div, error=err, seconds=sec)
            rows.append(row)
    return pd.DataFrame(rows)


def _second_predictor_and_threshold_draws(post, design) -> dict:
    """(chain, draw) arrays of the zero-inflation coefficients and ordinal thresholds, named
    as :func:`~hiermodels.derive.simulate.parameter_names` names them."""
    from hiermodels.model import names as nm

    out = {}
    if nm.ZI_COEF in post:
        for n in design.zi_names:
            out[nm.zi_label(n)] = post[nm.ZI_COEF].sel({nm.ZI_DIM: n}).values
    if nm.THRESHOLD in post:
        for lab in post[nm.THRESHOLD].coords[nm.THRESHOLD_DIM].values:
            out[f"threshold({lab})"] = post[nm.THRESHOLD].sel({nm.THRESHOLD_DIM: lab}).values
    return out


@dataclass
class SBCResult:
    """Ranks, tests and verdict of a simulation-based calibration.

    Attributes
    ----------
    ranks : DataFrame
        One row per (replicate, parameter): ``true``, ``rank`` in 0..L, ``ess``,
        ``ess_short``, posterior ``mean``, ``divergences``, ``error``.
    table : DataFrame
        :func:`sbc_table`.
    verdict : str
        ``"calibrated"`` or ``"miscalibrated: ..."`` naming the parameters.
    alpha : float
    facts : dict
    """

    ranks: pd.DataFrame
    table: pd.DataFrame
    verdict: str
    alpha: float = 0.01
    facts: dict = field(default_factory=dict)

    def ecdf_difference(self, prob: float = 0.95) -> pd.DataFrame:
        return ecdf_difference(self.ranks, prob)

    def plot(self, prob: float = 0.95, axes=None):
        """ECDF-difference plot with simultaneous bands, one panel per parameter."""
        from hiermodels.present.plots.sbc_ecdf import plot_sbc_ecdf

        return plot_sbc_ecdf(self.ecdf_difference(prob), prob=prob, axes=axes)


def _fingerprint(model, generator, settings) -> str:
    parts = [
        model.spec.to_json(),
        generator.spec.to_json(),
        str(pd.util.hash_pandas_object(model.data, index=False).sum()),
        json.dumps(settings, sort_keys=True),
        model.priors.to_json(),
        generator.priors.to_json(),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def sbc(
    model,
    n: int = 100,
    *,
    L: int = 99,
    draws: int = 1000,
    tune: int = 500,
    chains: int = 2,
    seed: int = 1,
    generator=None,
    alpha: float = 0.01,
    batch_size: int = 10,
    out=None,
    client=None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> SBCResult:
    """Simulation-based calibration of ``model`` (its design, family and priors).

    Parameters
    ----------
    model : hiermodels.Model
    n : int
        Replicates (prior draw -> data -> fit).
    L : int
        Thinned posterior draws per fit; ranks lie in 0..L. Choose ``draws * chains`` so
        that the ESS exceeds ``L`` (the ``ess_short`` column reports when it did not).
    draws, tune, chains : int
        Sampler settings of each fit (one core per fit).
    generator : hiermodels.Model, optional
        Draw the truth from this model's priors instead (same formula and data): a prior
        that differs from the fitted one must be detected.
    alpha : float
        False-alarm rate of the verdict (over all parameters and both tests).
    out, client, scheduler, workers, progress, batch_size
        As in :func:`hiermodels.studies.study`.

    Returns
    -------
    SBCResult
    """
    import time

    generator = model if generator is None else generator
    if generator.design.n != model.design.n:
        raise HiermodelsError(
            f"generator= must describe the same rows as the model ({generator.design.n} vs "
            f"{model.design.n}): build it from the same data with other priors."
        )
    if parameter_names(generator) != parameter_names(model):
        raise HiermodelsError(
            "generator= must have the same parameters as the model: "
            f"{parameter_names(generator)} vs {parameter_names(model)}."
        )
    if int(n) < 10 or int(L) < 1 or draws * chains < L:
        raise HiermodelsError(
            f"sbc needs n >= 10 replicates and draws * chains >= L >= 1 (got n={n}, L={L}, "
            f"draws={draws}, chains={chains})."
        )
    settings = {
        "L": int(L),
        "draws": int(draws),
        "tune": int(tune),
        "chains": int(chains),
        "seed": int(seed),
    }
    tasks = {
        f"r{s:06d}": (model, generator, settings, list(range(s, min(s + batch_size, n))))
        for s in range(0, int(n), int(batch_size))
    }
    outp = None if out is None else Path(out)
    if outp is not None:
        check_out_dir(outp, "sbc", _fingerprint(model, generator, settings), {**settings, "n": n})
    start = time.perf_counter()
    ranks, facts = run_tasks(run_sbc_batch, tasks, outp, client, scheduler, workers, progress)
    facts["wall_seconds"] = time.perf_counter() - start
    table = sbc_table(ranks, alpha)
    bad = list(table.index[~table["calibrated"]])
    verdict = "calibrated" if not bad else f"miscalibrated: {', '.join(bad)}"
    short = float(ranks["ess_short"].mean()) if "ess_short" in ranks else 0.0
    if short > 0.2:
        verdict += f" (ESS below L={L} in {short:.0%} of fits: increase draws)"
    if outp is not None:
        ranks.to_parquet(outp / "ranks.parquet", index=False)
        table.to_csv(outp / "sbc_table.csv")
    return SBCResult(ranks, table, verdict, alpha, facts)
