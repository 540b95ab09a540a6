"""``bst.augment``: State-aware grad, vmap, pmap and shard_map (brainstate-augment).

The same objects as :mod:`brainstate_augment`: ``bst.augment.X is brainstate_augment.X``.
"""

from brainstate_augment import *  # noqa: F403
from brainstate_augment import __all__ as __all__
