"""Layer 5 - computing the posterior: the PyMC graph (:mod:`.pymc`), hiermodels' numba
kernels (:mod:`.kernels`), the version-checked nutpie adapter (:mod:`.nutpie_adapter`),
the public nutpie callback path (:mod:`.nuts`) and sampler settings (:mod:`.sample`).
The only layer that imports PyMC, pytensor or nutpie."""
