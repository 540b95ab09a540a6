"""Activation layers: every activation of :mod:`brainstate_nn.functional` as an
:class:`ElementWiseBlock` (the output has the input's shape; :class:`GLU`, which halves an
axis, is the one plain :class:`Module`)."""

from __future__ import annotations

from typing import Any

from .activations_param import (
    CELU,
    ELU,
    GELU,
    GLU,
    Hardshrink,
    Hardtanh,
    LeakyReLU,
    PReLU,
    RReLU,
    Softshrink,
    Threshold,
)
from .functional import activations as F
from .functional.spikes import SPIKE_BITWISE_OPS, spike_bitwise
from .module import ElementWiseBlock

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "Hardshrink",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "Identity",
    "LeakyReLU",
    "LogSigmoid",
    "LogSoftmax",
    "Mish",
    "PReLU",
    "RReLU",
    "ReLU",
    "ReLU6",
    "SELU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softmin",
    "Softplus",
    "Softshrink",
    "Softsign",
    "SparsePlus",
    "SparseSigmoid",
    "SpikeBitwise",
    "Tanh",
    "Tanhshrink",
    "Threshold",
]


class ReLU(ElementWiseBlock):
    """Applies ``max(x, 0)`` element-wise.

    See :func:`brainstate_nn.functional.relu`.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.ReLU()(jnp.array([-1.0, 2.0])).tolist()
        [0.0, 2.0]
    """

    def update(self, x: Any) -> Any:
        return F.relu(x)


class ReLU6(ElementWiseBlock):
    """Applies ``min(max(x, 0), 6)`` element-wise.

    See :func:`brainstate_nn.functional.relu6`.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.ReLU6()(jnp.array([-1.0, 7.0])).tolist()
        [0.0, 6.0]
    """

    def update(self, x: Any) -> Any:
        return F.relu6(x)


class Sigmoid(ElementWiseBlock):
    """Applies ``1 / (1 + exp(-x))`` element-wise.

    See :func:`brainstate_nn.functional.sigmoid`.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.Sigmoid()(jnp.array([0.0])).tolist()
        [0.5]
    """

    def update(self, x: Any) -> Any:
        return F.sigmoid(x)


class Hardsigmoid(ElementWiseBlock):
    """Applies ``relu6(x + 3) / 6`` element-wise.

    See :func:`brainstate_nn.functional.hard_sigmoid`.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.Hardsigmoid()(jnp.array([0.0])).tolist()
        [0.5]
    """

    def update(self, x: Any) -> Any:
        return F.hard_sigmoid(x)


class Tanh(ElementWiseBlock):
    """Applies ``tanh(x)`` element-wise.

    See :func:`brainstate_nn.functional.tanh`.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.Tanh()(jnp.array([0.0])).tolist()
        [0.0]
    """

    def update(self, x: Any) -> Any:
        return F.tanh(x)


class SiLU(ElementWiseBlock):
    """Applies ``x * sigmoid(x)`` (swish) element-wise.

    See :func:`brainstate_nn.functional.silu`.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.SiLU()(jnp.array([0.0])).tolist()
        [0.0]
    """

    def update(self, x: Any) -> Any:
        return F.silu(x)


class Mish(ElementWiseBlock):
    """Applies ``x * tanh(softplus(x))`` element-wise.

    See :func:`brainstate_nn.functional.mish`.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.Mish()(jnp.array([0.0])).tolist()
        [0.0]
    """

    def update(self, x: Any) -> Any:
        return F.mish(x)


class Hardswish(ElementWiseBlock):
    """Applies ``x * relu6(x + 3) / 6`` element-wise.

    See :func:`brainstate_nn.functional.hard_swish`.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.Hardswish()(jnp.array([3.0])).tolist()
        [3.0]
    """

    def update(self, x: Any) -> Any:
        return F.hard_swish(x)


class SELU(ElementWiseBlock):
    """Applies the scaled ELU of Klambauer et al. (2017) element-wise.

    See :func:`brainstate_nn.functional.selu`.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.SELU()(jnp.array([0.0])).tolist()
        [0.0]
    """

    def update(self, x: Any) -> Any:
        return F.selu(x)


class LogSigmoid(ElementWiseBlock):
    """Applies ``log(sigmoid(x))`` element-wise.

    See :func:`brainstate_nn.functional.log_sigmoid`.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.LogSigmoid()(jnp.array([100.0])).tolist()
        [-0.0]
    """

    def update(self, x: Any) -> Any:
        return F.log_sigmoid(x)


