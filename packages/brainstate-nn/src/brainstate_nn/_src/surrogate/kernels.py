"""Surrogates defined by their gradient kernel only (no ``surrogate_fun``).

``ReluGrad``, ``GaussianGrad``, ``MultiGaussianGrad``, ``InvSquareGrad``, ``SlayerGrad`` and
their function forms.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from .base import Surrogate, check_positive

__all__ = [
    "ReluGrad",
    "relu_grad",
    "GaussianGrad",
    "gaussian_grad",
    "MultiGaussianGrad",
    "multi_gaussian_grad",
    "InvSquareGrad",
    "inv_square_grad",
    "SlayerGrad",
    "slayer_grad",
]


def _normal_pdf(x: jax.Array, mean: ArrayLike, std: ArrayLike) -> jax.Array:
    return jnp.exp(-0.5 * ((x - mean) / std) ** 2) / (jnp.sqrt(2.0 * jnp.pi) * std)


class ReluGrad(Surrogate):
    r"""Heaviside spike with a triangular (ReLU-shaped) surrogate gradient (Neftci et al. 2019).

    .. math::

        g'(x) = \mathrm{ReLU}\left(\alpha (\mathrm{width} - |x|)\right)
              = \max\left(\alpha\, \mathrm{width} - \alpha |x|,\ 0\right).

    Args:
        alpha: the slope of the triangle's sides; its height is ``alpha * width``.
        width: the half-width of the triangle.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> spike = nn.surrogate.ReluGrad(alpha=0.5, width=1.0)
        >>> float(jax.grad(spike)(0.0)), float(jax.grad(spike)(0.5)), float(jax.grad(spike)(2.0))
        (0.5, 0.25, 0.0)
    """

    alpha: Any
    width: Any

    def __init__(self, alpha: ArrayLike = 0.3, width: ArrayLike = 1.0) -> None:
        self.alpha = alpha
        self.width = width

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        return jnp.maximum(self.alpha * self.width - self.alpha * jnp.abs(jnp.asarray(x)), 0.0)


def relu_grad(x: ArrayLike, alpha: ArrayLike = 0.3, width: ArrayLike = 1.0) -> jax.Array:
    """Heaviside spike of ``x`` with a triangular surrogate gradient (see :class:`ReluGrad`).

    Args:
        x: the input, a scaled distance to threshold.
        alpha: the slope of the triangle's sides.
        width: the half-width of the triangle.

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> float(jax.grad(nn.surrogate.relu_grad)(0.0, 1.0, 2.0))
        2.0
    """
    return ReluGrad(alpha=alpha, width=width)(x)


class GaussianGrad(Surrogate):
    r"""Heaviside spike with a Gaussian surrogate gradient (Yin et al. 2021).

    .. math::

        g'(x) = \alpha\, \mathcal{N}(x; 0, \sigma^2)
              = \frac{\alpha}{\sqrt{2\pi}\,\sigma} \exp\left(-\frac{x^2}{2\sigma^2}\right),

    a normal density scaled by :math:`\alpha` (so it integrates to :math:`\alpha`).

    brainstate 0.1 computed :math:`\exp(-x^2 \sigma^2 / 2)` in the exponent (multiplying by
    :math:`\sigma^2` where the density divides), a curve of width :math:`1/\sigma` normalised as
    if its width were :math:`\sigma`: with the defaults it was 4 times too wide and integrated to
    :math:`\alpha/\sigma^2 = 2` instead of 0.5. Here the gradient is the documented density,
    which changes gradients of models trained with brainstate 0.1's ``GaussianGrad``.

    Args:
        sigma: the standard deviation of the Gaussian, ``> 0``.
        alpha: the scale of the gradient (its integral).

    Raises:
        SurrogateError: if a concrete ``sigma`` is ``<= 0``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> spike = nn.surrogate.GaussianGrad(sigma=0.5, alpha=0.5)
        >>> round(float(jax.grad(spike)(0.0)), 4)  # 0.5 / (sqrt(2 pi) * 0.5)
        0.3989
    """

    sigma: Any
    alpha: Any

    def __init__(self, sigma: ArrayLike = 0.5, alpha: ArrayLike = 0.5) -> None:
        check_positive("GaussianGrad", "sigma", sigma)
        self.sigma = sigma
        self.alpha = alpha

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        return self.alpha * _normal_pdf(jnp.asarray(x), 0.0, self.sigma)


def gaussian_grad(x: ArrayLike, sigma: ArrayLike = 0.5, alpha: ArrayLike = 0.5) -> jax.Array:
    """Heaviside spike of ``x`` with a Gaussian surrogate gradient (see :class:`GaussianGrad`).

    Args:
        x: the input, a scaled distance to threshold.
        sigma: the standard deviation of the Gaussian.
        alpha: the scale of the gradient (its integral).

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> round(float(jax.grad(nn.surrogate.gaussian_grad)(0.0, 1.0, 1.0)), 4)
        0.3989
    """
    return GaussianGrad(sigma=sigma, alpha=alpha)(x)


class MultiGaussianGrad(Surrogate):
    r"""Heaviside spike with a difference-of-Gaussians surrogate gradient (Yin et al. 2021).

    .. math::

        g'(x) = \mathrm{scale} \left[(1 + h)\, \mathcal{N}(x; 0, \sigma^2)
            - h\, \mathcal{N}(x; \sigma, (s\sigma)^2)
            - h\, \mathcal{N}(x; -\sigma, (s\sigma)^2)\right],

    a central Gaussian with two wide negative side lobes; it integrates to
    :math:`\mathrm{scale}\,(1 - h)`.

    Args:
        h: the weight of the negative side lobes.
        s: the width of the side lobes relative to ``sigma``, ``> 0``.
        sigma: the standard deviation of the central Gaussian, ``> 0``.
        scale: the scale of the gradient.

    Raises:
        SurrogateError: if a concrete ``s`` or ``sigma`` is ``<= 0``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> spike = nn.surrogate.MultiGaussianGrad()
        >>> round(float(jax.grad(spike)(0.0)), 4)
        0.4391
    """

    h: Any
    s: Any
    sigma: Any
    scale: Any

    def __init__(
        self,
        h: ArrayLike = 0.15,
        s: ArrayLike = 6.0,
        sigma: ArrayLike = 0.5,
        scale: ArrayLike = 0.5,
    ) -> None:
        check_positive("MultiGaussianGrad", "s", s)
        check_positive("MultiGaussianGrad", "sigma", sigma)
        self.h = h
        self.s = s
        self.sigma = sigma
        self.scale = scale

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        wide = self.s * self.sigma
        center = _normal_pdf(x, 0.0, self.sigma)
        lobes = _normal_pdf(x, self.sigma, wide) + _normal_pdf(x, -self.sigma, wide)
        return self.scale * ((1.0 + self.h) * center - self.h * lobes)


def multi_gaussian_grad(
    x: ArrayLike,
    h: ArrayLike = 0.15,
    s: ArrayLike = 6.0,
    sigma: ArrayLike = 0.5,
    scale: ArrayLike = 0.5,
) -> jax.Array:
    """Heaviside spike with a difference-of-Gaussians surrogate (see :class:`MultiGaussianGrad`).

    Args:
        x: the input, a scaled distance to threshold.
        h: the weight of the negative side lobes.
        s: the width of the side lobes relative to ``sigma``.
        sigma: the standard deviation of the central Gaussian.
        scale: the scale of the gradient.

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.surrogate.multi_gaussian_grad(jnp.array([-0.1, 0.1]))
        Array([0., 1.], dtype=float32)
    """
    return MultiGaussianGrad(h=h, s=s, sigma=sigma, scale=scale)(x)


class InvSquareGrad(Surrogate):
    r"""Heaviside spike with an inverse-square surrogate gradient.

    .. math::

        g'(x) = \frac{1}{(\alpha |x| + 1)^2},

    which peaks at 1 and integrates to :math:`2 / \alpha`.

    Args:
        alpha: the sharpness (the default 100 gives a very narrow gradient).

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> spike = nn.surrogate.InvSquareGrad(alpha=100.0)
        >>> float(jax.grad(spike)(0.0)), round(float(jax.grad(spike)(0.01)), 4)
        (1.0, 0.25)
    """

    alpha: Any

    def __init__(self, alpha: ArrayLike = 100.0) -> None:
        self.alpha = alpha

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        return 1.0 / (self.alpha * jnp.abs(jnp.asarray(x)) + 1.0) ** 2


def inv_square_grad(x: ArrayLike, alpha: ArrayLike = 100.0) -> jax.Array:
    """Heaviside spike with an inverse-square surrogate gradient (see :class:`InvSquareGrad`).

    Args:
        x: the input, a scaled distance to threshold.
        alpha: the sharpness of the surrogate.

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> float(jax.grad(nn.surrogate.inv_square_grad)(1.0, 1.0))
        0.25
    """
    return InvSquareGrad(alpha=alpha)(x)


class SlayerGrad(Surrogate):
    r"""Heaviside spike with SLAYER's exponential surrogate gradient (Shrestha & Orchard 2018).

    .. math::

        g'(x) = e^{-\alpha |x|},

    which peaks at 1 and integrates to :math:`2 / \alpha`.

    Args:
        alpha: the decay rate of the gradient away from threshold.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> spike = nn.surrogate.SlayerGrad(alpha=1.0)
        >>> float(jax.grad(spike)(0.0)), round(float(jax.grad(spike)(1.0)), 4)
        (1.0, 0.3679)
    """

    alpha: Any

    def __init__(self, alpha: ArrayLike = 1.0) -> None:
        self.alpha = alpha

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        return jnp.exp(-self.alpha * jnp.abs(jnp.asarray(x)))


def slayer_grad(x: ArrayLike, alpha: ArrayLike = 1.0) -> jax.Array:
    """Heaviside spike with SLAYER's exponential surrogate gradient (see :class:`SlayerGrad`).

    Args:
        x: the input, a scaled distance to threshold.
        alpha: the decay rate of the gradient away from threshold.

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> float(jax.grad(nn.surrogate.slayer_grad)(0.0))
        1.0
    """
    return SlayerGrad(alpha=alpha)(x)
