"""Shared input checks of layers."""

from __future__ import annotations

from typing import Any

import brainunit as u

from .module import Module, ShapeError

__all__ = ["add_bias", "check_input", "lead_axes"]


def check_input(layer: Module, x: Any, in_size: tuple[int, ...] | None = None) -> None:
    """Raise :class:`ShapeError` unless ``x``'s trailing axes are ``in_size`` (the layer's
    ``in_size`` by default); leading axes are batch axes."""
    in_size = layer.in_size if in_size is None else in_size
    if in_size is None:
        return
    shape = tuple(u.math.shape(x))
    if shape[len(shape) - len(in_size) :] != in_size or len(shape) < len(in_size):
        raise ShapeError(
            f"{layer._label()} expects inputs of shape (..., {', '.join(map(str, in_size))}) "
            f"(in_size={in_size}, with any leading batch axes), got shape {shape}."
        )


def lead_axes(b: Any, ndim: int) -> Any:
    """``b`` with leading size-1 axes up to ``ndim`` dims (explicit, for strict rank promotion)."""
    extra = ndim - u.math.ndim(b)
    if extra > 0:
        b = u.math.reshape(b, (1,) * extra + tuple(u.math.shape(b)))
    return b


def add_bias(y: Any, b: Any) -> Any:
    """``y + b`` with ``b`` given leading size-1 axes explicitly (no implicit rank promotion)."""
    return y + lead_axes(b, u.math.ndim(y))
