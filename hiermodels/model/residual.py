r"""The residual covariance of a Gaussian model, unit by unit, as arrays.

For unit :math:`u` with rows :math:`i, j` the model is

.. math::

    y_u \sim N(X_u\beta,\; V_u), \qquad
    V_u = Z_u\,(I \otimes G)\,Z_u^\top + D_u R_u D_u,

where :math:`D_u = \mathrm{diag}(\sigma\,\delta_{k(i)})` holds the residual SDs
(:math:`\delta_1 = 1`; varIdent), :math:`Z_u (I\otimes G) Z_u^\top` is the covariance of the
random effects (a factor equal to the unit or nested in it; :math:`[Z_u(I\otimes G)Z_u^\top]_{ij}
= [c_i = c_j]\, z_i^\top G z_j` with :math:`c_i` the row's level) and :math:`R_u` the
residual correlation of the structure:

* ``iid``: :math:`R_{ij} = [i=j]`;
* ``ar1``/``car1``: :math:`R_{ij} = \phi^{|t_i - t_j|}` (integer times or row order for
  AR(1), :math:`-1<\phi<1`; real times for CAR(1), :math:`0<\phi<1`);
* ``cs``: :math:`R_{ij} = \rho` for :math:`i\ne j`, :math:`-1/(n_{max}-1) < \rho < 1` (the
  bound keeps the largest unit's matrix positive definite);
* ``unstructured``: :math:`R_{ij} = \Omega_{a(i)a(j)}` with :math:`a(i)` the row's time level
  and :math:`\Omega` a free correlation matrix (LKJ prior).

Rows of different units are independent. Missing occasions simply leave rows out of a
unit's block; unbalanced units are handled the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hiermodels.errors import DataError, SpecError
from hiermodels.spec.residual import ResidualSpec, parse_residual, parse_sigma

KIND_CODE = {"iid": 0, "ar1": 1, "car1": 2, "cs": 3, "unstructured": 4}


@dataclass
class ResidualStructure:
    """Arrays describing the residual covariance, rows grouped by unit.

    Attributes
    ----------
    spec : ResidualSpec
    sigma_by : str or None
        Factor whose levels have their own residual SD.
    order : ndarray (N,)
        Row indices (into the design) grouped by unit, sorted by time within a unit (data
        order when there is no time column).
    ptr : ndarray (U+1,)
        ``order[ptr[u]:ptr[u+1]]`` are unit u's rows.
    unit_levels : list of str
    tval : ndarray (N,)
        Per row *in design order*: the time (AR/CAR), the time level index (UN), else 0.
    time_levels : list
        Levels of the time column (unstructured only).
    slev : ndarray (N,) of int
        Per row in design order: its residual-SD level.
    sigma_levels : list of str
    n_max : int
        Rows in the largest unit.
    """

    spec: ResidualSpec
    sigma_by: str | None
    order: np.ndarray
    ptr: np.ndarray
    unit_levels: list
    tval: np.ndarray
    slev: np.ndarray
    sigma_levels: list = field(default_factory=lambda: ["all"])
    time_levels: list = field(default_factory=list)
    n_max: int = 1

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def code(self) -> int:
        return KIND_CODE[self.kind]

    @property
    def n_corr(self) -> int:
        """Unconstrained correlation parameters."""
        if self.kind == "unstructured":
            m = len(self.time_levels)
            return m * (m - 1) // 2
        return 0 if self.kind == "iid" else 1

    @property
    def cs_lower(self) -> float:
        """Lower bound of rho under compound symmetry: -1/(n_max - 1)."""
        return -1.0 / max(self.n_max - 1, 1)

    @property
    def unit_sizes(self) -> np.ndarray:
        return np.diff(self.ptr)

    def correlation(self, t1, t2, par) -> float:
        """Model correlation of two residuals of one unit at times (or levels) t1, t2."""
        if t1 == t2:
            return 1.0
        if self.kind in ("ar1", "car1"):
            return float(par) ** abs(float(t1) - float(t2))
        if self.kind == "cs":
            return float(par)
        if self.kind == "unstructured":
            return float(np.asarray(par)[int(t1), int(t2)])
        return 0.0

    def describe_lines(self) -> list[str]:
        """The structure in words and math (for ``model.describe()``)."""
        u = self.spec.unit
        what = {
            "iid": "R = I (independent)",
            "ar1": f"R[i, j] = phi^|t_i - t_j|, t = {self.spec.time or 'row order'}, -1 < phi < 1",
            "car1": f"R[i, j] = phi^|t_i - t_j|, t = {self.spec.time} (continuous), 0 < phi < 1",
            "cs": f"R[i, j] = rho (i != j), {self.cs_lower:.3g} < rho < 1",
            "unstructured": f"R[i, j] = cor_residual[a(i), a(j)] over {self.spec.time} levels "
            f"{self.time_levels}",
        }[self.kind]
        sd = "sigma" if self.sigma_by is None else f"sigma · delta[{self.sigma_by}] (varIdent)"
        return [
            "",
            f"Residual covariance within {u or 'row'} ({len(self.unit_levels)} units, "
            f"up to {self.n_max} rows; random effects integrated out per unit)",
            f"  y_u ~ MvNormal(X_u beta + Z_u r_u, D_u R_u D_u), D = {sd}",
            f"  {what}",
        ]

    def prior_rows(self) -> list[dict]:
        """Rows of ``model.priors`` for the structure's parameters."""
        rows = []

        def add(param, cls, prior, source):
            rows.append(
                dict(parameter=param, prior=prior, source=source, user=False, **{"class": cls})
            )

        if self.kind == "ar1":
            add("phi", "phi", "Uniform(-1, 1)", "the stationary range (tanh transform)")
        elif self.kind == "car1":
            add("phi", "phi", "Uniform(0, 1)", "correlation at unit time lag (logit transform)")
        elif self.kind == "cs":
            add(
                "rho",
                "rho",
                f"Uniform({self.cs_lower:.4g}, 1)",
                "positive-definite range for the largest unit",
            )
        elif self.kind == "unstructured":
            add("cor_residual", "cor", "LKJ(eta=2)", "mild shrinkage of correlations toward 0")
        for lev in self.sigma_levels[1:]:
            add(
                f"sigma({self.sigma_by}={lev}) / sigma({self.sigma_by}={self.sigma_levels[0]})",
                "sigma",
                "LogNormal(0, 1)",
                "varIdent ratio to the first level",
            )
        return rows

    def with_prior_rows(self, table: pd.DataFrame) -> pd.DataFrame:
        """``model.priors`` with the structure's rows appended."""
        rows = pd.DataFrame(self.prior_rows())
        if not len(rows):
            return table
        return pd.concat([table, rows.set_index("parameter")[table.columns]])


