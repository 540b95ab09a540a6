"""The COBA E/I network (Vogels & Abbott 2005; Brette et al. 2007 benchmark), compiled whole.

4000 leaky integrate-and-fire neurons (3200 excitatory, 800 inhibitory) with conductance-
based exponential synapses, driven by a constant input, connected with a fixed out-degree
of 80 targets per neuron through the event-driven ``bst.event.FixedProb``. One second of
biological time at dt = 0.1 ms runs as a single XLA program (``bst.compile.for_loop``).

Specification (as benchmarked by Brian2, NEST, BrainPy, ANNarchy):

- ``τ dV/dt = (V_rest - V) + g_E (E_E - V) + g_I (E_I - V) + 20 mV``, τ = 20 ms,
  V_rest = V_reset = -60 mV (hard reset), V_th = -50 mV, τ_ref = 5 ms, V₀ ~ N(-55, 5) mV;
- excitatory synapses: τ_E = 5 ms, E_E = 0 mV, Δg_E = 0.6; inhibitory: τ_I = 10 ms,
  E_I = -80 mV, Δg_I = 6.7 (conductances in units of the leak conductance: with
  R = 1 ohm, Δg = 0.6 S);
- spikes act at the next step. The mean rate is about 21 Hz (Brian2: 20.85 Hz).

Note: brainstate's own 0.1 examples wrote the weights as 0.6 mS against R = 1 ohm, which
makes the synapses 1000x too weak (an uncoupled network firing at about 50 Hz).

Run: ``uv run examples/coba_ei_network.py [--neurons 4000] [--duration 1000]
[--platform cpu] [--plot coba.png]``.
"""

from __future__ import annotations

import argparse
import time

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np

import brainstate as bst


class COBANetwork(bst.nn.DynamicsGroup):
    """The E/I network; ``update(t)`` advances it by one step and returns the spikes."""

    def __init__(self, n_neurons: int = 4000, out_degree: int = 80, seed: int = 0):
        super().__init__()
        self.n_exc = int(n_neurons * 0.8)
        self.n_inh = n_neurons - self.n_exc
        prob = out_degree / n_neurons
        self.neurons = bst.nn.LIFRef(
            n_neurons,
            R=1.0 * u.ohm,
            tau=20.0 * u.ms,
            tau_ref=5.0 * u.ms,
            V_th=-50.0 * u.mV,
            V_reset=-60.0 * u.mV,
            V_rest=-60.0 * u.mV,
            V_initializer=bst.init.Normal(-55.0, 5.0, unit=u.mV),
            spk_reset="hard",
        )
        self.exc = bst.nn.AlignPostProj(
            comm=bst.event.FixedProb(
                n_neurons, n_neurons, prob, 0.6 * u.siemens, seed=seed, pre_range=(0, self.n_exc)
            ),
            syn=bst.nn.Expon.desc(n_neurons, tau=5.0 * u.ms),
            out=bst.nn.COBA.desc(E=0.0 * u.mV),
            post=self.neurons,
        )
        self.inh = bst.nn.AlignPostProj(
            comm=bst.event.FixedProb(
                n_neurons,
                n_neurons,
                prob,
                6.7 * u.siemens,
                seed=seed + 1,
                pre_range=(self.n_exc, n_neurons),
            ),
            syn=bst.nn.Expon.desc(n_neurons, tau=10.0 * u.ms),
            out=bst.nn.COBA.desc(E=-80.0 * u.mV),
            post=self.neurons,
        )
        self.drive = 20.0 * u.mA  # R * I = 20 mV

    def update(self, t):
        with bst.environ.context(t=t):
            spikes = self.neurons.get_spike() != 0.0  # last step's spikes act now
            self.exc(spikes)  # each projection reads its own rows (pre_range)
            self.inh(spikes)
            self.neurons(self.drive)
            return self.neurons.get_spike() != 0.0


