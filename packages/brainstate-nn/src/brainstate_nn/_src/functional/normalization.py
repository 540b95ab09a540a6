"""``weight_standardization`` and ``clip_grad_norm``."""

from __future__ import annotations

from typing import Any

import brainunit as u
import jax
import jax.numpy as jnp

__all__ = ["clip_grad_norm", "weight_standardization"]


def weight_standardization(
    w: Any,
    eps: float = 1e-4,
    gain: Any = None,
    out_axis: int = -1,
) -> Any:
    """Scaled weight standardization (Qiao et al., 2019; Brock et al., 2021).

    Each output unit's weights (all axes but ``out_axis``) are shifted to mean 0 and scaled
    to variance ``1 / fan_in``: ``(w - mean) / sqrt(max(var * fan_in, eps))``, then
    multiplied by ``gain`` if given.

    Args:
        w: the weight (array or Quantity; the result is dimensionless, a plain array).
        eps: a floor of ``var * fan_in``, against division by zero.
        gain: an optional gain broadcasting against ``w`` (e.g. of shape ``(1, out)``).
        out_axis: the output axis.

    Returns:
        The standardized weight, of the shape of ``w``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> w = nn.functional.weight_standardization(jnp.arange(6.0).reshape(3, 2))
        >>> [round(float(v), 4) for v in w.mean(axis=0)]
        [0.0, 0.0]
    """
    out_axis = out_axis % w.ndim
    axes = tuple(i for i in range(w.ndim) if i != out_axis)
    fan_in = 1
    for i in axes:
        fan_in *= w.shape[i]
    if isinstance(w, u.Quantity):  # the standardized weight is dimensionless
        w = w.mantissa
    mean = jnp.mean(w, axis=axes, keepdims=True)
    var = jnp.var(w, axis=axes, keepdims=True)
    scale = jax.lax.rsqrt(jnp.maximum(var * fan_in, eps))
    if gain is not None:
        scale = gain * scale
    return (w - mean) * scale


def clip_grad_norm(
    grad: Any, max_norm: float | jax.Array, norm_type: int | str | None = None
) -> Any:
    """Scale a pytree of gradients so that their global norm is at most ``max_norm``.

    The norm is taken over all leaves together, as if concatenated into one vector:
    ``norm_type`` None or 2 is the Euclidean norm, ``'inf'`` / ``jnp.inf`` the largest
    absolute value, another number ``p`` the p-norm. Leaves are scaled by
    ``max_norm / (norm + 1e-6)`` when ``norm >= max_norm`` and returned as they are
    otherwise (the inputs are not modified).

    Args:
        grad: a pytree of arrays.
        max_norm: the largest norm allowed.
        norm_type: the norm (None: 2-norm).

    Returns:
        The clipped pytree.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> g = nn.functional.clip_grad_norm({"w": jnp.array([3.0, 4.0])}, 1.0)
        >>> round(float(jnp.linalg.norm(g["w"])), 4)
        1.0
    """
    leaves = jax.tree.leaves(grad)
    if not leaves:
        return grad
    if norm_type in ("inf", jnp.inf, float("inf")):
        norm = jnp.max(jnp.stack([jnp.max(jnp.abs(x)) for x in leaves]))
    else:
        p = 2.0 if norm_type is None else float(norm_type)
        norm = jnp.sum(jnp.stack([jnp.sum(jnp.abs(x) ** p) for x in leaves])) ** (1.0 / p)
    factor = jnp.where(norm < max_norm, 1.0, max_norm / (norm + 1e-6))
    return jax.tree.map(lambda x: (x * factor).astype(x.dtype), grad)
