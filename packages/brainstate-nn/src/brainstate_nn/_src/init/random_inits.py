"""Random initializers: normal, truncated normal, uniform, variance scaling, orthogonal.

Each draws from :data:`brainstate_core.random.DEFAULT` at call time unless given its own
``seed`` (a fresh generator seeded once, at construction) or ``rng`` (a ``RandomState``).
"""

from __future__ import annotations

import math
from typing import Any

import brainunit as u
import jax.numpy as jnp
import numpy as np

from brainstate_core import random

from ..module import ShapeError
from .base import RandomInitializer, float_dtype, to_size, with_unit

__all__ = [
    "DeltaOrthogonal",
    "KaimingNormal",
    "KaimingUniform",
    "LecunNormal",
    "LecunUniform",
    "Normal",
    "Orthogonal",
    "TruncatedNormal",
    "Uniform",
    "VarianceScaling",
    "XavierNormal",
    "XavierUniform",
    "compute_fans",
]

# The standard deviation of a standard normal truncated to [-2, 2]: dividing by it makes the
# truncated samples' variance the requested one (as jax.nn.initializers does).
_TRUNC_STD = 0.87962566103423978


def _in_one_unit(owner: str, unit: u.Unit, **values: Any) -> tuple[dict[str, Any], u.Unit]:
    """The plain numbers of arguments given as quantities (``Normal(-55 * u.mV, 5 * u.mV)``),
    all in one unit: ``unit`` when given, else the first quantity's. Plain numbers among
    them are taken in that unit; ``None`` stays ``None``.

    Raises:
        brainunit.UnitMismatchError: an argument of another dimension (named).
    """
    quantities = [v for v in values.values() if isinstance(v, u.Quantity)]
    if not quantities:
        return values, unit
    ref = unit if not unit.is_unitless else quantities[0].unit
    plain = {}
    for name, value in values.items():
        if isinstance(value, u.Quantity):
            if value.dim != ref.dim:
                raise u.UnitMismatchError(
                    f"{owner}: {name} is in {value.unit}, but the values are in {ref} "
                    f"(from {'unit' if not unit.is_unitless else 'the first quantity'})"
                )
            value = value.to_decimal(ref)
        plain[name] = value
    return plain, ref


def _shape(shape: Any) -> tuple[int, ...]:
    size = to_size(shape)
    if size is None:
        raise ShapeError("an initializer needs a shape, got None")
    return size


class Normal(RandomInitializer):
    """Samples of ``N(mean, scale**2)``, in ``unit``.

    Args:
        mean: the mean.
        scale: the standard deviation.
        unit: the unit of the values (unitless by default).
        seed: seed a generator of its own (else the default generator is used).
        rng: a ``RandomState`` to draw from.

    Examples:
        >>> import brainunit as u
        >>> import brainstate_nn as nn
        >>> nn.init.Normal(0.0, 1.0, seed=0)((2, 3)).shape
        (2, 3)
        >>> nn.init.Normal(0.0, 1.0, unit=u.mV, seed=0)(2).unit == u.mV
        True
        >>> nn.init.Normal(-55.0 * u.mV, 5.0 * u.mV, seed=0)(2).unit == u.mV
        True
    """

    def __init__(
        self,
        mean: Any = 0.0,
        scale: Any = 1.0,
        unit: u.Unit = u.UNITLESS,
        seed: Any = None,
        *,
        rng: random.RandomState | None = None,
    ) -> None:
        super().__init__(seed, rng)
        plain, self.unit = _in_one_unit("Normal", unit, mean=mean, scale=scale)
        self.mean, self.scale = plain["mean"], plain["scale"]

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        w = self.rng.normal(self.mean, self.scale, _shape(shape), dtype=float_dtype(dtype))
        return with_unit(w, self.unit)


