"""The few places where brainstate-core looks behind JAX's public API.

Kept in one module so that a JAX upgrade that moves these internals needs one edit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jax._src import core as _jax_core
from jax.core import Tracer

__all__ = ["Tracer", "is_tracer", "tracer_is_live", "is_deleted_array", "backends_initialized"]


try:  # the concrete array type; tracers are instances of jax.Array too, so we need it
    from jax._src.array import ArrayImpl as _ArrayImpl
except ImportError:  # pragma: no cover - depends on the JAX version
    _ArrayImpl = None


def is_tracer(x: Any) -> bool:
    """Whether ``x`` is a JAX tracer (an abstract value inside a transformation)."""
    return isinstance(x, Tracer)


def current_trace() -> Any:
    """The JAX trace running in this thread now (the root evaluation trace outside any)."""
    return _jax_core.trace_ctx.trace


def _encloses(trace: Any, start: Any) -> bool:
    current = start
    while current is not None:
        if current is trace:
            return True
        current = getattr(current, "parent_trace", None)
    return False


def tracer_is_live(tracer: Any, running: Iterable[Any] = ()) -> bool:
    """Whether ``tracer`` belongs to a trace that is still running in this thread.

    A tracer is live when its trace is the current one or one of the traces that enclose
    it, or encloses one of the ``running`` traces (those current when the enclosing
    recorders started: ``pmap`` and ``shard_map`` trace their body anew, under the root
    trace, yet may use the values of the transformations around them). A tracer kept after
    its ``jax.jit``/``vmap``/``grad`` returned is not.
    """
    trace = getattr(tracer, "_trace", None)
    if trace is None:
        return True
    is_valid = getattr(trace, "is_valid", None)
    if is_valid is not None and not is_valid():
        return False
    if _encloses(trace, _jax_core.trace_ctx.trace):
        return True
    return any(_encloses(trace, start) for start in running)


def is_deleted_array(x: Any) -> bool:
    """Whether ``x`` is a concrete JAX array whose buffer was deleted (e.g. donated)."""
    if _ArrayImpl is not None and type(x) is _ArrayImpl:
        return x.is_deleted()
    return False


def backends_initialized() -> bool:
    """Whether JAX has started its backends (after which the platform is fixed)."""
    try:
        from jax._src import xla_bridge
    except ImportError:  # pragma: no cover - depends on the JAX version
        return False
    check = getattr(xla_bridge, "backends_are_initialized", None)
    if check is not None:
        return bool(check())
    return bool(getattr(xla_bridge, "_backends", None))  # pragma: no cover
