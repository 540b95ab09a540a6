"""The fixed-connection event operators: JAX primitives, their autodiff and batching rules.

The connectivity is ``indices[n_pre, n_conn]`` (targets of each presynaptic neuron) with
``weights`` either a scalar (homogeneous) or ``[n_pre, n_conn]``; as a matrix,
``W[i, indices[i, j]] += weights[i, j]`` (``[n_pre, n_post]``). Three primitives, closed under
JVP and transposition, all with a leading batch axis on their vector operands:

- ``scatter(s[B, n_in], idx, w)``  = ``s[:, start:start + n_pre] @ W`` (event-driven: only
  rows with ``s != 0``; ``start`` a parameter, 0 unless the spikes are a larger population's)
- ``gather(v[B, n_post], idx, w)``  = ``v @ W.T``
- ``wgrad(a[B, n_pre], idx, b[B, n_post])`` = the weights' cotangent of ``a @ W`` given ``b``

and one affine operator built on ``scatter``, differentiated through it (it has no transpose
of its own):

- ``scatter_add(s, idx, w, y[B, n_post], beta)`` = ``beta * y + alpha * scatter(s, idx, w)``
  (``alpha`` a parameter; one kernel pass where the CPU kernel has it)

``event=True`` means a nonzero vector entry counts as 1 (boolean spikes, or float spikes with
``float_as_event=True``). Tangents and cotangents w.r.t. float spikes are those of the linear
map (``event=False``): float spikes are expected to be 0/1 (e.g. from a surrogate function).
A vmap over the vectors folds into the batch axis (one kernel call); other vmaps loop.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.core
import jax.numpy as jnp
import numpy as np
from jax.extend.core import Primitive
from jax.interpreters import ad, batching

from .backend import backend_param, register_kernel, register_lowerings
from .csr.common import acc_dtype
from .errors import EventGradientError, EventShapeError

__all__ = [
    "fixed_prob_matvec",
    "scatter_p",
    "scatter_add_p",
    "gather_p",
    "wgrad_p",
]

scatter_p = Primitive("fixed_prob_scatter")
scatter_add_p = Primitive("fixed_prob_scatter_add")
gather_p = Primitive("fixed_prob_gather")
wgrad_p = Primitive("fixed_prob_wgrad")


# ----------------------------------------------------------------------------- abstract eval
def _scatter_abstract(s, idx, w, *, n_post, event, backend, start):
    return jax.core.ShapedArray((s.shape[0], n_post), w.dtype)


def _scatter_add_abstract(s, idx, w, y, beta, *, n_post, event, backend, start, alpha):
    return jax.core.ShapedArray(y.shape, y.dtype)


def _gather_abstract(v, idx, w, *, event, backend):
    return jax.core.ShapedArray((v.shape[0], idx.shape[0]), w.dtype)


def _wgrad_abstract(a, idx, b, *, homo, event, backend):
    return jax.core.ShapedArray(() if homo else idx.shape, b.dtype)


scatter_p.def_abstract_eval(_scatter_abstract)
scatter_add_p.def_abstract_eval(_scatter_add_abstract)
gather_p.def_abstract_eval(_gather_abstract)
wgrad_p.def_abstract_eval(_wgrad_abstract)


# ----------------------------------------------------------------------------- binders
def _scatter(s, idx, w, n_post, event, backend, start=0):
    event = event or s.dtype == jnp.bool_
    return scatter_p.bind(s, idx, w, n_post=n_post, event=event, backend=backend, start=start)


def _scatter_add(s, idx, w, y, beta, n_post, event, backend, start, alpha):
    event = event or s.dtype == jnp.bool_
    return scatter_add_p.bind(
        s, idx, w, y, beta, n_post=n_post, event=event, backend=backend, start=start, alpha=alpha
    )


def _times(beta, y):
    """``beta * y`` for ``beta`` 0-d or ``[n_post]`` and ``y`` ``[B, n_post]``."""
    return jnp.broadcast_to(beta, y.shape) * y


def _used_rows(s, idx, start):
    """The columns ``start:start + n_pre`` of ``s`` (``s`` itself when that is all of it)."""
    n_pre = idx.shape[0]
    if start == 0 and s.shape[-1] == n_pre:
        return s
    return jax.lax.slice_in_dim(s, start, start + n_pre, axis=s.ndim - 1)


def _gather(v, idx, w, event, backend):
    event = event or v.dtype == jnp.bool_
    return gather_p.bind(v, idx, w, event=event, backend=backend)


def _wgrad(a, idx, b, homo, event, backend):
    event = event or a.dtype == jnp.bool_
    return wgrad_p.bind(a, idx, b, homo=homo, event=event, backend=backend)


def _as_float(x, dtype, event):
    if x.dtype == jnp.bool_ or event:
        return (x != 0).astype(dtype)
    return x.astype(dtype)


# ----------------------------------------------------------------------------- JVP rules
def _is_zero(t) -> bool:
    return type(t) is ad.Zero


def _check_discrete(x, t, what: str) -> bool:
    """True if tangent ``t`` of ``x`` is nonzero; raise for real tangents of discrete inputs."""
    if _is_zero(t):
        return False
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        if getattr(t, "dtype", None) == jax.dtypes.float0:
            return False
        raise EventGradientError(
            f"cannot differentiate with respect to {what} of dtype {x.dtype}: it is discrete. "
            "Differentiate with respect to the weights, or pass float spikes."
        )
    return True


def _sum_tangents(parts, out):
    if not parts:
        return jnp.zeros_like(out)
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    return total


def _scatter_jvp(primals, tangents, *, n_post, event, backend, start):
    s, idx, w = primals
    ds, didx, dw = tangents
    _check_discrete(idx, didx, "the indices")
    out = _scatter(s, idx, w, n_post, event, backend, start)
    parts = []
    if not _is_zero(dw):
        parts.append(_scatter(s, idx, dw, n_post, event, backend, start))
    if _check_discrete(s, ds, "the spikes"):
        parts.append(_scatter(ds, idx, w, n_post, False, backend, start))
    return out, _sum_tangents(parts, out)


def _scatter_add_jvp(primals, tangents, *, n_post, event, backend, start, alpha):
    s, idx, w, y, beta = primals
    ds, didx, dw, dy, dbeta = tangents
    _check_discrete(idx, didx, "the indices")
    out = _scatter_add(s, idx, w, y, beta, n_post, event, backend, start, alpha)
    parts = []
    if not _is_zero(dy):
        parts.append(_times(beta, dy))
    if not _is_zero(dbeta):
        parts.append(_times(dbeta, y))
    if not _is_zero(dw):
        parts.append(alpha * _scatter(s, idx, dw, n_post, event, backend, start))
    if _check_discrete(s, ds, "the spikes"):
        parts.append(alpha * _scatter(ds, idx, w, n_post, False, backend, start))
    return out, _sum_tangents(parts, out)


def _gather_jvp(primals, tangents, *, event, backend):
    v, idx, w = primals
    dv, didx, dw = tangents
    _check_discrete(idx, didx, "the indices")
    out = _gather(v, idx, w, event, backend)
    parts = []
    if not _is_zero(dw):
        parts.append(_gather(v, idx, dw, event, backend))
    if _check_discrete(v, dv, "the spikes"):
        parts.append(_gather(dv, idx, w, False, backend))
    return out, _sum_tangents(parts, out)


def _wgrad_jvp(primals, tangents, *, homo, event, backend):
    a, idx, b = primals
    da, didx, db = tangents
    _check_discrete(idx, didx, "the indices")
    out = _wgrad(a, idx, b, homo, event, backend)
    parts = []
    if not _is_zero(db):
        parts.append(_wgrad(a, idx, db, homo, event, backend))
    if _check_discrete(a, da, "the spikes"):
        parts.append(_wgrad(da, idx, b, homo, False, backend))
    return out, _sum_tangents(parts, out)


ad.primitive_jvps[scatter_p] = _scatter_jvp
ad.primitive_jvps[scatter_add_p] = _scatter_add_jvp
ad.primitive_jvps[gather_p] = _gather_jvp
ad.primitive_jvps[wgrad_p] = _wgrad_jvp


# ----------------------------------------------------------------------------- transposes
def _aval(x):
    return x.aval if ad.is_undefined_primal(x) else x


def _zeros_ct(x):
    aval = _aval(x)
    return jnp.zeros(aval.shape, aval.dtype)


def _check_idx_defined(idx):
    if ad.is_undefined_primal(idx):
        raise EventGradientError(
            "cannot differentiate with respect to the indices: they are discrete structure."
        )


def _scatter_transpose(ct, s, idx, w, *, n_post, event, backend, start):
    _check_idx_defined(idx)
    if ad.is_undefined_primal(w):
        if _is_zero(ct):
            return None, None, _zeros_ct(w)
        homo = _aval(w).ndim == 0
        dw = _wgrad(_used_rows(s, idx, start), idx, ct, homo, event, backend)
        return None, None, dw.astype(_aval(w).dtype)
    if ad.is_undefined_primal(s):
        if _is_zero(ct):
            return _zeros_ct(s), None, None
        ds = _gather(ct, idx, w, False, backend)
        n_in = _aval(s).shape[1]
        if start != 0 or n_in != ds.shape[1]:
            ds = jnp.pad(ds, ((0, 0), (start, n_in - start - ds.shape[1])))
        return ds.astype(_aval(s).dtype), None, None
    raise AssertionError("scatter transpose: no linear input")  # pragma: no cover


def _gather_transpose(ct, v, idx, w, *, event, backend):
    _check_idx_defined(idx)
    if ad.is_undefined_primal(w):
        if _is_zero(ct):
            return None, None, _zeros_ct(w)
        homo = _aval(w).ndim == 0
        vf = _as_float(v, ct.dtype, event)
        dw = _wgrad(ct, idx, vf, homo, False, backend)
        return None, None, dw.astype(_aval(w).dtype)
    if ad.is_undefined_primal(v):
        if _is_zero(ct):
            return _zeros_ct(v), None, None
        dv = _scatter(ct, idx, w, _aval(v).shape[1], False, backend)
        return dv.astype(_aval(v).dtype), None, None
    raise AssertionError("gather transpose: no linear input")  # pragma: no cover


def _wgrad_transpose(ct, a, idx, b, *, homo, event, backend):
    _check_idx_defined(idx)
    if ad.is_undefined_primal(b):
        if _is_zero(ct):
            return None, None, _zeros_ct(b)
        db = _scatter(a, idx, ct, _aval(b).shape[1], event, backend)
        return None, None, db.astype(_aval(b).dtype)
    if ad.is_undefined_primal(a):
        if _is_zero(ct):
            return _zeros_ct(a), None, None
        da = _gather(b, idx, ct, False, backend)
        return da.astype(_aval(a).dtype), None, None
    raise AssertionError("wgrad transpose: no linear input")  # pragma: no cover


ad.primitive_transposes[scatter_p] = _scatter_transpose
ad.primitive_transposes[gather_p] = _gather_transpose
ad.primitive_transposes[wgrad_p] = _wgrad_transpose


# ----------------------------------------------------------------------------- batching
def _loop_batch(prim, args, dims, params):
    """Fallback: a vmap over indices/weights (or of wgrad) runs one kernel call per element."""
    size = next(x.shape[d] for x, d in zip(args, dims) if d is not None)
    moved = [
        jnp.broadcast_to(x, (size, *x.shape)) if d is None else jnp.moveaxis(x, d, 0)
        for x, d in zip(args, dims)
    ]
    out = jax.lax.map(lambda xs: prim.bind(*xs, **params), tuple(moved))
    return out, 0


def _fold_vector_batch(prim, args, dims, params, out_cols):
    x, idx, w = args
    x = jnp.moveaxis(x, dims[0], 0)
    v, b = x.shape[0], x.shape[1]
    out = prim.bind(x.reshape(v * b, x.shape[2]), idx, w, **params)
    return out.reshape(v, b, out_cols), 0


def _scatter_batch(args, dims, **params):
    if dims[1] is None and dims[2] is None:
        return _fold_vector_batch(scatter_p, args, dims, params, params["n_post"])
    return _loop_batch(scatter_p, args, dims, params)


def _scatter_add_batch(args, dims, **params):
    s, idx, w, y, beta = args
    if dims[1] is None and dims[2] is None and dims[4] is None:
        # fold the vmapped axis of the spikes and of y into the kernel's batch axis
        size = s.shape[dims[0]] if dims[0] is not None else y.shape[dims[3]]
        s = (
            jnp.moveaxis(s, dims[0], 0)
            if dims[0] is not None
            else jnp.broadcast_to(s, (size, *s.shape))
        )
        y = (
            jnp.moveaxis(y, dims[3], 0)
            if dims[3] is not None
            else jnp.broadcast_to(y, (size, *y.shape))
        )
        b = s.shape[1]
        out = scatter_add_p.bind(
            s.reshape(size * b, s.shape[2]),
            idx,
            w,
            y.reshape(size * b, y.shape[2]),
            beta,
            **params,
        )
        return out.reshape(size, b, y.shape[2]), 0
    return _loop_batch(scatter_add_p, args, dims, params)


def _gather_batch(args, dims, **params):
    if dims[1] is None and dims[2] is None:
        return _fold_vector_batch(gather_p, args, dims, params, args[1].shape[0])
    return _loop_batch(gather_p, args, dims, params)


def _wgrad_batch(args, dims, **params):
    return _loop_batch(wgrad_p, args, dims, params)


batching.primitive_batchers[scatter_p] = _scatter_batch
batching.primitive_batchers[scatter_add_p] = _scatter_add_batch
batching.primitive_batchers[gather_p] = _gather_batch
batching.primitive_batchers[wgrad_p] = _wgrad_batch


# ----------------------------------------------------------------------------- XLA kernels
def _weighted(f, w):
    """``f[B, n_pre]`` times the weights, as ``[B, n_pre, n_conn]`` (w scalar or 2-D)."""
    if w.ndim == 0:
        return f[:, :, None] * w
    return f[:, :, None] * w[None]


# The XLA forms add up in float32 for 16-bit weights, as the kernels do (acc_dtype).
def _scatter_xla(s, idx, w, *, n_post, event, start=0):
    s = _used_rows(s, idx, start)
    n_conn = idx.shape[1]
    acc = acc_dtype(w.dtype)
    f = _as_float(s, acc, event)
    # A silent row sends nothing, whatever its weights hold (NaN or inf included), as in
    # the kernels, which never read those rows.
    contrib = jnp.where(f[:, :, None] != 0, _weighted(f, w.astype(acc)), 0)
    if w.ndim == 0:
        contrib = jnp.broadcast_to(contrib, (*f.shape, n_conn))
    out = jnp.zeros((s.shape[0], n_post), acc)
    return out.at[:, idx].add(contrib).astype(w.dtype)


def _gather_xla(v, idx, w, *, event):
    acc = acc_dtype(w.dtype)
    g = _as_float(v, acc, event)[:, idx]  # [B, n_pre, n_conn]
    if w.ndim == 0:
        return (g.sum(-1) * w.astype(acc)).astype(w.dtype)
    return (g * w.astype(acc)[None]).sum(-1).astype(w.dtype)


def _wgrad_xla(a, idx, b, *, homo, event):
    acc = acc_dtype(b.dtype)
    fa = _as_float(a, acc, event)
    dw = (fa[:, :, None] * b.astype(acc)[:, idx]).sum(0)
    return (dw.sum() if homo else dw).astype(b.dtype)


def _composite_scatter_add(scatter_impl):
    """``scatter_add`` from a backend's ``scatter`` kernel: ``beta * y + alpha * scatter``."""

    def impl(s, idx, w, y, beta, *, n_post, event, start, alpha, **extra):
        out = scatter_impl(s, idx, w, n_post=n_post, event=event, start=start, **extra)
        return (_times(beta, y) + alpha * out).astype(y.dtype)

    return impl


