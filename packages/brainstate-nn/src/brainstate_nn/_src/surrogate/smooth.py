"""Smooth sigmoid-like surrogates: each has a surrogate function rising from 0 to 1.

``Sigmoid``, ``SoftSign``, ``Arctan``, ``ERF``, ``NonzeroSignLog``, ``QPseudoSpike``, ``S2NN``
and their function forms.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import jax.scipy.special as jsp
from jax.typing import ArrayLike

from .base import Surrogate, SurrogateError

__all__ = [
    "Sigmoid",
    "sigmoid",
    "SoftSign",
    "soft_sign",
    "Arctan",
    "arctan",
    "NonzeroSignLog",
    "nonzero_sign_log",
    "ERF",
    "erf",
    "QPseudoSpike",
    "q_pseudo_spike",
    "S2NN",
    "s2nn",
]


class Sigmoid(Surrogate):
    r"""Heaviside spike with the derivative of a sigmoid as its surrogate gradient.

    .. math::

        g(x) = \sigma(\alpha x) = \frac{1}{1 + e^{-\alpha x}}, \qquad
        g'(x) = \alpha\, \sigma(\alpha x)\,(1 - \sigma(\alpha x)).

    Args:
        alpha: the steepness; the gradient peaks at :math:`\alpha / 4` and integrates to 1.

    Examples:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> spike = nn.surrogate.Sigmoid(alpha=4.0)
        >>> spike(jnp.array([-0.5, 0.0, 0.5]))
        Array([0., 1., 1.], dtype=float32)
        >>> float(jax.grad(spike)(0.0))
        1.0
    """

    alpha: Any

    def __init__(self, alpha: ArrayLike = 4.0) -> None:
        self.alpha = alpha

    def surrogate_fun(self, x: ArrayLike) -> jax.Array:
        return jsp.expit(self.alpha * x)

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        s = jsp.expit(self.alpha * x)
        return self.alpha * s * (1.0 - s)


def sigmoid(x: ArrayLike, alpha: ArrayLike = 4.0) -> jax.Array:
    """Heaviside spike of ``x`` with the sigmoid surrogate gradient (see :class:`Sigmoid`).

    Args:
        x: the input, a scaled distance to threshold.
        alpha: the steepness of the surrogate.

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> float(nn.surrogate.sigmoid(0.3)), float(jax.grad(nn.surrogate.sigmoid)(0.0, 2.0))
        (1.0, 0.5)
    """
    return Sigmoid(alpha=alpha)(x)


class SoftSign(Surrogate):
    r"""Heaviside spike with the derivative of a soft sign as its surrogate gradient.

    .. math::

        g(x) = \frac{1}{2}\left(\frac{\alpha x}{1 + |\alpha x|} + 1\right), \qquad
        g'(x) = \frac{\alpha}{2 (1 + |\alpha x|)^2}.

    Args:
        alpha: the steepness; the gradient peaks at :math:`\alpha / 2` and integrates to 1.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> spike = nn.surrogate.SoftSign(alpha=1.0)
        >>> float(jax.grad(spike)(0.0)), float(jax.grad(spike)(1.0))
        (0.5, 0.125)
    """

    alpha: Any

    def __init__(self, alpha: ArrayLike = 1.0) -> None:
        self.alpha = alpha

    def surrogate_fun(self, x: ArrayLike) -> jax.Array:
        ax = self.alpha * jnp.asarray(x)
        return 0.5 * ax / (1.0 + jnp.abs(ax)) + 0.5

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        return 0.5 * self.alpha / (1.0 + jnp.abs(self.alpha * jnp.asarray(x))) ** 2


def soft_sign(x: ArrayLike, alpha: ArrayLike = 1.0) -> jax.Array:
    """Heaviside spike of ``x`` with the soft-sign surrogate gradient (see :class:`SoftSign`).

    Args:
        x: the input, a scaled distance to threshold.
        alpha: the steepness of the surrogate.

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> float(jax.grad(nn.surrogate.soft_sign)(0.0, 2.0))
        1.0
    """
    return SoftSign(alpha=alpha)(x)


class Arctan(Surrogate):
    r"""Heaviside spike with the derivative of an arctangent as its surrogate gradient.

    .. math::

        g(x) = \frac{1}{\pi} \arctan\left(\frac{\pi}{2} \alpha x\right) + \frac{1}{2}, \qquad
        g'(x) = \frac{\alpha}{2 \left(1 + (\frac{\pi}{2} \alpha x)^2\right)}.

    brainstate 0.1's ``surrogate_fun`` called ``arctan2`` with one argument and failed; here it
    is the function above. The gradient is unchanged.

    Args:
        alpha: the steepness; the gradient peaks at :math:`\alpha / 2` and integrates to 1.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> spike = nn.surrogate.Arctan()
        >>> float(jax.grad(spike)(0.0)), float(spike.surrogate_fun(0.0))
        (0.5, 0.5)
    """

    alpha: Any

    def __init__(self, alpha: ArrayLike = 1.0) -> None:
        self.alpha = alpha

    def surrogate_fun(self, x: ArrayLike) -> jax.Array:
        return jnp.arctan(jnp.pi / 2 * self.alpha * jnp.asarray(x)) / jnp.pi + 0.5

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        return 0.5 * self.alpha / (1.0 + (jnp.pi / 2 * self.alpha * jnp.asarray(x)) ** 2)


def arctan(x: ArrayLike, alpha: ArrayLike = 1.0) -> jax.Array:
    """Heaviside spike of ``x`` with the arctangent surrogate gradient (see :class:`Arctan`).

    Args:
        x: the input, a scaled distance to threshold.
        alpha: the steepness of the surrogate.

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.surrogate.arctan(jnp.array([-2.0, 2.0]))
        Array([0., 1.], dtype=float32)
    """
    return Arctan(alpha=alpha)(x)


class NonzeroSignLog(Surrogate):
    r"""Heaviside spike with the derivative of a signed logarithm as its surrogate gradient.

    .. math::

        g(x) = \mathrm{NonzeroSign}(x) \log(1 + |\alpha x|), \qquad
        g'(x) = \frac{\alpha}{1 + |\alpha x|} = \frac{1}{\frac{1}{\alpha} + |x|},

    where :math:`\mathrm{NonzeroSign}(x)` is ``1`` for ``x >= 0`` and ``-1`` otherwise. The
    gradient is cheap to compute but heavy-tailed (it does not integrate to a finite value).

    Args:
        alpha: the steepness; the gradient peaks at :math:`\alpha`.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> float(jax.grad(nn.surrogate.NonzeroSignLog(alpha=1.0))(1.0))
        0.5
    """

    alpha: Any

    def __init__(self, alpha: ArrayLike = 1.0) -> None:
        self.alpha = alpha

    def surrogate_fun(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        return jnp.where(x < 0, -1.0, 1.0) * jnp.log1p(jnp.abs(self.alpha * x))

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        return self.alpha / (1.0 + jnp.abs(self.alpha * jnp.asarray(x)))


def nonzero_sign_log(x: ArrayLike, alpha: ArrayLike = 1.0) -> jax.Array:
    """Heaviside spike with the signed-log surrogate gradient (see :class:`NonzeroSignLog`).

    Args:
        x: the input, a scaled distance to threshold.
        alpha: the steepness of the surrogate.

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> float(jax.grad(nn.surrogate.nonzero_sign_log)(0.0, 3.0))
        3.0
    """
    return NonzeroSignLog(alpha=alpha)(x)


class ERF(Surrogate):
    r"""Heaviside spike with the derivative of the error function as its surrogate gradient.

    .. math::

        g(x) = \frac{1}{2} \operatorname{erfc}(-\alpha x)
             = \frac{1}{\sqrt{\pi}} \int_{-\infty}^{\alpha x} e^{-t^2} \, dt, \qquad
        g'(x) = \frac{\alpha}{\sqrt{\pi}} e^{-\alpha^2 x^2},

    a Gaussian density of standard deviation :math:`1 / (\sqrt{2}\alpha)`. brainstate 0.1's
    ``surrogate_fun`` returned :math:`\frac{1}{2}\operatorname{erf}(-\alpha x)`, which decreases
    and is not an antiderivative of the gradient; here it is the function above. The gradient is
    unchanged.

    Args:
        alpha: the steepness; the gradient peaks at :math:`\alpha / \sqrt{\pi}`.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> spike = nn.surrogate.ERF()
        >>> round(float(jax.grad(spike)(0.0)), 4), float(spike.surrogate_fun(0.0))
        (0.5642, 0.5)
    """

    alpha: Any

    def __init__(self, alpha: ArrayLike = 1.0) -> None:
        self.alpha = alpha

    def surrogate_fun(self, x: ArrayLike) -> jax.Array:
        return 0.5 * jsp.erfc(-self.alpha * jnp.asarray(x))

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        return self.alpha / jnp.sqrt(jnp.pi) * jnp.exp(-((self.alpha * x) ** 2))


def erf(x: ArrayLike, alpha: ArrayLike = 1.0) -> jax.Array:
    """Heaviside spike of ``x`` with the error-function surrogate gradient (see :class:`ERF`).

    Args:
        x: the input, a scaled distance to threshold.
        alpha: the steepness of the surrogate.

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> round(float(jax.grad(nn.surrogate.erf)(0.0, 2.0)), 4)
        1.1284
    """
    return ERF(alpha=alpha)(x)


class QPseudoSpike(Surrogate):
    r"""Heaviside spike with the q-PseudoSpike surrogate gradient (Herranz-Celotti & Rouat).

    .. math::

        g(x) = \begin{cases}
            \frac{1}{2} \left(1 + \frac{2|x|}{\alpha - 1}\right)^{1 - \alpha}, & x < 0 \\
            1 - \frac{1}{2} \left(1 + \frac{2|x|}{\alpha - 1}\right)^{1 - \alpha}, & x \ge 0
        \end{cases}, \qquad
        g'(x) = \left(1 + \frac{2|x|}{\alpha - 1}\right)^{-\alpha}.

    The tail of the gradient fattens as :math:`\alpha` decreases towards 1; it peaks at 1 and
    integrates to 1. brainstate 0.1 divided by :math:`\alpha + 1` in the gradient (not the
    derivative of its own ``surrogate_fun``, and not the published formula) and wrote
    :math:`1 - \frac{2|x|}{\alpha - 1}` in ``surrogate_fun`` for ``x < 0``; both are fixed here.

    Args:
        alpha: the tail parameter, ``> 1``.

    Raises:
        SurrogateError: if a concrete ``alpha`` is ``<= 1``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> spike = nn.surrogate.QPseudoSpike(alpha=2.0)
        >>> float(jax.grad(spike)(0.0)), float(jax.grad(spike)(0.5))
        (1.0, 0.25)
    """

    alpha: Any

    def __init__(self, alpha: ArrayLike = 2.0) -> None:
        if isinstance(alpha, (int, float)) and not alpha > 1:
            raise SurrogateError(
                "QPseudoSpike: alpha must be > 1 (the formula divides by alpha - 1), "
                f"got {alpha!r}."
            )
        self.alpha = alpha

    def _base(self, x: ArrayLike) -> jax.Array:
        return 1.0 + 2.0 / (self.alpha - 1.0) * jnp.abs(jnp.asarray(x))

    def surrogate_fun(self, x: ArrayLike) -> jax.Array:
        tail = 0.5 * self._base(x) ** (1.0 - self.alpha)
        return jnp.where(jnp.asarray(x) < 0, tail, 1.0 - tail)

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        return self._base(x) ** (-self.alpha)


def q_pseudo_spike(x: ArrayLike, alpha: ArrayLike = 2.0) -> jax.Array:
    """Heaviside spike with the q-PseudoSpike surrogate gradient (see :class:`QPseudoSpike`).

    Args:
        x: the input, a scaled distance to threshold.
        alpha: the tail parameter, ``> 1``.

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> float(jax.grad(nn.surrogate.q_pseudo_spike)(1.0, 3.0))
        0.125
    """
    return QPseudoSpike(alpha=alpha)(x)


class S2NN(Surrogate):
    r"""Heaviside spike with the S2NN surrogate gradient (Suetake et al., 2023).

    A sigmoid below threshold, a logarithm above it:

    .. math::

        g(x) = \begin{cases}
            \sigma(\alpha x), & x < 0 \\
            \beta \ln(|x + 1| + \epsilon) + \frac{1}{2}, & x \ge 0
        \end{cases}, \qquad
        g'(x) = \begin{cases}
            \alpha\, \sigma(\alpha x) (1 - \sigma(\alpha x)), & x < 0 \\
            \frac{\beta}{x + 1}, & x \ge 0
        \end{cases}.

    :math:`\epsilon` only guards the logarithm of ``surrogate_fun`` (as in brainstate 0.1, the
    gradient omits it).

    Args:
        alpha: the steepness below threshold.
        beta: the scale of the logarithmic tail above threshold.
        epsilon: a small constant inside the logarithm.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> spike = nn.surrogate.S2NN()
        >>> float(jax.grad(spike)(0.0)), float(jax.grad(spike)(1.0))
        (1.0, 0.5)
    """

    alpha: Any
    beta: Any
    epsilon: Any

    def __init__(
        self, alpha: ArrayLike = 4.0, beta: ArrayLike = 1.0, epsilon: ArrayLike = 1e-8
    ) -> None:
        self.alpha = alpha
        self.beta = beta
        self.epsilon = epsilon

    def surrogate_fun(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        above = self.beta * jnp.log(jnp.abs(jnp.maximum(x, 0.0) + 1.0) + self.epsilon) + 0.5
        return jnp.where(x < 0, jsp.expit(self.alpha * x), above)

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        s = jsp.expit(self.alpha * x)
        # maximum(x, 0) keeps the unselected branch finite (x = -1), so 2nd derivatives stay finite
        return jnp.where(x < 0, self.alpha * s * (1.0 - s), self.beta / (jnp.maximum(x, 0.0) + 1.0))


def s2nn(
    x: ArrayLike, alpha: ArrayLike = 4.0, beta: ArrayLike = 1.0, epsilon: ArrayLike = 1e-8
) -> jax.Array:
    """Heaviside spike of ``x`` with the S2NN surrogate gradient (see :class:`S2NN`).

    Args:
        x: the input, a scaled distance to threshold.
        alpha: the steepness below threshold.
        beta: the scale of the logarithmic tail above threshold.
        epsilon: a small constant inside the logarithm of the surrogate function.

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> float(jax.grad(nn.surrogate.s2nn)(3.0))
        0.25
    """
    return S2NN(alpha=alpha, beta=beta, epsilon=epsilon)(x)
