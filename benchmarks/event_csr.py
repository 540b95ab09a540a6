"""Event-driven CSR and dense products against the dense ``spikes @ W``, side by side.

Spec (issue 6): n_pre = 10,000, n_post = 1,000, 1 % connectivity, spike probability 1 %,
inside one jitted ``lax.scan`` over distinct spike vectors (so XLA cannot hoist anything).
Rows: the dense product of the 0/1 spikes with the dense weight matrix (the reference),
``spikes @ csr`` (the event-driven CSR product) per backend, ``csc @ spikes`` (the same
storage seen as CSC), ``csr @ v`` (the gather direction, float ``v``), the event-driven dense
``be.event_matmul`` per backend, a batch of 16 spike vectors under ``vmap`` (µs per vector)
and the gradient with respect to the CSR data (µs per step). Pallas kernels run only on GPU
(on CPU they would run in interpret mode).

Run: ``uv run python benchmarks/event_csr.py [--steps 1000] [--prob 0.01]``.
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np

import brainstate_event as be


def per_step_us(fn, ops, xs, repeat: int) -> float:
    """Best µs per scan step of ``fn(ops, x) -> array`` over ``xs``.

    The operands ``ops`` are arguments of the jitted scan (not constants folded into it)."""

    @jax.jit
    def run(ops, xs):
        def body(carry, x):
            return carry + jnp.sum(fn(ops, x)), None

        return jax.lax.scan(body, jnp.zeros(()), xs)[0]

    jax.block_until_ready(run(ops, xs))
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        jax.block_until_ready(run(ops, xs))
        best = min(best, time.perf_counter() - t0)
    return best / xs.shape[0] * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n-pre", type=int, default=10_000)
    parser.add_argument("--n-post", type=int, default=1_000)
    parser.add_argument("--conn", type=float, default=0.01)
    parser.add_argument("--prob", type=float, default=0.01)
    parser.add_argument("--steps", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    platform = jax.default_backend()
    rng = np.random.default_rng(0)
    n_pre, n_post = args.n_pre, args.n_post
    mask = rng.random((n_pre, n_post)) < args.conn
    dense_w = jnp.asarray(mask * rng.standard_normal((n_pre, n_post)), jnp.float32)
    csr = be.CSR.fromdense(dense_w)
    spikes = jnp.asarray(rng.random((args.steps, n_pre)) < args.prob)
    batched = jnp.asarray(rng.random((max(1, args.steps // 16), 16, n_pre)) < args.prob)
    values = jnp.asarray(rng.standard_normal((args.steps, n_post)), jnp.float32)
    backends = ["xla", "numba"] if platform == "cpu" else ["xla", "pallas"]
    f32 = jnp.float32

    def dense_mv(w, s):
        return s.astype(f32) @ w

    def dense_grad(w, s):
        return jax.grad(lambda w: jnp.sum((s.astype(f32) @ w) ** 2))(w)

    # (name, fn, operands, inputs, vectors per step)
    cases = [
        ("scan step floor (sum of spikes)", lambda _, s: s.astype(f32), None, spikes, 1),
        ("dense  spikes @ W", dense_mv, dense_w, spikes, 1),
    ]
    for b in backends:
        cases.append(
            (
                f"csr    spikes @ csr [{b}]",
                lambda c, s, b=b: c.rmatmul(s, backend=b),
                csr,
                spikes,
                1,
            )
        )
    for b in backends:
        cases.append(
            (
                f"csc    csr.T @ spikes [{b}]",
                lambda c, s, b=b: c.T.matmul(s, backend=b),
                csr,
                spikes,
                1,
            )
        )
    for b in backends:
        cases.append(
            (
                f"csr    csr @ v (gather) [{b}]",
                lambda c, v, b=b: c.matmul(v, backend=b),
                csr,
                values,
                1,
            )
        )
    for b in backends:
        cases.append(
            (
                f"dense  event_matmul [{b}]",
                lambda w, s, b=b: be.event_matmul(s, w, backend=b),
                dense_w,
                spikes,
                1,
            )
        )
    cases.append(("dense  vmap16 spikes @ W", jax.vmap(dense_mv, (None, 0)), dense_w, batched, 16))
    for b in backends:
        cases.append(
            (
                f"csr    vmap16 spikes @ csr [{b}]",
                jax.vmap(lambda c, s, b=b: c.rmatmul(s, backend=b), (None, 0)),
                csr,
                batched,
                16,
            )
        )
    for b in backends:
        cases.append(
            (
                f"dense  vmap16 event_matmul [{b}]",
                jax.vmap(lambda w, s, b=b: be.event_matmul(s, w, backend=b), (None, 0)),
                dense_w,
                batched,
                16,
            )
        )
    cases.append(
        (
            "dense  grad W of sum((spikes @ W)^2)",
            dense_grad,
            dense_w,
            spikes[: max(1, args.steps // 10)],
            1,
        )
    )
    for b in backends:

        def csr_grad(c, s, b=b):
            return jax.grad(lambda d: jnp.sum(c.with_data(d).rmatmul(s, backend=b) ** 2))(c.data)

        cases.append((f"csr    grad data of sum((spikes @ csr)^2) [{b}]", csr_grad, csr, spikes, 1))

    print(
        f"jax {jax.__version__}, platform {platform}, n_pre={n_pre}, n_post={n_post}, "
        f"conn={args.conn}, spike prob={args.prob}, nnz={csr.nnz}, {args.steps} steps"
    )
    print(f"{'operation':<46} | {'µs/vector':>10} | {'dense / this':>12}")
    print("-" * 75)
    ref = {}
    for name, fn, ops, xs, per in cases:
        t = per_step_us(fn, ops, xs, args.repeat) / per
        if name.startswith("dense  spikes @ W") or name.startswith("dense  vmap16 spikes"):
            ref["mv" if "vmap" not in name else "vmap"] = t
        if name.startswith("dense  grad"):
            ref["grad"] = t
        key = "grad" if "grad" in name else "vmap" if "vmap" in name else "mv"
        ratio = f"{ref[key] / t:>11.1f}x" if key in ref else f"{'':>12}"
        print(f"{name:<46} | {t:>10.2f} | {ratio}")
    nbytes = csr.data.nbytes + csr.indices.nbytes + csr.indptr.nbytes
    print(
        f"memory: CSR {nbytes / csr.nnz:.2f} bytes per synapse (heterogeneous f32 data, int32 "
        f"indices), dense matrix {dense_w.nbytes / csr.nnz:.0f} bytes per synapse"
    )


if __name__ == "__main__":
    main()
