"""``vmap_new_states``: batched initialisation of the States a function creates."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any

import jax
import numpy as np

from .vmap import MappedFunction, check_axis_size, map_creating_states

__all__ = ["vmap_new_states"]

_ARRAY_TYPES = (jax.Array, np.ndarray, np.generic, int, float, complex, bool)


def vmap_new_states(
    fn: Callable[..., Any] | None = None,
    *,
    axis_size: int,
    in_axes: Any = None,
    out_axes: Any = 0,
    in_states: Any = None,
    out_states: Any = None,
    state_tag: str | None = None,
    axis_name: Hashable | None = None,
) -> Any:
    """Run ``fn`` once per lane so that each State it *creates* gets a batch axis.

    Every State created inside ``fn`` (e.g. the parameters and hidden States of a model
    built there) ends up holding a value with a leading axis of size ``axis_size``: lane
    ``i`` of it is what lane ``i`` of ``fn`` initialised, and random initialisations differ
    across lanes. One constructor call thus builds an ensemble. States that existed before
    follow :func:`vmap`'s rules (declare batched ones with ``in_states``/``out_states``).

    ``fn`` may return graph Nodes or States (returned as they are: the Node built inside,
    now holding batched States) and arrays (stacked by ``out_axes``).

    Args:
        fn: The function that creates States (omit it to get a decorator).
        axis_size: The number of lanes (ensemble members).
        in_axes: How ``fn``'s arguments are mapped (default ``None``: shared by all lanes).
        out_axes: Where the lane axis goes in the arrays ``fn`` returns.
        in_states: As in :func:`vmap`.
        out_states: As in :func:`vmap`.
        state_tag: A tag given to every new State (select them later with that tag as a
            ``brainstate_graph`` filter).
        axis_name: A name for the lane axis, for collectives.

    Returns:
        The batched function (or a decorator, when ``fn`` is omitted).

    Raises:
        BatchAxisError: ``axis_size`` is not a positive int, or as for :func:`vmap`.

    Examples:
        >>> import brainstate_augment as ba
        >>> import brainstate_core as bsc
        >>> @ba.vmap_new_states(axis_size=16, state_tag="ensemble")
        ... def build():
        ...     return bsc.ParamState(bsc.random.normal(size=(3,)))
        >>> w = build()
        >>> w.value.shape, w.tag
        ((16, 3), 'ensemble')
        >>> bool((w.value[0] != w.value[1]).all())     # distinct initialisations
        True
    """
    where = f"vmap_new_states({getattr(fn, '__qualname__', fn)!r})"
    check_axis_size(axis_size, where)
    if fn is None:
        return functools.partial(
            vmap_new_states,
            axis_size=axis_size,
            in_axes=in_axes,
            out_axes=out_axes,
            in_states=in_states,
            out_states=out_states,
            state_tag=state_tag,
            axis_name=axis_name,
        )

    return map_creating_states(
        fn,
        lambda lane: MappedFunction(
            lane, in_axes, (out_axes, 0), in_states, out_states, axis_name, axis_size
        ),
        state_tag,
        by_reference=lambda leaf: not isinstance(leaf, _ARRAY_TYPES),
    )
