"""A tiny downstream library on brainstate-core alone: a noisy leaky integrator.

It uses what a third-party library would: ``State`` for mutable values, ``random`` for noise,
and a State recorder from ``brainstate_core.extend`` to find which States a step touches.
"""

from __future__ import annotations

import jax.numpy as jnp

import brainstate_core as bsc
from brainstate_core import random
from brainstate_core.extend import StateTraceStack

__all__ = ["LeakyIntegrator", "states_written_by"]


class LeakyIntegrator:
    """``dv/dt = (-v + input) / tau``, plus optional uniform noise, integrated with Euler steps."""

    def __init__(self, size: int, tau: float = 10.0, noise: float = 0.0) -> None:
        self.v = bsc.State(jnp.zeros(size))
        self.steps = bsc.State(jnp.asarray(0))
        self.tau = tau
        self.noise = noise

    def step(self, inp: float, dt: float = 0.1) -> jnp.ndarray:
        v = self.v.value
        dv = dt / self.tau * (-v + inp)
        if self.noise:
            dv = dv + self.noise * (random.random(v.shape) - 0.5)
        self.v.value = v + dv
        self.steps.value = self.steps.value + 1
        return self.v.value


def states_written_by(fn, *args) -> list[bsc.State]:
    """The States that ``fn(*args)`` writes, in first-access order."""
    with StateTraceStack() as trace:
        fn(*args)
    return trace.get_write_states()
