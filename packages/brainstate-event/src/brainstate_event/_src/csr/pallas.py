"""Pallas kernels of the CSR operators (Triton lowering on GPU, interpret mode on CPU).

One program per stored row (and per block of right-hand-side columns for ``csrmm``):

- ``A.T @ x`` (scatter, event-driven): a row whose entry of ``x`` is zero returns at once;
  an active row adds its weights to the outputs of its column ids with atomic adds;
- ``A @ x`` (gather): a row sums ``data * x[indices]`` over its entries.

Vector kernels walk a row in chunks of ``_CHUNK`` entries; masked-off lanes of an atomic add
target padding slots past the end of the output (one per lane), so no two lanes of one add
share a target unless the row itself repeats a column id (interpret mode would then drop
updates, as Triton's would not). Matrix kernels walk a row one entry at a time and add a block
of ``_BK`` columns. Accumulation is float32 for 16-bit floats (Triton has no bf16 atomics).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax.experimental import pallas as pl
from jax.experimental.pallas import triton as plt

from .common import acc_dtype

__all__ = ["csr_matmul_pallas"]

_CHUNK = 32
_BK_MAX = 64


def _params(interpret: bool) -> dict[str, Any]:
    return {} if interpret else {"compiler_params": plt.CompilerParams(num_warps=1, num_stages=1)}


def _weights(data_ref, offs, mask, acc):
    """The weights of entries ``offs`` (a chunk) or of one entry (scalar ``offs``)."""
    if data_ref.shape[0] == 1:
        return data_ref[0].astype(acc)
    if mask is None:
        return data_ref[offs].astype(acc)
    return plt.load(data_ref.at[offs], mask=mask, other=0).astype(acc)


def _values(x, float_as_event: bool, acc):
    if x.dtype == jnp.bool_ or float_as_event:
        return jnp.where(x != 0, 1, 0).astype(acc)
    return x.astype(acc)


def _mv_scatter(data, indices, indptr, x, *, shape, float_as_event, interpret):
    m, n = shape
    acc = acc_dtype(data.dtype)
    b = _CHUNK

    def kernel(data_ref, indices_ref, indptr_ref, x_ref, _, out_ref):
        i = pl.program_id(0)
        xi = x_ref[i]

        @pl.when(xi != 0)
        def _():
            start = indptr_ref[i]
            end = indptr_ref[i + 1]
            scale = _values(xi, float_as_event, acc)
            lane = jnp.arange(b, dtype=jnp.int32)

            def body(c, carry):
                offs = start + c * b
                mask = offs + lane < end
                cols = plt.load(indices_ref.at[pl.ds(offs, b)], mask=mask, other=0)
                if data_ref.shape[0] == 1:
                    w = jnp.broadcast_to(data_ref[0].astype(acc), (b,))
                else:
                    w = plt.load(data_ref.at[pl.ds(offs, b)], mask=mask, other=0).astype(acc)
                cols = jnp.where(mask, cols, n + lane)
                plt.atomic_add(out_ref, cols, jnp.where(mask, w * scale, 0))
                return carry

            jax.lax.fori_loop(0, (end - start + b - 1) // b, body, 0)

    out = pl.pallas_call(
        kernel,
        out_shape=jax.ShapeDtypeStruct((n + b,), acc),
        grid=(m,),
        input_output_aliases={4: 0},
        interpret=interpret,
        **_params(interpret),
    )(data, indices, indptr, x, jnp.zeros((n + b,), acc))
    return out[:n]


def _mv_gather(data, indices, indptr, x, *, shape, float_as_event, interpret):
    m, _ = shape
    acc = acc_dtype(data.dtype)
    b = _CHUNK

    def kernel(data_ref, indices_ref, indptr_ref, x_ref, out_ref):
        i = pl.program_id(0)
        start = indptr_ref[i]
        end = indptr_ref[i + 1]
        lane = jnp.arange(b, dtype=jnp.int32)

        def body(c, total):
            offs = start + c * b
            mask = offs + lane < end
            cols = plt.load(indices_ref.at[pl.ds(offs, b)], mask=mask, other=0)
            xv = _values(plt.load(x_ref.at[cols], mask=mask, other=0), float_as_event, acc)
            if data_ref.shape[0] == 1:
                w = data_ref[0].astype(acc)
            else:
                w = plt.load(data_ref.at[pl.ds(offs, b)], mask=mask, other=0).astype(acc)
            return total + jnp.sum(jnp.where(mask, w * xv, 0))

        total = jax.lax.fori_loop(0, (end - start + b - 1) // b, body, jnp.zeros((), acc))
        out_ref[i] = total

    return pl.pallas_call(
        kernel,
        out_shape=jax.ShapeDtypeStruct((m,), acc),
        grid=(m,),
        interpret=interpret,
        **_params(interpret),
    )(data, indices, indptr, x)


def _block_k(k: int) -> int:
    return min(_BK_MAX, pl.next_power_of_2(k))


def _mm_scatter(data, indices, indptr, x, *, shape, float_as_event, interpret):
    m, n = shape
    k = x.shape[1]
    acc = acc_dtype(data.dtype)
    bk = _block_k(k)
    nkb = pl.cdiv(k, bk)

    def kernel(data_ref, indices_ref, indptr_ref, x_ref, _, out_ref):
        i = pl.program_id(0)
        kb = pl.program_id(1)
        kmask = kb * bk + jnp.arange(bk) < k
        xk = plt.load(x_ref.at[i, pl.ds(kb * bk, bk)], mask=kmask, other=0)
        xv = _values(xk, float_as_event, acc)

        @pl.when(jnp.sum((xv != 0).astype(jnp.int32)) > 0)  # (no reduce_or in Triton)
        def _():
            def body(j, carry):
                col = indices_ref[j]
                w = data_ref[0] if data_ref.shape[0] == 1 else data_ref[j]
                plt.atomic_add(out_ref, (col, pl.ds(kb * bk, bk)), w.astype(acc) * xv)
                return carry

            jax.lax.fori_loop(indptr_ref[i], indptr_ref[i + 1], body, 0)

    out = pl.pallas_call(
        kernel,
        out_shape=jax.ShapeDtypeStruct((n, nkb * bk), acc),
        grid=(m, nkb),
        input_output_aliases={4: 0},
        interpret=interpret,
        **_params(interpret),
    )(data, indices, indptr, x, jnp.zeros((n, nkb * bk), acc))
    return out[:, :k]


def _mm_gather(data, indices, indptr, x, *, shape, float_as_event, interpret):
    m, _ = shape
    k = x.shape[1]
    acc = acc_dtype(data.dtype)
    bk = _block_k(k)
    nkb = pl.cdiv(k, bk)

    def kernel(data_ref, indices_ref, indptr_ref, x_ref, out_ref):
        i = pl.program_id(0)
        kb = pl.program_id(1)
        kmask = kb * bk + jnp.arange(bk) < k

        def body(j, total):
            col = indices_ref[j]
            w = data_ref[0] if data_ref.shape[0] == 1 else data_ref[j]
            xk = plt.load(x_ref.at[col, pl.ds(kb * bk, bk)], mask=kmask, other=0)
            return total + w.astype(acc) * _values(xk, float_as_event, acc)

        total = jax.lax.fori_loop(indptr_ref[i], indptr_ref[i + 1], body, jnp.zeros((bk,), acc))
        out_ref[i, pl.ds(kb * bk, bk)] = total

    out = pl.pallas_call(
        kernel,
        out_shape=jax.ShapeDtypeStruct((m, nkb * bk), acc),
        grid=(m, nkb),
        interpret=interpret,
        **_params(interpret),
    )(data, indices, indptr, x)
    return out[:, :k]


def csr_matmul_pallas(data, indices, indptr, x, *, shape, transpose, float_as_event, interpret):
    """The Pallas kernel of ``csrmv``/``csrmm`` (conventions of :mod:`.xla`)."""
    m, n = shape
    out_rows = n if transpose else m
    out_shape = (out_rows, *x.shape[1:])
    if m == 0 or indices.shape[0] == 0 or 0 in out_shape:
        return jnp.zeros(out_shape, data.dtype)
    if x.ndim == 1:
        fn = _mv_scatter if transpose else _mv_gather
    else:
        fn = _mm_scatter if transpose else _mm_gather
    out = fn(
        data, indices, indptr, x, shape=shape, float_as_event=float_as_event, interpret=interpret
    )
    return out.astype(data.dtype)
