"""Bulk access to State values for transforms (fast paths without per-State checks)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .jax_compat import Tracer
from .state import State
from .trace import TRACE_CONTEXT

__all__ = [
    "is_recording",
    "get_raw_values",
    "set_raw_values",
    "set_raw_indexed",
    "read_state_values",
    "write_state_values",
]


def is_recording() -> bool:
    """Whether any State recorder is active in this thread (we are inside a transform)."""
    return bool(TRACE_CONTEXT.stack)


def get_raw_values(states: Sequence[State]) -> list[Any]:
    """The values of ``states``, in order, without recording the reads."""
    return [s._value for s in states]


def set_raw_values(states: Sequence[State], values: Sequence[Any]) -> None:
    """Write ``values`` into ``states`` without recording or checking.

    For transforms writing back results they computed outside of any recorder; the values
    must be concrete arrays (or pytrees of them) so the States need no tracer bookkeeping.
    """
    for s, v in zip(states, values):
        s._value = v
        s._may_hold_tracer = isinstance(v, Tracer)


def set_raw_indexed(states: Sequence[State], indices: Sequence[int], values: Sequence[Any]) -> None:
    """Write ``values[k]`` into ``states[indices[k]]`` for each ``k`` (no recording).

    The form in which a compiled program returns the States it wrote. Values must be
    concrete arrays (or pytrees of them).
    """
    for i, v in zip(indices, values):
        s = states[i]
        s._value = v
        s._may_hold_tracer = False


def read_state_values(states: Sequence[State]) -> list[Any]:
    """The values of ``states``: recorded reads inside a transform, raw reads outside.

    A transform nested in another must let the outer recorders see the States it uses
    before it swaps their values for its own tracers; this does exactly that.
    """
    if TRACE_CONTEXT.stack:
        return [s.value for s in states]
    for s in states:
        if s._may_hold_tracer:  # a tracer of a finished transformation: say which State
            s._check_no_leaked_tracer(s._value)
    return [s._value for s in states]


def write_state_values(states: Sequence[State], values: Sequence[Any]) -> None:
    """Write results back: recorded writes inside a transform, raw writes outside."""
    if TRACE_CONTEXT.stack:
        for s, v in zip(states, values):
            s.value = v
    else:
        set_raw_values(states, values)
