"""Layer 8 - the facades users hold: :class:`.model.Model`, :class:`.fit.Fit` and
:func:`.load.load`."""
