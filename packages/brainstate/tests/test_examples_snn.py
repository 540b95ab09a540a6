"""The flagship examples run: the COBA network fires at its documented rate, the SNN learns."""

import importlib.util
import pathlib
import sys

import numpy as np
import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "examples"


def _load(name):
    path = EXAMPLES / f"{name}.py"
    if not path.exists():
        pytest.skip("examples/ is not next to these tests")
    if str(EXAMPLES) not in sys.path:  # examples import each other, as when run as scripts
        sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_coba_network_rates_match_the_benchmark_specification():
    coba = _load("coba_ei_network")
    res = coba.simulate(4000, 500.0, progress=False)
    # Brian2 gives 20.85 Hz on the same specification; a 0.5 s run (with its onset
    # transient) lands in 17-25 Hz for E and I alike
    assert 17.0 < res["exc_rate"] < 25.0, res
    assert 17.0 < res["inh_rate"] < 25.0, res
    assert res["spikes"].shape == (5000, 4000) and res["spikes"].dtype == bool


def test_cuba_network_sustains_low_rate_activity():
    cuba = _load("cuba_ei_network")
    res = cuba.simulate(4000, 300.0)
    # self-sustained asynchronous activity at a few Hz (no external drive)
    assert 2.0 < res["exc_rate"] < 15.0 and 2.0 < res["inh_rate"] < 15.0, res


def test_snn_training_lowers_the_loss():
    snn = _load("snn_training")
    losses = snn.train(20, progress=False)
    assert np.all(np.isfinite(losses))
    assert np.mean(losses[-4:]) < np.mean(losses[:4]) - 0.1
