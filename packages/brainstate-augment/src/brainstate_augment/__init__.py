"""Autodiff, batching and multi-device parallelism over States.

Part of the brainstate framework; most users ``import brainstate as bst`` and reach this
package as ``bst.augment``.
"""

from importlib.metadata import version as _version

__version__ = _version("brainstate-augment")

__all__: list[str] = []
