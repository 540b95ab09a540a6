"""Dense numpy references shared by the FixedProb tests (imported by name: ``conftest.py``
puts this folder on ``sys.path``)."""

import numpy as np


def dense_matrix(indices, weights, n_post):
    """W[i, indices[i, j]] += weights[i, j], in float64."""
    indices = np.asarray(indices)
    n_pre, n_conn = indices.shape
    w = np.broadcast_to(np.asarray(weights, np.float64), (n_pre, n_conn))
    dense = np.zeros((n_pre, n_post))
    np.add.at(dense, (np.repeat(np.arange(n_pre), n_conn), indices.ravel()), w.ravel())
    return dense


def unique_indices(rng, n_pre, n_post, n_conn):
    """Targets without repeats per row (Pallas interpret-mode atomic adds drop duplicates)."""
    return np.stack([rng.permutation(n_post)[:n_conn] for _ in range(n_pre)]).astype(np.int32)
