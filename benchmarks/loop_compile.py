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


def bench_nested(depth: int) -> tuple[int, float, float]:
    """Loops nested ``depth`` deep around the LIF step (3 iterations per level).

    Returns how often the innermost Python body ran while ``bst.compile.jit`` traced, and
    the trace times (``.trace``, no XLA compile) of the brainstate version and of the same
    nest written with ``lax.scan``. Discovery replays its recordings, so the body runs
    once whatever the depth (it ran 2**(depth + 1) times before).
    """
    v_state = bst.State(jnp.zeros(N))
    runs = [0]

    def step(i):
        runs[0] += 1
        v_state.value = lif_pure(v_state.value, 1.5)[0]

    def nest(level):
        if level == 0:
            return step
        inner = nest(level - 1)
        return lambda i: bst.compile.for_loop(inner, jnp.arange(3))

    outer = nest(depth - 1)
    run_bst = bst.compile.jit(lambda: bst.compile.for_loop(outer, jnp.arange(3)))
    t0 = time.perf_counter()
    run_bst.trace()
    t_bst = time.perf_counter() - t0

    def scan_nest(level):
        if level == 0:
            return lambda v, i: (lif_pure(v, 1.5)[0], None)
        inner = scan_nest(level - 1)
        return lambda v, i: (jax.lax.scan(inner, v, jnp.arange(3))[0], None)

    outer_scan = scan_nest(depth - 1)
    run_scan = jax.jit(lambda v: jax.lax.scan(outer_scan, v, jnp.arange(3))[0])
    t0 = time.perf_counter()
    run_scan.trace(jnp.zeros(N))
    t_scan = time.perf_counter() - t0
    return runs[0], t_bst, t_scan


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

    print()
    print("loops nested d deep: runs of the innermost body while tracing, trace time")
    print(f"{'depth':>5} | {'body runs':>9} | {'bst trace s':>11} | {'lax.scan trace s':>16}")
    print("-" * 52)
    for depth in (1, 2, 3, 4):
        runs, t_bst, t_scan = bench_nested(depth)
        print(f"{depth:>5} | {runs:>9} | {t_bst:>11.3f} | {t_scan:>16.3f}")


if __name__ == "__main__":
    main()
