"""Turning failures inside compiled calls into errors that name the State involved."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import jax
import numpy as np

from brainstate_core import (
    BrainStateError,
    DeletedStateError,
    LeakedTracerError,
    State,
    StateTraceError,
)
from brainstate_core.extend import StateTraceStack, is_tracer, tracer_is_live

__all__ = [
    "JitError",
    "EnvironRecompileWarning",
    "diagnose_failed_call",
    "check_arguments",
    "check_read_only",
    "set_pending_error",
    "take_pending_error",
]


def check_read_only(recorder: StateTraceStack, where: str) -> None:
    """Raise when a loop condition (which may only read States) wrote one."""
    written = recorder.get_write_states()
    if written:
        raise StateTraceError(
            f"{where} may read States but not write them; it wrote "
            f"{', '.join(s.describe() for s in written)}. Move the write into the loop body."
        )


class EnvironRecompileWarning(UserWarning):
    """A jitted function keeps being recompiled because a setting it reads keeps changing.

    Compiled programs bake in the ``environ`` settings their function read while being
    traced, so each new value compiles a new program. Pass such a value as an argument, or
    run the whole loop compiled (``for_loop``), where ``t`` and ``i`` are traced.
    """


class JitError(BrainStateError, RuntimeError):
    """A check inside compiled code failed (raised by :func:`jit_error_if`).

    The message is the one given to ``jit_error_if``, formatted with the values the
    compiled code passed. Usual causes: a simulation left its valid range (a delay read
    beyond its length, a NaN in a state); fix the model or the inputs named in the message.
    """


_pending = threading.local()
_pending_global: list[BaseException] = []
_lock = threading.Lock()


def set_pending_error(err: BaseException) -> None:
    """Remember an error raised in a host callback so the caller can re-raise it cleanly."""
    with _lock:  # callbacks may run on an XLA thread, not the caller's
        _pending_global[:] = [err]  # only the latest is ever taken; keep no old tracebacks


def take_pending_error() -> BaseException | None:
    with _lock:
        if _pending_global:
            err = _pending_global[-1]
            _pending_global.clear()
            return err
    return None


def diagnose_failed_call(err: BaseException, states: Sequence[State], where: str) -> None:
    """Raise a precise brainstate error for ``err`` when one applies; otherwise return."""
    pending = take_pending_error()
    if pending is not None and str(pending) in str(err):
        raise pending from err
    for s in states:
        for leaf in jax.tree.leaves(s._value):
            if is_tracer(leaf) and not tracer_is_live(leaf):
                raise LeakedTracerError(
                    f"{where} was called while {s.describe()} holds a tracer from a "
                    "transformation that already finished (it was written inside a plain "
                    "`jax.jit`/`jax.vmap`/`lax.scan`). Assign it a concrete value, and use "
                    "brainstate's State-aware transforms for code that writes States."
                ) from err
            if getattr(leaf, "is_deleted", None) is not None and not is_tracer(leaf):
                if leaf.is_deleted():
                    raise DeletedStateError(
                        f"{where} was called while {s.describe()} holds a deleted (donated) "
                        "array. Assign the donating computation's result back to the State."
                    ) from err


def check_arguments(args: tuple, kwargs: dict, where: str, method: bool = False) -> None:
    """Raise a clear error when an argument of a compiled call is a State or holds one, or
    is another object that is not an array (a model): neither needs passing. ``method``:
    the function is a method, whose argument 0 is ``self``."""
    if method and args and not _is_array_like(args[0]) and not isinstance(args[0], State):
        if not any(isinstance(leaf, State) for leaf in _leaves(args[0])):
            raise TypeError(
                f"{where} is a method whose `self` (a {type(args[0]).__name__}) is not an "
                "array. Compile the bound method (`bst.compile.jit(obj.method)`), decorate the "
                "method in its class (`@bst.compile.jit`: one compiled function per instance, "
                "over that instance's States), or pass `static_argnums=0`."
            )
    named = [(f"argument {i}", a) for i, a in enumerate(args)]
    named += [(f"argument {k!r}", v) for k, v in kwargs.items()]
    for name, value in named:
        for leaf in _leaves(value):
            if isinstance(leaf, State):
                raise TypeError(
                    f"{where}: {name} is or holds {leaf.describe()}. Compiled functions take "
                    "arrays: pass `state.value`, or let the function use the State directly "
                    "(States are found however they are reached, and their writes are kept)."
                )
            if not _is_array_like(leaf):
                raise TypeError(
                    f"{where}: {name} is or holds a {type(leaf).__name__}, not an array. "
                    "For a model or other object: let the function use it directly (a "
                    "closure, `self` of a method), and its States are found by tracing; or "
                    "mark the argument static (`static_argnums`), which compiles once per "
                    "object."
                )


def _leaves(value: Any) -> list[Any]:
    return jax.tree.leaves(value, is_leaf=lambda x: isinstance(x, State))


def _is_array_like(x: Any) -> bool:
    return isinstance(x, (int, float, complex, np.generic)) or (
        hasattr(x, "shape") or hasattr(x, "__jax_array__")
    )
