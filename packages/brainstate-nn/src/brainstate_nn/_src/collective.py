"""Operations over every Module of a network: ordered init/reset, assigning State values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import jax
import jax.numpy as jnp

from brainstate_graph import FlattedDict, nodes, states

from .module import Module

__all__ = ["assign_state_values", "call_order", "init_all_states", "reset_all_states"]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

MAX_ORDER = 10


def call_order(level: int = 0, check_order_boundary: bool = True) -> Callable[[F], F]:
    """Mark an ``init_state``/``reset_state`` method to run at a given level.

    :func:`init_all_states` and :func:`reset_all_states` first call the methods without a
    level (in graph order), then the marked ones from the lowest level to the highest: a
    module whose initial state depends on another's (e.g. a delay reading a neuron's
    voltage) marks its method with a higher level.

    Args:
        level: the level, in ``[0, 10)`` unless ``check_order_boundary`` is False.
        check_order_boundary: check that ``level`` is in ``[0, 10)``.

    Returns:
        A decorator that marks the method.

    Raises:
        ValueError: ``level`` out of range.

    Examples:
        >>> import brainstate_nn as nn
        >>> class Late(nn.Module):
        ...     @nn.call_order(3)
        ...     def init_state(self, *args):
        ...         print("late")
        >>> class Early(nn.Module):
        ...     def init_state(self, *args):
        ...         print("early")
        >>> class Net(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.a, self.b = Late(), Early()
        >>> _ = nn.init_all_states(Net())
        early
        late
    """
    if check_order_boundary and not (isinstance(level, int) and 0 <= level < MAX_ORDER):
        raise ValueError(f"call_order level must be an int in [0, {MAX_ORDER}), got {level!r}")

    def mark(fun: F) -> F:
        fun.call_order = level  # type: ignore[attr-defined]
        return fun

    return mark


def _ordered_call(target: Any, method: str, exclude: Any, args: tuple, kwargs: dict) -> None:
    found = cast(FlattedDict, nodes(target, Module, allowed_hierarchy=(0, 2**31 - 1)))
    if exclude is not None:
        excluded = cast(FlattedDict, nodes(target, exclude, allowed_hierarchy=(0, 2**31 - 1)))
        found = {k: v for k, v in found.items() if k not in excluded}
    later = []
    for node in found.values():
        fun = getattr(node, method)
        if hasattr(fun, "call_order"):
            later.append((fun.call_order, len(later), fun))
        else:
            fun(*args, **kwargs)
    for _, _, fun in sorted(later, key=lambda t: t[:2]):
        fun(*args, **kwargs)


def init_all_states(target: T, *args: Any, exclude: Any = None, **kwargs: Any) -> T:
    """Call ``init_state(*args, **kwargs)`` on every Module in ``target``, itself included.

    Modules are visited in graph order, those marked with :func:`call_order` last, by level.
    Typical use: ``init_all_states(net)`` or ``init_all_states(net, batch_size=16)``.

    Args:
        target: a Module (or any graph Node holding Modules).
        *args: passed to each ``init_state``.
        exclude: a graph filter of Modules to skip.
        **kwargs: passed to each ``init_state``.

    Returns:
        ``target``.
    """
    _ordered_call(target, "init_state", exclude, args, kwargs)
    return target


def reset_all_states(target: T, *args: Any, exclude: Any = None, **kwargs: Any) -> T:
    """Call ``reset_state(*args, **kwargs)`` on every Module in ``target``, in call order.

    Args:
        target: a Module (or any graph Node holding Modules).
        *args: passed to each ``reset_state``.
        exclude: a graph filter of Modules to skip.
        **kwargs: passed to each ``reset_state``.

    Returns:
        ``target``.
    """
    _ordered_call(target, "reset_state", exclude, args, kwargs)
    return target


def assign_state_values(
    target: Any, *state_by_abs_path: Mapping[Any, Any]
) -> tuple[list[Any], list[Any]]:
    """Set State values of ``target`` from mappings of path → value.

    Args:
        target: a Module or graph Node.
        *state_by_abs_path: mappings from State paths (as in ``target.states()``) to values.

    Returns:
        ``(unexpected_keys, missing_keys)``: paths given but not in ``target``, and paths of
        ``target`` not given.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> layer = nn.Linear(2, 1)
        >>> new = {("weight",): {"weight": jnp.ones((2, 1)), "bias": jnp.zeros(1)}}
        >>> nn.assign_state_values(layer, new)
        ([], [])
        >>> layer.weight.value["weight"].tolist()
        [[1.0], [1.0]]
    """
    given: dict[Any, Any] = {}
    for mapping in state_by_abs_path:
        given.update(mapping)
    found = cast(FlattedDict, states(target))
    for key in found.keys() & given.keys():
        found[key].value = jax.tree.map(jnp.asarray, given[key])
    unexpected = [k for k in given if k not in found]
    missing = [k for k in found if k not in given]
    return unexpected, missing
