"""``bst.event``: event-driven synaptic operators (brainstate-event).

The same objects as :mod:`brainstate_event`: ``bst.event.X is brainstate_event.X``.
"""

from brainstate_event import *  # noqa: F403
from brainstate_event import __all__ as __all__
