"""Running a JAX differentiation transform over a function that reads and writes States.

The function is turned into ``pure(state_values, *diff_args) -> (y, (value, aux, written))``:
the values of the ``grad_states`` come in as differentiable inputs, the other States it
touches keep their current values, and the new values of the States it writes leave as
auxiliary outputs (primal values: JAX never differentiates them). The States are found by
tracing (see ``brainstate_compile.extend``), so the set of written States is derived anew
for every trace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import brainstate_graph as graph
from brainstate_compile.extend import (
    KnownStates,
    call_with_states,
    check_no_state_in,
    run_discovering,
)
from brainstate_core import State, StateTraceError
from brainstate_core.extend import is_recording, read_state_values

from .errors import GradStateError
from .grad_states import GradTargets, warn_unused

__all__ = ["Outcome", "differentiate", "fun_name"]

# apply(pure, primals) -> (result, (value, aux, written_values)); `primals` is
# (grad_state_values, *diff_args) and `pure` has that signature.
Apply = Callable[[Callable[..., Any], tuple[Any, ...]], tuple[Any, tuple[Any, Any, list[Any]]]]


def fun_name(fun: Callable[..., Any]) -> str:
    return getattr(fun, "__qualname__", None) or getattr(fun, "__name__", None) or repr(fun)


class Outcome:
    """The result of :func:`differentiate`: the transform's result, the value and the aux."""

    __slots__ = ("aux", "result", "value")

    def __init__(self, result: Any, value: Any, aux: Any) -> None:
        self.result, self.value, self.aux = result, value, aux


def _check_differentiable_argument(value: Any, position: int, where: str) -> None:
    """A State or a model at an ``argnums`` position: say how to differentiate it."""
    if isinstance(value, State):
        raise GradStateError(
            f"{where}: argument {position} (in argnums) is {value.describe()}. Differentiate "
            "with respect to a State by giving it in grad_states=..., not by passing it."
        )
    if isinstance(value, graph.Node):
        raise GradStateError(
            f"{where}: argument {position} (in argnums) is a {type(value).__name__} (a model), "
            "not an array. Give its States as grad_states (e.g. "
            "`bst.graph.states(model, bst.ParamState)`) and leave it out of argnums."
        )


def differentiate(
    fun: Callable[..., Any],
    targets: GradTargets,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    apply: Apply,
    *,
    has_aux: bool,
    known: KnownStates | None,
    where: str,
    check_states: bool | None = None,
) -> Outcome:
    """Apply a differentiation transform to ``fun`` at ``args``, writing written States back.

    Args:
        fun: the user function.
        targets: the checked ``grad_states``/``argnums``.
        args, kwargs: the call's arguments.
        apply: runs the JAX transform on ``pure`` at the primals.
        has_aux: ``fun`` returns ``(y, aux)``.
        known: a persistent set of States for top-level calls (``None``: a fresh one).
        where: names the transform in error messages.
        check_states: what a State of ``grad_states`` that ``fun`` never reads does: ``None``
            warns (:class:`UnusedGradStateWarning`), ``True`` raises
            :class:`GradStateError` (before any State is written), ``False`` nothing; its
            gradient is zero.

    Returns:
        The :class:`Outcome`; every State ``fun`` wrote holds its new value.
    """
    argnums = targets.resolve_argnums(len(args))
    for i in argnums:
        _check_differentiable_argument(args[i], i, where)
    grad_states = targets.states
    grad_ids = {id(s) for s in grad_states}
    if known is None or is_recording():
        # Inside another transform the States found may be local to the enclosing trace;
        # find them afresh for this trace.
        known = KnownStates()
    written_states: list[State] = []

    def pure(grad_values: Sequence[Any], others: list[State], other_values: list[Any], *diff):
        call_args = list(args)
        for i, v in zip(argnums, diff):
            call_args[i] = v
        states = [*grad_states, *others]
        out, after = call_with_states(
            fun, tuple(call_args), kwargs, states, [*grad_values, *other_values], known, where=where
        )
        check_no_state_in(out, where)
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                if isinstance(out, (tuple, list)):
                    got = f"a {type(out).__name__} of length {len(out)}"
                elif hasattr(out, "shape") and hasattr(out, "dtype"):
                    got = f"an array ({out.dtype}{list(out.shape)})"
                else:
                    got = type(out).__name__
                raise StateTraceError(
                    f"{where}: has_aux=True expects the function to return a pair "
                    f"(output, aux), but it returned {got}."
                )
            y, aux = out
        else:
            y, aux = out, None
        written_states.clear()
        written_values = []
        for s, v in zip(states, after):
            i = known.index(s)
            if i is not None and known.written[i]:
                written_states.append(s)
                written_values.append(v)
        return y, (y, aux, written_values)

    def attempt() -> tuple[Any, tuple[Any, Any, list[Any]]]:
        others = [s for s in known.states if id(s) not in grad_ids]
        other_values = read_state_values(others)
        primals = (read_state_values(grad_states), *(args[i] for i in argnums))

        def bound(grad_values: Sequence[Any], *diff: Any) -> Any:
            return pure(grad_values, others, other_values, *diff)

        return apply(bound, primals)

    result, (value, aux, written_values) = run_discovering(known, attempt)
    unused = [s for s in grad_states if known.index(s) is None]
    if unused and check_states:
        names = ", ".join(s.describe() for s in unused)
        raise GradStateError(
            f"{where}: grad_states holds {names}, which the function never reads "
            "(check_states=True). Leave it out of grad_states, or pass check_states=False "
            "to take its zero gradient."
        )
    for s, v in zip(written_states, written_values):
        s.value = v
    if check_states is None:
        warn_unused(unused, where)
    return Outcome(result, value, aux)
