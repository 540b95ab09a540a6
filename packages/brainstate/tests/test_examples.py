"""The README's example runs and its simulation agrees with theory."""

import pathlib
import re
import subprocess
import sys

import pytest

EXAMPLE = pathlib.Path(__file__).resolve().parents[3] / "examples" / "state_basics.py"


@pytest.mark.skipif(not EXAMPLE.exists(), reason="examples/ is not next to these tests")
def test_state_basics_example_matches_ornstein_uhlenbeck_theory():
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE), "--units", "4000", "--steps", "300"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    out = proc.stdout
    assert "one step writes: ['V', 'random.DEFAULT', 't']" in out
    mean, mean_theory = map(
        float, re.search(r"mean V = (\S+) \(Ornstein-Uhlenbeck theory (\S+)\)", out).groups()
    )
    var, var_theory = map(
        float, re.search(r"var  V = (\S+) \(Ornstein-Uhlenbeck theory (\S+)\)", out).groups()
    )
    # 4000 independent units: the sample mean and variance are within a few percent
    assert abs(mean - mean_theory) < 0.05
    assert abs(var - var_theory) / var_theory < 0.1