def simulate(n_neurons: int, duration_ms: float, progress: bool = True) -> dict:
    """Build, compile and run the network; return timings, rates and the spikes."""
    dt = 0.1 * u.ms
    n_steps = round(duration_ms / 0.1)
    with bst.environ.context(dt=dt):
        bst.random.seed(42)
        net = COBANetwork(n_neurons)
        bst.nn.init_all_states(net)

        def step(i):
            # The raster is recorded one bit per neuron (np.unpackbits below): 8x less
            # memory than booleans, and fresh memory is much of a long recording's cost.
            return jnp.packbits(net.update(i * dt))

        def run(steps):
            pbar = bst.compile.ProgressBar(count=20, desc="simulating") if progress else None
            return bst.compile.for_loop(step, jnp.arange(steps), pbar=pbar)

        t0 = time.perf_counter()
        jitted = bst.compile.jit(run, static_argnums=0)
        compiled = jitted.lower(n_steps).compile()
        compile_s = time.perf_counter() - t0
        del compiled
        t0 = time.perf_counter()
        packed = jax.block_until_ready(jitted(n_steps))
        run_s = time.perf_counter() - t0
    spikes = np.unpackbits(np.asarray(packed), axis=-1, count=n_neurons).astype(bool)
    seconds = duration_ms / 1000.0
    exc_rate = spikes[:, : net.n_exc].sum() / net.n_exc / seconds
    inh_rate = spikes[:, net.n_exc :].sum() / net.n_inh / seconds
    events = spikes.sum() * 80 / seconds  # each spike reaches its 80 targets
    return {
        "spikes": spikes,
        "compile_s": compile_s,
        "run_s": run_s,
        "s_per_bio_s": run_s / seconds,
        "exc_rate": float(exc_rate),
        "inh_rate": float(inh_rate),
        "mean_rate": float(spikes.sum() / n_neurons / seconds),
        "events_per_s": float(events),
        "n_exc": net.n_exc,
    }


def plot(result: dict, path: str, dt_ms: float = 0.1, name: str = "COBA") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spikes = result["spikes"]
    steps, neurons = np.nonzero(spikes)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6), sharex=True, height_ratios=(3, 1))
    exc = neurons < result["n_exc"]
    ax1.scatter(steps[exc] * dt_ms, neurons[exc], s=0.3, c="tab:blue", label="E")
    ax1.scatter(steps[~exc] * dt_ms, neurons[~exc], s=0.3, c="tab:red", label="I")
    ax1.set_ylabel("neuron")
    ax1.set_title(
        f"COBA network: {spikes.shape[1]} neurons, mean rate {result['mean_rate']:.1f} Hz"
    )
    window = int(5.0 / dt_ms)  # 5 ms bins
    counts = spikes.sum(1)[: len(spikes) // window * window].reshape(-1, window).sum(1)
    rate = counts / spikes.shape[1] / (window * dt_ms / 1000.0)
    ax2.plot(np.arange(len(rate)) * window * dt_ms, rate, c="k")
    ax2.set_xlabel("time (ms)")
    ax2.set_ylabel("rate (Hz)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--neurons", type=int, default=4000)
    parser.add_argument("--duration", type=float, default=1000.0, help="biological time (ms)")
    parser.add_argument("--platform", default=None, help="cpu, gpu or tpu (default: JAX's)")
    parser.add_argument("--plot", default="coba_raster.png", help="raster PNG ('' for none)")
    args = parser.parse_args()
    if args.platform:
        bst.environ.set_platform(args.platform)
    print(f"brainstate {bst.__version__}, jax {jax.__version__}, {jax.default_backend()}")
    res = simulate(args.neurons, args.duration)
    print(f"neurons               {args.neurons} ({res['n_exc']} E)")
    print(f"compile time          {res['compile_s']:.2f} s")
    print(f"run time              {res['run_s']:.3f} s for {args.duration:.0f} ms")
    print(f"s per biological s    {res['s_per_bio_s']:.3f}")
    print(f"mean rate E / I       {res['exc_rate']:.2f} / {res['inh_rate']:.2f} Hz")
    print(f"synaptic events / s   {res['events_per_s']:.3g}")
    if args.plot:
        plot(res, args.plot)
        print(f"raster written to     {args.plot}")


if __name__ == "__main__":
    main()
