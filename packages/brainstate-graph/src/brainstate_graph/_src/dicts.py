"""State collections: ``FlattedDict`` (``{path tuple: leaf}``) and ``NestedDict`` (nested).

Both are ``dict`` subclasses (so ``len``, ``in``, ``items()``, indexing and equality are
plain dict operations) and JAX pytrees whose children are their values in insertion order.
Their order is the order of the graph walk that made them (attributes in insertion order,
containers by index or key); the pytree structure includes it, as for JAX's own
containers that keep order (lists, tuples).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import jax

from brainstate_core import State, TreefyState

from .errors import GraphError
from .filters import to_predicate, to_predicates
from .pretty import format_flat, format_nested

if TYPE_CHECKING:
    from brainstate_core.typing import Filter, Key, PathParts

__all__ = ["FlattedDict", "NestedDict"]

D = TypeVar("D", bound="_PathDict")


def _leaf_value(x: Any) -> Any:
    if isinstance(x, (State, TreefyState)):
        return x.value
    return x


def _default_replace(old: Any, new: Any) -> Any:
    if isinstance(old, TreefyState):
        return old.replace(new)
    if isinstance(old, State):
        old.value = new
        return old
    return new


def _format_path(path: PathParts) -> str:
    return repr(tuple(path))


class _PathDict(dict):
    """Shared behaviour of the two collections: filtering, splitting, values, operators."""

    __slots__ = ()

    # Implemented by the subclasses.
    def _flat_items(self) -> Iterable[tuple[PathParts, Any]]:  # pragma: no cover
        raise NotImplementedError

    @classmethod
    def _from_flat_items(
        cls: type[D], items: Iterable[tuple[PathParts, Any]]
    ) -> D:  # pragma: no cover
        raise NotImplementedError

    def _partition(self: D, filters: tuple[Filter, ...], exhaustive: bool) -> list[D]:
        predicates = to_predicates(filters) if exhaustive else tuple(map(to_predicate, filters))
        groups: list[list[tuple[PathParts, Any]]] = [[] for _ in predicates]
        rest: list[PathParts] = []
        for path, leaf in self._flat_items():
            for group, predicate in zip(groups, predicates):
                if predicate(path, leaf):
                    group.append((path, leaf))
                    break
            else:
                rest.append(path)
        if exhaustive and rest:
            shown = ", ".join(_format_path(p) for p in rest[:10])
            more = f" and {len(rest) - 10} more" if len(rest) > 10 else ""
            raise GraphError(
                f"Non-exhaustive filters {filters!r}: no filter matched the entries at "
                f"{shown}{more}. Add `...` as the last filter to collect the remaining "
                "entries, or add a filter that matches them."
            )
        return [self._from_flat_items(g) for g in groups]

    def filter(self: D, first: Filter, /, *filters: Filter) -> D | tuple[D, ...]:
        """The entries selected by each filter (the first matching filter wins).

        Unlike :meth:`split`, entries that no filter selects are dropped.

        Args:
            first: A filter (see :func:`to_predicate`).
            *filters: More filters; each gets its own collection.

        Returns:
            One collection for one filter, a tuple of collections for several.
        """
        out = self._partition((first, *filters), exhaustive=False)
        return out[0] if len(out) == 1 else tuple(out)

    def split(self: D, first: Filter, /, *filters: Filter) -> D | tuple[D, ...]:
        """Split into disjoint collections, one per filter; every entry must be selected.

        Args:
            first: A filter (see :func:`to_predicate`); ``...`` catches the rest.
            *filters: More filters.

        Returns:
            One collection for one filter, a tuple of collections for several.

        Raises:
            GraphError: When some entries match no filter (the message names their paths),
                or when a catch-all filter is not the last one.
        """
        out = self._partition((first, *filters), exhaustive=True)
        return out[0] if len(out) == 1 else tuple(out)

    def to_pure_dict(self) -> dict[Any, Any]:
        """A plain ``dict`` with the same keys, each State replaced by its value."""
        raise NotImplementedError  # pragma: no cover

    def to_dict_values(self: D) -> D:
        """A collection of the same type and keys holding the States' values (a pytree)."""
        return self._from_flat_items((p, _leaf_value(x)) for p, x in self._flat_items())

    def __repr__(self) -> str:
        raise NotImplementedError  # pragma: no cover