register_kernel(scatter_p, "xla", _scatter_xla)
register_kernel(scatter_add_p, "xla", _composite_scatter_add(_scatter_xla))
register_kernel(gather_p, "xla", _gather_xla)
register_kernel(wgrad_p, "xla", _wgrad_xla)


# ----------------------------------------------------------------------------- numba kernels
_NUMBA_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _via_supported_dtype(fn, vecs, w, **params):
    """Run a numba call in f32 for dtypes numba lacks (bf16, f16), casting back after."""
    dtype = np.dtype(w.dtype)
    if dtype in _NUMBA_DTYPES:
        return fn(*vecs, w, **params)
    vecs = [x if x.dtype in (jnp.bool_, jnp.int32) else x.astype(jnp.float32) for x in vecs]
    return fn(*vecs, w.astype(jnp.float32), **params).astype(dtype)


def _scatter_numba(s, idx, w, *, n_post, event, start=0):
    from .fixed_prob_numba import scatter_call

    return _via_supported_dtype(
        lambda s, i, w, **kw: scatter_call(s, i, w, **kw),
        [s, idx],
        w,
        n_post=n_post,
        event=event,
        start=start,
    )


def _scatter_add_numba(s, idx, w, y, beta, *, n_post, event, start, alpha):
    from .fixed_prob_numba import scatter_add_call

    dtype = np.dtype(y.dtype)
    if dtype not in _NUMBA_DTYPES:
        return _composite_scatter_add(_scatter_numba)(
            s, idx, w, y, beta, n_post=n_post, event=event, start=start, alpha=alpha
        )
    s = s if s.dtype == jnp.bool_ else s.astype(dtype)
    beta = jnp.asarray(beta, dtype)
    return scatter_add_call(s, idx, w.astype(dtype), y, beta, event=event, start=start, alpha=alpha)


