"""``bst.typing``: type aliases.

The same objects as :mod:`brainstate_core.typing`: ``bst.typing.X is brainstate_core.typing.X``.
"""

from brainstate_core.typing import *  # noqa: F403
from brainstate_core.typing import __all__ as __all__
