"""``flatten`` / ``unflatten``: a graph <-> (``GraphDef``, ``NestedDict`` of leaves).

The walk is depth first, children in the order their parent lists them (a Node's
attributes in insertion order, containers by index or key). Each Node and State gets an
index the first time it is met; a later meeting becomes a reference to that index, so
shared objects and cycles are stored once and rebuilt as one object. Every call keeps its
bookkeeping in local variables: two threads may flatten different graphs at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from brainstate_core import State, TreefyState

from .dicts import FlattedDict, NestedDict
from .errors import GraphError
from .graphdef import REF, GraphDef
from .node import (
    CNODE,
    CONTAINER_KINDS,
    DICT,
    KINDS_GET,
    LIST,
    MAP,
    NODE,
    NODE_KINDS,
    SEQ,
    STATE,
    STATIC,
    TUPLE,
    kind_of,
)

__all__ = ["flatten", "unflatten", "graphdef", "flatten_graph", "unflatten_graph"]

GRAPHDEF_ONLY = 0
TREEFY = 1
LIVE = 2

_EMPTY: dict = {}
_new_nested = dict.__new__
_setitem = dict.__setitem__


def _type_name(tp: type) -> str:
    return tp.__qualname__ if tp.__module__ == "builtins" else f"{tp.__module__}.{tp.__qualname__}"


def check_root(root: Any) -> int:
    """The kind of ``root``; a ``GraphError`` unless it is a Node or a container."""
    kind = kind_of(type(root))
    if kind in NODE_KINDS or kind in CONTAINER_KINDS:
        return kind
    hint = (
        " A State is a leaf of a graph, not a graph: put it in a Node (or a list/dict)."
        if kind == STATE
        else ""
    )
    raise GraphError(
        f"Expected a graph Node (or a list/tuple/dict of Nodes and States), got an object "
        f"of type {_type_name(type(root))}.{hint}"
    )


def too_deep(name: str) -> GraphError:
    """The error for a walk that hit Python's recursion limit."""
    return GraphError(
        f"The graph of {name} is too deep to walk (Python's recursion limit "
        "was reached). Usual cause: a list, tuple or dict that contains itself; only Nodes "
        "may form cycles (they are tracked by identity). Otherwise raise the limit with "
        "`sys.setrecursionlimit`."
    )


def flatten_graph(root: Any, mode: int) -> tuple[GraphDef, NestedDict | None]:
    """Flatten ``root``: ``mode`` is GRAPHDEF_ONLY, TREEFY (TreefyStates) or LIVE (States)."""
    root_kind = check_root(root)
    ids: dict[int, int] = {}
    kinds_get = KINDS_GET
    collect = mode != GRAPHDEF_ONLY
    treefy = mode == TREEFY

    def child(key: Any, v: Any, out: Any) -> tuple:
        t = type(v)
        k = kinds_get(t)
        if k is None:
            k = kind_of(t)
        if k == STATIC:
            return (STATIC, v)
        if k == STATE:
            i = ids.get(id(v))
            if i is not None:
                return (REF, t, i)
            i = ids[id(v)] = len(ids)
            if collect:
                _setitem(out, key, v.to_state_ref() if treefy else v)
            return (STATE, t, i)
        if k == NODE or k == CNODE:
            i = ids.get(id(v))
            if i is not None:
                return (REF, t, i)
            if collect:
                sub = _new_nested(NestedDict)
                entry = node(v, t, k, sub)
                if sub:
                    _setitem(out, key, sub)
                return entry
            return node(v, t, k, None)
        if collect:
            sub = _new_nested(NestedDict)
            entry = container(v, t, k, sub)
            if sub:
                _setitem(out, key, sub)
            return entry
        return container(v, t, k, None)

    def node(obj: Any, t: type, k: int, out: NestedDict | None) -> tuple:
        i = ids[id(obj)] = len(ids)
        items = obj.__dict__.items() if k == NODE else obj.__graph_items__()
        return (NODE, t, i, tuple([(key, child(key, v, out)) for key, v in items]))

    def container(obj: Any, t: type, k: int, out: NestedDict | None) -> tuple:
        if k == LIST:
            return (LIST, tuple([child(i, v, out) for i, v in enumerate(obj)]))
        if k == TUPLE:
            entries = tuple([child(i, v, out) for i, v in enumerate(obj)])
            for e in entries:
                if e[0] != STATIC:
                    return (TUPLE, entries)
            return (STATIC, obj)  # a tuple of plain values is a plain value
        if k == DICT:
            return (DICT, tuple([(key, child(key, v, out)) for key, v in obj.items()]))
        if k == SEQ:
            return (SEQ, t, tuple([child(i, v, out) for i, v in enumerate(obj)]))
        factory = obj.default_factory if isinstance(obj, defaultdict) else None
        return (MAP, t, tuple([(key, child(key, v, out)) for key, v in obj.items()]), factory)

    top = _new_nested(NestedDict) if collect else None
    try:
        if root_kind in NODE_KINDS:
            tree = node(root, type(root), root_kind, top)
        else:
            tree = container(root, type(root), root_kind, top)
    except RecursionError:
        raise too_deep(type(root).__name__) from None
    return GraphDef(tree, len(ids)), top


