"""``Delay``: the recent history of a variable, read back some time (or steps) ago."""

from __future__ import annotations

import math
import numbers
from typing import Any

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np

from brainstate_compile import jit_error_if
from brainstate_core import ShortTermState, State, environ

from .collective import call_order
from .module import Module
from .units import time_step

__all__ = ["Delay", "DelayAccess", "StateWithDelay"]

ROTATION, CONCAT = "rotation", "concat"
LINEAR, ROUND = "linear_interp", "round"


def _steps(delay_time: Any = None, delay_step: int | None = None) -> tuple[Any, int]:
    """``(time, steps)`` of a delay given as a time (rounded up to whole steps) or steps."""
    if delay_time is None:
        if delay_step is None or delay_step == 0:
            return 0.0, 0
        if not isinstance(delay_step, (int, np.integer)) or delay_step < 0:
            raise ValueError(f"delay_step must be a non-negative int, got {delay_step!r}")
        return delay_step * environ.get_dt(), int(delay_step)
    if delay_step is not None:
        raise ValueError("give the delay as delay_time or as delay_step, not both")
    if isinstance(delay_time, (np.ndarray, jax.Array)) and not isinstance(delay_time, u.Quantity):
        delay_time = np.asarray(delay_time).item()
    # plain numbers are in ms, for the delay and for dt alike (as everywhere in nn)
    ratio = time_step(delay_time) / time_step(environ.get_dt())
    if isinstance(ratio, u.Quantity):
        if not ratio.dim.is_dimensionless:
            raise u.UnitMismatchError(
                f"delay time {delay_time} and dt {environ.get_dt()} have different units"
            )
        ratio = ratio.to_decimal()
    ratio = float(np.asarray(ratio))
    if ratio < 0:
        raise ValueError(f"a delay must not be negative, got {delay_time}")
    return delay_time, math.ceil(ratio - 1e-9)


