"""Piecewise surrogates (and the Fourier-series one) that come with a surrogate function.

``PiecewiseQuadratic``, ``PiecewiseExp``, ``PiecewiseLeakyRelu``, ``LeakyRelu``,
``LogTailedRelu``, ``SquarewaveFourierSeries`` and their function forms.
"""

from __future__ import annotations

import operator
from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from .base import Surrogate, SurrogateError, check_positive

__all__ = [
    "PiecewiseQuadratic",
    "piecewise_quadratic",
    "PiecewiseExp",
    "piecewise_exp",
    "PiecewiseLeakyRelu",
    "piecewise_leaky_relu",
    "LeakyRelu",
    "leaky_relu",
    "LogTailedRelu",
    "log_tailed_relu",
    "SquarewaveFourierSeries",
    "squarewave_fourier_series",
]


class PiecewiseQuadratic(Surrogate):
    r"""Heaviside spike with a triangular surrogate gradient (Esser et al. 2016; Wu et al. 2018).

    .. math::

        g(x) = \begin{cases}
            0, & x < -\frac{1}{\alpha} \\
            -\frac{1}{2}\alpha^2 |x| x + \alpha x + \frac{1}{2}, & |x| \le \frac{1}{\alpha} \\
            1, & x > \frac{1}{\alpha}
        \end{cases}, \qquad
        g'(x) = \max\left(\alpha - \alpha^2 |x|,\ 0\right).

    The gradient is a triangle of height :math:`\alpha` and half-width :math:`1/\alpha`
    (integral 1). brainstate 0.1 documented this formula but computed
    :math:`\alpha - \alpha^2 x^2` inside the window, which is not the derivative of its
    ``surrogate_fun`` (it integrates to :math:`2 - 2/(3\alpha)`); here the gradient is the
    documented triangle.

    Args:
        alpha: the height of the triangle, ``> 0``.

    Raises:
        SurrogateError: if a concrete ``alpha`` is ``<= 0``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> spike = nn.surrogate.PiecewiseQuadratic(alpha=1.0)
        >>> float(jax.grad(spike)(0.0)), float(jax.grad(spike)(0.5)), float(jax.grad(spike)(2.0))
        (1.0, 0.5, 0.0)
    """

    alpha: Any

    def __init__(self, alpha: ArrayLike = 1.0) -> None:
        check_positive("PiecewiseQuadratic", "alpha", alpha)
        self.alpha = alpha

    def surrogate_fun(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        inner = -0.5 * self.alpha**2 * jnp.abs(x) * x + self.alpha * x + 0.5
        return jnp.where(x < -1.0 / self.alpha, 0.0, jnp.where(x > 1.0 / self.alpha, 1.0, inner))

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        return jnp.maximum(self.alpha - self.alpha**2 * jnp.abs(jnp.asarray(x)), 0.0)


def piecewise_quadratic(x: ArrayLike, alpha: ArrayLike = 1.0) -> jax.Array:
    """Heaviside spike with a triangular surrogate gradient (see :class:`PiecewiseQuadratic`).

    Args:
        x: the input, a scaled distance to threshold.
        alpha: the height of the triangle (its half-width is ``1 / alpha``).

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> float(jax.grad(nn.surrogate.piecewise_quadratic)(0.25, 2.0))
        1.0
    """
    return PiecewiseQuadratic(alpha=alpha)(x)


class PiecewiseExp(Surrogate):
    r"""Heaviside spike with a Laplace-shaped surrogate gradient (Neftci et al. 2019).

    .. math::

        g(x) = \begin{cases}
            \frac{1}{2} e^{\alpha x}, & x < 0 \\
            1 - \frac{1}{2} e^{-\alpha x}, & x \ge 0
        \end{cases}, \qquad
        g'(x) = \frac{\alpha}{2} e^{-\alpha |x|}.

    Args:
        alpha: the steepness; the gradient peaks at :math:`\alpha / 2` and integrates to 1.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> float(jax.grad(nn.surrogate.PiecewiseExp(alpha=2.0))(0.0))
        1.0
    """

    alpha: Any

    def __init__(self, alpha: ArrayLike = 1.0) -> None:
        self.alpha = alpha

    def surrogate_fun(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        half_tail = 0.5 * jnp.exp(-self.alpha * jnp.abs(x))  # finite on both branches
        return jnp.where(x < 0, half_tail, 1.0 - half_tail)

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        return 0.5 * self.alpha * jnp.exp(-self.alpha * jnp.abs(jnp.asarray(x)))


def piecewise_exp(x: ArrayLike, alpha: ArrayLike = 1.0) -> jax.Array:
    """Heaviside spike with a Laplace-shaped surrogate gradient (see :class:`PiecewiseExp`).

    Args:
        x: the input, a scaled distance to threshold.
        alpha: the steepness of the surrogate.

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.surrogate.piecewise_exp(jnp.array([-1.0, 0.0]))
        Array([0., 1.], dtype=float32)
    """
    return PiecewiseExp(alpha=alpha)(x)


class PiecewiseLeakyRelu(Surrogate):
    r"""Heaviside spike with a piecewise-constant surrogate gradient (Gu et al. 2019).

    .. math::

        g(x) = \begin{cases}
            c x + c w, & x < -w \\
            \frac{1}{2w} x + \frac{1}{2}, & |x| \le w \\
            c x - c w + 1, & x > w
        \end{cases}, \qquad
        g'(x) = \begin{cases}
            \frac{1}{w}, & |x| \le w \\
            c, & |x| > w
        \end{cases}.

    As in brainstate 0.1 (and SpikingJelly), the gradient is ``1 / w`` inside the window,
    while ``surrogate_fun`` is the continuous ramp of slope ``1 / (2 w)`` that goes from 0 to 1
    across it: the gradient is twice that ramp's slope, not its exact derivative.

    Args:
        c: the gradient outside the window ``|x| > w``.
        w: the half-width of the window, ``> 0``; the gradient is ``1 / w`` inside it.

    Raises:
        SurrogateError: if a concrete ``w`` is ``<= 0``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> spike = nn.surrogate.PiecewiseLeakyRelu(c=0.01, w=0.5)
        >>> float(jax.grad(spike)(0.25)), round(float(jax.grad(spike)(2.0)), 4)
        (2.0, 0.01)
    """

    c: Any
    w: Any

    def __init__(self, c: ArrayLike = 0.01, w: ArrayLike = 1.0) -> None:
        check_positive("PiecewiseLeakyRelu", "w", w)
        self.c = c
        self.w = w

    def surrogate_fun(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        c, w = self.c, self.w
        return jnp.where(
            x < -w, c * x + c * w, jnp.where(x > w, c * x - c * w + 1.0, 0.5 * x / w + 0.5)
        )

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        return jnp.where(jnp.abs(x) > self.w, self.c, 1.0 / self.w) * jnp.ones_like(x)


def piecewise_leaky_relu(x: ArrayLike, c: ArrayLike = 0.01, w: ArrayLike = 1.0) -> jax.Array:
    """Heaviside spike with a piecewise-constant surrogate (see :class:`PiecewiseLeakyRelu`).

    Args:
        x: the input, a scaled distance to threshold.
        c: the gradient outside the window ``|x| > w``.
        w: the half-width of the window; the gradient is ``1 / w`` inside it.

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> float(jax.grad(nn.surrogate.piecewise_leaky_relu)(0.5))
        1.0
    """
    return PiecewiseLeakyRelu(c=c, w=w)(x)


class LeakyRelu(Surrogate):
    r"""Heaviside spike with a two-valued (leaky-ReLU derivative) surrogate gradient.

    .. math::

        g(x) = \begin{cases} \beta x, & x \ge 0 \\ \alpha x, & x < 0 \end{cases}, \qquad
        g'(x) = \begin{cases} \beta, & x \ge 0 \\ \alpha, & x < 0 \end{cases}.

    Args:
        alpha: the gradient below threshold.
        beta: the gradient at and above threshold.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> spike = nn.surrogate.LeakyRelu(alpha=0.5, beta=1.0)
        >>> float(jax.grad(spike)(-3.0)), float(jax.grad(spike)(3.0))
        (0.5, 1.0)
    """

    alpha: Any
    beta: Any

    def __init__(self, alpha: ArrayLike = 0.1, beta: ArrayLike = 1.0) -> None:
        self.alpha = alpha
        self.beta = beta

    def surrogate_fun(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        return jnp.where(x < 0, self.alpha * x, self.beta * x)

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        return jnp.where(x < 0, self.alpha, self.beta) * jnp.ones_like(x)


def leaky_relu(x: ArrayLike, alpha: ArrayLike = 0.1, beta: ArrayLike = 1.0) -> jax.Array:
    """Heaviside spike of ``x`` with a two-valued surrogate gradient (see :class:`LeakyRelu`).

    Args:
        x: the input, a scaled distance to threshold.
        alpha: the gradient below threshold.
        beta: the gradient at and above threshold.

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> round(float(jax.grad(nn.surrogate.leaky_relu)(-1.0)), 4)
        0.1
    """
    return LeakyRelu(alpha=alpha, beta=beta)(x)


class LogTailedRelu(Surrogate):
    r"""Heaviside spike with the log-tailed ReLU's derivative as surrogate (Cai et al. 2017).

    .. math::

        g(x) = \begin{cases}
            \alpha x, & x \le 0 \\
            x, & 0 < x \le 1 \\
            \log x, & x > 1
        \end{cases}, \qquad
        g'(x) = \begin{cases}
            \alpha, & x \le 0 \\
            1, & 0 < x \le 1 \\
            \frac{1}{x}, & x > 1
        \end{cases}.

    Note that the gradient is ``alpha`` (0 by default) at the threshold itself.

    Args:
        alpha: the gradient at and below threshold.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> spike = nn.surrogate.LogTailedRelu()
        >>> float(jax.grad(spike)(-1.0)), float(jax.grad(spike)(0.5)), float(jax.grad(spike)(4.0))
        (0.0, 1.0, 0.25)
    """

    alpha: Any

    def __init__(self, alpha: ArrayLike = 0.0) -> None:
        self.alpha = alpha

    def surrogate_fun(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        log_tail = jnp.log(jnp.maximum(x, 1.0))  # finite where unselected
        return jnp.where(x > 1, log_tail, jnp.where(x > 0, x, self.alpha * x))

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        x = jnp.asarray(x)
        inv_tail = 1.0 / jnp.maximum(x, 1.0)  # finite where unselected, for 2nd derivatives
        return jnp.where(x > 1, inv_tail, jnp.where(x > 0, 1.0, self.alpha * jnp.ones_like(x)))


def log_tailed_relu(x: ArrayLike, alpha: ArrayLike = 0.0) -> jax.Array:
    """Heaviside spike with the log-tailed ReLU surrogate gradient (see :class:`LogTailedRelu`).

    Args:
        x: the input, a scaled distance to threshold.
        alpha: the gradient at and below threshold.

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> float(jax.grad(nn.surrogate.log_tailed_relu)(2.0))
        0.5
    """
    return LogTailedRelu(alpha=alpha)(x)


class SquarewaveFourierSeries(Surrogate):
    r"""Heaviside spike whose surrogate is a truncated Fourier series of a square wave.

    With :math:`\omega = 2\pi / T` and :math:`K = \max(n - 1, 1)` terms:

    .. math::

        g(x) = \frac{1}{2} + \frac{2}{\pi} \sum_{i=1}^{K}
            \frac{\sin\left((2i - 1)\,\omega x\right)}{2i - 1}, \qquad
        g'(x) = \frac{4}{T} \sum_{i=1}^{K} \cos\left((2i - 1)\,\omega x\right).

    ``n`` counts terms as brainstate 0.1's code (and SpikingJelly) does: ``n = 2`` (the default)
    keeps the fundamental only. brainstate 0.1's documentation wrote the sum up to ``n`` and a
    factor :math:`1/\pi` for :math:`2/\pi`; the formulas above are what both compute. The
    gradient is periodic in ``x`` (period ``T``) and negative for
    :math:`T/4 < |x| < 3T/4` with one term.

    Args:
        n: the order of the series, an integer ``>= 1`` (``n - 1`` odd harmonics, at least one).
        t_period: the period :math:`T` of the square wave, ``> 0``.

    Raises:
        SurrogateError: if ``n`` is not an integer ``>= 1`` or a concrete ``t_period`` is
            ``<= 0``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> spike = nn.surrogate.SquarewaveFourierSeries(n=2, t_period=8.0)
        >>> float(jax.grad(spike)(0.0)), float(spike.surrogate_fun(0.0))
        (0.5, 0.5)
    """

    n: Any
    t_period: Any

    def __init__(self, n: int = 2, t_period: ArrayLike = 8.0) -> None:
        try:
            n = operator.index(n)
        except TypeError:
            raise SurrogateError(
                f"SquarewaveFourierSeries: n must be a Python integer (a number of terms), "
                f"got {n!r}."
            ) from None
        if n < 1:
            raise SurrogateError(f"SquarewaveFourierSeries: n must be >= 1, got {n}.")
        check_positive("SquarewaveFourierSeries", "t_period", t_period)
        self.n = n
        self.t_period = t_period

    def _harmonics(self) -> range:
        return range(1, max(self.n - 1, 1) + 1)

    def surrogate_fun(self, x: ArrayLike) -> jax.Array:
        wx = 2.0 * jnp.pi / self.t_period * jnp.asarray(x)
        total = sum(jnp.sin((2 * i - 1) * wx) / (2 * i - 1) for i in self._harmonics())
        return jnp.asarray(0.5 + 2.0 / jnp.pi * total)

    def surrogate_grad(self, x: ArrayLike) -> jax.Array:
        wx = 2.0 * jnp.pi / self.t_period * jnp.asarray(x)
        total = sum(jnp.cos((2 * i - 1) * wx) for i in self._harmonics())
        return jnp.asarray(4.0 / self.t_period * total)


def squarewave_fourier_series(x: ArrayLike, n: int = 2, t_period: ArrayLike = 8.0) -> jax.Array:
    """Heaviside spike with a Fourier-series surrogate (see :class:`SquarewaveFourierSeries`).

    Args:
        x: the input, a scaled distance to threshold.
        n: the order of the series (``n - 1`` odd harmonics, at least one).
        t_period: the period of the square wave.

    Returns:
        ``1`` where ``x >= 0``, else ``0``, in the dtype of ``x``.

    Examples:
        >>> import jax
        >>> import brainstate_nn as nn
        >>> float(jax.grad(nn.surrogate.squarewave_fourier_series)(0.0, 3, 8.0))
        1.0
    """
    return SquarewaveFourierSeries(n=n, t_period=t_period)(x)
