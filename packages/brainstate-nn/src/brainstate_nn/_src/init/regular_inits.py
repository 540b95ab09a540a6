"""Deterministic initializers: :class:`ZeroInit`, :class:`Constant`, :class:`Identity`."""

from __future__ import annotations

from typing import Any

import brainunit as u
import jax.numpy as jnp

from ..module import ShapeError
from .base import Initializer, float_dtype, to_size, with_unit

__all__ = ["Constant", "Identity", "ZeroInit"]


class ZeroInit(Initializer):
    """Zeros (in ``unit``).

    Args:
        unit: the brainunit unit of the values (unitless by default).

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.init.ZeroInit()((2, 2)).tolist()
        [[0.0, 0.0], [0.0, 0.0]]
    """

    def __init__(self, unit: u.Unit = u.UNITLESS) -> None:
        self.unit = unit

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        return with_unit(jnp.zeros(to_size(shape), float_dtype(dtype)), self.unit)


class Constant(Initializer):
    """An array filled with ``value`` (a number, an array broadcastable to the shape, or a
    brainunit Quantity).

    Args:
        value: the value to fill with.
        unit: the unit of the result when ``value`` is a plain number (unitless by default).

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.init.Constant(2.0)(3).tolist()
        [2.0, 2.0, 2.0]
    """

    def __init__(self, value: Any = 1.0, unit: u.Unit = u.UNITLESS) -> None:
        self.value = value
        self.unit = unit

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        shape = to_size(shape)
        dtype = float_dtype(dtype)
        if isinstance(self.value, u.Quantity):
            mantissa = jnp.broadcast_to(jnp.asarray(self.value.mantissa, dtype), shape)
            return u.maybe_decimal(u.Quantity(mantissa, unit=self.value.unit))
        return with_unit(jnp.broadcast_to(jnp.asarray(self.value, dtype), shape), self.unit)


class Identity(Initializer):
    """The identity matrix times ``value`` (Le et al., 2015, for recurrent weights).

    A 1-D shape ``(n,)`` gives an ``(n, n)`` matrix; a 2-D shape may be rectangular.

    Args:
        value: the diagonal value.
        unit: the unit of the values (unitless by default).

    Raises:
        ShapeError: the shape has more than two dimensions.

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.init.Identity(2.0)((2, 3)).tolist()
        [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    """

    def __init__(self, value: Any = 1.0, unit: u.Unit = u.UNITLESS) -> None:
        self.value = value
        self.unit = unit

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        shape = to_size(shape)
        if shape is None or not 1 <= len(shape) <= 2:
            raise ShapeError(f"Identity initializes 1-D or 2-D weights only, got shape {shape}")
        eye = jnp.eye(*shape, dtype=float_dtype(dtype))
        return with_unit(eye * jnp.asarray(self.value, eye.dtype), self.unit)
