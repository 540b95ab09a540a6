"""Discrete univariate distributions: Poisson, binomial and the ones JAX has no sampler for.

Samplers without a JAX primitive:

- geometric: inverse CDF, ``ceil(E / -log1p(-p))`` for a standard exponential ``E``;
- negative_binomial: a gamma-Poisson mixture;
- logseries: a geometric distribution whose parameter is itself random
  (``q = 1 - (1 - p)**U``), which gives exactly the log-series probabilities;
- zipf: Devroye's rejection method;
- hypergeometric: an exact table-free inversion that walks outward from the mode using the
  ratio of successive probabilities (see :func:`_walk_from_mode`).

Integer-valued results are computed in floating point and cast at the end, so they are exact
as long as the values stay below 2**24 (float32) or 2**53 (float64).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ._common import (
    Sampler,
    as_float,
    check_param,
    float_dtype,
    int_dtype,
    numeric_dtype,
    out_shape,
    rejection,
    uniform_open_closed,
)

__all__ = ["DiscreteMixin"]

Ratio = Callable[[jax.Array], jax.Array]


def _walk_from_mode(
    u: jax.Array,
    mode: jax.Array,
    lo: jax.Array,
    hi: jax.Array,
    ratio_up: Ratio,
    ratio_down: Ratio,
) -> jax.Array:
    """Invert a unimodal distribution on ``[lo, hi]`` given only its probability ratios.

    ``ratio_up(k) = P(k + 1) / P(k)`` and ``ratio_down(k) = P(k - 1) / P(k)``. With the weight
    of ``mode`` set to 1, the walk visits ``mode, mode + 1, mode - 1, mode + 2, ...``. A first
    pass sums the weights until both sides are negligible (the normalising constant ``Z``);
    a second pass returns the first visited value at which the running sum reaches ``u * Z``.
    Any fixed visiting order gives an exact sample; this one needs ``O(std)`` steps, never
    overflows and needs no log-factorials, whose float32 rounding would spoil the result.
    """
    dt = u.dtype
    tiny = float(np.finfo(dt).eps) * 1e-4

    def step(j, up, dn):
        up = jnp.where(mode + j + 1 <= hi, up * ratio_up(mode + j), 0)
        dn = jnp.where(mode - j - 1 >= lo, dn * ratio_down(mode - j), 0)
        return up, dn

    def total_cond(carry):
        return ~jnp.all(carry[-1])

    def total_body(carry):
        j, up, dn, z, steps, done = carry
        up, dn = step(j, up, dn)
        z_new = z + up + dn
        negligible = up + dn <= tiny * z_new
        z = jnp.where(done, z, z_new)
        steps = jnp.where(done, steps, j + 1)
        return j + 1, up, dn, z, steps, done | negligible

    one = jnp.ones_like(u)
    zero = jnp.zeros(u.shape, jnp.int32)
    init = (jnp.asarray(0, jnp.int32), one, one, one, zero, jnp.zeros(u.shape, bool))
    _, _, _, z, steps, _ = lax.while_loop(total_cond, total_body, init)
    target = u * z

    def find_cond(carry):
        return ~jnp.all(carry[-1])

    def find_body(carry):
        j, up, dn, acc, result, found = carry
        up, dn = step(j, up, dn)
        for weight, value in ((up, mode + j + 1), (dn, mode - j - 1)):
            acc = acc + weight
            move = ~found & (weight > 0)
            result = jnp.where(move, value, result)
            found = found | (move & (acc >= target))
        found = found | (j + 1 >= steps)
        return j + 1, up, dn, acc, result, found

    init = (jnp.asarray(0, jnp.int32), one, one, one, mode, one >= target)
    return lax.while_loop(find_cond, find_body, init)[4]


# The samplers with loops are jitted as a whole: called eagerly, they then compile once per
# shape and dtype instead of on every call.
@jax.jit
def _hypergeometric(key: jax.Array, good: jax.Array, bad: jax.Array, n: jax.Array) -> jax.Array:
    good, bad, n = jnp.floor(good), jnp.floor(bad), jnp.floor(n)
    valid = (good >= 0) & (bad >= 0) & (n >= 0) & (n <= good + bad)
    good, bad, n = (jnp.where(valid, v, 0) for v in (good, bad, n))
    lo = jnp.maximum(0, n - bad)
    hi = jnp.minimum(n, good)
    mode = jnp.clip(jnp.floor((n + 1) * (good + 1) / (good + bad + 2)), lo, hi)

    def ratio_up(k):
        return (good - k) * (n - k) / ((k + 1) * (bad - n + k + 1))

    def ratio_down(k):
        return k * (bad - n + k) / ((good - k + 1) * (n - k + 1))

    u = jax.random.uniform(key, good.shape, good.dtype)
    k = _walk_from_mode(u, mode, lo, hi, ratio_up, ratio_down)
    return jnp.where(valid, k, -1)


@partial(jax.jit, static_argnames="bound")
def _zipf(key: jax.Array, a: jax.Array, bound: float) -> jax.Array:
    """Devroye's rejection sampler; candidates at or above ``bound`` are rejected."""
    shape, ft = a.shape, a.dtype
    valid = a > 1
    am1 = jnp.where(valid, a - 1, 1)
    b_m1 = jnp.expm1(am1 * math.log(2))  # 2**(a - 1) - 1

    def propose(sub: jax.Array) -> tuple[jax.Array, jax.Array]:
        k_u, k_v = jax.random.split(sub)
        u = uniform_open_closed(k_u, shape, ft)
        v = jax.random.uniform(k_v, shape, ft)
        x = jnp.floor(u ** (-1 / am1))
        log_t = am1 * jnp.log1p(1 / x)  # log of T = (1 + 1/x)**(a - 1)
        # Accept when V x (T - 1) / (b - 1) <= T / b, with b = 2**(a - 1).
        ok = (x >= 1) & (x < bound)
        ok &= v * x * jnp.expm1(log_t) * (b_m1 + 1) <= jnp.exp(log_t) * b_m1
        return x, ok

    return rejection(key, propose, jnp.full(shape, -1, ft), ~valid)


