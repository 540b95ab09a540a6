"""Pooling layers: max, average, Lp and adaptive pooling over 1, 2 or 3 spatial axes.

Layouts are channel-last as in brainstate 0.1: a sample is ``(*spatial, channels)`` and
any number of batch axes may come in front. The pooled axes are the last
``num_spatial_dims`` axes other than ``channel_axis`` (``None``: no channel axis, the
last axes are pooled).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .module import Module, ShapeError, Size

__all__ = [
    "MaxPool1d",
    "MaxPool2d",
    "MaxPool3d",
    "AvgPool1d",
    "AvgPool2d",
    "AvgPool3d",
    "LPPool1d",
    "LPPool2d",
    "LPPool3d",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AdaptiveMaxPool3d",
]

Padding = str | int | Sequence[int] | Sequence[tuple[int, int]]


# -- argument helpers (shared with conv.py) ----------------------------------------------
def to_tuple(value: Any, n: int, what: str, label: str) -> tuple[int, ...]:
    """``2`` → ``(2,) * n``; a sequence of 1 or ``n`` positive ints is kept (or repeated)."""
    raw = (value,) if isinstance(value, (int, np.integer)) else value
    try:
        items: tuple[Any, ...] = tuple(raw)
    except TypeError:
        items = ()
    ok = len(items) in (1, n)
    ok = ok and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items)
    if not ok or any(int(v) < 1 for v in items):
        raise ValueError(
            f"{label}: {what} must be a positive int or {n} positive ints, got {value!r}"
        )
    ints = tuple(int(v) for v in items)
    return ints * n if len(ints) == 1 else ints


def to_padding(padding: Padding, n: int, label: str) -> str | tuple[tuple[int, int], ...]:
    """``'SAME'``/``'VALID'``, an int, ``n`` ints, or 1 or ``n`` ``(low, high)`` pairs.

    ``n`` ints pad both sides of each axis alike; for ``n == 1`` two ints are one pair.
    """
    if isinstance(padding, str):
        if padding.upper() not in ("SAME", "VALID"):
            raise ValueError(f"{label}: padding must be 'SAME' or 'VALID', got {padding!r}")
        return padding.upper()
    if isinstance(padding, (int, np.integer)):
        return ((int(padding), int(padding)),) * n
    try:
        items: list[Any] = list(padding)
        if all(isinstance(p, (int, np.integer)) for p in items) and len(items) == n:
            pairs = [(int(p), int(p)) for p in items]
        elif all(isinstance(p, (int, np.integer)) for p in items) and n == 1 and len(items) == 2:
            pairs = [(int(items[0]), int(items[1]))]  # one (low, high) pair
        else:
            pairs = [(int(lo), int(hi)) for lo, hi in items]  # type: ignore[misc]
            if len(pairs) == 1:
                pairs = pairs * n
    except (TypeError, ValueError):
        pairs = []
    if len(pairs) != n or any(lo < 0 or hi < 0 for lo, hi in pairs):
        raise ValueError(
            f"{label}: padding must be 'SAME', 'VALID', a non-negative int, {n} ints, or 1 or "
            f"{n} (low, high) pairs, got {padding!r}"
        )
    return tuple(pairs)


class _SpatialLayer(Module):
    """Finds the spatial axes of an input: the last ``num_spatial_dims`` non-channel axes."""

    num_spatial_dims: int

    def _init_layout(self, channel_axis: int | None, in_size: Size | None) -> None:
        if channel_axis is not None and not isinstance(channel_axis, (int, np.integer)):
            raise TypeError(f"{self._label()}: channel_axis must be an int or None")
        if in_size is not None:
            self.in_size = in_size
            n = len(self.in_size)  # type: ignore[arg-type]
            if channel_axis is not None:
                if not -n <= channel_axis < n:
                    raise ShapeError(
                        f"{self._label()}: channel_axis={channel_axis} is out of range for "
                        f"in_size={self.in_size}"
                    )
                # count from the end, so that batch axes in front do not move it
                channel_axis = int(channel_axis) % n - n
        self.channel_axis = None if channel_axis is None else int(channel_axis)

    def _spatial_axes(self, x: Any) -> list[int]:
        need = self.num_spatial_dims + (0 if self.channel_axis is None else 1)
        in_size = self.in_size
        if in_size is not None and (
            x.ndim < len(in_size) or tuple(x.shape[x.ndim - len(in_size) :]) != in_size
        ):
            raise ShapeError(
                f"{self._label()} expects inputs of shape (..., {', '.join(map(str, in_size))})"
                f" (in_size={in_size} after any batch dimensions), got an input of shape "
                f"{tuple(x.shape)}."
            )
        if x.ndim < need:
            what = "spatial and 1 channel" if self.channel_axis is not None else "spatial"
            raise ShapeError(
                f"{self._label()} expects inputs with at least {need} dimensions "
                f"({self.num_spatial_dims} {what}), got an input of shape {tuple(x.shape)}."
            )
        axes = list(range(x.ndim))
        if self.channel_axis is not None:
            if not -x.ndim <= self.channel_axis < x.ndim:
                raise ShapeError(
                    f"{self._label()}: channel_axis={self.channel_axis} is out of range for an "
                    f"input of shape {tuple(x.shape)}"
                )
            axes.pop(self.channel_axis % x.ndim)
        return axes[-self.num_spatial_dims :]

    def _set_out_size(self) -> None:
        if self.in_size is not None:
            y = jax.eval_shape(self.update, jax.ShapeDtypeStruct(self.in_size, jnp.float32))
            self.out_size = y.shape


# -- windowed pooling --------------------------------------------------------------------
class _Pool(_SpatialLayer):
    default_stride_is_kernel = True

    def __init__(
        self,
        kernel_size: Size,
        stride: Size | None,
        padding: Padding,
        channel_axis: int | None,
        name: str | None,
        in_size: Size | None,
    ) -> None:
        super().__init__(name=name)
        n = self.num_spatial_dims
        self.kernel_size = to_tuple(kernel_size, n, "kernel_size", self._label())
        self.stride = (
            self.kernel_size if stride is None else to_tuple(stride, n, "stride", self._label())
        )
        self.padding = to_padding(padding, n, self._label())
        self._init_layout(channel_axis, in_size)
        self._set_out_size()

    def _window(self, x: Any) -> tuple[list[int], list[int], Any]:
        axes = self._spatial_axes(x)
        dims, strides = [1] * x.ndim, [1] * x.ndim
        for i, ax in enumerate(axes):
            dims[ax], strides[ax] = self.kernel_size[i], self.stride[i]
        if isinstance(self.padding, str):
            pads: Any = self.padding
            padded = [
                x.shape[ax] + (0 if pads == "VALID" else self.kernel_size[i] - 1)
                for i, ax in enumerate(axes)
            ]
        else:
            pads = [(0, 0)] * x.ndim
            for i, ax in enumerate(axes):
                pads[ax] = self.padding[i]
            padded = [x.shape[ax] + sum(self.padding[i]) for i, ax in enumerate(axes)]
        if any(p < k for p, k in zip(padded, self.kernel_size)):
            raise ShapeError(
                f"{self._label()}: the window {self.kernel_size} does not fit the spatial "
                f"size {tuple(x.shape[ax] for ax in axes)} of an input of shape "
                f"{tuple(x.shape)} (padding {self.padding!r}); the output would be empty."
            )
        return dims, strides, pads

    def _sum(self, x: Any) -> Any:
        dims, strides, pads = self._window(x)
        return jax.lax.reduce_window(x, np.zeros((), x.dtype), jax.lax.add, dims, strides, pads)


# Initial values are concrete numpy scalars (never jax arrays, which are tracers under jit):
# lax.reduce_window recognises max/add with their identity only when the value is concrete,
# and only then uses the reduce_window_max/sum primitives that reverse-mode autodiff supports.
def _lowest(dtype: Any) -> Any:
    if jnp.issubdtype(dtype, jnp.floating):
        return np.array(-np.inf, dtype)
    if jnp.issubdtype(dtype, jnp.integer):
        return np.array(jnp.iinfo(dtype).min, dtype)
    return np.array(False, dtype)


class _MaxPool(_Pool):
    def update(self, x: Any) -> Any:
        x = jnp.asarray(x)
        dims, strides, pads = self._window(x)
        return jax.lax.reduce_window(x, _lowest(x.dtype), jax.lax.max, dims, strides, pads)


def _float(x: Any) -> Any:
    x = jnp.asarray(x)
    return x if jnp.issubdtype(x.dtype, jnp.inexact) else x.astype(jnp.result_type(float))


class _AvgPool(_Pool):
    def update(self, x: Any) -> Any:
        x = _float(x)
        total = self._sum(x)
        if self.padding == "VALID":
            return total / math.prod(self.kernel_size)
        # padded positions are not counted (count_include_pad=False, as brainstate 0.1)
        counts = self._sum(jnp.ones(x.shape, x.dtype))
        return total / counts


class _LPPool(_Pool):
    def __init__(
        self,
        norm_type: float,
        kernel_size: Size,
        stride: Size | None,
        padding: Padding,
        channel_axis: int | None,
        name: str | None,
        in_size: Size | None,
    ) -> None:
        p = float(norm_type)
        if not p > 0:
            raise ValueError(f"{type(self).__name__}: norm_type must be > 0, got {norm_type!r}")
        self.norm_type = p
        super().__init__(kernel_size, stride, padding, channel_axis, name, in_size)

    def update(self, x: Any) -> Any:
        x = _float(x)
        p = self.norm_type
        if math.isinf(p):
            dims, strides, pads = self._window(x)
            return jax.lax.reduce_window(
                jnp.abs(x), _lowest(x.dtype), jax.lax.max, dims, strides, pads
            )
        total = self._sum(jnp.abs(x) ** p)
        # s ** (1/p) has an infinite derivative at s = 0: give all-zero windows a zero gradient
        positive = total > 0
        safe = jnp.where(positive, total, jnp.ones((), total.dtype))
        return jnp.where(positive, safe ** (1.0 / p), jnp.zeros((), total.dtype))


_WINDOW_ARGS = """
    Args:
{extra}        kernel_size: the window size: an int or {n} ints.
        stride: the step between windows: an int or {n} ints (default: {stride_default}).
        padding: ``'VALID'`` (no padding), ``'SAME'`` (output size ``ceil(size / stride)``),
            an int, {n} ints, or 1 or {n} ``(low, high)`` pairs.
        channel_axis: the channel axis, which is not pooled (``None``: no channel axis).
            When ``in_size`` is given it counts within one sample.
        name: an optional name.
        in_size: the shape of one sample; fixes :attr:`out_size` and is checked on call.

    Raises:
        ShapeError: the input has too few dimensions or does not end with ``in_size``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> pool = nn.{cls}({example})
        >>> pool.out_size, pool(jnp.ones((8, {sizes}, 3))).shape
        ({out}, (8, {out_sizes}, 3))
