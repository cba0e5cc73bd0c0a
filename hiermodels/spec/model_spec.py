"""What the user asked for, as a frozen, serialisable value.

A :class:`ModelSpec` plus the data rebuilds the model exactly; it is what
:meth:`hiermodels.Fit.save` stores next to the draws.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields

from hiermodels.errors import HiermodelsError, SpecError

PARAMETERIZATIONS = ("noncentered", "centered", "collapsed", "auto")


@dataclass(frozen=True)
class ModelSpec:
    """A multilevel model specification.

    Attributes
    ----------
    formula : str
        lme4/brms formula.
    family, link : str
        Likelihood family and link (``None`` = canonical).
    priors : dict
        User prior overrides as text (``{"b": "Normal(0, 10)"}``).
    parameterization : str or dict
        ``"auto"`` (collapsed where it applies, else non-centred), ``"noncentered"``,
        ``"centered"``, ``"collapsed"``, or a dict factor -> centred/noncentred.
    dropna : bool
        Drop rows with missing values (with a warning) instead of raising.
    residual, sigma : str or None
        Gaussian residual structure (``"ar1(time | unit)"``...) and varIdent factor
        (``"~ 0 + C(age)"``); see :mod:`hiermodels.spec.residual`.
    zi : str or None
        The zero-inflation / hurdle formula (``"~ spp + mined"``) of a family with a second
        linear predictor; ``None`` means ``"~ 1"`` for such a family.
    weights : str or None
        Column of observation weights (each row's log-likelihood multiplied, brms
        ``weights()``).
    """

    formula: str
    family: str = "gaussian"
    link: str | None = None
    priors: dict = field(default_factory=dict)
    parameterization: str | dict = "auto"
    dropna: bool = False
    residual: str | None = None
    sigma: str | None = None
    zi: str | None = None
    weights: str | None = None

    def __post_init__(self):
        par = self.parameterization
        vals = par.values() if isinstance(par, dict) else [par]
        for v in vals:
            if v not in PARAMETERIZATIONS:
                raise HiermodelsError(
                    f"parameterization must be one of {PARAMETERIZATIONS} (or a dict of factor -> "
                    f"'centered'/'noncentered'), got {v!r}."
                )

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> ModelSpec:
        """The spec :meth:`to_json` wrote; a damaged or foreign one is a clear error."""
        try:
            d = json.loads(text)
        except (TypeError, ValueError) as err:
            raise SpecError(f"The saved model spec is not valid JSON ({err}).") from err
        if not isinstance(d, dict):
            raise SpecError(f"The saved model spec must be a JSON object, got {type(d).__name__}.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise SpecError(
                f"The saved model spec has unknown keys {unknown}; known: {sorted(known)}. "
                "Was the file written by a newer hiermodels, or edited?"
            )
        try:
            return cls(**d)
        except TypeError as err:  # a required key is missing
            raise SpecError(f"The saved model spec is incomplete: {err}.") from err
