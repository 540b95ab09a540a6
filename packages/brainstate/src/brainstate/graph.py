"""``bst.graph``: the PyGraph object system (brainstate-graph).

The same objects as :mod:`brainstate_graph`: ``bst.graph.X is brainstate_graph.X``.
"""

from brainstate_graph import *  # noqa: F403
from brainstate_graph import __all__ as __all__
