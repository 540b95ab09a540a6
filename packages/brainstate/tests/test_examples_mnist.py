"""The MNIST-like MLP example trains: its loss decreases and its accuracy rises."""

import pathlib
import re
import subprocess
import sys

import pytest

EXAMPLE = pathlib.Path(__file__).resolve().parents[3] / "examples" / "mnist_like_mlp.py"
ROW = re.compile(r"^\s*(\d+) \| (\S+) \| +(\S+) \| +(\S+) \| +(\S+)$", re.MULTILINE)


@pytest.mark.skipif(not EXAMPLE.exists(), reason="examples/ is not next to these tests")
def test_mnist_like_mlp_example_loss_decreases():
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE), "--epochs", "3", "--steps-per-epoch", "20"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    rows = [tuple(map(float, m.groups())) for m in ROW.finditer(proc.stdout)]
    assert len(rows) == 3, proc.stdout
    losses = [r[2] for r in rows]
    accuracies = [r[3] for r in rows]
    lrs = [r[1] for r in rows]
    assert losses[0] > losses[1] > losses[2], proc.stdout
    assert losses[2] < 0.75 * losses[0], proc.stdout
    assert accuracies[2] > accuracies[0] and accuracies[2] > 0.3, proc.stdout  # chance: 0.1
    assert lrs == [1e-3, 1e-3, 5e-4]  # StepLR(step_size=2, gamma=0.5), stepped per epoch
