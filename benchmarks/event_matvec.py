"""Event-driven FixedProb matvec against dense and BCOO products, in one run.

Spec (issue 6): n_pre = 10,000, n_post = 1,000, 1 % connectivity (n_conn = 10, homogeneous
weight), spike probability 0.1 %, 1 % and 10 %. Each variant runs inside one jitted
``lax.scan`` over 1,000 distinct spike vectors (drawn beforehand, so XLA cannot hoist
anything) and reports µs per matvec; the scan's own cost (summing the spike vectors' first
n_post entries) is measured and *not* subtracted. Compared:

- ``dense``: ``spikes @ W`` with the dense float32 ``W`` [10000, 1000];
- ``bcoo``: ``jax.experimental.sparse`` BCOO ``spikes @ W`` (float spikes);
- ``xla``: brainstate_event's pure-XLA fallback kernel;
- ``numba``: brainstate_event's numba kernel through XLA's typed FFI;
- ``numba vmap16``: ``jax.vmap`` over 16 spike vectors per step (µs per matvec = per step / 16);
- ``numba fwd+grad w``: forward and gradient w.r.t. the (homogeneous) weight per step, and
  the same with one weight per connection (whose gradient is a dense [n_pre, n_conn] array);
- ``standalone``: one jitted call on one spike vector (dispatch included), vs an empty jit.

Run: ``uv run python benchmarks/event_matvec.py [--steps 1000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax.experimental import sparse

import brainstate_event as be

N_PRE, N_POST, PROB = 10_000, 1_000, 0.01


def best_us(fn, args, repeat: int, per: int, warm: bool = True) -> float:
    if warm:
        jax.block_until_ready(fn(*args))
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*args))
        best = min(best, (time.perf_counter() - t0) / per * 1e6)
    return best


def scan_of(step):
    @jax.jit
    def run(spikes):
        def body(carry, s):
            return carry + step(s), None

        return jax.lax.scan(body, jnp.zeros(N_POST, jnp.float32), spikes)[0]

    return run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    steps = args.steps

    fp = be.FixedProb(N_PRE, N_POST, PROB, 1.0, seed=0)
    idx = fp.indices
    w_het = jnp.asarray(np.random.default_rng(1).random(idx.shape), jnp.float32)
    dense_w = np.zeros((N_PRE, N_POST), np.float32)
    np.add.at(dense_w, (np.repeat(np.arange(N_PRE), fp.n_conn), np.asarray(idx).ravel()), 1.0)
    dense_w = jnp.asarray(dense_w)
    bcoo_w = sparse.BCOO.fromdense(dense_w)

    def op(backend):
        return lambda s: be.fixed_prob_matvec(s, idx, 1.0, n_post=N_POST, backend=backend)

    print(
        f"jax {jax.__version__}, backend {jax.default_backend()}, n_pre={N_PRE}, "
        f"n_post={N_POST}, n_conn={fp.n_conn}, {steps} spike vectors per scan"
    )
    print(
        f"memory per synapse: {idx.dtype.itemsize} B index (+ 4 B weight if heterogeneous; "
        f"dense: {4 * N_POST / fp.n_conn:.0f} B per synapse)"
    )
    header = f"{'spike p':>8} | {'implementation':<18} | {'µs/matvec':>10} | {'vs dense':>9}"
    print(header)
    print("-" * len(header))
    rng = np.random.default_rng(2)
    for p in (0.001, 0.01, 0.1):
        spikes = jnp.asarray(rng.random((steps, N_PRE)) < p)
        fspikes = spikes.astype(jnp.float32)
        spikes16 = jnp.asarray(rng.random((steps // 16, 16, N_PRE)) < p)

        def grad_step(w0):
            def step(s):
                def loss(w):
                    out = be.fixed_prob_matvec(s, idx, w, n_post=N_POST, backend="numba")
                    return (out * out).sum()

                out, g = jax.value_and_grad(loss)(w0)
                return jnp.zeros(N_POST) + out + g.reshape(-1)[:1].sum()

            return step

        rows = {
            "scan only": (scan_of(lambda s: s[:N_POST].astype(jnp.float32)), spikes, steps),
            # dense does not depend on the spikes: 100 vectors suffice to time it
            "dense": (scan_of(lambda s: s @ dense_w), fspikes[:100], min(steps, 100)),
            "bcoo": (scan_of(lambda s: s @ bcoo_w), fspikes, steps),
            "xla": (scan_of(op("xla")), spikes, steps),
            "numba": (scan_of(op("numba")), spikes, steps),
            "numba vmap16": (
                scan_of(lambda s: jax.vmap(op("numba"))(s).sum(0)),
                spikes16,
                (steps // 16) * 16,
            ),
            "numba fwd+grad w": (scan_of(grad_step(jnp.float32(1.0))), spikes, steps),
            "  heterogeneous w": (scan_of(grad_step(w_het)), spikes, steps),
        }
        # Rounds interleave the implementations, so a slow phase of the shared machine hits
        # them alike; the best round of each counts.
        times = {name: float("inf") for name in rows}
        for fn, data, _ in rows.values():
            jax.block_until_ready(fn(data))
        for _ in range(args.repeat):
            for name, (fn, data, per) in rows.items():
                times[name] = min(times[name], best_us(fn, (data,), 1, per, warm=False))
        for name, t in times.items():
            ratio = times["dense"] / t
            print(f"{p:>8.3f} | {name:<18} | {t:>10.2f} | {ratio:>8.1f}x")

    s1 = jnp.asarray(rng.random(N_PRE) < 0.01)
    f_numba = jax.jit(op("numba"))
    f_dense = jax.jit(lambda s: s.astype(jnp.float32) @ dense_w)
    f_empty = jax.jit(lambda s: s)
    number = 2000
    for name, fn in (("empty jit", f_empty), ("numba", f_numba), ("dense", f_dense)):
        jax.block_until_ready(fn(s1))
        best = float("inf")
        for _ in range(args.repeat):
            n = number if name != "dense" else 50
            t0 = time.perf_counter()
            for _ in range(n):
                jax.block_until_ready(fn(s1))
            best = min(best, (time.perf_counter() - t0) / n * 1e6)
        print(f"standalone jitted call, 1% spikes | {name:<10} | {best:>9.2f} µs")


if __name__ == "__main__":
    main()
