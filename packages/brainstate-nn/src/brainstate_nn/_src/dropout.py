"""Dropout layers. In every one of them ``prob`` is the probability to KEEP a value.

This follows brainstate 0.1 (``Dropout(prob=0.9)`` keeps 90 % of the values, drops 10 %),
and is the opposite of torch's ``p`` and flax's ``rate``, which are drop probabilities.
Kept values are scaled by ``1 / prob`` so that the expected output equals the input.

Dropout is active only while training: the ``environ`` setting ``fit`` must be set
(``with bst.environ.context(fit=True): ...``); with ``fit=False`` every layer here is the
identity. Random numbers come from :data:`brainstate_core.random.DEFAULT`, so under
``brainstate_augment.vmap`` each lane draws its own mask, and under
``brainstate_compile.jit`` the generator's key is carried as a State.
"""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from brainstate_core import ShortTermState, random

from .module import ElementWiseBlock, ShapeError, Size
from .normalization import fit_phase

__all__ = [
    "Dropout",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
    "DropoutFixed",
    "AlphaDropout",
    "FeatureAlphaDropout",
]

# SELU's negative saturation value, -scale * alpha.
_ALPHA_PRIME = -1.7580993408473766


def _check_prob(layer: ElementWiseBlock, prob: Any) -> float:
    try:
        p = float(prob)
    except (TypeError, ValueError):
        p = float("nan")
    if not 0.0 < p <= 1.0:
        raise ValueError(
            f"{layer._label()}: prob is the probability to KEEP a value and must be in (0, 1], "
            f"got {prob!r} (for a drop probability d, pass prob=1 - d)"
        )
    return p


def _keep_scale(x: Any, keep: Any, prob: float) -> Any:
    """``x / prob`` where ``keep``, else 0 (in ``x``'s dtype)."""
    x = jnp.asarray(x)
    dtype = x.dtype if jnp.issubdtype(x.dtype, jnp.inexact) else jnp.result_type(float)
    scaled = (x / prob).astype(dtype)
    return jnp.where(keep, scaled, jnp.zeros((), dtype))


class Dropout(ElementWiseBlock):
    """Element-wise dropout; ``prob`` is the probability to KEEP each value.

    While training (``environ`` ``fit=True``) each value is kept with probability ``prob``
    and scaled by ``1 / prob`` (so the expected output is the input), or set to zero with
    probability ``1 - prob``. With ``fit=False`` this is the identity.

    Args:
        prob: the KEEP probability, in ``(0, 1]`` (brainstate 0.1's convention; torch's
            ``p`` and flax's ``rate`` are drop probabilities: ``prob = 1 - p``).
        name: an optional name.

    Raises:
        EnvironError: ``fit`` is not set.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> bsc.random.seed(0)
        >>> drop = nn.Dropout(prob=0.8)   # keep 80 %, drop 20 %
        >>> with bsc.environ.context(fit=True):
        ...     y = drop(jnp.ones(10000))
        >>> sorted(set(y.tolist()))       # kept values are scaled by 1 / 0.8
        [0.0, 1.25]
        >>> round(float((y > 0).mean()), 1)
        0.8
        >>> with bsc.environ.context(fit=False):
        ...     drop(jnp.ones(3)).tolist()
        [1.0, 1.0, 1.0]
    """

    def __init__(self, prob: float = 0.5, name: str | None = None) -> None:
        super().__init__(name=name)
        self.prob = _check_prob(self, prob)

    def update(self, x: Any) -> Any:
        x = jnp.asarray(x)
        if not fit_phase(self) or self.prob == 1.0:
            return x
        return _keep_scale(x, random.bernoulli(self.prob, size=x.shape), self.prob)


class _DropoutNd(ElementWiseBlock):
    num_spatial_dims: int

    def __init__(self, prob: float = 0.5, channel_axis: int = -1, name: str | None = None) -> None:
        super().__init__(name=name)
        self.prob = _check_prob(self, prob)
        n = self.num_spatial_dims + 1
        if not isinstance(channel_axis, (int, np.integer)) or not -n <= channel_axis < n:
            raise ValueError(
                f"{self._label()}: channel_axis must be an axis of one sample "
                f"({n} axes), got {channel_axis!r}"
            )
        self.channel_axis = int(channel_axis)

    def update(self, x: Any) -> Any:
        x = jnp.asarray(x)
        n = self.num_spatial_dims + 1
        if x.ndim not in (n, n + 1):
            raise ShapeError(
                f"{self._label()} expects inputs with {n} axes (*spatial, channels) or "
                f"{n + 1} (batch, *spatial, channels), got an input of shape {tuple(x.shape)}."
            )
        if not fit_phase(self) or self.prob == 1.0:
            return x
        lead = x.ndim - n
        channel = lead + self.channel_axis % n
        mask_shape = tuple(s if i < lead or i == channel else 1 for i, s in enumerate(x.shape))
        keep = jnp.broadcast_to(random.bernoulli(self.prob, size=mask_shape), x.shape)
        return _keep_scale(x, keep, self.prob)


