"""Multivariate distributions: each draw is a vector (or matrix) along the trailing axes."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

from ._common import Sampler, broadcast_size, float_dtype, numeric_dtype, size_to_shape

__all__ = ["MultivariateMixin"]

_MVN_METHODS = ("cholesky", "eigh", "svd")


def _vector_param(value: Any, dt: Any, arg: str, ndim: int = 1) -> jax.Array:
    x = jnp.asarray(value, dt)
    if x.ndim < ndim:
        raise ValueError(
            f"`{arg}` must have at least {ndim} dimension(s) (the trailing ones index the "
            f"components), but an array of shape {x.shape} was given."
        )
    return x


def _lift(x: jax.Array, ndim: int) -> jax.Array:
    """``x`` with leading size-1 axes added up to ``ndim`` dimensions."""
    return x.reshape((1,) * (ndim - x.ndim) + x.shape)


@jax.jit
def _multinomial(key: jax.Array, n: jax.Array, p: jax.Array) -> jax.Array:
    """Counts as ``k - 1`` conditional binomials: category ``i`` takes a binomial share of the
    draws left, with probability ``p_i / (p_i + ... + p_k)``; the last takes the rest."""
    batch, k = n.shape, p.shape[-1]
    left = 1 - (jnp.cumsum(p, axis=-1) - p)  # the mass of category i and those after it
    cond = jnp.where(left > 0, jnp.clip(p / jnp.where(left > 0, left, 1), 0, 1), 1)

    def draw(rest, xs):
        sub, prob = xs
        x = jax.random.binomial(sub, rest, prob, batch, n.dtype)
        return rest - x, x

    keys = jax.random.split(key, k - 1)
    rest, counts = lax.scan(draw, jnp.floor(n), (keys, jnp.moveaxis(cond[..., :-1], -1, 0)))
    return jnp.concatenate([jnp.moveaxis(counts, 0, -1), rest[..., None]], axis=-1)


class MultivariateMixin(Sampler):
    """Dirichlet, multinomial, multivariate normal and random orthogonal matrices."""

    __slots__ = ()

    def dirichlet(
        self, alpha: Any, size: Any = None, key: Any = None, dtype: Any = None
    ) -> jax.Array:
        """Samples of the Dirichlet distribution: probability vectors over ``k`` categories.

        Computed from log-gamma samples and a softmax, so that small ``alpha`` does not
        underflow to ``0 / 0``.

        Args:
            alpha: The concentrations ``> 0``, of shape ``(..., k)``.
            size: The batch shape; the output has shape ``size + (k,)``. None uses the batch
                shape of ``alpha``.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Vectors that sum to 1, with mean ``alpha / alpha.sum(-1)``.

        Examples:
            >>> from brainstate_core import random
            >>> random.dirichlet([1.0, 2.0, 3.0], size=4).shape
            (4, 3)
        """
        dt = float_dtype(dtype)
        alpha = _vector_param(alpha, dt, "alpha")
        shape = (*broadcast_size(size, alpha.shape[:-1]), alpha.shape[-1])
        log_g = jax.random.loggamma(self._draw_key(key), jnp.broadcast_to(alpha, shape), shape, dt)
        return jax.nn.softmax(log_g, axis=-1)

    def multinomial(
        self,
        n: Any,
        pvals: Any,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Samples of the multinomial distribution: counts of ``n`` draws over ``k`` categories.

        As in numpy, the last entry of ``pvals`` is not used: the last category takes the
        probability left over by the others. Drawn as ``k - 1`` conditional binomials.

        Differs from brainstate 0.1: 0.1 drew ``max(n)`` categorical samples and counted them (``n``
        had to be concrete, not traced); other numbers for the same seed.

        Args:
            n: The number of draws, an integer ``>= 0`` (array-like, batch-shaped).
            pvals: The category probabilities, of shape ``(..., k)``.
            size: The batch shape; the output has shape ``size + (k,)``. None broadcasts the
                batch shapes of ``n`` and ``pvals``.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: The output dtype; the default int (int32, int64 with x64) if None.

        Returns:
            Count vectors that sum to ``n``, with mean ``n * pvals``.

        Examples:
            >>> from brainstate_core import random
            >>> x = random.multinomial(10, [0.2, 0.3, 0.5], size=2)
            >>> x.shape, x.sum(-1).tolist()
            ((2, 3), [10, 10])
        """
        dt = numeric_dtype(dtype)
        ft = float_dtype(None)
        pvals = _vector_param(pvals, ft, "pvals")
        k = pvals.shape[-1]
        batch = broadcast_size(size, jnp.shape(n), pvals.shape[:-1])
        p = jnp.broadcast_to(pvals, (*batch, k))
        n = jnp.broadcast_to(jnp.asarray(n, ft), batch)
        return _multinomial(self._draw_key(key), n, p).astype(dt)

    def multivariate_normal(
        self,
        mean: Any,
        cov: Any,
        size: Any = None,
        method: str = "cholesky",
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Samples of the multivariate normal distribution ``N(mean, cov)``.

        Args:
            mean: The mean, of shape ``(..., k)``.
            cov: The covariance, symmetric positive (semi-)definite, of shape ``(..., k, k)``.
            size: The batch shape; the output has shape ``size + (k,)``. None broadcasts the
                batch shapes of ``mean`` and ``cov``.
            method: How to factor ``cov``: ``'cholesky'`` (fastest; needs a positive definite
                ``cov``, else nan), ``'eigh'`` or ``'svd'`` (both allow semi-definite ``cov``).
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Vectors with mean ``mean`` and covariance ``cov``.

        Examples:
            >>> from brainstate_core import random
            >>> random.multivariate_normal([0.0, 1.0], [[1.0, 0.5], [0.5, 1.0]], size=5).shape
            (5, 2)
        """
        if method not in _MVN_METHODS:
            raise ValueError(f"`method` must be one of {_MVN_METHODS}, but {method!r} was given.")
        dt = float_dtype(dtype)
        mean = _vector_param(mean, dt, "mean")
        cov = _vector_param(cov, dt, "cov", ndim=2)
        k = mean.shape[-1]
        if cov.shape[-2:] != (k, k):
            raise ValueError(
                f"`cov` must have shape (..., {k}, {k}) to match `mean` of shape {mean.shape}, "
                f"but it has shape {cov.shape}."
            )
        batch = broadcast_size(size, mean.shape[:-1], cov.shape[:-2])
        if method == "cholesky":
            factor = jnp.linalg.cholesky(cov)
        elif method == "eigh":
            w, v = jnp.linalg.eigh(cov)
            factor = v * jnp.sqrt(jnp.clip(w, 0))[..., None, :]
        else:
            u, s, _ = jnp.linalg.svd(cov)
            factor = u * jnp.sqrt(s)[..., None, :]
        z = jax.random.normal(self._draw_key(key), (*batch, k), dt)
        # Align ranks explicitly (no implicit rank promotion) and let size-1 axes broadcast.
        factor = _lift(factor, len(batch) + 2)
        return _lift(mean, len(batch) + 1) + jnp.matmul(factor, z[..., None])[..., 0]

    def orthogonal(self, n: int, size: Any = None, key: Any = None, dtype: Any = None) -> jax.Array:
        """Random orthogonal ``n x n`` matrices, uniform (Haar) over the orthogonal group.

        Args:
            n: The matrix dimension.
            size: The batch shape; the output has shape ``size + (n, n)``.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Matrices ``Q`` with ``Q @ Q.T == I``.

        Examples:
            >>> import jax.numpy as jnp
            >>> from brainstate_core import random
            >>> q = random.orthogonal(3)
            >>> bool(jnp.allclose(q @ q.T, jnp.eye(3), atol=1e-5))
            True
        """
        dt = float_dtype(dtype)
        shape = size_to_shape(size) or ()
        return jax.random.orthogonal(self._draw_key(key), n, shape, dt)
