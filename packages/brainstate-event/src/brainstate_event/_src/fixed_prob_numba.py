"""numba CPU kernels of the FixedProb operators, called through XLA's typed FFI.

Imported only when the ``'numba'`` backend lowers an operator (this module imports numba).
All kernels take 2-D operands with a leading batch axis (a matvec is a batch of one):

- scatter ``(s[B, n_pre], idx[n_pre, n_conn], w_flat, flag) -> out[B, n_post]``: collect the
  active presynaptic rows (``s != 0``; boolean spikes are scanned eight bytes at a time), touch
  their index rows (overlapping the cache misses), then add their weights at their targets.
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
from numba.extending import overload

from .numba_ffi import make_ffi_target

__all__ = ["scatter_call", "gather_call", "wgrad_call"]


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _active_bool(row, active):
    """Write the indices of the True entries of ``row`` to ``active``; return their count.

    Eight spike bytes are tested at once, so silent stretches cost one load per eight; inside
    a nonzero word the eight candidates are written without branches (the count advances by
    each byte's value), which avoids a mispredicted branch per spike.
    """
    n = row.shape[0]
    n8 = n // 8
    words = row[: n8 * 8].view(np.uint64)
    count = 0
    for k in range(n8):
        word = words[k]
        if word != 0:
            base = 8 * k
            for t in range(8):
                active[count] = base + t  # count <= base + t < n: always in range
                count += np.int64((word >> np.uint64(8 * t)) & np.uint64(1))
    for i in range(8 * n8, n):
        if row[i]:
            active[count] = i
            count += 1
    return count


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _active_float(row, active):
    count = 0
    for i in range(row.shape[0]):
        if row[i] != 0:
            active[count] = i
            count += 1
    return count


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _touch(idx, active, count):
    """Load the first and last target of every active row before using any: the loads are
    independent, so their cache misses overlap instead of stalling the scatter one by one."""
    last = idx.shape[1] - 1
    total = 0
    for a in range(count):
        total += idx[active[a], 0] + idx[active[a], last]
    return total


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _scatter_rows(row, idx, w, event, active, count, out):
    """Add the weights of the active rows at their targets. ``w`` is flat: one weight
    (homogeneous) or ``n_pre * n_conn`` (with one connection in all, both read alike)."""
    n_conn = idx.shape[1]
    homo = w.shape[0] == 1
    for a in range(count):
        i = active[a]
        x = out.dtype.type(1) if event else out.dtype.type(row[i])
        if homo:
            val = w[0] * x
            for j in range(n_conn):
                out[idx[i, j]] += val
        else:
            base = i * n_conn
            for j in range(n_conn):
                out[idx[i, j]] += w[base + j] * x


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _scatter_bool(s, idx, w, flag, out):
    out[:] = 0
    if idx.shape[1] == 0:
        return
    active = np.empty(idx.shape[0], np.int32)
    for b in range(s.shape[0]):
        count = _active_bool(s[b], active)
        if _touch(idx, active, count) == -7:  # never true; keeps the loads
            out[b, 0] += 0
        _scatter_rows(s[b], idx, w, True, active, count, out[b])


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _scatter_float(s, idx, w, flag, out):
    out[:] = 0
    if idx.shape[1] == 0:
        return
    active = np.empty(idx.shape[0], np.int32)
    event = flag[()] != 0
    for b in range(s.shape[0]):
        count = _active_float(s[b], active)
        if _touch(idx, active, count) == -7:  # never true; keeps the loads
            out[b, 0] += 0
        _scatter_rows(s[b], idx, w, event, active, count, out[b])


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


def _active(row, active):
    """Active entries of a bool (word scan) or float row; dispatched on the dtype in numba."""
    raise NotImplementedError  # pragma: no cover - only called from numba


@overload(_active)
def _active_overload(row, active):
    if row.dtype == numba.types.boolean:
        return lambda row, active: _active_bool(row, active)
    return lambda row, active: _active_float(row, active)


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _wgrad_homo(a, idx, bvec, flag, out):
    n_conn = idx.shape[1]
    event = flag[()] != 0
    active = np.empty(idx.shape[0], np.int32)
    acc = out.dtype.type(0)
    for b in range(a.shape[0]):
        count = _active(a[b], active)
        for k in range(count):
            i = active[k]
            row = out.dtype.type(0)
            for j in range(n_conn):
                row += bvec[b, idx[i, j]]
            acc += row if event else row * out.dtype.type(a[b, i])
    out[()] = acc


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _wgrad_hetero(a, idx, bvec, flag, out):
    out[:] = 0
    n_conn = idx.shape[1]
    event = flag[()] != 0
    active = np.empty(idx.shape[0], np.int32)
    for b in range(a.shape[0]):
        count = _active(a[b], active)
        for k in range(count):
            i = active[k]
            x = out.dtype.type(1) if event else out.dtype.type(a[b, i])
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
    kernel = _scatter_bool if is_bool else _scatter_float
    target = _target("scatter", kernel, s.dtype, 1, dtype, 2)
    out = jax.ShapeDtypeStruct((s.shape[0], n_post), dtype)
    return target(s, idx, w.reshape(-1), _flag(event), result_shape_dtypes=out)


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
