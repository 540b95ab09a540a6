"""Shared test settings for brainstate-core: strict JAX, quick hypothesis runs."""

import jax
import pytest
from hypothesis import settings

from brainstate_core.extend import active_recorders

jax.config.update("jax_numpy_rank_promotion", "raise")

# JAX's first call of an operation compiles it, so example timings vary: no deadline.
settings.register_profile("brainstate-core", deadline=None, max_examples=40)
settings.load_profile("brainstate-core")


@pytest.fixture(autouse=True)
def _no_recorder_leaks():
    """Every test starts and ends with no active State recorder in this thread."""
    assert active_recorders() == ()
    yield
    assert active_recorders() == (), "a test left a StateTraceStack on the stack"
