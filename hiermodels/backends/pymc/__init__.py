"""The PyMC statement of a model: the readable graph, its priors and likelihoods."""
