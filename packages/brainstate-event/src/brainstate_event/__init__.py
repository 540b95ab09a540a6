"""Event-driven sparse synaptic operators (``FixedProb``, CSR, ...) with CPU and GPU kernels.

Part of the brainstate framework; most users ``import brainstate as bst`` and reach this
package as ``bst.event``.
"""

from importlib.metadata import version as _version

__version__ = _version("brainstate-event")

__all__: list[str] = []
