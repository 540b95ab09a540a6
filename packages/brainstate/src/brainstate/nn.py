"""``bst.nn``: modules, layers, neurons and synapses (brainstate-nn).

The same objects as :mod:`brainstate_nn`: ``bst.nn.X is brainstate_nn.X``.
"""

from brainstate_nn import *  # noqa: F403
from brainstate_nn import __all__ as __all__
