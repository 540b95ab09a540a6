"""Uniform and normal draws, integers, choices and permutations (numpy's "simple random data")."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..jax_compat import is_tracer
from ._common import (
    Sampler,
    as_float,
    check_param,
    float_dtype,
    int_dtype,
    numeric_dtype,
    out_shape,
    size_to_shape,
)

__all__ = ["BasicMixin"]


def _dims(dn: tuple[Any, ...]) -> tuple[int, ...]:
    shape = size_to_shape(dn, "*dn")
    assert shape is not None
    return shape


def _like_dtype(input: Any, dtype: Any, kind: Any) -> Any:
    """``dtype``, or ``input``'s dtype when it is of ``kind``, or ``None`` (the default)."""
    if dtype is not None:
        return dtype
    in_dtype = getattr(input, "dtype", None)
    if in_dtype is not None and jnp.issubdtype(in_dtype, kind):
        return in_dtype
    return None


def _array_like(a: Any) -> Any:
    """Sequences (as numpy takes them) as arrays; an int ``n`` stays ``n`` (``arange(n)``)."""
    return jnp.asarray(a) if isinstance(a, (list, tuple)) else a


class BasicMixin(Sampler):
    """Uniform, normal and integer draws; choices, permutations; ``*_like`` helpers."""

    __slots__ = ()

    # -- uniform ------------------------------------------------------------------------
    def rand(self, *dn: int, key: Any = None, dtype: Any = None) -> jax.Array:
        """Uniform samples on ``[0, 1)`` of shape ``dn`` (numpy's ``rand``).

        Args:
            *dn: The dimensions of the output; none gives a scalar.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            An array of shape ``dn``.

        Examples:
            >>> from brainstate_core import random
            >>> x = random.rand(2, 3)
            >>> x.shape, bool(((0 <= x) & (x < 1)).all())
            ((2, 3), True)
        """
        return self.random(_dims(dn), key=key, dtype=dtype)

    def random(self, size: Any = None, key: Any = None, dtype: Any = None) -> jax.Array:
        """Uniform samples on ``[0, 1)`` (numpy's ``random``/``random_sample``).

        Args:
            size: The output shape (int or tuple); None gives a scalar.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            An array of shape ``size``.

        Examples:
            >>> from brainstate_core import random
            >>> random.random((2, 2)).shape
            (2, 2)
        """
        dt = float_dtype(dtype)
        return jax.random.uniform(self._draw_key(key), out_shape(size), dt)

    def random_sample(self, size: Any = None, key: Any = None, dtype: Any = None) -> jax.Array:
        """Alias of :meth:`random` (numpy's legacy name)."""
        return self.random(size, key=key, dtype=dtype)

    def ranf(self, size: Any = None, key: Any = None, dtype: Any = None) -> jax.Array:
        """Alias of :meth:`random` (numpy's legacy name)."""
        return self.random(size, key=key, dtype=dtype)

    def sample(self, size: Any = None, key: Any = None, dtype: Any = None) -> jax.Array:
        """Alias of :meth:`random` (numpy's legacy name)."""
        return self.random(size, key=key, dtype=dtype)

    def uniform(
        self,
        low: Any = 0.0,
        high: Any = 1.0,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Uniform samples on ``[low, high)``.

        As in numpy, ``high`` may be below ``low`` (samples then lie in ``(high, low]``), and
        rounding may occasionally give ``high`` itself.

        Args:
            low: The lower bound (array-like).
            high: The upper bound (array-like).
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            Samples with mean ``(low + high) / 2`` and variance ``(high - low)**2 / 12``.

        Examples:
            >>> from brainstate_core import random
            >>> random.uniform(-1.0, [1.0, 2.0, 3.0]).shape
            (3,)
        """
        dt = float_dtype(dtype)
        shape = out_shape(size, low, high)
        low, high = as_float(dt, shape, low, high)
        u = jax.random.uniform(self._draw_key(key), shape, dt)
        return low + (high - low) * u

    # -- normal -------------------------------------------------------------------------
    def randn(self, *dn: int, key: Any = None, dtype: Any = None) -> jax.Array:
        """Standard normal samples of shape ``dn`` (numpy's ``randn``).

        Args:
            *dn: The dimensions of the output; none gives a scalar.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            An array of shape ``dn``.

        Examples:
            >>> from brainstate_core import random
            >>> random.randn(4).shape
            (4,)
        """
        return self.standard_normal(_dims(dn), key=key, dtype=dtype)

    def standard_normal(self, size: Any = None, key: Any = None, dtype: Any = None) -> jax.Array:
        """Samples of the standard normal distribution ``N(0, 1)``.

        Args:
            size: The output shape (int or tuple); None gives a scalar.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            An array of shape ``size``.

        Examples:
            >>> from brainstate_core import random
            >>> random.standard_normal((2, 3)).dtype
            dtype('float32')
        """
        dt = float_dtype(dtype)
        return jax.random.normal(self._draw_key(key), out_shape(size), dt)

    def normal(
        self,
        loc: Any = 0.0,
        scale: Any = 1.0,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Samples of the normal distribution with mean ``loc`` and standard deviation ``scale``.

        Args:
            loc: The mean (array-like).
            scale: The standard deviation, ``>= 0`` (array-like).
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; the default float (float32, float64 with x64) if None.

        Returns:
            The samples.

        Examples:
            >>> from brainstate_core import random
            >>> random.normal(10.0, 0.1, size=(3, 2)).shape
            (3, 2)
        """
        check_param("normal", "scale", scale, lambda a: a < 0, ">= 0")
        dt = float_dtype(dtype)
        shape = out_shape(size, loc, scale)
        loc, scale = as_float(dt, shape, loc, scale)
        return loc + scale * jax.random.normal(self._draw_key(key), shape, dt)

    # -- integers -----------------------------------------------------------------------
    def randint(
        self,
        low: Any,
        high: Any = None,
        size: Any = None,
        dtype: Any = None,
        key: Any = None,
    ) -> jax.Array:
        """Uniform integers on ``[low, high)``, or on ``[0, low)`` when ``high`` is None.

        As in brainstate 0.1, the method takes ``dtype`` before ``key`` positionally and the
        module-level ``random.randint(low, high, size, key, dtype)`` ``key`` before ``dtype``;
        pass them by name to be clear.

        Differs from brainstate 0.1: with a ``dtype`` narrower than 32 bits 0.1 (under JAX 0.6) drew
        other numbers; they now equal the int32 draw's.

        Args:
            low: The lowest integer (or the exclusive upper bound if ``high`` is None).
            high: The exclusive upper bound.
            size: The output shape; None broadcasts the parameters' shapes.
            dtype: An integer dtype; the default int (int32, int64 with x64) if None.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.

        Returns:
            The integers.

        Examples:
            >>> from brainstate_core import random
            >>> x = random.randint(5, size=100)
            >>> int(x.min()) >= 0 and int(x.max()) < 5
            True
        """
        if high is None:
            low, high = 0, low
        if not any(is_tracer(v) for v in (low, high)):
            lo, hi = np.broadcast_arrays(np.asarray(low), np.asarray(high))
            if np.any(hi <= lo):  # numpy's "low >= high"
                i = np.unravel_index(np.argmax(hi <= lo), hi.shape) if hi.ndim else ()
                raise ValueError(
                    f"randint: `high` must be greater than `low`, got low={lo[i]}, high={hi[i]}."
                )
        dt = int_dtype(dtype)
        shape = out_shape(size, low, high)
        low, high = (jnp.broadcast_to(jnp.asarray(v), shape) for v in (low, high))
        return jax.random.randint(self._draw_key(key), shape, low, high, dt)

    def random_integers(
        self,
        low: Any,
        high: Any = None,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Uniform integers on the closed interval ``[low, high]``, or ``[1, low]``.

        Args:
            low: The lowest integer (or the inclusive upper bound if ``high`` is None).
            high: The inclusive upper bound.
            size: The output shape; None broadcasts the parameters' shapes.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: An integer dtype; the default int (int32, int64 with x64) if None.

        Returns:
            The integers.

        Examples:
            >>> from brainstate_core import random
            >>> x = random.random_integers(6, size=1000)
            >>> int(x.min()), int(x.max())
            (1, 6)
        """
        if high is None:
            low, high = 1, low
        high = high + 1 if isinstance(high, jax.Array) else np.add(high, 1)
        return self.randint(low, high, size, dtype, key=key)

    # -- choices and permutations ---------------------------------------------------------
    def choice(
        self,
        a: Any,
        size: Any = None,
        replace: bool = True,
        p: Any = None,
        key: Any = None,
        *,
        axis: int = 0,
    ) -> jax.Array:
        """A random sample from ``a`` (or from ``arange(a)`` when ``a`` is an int).

        Args:
            a: An array to sample from along ``axis``, or an int ``n`` for ``arange(n)``.
            size: The shape of the sample; None draws a single element.
            replace: Whether to sample with replacement.
            p: The probabilities of the entries of ``a`` (uniform if None).
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            axis: The axis of ``a`` to sample along (keyword-only: the fifth positional
                argument is ``key``, as in brainstate 0.1).

        Returns:
            The sampled entries.

        Examples:
            >>> from brainstate_core import random
            >>> random.choice(10, size=3, replace=False).shape
            (3,)
        """
        shape = size_to_shape(size) or ()
        a = _array_like(a)
        p = None if p is None else jnp.asarray(p)
        return jax.random.choice(self._draw_key(key), a, shape, replace, p, axis)

    def permutation(
        self, x: Any, axis: int = 0, independent: bool = False, key: Any = None
    ) -> jax.Array:
        """A permuted copy of ``x`` (or a permutation of ``arange(x)`` for an int ``x``).

        Args:
            x: An array, or an int ``n``.
            axis: The axis to permute along.
            independent: Whether to permute each slice along ``axis`` independently.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.

        Returns:
            The permuted array.

        Examples:
            >>> from brainstate_core import random
            >>> sorted(random.permutation(5).tolist())
            [0, 1, 2, 3, 4]
        """
        return jax.random.permutation(self._draw_key(key), _array_like(x), axis, independent)

    def shuffle(self, x: Any, axis: int = 0, key: Any = None) -> jax.Array:
        """``x`` shuffled along ``axis``; JAX arrays are immutable, so it is returned.

        Unlike numpy's in-place ``shuffle``, the input is left unchanged.

        Args:
            x: The array to shuffle.
            axis: The axis to shuffle along.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.

        Returns:
            A shuffled copy of ``x``.

        Examples:
            >>> import jax.numpy as jnp
            >>> from brainstate_core import random
            >>> sorted(random.shuffle(jnp.arange(4)).tolist())
            [0, 1, 2, 3]
        """
        x = jnp.asarray(x)
        if x.ndim == 0:
            raise TypeError("`x` must be an array with at least one dimension to shuffle.")
        return jax.random.permutation(self._draw_key(key), x, axis)

    # -- two-outcome and categorical ------------------------------------------------------
    def bernoulli(
        self, p: Any = 0.5, size: Any = None, key: Any = None, dtype: Any = None
    ) -> jax.Array:
        """Bernoulli trials: ``True`` with probability ``p``.

        Args:
            p: The probability of ``True``, in ``[0, 1]`` (array-like).
            size: The output shape; None broadcasts ``p``'s shape.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: The output dtype; bool if None.

        Returns:
            The outcomes.

        Examples:
            >>> from brainstate_core import random
            >>> random.bernoulli(0.3, size=4).dtype
            dtype('bool')
        """
        dt = numeric_dtype(dtype, np.bool_)
        shape = out_shape(size, p)
        (p,) = as_float(float_dtype(None), shape, p)
        return jax.random.bernoulli(self._draw_key(key), p, shape).astype(dt)

    def categorical(
        self,
        logits: Any,
        axis: int = -1,
        size: Any = None,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Category indices drawn with probabilities ``softmax(logits)`` along ``axis``.

        Args:
            logits: Unnormalised log-probabilities.
            axis: The axis of ``logits`` that indexes the categories.
            size: The output shape; it must end in the batch shape of ``logits`` (its shape
                without ``axis``); None gives one draw per batch entry.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: An integer dtype; the default int (int32, int64 with x64) if None.

        Returns:
            The category indices.

        Examples:
            >>> import jax.numpy as jnp
            >>> from brainstate_core import random
            >>> random.categorical(jnp.log(jnp.array([0.2, 0.8])), size=5).shape
            (5,)
        """
        dt = int_dtype(dtype)
        shape = size_to_shape(size)
        out = jax.random.categorical(self._draw_key(key), jnp.asarray(logits), axis, shape)
        return out.astype(dt)

    # -- *_like -------------------------------------------------------------------------
    def rand_like(self, input: Any, *, key: Any = None, dtype: Any = None) -> jax.Array:
        """Uniform samples on ``[0, 1)`` with the shape of ``input``.

        Args:
            input: An array whose shape (and floating dtype, if it has one) to use.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; ``input``'s if floating, else the default float.

        Returns:
            An array shaped like ``input``.

        Examples:
            >>> import jax.numpy as jnp
            >>> from brainstate_core import random
            >>> random.rand_like(jnp.zeros((2, 3))).shape
            (2, 3)
        """
        dtype = _like_dtype(input, dtype, jnp.floating)
        return self.random(np.shape(input), key=key, dtype=dtype)

    def randn_like(self, input: Any, *, key: Any = None, dtype: Any = None) -> jax.Array:
        """Standard normal samples with the shape of ``input``.

        Args:
            input: An array whose shape (and floating dtype, if it has one) to use.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: A floating dtype; ``input``'s if floating, else the default float.

        Returns:
            An array shaped like ``input``.

        Examples:
            >>> import jax.numpy as jnp
            >>> from brainstate_core import random
            >>> random.randn_like(jnp.zeros(3)).shape
            (3,)
        """
        dtype = _like_dtype(input, dtype, jnp.floating)
        return self.standard_normal(np.shape(input), key=key, dtype=dtype)

    def randint_like(
        self,
        input: Any,
        low: Any = 0,
        high: Any = None,
        *,
        key: Any = None,
        dtype: Any = None,
    ) -> jax.Array:
        """Uniform integers on ``[low, high)`` (``[0, low)`` if ``high`` is None) shaped like
        ``input``.

        Args:
            input: An array whose shape (and integer dtype, if it has one) to use.
            low: The lowest integer (or the exclusive upper bound if ``high`` is None).
            high: The exclusive upper bound.
            key: A key (or integer seed) to draw with; if given, the generator is not advanced.
            dtype: An integer dtype; ``input``'s if integer, else the default int.

        Returns:
            An array shaped like ``input``.

        Examples:
            >>> import jax.numpy as jnp
            >>> from brainstate_core import random
            >>> random.randint_like(jnp.zeros((2, 2)), 10).shape
            (2, 2)
        """
        dtype = _like_dtype(input, dtype, jnp.integer)
        return self.randint(low, high, np.shape(input), dtype, key=key)
