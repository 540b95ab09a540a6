"""State basics: a noisy leaky integrator held in brainstate States, compiled.

This is the README's first example until the neuron models land. It shows States, the
environ settings, the random module (pure functions of a JAX key), the State-access
recorder that every brainstate transform is built on, and ``bst.compile.for_loop``, which
turns the whole simulation into one XLA program.

Run it with ``uv run examples/state_basics.py``.
"""

from __future__ import annotations

import argparse
import time

import jax.numpy as jnp

import brainstate as bst
from brainstate_core.extend import StateTraceStack


class LeakyIntegrator:
    """dV = (-V + I) dt / tau + sigma sqrt(dt) dW, for ``n`` independent units."""

    def __init__(self, n: int, tau: float = 10.0, sigma: float = 0.5):
        self.tau, self.sigma = tau, sigma
        self.V = bst.HiddenState(jnp.zeros(n), name="V")
        self.t = bst.ShortTermState(jnp.zeros(()), name="t")

    def step(self, current):
        dt = bst.environ.get_dt()
        noise = bst.random.randn(*self.V.value.shape)
        self.V.value = (
            self.V.value
            + (-self.V.value + current) * dt / self.tau
            + self.sigma * jnp.sqrt(dt) * noise
        )
        self.t.value = self.t.value + dt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()

    bst.random.seed(0)
    model = LeakyIntegrator(args.units)
    with bst.environ.context(dt=0.1):
        with StateTraceStack() as trace:  # what one step touches
            model.step(1.0)
        print("one step writes:", [s.name for s in trace.get_write_states()])
        t0 = time.perf_counter()
        bst.compile.for_loop(model.step, jnp.ones(args.steps - 1), pbar=True)
        model.V.value.block_until_ready()
        print(f"{args.steps - 1} steps compiled and run in {time.perf_counter() - t0:.2f} s")

    v = model.V.value
    tau, sigma = model.tau, model.sigma
    t = float(model.t.value)
    mean_expected = 1.0 - float(jnp.exp(-t / tau))
    var_expected = sigma**2 * tau / 2 * (1 - float(jnp.exp(-2 * t / tau)))
    print(f"simulated {t:.1f} time units of {args.units} noisy leaky integrators")
    print(f"mean V = {float(v.mean()):.3f} (Ornstein-Uhlenbeck theory {mean_expected:.3f})")
    print(f"var  V = {float(v.var()):.3f} (Ornstein-Uhlenbeck theory {var_expected:.3f})")
    print(model.t)


if __name__ == "__main__":
    main()
