"""The flagship COBA network: brainstate against Brian2 on the identical specification.

For each size, runs in separate processes, side by side:

- brainstate (``examples/coba_ei_network.py``), one XLA program per simulation;
- Brian2 2.9 C++ standalone (one thread) and runtime (Cython) mode, in their own
  environment (``uv run --no-project --with brian2==2.9.0 --with "numpy<2.4"``; skipped
  with ``--no-brian2`` or when uv is missing).

Every process is pinned to one CPU (``--cpu``, default 0) with ``taskset`` and XLA is told to
use one thread; ``--two-cores`` adds the 2-core figure for brainstate. ``--baseline REF`` adds
brainstate as of the git revision ``REF`` (its ``packages/*/src`` and ``examples`` put first
on the path), for a before/after comparison in the same run.
Prints seconds per biological second, ratios to Brian2 standalone and the firing rates.

Run: ``uv run python benchmarks/coba.py [--sizes 4000 16000] [--duration 1000] [--cpu 1]
[--baseline HEAD~3] [--no-brian2]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

OURS = """
import json, sys
sys.path.insert(0, {examples!r})
from coba_ei_network import simulate
runs = [simulate({n}, {duration}, progress=False) for _ in range(3)]
r = min(runs, key=lambda r: r["run_s"])  # best of three: the quietest moment of the machine
r.pop("spikes")
print(json.dumps(r))
"""

ONE_THREAD = "--xla_cpu_multi_thread_eigen=false"  # with taskset: XLA's pools follow the CPUs


CPU = "0"  # the CPU every pinned process runs on (--cpu)


def _pin(cmd: list[str], one_core: bool) -> list[str]:
    if one_core and shutil.which("taskset"):
        return ["taskset", "-c", CPU, *cmd]
    return cmd


def checkout(ref: str, into: Path) -> Path:
    """Extract ``packages`` and ``examples`` of git revision ``ref`` under ``into``."""
    archive = into / "src.tar"
    subprocess.run(
        ["git", "-C", str(ROOT), "archive", "-o", str(archive), ref, "packages", "examples"],
        check=True,
    )
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into


def _last_json(out: str) -> dict:
    for line in reversed(out.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no result in output:\n{out[-2000:]}")


def run_ours(n: int, duration: float, one_core: bool, tree: Path | None = None) -> dict:
    env = dict(os.environ)
    if one_core:
        env["XLA_FLAGS"] = (env.get("XLA_FLAGS", "") + " " + ONE_THREAD).strip()
    root = ROOT if tree is None else tree
    if tree is not None:  # that revision's sources before the installed (editable) ones
        srcs = sorted(str(p) for p in (tree / "packages").glob("*/src"))
        env["PYTHONPATH"] = os.pathsep.join([*srcs, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    code = OURS.format(examples=str(root / "examples"), n=n, duration=duration)
    out = subprocess.run(
        _pin([sys.executable, "-c", code], one_core),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    r = _last_json(out)
    return {
        "s_per_bio_s": r["s_per_bio_s"],
        "build_s": r["compile_s"],
        "rate_e": r["exc_rate"],
        "rate_i": r["inh_rate"],
        "mean_rate": r["mean_rate"],
    }


def run_brian2(n: int, duration: float, mode: str) -> dict | None:
    uv = shutil.which("uv")
    if uv is None:
        return None
    cmd = [
        uv,
        "run",
        "--no-project",
        "--with",
        "brian2==2.9.0",
        "--with",
        "numpy<2.4",
        "python",
        str(ROOT / "benchmarks" / "brian2_coba.py"),
        "--neurons",
        str(n),
        "--duration",
        str(duration),
        "--mode",
        mode,
    ]
    proc = subprocess.run(_pin(cmd, True), capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"  (Brian2 {mode} failed: {proc.stderr.strip().splitlines()[-1:]})")
        return None
    return _last_json(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[4000, 16000])
    parser.add_argument("--duration", type=float, default=1000.0)
    parser.add_argument("--no-brian2", action="store_true")
    parser.add_argument("--two-cores", action="store_true", help="also run brainstate on 2 cores")
    parser.add_argument("--cpu", default="0", help="the CPU to pin every process to")
    parser.add_argument("--baseline", default=None, help="also run this git revision")
    args = parser.parse_args()
    global CPU
    CPU = args.cpu
    tmp = tempfile.TemporaryDirectory() if args.baseline else None
    base = checkout(args.baseline, Path(tmp.name)) if tmp else None
    head = f"{'N':>6} | {'implementation':<26} | {'s / bio s':>9} | {'build s':>8} | "
    head += f"{'vs Brian2 sa':>12} | {'rate E/I (Hz)':>14}"
    print(head)
    print("-" * len(head))
    for n in args.sizes:
        rows = []
        if base is not None:
            rows.append(
                (f"brainstate @{args.baseline} (1c)", run_ours(n, args.duration, True, base))
            )
        rows.append(("brainstate (1 core)", run_ours(n, args.duration, True)))
        if args.two_cores:
            rows.append(("brainstate (2 cores)", run_ours(n, args.duration, False)))
        if not args.no_brian2:
            rows.append(("Brian2 standalone (1 thr)", run_brian2(n, args.duration, "standalone")))
            rows.append(("Brian2 runtime/Cython", run_brian2(n, args.duration, "runtime")))
        ref = next((r for name, r in rows if name.startswith("Brian2 standalone") and r), None)
        for name, r in rows:
            if r is None:
                continue
            ratio = f"{ref['s_per_bio_s'] / r['s_per_bio_s']:.2f}x" if ref else "-"
            print(
                f"{n:>6} | {name:<26} | {r['s_per_bio_s']:>9.3f} | {r['build_s']:>8.1f} | "
                f"{ratio:>12} | {r['rate_e']:>6.2f}/{r['rate_i']:<6.2f}"
            )


if __name__ == "__main__":
    main()
