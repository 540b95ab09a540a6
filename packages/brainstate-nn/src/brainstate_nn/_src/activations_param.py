"""Activation layers with parameters (slopes, bounds, thresholds); re-exported by
:mod:`.activations`."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp

from brainstate_core import ParamState, environ

from .functional import activations as F
from .module import ElementWiseBlock, Module, ShapeError

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "Hardshrink",
    "Hardtanh",
    "LeakyReLU",
    "PReLU",
    "RReLU",
    "Softshrink",
    "Threshold",
]


class Threshold(ElementWiseBlock):
    """``x`` where ``x > threshold``, else ``value``.

    Args:
        threshold: the threshold.
        value: the value below or at the threshold.
        name: an optional name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.Threshold(0.5, -1.0)(jnp.array([0.2, 0.8])).tolist()
        [-1.0, 0.800000011920929]
    """

    def __init__(self, threshold: float, value: float, name: str | None = None) -> None:
        super().__init__(name=name)
        self.threshold = threshold
        self.value = value

    def update(self, x: Any) -> Any:
        x = jnp.asarray(x)
        return jnp.where(x > self.threshold, x, jnp.asarray(self.value, x.dtype))


class RReLU(ElementWiseBlock):
    """Randomized leaky ReLU: negative inputs times ``a ~ U(lower, upper)`` drawn per
    element at each call (see :func:`brainstate_nn.functional.rrelu`); when evaluating
    (``environ`` ``fit=False``) the fixed slope ``(lower + upper) / 2`` instead, as in Xu et
    al. (2015) and PyTorch.

    Args:
        lower: the lower bound of the slope.
        upper: the upper bound of the slope.
        name: an optional name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.RReLU()(jnp.array([2.0])).tolist()
        [2.0]
    """

    def __init__(
        self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, name: str | None = None
    ) -> None:
        super().__init__(name=name)
        if not lower <= upper:
            raise ValueError(f"RReLU needs lower <= upper, got lower={lower}, upper={upper}")
        self.lower = lower
        self.upper = upper

    def update(self, x: Any) -> Any:
        if environ.get("fit", default=True):
            return F.rrelu(x, self.lower, self.upper)
        return F.leaky_relu(x, (self.lower + self.upper) / 2)


class Hardtanh(ElementWiseBlock):
    """``x`` clipped to ``[min_val, max_val]``.

    Args:
        min_val: the lower bound.
        max_val: the upper bound (``> min_val``).
        name: an optional name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.Hardtanh()(jnp.array([-2.0, 0.5, 2.0])).tolist()
        [-1.0, 0.5, 1.0]
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, name: str | None = None):
        super().__init__(name=name)
        if not max_val > min_val:
            raise ValueError(f"Hardtanh needs max_val > min_val, got {min_val}, {max_val}")
        self.min_val = min_val
        self.max_val = max_val

    def update(self, x: Any) -> Any:
        return F.hard_tanh(x, self.min_val, self.max_val)