class TruncatedNormal(RandomInitializer):
    """Samples of ``N(loc, scale**2)`` conditioned on ``lower < x < upper``.

    ``lower``/``upper`` default to ``loc ∓ 2 * scale``, the usual convention of
    ``jax.nn.initializers.truncated_normal`` and ``torch.nn.init.trunc_normal_`` (brainstate
    0.1 failed without explicit bounds). The mean and standard deviation of the result are
    those of the truncated distribution, not ``loc``/``scale``.

    Args:
        loc: the mean of the normal before truncation.
        scale: its standard deviation (``> 0``).
        unit: the unit of the values (unitless by default).
        lower: the lower bound (default ``loc - 2 * scale``).
        upper: the upper bound (default ``loc + 2 * scale``).
        seed: seed a generator of its own (else the default generator is used).
        rng: a ``RandomState`` to draw from.

    Raises:
        ValueError: ``scale`` is not positive.

    Examples:
        >>> import brainstate_nn as nn
        >>> w = nn.init.TruncatedNormal(lower=-1.0, upper=1.0, seed=0)(1000)
        >>> bool((abs(w) <= 1.0).all())
        True
    """

    def __init__(
        self,
        loc: Any = 0.0,
        scale: Any = 1.0,
        unit: u.Unit = u.UNITLESS,
        lower: Any = None,
        upper: Any = None,
        seed: Any = None,
        *,
        rng: random.RandomState | None = None,
    ) -> None:
        super().__init__(seed, rng)
        plain, self.unit = _in_one_unit(
            "TruncatedNormal", unit, loc=loc, scale=scale, lower=lower, upper=upper
        )
        loc, scale, lower, upper = (plain[k] for k in ("loc", "scale", "lower", "upper"))
        if not bool(np.all(np.asarray(scale) > 0)):
            raise ValueError(f"TruncatedNormal: scale must be positive, got {scale!r}")
        self.loc = loc
        self.scale = scale
        self.lower = lower
        self.upper = upper

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        lower = (
            np.subtract(self.loc, 2 * np.asarray(self.scale)) if self.lower is None else self.lower
        )
        upper = np.add(self.loc, 2 * np.asarray(self.scale)) if self.upper is None else self.upper
        w = self.rng.truncated_normal(
            lower, upper, _shape(shape), self.loc, self.scale, dtype=float_dtype(dtype)
        )
        return with_unit(w, self.unit)


class Uniform(RandomInitializer):
    """Samples of the uniform distribution on ``[min_val, max_val)``.

    Args:
        min_val: the lower limit.
        max_val: the upper limit.
        seed: seed a generator of its own (else the default generator is used).
        unit: the unit of the values (unitless by default).
        rng: a ``RandomState`` to draw from.

    Examples:
        >>> import brainstate_nn as nn
        >>> w = nn.init.Uniform(-1.0, 1.0, seed=0)(100)
        >>> bool(((w >= -1) & (w < 1)).all())
        True
    """

    def __init__(
        self,
        min_val: Any = 0.0,
        max_val: Any = 1.0,
        seed: Any = None,
        unit: u.Unit = u.UNITLESS,
        *,
        rng: random.RandomState | None = None,
    ) -> None:
        super().__init__(seed, rng)
        plain, self.unit = _in_one_unit("Uniform", unit, min_val=min_val, max_val=max_val)
        self.min_val, self.max_val = plain["min_val"], plain["max_val"]

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        w = self.rng.uniform(self.min_val, self.max_val, _shape(shape), dtype=float_dtype(dtype))
        return with_unit(w, self.unit)


def compute_fans(
    shape: tuple[int, ...], in_axis: int = -2, out_axis: int = -1
) -> tuple[float, float]:
    """``(fan_in, fan_out)`` of a weight of ``shape``.

    The receptive field (the product of the other axes, e.g. a conv kernel's spatial size)
    multiplies both. A 1-D shape ``(n,)`` has ``fan_in = fan_out = n``; a scalar has 1.
    """
    if len(shape) == 0:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    receptive = math.prod(shape) / shape[in_axis] / shape[out_axis]
    return shape[in_axis] * receptive, shape[out_axis] * receptive


