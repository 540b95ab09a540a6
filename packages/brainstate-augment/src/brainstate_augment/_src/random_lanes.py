"""Per-lane random keys: every RandomState a mapped function draws from gets one key per
lane (batch element or device), so lanes draw different numbers.

The RandomState's key ``k`` is split once into ``n + 1`` keys: the first becomes the
RandomState's new key after the call (so the generator has advanced, and holds a single
unbatched key), the other ``n`` are the lanes' keys, passed as a batched input. Each key
is used once. The split is a pure function of ``k``; nothing is written before the
mapped call has succeeded.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from brainstate_core.random import RandomState

__all__ = ["is_lane_rng", "split_lanes"]

_KEY_IMPL = "threefry2x32"  # the generator of a RandomState's raw uint32[2] key


def is_lane_rng(state: Any, value: Any) -> bool:
    """Whether ``state`` is a RandomState holding one raw key (so lanes can be split off)."""
    return isinstance(state, RandomState) and getattr(value, "shape", None) == (2,)


def split_lanes(key: Any, n: int) -> tuple[Any, Any]:
    """``(next_key, lane_keys)``: raw keys of shapes ``(2,)`` and ``(n, 2)`` split off ``key``."""
    typed = jax.random.wrap_key_data(jnp.asarray(key, dtype=jnp.uint32), impl=_KEY_IMPL)
    keys = jax.random.key_data(jax.random.split(typed, n + 1))
    return keys[0], keys[1:]
