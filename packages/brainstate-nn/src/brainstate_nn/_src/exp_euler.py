"""``exp_euler_step``: one exponential-Euler step of ``dx/dt = f(x, ...)``."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import brainunit as u
import jax
import jax.numpy as jnp

from brainstate_core import environ, random
from brainstate_core.extend import is_tracer

__all__ = ["exp_euler_step"]

_FLOATS = (jnp.float16, jnp.bfloat16, jnp.float32, jnp.float64)


# Below |z| = 1 the Taylor polynomial of φ gives the result: degree 9 is exact to
# 1/11! ≈ 2.5e-8 (relative), under float32's resolution; float64 takes degree 16 (1/18! ≈
# 1.6e-16). Above, (e^z - 1)/z loses nothing to cancellation (|e^z - 1| > 0.63): it is
# exact to a few roundings, and cheaper than expm1.
_SERIES_BELOW = 1.0


def _series(z: Any) -> Any:
    """``Σ_k z^k / (k+1)!`` up to the degree that ``z``'s dtype resolves (Horner's rule)."""
    degree = 16 if z.dtype == jnp.float64 else 9
    factorials = [math.factorial(k + 1) for k in range(degree + 1)]
    acc = jnp.full_like(z, 1.0 / factorials[degree])
    for k in range(degree - 1, -1, -1):
        acc = 1.0 / factorials[k] + z * acc
    return acc


def _exprel(z: Any) -> Any:
    """``φ(z) = (e^z - 1) / z`` (``φ(0) = 1``), element-wise.

    Time steps are usually much shorter than the time constants (``|z| = |a·dt| < 1``), where
    the polynomial alone gives the result: a handful of fused multiply-adds, whereas the
    exponential and the division are the dearest operations of a neuron update on CPU. In
    compiled code they run only when some element needs them (``lax.cond``; under ``vmap``
    both sides run, as for any ``cond``).
    """
    z = jnp.asarray(z)
    small = jnp.abs(z) < _SERIES_BELOW

    def mixed() -> Any:
        safe = jnp.where(small, 1.0, z)  # no 0/0 on the side that is not taken
        return jnp.where(small, _series(z), (jnp.exp(safe) - 1.0) / safe)

    if not is_tracer(z):
        return (_series(z) if bool(jnp.all(small)) else mixed()).astype(z.dtype)
    return jax.lax.cond(jnp.all(small), lambda: _series(z), mixed).astype(z.dtype)


def exp_euler_step(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    r"""One exponential-Euler step of ``dx/dt = fn(x, *args)`` over ``environ`` ``dt``.

    The drift is split as ``f(x) ≈ f(x0) + a (x - x0)`` with ``a = ∂f/∂x`` at ``x0`` taken
    by forward-mode autodiff (element-wise: ``fn`` must act element by element on ``x``),
    and the step is ``x1 = x0 + dt · φ(a·dt) · f(x0)`` with ``φ(z) = (e^z - 1)/z``. It is
    exact for linear equations (a leaky membrane, an exponential synapse) and stable for
    stiff ones. With a diffusion function first (``exp_euler_step(f, g, x, ...)``) an
    Euler-Maruyama noise term ``g(x)·√dt·ξ`` is added (ξ from ``brainstate_core.random``).

    Units (brainunit): if ``x`` is in ``[X]`` and ``dt`` in ``[T]``, ``fn`` returns
    ``[X]/[T]`` and a diffusion returns ``[X]/√[T]``; a mismatch raises
    ``brainunit.UnitMismatchError`` naming the units. A plain-number ``dt`` with a drift in
    units of time is taken to be in milliseconds.

    Args:
        fn: the drift ``fn(x, *args, **kwargs)``.
        *args: an optional diffusion function, then ``x`` (a float array or Quantity), then
            further arguments of ``fn``.
        **kwargs: keyword arguments of ``fn`` (and of the diffusion).

    Returns:
        ``x`` after one step.

    Raises:
        ValueError: ``x`` is missing or not floating point.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> with bsc.environ.context(dt=0.1):
        ...     x1 = nn.exp_euler_step(lambda x: -x / 2.0, jnp.array(1.0))
        >>> round(float(x1), 6) == round(float(jnp.exp(-0.05)), 6)
        True
    """
    if not callable(fn):
        raise TypeError(f"exp_euler_step needs a drift function first, got {fn!r}")
    diffusion = None
    if args and callable(args[0]) and not isinstance(args[0], (jax.Array, u.Quantity)):
        diffusion, args = args[0], args[1:]
    if not args:
        raise ValueError("exp_euler_step needs the variable x after the function(s)")
    x, rest = args[0], args[1:]
    dtype = u.math.get_dtype(x) if isinstance(x, u.Quantity) else jnp.result_type(x)
    if dtype not in _FLOATS:
        raise ValueError(
            f"exp_euler_step integrates floating-point variables (float16/bfloat16/float32/"
            f"float64); x has dtype {dtype}"
        )
    dt = environ.get_dt()
    ones = jax.tree.map(jnp.ones_like, x)
    derivative, slope = jax.jvp(lambda v: fn(v, *rest, **kwargs), (x,), (ones,))
    x_unit, d_unit, t_unit = u.get_unit(x), u.get_unit(derivative), u.get_unit(dt)
    if t_unit.is_unitless and (x_unit / d_unit).dim == u.ms.dim:
        dt, t_unit = dt * u.ms, u.ms  # a plain dt is in milliseconds
    if (x_unit / t_unit).dim != d_unit.dim:
        raise u.UnitMismatchError(
            f"exp_euler_step: x is in {x_unit} and dt in {t_unit}, so the drift must return "
            f"{x_unit / t_unit}; it returned {d_unit}."
        )
    linear = u.get_mantissa(slope)
    if not (x_unit.is_unitless and d_unit.is_unitless):
        linear = u.Quantity(linear, unit=d_unit / x_unit)
    x_next = x + dt * _exprel(u.get_magnitude(dt * linear)) * derivative
    if diffusion is not None:
        noise: Any = diffusion(x, *rest, **kwargs)
        try:
            x_next = x_next + noise * u.math.sqrt(dt) * random.randn_like(u.get_mantissa(x))
        except u.UnitMismatchError as e:
            raise u.UnitMismatchError(
                f"exp_euler_step: the diffusion must return {x_unit}/sqrt({u.get_unit(dt)}); "
                f"it returned {u.get_unit(noise)}. ({e})"
            ) from None
    return x_next
