"""State-aware ``jit``, loops and branches that compile whole simulations into one XLA program.

Part of the brainstate framework; most users ``import brainstate as bst`` and reach this
package as ``bst.compile``.
"""

from importlib.metadata import version as _version

__version__ = _version("brainstate-compile")

__all__: list[str] = []
