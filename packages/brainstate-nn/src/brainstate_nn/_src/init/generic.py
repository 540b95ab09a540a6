"""Build parameters and States from initializers, arrays or scalars: ``param``, ``state``,
``noise``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import brainunit as u
import jax
import numpy as np

from brainstate_core import State

from ..module import ShapeError
from .base import to_size

__all__ = ["noise", "param", "state"]

Size = int | Sequence[int]


def _broadcastable(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    """Whether an array of ``shape`` broadcasts to ``target`` (without growing ``target``)."""
    if len(shape) > len(target):
        return False
    return all(a in (1, b) for a, b in zip(shape[::-1], target[::-1]))


def _is_scalar(x: Any) -> bool:
    if isinstance(x, (bool, int, float, complex, np.generic)):
        return True
    if isinstance(x, (jax.Array, np.ndarray, u.Quantity)):
        return u.math.ndim(x) == 0
    return False


def param(
    init: Callable[..., Any] | Any,
    sizes: Size,
    batch_size: int | None = None,
    allow_none: bool = True,
    allow_scalar: bool = True,
) -> Any:
    """A parameter of shape ``sizes`` (with a leading ``batch_size`` axis if given).

    ``init`` may be:

    - ``None``: returns ``None`` (if ``allow_none``);
    - a scalar (number or scalar Quantity): returned as it is if ``allow_scalar``, else an
      array of the full shape filled with it;
    - a callable such as an :class:`Initializer`: returns ``init(shape)``;
    - an array, Quantity or State: checked to broadcast to ``sizes``; with ``batch_size``,
      expanded to ``(batch_size, *sizes)``-compatible and repeated along the batch axis
      (a State gives a new State of the same type).

    Args:
        init: the initializer, value or State.
        sizes: the parameter's shape (without batch axis).
        batch_size: an optional leading batch size.
        allow_none: whether ``init=None`` is accepted.
        allow_scalar: whether a scalar is returned as it is (else it fills the shape).

    Returns:
        The initialized parameter.

    Raises:
        ValueError: ``init`` is None and ``allow_none`` is False.
        ShapeError: an array's shape does not broadcast to ``sizes``, or its batch axis does
            not match ``batch_size``.
        TypeError: ``init`` is of an unknown type.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.init.param(nn.init.Constant(1.0), (2, 3)).shape
        (2, 3)
        >>> nn.init.param(jnp.zeros(3), 3, batch_size=4).shape
        (4, 3)
        >>> nn.init.param(0.5, (2, 3))
        0.5
    """
    if init is None:
        if allow_none:
            return None
        raise ValueError(
            "expected a parameter (a number, an array, an Initializer or a function of the "
            "shape), got None"
        )
    is_scalar = not isinstance(init, State) and not callable(init) and _is_scalar(init)
    if allow_scalar and is_scalar:
        return init
    shape = to_size(sizes)
    if shape is None:
        raise ShapeError("param() needs sizes, got None")
    if is_scalar:  # not allowed as a scalar: filled into the full shape
        return u.math.full((batch_size, *shape) if batch_size is not None else shape, init)
    if callable(init) and not isinstance(init, (State, jax.Array, np.ndarray, u.Quantity)):
        return init((batch_size, *shape) if batch_size is not None else shape)
    if isinstance(init, State):
        value = init.value
    elif isinstance(init, (np.ndarray, jax.Array, u.Quantity, np.generic, int, float)):
        value = init
    else:
        raise TypeError(
            "expected a parameter as a number, an array, a Quantity, a State, an Initializer "
            f"or a function of the shape, got {type(init).__name__} {init!r}"
        )
    vshape = tuple(u.math.shape(value))
    if batch_size is None:
        if not _broadcastable(vshape, shape):
            raise ShapeError(f"a parameter of shape {vshape} does not broadcast to {shape}")
    elif len(vshape) <= len(shape):
        if not _broadcastable(vshape, shape):
            raise ShapeError(f"a parameter of shape {vshape} does not broadcast to {shape}")
        value = u.math.reshape(value, (1,) * (len(shape) - len(vshape) + 1) + vshape)
        value = u.math.repeat(value, batch_size, axis=0)
    else:
        if vshape[0] != batch_size or not _broadcastable(vshape[1:], shape):
            raise ShapeError(
                f"a batched parameter of shape {vshape} does not fit batch_size={batch_size} "
                f"and size {shape} (expected ({batch_size}, ...) broadcasting to "
                f"({batch_size}, *{shape}))"
            )
    return type(init)(value) if isinstance(init, State) else value


def state(
    init: Callable[..., Any] | Any,
    sizes: Size | None = None,
    batch_size: int | None = None,
) -> State:
    """A :class:`~brainstate_core.State` from an initializer (called with the shape) or data.

    Args:
        init: an initializer / function of the shape, or the data itself.
        sizes: the shape (required for a callable ``init``; checked against data).
        batch_size: an optional leading batch size (data are repeated along it).

    Returns:
        A new State.

    Raises:
        ShapeError: ``sizes`` missing for a callable, or not the shape of the data.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> nn.init.state(nn.init.ZeroInit(), 3, batch_size=2).value.shape
        (2, 3)
        >>> nn.init.state(jnp.ones(3), batch_size=2).value.shape
        (2, 3)
    """
    shape = to_size(sizes)
    if callable(init) and not isinstance(init, (jax.Array, np.ndarray, u.Quantity)):
        if shape is None:
            raise ShapeError("state(init, sizes): sizes is needed when init is a function")
        return State(init((batch_size, *shape) if batch_size is not None else shape))
    if shape is not None and tuple(u.math.shape(init)) != shape:
        raise ShapeError(
            f"state(): the data have shape {tuple(u.math.shape(init))}, expected {shape}"
        )
    if batch_size is not None:
        init = u.math.repeat(u.math.expand_dims(init, axis=0), batch_size, axis=0)
    return State(init)


def noise(
    noises: Callable[..., Any] | Any | None,
    size: Size,
    num_vars: int = 1,
    noise_idx: int = 0,
) -> Callable[..., Any] | None:
    """A noise function for an SDE integrator from a function, a value or None.

    A function is returned as it is; None stays None; a value (number or array
    broadcasting to ``size``) becomes a function returning it, or, with ``num_vars > 1``,
    returning a tuple with the value at ``noise_idx`` and None elsewhere.

    Args:
        noises: the noise function, value or None.
        size: the shape of the variable.
        num_vars: the number of variables of the system.
        noise_idx: the index of this variable among them.

    Returns:
        A function of ``(*args, **kwargs)``, or None.

    Examples:
        >>> import brainstate_nn as nn
        >>> nn.init.noise(0.1, 3)()
        0.1
        >>> nn.init.noise(0.1, 3, num_vars=2, noise_idx=1)()
        (None, 0.1)
    """
    if noises is None:
        return None
    if callable(noises):
        return noises
    value = param(noises, size, allow_none=False)
    if num_vars > 1:
        values: list[Any] = [None] * num_vars
        values[noise_idx] = value
        value = tuple(values)
    return lambda *args, **kwargs: value
