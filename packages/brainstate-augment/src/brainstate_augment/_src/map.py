"""``map``: ``jax.lax.map`` for functions that use States (a scan over batches, each vmapped)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

import brainstate_compile as bc

from .vmap import vmap

__all__ = ["map"]


def _name(f: Any) -> str:
    return getattr(f, "__qualname__", None) or repr(f)


def _length(xs: tuple, where: str) -> int:
    lengths: list[tuple[int, int]] = []
    for i, x in enumerate(xs):
        leaves = jax.tree.leaves(x)
        if not leaves:
            raise ValueError(f"{where}: argument {i} holds no arrays to map over.")
        own = set()
        for leaf in leaves:
            if np.ndim(leaf) == 0:
                raise ValueError(
                    f"{where}: argument {i} holds a scalar; every array mapped over needs a "
                    "leading axis."
                )
            own.add(int(np.shape(leaf)[0]))
        if len(own) > 1:
            raise ValueError(
                f"{where}: the arrays of argument {i} have different leading lengths "
                f"{sorted(own)}; they must all have the same length."
            )
        lengths.append((i, own.pop()))
    if not lengths:
        raise ValueError(f"{where}: give at least one array to map over.")
    first = lengths[0][1]
    for i, n in lengths[1:]:
        if n != first:
            raise ValueError(
                f"{where}: argument {i} has leading length {n} but argument "
                f"{lengths[0][0]} has {first}; every argument must have the same length."
            )
    return first


def map(
    f: Callable[..., Any],
    *xs: Any,
    batch_size: int | None = None,
) -> Any:
    """Apply ``f`` to each slice of ``xs`` along the leading axis, like ``jax.lax.map``.

    Without ``batch_size`` the slices are processed one after the other in a compiled loop
    (``brainstate_compile.for_loop``). With it, they are processed ``batch_size`` at a time:
    a loop over batches, each batch vectorised with :func:`vmap`; the elements left over
    run as one last, smaller vectorised batch. States that ``f`` writes are written back
    (under ``batch_size``, with :func:`vmap`'s rules: a write must be the same for every
    element of a batch, or :class:`BatchAxisError` is raised); random draws differ per
    element.

    Args:
        f: The function; it receives one slice of each of ``xs``.
        *xs: Arrays (pytrees) of equal leading length.
        batch_size: How many slices to process at once (None: one at a time).

    Returns:
        The outputs of ``f``, stacked along a new leading axis.

    Raises:
        ValueError: ``xs`` have different leading lengths (the message names the argument)
            or ``batch_size`` is not a positive int.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_augment as ba
        >>> import brainstate_core as bsc
        >>> calls = bsc.State(jnp.zeros(()))
        >>> def f(x, y):
        ...     calls.value = calls.value + 1.0
        ...     return x * y
        >>> ba.map(f, jnp.arange(5.0), jnp.ones(5), batch_size=2).tolist()
        [0.0, 1.0, 2.0, 3.0, 4.0]
        >>> float(calls.value)                  # two full batches and the remainder
        3.0
    """
    where = f"map({_name(f)})"
    n = _length(xs, where)
    if batch_size is None:
        return bc.for_loop(f, *xs)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
        raise ValueError(f"{where}: batch_size must be a positive int, got {batch_size!r}.")
    if batch_size <= 0:
        raise ValueError(f"{where}: batch_size must be a positive int, got {batch_size}.")
    b = min(int(batch_size), n)
    n_full, rest = divmod(n, b)
    batched = vmap(f)
    main = n_full * b
    xs_main = jax.tree.map(lambda a: a[:main].reshape((n_full, b, *a.shape[1:])), xs)
    ys = bc.for_loop(batched, *xs_main)
    ys = jax.tree.map(lambda a: a.reshape((main, *a.shape[2:])), ys)
    if rest:
        ys_rest = batched(*jax.tree.map(lambda a: a[main:], xs))
        ys = jax.tree.map(lambda a, c: jnp.concatenate([a, c]), ys, ys_rest)
    return ys