_ND_DOC = """Channel-wise dropout of {n}D feature maps; ``prob`` is the KEEP probability.

    While training (``environ`` ``fit=True``) each channel of each sample is kept as a
    whole with probability ``prob`` (and scaled by ``1 / prob``) or zeroed with
    probability ``1 - prob``: the mask is shared over the spatial axes. Inputs are
    channel-last, ``({spatial}, channels)`` or batched ``(batch, {spatial}, channels)``.
    With ``fit=False`` this is the identity.

    Args:
        prob: the KEEP probability, in ``(0, 1]`` (torch's ``p`` is a drop probability:
            ``prob = 1 - p``).
        channel_axis: the channel axis of one sample.
        name: an optional name.

    Raises:
        ShapeError: the input has neither {n1} nor {n2} axes.
        EnvironError: ``fit`` is not set.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> with bsc.environ.context(fit=True):
        ...     y = nn.{cls}(prob=0.5)(jnp.ones((4, {sizes}, 16)))
        >>> bool(jnp.all((y == 0) | (y == 2)))
        True
        >>> bool(jnp.all(y == y[:, {first}, :]))   # one value per (sample, channel)
        True
"""


class Dropout1d(_DropoutNd):
    num_spatial_dims = 1


class Dropout2d(_DropoutNd):
    num_spatial_dims = 2


class Dropout3d(_DropoutNd):
    num_spatial_dims = 3


_SPATIAL = {1: ["length"], 2: ["height", "width"], 3: ["depth", "height", "width"]}
for _n, _c in ((1, Dropout1d), (2, Dropout2d), (3, Dropout3d)):
    _c.__doc__ = _ND_DOC.format(
        n=_n,
        n1=_n + 1,
        n2=_n + 2,
        spatial=", ".join(_SPATIAL[_n]),
        cls=_c.__name__,
        sizes=", ".join(["5"] * _n),
        first=", ".join(["0:1"] * _n),
    )
del _n, _c, _SPATIAL


class DropoutFixed(ElementWiseBlock):
    """Dropout with a mask fixed between resets; ``prob`` is the KEEP probability.

    For spiking networks trained through time: the same units are dropped at every time
    step of a sequence, so the effect of dropout does not average out over the steps
    (Lee et al., 2020, "Enabling spike-based backpropagation ..."). The mask (a
    ``ShortTermState`` ``mask`` of shape ``in_size`` or ``(batch_size, *in_size)``) is
    drawn by :meth:`init_state` and redrawn by :meth:`reset_state` (e.g. by
    ``nn.init_all_states(model, batch_size)`` / ``nn.reset_all_states(model)`` at the start
    of each sequence). While training (``fit=True``) kept values are scaled by
    ``1 / prob``; with ``fit=False`` this is the identity.

    Args:
        in_size: the shape of one sample.
        prob: the KEEP probability, in ``(0, 1]``.
        name: an optional name.

    Raises:
        ShapeError: the input's shape is not the mask's.
        EnvironError: ``fit`` is not set.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> drop = nn.DropoutFixed(8, prob=0.5)
        >>> drop.init_state(batch_size=2)
        >>> with bsc.environ.context(fit=True):
        ...     y1, y2 = drop(jnp.ones((2, 8))), drop(jnp.ones((2, 8)))
        >>> bool(jnp.all(y1 == y2))   # the same mask at every step
        True
    """

    mask: ShortTermState

    def __init__(self, in_size: Size, prob: float = 0.5, name: str | None = None) -> None:
        super().__init__(name=name)
        self.prob = _check_prob(self, prob)
        self.in_size = self.out_size = in_size

    def _draw(self, batch_size: int | None) -> Any:
        in_size = self.in_size
        assert in_size is not None
        shape = in_size if batch_size is None else (int(batch_size), *in_size)
        return random.bernoulli(self.prob, size=shape)

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        """Draw the mask (for ``batch_size`` samples, or one unbatched sample)."""
        self.mask = ShortTermState(self._draw(batch_size))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        """Draw a new mask (keeping the batch size of the current one if none is given)."""
        if "mask" not in vars(self):
            self.init_state(batch_size)
            return
        if batch_size is None and self.mask.value.ndim > len(self.in_size or ()):
            batch_size = self.mask.value.shape[0]
        self.mask.value = self._draw(batch_size)

    def update(self, x: Any) -> Any:
        x = jnp.asarray(x)
        if not fit_phase(self):
            return x
        if "mask" not in vars(self):
            raise ShapeError(
                f"{self._label()} has no mask yet: call its init_state(batch_size) (or "
                "nn.init_all_states(model, batch_size)) before training with it."
            )
        mask = self.mask.value
        if tuple(mask.shape) != tuple(x.shape):
            raise ShapeError(
                f"{self._label()} expects inputs of the mask's shape {tuple(mask.shape)} "
                f"(drawn by init_state), got an input of shape {tuple(x.shape)}; call "
                "init_state(batch_size) with the input's batch size."
            )
        return _keep_scale(x, mask, self.prob)


