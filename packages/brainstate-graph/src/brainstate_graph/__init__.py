"""PyGraph object system: ``Node``, graph flatten/unflatten with cycles and shared references, state collections.

Part of the brainstate framework; most users ``import brainstate as bst`` and reach this
package as ``bst.graph``.
"""

from importlib.metadata import version as _version

__version__ = _version("brainstate-graph")

__all__: list[str] = []