class Softplus(ElementWiseBlock):
    """Applies ``log(1 + exp(x))`` element-wise.

    See :func:`brainstate_nn.functional.softplus`.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.Softplus()(jnp.array([-100.0])).tolist()
        [0.0]
    """

    def update(self, x: Any) -> Any:
        return F.softplus(x)


class Softsign(ElementWiseBlock):
    """Applies ``x / (1 + |x|)`` element-wise.

    See :func:`brainstate_nn.functional.soft_sign`.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.Softsign()(jnp.array([1.0])).tolist()
        [0.5]
    """

    def update(self, x: Any) -> Any:
        return F.soft_sign(x)


class Tanhshrink(ElementWiseBlock):
    """Applies ``x - tanh(x)`` element-wise.

    See :func:`brainstate_nn.functional.tanh_shrink`.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.Tanhshrink()(jnp.array([0.0])).tolist()
        [0.0]
    """

    def update(self, x: Any) -> Any:
        return F.tanh_shrink(x)


class SparsePlus(ElementWiseBlock):
    """Applies the sparse plus of Martins & Astudillo element-wise.

    See :func:`brainstate_nn.functional.sparse_plus`.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.SparsePlus()(jnp.array([-2.0, 2.0])).tolist()
        [0.0, 2.0]
    """

    def update(self, x: Any) -> Any:
        return F.sparse_plus(x)


class SparseSigmoid(ElementWiseBlock):
    """Applies ``clip((x + 1) / 2, 0, 1)`` element-wise.

    See :func:`brainstate_nn.functional.sparse_sigmoid`.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.SparseSigmoid()(jnp.array([-2.0, 0.0, 2.0])).tolist()
        [0.0, 0.5, 1.0]
    """

    def update(self, x: Any) -> Any:
        return F.sparse_sigmoid(x)


class Identity(ElementWiseBlock):
    """Returns its input unchanged (a placeholder layer).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.Identity()(jnp.array([1.0, 2.0])).tolist()
        [1.0, 2.0]
    """

    def update(self, x: Any) -> Any:
        return x


class Softmin(ElementWiseBlock):
    """``softmax(-x)`` along axis ``dim`` (default the last axis; None: all axes).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> float(nn.Softmin()(jnp.array([1.0, 2.0])).sum())
        1.0
    """

    def __init__(self, dim: int | None = -1, name: str | None = None) -> None:
        super().__init__(name=name)
        self.dim = dim

    def update(self, x: Any) -> Any:
        return F.softmin(x, self.dim)


class Softmax(ElementWiseBlock):
    """``exp(x) / sum(exp(x))`` along axis ``dim``.

    ``dim`` defaults to the last axis (brainstate 0.1's ``None`` normalized over all axes,
    the batch included; pass ``dim=None`` for that).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.Softmax()(jnp.zeros((2, 4))).sum(axis=-1).tolist()
        [1.0, 1.0]
    """

    def __init__(self, dim: int | None = -1, name: str | None = None) -> None:
        super().__init__(name=name)
        self.dim = dim

    def update(self, x: Any) -> Any:
        return F.softmax(x, self.dim)


class LogSoftmax(ElementWiseBlock):
    """``log(softmax(x))`` along axis ``dim`` (default the last axis; None: all axes).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.LogSoftmax()(jnp.zeros(2)).tolist()
        [-0.6931471824645996, -0.6931471824645996]
    """

    def __init__(self, dim: int | None = -1, name: str | None = None) -> None:
        super().__init__(name=name)
        self.dim = dim

    def update(self, x: Any) -> Any:
        return F.log_softmax(x, self.dim)


class SpikeBitwise(ElementWiseBlock):
    """Combines two spike trains element-wise with a bitwise operation (see
    :func:`brainstate_nn.functional.spike_bitwise`): ``'add'`` (default), ``'and'``,
    ``'iand'``, ``'or'``, ``'xor'`` or ``'ixor'``. Called with two inputs.

    Args:
        op: the operation.
        name: an optional name.

    Raises:
        ValueError: an unknown ``op``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.SpikeBitwise("or")(jnp.array([1.0, 0.0]), jnp.array([1.0, 0.0])).tolist()
        [1.0, 0.0]
    """

    def __init__(self, op: str = "add", name: str | None = None) -> None:
        super().__init__(name=name)
        if op not in SPIKE_BITWISE_OPS:
            raise ValueError(
                f"SpikeBitwise: op must be one of {sorted(SPIKE_BITWISE_OPS)}, got {op!r}"
            )
        self.op = op

    def update(self, x: Any, y: Any) -> Any:
        return spike_bitwise(x, y, self.op)
