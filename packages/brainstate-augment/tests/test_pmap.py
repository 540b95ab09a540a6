"""pmap with States on 4 simulated CPU devices (run in a subprocess).

The checks live in multidevice_checks.py.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).parent
CHECKS = [
    "pmap_devices",
    "pmap_in_out_states_equal_vmap",
    "pmap_shared_state_and_collectives",
    "pmap_batched_write_raises",
    "pmap_random_per_device_and_key_advances",
    "pmap_state_axes_node_and_cache",
]


def run_group(group: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    proc = subprocess.run(
        [sys.executable, str(HERE / "multidevice_checks.py"), group],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def results():
    return run_group("pmap")


@pytest.mark.parametrize("name", CHECKS)
def test_pmap_check(results, name):
    assert results.get(name) == "ok", results.get(name, f"check {name} did not run")
