"""Computing modes and small mixins shared by all of brainstate (``bst.mixin``).

Examples:
    >>> from brainstate_core import mixin
    >>> mode = mixin.JointMode(mixin.Batching(8), mixin.Training())
    >>> mode.has(mixin.Training), mode.batch_size
    (True, 8)
"""

from ._src.mixin import (
    AlignPost,
    Batching,
    BindCondData,
    JointMode,
    Mixin,
    Mode,
    ParamDesc,
    ParamDescriber,
    Training,
)

__all__ = [
    # computing modes
    "Mode",
    "Training",
    "Batching",
    "JointMode",
    # mixins
    "Mixin",
    "AlignPost",
    "BindCondData",
    "ParamDesc",
    "ParamDescriber",
]

from ._src.public_module import set_public_module as _set_public_module

_set_public_module(globals(), __all__, __name__)
