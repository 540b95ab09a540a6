"""Training a spiking network with surrogate gradients through a compiled time loop.

700 Poisson inputs -> 256 LIF neurons -> 20 leaky readout units, T = 100 steps of 1 ms,
batch 32, on a synthetic but learnable task: each class raises the firing rate of its own
band of inputs. The loss (cross-entropy of the time-averaged readout) is differentiated
with ``bst.augment.grad`` through ``bst.compile.for_loop``; the LIF spike is a Heaviside
step whose gradient is a surrogate (``bst.surrogate``); Adam comes from ``bst.optim``.

The input projection does not depend on the network state, so it is computed for all
time steps at once, before the loop. The input spikes are ~97 % zeros, so it is an
event-driven layer, ``bst.event.Linear``: the forward pass adds up the weight rows of the
active inputs, and the weight gradient adds each step's output gradient into the rows of the
inputs that spiked, instead of two dense ``[T*batch, 700] x [700, 256]`` matrix products.
``SNN(event=False)`` is the same network with a dense ``bst.nn.Linear`` (for comparison).

Run: ``uv run examples/snn_training.py [--epochs 60]``.
"""

from __future__ import annotations

import argparse
import time

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np

import brainstate as bst

N_IN, N_REC, N_OUT = 700, 256, 20
T, BATCH = 100, 32


class SNN(bst.nn.Module):
    """Inputs -> LIF -> leaky readout; ``update(current)`` advances one time step.

    ``event=True``: the input projection is event-driven (``bst.event.Linear``, bool spikes);
    ``event=False``: a dense ``bst.nn.Linear`` with the same initial weights.
    """

    def __init__(self, event: bool = True) -> None:
        super().__init__()
        self.event = event
        w = bst.init.param(bst.init.Normal(0.02, 0.15), (N_IN, N_REC))
        if event:
            self.i2r = bst.event.Linear(N_IN, N_REC, w, bias=jnp.zeros(N_REC))
        else:
            self.i2r = bst.nn.Linear(N_IN, N_REC, w_init=w)
        self.lif = bst.nn.LIF(
            N_REC,
            tau=10.0 * u.ms,
            V_th=1.0 * u.mV,
            spk_fun=bst.surrogate.ReluGrad(),
            spk_reset="soft",
        )
        self.readout = bst.nn.LeakyRateReadout(N_REC, N_OUT, tau=10.0 * u.ms)

    def input_currents(self, spikes: jax.Array) -> jax.Array:
        """The input projection of all time steps at once: ``[T, batch, N_IN]`` bool spikes
        to ``[T, batch, N_REC]`` currents."""
        return self.i2r(spikes if self.event else spikes.astype(jnp.float32))

    def update(self, current: jax.Array) -> jax.Array:
        return self.readout(self.lif(current))


def make_batch(key: jax.Array, batch: int = BATCH) -> tuple[jax.Array, jax.Array]:
    """Bernoulli spike trains [T, batch, N_IN]; class c raises the rate of its input band."""
    k1, k2 = jax.random.split(key)
    labels = jax.random.randint(k1, (batch,), 0, N_OUT)
    centers = (labels[:, None] + 0.5) * (N_IN / N_OUT)
    band = jnp.exp(-0.5 * ((jnp.arange(N_IN)[None] - centers) / 12.0) ** 2)
    prob = 0.02 + 0.2 * band  # 2 % background, up to 22 % in the class's band
    spikes = jax.random.uniform(k2, (T, batch, N_IN)) < prob[None]
    return spikes, labels


def train(epochs: int, seed: int = 0, progress: bool = True, event: bool = True) -> list[float]:
    """Train for ``epochs`` steps; returns the loss of each step."""
    with bst.environ.context(dt=1.0 * u.ms):
        bst.random.seed(seed)
        net = SNN(event)
        bst.nn.init_all_states(net, batch_size=BATCH)
        weights = net.states(bst.ParamState)
        opt = bst.optim.Adam(lr=2e-3)
        opt.register_trainable_weights(weights)

        def loss_fn(spikes, labels):
            bst.nn.reset_all_states(net, batch_size=BATCH)
            currents = net.input_currents(spikes)  # hoisted: [T, batch, N_REC]
            outs = bst.compile.for_loop(net.update, currents)
            logits = outs.mean(0)
            logp = jax.nn.log_softmax(logits)
            return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=1))

        @bst.compile.jit
        def train_step(spikes, labels):
            grads, loss = bst.augment.grad(loss_fn, weights, return_value=True)(spikes, labels)
            opt.update(grads)
            return loss

        key = jax.random.PRNGKey(seed)
        losses = []
        t0 = time.perf_counter()
        for epoch in range(epochs):
            key, sub = jax.random.split(key)
            losses.append(float(train_step(*make_batch(sub))))
            if progress and (epoch % 5 == 0 or epoch == epochs - 1):
                print(f"step {epoch:4d}  loss {losses[-1]:.4f}  ({time.perf_counter() - t0:.1f} s)")
    return losses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--dense", action="store_true", help="dense input projection")
    args = parser.parse_args()
    losses = train(args.epochs, event=not args.dense)
    first, last = np.mean(losses[:5]), np.mean(losses[-5:])
    print(f"loss: first 5 steps {first:.3f} -> last 5 steps {last:.3f}")


if __name__ == "__main__":
    main()
