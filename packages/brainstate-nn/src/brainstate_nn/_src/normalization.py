"""Normalization layers: ``BatchNorm0d``-``3d``, ``LayerNorm``, ``RMSNorm``, ``GroupNorm``.

Layouts are channel-last (brainstate 0.1). Learnable parameters live in one
:class:`~brainstate_core.ParamState` ``weight`` holding ``{'scale', 'bias'}``; batch norm's
running statistics live in :class:`~brainstate_core.BatchState` s ``running_mean`` and
``running_var``. Whether batch norm trains (uses and updates batch statistics) or evaluates
(uses the running ones) is read from the ``environ`` setting ``fit``.
"""

# Initializer defaults are shared instances; safe because initializers hold no state.
# ruff: noqa: B008

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from brainstate_core import BatchState, EnvironError, ParamState, environ

from .init import Constant, param
from .module import Module, ShapeError, Size

__all__ = [
    "BatchNorm0d",
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "LayerNorm",
    "RMSNorm",
    "GroupNorm",
    "fit_phase",
]

Axes = int | Sequence[int]
Init = Callable[..., Any] | Any


def fit_phase(layer: Module) -> bool:
    """The ``environ`` setting ``fit`` (training or not), with an error naming ``layer``."""
    fit = environ.get("fit", default=None)
    if fit is None:
        raise EnvironError(
            f"{layer._label()} behaves differently when training and when evaluating, and "
            "the setting 'fit' that tells them apart is not set. Set it for a block with "
            "`with bst.environ.context(fit=True): ...` (fit=False to evaluate), or globally "
            "with `bst.environ.set(fit=True)` (bst.environ holds the functions of "
            "brainstate_core.environ). "
            "Under jit, set it inside the jitted function or jit training and evaluation "
            "separately: it is read when the function is traced."
        )
    return bool(fit)


def _axes(layer: Module, axes: Axes, ndim: int, what: str) -> tuple[int, ...]:
    items = (axes,) if isinstance(axes, (int, np.integer)) else tuple(axes)
    out = []
    for a in items:
        if not -ndim <= a < ndim:
            raise ShapeError(f"{layer._label()}: {what}={axes!r} is out of range for {ndim} axes")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"{layer._label()}: {what}={axes!r} repeats an axis")
    return tuple(sorted(out))


def _full_param(init: Init, shape: tuple[int, ...], dtype: Any) -> Any:
    value = param(init, shape, allow_none=False)
    return jnp.broadcast_to(jnp.asarray(value, dtype), shape)


def _stat_dtype(x: Any) -> Any:
    """Statistics are computed in at least float32 (half-precision inputs are promoted)."""
    return jnp.promote_types(x.dtype, jnp.float32)


class _Norm(Module):
    """Shared parts: ``in_size`` checks, parameter creation, scale and shift."""

    weight: ParamState | None
    dtype: Any

    def _init_params(
        self,
        feature_shape: tuple[int, ...],
        use_scale: bool,
        use_bias: bool,
        scale_initializer: Init,
        bias_initializer: Init,
    ) -> None:
        params = {}
        if use_scale:
            params["scale"] = _full_param(scale_initializer, feature_shape, self.dtype)
        if use_bias:
            params["bias"] = _full_param(bias_initializer, feature_shape, self.dtype)
        self.weight = ParamState(params) if params else None

    def _lead(self, x: Any, max_lead: int | None = None) -> int:
        """The number of batch axes of ``x`` in front of ``in_size`` (checked)."""
        in_size = self.in_size
        assert in_size is not None
        n = len(in_size)
        ok = x.ndim >= n and tuple(x.shape[x.ndim - n :]) == in_size
        if not ok or (max_lead is not None and x.ndim - n > max_lead):
            batch = "(batch, " if max_lead == 1 else "(..., "
            expect = f"{batch}{', '.join(map(str, in_size))})"
            if max_lead == 1:
                expect += f" or unbatched {in_size}"
            raise ShapeError(
                f"{self._label()} expects inputs of shape {expect} (in_size={in_size}), got an "
                f"input of shape {tuple(x.shape)}."
            )
        return x.ndim - n

    def _affine(self, y: Any, lead: int) -> Any:
        if self.weight is None:
            return y
        params = self.weight.value
        if "scale" in params:
            scale = params["scale"]
            y = y * scale.reshape((1,) * lead + scale.shape)
        if "bias" in params:
            bias = params["bias"]
            y = y + bias.reshape((1,) * lead + bias.shape)
        return y


