"""A :class:`~hiermodels.spec.prior.Prior` as a PyMC random variable."""

from __future__ import annotations

import pymc as pm


def pymc_prior(prior, name: str, **kwargs):
    """Create the PyMC random variable of ``prior`` (inside a model context)."""
    return getattr(pm, prior.dist)(name, **prior.params, **kwargs)