class Delay(Module):
    """The history of a variable over the last ``time``, for delayed reads.

    ``update(value)`` records the value of the current step; ``retrieve_at_step(n)`` gives
    the value recorded ``n`` steps before, and ``retrieve_at_time(t)`` the value at absolute
    time ``t`` (interpolated linearly or rounded to a step). Named entries
    (``register_entry(name, time)``, then ``at(name)``) let several readers share one
    history; the history grows to the longest delay registered.

    Delays count recorded values: ``retrieve_at_step(0)`` is the latest value recorded,
    whether it is read before or after this step's ``update``. The rotation method
    (default) keeps a ring buffer and the position of its latest write (O(1) per step); the
    concat method shifts the buffer (O(length) per step). Both give the same values.
    brainstate 0.1 counted from the slot the next write would fill, so a delay read before
    the update (as projections read in a :class:`DynamicsGroup`, which updates them first)
    acted one step earlier there than here, and rotation and concat disagreed by a step.

    Args:
        target_info: an example value (or pytree of arrays / ``ShapeDtypeStruct``) giving
            the recorded variable's shape and dtype, without batch dimension.
        time: the longest delay, as a time (e.g. ``2. * u.ms``); ``None`` for none yet.
        init: the history before the start: a number, an array, or a function
            ``init(shape, dtype)``; zeros by default.
        entries: ``{name: delay_time}`` entries to register.
        delay_method: ``'rotation'`` or ``'concat'``.
        interp_method: ``'linear_interp'`` or ``'round'`` (for :meth:`retrieve_at_time`).
        take_aware_unit: accepted for brainstate 0.1's code; values with units are always
            recorded with their unit here.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> with bsc.environ.context(dt=1.0):
        ...     d = nn.Delay(jnp.zeros(2), time=3.0)
        ...     d.init_state()
        ...     for i in range(5):
        ...         d.update(jnp.full(2, float(i)))
        ...     print(d.retrieve_at_step(3).tolist())
        [1.0, 1.0]
    """

    def __init__(
        self,
        target_info: Any,
        time: Any = None,
        init: Any = None,
        entries: dict[str, Any] | None = None,
        delay_method: str = ROTATION,
        interp_method: str = LINEAR,
        take_aware_unit: bool = True,
    ) -> None:
        super().__init__()
        del take_aware_unit  # brainstate 0.1's switch: Quantities are always recorded here
        if delay_method not in (ROTATION, CONCAT):
            raise ValueError(
                f"delay_method must be {ROTATION!r} or {CONCAT!r}, got {delay_method!r}"
            )
        if interp_method not in (LINEAR, ROUND):
            raise ValueError(
                f"interp_method must be {LINEAR!r} or {ROUND!r}, got {interp_method!r}"
            )
        if (
            init is not None
            and not isinstance(init, (numbers.Number, jax.Array, np.ndarray, u.Quantity))
            and not callable(init)
        ):
            raise TypeError(f"init must be a number, an array or a function, got {init!r}")
        self.target_info = (
            None
            if target_info is None
            else jax.tree.map(
                lambda a: jax.ShapeDtypeStruct(jnp.shape(a), jnp.result_type(a)), target_info
            )
        )
        self.delay_method = delay_method
        self.interp_method = interp_method
        self.max_time, steps = _steps(time)
        self.max_length = steps + 1
        self._init = init
        self._entries: dict[str, int] = {}
        self._entry_indices: dict[str, tuple[Any, ...]] = {}
        self.history: ShortTermState | None = None
        for entry, t in (entries or {}).items():
            self.register_entry(entry, t)

    # -- registration -----------------------------------------------------------------------
    def register_delay(self, delay_time: Any = None, delay_step: int | None = None) -> Delay:
        """Grow the history so that a delay of ``delay_time`` (or steps) can be read."""
        delay_time, steps = _steps(delay_time, delay_step)
        if steps + 1 > self.max_length:
            if self.history is not None:
                raise RuntimeError(
                    "the delay's history was already created; register every delay before "
                    "init_state()/init_all_states()"
                )
            self.max_length, self.max_time = steps + 1, delay_time
        return self

    def register_entry(
        self, entry: str, delay_time: Any = None, *indices: Any, delay_step: int | None = None
    ) -> Delay:
        """Register a named reader of the value ``delay_time`` (or ``delay_step`` steps) ago.

        ``indices`` (as brainstate 0.1's ``register_entry(entry, time, *indices)``) select
        the elements :meth:`at` returns for this entry.
        """
        if entry in self._entries:
            raise KeyError(
                f"delay entry {entry!r} is already registered (with {self._entries[entry]} "
                "steps); use another name"
            )
        if indices and delay_time is None:
            raise TypeError(
                f"register_entry({entry!r}, None, {', '.join(map(repr, indices))}): values "
                "after the delay time are indices; give a delay in steps as delay_step=."
            )
        _, steps = _steps(delay_time, delay_step)
        self.register_delay(delay_step=steps)
        self._entries[entry] = steps
        if indices:
            self._entry_indices[entry] = indices
        return self

    def access(self, entry: str, time: Any = None) -> DelayAccess:
        """A module that reads this delay's ``entry`` (registering it with ``time``)."""
        return DelayAccess(self, time, entry)

    # -- states -------------------------------------------------------------------------------
    def _initial(self, info: jax.ShapeDtypeStruct, batch_size: int | None) -> Any:
        shape = (
            (self.max_length,)
            + ((batch_size,) if batch_size is not None else ())
            + tuple(info.shape)
        )
        if self._init is None:
            return jnp.zeros(shape, info.dtype)
        if callable(self._init):
            return jnp.asarray(self._init(shape, info.dtype))
        return jnp.broadcast_to(jnp.asarray(self._init, info.dtype), shape)

    @call_order(3)
    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        if self.target_info is None:
            raise RuntimeError("the Delay does not know the shape of what it records")
        self.history = ShortTermState(
            jax.tree.map(lambda a: self._initial(a, batch_size), self.target_info)
        )
        # where the latest value went (rotation); the initial history counts as written
        self.write_index = ShortTermState(jnp.asarray(self.max_length - 1, jnp.int32))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        if self.history is None:
            self.init_state(batch_size)
            return
        self.history.value = jax.tree.map(lambda a: self._initial(a, batch_size), self.target_info)
        self.write_index.value = jnp.asarray(self.max_length - 1, jnp.int32)

    # -- reading ------------------------------------------------------------------------------
    def _check_history(self) -> ShortTermState:
        if self.history is None:
            raise RuntimeError(
                "the Delay has no history yet; call init_state() (or nn.init_all_states(net))"
            )
        return self.history

    def at(self, entry: str, *indices: Any) -> Any:
        """The value recorded for the registered ``entry`` (at its registered indices, or
        at ``indices``)."""
        if entry not in self._entries:
            raise KeyError(f"no delay entry {entry!r}; registered: {sorted(self._entries)}")
        indices = indices or self._entry_indices.get(entry, ())
        return self.retrieve_at_step(self._entries[entry], *indices)

    def retrieve_at_step(self, delay_step: Any, *indices: Any) -> Any:
        """The value recorded ``delay_step`` steps ago (0 = the latest recorded)."""
        history = self._check_history()
        if environ.get("jit_error_check", False):
            jit_error_if(
                jnp.asarray(delay_step) >= self.max_length,
                "requested a delay of {} steps, beyond the longest registered ({} steps)",
                delay_step,
                self.max_length - 1,
            )
        if self.delay_method == ROTATION:
            idx = (self.write_index.value - jnp.asarray(delay_step, jnp.int32)) % self.max_length
        else:
            idx = jnp.asarray(delay_step, jnp.int32)
        return jax.tree.map(lambda a: a[(idx, *indices)], history.value)

    def retrieve_at_time(self, delay_time: Any, *indices: Any) -> Any:
        """The value at absolute time ``delay_time`` (needs ``environ`` ``t``)."""
        t = environ.get("t", desc="the current time, set with environ.context(t=...)")
        dt = environ.get_dt()
        if environ.get("jit_error_check", False):
            jit_error_if(
                jnp.logical_or(delay_time > t, delay_time < t - self.max_time - dt),
                "requested the delayed value at t={} outside the recorded window ending at {}",
                delay_time,
                t,
            )
        steps = (t - delay_time) / dt
        if isinstance(steps, u.Quantity):
            steps = steps.to_decimal()
        if self.interp_method == ROUND:
            return self.retrieve_at_step(jnp.round(steps).astype(jnp.int32), *indices)
        lo = jnp.floor(steps)
        frac = steps - lo
        a = self.retrieve_at_step(lo.astype(jnp.int32), *indices)
        b = self.retrieve_at_step(jnp.ceil(steps).astype(jnp.int32), *indices)
        return jax.tree.map(lambda x, y: x * (1 - frac) + y * frac, a, b)

    # -- recording ----------------------------------------------------------------------------
    def update(self, current: Any) -> None:
        """Record the value of the current step."""
        history = self._check_history()
        if self.delay_method == ROTATION:
            idx = (self.write_index.value + 1) % self.max_length
            history.value = jax.tree.map(lambda h, c: h.at[idx].set(c), history.value, current)
            self.write_index.value = idx
        else:
            history.value = jax.tree.map(
                lambda h, c: jnp.concatenate([jnp.expand_dims(c, 0), h[:-1]], axis=0),
                history.value,
                current,
            )