def _gather_numba(v, idx, w, *, event):
    from .fixed_prob_numba import gather_call

    return _via_supported_dtype(
        lambda v, i, w, **kw: gather_call(v, i, w, **kw), [v, idx], w, event=event
    )


def _wgrad_numba(a, idx, b, *, homo, event):
    from .fixed_prob_numba import wgrad_call

    return _via_supported_dtype(
        lambda a, i, b, **kw: wgrad_call(a, i, b, **kw), [a, idx], b, homo=homo, event=event
    )


register_kernel(scatter_p, "numba", _scatter_numba)
register_kernel(scatter_add_p, "numba", _scatter_add_numba)
register_kernel(gather_p, "numba", _gather_numba)
register_kernel(wgrad_p, "numba", _wgrad_numba)


# ----------------------------------------------------------------------------- Pallas kernels
def _scatter_pallas(s, idx, w, *, n_post, event, interpret, start=0):
    from .fixed_prob_pallas import scatter_pallas

    s = _used_rows(s, idx, start)
    return scatter_pallas(s, idx, w, n_post=n_post, event=event, interpret=interpret)


def _gather_pallas(v, idx, w, *, event, interpret):
    from .fixed_prob_pallas import gather_pallas

    return gather_pallas(v, idx, w, event=event, interpret=interpret)


