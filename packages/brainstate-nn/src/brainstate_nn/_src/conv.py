"""Convolutions: ``Conv1d``-``3d``, ``ScaledWSConv1d``-``3d``, ``ConvTranspose1d``-``3d``.

Channel-last as brainstate 0.1: a sample is ``(*spatial, in_channels)``; inputs are one
unbatched sample or a batch ``(batch, *spatial, in_channels)``. Parameters live in one
:class:`~brainstate_core.ParamState` ``weight`` holding ``{'weight': kernel}`` plus
``'bias'`` (when ``b_init`` is not None) and ``'gain'`` (scaled weight standardization),
as in brainstate 0.1. The kernel has shape ``(*kernel_size, in_channels // groups,
out_channels)``; the bias ``(1, ..., 1, out_channels)``.

Initializer defaults are shared instances; safe because initializers hold no state.
"""

# ruff: noqa: B008

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from brainstate_core import ParamState

from . import init
from .functional.normalization import weight_standardization
from .module import Module, ShapeError, Size
from .pooling import Padding, to_padding, to_tuple

__all__ = [
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ScaledWSConv1d",
    "ScaledWSConv2d",
    "ScaledWSConv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
]

ArrayInit = Callable[..., Any] | Any


def dimension_numbers(n: int) -> jax.lax.ConvDimensionNumbers:
    """Channel-last layouts: input/output ``(N, *spatial, C)``, kernel ``(*spatial, I, O)``."""
    io = (0, n + 1, *range(1, n + 1))
    return jax.lax.ConvDimensionNumbers(lhs_spec=io, rhs_spec=(n + 1, n, *range(n)), out_spec=io)


