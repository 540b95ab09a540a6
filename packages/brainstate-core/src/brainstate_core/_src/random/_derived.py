"""Continuous distributions built from others (chi-square family) or by rejection (von Mises)."""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ._common import Sampler, as_float, float_dtype, out_shape, rejection

__all__ = ["DerivedMixin"]

# Below this concentration the von Mises distribution is uniform to within 1e-8; above the
# large one it is normal with variance 1/kappa to within a relative 1e-8.
_VM_SMALL = 1e-8
_VM_LARGE = 1e8


def _compute_dtype(dt: np.dtype) -> np.dtype:
    """Work in at least float32 (half precision loses the rejection tests), output in ``dt``."""
    return np.dtype(jnp.promote_types(dt, jnp.float32))


def _chisquare(key: jax.Array, df: jax.Array, shape: tuple[int, ...], dt: Any) -> jax.Array:
    return 2 * jax.random.gamma(key, df / 2, shape, dt)


def _noncentral_chisquare(
    key: jax.Array, df: jax.Array, nonc: jax.Array, shape: tuple[int, ...], dt: Any
) -> jax.Array:
    # A Poisson mixture of central chi-squares: df + 2N degrees of freedom, N ~ Poisson(nonc/2).
    k_count, k_chi = jax.random.split(key)
    count = jax.random.poisson(k_count, nonc / 2, shape).astype(dt)
    return _chisquare(k_chi, df + 2 * count, shape, dt)


def _vonmises_angle(key: jax.Array, kappa: jax.Array, dt: np.dtype) -> jax.Array:
    """Angles in ``[-pi, pi]`` from von Mises(0, kappa), by Best and Fisher's rejection method.

    Best-Fisher proposes from a wrapped Cauchy envelope with parameter ``rho``. The textbook
    formulas cancel catastrophically for small and large ``kappa`` in float32, so everything is
    written with ``r - 1``, ``r + 1``, ``1 - z`` and ``1 + z`` computed without cancellation:
    ``c = kappa * (r - 1)(r + 1) / (r + z)`` and ``1 - f = (r - 1)(1 - z) / (r + z)``.
    """
    shape = kappa.shape
    k = jnp.clip(kappa, _VM_SMALL, _VM_LARGE)
    s = jnp.sqrt(1 + 4 * k * k)
    tau = 1 + s
    sq = jnp.sqrt(2 * tau)
    rho = tau * (4 * k * k / (s + 1)) / ((tau + sq) * 2 * k)  # (tau - sqrt(2 tau)) / (2 kappa)
    one_m_rho = jnp.where(rho < 0.5, 1 - rho, (sq - 1 - 1 / (s + 2 * k)) / (2 * k))
    r_m1 = one_m_rho * one_m_rho / (2 * rho)
    r_p1 = (1 + rho) * (1 + rho) / (2 * rho)

    def propose(sub: jax.Array) -> tuple[jax.Array, jax.Array]:
        u = jax.random.uniform(sub, (3, *shape), dt)
        half = (math.pi / 2) * u[0]
        one_p_z = 2 * jnp.cos(half) ** 2
        one_m_z = 2 * jnp.sin(half) ** 2
        r_p_z = r_m1 + one_p_z
        c = k * r_m1 * r_p1 / r_p_z
        one_m_f = r_m1 * one_m_z / r_p_z
        accept = (c * (2 - c) > u[1]) | (jnp.log(c / u[1]) + 1 - c >= 0)
        theta = 2 * jnp.arcsin(jnp.sqrt(jnp.clip(one_m_f / 2, 0, 1)))
        return jnp.where(u[2] < 0.5, -theta, theta), accept

    invalid = ~(kappa >= 0)  # nan or negative: no loop, nan out
    angle = rejection(key, propose, jnp.full(shape, jnp.nan, dt), invalid)
    return angle


@jax.jit
def _vonmises(key: jax.Array, mu: jax.Array, kappa: jax.Array) -> jax.Array:
    # Jitted as a whole: called eagerly, its loop then compiles once per shape and dtype.
    dt = mu.dtype
    k_rej, k_small, k_large = jax.random.split(key, 3)
    angle = _vonmises_angle(k_rej, kappa, dt)
    uniform = jax.random.uniform(k_small, mu.shape, dt, -math.pi, math.pi)
    normal = jax.random.normal(k_large, mu.shape, dt) / jnp.sqrt(jnp.maximum(kappa, 1))
    angle = jnp.where(kappa < _VM_SMALL, uniform, jnp.where(kappa > _VM_LARGE, normal, angle))
    x = mu + angle
    # Wrap into [-pi, pi] only where needed, so that small angles around mu = 0 keep their
    # full precision.
    return jnp.where(jnp.abs(x) > math.pi, jnp.mod(x + math.pi, 2 * math.pi) - math.pi, x)


