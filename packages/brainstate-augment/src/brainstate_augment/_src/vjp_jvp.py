"""``vjp`` and ``jvp`` over functions that read and write States."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import jax

from brainstate_compile.extend import KnownStates

from .differentiate import differentiate, fun_name
from .errors import GradStateError
from .grad_states import GradTargets

__all__ = ["jvp", "vjp"]

# The States each function touches, kept across top-level calls (as the loops do), so a
# repeated vjp/jvp of the same function traces it once instead of discovering them again.
_KNOWN: weakref.WeakKeyDictionary[Callable[..., Any], KnownStates] = weakref.WeakKeyDictionary()


def _known_for(fun: Callable[..., Any]) -> KnownStates | None:
    try:
        return _KNOWN.setdefault(fun, KnownStates())
    except TypeError:  # not weak-referenceable: find the States afresh
        return None


def vjp(
    fun: Callable[..., Any],
    *primals: Any,
    grad_states: Any = None,
    has_aux: bool = False,
) -> Any:
    """Value and vector-Jacobian-product function, as ``jax.vjp``, also over States.

    ``fun`` is evaluated once at ``primals`` (States it writes are written back); the
    returned ``vjp_fun(cotangent)`` gives the cotangents of the ``primals`` (a tuple, as
    JAX), preceded by those of ``grad_states`` in their container shape when given:
    ``(state_cotangents, primal_cotangents)``.

    Args:
        fun: the function.
        *primals: the arguments to evaluate at; all are differentiated.
        grad_states: a State or a pytree of States, also differentiated.
        has_aux: ``fun`` returns ``(output, aux)``.

    Returns:
        ``(output, vjp_fun)`` or ``(output, vjp_fun, aux)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_augment as ba, brainstate_core as bsc
        >>> w = bsc.ParamState(jnp.array([1.0, 2.0]))
        >>> y, back = ba.vjp(lambda x: w.value * x, jnp.array([3.0, 4.0]), grad_states=w)
        >>> state_ct, (x_ct,) = back(jnp.ones(2))
        >>> state_ct.tolist(), x_ct.tolist()
        ([3.0, 4.0], [1.0, 2.0])
    """
    targets = GradTargets(grad_states, tuple(range(len(primals))))

    def apply(pure: Callable[..., Any], prim: tuple[Any, ...]) -> Any:
        if targets.has_states:
            f, diff = pure, prim
        else:
            f, diff = functools.partial(pure, prim[0]), prim[1:]
        y, back, aux = jax.vjp(f, *diff, has_aux=True)
        return (y, back), aux

    outcome = differentiate(
        fun,
        targets,
        primals,
        {},
        apply,
        has_aux=has_aux,
        known=_known_for(fun),
        where=f"vjp of {fun_name(fun)}",
    )
    y, back = outcome.result

    def vjp_fun(cotangent: Any) -> Any:
        cts = back(cotangent)
        if targets.has_states:
            return targets.state_container(cts[0]), tuple(cts[1:])
        return tuple(cts)

    return (y, vjp_fun, outcome.aux) if has_aux else (y, vjp_fun)


def jvp(
    fun: Callable[..., Any],
    primals: Sequence[Any],
    tangents: Sequence[Any],
    grad_states: Any = None,
    state_tangents: Any = None,
    has_aux: bool = False,
) -> Any:
    """Value and Jacobian-vector product, as ``jax.jvp``, also along States.

    Args:
        fun: the function.
        primals: the arguments to evaluate at (a tuple or list).
        tangents: one tangent per primal, same shapes and dtypes.
        grad_states: a State or a pytree of States to perturb along ``state_tangents``.
        state_tangents: tangents for ``grad_states``, in the same container shape.
        has_aux: ``fun`` returns ``(output, aux)``.

    Returns:
        ``(output, output_tangent)`` or ``(output, output_tangent, aux)``. States ``fun``
        writes are written back.

    Raises:
        GradStateError: ``primals``/``tangents`` of different lengths, or ``grad_states``
            given without ``state_tangents`` (or with a different structure).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_augment as ba, brainstate_core as bsc
        >>> w = bsc.ParamState(jnp.array(2.0))
        >>> y, dy = ba.jvp(lambda x: w.value * x, (3.0,), (1.0,), grad_states=w,
        ...                state_tangents=jnp.array(10.0))
        >>> float(y), float(dy)
        (6.0, 32.0)
    """
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise GradStateError(
            f"jvp: primals has {len(primals)} entries but tangents has {len(tangents)}; "
            "give one tangent per primal."
        )
    targets = GradTargets(grad_states, tuple(range(len(primals))))
    state_tangent_leaves: list[Any] = []
    if targets.has_states:
        if state_tangents is None:
            raise GradStateError(
                "jvp: grad_states was given without state_tangents; give one tangent per "
                "State, in the same container shape as grad_states."
            )
        try:
            state_tangent_leaves = targets.treedef.flatten_up_to(state_tangents)
        except (ValueError, TypeError) as e:
            raise GradStateError(
                f"jvp: state_tangents must have the structure of grad_states "
                f"({targets.treedef}); {e}"
            ) from None

    def apply(pure: Callable[..., Any], prim: tuple[Any, ...]) -> Any:
        if targets.has_states:
            y, y_dot, aux = jax.jvp(pure, prim, (state_tangent_leaves, *tangents), has_aux=True)
        else:
            y, y_dot, aux = jax.jvp(
                functools.partial(pure, prim[0]), prim[1:], tangents, has_aux=True
            )
        return (y, y_dot), aux

    outcome = differentiate(
        fun,
        targets,
        primals,
        {},
        apply,
        has_aux=has_aux,
        known=_known_for(fun),
        where=f"jvp of {fun_name(fun)}",
    )
    y, y_dot = outcome.result
    return (y, y_dot, outcome.aux) if has_aux else (y, y_dot)
