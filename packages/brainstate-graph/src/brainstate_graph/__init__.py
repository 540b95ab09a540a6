"""PyGraph: ``Node``, graph flatten/unflatten with cycles and shared references, collections.

Part of the brainstate framework; most users ``import brainstate as bst`` and reach this
package as ``bst.graph``.

Public surface:

- :class:`Node`, the base class of graph objects, and the Node containers :class:`Dict`,
  :class:`List`, :class:`Sequential`;
- collecting: :func:`states`, :func:`nodes`, :func:`treefy_states`, :func:`iter_leaf`,
  :func:`iter_node`;
- splitting and rebuilding: :func:`flatten`, :func:`unflatten`, :func:`graphdef`,
  :func:`treefy_split`, :func:`treefy_merge`, :func:`clone`, :func:`call`, and
  :class:`GraphDef`;
- changing a graph in place: :func:`update_states`, :func:`pop_states`;
- the collections :class:`FlattedDict` and :class:`NestedDict`;
- filters: :func:`to_predicate`, :class:`OfType`, :class:`WithTag`, :class:`PathContains`,
  :class:`Not`, :class:`All`, :class:`Any`, :class:`Everything`, :class:`Nothing`;
- the error :class:`GraphError`.

Order: every walk is depth first, parents before children, a Node's attributes in
insertion order and containers by index or key; a shared Node or State appears once, at its
first path in that order.

Examples:
    >>> import jax.numpy as jnp
    >>> import brainstate_core as bsc
    >>> import brainstate_graph as graph
    >>> class Linear(graph.Node):
    ...     def __init__(self, din, dout):
    ...         self.w = bsc.ParamState(jnp.zeros((din, dout)))
    >>> class MLP(graph.Node):
    ...     def __init__(self):
    ...         self.layers = [Linear(2, 3), Linear(3, 1)]
    >>> list(graph.states(MLP()))
    [('layers', 0, 'w'), ('layers', 1, 'w')]
"""

from importlib.metadata import version as _version

from brainstate_core.extend import set_public_module as _set_public_module

from ._src.containers import Dict as Dict, List as List, Sequential as Sequential
from ._src.dicts import FlattedDict as FlattedDict, NestedDict as NestedDict
from ._src.errors import GraphError as GraphError
from ._src.filters import (
    All as All,
    Any as Any,
    Everything as Everything,
    Not as Not,
    Nothing as Nothing,
    OfType as OfType,
    PathContains as PathContains,
    WithTag as WithTag,
    to_predicate as to_predicate,
)
from ._src.flatten import flatten as flatten, graphdef as graphdef, unflatten as unflatten
from ._src.graphdef import GraphDef as GraphDef
from ._src.node import Node as Node
from ._src.operations import (
    call as call,
    clone as clone,
    iter_leaf as iter_leaf,
    iter_node as iter_node,
    nodes as nodes,
    pop_states as pop_states,
    states as states,
    treefy_merge as treefy_merge,
    treefy_split as treefy_split,
    treefy_states as treefy_states,
    update_states as update_states,
)

__version__ = _version("brainstate-graph")

__all__ = [
    # nodes
    "Node",
    "Dict",
    "List",
    "Sequential",
    # collecting
    "states",
    "nodes",
    "treefy_states",
    "iter_leaf",
    "iter_node",
    # splitting and rebuilding
    "flatten",
    "unflatten",
    "graphdef",
    "treefy_split",
    "treefy_merge",
    "clone",
    "call",
    "GraphDef",
    # changing in place
    "update_states",
    "pop_states",
    # collections
    "FlattedDict",
    "NestedDict",
    # filters
    "to_predicate",
    "OfType",
    "WithTag",
    "PathContains",
    "Not",
    "All",
    "Any",
    "Everything",
    "Nothing",
    # errors
    "GraphError",
]

_set_public_module(globals(), __all__, __name__)
