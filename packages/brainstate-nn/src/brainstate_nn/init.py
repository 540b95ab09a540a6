"""Parameter and state initializers (``bst.init``).

Initializers are callables ``init(shape, dtype=None)``; :func:`param` and :func:`state`
turn an initializer, an array or a scalar into a parameter or a State of a given shape.
Random initializers draw from :data:`brainstate_core.random.DEFAULT` (seed it with
``bsc.random.seed``) unless given their own ``seed`` or ``rng``. All accept ``unit=``
(a brainunit unit) for values with physical units.

Examples:
    >>> import brainstate_core as bsc
    >>> import brainstate_nn as nn
    >>> bsc.random.seed(0)
    >>> w = nn.init.param(nn.init.KaimingNormal(), (784, 100))
    >>> w.shape
    (784, 100)
"""

from brainstate_core.extend import set_public_module as _set_public_module

from ._src.init import (
    Constant as Constant,
    DeltaOrthogonal as DeltaOrthogonal,
    Identity as Identity,
    Initializer as Initializer,
    KaimingNormal as KaimingNormal,
    KaimingUniform as KaimingUniform,
    LecunNormal as LecunNormal,
    LecunUniform as LecunUniform,
    Normal as Normal,
    Orthogonal as Orthogonal,
    TruncatedNormal as TruncatedNormal,
    Uniform as Uniform,
    VarianceScaling as VarianceScaling,
    XavierNormal as XavierNormal,
    XavierUniform as XavierUniform,
    ZeroInit as ZeroInit,
    noise as noise,
    param as param,
    state as state,
    to_size as to_size,
)

__all__ = [
    # building parameters and States
    "param",
    "state",
    "noise",
    "to_size",
    # the base class
    "Initializer",
    # random
    "Normal",
    "TruncatedNormal",
    "Uniform",
    "VarianceScaling",
    "KaimingUniform",
    "KaimingNormal",
    "XavierUniform",
    "XavierNormal",
    "LecunUniform",
    "LecunNormal",
    "Orthogonal",
    "DeltaOrthogonal",
    # regular
    "ZeroInit",
    "Constant",
    "Identity",
]

_set_public_module(globals(), __all__, __name__)
