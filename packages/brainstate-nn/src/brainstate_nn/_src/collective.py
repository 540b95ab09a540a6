"""Operations over every Module of a network: ordered init/reset, assigning State values."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import jax
import jax.numpy as jnp

from brainstate_augment import vmap_new_states
from brainstate_graph import FlattedDict, nodes, states

from .module import Module

__all__ = [
    "assign_state_values",
    "call_all_functions",
    "call_order",
    "init_all_states",
    "reset_all_states",
    "vmap_init_all_states",
]

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


def _modules(target: Any, exclude: Any) -> list[Any]:
    found = cast(FlattedDict, nodes(target, Module, allowed_hierarchy=(0, 2**31 - 1)))
    if exclude is not None:
        excluded = cast(FlattedDict, nodes(target, exclude, allowed_hierarchy=(0, 2**31 - 1)))
        return [v for k, v in found.items() if k not in excluded]
    return list(found.values())


def _ordered_call(
    target: Any,
    method: str,
    exclude: Any,
    args: tuple,
    kwargs: dict,
    if_missing: str = "raise",
) -> None:
    later = []
    for node in _modules(target, exclude):
        fun = getattr(node, method, None)
        if fun is None:
            if if_missing == "raise":
                raise AttributeError(f"{type(node).__name__} has no method {method!r}.")
            continue
        if hasattr(fun, "call_order"):
            later.append((fun.call_order, len(later), fun))
        else:
            fun(*args, **kwargs)
    for _, _, fun in sorted(later, key=lambda t: t[:2]):
        fun(*args, **kwargs)


def _excluded(exclude: Any, node_to_exclude: Any, where: str) -> Any:
    if exclude is not None and node_to_exclude is not None:
        raise TypeError(
            f"{where}: give the Modules to skip as exclude= or as node_to_exclude= "
            "(brainstate 0.1's name), not both."
        )
    return node_to_exclude if exclude is None else exclude


def _as_args(args: Any) -> tuple:
    return args if isinstance(args, tuple) else (args,)


def call_all_functions(
    target: T,
    fun_name: str,
    args: Any = (),
    kwargs: Mapping[str, Any] | None = None,
    node_to_exclude: Any = None,
    fun_if_not_exist: str = "raise",
) -> T:
    """Call ``fun_name(*args, **kwargs)`` on every Module in ``target``, in call order.

    The general form of :func:`init_all_states` and :func:`reset_all_states` (as in
    brainstate 0.1): methods marked with :func:`call_order` run last, by level.

    Args:
        target: a Module (or any graph Node holding Modules).
        fun_name: the method to call.
        args: the positional arguments (a tuple; any other value is the one argument).
        kwargs: the keyword arguments.
        node_to_exclude: a graph filter of Modules to skip.
        fun_if_not_exist: ``'raise'`` (a Module without the method is an error) or
            ``'pass'``/``'none'`` (skip it).

    Returns:
        ``target``.

    Raises:
        AttributeError: a Module lacks the method and ``fun_if_not_exist`` is ``'raise'``.
        ValueError: ``fun_if_not_exist`` is none of those.

    Examples:
        >>> import brainstate_nn as nn
        >>> class Counter(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.n = 0
        ...     def bump(self, k):
        ...         self.n += k
        >>> c = nn.call_all_functions(Counter(), "bump", 2)
        >>> c.n
        2
    """
    if fun_if_not_exist not in ("raise", "pass", "none"):
        raise ValueError(
            "call_all_functions: fun_if_not_exist must be 'raise', 'pass' or 'none', "
            f"got {fun_if_not_exist!r}."
        )
    if kwargs is not None and not isinstance(kwargs, Mapping):
        raise TypeError(f"call_all_functions: kwargs must be a dict, got {kwargs!r}.")
    _ordered_call(
        target,
        fun_name,
        node_to_exclude,
        _as_args(args),
        dict(kwargs or {}),
        if_missing=fun_if_not_exist,
    )
    return target


def init_all_states(
    target: T, *args: Any, exclude: Any = None, node_to_exclude: Any = None, **kwargs: Any
) -> T:
    """Call ``init_state(*args, **kwargs)`` on every Module in ``target``, itself included.

    Modules are visited in graph order, those marked with :func:`call_order` last, by level.
    Typical use: ``init_all_states(net)`` or ``init_all_states(net, batch_size=16)``.

    Args:
        target: a Module (or any graph Node holding Modules).
        *args: passed to each ``init_state``.
        exclude: a graph filter of Modules to skip (``node_to_exclude``, brainstate 0.1's
            name for it, is accepted too).
        **kwargs: passed to each ``init_state``.

    Returns:
        ``target``.
    """
    skip = _excluded(exclude, node_to_exclude, "init_all_states")
    _ordered_call(target, "init_state", skip, args, kwargs)
    return target


def reset_all_states(
    target: T,
    *args: Any,
    exclude: Any = None,
    node_to_exclude: Any = None,
    reset_args: Any = None,
    reset_kwargs: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> T:
    """Call ``reset_state(*args, **kwargs)`` on every Module in ``target``, in call order.

    Typical use: ``reset_all_states(net)`` or ``reset_all_states(net, batch_size=16)``.
    brainstate 0.1's form, ``reset_all_states(target, reset_args=(...), reset_kwargs={...},
    node_to_exclude=...)`` (its first two also positionally, as a tuple and a dict), means
    the same.

    Args:
        target: a Module (or any graph Node holding Modules).
        *args: passed to each ``reset_state``.
        exclude: a graph filter of Modules to skip (or ``node_to_exclude``).
        node_to_exclude: brainstate 0.1's name for ``exclude``.
        reset_args: brainstate 0.1's positional arguments (a tuple, or one value).
        reset_kwargs: brainstate 0.1's keyword arguments.
        **kwargs: passed to each ``reset_state``.

    Returns:
        ``target``.

    Raises:
        TypeError: both forms are mixed.
    """
    skip = _excluded(exclude, node_to_exclude, "reset_all_states")
    if args and isinstance(args[0], tuple) and _legacy_positional(args):
        # brainstate 0.1: reset_all_states(target, reset_args, reset_kwargs, node_to_exclude)
        if reset_args is not None or reset_kwargs is not None:
            raise TypeError("reset_all_states: reset_args/reset_kwargs given twice.")
        reset_args, reset_kwargs = args[0], (args[1] if len(args) > 1 else None)
        if len(args) > 2:
            skip = _excluded(skip, args[2], "reset_all_states")
        args = ()
    if reset_args is not None or reset_kwargs is not None:
        if args or kwargs:
            raise TypeError(
                "reset_all_states: give the arguments of reset_state directly "
                "(reset_all_states(net, batch_size=4)) or as brainstate 0.1's "
                "reset_args=/reset_kwargs=, not both."
            )
        args = _as_args(() if reset_args is None else reset_args)
        kwargs = dict(reset_kwargs or {})
    _ordered_call(target, "reset_state", skip, args, kwargs)
    return target


def _legacy_positional(args: tuple) -> bool:
    """Whether ``args`` reads as brainstate 0.1's ``(reset_args, reset_kwargs, exclude)``."""
    return len(args) <= 3 and (len(args) < 2 or args[1] is None or isinstance(args[1], Mapping))