class ELU(ElementWiseBlock):
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.ELU()(jnp.array([1.0])).tolist()
        [1.0]
    """

    def __init__(self, alpha: float = 1.0, name: str | None = None) -> None:
        super().__init__(name=name)
        self.alpha = alpha

    def update(self, x: Any) -> Any:
        return F.elu(x, self.alpha)


class CELU(ElementWiseBlock):
    """``x`` where ``x > 0``, else ``alpha * (exp(x / alpha) - 1)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.CELU()(jnp.array([1.0])).tolist()
        [1.0]
    """

    def __init__(self, alpha: float = 1.0, name: str | None = None) -> None:
        super().__init__(name=name)
        self.alpha = alpha

    def update(self, x: Any) -> Any:
        return F.celu(x, self.alpha)


class GELU(ElementWiseBlock):
    """Gaussian error linear unit ``x * Phi(x)``; exact by default (``approximate=False``,
    as brainstate 0.1 and PyTorch), the tanh approximation with ``approximate=True``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.GELU()(jnp.array([0.0])).tolist()
        [0.0]
    """

    def __init__(self, approximate: bool = False, name: str | None = None) -> None:
        super().__init__(name=name)
        self.approximate = approximate

    def update(self, x: Any) -> Any:
        return F.gelu(x, approximate=self.approximate)


class GLU(Module):
    """Gated linear unit: first half of axis ``dim`` times the sigmoid of the second half.

    Not element-wise: the output has half the size along ``dim``. Give ``in_size`` (one
    sample's shape) so that :class:`Sequential` knows the output size.

    Args:
        dim: the axis that is split (its size must be even).
        in_size: an optional input size.
        name: an optional name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> glu = nn.GLU(in_size=4)
        >>> glu.out_size, glu(jnp.ones((3, 4))).shape
        ((2,), (3, 2))
    """

    def __init__(self, dim: int = -1, in_size: Any = None, name: str | None = None) -> None:
        super().__init__(name=name)
        self.dim = dim
        if in_size is not None:
            self.in_size = in_size
            shape = list(self.in_size)  # type: ignore[arg-type]
            if not -len(shape) <= dim < len(shape) or shape[dim] % 2:
                raise ShapeError(
                    f"GLU splits axis {dim} of in_size={tuple(shape)} in halves; it needs an "
                    "even size there"
                )
            shape[dim] //= 2
            self.out_size = shape

    def update(self, x: Any) -> Any:
        return F.glu(x, self.dim)


class Hardshrink(ElementWiseBlock):
    """``x`` where ``|x| > lambd``, else 0.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.Hardshrink()(jnp.array([-1.0, 0.2])).tolist()
        [-1.0, 0.0]
    """

    def __init__(self, lambd: float = 0.5, name: str | None = None) -> None:
        super().__init__(name=name)
        self.lambd = lambd

    def update(self, x: Any) -> Any:
        return F.hard_shrink(x, self.lambd)


class Softshrink(ElementWiseBlock):
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.Softshrink()(jnp.array([-1.0, 0.2])).tolist()
        [-0.5, 0.0]
    """

    def __init__(self, lambd: float = 0.5, name: str | None = None) -> None:
        super().__init__(name=name)
        self.lambd = lambd

    def update(self, x: Any) -> Any:
        return F.soft_shrink(x, self.lambd)


class LeakyReLU(ElementWiseBlock):
    """``x`` where ``x >= 0``, else ``negative_slope * x``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.LeakyReLU(0.5)(jnp.array([-2.0, 2.0])).tolist()
        [-1.0, 2.0]
    """

    def __init__(self, negative_slope: float = 1e-2, name: str | None = None) -> None:
        super().__init__(name=name)
        self.negative_slope = negative_slope

    def update(self, x: Any) -> Any:
        return F.leaky_relu(x, self.negative_slope)


class PReLU(ElementWiseBlock):
    """Parametric ReLU with a learnable slope: ``x`` where ``x >= 0``, else ``a * x``.

    ``a`` (a :class:`~brainstate_core.ParamState` ``weight`` of shape ``(num_parameters,)``)
    is one slope for all channels (``num_parameters=1``) or one per channel, the channel
    being the LAST axis (channel-last, like the conv layers).

    Args:
        num_parameters: 1 or the number of channels.
        init: the initial slope.
        dtype: the parameter's dtype (default float).
        name: an optional name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.PReLU()(jnp.array([-4.0, 4.0])).tolist()
        [-1.0, 4.0]
    """

    def __init__(
        self,
        num_parameters: int = 1,
        init: float = 0.25,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self.num_parameters = int(num_parameters)
        dtype = environ.dftype() if dtype is None else dtype
        self.weight = ParamState(jnp.full((self.num_parameters,), init, dtype=dtype))

    def update(self, x: Any) -> Any:
        a = self.weight.value
        ndim = jnp.ndim(x)
        if self.num_parameters > 1 and (ndim == 0 or jnp.shape(x)[-1] != self.num_parameters):
            raise ShapeError(
                f"{self._label()} has {self.num_parameters} slopes, one per channel (the last "
                f"axis), but got an input of shape {jnp.shape(x)}"
            )
        if ndim == 0:
            a = a[0]
        else:
            a = jnp.reshape(a, (1,) * (ndim - 1) + a.shape)
        return F.prelu(x, a)
