"""``Surrogate``: a Heaviside spike in the forward pass, a smooth surrogate in the backward pass.

The forward pass of every surrogate is the step ``x >= 0 → 1`` (brainstate 0.1's convention:
a membrane potential exactly at threshold spikes), in the dtype of ``x``. Its derivative, zero
almost everywhere, is replaced by ``surrogate_grad(x)`` through one :func:`jax.custom_jvp`
shared by all surrogates, so that ``jit``, ``vmap``, ``grad``, ``jacfwd``/``jacrev`` and
higher-order derivatives all see the surrogate.

Parameters are the instance's attributes. Python numbers (and other hashable non-arrays) are
static: they are compiled in as constants, and they make instances hashable and comparable
by value. Arrays (including tracers, e.g. a learnable or vmapped ``alpha``) are passed
through the ``custom_jvp`` as ordinary operands, never hashed; the spike does not depend on
them (its derivative with respect to them is zero), but the surrogate gradient can be
differentiated with respect to them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np

from brainstate_core import BrainStateError

__all__ = ["Surrogate", "SurrogateError", "check_positive"]


class SurrogateError(BrainStateError, ValueError):
    """A surrogate-gradient function got an input or a parameter it cannot use.

    The message names the surrogate and the offending argument. Usual causes: a parameter
    outside its domain (``QPseudoSpike(alpha=1.)`` divides by ``alpha - 1``, a non-positive
    width or ``sigma``, a non-integer number of Fourier terms), or an input with physical
    units: surrogates take a dimensionless distance to threshold, such as
    ``(V - V_th) / (V_th - V_reset)``.
    """


def _is_array(value: Any) -> bool:
    return isinstance(value, (jax.Array, np.ndarray))


def _hash_key(value: Any) -> Any:
    """A hashable stand-in for a parameter: itself if it is a hashable non-array, else its id."""
    if _is_array(value):
        return ("id", id(value))
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    return value


def _same(a: Any, b: Any) -> bool:
    """Parameter equality: by value for hashable non-arrays, by identity for arrays."""
    if a is b:
        return True
    if _is_array(a) or _is_array(b) or _hash_key(a) != a or _hash_key(b) != b:
        return False
    return bool(a == b)


def check_positive(owner: str, name: str, value: Any, *, strict: bool = True) -> None:
    """Raise a :class:`SurrogateError` when a concrete scalar parameter is out of range.

    Arrays and tracers are not checked (their values may be unknown at construction).
    """
    if _is_array(value) or isinstance(value, bool):
        return
    if isinstance(value, (int, float, np.integer, np.floating)):
        bad = value <= 0 if strict else value < 0
        if bad:
            need = "> 0" if strict else ">= 0"
            raise SurrogateError(f"{owner}: {name} must be {need}, got {value!r}.")


class _Static:
    """The hashable, array-free part of a surrogate: its class and its static parameters.

    It travels through the ``custom_jvp`` as a non-differentiable argument and rebuilds an
    instance (with the array parameters put back) inside the JVP rule.
    """

    __slots__ = ("cls", "items")

    def __init__(self, cls: type[Surrogate], items: tuple[tuple[str, Any], ...]) -> None:
        self.cls = cls
        self.items = items

    def rebuild(self, arrays: dict[str, Any]) -> Surrogate:
        obj = object.__new__(self.cls)  # no __init__: the attributes are set below
        vars(obj).update(self.items)
        vars(obj).update(arrays)
        return obj

    def __hash__(self) -> int:
        return hash((self.cls, tuple((k, type(v), _hash_key(v)) for k, v in self.items)))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, _Static)
            and self.cls is other.cls
            and len(self.items) == len(other.items)
            and all(
                k1 == k2 and type(v1) is type(v2) and _same(v1, v2)
                for (k1, v1), (k2, v2) in zip(self.items, other.items)
            )
        )


def _step(x: jax.Array) -> jax.Array:
    return (x >= 0).astype(x.dtype)


@functools.partial(jax.custom_jvp, nondiff_argnums=(0,))
def _spike(static: _Static, x: jax.Array, arrays: dict[str, Any]) -> jax.Array:
    del static, arrays  # the forward pass does not depend on the surrogate's parameters
    return _step(x)


@_spike.defjvp
def _spike_jvp(static: _Static, primals: tuple, tangents: tuple) -> tuple:
    x, arrays = primals
    x_dot, _ = tangents  # the step does not depend on the parameters: their tangent is dropped
    y = _step(x)
    if not jnp.issubdtype(x.dtype, jnp.inexact):
        return y, x_dot  # integer input: float0 tangents in, float0 tangents out
    grad = jnp.asarray(static.rebuild(arrays).surrogate_grad(x))
    return y, (grad * x_dot).astype(x_dot.dtype)


def _as_input(owner: Surrogate, x: Any) -> jax.Array:
    if isinstance(x, u.Quantity):
        if not x.is_unitless:
            raise SurrogateError(
                f"{type(owner).__name__} expects a dimensionless input (a scaled distance to "
                f"threshold), got a quantity in {x.unit}. Divide by a quantity of the same unit, "
                "e.g. (V - V_th) / (V_th - V_reset)."
            )
        x = x.mantissa
    x = jnp.asarray(x)
    if jnp.issubdtype(x.dtype, jnp.complexfloating):
        raise SurrogateError(
            f"{type(owner).__name__} expects a real input, got dtype {x.dtype}: the Heaviside "
            "step is not defined for complex numbers."
        )
    return x


class Surrogate:
    r"""The base class of surrogate-gradient spike functions.

    An instance is a callable: ``surrogate(x)`` returns the Heaviside step of ``x``
    (``1`` where ``x >= 0``, else ``0``, in ``x``'s dtype), and its derivative is
    ``surrogate.surrogate_grad(x)``. ``surrogate_fun(x)`` is the smooth function whose
    derivative that is, where one is defined.

    To write a new surrogate, subclass and implement ``surrogate_grad`` (and optionally
    ``surrogate_fun``), reading the parameters from attributes set in ``__init__``. Python
    numbers are compiled in as constants and give instances hashing and equality by value;
    arrays (or tracers, e.g. a learnable parameter) are passed as operands, and compare by
    identity.

    Examples:
        >>> import jax
        >>> import jax.numpy as jnp
        >>> import brainstate_nn as nn
        >>> class Triangle(nn.surrogate.Surrogate):
        ...     def __init__(self, width=1.0):
        ...         self.width = width
        ...     def surrogate_grad(self, x):
        ...         return jnp.maximum(1.0 - jnp.abs(x) / self.width, 0.0) / self.width
        >>> spike = Triangle(width=2.0)
        >>> spike
        Triangle(width=2.0)
        >>> spike(jnp.array([-1.0, 0.0, 1.0]))
        Array([0., 1., 1.], dtype=float32)
        >>> jax.grad(lambda x: spike(x).sum())(jnp.array([-1.0, 0.0, 3.0]))
        Array([0.25, 0.5 , 0.  ], dtype=float32)
    """

    def __call__(self, x: Any) -> jax.Array:
        """The Heaviside step of ``x`` with ``surrogate_grad`` as its derivative.

        Args:
            x: the input (an array, a Python number or a dimensionless quantity), usually a
                membrane potential's scaled distance to threshold.

        Returns:
            ``1`` where ``x >= 0``, else ``0``, with the dtype and shape of ``x``.

        Raises:
            SurrogateError: if ``x`` carries physical units or is complex.
        """
        if type(self).surrogate_grad is Surrogate.surrogate_grad:
            self.surrogate_grad(x)  # raises: a surrogate without a gradient is a bug
        x = _as_input(self, x)
        static, arrays = [], {}
        for key, value in vars(self).items():
            if _is_array(value):
                arrays[key] = value
            else:
                static.append((key, value))
        return _spike(_Static(type(self), tuple(static)), x, arrays)

    def surrogate_fun(self, x: Any) -> jax.Array:
        """The smooth function whose derivative is :meth:`surrogate_grad`.

        Raises:
            NotImplementedError: for surrogates defined by their gradient only.
        """
        raise NotImplementedError(
            f"{type(self).__name__} is defined by its gradient only; it has no surrogate_fun."
        )

    def surrogate_grad(self, x: Any) -> jax.Array:
        """The surrogate derivative of the spike at ``x``."""
        raise NotImplementedError(f"{type(self).__name__} must implement surrogate_grad(x).")

    def _params(self) -> Iterator[tuple[str, Any]]:
        return ((k, v) for k, v in vars(self).items() if not k.startswith("_"))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        mine, theirs = dict(self._params()), dict(other._params())  # type: ignore[attr-defined]
        return mine.keys() == theirs.keys() and all(_same(v, theirs[k]) for k, v in mine.items())

    def __hash__(self) -> int:
        return hash((type(self), tuple((k, _hash_key(v)) for k, v in self._params())))
