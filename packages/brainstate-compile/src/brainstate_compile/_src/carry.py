"""State values as loop carries and branch outputs: strong types, checked on the way out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from brainstate_core import State, StateTraceError

__all__ = ["as_carry", "check_carry"]


def _strong(leaf: Any) -> Any:
    leaf = jnp.asarray(leaf)
    if getattr(jax.typeof(leaf), "weak_type", False):
        return lax.convert_element_type(leaf, leaf.dtype)
    return leaf


def as_carry(values: Sequence[Any]) -> list[Any]:
    """State values as arrays of fixed (strong) dtype, suitable as a loop carry.

    A State holding the Python float ``1.`` becomes a float32 (float64 under x64) array, so
    that the loop body may add Python numbers to it without changing its type.
    """
    return [jax.tree.map(_strong, v) for v in values]


def check_carry(
    states: Sequence[State], before: Sequence[Any], after: Sequence[Any], where: str
) -> list[Any]:
    """The written values, cast to the carry's weak/strong form; error on a type change.

    Raises:
        StateTraceError: a State's new value differs in tree structure, shape or dtype from
            the value it entered the loop or branch with; the message names the State.
    """
    out = []
    for state, old, new in zip(states, before, after):
        old_tree, new_tree = jax.tree.structure(old), jax.tree.structure(new)
        if old_tree != new_tree:
            raise StateTraceError(
                f"{where} changed the tree structure of {state.describe()} from {old_tree} "
                f"to {new_tree}; a State carried through a loop or branch must keep its "
                "structure, shape and dtype."
            )
        fixed = []
        for a, b in zip(jax.tree.leaves(old), jax.tree.leaves(new)):
            b = jnp.asarray(b)
            if jnp.shape(a) != b.shape or jnp.result_type(a) != b.dtype:
                a_type = f"{jnp.result_type(a).name}{list(jnp.shape(a))}"
                b_type = f"{b.dtype.name}{list(b.shape)}"
                raise StateTraceError(
                    f"{where} changed {state.describe()} from {a_type} to {b_type}; a State "
                    "carried through a loop or branch must keep its shape and dtype. Cast "
                    "the new value (e.g. `.astype(...)`) or give the State its final shape "
                    "before the loop."
                )
            fixed.append(_strong(b))
        out.append(jax.tree.unflatten(new_tree, fixed))
    return out
