"""Read a saved fit without trusting it: no reads of other files, nothing left open.

A netCDF-4 file is an HDF5 file, and HDF5 can point outside itself: a dataset's bytes may
live in another file (``external`` storage), be stitched from other files (virtual
datasets), or a link may name an object in another file (external links). A crafted
``fit.nc`` could use any of them to make ``hm.load`` read a local file (``/etc/passwd``,
an SSH key) into ``model.data``, which a later ``save`` or report would copy on. The policy:

* external storage, virtual datasets and external links are refused before xarray reads
  anything (:func:`check_hdf5`);
* ``hiermodels_*`` attributes and the attributes of hiermodels' own groups must be ones
  hiermodels writes (:data:`KNOWN_ATTRS`); anything else is refused, so nothing unknown
  rides along into reports or later saves;
* the file is read into memory and *closed* (:func:`read_idata`), so ``hm.load(p).save(p)``
  can replace it.

Values are still only data: the model spec is parsed as JSON by the loader and goes through
the same formula safety gate as user input.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from hiermodels.errors import HiermodelsError

#: Attributes hiermodels writes, per group ("*" = any group, for ``hiermodels_*`` names).
KNOWN_ATTRS: dict[str, set[str]] = {
    "*": {
        "hiermodels_spec",
        "hiermodels_version",
        "hiermodels_sampler",
        "hiermodels_wall_time",
        "hiermodels_report",
        "hiermodels_interrupted",
        "hiermodels_residual",  # residual structure of a Gaussian model (issue 13)
        "hiermodels_residual_sigma_by",
    },
    "hiermodels_data": {"categories", "kinds", "columns", "ordered", "names", "version"},
    "hiermodels_meta": {
        "args",
        "labels",
        "tau_prior",
        "settings",
        "sampling_time",
        "backend",
        "hiermodels_version",
        "categories",
        "kinds",
        "columns",
        "ordered",
        "names",
        "version",
    },
}


class UnsafeFileError(HiermodelsError):
    """A saved file points outside itself or carries attributes hiermodels never writes."""


def check_hdf5(path) -> None:
    """Refuse HDF5 features that read other files; raise :class:`UnsafeFileError`.

    Raises a :class:`~hiermodels.errors.HiermodelsError` when ``path`` is not an HDF5
    (netCDF-4) file at all.
    """
    import h5py

    path = Path(path)
    if not h5py.is_hdf5(path):
        raise HiermodelsError(
            f"{path} is not a netCDF file written by hiermodels (fit.save() writes one)."
        )
    problems: list[str] = []
    try:
        h = h5py.File(path, "r")
    except OSError as err:  # truncated or otherwise damaged
        raise HiermodelsError(
            f"{path} cannot be read: it is damaged or incomplete ({' '.join(str(err).split())[:160]}). "
            "Was the save interrupted? Save the fit again."
        ) from err
    with h:

        def visit(name, link):
            if isinstance(link, h5py.ExternalLink):
                problems.append(f"{name!r} is an external link to {link.filename!r}")
            elif isinstance(link, h5py.SoftLink):
                problems.append(f"{name!r} is a soft link")

        h.visititems_links(visit)
        if problems:
            _refuse(path, problems)

        def item(name, obj):
            if isinstance(obj, h5py.Dataset):
                if obj.external:
                    files = sorted({str(e[0]) for e in obj.external})
                    problems.append(f"{name!r} is stored in external file(s) {files}")
                if obj.is_virtual:
                    problems.append(f"{name!r} is a virtual dataset built from other files")

        h.visititems(item)
    if problems:
        _refuse(path, problems)


def _refuse(path, problems: list[str]) -> None:
    raise UnsafeFileError(
        f"Refusing to load {path}: {'; '.join(problems[:5])}. hiermodels never writes such "
        "files; a file like this can make the loader read other files on this machine."
    )


def check_attrs(path, groups: dict) -> None:
    """Refuse unknown ``hiermodels_*`` attributes and unknown attributes of our groups."""
    bad = []
    for name, ds in groups.items():
        allowed = KNOWN_ATTRS["*"] | KNOWN_ATTRS.get(name, set())
        for key in ds.attrs:
            ours = name in KNOWN_ATTRS or str(key).startswith("hiermodels")
            if ours and key not in allowed:
                bad.append(f"{name}.{key}")
    if bad:
        raise UnsafeFileError(
            f"Refusing to load {path}: unknown attribute(s) {bad[:5]}. They were not written "
            "by hiermodels; remove them or save the fit again with fit.save()."
        )


def read_idata(path):
    """Check ``path`` (:func:`check_hdf5`), read every group into memory and close it.

    Returns
    -------
    arviz.InferenceData
        Fully loaded: no file handle stays open.
    """
    import arviz as az

    path = Path(path)
    check_hdf5(path)
    try:
        with az.rc_context({"data.load": "eager"}), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            idata = az.from_netcdf(str(path))
    except Exception as err:  # a damaged or foreign netCDF file
        raise HiermodelsError(
            f"{path} is not a netCDF file written by hiermodels (or it is damaged): "
            f"{' '.join(str(err).split())[:200]}"
        ) from err
    check_attrs(path, {"/": idata, **{g: getattr(idata, g) for g in idata.groups()}})
    return idata
