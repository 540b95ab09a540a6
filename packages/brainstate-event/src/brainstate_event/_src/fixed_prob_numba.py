"""numba CPU kernels of the FixedProb operators, called through XLA's typed FFI.

Imported only when the ``'numba'`` backend lowers an operator (this module imports numba).
All kernels take 2-D operands with a leading batch axis (a matvec is a batch of one):

- scatter ``(s[B, n_in], idx[n_pre, n_conn], w_flat, flag, start) -> out[B, n_post]``: collect
  the active presynaptic rows (``s[:, start:start + n_pre] != 0``; boolean spikes are scanned
  eight bytes at a time), touch their index rows (overlapping the cache misses), then add their
  weights at their targets.
- scatter-add ``(s, idx, w_flat, flag, start, y[B, n_post], beta_flat, alpha) -> out``: the same
  scatter, times ``alpha``, added to ``beta * y`` (``beta`` one value or one per column):
  ``out`` starts as ``beta * y`` instead of zeros, so a decaying state and its increments are
  one pass over ``out``.
- gather ``(v[B, n_post], idx, w, flag) -> out[B, n_pre]``: ``sum_j w[i, j] * v[idx[i, j]]``.
- wgrad ``(a[B, n_pre], idx, b[B, n_post], flag) -> dw``: ``dw[i, j] = sum_b a[b, i] *
  b[b, idx[i, j]]`` (or its total for a homogeneous weight); rows with ``a == 0`` are skipped.

``w`` is 0-d (homogeneous) or ``[n_pre, n_conn]``; ``flag`` (0-d int32) is 1 when nonzero float
inputs count as events (value 1) rather than by their value; ``start`` (0-d int32) is the first
column of ``s`` that row 0 of ``idx`` belongs to. Indices are trusted: they are
bounds-checked where they are built.
"""

from __future__ import annotations

import numba
import numpy as np
from numba.extending import overload

from .numba_ffi import make_ffi_target

__all__ = ["scatter_call", "scatter_add_call", "gather_call", "wgrad_call"]


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
def _scatter_rows(row, idx, w, event, active, count, alpha, out):
    """Add ``alpha`` times the weights of the active rows at their targets. ``w`` is flat:
    one weight (homogeneous) or ``n_pre * n_conn`` (with one connection in all, both read
    alike)."""
    n_conn = idx.shape[1]
    homo = w.shape[0] == 1
    for a in range(count):
        i = active[a]
        x = alpha if event else alpha * out.dtype.type(row[i])
        if homo:
            val = w[0] * x
            for j in range(n_conn):
                out[idx[i, j]] += val
        else:
            base = i * n_conn
            for j in range(n_conn):
                out[idx[i, j]] += w[base + j] * x


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _scatter_into(s, idx, w, flag, start, alpha, out):
    """Add ``alpha * (s[:, start:start + n_pre] @ W)`` to ``out`` (already initialised)."""
    n_pre = idx.shape[0]
    if idx.shape[1] == 0 or n_pre == 0:
        return
    active = np.empty(n_pre, np.int32)
    event = flag[()] != 0
    first = start[()]
    for b in range(s.shape[0]):
        row = s[b, first : first + n_pre]
        count = _active(row, active)
        if _touch(idx, active, count) == -7:  # never true; keeps the loads
            out[b, 0] += 0
        _scatter_rows(row, idx, w, event, active, count, alpha, out[b])


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _scatter(s, idx, w, flag, start, out):
    out[:] = 0
    _scatter_into(s, idx, w, flag, start, out.dtype.type(1), out)


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _scale(y, beta, out):
    """``out = beta * y`` (``beta`` one value or one per column). ``out`` may be ``y``'s own
    buffer (XLA's in-place update): then the loops read and write one array, which LLVM
    vectorizes (with two arrays that overlap exactly, its overlap check picks the scalar loop)."""
    n_post = out.shape[1]
    same = y.ctypes.data == out.ctypes.data
    if beta.shape[0] == 1:
        b0 = beta[0]
        for b in range(out.shape[0]):
            if same:
                row = out[b]
                for k in range(n_post):
                    row[k] *= b0
            else:
                for k in range(n_post):
                    out[b, k] = b0 * y[b, k]
    else:
        for b in range(out.shape[0]):
            if same:
                row = out[b]
                for k in range(n_post):
                    row[k] *= beta[k]
            else:
                for k in range(n_post):
                    out[b, k] = beta[k] * y[b, k]


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _scatter_add(s, idx, w, flag, start, y, beta, alpha, out):
    _scale(y, beta, out)
    _scatter_into(s, idx, w, flag, start, alpha[()], out)


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


@numba.njit(cache=True, nogil=True, boundscheck=False)
def _scatter_add_1d(s, idx, w, flag, start, y, beta, alpha, out):
    """``_scatter_add`` for one vector: ``y`` and ``out`` are ``[n_post]``."""
    n_post = out.shape[0]
    _scatter_add(s, idx, w, flag, start, y.reshape(1, n_post), beta, alpha, out.reshape(1, n_post))


def _name(op: str, *dtypes) -> str:
    return "brainstate_event_fixed_prob_" + op + "_" + "_".join(np.dtype(d).name for d in dtypes)


def _target(op, kernel, s_dtype, w_ndim, dtype, out_ndim, extra=()):
    return make_ffi_target(
        _name(op, s_dtype, dtype) + f"_w{w_ndim}",
        kernel,
        [(s_dtype, 2), ("int32", 2), (dtype, w_ndim), ("int32", 0), *extra],
        [(dtype, out_ndim)],
    )


def _flag(event: bool):
    import jax.numpy as jnp

    return jnp.asarray(1 if event else 0, jnp.int32)


def _start(start: int):
    import jax.numpy as jnp

    return jnp.asarray(start, jnp.int32)


def scatter_call(s, idx, w, *, n_post: int, event: bool, start: int = 0):
    """``out[b, k] = sum over active i, j with idx[i, j] == k of w[i, j] (* s[b, start + i])``."""
    import jax

    dtype = np.dtype(w.dtype)
    target = _target("scatter", _scatter, s.dtype, 1, dtype, 2, [("int32", 0)])
    out = jax.ShapeDtypeStruct((s.shape[0], n_post), dtype)
    return target(s, idx, w.reshape(-1), _flag(event), _start(start), result_shape_dtypes=out)


def scatter_add_call(s, idx, w, y, beta, *, event: bool, start: int, alpha: float):
    """``out = beta * y + alpha * scatter(s, idx, w)`` (``beta`` scalar or one per column)."""
    import jax
    import jax.numpy as jnp

    dtype = np.dtype(w.dtype)
    # One vector goes as [n_post]: XLA then updates a loop-carried y in place (with the
    # [1, n_post] view it copies y in and out of the loop state around the call).
    single = y.shape[0] == 1
    if single:
        y = y.reshape(-1)
    extra = [("int32", 0), (dtype, y.ndim), (dtype, 1), (dtype, 0)]
    kernel = _scatter_add_1d if single else _scatter_add
    op = "scatter_add1" if single else "scatter_add"
    target = _target(op, kernel, s.dtype, 1, dtype, y.ndim, extra)
    out = jax.ShapeDtypeStruct(y.shape, dtype)
    result = target(
        s,
        idx,
        w.reshape(-1),
        _flag(event),
        _start(start),
        y,
        beta.reshape(-1),
        jnp.asarray(alpha, dtype),
        result_shape_dtypes=out,
        input_output_aliases={5: 0},  # out is written over y (in place where y is dead)
    )
    return result.reshape(1, -1) if single else result


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
