"""``bst.init``: parameter and state initializers (brainstate-nn).

The same objects as :mod:`brainstate_nn.init`: ``bst.init.X is brainstate_nn.init.X``.
"""

from brainstate_nn.init import *  # noqa: F403
from brainstate_nn.init import __all__ as __all__