def _alpha(x: Any, keep: Any, prob: float) -> Any:
    x = jnp.asarray(x)
    dtype = x.dtype if jnp.issubdtype(x.dtype, jnp.inexact) else jnp.result_type(float)
    a = (prob + _ALPHA_PRIME**2 * prob * (1 - prob)) ** -0.5
    b = -a * _ALPHA_PRIME * (1 - prob)
    y = jnp.where(keep, x.astype(dtype), jnp.asarray(_ALPHA_PRIME, dtype))
    return (a * y + b).astype(dtype)


class AlphaDropout(ElementWiseBlock):
    """Alpha dropout for self-normalizing (SELU) networks; ``prob`` is the KEEP probability.

    While training (``fit=True``) each value is kept with probability ``prob`` or set to
    SELU's negative saturation value ``alpha' = -1.7581`` with probability ``1 - prob``;
    then an affine map ``a * y + b`` restores zero mean and unit variance for inputs with
    zero mean and unit variance (Klambauer et al., 2017), with
    ``a = (prob + alpha'**2 * prob * (1 - prob)) ** -0.5`` and
    ``b = -a * alpha' * (1 - prob)``. With ``fit=False`` this is the identity.

    Args:
        prob: the KEEP probability, in ``(0, 1]`` (torch's ``p`` is a drop probability:
            ``prob = 1 - p``).
        name: an optional name.

    Raises:
        EnvironError: ``fit`` is not set.

    Examples:
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> bsc.random.seed(1)
        >>> with bsc.environ.context(fit=True):
        ...     y = nn.AlphaDropout(prob=0.8)(bsc.random.randn(100000))
        >>> round(float(y.mean()), 1), round(float(y.std()), 1)
        (0.0, 1.0)
    """

    def __init__(self, prob: float = 0.5, name: str | None = None) -> None:
        super().__init__(name=name)
        self.prob = _check_prob(self, prob)

    def update(self, x: Any) -> Any:
        x = jnp.asarray(x)
        if not fit_phase(self) or self.prob == 1.0:
            return x
        return _alpha(x, random.bernoulli(self.prob, size=x.shape), self.prob)


class FeatureAlphaDropout(ElementWiseBlock):
    """Channel-wise alpha dropout; ``prob`` is the probability to KEEP a channel.

    As :class:`AlphaDropout`, but whole channels are kept or saturated: the mask has one
    entry per (sample, channel) and is shared over every other axis. Inputs are batched
    and channel-last, ``(batch, ..., channels)``: axis 0 is the batch axis. With
    ``fit=False`` this is the identity.

    Args:
        prob: the KEEP probability, in ``(0, 1]`` (torch's ``p`` is a drop probability:
            ``prob = 1 - p``).
        channel_axis: the channel axis of the input.
        name: an optional name.

    Raises:
        ShapeError: the input has fewer than 2 axes.
        EnvironError: ``fit`` is not set.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> with bsc.environ.context(fit=True):
        ...     y = nn.FeatureAlphaDropout(prob=0.5)(jnp.zeros((4, 5, 5, 16)))
        >>> bool(jnp.all(y == y[:, :1, :1, :]))   # one value per (sample, channel)
        True
    """

    def __init__(self, prob: float = 0.5, channel_axis: int = -1, name: str | None = None) -> None:
        super().__init__(name=name)
        self.prob = _check_prob(self, prob)
        self.channel_axis = int(channel_axis)

    def update(self, x: Any) -> Any:
        x = jnp.asarray(x)
        if x.ndim < 2 or not -x.ndim <= self.channel_axis < x.ndim:
            raise ShapeError(
                f"{self._label()} expects batched inputs (batch, ..., channels) with "
                f"channel_axis={self.channel_axis}, got an input of shape {tuple(x.shape)}."
            )
        if not fit_phase(self) or self.prob == 1.0:
            return x
        channel = self.channel_axis % x.ndim
        mask_shape = tuple(s if i in (0, channel) else 1 for i, s in enumerate(x.shape))
        keep = jnp.broadcast_to(random.bernoulli(self.prob, size=mask_shape), x.shape)
        return _alpha(x, keep, self.prob)
