"""``bst.errors``: the error classes.

The same objects as :mod:`brainstate_core.errors`: ``bst.errors.X is brainstate_core.errors.X``.
"""

from brainstate_core.errors import *  # noqa: F403
from brainstate_core.errors import __all__ as __all__