class DiscreteMixin(Sampler):
    """Poisson, binomial, geometric, negative binomial, hypergeometric, log-series, Zipf."""

    __slots__ = ()

    def poisson(
        self, lam: Any = 1.0, size: Any = None, key: Any = None, dtype: Any = None
    ) -> jax.Array:
        """Samples of the Poisson distribution with rate ``lam``.

        Args:
            lam: The expected count ``>= 0`` (array-like).
            size: The output shape; None broadcasts ``lam``'s shape.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: The output dtype; the default int (int32, int64 with x64) if None.

        Returns:
            Counts with mean and variance ``lam``.

        Examples:
            >>> from brainstate_core import random
            >>> random.poisson(3.0, size=3).shape
            (3,)
        """
        dt = numeric_dtype(dtype)
        check_param("poisson", "lam", lam, lambda a: a < 0, ">= 0")
        shape = out_shape(size, lam)
        (lam,) = as_float(float_dtype(None), shape, lam)
        return jax.random.poisson(self._draw_key(key), lam, shape, int_dtype(None)).astype(dt)

    def binomial(
        self,
        n: Any,
        p: Any,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
        check_valid: bool = True,
    ) -> jax.Array:
        """Samples of the binomial distribution: successes in ``n`` trials of probability ``p``.

        Args:
            n: The number of trials, an integer ``>= 0`` (array-like).
            p: The success probability in ``[0, 1]`` (array-like).
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: The output dtype; the default int (int32, int64 with x64) if None.
            check_valid: Whether to check ``n >= 0`` and ``0 <= p <= 1`` (a ``ValueError``
                naming the argument); False skips the check. Only concrete values are checked:
                unlike brainstate 0.1, whose argument this is, a ``p`` traced under ``jit`` is
                not.

        Returns:
            Counts with mean ``n * p`` and variance ``n * p * (1 - p)``.

        Examples:
            >>> from brainstate_core import random
            >>> x = random.binomial(10, 0.5, size=100)
            >>> int(x.min()) >= 0 and int(x.max()) <= 10
            True
        """
        dt = numeric_dtype(dtype)
        ft = float_dtype(None)
        if check_valid:
            check_param("binomial", "n", n, lambda a: a < 0, ">= 0")
            check_param("binomial", "p", p, lambda a: (a < 0) | (a > 1), "in [0, 1]")
        shape = out_shape(size, n, p)
        n, p = as_float(ft, shape, n, p)
        return jax.random.binomial(self._draw_key(key), n, p, shape, ft).astype(dt)

    def geometric(self, p: Any, size: Any = None, key: Any = None, dtype: Any = None) -> jax.Array:
        """Samples of the geometric distribution: the trial of the first success, ``1, 2, ...``.

        Differs from brainstate 0.1: 0.1 counted the failures before the first success
        (``0, 1, ...``: one less) and returned floats.

        Args:
            p: The success probability in ``(0, 1]`` (array-like).
            size: The output shape; None broadcasts ``p``'s shape.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: The output dtype; the default int (int32, int64 with x64) if None.

        Returns:
            Counts ``>= 1`` with mean ``1 / p`` and variance ``(1 - p) / p**2``.

        Examples:
            >>> from brainstate_core import random
            >>> int(random.geometric(0.5, size=20).min()) >= 1
            True
        """
        dt = numeric_dtype(dtype)
        ft = float_dtype(None)
        shape = out_shape(size, p)
        (p,) = as_float(ft, shape, p)
        e = jax.random.exponential(self._draw_key(key), shape, ft)
        # P(X <= k) = P(E <= -k log(1 - p)) = 1 - (1 - p)**k.
        return jnp.maximum(jnp.ceil(e / -jnp.log1p(-p)), 1).astype(dt)

    def negative_binomial(
        self, n: Any, p: Any, size: Any = None, key: Any = None, dtype: Any = None
    ) -> jax.Array:
        """Samples of the negative binomial distribution: failures before ``n`` successes.

        Differs from brainstate 0.1: 0.1 split its keys otherwise (same gamma-Poisson mixture):
        other numbers for the same seed.

        Args:
            n: The number of successes ``> 0`` (array-like; need not be an integer).
            p: The success probability in ``(0, 1]`` (array-like).
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: The output dtype; the default int (int32, int64 with x64) if None.

        Returns:
            Counts with mean ``n * (1 - p) / p`` and variance ``n * (1 - p) / p**2``.

        Examples:
            >>> from brainstate_core import random
            >>> random.negative_binomial(5, 0.5, size=3).shape
            (3,)
        """
        dt = numeric_dtype(dtype)
        ft = float_dtype(None)
        shape = out_shape(size, n, p)
        n, p = as_float(ft, shape, n, p)
        k_gamma, k_poisson = jax.random.split(self._draw_key(key))
        lam = jax.random.gamma(k_gamma, n, shape, ft) * ((1 - p) / p)
        return jax.random.poisson(k_poisson, lam, shape, int_dtype(None)).astype(dt)

    def hypergeometric(
        self,
        ngood: Any,
        nbad: Any,
        nsample: Any,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Samples of the hypergeometric distribution: good items in ``nsample`` draws without
        replacement from ``ngood`` good and ``nbad`` bad items.

        The sampler is exact; it takes ``O(std)`` vectorised steps. Counts are handled in
        floating point: with float32 keep ``ngood + nbad`` below 2**24. Invalid parameters
        (negative, or ``nsample > ngood + nbad``) give -1.

        Differs from brainstate 0.1: 0.1 drew with numpy's global generator in a host callback
        (``key=`` was ignored), so the numbers differ for the same seed.

        Args:
            ngood: The number of good items, an integer ``>= 0`` (array-like).
            nbad: The number of bad items, an integer ``>= 0`` (array-like).
            nsample: The number of draws, ``0 <= nsample <= ngood + nbad`` (array-like).
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: The output dtype; the default int (int32, int64 with x64) if None.

        Returns:
            Counts with mean ``nsample * ngood / (ngood + nbad)``.

        Examples:
            >>> from brainstate_core import random
            >>> x = random.hypergeometric(5, 10, 4, size=50)
            >>> int(x.min()) >= 0 and int(x.max()) <= 4
            True
        """
        dt = numeric_dtype(dtype)
        ft = float_dtype(None)
        shape = out_shape(size, ngood, nbad, nsample)
        good, bad, n = as_float(ft, shape, ngood, nbad, nsample)
        return _hypergeometric(self._draw_key(key), good, bad, n).astype(dt)

    def logseries(self, p: Any, size: Any = None, key: Any = None, dtype: Any = None) -> jax.Array:
        """Samples of the logarithmic series distribution on ``1, 2, ...``.

        ``P(k) = -p**k / (k * log(1 - p))``.

        Differs from brainstate 0.1: 0.1 drew with numpy's global generator in a host callback
        (``key=`` was ignored), so the numbers differ for the same seed.

        Args:
            p: The shape parameter in ``(0, 1)`` (array-like).
            size: The output shape; None broadcasts ``p``'s shape.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: The output dtype; the default int (int32, int64 with x64) if None.

        Returns:
            Counts ``>= 1`` with mean ``-p / ((1 - p) * log(1 - p))``.

        Examples:
            >>> from brainstate_core import random
            >>> int(random.logseries(0.6, size=20).min()) >= 1
            True
        """
        dt = numeric_dtype(dtype)
        ft = float_dtype(None)
        shape = out_shape(size, p)
        (p,) = as_float(ft, shape, p)
        k_q, k_geo = jax.random.split(self._draw_key(key))
        # Given q = 1 - (1 - p)**U, X is geometric on 1, 2, ... with P(X > k) = q**k;
        # integrating over U gives exactly the log-series probabilities.
        u = jax.random.uniform(k_q, shape, ft)
        log_q = jnp.log(-jnp.expm1(u * jnp.log1p(-p)))
        log_v = jnp.log(uniform_open_closed(k_geo, shape, ft))
        return (1 + jnp.floor(log_v / log_q)).astype(dt)

    def zipf(self, a: Any, size: Any = None, key: Any = None, dtype: Any = None) -> jax.Array:
        """Samples of the Zipf (zeta) distribution, ``P(k) = k**-a / zeta(a)`` on ``1, 2, ...``.

        Uses Devroye's rejection method; values that would overflow ``dtype`` are rejected,
        as numpy does. Invalid ``a`` (``<= 1`` or nan) gives -1.

        Differs from brainstate 0.1: 0.1 drew with numpy's global generator in a host callback
        (``key=`` was ignored) and raised for an int ``size``.

        Args:
            a: The exponent ``> 1`` (array-like).
            size: The output shape; None broadcasts ``a``'s shape.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: The output dtype; the default int (int32, int64 with x64) if None.

        Returns:
            Counts ``>= 1`` with mean ``zeta(a - 1) / zeta(a)`` (``a > 2``).

        Examples:
            >>> from brainstate_core import random
            >>> int(random.zipf(2.0, size=20).min()) >= 1
            True
        """
        dt = numeric_dtype(dtype)
        ft = float_dtype(None)
        shape = out_shape(size, a)
        (a,) = as_float(ft, shape, a)
        # Strictly below the largest integer of dtype (rounded to ft), so the cast is exact.
        bound = float(np.iinfo(dt).max if jnp.issubdtype(dt, jnp.integer) else np.finfo(ft).max)
        return _zipf(self._draw_key(key), a, bound).astype(dt)
