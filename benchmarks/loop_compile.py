"""Compile time and run time of ``bst.compile.for_loop`` over a LIF-like step.

Compared in one run, for 100, 1,000 and 10,000 steps:

- ``bst for_loop``: the step written with States, looped by ``bst.compile.for_loop`` inside
  ``bst.compile.jit``;
- ``lax.scan``: the same pure step written by hand with explicit carries, under ``jax.jit``;
- ``python loop``: a Python ``for`` calling a jitted one-step function.

Compile time must be flat in the number of steps; run time per step should match lax.scan.

Run: ``uv run python benchmarks/loop_compile.py``.
"""

from __future__ import annotations

import argparse
import time

import jax
import jax.numpy as jnp

import brainstate as bst

N = 1000
TAU, V_TH, V_RESET, DT = 10.0, 1.0, 0.0, 0.1


def lif_pure(v, i_ext):
    v = v + (-v + i_ext) / TAU * DT
    spike = v >= V_TH
    return jnp.where(spike, V_RESET, v), spike


def timed(fn):
    t0 = time.perf_counter()
    jax.block_until_ready(fn())
    return time.perf_counter() - t0


def bench(steps: int) -> dict[str, tuple[float, float]]:
    inputs = jnp.full((steps, N), 1.5)

    v_state = bst.State(jnp.zeros(N))

    def step(i_ext):
        v, spike = lif_pure(v_state.value, i_ext)
        v_state.value = v
        return spike.sum()

    @bst.compile.jit
    def run_bst(xs):
        return bst.compile.for_loop(step, xs)

    @jax.jit
    def run_scan(v, xs):
        def body(v, x):
            v, spike = lif_pure(v, x)
            return v, spike.sum()

        return jax.lax.scan(body, v, xs)

    one_step = jax.jit(lif_pure)

    def run_python():
        v = jnp.zeros(N)
        for t in range(steps):
            v, _ = one_step(v, inputs[t])
        return v

    results = {}
    first = timed(lambda: run_bst(inputs))
    again = min(timed(lambda: run_bst(inputs)) for _ in range(3))
    results["bst for_loop"] = (first - again, again / steps)
    v0 = jnp.zeros(N)
    first = timed(lambda: run_scan(v0, inputs))
    again = min(timed(lambda: run_scan(v0, inputs)) for _ in range(3))
    results["lax.scan"] = (first - again, again / steps)
    if steps <= 1000:
        first = timed(run_python)
        again = timed(run_python)
        results["python loop"] = (first - again, again / steps)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, nargs="*", default=[100, 1000, 10000])
    args = parser.parse_args()
    print(f"jax {jax.__version__}, backend {jax.default_backend()}, LIF step over {N} neurons")
    header = ["steps".rjust(6), "implementation".ljust(13), "compile s".rjust(9)]
    header += ["µs/step".rjust(8), "vs lax.scan".rjust(11)]
    print(" | ".join(header))
    print("-" * 62)
    for steps in args.steps:
        res = bench(steps)
        ref = res["lax.scan"][1]
        for name, (compile_s, per_step) in res.items():
            print(
                f"{steps:>6} | {name:<13} | {compile_s:>9.3f} | {per_step * 1e6:>8.2f} | "
                f"{per_step / ref:>10.2f}x"
            )


if __name__ == "__main__":
    main()
