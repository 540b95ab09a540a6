"""Milliseconds per SNN training step: brainstate against the same network in pure JAX.

The network and task of ``examples/snn_training.py`` (700 Poisson inputs -> 256 LIF -> 20
leaky readout, T = 100, batch 32, Adam, input projection hoisted out of the time loop):

- ``brainstate``: the example's ``bst.nn`` model, ``bst.augment.grad`` through
  ``bst.compile.for_loop``, ``bst.optim.Adam``, inside ``bst.compile.jit``;
- ``pure JAX``: the same equations written as a pure function (``lax.scan``, a
  ``custom_jvp`` spike with the same ReluGrad surrogate, optax's Adam) inside ``jax.jit``.

Both are timed in turns in one process; ratios are printed. With ``--one-core`` (default)
XLA uses one thread; run it under ``taskset -c 0`` for the single-core figure.

Run: ``uv run python benchmarks/snn_train.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

if "--one-core" in sys.argv or "--two-cores" not in sys.argv:
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "")
        + " --xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    )

import brainunit as u
import jax
import jax.numpy as jnp
import optax

import brainstate as bst

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
from snn_training import BATCH, N_IN, N_OUT, N_REC, SNN, make_batch


def brainstate_step():
    with bst.environ.context(dt=1.0 * u.ms):
        net = SNN()
        bst.nn.init_all_states(net, batch_size=BATCH)
        weights = net.states(bst.ParamState)
        opt = bst.optim.Adam(lr=2e-3)
        opt.register_trainable_weights(weights)

        def loss_fn(spikes, labels):
            bst.nn.reset_all_states(net, batch_size=BATCH)
            outs = bst.compile.for_loop(net.update, net.i2r(spikes.astype(jnp.float32)))
            logp = jax.nn.log_softmax(outs.mean(0))
            return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))

        @bst.compile.jit
        def step(spikes, labels):
            grads, loss = bst.augment.grad(loss_fn, weights, return_value=True)(spikes, labels)
            opt.update(grads)
            return loss

    def run(spikes, labels):
        with bst.environ.context(dt=1.0 * u.ms):
            return step(spikes, labels)

    return run


@jax.custom_jvp
def spike(x):
    return (x >= 0).astype(x.dtype)


@spike.defjvp
def _spike_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    grad = 0.3 * jnp.maximum(1.0 - jnp.abs(x), 0.0)  # ReluGrad(alpha=0.3, width=1)
    return spike(x), grad * dx


def pure_jax_step():
    key = jax.random.PRNGKey(0)
    k1, k2 = jax.random.split(key)
    params = {
        "w_in": 0.02 + 0.15 * jax.random.normal(k1, (N_IN, N_REC)),
        "b_in": jnp.zeros(N_REC),
        "w_out": jax.random.normal(k2, (N_REC, N_OUT)) * jnp.sqrt(2.0 / N_REC),
    }
    tx = optax.adam(2e-3)
    opt_state = tx.init(params)
    alpha = 1.0 - jnp.exp(-1.0 / 10.0)  # dt / tau for the exact membrane step
    decay = jnp.exp(-1.0 / 10.0)

    def loss_fn(p, spikes, labels):
        currents = spikes.astype(jnp.float32) @ p["w_in"] + p["b_in"]

        def body(carry, i):
            v, r = carry
            v = v - spike(v - 1.0)  # soft reset by V_th - V_reset = 1 mV
            v = v + alpha * (i - v)
            s = spike(v - 1.0)
            r = decay * r + s @ p["w_out"]
            return (v, r), r

        init = (jnp.zeros((BATCH, N_REC)), jnp.zeros((BATCH, N_OUT)))
        _, outs = jax.lax.scan(body, init, currents)
        logp = jax.nn.log_softmax(outs.mean(0))
        return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))

    @jax.jit
    def step(p, s, spikes, labels):
        loss, g = jax.value_and_grad(loss_fn)(p, spikes, labels)
        updates, s = tx.update(g, s, p)
        return optax.apply_updates(p, updates), s, loss

    box = {"p": params, "s": opt_state}

    def run(spikes, labels):
        box["p"], box["s"], loss = step(box["p"], box["s"], spikes, labels)
        return loss

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--one-core", action="store_true")
    parser.add_argument("--two-cores", action="store_true")
    args = parser.parse_args()
    batches = [make_batch(jax.random.PRNGKey(i)) for i in range(args.steps)]
    fns = {"pure JAX (lax.scan)": pure_jax_step(), "brainstate": brainstate_step()}
    compile_s = {}
    for name, fn in fns.items():
        t0 = time.perf_counter()
        jax.block_until_ready(fn(*batches[0]))
        compile_s[name] = time.perf_counter() - t0
    best = {name: float("inf") for name in fns}
    for _ in range(args.repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            for b in batches:
                loss = fn(*b)
            jax.block_until_ready(loss)
            best[name] = min(best[name], (time.perf_counter() - t0) / len(batches) * 1e3)
    threads = "1 XLA thread" if not args.two_cores else "all cores"
    print(f"jax {jax.__version__}, {threads}; T=100, batch {BATCH}, {N_IN}-{N_REC}-{N_OUT}")
    base = best["pure JAX (lax.scan)"]
    for name in fns:
        print(
            f"{name:<22} {best[name]:8.1f} ms/step  {best[name] / base:5.2f}x   "
            f"(first call incl. compile {compile_s[name]:.1f} s)"
        )


if __name__ == "__main__":
    main()