# -- batch normalization -----------------------------------------------------------------
class _BatchNorm(_Norm):
    num_spatial_dims: int

    def __init__(
        self,
        in_size: Size,
        feature_axis: Axes = -1,
        track_running_stats: bool = True,
        epsilon: float = 1e-5,
        momentum: float = 0.99,
        affine: bool = True,
        bias_initializer: Init = Constant(0.0),
        scale_initializer: Init = Constant(1.0),
        axis_name: Any = None,
        axis_index_groups: Sequence[Sequence[int]] | None = None,
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name)
        self.in_size = self.out_size = in_size
        sample = self.in_size
        assert sample is not None
        if len(sample) != self.num_spatial_dims + 1:
            layout = "(channels,)" if self.num_spatial_dims == 0 else "(*spatial, channels)"
            raise ShapeError(
                f"{self._label()}: in_size must have {self.num_spatial_dims + 1} axes "
                f"{layout}, got {sample}"
            )
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{self._label()}: momentum must be in [0, 1], got {momentum!r}")
        self.feature_axis = _axes(self, feature_axis, len(sample), "feature_axis")
        self.track_running_stats = bool(track_running_stats)
        self.affine = bool(affine)
        self.epsilon = float(epsilon)
        self.momentum = float(momentum)
        self.axis_name = axis_name
        self.axis_index_groups = axis_index_groups
        self.dtype = dtype or environ.dftype()
        feature_shape = tuple(s if i in self.feature_axis else 1 for i, s in enumerate(sample))
        if self.track_running_stats:
            self.running_mean = BatchState(jnp.zeros(feature_shape, self.dtype))
            self.running_var = BatchState(jnp.ones(feature_shape, self.dtype))
        else:
            self.running_mean = self.running_var = None
        self._init_params(feature_shape, affine, affine, scale_initializer, bias_initializer)

    def _batch_stats(self, x: Any, axes: tuple[int, ...]) -> tuple[Any, Any]:
        x = x.astype(_stat_dtype(x))
        mean = jnp.mean(x, axes, keepdims=True)
        if self.axis_name is not None:
            mean = jax.lax.pmean(mean, self.axis_name, axis_index_groups=self.axis_index_groups)
        var = jnp.mean(jnp.square(x - mean), axes, keepdims=True)
        if self.axis_name is not None:
            var = jax.lax.pmean(var, self.axis_name, axis_index_groups=self.axis_index_groups)
        return mean, var

    def update(self, x: Any) -> Any:
        x = jnp.asarray(x)
        lead = self._lead(x, max_lead=1)
        axes = tuple(i for i in range(x.ndim) if i - lead not in self.feature_axis)
        if self.track_running_stats and not fit_phase(self):
            rm, rv = self.running_mean.value, self.running_var.value  # type: ignore[union-attr]
            mean = rm.reshape((1,) * lead + rm.shape)
            var = rv.reshape((1,) * lead + rv.shape)
        else:
            mean, var = self._batch_stats(x, axes)
            if self.track_running_stats:
                m = self.momentum
                rm, rv = self.running_mean, self.running_var
                shape = rm.value.shape  # type: ignore[union-attr]
                new_mean = m * rm.value + (1 - m) * mean.reshape(shape)  # type: ignore[union-attr]
                new_var = m * rv.value + (1 - m) * var.reshape(shape)  # type: ignore[union-attr]
                rm.value = new_mean.astype(self.dtype)  # type: ignore[union-attr]
                rv.value = new_var.astype(self.dtype)  # type: ignore[union-attr]
        y = (x.astype(mean.dtype) - mean) * jax.lax.rsqrt(
            var + jnp.asarray(self.epsilon, var.dtype)
        )
        y = self._affine(y, lead)
        return y.astype(jnp.result_type(x.dtype, self.dtype))


