"""Filters: which States (or Nodes) a graph function selects.

A filter is anything :func:`to_predicate` understands:

- a type: ``isinstance(x, type)``; a :class:`~brainstate_core.TreefyState` matches through
  the State type it stands for (``ParamState`` matches ``TreefyState(ParamState, ...)``);
- a string: the tag (``x.tag == string``, as set by ``catch_new_states(tag)``);
- a predicate ``(path, x) -> bool``;
- ``True`` or ``...``: everything; ``False`` or ``None``: nothing;
- a list or tuple of filters: any of them;
- the composable filter objects below (:class:`OfType`, :class:`WithTag`,
  :class:`PathContains`, :class:`Not`, :class:`All`, :class:`Any`).
"""

from __future__ import annotations

import typing
from collections.abc import Callable

from brainstate_core import TreefyState

from .errors import GraphError

if typing.TYPE_CHECKING:
    from brainstate_core.typing import Filter, Key, PathParts

__all__ = [
    "to_predicate",
    "OfType",
    "WithTag",
    "PathContains",
    "Not",
    "All",
    "Any",
    "Everything",
    "Nothing",
]

Predicate = Callable[["PathParts", typing.Any], bool]


def to_predicate(filter: Filter) -> Predicate:
    """Convert a filter into a predicate ``(path, x) -> bool``.

    Args:
        filter: A State (or Node) type, a tag string, a predicate, ``True``/``...``
            (everything), ``False``/``None`` (nothing), a list/tuple of filters (any of
            them), or a filter object.

    Returns:
        A callable ``(path, x) -> bool``.

    Raises:
        TypeError: When ``filter`` is none of the above.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> from brainstate_graph import to_predicate
        >>> is_param = to_predicate(bsc.ParamState)
        >>> is_param(("w",), bsc.ParamState(jnp.zeros(2)))
        True
        >>> is_param(("w",), bsc.ParamState(jnp.zeros(2)).to_state_ref())
        True
        >>> to_predicate([bsc.HiddenState, "fast"])(("v",), bsc.State(0.0, tag="fast"))
        True
    """
    if isinstance(filter, _FilterBase):
        return filter
    if isinstance(filter, type):
        return OfType(filter)
    if isinstance(filter, str):
        return WithTag(filter)
    if filter is True or filter is Ellipsis:
        return Everything()
    if filter is False or filter is None:
        return Nothing()
    if isinstance(filter, (list, tuple)):
        return Any(*filter)
    if callable(filter):
        return typing.cast(Predicate, filter)
    raise TypeError(
        f"Invalid filter of type {type(filter).__name__}: {filter!r}. A filter is a "
        "State type, a tag string, a predicate `(path, x) -> bool`, True/... (everything), "
        "False/None (nothing), or a list/tuple of filters."
    )


class _FilterBase:
    """Base of the filter objects: callables with a readable repr, equality and hash."""

    __slots__ = ()

    def __call__(self, path: PathParts, x: typing.Any) -> bool:  # pragma: no cover
        raise NotImplementedError

    def _key(self) -> tuple:  # pragma: no cover
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._key() == self._key()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self._key()))


class OfType(_FilterBase):
    """Select objects of a type; a ``TreefyState`` matches through the State type it holds.

    Args:
        type: The type to select (a State subclass, a Node subclass, ...).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> from brainstate_graph import OfType
        >>> OfType(bsc.ShortTermState)((), bsc.HiddenState(jnp.zeros(1)))
        True
    """

    __slots__ = ("type",)

    def __init__(self, type: type) -> None:
        self.type = type

    def __call__(self, path: PathParts, x: typing.Any) -> bool:
        t = self.type
        return isinstance(x, t) or (isinstance(x, TreefyState) and issubclass(x.type, t))

    def _key(self) -> tuple:
        return (self.type,)

    def __repr__(self) -> str:
        return f"OfType({self.type.__name__})"


class WithTag(_FilterBase):
    """Select States (or TreefyStates) whose ``tag`` equals ``tag``.

    Args:
        tag: The tag, as given to ``brainstate_core.catch_new_states(tag)``.

    Examples:
        >>> import brainstate_core as bsc
        >>> from brainstate_graph import WithTag
        >>> with bsc.catch_new_states("new"):
        ...     s = bsc.State(0.0)
        >>> WithTag("new")(("s",), s), WithTag("old")(("s",), s)
        (True, False)
    """

    __slots__ = ("tag",)

    def __init__(self, tag: str) -> None:
        self.tag = tag

    def __call__(self, path: PathParts, x: typing.Any) -> bool:
        return getattr(x, "tag", None) == self.tag

    def _key(self) -> tuple:
        return (self.tag,)

    def __repr__(self) -> str:
        return f"WithTag({self.tag!r})"


