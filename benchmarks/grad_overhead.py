"""Per-call cost of State-aware training steps and vmap, against the pure-JAX equivalents.

Compared side by side in one run:

- ``train``: one SGD step of an MLP, ``bst.augment.grad`` over ``graph.states(model,
  ParamState)`` plus the update, inside ``bst.compile.jit``; against ``jax.value_and_grad``
  + update on a parameter pytree inside ``jax.jit``. A small model (per-call overhead
  visible; goal <= 1.2x) and a model whose compute dominates (goal <= 1.05x).
- ``vmap``: one step of 64 LIF neuron groups, ``bst.augment.vmap`` over States declared in
  ``in_states``/``out_states`` inside ``bst.compile.jit``; against ``jax.vmap`` of the pure
  step inside ``jax.jit`` (goal <= 1.1x).

Run: ``uv run python benchmarks/grad_overhead.py``.
"""

from __future__ import annotations

import argparse
import timeit

import jax
import jax.numpy as jnp

import brainstate as bst


def interleaved_us(fns: dict, number: int, repeat: int) -> dict[str, float]:
    """Best µs per call of each function, timed in turns so a noisy machine hits all alike."""
    for fn in fns.values():
        jax.block_until_ready(fn())
    best = {name: float("inf") for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t = timeit.timeit(lambda fn=fn: jax.block_until_ready(fn()), number=number)
            best[name] = min(best[name], t / number * 1e6)
    return best


class MLP(bst.graph.Node):
    def __init__(self, sizes: list[int]):
        keys = jax.random.split(jax.random.PRNGKey(0), len(sizes) - 1)
        self.layers = [
            bst.ParamState(
                {
                    "w": jax.random.normal(k, (a, b)) / jnp.sqrt(a),
                    "b": jnp.zeros(b),
                }
            )
            for k, a, b in zip(keys, sizes[:-1], sizes[1:])
        ]

    def __call__(self, x):
        for i, layer in enumerate(self.layers):
            x = x @ layer.value["w"] + layer.value["b"]
            if i < len(self.layers) - 1:
                x = jax.nn.relu(x)
        return x


def pure_mlp(params, x):
    for i, p in enumerate(params):
        x = x @ p["w"] + p["b"]
        if i < len(params) - 1:
            x = jax.nn.relu(x)
    return x


def bench_train(sizes: list[int], batch: int, number: int, repeat: int) -> dict[str, float]:
    model = MLP(sizes)
    params = bst.graph.states(model, bst.ParamState)
    x = jax.random.normal(jax.random.PRNGKey(1), (batch, sizes[0]))
    y = jax.random.normal(jax.random.PRNGKey(2), (batch, sizes[-1]))

    def loss_fn(x, y):
        return jnp.mean((model(x) - y) ** 2)

    @bst.compile.jit
    def step(x, y):
        grads, loss = bst.augment.grad(loss_fn, params, return_value=True)(x, y)
        for k, g in grads.items():
            params[k].value = jax.tree.map(lambda p, d: p - 1e-3 * d, params[k].value, g)
        return loss

    @jax.jit
    def pure_step(ps, x, y):
        loss, g = jax.value_and_grad(lambda ps: jnp.mean((pure_mlp(ps, x) - y) ** 2))(ps)
        return jax.tree.map(lambda p, d: p - 1e-3 * d, ps, g), loss

    box = {"p": [s.value for s in model.layers]}

    def raw():
        box["p"], loss = pure_step(box["p"], x, y)
        return loss

    return interleaved_us(
        {"jax.value_and_grad+jit": raw, "bst grad+jit": lambda: step(x, y)}, number, repeat
    )


def bench_vmap(lanes: int, n: int, number: int, repeat: int) -> dict[str, float]:
    v = bst.HiddenState(jnp.zeros((lanes, n)))
    spikes = bst.ShortTermState(jnp.zeros((lanes, n), dtype=bool))

    def lif_step(v, i):
        v = v + (-v + i) / 10.0
        spk = v > 1.0
        return jnp.where(spk, 0.0, v), spk

    def stateful_step(i):
        v.value, spikes.value = lif_step(v.value, i)

    step = bst.compile.jit(
        bst.augment.vmap(stateful_step, in_states={0: [v, spikes]}, out_states={0: [v, spikes]})
    )
    pure = jax.jit(jax.vmap(lif_step))
    currents = jnp.full((lanes, n), 1.5)
    box = {"v": jnp.zeros((lanes, n))}

    def raw():
        box["v"], spk = pure(box["v"], currents)
        return spk

    def ours():
        step(currents)
        return spikes.value

    return interleaved_us({"jax.vmap+jit": raw, "bst vmap+jit": ours}, number, repeat)


def report(title: str, res: dict[str, float]) -> None:
    base = next(iter(res.values()))
    for name, t in res.items():
        print(f"{title:<26} | {name:<22} | {t:>10.1f} | {t / base:>6.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(f"jax {jax.__version__}, backend {jax.default_backend()}, brainstate {bst.__version__}")
    print(f"{'case':<26} | {'implementation':<22} | {'µs/call':>10} | {'ratio':>7}")
    print("-" * 75)
    report("train small 32-64-64-10", bench_train([32, 64, 64, 10], 16, 300, args.repeat))
    report(
        "train big 1024-2048-2048-10",
        bench_train([1024, 2048, 2048, 10], 256, 5, max(3, args.repeat // 3)),
    )
    if hasattr(bst.augment, "vmap"):
        report("vmap LIF 64 lanes x 100", bench_vmap(64, 100, 300, args.repeat))


if __name__ == "__main__":
    main()
