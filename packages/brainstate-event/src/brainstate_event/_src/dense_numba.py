"""numba CPU kernels of the event-driven dense product, called through XLA's typed FFI.

Imported only when the ``'numba'`` backend lowers the operator (this module imports numba).
``x[k, n_pre] @ W[n_pre, n_post]`` reading only the rows ``i`` with ``x[b, i] != 0``; boolean
spikes are scanned eight bytes at a time. 16-bit floats are computed in float32.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numba
import numpy as np

from .csr.common import acc_dtype
from .numba_ffi import make_ffi_target

__all__ = ["dense_event_numba"]

_JIT: dict[str, Any] = dict(cache=True, nogil=True, fastmath=False, boundscheck=False)


@numba.njit(**_JIT)
def _dense_bool(x, w, flag, out):
    out[:] = 0
    n_pre, n_post = w.shape
    n8 = n_pre // 8
    for b in range(x.shape[0]):
        row = x[b]
        o = out[b]
        words = row[: n8 * 8].view(np.uint64)
        for k in range(n8):
            if words[k] != 0:
                for i in range(8 * k, 8 * k + 8):
                    if row[i]:
                        wi = w[i]
                        for j in range(n_post):
                            o[j] += wi[j]
        for i in range(8 * n8, n_pre):
            if row[i]:
                wi = w[i]
                for j in range(n_post):
                    o[j] += wi[j]


@numba.njit(**_JIT)
def _dense_float(x, w, flag, out):
    out[:] = 0
    n_pre, n_post = w.shape
    event = flag[()] != 0
    for b in range(x.shape[0]):
        o = out[b]
        for i in range(n_pre):
            v = x[b, i]
            if v != 0:
                wi = w[i]
                if event:
                    for j in range(n_post):
                        o[j] += wi[j]
                else:
                    for j in range(n_post):
                        o[j] += wi[j] * v


def dense_event_numba(x, weight, *, float_as_event):
    """The numba kernel of ``dense_event_mv``/``dense_event_mm``."""
    dtype = np.dtype(weight.dtype)
    acc = acc_dtype(dtype)
    n_pre, n_post = weight.shape
    xs = x.reshape(math.prod(x.shape[:-1]), n_pre)
    if 0 in (xs.shape[0], n_pre, n_post):
        return jnp.zeros((*x.shape[:-1], n_post), dtype)
    is_bool = xs.dtype == jnp.bool_
    if not is_bool:
        xs = xs.astype(acc)
    kernel = _dense_bool if is_bool else _dense_float
    target = make_ffi_target(
        f"brainstate_event_dense_{'bool' if is_bool else 'float'}_{np.dtype(xs.dtype).name}"
        f"_{acc.name}",
        kernel,
        [(xs.dtype, 2), (acc, 2), ("int32", 0)],
        [(acc, 2)],
    )
    flag = jnp.asarray(1 if float_as_event else 0, jnp.int32)
    out = target(
        xs,
        weight.astype(acc),
        flag,
        result_shape_dtypes=jax.ShapeDtypeStruct((xs.shape[0], n_post), acc),
    )
    return out.reshape(*x.shape[:-1], n_post).astype(dtype)
