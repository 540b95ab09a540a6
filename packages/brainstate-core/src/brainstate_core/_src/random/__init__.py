"""Random numbers: :class:`RandomState` (a State holding a JAX key) and NumPy-style draws.

See :mod:`brainstate_core.random` for the public surface.
"""

from ._functions import *  # noqa: F403
from ._functions import __all__ as _function_names
from ._state import *  # noqa: F403
from ._state import __all__ as _state_names

__all__ = [*_state_names, *_function_names]
