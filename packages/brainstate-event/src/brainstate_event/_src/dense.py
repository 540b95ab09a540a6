"""The event-driven dense product ``spikes @ W``: only the rows of active spikes are read.

``dense_event_mv`` takes spikes ``[n_pre]``, ``dense_event_mm`` a batch ``[k, n_pre]``;
both multiply with a dense ``weight`` ``[n_pre, n_post]``. Parameters: ``float_as_event``
(non-zero floats count as 1) and ``backend``. Bool spikes are always events.

Rules: JVP linear in ``weight``; in float spikes it is the dense product ``dx @ W`` (also with
``float_as_event=True``: the straight-through convention, exact for 0/1 spikes); transpose
``ct_W = values(x).T @ ct`` is the event-driven ``dense_event_wgrad`` primitive (each active
spike adds its cotangent row into the gradient row of its input); a batch of spikes becomes
one ``dense_event_mm`` call; a batch of weights runs the XLA formulation under ``vmap``. Bool
spikes have no derivative (:class:`EventGradientError`).

``dense_event_wgrad`` has ``'numba'`` and ``'xla'`` kernels: with a backend that has no weight
gradient kernel (``'pallas'``, ``'triton'``) the weight gradient uses the XLA formulation.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import jax
import jax.numpy as jnp
from jax.core import ShapedArray
from jax.experimental import pallas as pl
from jax.experimental.pallas import triton as plt
from jax.extend.core import Primitive
from jax.interpreters import ad, batching

from .backend import backend_param, kernel_backends, register_kernel, register_lowerings
from .csr.common import acc_dtype, as_values, check_data_dtype, prepare_spikes, shape_error
from .errors import EventGradientError

__all__ = ["event_matmul", "dense_event_mv_p", "dense_event_mm_p", "dense_event_wgrad_p"]

dense_event_mv_p = Primitive("dense_event_mv")
dense_event_mm_p = Primitive("dense_event_mm")
dense_event_wgrad_p = Primitive("dense_event_wgrad")


def _bind(x, weight, **params):
    prim = dense_event_mv_p if x.ndim == 1 else dense_event_mm_p
    return prim.bind(x, weight, **params)


def _abstract_eval(x, weight, *, float_as_event, backend):
    del float_as_event, backend
    return ShapedArray((*x.shape[:-1], weight.shape[1]), weight.dtype)


_BOOL_GRAD = (
    "event_matmul: boolean spikes are events and have no derivative; pass them as floats "
    "to differentiate with respect to them."
)


def _jvp(primals, tangents, *, float_as_event, backend):
    x, weight = primals
    dx, dw = tangents
    out = _bind(x, weight, float_as_event=float_as_event, backend=backend)
    tangent = None
    if type(dw) is not ad.Zero:
        tangent = _bind(x, dw, float_as_event=float_as_event, backend=backend)
    if type(dx) is not ad.Zero:
        if x.dtype == jnp.bool_:
            raise EventGradientError(_BOOL_GRAD)
        t = jnp.matmul(dx, weight, preferred_element_type=acc_dtype(weight.dtype))
        t = t.astype(weight.dtype)
        tangent = t if tangent is None else tangent + t
    if tangent is None:
        tangent = ad.Zero.from_primal_value(out)  # pyright: ignore[reportAttributeAccessIssue]
    return out, tangent


def _transpose(ct, x, weight, *, float_as_event, backend):
    if type(ct) is ad.Zero:
        return [None, None]
    if ad.is_undefined_primal(weight):
        ct_w = _wgrad(x, ct.astype(weight.aval.dtype), float_as_event, backend)
        return [None, ct_w]
    if ad.is_undefined_primal(x):
        if x.aval.dtype == jnp.bool_:
            raise EventGradientError(_BOOL_GRAD)
        ct_x = jnp.matmul(ct, weight.T, preferred_element_type=acc_dtype(weight.dtype))
        return [ct_x.astype(x.aval.dtype), None]
    return [None, None]


def _batch(args, dims, **params):
    x, weight = args
    dx, dw = dims
    if dw is None:
        x = jnp.moveaxis(x, dx, 0)  # [B, *k, n_pre]
        lead = x.shape[:-1]
        out = dense_event_mm_p.bind(x.reshape(math.prod(lead), x.shape[-1]), weight, **params)
        return out.reshape(*lead, out.shape[-1]), 0
    size = x.shape[dx] if dx is not None else weight.shape[dw]
    x = jnp.broadcast_to(x, (size, *x.shape)) if dx is None else jnp.moveaxis(x, dx, 0)
    weight = jnp.moveaxis(weight, dw, 0)
    params.pop("backend")
    return jax.vmap(functools.partial(dense_event_xla, **params))(x, weight), 0


def dense_event_xla(x, weight, *, float_as_event):
    """The XLA kernel: a dense product with the 0/1 (or value) spikes (reads every row)."""
    acc = acc_dtype(weight.dtype)
    xv = as_values(x, float_as_event, weight.dtype)
    return jnp.matmul(xv, weight, preferred_element_type=acc).astype(weight.dtype)


_BM = 32
_BN_MAX = 128


def dense_event_pallas(x, weight, *, float_as_event, interpret):
    """The Pallas kernel: per block of ``_BN`` outputs and per spike vector, walk the rows in
    chunks of ``_BM`` and read a chunk of weights only when one of its spikes is active."""
    n_pre, n_post = weight.shape
    single = x.ndim == 1
    xs = x.reshape(1, n_pre) if single else x
    k = xs.shape[0]
    if 0 in (k, n_pre, n_post):
        return jnp.zeros((*x.shape[:-1], n_post), weight.dtype)
    acc = acc_dtype(weight.dtype)
    bn = min(_BN_MAX, pl.next_power_of_2(n_post))
    nb = pl.cdiv(n_post, bn)

    def kernel(x_ref, w_ref, out_ref):
        jb = pl.program_id(0)
        b = pl.program_id(1)
        cols = jb * bn + jnp.arange(bn)
        cmask = cols < n_post
        rows = jnp.arange(_BM)

        def body(c, total):
            rmask = c * _BM + rows < n_pre
            xc = plt.load(x_ref.at[b, pl.ds(c * _BM, _BM)], mask=rmask, other=0)
            xv = jnp.where(rmask, as_values(xc, float_as_event, acc), 0)

            def add(t):
                w = plt.load(
                    w_ref.at[pl.ds(c * _BM, _BM), pl.ds(jb * bn, bn)],
                    mask=rmask[:, None] & cmask[None, :],
                    other=0,
                )
                return t + jnp.sum(xv[:, None] * w.astype(acc), axis=0)

            active = jnp.sum((xv != 0).astype(jnp.int32)) > 0  # (no reduce_or in Triton)
            return jax.lax.cond(active, add, lambda t: t, total)

        total = jax.lax.fori_loop(0, pl.cdiv(n_pre, _BM), body, jnp.zeros((bn,), acc))
        out_ref[b, pl.ds(jb * bn, bn)] = total

    params: dict[str, Any] = (
        {} if interpret else {"compiler_params": plt.CompilerParams(num_warps=4)}
    )
    out = pl.pallas_call(
        kernel,
        out_shape=jax.ShapeDtypeStruct((k, nb * bn), acc),
        grid=(nb, k),
        interpret=interpret,
        **params,
    )(xs, weight)
    out = out[:, :n_post].astype(weight.dtype)
    return out[0] if single else out


def _dense_event_numba(x, weight, *, float_as_event):
    from .dense_numba import dense_event_numba  # imports numba: only when lowering for it

    return dense_event_numba(x, weight, float_as_event=float_as_event)


for _p in (dense_event_mv_p, dense_event_mm_p):
    _p.def_abstract_eval(_abstract_eval)
    ad.primitive_jvps[_p] = _jvp
    ad.primitive_transposes[_p] = _transpose
    batching.primitive_batchers[_p] = _batch
    register_kernel(_p, "xla", dense_event_xla)
    register_kernel(_p, "pallas", dense_event_pallas)
    register_kernel(_p, "numba", _dense_event_numba)
    register_lowerings(_p)


# The weight gradient ``values(x).T @ ct``, event-driven: the transpose of the product.


def _wgrad_backend(backend):
    """The backend parameter of the weight gradient: a backend without a weight-gradient
    kernel (``'pallas'``, ``'triton'``) runs its XLA formulation."""
    have = kernel_backends(dense_event_wgrad_p)
    if isinstance(backend, str):
        return backend if backend in have else "xla"
    return tuple((p, b if b in have else "xla") for p, b in backend)


def _wgrad(x, ct, float_as_event, backend):
    """``values(x).T @ ct`` (``[n_pre, n_post]``) for spikes ``[n_pre]`` or ``[k, n_pre]``."""
    if x.ndim == 1:
        x, ct = x[None], ct[None]
    return dense_event_wgrad_p.bind(
        x, ct, float_as_event=float_as_event, backend=_wgrad_backend(backend)
    )


def _wgrad_abstract_eval(x, ct, *, float_as_event, backend):
    del float_as_event, backend
    return ShapedArray((x.shape[1], ct.shape[1]), ct.dtype)


def dense_event_wgrad_xla(x, ct, *, float_as_event):
    """The XLA kernel of the weight gradient: a dense ``values(x).T @ ct``."""
    acc = acc_dtype(ct.dtype)
    xv = as_values(x, float_as_event, acc)
    return jnp.matmul(xv.T, ct.astype(acc), preferred_element_type=acc).astype(ct.dtype)


def _wgrad_jvp(primals, tangents, *, float_as_event, backend):
    x, ct = primals
    dx, dct = tangents
    params = dict(float_as_event=float_as_event, backend=backend)
    out = dense_event_wgrad_p.bind(x, ct, **params)
    tangent = None
    if type(dct) is not ad.Zero:
        tangent = dense_event_wgrad_p.bind(x, dct, **params)
    if type(dx) is not ad.Zero:
        if x.dtype == jnp.bool_:
            raise EventGradientError(_BOOL_GRAD)
        t = jnp.matmul(dx.T, ct, preferred_element_type=acc_dtype(ct.dtype)).astype(ct.dtype)
        tangent = t if tangent is None else tangent + t
    if tangent is None:
        tangent = ad.Zero.from_primal_value(out)  # pyright: ignore[reportAttributeAccessIssue]
    return out, tangent


def _wgrad_transpose(g, x, ct, *, float_as_event, backend):
    if type(g) is ad.Zero:
        return [None, None]
    if ad.is_undefined_primal(ct):  # values(x) @ g: the event-driven product itself
        g = g.astype(ct.aval.dtype)
        return [None, dense_event_mm_p.bind(x, g, float_as_event=float_as_event, backend=backend)]
    if ad.is_undefined_primal(x):
        if x.aval.dtype == jnp.bool_:
            raise EventGradientError(_BOOL_GRAD)
        ct_x = jnp.matmul(ct, g.T, preferred_element_type=acc_dtype(ct.dtype))
        return [ct_x.astype(x.aval.dtype), None]
    return [None, None]


def _wgrad_batch(args, dims, **params):
    x, ct = args
    dx, dct = dims
    if dx is None:  # one spike matrix, a batch of cotangents: fold the batch into columns
        ct = jnp.moveaxis(ct, dct, 1)
        k, size, n_post = ct.shape
        out = dense_event_wgrad_p.bind(x, ct.reshape(k, size * n_post), **params)
        return out.reshape(x.shape[1], size, n_post), 1
    size = x.shape[dx]
    x = jnp.moveaxis(x, dx, 0)
    ct = jnp.broadcast_to(ct, (size, *ct.shape)) if dct is None else jnp.moveaxis(ct, dct, 0)
    params.pop("backend")
    return jax.vmap(functools.partial(dense_event_wgrad_xla, **params))(x, ct), 0


def _dense_event_wgrad_numba(x, ct, *, float_as_event):
    from .dense_numba import dense_event_wgrad_numba  # imports numba: only when lowering

    return dense_event_wgrad_numba(x, ct, float_as_event=float_as_event)


dense_event_wgrad_p.def_abstract_eval(_wgrad_abstract_eval)
ad.primitive_jvps[dense_event_wgrad_p] = _wgrad_jvp
ad.primitive_transposes[dense_event_wgrad_p] = _wgrad_transpose
batching.primitive_batchers[dense_event_wgrad_p] = _wgrad_batch
register_kernel(dense_event_wgrad_p, "xla", dense_event_wgrad_xla)
register_kernel(dense_event_wgrad_p, "numba", _dense_event_wgrad_numba)
register_lowerings(dense_event_wgrad_p)


def event_matmul(
    spikes: Any, weight: Any, *, float_as_event: bool = True, backend: str | None = None
) -> jax.Array:
    """Event-driven ``spikes @ weight`` with a dense weight matrix.

    Only the rows of ``weight`` whose spike is active (``True`` / non-zero) are read. A JAX
    primitive with JVP, transpose and batching rules (``vmap`` over spikes is one kernel call).
    The weight gradient is event-driven too: each active spike adds the output cotangent of
    its row into the gradient row of its input (``'numba'`` on CPU; XLA elsewhere).

    Args:
        spikes: ``[..., n_pre]`` bool (events) or numbers (cast to the weight's dtype).
        weight: ``[n_pre, n_post]`` floating.
        float_as_event: Count non-zero float spikes as 1 (the default, as for ``FixedProb``);
            ``False`` multiplies by the spike values. The gradient with respect to float
            spikes is that of ``spikes @ weight`` either way.
        backend: Kernel backend for this call (``None``: automatic).

    Returns:
        ``[..., n_post]`` in the weight's dtype.

    Raises:
        EventShapeError: mismatched shapes or a non-floating weight.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_event as be
        >>> w = jnp.arange(6.).reshape(3, 2)
        >>> be.event_matmul(jnp.array([True, False, True]), w).tolist()
        [4.0, 6.0]
        >>> be.event_matmul(jnp.array([0.5, 0., 2.]), w, float_as_event=False).tolist()
        [8.0, 10.5]
    """
    weight = jnp.asarray(weight)
    check_data_dtype(weight, "event_matmul: weight")
    if weight.ndim != 2:
        raise shape_error("event_matmul: weight", "a 2-D [n_pre, n_post] array", weight.shape)
    x = prepare_spikes(spikes, weight.dtype, "event_matmul: spikes")
    n_pre = weight.shape[0]
    if x.ndim == 0 or x.shape[-1] != n_pre:
        raise shape_error(
            "event_matmul: spikes", f"last dimension {n_pre} (n_pre, rows of weight)", x.shape
        )
    params = dict(float_as_event=bool(float_as_event), backend=backend_param(backend))
    if x.ndim <= 2:
        return _bind(x, weight, **params)
    lead = x.shape[:-1]
    out = _bind(x.reshape(math.prod(lead), n_pre), weight, **params)
    return out.reshape(*lead, weight.shape[1])
