"""``vmap_new_states``: batched initialisation of the States a function creates."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any

import jax
import numpy as np

import brainstate_graph as graph
from brainstate_core import State

from .errors import BatchAxisError
from .vmap import MappedFunction, check_axis_size, map_creating_states

__all__ = ["vmap_new_states"]

_ARRAY_TYPES = (jax.Array, np.ndarray, np.generic, int, float, complex, bool)


def vmap_new_states(
    fn: Callable[..., Any] | None = None,
    *,
    axis_size: int | None = None,
    in_axes: Any = 0,
    out_axes: Any = 0,
    in_states: Any = None,
    out_states: Any = None,
    state_tag: str | None = None,
    axis_name: Hashable | None = None,
    state_to_exclude: Any = None,
    fun: Callable[..., Any] | None = None,
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
        axis_size: The number of lanes (ensemble members); may be left out when arguments
            are mapped (it is then their axis' length).
        in_axes: How ``fn``'s arguments are mapped, as in :func:`vmap` (default ``0``, as
            brainstate 0.1; ``None`` shares them with every lane).
        out_axes: Where the lane axis goes in the arrays ``fn`` returns.
        in_states: As in :func:`vmap`.
        out_states: As in :func:`vmap`.
        state_tag: A tag given to every new State (select them later with that tag as a
            ``brainstate_graph`` filter).
        axis_name: A name for the lane axis, for collectives.
        state_to_exclude: A ``brainstate_graph`` filter (a State type, a tag, a predicate
            ``(path, state) -> bool`` ...; the path is ``()``): the new States it selects get
            no lane axis and no ``state_tag``; each keeps one value, which must be the same
            in every lane (else JAX's error for a mapped output with out axis ``None``).
        fun: brainstate 0.1's name for ``fn`` (give one of them).

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
    if fun is not None:
        if fn is not None:
            raise TypeError(
                f"vmap_new_states() got the function twice: fn={fn!r} and fun={fun!r} (fun "
                "is brainstate 0.1's name for fn); pass one of them."
            )
        fn = fun
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
            state_to_exclude=state_to_exclude,
        )
    exclude: Callable[[State], bool] | None = None
    new_axes: Any = 0
    if state_to_exclude is not None:
        selects = graph.to_predicate(state_to_exclude)
        exclude = lambda state: bool(selects((), state))
        new_axes = (0, None)  # (batched new States, excluded ones: one shared value)

    mapped = map_creating_states(
        fn,
        lambda lane: MappedFunction(
            lane, in_axes, (out_axes, new_axes), in_states, out_states, axis_name, axis_size
        ),
        state_tag,
        by_reference=lambda leaf: not isinstance(leaf, _ARRAY_TYPES),
        exclude=exclude,
    )
    if exclude is None and axis_size is not None:
        return mapped

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if axis_size is None and not args and not kwargs:
            raise BatchAxisError(
                f"{where} was called without arguments and without axis_size, so nothing "
                "gives the number of lanes; pass axis_size=N."
            )
        try:
            return mapped(*args, **kwargs)
        except BatchAxisError as e:
            if "out_axes=None" in str(e):
                e.add_note(
                    f"{where}: a State that state_to_exclude={state_to_exclude!r} selects "
                    "keeps one value for all lanes, so its initial value must not differ "
                    "from lane to lane (not drawn at random, not made from a mapped argument)."
                )
            raise

    return call
