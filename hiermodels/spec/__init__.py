"""Layer 1 - what the user states: the formula and its safety gate (:mod:`.formula`), the
model specification (:mod:`.model_spec`) and a prior as written (:mod:`.prior`)."""
