"""numba CPU kernels of the CSR operators, called through XLA's typed FFI.

Imported only when the ``'numba'`` backend lowers an operator (this module imports numba).
Kernels (``data``: ``[1]`` homogeneous or ``[nnz]``; ``flag``: 0-d int32, 1 when non-zero
floats count as events):

- scatter ``A.T @ x``: for every active row ``i`` (``x[i] != 0``) add its weights at its column
  ids; boolean spikes are scanned eight bytes at a time, so silent stretches cost one load per
  eight rows. Matrix form: ``x[m, k]``, a row is skipped when all its ``k`` entries are zero.
- gather ``A @ x``: ``out[i] = sum_j data[j] * x[indices[j]]`` over the entries of row ``i``.

16-bit floats are computed in float32 (numba has no bfloat16). Indices are trusted: they are
bounds-checked where the matrix is built.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numba
import numpy as np

from ..numba_ffi import make_ffi_target
from .common import acc_dtype

__all__ = ["csr_matmul_numba"]

_JIT: dict[str, Any] = dict(cache=True, nogil=True, fastmath=False, boundscheck=False)


@numba.njit(**_JIT)
def _mv_scatter_bool_homo(x, indices, indptr, data, flag, out):
    out[:] = 0
    m = indptr.shape[0] - 1
    w = data[0]
    n8 = m // 8
    words = x[: n8 * 8].view(np.uint64)
    for k in range(n8):
        if words[k] != 0:
            for i in range(8 * k, 8 * k + 8):
                if x[i]:
                    for j in range(indptr[i], indptr[i + 1]):
                        out[indices[j]] += w
    for i in range(8 * n8, m):
        if x[i]:
            for j in range(indptr[i], indptr[i + 1]):
                out[indices[j]] += w


@numba.njit(**_JIT)
def _mv_scatter_bool_hetero(x, indices, indptr, data, flag, out):
    out[:] = 0
    m = indptr.shape[0] - 1
    n8 = m // 8
    words = x[: n8 * 8].view(np.uint64)
    for k in range(n8):
        if words[k] != 0:
            for i in range(8 * k, 8 * k + 8):
                if x[i]:
                    for j in range(indptr[i], indptr[i + 1]):
                        out[indices[j]] += data[j]
    for i in range(8 * n8, m):
        if x[i]:
            for j in range(indptr[i], indptr[i + 1]):
                out[indices[j]] += data[j]


@numba.njit(**_JIT)
def _mv_scatter_float_homo(x, indices, indptr, data, flag, out):
    out[:] = 0
    m = indptr.shape[0] - 1
    event = flag[()] != 0
    for i in range(m):
        v = x[i]
        if v != 0:
            w = data[0] if event else data[0] * v
            for j in range(indptr[i], indptr[i + 1]):
                out[indices[j]] += w


@numba.njit(**_JIT)
def _mv_scatter_float_hetero(x, indices, indptr, data, flag, out):
    out[:] = 0
    m = indptr.shape[0] - 1
    event = flag[()] != 0
    for i in range(m):
        v = x[i]
        if v != 0:
            if event:
                for j in range(indptr[i], indptr[i + 1]):
                    out[indices[j]] += data[j]
            else:
                for j in range(indptr[i], indptr[i + 1]):
                    out[indices[j]] += data[j] * v


@numba.njit(**_JIT)
def _mv_gather(x, indices, indptr, data, flag, out):
    m = indptr.shape[0] - 1
    event = flag[()] != 0
    homo = data.shape[0] == 1
    for i in range(m):
        acc = out.dtype.type(0)
        for j in range(indptr[i], indptr[i + 1]):
            v = x[indices[j]]
            w = data[0] if homo else data[j]
            if event:
                if v != 0:
                    acc += w
            else:
                acc += w * v
        out[i] = acc


@numba.njit(**_JIT)
def _mm_scatter(x, indices, indptr, data, flag, out):
    out[:] = 0
    m = indptr.shape[0] - 1
    k = x.shape[1]
    event = flag[()] != 0
    homo = data.shape[0] == 1
    vals = np.empty(k, out.dtype)
    for i in range(m):
        active = False
        for c in range(k):
            v = x[i, c]
            if v != 0:
                active = True
                vals[c] = 1 if event else v
            else:
                vals[c] = 0
        if active:
            for j in range(indptr[i], indptr[i + 1]):
                w = data[0] if homo else data[j]
                t = indices[j]
                for c in range(k):
                    out[t, c] += w * vals[c]


@numba.njit(**_JIT)
def _mm_gather(x, indices, indptr, data, flag, out):
    m = indptr.shape[0] - 1
    k = x.shape[1]
    event = flag[()] != 0
    homo = data.shape[0] == 1
    for i in range(m):
        for c in range(k):
            out[i, c] = 0
        for j in range(indptr[i], indptr[i + 1]):
            w = data[0] if homo else data[j]
            s = indices[j]
            for c in range(k):
                v = x[s, c]
                if event:
                    if v != 0:
                        out[i, c] += w
                else:
                    out[i, c] += w * v


def _kernel(ndim: int, transpose: bool, is_bool: bool, homo: bool):
    if ndim == 2:
        return ("mm_scatter", _mm_scatter) if transpose else ("mm_gather", _mm_gather)
    if not transpose:
        return "mv_gather", _mv_gather
    kind = "bool" if is_bool else "float"
    variant = "homo" if homo else "hetero"
    kernel = {
        ("bool", "homo"): _mv_scatter_bool_homo,
        ("bool", "hetero"): _mv_scatter_bool_hetero,
        ("float", "homo"): _mv_scatter_float_homo,
        ("float", "hetero"): _mv_scatter_float_hetero,
    }[kind, variant]
    return f"mv_scatter_{kind}_{variant}", kernel


def csr_matmul_numba(data, indices, indptr, x, *, shape, transpose, float_as_event):
    """The numba kernel of ``csrmv``/``csrmm`` (conventions of :mod:`.xla`)."""
    m, n = shape
    dtype = np.dtype(data.dtype)
    acc = acc_dtype(dtype)
    out_shape = (n if transpose else m, *x.shape[1:])
    if 0 in out_shape:
        return jnp.zeros(out_shape, dtype)
    is_bool = x.dtype == jnp.bool_
    data = data.astype(acc)
    if not is_bool:
        x = x.astype(acc)
    name, kernel = _kernel(x.ndim, transpose, is_bool, data.shape[0] == 1)
    target = make_ffi_target(
        f"brainstate_event_csr_{name}_{np.dtype(x.dtype).name}_{acc.name}",
        kernel,
        [(x.dtype, x.ndim), ("int32", 1), ("int32", 1), (acc, 1), ("int32", 0)],
        [(acc, len(out_shape))],
    )
    flag = jnp.asarray(1 if float_as_event or is_bool else 0, jnp.int32)
    out = target(
        x, indices, indptr, data, flag, result_shape_dtypes=jax.ShapeDtypeStruct(out_shape, acc)
    )
    return out.astype(dtype)
