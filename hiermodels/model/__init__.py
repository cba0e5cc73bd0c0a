"""Layer 4 - the one description of a model that every backend and derived quantity reads:
resolved priors (:mod:`.priors`), the unconstrained parameter layout (:mod:`.layout`) and
the posterior naming convention (:mod:`.names`)."""
