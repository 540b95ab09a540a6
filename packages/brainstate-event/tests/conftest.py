"""Shared test settings for brainstate-event: strict JAX, quick hypothesis runs."""

import pathlib
import sys

import jax
from hypothesis import HealthCheck, settings

# the dense references (event_reference.py) are imported by name
sys.path.insert(0, str(pathlib.Path(__file__).parent))

jax.config.update("jax_numpy_rank_promotion", "raise")

# Every example compiles a small XLA program (2 shared cores): no deadline, few examples.
settings.register_profile(
    "brainstate-event",
    deadline=None,
    max_examples=15,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("brainstate-event")
