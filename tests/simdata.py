"""Simulated data with known truth for recovery tests."""

import numpy as np
import pandas as pd


def simulate_slopes(
    n_groups=40, n_per=12, seed=0, sd=(1.0, 0.5), rho=0.4, sigma=0.7, beta=(2.0, 1.0)
):
    """Correlated random intercepts and slopes with known truth."""
    rng = np.random.default_rng(seed)
    cov = np.array([[sd[0] ** 2, rho * sd[0] * sd[1]], [rho * sd[0] * sd[1], sd[1] ** 2]])
    u = rng.multivariate_normal([0, 0], cov, n_groups)
    g = np.repeat(np.arange(n_groups), n_per)
    x = rng.uniform(-1, 1, g.size)
    y = beta[0] + u[g, 0] + (beta[1] + u[g, 1]) * x + rng.normal(0, sigma, g.size)
    return pd.DataFrame({"y": y, "x": x, "g": pd.Categorical([f"g{k:02d}" for k in g])})
