"""Formula + DataFrame -> the arrays a multilevel model needs.

Population-level part: ``X`` (N x p) with column names (``Intercept`` first when
present). Group-level part, per grouping factor: integer level ``codes`` (N,) and the
per-term columns ``Z`` (N x q). The N x J indicator matrix is never formed, so memory
is O(N q) whatever the number of levels J.

The design remembers formulae's fitted transforms (category levels, centring means),
so :meth:`Design.new_data` builds the same columns for new rows. No PyMC here.

A family with a second linear predictor (zero-inflated, hurdle) also gets ``X_zi``
(N x p_zi, names ``zi_names``, ``Intercept`` first unless ``0 +``) from its ``zi=``
formula (``"~ spp + mined"``; fixed effects only); ``weights=`` names a column of positive
observation weights (``Design.weights``).
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hiermodels.data.checks import (  # noqa: F401  (_used_columns: used by derive/grid)
    _as_frame,
    _check_columns,
    _check_finite,
    _used_columns,
)
from hiermodels.data.factors import (
    _level_order,
    _restore_categories,
    factor_labels,
    formulae_frame,
)
from hiermodels.errors import DataError, FormulaError, HiermodelsWarning
from hiermodels.spec.formula import (
    ParsedFormula,
    parse_formula,
    safe_environment,
    suggest,
)
from hiermodels.spec.formulae_import import import_formulae


def safe_name(label: str) -> str:
    """A label usable as a PyMC variable / netCDF dimension name (``a:b`` -> ``a__b``)."""
    s = re.sub(r"[^0-9A-Za-z_]", "_", str(label).replace(":", "__"))
    return "group_" if s == "group" else s


@dataclass
class GroupDesign:
    """Design of one grouping factor (all its terms).

    Attributes
    ----------
    name : str
        The factor as written, e.g. ``"Subject"`` or ``"batch:cask"``.
    levels : list of str
        Level labels in code order.
    codes : ndarray (N,)
        Level index of each row.
    terms : list of str
        Term (column) names, e.g. ``["Intercept", "Days"]``.
    Z : ndarray (N, q)
        The group-level predictor columns.
    blocks : list of tuple of int
        Partition of the term indices into correlation blocks.
    correlated : list of bool
        Whether each block has a free correlation matrix (LKJ) or is diagonal.
    parent : str or None
        For nested factors (``a/b``), the enclosing factor.
    """

    name: str
    levels: list[str]
    codes: np.ndarray
    terms: list[str]
    Z: np.ndarray
    blocks: list[tuple[int, ...]]
    correlated: list[bool]
    parent: str | None = None
    exprs: list[str] = field(default_factory=list)

    @property
    def dim(self) -> str:
        """Dimension name of the levels in the InferenceData."""
        return safe_name(self.name)

    @property
    def term_dim(self) -> str:
        return f"{self.dim}__term"

    @property
    def n_levels(self) -> int:
        return len(self.levels)

    @property
    def q(self) -> int:
        return len(self.terms)

    def counts(self) -> np.ndarray:
        """Rows per level."""
        return np.bincount(self.codes, minlength=self.n_levels)


@dataclass
class Design:
    """Everything the model builder needs, as NumPy arrays."""

    parsed: ParsedFormula
    data: pd.DataFrame
    y: np.ndarray
    X: np.ndarray
    fixed_names: list[str]
    groups: list[GroupDesign]
    trials: np.ndarray | None = None
    offset: np.ndarray | None = None
    response_levels: tuple | None = None
    _dm: object = None
    _group_dms: dict = field(default_factory=dict)
    X_zi: np.ndarray | None = None
    zi_names: list[str] = field(default_factory=list)
    zi_formula: str | None = None
    weights: np.ndarray | None = None
    weights_column: str | None = None
    _dm_zi: object = None
    response_categories: list | None = None  # ordinal families: the K category labels
    drop_intercept: bool = False  # ordinal: thresholds replace the Intercept column

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def response(self) -> str:
        return self.parsed.response

    @property
    def has_intercept(self) -> bool:
        return bool(self.fixed_names) and self.fixed_names[0] == "Intercept"

    def group(self, name: str) -> GroupDesign:
        for g in self.groups:
            if name in (g.name, g.dim):
                return g
        raise DataError(
            f"No grouping factor {name!r} in this model; it has "
            f"{[g.name for g in self.groups]}.{suggest(name, [g.name for g in self.groups])}"
        )

    def new_data(self, newdata: pd.DataFrame, allow_new_levels: bool = False) -> dict:
        """Design arrays for new rows: X, offset, and per factor codes (-1 = new level) and Z."""
        newdata = _as_frame(newdata, "newdata")
        if len(newdata) == 0:
            raise DataError("newdata has no rows; give at least one row to predict for.")
        used = _check_columns(self.parsed, newdata, response=False)
        _check_finite(newdata, used, "newdata", dropna=False)
        nd = _restore_categories(newdata, self.data)
        X = np.asarray(np.asarray(self._dm.common.evaluate_new_data(nd)), dtype=float)
        if self.drop_intercept:
            X = X[:, 1:]
        out = {"X": X, "offset": _offset(self.parsed, nd), "groups": {}}
        if self._dm_zi is not None:
            out["X_zi"] = np.asarray(np.asarray(self._dm_zi.evaluate_new_data(nd)), dtype=float)
        elif self.X_zi is not None:  # "~ 1"
            out["X_zi"] = np.ones((len(nd), 1))
        for g in self.groups:
            labels = factor_labels(nd, g.name)
            lookup = {lev: i for i, lev in enumerate(g.levels)}
            codes = np.array([lookup.get(lab, -1) for lab in labels], dtype=np.int64)
            if not allow_new_levels and np.any(codes < 0):
                bad = sorted(set(np.asarray(labels)[codes < 0]))[:5]
                raise DataError(
                    f"newdata has levels of {g.name!r} not seen in fitting: {bad}. Pass "
                    "groups='new' to predict for new clusters drawn from the population, or "
                    "groups='typical' for a cluster with zero deviation."
                )
            Z = np.column_stack(
                [_eval_group_expr(expr, nd, self._group_dms[(g.name, expr)]) for expr in g.exprs]
            )
            out["groups"][g.name] = {"codes": codes, "Z": Z}
        return out


# --------------------------------------------------------------------------- helpers
def _eval_group_expr(expr: str, data: pd.DataFrame, dm) -> np.ndarray:
    if dm is None:
        return np.ones((len(data), 1))
    return np.asarray(np.asarray(dm.evaluate_new_data(data)), dtype=float)


def _eval_expr(expr: str, data: pd.DataFrame, what: str) -> np.ndarray:
    """Evaluate a single-column expression (response, trials, offset) safely."""
    design_matrices = import_formulae().design_matrices  # without scipy.interpolate

    try:
        dm = design_matrices(f"0 + {expr}", data, na_action="pass", env=safe_environment())
        arr = np.asarray(np.asarray(dm.common), dtype=float)
    except Exception as err:
        raise FormulaError(f"Could not evaluate the {what} {expr!r}: {err}") from err
    if arr.ndim != 2 or arr.shape[1] != 1:
        raise FormulaError(
            f"The {what} {expr!r} must be one numeric column (a factor gives several); "
            "convert it to numbers first."
        )
    return arr[:, 0]


def _offset(parsed: ParsedFormula, data: pd.DataFrame) -> np.ndarray | None:
    if not parsed.offsets:
        return None
    total = np.zeros(len(data))
    for expr in parsed.offsets:
        with np.errstate(divide="ignore", invalid="ignore"):
            val = _eval_expr(expr, data, "offset")
        if not np.all(np.isfinite(val)):
            bad = int(np.sum(~np.isfinite(val)))
            hint = " (log of a zero or negative exposure?)" if "log" in expr else ""
            raise DataError(f"offset({expr}) is not finite in {bad} rows{hint}; fix those rows.")
        total += val
    return total


def _response(parsed: ParsedFormula, data: pd.DataFrame) -> tuple[np.ndarray, tuple | None]:
    name = parsed.response
    if name in data.columns:
        col = data[name]
        if col.dtype == bool:
            return col.to_numpy(dtype=float), (False, True)
        if not pd.api.types.is_numeric_dtype(col):
            levels = pd.unique(col.dropna())
            if isinstance(col.dtype, pd.CategoricalDtype):
                levels = [c for c in col.cat.categories if c in set(levels)]
            else:
                levels = sorted(levels, key=str)
            if len(levels) == 2:
                return (col == levels[1]).to_numpy(dtype=float), tuple(levels)
            raise DataError(
                f"The response {name!r} is not numeric (dtype {col.dtype}, {len(levels)} distinct "
                "values); convert it to numbers, or give a two-level column for a Bernoulli model."
            )
        return col.to_numpy(dtype=float), None
    return _eval_expr(name, data, "response"), None


# --------------------------------------------------------------------------- main entry
def make_design(
    formula: str,
    data,
    dropna: bool = False,
    zi: str | None = None,
    weights: str | None = None,
    ordinal_response=None,
) -> Design:
    """Build the :class:`Design` of ``formula`` on ``data``.

    Parameters
    ----------
    formula : str
        lme4/brms formula (see :func:`hiermodels.spec.formula.parse_formula`).
    data : pandas.DataFrame
    dropna : bool
        Drop rows with missing values in the used columns (with a warning giving the
        count) instead of raising.
    zi : str, optional
        Right-hand side of a second (zero-inflation / hurdle) linear predictor, e.g.
        ``"~ spp + mined"`` or ``"~ 1"``; through the same safety gate; fixed effects only.
    weights : str, optional
        A column of positive, finite observation weights.
    ordinal_response : callable, optional
        An ordinal family's ``prepare_response(values, response) -> (codes, labels)``: the
        response becomes category codes 0..K-1 (``Design.response_categories`` the labels)
        and the Intercept column is dropped (the thresholds replace it; the other columns
        keep the coding they have with an intercept, as brms and ordinal::clm).

    Raises
    ------
    DataError, FormulaError
        Unknown columns, missing values, empty data, a one-level grouping factor, a
        random slope that never varies within a group, collinear fixed effects.
    """
    design_matrices = import_formulae().design_matrices  # without scipy.interpolate

    data = _as_frame(data)
    parsed = parse_formula(formula, data.columns)
    if len(data) == 0:
        raise DataError("The data have no rows.")
    used = _check_columns(parsed, data)
    parsed_zi = _parse_zi(zi, data.columns) if zi is not None else None
    if parsed_zi is not None:
        used = used + [c for c in _check_columns(parsed_zi, data, response=False) if c not in used]
    if weights is not None:
        _check_weights_column(weights, data)
        if weights not in used:
            used = [*used, weights]
    nan_rows = data[used].isna().any(axis=1)
    if nan_rows.any():
        bad_cols = [c for c in used if data[c].isna().any()]
        if not dropna:
            raise DataError(
                f"Missing values (NaN) in column(s) {bad_cols}: {int(nan_rows.sum())} rows. "
                "Remove or impute them, or pass dropna=True to drop those rows."
            )
        warnings.warn(
            f"Dropped {int(nan_rows.sum())} of {len(data)} rows with missing values in {bad_cols}.",
            HiermodelsWarning,
            stacklevel=3,
        )
        data = data.loc[~nan_rows]
        if len(data) == 0:
            raise DataError("No rows are left after dropping missing values.")
    _check_finite(data, used, "the data", dropna=True)
    if len(data) < 2:
        raise DataError("The data have only one row; a model needs at least two rows.")
    data = data.reset_index(drop=True)

    categories = None
    if ordinal_response is not None:
        col = (
            data[parsed.response]
            if parsed.response in data.columns
            else _eval_expr(parsed.response, data, "response")
        )
        y, categories = ordinal_response(col, parsed.response)
        y, response_levels = np.asarray(y, dtype=float), None
    else:
        y, response_levels = _response(parsed, data)
    trials = _eval_expr(parsed.trials, data, "trials()") if parsed.trials else None
    env = safe_environment()
    try:
        dm = design_matrices(parsed.fixed, formulae_frame(data), na_action="error", env=env)
    except Exception as err:
        raise FormulaError(f"Could not build the fixed effects {parsed.fixed!r}: {err}") from err
    if dm.common is None:
        X, names = np.zeros((len(data), 0)), []
    else:
        X = np.asarray(np.asarray(dm.common), dtype=float)
        names = list(dm.common.as_dataframe().columns)
    drop = ordinal_response is not None and bool(names) and names[0] == "Intercept"
    if drop:
        X, names = X[:, 1:], names[1:]
    _check_rank(X, names)
    groups, group_dms = _make_groups(parsed, data, env)
    X_zi, zi_names, dm_zi = (None, [], None)
    if parsed_zi is not None:
        X_zi, zi_names, dm_zi = _zi_matrix(parsed_zi, data, env)
    w = _weights(weights, data) if weights is not None else None
    return Design(
        parsed=parsed,
        data=data,
        y=y,
        X=X,
        fixed_names=names,
        groups=groups,
        trials=trials,
        offset=_offset(parsed, data),
        response_levels=response_levels,
        _dm=dm,
        _group_dms=group_dms,
        X_zi=X_zi,
        zi_names=zi_names,
        zi_formula=None if parsed_zi is None else zi,
        weights=w,
        weights_column=weights,
        _dm_zi=dm_zi,
        response_categories=None if categories is None else list(categories),
        drop_intercept=drop,
    )


def _parse_zi(zi: str, columns) -> ParsedFormula:
    """The ``zi=`` formula (``"~ x + f"``) through the formula parser and safety gate."""
    if not isinstance(zi, str) or not zi.strip():
        raise FormulaError(f"zi must be a one-sided formula such as '~ spp + mined', got {zi!r}.")
    rhs = zi.strip()
    rhs = rhs[1:].strip() if rhs.startswith("~") else rhs
    if "~" in rhs or not rhs:
        raise FormulaError(
            f"zi={zi!r}: give only the right-hand side, e.g. zi='~ spp + mined' or zi='~ 1'."
        )
    parsed = parse_formula(f"zi ~ {rhs}", columns)
    if parsed.groups or parsed.offsets:
        raise FormulaError(
            f"zi={zi!r}: the zero-inflation formula takes fixed effects only (no group terms "
            "or offsets); write e.g. zi='~ spp + mined'."
        )
    return parsed


def _zi_matrix(parsed: ParsedFormula, data: pd.DataFrame, env):
    design_matrices = import_formulae().design_matrices  # without scipy.interpolate

    try:
        dm = design_matrices(parsed.fixed, formulae_frame(data), na_action="error", env=env)
    except Exception as err:
        raise FormulaError(f"Could not build the zi formula {parsed.fixed!r}: {err}") from err
    if dm.common is None:
        raise FormulaError(f"The zi formula {parsed.fixed!r} has no columns; use zi='~ 1'.")
    X = np.asarray(np.asarray(dm.common), dtype=float)
    names = list(dm.common.as_dataframe().columns)
    _check_rank(X, [f"zi: {n}" for n in names])
    return X, names, dm.common


def _check_weights_column(weights, data: pd.DataFrame) -> None:
    cols = [str(c) for c in data.columns]
    if not isinstance(weights, str) or weights not in cols:
        raise DataError(
            f"weights={weights!r} must name a column of the data.{suggest(str(weights), cols)}"
        )
    if not pd.api.types.is_numeric_dtype(data[weights]) or data[weights].dtype == bool:
        raise DataError(
            f"The weights column {weights!r} must be numeric (dtype {data[weights].dtype}); "
            "give positive numbers, one per row."
        )


def _weights(weights: str, data: pd.DataFrame) -> np.ndarray:
    w = data[weights].to_numpy(dtype=float)
    bad = ~np.isfinite(w) | (w <= 0)
    if np.any(bad):
        vals = sorted({float(v) for v in w[bad]}, key=str)[:5]
        raise DataError(
            f"The weights column {weights!r} must be positive and finite; found {vals} in "
            f"{int(bad.sum())} rows. Drop those rows or give them a positive weight."
        )
    return w


def _check_rank(X: np.ndarray, names: list[str]) -> None:
    if X.shape[1] == 0:
        return
    if np.linalg.matrix_rank(X) < X.shape[1]:
        # find a column that is a combination of the earlier ones
        for k in range(1, X.shape[1] + 1):
            if np.linalg.matrix_rank(X[:, :k]) < k:
                raise DataError(
                    f"The fixed-effect column {names[k - 1]!r} is a linear combination of "
                    f"{names[: k - 1]} (collinear or constant); drop it from the formula."
                )


def _make_groups(parsed: ParsedFormula, data: pd.DataFrame, env):
    design_matrices = import_formulae().design_matrices  # without scipy.interpolate

    groups: dict[str, GroupDesign] = {}
    dms = {}
    fdata = formulae_frame(data)
    for term in parsed.groups:
        expr = term.expr
        try:
            dm = design_matrices(expr, fdata, na_action="error", env=env).common
        except Exception as err:
            raise FormulaError(f"Could not build the group term {term}: {err}") from err
        if dm is None:
            raise FormulaError(f"The group term {term} has no columns; use (1 | {term.factor}).")
        Z = np.asarray(np.asarray(dm), dtype=float)
        tnames = list(dm.as_dataframe().columns)
        dms[(term.factor, expr)] = dm
        g = groups.get(term.factor)
        if g is None:
            levels = _level_order(data, term.factor)
            if len(levels) < 2:
                raise DataError(
                    f"The grouping factor {term.factor!r} has only {len(levels)} level; a "
                    "group-level effect needs at least 2 (and estimates are poor below ~5). "
                    "Drop the term or check the column."
                )
            lookup = {lev: i for i, lev in enumerate(levels)}
            codes = np.array([lookup[x] for x in factor_labels(data, term.factor)], dtype=np.int64)
            g = GroupDesign(
                term.factor, levels, codes, [], np.zeros((len(data), 0)), [], [], term.parent
            )
            groups[term.factor] = g
        dup = set(tnames) & set(g.terms)
        if dup:
            raise FormulaError(
                f"Term(s) {sorted(dup)} appear in more than one group term for {term.factor!r}."
            )
        start = g.q
        g.terms.extend(tnames)
        g.exprs.append(expr)
        g.Z = np.column_stack([g.Z, Z])
        idx = tuple(range(start, start + len(tnames)))
        if term.correlated and len(idx) > 1:
            g.blocks.append(idx)
            g.correlated.append(True)
        else:
            g.blocks.extend((i,) for i in idx)
            g.correlated.extend(False for _ in idx)
    for g in groups.values():
        _check_slopes_vary(g)
    return list(groups.values()), dms


def _check_slopes_vary(g: GroupDesign) -> None:
    """A random slope that is constant within every level duplicates the intercept."""
    if "Intercept" not in g.terms:
        return
    counts = g.counts()
    for k, term in enumerate(g.terms):
        if term == "Intercept":
            continue
        z = g.Z[:, k]
        s1 = np.bincount(g.codes, weights=z, minlength=g.n_levels)
        s2 = np.bincount(g.codes, weights=z * z, minlength=g.n_levels)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = s2 / counts - (s1 / counts) ** 2
        scale = max(float(np.var(z)), 1e-300)
        if np.all(var[counts > 0] <= 1e-10 * scale):
            raise DataError(
                f"The random slope {term!r} does not vary within any level of {g.name!r} (it is a "
                f"{g.name}-level predictor), so its slope cannot vary by {g.name}. Keep {term!r} "
                f"as a fixed effect and drop it from the ( ... | {g.name}) term."
            )
