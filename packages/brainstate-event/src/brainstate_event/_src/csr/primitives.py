"""The JAX primitives of the CSR operators: ``csrmv`` (vector) and ``csrmm`` (matrix).

Operands: ``data`` (``[1]`` homogeneous or ``[nnz]``), ``indices`` (``[nnz]``), ``indptr``
(``[m + 1]``) and ``x``: ``csrmv`` takes a vector, ``csrmm`` a matrix ``[*, k]``. Parameters:
``shape = (m, n)`` of the stored CSR matrix ``A``; ``transpose``: ``False`` computes
``A @ x``, ``True`` computes ``A.T @ x`` (= ``x @ A``, the event-driven direction: only the
rows of active entries of ``x`` are touched); ``float_as_event``: float ``x`` counts as events
(non-zero = 1) instead of values (bool ``x`` always counts as events); ``backend``.

Rules:

- JVP: linear in ``data``; in ``x`` it is the linear map ``A @ dx`` (also with
  ``float_as_event=True``: the straight-through convention for surrogate-gradient training,
  exact for 0/1 spikes). A tangent for bool spikes or the indices raises
  :class:`EventGradientError`.
- transpose: ``ct -> ct_data`` (an SDDMM, pure XLA; for homogeneous data the event kernel
  itself) and ``ct -> ct_x = A.T @ ct`` (the same primitive, flipped).
- batching: a batch of ``x`` becomes one ``csrmm`` call (``[*, B * k]`` columns); a batch of
  ``data`` or of the indices runs the pure-XLA formulation under ``vmap``.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
from jax.core import ShapedArray
from jax.extend.core import Primitive
from jax.interpreters import ad, batching

from ..backend import backend_param, register_kernel, register_lowerings
from ..errors import EventGradientError
from .common import acc_dtype
from .xla import csr_data_grad_xla, csr_matmul_xla

__all__ = ["csrmv_p", "csrmm_p", "csr_matmul"]

csrmv_p = Primitive("csrmv")
csrmm_p = Primitive("csrmm")


def _abstract_eval(data, indices, indptr, x, *, shape, transpose, float_as_event, backend):
    del indices, indptr, float_as_event, backend
    m, n = shape
    rows = n if transpose else m
    return ShapedArray((rows, *x.shape[1:]), data.dtype)


def _bind(data, indices, indptr, x, **params):
    prim = csrmv_p if x.ndim == 1 else csrmm_p
    return prim.bind(data, indices, indptr, x, **params)


def _jvp(primals, tangents, **params):
    data, indices, indptr, x = primals
    d_data, d_indices, d_indptr, dx = tangents
    if type(d_indices) is not ad.Zero or type(d_indptr) is not ad.Zero:
        raise EventGradientError(
            "csr: the sparse structure (indices, indptr) has no derivative; differentiate "
            "with respect to the matrix data instead."
        )
    out = _bind(data, indices, indptr, x, **params)
    tangent = None
    if type(d_data) is not ad.Zero:
        tangent = _bind(d_data, indices, indptr, x, **params)
    if type(dx) is not ad.Zero:
        if x.dtype == jnp.bool_:
            raise EventGradientError(
                "csr: boolean spikes are events and have no derivative; pass them as floats "
                "to differentiate with respect to them."
            )
        t = _bind(data, indices, indptr, dx, **{**params, "float_as_event": False})
        tangent = t if tangent is None else tangent + t
    if tangent is None:
        tangent = ad.Zero.from_primal_value(out)  # pyright: ignore[reportAttributeAccessIssue]
    return out, tangent


def _transpose(ct, data, indices, indptr, x, *, shape, transpose, float_as_event, backend):
    if ad.is_undefined_primal(indices) or ad.is_undefined_primal(indptr):
        raise EventGradientError(
            "csr: the sparse structure (indices, indptr) has no derivative; differentiate "
            "with respect to the matrix data instead."
        )
    if type(ct) is ad.Zero:
        return [None] * 4
    params = dict(shape=shape, transpose=transpose, float_as_event=float_as_event)
    if ad.is_undefined_primal(data):
        aval = data.aval
        if ad.is_undefined_primal(x):
            raise EventGradientError("csr: the product is not linear in data and x jointly.")
        if aval.shape[0] == 1:
            # homogeneous: d/dw <ct, w * P x> = <ct, P x> (P: the pattern), the forward kernel.
            ones = jnp.ones((1,), aval.dtype)
            px = _bind(ones, indices, indptr, x, backend=backend, **params)
            acc = acc_dtype(aval.dtype)
            ct_data = jnp.sum(ct.astype(acc) * px.astype(acc)).reshape(1).astype(aval.dtype)
        else:
            ct_data = csr_data_grad_xla(ct, indices, indptr, x, data_size=aval.shape[0], **params)
        return [ct_data, None, None, None]
    if ad.is_undefined_primal(x):
        if x.aval.dtype == jnp.bool_:
            raise EventGradientError(
                "csr: boolean spikes are events and have no derivative; pass them as floats "
                "to differentiate with respect to them."
            )
        ct_x = _bind(
            data,
            indices,
            indptr,
            ct.astype(x.aval.dtype),
            shape=shape,
            transpose=not transpose,
            float_as_event=False,
            backend=backend,
        )
        return [None, None, None, ct_x.astype(x.aval.dtype)]
    return [None] * 4


def _batch(args, dims, **params):
    data, indices, indptr, x = args
    d_data, d_indices, d_indptr, d_x = dims
    nb = None  # batching.not_mapped
    if d_data is nb and d_indices is nb and d_indptr is nb:
        # One csrmm call over all the batch's columns.
        x = jnp.moveaxis(x, d_x, 1)  # [len, B, *k]
        length, b = x.shape[:2]
        rest = x.shape[2:]
        out = csrmm_p.bind(data, indices, indptr, x.reshape(length, b * math.prod(rest)), **params)
        return out.reshape(out.shape[0], b, *rest), 1
    # A batch of matrices: the pure-XLA formulation, vectorised by vmap.
    size = next(a.shape[d] for a, d in zip(args, dims) if d is not nb)
    moved = [
        jnp.broadcast_to(a, (size, *a.shape)) if d is nb else jnp.moveaxis(a, d, 0)
        for a, d in zip(args, dims)
    ]
    params.pop("backend")
    out = jax.vmap(functools.partial(csr_matmul_xla, **params))(*moved)
    return out, 0


for _p in (csrmv_p, csrmm_p):
    _p.def_abstract_eval(_abstract_eval)
    ad.primitive_jvps[_p] = _jvp
    ad.primitive_transposes[_p] = _transpose
    batching.primitive_batchers[_p] = _batch
    register_kernel(_p, "xla", csr_matmul_xla)


def csr_matmul(data, indices, indptr, x, *, shape, transpose, float_as_event, backend=None):
    """Bind ``csrmv`` (vector ``x``) or ``csrmm`` (matrix ``x``); operands already checked."""
    return _bind(
        data,
        indices,
        indptr,
        x,
        shape=tuple(int(s) for s in shape),
        transpose=bool(transpose),
        float_as_event=bool(float_as_event),
        backend=backend_param(backend),
    )


def _register_lowerings():
    for p in (csrmv_p, csrmm_p):
        register_lowerings(p)


_register_lowerings()


def _register_pallas():
    from .pallas import csr_matmul_pallas

    for p in (csrmv_p, csrmm_p):
        register_kernel(p, "pallas", csr_matmul_pallas)


_register_pallas()


def _csr_matmul_numba(*args, **params):
    from .numba_kernels import csr_matmul_numba  # imports numba: only when lowering for it

    return csr_matmul_numba(*args, **params)


for _p in (csrmv_p, csrmm_p):
    register_kernel(_p, "numba", _csr_matmul_numba)
