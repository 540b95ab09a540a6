"""The COBA E/I network of ``examples/coba_ei_network.py``, written for Brian2.

Run by ``benchmarks/coba.py`` in its own environment (Brian2 needs numpy < 2.4):
``uv run --no-project --with brian2==2.9.0 --with "numpy<2.4" python
benchmarks/brian2_coba.py --neurons 4000 --mode standalone``. Prints one JSON line with
the run time (without code generation and compilation), the build time and the rates.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--neurons", type=int, default=4000)
    parser.add_argument("--duration", type=float, default=1000.0, help="ms")
    parser.add_argument("--mode", choices=["standalone", "runtime"], default="standalone")
    args = parser.parse_args()

    import brian2 as b2
    from brian2 import ms, second

    workdir = tempfile.mkdtemp(prefix="brian2_coba_")
    if args.mode == "standalone":
        b2.set_device("cpp_standalone", directory=workdir, build_on_run=False)
        b2.prefs.devices.cpp_standalone.openmp_threads = 0
    else:
        b2.prefs.codegen.target = "cython"
        b2.prefs.codegen.runtime.cython.cache_dir = os.path.join(workdir, "cython")
    b2.defaultclock.dt = 0.1 * ms
    b2.seed(1)

    n = args.neurons
    n_exc = int(0.8 * n)
    eqs = """
    dv/dt = (ge*(0*mV-v) + gi*(-80*mV-v) + (-60*mV-v) + 20*mV) / (20*ms) : volt (unless refractory)
    dge/dt = -ge / (5*ms) : 1
    dgi/dt = -gi / (10*ms) : 1
    """
    group = b2.NeuronGroup(
        n,
        eqs,
        threshold="v > -50*mV",
        reset="v = -60*mV",
        refractory=5 * ms,
        method="exponential_euler",
    )
    group.v = "-55*mV + 5*mV*randn()"
    exc, inh = group[:n_exc], group[n_exc:]
    syn_e = b2.Synapses(exc, group, on_pre="ge += 0.6")
    syn_i = b2.Synapses(inh, group, on_pre="gi += 6.7")
    syn_e.connect(j="k for k in sample(N_post, size=80)")
    syn_i.connect(j="k for k in sample(N_post, size=80)")
    monitor = b2.SpikeMonitor(group)

    t0 = time.perf_counter()
    if args.mode == "standalone":
        b2.run(args.duration * ms)
        b2.device.build(directory=workdir, compile=True, run=True, with_output=False)
        total = time.perf_counter() - t0
        run_s = float(b2.device._last_run_time)
        build_s = total - run_s
    else:
        b2.run(1 * ms)  # code generation and compilation happen here, once
        build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        b2.run(args.duration * ms)
        run_s = time.perf_counter() - t0
    seconds = args.duration / 1000.0
    idx = monitor.i[:]
    t_spk = monitor.t[:]
    if args.mode == "runtime":  # drop the 1 ms warm-up run
        keep = t_spk >= 1 * ms
        idx = idx[keep]
    rate_e = (idx < n_exc).sum() / n_exc / seconds
    rate_i = (idx >= n_exc).sum() / (n - n_exc) / seconds
    print(
        json.dumps(
            {
                "mode": args.mode,
                "neurons": n,
                "run_s": run_s,
                "build_s": build_s,
                "s_per_bio_s": run_s / seconds,
                "rate_e": float(rate_e),
                "rate_i": float(rate_i),
                "mean_rate": float(len(idx) / n / seconds),
                "unit": str(second),
            }
        )
    )


if __name__ == "__main__":
    main()
