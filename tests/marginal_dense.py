"""Dense references for the fully marginal Gaussian kernels (tests only).

The model built as hiermodels builds it, and log N(y | Xm, X D^2 X' + Z G Z' + sigma^2 I)
from the full N x N covariance (SciPy): the independent answer ``test_marginal.py`` and
``test_marginal_one.py`` compare the block-elimination and one-factor kernels with.
"""

import numpy as np
from scipy import stats

import hiermodels as hm
from hiermodels.backends.kernels.marginal_data import fixed_design, marginal_data, marginal_layout


def setup_marginal(formula, df):
    m = hm.Model(formula, df)
    lay = marginal_layout(m)
    return m, lay, marginal_data(m, lay)


def full_Z(g):
    Z = np.zeros((len(g.codes), g.n_levels * g.q))
    for a in range(g.q):
        Z[np.arange(len(g.codes)), g.codes * g.q + a] = g.Z[:, a]
    return Z


def dense(m, data, Ls, sigma):
    """Dense prior mean/cov of gamma = (b_1..b_F, beta), design W = [Z X], and y."""
    d = m.design
    W = np.column_stack([full_Z(g) for g in d.groups] + [fixed_design(m)])
    blocks = [np.kron(np.eye(g.n_levels), L @ L.T) for g, L in zip(d.groups, Ls, strict=True)]
    nb = sum(b.shape[0] for b in blocks)
    cov = np.zeros((W.shape[1], W.shape[1]))
    k = 0
    for b in blocks:
        cov[k : k + len(b), k : k + len(b)] = b
        k += len(b)
    cov[nb:, nb:] = np.diag(data["svec"] ** 2)
    mean = np.r_[np.zeros(nb), data["mvec"]]
    return mean, cov, W, d.y


def dense_loglik(m, data, Ls, sigma):
    mean, cov, W, y = dense(m, data, Ls, sigma)
    V = W @ cov @ W.T + sigma**2 * np.eye(len(y))
    return stats.multivariate_normal(W @ mean, V).logpdf(y)
