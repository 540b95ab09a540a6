"""``GraphDef``: the static half of a flattened graph.

A GraphDef records the structure of a graph: the type of each Node, its attributes in
order, the plain (static) values, which attributes hold States, and where an object that
was already met appears again (a reference, for shared objects and cycles). The States'
values are not in it; they live in the ``NestedDict`` that :func:`flatten` returns beside
it.

Internally the structure is a tree of tuples, so that building, hashing and comparing a
GraphDef run in C; the tuples are private and may change. Each entry starts with a tag:

- ``(STATIC, value)``: a plain value;
- ``(STATE, type, index)``: the first time a State is met; its value is in the state;
- ``(REF, type, index)``: an object (Node or State) met before, under ``index``;
- ``(NODE, type, index, ((key, entry), ...))``: a Node and its children;
- ``(LIST | TUPLE, (entry, ...))``, ``(DICT, ((key, entry), ...))``: plain containers;
- ``(SEQ, type, (entry, ...))``, ``(MAP, type, ((key, entry), ...), default_factory)``:
  list / tuple / dict subclasses.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jax

from brainstate_core.extend import PrettyRepr, format_value

from .errors import GraphError
from .node import DICT, LIST, MAP, NODE, SEQ, STATE, STATIC, TUPLE

__all__ = ["GraphDef", "REF"]

REF = 9


class GraphDef:
    """The static structure of a graph: types, attributes, plain values, shared references.

    Made by :func:`flatten`, :func:`treefy_split` and :func:`graphdef`; turned back into
    objects by :func:`unflatten` and :func:`treefy_merge`. A GraphDef is immutable,
    hashable and comparable (two graphs of the same structure and plain values give equal
    GraphDefs), so it can be a static argument of ``jax.jit``; it is also a pytree without
    leaves.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_graph as graph
        >>> class Linear(graph.Node):
        ...     def __init__(self, n):
        ...         self.n = n
        ...         self.w = bsc.ParamState(jnp.zeros(n))
        >>> gd, state = graph.treefy_split(Linear(2))
        >>> gd == graph.graphdef(Linear(2)), gd == graph.graphdef(Linear(3))
        (True, False)
        >>> gd
        GraphDef(
          Linear[0](
            n=2,
            w=ParamState[1]
          )
        )
    """

    __slots__ = ("_hash", "_num_refs", "_tree")

    def __init__(self, tree: tuple, num_refs: int) -> None:
        self._tree = tree
        self._num_refs = num_refs
        self._hash: int | None = None

    @property
    def type(self) -> type:
        """The type of the root object (a Node subclass, or list/tuple/dict)."""
        tag = self._tree[0]
        if tag == LIST:
            return list
        if tag == TUPLE:
            return tuple
        if tag == DICT:
            return dict
        return self._tree[1]

    @property
    def num_states(self) -> int:
        """How many distinct States the graph holds (the leaves of its state)."""
        return sum(1 for entry in _walk(self._tree, ()) if entry[1][0] == STATE)

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            try:
                h = hash(self._tree)
            except TypeError:
                path, value = _find_unhashable(self._tree)
                tp = type(value)
                name = (
                    tp.__qualname__
                    if tp.__module__ == "builtins"
                    else f"{tp.__module__}.{tp.__qualname__}"
                )
                raise GraphError(
                    f"This GraphDef cannot be hashed (e.g. as a static argument of "
                    f"`jax.jit`): the plain attribute at {path!r} holds a value of type "
                    f"{name}, which is not "
                    "hashable. Fixes: 1. if the value changes or should be traced, wrap it "
                    "in a State (e.g. `bst.State(x)`); 2. if it is a constant, store it in a "
                    "hashable form (a tuple instead of a list or array, a frozenset instead "
                    "of a set); 3. keep it out of the graph (a class attribute or a closure)."
                ) from None
            self._hash = h
        return h

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, GraphDef):
            return NotImplemented
        return hash(self) == hash(other) and self._tree == other._tree

    def __reduce__(self) -> tuple:
        return (GraphDef, (self._tree, self._num_refs))  # the cached hash is per process

    def __repr__(self) -> str:
        return f"GraphDef(\n  {format_value(_view(self._tree), 2)}\n)"


jax.tree_util.register_static(GraphDef)


def _walk(entry: tuple, path: tuple) -> Iterator[tuple[tuple, tuple]]:
    """Every ``(path, entry)`` below ``entry`` (itself included), depth first."""
    yield path, entry
    tag = entry[0]
    if tag == NODE:
        for key, child in entry[3]:
            yield from _walk(child, (*path, key))
    elif tag == LIST or tag == TUPLE:
        for i, child in enumerate(entry[1]):
            yield from _walk(child, (*path, i))
    elif tag == DICT:
        for key, child in entry[1]:
            yield from _walk(child, (*path, key))
    elif tag == SEQ:
        for i, child in enumerate(entry[2]):
            yield from _walk(child, (*path, i))
    elif tag == MAP:
        for key, child in entry[2]:
            yield from _walk(child, (*path, key))


def _find_unhashable(tree: tuple) -> tuple[tuple, Any]:
    for path, entry in _walk(tree, ()):
        if entry[0] == STATIC:
            value = entry[1]
            try:
                hash(value)
            except TypeError:
                while isinstance(value, tuple):  # a tuple of plain values: find the culprit
                    for i, item in enumerate(value):
                        try:
                            hash(item)
                        except TypeError:
                            path, value = (*path, i), item
                            break
                    else:  # pragma: no cover - a tuple whose items all hash does hash
                        break
                return path, value
        elif entry[0] == MAP and entry[3] is not None:
            try:
                hash(entry[3])
            except TypeError:  # pragma: no cover - default factories are hashable callables
                return path, entry[3]
    return (), tree  # pragma: no cover - hash() failed, so some entry is unhashable


# -- printing ----------------------------------------------------------------------------
class _Text:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class _NodeView(PrettyRepr):
    __slots__ = ("items", "name")

    def __init__(self, name: str, items: list[tuple[Any, Any]]) -> None:
        self.name = name
        self.items = items

    def __pretty_repr_name__(self) -> str:
        return self.name

    def __pretty_repr_items__(self) -> list[tuple[Any, Any]]:
        return self.items


def _view(entry: tuple) -> Any:
    tag = entry[0]
    if tag == STATIC:
        return entry[1]
    if tag == STATE:
        return _Text(f"{entry[1].__name__}[{entry[2]}]")
    if tag == REF:
        return _Text(f"Ref({entry[1].__name__}[{entry[2]}])")
    if tag == NODE:
        return _NodeView(f"{entry[1].__name__}[{entry[2]}]", [(k, _view(c)) for k, c in entry[3]])
    if tag == LIST:
        return [_view(c) for c in entry[1]]
    if tag == TUPLE:
        return tuple(_view(c) for c in entry[1])
    if tag == DICT:
        return {k: _view(c) for k, c in entry[1]}
    if tag == SEQ:
        return _NodeView(entry[1].__name__, [(i, _view(c)) for i, c in enumerate(entry[2])])
    return _NodeView(entry[1].__name__, [(k, _view(c)) for k, c in entry[2]])