_BN_DOC = """{nd} batch normalization, channel-last: ``in_size`` is ``{layout}``.

    ``y = (x - mean) / sqrt(var + epsilon) * scale + bias``, with ``mean`` and ``var`` per
    feature (``feature_axis``, the channels by default) over the batch{over}.

    - Training (``environ`` ``fit=True``): the batch statistics are used, and the running
      statistics are updated as ``running = momentum * running + (1 - momentum) * batch``
      (note: ``momentum`` weighs the *old* value, as in brainstate 0.1 and flax, so the
      default 0.99 is torch's ``momentum=0.01``; the running variance is the biased batch
      variance).
    - Evaluation (``fit=False``): the running statistics are used and left unchanged.
    - ``track_running_stats=False``: batch statistics always; ``fit`` is not needed.

    Inputs are ``(batch, *in_size)`` or one unbatched sample ``in_size``; under
    ``brainstate_augment.vmap(..., axis_name='b')`` with ``axis_name='b'`` the statistics
    are averaged over the mapped axis (``jax.lax.pmean``), so every lane writes the same
    running statistics.

    Args:
        in_size: the shape of one sample, ``{layout}``.
        feature_axis: the axis (or axes) of ``in_size`` normalized separately.
        track_running_stats: keep running statistics (``running_mean``/``running_var``).
        epsilon: added to the variance.
        momentum: the weight of the old running statistics in their update.
        affine: learn a per-feature ``scale`` and ``bias`` (in ``weight``).
        bias_initializer: the initializer of ``bias``.
        scale_initializer: the initializer of ``scale``.
        axis_name: a mapped axis name (or names) to average the statistics over.
        axis_index_groups: groups of indices of that axis, as in ``jax.lax.pmean``.
        name: an optional name.
        dtype: the dtype of the parameters and running statistics (default: float).

    Raises:
        ShapeError: the input is not ``(batch, *in_size)`` or ``in_size``.
        EnvironError: ``fit`` is not set while ``track_running_stats`` is on.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> bn = nn.{cls}({in_size})
        >>> x = bsc.random.randn(16, {in_size_list})
        >>> with bsc.environ.context(fit=True):
        ...     y = bn(x)
        >>> bool(jnp.allclose(y.mean(axis={mean_axes}), 0.0, atol=1e-5))
        True
        >>> with bsc.environ.context(fit=False):
        ...     bn(x).shape
        (16, {in_size_list})
"""


class BatchNorm0d(_BatchNorm):
    num_spatial_dims = 0


class BatchNorm1d(_BatchNorm):
    num_spatial_dims = 1


class BatchNorm2d(_BatchNorm):
    num_spatial_dims = 2


class BatchNorm3d(_BatchNorm):
    num_spatial_dims = 3


for _n, _c in enumerate((BatchNorm0d, BatchNorm1d, BatchNorm2d, BatchNorm3d)):
    _spatial = ["length", "height, width", "depth, height, width"][_n - 1] if _n else ""
    _in = (6,) * _n + (3,)
    _c.__doc__ = _BN_DOC.format(
        nd=f"{_n}-D" if _n else "0-D (no spatial axes)",
        layout=f"({_spatial}, channels)" if _n else "(channels,)",
        over=" and the spatial axes" if _n else "",
        cls=_c.__name__,
        in_size=_in,
        in_size_list=", ".join(map(str, _in)),
        mean_axes=tuple(range(_n + 1)),
    )
del _n, _c, _spatial, _in


