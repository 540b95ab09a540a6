"""Node containers: ``Dict``, ``List`` and ``Sequential``.

They are Nodes whose children are their items, so a path through them is the key or the
index (``('layers', 0, 'w')``), exactly as through a plain ``dict`` or ``list``; unlike
plain containers they have identity (they can be shared and referenced in cycles) and
count as a level of the hierarchy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, MutableMapping, MutableSequence
from typing import Any, overload

from .errors import GraphError
from .node import Node, note_added, note_replaced

__all__ = ["Dict", "List", "Sequential"]


def _is_attribute_name(key: Any) -> bool:
    return isinstance(key, str) and key.startswith("_")


def _check_item_key(key: Any) -> None:
    if _is_attribute_name(key):
        raise GraphError(
            f"graph.Dict keys must not start with '_' (got {key!r}): such names are the "
            "Dict's own attributes (`d._x = ...`), kept apart from its items. Use another key."
        )


class Dict(Node, MutableMapping):
    """A Node that is a mutable mapping; items are also reachable as attributes.

    Names starting with ``_`` are the Dict's own attributes (as a subclass may set them),
    not items; they are children too, after the items.

    Args:
        *args: As for ``dict`` (a mapping or an iterable of pairs).
        **kwargs: More items.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_graph as graph
        >>> d = graph.Dict(w=bsc.ParamState(jnp.ones(2)), n=3)
        >>> d.n, d["n"], list(graph.states(d))
        (3, 3, [('w',)])
    """

    _mapping: dict[Any, Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        mapping = dict(*args, **kwargs)
        for key in mapping:
            _check_item_key(key)
        object.__setattr__(self, "_mapping", mapping)

    # -- graph protocol: the items, then the attributes (names starting with "_") --
    def __graph_items__(self) -> Iterator[tuple[Any, Any]]:
        yield from self._mapping.items()
        for key, value in self.__dict__.items():
            if key != "_mapping":
                yield key, value

    def __graph_set_items__(self, items: dict[Any, Any]) -> None:
        mapping = {}
        for key, value in items.items():
            if _is_attribute_name(key):
                self.__dict__[key] = value
            else:
                mapping[key] = value
        self.__dict__["_mapping"] = mapping

    def __graph_pop_item__(self, key: Any) -> None:
        if _is_attribute_name(key):
            Node.__graph_pop_item__(self, key)
        else:
            note_replaced(self._mapping.pop(key))

    # -- mapping --
    def __getitem__(self, key: Any) -> Any:
        return self._mapping[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        _check_item_key(key)
        if key not in self._mapping:
            self._mapping[key] = value
            note_added(value)
            return
        old = self._mapping[key]
        self._mapping[key] = value
        note_replaced(old, value)

    def __delitem__(self, key: Any) -> None:
        note_replaced(self._mapping.pop(key))

    def __iter__(self) -> Iterator[Any]:
        return iter(self._mapping)

    def __len__(self) -> int:
        return len(self._mapping)

    def __contains__(self, key: object) -> bool:
        return key in self._mapping

    # -- attribute access to items --
    def __getattr__(self, name: str) -> Any:
        mapping = self.__dict__.get("_mapping")
        if mapping is None or name not in mapping:
            raise AttributeError(f"{type(self).__name__} has no item or attribute {name!r}")
        return mapping[name]

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            Node.__setattr__(self, name, value)
        else:
            self[name] = value

    def __delattr__(self, name: str) -> None:
        if name.startswith("_"):
            Node.__delattr__(self, name)
        else:
            try:
                del self[name]
            except KeyError:
                raise AttributeError(name) from None

    # Nodes compare and hash by identity, like every object with identity in a graph.
    __eq__ = object.__eq__
    __hash__ = object.__hash__  # type: ignore[assignment]


class List(Node, MutableSequence):
    """A Node that is a mutable sequence; its children are its items, keyed by index.

    Other attributes set on a List (e.g. by a subclass) are children too, after the items.

    Args:
        items: The initial items.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_graph as graph
        >>> layers = graph.List([graph.Dict(w=bsc.ParamState(jnp.ones(1)))])
        >>> layers.append(graph.Dict(w=bsc.ParamState(jnp.ones(1))))
        >>> list(graph.states(layers))
        [(0, 'w'), (1, 'w')]
    """

    _items: list[Any]

    def __init__(self, items: Iterable[Any] = ()) -> None:
        self._items = list(items)

    # -- graph protocol --
    def __graph_items__(self) -> Iterator[tuple[Any, Any]]:
        yield from enumerate(self._items)
        for key, value in self.__dict__.items():
            if key != "_items":
                yield key, value

    def __graph_set_items__(self, items: dict[Any, Any]) -> None:
        values = []
        for key, value in items.items():
            if isinstance(key, int):
                values.append(value)
            else:
                self.__dict__[key] = value
        self.__dict__["_items"] = values

    def __graph_pop_item__(self, key: Any) -> None:
        if isinstance(key, int):
            note_replaced(self._items.pop(key))
        else:
            Node.__graph_pop_item__(self, key)

    # -- sequence --
    @overload
    def __getitem__(self, index: int) -> Any: ...
    @overload
    def __getitem__(self, index: slice) -> List: ...
    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)._from_items(self._items[index])
        return self._items[index]

    def __setitem__(self, index: Any, value: Any) -> None:
        old = self._items[index]
        self._items[index] = value
        note_replaced(old, value)

    def __delitem__(self, index: Any) -> None:
        old = self._items[index]
        del self._items[index]
        note_replaced(old)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def insert(self, index: int, value: Any) -> None:
        self._items.insert(index, value)
        note_added(value)

    def __add__(self, other: Iterable[Any]) -> List:
        """A new List (of this List's type, as slicing gives) of these items, then ``other``'s.

        The items are shared, not copied. brainstate 0.1's ``List + sequence``.

        Examples:
            >>> import brainstate_graph as graph
            >>> both = graph.List([1, 2]) + [3]
            >>> type(both).__name__, list(both)
            ('List', [1, 2, 3])
        """
        try:
            extra = list(other)
        except TypeError:
            return NotImplemented
        return type(self)._from_items([*self._items, *extra])

    @classmethod
    def _from_items(cls, items: list[Any]) -> List:
        new = object.__new__(cls)
        new._items = items
        return new

    __eq__ = object.__eq__
    __hash__ = object.__hash__


class Sequential(List):
    """A List of callables applied one after the other.

    The first layer receives all the call's arguments; each next layer receives the
    previous layer's output.

    Examples:
        >>> import brainstate_graph as graph
        >>> seq = graph.Sequential(lambda x: x + 1, lambda x: x * 10)
        >>> seq(1)
        20
        >>> seq[1:](1)
        10
    """

    def __init__(self, *layers: Callable[..., Any]) -> None:
        super().__init__(layers)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        items = self._items
        if not items:  # the identity
            (out,) = args
            return out
        out = items[0](*args, **kwargs)
        for layer in items[1:]:
            out = layer(out)
        return out