class DerivedMixin(Sampler):
    """Chi-square, F and their noncentral forms; von Mises and Wald."""

    __slots__ = ()

    def chisquare(self, df: Any, size: Any = None, key: Any = None, dtype: Any = None) -> jax.Array:
        """Samples of the chi-square distribution with ``df`` degrees of freedom.

        Differs from brainstate 0.1: 0.1 summed ``df`` squared normals: it raised for a non-integer
        ``df``, and for an array ``df`` without ``size``.

        Args:
            df: The degrees of freedom ``> 0`` (array-like).
            size: The output shape; None broadcasts ``df``'s shape.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean ``df`` and variance ``2 * df``.

        Examples:
            >>> from brainstate_core import random
            >>> random.chisquare(3.0, size=3).shape
            (3,)
        """
        dt = float_dtype(dtype)
        shape = out_shape(size, df)
        (df,) = as_float(dt, shape, df)
        return _chisquare(self._draw_key(key), df, shape, dt)

    def f(
        self,
        dfnum: Any,
        dfden: Any,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Samples of the F (Fisher-Snedecor) distribution.

        Differs from brainstate 0.1: 0.1 drew with numpy's global generator in a host callback
        (``key=`` was ignored), so the numbers differ for the same seed.

        Args:
            dfnum: The numerator degrees of freedom ``> 0`` (array-like).
            dfden: The denominator degrees of freedom ``> 0`` (array-like).
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean ``dfden / (dfden - 2)`` (``dfden > 2``).

        Examples:
            >>> from brainstate_core import random
            >>> random.f(5.0, 10.0, size=3).shape
            (3,)
        """
        dt = float_dtype(dtype)
        shape = out_shape(size, dfnum, dfden)
        dfnum, dfden = as_float(dt, shape, dfnum, dfden)
        k_num, k_den = jax.random.split(self._draw_key(key))
        num = _chisquare(k_num, dfnum, shape, dt) / dfnum
        return num / (_chisquare(k_den, dfden, shape, dt) / dfden)

    def noncentral_chisquare(
        self,
        df: Any,
        nonc: Any,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Samples of the noncentral chi-square distribution.

        Args:
            df: The degrees of freedom ``> 0`` (array-like).
            nonc: The noncentrality ``>= 0`` (array-like).
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean ``df + nonc`` and variance ``2 * (df + 2 * nonc)``.

        Examples:
            >>> from brainstate_core import random
            >>> random.noncentral_chisquare(3.0, 2.0, size=3).shape
            (3,)
        """
        dt = float_dtype(dtype)
        shape = out_shape(size, df, nonc)
        df, nonc = as_float(dt, shape, df, nonc)
        return _noncentral_chisquare(self._draw_key(key), df, nonc, shape, dt)

    def noncentral_f(
        self,
        dfnum: Any,
        dfden: Any,
        nonc: Any,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Samples of the noncentral F distribution.

        Args:
            dfnum: The numerator degrees of freedom ``> 0`` (array-like).
            dfden: The denominator degrees of freedom ``> 0`` (array-like).
            nonc: The noncentrality of the numerator, ``>= 0`` (array-like).
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean ``dfden * (dfnum + nonc) / (dfnum * (dfden - 2))``
            (``dfden > 2``).

        Examples:
            >>> from brainstate_core import random
            >>> random.noncentral_f(3.0, 20.0, 3.0, size=3).shape
            (3,)
        """
        dt = float_dtype(dtype)
        shape = out_shape(size, dfnum, dfden, nonc)
        dfnum, dfden, nonc = as_float(dt, shape, dfnum, dfden, nonc)
        k_num, k_den = jax.random.split(self._draw_key(key))
        num = _noncentral_chisquare(k_num, dfnum, nonc, shape, dt) / dfnum
        return num / (_chisquare(k_den, dfden, shape, dt) / dfden)

    def vonmises(
        self,
        mu: Any,
        kappa: Any,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Samples of the von Mises (circular normal) distribution on ``[-pi, pi]``.

        Differs from brainstate 0.1: 0.1 used another rejection loop; same distribution, other
        numbers for the same seed.

        Args:
            mu: The mode, an angle in radians (array-like).
            kappa: The concentration ``>= 0`` (array-like); 0 gives the uniform distribution.
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Angles in ``[-pi, pi]``, with ``E[cos(x - mu)] = I1(kappa) / I0(kappa)``.

        Examples:
            >>> from brainstate_core import random
            >>> x = random.vonmises(0.0, 4.0, size=100)
            >>> bool((abs(x) <= 3.1416).all())
            True
        """
        dt = float_dtype(dtype)
        ct = _compute_dtype(dt)
        shape = out_shape(size, mu, kappa)
        mu, kappa = as_float(ct, shape, mu, kappa)
        return _vonmises(self._draw_key(key), mu, kappa).astype(dt)

    def wald(
        self,
        mean: Any,
        scale: Any,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Samples of the Wald (inverse Gaussian) distribution.

        Differs from brainstate 0.1: 0.1 drew its normal variate from the generator even when
        ``key=`` was given; other numbers for the same seed.

        Args:
            mean: The mean ``> 0`` (array-like).
            scale: The shape parameter ``lambda > 0`` (array-like).
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Positive samples with mean ``mean`` and variance ``mean**3 / scale``.

        Examples:
            >>> from brainstate_core import random
            >>> bool((random.wald(1.0, 2.0, size=10) > 0).all())
            True
        """
        dt = float_dtype(dtype)
        ct = _compute_dtype(dt)
        shape = out_shape(size, mean, scale)
        mean, scale = as_float(ct, shape, mean, scale)
        k_norm, k_unif = jax.random.split(self._draw_key(key))
        nu = jax.random.normal(k_norm, shape, ct)
        # Michael, Schucany and Haas: the smaller root of the chi-square transform, written as
        # mean / (1 + a + sqrt(a (a + 2))) so that it does not cancel for large a.
        a = mean * nu * nu / (2 * scale)
        x = mean / (1 + a + jnp.sqrt(a * (a + 2)))
        u = jax.random.uniform(k_unif, shape, ct)
        return jnp.where(u * (mean + x) <= mean, x, mean * mean / x).astype(dt)
