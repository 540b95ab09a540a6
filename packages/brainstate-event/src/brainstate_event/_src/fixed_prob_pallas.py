"""Pallas (Triton lowering) kernels of the FixedProb operators; interpret mode on CPU.

One program per (batch row, presynaptic row). The connection rows are padded to a power of
two (Triton block sizes); padded lanes read target 0 with weight 0 and, in ``scatter``, add
to spare output columns (no masked memory operations, which interpret mode lacks).
``scatter`` returns at once for a silent presynaptic neuron and otherwise atomically adds
its weights at its targets; ``gather`` pulls ``v[idx]`` and reduces; ``wgrad`` loops over
the batch for one row of the weight cotangent.
Accumulation is in float32 for 16-bit dtypes.

Interpret mode (CPU tests) implements ``atomic_add`` as a read-modify-write of the whole
vector, so duplicate targets within one row keep only one update there; on GPU they add.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.experimental import pallas as pl
from jax.experimental.pallas import triton as plt

__all__ = ["scatter_pallas", "gather_pallas", "wgrad_pallas"]


def _acc_dtype(dtype):
    return jnp.float32 if jnp.dtype(dtype).itemsize < 4 else dtype


def _pad_conn(idx, w):
    """Pad the connection axis to a power of two; returns (idx, w2d_or_1, n_conn, width)."""
    n_conn = idx.shape[1]
    width = max(1, pl.next_power_of_2(n_conn))
    if width != n_conn:
        idx = jnp.pad(idx, ((0, 0), (0, width - n_conn)))
        if w.ndim == 2:
            w = jnp.pad(w, ((0, 0), (0, width - n_conn)))
    return idx, w, n_conn, width


def _params(interpret):
    return dict(interpret=interpret) if interpret else {}


def scatter_pallas(s, idx, w, *, n_post, event, interpret=False):
    out_dtype = w.dtype
    acc = _acc_dtype(w.dtype)
    batch, n_pre = s.shape
    if idx.shape[1] == 0 or n_pre == 0:
        return jnp.zeros((batch, n_post), out_dtype)
    homo = w.ndim == 0
    idx, w, n_conn, width = _pad_conn(idx, w)
    w = w.astype(acc).reshape(1) if homo else w.astype(acc)
    s_in = s if s.dtype == jnp.bool_ else s.astype(acc)

    def kernel(s_ref, idx_ref, w_ref, zeros_ref, out_ref):
        del zeros_ref
        b = pl.program_id(0)
        i = pl.program_id(1)
        x = s_ref[b, i]

        @pl.when(x != 0)
        def _():
            cols = jnp.arange(width)
            mask = cols < n_conn
            targets = idx_ref[i, :]
            if homo:
                val = jnp.full((width,), w_ref[0], acc)
            else:
                val = w_ref[i, :]
            # Padding columns add 0 to spare output columns n_post + col (distinct targets:
            # interpret-mode atomics drop duplicates; masked atomics do not interpret).
            targets = jnp.where(mask, targets, n_post + cols)
            val = jnp.where(mask, val, 0)
            if not event:
                val = val * x.astype(acc)
            plt.atomic_add(out_ref, (b, targets), val)

    zeros = jnp.zeros((batch, n_post + width), acc)
    out = pl.pallas_call(
        kernel,
        out_shape=jax.ShapeDtypeStruct((batch, n_post + width), acc),
        grid=(batch, n_pre),
        input_output_aliases={3: 0},
        name="fixed_prob_scatter",
        **_params(interpret),
    )(s_in, idx, w, zeros)
    return out[:, :n_post].astype(out_dtype)


def gather_pallas(v, idx, w, *, event, interpret=False):
    out_dtype = w.dtype
    acc = _acc_dtype(w.dtype)
    batch = v.shape[0]
    n_pre = idx.shape[0]
    if idx.shape[1] == 0 or n_pre == 0:
        return jnp.zeros((batch, n_pre), out_dtype)
    homo = w.ndim == 0
    idx, w, n_conn, width = _pad_conn(idx, w)
    w = w.astype(acc).reshape(1) if homo else w.astype(acc)
    v_in = (v != 0).astype(acc) if (event or v.dtype == jnp.bool_) else v.astype(acc)

    def kernel(v_ref, idx_ref, w_ref, out_ref):
        b = pl.program_id(0)
        i = pl.program_id(1)
        mask = jnp.arange(width) < n_conn
        targets = idx_ref[i, :]
        vals = jnp.where(mask, v_ref[b, targets], 0)
        if homo:
            total = vals.sum() * w_ref[0]
        else:
            total = (vals * w_ref[i, :]).sum()
        out_ref[b, i] = total

    out = pl.pallas_call(
        kernel,
        out_shape=jax.ShapeDtypeStruct((batch, n_pre), acc),
        grid=(batch, n_pre),
        name="fixed_prob_gather",
        **_params(interpret),
    )(v_in, idx, w)
    return out.astype(out_dtype)


def wgrad_pallas(a, idx, b, *, homo, event, interpret=False):
    out_dtype = b.dtype
    acc = _acc_dtype(b.dtype)
    batch = a.shape[0]
    n_pre, n_conn0 = idx.shape
    if n_conn0 == 0 or n_pre == 0:
        return jnp.zeros(() if homo else idx.shape, out_dtype)
    idx_p, _, n_conn, width = _pad_conn(idx, jnp.zeros(()))
    a_in = (a != 0).astype(acc) if (event or a.dtype == jnp.bool_) else a.astype(acc)
    b_in = b.astype(acc)

    def kernel(a_ref, idx_ref, b_ref, out_ref):
        i = pl.program_id(0)
        mask = jnp.arange(width) < n_conn
        targets = idx_ref[i, :]

        def body(k, total):
            return total + jnp.where(mask, b_ref[k, targets], 0) * a_ref[k, i]

        out_ref[i, :] = jax.lax.fori_loop(0, batch, body, jnp.zeros((width,), acc))

    dw = pl.pallas_call(
        kernel,
        out_shape=jax.ShapeDtypeStruct((n_pre, width), acc),
        grid=(n_pre,),
        name="fixed_prob_wgrad",
        **_params(interpret),
    )(a_in, idx_p, b_in)[:, :n_conn]
    return (dw.sum() if homo else dw).astype(out_dtype)
