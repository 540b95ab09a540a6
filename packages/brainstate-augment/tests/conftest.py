"""Shared test settings for brainstate-augment: strict JAX, quick hypothesis runs, no leaks."""

import jax
import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from brainstate_core.extend import active_recorders, is_tracer

jax.config.update("jax_numpy_rank_promotion", "raise")

# Every example traces (and often compiles) a small program: no deadline, few examples.
settings.register_profile(
    "brainstate-augment",
    deadline=None,
    max_examples=10,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("brainstate-augment")


@pytest.fixture(autouse=True)
def _no_recorder_leaks():
    """Every test starts and ends with no active State recorder in this thread."""
    assert active_recorders() == ()
    yield
    assert active_recorders() == (), "a test left a StateTraceStack on the stack"


def _assert_concrete(*states):
    """Every leaf of every State's value is a concrete array (never a tracer)."""
    for s in states:
        for leaf in jax.tree.leaves(s._value):
            assert not is_tracer(leaf), f"{s.describe()} holds a tracer: {leaf!r}"
            assert isinstance(leaf, (jax.Array, np.ndarray, np.generic, int, float, bool)), (
                f"{s.describe()} holds {type(leaf).__name__}"
            )


@pytest.fixture(scope="session")
def assert_concrete():
    """``assert_concrete(*states)``: no State holds a tracer."""
    return _assert_concrete