# -- per-sample normalizations -----------------------------------------------------------
class LayerNorm(_Norm):
    """Layer normalization: each sample is normalized over ``reduction_axes``.

    ``y = (x - mean) / sqrt(var + epsilon) * scale + bias``, with ``mean`` and ``var`` taken
    over ``reduction_axes`` of each sample; ``scale`` and ``bias`` vary along
    ``feature_axes``. Training and evaluation compute the same thing (no ``fit`` needed).
    Inputs are ``(*batch, *in_size)`` with any number of batch axes.

    Args:
        in_size: the shape of one sample.
        reduction_axes: the axes of ``in_size`` the statistics are taken over.
        feature_axes: the axes of ``in_size`` along which ``scale`` and ``bias`` vary.
        epsilon: added to the variance.
        use_scale: learn ``scale`` (in ``weight``).
        use_bias: learn ``bias`` (in ``weight``).
        scale_initializer: the initializer of ``scale``.
        bias_initializer: the initializer of ``bias``.
        name: an optional name.
        dtype: the dtype of the parameters (default: float).

    Raises:
        ShapeError: the input does not end with ``in_size``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> ln = nn.LayerNorm(8)
        >>> y = ln(bsc.random.randn(4, 8) * 3 + 1)
        >>> bool(jnp.allclose(y.mean(-1), 0, atol=1e-5))
        True
        >>> bool(jnp.allclose(y.std(-1), 1, atol=1e-3))
        True
    """

    def __init__(
        self,
        in_size: Size,
        reduction_axes: Axes = -1,
        feature_axes: Axes = -1,
        epsilon: float = 1e-5,
        use_scale: bool = True,
        use_bias: bool = True,
        scale_initializer: Init = Constant(1.0),
        bias_initializer: Init = Constant(0.0),
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name)
        self.in_size = self.out_size = in_size
        sample = self.in_size
        assert sample is not None
        self.reduction_axes = _axes(self, reduction_axes, len(sample), "reduction_axes")
        self.feature_axes = _axes(self, feature_axes, len(sample), "feature_axes")
        self.epsilon = float(epsilon)
        self.dtype = dtype or environ.dftype()
        shape = tuple(s if i in self.feature_axes else 1 for i, s in enumerate(sample))
        self._init_params(shape, use_scale, use_bias, scale_initializer, bias_initializer)

    def update(self, x: Any) -> Any:
        x = jnp.asarray(x)
        lead = self._lead(x)
        axes = tuple(a + lead for a in self.reduction_axes)
        xs = x.astype(_stat_dtype(x))
        mean = jnp.mean(xs, axes, keepdims=True)
        var = jnp.mean(jnp.square(xs - mean), axes, keepdims=True)
        y = (xs - mean) * jax.lax.rsqrt(var + jnp.asarray(self.epsilon, var.dtype))
        return self._affine(y, lead).astype(jnp.result_type(x.dtype, self.dtype))


class RMSNorm(_Norm):
    """Root-mean-square normalization: ``y = x / sqrt(mean(x**2) + epsilon) * scale``.

    The mean is over ``reduction_axes`` of each sample (no centring, no bias); ``scale``
    varies along ``feature_axes``. Inputs are ``(*batch, *in_size)``.

    Args:
        in_size: the shape of one sample.
        reduction_axes: the axes of ``in_size`` the mean square is taken over.
        feature_axes: the axes of ``in_size`` along which ``scale`` varies.
        epsilon: added to the mean square.
        use_scale: learn ``scale`` (in ``weight``).
        scale_initializer: the initializer of ``scale``.
        name: an optional name.
        dtype: the dtype of the parameters (default: float).

    Raises:
        ShapeError: the input does not end with ``in_size``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> y = nn.RMSNorm(4)(jnp.array([[1.0, -1.0, 1.0, -1.0]]) * 5)
        >>> bool(jnp.allclose(jnp.abs(y), 1.0, atol=1e-4))
        True
    """

    def __init__(
        self,
        in_size: Size,
        reduction_axes: Axes = -1,
        feature_axes: Axes = -1,
        epsilon: float = 1e-5,
        use_scale: bool = True,
        scale_initializer: Init = Constant(1.0),
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name)
        self.in_size = self.out_size = in_size
        sample = self.in_size
        assert sample is not None
        self.reduction_axes = _axes(self, reduction_axes, len(sample), "reduction_axes")
        self.feature_axes = _axes(self, feature_axes, len(sample), "feature_axes")
        self.epsilon = float(epsilon)
        self.dtype = dtype or environ.dftype()
        shape = tuple(s if i in self.feature_axes else 1 for i, s in enumerate(sample))
        self._init_params(shape, use_scale, False, scale_initializer, None)

    def update(self, x: Any) -> Any:
        x = jnp.asarray(x)
        lead = self._lead(x)
        axes = tuple(a + lead for a in self.reduction_axes)
        xs = x.astype(_stat_dtype(x))
        ms = jnp.mean(jnp.square(xs), axes, keepdims=True)
        y = xs * jax.lax.rsqrt(ms + jnp.asarray(self.epsilon, ms.dtype))
        return self._affine(y, lead).astype(jnp.result_type(x.dtype, self.dtype))


