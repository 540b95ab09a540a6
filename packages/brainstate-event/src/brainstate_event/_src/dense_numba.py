"""numba CPU kernels of the event-driven dense product and its weight gradient (typed FFI).

Imported only when the ``'numba'`` backend lowers an operator (this module imports numba).

- forward ``x[k, n_pre] @ W[n_pre, n_post]``: per spike row, gather the indices of the active
  inputs, then add their weight rows into the output row;
- weight gradient ``values(x).T @ ct`` (``ct[k, n_post]``): per spike row, add the cotangent
  row into the gradient rows of the active inputs.

Both touch ``n_post`` contiguous floats per active spike (the inner loops vectorise), so their
cost is proportional to the number of spikes, not to ``k * n_pre``. The index gather is
branch-free (``idx[n] = i; n += x[i] != 0``): at a few % density it beats testing each entry.
16-bit floats are computed in float32.
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

__all__ = ["dense_event_numba", "dense_event_wgrad_numba"]

_JIT: dict[str, Any] = dict(cache=True, nogil=True, fastmath=False, boundscheck=False)


@numba.njit(**_JIT)
def _active(row, idx):
    """Write the indices of the non-zero entries of ``row`` into ``idx``; return their count."""
    n = 0
    for i in range(row.shape[0]):
        idx[n] = i
        n += row[i] != 0
    return n


@numba.njit(**_JIT)
def _forward(x, w, flag, out):
    n_pre, n_post = w.shape
    values = flag[()] == 0  # multiply by the spike values (float spikes only)
    idx = np.empty(n_pre, np.int64)
    for b in range(x.shape[0]):
        n = _active(x[b], idx)
        o = out[b]
        for j in range(n_post):
            o[j] = 0
        for a in range(n):
            wi = w[idx[a]]
            if values:
                v = x[b, idx[a]]
                for j in range(n_post):
                    o[j] += wi[j] * v
            else:
                for j in range(n_post):
                    o[j] += wi[j]


@numba.njit(**_JIT)
def _weight_grad(x, ct, flag, out):
    n_pre, n_post = out.shape
    values = flag[()] == 0  # multiply by the spike values (float spikes only)
    idx = np.empty(n_pre, np.int64)
    for i in range(n_pre):
        o = out[i]
        for j in range(n_post):
            o[j] = 0
    for b in range(x.shape[0]):
        n = _active(x[b], idx)
        c = ct[b]
        for a in range(n):
            o = out[idx[a]]
            if values:
                v = x[b, idx[a]]
                for j in range(n_post):
                    o[j] += c[j] * v
            else:
                for j in range(n_post):
                    o[j] += c[j]


def _spikes(x: jax.Array, acc: np.dtype) -> jax.Array:
    return x if x.dtype == jnp.bool_ else x.astype(acc)


def _target(kind: str, kernel: Any, xs: jax.Array, acc: np.dtype):
    name = f"brainstate_event_dense_{kind}_{np.dtype(xs.dtype).name}_{acc.name}"
    return make_ffi_target(name, kernel, [(xs.dtype, 2), (acc, 2), ("int32", 0)], [(acc, 2)])


def _flag(float_as_event: bool, xs: jax.Array) -> jax.Array:
    """1: every active spike counts 1 (bool spikes, or ``float_as_event``); 0: its value."""
    return jnp.asarray(1 if float_as_event or xs.dtype == jnp.bool_ else 0, jnp.int32)


def dense_event_numba(x, weight, *, float_as_event):
    """The numba kernel of ``dense_event_mv``/``dense_event_mm``."""
    dtype = np.dtype(weight.dtype)
    acc = acc_dtype(dtype)
    n_pre, n_post = weight.shape
    xs = x.reshape(math.prod(x.shape[:-1]), n_pre)
    if 0 in (xs.shape[0], n_pre, n_post):
        return jnp.zeros((*x.shape[:-1], n_post), dtype)
    xs = _spikes(xs, acc)
    out = _target("fwd", _forward, xs, acc)(
        xs,
        weight.astype(acc),
        _flag(float_as_event, xs),
        result_shape_dtypes=jax.ShapeDtypeStruct((xs.shape[0], n_post), acc),
    )
    return out.reshape(*x.shape[:-1], n_post).astype(dtype)


def dense_event_wgrad_numba(x, ct, *, float_as_event):
    """The numba kernel of ``dense_event_wgrad``: ``values(x).T @ ct`` from the active rows."""
    dtype = np.dtype(ct.dtype)
    acc = acc_dtype(dtype)
    (k, n_pre), n_post = x.shape, ct.shape[1]
    if 0 in (k, n_pre, n_post):
        return jnp.zeros((n_pre, n_post), dtype)
    xs = _spikes(x, acc)
    out = _target("wgrad", _weight_grad, xs, acc)(
        xs,
        ct.astype(acc),
        _flag(float_as_event, xs),
        result_shape_dtypes=jax.ShapeDtypeStruct((n_pre, n_post), acc),
    )
    return out.astype(dtype)