class _BaseConv(Module):
    """Sizes, kernel, bias and the input checks shared by every convolution."""

    num_spatial_dims: int
    weight: ParamState

    def __init__(
        self,
        in_size: Size,
        out_channels: int,
        kernel_size: Size,
        stride: Size,
        padding: Padding,
        rhs_dilation: Size,
        groups: int,
        w_init: ArrayInit,
        b_init: ArrayInit | None,
        w_mask: ArrayInit | None,
        name: str | None,
    ) -> None:
        super().__init__(name=name)
        n = self.num_spatial_dims
        label = self._label()
        self.in_size = in_size
        sample = self.in_size
        assert sample is not None
        if len(sample) != n + 1:
            raise ShapeError(
                f"{label}: in_size must be (*spatial, in_channels) with {n} spatial axes, got "
                f"{sample}"
            )
        self.in_channels = sample[-1]
        self.out_channels = int(out_channels)
        self.groups = int(groups)
        if self.groups < 1 or self.in_channels % self.groups or self.out_channels % self.groups:
            raise ShapeError(
                f"{label}: groups={groups!r} must divide both in_channels={self.in_channels} "
                f"and out_channels={self.out_channels}"
            )
        self.kernel_size = to_tuple(kernel_size, n, "kernel_size", label)
        self.stride = to_tuple(stride, n, "stride", label)
        self.rhs_dilation = to_tuple(rhs_dilation, n, "rhs_dilation", label)
        self.padding = to_padding(padding, n, label)
        self.kernel_shape = (*self.kernel_size, self.in_channels // self.groups, self.out_channels)
        self.w_mask = init.param(w_mask, self.kernel_shape)
        params = {"weight": init.param(w_init, self.kernel_shape, allow_none=False)}
        if b_init is not None:
            bias_shape = (1,) * n + (self.out_channels,)
            params["bias"] = jnp.broadcast_to(
                jnp.asarray(init.param(b_init, bias_shape, allow_none=False)), bias_shape
            )
        self._extra_params(params)
        self.weight = ParamState(params)
        y = jax.eval_shape(self.update, jax.ShapeDtypeStruct(sample, params["weight"].dtype))
        self.out_size = y.shape

    def _extra_params(self, params: dict[str, Any]) -> None:
        pass

    def _kernel(self, params: dict[str, Any]) -> Any:
        w = params["weight"]
        return w if self.w_mask is None else w * self.w_mask

    def _conv(self, x: Any, w: Any) -> Any:
        raise NotImplementedError

    def update(self, x: Any) -> Any:
        x = jnp.asarray(x)
        n = self.num_spatial_dims
        in_size = self.in_size
        assert in_size is not None
        if x.ndim not in (n + 1, n + 2) or tuple(x.shape[x.ndim - n - 1 :]) != in_size:
            shape = ", ".join(map(str, in_size))
            raise ShapeError(
                f"{self._label()} expects inputs of shape (batch, {shape}) or unbatched "
                f"({shape}) (in_size={in_size}, channel-last), got an input of shape "
                f"{tuple(x.shape)}."
            )
        unbatched = x.ndim == n + 1
        if unbatched:
            x = x[None]
        params = self.weight.value
        w = self._kernel(params)
        dtype = jnp.result_type(x.dtype, w.dtype)
        y = self._conv(x.astype(dtype), w.astype(dtype))
        if "bias" in params:
            b = params["bias"]
            y = y + b.reshape((1,) * (y.ndim - b.ndim) + b.shape)
        return y[0] if unbatched else y


class _Conv(_BaseConv):
    def __init__(
        self,
        in_size: Size,
        out_channels: int,
        kernel_size: Size,
        stride: Size = 1,
        padding: Padding = "SAME",
        lhs_dilation: Size = 1,
        rhs_dilation: Size = 1,
        groups: int = 1,
        w_init: ArrayInit = init.XavierNormal(),
        b_init: ArrayInit | None = None,
        w_mask: ArrayInit | None = None,
        name: str | None = None,
    ) -> None:
        n = self.num_spatial_dims
        self.lhs_dilation = to_tuple(lhs_dilation, n, "lhs_dilation", type(self).__name__)
        super().__init__(
            in_size, out_channels, kernel_size, stride, padding, rhs_dilation, groups,
            w_init, b_init, w_mask, name,
        )  # fmt: skip

    def _conv(self, x: Any, w: Any) -> Any:
        padding = self.padding
        if isinstance(padding, str) and any(d > 1 for d in self.lhs_dilation):
            # lax takes 'SAME'/'VALID' only without input dilation: give the pads explicitly,
            # computed on the dilated input with the dilated kernel.
            sizes = [(s - 1) * d + 1 for s, d in zip(x.shape[1:-1], self.lhs_dilation)]
            ext = [d * (k - 1) + 1 for k, d in zip(self.kernel_size, self.rhs_dilation)]
            padding = jax.lax.padtype_to_pads(sizes, ext, self.stride, padding)
        return jax.lax.conv_general_dilated(
            x,
            w,
            window_strides=self.stride,
            padding=padding,
            lhs_dilation=self.lhs_dilation,
            rhs_dilation=self.rhs_dilation,
            dimension_numbers=dimension_numbers(self.num_spatial_dims),
            feature_group_count=self.groups,
        )


class _ScaledWSConv(_Conv):
    def __init__(
        self,
        in_size: Size,
        out_channels: int,
        kernel_size: Size,
        stride: Size = 1,
        padding: Padding = "SAME",
        lhs_dilation: Size = 1,
        rhs_dilation: Size = 1,
        groups: int = 1,
        ws_gain: bool = True,
        eps: float = 1e-4,
        w_init: ArrayInit = init.XavierNormal(),
        b_init: ArrayInit | None = None,
        w_mask: ArrayInit | None = None,
        name: str | None = None,
    ) -> None:
        self.ws_gain = bool(ws_gain)
        self.eps = float(eps)
        super().__init__(
            in_size, out_channels, kernel_size, stride, padding, lhs_dilation, rhs_dilation,
            groups, w_init, b_init, w_mask, name,
        )  # fmt: skip

    def _extra_params(self, params: dict[str, Any]) -> None:
        if self.ws_gain:
            shape = (1,) * (self.num_spatial_dims + 1) + (self.out_channels,)
            params["gain"] = jnp.ones(shape, jnp.result_type(params["weight"]))

    def _kernel(self, params: dict[str, Any]) -> Any:
        w = weight_standardization(params["weight"], self.eps, params.get("gain"))
        return w if self.w_mask is None else w * self.w_mask


def transpose_padding(
    padding: str | tuple[tuple[int, int], ...],
    kernel_size: Sequence[int],
    stride: Sequence[int],
    dilation: Sequence[int],
) -> list[tuple[int, int]]:
    """How much to crop ``(low, high)`` from the full transposed-convolution output per axis.

    The full output has length ``(n - 1) * stride + d * (k - 1) + 1``. ``'VALID'`` crops
    nothing; ``'SAME'`` crops ``d * (k - 1) + 1 - stride`` (output ``n * stride``; negative:
    extend at the end), the low side getting the smaller half, as the SAME convolution it
    is the transpose of; explicit pairs crop as given.
    """
    if padding == "VALID":
        return [(0, 0)] * len(kernel_size)
    if padding == "SAME":
        crops = []
        for k, s, d in zip(kernel_size, stride, dilation):
            total = d * (k - 1) + 1 - s
            crops.append((total // 2, total - total // 2) if total >= 0 else (0, total))
        return crops
    return list(padding)  # type: ignore[arg-type]


class _ConvTranspose(_BaseConv):
    def __init__(
        self,
        in_size: Size,
        out_channels: int,
        kernel_size: Size,
        stride: Size = 1,
        padding: Padding = "SAME",
        rhs_dilation: Size = 1,
        groups: int = 1,
        w_init: ArrayInit = init.XavierNormal(),
        b_init: ArrayInit | None = None,
        w_mask: ArrayInit | None = None,
        name: str | None = None,
    ) -> None:
        super().__init__(
            in_size, out_channels, kernel_size, stride, padding, rhs_dilation, groups,
            w_init, b_init, w_mask, name,
        )  # fmt: skip

    def _conv(self, x: Any, w: Any) -> Any:
        # The transpose of a strided convolution: dilate the input by the stride, pad by
        # the dilated kernel extent minus the crop, correlate with the spatially flipped
        # kernel.
        n = self.num_spatial_dims
        crops = transpose_padding(self.padding, self.kernel_size, self.stride, self.rhs_dilation)
        pads = [
            (d * (k - 1) - lo, d * (k - 1) - hi)
            for (lo, hi), k, d in zip(crops, self.kernel_size, self.rhs_dilation)
        ]
        return jax.lax.conv_general_dilated(
            x,
            jnp.flip(w, axis=tuple(range(n))),
            window_strides=(1,) * n,
            padding=pads,
            lhs_dilation=self.stride,
            rhs_dilation=self.rhs_dilation,
            dimension_numbers=dimension_numbers(n),
            feature_group_count=self.groups,
        )


_COMMON_ARGS = """        in_size: the shape of one sample, ``({spatial}, in_channels)``.
        out_channels: the number of output channels.
        kernel_size: the kernel's spatial size: an int or {n} ints.
        stride: the step between kernel positions: an int or {n} ints.
"""

_CONV_DOC = """{n}D convolution{ws}, channel-last.

    Inputs are ``({spatial}, in_channels)`` or batched ``(batch, {spatial}, in_channels)``;
    outputs ``(..., out_channels)``. Computes ``jax.lax.conv_general_dilated`` (a
    cross-correlation, as in every deep-learning library) of the input with the kernel
    ``weight.value['weight']`` of shape ``(*kernel_size, in_channels // groups,
    out_channels)`` (times ``w_mask`` if given){ws_detail}, plus the bias if any.

    Args:
{common}        padding: ``'SAME'`` (output ``ceil(size / stride)``), ``'VALID'`` (no padding), an
            int, {n} ints, or 1 or {n} ``(low, high)`` pairs of zeros added to each side.
        lhs_dilation: input dilation (an int or {n} ints); ``d > 1`` inserts ``d - 1`` zeros
            between input elements (a fractionally strided convolution).
        rhs_dilation: kernel dilation (an int or {n} ints): atrous convolution.
        groups: split the channels into this many groups convolved separately; must divide
            ``in_channels`` and ``out_channels``.
{ws_args}        w_init: the kernel's initializer (default: Xavier normal, as brainstate 0.1).
        b_init: the bias' initializer; None (the default, as brainstate 0.1) for no bias.
        w_mask: an optional mask multiplying the kernel (array or initializer).
        name: an optional name.

    Raises:
        ShapeError: ``in_size`` has not {n1} axes, ``groups`` does not divide the channels,
            or an input is neither ``(batch, *in_size)`` nor ``in_size``.

    Examples:
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> conv = nn.{cls}(({sizes}, 3), out_channels=8, kernel_size=3, b_init=nn.init.ZeroInit())
        >>> conv.out_size, conv(bsc.random.randn(4, {sizes}, 3)).shape
        (({sizes}, 8), (4, {sizes}, 8))
        >>> conv.weight.value['weight'].shape
        ({kernel}, 3, 8)
"""

_WS_ARGS = """        ws_gain: learn a per-output-channel gain ``weight.value['gain']``.
        eps: the floor of ``var * fan_in`` in the standardization.
"""

_TRANSPOSE_DOC = """{n}D transposed convolution, channel-last: the adjoint of :class:`Conv{n}d`.

    Each input position ``i`` scatters ``x[i] * kernel`` into the output at ``i * stride``:
    ``y[i * stride + k * rhs_dilation - crop_low] += x[i] @ weight[k]`` (torch's
    ``ConvTranspose`` semantics, computed as a convolution of the stride-dilated input with
    the flipped kernel). With the kernel's in/out axes swapped, it is the transpose (the
    gradient with respect to the input) of ``Conv{n}d`` with the same stride, dilation and
    padding (for ``'SAME'``: when the output size is a multiple of the stride). The kernel
    ``weight.value['weight']`` has shape ``(*kernel_size, in_channels // groups,
    out_channels)``.

    Args:
{common}        padding: what is cropped from the full output of length
            ``(size - 1) * stride + rhs_dilation * (kernel - 1) + 1``: ``'VALID'`` or 0 crops
            nothing; ``'SAME'`` gives ``size * stride``; an int ``p``, {n} ints or
            ``(low, high)`` pairs crop that much from each side (torch's ``padding``; its
            ``output_padding=q`` is ``(p, p - q)``).
        rhs_dilation: kernel dilation (an int or {n} ints).
        groups: split the channels into this many groups; must divide ``in_channels`` and
            ``out_channels``.
        w_init: the kernel's initializer (default: Xavier normal).
        b_init: the bias' initializer; None (the default) for no bias.
        w_mask: an optional mask multiplying the kernel (array or initializer).
        name: an optional name.

    Raises:
        ShapeError: ``in_size`` has not {n1} axes, ``groups`` does not divide the channels,
            or an input is neither ``(batch, *in_size)`` nor ``in_size``.

    Examples:
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> up = nn.{cls}(({sizes}, 8), out_channels=3, kernel_size=4, stride=2)
        >>> up.out_size, up(bsc.random.randn(2, {sizes}, 8)).shape
        (({outs}, 3), (2, {outs}, 3))
"""


class Conv1d(_Conv):
    num_spatial_dims = 1


class Conv2d(_Conv):
    num_spatial_dims = 2


class Conv3d(_Conv):
    num_spatial_dims = 3


class ScaledWSConv1d(_ScaledWSConv):
    num_spatial_dims = 1


class ScaledWSConv2d(_ScaledWSConv):
    num_spatial_dims = 2


class ScaledWSConv3d(_ScaledWSConv):
    num_spatial_dims = 3


class ConvTranspose1d(_ConvTranspose):
    num_spatial_dims = 1


class ConvTranspose2d(_ConvTranspose):
    num_spatial_dims = 2


class ConvTranspose3d(_ConvTranspose):
    num_spatial_dims = 3


_SPATIAL = {1: "length", 2: "height, width", 3: "depth, height, width"}
for _n in (1, 2, 3):
    _fmt = {
        "n": _n,
        "n1": _n + 1,
        "spatial": _SPATIAL[_n],
        "sizes": ", ".join(["6"] * _n),
        "outs": ", ".join(["12"] * _n),
        "kernel": ", ".join(["3"] * _n),
    }
    _fmt["common"] = _COMMON_ARGS.format(**_fmt)
    for _c, _ws in (
        ({1: Conv1d, 2: Conv2d, 3: Conv3d}[_n], False),
        ({1: ScaledWSConv1d, 2: ScaledWSConv2d, 3: ScaledWSConv3d}[_n], True),
    ):
        _c.__doc__ = _CONV_DOC.format(
            cls=_c.__name__,
            ws=" with scaled weight standardization" if _ws else "",
            ws_detail=(
                ", standardized at every call per output channel to mean 0 and variance "
                "``1 / fan_in`` and multiplied by the gain "
                "(``nn.functional.weight_standardization``)"
                if _ws
                else ""
            ),
            ws_args=_WS_ARGS if _ws else "",
            **_fmt,
        )
    _c = {1: ConvTranspose1d, 2: ConvTranspose2d, 3: ConvTranspose3d}[_n]
    _c.__doc__ = _TRANSPOSE_DOC.format(cls=_c.__name__, **_fmt)
del _n, _c, _ws, _fmt
