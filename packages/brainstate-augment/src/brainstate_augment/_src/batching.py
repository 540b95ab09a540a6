"""The one place where brainstate-augment looks behind JAX's public API.

``vmap`` must know whether a value written into an undeclared State differs across the
mapped axis (then it cannot be stored in an unbatched State) or not (then it is written
back as is). JAX has no public query for this; inside ``jax.vmap`` the answer is the
``batch_dim`` of the value's ``BatchTracer``. When a JAX upgrade moves these internals,
:func:`batch_probe` returns ``None`` and ``vmap`` falls back to JAX's own error for a
mapped output with ``out_axes=None`` (less precise: it cannot name the State).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

__all__ = ["batch_probe", "probe_available", "varying_axes"]

try:  # pragma: no branch - depends on the JAX version
    from jax._src import core as _core
    from jax._src.interpreters.batching import BatchTracer as _BatchTracer
except ImportError:  # pragma: no cover
    _core = None
    _BatchTracer = None


def probe_available() -> bool:
    """Whether :func:`batch_probe` can work with this JAX version."""
    return _BatchTracer is not None and _core is not None


def batch_probe() -> Callable[[Any], bool] | None:
    """A test ``leaf -> bool``: is ``leaf`` batched by the vmap trace running now?

    Call it inside the function that ``jax.vmap`` traces (at its top level, not inside a
    nested transform). Values of outer traces, constants and unbatched tracers are not
    batched. Returns ``None`` when JAX's internals are not where this module expects them.
    """
    if _core is None or _BatchTracer is None:  # pragma: no cover
        return None
    trace = getattr(getattr(_core, "trace_ctx", None), "trace", None)
    if trace is None:  # pragma: no cover
        return None

    tracer_type = _BatchTracer

    def is_batched(leaf: Any) -> bool:
        return (
            isinstance(leaf, tracer_type)
            and leaf._trace is trace
            and getattr(leaf, "batch_dim", None) is not None
        )

    return is_batched


def varying_axes(leaf: Any) -> frozenset:
    """The manual mesh axes over which ``leaf`` varies inside ``shard_map``.

    Read from the value's type: ``jax.typeof(x).vma`` in JAX up to 0.8, the ``varying``
    set of its manual-axis type (``.mat``) in later versions. Empty when unknown.
    """
    try:
        aval = jax.typeof(leaf)
    except TypeError:
        return frozenset()
    vma = getattr(aval, "vma", None)
    if vma is None:
        mat = getattr(aval, "mat", None) or getattr(aval, "manual_axis_type", None)
        vma = getattr(mat, "varying", None)
    return frozenset(vma or ())
