"""Physical units of model parameters: plain numbers get a documented default unit."""

from __future__ import annotations

from typing import Any

import brainunit as u
import jax
import jax.numpy as jnp

from brainstate_core import State, environ

__all__ = ["in_unit", "magnitude", "time_step", "stamp_time", "within_steps"]


def in_unit(value: Any, unit: u.Unit, name: str, owner: Any) -> Any:
    """``value`` as a quantity of ``unit``'s dimension.

    A plain number or array is taken to be in ``unit`` (the parameter's documented default);
    a Quantity must have ``unit``'s dimension. Callables (initializers) and States are
    returned unchanged.

    Raises:
        brainunit.UnitMismatchError: a Quantity of another dimension; the message names the
            parameter and its owner.
    """
    if (
        value is None
        or isinstance(value, State)
        or (callable(value) and not isinstance(value, (jax.Array, u.Quantity)))
    ):
        return value
    if isinstance(value, u.Quantity):
        if value.dim != unit.dim:
            raise u.UnitMismatchError(
                f"{owner}: parameter {name!r} must be in units of {unit.dim} (e.g. {unit}), "
                f"got {value} in {value.unit}"
            )
        return value
    if unit.is_unitless:
        return value
    return u.Quantity(value, unit=unit)


def magnitude(x: Any) -> Any:
    """The plain number of a dimensionless quantity (or ``x`` itself if not a Quantity)."""
    if isinstance(x, u.Quantity):
        if not x.dim.is_dimensionless:
            raise u.UnitMismatchError(f"expected a dimensionless value, got {x.unit}")
        return x.to_decimal()
    return x


def time_step(dt: Any) -> Any:
    """``dt`` in time units: a plain number is in milliseconds."""
    return dt if isinstance(dt, u.Quantity) else dt * u.ms


def stamp_time(event: Any, t: Any, last: Any) -> Any:
    """``t`` where ``event`` is nonzero, ``last`` elsewhere: exactly ``where(event, t, last)``.

    Written as ``s·t + (1 - s)·last`` with ``s`` in {0, 1} (exact for finite values): XLA's
    CPU backend compiles this into a vectorized loop, but compiles the ``where`` (whose
    predicate comes from another array than the State it updates) into a scalar one, five
    times slower; in a COBA network that was a quarter of the step.
    """
    s = (jnp.asarray(u.get_mantissa(event)) != 0).astype(u.get_mantissa(last).dtype)
    return s * t + (1.0 - s) * last


def within_steps(t: Any, since: Any, duration: Any) -> Any:
    """Whether fewer of ``environ``'s time steps than ``duration`` holds have passed since
    ``since`` (refractory periods, transmitter pulses).

    Counted in whole steps, as Brian2 does: the elapsed time rounded to steps against
    ``duration`` rounded down (with a thousandth of a step to spare). Comparing the times
    themselves is off by a step whenever float32 rounding puts ``(k + 50)·dt - k·dt`` just
    below ``50·dt``, which depends on ``k``: identical spikes would get different periods.
    """
    dt = time_step(environ.get_dt())
    elapsed = jnp.round(magnitude((t - since) / dt))
    return elapsed < jnp.floor(magnitude(duration / dt) + 1e-3)
