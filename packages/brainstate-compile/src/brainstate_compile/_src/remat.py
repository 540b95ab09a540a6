"""State-aware rematerialisation (``jax.checkpoint``)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax

from brainstate_core.extend import is_recording, read_state_values, write_state_values

from .discovery import KnownStates, call_with_states, check_no_state_in, run_discovering

__all__ = ["remat", "checkpoint"]


class _Remat:
    def __init__(
        self,
        fun: Callable[..., Any],
        prevent_cse: bool,
        policy: Callable[..., bool] | None,
        static_argnums: tuple[int, ...],
    ) -> None:
        self.fun = fun
        self.prevent_cse = prevent_cse
        self.policy = policy
        self.static_argnums = static_argnums
        self._known = KnownStates()
        self._where = f"remat({getattr(fun, '__qualname__', None) or type(fun).__name__})"
        functools.update_wrapper(self, fun, updated=())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # inside another transform the States may be local to its trace: find them afresh
        known = KnownStates() if is_recording() else self._known

        def attempt() -> tuple[Any, dict, list]:
            states = known.states

            def pure(values: list, *a: Any, **kw: Any) -> tuple[Any, dict]:
                out, after = call_with_states(
                    self.fun, a, kw, states, values, known, where=self._where
                )
                check_no_state_in(out, self._where)
                return out, {i: v for i, v in enumerate(after) if known.written[i]}

            rematted = jax.checkpoint(
                pure,
                prevent_cse=self.prevent_cse,
                policy=self.policy,
                static_argnums=tuple(i + 1 for i in self.static_argnums),
            )
            out, written = rematted(read_state_values(states), *args, **kwargs)
            return out, written, states

        out, written, states = run_discovering(known, attempt)
        write_state_values([states[i] for i in written], list(written.values()))
        return out


def remat(
    fun: Callable[..., Any] | None = None,
    *,
    prevent_cse: bool = True,
    policy: Callable[..., bool] | None = None,
    static_argnums: int | Sequence[int] = (),
) -> Any:
    """``jax.checkpoint`` for functions (or modules) that read and write States.

    The forward activations of ``fun`` are recomputed in the backward pass instead of
    stored. Works on functions and on callable objects such as module instances.

    Examples:
        >>> import jax, jax.numpy as jnp
        >>> import brainstate_compile as bc
        >>> import brainstate_core as bsc
        >>> w = bsc.ParamState(jnp.array(3.0))
        >>> f = bc.remat(lambda x: jnp.sin(w.value * x))
        >>> float(jax.grad(f)(1.0)) == float(3.0 * jnp.cos(3.0))
        True
    """
    statics = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)
    if fun is None:
        return functools.partial(
            remat, prevent_cse=prevent_cse, policy=policy, static_argnums=statics
        )
    return _Remat(fun, prevent_cse, policy, statics)


checkpoint = remat