def _wgrad_pallas(a, idx, b, *, homo, event, interpret):
    from .fixed_prob_pallas import wgrad_pallas

    return wgrad_pallas(a, idx, b, homo=homo, event=event, interpret=interpret)


register_kernel(scatter_p, "pallas", _scatter_pallas)
register_kernel(scatter_add_p, "pallas", _composite_scatter_add(_scatter_pallas))
register_kernel(gather_p, "pallas", _gather_pallas)
register_kernel(wgrad_p, "pallas", _wgrad_pallas)


# ----------------------------------------------------------------------------- Triton kernels
def _scatter_triton(s, idx, w, *, n_post, event, start=0):
    from .fixed_prob_triton import scatter_triton

    s = _used_rows(s, idx, start)
    return scatter_triton(s, idx, w, n_post=n_post, event=event)


def _gather_triton(v, idx, w, *, event):
    from .fixed_prob_triton import gather_triton

    return gather_triton(v, idx, w, event=event)


def _wgrad_triton(a, idx, b, *, homo, event):
    from .fixed_prob_triton import wgrad_triton

    return wgrad_triton(a, idx, b, homo=homo, event=event)


register_kernel(scatter_p, "triton", _scatter_triton)
register_kernel(scatter_add_p, "triton", _composite_scatter_add(_scatter_triton))
register_kernel(gather_p, "triton", _gather_triton)
register_kernel(wgrad_p, "triton", _wgrad_triton)