def _path_str(path: tuple, key: Any = None, *, with_key: bool = True) -> str:
    return repr((*path, key)) if with_key else repr(path)


def unflatten_graph(gd: GraphDef, state: Mapping[Any, Any], copy_states: bool) -> Any:
    """Build new objects from ``gd`` and the leaves in ``state`` (a nested mapping).

    TreefyStates become new States; live States are used as they are, or copied when
    ``copy_states`` is true (for :func:`clone`).
    """
    objs: list[Any] = [None] * gd._num_refs
    kinds_get = KINDS_GET

    def leaf(entry: tuple, key: Any, m: Mapping, path: tuple) -> State:
        cls = entry[1]
        try:
            x = m[key]
        except KeyError:
            raise GraphError(
                f"The state has no entry at {_path_str(path, key)}, where the GraphDef "
                f"expects a {cls.__name__}. The state was made from another graph, or "
                "one of the states to merge is missing."
            ) from None
        if isinstance(x, TreefyState):
            if x.type is not cls:
                raise _type_mismatch(path, key, cls, x.type.__name__ + " (as a TreefyState)")
            s = x.to_state()
        elif isinstance(x, State):
            if type(x) is not cls:
                raise _type_mismatch(path, key, cls, type(x).__name__)
            s = x.replace(x.value) if copy_states else x
        else:
            kind = "a nested mapping" if isinstance(x, Mapping) else f"a {type(x).__name__}"
            raise GraphError(
                f"The state holds {kind} at {_path_str(path, key)}, where the GraphDef "
                f"expects a {cls.__name__} (a State or a TreefyState). The state was made "
                "from a graph of another structure. To put plain values into a state, use "
                "`NestedDict.replace_by_pure_dict`."
            )
        objs[entry[2]] = s
        return s

    def children(pairs: Any, m: Mapping, path: tuple, owner: str) -> dict:
        vals: dict = {}
        used = 0
        for key, e in pairs:
            tag = e[0]
            if tag == STATIC:
                vals[key] = e[1]
            elif tag == REF:
                vals[key] = objs[e[2]]
            elif tag == STATE:
                vals[key] = leaf(e, key, m, path)
                used += 1
            else:
                sub = m.get(key)
                if sub is None:
                    sub = _EMPTY
                elif isinstance(sub, Mapping):
                    used += 1
                else:
                    raise GraphError(
                        f"The state holds a {type(sub).__name__} at {_path_str(path, key)}, "
                        f"where the GraphDef expects the states of a {_entry_type(e)} (a "
                        "nested mapping). The state was made from a graph of another structure."
                    )
                vals[key] = build(e, sub, (*path, key))
        if used != len(m):
            expected = {key for key, e in pairs if e[0] not in (STATIC, REF)}
            extra = [k for k in m if k not in expected]
            raise GraphError(
                f"The state has entries at {', '.join(_path_str(path, k) for k in extra)} that "
                f"the GraphDef of the {owner} at {_path_str(path, with_key=False)} does not "
                "have: the state was made from a graph of another structure (or a plain "
                "attribute was given a value in the state)."
            )
        return vals

    def build(entry: tuple, m: Mapping, path: tuple) -> Any:
        tag = entry[0]
        if tag == NODE:
            cls = entry[1]
            obj = object.__new__(cls)
            objs[entry[2]] = obj
            vals = children(entry[3], m, path, cls.__name__)
            k = kinds_get(cls)
            if k is None:
                k = kind_of(cls)
            if k == NODE:
                obj.__dict__.update(vals)
            else:
                obj.__graph_set_items__(vals)
            return obj
        if tag == LIST:
            return list(children(enumerate(entry[1]), m, path, "list").values())
        if tag == TUPLE:
            return tuple(children(enumerate(entry[1]), m, path, "tuple").values())
        if tag == DICT:
            return children(entry[1], m, path, "dict")
        if tag == SEQ:
            cls = entry[1]
            vals = list(children(enumerate(entry[2]), m, path, cls.__name__).values())
            if issubclass(cls, tuple) and hasattr(cls, "_fields"):
                return cls(*vals)
            return cls(vals)
        if tag == MAP:
            cls = entry[1]
            vals = children(entry[2], m, path, cls.__name__)
            if entry[3] is not None or issubclass(cls, defaultdict):
                return cls(entry[3], vals)
            return cls(vals)
        if tag == STATIC:
            return entry[1]
        raise GraphError(f"Malformed GraphDef entry at {path!r}: {entry!r}.")  # pragma: no cover

    if isinstance(state, FlattedDict):
        state = NestedDict.from_flat(state)
    elif not isinstance(state, Mapping):
        raise GraphError(
            f"Expected the state as a NestedDict, FlattedDict or nested mapping, got a "
            f"{type(state).__name__}."
        )
    tree = gd._tree
    try:
        if tree[0] == STATIC:
            if state:
                raise GraphError(
                    "The GraphDef holds no States, but the state has entries at "
                    f"{', '.join(map(repr, state))}."
                )
            return tree[1]
        return build(tree, state, ())
    except RecursionError:
        raise too_deep(gd.type.__name__) from None


