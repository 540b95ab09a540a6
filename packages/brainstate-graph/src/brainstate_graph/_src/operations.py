"""Graph operations: collect, split, merge, update, pop, clone and iterate.

Order: every function walks the graph depth first, a parent before its children, and the
children in the order their parent lists them (a Node's attributes in insertion order,
containers by index or key). A Node or State met again (shared, or through a cycle) is
skipped, so it appears once, at its first path in that order. ``states()``, ``nodes()``,
``flatten()`` and ``iter_leaf()``/``iter_node()`` all use this one order.

Hierarchy: the root is at level 0; a Node held (directly or inside containers) by a Node
at level ``n`` is at level ``n + 1``; a State or plain value is at the level of the Node
that holds it. ``allowed_hierarchy=(lo, hi)`` keeps what lies at levels ``lo..hi``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from brainstate_core import State, TreefyState

from .dicts import FlattedDict, NestedDict
from .errors import GraphError
from .filters import to_predicate
from .flatten import LIVE, check_root, flatten, flatten_graph, too_deep, unflatten_graph
from .graphdef import GraphDef
from .node import (
    CNODE,
    DICT,
    KINDS_GET,
    MAP,
    MAX_LEVEL,
    NODE,
    STATE,
    STATIC,
    Node,
    get_child,
    kind_of,
    node_items,
)

if TYPE_CHECKING:
    from brainstate_core.typing import Filter, PathParts

__all__ = [
    "states",
    "nodes",
    "treefy_states",
    "treefy_split",
    "treefy_merge",
    "update_states",
    "pop_states",
    "clone",
    "iter_leaf",
    "iter_node",
    "call",
]

A = TypeVar("A")


def _window(allowed_hierarchy: tuple[int, int]) -> tuple[int, int]:
    try:
        lo, hi = allowed_hierarchy
        lo, hi = int(lo), int(hi)
    except (TypeError, ValueError):
        raise GraphError(
            f"allowed_hierarchy must be a pair of ints (lo, hi), got {allowed_hierarchy!r}."
        ) from None
    if lo < 0 or hi < lo:
        raise GraphError(f"allowed_hierarchy must satisfy 0 <= lo <= hi, got ({lo}, {hi}).")
    return lo, hi


def _group(
    found: list[tuple[PathParts, Any]], filters: tuple[Filter, ...]
) -> FlattedDict | tuple[FlattedDict, ...]:
    if not filters:
        return FlattedDict(found)
    if len(filters) == 1:
        p = to_predicate(filters[0])
        return FlattedDict([(path, x) for path, x in found if p(path, x)])
    predicates = [to_predicate(f) for f in filters]
    groups: list[list[tuple[PathParts, Any]]] = [[] for _ in predicates]
    for path, x in found:
        for group, p in zip(groups, predicates):
            if p(path, x):
                group.append((path, x))
                break
    return tuple(FlattedDict(g) for g in groups)


def collect_states(root: Any, lo: int = 0, hi: int = MAX_LEVEL) -> list[tuple[PathParts, State]]:
    """``[(path, state), ...]`` of the distinct States in the window, in walk order."""
    root_kind = check_root(root)
    out: list[tuple[PathParts, State]] = []
    append = out.append
    seen = {id(root)}
    kinds_get = KINDS_GET

    def visit(items: Any, path: PathParts, level: int) -> None:
        for key, v in items:
            t = type(v)
            k = kinds_get(t)
            if k is None:
                k = kind_of(t)
            if k == STATIC:
                continue
            if k == STATE:
                if level >= lo and id(v) not in seen:
                    seen.add(id(v))
                    append(((*path, key), v))
            elif k == NODE or k == CNODE:
                if level < hi and id(v) not in seen:
                    seen.add(id(v))
                    visit(
                        v.__dict__.items() if k == NODE else v.__graph_items__(),
                        (*path, key),
                        level + 1,
                    )
            else:
                visit(node_items(v, k), (*path, key), level)

    try:
        visit(node_items(root, root_kind), (), 0)
    except RecursionError:
        raise too_deep(type(root).__name__) from None
    return out


def states(
    node: Any, /, *filters: Filter, allowed_hierarchy: tuple[int, int] = (0, MAX_LEVEL)
) -> FlattedDict | tuple[FlattedDict, ...]:
    """The live States of a graph, by path.

    Args:
        node: A Node (or a list/tuple/dict of Nodes and States).
        *filters: None: all States. One filter: the States it selects. Several: a tuple
            with one FlattedDict per filter (the first filter that selects a State gets it;
            States no filter selects are left out).
        allowed_hierarchy: ``(lo, hi)``: only States held by Nodes at levels ``lo..hi``
            (the root is level 0, its sub-nodes level 1, ...).

    Returns:
        A :class:`FlattedDict` ``{path: State}`` (or a tuple of them). A State held in
        several places appears once, at its first path in walk order.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_graph as graph
        >>> class Net(graph.Node):
        ...     def __init__(self):
        ...         self.w = bsc.ParamState(jnp.ones(2))
        ...         self.layers = [graph.Dict(v=bsc.HiddenState(jnp.zeros(2)))]
        >>> net = Net()
        >>> list(graph.states(net))
        [('w',), ('layers', 0, 'v')]
        >>> params, hidden = graph.states(net, bsc.ParamState, bsc.HiddenState)
        >>> list(params), list(hidden)
        ([('w',)], [('layers', 0, 'v')])
        >>> list(graph.states(net, allowed_hierarchy=(0, 0)))
        [('w',)]
    """
    lo, hi = _window(allowed_hierarchy)
    return _group(collect_states(node, lo, hi), filters)


def nodes(
    node: Any, /, *filters: Filter, allowed_hierarchy: tuple[int, int] = (1, MAX_LEVEL)
) -> FlattedDict | tuple[FlattedDict, ...]:
    """The Nodes of a graph, by path, parents before children.

    The root itself is at level 0, so the default window ``(1, ...)`` leaves it out;
    ``allowed_hierarchy=(0, ...)`` includes it under the path ``()``.

    Args:
        node: A Node (or a list/tuple/dict of Nodes).
        *filters: As for :func:`states` (e.g. a Node subclass).
        allowed_hierarchy: ``(lo, hi)``: only Nodes at levels ``lo..hi``.

    Returns:
        A :class:`FlattedDict` ``{path: Node}`` (or a tuple of them, one per filter).

    Examples:
        >>> import brainstate_graph as graph
        >>> class Leaf(graph.Node):
        ...     pass
        >>> class Net(graph.Node):
        ...     def __init__(self):
        ...         self.input = Leaf()
        ...         self.layers = [Leaf(), Leaf()]
        >>> list(graph.nodes(Net()))
        [('input',), ('layers', 0), ('layers', 1)]
        >>> list(graph.nodes(Net(), allowed_hierarchy=(0, 1)))[0]
        ()
    """
    lo, hi = _window(allowed_hierarchy)
    root_kind = check_root(node)
    out: list[tuple[PathParts, Any]] = []
    seen = {id(node)}
    if lo == 0 and isinstance(node, Node):
        out.append(((), node))
    kinds_get = KINDS_GET

    def visit(items: Any, path: PathParts, level: int) -> None:
        for key, v in items:
            t = type(v)
            k = kinds_get(t)
            if k is None:
                k = kind_of(t)
            if k == STATIC or k == STATE:
                continue
            if k == NODE or k == CNODE:
                if level < hi and id(v) not in seen:
                    seen.add(id(v))
                    p = (*path, key)
                    if level + 1 >= lo:
                        out.append((p, v))
                    visit(v.__dict__.items() if k == NODE else v.__graph_items__(), p, level + 1)
            else:
                visit(node_items(v, k), (*path, key), level)

    try:
        visit(node_items(node, root_kind), (), 0)
    except RecursionError:
        raise too_deep(type(node).__name__) from None
    return _group(out, filters)


def treefy_states(node: Any, /, *filters: Filter) -> NestedDict | tuple[NestedDict, ...]:
    """The States of a graph as ``TreefyState`` pytrees, in a :class:`NestedDict`.

    Args:
        node: A Node (or container).
        *filters: As for :meth:`NestedDict.filter` (non-exhaustive, first match wins).

    Returns:
        One NestedDict, or one per filter when several are given.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_graph as graph
        >>> tree = graph.treefy_states(graph.Dict(w=bsc.ParamState(jnp.ones(1))))
        >>> type(tree["w"]).__name__, tree["w"].type.__name__
        ('TreefyState', 'ParamState')
    """
    _, state = flatten(node)
    if not filters:
        return state
    return state.filter(*filters)


def treefy_split(node: Any, /, *filters: Filter) -> tuple[Any, ...]:
    """Split a graph into its :class:`GraphDef` and its States as ``TreefyState`` pytrees.

    Args:
        node: A Node (or container).
        *filters: None: one state with all States. Otherwise one state per filter; the
            filters must select every State (use ``...`` last as a catch-all).

    Returns:
        ``(graphdef, state)`` or ``(graphdef, state_1, ..., state_n)``.

    Raises:
        GraphError: When the filters leave some States unselected (the message names
            their paths).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_graph as graph
        >>> net = graph.Dict(w=bsc.ParamState(jnp.ones(2)), v=bsc.HiddenState(jnp.zeros(2)))
        >>> gd, params, rest = graph.treefy_split(net, bsc.ParamState, ...)
        >>> list(params), list(rest)
        (['w'], ['v'])
        >>> new = graph.treefy_merge(gd, params, rest)
        >>> new["w"] is net["w"], new["w"].value.tolist()
        (False, [1.0, 1.0])
    """
    gd, state = flatten(node)
    if not filters:
        return gd, state
    return (gd, *state._partition(filters, exhaustive=True))


def treefy_merge(graphdef: GraphDef, /, *state_mappings: Mapping[Any, Any]) -> Any:
    """Build a new object graph from a GraphDef and one or more states (inverse of split).

    Args:
        graphdef: From :func:`treefy_split` (or :func:`flatten`).
        *state_mappings: NestedDicts (or FlattedDicts) of TreefyStates; they are merged,
            later ones winning.

    Returns:
        New Nodes with new States (shared objects and cycles as in the original).

    Raises:
        GraphError: When the states do not fit the GraphDef; the message names the path.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_graph as graph
        >>> net = graph.Dict(w=bsc.ParamState(jnp.ones(2)), v=bsc.HiddenState(jnp.zeros(2)))
        >>> net["again"] = net
        >>> gd, params, rest = graph.treefy_split(net, bsc.ParamState, ...)
        >>> new = graph.treefy_merge(gd, params, rest)
        >>> new["again"] is new, type(new["v"]).__name__
        (True, 'HiddenState')
    """
    if not isinstance(graphdef, GraphDef):
        raise GraphError(
            f"Expected a GraphDef as the first argument, got {type(graphdef).__name__}."
        )
    if not state_mappings:
        state: Mapping[Any, Any] = NestedDict()
    elif len(state_mappings) == 1:
        state = state_mappings[0]
    else:
        first = state_mappings[0]
        if not isinstance(first, NestedDict):
            first = (
                NestedDict.from_flat(first) if isinstance(first, FlattedDict) else NestedDict(first)
            )
        state = first.merge(*state_mappings[1:])
    return unflatten_graph(graphdef, state, copy_states=False)


def _navigate(root: Any, path: PathParts) -> Any:
    obj = root
    for i, key in enumerate(path):
        try:
            obj = get_child(obj, key)
        except KeyError:
            raise GraphError(
                f"The graph of {type(root).__name__} has nothing at {tuple(path)!r}: "
                f"{type(obj).__name__} at {tuple(path[:i])!r} has no child {key!r}."
            ) from None
    return obj


def _nested_items(
    root: Any, obj: Any, mapping: Mapping[Any, Any], prefix: PathParts, out: list
) -> None:
    """The ``(path, value)`` entries of a nested mapping, read along the graph (``obj`` is
    the object at ``prefix``): a level that reaches a State is that State's value, even
    when the value is itself a dict (as ``to_dict_values()``/``to_pure_dict()`` give for a
    dict-valued State)."""
    for key, value in mapping.items():
        path = (*prefix, key)
        if not isinstance(value, Mapping):
            out.append((path, value))
            continue
        try:
            child = get_child(obj, key)
        except KeyError:
            _navigate(root, path)  # raises, naming the whole path
            raise
        if isinstance(child, State):
            out.append((path, value))
        else:
            _nested_items(root, child, value, path, out)


def update_states(
    node: Any, state_dict: Mapping[Any, Any], /, *state_dicts: Mapping[Any, Any]
) -> None:
    """Write values into the live States of a graph, in place.

    Each entry's path (in any of the NestedDicts / FlattedDicts given) must lead to a
    State. A ``TreefyState`` entry updates the value and metadata, a ``State`` entry
    copies its value, any other entry is the new value itself. All paths are checked
    before anything is written.

    Raises:
        GraphError: When a path leads nowhere or to something that is not a State.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_graph as graph
        >>> net = graph.Dict(w=bsc.ParamState(jnp.zeros(2)))
        >>> graph.update_states(net, graph.FlattedDict({("w",): jnp.ones(2)}))
        >>> net["w"].value.tolist()
        [1.0, 1.0]
    """
    check_root(node)
    items: list[tuple[PathParts, Any]] = []
    for d in (state_dict, *state_dicts):
        if isinstance(d, FlattedDict) or (
            isinstance(d, Mapping)
            and not isinstance(d, NestedDict)
            and all(isinstance(k, tuple) for k in d)
        ):
            items.extend(d.items())
        elif isinstance(d, Mapping):
            _nested_items(node, node, d, (), items)
        else:
            raise GraphError(f"Expected a NestedDict or FlattedDict, got a {type(d).__name__}.")
    targets = []
    for path, new in items:
        target = _navigate(node, path)
        if not isinstance(target, State):
            raise GraphError(
                f"update_states: {tuple(path)!r} holds a {type(target).__name__}, not a State."
            )
        targets.append((target, new))
    for target, new in targets:
        if isinstance(new, TreefyState):
            target.update_from_ref(new)
        elif isinstance(new, State):
            if new is not target:
                target.value = new.value
        else:
            target.value = new


def pop_states(node: Any, /, *filters: Filter) -> NestedDict | tuple[NestedDict, ...]:
    """Remove the selected States from the graph and return them.

    Every attribute (or dict entry) that holds a selected State is deleted. With
    ``brainstate_core.catch_new_states(tag)``, pass the tag to take out the States that
    a block created.

    Args:
        node: A Node (or container).
        *filters: At least one; each selects States (the first filter that selects a
            State gets it).

    Returns:
        A :class:`NestedDict` of the removed live States per filter (one, or a tuple).

    Raises:
        GraphError: Without filters, or when a selected State sits in a list or tuple
            (which cannot lose an entry); nothing is removed then.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_graph as graph
        >>> net = graph.Dict(w=bsc.ParamState(jnp.ones(1)))
        >>> with bsc.catch_new_states("new"):
        ...     net["v"] = bsc.HiddenState(jnp.zeros(1))
        >>> popped = graph.pop_states(net, "new")
        >>> list(popped), list(net.keys())
        (['v'], ['w'])
    """
    if not filters:
        raise GraphError("pop_states needs at least one filter (e.g. a State type or a tag).")
    root_kind = check_root(node)
    predicates = [to_predicate(f) for f in filters]
    groups: list[list[tuple[PathParts, Any]]] = [[] for _ in predicates]
    decided: dict[int, bool] = {}
    removals: list[tuple[Any, int, Any, PathParts]] = []
    seen_nodes = {id(node)}

    def visit(owner: Any, owner_kind: int, path: PathParts) -> None:
        for key, v in list(node_items(owner, owner_kind)):
            k = kind_of(type(v))
            if k == STATIC:
                continue
            p = (*path, key)
            if k == STATE:
                chosen = decided.get(id(v))
                if chosen is None:
                    chosen = False
                    for group, pred in zip(groups, predicates):
                        if pred(p, v):
                            group.append((p, v))
                            chosen = True
                            break
                    decided[id(v)] = chosen
                if chosen:
                    removals.append((owner, owner_kind, key, p))
            elif k == NODE or k == CNODE:
                if id(v) not in seen_nodes:
                    seen_nodes.add(id(v))
                    visit(v, k, p)
            else:
                visit(v, k, p)

    try:
        visit(node, root_kind, ())
    except RecursionError:
        raise too_deep(type(node).__name__) from None
    for owner, owner_kind, _key, path in removals:
        if owner_kind not in (NODE, CNODE, DICT, MAP):
            raise GraphError(
                f"pop_states cannot remove the State at {path!r}: it sits in a "
                f"{type(owner).__name__}, which cannot lose an entry. Keep such States in a "
                "Node attribute or a dict, or use graph.List / graph.Dict."
            )
    for owner, owner_kind, key, _path in reversed(removals):  # later list items first
        if owner_kind == NODE:
            del owner.__dict__[key]
        elif owner_kind == CNODE:
            owner.__graph_pop_item__(key)
        else:
            del owner[key]
    out = [NestedDict.from_flat(g) for g in groups]
    return out[0] if len(out) == 1 else tuple(out)


def clone(node: A, /) -> A:
    """A deep copy of a graph with new States (same values, types, names and metadata).

    Sharing and cycles are kept inside the copy; nothing is shared with the original
    except plain (static) attribute values.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_graph as graph
        >>> net = graph.Dict(w=bsc.ParamState(jnp.zeros(1)))
        >>> net["tied"] = net["w"]
        >>> copy = graph.clone(net)
        >>> copy["w"] is net["w"], copy["tied"] is copy["w"]
        (False, True)
    """
    gd, state = flatten_graph(node, LIVE)
    return unflatten_graph(gd, state, copy_states=True)  # type: ignore[arg-type]


def iter_leaf(
    node: Any, /, allowed_hierarchy: tuple[int, int] = (0, MAX_LEVEL)
) -> Iterator[tuple[PathParts, Any]]:
    """Iterate ``(path, leaf)`` over the leaves: States and plain values, in walk order.

    Containers are walked into (a tuple attribute ``(2,)`` gives the leaf ``2`` at
    ``(..., 0)``); a Node or State met again is skipped.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_graph as graph
        >>> class Net(graph.Node):
        ...     def __init__(self):
        ...         self.size = 3
        ...         self.sub = graph.Dict(w=bsc.ParamState(jnp.ones(3)))
        >>> [p for p, _ in graph.iter_leaf(Net())]
        [('size',), ('sub', 'w')]
        >>> [p for p, _ in graph.iter_leaf(Net(), allowed_hierarchy=(0, 0))]
        [('size',)]
    """
    lo, hi = _window(allowed_hierarchy)
    root_kind = check_root(node)
    seen = {id(node)}

    def walk(items: Any, path: PathParts, level: int) -> Iterator[tuple[PathParts, Any]]:
        for key, v in items:
            k = kind_of(type(v))
            p = (*path, key)
            if k == NODE or k == CNODE:
                if level < hi and id(v) not in seen:
                    seen.add(id(v))
                    yield from walk(node_items(v, k), p, level + 1)
            elif k == STATE:
                if level >= lo and id(v) not in seen:
                    seen.add(id(v))
                    yield p, v
            elif k == STATIC:
                if level >= lo:
                    yield p, v
            else:
                yield from walk(node_items(v, k), p, level)

    yield from walk(node_items(node, root_kind), (), 0)


def iter_node(
    node: Any, /, allowed_hierarchy: tuple[int, int] = (0, MAX_LEVEL)
) -> Iterator[tuple[PathParts, Any]]:
    """Iterate ``(path, node)`` over the Nodes, parents before children.

    The root (a Node) comes first, at path ``()`` and level 0, unless the window excludes
    it.

    Examples:
        >>> import brainstate_graph as graph
        >>> net = graph.List([graph.Dict(), graph.Dict()])
        >>> [p for p, _ in graph.iter_node(net)]
        [(), (0,), (1,)]
        >>> [p for p, _ in graph.iter_node(net, allowed_hierarchy=(1, 1))]
        [(0,), (1,)]
    """
    lo, hi = _window(allowed_hierarchy)
    root_kind = check_root(node)
    seen = {id(node)}

    def walk(items: Any, path: PathParts, level: int) -> Iterator[tuple[PathParts, Any]]:
        for key, v in items:
            k = kind_of(type(v))
            if k == NODE or k == CNODE:
                if level < hi and id(v) not in seen:
                    seen.add(id(v))
                    p = (*path, key)
                    if level + 1 >= lo:
                        yield p, v
                    yield from walk(node_items(v, k), p, level + 1)
            elif k != STATE and k != STATIC:
                yield from walk(node_items(v, k), (*path, key), level)

    if lo == 0 and isinstance(node, Node):
        yield (), node
    yield from walk(node_items(node, root_kind), (), 0)


class _CallProxy:
    """``call((graphdef, state)).a.b[0].method(*args)``: see :func:`call`."""

    __slots__ = ("_graphdef_state", "_path")

    def __init__(self, graphdef_state: tuple, path: tuple) -> None:
        self._graphdef_state = graphdef_state
        self._path = path

    def __getattr__(self, name: str) -> _CallProxy:
        if name.startswith("__"):
            raise AttributeError(name)
        return _CallProxy(self._graphdef_state, (*self._path, (True, name)))

    def __getitem__(self, key: Any) -> _CallProxy:
        return _CallProxy(self._graphdef_state, (*self._path, (False, key)))

    def __call__(self, *args: Any, **kwargs: Any) -> tuple[Any, tuple[GraphDef, NestedDict]]:
        graphdef, *state = self._graphdef_state
        obj = treefy_merge(graphdef, *state)
        target = obj
        for is_attr, name in self._path:
            target = getattr(target, name) if is_attr else target[name]
        out = target(*args, **kwargs)
        new_graphdef, new_state = flatten(obj)
        return out, (new_graphdef, new_state)

    def __repr__(self) -> str:
        text = "".join(f".{n}" if a else f"[{n!r}]" for a, n in self._path)
        return f"call(<{self._graphdef_state[0].type.__name__}>){text}"


def call(graphdef_state: tuple[GraphDef, NestedDict] | tuple[Any, ...], /) -> Any:
    """A functional proxy: call a method of a split graph and get the new split back.

    ``call((graphdef, state)).method(*args)`` rebuilds the graph from ``(graphdef,
    state)``, calls ``method`` on it (attribute and item access chain:
    ``.layers[0].method``; call the proxy itself for ``__call__``) and returns
    ``(out, (graphdef, new_state))``. Nothing outside is modified, so it is a pure
    function of its inputs: usable inside ``jax.jit`` and other JAX transforms.

    Args:
        graphdef_state: ``(graphdef, state, *more_states)`` as :func:`treefy_split` returns.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_graph as graph
        >>> class Counter(graph.Node):
        ...     def __init__(self):
        ...         self.n = bsc.State(jnp.zeros(()))
        ...     def inc(self, k):
        ...         self.n.value = self.n.value + k
        ...         return self.n.value
        >>> gd, st = graph.treefy_split(Counter())
        >>> out, (gd, st) = graph.call((gd, st)).inc(2.0)
        >>> float(out), float(st["n"].value)
        (2.0, 2.0)
    """
    if (
        not isinstance(graphdef_state, tuple)
        or len(graphdef_state) < 2
        or not isinstance(graphdef_state[0], GraphDef)
    ):
        raise GraphError(
            "call() expects a tuple (graphdef, state, *states) as returned by treefy_split, "
            f"got {type(graphdef_state).__name__}."
        )
    return _CallProxy(graphdef_state, ())
