"""``Flatten`` and ``Unflatten``: reshaping layers for :class:`~brainstate_nn.Sequential`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import jax.numpy as jnp

from .module import Module, ShapeError, Size

__all__ = ["Flatten", "Unflatten"]


def _leading_dims(layer: Module, x: Any) -> int:
    """The number of batch dimensions of ``x`` in front of ``layer.in_size`` (checked)."""
    in_size = layer.in_size
    assert in_size is not None
    n = len(in_size)
    if x.ndim < n or tuple(x.shape[x.ndim - n :]) != in_size:
        raise ShapeError(
            f"{layer._label()} expects inputs of shape (..., {', '.join(map(str, in_size))})"
            f" (in_size={in_size} after any batch dimensions), got an input of shape "
            f"{tuple(x.shape)}."
        )
    return x.ndim - n


def _axis(layer: Module, axis: int, ndim: int, what: str) -> int:
    if not -ndim <= axis < ndim:
        raise ShapeError(f"{layer._label()}: {what}={axis} is out of range for {ndim} dimensions")
    return axis % ndim


class Flatten(Module):
    """Flattens a contiguous range of axes into one.

    Axes count within one sample when ``in_size`` is known (as in brainstate 0.1): any
    batch dimensions in front of ``in_size`` are kept, so ``Flatten(in_size=(1, 5, 5))``
    maps ``(32, 1, 5, 5)`` to ``(32, 25)`` and ``(1, 5, 5)`` to ``(25,)``. Without
    ``in_size`` the axes count within the input array itself, batch axes included.
    In a :class:`~brainstate_nn.Sequential`, ``Flatten.desc()`` receives ``in_size`` from
    the layer before it.

    Args:
        start_axis: the first axis to flatten.
        end_axis: the last axis to flatten (inclusive).
        in_size: the shape of one sample; fixes :attr:`out_size`.
        name: an optional name.

    Raises:
        ShapeError: the input does not end with ``in_size``, or the axes are out of range.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.Flatten()(jnp.ones((32, 1, 5, 5))).shape
        (800,)
        >>> f = nn.Flatten(in_size=(1, 5, 5))
        >>> f.out_size, f(jnp.ones((32, 1, 5, 5))).shape, f(jnp.ones((1, 5, 5))).shape
        ((25,), (32, 25), (25,))
        >>> nn.Flatten(0, 1, in_size=(2, 3, 4))(jnp.ones((7, 2, 3, 4))).shape
        (7, 6, 4)
    """

    def __init__(
        self,
        start_axis: int = 0,
        end_axis: int = -1,
        in_size: Size | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.start_axis = int(start_axis)
        self.end_axis = int(end_axis)
        if in_size is not None:
            self.in_size = in_size
            self.out_size = self._out_shape(self.in_size)  # type: ignore[arg-type]

    def _out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        ndim = len(shape)
        if ndim == 0:
            return (1,)
        start = _axis(self, self.start_axis, ndim, "start_axis")
        end = _axis(self, self.end_axis, ndim, "end_axis")
        if start > end:
            raise ShapeError(
                f"{self._label()}: start_axis={self.start_axis} comes after "
                f"end_axis={self.end_axis} for {ndim} dimensions"
            )
        return (*shape[:start], math.prod(shape[start : end + 1]), *shape[end + 1 :])

    def update(self, x: Any) -> Any:
        x = jnp.asarray(x)
        if self.in_size is None:
            return x.reshape(self._out_shape(tuple(x.shape)))
        lead = _leading_dims(self, x)
        return x.reshape(tuple(x.shape[:lead]) + self._out_shape(self.in_size))


class Unflatten(Module):
    """Expands one axis into several: the inverse of :class:`Flatten`.

    As for :class:`Flatten`, ``axis`` counts within one sample when ``in_size`` is known
    (batch dimensions in front of ``in_size`` are kept) and within the input array
    otherwise. One entry of ``sizes`` may be ``-1`` (inferred).

    Args:
        axis: the axis to expand.
        sizes: the shape it expands into; its product must equal that axis' length.
        in_size: the shape of one sample; fixes :attr:`out_size`.
        name: an optional name.

    Raises:
        ShapeError: ``sizes`` does not fit the axis, or the input does not end with
            ``in_size``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> u = nn.Unflatten(-1, (5, 5), in_size=(25,))
        >>> u.out_size, u(jnp.ones((3, 25))).shape
        ((5, 5), (3, 5, 5))
        >>> nn.Unflatten(0, (2, -1), in_size=(6, 4))(jnp.ones((8, 6, 4))).shape
        (8, 2, 3, 4)
    """

    def __init__(
        self,
        axis: int,
        sizes: Sequence[int],
        name: str | None = None,
        in_size: Size | None = None,
    ) -> None:
        super().__init__(name=name)
        if not isinstance(sizes, (tuple, list)) or not all(
            isinstance(s, int) and not isinstance(s, bool) for s in sizes
        ):
            raise TypeError(f"Unflatten sizes must be a tuple or list of ints, got {sizes!r}")
        if sum(s == -1 for s in sizes) > 1 or any(s < -1 for s in sizes):
            raise ShapeError(
                f"{self._label()}: sizes may hold non-negative ints and at most one -1, "
                f"got {tuple(sizes)}"
            )
        self.axis = int(axis)
        self.sizes = tuple(sizes)
        if in_size is not None:
            self.in_size = in_size
            self.out_size = self._out_shape(self.in_size)  # type: ignore[arg-type]

    def _out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        axis = _axis(self, self.axis, len(shape), "axis")
        n = shape[axis]
        known = math.prod(s for s in self.sizes if s != -1)
        sizes = self.sizes
        if -1 in sizes:
            if known == 0 or n % known:
                raise ShapeError(
                    f"{self._label()}: cannot unflatten an axis of length {n} into {sizes}"
                )
            sizes = tuple(n // known if s == -1 else s for s in sizes)
        elif known != n:
            raise ShapeError(
                f"{self._label()}: cannot unflatten an axis of length {n} into {sizes} "
                f"(their product is {known})"
            )
        return shape[:axis] + sizes + shape[axis + 1 :]

    def update(self, x: Any) -> Any:
        x = jnp.asarray(x)
        if self.in_size is None:
            return x.reshape(self._out_shape(tuple(x.shape)))
        lead = _leading_dims(self, x)
        return x.reshape(tuple(x.shape[:lead]) + self._out_shape(self.in_size))