def _entry_type(entry: tuple) -> str:
    tag = entry[0]
    if tag in (NODE, SEQ, MAP):
        return entry[1].__name__
    return {LIST: "list", TUPLE: "tuple", DICT: "dict"}.get(tag, "node")


def _type_mismatch(path: tuple, key: Any, expected: type, got: str) -> GraphError:
    return GraphError(
        f"The state holds a {got} at {_path_str(path, key)}, where the GraphDef expects a "
        f"{expected.__name__}: the state was made from a graph of another structure."
    )


# -- public functions ---------------------------------------------------------------------
def flatten(node: Any, /, *, treefy_state: bool = True) -> tuple[GraphDef, NestedDict]:
    """Split a graph into its static structure and its States.

    Args:
        node: A Node (or a list/tuple/dict of Nodes and States).
        treefy_state: ``True`` (default): the leaves are ``TreefyState`` pytrees (copies
            of the States' values, with type and metadata). ``False``: the leaves are the
            live State objects themselves.

    Returns:
        ``(graphdef, state)``: a hashable :class:`GraphDef` and a :class:`NestedDict` of
        leaves by path. A State (or Node) met more than once appears once, at the first
        path in walk order (attributes in insertion order).

    Raises:
        GraphError: When ``node`` is not a Node or container.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_graph as graph
        >>> class Cell(graph.Node):
        ...     def __init__(self):
        ...         self.v = bsc.HiddenState(jnp.zeros(2))
        >>> cell = Cell()
        >>> cell.again = cell.v                      # a shared State is stored once
        >>> gd, state = graph.flatten(cell)
        >>> list(state.to_flat())
        [('v',)]
        >>> new = graph.unflatten(gd, state)
        >>> new.again is new.v, new.v is cell.v
        (True, False)
    """
    gd, state = flatten_graph(node, TREEFY if treefy_state else LIVE)
    return gd, state  # type: ignore[return-value]


def unflatten(graphdef: GraphDef, state: Mapping[Any, Any], /) -> Any:
    """Build a new object graph from a GraphDef and its state (the inverse of :func:`flatten`).

    Args:
        graphdef: The structure, from :func:`flatten` or :func:`treefy_split`.
        state: A :class:`NestedDict` (or FlattedDict) of ``TreefyState`` leaves, which
            become new States, or of live States, which are used as they are.

    Returns:
        New Nodes and containers, with shared objects and cycles as in the original.

    Raises:
        GraphError: When the state does not fit the GraphDef (a missing or extra entry, a
            State of another type); the message names the path.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_graph as graph
        >>> gd, state = graph.flatten([bsc.ParamState(jnp.ones(2))])
        >>> rebuilt = graph.unflatten(gd, state)
        >>> type(rebuilt[0]).__name__, rebuilt[0].value.tolist()
        ('ParamState', [1.0, 1.0])
    """
    if not isinstance(graphdef, GraphDef):
        raise GraphError(f"Expected a GraphDef, got a {type(graphdef).__name__}.")
    return unflatten_graph(graphdef, state, copy_states=False)


def graphdef(node: Any, /) -> GraphDef:
    """The :class:`GraphDef` of a graph (its structure without the States' values).

    Examples:
        >>> import brainstate_graph as graph
        >>> graph.graphdef(graph.Dict(a=1)) == graph.graphdef(graph.Dict(a=1))
        True
    """
    return flatten_graph(node, GRAPHDEF_ONLY)[0]