# ----------------------------------------------------------------------------------------
class FlattedDict(_PathDict):
    """A flat mapping ``{path tuple: leaf}``, e.g. ``{('layers', 0, 'w'): ParamState(...)}``.

    Returned by :func:`states` and :func:`nodes`. A pytree whose children are its values:
    a FlattedDict of arrays goes through ``jax.jit``, ``jax.grad`` and ``jax.tree.map``.

    Args:
        mapping: A mapping or iterable of ``(path, leaf)`` pairs.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> from brainstate_graph import FlattedDict
        >>> flat = FlattedDict({("a", "w"): bsc.ParamState(jnp.zeros(2)), ("b",): 1})
        >>> flat
        FlattedDict({
          ('a', 'w'): ParamState(
            value=Array([0., 0.], dtype=float32)
          ),
          ('b',): 1
        })
        >>> flat.to_nest()["a"]["w"] is flat["a", "w"]
        True
    """

    __slots__ = ()

    filter = _PathDict.filter
    split = _PathDict.split
    to_dict_values = _PathDict.to_dict_values

    def _flat_items(self) -> Iterable[tuple[PathParts, Any]]:
        return self.items()

    @classmethod
    def _from_flat_items(cls, items: Iterable[tuple[PathParts, Any]]) -> FlattedDict:
        return cls(items)

    def to_nest(self) -> NestedDict:
        """The same entries as a :class:`NestedDict`."""
        return NestedDict.from_flat(self)

    def to_flat(self) -> FlattedDict:
        """This collection (already flat)."""
        return self

    @classmethod
    def from_nest(cls, nested: Mapping[Key, Any]) -> FlattedDict:
        """A FlattedDict of the leaves of a nested mapping (a NestedDict or nested dicts)."""
        out: list[tuple[PathParts, Any]] = []
        _flatten_nested(nested, (), out)
        return cls(out)

    @classmethod
    def from_flat(
        cls, flat: Mapping[PathParts, Any] | Iterable[tuple[PathParts, Any]]
    ) -> FlattedDict:
        """A FlattedDict of ``(path, leaf)`` pairs."""
        return cls(flat)

    def merge(self, *others: Mapping[Any, Any]) -> FlattedDict:
        """A new FlattedDict with the entries of this one and ``others`` (later ones win).

        Also callable as ``FlattedDict.merge(a, b, ...)``. NestedDicts are flattened first.
        """
        out = FlattedDict(self)
        for other in others:
            out.update(_as_flat(other))
        return out

    def to_pure_dict(self) -> dict[PathParts, Any]:
        """A plain ``{path: value}`` dict, each State replaced by its value."""
        return {p: _leaf_value(x) for p, x in self.items()}

    def replace_by_pure_dict(
        self,
        pure_dict: Mapping[PathParts, Any],
        replace_fn: Callable[[Any, Any], Any] | None = None,
    ) -> None:
        """Put the values of ``{path: value}`` into this collection, in place.

        A ``TreefyState`` entry is replaced by a copy holding the new value; a live
        ``State`` gets the value assigned (``state.value = new``) and stays the same object.

        Args:
            pure_dict: New values by path (each path must be in this collection).
            replace_fn: ``(old_entry, new_value) -> new_entry``, to do it another way.

        Raises:
            GraphError: When ``pure_dict`` has a path that this collection does not have.
        """
        fn = _default_replace if replace_fn is None else replace_fn
        for path, value in pure_dict.items():
            if path not in self:
                raise GraphError(
                    f"replace_by_pure_dict: the path {_format_path(path)} is not in this "
                    f"FlattedDict (its paths are {', '.join(map(_format_path, list(self)[:10]))}"
                    f"{', ...' if len(self) > 10 else ''})."
                )
            self[path] = fn(self[path], value)

    def copy(self) -> FlattedDict:
        return FlattedDict(self)

    def __or__(self, other: Mapping[Any, Any]) -> FlattedDict:  # type: ignore[override]
        return self.merge(other)

    def __sub__(self, other: Mapping[Any, Any]) -> FlattedDict:
        drop = _as_flat(other)
        return FlattedDict((p, x) for p, x in self.items() if p not in drop)

    def __repr__(self) -> str:
        return format_flat(type(self).__name__, self)


def _flatten_nested(mapping: Mapping[Key, Any], prefix: PathParts, out: list) -> None:
    for key, value in mapping.items():
        if isinstance(value, dict):
            _flatten_nested(value, (*prefix, key), out)
        else:
            out.append(((*prefix, key), value))


