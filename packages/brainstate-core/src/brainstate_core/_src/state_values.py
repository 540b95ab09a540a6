"""Bulk access to State values for transforms' hot paths (no recording, no checks)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .jax_compat import Tracer
from .state import State

__all__ = ["get_raw_values", "set_raw_values"]


def get_raw_values(states: Sequence[State]) -> list[Any]:
    """The values of ``states``, in order, without recording the reads."""
    return [s._value for s in states]


def set_raw_values(states: Sequence[State], values: Sequence[Any]) -> None:
    """Write ``values`` into ``states`` without recording or checking.

    For transforms writing back results they computed; the values must be concrete arrays
    (or pytrees of them) so the States need no tracer bookkeeping.
    """
    for s, v in zip(states, values):
        s._value = v
        s._may_hold_tracer = isinstance(v, Tracer)
