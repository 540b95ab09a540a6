"""``bst.functional``: activations and other stateless functions (brainstate-nn).

The same objects as :mod:`brainstate_nn.functional`: ``bst.functional.X is
brainstate_nn.functional.X``.
"""

from brainstate_nn.functional import *  # noqa: F403
from brainstate_nn.functional import __all__ as __all__
