"""``Node``, the base class of graph objects, and the type dispatch every graph walk uses.

A graph is made of Nodes (objects with identity, traversed through their attributes),
States (leaves with identity), containers (``list``, ``tuple``, ``dict`` and their
subclasses, traversed by index or key, without identity) and plain values (static data).
Each walk classifies a value once per *type*, through :func:`kind_of`, so the hot loops
are one dictionary look-up per value instead of a chain of ``isinstance`` checks.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from brainstate_core import State
from brainstate_core.extend import PrettyRepr, note_rebinding

if TYPE_CHECKING:
    from brainstate_core.typing import Filter, Key

    from .dicts import FlattedDict

__all__ = ["Node", "kind_of", "MAX_LEVEL", "note_added", "note_replaced"]

MAX_LEVEL = 2**31 - 1
"""The default upper bound of ``allowed_hierarchy`` windows (effectively unbounded)."""

# Kinds of values met during a graph walk.
STATIC = 0  # a plain value: kept in the GraphDef
STATE = 1  # a State: a leaf with identity
NODE = 2  # a Node whose children are its ``__dict__`` (the common case, fastest path)
CNODE = 3  # a Node with its own ``__graph_items__`` / ``__graph_set_items__``
LIST = 4  # exactly ``list``
TUPLE = 5  # exactly ``tuple``
DICT = 6  # exactly ``dict``
SEQ = 7  # another list or tuple subclass (namedtuples included)
MAP = 8  # another dict subclass (OrderedDict, defaultdict, NestedDict, ...)

NODE_KINDS = (NODE, CNODE)
CONTAINER_KINDS = (LIST, TUPLE, DICT, SEQ, MAP)


_ABSENT: Any = object()


def _holds_graph_objects(value: Any) -> bool:
    """Whether ``value`` is a State or Node, or plain lists/tuples/dicts holding one."""
    stack, seen = [value], set()
    while stack:
        v = stack.pop()
        if isinstance(v, (State, Node)):
            return True
        if isinstance(v, (list, tuple, dict)) and id(v) not in seen:
            seen.add(id(v))
            stack.extend(v.values() if isinstance(v, dict) else v)
    return False


def note_replaced(old: Any, new: Any = _ABSENT) -> None:
    """Record that a child ``old`` of a Node was replaced by ``new`` (or removed).

    Compiled functions hold on to the States they found; when a State, a Node or a
    container of them is replaced, they must look again (see
    ``brainstate_core.extend.note_rebinding``).
    """
    if old is not new and old is not _ABSENT and _holds_graph_objects(old):
        note_rebinding()


def note_added(new: Any) -> None:
    """Record that a graph container (``Dict``/``List``) gained ``new``: compiled functions
    that walk the container (e.g. over ``states(...)``) must look again when it holds States
    or Nodes."""
    if _holds_graph_objects(new):
        note_rebinding()


class Node(PrettyRepr):
    """Base class of graph objects: modules, layers, neurons, anything that holds States.

    Any attribute may hold States, other Nodes, plain values, or arbitrarily nested
    lists / tuples / dicts of them. Nodes may share sub-nodes and States and may form
    cycles (``model.self = model``); every graph function (:func:`states`,
    :func:`flatten`, :func:`clone`, ...) visits each Node and each State once.

    The children of a Node are its instance attributes in insertion order, so paths are
    attribute names followed by container keys, e.g. ``('layers', 0, 'weight')``.

    Printing shows the public attributes (names not starting with ``_``) in insertion
    order; a subclass hides more of them by listing their names in the class attribute
    ``__pretty_repr_exclude__``. A subclass whose children are not its attributes (see
    :class:`List`) overrides ``__graph_items__``, ``__graph_set_items__`` and
    ``__graph_pop_item__``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_graph as graph
        >>> class Linear(graph.Node):
        ...     def __init__(self, din, dout):
        ...         self.din, self.dout = din, dout
        ...         self.w = bsc.ParamState(jnp.ones((din, dout)))
        >>> model = Linear(2, 3)
        >>> model.self = model
        >>> model
        Linear(
          din=2,
          dout=3,
          w=ParamState(
            value=Array([[1., 1., 1.],
                   [1., 1., 1.]], dtype=float32)
          ),
          self=Linear(...)
        )
        >>> list(model.states())
        [('w',)]
    """

    __pretty_repr_exclude__: ClassVar[Iterable[str]] = ()

    # -- the graph protocol --------------------------------------------------------------
    def __graph_items__(self) -> Iterable[tuple[Key, Any]]:
        """The children of this node as ``(key, value)`` pairs, in a deterministic order."""
        return self.__dict__.items()

    def __graph_set_items__(self, items: dict[Key, Any]) -> None:
        """Fill a fresh instance (made by ``object.__new__``) with its children."""
        self.__dict__.update(items)  # type: ignore[arg-type]

    def __graph_pop_item__(self, key: Key) -> None:
        """Remove the child under ``key``."""
        note_replaced(self.__dict__.pop(key))  # type: ignore[arg-type]

    # Replacing a child that holds States (``self.V = State(...)`` again, as ``init_state``
    # does) is noted, so that compiled functions stop reading the States it held.
    def __setattr__(self, name: str, value: Any) -> None:
        old = self.__dict__.get(name, _ABSENT)
        object.__setattr__(self, name, value)
        note_replaced(old, value)

    def __delattr__(self, name: str) -> None:
        old = self.__dict__.get(name, _ABSENT)
        object.__delattr__(self, name)
        note_replaced(old)

    # -- conveniences --------------------------------------------------------------------
    def states(
        self, *filters: Filter, allowed_hierarchy: tuple[int, int] = (0, MAX_LEVEL)
    ) -> FlattedDict | tuple[FlattedDict, ...]:
        """The live States of this node; the same as ``brainstate_graph.states(self, ...)``."""
        from .operations import states

        return states(self, *filters, allowed_hierarchy=allowed_hierarchy)

    def nodes(
        self, *filters: Filter, allowed_hierarchy: tuple[int, int] = (1, MAX_LEVEL)
    ) -> FlattedDict | tuple[FlattedDict, ...]:
        """The sub-nodes of this node; the same as ``brainstate_graph.nodes(self, ...)``."""
        from .operations import nodes

        return nodes(self, *filters, allowed_hierarchy=allowed_hierarchy)

    # -- printing ------------------------------------------------------------------------
    def __pretty_repr_items__(self) -> Iterator[tuple[Any, Any]]:
        exclude = type(self).__pretty_repr_exclude__
        for key, value in self.__graph_items__():
            if isinstance(key, str) and (key.startswith("_") or key in exclude):
                continue
            yield key, value

    def __treescope_repr__(self, path: Any, subtree_renderer: Any) -> Any:
        """Rich display in treescope / IPython when treescope is installed."""
        from .pretty import treescope_repr

        return treescope_repr(self, path, subtree_renderer)


# -- type dispatch -----------------------------------------------------------------------
_KINDS: dict[type, int] = {
    int: STATIC,
    float: STATIC,
    bool: STATIC,
    str: STATIC,
    bytes: STATIC,
    complex: STATIC,
    type(None): STATIC,
    type(Ellipsis): STATIC,
    list: LIST,
    tuple: TUPLE,
    dict: DICT,
}
_KINDS_LOCK = threading.Lock()
_KINDS_LIMIT = 10_000  # dynamically made classes must not grow the cache without bound

KINDS_GET = _KINDS.get
"""``KINDS_GET(type(x))``: the kind of ``x``, or ``None`` for a type not classified yet."""


def _classify(tp: type) -> int:
    if issubclass(tp, State):
        return STATE
    if issubclass(tp, Node):
        custom = (
            tp.__graph_items__ is not Node.__graph_items__
            or tp.__graph_set_items__ is not Node.__graph_set_items__
        )
        return CNODE if custom else NODE
    if issubclass(tp, (list, tuple)):
        return SEQ
    if issubclass(tp, dict):
        return MAP
    return STATIC


def kind_of(tp: type) -> int:
    """The kind of values of type ``tp`` (cached; safe to call from several threads)."""
    kind = _KINDS.get(tp)
    if kind is None:
        kind = _classify(tp)
        with _KINDS_LOCK:
            if len(_KINDS) > _KINDS_LIMIT:
                for key in [k for k in _KINDS if k not in (list, tuple, dict)]:
                    del _KINDS[key]
            _KINDS[tp] = kind
    return kind


def node_items(obj: Any, kind: int) -> Iterable[tuple[Key, Any]]:
    """The ``(key, child)`` pairs of a Node or container of the given kind."""
    if kind == NODE:
        return obj.__dict__.items()
    if kind == CNODE:
        return obj.__graph_items__()
    if kind == DICT or kind == MAP:
        return obj.items()
    return enumerate(obj)


def get_child(obj: Any, key: Key) -> Any:
    """The child of a Node or container under ``key``; ``KeyError`` when there is none."""
    kind = kind_of(type(obj))
    if kind == NODE:
        return obj.__dict__[key]
    if kind == CNODE:
        for k, v in obj.__graph_items__():
            if k == key:
                return v
        raise KeyError(key)
    if kind == DICT or kind == MAP:
        return obj[key]
    if kind in (LIST, TUPLE, SEQ) and isinstance(key, int) and 0 <= key < len(obj):
        return obj[key]
    raise KeyError(key)