for _p in (scatter_p, scatter_add_p, gather_p, wgrad_p):
    register_lowerings(_p)


# ----------------------------------------------------------------------------- public operator
def _split_unit(x):
    """(mantissa, unit or None) for a brainunit Quantity (duck-typed; brainunit is optional)."""
    if hasattr(x, "mantissa") and hasattr(x, "unit") and not isinstance(x, jax.Array):
        return x.mantissa, x.unit
    return x, None


def _check_indices(indices, n_post: int, checked: bool = False):
    if np.ndim(indices) != 2:
        raise EventShapeError(
            f"indices must be a 2-D integer array [n_pre, n_conn], got shape "
            f"{tuple(np.shape(indices))}."
        )
    if not jnp.issubdtype(jnp.result_type(indices), jnp.integer):
        raise EventShapeError(f"indices must be integers, got dtype {jnp.result_type(indices)}.")
    if checked:
        return jnp.asarray(indices, jnp.int32)
    if isinstance(indices, jax.core.Tracer):
        return jnp.clip(jnp.asarray(indices, jnp.int32), 0, n_post - 1)
    arr = np.asarray(indices)
    if arr.size and (arr.min() < 0 or arr.max() >= n_post):
        raise EventShapeError(
            f"indices must lie in [0, n_post={n_post}), got values in [{arr.min()}, {arr.max()}]."
        )
    return jnp.asarray(indices, jnp.int32)


