"""Input populations: ``SpikeTime``, ``PoissonSpike``, ``PoissonEncoder``, ``PoissonInput``.

Signatures follow brainstate (``SpikeTime``, ``PoissonSpike`` and ``PoissonEncoder`` from
0.1, ``PoissonInput`` from its later 0.1 releases). Frequencies are in Hz and times in ms
when given as plain numbers, so a plain ``freqs=20.`` with ``dt=0.1`` spikes with
probability 0.002 per step (as in BrainPy and Brian2). brainstate 0.1 multiplied plain
numbers as they came (probability ``freqs · dt``, 2 here): give a plain per-step
probability ``p`` of 0.1 code as ``freqs = p / dt`` in kHz (``p / dt * u.kHz``).
Random numbers come from :mod:`brainstate_core.random`, so
``brainstate_core.random.seed`` reproduces a run and ``brainstate_augment.vmap`` gives
each lane its own draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np

from brainstate_core import ShortTermState, State, environ, random

from .dynamics import Dynamics, Prefetch
from .init import param
from .module import Module
from .units import in_unit, magnitude, time_step

__all__ = ["PoissonEncoder", "PoissonInput", "PoissonSpike", "SpikeTime"]


def _step_probability(freqs: Any, owner: str) -> Any:
    """``freqs · dt`` as a plain number (a plain ``freqs`` is in Hz, a plain ``dt`` in ms)."""
    freqs = in_unit(freqs, u.Hz, "freqs", owner)
    return magnitude(freqs * time_step(environ.get_dt()))


def _spikes(p: Any, shape: tuple[int, ...], spk_type: Any) -> Any:
    return (random.rand(*shape) < p).astype(spk_type)


class SpikeTime(Dynamics):
    """A population emitting spikes at given times: neuron ``indices[k]`` fires at ``times[k]``.

    Each call reads the current time ``t`` from ``environ`` and returns the spikes of
    that step: every event not yet emitted whose time is at most ``t + dt/2`` (so an
    event on the time grid fires at exactly its step, robust to rounding of ``t``, and an
    event between two steps fires at the nearer one). ``reset_state`` rewinds it.
    brainstate 0.1 started its event counter at ``-1``, so that no spike came before the
    *last* time was reached; this is fixed here.

    Args:
        in_size: the population's shape.
        indices: the neuron of each event (flat indices into the population).
        times: the time of each event (ms if plain numbers).
        spk_type: the dtype of the spikes (default ``bool``).
        name: an optional name.
        need_sort: sort the events by time (set False only if ``times`` is sorted).

    Raises:
        ValueError: ``indices`` and ``times`` differ in length, or an index is out of range.

    Examples:
        >>> import brainunit as u
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> inp = nn.init_all_states(nn.SpikeTime(2, indices=[0, 1, 0], times=[1., 2., 3.]))
        >>> out = []
        >>> with bsc.environ.context(dt=1. * u.ms):
        ...     for i in range(5):
        ...         with bsc.environ.context(t=i * u.ms):
        ...             out.append(inp().astype(int).tolist())
        >>> out
        [[0, 0], [1, 0], [0, 1], [1, 0], [0, 0]]
    """

    def __init__(
        self,
        in_size: Any,
        indices: Sequence[int] | Any,
        times: Sequence[float] | Any,
        spk_type: Any = bool,
        name: str | None = None,
        need_sort: bool = True,
    ) -> None:
        super().__init__(in_size, name=name)
        if len(indices) != len(times):
            raise ValueError(
                f"{self._label()}: indices and times must have the same length, got "
                f"{len(indices)} indices and {len(times)} times"
            )
        times_ms = in_unit(times, u.ms, "times", self._label()).to_decimal(u.ms)
        times = np.asarray(times_ms, dtype=float).reshape(-1)
        indices = np.asarray(indices, dtype=int).reshape(-1)
        size = int(np.prod(self.varshape))
        if indices.size and (indices.min() < 0 or indices.max() >= size):
            raise ValueError(
                f"{self._label()}: indices must lie in [0, {size}) (flat indices into the "
                f"population of shape {self.varshape}), got {indices.min()}..{indices.max()}"
            )
        if need_sort:
            order = np.argsort(times, kind="stable")
            times, indices = times[order], indices[order]
        self.num_times = len(times)
        self.spk_type = spk_type
        self.times: Any = jnp.asarray(times, dtype=environ.dftype()) * u.ms
        self.indices = jnp.asarray(indices, dtype=environ.ditype())
        self._batch_size: int | None = None

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self._batch_size = batch_size
        self.i = ShortTermState(jnp.asarray(0, dtype=environ.ditype()))

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self._batch_size = batch_size
        self.i.value = jnp.asarray(0, dtype=environ.ditype())

    def update(self) -> Any:
        t = in_unit(environ.get("t", desc="the current time"), u.ms, "t", self._label())
        dt = time_step(environ.get_dt())
        size = int(np.prod(self.varshape))
        horizon = magnitude((t + 0.5 * dt) / u.ms)
        times = self.times.to_decimal(u.ms)
        # events [i, j) are due: not yet emitted and at most half a step ahead
        j = jnp.searchsorted(times, horizon, side="right").astype(self.i.value.dtype)
        k = jnp.arange(self.num_times, dtype=j.dtype)
        due = (k >= self.i.value) & (k < j)
        flat = jnp.zeros(size, dtype=bool).at[self.indices].max(due)
        self.i.value = jnp.maximum(self.i.value, j)
        spikes = flat.reshape(self.varshape).astype(self.spk_type)
        if self._batch_size is not None:
            spikes = jnp.broadcast_to(spikes, (self._batch_size, *self.varshape))
        return spikes


class PoissonSpike(Dynamics):
    """Independent Poisson spike trains with fixed rates ``freqs``.

    At each step, neuron ``i`` spikes with probability ``freqs[i] · dt``.

    Args:
        in_size: the population's shape.
        freqs: the firing rates (Hz if plain numbers), broadcastable to ``in_size``.
        spk_type: the dtype of the spikes (default ``bool``).
        name: an optional name.

    Examples:
        >>> import brainunit as u
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> bsc.random.seed(0)
        >>> inp = nn.init_all_states(nn.PoissonSpike(1000, freqs=100. * u.Hz))
        >>> with bsc.environ.context(dt=1. * u.ms):
        ...     count = sum(int(inp().sum()) for _ in range(10))
        >>> 800 < count < 1200  # 1000 neurons x 10 ms x 100 Hz
        True
    """

    def __init__(
        self,
        in_size: Any,
        freqs: Any,
        spk_type: Any = bool,
        name: str | None = None,
    ) -> None:
        super().__init__(in_size, name=name)
        self.spk_type = spk_type
        freqs = in_unit(freqs, u.Hz, "freqs", self._label())
        self.freqs = param(freqs, self.varshape, allow_none=False)
        self._batch_size: int | None = None

    def init_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self._batch_size = batch_size

    def reset_state(self, batch_size: int | None = None, **kwargs: Any) -> None:
        self._batch_size = batch_size

    def update(self) -> Any:
        shape = self.varshape if self._batch_size is None else (self._batch_size, *self.varshape)
        return _spikes(_step_probability(self.freqs, self._label()), shape, self.spk_type)


class PoissonEncoder(Dynamics):
    """Encode rates given at call time as Poisson spikes: ``encoder(freqs)``.

    At each call, entry ``i`` spikes with probability ``freqs[i] · dt``. ``freqs`` may
    carry leading batch axes (``(batch, *in_size)``).

    Args:
        in_size: the population's shape.
        spk_type: the dtype of the spikes (default ``bool``).
        name: an optional name.

    Examples:
        >>> import jax.numpy as jnp
        >>> import brainunit as u
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> bsc.random.seed(0)
        >>> enc = nn.PoissonEncoder(3)
        >>> with bsc.environ.context(dt=1. * u.ms):
        ...     spikes = enc(jnp.array([0., 0., 1000.]) * u.Hz)  # p = 0, 0, 1
        >>> spikes.tolist()
        [False, False, True]
    """

    def __init__(self, in_size: Any, spk_type: Any = bool, name: str | None = None) -> None:
        super().__init__(in_size, name=name)
        self.spk_type = spk_type

    def update(self, freqs: Any) -> Any:
        p = _step_probability(freqs, self._label())
        shape = jnp.broadcast_shapes(jnp.shape(p), self.varshape)
        return _spikes(p, shape, self.spk_type)


class PoissonInput(Module):
    """Add the summed input of ``num_input`` independent Poisson trains to a State.

    Every target entry receives its own realization: at each call the number of input
    spikes ``k ~ Binomial(num_input, p)`` with ``p = freq · dt``, and ``weight · k`` is
    added to the target State's value (all of it, or ``value[..., indices]``). When
    ``num_input·p > 5`` and ``num_input·(1 - p) > 5`` the normal approximation
    ``N(num_input·p, num_input·p·(1 - p))`` is used (clipped to ``[0, num_input]``), as in
    Brian2 and BrainPy. The mean input per step is ``freq · dt · num_input · weight``.
    brainstate and BrainPy gave the normal approximation the *variance* as its standard
    deviation; the standard deviation ``√(num_input·p·(1 - p))`` is used here.

    This is far cheaper than simulating ``num_input`` Poisson neurons and a projection.
    Call it once per step, before the target's update (e.g. in the network's
    ``update``).

    Args:
        target: the variable to add to: a reference ``population.prefetch('V')`` or a
            State.
        indices: the entries of the target's last axis that receive input (None for all).
        num_input: the number of Poisson inputs per target entry.
        freq: the rate of each input (Hz if a plain number).
        weight: the effect of one input spike, in the target's unit.
        name: an optional name.

    Raises:
        ValueError: ``num_input`` is not a positive integer or ``freq`` is negative.
        brainunit.UnitMismatchError: at call time, ``weight`` has not the target's unit.

    Examples:
        >>> import brainunit as u
        >>> import brainstate_core as bsc
        >>> import brainstate_nn as nn
        >>> bsc.random.seed(0)
        >>> neu = nn.init_all_states(nn.LIF(100, V_th=1000. * u.mV))
        >>> inp = nn.PoissonInput(neu.prefetch('V'), None, num_input=200, freq=10. * u.Hz,
        ...                       weight=0.5 * u.mV)
        >>> with bsc.environ.context(dt=1. * u.ms):
        ...     inp()  # 200 inputs x 10 Hz x 1 ms = 2 spikes on average, x 0.5 mV
        >>> 0.7 < float(neu.V.value.mean().to_decimal(u.mV)) < 1.3
        True
    """

    def __init__(
        self,
        target: Prefetch | State,
        indices: Any,
        num_input: int,
        freq: Any,
        weight: Any,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        if not isinstance(target, (Prefetch, State)):
            raise TypeError(
                f"{self._label()}: target must be a reference population.prefetch('V') or a "
                f"State, got {target!r}"
            )
        if isinstance(num_input, bool) or not isinstance(num_input, (int, np.integer)):
            raise ValueError(f"{self._label()}: num_input must be an int, got {num_input!r}")
        if num_input <= 0:
            raise ValueError(f"{self._label()}: num_input must be positive, got {num_input}")
        freq = in_unit(freq, u.Hz, "freq", self._label())
        try:
            negative = not isinstance(freq, State) and bool(np.any(freq.to_decimal(u.Hz) < 0))
        except jax.errors.ConcretizationTypeError:
            negative = False
        if negative:
            raise ValueError(f"{self._label()}: freq must be non-negative, got {freq}")
        self.target = target
        self.indices = None if indices is None else jnp.asarray(indices)
        self.num_input = int(num_input)
        self.freq = freq
        self.weight = weight

    def _target_state(self) -> State:
        if isinstance(self.target, State):
            return self.target
        state = getattr(self.target.module, self.target.item)
        if not isinstance(state, State):
            raise TypeError(
                f"{self._label()}: {self.target.module._label()}.{self.target.item} is not a "
                f"State (call init_all_states first?), got {state!r}"
            )
        return state

    def _counts(self, shape: tuple[int, ...], dtype: Any) -> Any:
        freq = self.freq.value if isinstance(self.freq, State) else self.freq
        p = _step_probability(freq, self._label())
        n = self.num_input
        mean = n * p

        def normal() -> Any:
            std = jnp.sqrt(mean * (1 - p))
            return jnp.clip(random.normal(mean, std, shape, dtype=dtype), 0, n)

        def binomial() -> Any:
            return random.binomial(n, jnp.clip(p, 0, 1), shape, dtype=dtype)

        large = (mean > 5) & (n * (1 - p) > 5)
        try:
            all_large, any_large = bool(np.all(large)), bool(np.any(large))
        except jax.errors.ConcretizationTypeError:  # a traced frequency: choose per entry
            all_large, any_large = False, True
        if all_large:
            return normal()
        if not any_large:
            return binomial()
        return jnp.where(large, normal(), binomial())

    def update(self) -> None:
        state = self._target_state()
        value = state.value
        if u.get_unit(value).dim != u.get_unit(self.weight).dim:  # before drawing anything
            raise u.UnitMismatchError(
                f"{self._label()}: weight must be in the unit of the target "
                f"({u.get_unit(value)}), got {self.weight!r}"
            )
        mantissa = u.get_mantissa(value)
        shape = mantissa.shape if self.indices is None else mantissa[..., self.indices].shape
        inp = self._counts(shape, jnp.result_type(mantissa)) * self.weight
        if self.indices is None:
            state.value = value + inp
        else:
            state.value = value.at[..., self.indices].add(inp)
