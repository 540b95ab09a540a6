"""The CUBA E/I network of Brian2's ``examples/CUBA.py`` (Vogels & Abbott 2005), compiled whole.

4000 leaky integrate-and-fire neurons (3200 excitatory, 800 inhibitory) with current-based
exponential synapses and no external drive: the activity is self-sustained from a random
initial potential. Specification (as in Brian2's example):

- ``τ dV/dt = -(V - E_L) + g_e + g_i``, τ = 20 ms, E_L = -49 mV, V_th = -50 mV,
  V_reset = -60 mV (hard reset), τ_ref = 5 ms, V₀ ~ U(-60, -50) mV;
- ``dg_e/dt = -g_e/5 ms``, ``dg_i/dt = -g_i/10 ms``; each spike adds w_e = +1.62 mV or
  w_i = -9 mV (as currents 1.62 mA / -9 mA through R = 1 ohm);
- connection probability 0.02, here as a fixed out-degree of 80 targets
  (``bst.event.FixedProb``); spikes act at the next step; dt = 0.1 ms.

Run: ``uv run examples/cuba_ei_network.py [--neurons 4000] [--duration 1000] [--plot f.png]``.
"""

from __future__ import annotations

import argparse
import time

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
from coba_ei_network import plot

import brainstate as bst


class CUBANetwork(bst.nn.DynamicsGroup):
    """Brian2's CUBA network; ``update(t)`` advances one step and returns the spikes."""

    def __init__(self, n_neurons: int = 4000, prob: float = 0.02, seed: int = 0):
        super().__init__()
        self.n_exc = int(n_neurons * 0.8)
        self.n_inh = n_neurons - self.n_exc
        self.neurons = bst.nn.LIFRef(
            n_neurons,
            tau=20.0 * u.ms,
            tau_ref=5.0 * u.ms,
            V_th=-50.0 * u.mV,
            V_reset=-60.0 * u.mV,
            V_rest=-49.0 * u.mV,
            V_initializer=bst.init.Uniform(-60.0, -50.0, unit=u.mV),
            spk_reset="hard",
        )
        current = bst.init.ZeroInit(unit=u.mA)  # the synaptic variables are currents
        self.exc = bst.nn.AlignPostProj(
            comm=bst.event.FixedProb(self.n_exc, n_neurons, prob, 1.62 * u.mA, seed=seed),
            syn=bst.nn.Expon.desc(n_neurons, tau=5.0 * u.ms, g_initializer=current),
            out=bst.nn.CUBA.desc(scale=1.0),
            post=self.neurons,
        )
        self.inh = bst.nn.AlignPostProj(
            comm=bst.event.FixedProb(self.n_inh, n_neurons, prob, -9.0 * u.mA, seed=seed + 1),
            syn=bst.nn.Expon.desc(n_neurons, tau=10.0 * u.ms, g_initializer=current),
            out=bst.nn.CUBA.desc(scale=1.0),
            post=self.neurons,
        )

    def update(self, t):
        with bst.environ.context(t=t):
            spikes = self.neurons.get_spike() != 0.0
            self.exc(spikes[: self.n_exc])
            self.inh(spikes[self.n_exc :])
            self.neurons(0.0 * u.mA)
            return self.neurons.get_spike() != 0.0


def simulate(n_neurons: int, duration_ms: float) -> dict:
    dt = 0.1 * u.ms
    with bst.environ.context(dt=dt):
        bst.random.seed(7)
        net = CUBANetwork(n_neurons)
        bst.nn.init_all_states(net)
        n_steps = round(duration_ms / 0.1)
        run = bst.compile.jit(
            lambda n: bst.compile.for_loop(lambda i: net.update(i * dt), jnp.arange(n)),
            static_argnums=0,
        )
        t0 = time.perf_counter()
        run.lower(n_steps).compile()
        compile_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        spikes = np.asarray(jax.block_until_ready(run(n_steps)))
        run_s = time.perf_counter() - t0
    seconds = duration_ms / 1000.0
    return {
        "spikes": spikes,
        "n_exc": net.n_exc,
        "compile_s": compile_s,
        "run_s": run_s,
        "mean_rate": float(spikes.sum() / n_neurons / seconds),
        "exc_rate": float(spikes[:, : net.n_exc].sum() / net.n_exc / seconds),
        "inh_rate": float(spikes[:, net.n_exc :].sum() / net.n_inh / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=int, default=4000)
    parser.add_argument("--duration", type=float, default=1000.0, help="biological time (ms)")
    parser.add_argument("--plot", default="cuba_raster.png", help="raster PNG ('' for none)")
    args = parser.parse_args()
    res = simulate(args.neurons, args.duration)
    print(f"compile time          {res['compile_s']:.2f} s")
    print(f"run time              {res['run_s']:.3f} s for {args.duration:.0f} ms")
    print(f"mean rate E / I       {res['exc_rate']:.2f} / {res['inh_rate']:.2f} Hz")
    if args.plot:
        plot(res, args.plot, name="CUBA")
        print(f"raster written to     {args.plot}")


if __name__ == "__main__":
    main()
