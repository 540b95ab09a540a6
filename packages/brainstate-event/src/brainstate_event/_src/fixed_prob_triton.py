# pyright: reportOptionalMemberAccess=false, reportInvalidTypeForm=false
"""Hand-written Triton kernels of the FixedProb operators, called through jax-triton (CUDA).

Imported lazily by the ``'triton'`` backend's lowering (``pip install brainstate-event[triton]``;
jax-triton needs a CUDA build of jax). One program per (batch row, presynaptic row), the
connection row loaded as one masked block of ``BLOCK_C = next_power_of_2(n_conn)`` lanes:

- scatter: read the spike, return if zero, else ``atomic_add`` the row's weights at its targets;
- gather: load the targets, gather ``v`` there, reduce with the weights, store one value;
- wgrad: for one presynaptic row, loop over the batch accumulating ``a[b, i] * b[b, idx]``.

Accumulation is in float32 for 16-bit dtypes (inputs are converted by the wrappers).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

try:
    import jax_triton as jt  # pyright: ignore[reportMissingImports]
    import triton  # pyright: ignore[reportMissingImports]
    import triton.language as tl  # pyright: ignore[reportMissingImports]
except ImportError:  # without the extra this module still imports (docs, doctest collection)
    jt = triton = tl = None

__all__ = ["scatter_triton", "gather_triton", "wgrad_triton"]


def _require_triton():
    if jt is None:
        from .errors import KernelBackendError

        raise KernelBackendError(
            "the 'triton' backend needs jax-triton and a CUDA build of jax: "
            "pip install brainstate-event[triton]."
        )


if triton is not None:

    @triton.jit
    def _scatter_kernel(
        s_ptr, idx_ptr, w_ptr, out_ptr,
        n_pre: tl.constexpr, n_post: tl.constexpr, n_conn: tl.constexpr,
        HOMO: tl.constexpr, EVENT: tl.constexpr, BLOCK_C: tl.constexpr,
    ):  # fmt: skip
        b = tl.program_id(0)
        i = tl.program_id(1)
        x = tl.load(s_ptr + b * n_pre + i)
        if x != 0:
            cols = tl.arange(0, BLOCK_C)
            mask = cols < n_conn
            targets = tl.load(idx_ptr + i * n_conn + cols, mask=mask, other=0)
            if HOMO:
                val = tl.zeros((BLOCK_C,), dtype=tl.float32) + tl.load(w_ptr)
            else:
                val = tl.load(w_ptr + i * n_conn + cols, mask=mask, other=0.0)
            if not EVENT:
                val = val * x
            tl.atomic_add(out_ptr + b * n_post + targets, val, mask=mask)

    @triton.jit
    def _gather_kernel(
        v_ptr, idx_ptr, w_ptr, out_ptr,
        n_pre: tl.constexpr, n_post: tl.constexpr, n_conn: tl.constexpr,
        HOMO: tl.constexpr, BLOCK_C: tl.constexpr,
    ):  # fmt: skip
        b = tl.program_id(0)
        i = tl.program_id(1)
        cols = tl.arange(0, BLOCK_C)
        mask = cols < n_conn
        targets = tl.load(idx_ptr + i * n_conn + cols, mask=mask, other=0)
        vals = tl.load(v_ptr + b * n_post + targets, mask=mask, other=0.0)
        if HOMO:
            total = tl.sum(vals, axis=0) * tl.load(w_ptr)
        else:
            total = tl.sum(vals * tl.load(w_ptr + i * n_conn + cols, mask=mask, other=0.0), axis=0)
        tl.store(out_ptr + b * n_pre + i, total)

    @triton.jit
    def _wgrad_kernel(
        a_ptr, idx_ptr, b_ptr, out_ptr,
        batch: tl.constexpr, n_pre: tl.constexpr, n_post: tl.constexpr, n_conn: tl.constexpr,
        BLOCK_C: tl.constexpr,
    ):  # fmt: skip
        i = tl.program_id(0)
        cols = tl.arange(0, BLOCK_C)
        mask = cols < n_conn
        targets = tl.load(idx_ptr + i * n_conn + cols, mask=mask, other=0)
        total = tl.zeros((BLOCK_C,), dtype=tl.float32)
        for k in range(batch):
            x = tl.load(a_ptr + k * n_pre + i)
            if x != 0:
                total += x * tl.load(b_ptr + k * n_post + targets, mask=mask, other=0.0)
        tl.store(out_ptr + i * n_conn + cols, total, mask=mask)


def _block(n_conn: int) -> int:
    return max(1, triton.next_power_of_2(n_conn))


def _vector(x, event):
    """Spikes as float32 (``1.0`` for an event when ``event``)."""
    if x.dtype == jnp.bool_ or event:
        return (x != 0).astype(jnp.float32)
    return x.astype(jnp.float32)


def scatter_triton(s, idx, w, *, n_post, event):
    _require_triton()
    batch, n_pre = s.shape
    n_conn = idx.shape[1]
    if n_conn == 0 or n_pre == 0:
        return jnp.zeros((batch, n_post), w.dtype)
    out = jt.triton_call(
        _vector(s, event),
        idx,
        w.astype(jnp.float32).reshape(-1),
        kernel=_scatter_kernel,
        out_shape=jax.ShapeDtypeStruct((batch, n_post), jnp.float32),
        grid=(batch, n_pre),
        zeroed_outputs=(0,),
        n_pre=n_pre,
        n_post=n_post,
        n_conn=n_conn,
        HOMO=w.ndim == 0,
        EVENT=bool(event or s.dtype == jnp.bool_),
        BLOCK_C=_block(n_conn),
    )
    return out.astype(w.dtype)


def gather_triton(v, idx, w, *, event):
    _require_triton()
    batch, n_post = v.shape
    n_pre, n_conn = idx.shape
    if n_conn == 0 or n_pre == 0:
        return jnp.zeros((batch, n_pre), w.dtype)
    out = jt.triton_call(
        _vector(v, event),
        idx,
        w.astype(jnp.float32).reshape(-1),
        kernel=_gather_kernel,
        out_shape=jax.ShapeDtypeStruct((batch, n_pre), jnp.float32),
        grid=(batch, n_pre),
        n_pre=n_pre,
        n_post=n_post,
        n_conn=n_conn,
        HOMO=w.ndim == 0,
        BLOCK_C=_block(n_conn),
    )
    return out.astype(w.dtype)


def wgrad_triton(a, idx, b, *, homo, event):
    _require_triton()
    batch, n_pre = a.shape
    n_conn = idx.shape[1]
    if n_conn == 0 or n_pre == 0:
        return jnp.zeros(() if homo else idx.shape, b.dtype)
    dw = jt.triton_call(
        _vector(a, event),
        idx,
        b.astype(jnp.float32),
        kernel=_wgrad_kernel,
        out_shape=jax.ShapeDtypeStruct((n_pre, n_conn), jnp.float32),
        grid=(n_pre,),
        batch=batch,
        n_pre=n_pre,
        n_post=b.shape[1],
        n_conn=n_conn,
        BLOCK_C=_block(n_conn),
    )
    return (dw.sum() if homo else dw).astype(b.dtype)