class VarianceScaling(RandomInitializer):
    """Samples with variance ``scale / n``, ``n`` the fan-in, fan-out or their average.

    The convention of ``jax.nn.initializers.variance_scaling`` (and brainstate 0.1): the
    input axis of a weight is ``in_axis`` (``-2``), the output axis ``out_axis`` (``-1``),
    other axes form the receptive field. ``distribution`` is:

    - ``'truncated_normal'``: a normal truncated to ``[-2, 2]`` standard deviations,
      rescaled so that the variance is ``scale / n``;
    - ``'normal'``: ``N(0, scale / n)``;
    - ``'uniform'``: uniform on ``[-sqrt(3 scale / n), sqrt(3 scale / n))``.

    Args:
        scale: the scale of the variance.
        mode: ``'fan_in'``, ``'fan_out'`` or ``'fan_avg'``.
        distribution: ``'truncated_normal'``, ``'normal'`` or ``'uniform'``.
        in_axis: the input axis.
        out_axis: the output axis.
        seed: seed a generator of its own (else the default generator is used).
        unit: the unit of the values (unitless by default).
        rng: a ``RandomState`` to draw from.

    Raises:
        ValueError: an unknown ``mode`` or ``distribution``.

    Examples:
        >>> import brainstate_nn as nn
        >>> init = nn.init.VarianceScaling(1.0, "fan_in", "normal", seed=0)
        >>> init((100, 50)).shape
        (100, 50)
    """

    def __init__(
        self,
        scale: Any,
        mode: str,
        distribution: str,
        in_axis: int = -2,
        out_axis: int = -1,
        seed: Any = None,
        unit: u.Unit = u.UNITLESS,
        *,
        rng: random.RandomState | None = None,
    ) -> None:
        super().__init__(seed, rng)
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"mode must be 'fan_in', 'fan_out' or 'fan_avg', got {mode!r}")
        if distribution not in ("truncated_normal", "normal", "uniform"):
            raise ValueError(
                "distribution must be 'truncated_normal', 'normal' or 'uniform', "
                f"got {distribution!r}"
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.in_axis = in_axis
        self.out_axis = out_axis
        self.unit = unit

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        shape = _shape(shape)
        dtype = float_dtype(dtype)
        fan_in, fan_out = compute_fans(shape, self.in_axis, self.out_axis)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        std = jnp.sqrt(jnp.asarray(self.scale, dtype) / n).astype(dtype)
        if self.distribution == "truncated_normal":
            w = self.rng.truncated_normal(-2.0, 2.0, shape, dtype=dtype) * (std / _TRUNC_STD)
        elif self.distribution == "normal":
            w = self.rng.normal(0.0, 1.0, shape, dtype=dtype) * std
        else:
            w = self.rng.uniform(-1.0, 1.0, shape, dtype=dtype) * (std * math.sqrt(3.0))
        return with_unit(w.astype(dtype), self.unit)


class KaimingUniform(VarianceScaling):
    """He et al. (2015), uniform.

    :class:`VarianceScaling` with ``scale=2.0``, ``mode='fan_in'``.
    The variance of the samples is ``2.0 / fan_in`` (see :class:`VarianceScaling` for the
    arguments; all may be overridden).

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.init.KaimingUniform(seed=0)((4, 3)).shape
        (4, 3)
    """

    def __init__(
        self,
        scale: Any = 2.0,
        mode: str = "fan_in",
        distribution: str = "uniform",
        in_axis: int = -2,
        out_axis: int = -1,
        seed: Any = None,
        unit: u.Unit = u.UNITLESS,
        *,
        rng: random.RandomState | None = None,
    ) -> None:
        super().__init__(scale, mode, distribution, in_axis, out_axis, seed, unit, rng=rng)


class KaimingNormal(VarianceScaling):
    """He et al. (2015), truncated normal.

    :class:`VarianceScaling` with ``scale=2.0``, ``mode='fan_in'``.
    The variance of the samples is ``2.0 / fan_in`` (see :class:`VarianceScaling` for the
    arguments; all may be overridden).

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.init.KaimingNormal(seed=0)((4, 3)).shape
        (4, 3)
    """

    def __init__(
        self,
        scale: Any = 2.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        in_axis: int = -2,
        out_axis: int = -1,
        seed: Any = None,
        unit: u.Unit = u.UNITLESS,
        *,
        rng: random.RandomState | None = None,
    ) -> None:
        super().__init__(scale, mode, distribution, in_axis, out_axis, seed, unit, rng=rng)


class XavierUniform(VarianceScaling):
    """Glorot & Bengio (2010), uniform.

    :class:`VarianceScaling` with ``scale=1.0``, ``mode='fan_avg'``.
    The variance of the samples is ``1.0 / fan_avg`` (see :class:`VarianceScaling` for the
    arguments; all may be overridden).

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.init.XavierUniform(seed=0)((4, 3)).shape
        (4, 3)
    """

    def __init__(
        self,
        scale: Any = 1.0,
        mode: str = "fan_avg",
        distribution: str = "uniform",
        in_axis: int = -2,
        out_axis: int = -1,
        seed: Any = None,
        unit: u.Unit = u.UNITLESS,
        *,
        rng: random.RandomState | None = None,
    ) -> None:
        super().__init__(scale, mode, distribution, in_axis, out_axis, seed, unit, rng=rng)


class XavierNormal(VarianceScaling):
    """Glorot & Bengio (2010), truncated normal.

    :class:`VarianceScaling` with ``scale=1.0``, ``mode='fan_avg'``.
    The variance of the samples is ``1.0 / fan_avg`` (see :class:`VarianceScaling` for the
    arguments; all may be overridden).

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.init.XavierNormal(seed=0)((4, 3)).shape
        (4, 3)
    """

    def __init__(
        self,
        scale: Any = 1.0,
        mode: str = "fan_avg",
        distribution: str = "truncated_normal",
        in_axis: int = -2,
        out_axis: int = -1,
        seed: Any = None,
        unit: u.Unit = u.UNITLESS,
        *,
        rng: random.RandomState | None = None,
    ) -> None:
        super().__init__(scale, mode, distribution, in_axis, out_axis, seed, unit, rng=rng)


class LecunUniform(VarianceScaling):
    """LeCun et al. (1998), uniform.

    :class:`VarianceScaling` with ``scale=1.0``, ``mode='fan_in'``.
    The variance of the samples is ``1.0 / fan_in`` (see :class:`VarianceScaling` for the
    arguments; all may be overridden).

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.init.LecunUniform(seed=0)((4, 3)).shape
        (4, 3)
    """

    def __init__(
        self,
        scale: Any = 1.0,
        mode: str = "fan_in",
        distribution: str = "uniform",
        in_axis: int = -2,
        out_axis: int = -1,
        seed: Any = None,
        unit: u.Unit = u.UNITLESS,
        *,
        rng: random.RandomState | None = None,
    ) -> None:
        super().__init__(scale, mode, distribution, in_axis, out_axis, seed, unit, rng=rng)


class LecunNormal(VarianceScaling):
    """LeCun et al. (1998), truncated normal.

    :class:`VarianceScaling` with ``scale=1.0``, ``mode='fan_in'``.
    The variance of the samples is ``1.0 / fan_in`` (see :class:`VarianceScaling` for the
    arguments; all may be overridden).

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.init.LecunNormal(seed=0)((4, 3)).shape
        (4, 3)
    """

    def __init__(
        self,
        scale: Any = 1.0,
        mode: str = "fan_in",
        distribution: str = "truncated_normal",
        in_axis: int = -2,
        out_axis: int = -1,
        seed: Any = None,
        unit: u.Unit = u.UNITLESS,
        *,
        rng: random.RandomState | None = None,
    ) -> None:
        super().__init__(scale, mode, distribution, in_axis, out_axis, seed, unit, rng=rng)


class Orthogonal(RandomInitializer):
    """A (scaled) uniformly distributed orthogonal matrix (Saxe et al., 2014).

    The weight is reshaped to ``(shape[axis], rest)``; the rows (if fewer) or the columns
    are orthonormal, times ``scale``.

    Args:
        scale: the scale.
        axis: the axis whose slices are orthogonal.
        seed: seed a generator of its own (else the default generator is used).
        unit: the unit of the values (unitless by default).
        rng: a ``RandomState`` to draw from.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> q = nn.init.Orthogonal(seed=0)((3, 3))
        >>> bool(jnp.allclose(q @ q.T, jnp.eye(3), atol=1e-5))
        True
    """

    def __init__(
        self,
        scale: Any = 1.0,
        axis: int = -1,
        seed: Any = None,
        unit: u.Unit = u.UNITLESS,
        *,
        rng: random.RandomState | None = None,
    ) -> None:
        super().__init__(seed, rng)
        self.scale = scale
        self.axis = axis
        self.unit = unit

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        shape = _shape(shape)
        if len(shape) < 2:
            raise ShapeError(f"Orthogonal initializes weights of 2 or more dims, got {shape}")
        dtype = float_dtype(dtype)
        n_rows = shape[self.axis]
        n_cols = math.prod(shape) // n_rows
        big, small = max(n_rows, n_cols), min(n_rows, n_cols)
        # the QR runs in at least float32 (there is none in half precision); then cast
        work = jnp.promote_types(dtype, jnp.float32)
        a = self.rng.normal(0.0, 1.0, (big, small), dtype=work)
        q, r = jnp.linalg.qr(a)
        q = q * jnp.sign(jnp.diag(r))[None, :]  # makes the distribution uniform (Haar)
        if n_rows < n_cols:
            q = q.T
        rest = tuple(s for i, s in enumerate(shape) if i != self.axis % len(shape))
        q = jnp.moveaxis(jnp.reshape(q, (n_rows, *rest)), 0, self.axis)
        return with_unit((jnp.asarray(self.scale, work) * q).astype(dtype), self.unit)


class DeltaOrthogonal(RandomInitializer):
    """A delta-orthogonal convolution kernel (Xiao et al., 2018, arXiv:1806.05393).

    All zero but the kernel's spatial centre, an orthogonal ``(in, out)`` matrix. The shape
    is 3-D, 4-D or 5-D (spatial dims, then in and out channels) with ``in <= out``.

    Args:
        scale: the scale.
        axis: the axis of the orthogonal matrix (see :class:`Orthogonal`).
        seed: seed a generator of its own (else the default generator is used).
        unit: the unit of the values (unitless by default).
        rng: a ``RandomState`` to draw from.

    Raises:
        ShapeError: a shape that is not 3-D to 5-D, or with more input than output channels.

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.init.DeltaOrthogonal(seed=0)((3, 3, 4)).shape
        (3, 3, 4)
    """

    def __init__(
        self,
        scale: Any = 1.0,
        axis: int = -1,
        seed: Any = None,
        unit: u.Unit = u.UNITLESS,
        *,
        rng: random.RandomState | None = None,
    ) -> None:
        super().__init__(seed, rng)
        self.scale = scale
        self.axis = axis
        self.unit = unit

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        shape = _shape(shape)
        if len(shape) not in (3, 4, 5):
            raise ShapeError(f"DeltaOrthogonal needs a 3-D, 4-D or 5-D shape, got {shape}")
        if shape[-1] < shape[-2]:
            raise ShapeError(
                f"DeltaOrthogonal needs in channels <= out channels (shape[-2] <= shape[-1]), "
                f"got shape {shape}"
            )
        dtype = float_dtype(dtype)
        ortho = Orthogonal(self.scale, self.axis, rng=self.rng)(shape[-2:], dtype)
        centre = tuple((k - 1) // 2 for k in shape[:-2])
        w = jnp.zeros(shape, dtype).at[centre].set(ortho)
        return with_unit(w, self.unit)
