"""Parameter and state initializers (public home: :mod:`brainstate_nn.init`)."""

from .base import Initializer, to_size
from .generic import noise, param, state
from .random_inits import (
    DeltaOrthogonal,
    KaimingNormal,
    KaimingUniform,
    LecunNormal,
    LecunUniform,
    Normal,
    Orthogonal,
    TruncatedNormal,
    Uniform,
    VarianceScaling,
    XavierNormal,
    XavierUniform,
)
from .regular_inits import Constant, Identity, ZeroInit

__all__ = [
    "param",
    "state",
    "noise",
    "to_size",
    "Initializer",
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
    "ZeroInit",
    "Constant",
    "Identity",
]
