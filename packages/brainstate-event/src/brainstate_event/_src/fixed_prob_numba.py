"""numba CPU kernels of the FixedProb operators, called through XLA's typed FFI.

Imported only when the ``'numba'`` backend lowers an operator (this module imports numba).
All kernels take 2-D operands with a leading batch axis (a matvec is a batch of one):

- scatter ``(s[B, n_pre], idx[n_pre, n_conn], w, flag) -> out[B, n_post]``: for every active
  presynaptic row (``s != 0``) add its weights at its targets; boolean spikes are scanned eight
  bytes at a time so silent stretches cost one load per eight neurons.
- gather ``(v[B, n_post], idx, w, flag) -> out[B, n_pre]``: ``sum_j w[i, j] * v[idx[i, j]]``.
- wgrad ``(a[B, n_pre], idx, b[B, n_post], flag) -> dw``: ``dw[i, j] = sum_b a[b, i] *
  b[b, idx[i, j]]`` (or its total for a homogeneous weight); rows with ``a == 0`` are skipped.

``w`` is 0-d (homogeneous) or ``[n_pre, n_conn]``; ``flag`` (0-d int32) is 1 when nonzero float
inputs count as events (value 1) rather than by their value. Indices are trusted: they are
bounds-checked where they are built.
"""

from __future__ import annotations

import numba
import numpy as np

from .numba_ffi import make_ffi_target

__all__ = ["scatter_call", "gather_call", "wgrad_call"]


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _scatter_bool_homo(s, idx, w, flag, out):
    out[:] = 0
    n_pre, n_conn = idx.shape
    val = w[()]
    n8 = n_pre // 8
    for b in range(s.shape[0]):
        row = s[b]
        words = row[: n8 * 8].view(np.uint64)
        for k in range(n8):
            if words[k] != 0:
                for i in range(8 * k, 8 * k + 8):
                    if row[i]:
                        for j in range(n_conn):
                            out[b, idx[i, j]] += val
        for i in range(8 * n8, n_pre):
            if row[i]:
                for j in range(n_conn):
                    out[b, idx[i, j]] += val


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _scatter_bool_hetero(s, idx, w, flag, out):
    out[:] = 0
    n_pre, n_conn = idx.shape
    n8 = n_pre // 8
    for b in range(s.shape[0]):
        row = s[b]
        words = row[: n8 * 8].view(np.uint64)
        for k in range(n8):
            if words[k] != 0:
                for i in range(8 * k, 8 * k + 8):
                    if row[i]:
                        for j in range(n_conn):
                            out[b, idx[i, j]] += w[i, j]
        for i in range(8 * n8, n_pre):
            if row[i]:
                for j in range(n_conn):
                    out[b, idx[i, j]] += w[i, j]


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _scatter_float_homo(s, idx, w, flag, out):
    out[:] = 0
    n_pre, n_conn = idx.shape
    event = flag[()] != 0
    for b in range(s.shape[0]):
        for i in range(n_pre):
            x = s[b, i]
            if x != 0:
                val = w[()] if event else w[()] * x
                for j in range(n_conn):
                    out[b, idx[i, j]] += val


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _scatter_float_hetero(s, idx, w, flag, out):
    out[:] = 0
    n_pre, n_conn = idx.shape
    event = flag[()] != 0
    for b in range(s.shape[0]):
        for i in range(n_pre):
            x = s[b, i]
            if x != 0:
                if event:
                    for j in range(n_conn):
                        out[b, idx[i, j]] += w[i, j]
                else:
                    for j in range(n_conn):
                        out[b, idx[i, j]] += w[i, j] * x


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _gather_homo(v, idx, w, flag, out):
    n_pre, n_conn = idx.shape
    event = flag[()] != 0
    for b in range(v.shape[0]):
        for i in range(n_pre):
            acc = out.dtype.type(0)
            for j in range(n_conn):
                x = v[b, idx[i, j]]
                if event:
                    if x != 0:
                        acc += 1
                else:
                    acc += x
            out[b, i] = acc * w[()]


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _gather_hetero(v, idx, w, flag, out):
    n_pre, n_conn = idx.shape
    event = flag[()] != 0
    for b in range(v.shape[0]):
        for i in range(n_pre):
            acc = out.dtype.type(0)
            for j in range(n_conn):
                x = v[b, idx[i, j]]
                if event:
                    if x != 0:
                        acc += w[i, j]
                else:
                    acc += w[i, j] * x
            out[b, i] = acc


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _wgrad_homo(a, idx, bvec, flag, out):
    n_pre, n_conn = idx.shape
    event = flag[()] != 0
    acc = out.dtype.type(0)
    for b in range(a.shape[0]):
        for i in range(n_pre):
            x = a[b, i]
            if x != 0:
                row = out.dtype.type(0)
                for j in range(n_conn):
                    row += bvec[b, idx[i, j]]
                acc += row if event else row * x
    out[()] = acc


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _wgrad_hetero(a, idx, bvec, flag, out):
    out[:] = 0
    n_pre, n_conn = idx.shape
    event = flag[()] != 0
    for b in range(a.shape[0]):
        for i in range(n_pre):
            x = a[b, i]
            if x != 0:
                if event:
                    for j in range(n_conn):
                        out[i, j] += bvec[b, idx[i, j]]
                else:
                    for j in range(n_conn):
                        out[i, j] += bvec[b, idx[i, j]] * x


