"""Layer 2 - data: design arrays from a formula and a DataFrame (:mod:`.design`; never a dense
N x J matrix) and the bundled datasets (:mod:`.datasets`)."""