def vmap_init_all_states(
    target: T,
    *init_args: Any,
    axis_size: int,
    node_to_exclude: Any = None,
    state_to_exclude: Any = None,
    state_tag: str | None = None,
    **init_kwargs: Any,
) -> T:
    """:func:`init_all_states` once per lane: every State it creates gets a leading axis of
    size ``axis_size`` (as brainstate 0.1; ``brainstate_augment.vmap_new_states``).

    Args:
        target: a Module (or any graph Node holding Modules).
        *init_args: passed to each ``init_state``.
        axis_size: the number of lanes.
        node_to_exclude: a graph filter of Modules to skip.
        state_to_exclude: a filter of new States to leave unbatched.
        state_tag: a tag given to every new State.
        **init_kwargs: passed to each ``init_state``.

    Returns:
        ``target``.

    Examples:
        >>> import brainstate_nn as nn
        >>> lif = nn.LIF(3)
        >>> _ = nn.vmap_init_all_states(lif, axis_size=4)
        >>> lif.V.value.shape
        (4, 3)
    """

    def init() -> None:
        init_all_states(target, *init_args, node_to_exclude=node_to_exclude, **init_kwargs)

    extra = {} if state_to_exclude is None else {"state_to_exclude": state_to_exclude}
    vmap_new_states(init, axis_size=axis_size, state_tag=state_tag, **extra)()
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
