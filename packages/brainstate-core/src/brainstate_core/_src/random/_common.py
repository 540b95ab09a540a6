"""Shared helpers of the distributions: sizes, dtypes and a vectorised rejection loop."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..jax_compat import is_tracer

__all__ = [
    "Sampler",
    "size_to_shape",
    "out_shape",
    "broadcast_size",
    "float_dtype",
    "int_dtype",
    "numeric_dtype",
    "as_float",
    "uniform_open_closed",
    "rejection",
]


class Sampler:
    """Base of the distribution mixins of :class:`RandomState`.

    A mixin method draws with ``self._draw_key(key)``: the explicit ``key`` when one is given,
    otherwise a fresh subkey split from the generator (which advances it).
    """

    __slots__ = ()

    def _draw_key(self, key: Any) -> jax.Array:  # pragma: no cover - RandomState overrides
        raise NotImplementedError


def check_param(
    dist: str, name: str, value: Any, invalid: Callable[[np.ndarray], Any], expected: str
) -> None:
    """numpy's check of a distribution parameter: a ``ValueError`` naming it when a concrete
    value is out of range (``invalid`` marks such entries; NaN passes, as in numpy). A traced
    value (inside ``jit``) cannot be checked."""
    if any(is_tracer(leaf) for leaf in jax.tree.leaves(value)):
        return
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):
        return
    if arr.dtype == object:
        return
    mask = np.asarray(invalid(arr), bool)
    if not mask.any():
        return
    shown = arr[mask].ravel()[:3].tolist() if arr.ndim else None
    raise ValueError(
        f"{dist}: `{name}` must be {expected}, got {shown if arr.ndim else arr.item()}."
    )


def size_to_shape(size: Any, arg: str = "size") -> tuple[int, ...] | None:
    """numpy's ``size`` argument as a shape tuple; ``None`` stays ``None``."""
    if size is None:
        return None
    items: Sequence[Any] = (size,) if np.ndim(size) == 0 else tuple(size)
    try:
        shape = tuple(operator.index(d) for d in items)
    except TypeError:
        raise TypeError(
            f"`{arg}` must be None, an int or a sequence of ints, but {size!r} was given."
        ) from None
    if any(d < 0 for d in shape):
        raise ValueError(f"`{arg}` must not contain negative dimensions, but {size!r} was given.")
    return shape


def out_shape(size: Any, *params: Any) -> tuple[int, ...]:
    """The output shape of a draw: ``size``, or the broadcast shape of the parameters.

    As in numpy, with ``size`` given the parameters must broadcast to it.
    """
    return broadcast_size(size, *(np.shape(p) for p in params))


def broadcast_size(size: Any, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """``size`` as a shape that all ``shapes`` broadcast to, or their broadcast shape if None."""
    try:
        param_shape = tuple(jnp.broadcast_shapes(*shapes))
    except ValueError:
        shapes_text = ", ".join(str(tuple(s)) for s in shapes)
        raise ValueError(
            f"The distribution's parameters, of shapes {shapes_text}, do not broadcast together."
        ) from None
    shape = size_to_shape(size)
    if shape is None:
        return param_shape
    try:
        ok = jnp.broadcast_shapes(shape, param_shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(
            f"`size`={size!r} is not a shape that the parameters (broadcast shape "
            f"{param_shape}) broadcast to. Give a size that ends in the parameters' shape, "
            "or size=None for one draw per parameter."
        )
    return shape


def _canonical(dtype: Any) -> np.dtype:
    try:
        return np.dtype(jax.dtypes.canonicalize_dtype(dtype))
    except TypeError:
        raise TypeError(f"`dtype` must be a numpy/JAX dtype, but {dtype!r} was given.") from None


def float_dtype(dtype: Any) -> np.dtype:
    """The floating dtype of a draw: the default float (float32, float64 with x64) for ``None``."""
    if dtype is None:
        return _canonical(float)
    dt = _canonical(dtype)
    if not jnp.issubdtype(dt, jnp.floating):
        raise TypeError(
            f"`dtype` must be a floating dtype for this continuous distribution, but {dt} was "
            "given."
        )
    return dt


def int_dtype(dtype: Any) -> np.dtype:
    """An integer dtype: the default int (int32, int64 with x64) for ``None``."""
    if dtype is None:
        return _canonical(int)
    dt = _canonical(dtype)
    if not jnp.issubdtype(dt, jnp.integer):
        raise TypeError(f"`dtype` must be an integer dtype, but {dt} was given.")
    return dt


def numeric_dtype(dtype: Any, default: Any = int) -> np.dtype:
    """The output dtype of a discrete draw: ``default`` for ``None``, else any numeric dtype."""
    dt = _canonical(default if dtype is None else dtype)
    if not (jnp.issubdtype(dt, jnp.number) or dt == np.bool_):
        raise TypeError(f"`dtype` must be a numeric dtype, but {dt} was given.")
    return dt


def as_float(dtype: np.dtype, shape: tuple[int, ...], *params: Any) -> list[jax.Array]:
    """The parameters as arrays of ``dtype``, broadcast to ``shape``."""
    return [jnp.broadcast_to(jnp.asarray(p, dtype), shape) for p in params]


def uniform_open_closed(key: jax.Array, shape: tuple[int, ...], dtype: np.dtype) -> jax.Array:
    """Uniform samples on ``(0, 1]``, safe to take the logarithm of."""
    return 1 - jax.random.uniform(key, shape, dtype)


def rejection(
    key: jax.Array,
    propose: Callable[[jax.Array], tuple[jax.Array, jax.Array]],
    init: jax.Array,
    done: jax.Array,
    max_rounds: int = 10_000,
) -> jax.Array:
    """Vectorised rejection sampling: draw until every element has accepted a proposal.

    Each round calls ``propose(subkey)``, which returns ``(candidates, accepted)`` of the
    output's shape; elements that accept for the first time keep their candidate. Elements
    with ``done`` already true (invalid parameters) keep ``init``. The loop stops after
    ``max_rounds`` rounds at the latest, so it always terminates; the samplers that use it
    accept with probability bounded away from zero, so the cap is never reached in practice.

    Args:
        key: A typed key.
        propose: Draws one round of candidates and their acceptance flags.
        init: The value of elements that never accept.
        done: Elements that need no sample.
        max_rounds: The cap on the number of rounds.

    Returns:
        The accepted samples.
    """

    def cond(carry):
        i, _, finished = carry
        return (i < max_rounds) & ~jnp.all(finished)

    def body(carry):
        i, out, finished = carry
        candidate, accepted = propose(jax.random.fold_in(key, i))
        take = accepted & ~finished
        return i + 1, jnp.where(take, candidate, out), finished | accepted

    _, out, _ = lax.while_loop(cond, body, (jnp.asarray(0, jnp.int32), init, done))
    return out
