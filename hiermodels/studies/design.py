r"""A simulation study's specification: the design grid, the data-generating values, the fits.

A study crosses every value of every grid entry (number of clusters ``clusters``, rows per
cluster ``rows``, and any model parameter by its table name: ``x``, ``sd(g, Intercept)``,
``sigma``...) and replicates each cell ``replications`` times. Each replicate's data come
from :func:`hiermodels.derive.simulate.simulate` on a synthetic design with columns

* ``g``: the cluster label, ``clusters`` levels with ``rows`` rows each;
* ``x``: the predictor, ``x_kind="cluster"`` a cluster-level 0/1 treatment assigned to
  alternate clusters (a cluster-randomised trial), or ``x_kind="within"`` a row-level
  standard normal covariate (drawn once per cell, so power is conditional on the design,
  as in simr);
* ``n``: the number of trials (binomial family, ``trials``);
* ``y``: the response.

A ``family`` grid entry crosses families too (each uses the parameters it has).

Seeds: replicate ``r`` of cell ``c`` uses ``numpy.random.SeedSequence(seed,
spawn_key=(c, r))`` whatever the batching and the number of workers, so the same study
gives the same numbers on 1 or 100 workers.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from hiermodels.errors import HiermodelsError

#: Values used when the grid and ``values`` leave a parameter out.
DEFAULT_VALUES = {"Intercept": 0.0, "sigma": 1.0, "phi": 5.0}
GRID_DESIGN_KEYS = ("clusters", "rows", "family")
METHODS = ("bayes", "reml")


@dataclass
class StudySpec:
    """Everything that determines a study's numbers.

    Parameters
    ----------
    formula : str
        Model fitted to every replicate; may use ``y``, ``x``, ``g`` (and ``n`` for
        ``y | trials(n)``).
    family : str
    grid : dict
        Name -> list of values; ``clusters`` and ``rows`` are required.
    values : dict
        Parameter values held fixed across the grid (``Intercept`` defaults to 0,
        ``sigma`` to 1, ``phi`` to 5, correlations to 0).
    x_kind : {"cluster", "within"}
    trials : int
        Trials per row for the binomial family.
    replications : int
    methods : tuple of {"bayes", "reml"}
        REML (statsmodels ``MixedLM``) is run for Gaussian families only.
    priors : dict, optional
        Prior overrides for the Bayesian fit (e.g. ``{"sd": "boundary_avoiding"}``).
    draws, tune, chains : int
        Bayesian fit settings (each fit runs its chains on one core).
    prob : float
        Interval probability for coverage, width and power.
    threshold : float
        Bayesian power also counts fits with :math:`P(\beta > 0 \\mid y) >` ``threshold``.
    seed : int
    batch_size : int
        Replicates per task: one task reuses a worker's compiled kernel for all of them.
    """

    formula: str = "y ~ x + (1 | g)"
    family: str = "gaussian"
    grid: dict = field(default_factory=lambda: {"clusters": [10], "rows": [5]})
    values: dict = field(default_factory=dict)
    x_kind: str = "cluster"
    trials: int = 10
    replications: int = 100
    methods: tuple = METHODS
    priors: dict | None = None
    draws: int = 500
    tune: int = 500
    chains: int = 2
    prob: float = 0.95
    threshold: float = 0.975
    seed: int = 1
    batch_size: int = 10

    def __post_init__(self):
        self.methods = tuple(self.methods)
        bad = [m for m in self.methods if m not in METHODS]
        if bad or not self.methods:
            raise HiermodelsError(f"methods {bad or '()'} unknown; choose from {METHODS}.")
        if self.x_kind not in ("cluster", "within"):
            raise HiermodelsError(f"x_kind must be 'cluster' or 'within', got {self.x_kind!r}.")
        if not isinstance(self.grid, dict):
            raise HiermodelsError("grid must be a dict such as {'clusters': [4, 8], 'rows': [5]}.")
        self.grid = {k: list(np.atleast_1d(v).tolist()) for k, v in self.grid.items()}
        for k in GRID_DESIGN_KEYS[:2]:
            if k not in self.grid:
                raise HiermodelsError(f"The study grid needs {k!r} (a list of integers).")
            for v in self.grid[k]:
                if int(v) != v or v < (2 if k == "clusters" else 1):
                    raise HiermodelsError(
                        f"grid[{k!r}] has {v!r}; use integers >= 2 clusters, >= 1 row."
                    )
        for name, low in (("replications", 1), ("batch_size", 1), ("draws", 1), ("chains", 1)):
            if int(getattr(self, name)) < low:
                raise HiermodelsError(f"{name} must be an integer >= {low}.")
        if not 0 < self.prob < 1 or not 0 < self.threshold < 1:
            raise HiermodelsError("prob and threshold must lie strictly between 0 and 1.")

    # ------------------------------------------------------------------ identity
    def to_dict(self) -> dict:
        d = asdict(self)
        d["methods"] = list(self.methods)
        return d

    def fingerprint(self) -> str:
        """Hash of everything that changes the results (used to refuse a mismatched resume)."""
        d = self.to_dict()
        d.pop("batch_size")  # batching changes the files, not the numbers
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]

    # ------------------------------------------------------------------ cells
    def cells(self) -> pd.DataFrame:
        """One row per grid cell (index ``cell``), in a fixed order."""
        keys = list(self.grid)
        rows = [
            dict(zip(keys, combo, strict=True)) for combo in itertools.product(*self.grid.values())
        ]
        out = pd.DataFrame(rows)
        out.index.name = "cell"
        return out

    def cell_values(self, cell: dict) -> dict:
        """Data-generating parameter values of a cell (grid over ``values`` over defaults)."""
        vals = {**DEFAULT_VALUES, **self.values}
        vals.update({k: v for k, v in cell.items() if k not in GRID_DESIGN_KEYS})
        return vals

    def seed_sequence(self, cell: int, rep: int | None = None) -> np.random.SeedSequence:
        key = (int(cell),) if rep is None else (int(cell), int(rep))
        return np.random.SeedSequence(int(self.seed), spawn_key=key)


def cell_frame(spec: StudySpec, cell_index: int, cell: dict) -> pd.DataFrame:
    """The synthetic data frame of a cell (placeholder response ``y``)."""
    K, m = int(cell["clusters"]), int(cell["rows"])
    g = np.repeat([f"c{k:03d}" for k in range(K)], m)
    if spec.x_kind == "cluster":
        x = np.repeat((np.arange(K) % 2).astype(float), m)
    else:
        rng = np.random.default_rng(spec.seed_sequence(cell_index))
        x = rng.standard_normal(K * m)
    n = np.full(K * m, int(spec.trials))
    y = (np.arange(K * m) % 2).astype(float)  # valid for every family; replaced by simulation
    return pd.DataFrame({"y": y, "x": x, "g": g, "n": n})


def cell_family(spec: StudySpec, cell: dict) -> str:
    """The cell's family: a ``family`` grid entry, else the study's."""
    return str(cell.get("family", spec.family))


def formula_for(spec: StudySpec, family: str) -> str:
    """The study's formula, with ``| trials(n)`` added for a binomial cell that lacks it."""
    f = spec.formula
    if family == "binomial" and "trials(" not in f:
        lhs, rhs = f.split("~", 1)
        return f"{lhs.strip()} | trials(n) ~{rhs}"
    return f


def template_model(spec: StudySpec, frame: pd.DataFrame, family: str | None = None):
    """The model on the placeholder data: gives the design for :func:`simulate`."""
    import warnings

    from hiermodels.api.model import Model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        family = family or spec.family
        return Model(formula_for(spec, family), frame, family=family, priors=spec.priors)