def fixed_prob_matvec(
    spikes: Any,
    indices: Any,
    weights: Any,
    *,
    n_post: int | None = None,
    transpose: bool = False,
    float_as_event: bool = True,
    backend: str | None = None,
    pre_start: int | None = None,
    y: Any = None,
    beta: Any = 1.0,
) -> Any:
    """Event-driven product of spikes with a fixed-out-degree connection matrix.

    The matrix ``W`` (``[n_pre, n_post]``) has ``W[i, indices[i, j]] += weights[i, j]``.
    ``transpose=False`` computes ``spikes @ W`` (spikes ``[..., n_pre]`` -> ``[..., n_post]``),
    touching only presynaptic rows whose spike is nonzero (a silent row adds nothing, even
    where its weights are NaN or infinite, on every backend); ``transpose=True`` computes
    ``spikes @ W.T`` (``[..., n_post]`` -> ``[..., n_pre]``).

    Two options of the forward product (``transpose=False``) save whole passes over the
    vectors when it runs inside a simulation step:

    - ``pre_start``: the spikes belong to a larger population (``[..., n_in]``, with
      ``n_in >= pre_start + n_pre``) and row ``i`` of ``indices`` is its neuron
      ``pre_start + i``. Same as passing ``spikes[..., pre_start:pre_start + n_pre]``, without
      the copy.
    - ``y`` and ``beta``: return ``beta * y + spikes @ W`` (as BLAS's ``gemv``), e.g. a decaying
      conductance and its increments in one pass. ``y`` has the shape of the result; ``beta``
      is a scalar or one value per postsynaptic neuron (``[n_post]``). The result is in
      ``y``'s unit (plain weights are taken in it).

    Args:
        spikes: Boolean (events) or float array; leading dimensions are batch dimensions.
        indices: ``[n_pre, n_conn]`` integer targets, each in ``[0, n_post)``. Concrete
            indices are checked; traced ones (inside ``jit``) cannot be, and an index out of
            range is then clipped or dropped as JAX does for gathers and scatters.
        weights: A scalar (homogeneous) or one weight per connection ``[n_pre, n_conn]``;
            may be a brainunit Quantity (the unit passes through).
        n_post: Number of postsynaptic neurons (required unless ``transpose``).
        transpose: Multiply by ``W.T`` instead of ``W``.
        float_as_event: Float spikes count as events (nonzero -> 1); if False their values
            scale the weights.
        backend: Kernel backend for this call (``'numba'``, ``'xla'``, ``'pallas'``,
            ``'triton'``); None uses :func:`get_backend`'s choice. ``'pallas'`` on CPU runs
            in interpret mode, for testing, where a row that targets one neuron twice adds
            once (GPU atomics add both).
        pre_start: The column of ``spikes`` that feeds row 0 of ``indices``; None (default):
            ``spikes`` has exactly ``n_pre`` columns (``transpose=False`` only).
        y: Optional array ``[..., n_post]`` the product is added to (``transpose=False`` only).
        beta: Factor of ``y`` (a scalar or ``[n_post]``; ignored without ``y``).

    Returns:
        ``[..., n_post]`` (or ``[..., n_pre]`` if ``transpose``), in the weights' float dtype
        (``y``'s dtype and unit when ``y`` is given).

    Raises:
        EventShapeError: a shape, dtype or index range is wrong (the message names it).
        KernelBackendError: an unknown or unavailable backend.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_event as be
        >>> indices = jnp.array([[0, 1], [1, 2], [2, 0]])
        >>> spikes = jnp.array([True, False, True])
        >>> be.fixed_prob_matvec(spikes, indices, 0.5, n_post=3).tolist()
        [1.0, 0.5, 0.5]
        >>> population = jnp.array([False, True, False, True])  # rows 0-2 are neurons 1-3
        >>> be.fixed_prob_matvec(population, indices, 0.5, n_post=3, pre_start=1).tolist()
        [1.0, 0.5, 0.5]
        >>> g = jnp.array([2.0, 4.0, 8.0])
        >>> be.fixed_prob_matvec(spikes, indices, 0.5, n_post=3, y=g, beta=0.5).tolist()
        [2.0, 2.5, 4.5]
    """
    return _matvec(
        spikes,
        indices,
        weights,
        n_post,
        transpose,
        float_as_event,
        backend,
        pre_start=pre_start,
        y=y,
        beta=beta,
    )