def _name(op: str, *dtypes) -> str:
    return "brainstate_event_fixed_prob_" + op + "_" + "_".join(np.dtype(d).name for d in dtypes)


def _target(op, kernel, s_dtype, w_ndim, dtype, out_ndim):
    return make_ffi_target(
        _name(op, s_dtype, dtype) + f"_w{w_ndim}",
        kernel,
        [(s_dtype, 2), ("int32", 2), (dtype, w_ndim), ("int32", 0)],
        [(dtype, out_ndim)],
    )


def _flag(event: bool):
    import jax.numpy as jnp

    return jnp.asarray(1 if event else 0, jnp.int32)


def scatter_call(s, idx, w, *, n_post: int, event: bool):
    """``out[b, k] = sum over active i, j with idx[i, j] == k of w[i, j] (* s[b, i])``."""
    import jax

    dtype = np.dtype(w.dtype)
    is_bool = np.dtype(s.dtype) == np.bool_
    if is_bool:
        kernel = _scatter_bool_homo if w.ndim == 0 else _scatter_bool_hetero
    else:
        kernel = _scatter_float_homo if w.ndim == 0 else _scatter_float_hetero
    target = _target("scatter", kernel, s.dtype, w.ndim, dtype, 2)
    out = jax.ShapeDtypeStruct((s.shape[0], n_post), dtype)
    return target(s, idx, w, _flag(event), result_shape_dtypes=out)


def gather_call(v, idx, w, *, event: bool):
    """``out[b, i] = sum_j w[i, j] * v[b, idx[i, j]]`` (``v != 0`` in place of ``v`` if event)."""
    import jax

    dtype = np.dtype(w.dtype)
    kernel = _gather_homo if w.ndim == 0 else _gather_hetero
    target = _target("gather", kernel, v.dtype, w.ndim, dtype, 2)
    out = jax.ShapeDtypeStruct((v.shape[0], idx.shape[0]), dtype)
    return target(v, idx, w, _flag(event), result_shape_dtypes=out)


def wgrad_call(a, idx, b, *, homo: bool, event: bool):
    """``dw[i, j] = sum_b a[b, i] * b[b, idx[i, j]]`` (summed over ``i, j`` if ``homo``)."""
    import jax

    dtype = np.dtype(b.dtype)
    kernel = _wgrad_homo if homo else _wgrad_hetero
    shape = () if homo else idx.shape
    target = make_ffi_target(
        _name("wgrad", a.dtype, dtype) + ("_homo" if homo else "_hetero"),
        kernel,
        [(a.dtype, 2), ("int32", 2), (dtype, 2), ("int32", 0)],
        [(dtype, len(shape))],
    )
    out = jax.ShapeDtypeStruct(shape, dtype)
    return target(a, idx, b, _flag(event), result_shape_dtypes=out)
