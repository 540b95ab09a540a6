"""Stateless functions on arrays (``bst.functional``): activations, ``weight_standardization``,
``clip_grad_norm`` and bitwise logic on spikes.

Examples:
    >>> import jax.numpy as jnp
    >>> import brainstate_nn as nn
    >>> nn.functional.relu(jnp.array([-1.0, 1.0])).tolist()
    [0.0, 1.0]
"""

from brainstate_core.extend import set_public_module as _set_public_module

from ._src.functional.activations import (
    celu as celu,
    elu as elu,
    gelu as gelu,
    glu as glu,
    hard_shrink as hard_shrink,
    hard_sigmoid as hard_sigmoid,
    hard_silu as hard_silu,
    hard_swish as hard_swish,
    hard_tanh as hard_tanh,
    leaky_relu as leaky_relu,
    log_sigmoid as log_sigmoid,
    log_softmax as log_softmax,
    logsumexp as logsumexp,
    mish as mish,
    one_hot as one_hot,
    prelu as prelu,
    relu as relu,
    relu6 as relu6,
    rrelu as rrelu,
    selu as selu,
    sigmoid as sigmoid,
    silu as silu,
    soft_shrink as soft_shrink,
    soft_sign as soft_sign,
    softmax as softmax,
    softmin as softmin,
    softplus as softplus,
    sparse_plus as sparse_plus,
    sparse_sigmoid as sparse_sigmoid,
    squareplus as squareplus,
    standardize as standardize,
    swish as swish,
    tanh as tanh,
    tanh_shrink as tanh_shrink,
)
from ._src.functional.normalization import (
    clip_grad_norm as clip_grad_norm,
    weight_standardization as weight_standardization,
)
from ._src.functional.spikes import (
    spike_bitwise as spike_bitwise,
    spike_bitwise_and as spike_bitwise_and,
    spike_bitwise_iand as spike_bitwise_iand,
    spike_bitwise_ixor as spike_bitwise_ixor,
    spike_bitwise_not as spike_bitwise_not,
    spike_bitwise_or as spike_bitwise_or,
    spike_bitwise_xor as spike_bitwise_xor,
)

__all__ = [
    # activations
    "relu",
    "relu6",
    "leaky_relu",
    "prelu",
    "rrelu",
    "elu",
    "celu",
    "selu",
    "gelu",
    "glu",
    "silu",
    "swish",
    "mish",
    "sigmoid",
    "log_sigmoid",
    "tanh",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "hard_shrink",
    "soft_shrink",
    "tanh_shrink",
    "softplus",
    "soft_sign",
    "squareplus",
    "sparse_plus",
    "sparse_sigmoid",
    "softmax",
    "softmin",
    "log_softmax",
    "logsumexp",
    "standardize",
    "one_hot",
    # normalization and gradients
    "weight_standardization",
    "clip_grad_norm",
    # spikes
    "spike_bitwise",
    "spike_bitwise_or",
    "spike_bitwise_and",
    "spike_bitwise_iand",
    "spike_bitwise_not",
    "spike_bitwise_xor",
    "spike_bitwise_ixor",
]

_set_public_module(globals(), __all__, __name__)
