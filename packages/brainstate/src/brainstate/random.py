"""``bst.random``: NumPy-style random numbers that are pure functions of a JAX key.

The same objects as :mod:`brainstate_core.random`: ``bst.random.X is brainstate_core.random.X``.
"""

from brainstate_core.random import *  # noqa: F403
from brainstate_core.random import __all__ as __all__
