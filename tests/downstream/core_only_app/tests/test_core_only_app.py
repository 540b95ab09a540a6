"""The downstream project works with brainstate-core and nothing else from brainstate."""

import importlib.util
import math

import jax.numpy as jnp
import numpy as np
import pytest
from core_only_app import LeakyIntegrator, states_written_by

import brainstate_core as bsc
from brainstate_core import random


def test_integrator_relaxes_to_its_input():
    cell = LeakyIntegrator(3, tau=1.0)
    for _ in range(200):
        cell.step(2.0, dt=0.1)
    # Euler steps of dv/dt = -v + 2 from v=0: v_n = 2 * (1 - 0.9**n).
    np.testing.assert_allclose(cell.v.value, 2.0 * (1 - 0.9**200) * np.ones(3), rtol=1e-5)
    assert int(cell.steps.value) == 200


def test_recorder_sees_the_written_states():
    cell = LeakyIntegrator(2)
    written = states_written_by(cell.step, 1.0)
    assert written == [cell.v, cell.steps]
    assert all(isinstance(s, bsc.State) for s in written)


def test_noise_comes_from_brainstate_core_random():
    random.seed(0)
    a = LeakyIntegrator(4, noise=1.0)
    a.step(0.0)
    random.seed(0)
    b = LeakyIntegrator(4, noise=1.0)
    b.step(0.0)
    np.testing.assert_array_equal(a.v.value, b.v.value)
    assert not math.isclose(float(jnp.abs(a.v.value).sum()), 0.0)


def test_state_repr_names_the_public_home():
    assert type(LeakyIntegrator(1).v).__module__ == "brainstate_core"


@pytest.mark.parametrize(
    "name", ["brainstate", "brainstate_graph", "brainstate_compile", "brainstate_nn"]
)
def test_no_other_brainstate_distribution_is_installed(name):
    assert importlib.util.find_spec(name) is None, f"{name} should not be installed here"