def _as_flat(mapping: Mapping[Any, Any]) -> Mapping[PathParts, Any]:
    if isinstance(mapping, FlattedDict):
        return mapping
    if isinstance(mapping, NestedDict):
        return mapping.to_flat()
    if isinstance(mapping, Mapping):
        return mapping
    raise TypeError(f"Expected a FlattedDict, NestedDict or mapping, got {type(mapping).__name__}.")


def _new_nested() -> NestedDict:
    return dict.__new__(NestedDict)


def _to_nested(mapping: Mapping[Key, Any]) -> NestedDict:
    """A NestedDict copy of the levels of ``mapping`` (leaves are shared, not copied)."""
    out = _new_nested()
    for key, value in mapping.items():
        out[key] = _to_nested(value) if isinstance(value, dict) else value
    return out


def _deep_update(dst: NestedDict, src: Mapping[Key, Any]) -> None:
    for key, value in src.items():
        if isinstance(value, dict):
            current = dst.get(key)
            if isinstance(current, dict):
                _deep_update(current, value)  # type: ignore[arg-type]
            else:
                dst[key] = _to_nested(value)
        else:
            dst[key] = value


# ----------------------------------------------------------------------------------------
class NestedDict(_PathDict):
    """A nested mapping of leaves: ``{'layers': {0: {'w': ParamState(...)}}}``.

    Returned by :func:`flatten`, :func:`treefy_split` and :func:`treefy_states`. Every
    level is itself a NestedDict, so ``state['layers'][0]['w']`` and ``state.layers``
    (attribute access for string keys) work. A pytree whose children are the values of
    each level in insertion order.

    Args:
        mapping: A (nested) mapping or iterable of ``(key, value)`` pairs; nested plain
            dicts become NestedDict levels.

    Examples:
        >>> from brainstate_graph import NestedDict
        >>> nest = NestedDict({"a": {"w": 1.0, "b": 2.0}, "c": 3.0})
        >>> nest.a.w, nest.to_flat()[("a", "b")]
        (1.0, 2.0)
        >>> nest
        NestedDict({
          'a': {
            'w': 1.0,
            'b': 2.0
          },
          'c': 3.0
        })
    """

    __slots__ = ()

    filter = _PathDict.filter
    split = _PathDict.split
    to_dict_values = _PathDict.to_dict_values

    def __init__(self, mapping: Mapping[Key, Any] | Iterable[tuple[Key, Any]] = (), /) -> None:
        super().__init__(mapping)
        for key, value in dict.items(self):
            if isinstance(value, dict) and type(value) is not NestedDict:
                dict.__setitem__(self, key, _to_nested(value))

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__} has no key or attribute {name!r}"
            ) from None

    def __setitem__(self, key: Key, value: Any) -> None:
        if isinstance(value, dict) and type(value) is not NestedDict:
            value = _to_nested(value)
        dict.__setitem__(self, key, value)

    def _flat_items(self) -> Iterable[tuple[PathParts, Any]]:
        out: list[tuple[PathParts, Any]] = []
        _flatten_nested(self, (), out)
        return out

    @classmethod
    def _from_flat_items(cls, items: Iterable[tuple[PathParts, Any]]) -> NestedDict:
        return cls.from_flat(items)

    def to_flat(self) -> FlattedDict:
        """The same leaves as a :class:`FlattedDict` of path tuples."""
        return FlattedDict(self._flat_items())

    def to_nest(self) -> NestedDict:
        """This collection (already nested)."""
        return self

    @classmethod
    def from_flat(
        cls, flat: Mapping[PathParts, Any] | Iterable[tuple[PathParts, Any]]
    ) -> NestedDict:
        """A NestedDict of ``(path, leaf)`` pairs.

        Raises:
            GraphError: When one path is a prefix of another (a leaf cannot also be a level).
        """
        root = _new_nested()
        items = flat.items() if isinstance(flat, Mapping) else flat
        for path, value in items:
            if not isinstance(path, tuple) or not path:
                raise GraphError(f"A path must be a non-empty tuple of keys, got {path!r}.")
            level = root
            for i, key in enumerate(path[:-1]):
                nxt = level.get(key)
                if nxt is None:
                    nxt = level[key] = _new_nested()
                elif not isinstance(nxt, dict):
                    raise GraphError(
                        f"The path {_format_path(path)} runs through the leaf at "
                        f"{_format_path(path[: i + 1])}; a leaf cannot also be a level."
                    )
                level = nxt
            last = path[-1]
            if isinstance(level.get(last), dict):
                raise GraphError(
                    f"The leaf at {_format_path(path)} would replace the level at the same "
                    "path; a leaf cannot also be a level."
                )
            dict.__setitem__(level, last, value)
        return root

    @classmethod
    def from_nest(cls, nested: Mapping[Key, Any]) -> NestedDict:
        """A NestedDict copy of the levels of a nested mapping."""
        return _to_nested(nested)

    def merge(self, *others: Mapping[Any, Any]) -> NestedDict:
        """A new NestedDict with the leaves of this one and ``others`` (later ones win).

        Also callable as ``NestedDict.merge(a, b, ...)``; the inverse of :meth:`split`.
        FlattedDicts are nested first.
        """
        out = _to_nested(self)
        for other in others:
            if isinstance(other, FlattedDict):
                other = NestedDict.from_flat(other)
            _deep_update(out, other)
        return out

    def to_pure_dict(self) -> dict[Key, Any]:
        """Plain nested dicts of the same keys, each State replaced by its value."""
        return {
            k: (v.to_pure_dict() if isinstance(v, NestedDict) else _leaf_value(v))
            for k, v in self.items()
        }

    def replace_by_pure_dict(
        self,
        pure_dict: Mapping[Key, Any],
        replace_fn: Callable[[Any, Any], Any] | None = None,
    ) -> None:
        """Put the values of nested plain dicts (as :meth:`to_pure_dict` makes) into this one.

        The walk follows this collection's levels, so a State whose value is itself a dict
        gets that dict as its value. String keys ``'0'``, ``'1'`` match integer keys (as
        checkpoint formats store them). A ``TreefyState`` entry is replaced by a copy
        holding the new value; a live ``State`` gets the value assigned in place.

        Args:
            pure_dict: New values, nested like this collection (a subset is fine).
            replace_fn: ``(old_entry, new_value) -> new_entry``, to do it another way.

        Raises:
            GraphError: When ``pure_dict`` has a key that this collection does not have.
        """
        fn = _default_replace if replace_fn is None else replace_fn
        _replace_level(self, pure_dict, fn, ())

    def copy(self) -> NestedDict:
        return _to_nested(self)

    def __or__(self, other: Mapping[Any, Any]) -> NestedDict:  # type: ignore[override]
        return self.merge(other)

    def __sub__(self, other: Mapping[Any, Any]) -> NestedDict:
        drop = _as_flat(other)
        return NestedDict.from_flat((p, x) for p, x in self._flat_items() if p not in drop)

    def __repr__(self) -> str:
        return format_nested(type(self).__name__, self)


