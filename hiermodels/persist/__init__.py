"""Layer 7 - files: a fit to one netCDF file and back (:mod:`.netcdf`)."""
