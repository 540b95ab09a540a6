"""Activation functions (the ``jax.nn`` ones and a few more), brainunit-aware.

Units: ``relu``, ``leaky_relu``, ``prelu`` and ``rrelu`` commute with a positive rescaling of
their input, so they keep a Quantity's unit; ``standardize`` returns a plain array for any
Quantity; every other function takes plain arrays or dimensionless Quantities only
(``sigmoid(1 mV)`` would depend on the unit it is written in) and raises
``brainunit.UnitMismatchError`` otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import brainunit as u
import jax
import jax.numpy as jnp
from jax.scipy.special import logsumexp as _jax_logsumexp

from brainstate_core import environ, random

__all__ = [
    "celu",
    "elu",
    "gelu",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "log_sigmoid",
    "log_softmax",
    "logsumexp",
    "mish",
    "one_hot",
    "prelu",
    "relu",
    "relu6",
    "rrelu",
    "selu",
    "sigmoid",
    "silu",
    "soft_shrink",
    "soft_sign",
    "softmax",
    "softmin",
    "softplus",
    "sparse_plus",
    "sparse_sigmoid",
    "squareplus",
    "standardize",
    "swish",
    "tanh",
    "tanh_shrink",
]

Array = Any


def _plain(x: Any, fname: str) -> Any:
    """``x`` as a plain array; a dimensionless Quantity is accepted, any other unit errors."""
    if isinstance(x, u.Quantity):
        if not x.unit.is_unitless:
            raise u.UnitMismatchError(
                f"{fname}() needs a plain array or a dimensionless Quantity, got a Quantity in "
                f"{x.unit}; divide by a reference value (e.g. x / u.mV) first."
            )
        return x.mantissa
    return x


def _keep_unit(fun: Callable[..., Any], x: Any, **kwargs: Any) -> Any:
    """``fun`` applied to the mantissa, the unit put back (for scale-equivariant ``fun``)."""
    if isinstance(x, u.Quantity):
        return u.maybe_decimal(u.Quantity(fun(x.mantissa, **kwargs), unit=x.unit))
    return fun(x, **kwargs)


def _unitless(jax_fun: Callable[..., Any], name: str, doc: str) -> Callable[..., Any]:
    def fun(x: Array, *args: Any, **kwargs: Any) -> jax.Array:
        return jax_fun(_plain(x, name), *args, **kwargs)

    fun.__name__ = fun.__qualname__ = name
    fun.__doc__ = doc
    return fun


# -- rectifiers (keep units) --------------------------------------------------------------
def relu(x: Array) -> Array:
    """Rectified linear unit, ``max(x, 0)`` (keeps a Quantity's unit).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.relu(jnp.array([-1.0, 2.0])).tolist()
        [0.0, 2.0]
    """
    return _keep_unit(jax.nn.relu, x)


def leaky_relu(x: Array, negative_slope: Any = 1e-2) -> Array:
    """``x`` where ``x >= 0``, else ``negative_slope * x`` (keeps a Quantity's unit).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.leaky_relu(jnp.array([-1.0, 2.0]), 0.1).tolist()
        [-0.10000000149011612, 2.0]
    """
    return _keep_unit(jax.nn.leaky_relu, x, negative_slope=negative_slope)


def prelu(x: Array, a: Any = 0.25) -> Array:
    """Parametric ReLU: ``x`` where ``x >= 0``, else ``a * x`` (``a`` may be an array).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.prelu(jnp.array([-2.0, 2.0])).tolist()
        [-0.5, 2.0]
    """
    extra = u.math.ndim(x) - u.math.ndim(a)
    if u.math.ndim(a) > 0 and extra > 0:  # align trailing axes explicitly (no rank promotion)
        a = u.math.reshape(a, (1,) * extra + tuple(u.math.shape(a)))
    return u.math.where(u.get_mantissa(x) >= 0, x, a * x)


def rrelu(x: Array, lower: float = 1.0 / 8, upper: float = 1.0 / 3) -> Array:
    """Randomized leaky ReLU (Xu et al., 2015): ``x`` where ``x >= 0``, else ``a * x``
    with ``a ~ U(lower, upper)`` drawn per element from the default random generator.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> y = nn.functional.rrelu(-jnp.ones(100))
        >>> bool(((y <= -1 / 8) & (y >= -1 / 3)).all())
        True
    """
    dtype = jnp.result_type(u.get_mantissa(x))
    if not jnp.issubdtype(dtype, jnp.floating):
        dtype = environ.dftype()
    a = random.uniform(lower, upper, size=u.math.shape(x), dtype=dtype)
    return u.math.where(u.get_mantissa(x) >= 0, x, a * x)


# -- shrinkage ----------------------------------------------------------------------------
def hard_shrink(x: Array, lambd: float = 0.5) -> jax.Array:
    """``x`` where ``|x| > lambd``, else 0.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.hard_shrink(jnp.array([-1.0, 0.2, 1.0])).tolist()
        [-1.0, 0.0, 1.0]
    """
    x = _plain(x, "hard_shrink")
    return jnp.where(jnp.abs(x) > lambd, x, jnp.zeros_like(x))


def soft_shrink(x: Array, lambd: float = 0.5) -> jax.Array:
    """``x - lambd`` where ``x > lambd``, ``x + lambd`` where ``x < -lambd``, else 0.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.soft_shrink(jnp.array([-1.0, 0.2, 1.0])).tolist()
        [-0.5, 0.0, 0.5]
    """
    x = _plain(x, "soft_shrink")
    return jnp.where(x > lambd, x - lambd, jnp.where(x < -lambd, x + lambd, jnp.zeros_like(x)))


def tanh_shrink(x: Array) -> jax.Array:
    """``x - tanh(x)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.tanh_shrink(jnp.array([0.0])).tolist()
        [0.0]
    """
    x = _plain(x, "tanh_shrink")
    return x - jnp.tanh(x)


# -- smooth activations -------------------------------------------------------------------
def mish(x: Array) -> jax.Array:
    """Mish (Misra, 2019): ``x * tanh(softplus(x))``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.mish(jnp.array([0.0])).tolist()
        [0.0]
    """
    x = _plain(x, "mish")
    return x * jnp.tanh(jax.nn.softplus(x))


def hard_tanh(x: Array, min_val: float = -1.0, max_val: float = 1.0) -> jax.Array:
    """``x`` clipped to ``[min_val, max_val]``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.hard_tanh(jnp.array([-3.0, 0.5, 3.0])).tolist()
        [-1.0, 0.5, 1.0]
    """
    x = _plain(x, "hard_tanh")
    return jnp.clip(x, min_val, max_val)


def gelu(x: Array, approximate: bool = True) -> jax.Array:
    """Gaussian error linear unit, ``x * Phi(x)`` (tanh approximation by default, as
    ``jax.nn.gelu``).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.gelu(jnp.array([0.0])).tolist()
        [0.0]
    """
    return jax.nn.gelu(_plain(x, "gelu"), approximate=approximate)


def glu(x: Array, axis: int = -1) -> jax.Array:
    """Gated linear unit: the first half of ``x`` along ``axis`` times the sigmoid of the
    second half (the axis' size must be even; the output has half of it).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.glu(jnp.ones((2, 4))).shape
        (2, 2)
    """
    return jax.nn.glu(_plain(x, "glu"), axis=axis)


def softmax(x: Array, axis: int | tuple[int, ...] | None = -1, where: Any = None) -> jax.Array:
    """``exp(x) / sum(exp(x))`` along ``axis`` (None: all axes), as ``jax.nn.softmax``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> float(nn.functional.softmax(jnp.array([1.0, 2.0, 3.0])).sum())
        1.0
    """
    return jax.nn.softmax(_plain(x, "softmax"), axis=axis, where=where)


def log_softmax(x: Array, axis: int | tuple[int, ...] | None = -1, where: Any = None) -> jax.Array:
    """``x - logsumexp(x)`` along ``axis``, as ``jax.nn.log_softmax``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.log_softmax(jnp.zeros(2)).tolist()
        [-0.6931471824645996, -0.6931471824645996]
    """
    return jax.nn.log_softmax(_plain(x, "log_softmax"), axis=axis, where=where)


def softmin(x: Array, axis: int | tuple[int, ...] | None = -1) -> jax.Array:
    """``softmax(-x)`` along ``axis``: the smallest entries get the largest weights.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> p = nn.functional.softmin(jnp.array([0.0, 10.0]))
        >>> bool(p[0] > p[1])
        True
    """
    return jax.nn.softmax(-_plain(x, "softmin"), axis=axis)


def logsumexp(
    a: Array,
    axis: int | Sequence[int] | None = None,
    b: Any = None,
    keepdims: bool = False,
    return_sign: bool = False,
) -> Any:
    """``log(sum(b * exp(a)))`` along ``axis``, computed stably
    (``jax.scipy.special.logsumexp``).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> round(float(nn.functional.logsumexp(jnp.zeros(4))), 4)
        1.3863
    """
    return _jax_logsumexp(
        _plain(a, "logsumexp"), axis=axis, b=b, keepdims=keepdims, return_sign=return_sign
    )


def standardize(
    x: Array,
    axis: int | tuple[int, ...] | None = -1,
    variance: Any = None,
    epsilon: float = 1e-5,
    where: Any = None,
) -> jax.Array:
    """``(x - mean) / sqrt(variance + epsilon)`` along ``axis`` (as ``jax.nn.standardize``).

    A Quantity is standardized as a whole: the result is a plain array (with ``variance``
    then in the squared unit of ``x``).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> y = nn.functional.standardize(jnp.array([1.0, 2.0, 3.0]))
        >>> round(float(y.mean()), 4)
        0.0
    """
    if isinstance(x, u.Quantity):
        unit = x.unit
        x = x.mantissa
        if variance is not None:
            variance = u.Quantity(variance).to_decimal(unit**2)
    return jax.nn.standardize(x, axis=axis, variance=variance, epsilon=epsilon, where=where)


def one_hot(
    x: Array, num_classes: int, *, dtype: Any = None, axis: int | Sequence[int] = -1
) -> jax.Array:
    """One-hot encoding of integer ``x`` with ``num_classes`` classes (out-of-range indices
    give all zeros), in ``dtype`` (default: the default float dtype).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.one_hot(jnp.array([0, 2]), 3).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    dtype = environ.dftype() if dtype is None else dtype
    return jax.nn.one_hot(_plain(x, "one_hot"), num_classes, dtype=dtype, axis=axis)


def squareplus(x: Array, b: Any = 4) -> jax.Array:
    """``(x + sqrt(x**2 + b)) / 2`` (So, 2021).

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.squareplus(jnp.array([0.0])).tolist()
        [1.0]
    """
    return jax.nn.squareplus(_plain(x, "squareplus"), b=b)


def celu(x: Array, alpha: Any = 1.0) -> jax.Array:
    """``x`` where ``x > 0``, else ``alpha * (exp(x / alpha) - 1)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.celu(jnp.array([1.0])).tolist()
        [1.0]
    """
    return jax.nn.celu(_plain(x, "celu"), alpha=alpha)


def elu(x: Array, alpha: Any = 1.0) -> jax.Array:
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.elu(jnp.array([1.0])).tolist()
        [1.0]
    """
    return jax.nn.elu(_plain(x, "elu"), alpha=alpha)


def _doc(formula: str, example: str, result: str) -> str:
    return f"""{formula}

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.functional.{example}.tolist()
        {result}
    """


tanh = _unitless(jnp.tanh, "tanh", _doc("Hyperbolic tangent.", "tanh(jnp.array([0.0]))", "[0.0]"))
sigmoid = _unitless(
    jax.nn.sigmoid,
    "sigmoid",
    _doc("Logistic sigmoid, ``1 / (1 + exp(-x))``.", "sigmoid(jnp.array([0.0]))", "[0.5]"),
)
log_sigmoid = _unitless(
    jax.nn.log_sigmoid,
    "log_sigmoid",
    _doc("``log(sigmoid(x))``, computed stably.", "log_sigmoid(jnp.array([100.0]))", "[-0.0]"),
)
silu = _unitless(
    jax.nn.silu,
    "silu",
    _doc("Sigmoid linear unit (swish), ``x * sigmoid(x)``.", "silu(jnp.array([0.0]))", "[0.0]"),
)
swish = _unitless(
    jax.nn.silu,
    "swish",
    _doc(
        "Swish, an alias of :func:`silu`: ``x * sigmoid(x)``.", "swish(jnp.array([0.0]))", "[0.0]"
    ),
)
selu = _unitless(
    jax.nn.selu,
    "selu",
    _doc("Scaled ELU (Klambauer et al., 2017).", "selu(jnp.array([0.0]))", "[0.0]"),
)
softplus = _unitless(
    jax.nn.softplus,
    "softplus",
    _doc("``log(1 + exp(x))``.", "softplus(jnp.array([-100.0]))", "[0.0]"),
)
soft_sign = _unitless(
    jax.nn.soft_sign,
    "soft_sign",
    _doc("``x / (1 + |x|)``.", "soft_sign(jnp.array([1.0]))", "[0.5]"),
)
relu6 = _unitless(
    jax.nn.relu6,
    "relu6",
    _doc("``min(max(x, 0), 6)``.", "relu6(jnp.array([-1.0, 7.0]))", "[0.0, 6.0]"),
)
hard_sigmoid = _unitless(
    jax.nn.hard_sigmoid,
    "hard_sigmoid",
    _doc("``relu6(x + 3) / 6``.", "hard_sigmoid(jnp.array([0.0]))", "[0.5]"),
)
hard_silu = _unitless(
    jax.nn.hard_silu,
    "hard_silu",
    _doc("``x * hard_sigmoid(x)``.", "hard_silu(jnp.array([3.0]))", "[3.0]"),
)
hard_swish = _unitless(
    jax.nn.hard_silu,
    "hard_swish",
    _doc("An alias of :func:`hard_silu`.", "hard_swish(jnp.array([3.0]))", "[3.0]"),
)
sparse_plus = _unitless(
    jax.nn.sparse_plus,
    "sparse_plus",
    _doc(
        "0 for ``x <= -1``, ``(x + 1)**2 / 4`` for ``|x| < 1``, ``x`` for ``x >= 1``.",
        "sparse_plus(jnp.array([-2.0, 2.0]))",
        "[0.0, 2.0]",
    ),
)
sparse_sigmoid = _unitless(
    jax.nn.sparse_sigmoid,
    "sparse_sigmoid",
    _doc(
        "0 for ``x <= -1``, ``(x + 1) / 2`` for ``|x| < 1``, 1 for ``x >= 1``.",
        "sparse_sigmoid(jnp.array([-2.0, 0.0, 2.0]))",
        "[0.0, 0.5, 1.0]",
    ),
)
