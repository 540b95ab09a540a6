"""``bst.mixin``: computation modes (Training, Batching, JointMode) and small mixins.

The same objects as :mod:`brainstate_core.mixin`: ``bst.mixin.X is brainstate_core.mixin.X``.
"""

from brainstate_core.mixin import *  # noqa: F403
from brainstate_core.mixin import __all__ as __all__