class DelayAccess(Module):
    """Reads one entry of a :class:`Delay`; calling it returns the delayed value.

    Args:
        delay: The Delay to read.
        time: How long ago (a time, e.g. ``2. * u.ms``); registered as the entry's delay.
        delay_entry: The entry's name (brainstate 0.1's keyword).
        *indices: Indices applied to the delayed value.
    """

    def __init__(self, delay: Delay, time: Any, delay_entry: str, *indices: Any) -> None:
        super().__init__()
        if not isinstance(delay, Delay):
            raise TypeError(f"DelayAccess needs a Delay, got {delay!r}")
        self.refs = {"delay": delay}
        self.entry = delay_entry
        self.indices = indices
        delay.register_entry(delay_entry, time)

    def update(self, *args: Any, **kwargs: Any) -> Any:
        return self.refs["delay"].at(self.entry, *self.indices)


class StateWithDelay(Delay):
    """A :class:`Delay` recording a State attribute ``item`` of ``target`` after each update."""

    def __init__(self, target: Module, item: str, init: Any = None, **kwargs: Any) -> None:
        super().__init__(None, init=init, **kwargs)
        self._target = target
        self._target_term = item

    @property
    def state(self) -> State:
        s = getattr(self._target, self._target_term, None)
        if not isinstance(s, State):
            raise TypeError(
                f"{self._target_term!r} of {self._target!r} must be a State to be delayed, "
                f"got {type(s).__name__}"
            )
        return s

    @call_order(3)
    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        value = self.state.value
        if batch_size is not None:  # the target already carries the batch dimension
            value = jax.tree.map(lambda a: a[0], value)
        self.target_info = jax.tree.map(
            lambda a: jax.ShapeDtypeStruct(jnp.shape(a), jnp.result_type(a)), value
        )
        super().init_state(batch_size)

    def update(self, *args: Any) -> None:
        super().update(self.state.value)