def _unit_factor(unit: Any, to: Any) -> float:
    """How many ``to`` one ``unit`` is (brainunit units; raises on a dimension mismatch)."""
    import brainunit as bu

    try:
        return float((1.0 * unit).to_decimal(to))
    except bu.UnitMismatchError:
        raise bu.UnitMismatchError(
            f"y is in {to}, which the product (in {unit}) cannot be added to."
        ) from None


def _matvec(
    spikes,
    indices,
    weights,
    n_post,
    transpose,
    float_as_event,
    backend,
    checked=False,
    pre_start=None,
    y=None,
    beta=1.0,
):
    """``fixed_prob_matvec``; ``checked=True`` skips the index range check."""
    spikes, s_unit = _split_unit(spikes)
    weights, w_unit = _split_unit(weights)
    spikes = jnp.asarray(spikes)
    weights = jnp.asarray(weights)
    if transpose and (pre_start is not None or y is not None):
        raise EventShapeError("pre_start and y apply to transpose=False only.")
    if transpose:
        if spikes.ndim < 1:
            raise EventShapeError("spikes must have at least one dimension [..., n_post].")
        n_post = spikes.shape[-1] if n_post is None else n_post
    if n_post is None or int(n_post) < 1:
        raise EventShapeError(f"n_post must be a positive integer, got {n_post!r}.")
    n_post = int(n_post)
    idx = _check_indices(indices, n_post, checked)
    n_pre, n_conn = idx.shape
    if transpose:
        if spikes.ndim < 1 or spikes.shape[-1] != n_post:
            raise EventShapeError(
                f"spikes must have shape [..., n_post={n_post}], got shape {tuple(spikes.shape)}."
            )
    elif pre_start is None:
        if spikes.ndim < 1 or spikes.shape[-1] != n_pre:
            raise EventShapeError(
                f"spikes must have shape [..., n_pre={n_pre}], got shape {tuple(spikes.shape)}."
            )
    else:
        if int(pre_start) < 0 or spikes.ndim < 1 or spikes.shape[-1] < int(pre_start) + n_pre:
            raise EventShapeError(
                f"spikes must have shape [..., n_in] with n_in >= pre_start + n_pre = "
                f"{pre_start} + {n_pre} and pre_start >= 0, got shape {tuple(spikes.shape)}."
            )
    if weights.ndim == 1 and weights.shape[0] == 1:
        weights = weights.reshape(())
    if weights.ndim != 0 and weights.shape != (n_pre, n_conn):
        raise EventShapeError(
            f"weights must be a scalar or have shape [n_pre, n_conn]=({n_pre}, {n_conn}), got "
            f"shape {tuple(weights.shape)}."
        )
    for name, x in (("weights", weights), ("spikes", spikes)):
        if jnp.issubdtype(x.dtype, jnp.complexfloating):
            raise EventShapeError(
                f"{name} must be real (bool, integer or float), got {x.dtype}: the kernels "
                "would drop the imaginary part. Split a complex product into real and "
                "imaginary parts."
            )
    if not jnp.issubdtype(weights.dtype, jnp.floating):
        weights = weights.astype(jnp.result_type(float))
    if spikes.dtype != jnp.bool_:  # the result is in the weights' dtype, as for CSR
        spikes = spikes.astype(weights.dtype)
    event = bool(float_as_event) or spikes.dtype == jnp.bool_
    unit = None
    for un in (w_unit, s_unit if not event else None):
        if un is not None:
            unit = un if unit is None else unit * un
    n_in = spikes.shape[-1]
    batch = spikes.shape[:-1]
    flat = spikes.reshape(int(np.prod(batch, dtype=int)), n_in)
    param = backend_param(backend)
    if transpose:
        out = _gather(flat, idx, weights, event, param)
    elif y is None:
        out = _scatter(flat, idx, weights, n_post, event, param, int(pre_start or 0))
    else:
        return _matvec_add(
            flat, batch, idx, weights, n_post, event, param, int(pre_start or 0), unit, y, beta
        )
    out = out.reshape(*batch, out.shape[-1])
    return out if unit is None else out * unit


