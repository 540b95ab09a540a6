"""Surrogate-gradient spike functions (``bst.surrogate``, ``bst.nn.surrogate``).

Each surrogate is a Heaviside step in the forward pass (``1`` where ``x >= 0``, else ``0``,
in the dtype of ``x``) whose derivative is replaced by a smooth surrogate, so that spiking
networks can be trained by gradient descent. Each comes as a class, whose instances are
callables (``Sigmoid(alpha=4.)(x)``, the form neurons take as ``spk_fun``), and as a function
(``sigmoid(x, alpha=4.)``); names, parameters and defaults follow brainstate 0.1. Subclass
:class:`Surrogate` and implement ``surrogate_grad`` to write a new one.

Examples:
    >>> import jax
    >>> import jax.numpy as jnp
    >>> import brainstate_nn as nn
    >>> spike = nn.surrogate.Sigmoid(alpha=4.0)
    >>> x = jnp.array([-0.5, 0.0, 0.5])
    >>> spike(x)
    Array([0., 1., 1.], dtype=float32)
    >>> grads = jax.grad(lambda v: spike(v).sum())(x)
    >>> [round(g, 3) for g in grads.tolist()]
    [0.42, 1.0, 0.42]
"""

from ._src.surrogate.base import Surrogate, SurrogateError
from ._src.surrogate.kernels import (
    GaussianGrad,
    InvSquareGrad,
    MultiGaussianGrad,
    ReluGrad,
    SlayerGrad,
    gaussian_grad,
    inv_square_grad,
    multi_gaussian_grad,
    relu_grad,
    slayer_grad,
)
from ._src.surrogate.piecewise import (
    LeakyRelu,
    LogTailedRelu,
    PiecewiseExp,
    PiecewiseLeakyRelu,
    PiecewiseQuadratic,
    SquarewaveFourierSeries,
    leaky_relu,
    log_tailed_relu,
    piecewise_exp,
    piecewise_leaky_relu,
    piecewise_quadratic,
    squarewave_fourier_series,
)
from ._src.surrogate.smooth import (
    ERF,
    S2NN,
    Arctan,
    NonzeroSignLog,
    QPseudoSpike,
    Sigmoid,
    SoftSign,
    arctan,
    erf,
    nonzero_sign_log,
    q_pseudo_spike,
    s2nn,
    sigmoid,
    soft_sign,
)

__all__ = [
    # the base class and its error
    "Surrogate",
    "SurrogateError",
    # surrogates with a surrogate function: class, function
    "Sigmoid",
    "sigmoid",
    "PiecewiseQuadratic",
    "piecewise_quadratic",
    "PiecewiseExp",
    "piecewise_exp",
    "SoftSign",
    "soft_sign",
    "Arctan",
    "arctan",
    "NonzeroSignLog",
    "nonzero_sign_log",
    "ERF",
    "erf",
    "PiecewiseLeakyRelu",
    "piecewise_leaky_relu",
    "SquarewaveFourierSeries",
    "squarewave_fourier_series",
    "S2NN",
    "s2nn",
    "QPseudoSpike",
    "q_pseudo_spike",
    "LeakyRelu",
    "leaky_relu",
    "LogTailedRelu",
    "log_tailed_relu",
    # surrogates defined by their gradient only
    "ReluGrad",
    "relu_grad",
    "GaussianGrad",
    "gaussian_grad",
    "InvSquareGrad",
    "inv_square_grad",
    "MultiGaussianGrad",
    "multi_gaussian_grad",
    "SlayerGrad",
    "slayer_grad",
]

from brainstate_core.extend import set_public_module as _set_public_module

_set_public_module(globals(), __all__, __name__)
