"""``Trace``: the groups of an ``arviz.InferenceData``, built into one only when asked.

``import arviz`` (0.23) costs 1-2 s in a fresh process (matplotlib, arviz-base/-stats/-plots,
a numba ufunc compiled at import), more than sampling a small model. A fit, its checks and
its summary need only the groups (xarray Datasets), so the kernel samplers return a
``Trace``: it answers what hiermodels reads of an InferenceData (``trace.posterior``,
``trace["sample_stats"]``, ``"name" in trace``, ``groups()``, ``add_groups``, ``del``) from
the Datasets themselves, and :meth:`Trace.to_arviz` builds the real InferenceData on first
need by replaying what was done (the constructor's groups, then every ``add_groups``,
deletion and replacement, in order), so it is the object the eager code built. From then on
every operation goes to that InferenceData, and anything else a ``Trace`` is asked (a method
such as ``to_netcdf``, ``copy``, ``sel``) builds it and forwards there. ``hm.Fit.idata``
is that InferenceData; ``hm.Fit.trace`` the ``Trace``.
"""

from __future__ import annotations

import warnings

# arviz 0.23's InferenceData schema (SUPPORTED_GROUPS_ALL) and hiermodels' own group: a
# missing one is an AttributeError, as on an InferenceData, without building one to say so.
_GROUP_NAMES = frozenset(
    {
        "posterior",
        "posterior_predictive",
        "predictions",
        "log_likelihood",
        "log_prior",
        "sample_stats",
        "observed_data",
        "constant_data",
        "predictions_constant_data",
        "unconstrained_posterior",
        "prior",
        "prior_predictive",
        "sample_stats_prior",
        "rao_blackwell",
    }
)


def _is_group_name(name: str) -> bool:
    return name in _GROUP_NAMES or name.removeprefix("warmup_") in _GROUP_NAMES


class Trace:
    """Named xarray Datasets (posterior, sample_stats, ...) that become an InferenceData on
    demand; see the module docstring. ``Trace(**groups)`` mirrors
    ``az.InferenceData(**groups)``."""

    def __init__(self, **groups):
        object.__setattr__(self, "_idata", None)
        object.__setattr__(self, "_ops", [("init", dict(groups))])
        object.__setattr__(self, "_groups", {k: v for k, v in groups.items() if _truthy(v)})

    @classmethod
    def of(cls, idata) -> Trace:
        """``idata`` itself if it is a Trace, else a Trace forwarding to that InferenceData."""
        if isinstance(idata, cls):
            return idata
        t = cls.__new__(cls)
        object.__setattr__(t, "_idata", idata)
        object.__setattr__(t, "_ops", None)
        object.__setattr__(t, "_groups", None)
        return t

    @property
    def built(self) -> bool:
        """Whether the InferenceData exists (then every operation goes to it)."""
        return self._idata is not None

    def to_arviz(self):
        """The ``arviz.InferenceData`` of these groups (built once, then always the same)."""
        if self._idata is None:
            import arviz as az

            (_, init), *rest = self._ops
            idata = az.InferenceData(**init)
            for op, *args in rest:
                if op == "add":
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        idata.add_groups(args[0])
                elif op == "del":
                    del idata[args[0]]
                else:  # "set"
                    setattr(idata, args[0], args[1])
            object.__setattr__(self, "_idata", idata)
            object.__setattr__(self, "_ops", None)
            object.__setattr__(self, "_groups", None)
        return self._idata

    # ------------------------------------------------------------ the InferenceData subset
    def groups(self) -> list[str]:
        return list(self._idata.groups() if self.built else self._groups)

    def __contains__(self, name) -> bool:
        return name in self._idata if self.built else name in self._groups

    def __iter__(self):
        return iter(self.groups())

    def __len__(self) -> int:
        return len(self.groups())

    def __getitem__(self, name: str):
        if self.built:
            return self._idata[name]
        if name not in self._groups:
            raise KeyError(name)
        return self._groups[name]

    def __delitem__(self, name: str) -> None:
        if self.built:
            del self._idata[name]
            return
        if name not in self._groups:
            raise AttributeError(name)
        del self._groups[name]
        self._ops.append(("del", name))

    def add_groups(self, group_dict=None, **kwargs):
        """As ``InferenceData.add_groups`` for Datasets; anything else builds the InferenceData."""
        import xarray as xr

        group_dict = dict(group_dict or {}, **kwargs)
        if self.built or not all(isinstance(v, xr.Dataset) for v in group_dict.values()):
            return self.to_arviz().add_groups(group_dict)
        if not group_dict:
            raise ValueError("One of group_dict or kwargs must be provided.")
        repeated = [g for g in group_dict if g in self._groups]
        if repeated:
            raise ValueError(f"{repeated} group(s) already exists.")
        self._ops.append(("add", group_dict))
        self._groups.update({k: v for k, v in group_dict.items() if _truthy(v)})
        return None

    def __getattr__(self, name: str):
        # only called for names not found normally: never for _idata/_ops/_groups once set
        if name.startswith("_"):
            raise AttributeError(name)
        if self._idata is None:
            if name in self._groups:
                return self._groups[name]
            if _is_group_name(name):
                raise AttributeError(f"'Trace' object has no attribute '{name}'")
        return getattr(self.to_arviz(), name)

    def __setattr__(self, name: str, value) -> None:
        if self.built:
            setattr(self._idata, name, value)
        elif name in self._groups:
            self._groups[name] = value
            self._ops.append(("set", name, value))
        else:
            setattr(self.to_arviz(), name, value)

    def __delattr__(self, name: str) -> None:  # ``del trace.posterior_predictive``
        if not self.built and name in self._groups:
            del self[name]
        else:
            delattr(self.to_arviz(), name)

    def __repr__(self) -> str:
        if self.built:
            return repr(self._idata)
        return f"Trace (InferenceData not built yet) with groups: {', '.join(self._groups)}"


def _truthy(ds) -> bool:
    """InferenceData keeps a group only if its Dataset is non-empty (``if dataset:``)."""
    return ds is not None and bool(ds)
