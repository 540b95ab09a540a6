"""Continuous univariate distributions built directly on JAX's samplers or an inverse CDF."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from ._common import Sampler, as_float, check_param, float_dtype, out_shape

__all__ = ["ContinuousMixin"]


class ContinuousMixin(Sampler):
    """The common continuous distributions (exponential family, location-scale, ...)."""

    __slots__ = ()

    def _loc_scale(
        self,
        standard: Callable[..., jax.Array],
        loc: Any,
        scale: Any,
        size: Any,
        key: Any,
        dtype: Any,
    ) -> jax.Array:
        dt = float_dtype(dtype)
        shape = out_shape(size, loc, scale)
        loc, scale = as_float(dt, shape, loc, scale)
        return loc + scale * standard(self._draw_key(key), shape, dt)

    def _standard_exponential(self, key: Any, shape: tuple[int, ...], dt: Any) -> jax.Array:
        return jax.random.exponential(self._draw_key(key), shape, dt)

    # -- the exponential family ---------------------------------------------------------
    def standard_exponential(
        self, size: Any = None, key: Any = None, dtype: Any = None
    ) -> jax.Array:
        """Samples of the exponential distribution with scale 1.

        Args:
            size: The output shape (int or tuple); None gives a scalar.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Positive samples with mean 1 and variance 1.

        Examples:
            >>> from brainstate_core import random
            >>> random.standard_exponential(3).shape
            (3,)
        """
        return self._standard_exponential(key, out_shape(size), float_dtype(dtype))

    def exponential(
        self, scale: Any = 1.0, size: Any = None, key: Any = None, dtype: Any = None
    ) -> jax.Array:
        """Samples of the exponential distribution with density ``exp(-x / scale) / scale``.

        Differs from brainstate 0.1: 0.1 divided by ``scale``, treating it as a rate
        (mean ``1/scale``), and raised when ``scale`` was left out.

        Args:
            scale: The scale ``1 / rate``, ``> 0`` (array-like).
            size: The output shape; None broadcasts ``scale``'s shape.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean ``scale`` and variance ``scale**2``.

        Examples:
            >>> from brainstate_core import random
            >>> random.exponential([1.0, 10.0]).shape
            (2,)
        """
        dt = float_dtype(dtype)
        check_param("exponential", "scale", scale, lambda a: a < 0, ">= 0")
        shape = out_shape(size, scale)
        (scale,) = as_float(dt, shape, scale)
        return scale * self._standard_exponential(key, shape, dt)

    def standard_gamma(
        self, shape: Any, size: Any = None, key: Any = None, dtype: Any = None
    ) -> jax.Array:
        """Samples of the gamma distribution with shape ``shape`` and scale 1.

        Args:
            shape: The shape parameter ``k > 0`` (array-like).
            size: The output shape; None broadcasts ``shape``'s shape.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean and variance ``shape``.

        Examples:
            >>> from brainstate_core import random
            >>> random.standard_gamma(2.0, size=3).shape
            (3,)
        """
        return self.gamma(shape, 1.0, size, key=key, dtype=dtype)

    def gamma(
        self,
        shape: Any,
        scale: Any = 1.0,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Samples of the gamma distribution with shape ``shape`` and scale ``scale``.

        Args:
            shape: The shape parameter ``k > 0`` (array-like).
            scale: The scale parameter ``theta > 0`` (array-like).
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean ``shape * scale`` and variance ``shape * scale**2``.

        Examples:
            >>> from brainstate_core import random
            >>> random.gamma(2.0, 3.0, size=3).shape
            (3,)
        """
        dt = float_dtype(dtype)
        out = out_shape(size, shape, scale)
        k, scale = as_float(dt, out, shape, scale)
        return scale * jax.random.gamma(self._draw_key(key), k, out, dt)

    def loggamma(self, a: Any, size: Any = None, key: Any = None, dtype: Any = None) -> jax.Array:
        """The logarithm of gamma samples with shape ``a``, accurate also for tiny ``a``.

        Args:
            a: The shape parameter ``> 0`` (array-like).
            size: The output shape; None broadcasts ``a``'s shape.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples of ``log(X)`` for ``X ~ Gamma(a, 1)``: mean ``digamma(a)``.

        Examples:
            >>> from brainstate_core import random
            >>> random.loggamma(0.01, size=3).shape
            (3,)
        """
        dt = float_dtype(dtype)
        shape = out_shape(size, a)
        (a,) = as_float(dt, shape, a)
        return jax.random.loggamma(self._draw_key(key), a, shape, dt)

    def beta(
        self, a: Any, b: Any, size: Any = None, key: Any = None, dtype: Any = None
    ) -> jax.Array:
        """Samples of the beta distribution on ``[0, 1]``.

        Args:
            a: The first shape parameter ``alpha > 0`` (array-like).
            b: The second shape parameter ``beta > 0`` (array-like).
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean ``a / (a + b)``.

        Examples:
            >>> from brainstate_core import random
            >>> random.beta(2.0, [1.0, 3.0, 5.0]).shape
            (3,)
        """
        dt = float_dtype(dtype)
        shape = out_shape(size, a, b)
        a, b = as_float(dt, shape, a, b)
        return jax.random.beta(self._draw_key(key), a, b, shape, dt)

    # -- location-scale families --------------------------------------------------------
    def gumbel(
        self,
        loc: Any = 0.0,
        scale: Any = 1.0,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Samples of the Gumbel (extreme value type I) distribution.

        Args:
            loc: The mode (array-like).
            scale: The scale ``> 0`` (array-like).
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean ``loc + 0.5772... * scale``, variance ``(pi * scale)**2 / 6``.

        Examples:
            >>> from brainstate_core import random
            >>> random.gumbel(0.0, 2.0, size=3).shape
            (3,)
        """
        return self._loc_scale(jax.random.gumbel, loc, scale, size, key, dtype)

    def laplace(
        self,
        loc: Any = 0.0,
        scale: Any = 1.0,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Samples of the Laplace (double exponential) distribution.

        Args:
            loc: The mean (array-like).
            scale: The scale ``> 0`` (array-like).
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean ``loc`` and variance ``2 * scale**2``.

        Examples:
            >>> from brainstate_core import random
            >>> random.laplace(size=(2, 2)).shape
            (2, 2)
        """
        return self._loc_scale(jax.random.laplace, loc, scale, size, key, dtype)

    def logistic(
        self,
        loc: Any = 0.0,
        scale: Any = 1.0,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Samples of the logistic distribution.

        Args:
            loc: The mean (array-like).
            scale: The scale ``> 0`` (array-like).
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean ``loc`` and variance ``(pi * scale)**2 / 3``.

        Examples:
            >>> from brainstate_core import random
            >>> random.logistic(1.0, 0.5, size=3).shape
            (3,)
        """
        return self._loc_scale(jax.random.logistic, loc, scale, size, key, dtype)

    def lognormal(
        self,
        mean: Any = 0.0,
        sigma: Any = 1.0,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Samples of ``exp(N(mean, sigma**2))``.

        Args:
            mean: The mean of the underlying normal distribution (array-like).
            sigma: Its standard deviation, ``>= 0`` (array-like).
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Positive samples with mean ``exp(mean + sigma**2 / 2)``.

        Examples:
            >>> from brainstate_core import random
            >>> bool((random.lognormal(size=5) > 0).all())
            True
        """
        check_param("lognormal", "sigma", sigma, lambda a: a < 0, ">= 0")
        return jnp.exp(self._loc_scale(jax.random.normal, mean, sigma, size, key, dtype))

    def standard_cauchy(self, size: Any = None, key: Any = None, dtype: Any = None) -> jax.Array:
        """Samples of the standard Cauchy (Lorentz) distribution, which has no mean.

        Args:
            size: The output shape (int or tuple); None gives a scalar.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with median 0 and quartiles -1 and 1.

        Examples:
            >>> from brainstate_core import random
            >>> random.standard_cauchy((2, 3)).shape
            (2, 3)
        """
        dt = float_dtype(dtype)
        return jax.random.cauchy(self._draw_key(key), out_shape(size), dt)

    def standard_t(
        self, df: Any, size: Any = None, key: Any = None, dtype: Any = None
    ) -> jax.Array:
        """Samples of Student's t distribution with ``df`` degrees of freedom.

        Args:
            df: The degrees of freedom ``> 0`` (array-like).
            size: The output shape; None broadcasts ``df``'s shape.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean 0 (``df > 1``) and variance ``df / (df - 2)`` (``df > 2``).

        Examples:
            >>> from brainstate_core import random
            >>> random.standard_t(5.0, size=3).shape
            (3,)
        """
        dt = float_dtype(dtype)
        shape = out_shape(size, df)
        (df,) = as_float(dt, shape, df)
        return jax.random.t(self._draw_key(key), df, shape, dt)

    def t(self, df: Any, size: Any = None, key: Any = None, dtype: Any = None) -> jax.Array:
        """Alias of :meth:`standard_t`."""
        return self.standard_t(df, size, key=key, dtype=dtype)

    def truncated_normal(
        self,
        lower: Any,
        upper: Any,
        size: Any = None,
        loc: Any = 0.0,
        scale: Any = 1.0,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Samples of ``N(loc, scale**2)`` conditioned on ``lower < x < upper``.

        Args:
            lower: The lower bound (array-like; ``-inf`` allowed).
            upper: The upper bound (array-like; ``inf`` allowed).
            size: The output shape; None broadcasts the parameters' shapes.
            loc: The mean of the untruncated normal (array-like).
            scale: Its standard deviation, ``> 0`` (array-like).
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples within ``[lower, upper]``.

        Examples:
            >>> from brainstate_core import random
            >>> x = random.truncated_normal(-1.0, 1.0, size=100)
            >>> bool((abs(x) <= 1).all())
            True
        """
        dt = float_dtype(dtype)
        shape = out_shape(size, lower, upper, loc, scale)
        lower, upper, loc, scale = as_float(dt, shape, lower, upper, loc, scale)
        z = jax.random.truncated_normal(
            self._draw_key(key), (lower - loc) / scale, (upper - loc) / scale, shape, dt
        )
        return jnp.clip(loc + scale * z, lower, upper)

    # -- defined by their inverse CDF ---------------------------------------------------
    def pareto(self, a: Any, size: Any = None, key: Any = None, dtype: Any = None) -> jax.Array:
        """Samples of the Pareto II (Lomax) distribution, numpy's ``pareto``.

        Add 1 and multiply by ``m`` for the classical Pareto distribution with minimum ``m``.

        Differs from brainstate 0.1: 0.1 drew the classical Pareto distribution with minimum 1 (this
        result + 1).

        Args:
            a: The shape ``> 0`` (array-like).
            size: The output shape; None broadcasts ``a``'s shape.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Non-negative samples with mean ``1 / (a - 1)`` (``a > 1``).

        Examples:
            >>> from brainstate_core import random
            >>> bool((random.pareto(3.0, size=10) >= 0).all())
            True
        """
        dt = float_dtype(dtype)
        shape = out_shape(size, a)
        (a,) = as_float(dt, shape, a)
        return jnp.expm1(self._standard_exponential(key, shape, dt) / a)

    def power(self, a: Any, size: Any = None, key: Any = None, dtype: Any = None) -> jax.Array:
        """Samples on ``[0, 1]`` with density ``a * x**(a - 1)``.

        Differs from brainstate 0.1: 0.1 drew with numpy's global generator in a host callback
        (``key=`` was ignored), so the numbers differ for the same seed.

        Args:
            a: The exponent ``> 0`` (array-like).
            size: The output shape; None broadcasts ``a``'s shape.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean ``a / (a + 1)``.

        Examples:
            >>> from brainstate_core import random
            >>> random.power(5.0, size=3).shape
            (3,)
        """
        dt = float_dtype(dtype)
        shape = out_shape(size, a)
        (a,) = as_float(dt, shape, a)
        # P(exp(-E / a) <= x) = P(E >= -a log x) = x**a.
        return jnp.exp(-self._standard_exponential(key, shape, dt) / a)

    def rayleigh(
        self, scale: Any = 1.0, size: Any = None, key: Any = None, dtype: Any = None
    ) -> jax.Array:
        """Samples of the Rayleigh distribution (the norm of a 2-d normal vector).

        Differs from brainstate 0.1: 0.1 computed ``sqrt(-2 log u)`` with ``u`` on ``[0, 1)``
        (inf for ``u=0``); same distribution, other numbers for the same seed.

        Args:
            scale: The mode ``sigma > 0`` (array-like).
            size: The output shape; None broadcasts ``scale``'s shape.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean ``scale * sqrt(pi / 2)``.

        Examples:
            >>> from brainstate_core import random
            >>> random.rayleigh(2.0, size=(2, 3)).shape
            (2, 3)
        """
        dt = float_dtype(dtype)
        shape = out_shape(size, scale)
        (scale,) = as_float(dt, shape, scale)
        return scale * jnp.sqrt(2 * self._standard_exponential(key, shape, dt))

    def weibull(self, a: Any, size: Any = None, key: Any = None, dtype: Any = None) -> jax.Array:
        """Samples of the Weibull distribution with shape ``a`` and scale 1 (numpy's).

        Args:
            a: The shape ``>= 0`` (array-like); ``a == 0`` gives 0.
            size: The output shape; None broadcasts ``a``'s shape.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean ``gamma(1 + 1 / a)``.

        Examples:
            >>> from brainstate_core import random
            >>> random.weibull(1.5, size=3).shape
            (3,)
        """
        return self.weibull_min(a, 1.0, size, key=key, dtype=dtype)

    def weibull_min(
        self,
        a: Any,
        scale: Any = 1.0,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Samples of the Weibull distribution with shape ``a`` and scale ``scale``.

        Differs from brainstate 0.1: 0.1 divided by ``scale`` instead of multiplying.

        Args:
            a: The shape (concentration) ``>= 0`` (array-like).
            scale: The scale ``> 0`` (array-like).
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean ``scale * gamma(1 + 1 / a)``.

        Examples:
            >>> from brainstate_core import random
            >>> random.weibull_min(2.0, 3.0, size=2).shape
            (2,)
        """
        dt = float_dtype(dtype)
        shape = out_shape(size, a, scale)
        a, scale = as_float(dt, shape, a, scale)
        e = self._standard_exponential(key, shape, dt)
        positive = a > 0
        x = e ** (1 / jnp.where(positive, a, 1))
        return scale * jnp.where(positive, x, 0)

    def triangular(
        self,
        left: Any,
        mode: Any,
        right: Any,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Samples of the triangular distribution on ``[left, right]`` peaking at ``mode``.

        Differs from brainstate 0.1: 0.1's ``triangular(size, key)`` took no
        ``left``/``mode``/``right`` and returned -1 or 1 with equal probability.

        Args:
            left: The lower limit (array-like).
            mode: The peak, ``left <= mode <= right`` (array-like).
            right: The upper limit, ``> left`` (array-like).
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean ``(left + mode + right) / 3``.

        Examples:
            >>> from brainstate_core import random
            >>> x = random.triangular(0.0, 1.0, 4.0, size=50)
            >>> bool(((0 <= x) & (x <= 4)).all())
            True
        """
        dt = float_dtype(dtype)
        shape = out_shape(size, left, mode, right)
        left, mode, right = as_float(dt, shape, left, mode, right)
        u = jax.random.uniform(self._draw_key(key), shape, dt)
        width, lo_width, hi_width = right - left, mode - left, right - mode
        lower = left + jnp.sqrt(u * width * lo_width)
        upper = right - jnp.sqrt((1 - u) * width * hi_width)
        return jnp.clip(jnp.where(u * width < lo_width, lower, upper), left, right)

    def maxwell(self, size: Any = None, key: Any = None, dtype: Any = None) -> jax.Array:
        """Samples of the standard Maxwell-Boltzmann distribution (norm of a 3-d normal).

        Args:
            size: The output shape (int or tuple); None gives a scalar.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean ``2 * sqrt(2 / pi)`` and variance ``3 - 8 / pi``.

        Examples:
            >>> from brainstate_core import random
            >>> random.maxwell((2, 2)).shape
            (2, 2)
        """
        dt = float_dtype(dtype)
        z = jax.random.normal(self._draw_key(key), (*out_shape(size), 3), dt)
        return jnp.sqrt(jnp.sum(z * z, axis=-1))
