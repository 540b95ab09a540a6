"""Shared test settings for brainstate-event: strict JAX, quick hypothesis runs."""

import jax
from hypothesis import HealthCheck, settings

jax.config.update("jax_numpy_rank_promotion", "raise")

# Every example compiles a small XLA program (2 shared cores): no deadline, few examples.
settings.register_profile(
    "brainstate-event",
    deadline=None,
    max_examples=15,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("brainstate-event")