class GroupNorm(_Norm):
    """Group normalization: the channels are split into groups normalized separately.

    The ``C`` channels (``feature_axis`` of ``in_size``) are split into ``num_groups``
    contiguous groups; each sample is normalized per group over the group's channels and
    all the other axes of ``in_size``; then a per-channel ``scale`` and ``bias`` apply.
    ``num_groups=1`` normalizes over the whole sample, ``num_groups=C`` is instance
    normalization. Inputs are ``(*batch, *in_size)``.

    Args:
        in_size: the shape of one sample, e.g. ``(height, width, channels)``.
        num_groups: the number of groups; must divide the number of channels.
        group_size: the channels per group, instead of ``num_groups`` (pass
            ``num_groups=None``).
        feature_axis: the channel axis of ``in_size``.
        epsilon: added to the variance.
        use_scale: learn ``scale`` (in ``weight``).
        use_bias: learn ``bias`` (in ``weight``).
        scale_initializer: the initializer of ``scale``.
        bias_initializer: the initializer of ``bias``.
        name: an optional name.
        dtype: the dtype of the parameters (default: float).

    Raises:
        ShapeError: the groups do not divide the channels; the input does not end with
            ``in_size``.

    Examples:
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> gn = nn.GroupNorm((5, 5, 8), num_groups=4)
        >>> gn(bsc.random.randn(2, 5, 5, 8)).shape
        (2, 5, 5, 8)
    """

    def __init__(
        self,
        in_size: Size,
        num_groups: int | None = 32,
        group_size: int | None = None,
        feature_axis: int = -1,
        epsilon: float = 1e-5,
        use_scale: bool = True,
        use_bias: bool = True,
        scale_initializer: Init = Constant(1.0),
        bias_initializer: Init = Constant(0.0),
        name: str | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(name=name)
        self.in_size = self.out_size = in_size
        sample = self.in_size
        assert sample is not None
        (self.feature_axis,) = _axes(self, feature_axis, len(sample), "feature_axis")
        channels = sample[self.feature_axis]
        if (num_groups is None) == (group_size is None):
            raise ValueError(
                f"{self._label()}: give exactly one of num_groups and group_size, got "
                f"num_groups={num_groups!r}, group_size={group_size!r}"
            )
        if num_groups is None:
            if group_size is None or group_size < 1 or channels % group_size:
                raise ShapeError(
                    f"{self._label()}: group_size={group_size!r} must be a positive divisor "
                    f"of the {channels} channels"
                )
            num_groups = channels // group_size
        if num_groups < 1 or channels % num_groups:
            raise ShapeError(
                f"{self._label()}: num_groups={num_groups!r} must be a positive divisor of the "
                f"{channels} channels (axis {feature_axis} of in_size={sample})"
            )
        self.num_groups = int(num_groups)
        self.epsilon = float(epsilon)
        self.dtype = dtype or environ.dftype()
        shape = tuple(s if i == self.feature_axis else 1 for i, s in enumerate(sample))
        self._init_params(shape, use_scale, use_bias, scale_initializer, bias_initializer)

    def update(self, x: Any) -> Any:
        x = jnp.asarray(x)
        lead = self._lead(x)
        xs = jnp.moveaxis(x.astype(_stat_dtype(x)), lead + self.feature_axis, -1)
        c = xs.shape[-1]
        grouped = xs.reshape((*xs.shape[:-1], self.num_groups, c // self.num_groups))
        axes = (*range(lead, grouped.ndim - 2), grouped.ndim - 1)
        mean = jnp.mean(grouped, axes, keepdims=True)
        var = jnp.mean(jnp.square(grouped - mean), axes, keepdims=True)
        y = (grouped - mean) * jax.lax.rsqrt(var + jnp.asarray(self.epsilon, var.dtype))
        y = jnp.moveaxis(y.reshape(xs.shape), -1, lead + self.feature_axis)
        return self._affine(y, lead).astype(jnp.result_type(x.dtype, self.dtype))
