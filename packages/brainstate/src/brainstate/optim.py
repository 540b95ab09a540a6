"""``bst.optim``: optimizers (on optax) and learning-rate schedulers (brainstate-nn).

The same objects as :mod:`brainstate_nn.optim`: ``bst.optim.X is brainstate_nn.optim.X``.
"""

from brainstate_nn.optim import *  # noqa: F403
from brainstate_nn.optim import __all__ as __all__
