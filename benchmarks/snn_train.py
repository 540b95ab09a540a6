"""Milliseconds per SNN training step: brainstate (dense and event-driven) against pure JAX.

The network and task of ``examples/snn_training.py`` (700 Poisson inputs -> 256 LIF -> 20
leaky readout, T = 100, batch 32, Adam, input projection hoisted out of the time loop):

- ``pure JAX, dense``: the equations written as a pure function (``lax.scan``, a
  ``custom_jvp`` spike with the same ReluGrad surrogate, optax's Adam) inside ``jax.jit``;
  the input projection is one dense ``[T*B, 700] @ [700, 256]`` product (and its weight
  gradient another);
- ``brainstate, dense``: the example's model with a dense ``bst.nn.Linear`` input projection
  (``SNN(event=False)``), ``bst.augment.grad`` through ``bst.compile.for_loop``,
  ``bst.optim.Adam``, inside ``bst.compile.jit``;
- ``brainstate, event``: the example as it is, the input projection an event-driven
  ``bst.event.Linear`` (forward and weight gradient touch only the active inputs).

All three start from the same weights (those of ``SNN()`` after ``bst.random.seed(0)``) and
see the same batches, so their loss curves must agree; the largest difference is printed.
They are timed in turns in one process; ratios to pure JAX are printed.

One core: by default XLA's Eigen matrix products run single-threaded
(``--xla_cpu_multi_thread_eigen=false``); XLA's and numba's thread pools follow the CPU
affinity, so run it under ``taskset -c 0`` for the single-core figure (the CPUs the process
may use are printed). ``--two-cores`` leaves XLA's flags alone.

Run: ``taskset -c 0 uv run python benchmarks/snn_train.py``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

if "--two-cores" not in sys.argv:
    os.environ["XLA_FLAGS"] = (
        os.environ.get("XLA_FLAGS", "") + " --xla_cpu_multi_thread_eigen=false"
    ).strip()

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import optax

import brainstate as bst

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
from snn_training import BATCH, N_IN, N_OUT, N_REC, SNN, make_batch


def initial_snn(event: bool) -> SNN:
    """The example's network, with the weights every variant starts from."""
    with bst.environ.context(dt=1.0 * u.ms):
        bst.random.seed(0)
        return SNN(event)


def brainstate_step(event: bool):
    net = initial_snn(event)
    with bst.environ.context(dt=1.0 * u.ms):
        bst.nn.init_all_states(net, batch_size=BATCH)
        weights = net.states(bst.ParamState)
        opt = bst.optim.Adam(lr=2e-3)
        opt.register_trainable_weights(weights)

        def loss_fn(spikes, labels):
            bst.nn.reset_all_states(net, batch_size=BATCH)
            outs = bst.compile.for_loop(net.update, net.input_currents(spikes))
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
    net = initial_snn(event=False)
    params = {
        "w_in": net.i2r.weight.value["weight"],
        "b_in": net.i2r.weight.value["bias"],
        "w_out": net.readout.weight.value,
    }
    assert params["w_out"].shape == (N_REC, N_OUT)
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
    parser.add_argument("--one-core", action="store_true", help="the default")
    parser.add_argument("--two-cores", action="store_true")
    args = parser.parse_args()
    batches = [make_batch(jax.random.PRNGKey(i)) for i in range(args.steps)]
    base = "pure JAX, dense"
    fns = {
        base: pure_jax_step(),
        "brainstate, dense": brainstate_step(event=False),
        "brainstate, event": brainstate_step(event=True),
    }
    compile_s, losses = {}, {name: [] for name in fns}
    for name, fn in fns.items():
        t0 = time.perf_counter()
        losses[name].append(jax.block_until_ready(fn(*batches[0])))
        compile_s[name] = time.perf_counter() - t0
    best = {name: float("inf") for name in fns}
    for r in range(args.repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            for b in batches:
                loss = fn(*b)
                if r == 0:
                    losses[name].append(loss)
            jax.block_until_ready(loss)
            best[name] = min(best[name], (time.perf_counter() - t0) / len(batches) * 1e3)
    threads = "1 XLA thread" if not args.two_cores else "XLA threads unrestricted"
    cpus = len(os.sched_getaffinity(0))
    print(
        f"jax {jax.__version__}, {threads}, {cpus} CPU(s) in the affinity mask; "
        f"T=100, batch {BATCH}, {N_IN}-{N_REC}-{N_OUT}"
    )
    for name in fns:
        print(
            f"{name:<20} {best[name]:8.1f} ms/step  {best[name] / best[base]:5.2f}x   "
            f"(first call incl. compile {compile_s[name]:.1f} s)"
        )
    curves = {name: np.array([float(x) for x in ls]) for name, ls in losses.items()}
    ref = curves[base]
    print(f"loss curves over {len(ref)} steps: {ref[0]:.4f} -> {ref[-1]:.4f} ({base})")
    for name in fns:
        if name != base:
            diff = np.max(np.abs(curves[name] - ref))
            print(f"  {name}: largest difference to {base} {diff:.2e}")


if __name__ == "__main__":
    main()
