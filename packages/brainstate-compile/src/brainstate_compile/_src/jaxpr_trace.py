"""Tracing a function to a jaxpr whose inputs may grow while it runs, and replaying it.

The only module of brainstate-compile that looks behind JAX's public API (a JAX upgrade
that moves these internals needs an edit here alone). JAX's public ``make_jaxpr`` fixes a
function's inputs before it runs; State discovery needs one more: a State first read deep
inside the function becomes a new input of the jaxpr at that moment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from jax._src import (
    api_util as _api_util,
    core as _core,
    linear_util as _lu,
    source_info_util as _source_info,
)
from jax._src.interpreters import partial_eval as _pe
from jax._src.lax import lax as _lax
from jax.core import Tracer

__all__ = ["inside_jax_trace", "staging", "trace_growing", "replay", "Tracer"]

AddInput = Callable[[Any], Any]


def inside_jax_trace() -> bool:
    """Whether JAX is tracing now (values are abstract), rather than executing eagerly."""
    return not isinstance(_core.trace_ctx.trace, _core.EvalTrace)


def staging() -> bool:
    """Whether the current trace stages a jaxpr out (``jit``, a loop body, a branch ...).

    There, every value a function computes from its inputs is abstract already, so tracing
    it once more into a jaxpr of its own changes nothing it can observe. Under ``vmap`` or
    ``grad`` run eagerly it would: ``grad``'s tracers carry concrete values that Python code
    may branch on, and custom-derivative rules run at once, while the function runs.
    """
    return isinstance(_core.trace_ctx.trace, _pe.DynamicJaxprTrace)


def trace_growing(
    fn: Callable[..., Sequence[Any]], in_avals: Sequence[Any], name: str
) -> tuple[Any, list[Any]]:
    """Trace ``fn(add_input, *inputs)`` to a jaxpr; ``add_input(aval)`` appends an input.

    ``fn`` returns a flat list of arrays or tracers. Inputs made by ``add_input`` follow
    ``in_avals`` in the jaxpr, in the order they were made, wherever in ``fn`` (even inside
    a nested ``jax.vmap``) they were made.

    Returns:
        ``(jaxpr, consts)``: evaluate with :func:`replay`.
    """
    trace_box: list[Any] = []

    def add_input(aval: Any) -> Any:
        return trace_box[0].new_arg(aval, _source_info.current())

    def flat(*inputs: Any) -> list[Any]:
        trace_box.append(_core.trace_ctx.trace)
        return list(fn(add_input, *inputs))

    flat.__qualname__ = name
    debug = _api_util.debug_info("brainstate", flat, tuple(in_avals), {})
    jaxpr, _, consts = _pe.trace_to_jaxpr_dynamic(_lu.wrap_init(flat, debug_info=debug), in_avals)
    return jaxpr, consts


def replay(jaxpr: Any, consts: Sequence[Any], inputs: Sequence[Any]) -> list[Any]:
    """Evaluate a jaxpr from :func:`trace_growing` in the current trace.

    Outputs that the jaxpr holds as literals come back as JAX arrays (``eval_jaxpr`` would
    hand out JAX's internal literal types).
    """
    outs = _core.eval_jaxpr(jaxpr, consts, *inputs)
    return [
        x
        if isinstance(x, Tracer)
        else _lax._convert_element_type(x, v.aval.dtype, v.aval.weak_type)
        for x, v in zip(outs, jaxpr.outvars)
    ]
