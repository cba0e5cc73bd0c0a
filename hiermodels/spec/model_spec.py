"""What the user asked for, as a frozen, serialisable value.

A :class:`ModelSpec` plus the data rebuilds the model exactly; it is what
:meth:`hiermodels.Fit.save` stores next to the draws.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from hiermodels.errors import HiermodelsError

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
    """

    formula: str
    family: str = "gaussian"
    link: str | None = None
    priors: dict = field(default_factory=dict)
    parameterization: str | dict = "auto"
    dropna: bool = False

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
        return cls(**json.loads(text))
