"""Pure-XLA kernels of the CSR operators (gather / segment-sum / scatter-add).

They are correct on every platform and are the fallback when no faster kernel applies. They
touch every stored entry (O(nnz) per call) rather than only the active rows.

Conventions shared by every kernel of the ``csrmv``/``csrmm`` operators: the matrix ``A`` is
given by its CSR storage ``(data, indices, indptr)`` of shape ``shape = (m, n)``; ``data`` has
one element (homogeneous weights) or ``nnz``. With ``transpose=False`` the kernel computes
``A @ x`` (``x``: ``[n]`` or ``[n, k]``), with ``transpose=True`` ``A.T @ x`` (``x``: ``[m]``
or ``[m, k]``), the event-driven direction (``spikes @ A``).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from .common import acc_dtype, as_values

__all__ = ["row_ids", "csr_matmul_xla", "csr_data_grad_xla", "csr_todense_xla"]


def row_ids(indptr: jax.Array, nnz: int) -> jax.Array:
    """The row of each stored entry (``[nnz]``), O(nnz + m), empty rows allowed."""
    if nnz == 0:
        return jnp.zeros((0,), indptr.dtype)
    bumps = jnp.zeros((nnz,), indptr.dtype).at[indptr[1:-1]].add(1, mode="drop")
    return jnp.cumsum(bumps)


def csr_matmul_xla(data, indices, indptr, x, *, shape, transpose, float_as_event):
    """``A @ x`` or ``A.T @ x`` for a vector or a matrix ``x`` (see the module docstring)."""
    m, n = shape
    nnz = indices.shape[0]
    dtype = data.dtype
    acc = acc_dtype(dtype)
    w = data.astype(acc)
    xv = as_values(x, float_as_event, acc)
    rows = row_ids(indptr, nnz)
    if x.ndim == 2:
        w = w[:, None]
    if transpose:
        vals = w * xv[rows]
        out = jnp.zeros((n, *x.shape[1:]), acc).at[indices].add(vals, mode="drop")
    else:
        vals = w * xv[indices]
        out = jax.ops.segment_sum(vals, rows, num_segments=m, indices_are_sorted=True)
    return out.astype(dtype)


def csr_data_grad_xla(ct, indices, indptr, x, *, shape, transpose, float_as_event, data_size):
    """Cotangent of ``data`` given the output cotangent ``ct`` (an SDDMM).

    Entry ``j`` (row ``r``, column ``c``) of ``A @ x`` contributes ``data[j] * x[c]`` to
    ``out[r]``, so its cotangent is ``ct[r] * x[c]`` (``ct[c] * x[r]`` for ``A.T @ x``), summed
    over the columns of a matrix ``x``, and over all entries for homogeneous data.
    """
    nnz = indices.shape[0]
    acc = acc_dtype(ct.dtype)
    xv = as_values(x, float_as_event, acc)
    ctv = ct.astype(acc)
    rows = row_ids(indptr, nnz)
    if transpose:
        prod = ctv[indices] * xv[rows]
    else:
        prod = ctv[rows] * xv[indices]
    if prod.ndim == 2:
        prod = prod.sum(axis=1)
    if data_size == 1:
        prod = prod.sum(keepdims=True)
    return prod.astype(ct.dtype)


def csr_todense_xla(data, indices, indptr, *, shape):
    """The dense ``[m, n]`` matrix (duplicate entries are summed); differentiable in ``data``."""
    m, n = shape
    nnz = indices.shape[0]
    rows = row_ids(indptr, nnz)
    vals = jnp.broadcast_to(data, (nnz,)) if data.shape[0] == 1 else data
    return jnp.zeros((m, n), data.dtype).at[rows, indices].add(vals, mode="drop")
