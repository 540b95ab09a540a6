"""shard_map and sharded States on 4 simulated CPU devices (run in a subprocess).

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
    "shard_map_state_specs_equal_reference",
    "shard_map_replicated_write_must_not_vary",
    "shard_map_random_per_device",
    "shard_states_then_jit_for_loop_runs_spmd",
    "shard_states_bad_spec_names_state",
    "shard_map_explicit_mesh_and_node_argument",
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
    return run_group("shard_map")


@pytest.mark.parametrize("name", CHECKS)
def test_shard_map_check(results, name):
    assert results.get(name) == "ok", results.get(name, f"check {name} did not run")
