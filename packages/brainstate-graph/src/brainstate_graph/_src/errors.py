"""The error class of brainstate-graph."""

from __future__ import annotations

from brainstate_core import BrainStateError

__all__ = ["GraphError"]


class GraphError(BrainStateError, ValueError):
    """A graph of Nodes and States could not be flattened, rebuilt, split or updated.

    The message names the path in the model (``('layers', 0, 'weight')``) and the types
    involved. Usual causes and fixes:

    1. A filter list passed to ``treefy_split`` / ``NestedDict.split`` is not exhaustive:
       add ``...`` as the last filter to catch the remaining States.
    2. ``treefy_merge`` / ``unflatten`` got States that do not match the ``GraphDef`` (a
       missing or extra entry, a State of another type, a sub-mapping where a State was
       expected): split and merge the same model, or rebuild the GraphDef.
    3. A ``GraphDef`` was hashed (e.g. passed as a static argument of ``jax.jit``) while a
       Node holds an unhashable plain attribute such as a NumPy array or an object without
       ``__hash__``: wrap values that change in a ``State``, or store constants in a
       hashable form (a tuple, a frozenset).
    4. ``update_states`` / ``pop_states`` was given a path that the model does not have,
       or asked to remove a State held inside a tuple or list.
    5. A list, dict or tuple contains itself (only Nodes may form cycles).
    """
