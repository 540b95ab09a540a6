"""State-aware branches: ``cond``, ``switch`` and ``ifelse``."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import jax.numpy as jnp
from jax import lax

from brainstate_core.extend import is_tracer, read_state_values, write_state_values

from .carry import as_carry, check_carry
from .discovery import KnownStates, call_with_states, check_no_state_in, run_discovering
from .error_if import jit_error_if

__all__ = ["cond", "switch", "ifelse"]


def _name(f: Callable) -> str:
    return getattr(f, "__qualname__", None) or repr(f)


def _outputs_differ(err: TypeError, labels: Sequence[str], where: str) -> TypeError | None:
    """JAX's error for branches whose outputs differ, told with the user's branches (JAX
    numbers them and points at brainstate's wrapper)."""
    text = str(err)
    if "must have equal output types" not in text:
        return None
    lines = [ln for ln in text.splitlines()[1:] if " is branch at " not in ln]
    detail = " ".join(ln.strip() for ln in lines if ln.strip() and not ln.startswith("Revise"))

    def name(m: re.Match) -> str:
        i = int(m.group(1))
        return labels[i] if i < len(labels) else m.group(0)

    detail = re.sub(r"branch ?(\d+)", name, detail)
    # path [0] is the branches' output in brainstate's wrapper: name the user's part of it
    detail = re.sub(
        r" at path \[0\]((?:\[[^\]]*\])*)",
        lambda m: f" at {m.group(1)}" if m.group(1) else "",
        detail,
    )
    return TypeError(f"{where}: the branches must return outputs of equal types. {detail}")


def _stateful_branches(
    index: Any,
    branches: Sequence[Callable[..., Any]],
    operands: tuple,
    where: str,
    labels: Sequence[str] | None = None,
) -> Any:
    known = KnownStates()
    labels = list(labels or (f"branch {i} ({_name(b)})" for i, b in enumerate(branches)))

    def attempt() -> tuple[Any, list, list]:
        write_states, read_states = known.split()
        states = write_states + read_states
        n_w = len(write_states)
        w0 = as_carry(read_state_values(write_states))
        read_vals = read_state_values(read_states)

        def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
            here = f"{where} branch {_name(fn)}"

            def branch(w_vals: list, *ops: Any) -> tuple[Any, list]:
                out, after = call_with_states(
                    fn, ops, {}, states, list(w_vals) + read_vals, known, where=here
                )
                check_no_state_in(out, here)
                return out, check_carry(write_states, w_vals, after[:n_w], here)

            return branch

        try:
            out, new_w = lax.switch(index, [wrap(b) for b in branches], w0, *operands)
        except TypeError as e:
            err = _outputs_differ(e, labels, where)
            if err is None:
                raise
            raise err from None
        return out, write_states, new_w

    out, write_states, new_w = run_discovering(known, attempt)
    write_state_values(write_states, new_w)
    return out


def cond(
    pred: Any, true_fun: Callable[..., Any], false_fun: Callable[..., Any], *operands: Any
) -> Any:
    """``jax.lax.cond`` over branches that may read and write States.

    A State written in either branch holds, afterwards, the value of the branch taken.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_compile as bc
        >>> import brainstate_core as bsc
        >>> s = bsc.State(jnp.zeros(()))
        >>> def up(x):
        ...     s.value += x
        ...     return x
        >>> _ = bc.cond(True, up, lambda x: -x, 2.0)
        >>> float(s.value)
        2.0
    """
    if not is_tracer(pred) and jnp.ndim(pred) != 0:
        raise TypeError(f"cond: pred must be a scalar, got shape {jnp.shape(pred)}.")
    index = jnp.asarray(pred, dtype=bool).astype(jnp.int32)
    where = f"cond({_name(true_fun)}, {_name(false_fun)})"
    labels = [f"false_fun ({_name(false_fun)})", f"true_fun ({_name(true_fun)})"]
    return _stateful_branches(index, [false_fun, true_fun], operands, where, labels)


def switch(index: Any, branches: Sequence[Callable[..., Any]], *operands: Any) -> Any:
    """``jax.lax.switch`` over branches that may read and write States.

    ``index`` is clamped into ``[0, len(branches) - 1]``, as in JAX.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_compile as bc
        >>> import brainstate_core as bsc
        >>> s = bsc.State(jnp.zeros(()))
        >>> def set_to(v):
        ...     def branch():
        ...         s.value = jnp.asarray(v, jnp.float32)
        ...     return branch
        >>> bc.switch(7, [set_to(0.), set_to(1.), set_to(2.)])
        >>> float(s.value)
        2.0
    """
    branches = list(branches)
    if not branches:
        raise ValueError("switch: `branches` must contain at least one function.")
    where = f"switch({', '.join(_name(b) for b in branches)})"
    index = jnp.clip(jnp.asarray(index, jnp.int32), 0, len(branches) - 1)
    return _stateful_branches(index, branches, operands, where)


def ifelse(
    conditions: Sequence[Any],
    branches: Sequence[Callable[..., Any]],
    *operands: Any,
    check_cond: bool = False,
) -> Any:
    """``if / elif / ... / else`` over branches that may read and write States.

    The branch of the first true condition runs. With one more branch than conditions, the
    last branch is the ``else``; with as many branches as conditions, the last branch also
    runs when no condition is true.

    Args:
        conditions: Boolean scalars, tested in order.
        branches: Functions of ``*operands``; ``len(conditions)`` or ``len(conditions) + 1``.
        *operands: Arguments passed to the chosen branch.
        check_cond: Also check that exactly one condition is true, raising
            :class:`JitError` (from compiled code, when it runs) otherwise. brainstate 0.1
            made this check by default; here conditions may overlap (the first true one
            wins) unless it is asked for.

    Raises:
        ValueError: the numbers of branches and conditions do not fit.
        TypeError: a condition is not a scalar.
        JitError: ``check_cond`` is set and not exactly one condition is true.

    Examples:
        >>> import brainstate_compile as bc
        >>> import brainstate_core as bsc
        >>> def grade(a):
        ...     return bc.ifelse(
        ...         [a > 10, a > 5, a > 2], [lambda: 1, lambda: 2, lambda: 3, lambda: 4])
        >>> [int(grade(a)) for a in (11, 7, 3, 0)]
        [1, 2, 3, 4]
    """
    conditions = list(conditions)
    branches = list(branches)
    if len(branches) not in (len(conditions), len(conditions) + 1) or not branches:
        raise ValueError(
            f"ifelse: expected len(branches) == len(conditions) or len(conditions) + 1, got "
            f"{len(branches)} branches for {len(conditions)} conditions."
        )
    for i, c in enumerate(conditions):
        if jnp.ndim(c) != 0:
            raise TypeError(f"ifelse: conditions[{i}] must be a scalar, got shape {jnp.shape(c)}.")
    if conditions:
        conds = jnp.stack([jnp.asarray(c, bool) for c in conditions])
        if check_cond:
            jit_error_if(
                jnp.sum(conds) != 1,
                "ifelse(check_cond=True): exactly one condition must be true, got {}.",
                conds,
            )
        index = jnp.where(jnp.any(conds), jnp.argmax(conds), len(branches) - 1)
    else:
        index = jnp.asarray(0)
    where = f"ifelse({', '.join(_name(b) for b in branches)})"
    return _stateful_branches(index.astype(jnp.int32), branches, operands, where)
