"""Python overhead of brainstate-graph's walks, side by side with flax nnx.

Times ``states()``, ``flatten``/``unflatten``, ``treefy_split``/``treefy_merge`` and
``clone`` on models of 10, 100 and 1000 States (a list of small layers with two States
each), and the nnx counterparts (``nnx.state``, ``nnx.graph.flatten``/``unflatten``,
``nnx.split``/``nnx.merge``, ``nnx.clone``) on the equivalent nnx model when flax is
importable (the nnx column is left empty otherwise).

Run:  python benchmarks/graph_overhead.py [--quick]
"""

from __future__ import annotations

import argparse
import gc
import sys
import timeit
from collections.abc import Callable

import jax.numpy as jnp

import brainstate_core as bsc
import brainstate_graph as graph

try:  # flax is optional: the `bench` dependency group brings it
    from flax import nnx
except ImportError:  # pragma: no cover - depends on the environment
    nnx = None


# -- the models -----------------------------------------------------------------------------
class Layer(graph.Node):
    def __init__(self, n: int) -> None:
        self.size = n
        self.w = bsc.ParamState(jnp.ones((n,)))
        self.b = bsc.ParamState(jnp.zeros((n,)))


class Model(graph.Node):
    def __init__(self, n_states: int) -> None:
        self.layers = [Layer(4) for _ in range(n_states // 2)]


def make_nnx_model(n_states: int):
    class NLayer(nnx.Module):
        def __init__(self, n: int) -> None:
            self.size = n
            self.w = nnx.Param(jnp.ones((n,)))
            self.b = nnx.Param(jnp.zeros((n,)))

    class NModel(nnx.Module):
        def __init__(self, n_states: int) -> None:
            layers = [NLayer(4) for _ in range(n_states // 2)]
            self.layers = nnx.List(layers) if hasattr(nnx, "List") else layers

    return NModel(n_states)


# -- timing ---------------------------------------------------------------------------------
def time_us(fn: Callable[[], object], budget_s: float) -> float:
    """Best per-call time in µs over a few repeats, each about ``budget_s / 5`` long."""
    fn()  # warm up (type caches, first-call imports)
    timer = timeit.Timer(fn)
    number, elapsed = 1, 0.0
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= budget_s / 5 or number >= 1 << 20:
            break
        number *= 2 if elapsed < budget_s / 50 else 1 + int(budget_s / 5 / max(elapsed, 1e-9))
    gc.collect()
    return min(timer.repeat(repeat=5, number=number)) / number * 1e6


def bench_ops(n_states: int) -> dict[str, Callable[[], object]]:
    model = Model(n_states)
    gd, st = graph.flatten(model)
    sgd, sst = graph.treefy_split(model)
    return {
        "states": lambda: graph.states(model),
        "flatten": lambda: graph.flatten(model),
        "unflatten": lambda: graph.unflatten(gd, st),
        "treefy_split": lambda: graph.treefy_split(model),
        "treefy_merge": lambda: graph.treefy_merge(sgd, sst),
        "clone": lambda: graph.clone(model),
    }


def nnx_ops(n_states: int) -> dict[str, Callable[[], object]]:
    if nnx is None:
        return {}
    model = make_nnx_model(n_states)
    ops: dict[str, Callable[[], object]] = {"states": lambda: nnx.state(model)}
    g = getattr(nnx, "graph", None)
    if g is not None and hasattr(g, "flatten") and hasattr(g, "unflatten"):
        gd, st = g.flatten(model)
        ops["flatten"] = lambda: g.flatten(model)
        ops["unflatten"] = lambda: g.unflatten(gd, st)
    sgd, sst = nnx.split(model)
    ops["treefy_split"] = lambda: nnx.split(model)
    ops["treefy_merge"] = lambda: nnx.merge(sgd, sst)
    ops["clone"] = lambda: nnx.clone(model)
    return ops


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter timings (CI smoke run)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 100, 1000])
    args = parser.parse_args(argv)
    budget = 0.05 if args.quick else 0.5

    flax_note = (
        f"flax {sys.modules['flax'].__version__}" if nnx is not None else "flax not installed"
    )
    print(f"brainstate-graph overhead, µs per call (best of 5); nnx: {flax_note}")
    header = f"{'operation':<14}{'States':>7}{'brainstate':>13}{'nnx':>11}{'bs / nnx':>10}"
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        ours = bench_ops(n)
        theirs = nnx_ops(n)
        for name, fn in ours.items():
            t_ours = time_us(fn, budget)
            if name in theirs:
                t_theirs = time_us(theirs[name], budget)
                col, ratio = f"{t_theirs:11.1f}", f"{t_ours / t_theirs:10.2f}"
            else:
                col, ratio = f"{'-':>11}", f"{'-':>10}"
            print(f"{name:<14}{n:>7}{t_ours:13.1f}{col}{ratio}")


if __name__ == "__main__":
    main()
