"""Random numbers: :class:`RandomState` (a State holding a JAX key) and NumPy-style draws.

See :mod:`brainstate_core.random` for the public surface.
"""

from . import _functions, _state
from ._functions import *  # noqa: F403
from ._state import *  # noqa: F403

__all__ = []
__all__ += _state.__all__
__all__ += _functions.__all__