def _matvec_add(flat, batch, idx, weights, n_post, event, param, pre_start, unit, y, beta):
    """``beta * y + flat @ W`` in ``y``'s dtype and unit (``unit``: the product's)."""
    y, y_unit = _split_unit(y)
    beta, b_unit = _split_unit(beta)
    if b_unit is not None and not getattr(b_unit, "is_unitless", False):
        raise EventShapeError(f"beta must be a plain number or array, got a quantity in {b_unit}.")
    y = jnp.asarray(y)
    if tuple(y.shape) != (*batch, n_post):
        raise EventShapeError(
            f"y must have the shape of the result {(*batch, n_post)}, got {tuple(y.shape)}."
        )
    if not jnp.issubdtype(y.dtype, jnp.floating):
        raise EventShapeError(f"y must be floating point, got dtype {y.dtype}.")
    beta = jnp.asarray(beta)
    if beta.ndim == 1 and beta.shape[0] == 1:
        beta = beta.reshape(())
    if beta.shape not in ((), (n_post,)):
        raise EventShapeError(
            f"beta must be a scalar or have shape [n_post]=({n_post},), got shape "
            f"{tuple(beta.shape)}."
        )
    if unit is not None and y_unit is None:
        import brainunit as bu

        raise bu.UnitMismatchError(
            f"y is a plain array, which the product (in {unit}) cannot be added to; give y "
            "in units of the weights' dimension."
        )
    # a plain product (weights without units) is taken in y's unit
    alpha = 1.0 if unit is None else _unit_factor(unit, y_unit)
    dtype = y.dtype
    if flat.dtype != jnp.bool_:
        flat = flat.astype(dtype)
    out = _scatter_add(
        flat,
        idx,
        weights.astype(dtype),
        y.reshape(flat.shape[0], n_post),
        beta.astype(dtype),
        n_post,
        event,
        param,
        pre_start,
        alpha,
    )
    out = out.reshape(*batch, n_post)
    return out if y_unit is None else out * y_unit