"""


def _window_doc(cls: type, summary: str, n: int, stride_default: str, extra: str = "") -> None:
    ex = ("2.0, " if extra else "") + f"2, in_size=({', '.join(['6'] * n)}, 3)"
    cls.__doc__ = summary + _WINDOW_ARGS.format(
        extra=extra,
        n=n,
        stride_default=stride_default,
        cls=cls.__name__,
        example=ex,
        sizes=", ".join(["6"] * n),
        out="(" + ", ".join([str(3 if stride_default == "kernel_size" else 5)] * n) + ", 3)",
        out_sizes=", ".join([str(3 if stride_default == "kernel_size" else 5)] * n),
    )


def _max_init(self: Any, kernel_size: Size, stride: Size | None = None,
              padding: Padding = "VALID", channel_axis: int | None = -1,
              name: str | None = None, in_size: Size | None = None) -> None:  # fmt: skip
    _Pool.__init__(self, kernel_size, stride, padding, channel_axis, name, in_size)


def _avg_init(self: Any, kernel_size: Size, stride: Size | None = 1,
              padding: Padding = "VALID", channel_axis: int | None = -1,
              name: str | None = None, in_size: Size | None = None) -> None:  # fmt: skip
    _Pool.__init__(self, kernel_size, stride, padding, channel_axis, name, in_size)


def _lp_init(self: Any, norm_type: float, kernel_size: Size, stride: Size | None = None,
             padding: Padding = "VALID", channel_axis: int | None = -1,
             name: str | None = None, in_size: Size | None = None) -> None:  # fmt: skip
    _LPPool.__init__(self, norm_type, kernel_size, stride, padding, channel_axis, name, in_size)


class MaxPool1d(_MaxPool):
    num_spatial_dims = 1
    __init__ = _max_init


class MaxPool2d(_MaxPool):
    num_spatial_dims = 2
    __init__ = _max_init


class MaxPool3d(_MaxPool):
    num_spatial_dims = 3
    __init__ = _max_init


class AvgPool1d(_AvgPool):
    num_spatial_dims = 1
    __init__ = _avg_init


class AvgPool2d(_AvgPool):
    num_spatial_dims = 2
    __init__ = _avg_init


class AvgPool3d(_AvgPool):
    num_spatial_dims = 3
    __init__ = _avg_init


class LPPool1d(_LPPool):
    num_spatial_dims = 1
    __init__ = _lp_init


class LPPool2d(_LPPool):
    num_spatial_dims = 2
    __init__ = _lp_init


class LPPool3d(_LPPool):
    num_spatial_dims = 3
    __init__ = _lp_init


_NAMES = {1: "1D", 2: "2D", 3: "3D"}
for _n, _c in ((1, MaxPool1d), (2, MaxPool2d), (3, MaxPool3d)):
    _window_doc(
        _c,
        f"{_NAMES[_n]} max pooling: the maximum over each window (padding counts as -inf).\n",
        _n,
        "kernel_size",
    )
for _n, _c in ((1, AvgPool1d), (2, AvgPool2d), (3, AvgPool3d)):
    _window_doc(
        _c,
        f"{_NAMES[_n]} average pooling: the mean over each window.\n\n"
        "    Padded positions are not counted in the mean (as brainstate 0.1). Note that the\n"
        "    default stride is 1, as in brainstate 0.1 (max and Lp pooling default to\n"
        "    ``kernel_size``).\n",
        _n,
        "1",
    )
for _n, _c in ((1, LPPool1d), (2, LPPool2d), (3, LPPool3d)):
    _window_doc(
        _c,
        f"{_NAMES[_n]} power-average (Lp) pooling: ``(sum of |x|**p over a window) ** (1/p)``.\n\n"
        "    ``p = 1`` is sum pooling of ``|x|`` and ``p = inf`` max pooling of ``|x|``; padding\n"
        "    adds zeros. The absolute value makes odd ``p`` a norm (torch's ``LPPool`` omits\n"
        "    it; both agree on non-negative inputs).\n",
        _n,
        "kernel_size",
        extra="        norm_type: the exponent ``p > 0`` (``float('inf')``: max of ``|x|``).\n",
    )


# -- adaptive pooling --------------------------------------------------------------------
def adaptive_bins(length: int, n: int) -> list[tuple[int, int]]:
    """Bin ``i`` of ``n`` over ``length`` is ``[floor(i*length/n), ceil((i+1)*length/n))``."""
    return [((i * length) // n, -((-(i + 1) * length) // n)) for i in range(n)]


def _adaptive_axis(x: Any, axis: int, n: int, reduce: Callable[..., Any]) -> Any:
    length = x.shape[axis]
    if n == length:
        return x
    if length % n == 0:  # equal, non-overlapping bins: one reshape
        shape = (*x.shape[:axis], n, length // n, *x.shape[axis + 1 :])
        return reduce(x.reshape(shape), axis=axis + 1)
    pieces = [
        reduce(jax.lax.slice_in_dim(x, lo, hi, axis=axis), axis=axis, keepdims=True)
        for lo, hi in adaptive_bins(length, n)
    ]
    return jnp.concatenate(pieces, axis=axis)


class _AdaptivePool(_SpatialLayer):
    def __init__(
        self,
        target_size: int | Sequence[int | None],
        channel_axis: int | None = -1,
        name: str | None = None,
        in_size: Size | None = None,
    ) -> None:
        super().__init__(name=name)
        n = self.num_spatial_dims
        target = (target_size,) * n if isinstance(target_size, (int, np.integer)) else target_size
        try:
            target = tuple(None if t is None else int(t) for t in target)  # type: ignore[union-attr]
        except TypeError:
            target = ()
        if len(target) != n or any(t is not None and t < 1 for t in target):
            raise ValueError(
                f"{self._label()}: target_size must be a positive int or {n} positive ints "
                f"(None keeps an axis), got {target_size!r}"
            )
        self.target_size = target
        self._init_layout(channel_axis, in_size)
        self._set_out_size()

    def update(self, x: Any) -> Any:
        x = jnp.asarray(x)
        for ax, n in zip(self._spatial_axes(x), self.target_size):
            if n is not None:
                x = _adaptive_axis(x, ax, n, self._reduce)
        return x

    _reduce: Callable[..., Any]


class _AdaptiveAvg(_AdaptivePool):
    _reduce = staticmethod(jnp.mean)


class _AdaptiveMax(_AdaptivePool):
    _reduce = staticmethod(jnp.max)


class AdaptiveAvgPool1d(_AdaptiveAvg):
    num_spatial_dims = 1


class AdaptiveAvgPool2d(_AdaptiveAvg):
    num_spatial_dims = 2


class AdaptiveAvgPool3d(_AdaptiveAvg):
    num_spatial_dims = 3


class AdaptiveMaxPool1d(_AdaptiveMax):
    num_spatial_dims = 1


class AdaptiveMaxPool2d(_AdaptiveMax):
    num_spatial_dims = 2


class AdaptiveMaxPool3d(_AdaptiveMax):
    num_spatial_dims = 3


_ADAPTIVE_DOC = """{nd} adaptive {what} pooling: each spatial axis is reduced to a target length.

    Output index ``i`` of an axis of length ``L`` pooled to ``n`` covers the input indices
    ``floor(i * L / n)`` to ``ceil((i + 1) * L / n) - 1`` (torch's bins; they overlap when
    ``n`` does not divide ``L``). brainstate 0.1 split such axes into non-overlapping
    chunks instead; both agree when ``n`` divides ``L``.

    Args:
        target_size: the output length of each spatial axis: an int or {n} entries
            (``None`` keeps that axis as it is).
        channel_axis: the channel axis, which is not pooled (``None``: no channel axis).
        name: an optional name.
        in_size: the shape of one sample; fixes :attr:`out_size` and is checked on call.

    Raises:
        ShapeError: the input has too few dimensions or does not end with ``in_size``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> pool = nn.{cls}({target}, in_size=({sizes}, 3))
        >>> pool.out_size, pool(jnp.ones((8, {sizes}, 3))).shape
        (({outs}, 3), (8, {outs}, 3))
"""

for _what, _classes in (
    ("average", (AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveAvgPool3d)),
    ("max", (AdaptiveMaxPool1d, AdaptiveMaxPool2d, AdaptiveMaxPool3d)),
):
    for _n, _c in enumerate(_classes, start=1):
        _c.__doc__ = _ADAPTIVE_DOC.format(
            nd=_NAMES[_n],
            what=_what,
            n=_n,
            cls=_c.__name__,
            target=4,
            sizes=", ".join(["10"] * _n),
            outs=", ".join(["4"] * _n),
        )

del _n, _c, _what, _classes
