"""One jitted Adam training step of an MLP, brainstate against pure JAX+optax and flax nnx.

The model is 784-512-512-10 with ReLU, softmax cross-entropy, batch 128, Adam(1e-3):

- ``brainstate``: ``nn.Linear`` layers and ``nn.functional.relu`` in an ``nn.Module``,
  ``augment.grad`` over ``model.states(ParamState)`` and ``optim.Adam`` inside
  ``compile.jit``;
- ``jax+optax``: the same computation on a parameter pytree, ``jax.value_and_grad`` and
  ``optax.adam`` inside ``jax.jit`` (parameters and optimizer state passed in and out,
  no buffer donation, as brainstate);
- ``flax nnx`` (when flax is installed): ``nnx.Linear``, ``nnx.Optimizer`` and
  ``nnx.jit`` as in flax's MNIST tutorial.

All three start from the same weights (their first losses are checked equal) and are timed
in turns in one run: best wall-clock and best process-CPU µs per step.
Goal (issue 7): brainstate <= 1.05x pure JAX and faster than flax nnx.

Run: ``uv run python benchmarks/mlp_train.py`` (add ``--group bench`` for flax).
"""

from __future__ import annotations

import argparse
import itertools
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

import brainstate as bst

SIZES = (784, 512, 512, 10)
BATCH = 128
LR = 1e-3


def init_params(seed: int = 0) -> list[dict[str, jax.Array]]:
    keys = jax.random.split(jax.random.PRNGKey(seed), len(SIZES) - 1)
    return [
        {"weight": jax.random.normal(k, (a, b)) / np.sqrt(a), "bias": jnp.zeros(b)}
        for k, a, b in zip(keys, SIZES[:-1], SIZES[1:])
    ]


def interleaved_us(fns: dict, number: int, repeat: int) -> dict[str, tuple[float, float]]:
    """Best wall-clock and best CPU µs per call of each function, timed in turns.

    On a shared machine the wall clock includes waiting for the CPU; the process CPU time
    (all threads: Python and XLA's) does not, so both are reported.
    """
    for fn in fns.values():
        jax.block_until_ready(fn())
    best = {name: (float("inf"), float("inf")) for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            w0, c0 = time.perf_counter(), time.process_time()
            for _ in range(number):
                jax.block_until_ready(fn())
            wall = (time.perf_counter() - w0) / number * 1e6
            cpu = (time.process_time() - c0) / number * 1e6
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


# -- pure JAX + optax -----------------------------------------------------------------------
def pure_mlp(params, x):
    for i, p in enumerate(params):
        x = x @ p["weight"] + p["bias"]
        if i < len(params) - 1:
            x = jax.nn.relu(x)
    return x


def make_pure(x, y):
    tx = optax.adam(LR)
    box = {"params": init_params()}
    box["opt"] = tx.init(box["params"])

    @jax.jit
    def step(params, opt_state, x, y):
        def loss_fn(ps):
            logits = pure_mlp(ps, x)
            return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

        loss, grads = jax.value_and_grad(loss_fn)(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    def run():
        box["params"], box["opt"], loss = step(box["params"], box["opt"], x, y)
        return loss

    return run


# -- brainstate -----------------------------------------------------------------------------
class MLP(bst.nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = [bst.nn.Linear(a, b) for a, b in itertools.pairwise(SIZES)]
        for layer, p in zip(self.layers, init_params()):
            layer.weight.value = p

    def update(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = bst.nn.functional.relu(x)
        return x


def make_brainstate(x, y):
    model = MLP()
    params = model.states(bst.ParamState)
    opt = bst.optim.Adam(LR).register_trainable_weights(params)

    def loss_fn(x, y):
        return optax.softmax_cross_entropy_with_integer_labels(model(x), y).mean()

    @bst.compile.jit
    def step(x, y):
        grads, loss = bst.augment.grad(loss_fn, params, return_value=True)(x, y)
        opt.update(grads)
        return loss

    return lambda: step(x, y)


# -- flax nnx -------------------------------------------------------------------------------
def make_nnx(x, y):
    from flax import nnx

    class NnxMLP(nnx.Module):
        def __init__(self, rngs):
            self.layers = nnx.List(
                [nnx.Linear(a, b, rngs=rngs) for a, b in itertools.pairwise(SIZES)]
            )
            for layer, p in zip(self.layers, init_params()):
                layer.kernel.value = p["weight"]
                layer.bias.value = p["bias"]

        def __call__(self, x):
            for i, layer in enumerate(self.layers):
                x = layer(x)
                if i < len(self.layers) - 1:
                    x = nnx.relu(x)
            return x

    model = NnxMLP(nnx.Rngs(0))
    optimizer = nnx.Optimizer(model, optax.adam(LR), wrt=nnx.Param)

    @nnx.jit
    def step(model, optimizer, x, y):
        def loss_fn(model):
            return optax.softmax_cross_entropy_with_integer_labels(model(x), y).mean()

        loss, grads = nnx.value_and_grad(loss_fn)(model)
        optimizer.update(model, grads)
        return loss

    return lambda: step(model, optimizer, x, y)


def check_same_losses(fns: dict, steps: int = 3) -> None:
    """The implementations train the same model: equal losses over the first steps."""
    losses = {name: [float(make()) for _ in range(steps)] for name, make in fns.items()}
    ref = next(iter(losses.values()))
    for name, ls in losses.items():
        np.testing.assert_allclose(ls, ref, rtol=2e-4, err_msg=name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--number", type=int, default=20)
    parser.add_argument("--batch", type=int, default=BATCH, help="batch size (spec: 128)")
    args = parser.parse_args()

    x = jax.random.normal(jax.random.PRNGKey(1), (args.batch, SIZES[0]))
    y = jax.random.randint(jax.random.PRNGKey(2), (args.batch,), 0, SIZES[-1])
    fns = {"jax+optax": make_pure(x, y), "brainstate": make_brainstate(x, y)}
    try:
        import flax

        fns["flax nnx"] = make_nnx(x, y)
        nnx_version = f"flax {flax.__version__}"
    except ImportError:
        nnx_version = "flax not installed (run with `uv run --group bench`)"
    check_same_losses(fns)

    print(
        f"jax {jax.__version__}, backend {jax.default_backend()}, brainstate "
        f"{bst.__version__}, optax {optax.__version__}, {nnx_version}"
    )
    print(f"MLP {'-'.join(map(str, SIZES))}, batch {args.batch}, Adam; best of {args.repeat}")
    print(
        f"{'implementation':<14} | {'wall µs/step':>12} | {'vs jax':>7} "
        f"| {'CPU µs/step':>11} | {'vs jax':>7}"
    )
    print("-" * 63)
    res = interleaved_us(fns, args.number, args.repeat)
    wb, cb = res["jax+optax"]
    for name, (w, c) in res.items():
        print(f"{name:<14} | {w:>12.1f} | {w / wb:>6.3f}x | {c:>11.1f} | {c / cb:>6.3f}x")
    if "flax nnx" in res:
        (w, c), (wn, cn) = res["brainstate"], res["flax nnx"]
        print(f"brainstate / flax nnx: wall {w / wn:.3f}x, CPU {c / cn:.3f}x")


if __name__ == "__main__":
    main()