class PathContains(_FilterBase):
    """Select objects whose path contains ``key`` (an attribute name or an index).

    Args:
        key: The path component to look for.

    Examples:
        >>> from brainstate_graph import PathContains
        >>> PathContains("layers")(("layers", 0, "w"), None)
        True
    """

    __slots__ = ("key",)

    def __init__(self, key: Key) -> None:
        self.key = key

    def __call__(self, path: PathParts, x: typing.Any) -> bool:
        return self.key in path

    def _key(self) -> tuple:
        return (self.key,)

    def __repr__(self) -> str:
        return f"PathContains({self.key!r})"


class Not(_FilterBase):
    """Select what ``filter`` does not select.

    Examples:
        >>> import brainstate_core as bsc
        >>> from brainstate_graph import Not
        >>> Not(bsc.ParamState)((), bsc.HiddenState(0.0))
        True
    """

    __slots__ = ("predicate",)

    def __init__(self, filter: Filter) -> None:
        self.predicate = to_predicate(filter)

    def __call__(self, path: PathParts, x: typing.Any) -> bool:
        return not self.predicate(path, x)

    def _key(self) -> tuple:
        return (self.predicate,)

    def __repr__(self) -> str:
        return f"Not({self.predicate!r})"


class All(_FilterBase):
    """Select what every one of ``filters`` selects.

    Examples:
        >>> import brainstate_core as bsc
        >>> from brainstate_graph import All, PathContains
        >>> f = All(bsc.ParamState, PathContains("out"))
        >>> f(("out", "w"), bsc.ParamState(0.0)), f(("in", "w"), bsc.ParamState(0.0))
        (True, False)
    """

    __slots__ = ("predicates",)

    def __init__(self, *filters: Filter) -> None:
        self.predicates = tuple(to_predicate(f) for f in filters)

    def __call__(self, path: PathParts, x: typing.Any) -> bool:
        return all(p(path, x) for p in self.predicates)

    def _key(self) -> tuple:
        return self.predicates

    def __repr__(self) -> str:
        return f"All({', '.join(map(repr, self.predicates))})"


class Any(_FilterBase):
    """Select what at least one of ``filters`` selects (lists and tuples of filters mean this).

    Examples:
        >>> import brainstate_core as bsc
        >>> from brainstate_graph import Any
        >>> Any(bsc.ParamState, bsc.HiddenState)((), bsc.HiddenState(0.0))
        True
    """

    __slots__ = ("predicates",)

    def __init__(self, *filters: Filter) -> None:
        self.predicates = tuple(to_predicate(f) for f in filters)

    def __call__(self, path: PathParts, x: typing.Any) -> bool:
        return any(p(path, x) for p in self.predicates)

    def _key(self) -> tuple:
        return self.predicates

    def __repr__(self) -> str:
        return f"Any({', '.join(map(repr, self.predicates))})"


class Everything(_FilterBase):
    """Select everything (what ``True`` and ``...`` mean as filters).

    Examples:
        >>> from brainstate_graph import Everything
        >>> Everything()((), 1)
        True
    """

    __slots__ = ()

    def __call__(self, path: PathParts, x: typing.Any) -> bool:
        return True

    def _key(self) -> tuple:
        return ()

    def __repr__(self) -> str:
        return "Everything()"


class Nothing(_FilterBase):
    """Select nothing (what ``False`` and ``None`` mean as filters).

    Examples:
        >>> from brainstate_graph import Nothing
        >>> Nothing()((), 1)
        False
    """

    __slots__ = ()

    def __call__(self, path: PathParts, x: typing.Any) -> bool:
        return False

    def _key(self) -> tuple:
        return ()

    def __repr__(self) -> str:
        return "Nothing()"


def to_predicates(filters: tuple[Filter, ...]) -> tuple[Predicate, ...]:
    """Predicates for a sequence of filters used to split: a catch-all may only come last."""
    predicates = tuple(to_predicate(f) for f in filters)
    for i, p in enumerate(predicates[:-1]):
        if isinstance(p, Everything):
            raise GraphError(
                f"Filter {filters[i]!r} at position {i} selects everything, so the filters "
                f"after it ({', '.join(map(repr, filters[i + 1 :]))}) would never match; "
                "put `...` (or True) last."
            )
    return predicates
