"""Helpers shared by the CSR and dense event operators: dtypes, events, argument checks."""

from __future__ import annotations

import functools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import EventShapeError

__all__ = [
    "acc_dtype",
    "as_values",
    "check_data_dtype",
    "prepare_spikes",
    "shape_error",
]


def acc_dtype(dtype: Any) -> np.dtype:
    """The dtype kernels accumulate in: float32 for 16-bit floats, the dtype itself otherwise."""
    dtype = np.dtype(dtype)
    if dtype.itemsize < 4:
        return np.dtype(np.float32)
    return dtype


def _events(x: jax.Array, dtype: Any) -> jax.Array:
    return (x != 0).astype(dtype)


@functools.partial(jax.custom_jvp, nondiff_argnums=(1,))
def _straight_through_events(x: jax.Array, dtype: np.dtype) -> jax.Array:
    return _events(x, dtype)


@_straight_through_events.defjvp
def _straight_through_jvp(dtype: np.dtype, primals: tuple, tangents: tuple) -> tuple:
    (x,), (tx,) = primals, tangents
    return _events(x, dtype), tx.astype(dtype)


def as_values(x: jax.Array, float_as_event: bool, dtype: Any) -> jax.Array:
    """The values the matrix is multiplied with: 0/1 for events, ``x`` itself otherwise.

    Float spikes taken as events are exactly 0/1 forward, with the gradient of ``x``
    itself (straight through), as the operators' own derivative rules define it: the same
    derivative whichever way an operator is computed (e.g. the pure-XLA form its batching
    rule falls back to when the weights are batched).
    """
    if x.dtype == jnp.bool_:
        return _events(x, dtype)
    if float_as_event:
        if not jnp.issubdtype(x.dtype, jnp.inexact):
            return _events(x, dtype)
        return _straight_through_events(x, np.dtype(dtype))
    return x.astype(dtype)


def check_data_dtype(data: jax.Array, what: str) -> None:
    """Weights must be floating point (the result and the gradients have their dtype)."""
    if not jnp.issubdtype(data.dtype, jnp.floating):
        raise EventShapeError(
            f"{what} must have a floating dtype (float16/bfloat16/float32/float64), "
            f"got {data.dtype}. Cast it, for example with .astype(jnp.float32)."
        )


def prepare_spikes(x: Any, dtype: Any, what: str) -> jax.Array:
    """Spikes as the operators take them: bool stays bool (events), numbers are cast to the
    weights' dtype (so the result and the gradients have the weights' dtype)."""
    x = jnp.asarray(x)
    if x.dtype == jnp.bool_:
        return x
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        raise EventShapeError(f"{what} must be bool or real, got {x.dtype}.")
    return x.astype(dtype)


def shape_error(what: str, expected: str, got: Any, hint: str = "") -> EventShapeError:
    """An ``EventShapeError`` that names the argument, the expected and the actual shape."""
    msg = f"{what}: expected {expected}, got shape {tuple(got)}."
    if hint:
        msg += " " + hint
    return EventShapeError(msg)
