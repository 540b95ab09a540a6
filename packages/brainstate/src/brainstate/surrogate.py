"""``bst.surrogate``: surrogate-gradient spike functions (brainstate-nn).

The same objects as :mod:`brainstate_nn.surrogate`: ``bst.surrogate.X is
brainstate_nn.surrogate.X``.
"""

from brainstate_nn.surrogate import *  # noqa: F403
from brainstate_nn.surrogate import __all__ as __all__
