"""``bst.compile``: State-aware jit, loops and branches (brainstate-compile).

The same objects as :mod:`brainstate_compile`: ``bst.compile.X is brainstate_compile.X``.
"""

from brainstate_compile import *  # noqa: F403
from brainstate_compile import __all__ as __all__