def _replace_level(
    level: NestedDict, pure: Mapping[Any, Any], fn: Callable, prefix: PathParts
) -> None:
    for key, value in pure.items():
        k = key
        if k not in level and isinstance(k, str) and k.lstrip("-").isdigit() and int(k) in level:
            k = int(k)
        if k not in level:
            raise GraphError(
                f"replace_by_pure_dict: the key {key!r} at {_format_path((*prefix, key))} is not "
                f"in this NestedDict (keys at that level: {list(level)!r})."
            )
        old = dict.__getitem__(level, k)
        if isinstance(old, NestedDict):
            if not isinstance(value, Mapping):
                raise GraphError(
                    f"replace_by_pure_dict: expected a mapping at {_format_path((*prefix, k))}, "
                    f"got {type(value).__name__}."
                )
            _replace_level(old, value, fn, (*prefix, k))
        else:
            dict.__setitem__(level, k, fn(old, value))


# -- pytree registration -----------------------------------------------------------------
def _flat_flatten(d: dict) -> tuple[tuple[Any, ...], tuple[PathParts, ...]]:
    return tuple(d.values()), tuple(d.keys())


def _flat_flatten_with_keys(d: dict) -> tuple[tuple[Any, ...], tuple[PathParts, ...]]:
    return tuple((jax.tree_util.DictKey(k), v) for k, v in d.items()), tuple(d.keys())


def _flat_unflatten(keys: tuple[PathParts, ...], values: Iterable[Any]) -> FlattedDict:
    return FlattedDict(zip(keys, values))


def _nested_unflatten(keys: tuple[Key, ...], values: Iterable[Any]) -> NestedDict:
    out = dict.__new__(NestedDict)
    dict.update(out, zip(keys, values))
    return out


jax.tree_util.register_pytree_with_keys(
    FlattedDict, _flat_flatten_with_keys, _flat_unflatten, _flat_flatten
)
jax.tree_util.register_pytree_with_keys(
    NestedDict,
    _flat_flatten_with_keys,
    _nested_unflatten,
    _flat_flatten,
)
