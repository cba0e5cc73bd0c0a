"""Where a TOML spec may read its data from: its own folder, unless told otherwise.

A spec file is something people download, share and run. ``data = "../../x.csv"`` or
``data = "/home/me/.ssh/id_rsa"`` would make ``hiermodels fit spec.toml`` read a file the
spec's author chose, embed it in ``fit.nc`` and quote it in error messages (a missing
column error lists the header, i.e. the file's first line). The policy:

* ``data`` is a bundled dataset name, or the path of a ``.csv`` file **relative to the
  spec's folder**, inside that folder or below it;
* absolute paths and paths that leave the folder (``..``, or a symbolic link pointing out)
  are refused unless the caller opts in: ``hiermodels fit --allow-data-outside`` on the
  command line, ``allow_outside=True`` in Python;
* only ``.csv`` files are read, whatever the flag.
"""

from __future__ import annotations

from pathlib import Path

from hiermodels.errors import SpecError

FLAG = "--allow-data-outside"


def resolve_data_path(ref: str, spec_folder, allow_outside: bool = False, names=()) -> Path:
    """The CSV file ``data = ref`` of a spec in ``spec_folder`` may read.

    Raises
    ------
    SpecError
        Naming ``ref`` and the fix: for an absolute path or one outside the spec's folder
        (unless ``allow_outside``), a file that is not ``.csv``, or one that does not exist
        (the message then lists ``names``, the bundled datasets).
    """
    if not isinstance(ref, str) or not ref.strip():
        raise SpecError(f"data = {ref!r} must name a bundled dataset or a CSV file.")
    base = Path(spec_folder).resolve()
    raw = Path(ref).expanduser() if ref.startswith("~") else Path(ref)
    if raw.is_absolute() and not allow_outside:
        raise SpecError(
            f"data = {ref!r} is an absolute path; a spec reads data relative to its own "
            f"folder ({base}). Copy the CSV next to the spec and write its name, or pass "
            f"{FLAG} to read files elsewhere."
        )
    target = (base / raw).resolve()
    if not allow_outside and not target.is_relative_to(base):
        raise SpecError(
            f"data = {ref!r} points outside the spec's folder ({base}) via '..' or a link; "
            f"move the CSV into that folder, or pass {FLAG} to read files elsewhere."
        )
    if target.suffix.lower() != ".csv":
        raise SpecError(
            f"data = {ref!r} is not a .csv file; a spec reads CSV files or bundled datasets."
        )
    if not target.is_file():
        what = (
            f"neither a bundled dataset ({', '.join(names)}) nor an existing CSV file"
            if names
            else "not an existing CSV file"
        )
        raise SpecError(f"data = {ref!r} is {what} (looked for {target}).")
    return target
