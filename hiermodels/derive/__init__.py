"""Layer 6 - pure computations on posterior draws, the design and tables: summaries, tables,
predictions, effects, checks, residuals, shrinkage, variance, diagnostics, REML. Never
imports plotting."""
