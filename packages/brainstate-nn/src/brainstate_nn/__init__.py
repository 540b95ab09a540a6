"""Modules, layers, neurons, synapses, projections, surrogate gradients, init and optim.

Part of the brainstate framework; most users ``import brainstate as bst`` and reach this
package as ``bst.nn``.
"""

from importlib.metadata import version as _version

__version__ = _version("brainstate-nn")

__all__: list[str] = []