def residual_structure(residual, sigma, family: str, design) -> ResidualStructure | None:
    """The structure of ``residual=``/``sigma=`` (``None`` when neither asks for one).

    Raises
    ------
    SpecError
        For a non-Gaussian family, or text that :mod:`hiermodels.spec.residual` rejects.
    """
    if residual is None and sigma is None:
        return None
    spec, by = parse_residual(residual), parse_sigma(sigma)
    if family != "gaussian":
        raise SpecError(
            f"residual=/sigma= describe Gaussian residuals; this model is {family}. Drop "
            "them or use family='gaussian'."
        )
    if spec.kind == "iid" and by is None and spec.unit is None:
        return None
    return build_residual(spec, by, design)


def _labels(data: pd.DataFrame, col: str, role: str, hint: str) -> np.ndarray:
    if col not in data.columns:
        raise DataError(f"The {role} column {col!r} named in {hint} is not in the data.")
    v = data[col]
    if v.isna().any():
        raise DataError(f"The {role} column {col!r} ({hint}) has missing values; drop them.")
    return v.to_numpy()


def _levels(values: np.ndarray) -> tuple[list, np.ndarray]:
    lev, codes = np.unique(values.astype(str), return_inverse=True)
    try:  # numeric-looking levels in numeric order
        num = np.array([float(x) for x in lev])
        idx = np.argsort(num, kind="stable")
        lev = lev[idx]
        codes = np.argsort(idx)[codes]
    except ValueError:
        pass
    return [str(x) for x in lev], codes.astype(np.int64)


