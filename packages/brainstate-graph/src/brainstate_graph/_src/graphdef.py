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
import numpy as np

from brainstate_core.extend import ByIdentity, PrettyRepr, format_value

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
    leaves. Immutable plain values that cannot be hashed (jax arrays, brainunit Quantities
    held as constants) are compared by identity: the GraphDefs of one model, or of its
    clones, are equal. Values that could change in place (numpy arrays, sets) make hashing
    fail with an error naming them.

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

    __slots__ = ("_hash", "_key", "_num_refs", "_tree")

    def __init__(self, tree: tuple, num_refs: int) -> None:
        self._tree = tree
        self._num_refs = num_refs
        self._hash: int | None = None
        self._key: tuple | None = None

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
        if tag == STATIC:  # the root is a plain value (e.g. a tuple of numbers)
            value = self._tree[1]
            return type(value.obj if isinstance(value, ByIdentity) else value)
        return self._tree[1]

    @property
    def num_states(self) -> int:
        """How many distinct States the graph holds (the leaves of its state)."""
        return sum(1 for entry in _walk(self._tree, ()) if entry[1][0] == STATE)

    def _compare_key(self) -> tuple:
        # Plain values that cannot be hashed (arrays, brainunit Quantities) stand in by
        # identity: graphdefs of one model (or of its clones) are equal, and a rebuilt
        # model with new arrays retraces a jitted merge rather than failing.
        key = self._key
        if key is None:
            try:
                hash(self._tree)
                key = self._tree
            except TypeError:
                key = _by_identity(self._tree)
            self._key = key
        return key

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = self._hash = hash(self._compare_key())
        return h

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, GraphDef):
            return NotImplemented
        try:
            return hash(self) == hash(other) and self._compare_key() == other._compare_key()
        except GraphError:  # a mutable plain value (a numpy array): compared by identity
            return _by_identity(self._tree, strict=False) == _by_identity(other._tree, strict=False)

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


# Unhashable plain values that may change in place: a GraphDef holding one cannot be keyed.
_MUTABLE = (np.ndarray, set, bytearray, list, dict)


def _hashable(value: Any, path: tuple, strict: bool = True) -> Any:
    try:
        hash(value)
    except TypeError:
        if isinstance(value, tuple):  # a tuple of plain values
            return tuple(_hashable(v, (*path, i), strict) for i, v in enumerate(value))
        if strict and isinstance(value, _MUTABLE):
            raise _unhashable_error(path, value) from None
        return ByIdentity(value)  # an immutable constant: a jax array, a Quantity ...
    return value


def _unhashable_error(path: tuple, value: Any) -> GraphError:
    tp = type(value)
    name = tp.__qualname__ if tp.__module__ == "builtins" else f"{tp.__module__}.{tp.__qualname__}"
    return GraphError(
        f"This GraphDef cannot be hashed (e.g. as a static argument of `jax.jit`): the plain "
        f"attribute at {path!r} holds a value of type {name}, which is not hashable and may "
        "change in place. Fixes: 1. if the value changes or should be traced, wrap it in a "
        "State (e.g. `bst.State(x)`); 2. if it is a constant, store it in a hashable or "
        "immutable form (a tuple or a jax array instead of a list or numpy array, a frozenset "
        "instead of a set); 3. keep it out of the graph (a class attribute or a closure)."
    )


def _by_identity(entry: tuple, path: tuple = (), strict: bool = True) -> tuple:
    """``entry`` with every unhashable immutable plain value replaced by its identity
    (``strict=False``: mutable ones too, for comparing rather than hashing)."""

    def sub(child: tuple, key: Any) -> tuple:
        return _by_identity(child, (*path, key), strict)

    tag = entry[0]
    if tag == STATIC:
        return (STATIC, _hashable(entry[1], path, strict))
    if tag == NODE:
        return (*entry[:3], tuple((k, sub(c, k)) for k, c in entry[3]))
    if tag in (LIST, TUPLE):
        return (tag, tuple(sub(c, i) for i, c in enumerate(entry[1])))
    if tag == DICT:
        return (tag, tuple((k, sub(c, k)) for k, c in entry[1]))
    if tag == SEQ:
        return (*entry[:2], tuple(sub(c, i) for i, c in enumerate(entry[2])))
    if tag == MAP:
        pairs = tuple((k, sub(c, k)) for k, c in entry[2])
        return (*entry[:2], pairs, _hashable(entry[3], path, strict))
    return entry  # STATE, REF


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
