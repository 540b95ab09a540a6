"""Bitwise logic on spike trains (0/1 arrays), written arithmetically so it differentiates
(e.g. through surrogate spikes) and works on floats."""

from __future__ import annotations

from typing import Any

__all__ = [
    "SPIKE_BITWISE_OPS",
    "spike_bitwise",
    "spike_bitwise_and",
    "spike_bitwise_iand",
    "spike_bitwise_not",
    "spike_bitwise_or",
    "spike_bitwise_ixor",
    "spike_bitwise_xor",
]


def spike_bitwise_or(x: Any, y: Any) -> Any:
    """``x OR y`` for spikes: ``x + y - x * y``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> x, y = jnp.array([0.0, 1.0, 1.0]), jnp.array([0.0, 0.0, 1.0])
        >>> nn.functional.spike_bitwise_or(x, y).tolist()
        [0.0, 1.0, 1.0]
    """
    return x + y - x * y


def spike_bitwise_and(x: Any, y: Any) -> Any:
    """``x AND y`` for spikes: ``x * y``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> x, y = jnp.array([0.0, 1.0, 1.0]), jnp.array([1.0, 0.0, 1.0])
        >>> nn.functional.spike_bitwise_and(x, y).tolist()
        [0.0, 0.0, 1.0]
    """
    return x * y


def spike_bitwise_iand(x: Any, y: Any) -> Any:
    """``(NOT x) AND y`` for spikes: ``(1 - x) * y``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> x, y = jnp.array([0.0, 1.0]), jnp.array([1.0, 1.0])
        >>> nn.functional.spike_bitwise_iand(x, y).tolist()
        [1.0, 0.0]
    """
    return (1 - x) * y


def spike_bitwise_not(x: Any) -> Any:
    """``NOT x`` for spikes: ``1 - x``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.spike_bitwise_not(jnp.array([0.0, 1.0])).tolist()
        [1.0, 0.0]
    """
    return 1 - x


def spike_bitwise_xor(x: Any, y: Any) -> Any:
    """``x XOR y`` for spikes: ``x + y - 2 * x * y``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> x, y = jnp.array([0.0, 1.0, 1.0]), jnp.array([1.0, 0.0, 1.0])
        >>> nn.functional.spike_bitwise_xor(x, y).tolist()
        [1.0, 1.0, 0.0]
    """
    return x + y - 2 * x * y


def spike_bitwise_ixor(x: Any, y: Any) -> Any:
    """``x XOR y`` written as ``x * (1 - y) + (1 - x) * y`` (equal to :func:`spike_bitwise_xor`
    on 0/1 spikes; a different surrogate on real values).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> x, y = jnp.array([0.0, 1.0, 1.0]), jnp.array([1.0, 0.0, 1.0])
        >>> nn.functional.spike_bitwise_ixor(x, y).tolist()
        [1.0, 1.0, 0.0]
    """
    return x * (1 - y) + (1 - x) * y


def _add(x: Any, y: Any) -> Any:
    return x + y


SPIKE_BITWISE_OPS = {
    "add": _add,
    "and": spike_bitwise_and,
    "iand": spike_bitwise_iand,
    "or": spike_bitwise_or,
    "xor": spike_bitwise_xor,
    "ixor": spike_bitwise_ixor,
}


def spike_bitwise(x: Any, y: Any, op: str) -> Any:
    r"""A bitwise operation ``g(x, y)`` on spikes, chosen by ``op``:

    ======== ============================ ==========================
    ``op``   meaning                      formula
    ======== ============================ ==========================
    ``add``  ADD                          ``x + y``
    ``and``  x AND y                      ``x * y``
    ``iand`` (NOT x) AND y                ``(1 - x) * y``
    ``or``   x OR y                       ``x + y - x * y``
    ``xor``  x XOR y                      ``x + y - 2 * x * y``
    ``ixor`` x XOR y                      ``x * (1 - y) + (1 - x) * y``
    ======== ============================ ==========================

    Args:
        x: spikes.
        y: spikes.
        op: one of ``'add'``, ``'and'``, ``'iand'``, ``'or'``, ``'xor'``, ``'ixor'``.

    Raises:
        ValueError: an unknown ``op``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.spike_bitwise(jnp.array([1.0]), jnp.array([1.0]), "xor").tolist()
        [0.0]
    """
    try:
        fun = SPIKE_BITWISE_OPS[op]
    except (KeyError, TypeError):
        raise ValueError(
            f"spike_bitwise: op must be one of {sorted(SPIKE_BITWISE_OPS)}, got {op!r}"
        ) from None
    return fun(x, y)