def build_residual(spec: ResidualSpec, sigma_by: str | None, design) -> ResidualStructure:
    """Check ``spec`` against the data and the random effects, and build the arrays.

    Raises
    ------
    DataError, SpecError
        Unknown or incomplete columns, non-integer AR(1) times, repeated times in a unit,
        a random-effect factor that is not the unit nor nested in it.
    """
    data = design.data
    n = design.n
    hint = f"residual={spec.text!r}"
    if spec.kind == "iid" and spec.unit is None:
        ucodes = np.arange(n)
        unit_levels = [str(i) for i in range(n)]
        if design.groups:
            g = design.groups[0]
            unit_levels, ucodes = list(g.levels), np.asarray(g.codes)
    else:
        unit_levels, ucodes = _levels(_labels(data, spec.unit, "unit", hint))
    order = np.argsort(ucodes, kind="stable")
    counts = np.bincount(ucodes, minlength=len(unit_levels))
    ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    tval = np.zeros(n)
    time_levels: list = []
    if spec.kind in ("ar1", "car1") and spec.time is None:
        for u in range(len(unit_levels)):
            tval[order[ptr[u] : ptr[u + 1]]] = np.arange(counts[u])
    elif spec.time is not None:
        t = _labels(data, spec.time, "time", hint)
        if spec.kind == "unstructured":
            time_levels, tc = _levels(t)
            if len(time_levels) < 2:
                raise DataError(f"{hint}: the time column {spec.time!r} has one level.")
            tval = tc.astype(float)
        else:
            try:
                tval = np.asarray(t, dtype=float)
            except (TypeError, ValueError):
                raise DataError(
                    f"{hint}: the time column {spec.time!r} must be numeric for {spec.kind}."
                ) from None
            if spec.kind == "ar1" and not np.allclose(tval, np.round(tval)):
                raise DataError(
                    f"{hint}: AR(1) needs integer occasions in {spec.time!r}; for irregular "
                    f"real-valued times use 'car1({spec.time} | {spec.unit})'."
                )
        for u in range(len(unit_levels)):
            rows = order[ptr[u] : ptr[u + 1]]
            rows = rows[np.argsort(tval[rows], kind="stable")]  # time order (AR(1) kernel)
            order[ptr[u] : ptr[u + 1]] = rows
            tu = tval[rows]
            if len(np.unique(tu)) < len(tu):
                raise DataError(
                    f"{hint}: unit {unit_levels[u]!r} has two rows at the same {spec.time!r}; "
                    "each occasion may appear once per unit."
                )
    sigma_levels, slev = ["all"], np.zeros(n, dtype=np.int64)
    if sigma_by is not None:
        sigma_levels, slev = _levels(
            _labels(data, sigma_by, "sigma", f"sigma='~ 0 + C({sigma_by})'")
        )
        if len(sigma_levels) < 2:
            raise DataError(f"sigma=: the factor {sigma_by!r} has one level; drop sigma=.")
    _check_groups(design, ucodes, spec)
    n_max = int(counts.max()) if len(counts) else 1
    if spec.kind == "cs" and n_max < 2:
        raise DataError(f"{hint}: every unit has one row; there is no correlation to estimate.")
    return ResidualStructure(
        spec, sigma_by, order, ptr, unit_levels, tval, slev, sigma_levels, time_levels, n_max
    )


def _check_groups(design, ucodes, spec) -> None:
    if len(design.groups) > 1:
        raise SpecError(
            f"residual={spec.text!r} supports one random-effect factor (the unit or one nested "
            f"in it); this model has {len(design.groups)}: "
            f"{[g.name for g in design.groups]}. Drop the others."
        )
    for g in design.groups:
        if spec.kind == "iid":
            continue
        units_per_level = pd.Series(ucodes).groupby(np.asarray(g.codes)).nunique()
        if (units_per_level > 1).any():
            raise SpecError(
                f"The random effects of {g.name!r} cross the residual unit {spec.unit!r}: "
                f"integrating them per unit needs {g.name!r} to equal {spec.unit!r} or be "
                f"nested in it. Use residual='{spec.kind}(... | {g.name})'."
            )
