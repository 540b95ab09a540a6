"""Shared test settings for brainstate-nn: strict JAX, quick hypothesis runs, no leaks."""

import jax
import pytest
from hypothesis import HealthCheck, settings

from brainstate_core.extend import active_recorders

jax.config.update("jax_numpy_rank_promotion", "raise")

# Examples compile small XLA programs, so timings vary: no deadline, few examples.
settings.register_profile(
    "brainstate-nn",
    deadline=None,
    max_examples=10,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("brainstate-nn")


@pytest.fixture(autouse=True)
def _no_recorder_leaks():
    """Every test starts and ends with no active State recorder in this thread."""
    assert active_recorders() == ()
    yield
    assert active_recorders() == (), "a test left a StateTraceStack on the stack"
