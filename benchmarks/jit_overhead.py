"""Per-call overhead of a jitted, State-mutating step, against raw ``jax.jit``.

The step updates N States of 100 floats (``s = 0.9 * s + x``). Compared in one run:

- ``raw jax.jit``: the equivalent pure function with the state passed in and out explicitly;
- ``bst.compile.jit``: the same step written with States;
- ``flax nnx.jit``: the same step as an nnx module (when flax is installed);
- ``floor``: the least any State-based wrapper must do around the same ``jax.jit`` call:
  read the N values from their State objects into a list and write the N results back,
  in plain Python with no checks. The gap between ``floor`` and raw is Python's own cost
  of touching N objects; the gap between ``bst.compile.jit`` and ``floor`` is ours.

JAX's own cost per output array (about 1.5 µs) dominates with hundreds of States; grouping
same-shape state into one array is the lever there, not the wrapper.

Run: ``uv run python benchmarks/jit_overhead.py``.
"""

from __future__ import annotations

import argparse
import timeit

import jax
import jax.numpy as jnp

import brainstate as bst


def interleaved_us(fns: dict, number: int, repeat: int) -> dict[str, float]:
    """Best µs per call of each function, timing them in turns so that slow phases of a
    shared machine hit every implementation alike."""
    for fn in fns.values():
        fn()
        fn()
    best = {name: float("inf") for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            n = number if name != "flax nnx.jit" else max(1, number // 10)
            t = timeit.timeit(fn, number=n) / n * 1e6
            best[name] = min(best[name], t)
    return best


def bench_size(n: int, number: int, repeat: int) -> dict[str, float]:
    states = [bst.State(jnp.zeros(100)) for _ in range(n)]

    @bst.compile.jit
    def step(x):
        for s in states:
            s.value = s.value * 0.9 + x

    @jax.jit
    def pure(values, x):
        return [v * 0.9 + x for v in values]

    @jax.jit
    def pure_with_out(values, x):
        return None, [v * 0.9 + x for v in values]

    floor_states = [bst.State(jnp.zeros(100)) for _ in range(n)]

    def floor():
        _, new = pure_with_out([s._value for s in floor_states], 1.0)
        for s, v in zip(floor_states, new):
            s._value = v

    box = {"v": [jnp.zeros(100) for _ in range(n)]}

    def raw():
        box["v"] = pure(box["v"], 1.0)

    def ours():
        step(1.0)

    fns = {"raw jax.jit": raw, "floor": floor, "bst.compile.jit": ours}
    try:
        from flax import nnx
    except ImportError:
        return interleaved_us(fns, number, repeat)

    class Model(nnx.Module):
        def __init__(self):
            self.vs = (
                nnx.List([nnx.Variable(jnp.zeros(100)) for _ in range(n)])
                if hasattr(nnx, "List")
                else [nnx.Variable(jnp.zeros(100)) for _ in range(n)]
            )

    model = Model()

    @nnx.jit
    def nnx_step(m, x):
        for v in m.vs:
            v[...] = v[...] * 0.9 + x

    def flax():
        nnx_step(model, 1.0)

    fns["flax nnx.jit"] = flax
    return interleaved_us(fns, number, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="*", default=[3, 30, 300])
    parser.add_argument("--number", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print(f"jax {jax.__version__}, backend {jax.default_backend()}, brainstate {bst.__version__}")
    print(f"{'states':>7} | {'implementation':<16} | {'µs/call':>9} | {'ratio to raw':>12}")
    print("-" * 55)
    for n in args.sizes:
        number = max(50, args.number // max(1, n // 10))
        res = bench_size(n, number, args.repeat)
        raw = res["raw jax.jit"]
        for name, t in res.items():
            print(f"{n:>7} | {name:<16} | {t:>9.1f} | {t / raw:>11.2f}x")


if __name__ == "__main__":
    main()
