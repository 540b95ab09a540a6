"""``bst.environ``: global settings: time step, precision, platform, mode.

The same objects as :mod:`brainstate_core.environ`: ``bst.environ.X is brainstate_core.environ.X``.
"""

from brainstate_core.environ import *  # noqa: F403
from brainstate_core.environ import __all__ as __all__
